//! Customer accounts in a real browser: Ann opens a case for a caller from the cockpit
//! (creating the customer), Ada looks at the customer's page with its merge and erase forms,
//! and the customer keeps their profile on the account page. Screenshots of each page at
//! both widths.

use frontline_test_support::TestApp;

use super::{Browser, PASSWORD, TestResult, browser_lock};

#[tokio::test]
async fn staff_open_a_case_for_a_caller_and_customers_keep_their_profile() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    for user in [&org.ann, &org.ada, &org.carol] {
        app.set_password(user.person.id, PASSWORD).await;
    }
    let browser = Browser::open(port, &app).await.expect("open a browser");
    let result: TestResult = async {
        browser.login("ann@frontline.test").await?;
        browser.goto("/cockpit").await?;
        browser.click("a[href='/cases/new']").await?;
        browser
            .wait_for_text("main h1", "New case for a customer")
            .await?;
        browser.fill("#customer", "cal@customer.test").await?;
        browser.fill("#name", "Cal Caller").await?;
        browser.click("input[name=outcome]").await?;
        browser
            .fill("#subject", "Called: the parcel is late")
            .await?;
        browser
            .fill("#body", "He called: the parcel is three days late.")
            .await?;
        browser.screenshots("new-case-for-customer").await?;
        browser.click("#staff-new-case button[type=submit]").await?;
        browser
            .wait_for_text("main", "Called: the parcel is late")
            .await?;
        browser.logout().await?;

        browser.login("ada@frontline.test").await?;
        app.post(
            &format!("/api/v1/people/{}/addresses", org.carol.id()),
            &org.ann.token,
            &serde_json::json!({ "address": "carol@office.test" }),
        )
        .await;
        browser.goto(&format!("/people/{}", org.carol.id())).await?;
        browser
            .wait_for_text("#addresses", "carol@office.test")
            .await?;
        browser.find("#erase-form").await?;
        browser.screenshots("customer-page-admin").await?;
        browser.logout().await?;

        browser.login("carol@customer.test").await?;
        browser.goto("/account").await?;
        browser.fill("#profile-language", "fr").await?;
        browser.fill("#profile-time-zone", "Europe/Paris").await?;
        browser
            .click("form[action='/account/profile'] button[type=submit]")
            .await?;
        browser
            .wait_for_text("main", "Your profile is saved")
            .await?;
        browser.screenshots("account-profile").await?;
        Ok(())
    }
    .await;
    browser.close().await;
    result.expect("browser test");
}
