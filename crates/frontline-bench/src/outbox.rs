//! `frontline-bench outbox`: how fast the outbox delivers. `--mails` replies are queued, in
//! turn on the cases of `--recipients` customers (each with an inbox on the stack), in the
//! store before the server starts; then `frontline_server::serve` starts
//! with SMTP pointed at the real postfix of a `MailStack` (dovecot behind it), and its sender
//! task claims, builds (optionally DKIM-signed), sends and records them. The rate is mails
//! per second from the server's start until the last one is recorded sent, that is accepted
//! by postfix with a 250 and its `mail.sent` committed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use frontline_core::mail::{MailboxKey, NewMailbox};
use frontline_core::{Email, Name, Role};
use frontline_mail::{Security, SmtpConfig};
use frontline_server::ServerConfig;
use frontline_store::testing::{new_case, new_person, org};
use frontline_store::{NewOutbound, OutboundPurpose, OutboundStatus, Store};
use frontline_store_postgres::PgStore;
use frontline_store_sqlite::SqliteStore;
use frontline_test_support::MailStack;

#[derive(clap::Args)]
pub struct Args {
    /// Mails queued before the sender starts.
    #[arg(long, default_value_t = 2000)]
    mails: usize,
    /// Customers they go to, one case each; a customer's mail is sent in order, different
    /// customers' in parallel. 1 measures one connection's rate.
    #[arg(long, default_value_t = 20)]
    recipients: usize,
    /// Sign every mail with DKIM (an Ed25519 test key), to see what signing costs.
    #[arg(long)]
    dkim: bool,
    /// PostgreSQL instead of a temporary SQLite file (a new schema, dropped afterwards).
    #[arg(long)]
    database_url: Option<String>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if args.recipients == 0 {
        bail!("--recipients must be at least 1");
    }
    let mut users: Vec<String> = vec!["support".into()];
    users.extend((0..args.recipients).map(|i| format!("customer{i}")));
    let users: Vec<&str> = users.iter().map(String::as_str).collect();
    let Some(stack) = MailStack::start_with_users(&users).await else {
        bail!(
            "the outbox benchmark needs dovecot and postfix (run as root; see scripts/mail-stack)"
        );
    };
    let dir = tempfile::tempdir()?;
    let (store, schema): (Arc<dyn Store>, Option<String>) = match &args.database_url {
        None => (
            Arc::new(
                SqliteStore::open(dir.path().join("bench.db")).context("could not open sqlite")?,
            ),
            None,
        ),
        Some(url) => {
            let schema = format!("fl_bench_{}", uuid::Uuid::now_v7().simple());
            let store = PgStore::connect_in_schema(url, &schema)
                .await
                .with_context(|| format!("could not connect to {url}"))?;
            (Arc::new(store), Some(schema))
        }
    };

    let o = org(&*store).await;
    let mailbox = store
        .save_mailbox(
            None,
            NewMailbox {
                key: MailboxKey::parse("support")?,
                name: Name::parse("Support")?,
                address: Email::parse(&stack.address("support"))?,
                outcome_id: o.outcome.id,
                imap: None,
                enabled: true,
            },
        )
        .await?
        .value;
    let mut recipients = Vec::with_capacity(args.recipients);
    for i in 0..args.recipients {
        let customer = store
            .create_person(
                None,
                new_person(&stack.address(&format!("customer{i}")), Role::Customer, 0),
            )
            .await?
            .value;
        let case = store
            .create_case(
                None,
                new_case(customer.id, o.outcome.id, "The outbox benchmark"),
            )
            .await?
            .value
            .case;
        recipients.push((customer, case));
    }
    let text = "Hello,\n\nthe replacement part left our warehouse this morning and should \
                reach you in two days.\n\nBest regards,\nSupport";
    let queued_at = Instant::now();
    for i in 0..args.mails {
        let (customer, case) = &recipients[i % recipients.len()];
        store
            .queue_case_mail(
                case.id,
                NewOutbound {
                    mailbox: mailbox.key.clone(),
                    to: customer.email.clone(),
                    to_name: Some("Casey Customer".into()),
                    subject: format!("Re: [{}] The outbox benchmark", case.number),
                    text: text.into(),
                    rfc_message_id: format!("bench-{i}-{}@{}", uuid::Uuid::now_v7(), stack.domain),
                    references: Vec::new(),
                    purpose: OutboundPurpose::Reply,
                },
            )
            .await?;
    }
    eprintln!(
        "queued {} mails in {:.1} s",
        args.mails,
        queued_at.elapsed().as_secs_f64()
    );

    let mut config = ServerConfig::new(store.clone());
    config.smtp = Some(SmtpConfig {
        host: stack.host.clone(),
        port: stack.smtp_port,
        security: Security::Plain,
        username: None,
        password: None,
        extra_roots_pem: None,
        timeout: Duration::from_secs(30),
    });
    if args.dkim {
        config.dkim = Some(frontline_mail::DkimKey::parse(
            "bench",
            "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=",
        )?);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let server = tokio::spawn(frontline_server::serve(config, listener, async {
        let _ = stopped.await;
    }));

    let deadline = Duration::from_secs(args.timeout);
    let (sent, failed) = loop {
        let mut mail = Vec::with_capacity(args.mails);
        for (_, case) in &recipients {
            mail.extend(store.list_case_outbound(case.id).await?);
        }
        let sent = mail
            .iter()
            .filter(|m| m.status == OutboundStatus::Sent)
            .count();
        let failed = mail
            .iter()
            .filter(|m| m.status == OutboundStatus::Failed)
            .count();
        if sent + failed == args.mails || started.elapsed() > deadline {
            break (sent, failed);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let elapsed = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    let _ = server.await;
    let rate = sent as f64 / elapsed;
    let backend = if schema.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    println!(
        "{}",
        serde_json::json!({
            "benchmark": "outbox", "backend": backend, "dkim": args.dkim, "mails": args.mails,
            "recipients": args.recipients,
            "sent": sent, "failed": failed, "seconds": elapsed, "mails_per_second": rate,
        })
    );
    println!(
        "| {backend}{} | {} | {} | {sent} | {failed} | {elapsed:.2} s | **{rate:.0}** |",
        if args.dkim { " + DKIM" } else { "" },
        args.mails,
        args.recipients
    );
    if let (Some(url), Some(schema)) = (&args.database_url, schema) {
        drop(store);
        PgStore::drop_schema(url, &schema).await?;
    }
    if sent + failed < args.mails {
        bail!(
            "only {sent} of {} mails sent within {} s",
            args.mails,
            args.timeout
        );
    }
    Ok(())
}
