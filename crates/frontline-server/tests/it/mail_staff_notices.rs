//! Staff notifications by mail, through real servers: a staff member who opted in is mailed
//! when a case is assigned to them, when the customer replies on their case and when someone
//! asks them for help, once each, from the system sender, with a link to what it is about;
//! nothing before they opt in, nothing for their own reply, and handling the log again sends
//! nothing twice. Skipped where the mail stack cannot run, unless `FRONTLINE_REQUIRE_MAIL=1`.

use std::time::Duration;

use frontline_core::Role;
use frontline_mail::{Imap, ImapConfig, Inbound, Limits, Security, SmtpConfig};
use frontline_server::state::{AppState, ServerConfig};
use frontline_store::EventFilter;
use frontline_test_support::{MailStack, Org, TestApp, User};
use reqwest::StatusCode;
use serde_json::json;

use crate::json;
use crate::mail_servers::eventually;

const PUBLIC_URL: &str = "https://help.example.test";

fn configure(stack: &MailStack, config: &mut ServerConfig) {
    config.mail_sync_every = Duration::from_millis(200);
    config.public_url = Some(PUBLIC_URL.into());
    config.mail_from = Some(frontline_core::Email::parse(&stack.address("support")).unwrap());
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

/// Every unread mail in `user`'s mailbox (looking marks none read), parsed.
async fn inbox(stack: &MailStack, user: &str) -> Vec<Inbound> {
    let imap = Imap::new(ImapConfig {
        host: stack.host.clone(),
        port: stack.imap_port,
        security: Security::Plain,
        username: user.into(),
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

/// Wait until `user` has `count` mails, then a little longer, so a mail sent twice (or one
/// that should not have been sent at all, queued before these) would have arrived too.
async fn settled(stack: &MailStack, user: &str, count: usize) -> Vec<Inbound> {
    eventually(&format!("{count} mails for {user}"), || async {
        (inbox(stack, user).await.len() >= count).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    inbox(stack, user).await
}

async fn choose(app: &TestApp, who: &User, email: &[&str]) {
    let chosen = app
        .put(
            "/api/v1/me/notifications",
            &who.token,
            &json!({ "email": email }),
        )
        .await;
    assert_eq!(chosen.status(), StatusCode::OK);
}

async fn assign(app: &TestApp, org: &Org, number: &str, owner: &User) {
    let assigned = app
        .put(
            &format!("/api/v1/cases/{number}/owner"),
            &org.ann.token,
            &json!({ "owner": owner.person.email }),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
}

async fn reply(app: &TestApp, who: &User, number: &str, body: &str) {
    let added = app
        .post(
            &format!("/api/v1/cases/{number}/messages"),
            &who.token,
            &json!({ "body": body, "confirm": true }),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED, "{number}");
}

/// The one link in a mail's text to the public URL, as a path.
fn link_in(mail: &Inbound) -> String {
    let at = mail
        .text
        .find(&format!("{PUBLIC_URL}/"))
        .unwrap_or_else(|| panic!("no link in {}", mail.text));
    let link = mail.text[at..].split_whitespace().next().unwrap();
    link.strip_prefix(PUBLIC_URL).unwrap().to_owned()
}

#[tokio::test]
async fn staff_are_mailed_once_of_what_they_opted_into_and_never_of_their_own_doing() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let app = TestApp::spawn_configured(|config| configure(&stack, config)).await;
    let org = app.seed().await;
    // A support employee whose mail the test can read.
    let agent = app
        .user(&stack.address("agent"), Role::Support, false)
        .await;

    // Before she opts in: a case assigned to her and a customer's reply mail her nothing.
    let before = app
        .case_for(&org, org.carol.person.id, "Kettle leaks")
        .await;
    assign(&app, &org, &before, &agent).await;
    reply(&app, &org.carol, &before, "Still leaking.").await;

    choose(&app, &agent, &["customer_replied", "ask_to_me", "assigned"]).await;
    // Her own reply is no news to her; a colleague's note is nobody's news.
    reply(&app, &agent, &before, "Sending a new seal.").await;
    let noted = app
        .post(
            &format!("/api/v1/cases/{before}/messages"),
            &org.ben.token,
            &json!({ "body": "Seal stock is low.", "visibility": "internal" }),
        )
        .await;
    assert_eq!(noted.status(), StatusCode::CREATED);
    // The customer replies on her case: one mail.
    reply(&app, &org.carol, &before, "Thanks, the seal fits.").await;
    // A case assigned to her: one mail.
    let assigned = app
        .case_for(&org, org.dave.person.id, "Wrong lid colour")
        .await;
    assign(&app, &org, &assigned, &agent).await;
    // Ben asks her for help: one mail.
    let asked = app
        .post(
            "/api/v1/asks",
            &org.ben.token,
            &json!({ "kind": "advice", "urgency": "high", "to": agent.id(),
                     "text": "Which seal fits the 2019 kettle?" }),
        )
        .await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let ask_id = json(asked).await["id"].as_str().unwrap().to_owned();

    let mails = settled(&stack, "agent", 3).await;
    let mut subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    subjects.sort_unstable();
    let mut expected = vec![
        format!("[{before}] The customer replied: Kettle leaks"),
        format!("[{assigned}] New case assigned to you: Wrong lid colour"),
        "ben asks you for help: advice (high urgency)".to_owned(),
    ];
    expected.sort_unstable();
    assert_eq!(subjects, expected, "one mail each, nothing else");
    for mail in &mails {
        assert_eq!(
            mail.from.as_str(),
            stack.address("support"),
            "the system sender"
        );
        assert!(mail.thread_ids.is_empty(), "threaded onto nothing");
    }
    let replied = mails
        .iter()
        .find(|m| m.subject.contains("customer replied"))
        .unwrap();
    assert_eq!(link_in(replied), format!("/cases/{before}"));
    assert!(
        replied
            .text
            .contains("when a customer replies on a case you own"),
        "it says why: {}",
        replied.text
    );
    let ask = mails.iter().find(|m| m.subject.contains("asks")).unwrap();
    assert_eq!(link_in(ask), format!("/asks/{ask_id}"));
    let case = app
        .get(&format!("/api/v1{}", link_in(replied)), &agent.token)
        .await;
    assert_eq!(case.status(), StatusCode::OK, "the link names her case");

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
    assert_eq!(
        queued, 0,
        "every notification of the log was queued already"
    );
}

#[tokio::test]
async fn a_staff_member_who_opted_out_again_is_mailed_nothing() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let app = TestApp::spawn_configured(|config| configure(&stack, config)).await;
    let org = app.seed().await;
    let agent = app
        .user(&stack.address("agent"), Role::Support, false)
        .await;
    choose(&app, &agent, &["customer_replied"]).await;
    choose(&app, &agent, &[]).await;
    let number = app
        .case_for(&org, org.carol.person.id, "Kettle leaks")
        .await;
    assign(&app, &org, &number, &agent).await;
    reply(&app, &org.carol, &number, "Still leaking.").await;
    // Something she did choose, after the rest, shows the follower got past them.
    choose(&app, &agent, &["assigned"]).await;
    let later = app.case_for(&org, org.dave.person.id, "Lid colour").await;
    assign(&app, &org, &later, &agent).await;
    let mails = settled(&stack, "agent", 1).await;
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [format!("[{later}] New case assigned to you: Lid colour")]
    );
}

#[tokio::test]
async fn two_nodes_on_one_postgresql_database_mail_a_notification_once() {
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
        let mut config = ServerConfig::new(std::sync::Arc::new(store));
        config.rate_limit = frontline_server::RateLimitConfig::unlimited();
        configure(&stack, &mut config);
        nodes.push(TestApp::spawn_config(config).await);
    }
    let org = nodes[0].seed().await;
    let agent = nodes[0]
        .user(&stack.address("agent"), Role::Support, false)
        .await;
    choose(&nodes[1], &agent, &["customer_replied"]).await;
    let number = nodes[0]
        .case_for(&org, org.carol.person.id, "Two nodes")
        .await;
    assign(&nodes[1], &org, &number, &agent).await;
    // Both nodes follow the log here (one process holds one claim), so both may handle the
    // reply at once: the outbox's key keeps it to one mail.
    reply(&nodes[0], &org.carol, &number, "Still leaking.").await;
    let mails = settled(&stack, "agent", 1).await;
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [format!("[{number}] The customer replied: Two nodes")]
    );
}
