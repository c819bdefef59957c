//! Mail through real servers: a customer's mail submitted over SMTP (postfix) lands in the
//! support mailbox (dovecot); the server's IMAP reader turns it into a case and only then marks
//! it read; a staff reply goes out over SMTP and reaches the customer's mailbox threaded; the
//! customer's answer to it lands on the same case. Skipped where the mail stack cannot run,
//! unless `FRONTLINE_REQUIRE_MAIL=1` (set by `scripts/test`).

use std::time::{Duration, Instant};

use frontline_core::Email;
use frontline_mail::{Imap, ImapConfig, Outgoing, Purpose, Security, Smtp, SmtpConfig, build};
use frontline_test_support::{MailStack, Org, TestApp};
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
        files: Vec::new(),
        language: None,
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

/// A server that reads the stack's support mailbox over IMAP (every 200 ms) and sends by its
/// postfix, with the seeded organisation; the temporary file holds the IMAP password.
async fn reading_support(stack: &MailStack) -> (TestApp, Org, tempfile::NamedTempFile) {
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
    let secret = read_support(&app, &org, stack).await;
    (app, org, secret)
}

/// Have `app` read the stack's support mailbox over IMAP; the temporary file holds the IMAP
/// password.
async fn read_support(app: &TestApp, org: &Org, stack: &MailStack) -> tempfile::NamedTempFile {
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
    secret
}

/// Submit the customer's first mail (Message-ID `id`) and wait for the case it opens; its
/// number.
async fn mail_opens_case(
    app: &TestApp,
    org: &Org,
    stack: &MailStack,
    (id, subject, text): (&str, &str, &str),
) -> String {
    submit(stack, &customers_mail(stack, id, subject, text, &[])).await;
    let case = eventually("the case", || async {
        cases(app, &org.ada.token).await.into_iter().next()
    })
    .await;
    case["number"].as_str().unwrap().to_owned()
}

/// An IMAP client of `user`'s inbox on the stack.
fn inbox_of(stack: &MailStack, user: &str) -> Imap {
    Imap::new(ImapConfig {
        host: stack.host.clone(),
        port: stack.imap_port,
        security: Security::Plain,
        username: user.into(),
        password: stack.password.clone(),
        folder: "INBOX".into(),
        extra_roots_pem: None,
        timeout: Duration::from_secs(10),
    })
    .unwrap()
}

/// The first unread mail in `imap`'s folder, parsed, once there is one.
async fn first_unread(what: &str, imap: &Imap) -> frontline_mail::Inbound {
    let delivered = eventually(what, || async {
        let mut session = imap.connect().await.ok()?;
        let unseen = session.unseen().await.ok()?;
        let _ = session.logout().await;
        unseen.into_iter().next()
    })
    .await;
    frontline_mail::parse(&delivered.raw, &frontline_mail::Limits::default()).unwrap()
}

#[tokio::test]
async fn a_mail_sent_to_support_becomes_a_case_by_imap_and_its_reply_joins_it() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let (app, org, _secret) = reading_support(&stack).await;

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
    let support = inbox_of(&stack, "support");
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
    let reply = first_unread(
        "the reply in the customer's mailbox",
        &inbox_of(&stack, "customer"),
    )
    .await;
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

#[tokio::test]
async fn a_staff_reply_carries_its_files_to_the_customer_and_an_internal_note_sends_nothing() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let (app, org, _secret) = reading_support(&stack).await;
    let number = mail_opens_case(
        &app,
        &org,
        &stack,
        (
            "files@customer.example.test",
            "Where is my invoice?",
            "I need it for my records.",
        ),
    )
    .await;

    // Binary bytes (a NUL, bytes over 127, CR LF) must come back exactly.
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf.extend((0..=255u8).cycle().take(70_000));
    pdf.extend_from_slice(b"\r\n%%EOF\n");
    let invoice =
        crate::attachments::uploaded(&app, &org.ann, "Rechnung März.pdf", pdf.clone()).await;
    let note_file =
        crate::attachments::uploaded(&app, &org.ann, "internal.txt", b"for staff".to_vec()).await;
    let noted = app
        .add_message(
            &org.ann.token,
            &number,
            &json!({ "body": "Finance says it was sent.", "visibility": "internal", "attachments": [note_file["id"]] }),
        )
        .await;
    assert_eq!(noted.status(), StatusCode::CREATED);
    let replied = app
        .add_message(
            &org.ann.token,
            &number,
            &json!({ "body": "Here is your invoice.", "attachments": [invoice["id"]] }),
        )
        .await;
    assert_eq!(replied.status(), StatusCode::CREATED);

    let customer = inbox_of(&stack, "customer");
    let mail = first_unread("the reply in the customer's mailbox", &customer).await;
    assert!(mail.text.contains("Here is your invoice."), "{}", mail.text);
    assert!(!mail.text.contains("Finance"), "{}", mail.text);
    assert_eq!(mail.attachments.len(), 1, "{:?}", mail.attachments);
    assert_eq!(mail.attachments[0].name, "Rechnung März.pdf");
    assert_eq!(mail.attachments[0].content_type, "application/pdf");
    assert!(
        mail.attachments[0].bytes == pdf,
        "the file arrives byte for byte"
    );

    // The note went nowhere: the reply is the only mail the customer has.
    let mut session = customer.connect().await.unwrap();
    assert_eq!(session.unseen().await.unwrap().len(), 1);
    let _ = session.logout().await;
}

#[tokio::test]
async fn a_mailbox_is_read_only_by_the_node_that_holds_its_lease() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    // Another node holds the support mailbox's lease for a few seconds (taken below).
    let app = TestApp::spawn_configured(|config| {
        config.mail_sync_every = Duration::from_millis(200);
    })
    .await;
    let org = app.seed().await;
    let other_node = uuid::Uuid::now_v7();
    let lease = Duration::from_secs(4);
    let held = app
        .store
        .claim_follower("imap:support", other_node, lease)
        .await
        .unwrap();
    assert!(held.is_some());
    let _secret = read_support(&app, &org, &stack).await;
    submit(
        &stack,
        &customers_mail(
            &stack,
            "lease@customer.example.test",
            "Whose mailbox?",
            "Read me once.",
            &[],
        ),
    )
    .await;

    // While the other node's lease runs this node leaves the mailbox alone: the mail stays
    // unread on the server and no case is opened…
    tokio::time::sleep(Duration::from_secs(1)).await;
    let support = inbox_of(&stack, "support");
    let mut session = support.connect().await.unwrap();
    assert_eq!(session.unseen().await.unwrap().len(), 1, "still unread");
    let _ = session.logout().await;
    assert!(cases(&app, &org.ada.token).await.is_empty());

    // …and once the lease runs out (its node died) this node takes the mailbox over.
    let case = eventually("the case after the lease ran out", || async {
        cases(&app, &org.ada.token).await.into_iter().next()
    })
    .await;
    assert_eq!(case["subject"], "Whose mailbox?");
    // This node holds it now: the other node's claim is refused.
    assert!(
        app.store
            .claim_follower("imap:support", other_node, lease)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_reply_to_a_customer_who_reads_german_has_a_german_marker_and_their_answer_is_cut_at_it()
{
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let (app, org, _secret) = reading_support(&stack).await;
    let number = mail_opens_case(
        &app,
        &org,
        &stack,
        (
            "de@customer.example.test",
            "Der Deckel klemmt",
            "Er geht nicht auf.",
        ),
    )
    .await;
    let case = cases(&app, &org.ada.token).await.remove(0);
    let customer_id = case["customer_id"].as_str().unwrap().parse().unwrap();
    app.store
        .update_person(
            None,
            frontline_core::PersonId(customer_id),
            frontline_store::PersonUpdate {
                language: Some(Some("de-AT".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let replied = app
        .add_message(
            &org.ann.token,
            &number,
            &json!({ "body": "Ein neuer Deckel ist unterwegs." }),
        )
        .await;
    assert_eq!(replied.status(), StatusCode::CREATED);
    let reply = first_unread(
        "the reply in the customer's mailbox",
        &inbox_of(&stack, "customer"),
    )
    .await;
    let marker = "##- Bitte schreiben Sie Ihre Antwort über dieser Zeile -##";
    assert!(reply.text.starts_with(marker), "{}", reply.text);

    // Their mail client quotes the whole mail under the answer; the case shows the answer.
    let quoted: String = reply.text.lines().map(|l| format!("> {l}\n")).collect();
    submit(
        &stack,
        &customers_mail(
            &stack,
            "de-2@customer.example.test",
            &reply.subject,
            &format!("Danke, angekommen.\n\n{quoted}"),
            &[reply.message_id.as_str()],
        ),
    )
    .await;
    eventually("the answer on the case, cut at the marker", || async {
        let messages = json(app.list_messages(&org.ada.token, &number).await).await;
        let items = messages["items"].as_array().unwrap().clone();
        (items.len() == 3 && items[2]["body"] == "Danke, angekommen.").then_some(())
    })
    .await;
}
