//! Real mail servers for tests: `MailStack::start()` runs `scripts/mail-stack`, which starts
//! Debian's dovecot (IMAP, IMAPS, LMTP) and postfix (SMTP, SMTPS) in a fresh temporary
//! directory on random loopback ports, and `Drop` kills both and deletes the directory.
//!
//! Each test gets its own stack (about 0.1–0.3 s to start), so mailboxes start empty and tests
//! run in parallel. Where the stack cannot run (dovecot or postfix not installed, not root) it
//! returns `None` and the test skips, unless `FRONTLINE_REQUIRE_MAIL=1` (set by `scripts/test`)
//! makes that a failure.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The stack's start and stop script, found from this crate so tests in any crate can use it.
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/mail-stack");

/// The exit code `scripts/mail-stack` uses for "cannot run on this machine".
const SKIP: i32 = 77;

/// A running dovecot + postfix pair. Mail for `<user>@<domain>` (for each of `users`) is
/// accepted on the SMTP ports and read over IMAP by logging in as `<user>` with `password`;
/// mail to any other address at `domain` is refused with 550, and to any other domain with 554
/// (nothing leaves the machine). Mail to `gone@<domain>` is accepted and then bounces: a real
/// DSN goes back to the envelope sender.
#[derive(Debug)]
pub struct MailStack {
    /// Always `127.0.0.1`.
    pub host: String,
    /// IMAP; STARTTLS is offered, plain login is allowed.
    pub imap_port: u16,
    /// IMAP over TLS from the first byte.
    pub imaps_port: u16,
    /// SMTP; STARTTLS is offered, AUTH (PLAIN, LOGIN) is offered and optional from loopback.
    pub smtp_port: u16,
    /// SMTP over TLS from the first byte.
    pub smtps_port: u16,
    /// The servers' self-signed certificate (for `127.0.0.1` and `localhost`), a leaf that
    /// clients can take as their only extra root.
    pub tls_cert: PathBuf,
    /// `example.test`.
    pub domain: String,
    /// `support`, `customer`, `agent`.
    pub users: Vec<String>,
    /// Every user's password.
    pub password: String,
    /// How long the script took to bring both servers up.
    pub startup: Duration,
    /// `None` only while dropping.
    dir: Option<tempfile::TempDir>,
}

impl MailStack {
    /// Start a stack, or `None` (with a message on stderr) where it cannot run; with
    /// `FRONTLINE_REQUIRE_MAIL=1` that, and any failure, panics.
    pub async fn start() -> Option<MailStack> {
        Self::start_with_users(&[]).await
    }

    /// `start` with these users (each with an inbox) instead of the script's three.
    pub async fn start_with_users(users: &[&str]) -> Option<MailStack> {
        let users = users.join(" ");
        // The script is quick but blocking (it waits for the daemons); keep it off the
        // runtime's worker.
        match tokio::task::spawn_blocking(move || Self::start_blocking(&users)).await {
            Ok(stack) => stack,
            // Fail the test with the start-up's own message, not a JoinError around it.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    fn start_blocking(users: &str) -> Option<MailStack> {
        let required = std::env::var("FRONTLINE_REQUIRE_MAIL").as_deref() == Ok("1");
        let dir = tempfile::Builder::new()
            .prefix("frontline-mail.")
            .tempdir()
            .expect("a temporary directory for the mail stack");
        let started = Instant::now();
        let mut command = Command::new(SCRIPT);
        command.arg("start").arg(dir.path());
        if !users.is_empty() {
            command.env("MAIL_USERS", users);
        }
        let output = match command.output() {
            Ok(output) => output,
            Err(e) => panic!("could not run {SCRIPT}: {e}"),
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.code() == Some(SKIP) {
            let why = stderr.trim();
            if required {
                panic!("mail servers are required (FRONTLINE_REQUIRE_MAIL=1) but {why}");
            }
            eprintln!(
                "skipping: no mail servers here ({why}); scripts/test installs them, \
                 FRONTLINE_REQUIRE_MAIL=1 makes this a failure"
            );
            return None;
        }
        if !output.status.success() {
            // The daemons may be half up: stop whatever started before the directory goes.
            let _ = Command::new(SCRIPT).arg("stop").arg(dir.path()).status();
            panic!("the mail stack did not start ({}): {stderr}", output.status);
        }
        let values: HashMap<String, String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
        let value = |key: &str| -> String {
            values
                .get(key)
                .cloned()
                .unwrap_or_else(|| panic!("mail-stack printed no {key}"))
        };
        let port = |key: &str| -> u16 {
            value(key)
                .parse()
                .unwrap_or_else(|_| panic!("mail-stack printed a bad {key}"))
        };
        Some(MailStack {
            host: "127.0.0.1".to_owned(),
            imap_port: port("IMAP_PORT"),
            imaps_port: port("IMAPS_PORT"),
            smtp_port: port("SMTP_PORT"),
            smtps_port: port("SMTPS_PORT"),
            tls_cert: PathBuf::from(value("TLS_CERT")),
            domain: value("MAIL_DOMAIN"),
            users: value("MAIL_USERS")
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            password: value("MAIL_PASSWORD"),
            startup: started.elapsed(),
            dir: Some(dir),
        })
    }

    /// `user@domain`.
    pub fn address(&self, user: &str) -> String {
        format!("{user}@{}", self.domain)
    }

    /// The servers' certificate, PEM.
    pub fn tls_cert_pem(&self) -> Vec<u8> {
        std::fs::read(&self.tls_cert).expect("the mail stack's certificate")
    }

    /// The stack's directory: `dovecot/dovecot.log` and `postfix.log` say what happened.
    pub fn dir(&self) -> &Path {
        self.dir.as_ref().expect("a running stack").path()
    }
}

impl Drop for MailStack {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            // Kill first (the daemons write into the directory), then delete it.
            match Command::new(SCRIPT).arg("stop").arg(dir.path()).status() {
                Ok(status) if status.success() => {}
                other => eprintln!(
                    "the mail stack in {} did not stop: {other:?}",
                    dir.path().display()
                ),
            }
            drop(dir);
        }
    }
}
