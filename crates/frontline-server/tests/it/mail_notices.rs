//! Mail Frontline sends on its own, through real servers: resolving a case that came by mail
//! sends its customer one rating link, threaded onto their mail; shipping a proposal sends
//! the closed-loop message to evidence customers who wrote by mail; cases that did not come
//! by mail get nothing; handling the log again or restarting the server sends nothing twice.
//! Skipped where the mail stack cannot run, unless `FRONTLINE_REQUIRE_MAIL=1`.

use std::sync::Arc;
use std::time::Duration;

use frontline_core::CaseNumber;
use frontline_mail::{Imap, ImapConfig, Inbound, Limits, Security, SmtpConfig, build};
use frontline_server::state::{AppState, ServerConfig};
use frontline_store::{EventFilter, Store};
use frontline_test_support::{MailStack, Org, TestApp};
use reqwest::StatusCode;
use serde_json::json;

use crate::json;
use crate::mail_servers::{customers_mail, eventually};

const PUBLIC_URL: &str = "https://help.example.test";

fn configure(stack: &MailStack, config: &mut ServerConfig) {
    config.mail_sync_every = Duration::from_millis(200);
    config.public_url = Some(PUBLIC_URL.into());
    config.smtp = Some(SmtpConfig {
        host: stack.host.clone(),
        port: stack.smtp_port,
        security: Security::Plain,
        username: None,
        password: None,
        extra_roots_pem: None,
        timeout: Duration::from_secs(10),
    });
}

/// The support mailbox, taking mail over its inbound URL; answers the URL's token.
async fn support_mailbox(app: &TestApp, org: &Org, stack: &MailStack) -> String {
    let saved = app
        .put(
            "/api/v1/mailboxes/support",
            &org.ada.token,
            &json!({ "name": "Support", "address": stack.address("support"),
                     "outcome": org.outcome_key }),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let token = json(
        app.post(
            "/api/v1/mailboxes/support/token",
            &org.ada.token,
            &json!({}),
        )
        .await,
    )
    .await;
    token["token"].as_str().unwrap().to_owned()
}

/// The customer writes to support (delivered over the inbound URL); answers the case number.
async fn customer_writes(
    app: &TestApp,
    stack: &MailStack,
    token: &str,
    id: &str,
    subject: &str,
) -> String {
    let mail = customers_mail(stack, id, subject, "It leaks from the lid.", &[]);
    let (_, raw) = build(&mail, None).unwrap();
    let response = app
        .client
        .post(app.url("/api/v1/mailboxes/support/inbound"))
        .bearer_auth(token)
        .header("content-type", "message/rfc822")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    json(response).await["case"].as_str().unwrap().to_owned()
}

async fn resolve(app: &TestApp, org: &Org, number: &str) {
    let resolved = app
        .put(
            &format!("/api/v1/cases/{number}/status"),
            &org.ann.token,
            &json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(resolved.status(), StatusCode::OK);
}

/// Every mail in the customer's mailbox (none is marked read by looking), parsed.
async fn customers_inbox(stack: &MailStack) -> Vec<Inbound> {
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

/// Wait until the customer has `count` mails and every queued mail is sent, then a little
/// longer, so a mail sent twice would have arrived too.
async fn settled_inbox(app: &TestApp, stack: &MailStack, count: usize) -> Vec<Inbound> {
    eventually("every queued mail sent", || async {
        let sent = app.store.events_after(0, 1000, sent_filter()).await.ok()?;
        (sent.len() >= count).then_some(())
    })
    .await;
    eventually("the mails in the customer's mailbox", || async {
        (customers_inbox(stack).await.len() >= count).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    customers_inbox(stack).await
}

fn sent_filter() -> EventFilter {
    EventFilter {
        kinds: vec![frontline_core::EventKind::MailSent],
        ..EventFilter::default()
    }
}

async fn outbox_of(store: &dyn Store, number: &str) -> usize {
    let number: CaseNumber = number.parse().unwrap();
    let case = store.get_case_by_number(number).await.unwrap();
    store.list_case_outbound(case.id).await.unwrap().len()
}

#[tokio::test]
async fn a_resolved_mail_case_mails_its_customer_one_rating_link_threaded_onto_their_mail() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let app = TestApp::spawn_configured(|config| {
        configure(&stack, config);
        // Nothing is polled in this test's time: the resolution's event wakes the follower,
        // and the follower wakes the sender.
        config.mail_sync_every = Duration::from_secs(120);
    })
    .await;
    let org = app.seed().await;
    let token = support_mailbox(&app, &org, &stack).await;
    let by_mail = customer_writes(
        &app,
        &stack,
        &token,
        "kettle@customer.example.test",
        "The kettle leaks",
    )
    .await;
    let by_web = app
        .case_for(&org, org.carol.person.id, "Asked in the portal")
        .await;
    resolve(&app, &org, &by_web).await;
    resolve(&app, &org, &by_mail).await;

    let inbox = settled_inbox(&app, &stack, 1).await;
    assert_eq!(inbox.len(), 1, "one rating mail, nothing else");
    let rating = &inbox[0];
    assert_eq!(rating.subject, format!("[{by_mail}] The kettle leaks"));
    assert_eq!(rating.from.as_str(), stack.address("support"));
    assert_eq!(
        rating.thread_ids,
        ["kettle@customer.example.test"],
        "In-Reply-To and References name the customer's mail"
    );
    assert!(rating.text.contains("is resolved"), "{}", rating.text);
    let link_at = rating
        .text
        .find(PUBLIC_URL)
        .unwrap_or_else(|| panic!("no link in {}", rating.text));
    let link = rating.text[link_at..].split_whitespace().next().unwrap();
    let path = link.strip_prefix(PUBLIC_URL).unwrap();
    assert!(path.starts_with("/rate/"), "{link}");
    let page = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "the link in the mail works");

    assert_eq!(outbox_of(&*app.store, &by_mail).await, 1);
    assert_eq!(
        outbox_of(&*app.store, &by_web).await,
        0,
        "a case that did not come by mail is not mailed"
    );

    // Handling the whole log again, as a follower after a crash would, queues nothing new.
    let mut config = ServerConfig::new(app.store.clone());
    configure(&stack, &mut config);
    let replay = AppState::new(config);
    let events = app
        .store
        .events_after(0, 10_000, EventFilter::default())
        .await
        .unwrap();
    let mut queued = 0;
    for event in &events {
        queued += frontline_server::mail::queue_notices(&replay, event)
            .await
            .unwrap();
    }
    assert_eq!(queued, 0, "every mail of the log was queued already");
    assert_eq!(outbox_of(&*app.store, &by_mail).await, 1);
}

#[tokio::test]
async fn a_restarted_server_neither_resends_nor_forgets_rating_mail() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(frontline_store_sqlite::SqliteStore::open(dir.path().join("f.db")).unwrap());
    let spawn = || {
        let mut config = ServerConfig::new(store.clone());
        config.rate_limit = frontline_server::ratelimit::RateLimitConfig::unlimited();
        configure(&stack, &mut config);
        TestApp::spawn_config(config)
    };
    let first = spawn().await;
    let org = first.seed().await;
    let token = support_mailbox(&first, &org, &stack).await;
    let a = customer_writes(&first, &stack, &token, "a@customer.example.test", "First").await;
    let b = customer_writes(&first, &stack, &token, "b@customer.example.test", "Second").await;
    resolve(&first, &org, &a).await;
    settled_inbox(&first, &stack, 1).await;
    // Resolved as the server stops: its mail is sent by the next server, whether or not
    // this one got to queue it.
    resolve(&first, &org, &b).await;
    first.shutdown().await.unwrap();

    let second = spawn().await;
    let inbox = settled_inbox(&second, &stack, 2).await;
    let mut subjects: Vec<&str> = inbox.iter().map(|m| m.subject.as_str()).collect();
    subjects.sort_unstable();
    assert_eq!(
        subjects,
        [format!("[{a}] First"), format!("[{b}] Second")],
        "one rating mail per case, none again after the restart"
    );
    assert_eq!(outbox_of(&*store, &a).await, 1);
    assert_eq!(outbox_of(&*store, &b).await, 1);
}

#[tokio::test]
async fn shipping_a_proposal_mails_the_closed_loop_message_to_customers_who_wrote_by_mail() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let app = TestApp::spawn_configured(|config| configure(&stack, config)).await;
    let org = app.seed().await;
    let token = support_mailbox(&app, &org, &stack).await;
    let by_mail = customer_writes(
        &app,
        &stack,
        &token,
        "lid@customer.example.test",
        "The lid leaks",
    )
    .await;
    let by_web = app
        .case_for(&org, org.carol.person.id, "Lid leaks too")
        .await;
    let raised = app
        .post(
            "/api/v1/proposals",
            &org.ann.token,
            &json!({ "title": "A tighter lid", "body": "Lids leak.", "cases": [by_mail, by_web] }),
        )
        .await;
    assert_eq!(raised.status(), StatusCode::CREATED);
    let path = format!(
        "/api/v1/proposals/{}",
        json(raised).await["id"].as_str().unwrap()
    );
    let adopted = app
        .post(
            &format!("{path}/adopt"),
            &org.sue.token,
            &json!({ "reason": "Every week." }),
        )
        .await;
    assert_eq!(adopted.status(), StatusCode::OK);
    let shipped = app
        .post(
            &format!("{path}/ship"),
            &org.sue.token,
            &json!({ "what_changed": "Kettles ship with a new seal" }),
        )
        .await;
    assert_eq!(shipped.status(), StatusCode::OK);

    let inbox = settled_inbox(&app, &stack, 1).await;
    assert_eq!(inbox.len(), 1);
    let told = &inbox[0];
    assert_eq!(told.subject, format!("[{by_mail}] The lid leaks"));
    assert_eq!(told.thread_ids, ["lid@customer.example.test"]);
    assert!(
        told.text
            .contains("We changed: Kettles ship with a new seal."),
        "{}",
        told.text
    );
    assert_eq!(outbox_of(&*app.store, &by_web).await, 0);
}

#[tokio::test]
async fn two_nodes_on_one_postgresql_database_send_one_rating_mail() {
    let Some(url) = crate::postgres_url().await else {
        return;
    };
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let schema = format!("fl_test_{}", uuid::Uuid::now_v7().simple());
    let mut nodes = Vec::new();
    for _ in 0..2 {
        let store = frontline_store_postgres::PgStore::connect_in_schema(&url, &schema)
            .await
            .expect("connect");
        let mut config = ServerConfig::new(Arc::new(store));
        config.rate_limit = frontline_server::RateLimitConfig::unlimited();
        configure(&stack, &mut config);
        nodes.push(TestApp::spawn_config(config).await);
    }
    let org = nodes[0].seed().await;
    let token = support_mailbox(&nodes[1], &org, &stack).await;
    let number = customer_writes(
        &nodes[1],
        &stack,
        &token,
        "pg@customer.example.test",
        "Two nodes",
    )
    .await;
    resolve(&nodes[0], &org, &number).await;
    // Both nodes follow the log here (one process holds one claim), so both may handle the
    // resolution at once: the outbox's key keeps it to one mail.
    let inbox = settled_inbox(&nodes[1], &stack, 1).await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].subject, format!("[{number}] Two nodes"));
    assert_eq!(outbox_of(&*nodes[0].store, &number).await, 1);
}

#[tokio::test]
async fn events_older_than_the_catch_up_window_are_not_mailed_about() {
    // No SMTP on the server: nothing follows the log, as when mail out was off for a while.
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let saved = app
        .put(
            "/api/v1/mailboxes/support",
            &org.ada.token,
            &json!({ "name": "Support", "address": "support@acme.test",
                     "outcome": org.outcome_key }),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let token = json(
        app.post(
            "/api/v1/mailboxes/support/token",
            &org.ada.token,
            &json!({}),
        )
        .await,
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let raw = "From: erin@example.org\r\nTo: support@acme.test\r\nSubject: Old news\r\n\
               Message-ID: <old@example.org>\r\nContent-Type: text/plain\r\n\r\nHello\r\n";
    let opened = app
        .client
        .post(app.url("/api/v1/mailboxes/support/inbound"))
        .bearer_auth(&token)
        .header("content-type", "message/rfc822")
        .body(raw)
        .send()
        .await
        .unwrap();
    let number = json(opened).await["case"].as_str().unwrap().to_owned();
    resolve(&app, &org, &number).await;

    let events = app
        .store
        .events_after(0, 10_000, EventFilter::default())
        .await
        .unwrap();
    // Mail out is switched on later; a follower handles the log with `now` as given.
    let follower_at = |now: frontline_core::Timestamp| {
        let mut config = ServerConfig::new(app.store.clone());
        config.public_url = Some(PUBLIC_URL.into());
        config.smtp = Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port: 25,
            security: Security::Plain,
            username: None,
            password: None,
            extra_roots_pem: None,
            timeout: Duration::from_secs(1),
        });
        config.clock = frontline_core::time::Clock::manual(now).0;
        AppState::new(config)
    };
    let mut queued = 0;
    let later = follower_at(
        frontline_core::time::now()
            + frontline_server::mail::CATCH_UP
            + jiff::SignedDuration::from_hours(1),
    );
    for event in &events {
        queued += frontline_server::mail::queue_notices(&later, event)
            .await
            .unwrap();
    }
    assert_eq!(queued, 0, "a resolution older than the window is let go");
    let soon = follower_at(frontline_core::time::now());
    for event in &events {
        queued += frontline_server::mail::queue_notices(&soon, event)
            .await
            .unwrap();
    }
    assert_eq!(
        queued, 1,
        "within the window the same event is mailed about"
    );
}
