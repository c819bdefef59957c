//! Search in a real browser: Ann types words from a customer's message into the search box and
//! submits with the keyboard; the case is found with the words marked in a snippet; the
//! customer's own search finds the case but not the words of an internal note. Screenshots at
//! both widths.

use fantoccini::key::Key;
use frontline_test_support::TestApp;
use serde_json::json;

use super::{Browser, PASSWORD, TestResult, browser_lock};

#[tokio::test]
async fn a_search_finds_a_word_from_a_message_body() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    for user in [&org.ann, &org.carol] {
        app.set_password(user.person.id, PASSWORD).await;
    }
    let created = app
        .create_case(
            &org.carol.token,
            &json!({ "subject": "Where is my order",
                     "body": "The parcel arrived with the lid of the teapot cracked in two.",
                     "outcome": "order_arrives" }),
        )
        .await;
    let number = crate::json(created).await["number"]
        .as_str()
        .unwrap()
        .to_owned();
    app.add_message(
        &org.ann.token,
        &number,
        &json!({ "body": "Carrier ref quokka-77 for the claim.", "visibility": "internal" }),
    )
    .await;
    app.case_for(&org, org.dave.person.id, "Invoice is wrong")
        .await;

    let browser = Browser::open(port, &app).await.expect("open a browser");
    let result: TestResult = async {
        browser.login("ann@frontline.test").await?;
        browser.goto("/search").await?;
        let input = browser.find("#q").await?;
        input.send_keys("teapot cra*").await?;
        input.send_keys(&char::from(Key::Enter).to_string()).await?;
        browser.wait_for_text("[data-count]", "1 case").await?;
        let snippet = browser.wait_for_text("[data-snippet]", "teapot").await?;
        assert!(snippet.contains("cracked in two"), "{snippet}");
        let marks = browser.find("[data-snippet] mark").await?.text().await?;
        assert_eq!(marks, "teapot");
        browser.screenshots("search-results").await?;
        browser.click("[data-hit] a").await?;
        browser
            .wait_for_text("main h1", "Where is my order")
            .await?;
        browser.click("#edit-case summary").await?;
        browser.find("#edit-subject").await?;
        browser
            .client
            .execute(
                "document.getElementById('edit-case').scrollIntoView()",
                vec![],
            )
            .await?;
        browser.screenshots("case-edit-form").await?;
        browser
            .goto(&format!("/cockpit/queues/{}", org.orders))
            .await?;
        browser.wait_for_text("main h1", "queue").await?;
        browser.screenshots("queue-page").await?;
        // Staff find the note's words too.
        browser.goto("/search?q=quokka").await?;
        browser.wait_for_text("[data-count]", "1 case").await?;
        browser.logout().await?;

        browser.login("carol@customer.test").await?;
        browser.goto("/search?q=teapot").await?;
        browser.wait_for_text("[data-count]", "1 case").await?;
        browser.goto("/search?q=quokka").await?;
        browser.wait_for_text("[data-count]", "0 cases").await?;
        browser.screenshots("search-customer").await?;
        Ok(())
    }
    .await;
    browser.close().await;
    result.expect("browser test");
}
