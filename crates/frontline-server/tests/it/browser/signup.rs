//! A customer helps themselves in a real browser: signs up, follows the confirmation link
//! from the mail (read from the outbox, as an administrator would see it on `/admin/mail`
//! while mail out is off), lands in the portal and opens a case.

use frontline_test_support::TestApp;

use super::{Browser, TestResult, browser_lock};
use crate::signup::link_for;

#[tokio::test]
async fn a_customer_signs_up_confirms_by_the_link_and_opens_a_case_in_the_portal() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let _org = app.seed().await;
    let browser = Browser::open(port, &app).await.expect("open a browser");
    let result: TestResult = async {
        browser.goto("/login").await?;
        browser.click("#login-other-ways a[href='/signup']").await?;
        browser.fill("#email", "nina@customer.test").await?;
        browser.fill("#name", "Nina Newcomer").await?;
        browser
            .fill("#password", "a long enough passphrase")
            .await?;
        browser.screenshots("signup").await?;
        browser
            .click("form[action='/signup'] button[type=submit]")
            .await?;
        browser
            .wait_for_text("#links-sent", "mail with a link")
            .await?;
        browser.screenshots("signup-sent").await?;

        let (token, _) = link_for(&app, "nina@customer.test", 0).await;
        browser
            .goto(&format!("/signup/confirm?token={token}"))
            .await?;
        browser.screenshots("signup-confirm").await?;
        browser
            .click("form[action='/signup/confirm'] button[type=submit]")
            .await?;
        browser.find("form.signout").await?;
        assert_eq!(browser.path().await?, "/portal");
        browser.wait_for_text("header nav", "My cases").await?;

        browser.goto("/portal/new").await?;
        browser
            .click("input[name=outcome][value=order_arrives]")
            .await?;
        browser.fill("#subject", "My first order").await?;
        browser.fill("#body", "Signed up a minute ago.").await?;
        browser
            .click("form[action='/portal/cases'] button[type=submit]")
            .await?;
        browser.wait_for_text("h1", "My first order").await?;

        // The link was spent: following it again says so, in words.
        browser.logout().await?;
        browser
            .goto(&format!("/signup/confirm?token={token}"))
            .await?;
        browser
            .click("form[action='/signup/confirm'] button[type=submit]")
            .await?;
        browser
            .wait_for_text("#links-error", "unknown, used or expired")
            .await?;
        browser.screenshots("signup-link-used").await?;
        browser.goto("/reset").await?;
        browser.screenshots("reset-ask").await?;
        Ok(())
    }
    .await;
    browser.close().await;
    result.expect("browser test");
}
