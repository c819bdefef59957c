//! Sign-up end to end through real mail servers: the confirmation mail goes out through
//! postfix from `--mail-from`, arrives in the customer's dovecot mailbox, and its link signs
//! the new customer in; once sent, the outbox keeps no link. Skipped where the mail stack
//! cannot run, unless `FRONTLINE_REQUIRE_MAIL=1`.

use std::time::Duration;

use frontline_mail::{Imap, ImapConfig, Inbound, Limits, Security, SmtpConfig};
use frontline_store::OutboundStatus;
use frontline_test_support::{MailStack, TestApp};
use reqwest::StatusCode;
use serde_json::json;

use crate::json;
use crate::mail_servers::eventually;
use crate::signup::{PASSWORD, post_json};

const PUBLIC_URL: &str = "https://help.example.test";

async fn inbox(stack: &MailStack) -> Vec<Inbound> {
    let imap = Imap::new(ImapConfig {
        host: stack.host.clone(),
        port: stack.imap_port,
        security: Security::Plain,
        username: "customer".into(),
        password: stack.password.clone(),
        folder: "INBOX".into(),
        extra_roots_pem: None,
        timeout: Duration::from_secs(10),
    })
    .unwrap();
    let mut session = imap.connect().await.expect("IMAP login");
    let unseen = session.unseen().await.expect("IMAP search");
    let _ = session.logout().await;
    unseen
        .iter()
        .map(|m| frontline_mail::parse(&m.raw, &Limits::default()).unwrap())
        .collect()
}

#[tokio::test]
async fn a_sign_up_mail_arrives_by_smtp_and_its_link_signs_the_customer_in() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let from = stack.address("no-reply");
    let app = TestApp::spawn_configured(|config| {
        config.mail_sync_every = Duration::from_millis(200);
        config.public_url = Some(PUBLIC_URL.into());
        config.mail_from = Some(frontline_core::Email::parse(&from).unwrap());
        config.smtp = Some(SmtpConfig {
            host: stack.host.clone(),
            port: stack.smtp_port,
            security: Security::Plain,
            username: None,
            password: None,
            extra_roots_pem: None,
            timeout: Duration::from_secs(10),
        });
    })
    .await;
    app.seed().await;
    let address = stack.address("customer");
    let asked = post_json(
        &app,
        "/api/v1/signup",
        &json!({ "email": address, "name": "Cora Customer", "password": PASSWORD }),
    )
    .await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);

    let mail = eventually("the confirmation in the customer's mailbox", || async {
        inbox(&stack).await.into_iter().next()
    })
    .await;
    assert_eq!(mail.subject, "Confirm your address");
    assert_eq!(mail.from.as_str(), from);
    let at = mail
        .text
        .find(PUBLIC_URL)
        .unwrap_or_else(|| panic!("no link in {}", mail.text));
    let link = mail.text[at..].split_whitespace().next().unwrap();
    let path = link.strip_prefix(PUBLIC_URL).unwrap();
    let (page, token) = path.split_once("?token=").unwrap();
    assert_eq!(page, "/signup/confirm");
    let shown = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(
        shown.status(),
        StatusCode::OK,
        "the link in the mail opens its page"
    );

    let confirmed = post_json(&app, "/api/v1/signup/confirm", &json!({ "token": token })).await;
    assert_eq!(confirmed.status(), StatusCode::CREATED);
    assert_eq!(json(confirmed).await["person"]["email"], address);

    // Sent: the outbox row no longer holds the link.
    let kept = eventually("the mail recorded as sent", || async {
        let mails = app.store.list_account_outbound(10).await.ok()?;
        mails.into_iter().find(|m| m.status == OutboundStatus::Sent)
    })
    .await;
    assert!(!kept.text.contains(token), "{}", kept.text);
    assert_eq!(kept.text, frontline_store::ACCOUNT_TEXT_REMOVED);
}
