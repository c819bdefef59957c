//! Asks in a real browser: an employee raises an ask to "my support"; it appears live in the
//! support employee's inbox (no reload); the support employee answers and resolves it; the
//! employee says how the help felt; the figures page shows it.

use frontline_test_support::TestApp;

use super::{Browser, PASSWORD, TestResult, browser_lock};

#[tokio::test]
async fn an_ask_reaches_the_inbox_live_and_is_answered_resolved_and_rated() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    for user in [&org.ann, &org.sue] {
        app.set_password(user.person.id, PASSWORD).await;
    }

    let support = Browser::open(port, &app).await.expect("open a browser");
    let employee = Browser::open(port, &app)
        .await
        .expect("open a second browser");
    let result: TestResult = async {
        support.login("sue@frontline.test").await?;
        support.goto("/asks").await?;
        support.wait_live().await?;
        support
            .wait_for_text("#inbox-h + p + p", "Nobody is waiting on you")
            .await?;

        employee.login("ann@frontline.test").await?;
        employee.goto("/asks").await?;
        employee
            .find("select[name=kind]")
            .await?
            .select_by_value("approval")
            .await?;
        employee
            .find("select[name=urgency]")
            .await?
            .select_by_value("high")
            .await?;
        employee
            .fill(
                "textarea[name=text]",
                "May I refund 400 EUR on the broken vase? It is above my guideline.",
            )
            .await?;
        employee
            .click("form[action='/asks'] button[type=submit]")
            .await?;
        employee
            .wait_for_text("main", "Your ask is on its way")
            .await?;
        employee.wait_for_text("main", "with sue").await?;

        // Sue's inbox shows it without a reload.
        support
            .wait_for_text("#ask-lists", "May I refund 400 EUR")
            .await?;
        support.screenshots("asks-inbox").await?;
        support.click("#ask-lists a[href^='/asks/']").await?;
        support
            .fill(
                "textarea[name=body]",
                "Yes: the customer has been with us for years.",
            )
            .await?;
        support.click("form[action$='/message'] button").await?;
        support.wait_for_text("main", "Sent.").await?;
        support.click("form[action$='/resolve'] button").await?;
        support.wait_for_text("main", "Marked unblocked").await?;

        employee.goto("/asks").await?;
        employee
            .wait_for_text("#ask-lists", "How did the help feel?")
            .await?;
        employee.click("#ask-lists a[href$='#rate']").await?;
        employee.click("#rate input[name=score][value='5']").await?;
        employee.fill("#rate input[name=word]", "Relieved").await?;
        employee.click("#rate button").await?;
        employee
            .wait_for_text("main", "5 out of 5, \"relieved\"")
            .await?;
        employee.screenshots("ask-detail").await?;

        employee.goto("/asks/figures").await?;
        employee.wait_for_text("main", "relieved").await?;
        employee.screenshots("ask-figures").await?;
        Ok(())
    }
    .await;
    support.close().await;
    employee.close().await;
    result.expect("browser test");
}
