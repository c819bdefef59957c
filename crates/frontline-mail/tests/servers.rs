//! The mail clients against real servers: dovecot and postfix from `MailStack` (one stack per
//! test, so every mailbox starts empty). Each test skips where the stack cannot run, unless
//! `FRONTLINE_REQUIRE_MAIL=1` (set by `scripts/test`).
//!
//! Nothing sleeps on hope: waits poll every 50 ms up to a deadline and report how long they took.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use frontline_core::Email;
use frontline_mail::{
    Fetched, IdleOutcome, Imap, ImapConfig, ImapError, Outgoing, PollOptions, Purpose, Security,
    SendError, Smtp, SmtpConfig, build, poll,
};
use frontline_test_support::MailStack;

const DEADLINE: Duration = Duration::from_secs(10);

fn smtp(stack: &MailStack, port: u16, security: Security, login: Option<&str>) -> Smtp {
    Smtp::new(&SmtpConfig {
        host: stack.host.clone(),
        port,
        security,
        username: login.map(str::to_owned),
        password: login.map(|_| stack.password.clone()),
        extra_roots_pem: (security != Security::Plain).then(|| stack.tls_cert_pem()),
        timeout: Duration::from_secs(10),
    })
    .unwrap()
}

fn imap_config(stack: &MailStack, user: &str, port: u16, security: Security) -> ImapConfig {
    ImapConfig {
        host: stack.host.clone(),
        port,
        security,
        username: user.to_owned(),
        password: stack.password.clone(),
        folder: "INBOX".to_owned(),
        extra_roots_pem: (security != Security::Plain).then(|| stack.tls_cert_pem()),
        timeout: Duration::from_secs(10),
    }
}

fn imap(stack: &MailStack, user: &str) -> Imap {
    Imap::new(imap_config(stack, user, stack.imap_port, Security::Plain)).unwrap()
}

fn mail(from: &str, to: &str, subject: &str, message_id: &str, references: &[&str]) -> Outgoing {
    Outgoing {
        from: Email::parse(from).unwrap(),
        from_name: Some("Frontline Support".into()),
        to: Email::parse(to).unwrap(),
        to_name: None,
        subject: subject.into(),
        text: "Hello,\n\nit ships today.".into(),
        message_id: message_id.into(),
        references: references.iter().map(|r| (*r).to_owned()).collect(),
        purpose: Purpose::Reply,
        reply_marker: true,
        files: Vec::new(),
        language: None,
    }
}

async fn send(smtp: &Smtp, outgoing: &Outgoing) {
    let (envelope, bytes) = build(outgoing, None).unwrap();
    smtp.send(&envelope, &bytes).await.unwrap();
}

/// Look until `count` unread messages are there (delivery through postfix and LMTP takes
/// 10–30 ms), failing after `DEADLINE`.
async fn unseen_eventually(
    session: &mut frontline_mail::ImapSession,
    count: usize,
) -> Vec<Fetched> {
    let started = Instant::now();
    loop {
        let unseen = session.unseen().await.unwrap();
        if unseen.len() >= count {
            return unseen;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "{} of {count} messages after {DEADLINE:?}",
            unseen.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn header<'a>(message: &'a mail_parser::Message<'a>, name: &str) -> String {
    message
        .header_raw(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .trim()
        .to_owned()
}

/// Send a threaded reply through `smtp` to customer@, read it back as customer over `reader`,
/// and check that its threading headers and subject came through untouched.
async fn reply_round_trip(stack: &MailStack, smtp: &Smtp, reader: &Imap, label: &str) {
    let started = Instant::now();
    let outgoing = mail(
        &stack.address("support"),
        &stack.address("customer"),
        "Re: [FL-1042] Zürich printer ✓",
        &format!("fl-reply-{label}@example.test"),
        &["first@customer.example", "second@customer.example"],
    );
    send(smtp, &outgoing).await;
    let sent = started.elapsed();
    let mut session = reader.connect().await.unwrap();
    let unseen = unseen_eventually(&mut session, 1).await;
    eprintln!(
        "{label}: sent in {sent:?}, read back after {:?}",
        started.elapsed()
    );
    assert_eq!(unseen.len(), 1);
    let parsed = mail_parser::MessageParser::default()
        .parse(&unseen[0].raw)
        .unwrap();
    assert_eq!(
        header(&parsed, "Message-ID"),
        format!("<fl-reply-{label}@example.test>")
    );
    assert_eq!(header(&parsed, "In-Reply-To"), "<second@customer.example>");
    assert_eq!(
        header(&parsed, "References"),
        "<first@customer.example> <second@customer.example>"
    );
    assert_eq!(parsed.subject(), Some("Re: [FL-1042] Zürich printer ✓"));
    let back = frontline_mail::parse(&unseen[0].raw, &frontline_mail::Limits::default()).unwrap();
    assert_eq!(
        back.thread_ids,
        ["second@customer.example", "first@customer.example"]
    );
    session.logout().await.unwrap();
}

#[tokio::test]
async fn a_reply_sent_over_plain_smtp_reads_back_over_imap_with_its_threading_intact() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    eprintln!("stack up in {:?}", stack.startup);
    let smtp = smtp(&stack, stack.smtp_port, Security::Plain, None);
    reply_round_trip(&stack, &smtp, &imap(&stack, "customer"), "plain").await;
}

#[tokio::test]
async fn a_reply_sent_over_starttls_with_a_login_reads_back_over_imap_starttls() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    eprintln!("stack up in {:?}", stack.startup);
    let smtp = smtp(&stack, stack.smtp_port, Security::StartTls, Some("agent"));
    let reader = Imap::new(imap_config(
        &stack,
        "customer",
        stack.imap_port,
        Security::StartTls,
    ))
    .unwrap();
    reply_round_trip(&stack, &smtp, &reader, "starttls").await;
}

#[tokio::test]
async fn a_reply_sent_over_implicit_tls_reads_back_over_imaps() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    eprintln!("stack up in {:?}", stack.startup);
    let smtp = smtp(&stack, stack.smtps_port, Security::Tls, Some("agent"));
    let reader = Imap::new(imap_config(
        &stack,
        "customer",
        stack.imaps_port,
        Security::Tls,
    ))
    .unwrap();
    reply_round_trip(&stack, &smtp, &reader, "tls").await;
}

#[tokio::test]
async fn unread_mail_stays_unread_until_marked_seen() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let smtp = smtp(&stack, stack.smtp_port, Security::Plain, None);
    for n in 1..=2 {
        let outgoing = mail(
            &stack.address("customer"),
            &stack.address("support"),
            &format!("Printer on fire #{n}"),
            &format!("customer-{n}@customer.example"),
            &[],
        );
        send(&smtp, &outgoing).await;
    }
    let support = imap(&stack, "support");
    let mut session = support.connect().await.unwrap();
    assert!(session.uid_validity() > 0);
    let first_look = unseen_eventually(&mut session, 2).await;
    assert_eq!(first_look.len(), 2);
    assert!(first_look[0].uid < first_look[1].uid, "oldest first");

    // Fetching peeked: both are still unread, on this connection and on a new one.
    let second_look = session.unseen().await.unwrap();
    assert_eq!(
        second_look.iter().map(|m| m.uid).collect::<Vec<_>>(),
        first_look.iter().map(|m| m.uid).collect::<Vec<_>>()
    );
    let mut other = support.connect().await.unwrap();
    assert_eq!(other.unseen().await.unwrap().len(), 2);

    session.mark_seen(first_look[0].uid).await.unwrap();
    let after = session.unseen().await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].uid, first_look[1].uid);
    assert!(String::from_utf8_lossy(&after[0].raw).contains("Printer on fire #2"));
    // The flag is on the server: another open connection sees it on its next look.
    assert_eq!(other.unseen().await.unwrap().len(), 1);
    for session in [session, other] {
        session.logout().await.unwrap();
    }
}

#[tokio::test]
async fn idle_wakes_up_when_mail_arrives() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let smtp = smtp(&stack, stack.smtp_port, Security::Plain, None);
    let mut session = imap(&stack, "support").connect().await.unwrap();
    assert!(session.idle_supported());
    assert!(session.unseen().await.unwrap().is_empty());

    // Nothing arrives: IDLE ends at its wait and the session is usable afterwards.
    let started = Instant::now();
    assert_eq!(
        session.idle(Duration::from_millis(300)).await.unwrap(),
        IdleOutcome::Timeout
    );
    assert!(started.elapsed() < Duration::from_secs(2));

    // Mail sent while IDLE starts: whether it lands before or during IDLE, the server
    // announces it.
    let started = Instant::now();
    let outgoing = mail(
        &stack.address("customer"),
        &stack.address("support"),
        "Are you there?",
        "idle-1@customer.example",
        &[],
    );
    let (woke, ()) = tokio::join!(session.idle(DEADLINE), send(&smtp, &outgoing));
    let woke_after = started.elapsed();
    eprintln!("IDLE woke after {woke_after:?}");
    assert_eq!(woke.unwrap(), IdleOutcome::NewMail);
    assert!(woke_after < Duration::from_secs(5), "{woke_after:?}");
    let unseen = session.unseen().await.unwrap();
    assert_eq!(unseen.len(), 1);
    session.logout().await.unwrap();
}

#[tokio::test]
async fn mail_to_an_unknown_or_foreign_address_is_refused_for_good() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let smtp = smtp(&stack, stack.smtp_port, Security::Plain, None);
    for to in [stack.address("nobody"), "someone@example.com".to_owned()] {
        let outgoing = mail(
            &stack.address("support"),
            &to,
            "Hello",
            "refused@example.test",
            &[],
        );
        let (envelope, bytes) = build(&outgoing, None).unwrap();
        let started = Instant::now();
        let err = smtp.send(&envelope, &bytes).await.unwrap_err();
        eprintln!("{to}: {err} after {:?}", started.elapsed());
        assert!(
            matches!(err, SendError::Permanent(_)),
            "{to}: {err:?} should be permanent"
        );
    }
}

#[tokio::test]
async fn a_closed_port_is_a_transient_error_at_once() {
    // No stack needed: a port that was just free is refused by the kernel.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = ImapConfig {
        host: "127.0.0.1".into(),
        port,
        security: Security::Plain,
        username: "support".into(),
        password: "secret".into(),
        folder: "INBOX".into(),
        extra_roots_pem: None,
        timeout: Duration::from_secs(10),
    };
    let started = Instant::now();
    let err = Imap::new(config).unwrap().connect().await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    let smtp = Smtp::new(&SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: Security::Plain,
        username: None,
        password: None,
        extra_roots_pem: None,
        timeout: Duration::from_secs(10),
    })
    .unwrap();
    let outgoing = mail(
        "support@example.test",
        "customer@example.test",
        "Hello",
        "closed@example.test",
        &[],
    );
    let (envelope, bytes) = build(&outgoing, None).unwrap();
    let err = smtp.send(&envelope, &bytes).await.unwrap_err();
    assert!(matches!(err, SendError::Transient(_)), "{err:?}");
}

#[tokio::test]
async fn a_missing_folder_an_untrusted_certificate_and_a_wrong_password_are_not_retried() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let mut config = imap_config(&stack, "support", stack.imap_port, Security::Plain);
    config.folder = "Nowhere".into();
    let err = Imap::new(config).unwrap().connect().await.unwrap_err();
    assert!(matches!(err, ImapError::Config(_)), "{err:?}");

    let mut config = imap_config(&stack, "support", stack.imaps_port, Security::Tls);
    config.extra_roots_pem = None;
    let err = Imap::new(config).unwrap().connect().await.unwrap_err();
    assert!(matches!(err, ImapError::Config(_)), "{err:?}");

    // Last: after a failed login dovecot slows every later login from the address (its auth
    // penalty), as a real server would.
    let mut config = imap_config(&stack, "support", stack.imap_port, Security::Plain);
    config.password = "wrong".into();
    let err = Imap::new(config).unwrap().connect().await.unwrap_err();
    assert!(matches!(err, ImapError::Auth(_)), "{err:?}");
}

#[tokio::test]
async fn the_poller_hands_over_each_mail_marks_it_only_once_kept_and_stops_on_request() {
    let Some(stack) = MailStack::start().await else {
        return;
    };
    let smtp = smtp(&stack, stack.smtp_port, Security::Plain, None);
    let send_numbered = |n: u32| {
        mail(
            &stack.address("customer"),
            &stack.address("support"),
            &format!("Question {n}"),
            &format!("question-{n}@customer.example"),
            &[],
        )
    };
    // One before the poller starts, one while it waits in IDLE.
    send(&smtp, &send_numbered(1)).await;

    let support = imap(&stack, "support");
    let options = PollOptions {
        min_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        ..PollOptions::default()
    };
    let kept = Arc::new(Mutex::new(Vec::<String>::new()));
    let calls = Arc::new(Mutex::new(0u32));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let poller = {
        let kept = kept.clone();
        let calls = calls.clone();
        async move {
            poll(
                &support,
                &options,
                async {
                    let _ = stop_rx.await;
                },
                |raw| {
                    let kept = kept.clone();
                    let calls = calls.clone();
                    async move {
                        let call = {
                            let mut calls = calls.lock().unwrap();
                            *calls += 1;
                            *calls
                        };
                        // The store is "down" on the first try: the mail must come again.
                        if call == 1 {
                            return Err("the store is unavailable");
                        }
                        let parsed =
                            frontline_mail::parse(&raw, &frontline_mail::Limits::default())
                                .unwrap();
                        kept.lock().unwrap().push(parsed.subject);
                        Ok(())
                    }
                },
            )
            .await
        }
    };
    let driver = async {
        let wait_for = |n: usize| {
            let kept = kept.clone();
            async move {
                while kept.lock().unwrap().len() < n {
                    assert!(started.elapsed() < DEADLINE, "{:?}", kept.lock().unwrap());
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        wait_for(1).await;
        eprintln!("first mail kept after {:?}", started.elapsed());
        let second_sent = Instant::now();
        send(&smtp, &send_numbered(2)).await;
        wait_for(2).await;
        eprintln!(
            "second mail (through IDLE) kept {:?} after it was sent",
            second_sent.elapsed()
        );
        stop_tx.send(()).unwrap();
    };
    let (result, ()) = tokio::join!(poller, driver);
    result.unwrap();
    assert_eq!(*kept.lock().unwrap(), ["Question 1", "Question 2"]);
    assert_eq!(
        *calls.lock().unwrap(),
        3,
        "one failed try, then one call per mail"
    );

    let mut session = imap(&stack, "support").connect().await.unwrap();
    assert!(
        session.unseen().await.unwrap().is_empty(),
        "both marked seen"
    );
}

#[tokio::test]
async fn the_poller_keeps_retrying_an_unreachable_server_until_stopped() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let imap = Imap::new(ImapConfig {
        host: "127.0.0.1".into(),
        port,
        security: Security::Plain,
        username: "support".into(),
        password: "secret".into(),
        folder: "INBOX".into(),
        extra_roots_pem: None,
        timeout: Duration::from_secs(10),
    })
    .unwrap();
    let options = PollOptions {
        min_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(40),
        ..PollOptions::default()
    };
    let started = Instant::now();
    let result = poll(
        &imap,
        &options,
        tokio::time::sleep(Duration::from_millis(300)),
        |_raw| async { Ok::<(), String>(()) },
    )
    .await;
    assert!(
        result.is_ok(),
        "a transient failure is retried, not returned"
    );
    let stopped_after = started.elapsed();
    assert!(
        stopped_after >= Duration::from_millis(300) && stopped_after < Duration::from_secs(1),
        "{stopped_after:?}"
    );
}
