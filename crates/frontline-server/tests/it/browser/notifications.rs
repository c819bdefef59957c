//! Staff notifications in a real browser: Sue ticks what she wants mailed on her account
//! page and saves it; the page keeps the boxes ticked and says mail is off on this server.
//! Screenshots at both widths.

use frontline_core::notify::NotificationKind;
use frontline_test_support::TestApp;

use super::{Browser, PASSWORD, TestResult, browser_lock};

#[tokio::test]
async fn a_staff_member_ticks_her_mail_notifications_on_her_account_page() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.sue.person.id, PASSWORD).await;
    let browser = Browser::open(port, &app).await.expect("open a browser");
    let result: TestResult = async {
        browser.login("sue@frontline.test").await?;
        browser.goto("/account").await?;
        browser
            .wait_for_text("#notifications", "Mail is off on this server")
            .await?;
        browser
            .click("#notifications input[value=customer_replied]")
            .await?;
        browser
            .click("#notifications input[value=ask_to_me]")
            .await?;
        browser
            .click("form[action='/account/notifications'] button[type=submit]")
            .await?;
        browser
            .wait_for_text("main", "Your notifications are saved")
            .await?;
        browser.screenshots("account-notifications").await?;
        Ok(())
    }
    .await;
    browser.close().await;
    result.expect("browser test");
    assert_eq!(
        app.store
            .get_notification_preferences(org.sue.person.id, None)
            .await
            .unwrap()
            .email,
        [NotificationKind::CustomerReplied, NotificationKind::AskToMe]
    );
}
