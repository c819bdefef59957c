//! Leaders on the tools in a real browser: a support employee adds items to their standard
//! work, ticks one, sees a proven item tick itself from their replies, and the organisation
//! page shows the leaders' ledger.

use frontline_core::standard_work::{Cadence, ItemTitle, NewStandardWorkItem};
use frontline_core::time;
use frontline_test_support::TestApp;
use jiff::SignedDuration;
use serde_json::json;

use super::{Browser, PASSWORD, TestResult, browser_lock};

#[tokio::test]
async fn a_support_employee_keeps_standard_work_and_the_org_page_shows_the_ledger() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.sue.person.id, PASSWORD).await;
    let sue = org.sue.person.id;
    // An item kept for two weeks already, ticked on most days, so its history shows.
    let now = time::now();
    let walk = app
        .store
        .create_standard_work_item(
            Some(sue),
            NewStandardWorkItem {
                person_id: sue,
                title: ItemTitle::parse("Walk the front-line cockpit").unwrap(),
                cadence: Cadence::Daily,
                proof: None,
            },
            Some(now - SignedDuration::from_hours(24 * 14)),
        )
        .await
        .unwrap()
        .value;
    for days in [1, 2, 3, 5, 6, 8] {
        app.store
            .tick_standard_work(
                sue,
                walk.id,
                Some(now - SignedDuration::from_hours(24 * days)),
            )
            .await
            .unwrap();
    }
    // Two public replies this week.
    let case = app.case_for(&org, org.carol.person.id, "Parcel late").await;
    for body in [
        "Looking into it now.",
        "It ships today, tracking to follow.",
    ] {
        app.add_message(&org.sue.token, &case, &json!({ "body": body }))
            .await;
    }

    let browser = Browser::open(port, &app).await.expect("open a browser");
    let result: TestResult = async {
        browser.login("sue@frontline.test").await?;
        browser.goto("/standard-work").await?;
        browser.wait_for_text("main", "My standard work").await?;
        browser.fill("#sw-title", "Answer customers myself").await?;
        browser
            .find("#sw-cadence")
            .await?
            .select_by_value("weekly")
            .await?;
        browser
            .find("#sw-metric")
            .await?
            .select_by_value("public_replies")
            .await?;
        browser.fill("#sw-target", "2").await?;
        browser
            .click("form[action='/standard-work/items'] button[type=submit]")
            .await?;
        browser.wait_for_text("main", "The item was added").await?;
        browser
            .wait_for_text("#checklist", "2 of 2 public replies")
            .await?;
        browser
            .click(&format!(
                "form[action='/standard-work/{}/tick'] button",
                walk.id
            ))
            .await?;
        browser.wait_for_text("main", "Ticked. Well done.").await?;
        browser.wait_for_text("main", "2 of 2").await?;
        browser.screenshots("standard-work").await?;

        browser.goto("/org").await?;
        browser
            .wait_for_text("#ledger", "Leaders on the tools")
            .await?;
        browser
            .wait_for_text("#ledger", "never served a customer")
            .await?;
        browser
            .client
            .execute("document.getElementById('ledger').scrollIntoView()", vec![])
            .await?;
        browser.screenshots("org-ledger").await?;

        browser
            .click(&format!("#ledger a[href='/people/{}']", org.sue.id()))
            .await?;
        browser
            .wait_for_text("main", "Customer-time ledger")
            .await?;
        browser.screenshots("person-ledger").await?;
        Ok(())
    }
    .await;
    browser.close().await;
    result.expect("browser test");
}
