//! Bounces and the mail a case sent, over HTTP: a delivery report naming a customer's address
//! marks it as bouncing (on the customer for staff, in the log, by the case's reply box) and
//! the customer's next mail clears it; a report about anyone else's address changes nothing;
//! only staff read a case's outbound mail. Then the same through real servers (postfix and
//! dovecot): a report postfix writes, a 550 at sending, and DKIM-signed mail read back.

use std::time::Duration;

use frontline_core::Email;
use frontline_mail::{Imap, ImapConfig, Outgoing, Security, SmtpConfig};
use frontline_test_support::{MailStack, Org, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

use crate::json;
use crate::mail::{delivered, mail, mailbox};
use crate::mail_servers::{customers_mail, eventually, submit};
use crate::pages;

/// A delivery status notification as an MTA writes it (RFC 3464), about `failed`, with a
/// folded Diagnostic-Code.
fn report(id: &str, failed: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.customer.test\r\nTo: support@acme.test\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <{id}>\r\n\
         Date: Mon, 7 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nYour mail could not be delivered.\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.customer.test\r\n\r\n\
         Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 <{failed}>:\r\n    Recipient address rejected: User unknown\r\n\
         --b--\r\n"
    )
}

/// `report` returning the mail it is about (headers only, as `message/rfc822`).
fn report_returning(id: &str, failed: &str, returned_id: &str) -> String {
    report(id, failed).replace(
        "--b--\r\n",
        &format!(
            "--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: support@acme.test\r\n\
             To: {failed}\r\nSubject: Re: your case\r\nMessage-ID: <{returned_id}>\r\n\r\n\
             The reply.\r\n--b--\r\n"
        ),
    )
}

async fn person(app: &TestApp, token: &str, id: &str) -> Value {
    let response = app.get(&format!("/api/v1/people/{id}"), token).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await
}

async fn count_events(app: &TestApp, token: &str, kind: &str) -> usize {
    json(app.events(token, &format!("?kind={kind}")).await).await["items"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_delivery_report_marks_a_customers_address_until_their_next_mail() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mb = mailbox(&app, &org).await;
    let staff = &org.ann.token;

    let ignored = delivered(
        &app,
        &mb.token,
        &report("dsn1@mx.customer.test", "Carol@Customer.test"),
    )
    .await;
    assert_eq!(ignored["outcome"], "ignored");
    assert_eq!(
        ignored["reason"],
        "a bounce for carol@customer.test; marked carol@customer.test as bouncing"
    );
    let carol = person(&app, staff, &org.carol.id()).await;
    let bouncing = &carol["mail_bouncing"];
    assert_eq!(
        bouncing["reason"],
        "smtp; 550 5.1.1 <Carol@Customer.test>: Recipient address rejected: User unknown",
        "the server's words, as said; {carol}"
    );
    assert_eq!(bouncing["source"], "report");
    assert!(bouncing["since"].as_str().unwrap().ends_with('Z'));
    // In the list too, for the marked customer only.
    let customers = json(app.get("/api/v1/people?role=customer", staff).await).await;
    let items = customers["items"].as_array().unwrap();
    let by_email = |email: &str| items.iter().find(|p| p["email"] == email).unwrap().clone();
    assert!(by_email("carol@customer.test")["mail_bouncing"].is_object());
    assert!(
        by_email("dave@customer.test")
            .get("mail_bouncing")
            .is_none()
    );
    // Staff's business: the customer does not read it on their own record, nor its event.
    let own = person(&app, &org.carol.token, &org.carol.id()).await;
    assert!(own.get("mail_bouncing").is_none(), "{own}");
    assert_eq!(count_events(&app, staff, "mail.bouncing").await, 1);
    assert_eq!(
        count_events(&app, &org.carol.token, "mail.bouncing").await,
        0
    );

    // The same report again is one mark; a report about a staff address or a stranger marks
    // nothing.
    delivered(
        &app,
        &mb.token,
        &report("dsn2@mx.customer.test", "carol@customer.test"),
    )
    .await;
    for (id, failed) in [
        ("dsn3@x.test", "ann@frontline.test"),
        ("dsn4@x.test", "stranger@else.test"),
    ] {
        let ignored = delivered(&app, &mb.token, &report(id, failed)).await;
        assert_eq!(ignored["reason"], format!("a bounce for {failed}"));
    }
    assert_eq!(count_events(&app, staff, "mail.bouncing").await, 1);
    assert!(
        person(&app, staff, &org.ann.id())
            .await
            .get("mail_bouncing")
            .is_none()
    );
    // A report returning a mail that is on no case of ours is not taken: anyone can forge one.
    let forged = delivered(
        &app,
        &mb.token,
        &report_returning("dsn5@x.test", "dave@customer.test", "made-up@acme.test"),
    )
    .await;
    assert_eq!(forged["reason"], "a bounce for dave@customer.test");
    assert!(
        person(&app, staff, &org.dave.id())
            .await
            .get("mail_bouncing")
            .is_none()
    );
    // A report returning a mail that is on one of our cases is taken.
    delivered(
        &app,
        &mb.token,
        &mail(
            "dave@customer.test",
            "dave-1@customer.test",
            "",
            "Hi",
            "Hello",
        ),
    )
    .await;
    let taken = delivered(
        &app,
        &mb.token,
        &report_returning("dsn6@x.test", "dave@customer.test", "dave-1@customer.test"),
    )
    .await;
    assert_eq!(
        taken["reason"],
        "a bounce for dave@customer.test; marked dave@customer.test as bouncing"
    );
    assert_eq!(count_events(&app, staff, "mail.bouncing").await, 2);

    // Carol writes: her address works, and the mark goes.
    let opened = delivered(
        &app,
        &mb.token,
        &mail(
            "carol@customer.test",
            "carol-1@customer.test",
            "",
            "Still here",
            "Hello",
        ),
    )
    .await;
    assert_eq!(opened["outcome"], "opened");
    let carol = person(&app, staff, &org.carol.id()).await;
    assert!(carol.get("mail_bouncing").is_none(), "{carol}");
    assert_eq!(count_events(&app, staff, "mail.bounce_cleared").await, 1);
}

#[tokio::test]
async fn staff_see_a_bounce_by_the_reply_box_and_only_staff_read_a_cases_mail() {
    let (app, org) = pages::seeded().await;
    let mb = mailbox(&app, &org).await;
    let opened = delivered(
        &app,
        &mb.token,
        &mail(
            "carol@customer.test",
            "carol-1@customer.test",
            "",
            "Where is my order",
            "Hi",
        ),
    )
    .await;
    let number = opened["case"].as_str().unwrap().to_owned();
    delivered(
        &app,
        &mb.token,
        &report("dsn1@mx.customer.test", "carol@customer.test"),
    )
    .await;

    let ann = pages::login(&app, "ann@frontline.test").await;
    let page = pages::get(&app, &ann, &format!("/cases/{number}"))
        .await
        .text()
        .await
        .unwrap();
    let reply_box = page.find("id=\"reply-form\"").expect("the reply form");
    let warning = page
        .find("Mail to carol@customer.test bounced on")
        .expect("the warning");
    assert!(
        warning < reply_box,
        "the warning comes before the reply box"
    );
    assert!(page.contains("replies will not reach them"));
    assert!(page.contains("Recipient address rejected: User unknown"));
    let carol = pages::login(&app, "carol@customer.test").await;
    let own = pages::get(&app, &carol, &format!("/cases/{number}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(own.contains("Where is my order"));
    assert!(!own.contains("bounced"), "customers are not told");

    // No mail server is configured, so nothing was queued; staff read the empty list.
    let path = format!("/api/v1/cases/{number}/mail");
    let listed = app.get(&path, &org.ann.token).await;
    assert_eq!(listed.status(), StatusCode::OK);
    assert_eq!(json(listed).await["items"], serde_json::json!([]));
    assert_eq!(
        app.get(&path, &org.carol.token).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&path, &org.dave.token).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/cases/FL-999999/mail", &org.ann.token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// A server that sends through `stack` and reads the support mailbox over IMAP, its org,
/// and the file the IMAP password is read from (kept while the test runs).
async fn mail_app(
    stack: &MailStack,
    dkim: Option<frontline_mail::DkimKey>,
) -> (TestApp, Org, tempfile::NamedTempFile) {
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
        config.dkim = dkim;
    })
    .await;
    let org = app.seed().await;
    app.set_password(org.ann.person.id, pages::PASSWORD).await;
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), format!("{}\n", stack.password)).unwrap();
    let saved = app
        .put(
            "/api/v1/mailboxes/support",
            &org.ada.token,
            &serde_json::json!({
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
    assert_eq!(saved.status(), StatusCode::OK);
    (app, org, secret)
}

/// `user` writes to support; the case their mail opened, once the IMAP reader took it.
async fn case_from(stack: &MailStack, app: &TestApp, org: &Org, user: &str) -> Value {
    submit(
        stack,
        &Outgoing {
            from: Email::parse(&stack.address(user)).unwrap(),
            ..customers_mail(
                stack,
                &format!("{user}-1@example.test"),
                "Hello",
                "Hi.",
                &[],
            )
        },
    )
    .await;
    eventually("the case", || async {
        let cases = json(app.list_cases(&org.ann.token, "").await).await;
        cases["items"].as_array().and_then(|c| c.first().cloned())
    })
    .await
}

/// `user` writes to support and Ann answers the case it opened: its number and customer id.
async fn answered_case_from(
    stack: &MailStack,
    app: &TestApp,
    org: &Org,
    user: &str,
    answer: &str,
) -> (String, String) {
    let case = case_from(stack, app, org, user).await;
    let number = case["number"].as_str().unwrap().to_owned();
    let customer = case["customer_id"].as_str().unwrap().to_owned();
    let replied = app
        .add_message(
            &org.ann.token,
            &number,
            &serde_json::json!({ "body": answer }),
        )
        .await;
    assert_eq!(replied.status(), StatusCode::CREATED);
    (number, customer)
}

async fn case_mail(app: &TestApp, token: &str, number: &str) -> Vec<Value> {
    let listed = app
        .get(&format!("/api/v1/cases/{number}/mail"), token)
        .await;
    assert_eq!(listed.status(), StatusCode::OK);
    json(listed).await["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_reply_to_an_address_that_bounces_is_sent_then_marked_by_the_servers_report() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let (app, org, _secret) = mail_app(&stack, None).await;
    let (number, customer) = answered_case_from(&stack, &app, &org, "gone", "On its way.").await;

    // Postfix takes the mail (the address exists for it), then dovecot refuses it and
    // postfix reports that to support's mailbox, where the IMAP reader finds the report.
    let sent = eventually("the reply sent", || async {
        let mail = case_mail(&app, &org.ann.token, &number).await;
        mail.into_iter().find(|m| m["status"] == "sent")
    })
    .await;
    assert_eq!(sent["to"], stack.address("gone"));
    assert_eq!(sent["attempts"], 1);
    assert_eq!(sent["next_attempt_at"], Value::Null);
    assert_eq!(sent["purpose"], "reply");
    let bouncing = eventually("the address marked by the report", || async {
        let person = person(&app, &org.ann.token, &customer).await;
        person.get("mail_bouncing").cloned()
    })
    .await;
    assert_eq!(bouncing["source"], "report");
    assert!(
        bouncing["reason"].as_str().unwrap().contains("5."),
        "the report's status or diagnostic: {bouncing}"
    );

    let ann = pages::login(&app, "ann@frontline.test").await;
    let page = pages::get(&app, &ann, &format!("/cases/{number}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("mailed to {}", stack.address("gone"))),
        "{page}"
    );
    assert!(page.contains(&format!("Mail to {} bounced on", stack.address("gone"))));
    assert_eq!(
        cases_count(&app, &org).await,
        1,
        "the report opened no case"
    );
}

async fn cases_count(app: &TestApp, org: &Org) -> usize {
    json(app.list_cases(&org.ann.token, "").await).await["items"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_reply_the_mail_server_refuses_fails_and_marks_the_address() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let (app, org, _secret) = mail_app(&stack, None).await;
    // Postfix refuses mail to an address it does not know at its own domain with 550.
    let (number, customer) = answered_case_from(&stack, &app, &org, "nobody", "On its way.").await;
    let failed = eventually("the reply failed", || async {
        let mail = case_mail(&app, &org.ann.token, &number).await;
        mail.into_iter().find(|m| m["status"] == "failed")
    })
    .await;
    assert_eq!(failed["attempts"], 1, "a 5xx is not retried");
    assert!(
        failed["last_error"].as_str().unwrap().contains("550"),
        "{failed}"
    );
    let bouncing = eventually("the address marked", || async {
        person(&app, &org.ann.token, &customer)
            .await
            .get("mail_bouncing")
            .cloned()
    })
    .await;
    assert_eq!(bouncing["source"], "refused");
    assert_eq!(bouncing["reason"], failed["last_error"]);
    let ann = pages::login(&app, "ann@frontline.test").await;
    let page = pages::get(&app, &ann, &format!("/cases/{number}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("mail to {} failed", stack.address("nobody"))),
        "{page}"
    );
}

#[tokio::test]
async fn mail_out_is_dkim_signed_with_the_configured_selector() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    // RFC 8032's first Ed25519 test key: a published seed, no secret.
    let key =
        frontline_mail::DkimKey::parse("fl2026", "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")
            .unwrap();
    let (app, org, _secret) = mail_app(&stack, Some(key)).await;
    answered_case_from(&stack, &app, &org, "customer", "Signed.").await;
    let customer = Imap::new(ImapConfig {
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
    let delivered = eventually("the reply in the customer's mailbox", || async {
        let mut session = customer.connect().await.ok()?;
        let unseen = session.unseen().await.ok()?;
        let _ = session.logout().await;
        unseen.into_iter().next()
    })
    .await;
    let raw = String::from_utf8_lossy(&delivered.raw);
    // The header as it arrived, unfolded.
    let signature: String = raw
        .split("\r\n")
        .skip_while(|line| !line.starts_with("DKIM-Signature:"))
        .enumerate()
        .take_while(|(i, line)| *i == 0 || line.starts_with([' ', '\t']))
        .map(|(_, line)| line.trim())
        .collect();
    assert!(!signature.is_empty(), "no DKIM-Signature: {raw}");
    assert!(signature.contains("s=fl2026;"), "{signature}");
    assert!(
        signature.contains(&format!("d={};", stack.domain)),
        "{signature}"
    );
    assert!(signature.contains("a=ed25519-sha256;"), "{signature}");
    assert!(signature.contains("b="), "{signature}");
}
