//! Mail through real servers: a customer's mail submitted over SMTP (postfix) lands in the
//! support mailbox (dovecot); the server's IMAP reader turns it into a case and only then marks
//! it read; a staff reply goes out over SMTP and reaches the customer's mailbox threaded; the
//! customer's answer to it lands on the same case. Skipped where the mail stack cannot run,
//! unless `FRONTLINE_REQUIRE_MAIL=1` (set by `scripts/test`).

use std::time::{Duration, Instant};

use frontline_core::Email;
use frontline_mail::{Imap, ImapConfig, Outgoing, Purpose, Security, Smtp, SmtpConfig, build};
use frontline_test_support::{MailStack, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::json;

pub(crate) const DEADLINE: Duration = Duration::from_secs(20);

/// The customer's mail to support, as their mail client would write it.
pub(crate) fn customers_mail(
    stack: &MailStack,
    id: &str,
    subject: &str,
    text: &str,
    answers: &[&str],
) -> Outgoing {
    Outgoing {
        from: Email::parse(&stack.address("customer")).unwrap(),
        from_name: Some("Casey Customer".into()),
        to: Email::parse(&stack.address("support")).unwrap(),
        to_name: None,
        subject: subject.into(),
        text: text.into(),
        message_id: id.into(),
        references: answers.iter().map(|a| (*a).to_owned()).collect(),
        purpose: Purpose::Reply,
        reply_marker: false,
    }
}

pub(crate) async fn submit(stack: &MailStack, mail: &Outgoing) {
    let smtp = Smtp::new(&SmtpConfig {
        host: stack.host.clone(),
        port: stack.smtp_port,
        security: Security::Plain,
        username: None,
        password: None,
        extra_roots_pem: None,
        timeout: Duration::from_secs(10),
    })
    .unwrap();
    let (envelope, bytes) = build(mail, None).unwrap();
    smtp.send(&envelope, &bytes)
        .await
        .expect("postfix takes the mail");
}

/// Poll `check` every 100 ms until it gives a value or the deadline passes.
pub(crate) async fn eventually<T, F: Future<Output = Option<T>>>(
    what: &str,
    mut check: impl FnMut() -> F,
) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "{what}: not within {DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn cases(app: &TestApp, token: &str) -> Vec<Value> {
    json(app.list_cases(token, "").await).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_mail_sent_to_support_becomes_a_case_by_imap_and_its_reply_joins_it() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let app = TestApp::spawn_configured(|config| {
        config.mail_sync_every = Duration::from_millis(200);
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
    let org = app.seed().await;
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), format!("{}\n", stack.password)).unwrap();
    let saved = app
        .put(
            "/api/v1/mailboxes/support",
            &org.ada.token,
            &json!({
                "name": "Support",
                "address": stack.address("support"),
                "outcome": org.outcome_key,
                "imap": {
                    "host": stack.host, "port": stack.imap_port, "security": "plain",
                    "username": "support",
                    "password_from": format!("file:{}", secret.path().display()),
                },
            }),
        )
        .await;
    assert_eq!(
        saved.status(),
        StatusCode::OK,
        "{}",
        saved.text().await.unwrap()
    );

    submit(
        &stack,
        &customers_mail(
            &stack,
            "first@customer.example.test",
            "The kettle leaks",
            "It leaks from the lid.",
            &[],
        ),
    )
    .await;
    let case = eventually("the case", || async {
        cases(&app, &org.ada.token).await.into_iter().next()
    })
    .await;
    assert_eq!(case["subject"], "The kettle leaks");
    assert_eq!(case["channel"], "email");
    let number = case["number"].as_str().unwrap().to_owned();

    // Marked read on the server only now that the case is written.
    let support = Imap::new(ImapConfig {
        host: stack.host.clone(),
        port: stack.imap_port,
        security: Security::Plain,
        username: "support".into(),
        password: stack.password.clone(),
        folder: "INBOX".into(),
        extra_roots_pem: None,
        timeout: Duration::from_secs(10),
    })
    .unwrap();
    eventually("the mail marked read", || async {
        let mut session = support.connect().await.ok()?;
        let unseen = session.unseen().await.ok()?;
        let _ = session.logout().await;
        unseen.is_empty().then_some(())
    })
    .await;

    submit(
        &stack,
        &customers_mail(
            &stack,
            "second@customer.example.test",
            "Re: The kettle leaks",
            "Any news?\n\nOn Monday, Support wrote:\n> We are looking.\n> Support",
            &["first@customer.example.test"],
        ),
    )
    .await;
    let messages = eventually("the reply on the case", || async {
        let messages = json(app.list_messages(&org.ada.token, &number).await).await;
        let items = messages["items"].as_array().unwrap().clone();
        (items.len() == 2).then_some(items)
    })
    .await;
    assert_eq!(messages[1]["body"], "Any news?");
    assert_eq!(cases(&app, &org.ada.token).await.len(), 1, "no second case");

    // A staff reply goes out by mail, threaded onto the customer's two mails.
    let replied = app
        .add_message(
            &org.ann.token,
            &number,
            &json!({ "body": "A new lid is on its way." }),
        )
        .await;
    assert_eq!(replied.status(), StatusCode::CREATED);
    let customer = Imap::new(ImapConfig {
        username: "customer".into(),
        ..support.config().clone()
    })
    .unwrap();
    let delivered = eventually("the reply in the customer's mailbox", || async {
        let mut session = customer.connect().await.ok()?;
        let unseen = session.unseen().await.ok()?;
        let _ = session.logout().await;
        unseen.into_iter().next()
    })
    .await;
    let reply = frontline_mail::parse(&delivered.raw, &frontline_mail::Limits::default()).unwrap();
    assert_eq!(reply.subject, format!("Re: [{number}] The kettle leaks"));
    assert_eq!(reply.from.as_str(), stack.address("support"));
    assert_eq!(
        reply.thread_ids,
        [
            "second@customer.example.test",
            "first@customer.example.test"
        ],
        "In-Reply-To names the customer's newest mail, References both"
    );
    assert!(
        reply.text.contains("A new lid is on its way."),
        "{}",
        reply.text
    );
    let outbox = eventually("the mail recorded as sent", || async {
        let events = json(app.events(&org.ada.token, "?kind=mail.sent").await).await;
        events["items"].as_array().and_then(|i| i.first().cloned())
    })
    .await;
    assert_eq!(outbox["payload"]["to"], stack.address("customer"));

    // The customer answers that mail: it threads by its Message-ID onto the same case.
    submit(
        &stack,
        &customers_mail(
            &stack,
            "third@customer.example.test",
            &reply.subject,
            "Thank you!",
            &[reply.message_id.as_str()],
        ),
    )
    .await;
    eventually("the answer on the case", || async {
        let messages = json(app.list_messages(&org.ada.token, &number).await).await;
        let items = messages["items"].as_array().unwrap().clone();
        (items.len() == 4 && items[3]["body"] == "Thank you!").then_some(())
    })
    .await;
    assert_eq!(cases(&app, &org.ada.token).await.len(), 1);
}
