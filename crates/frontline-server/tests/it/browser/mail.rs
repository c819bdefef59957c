//! The mail settings page in a real browser: an administrator adds a mailbox through the
//! form, makes its inbound token (shown once), sees a mail that could not be taken in the
//! quarantine, and drops it. Hostile text from the mail shows as text, never as markup. A
//! customer's mail then opens a case, and once her address bounces its page says so by the
//! reply box.

use super::{Browser, PASSWORD, TestResult, browser_lock};
use frontline_test_support::TestApp;

#[tokio::test]
async fn an_administrator_sets_up_a_mailbox_and_clears_the_quarantine() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.ada.person.id, PASSWORD).await;

    let browser = Browser::open(port, &app).await.expect("open a browser");
    let result: TestResult = async {
        browser.login("ada@frontline.test").await?;
        browser.goto("/admin").await?;
        browser.click("a[href='/admin/mail']").await?;
        browser.wait_for_text("main h1", "Mail").await?;
        browser.wait_for_text("main", "No mailbox yet").await?;

        browser.fill("#mb-key", "support").await?;
        browser.fill("#mb-name", "ACME Support").await?;
        browser.fill("#mb-address", "support@acme.test").await?;
        browser
            .click("form[action='/admin/mail/mailboxes'] button[type='submit']")
            .await?;
        browser
            .wait_for_text("p.notice", "The mailbox was saved.")
            .await?;
        browser
            .wait_for_text("main table", "support@acme.test")
            .await?;

        browser
            .click("form[action='/admin/mail/mailboxes/support/token'] button")
            .await?;
        let token = browser.find("#inbound-token").await?.text().await?;
        assert!(token.starts_with("fl_"), "{token}");

        // A mail without a sender, with markup in its subject, posted with that token.
        let raw = "To: support@acme.test\r\nSubject: <img src=x onerror=alert(1)> hi\r\n\
                   Message-ID: <anon@example.org>\r\n\r\nhello\r\n";
        let posted = app
            .client
            .post(app.url("/api/v1/mailboxes/support/inbound"))
            .bearer_auth(token.trim())
            .body(raw)
            .send()
            .await?;
        assert_eq!(posted.status(), reqwest::StatusCode::ACCEPTED);

        browser.goto("/admin/mail").await?;
        let row = browser
            .wait_for_text("#quarantine", "no From address")
            .await?;
        assert!(row.contains("<img src=x onerror=alert(1)> hi"), "{row}");
        let injected = browser
            .client
            .execute(
                "return document.querySelectorAll('#quarantine img').length",
                vec![],
            )
            .await?;
        assert_eq!(injected, serde_json::json!(0), "the subject stayed text");
        browser.screenshots("mail-settings").await?;
        browser.client.set_window_size(375, 1200).await?;
        let widths = browser
            .client
            .execute(
                "const wide = [...document.querySelectorAll('body *')]
                   .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                   .slice(0, 8).map(e => e.tagName + '.' + e.className + ':' +
                     Math.round(e.getBoundingClientRect().right));
                 return [document.documentElement.scrollWidth, window.innerWidth, wide];",
                vec![],
            )
            .await?;
        assert!(
            widths[0].as_i64() <= widths[1].as_i64(),
            "at 375 px the page scrolls sideways (width, viewport, widest): {widths}"
        );
        browser.client.set_window_size(1280, 1000).await?;

        browser
            .click("#quarantine form[action$='/drop'] button")
            .await?;
        browser
            .wait_for_text("p.notice", "The quarantined mail was dropped.")
            .await?;
        browser.wait_for_text("main", "Nothing is held.").await?;

        // Carol writes in; her address then bounces: the case page warns by the reply box.
        let carol = "From: Carol <carol@customer.test>\r\nTo: support@acme.test\r\n\
                     Subject: Where is my parcel\r\nMessage-ID: <carol-1@customer.test>\r\n\r\n\
                     It has not come.\r\n";
        let opened = app
            .client
            .post(app.url("/api/v1/mailboxes/support/inbound"))
            .bearer_auth(token.trim())
            .body(carol)
            .send()
            .await?;
        assert_eq!(opened.status(), reqwest::StatusCode::ACCEPTED);
        let number = opened.json::<serde_json::Value>().await?["case"]
            .as_str()
            .expect("the case it opened")
            .to_owned();
        app.store
            .mark_mail_bouncing(frontline_test_support::frontline_store::NewMailBounce {
                person_id: org.carol.person.id,
                address: org.carol.person.email.clone(),
                reason: "550 5.1.1 <carol@customer.test>: mailbox unavailable".into(),
                source: frontline_core::mail::BounceSource::Report,
            })
            .await?;
        browser.goto(&format!("/cases/{number}")).await?;
        browser
            .wait_for_text(".bounce-warning", "replies will not reach them")
            .await?;
        browser.screenshots("case-bounce").await?;
        Ok(())
    }
    .await;
    browser.close().await;
    result.expect("browser test");
}
