//! `frontline mail ingest`: an MTA's pipe into a running server. The message goes to the
//! mailbox's inbound URL (the one ingest path, with the one writer), not into the database
//! directly: a second process writing SQLite beside the server's writer would break its
//! counters. The exit status speaks sysexits, which is how an MTA decides between
//! delivered, retry later, and bounce.

use std::io::Read as _;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow};

use crate::cli::{IngestArgs, MailCommand};

/// Why the command failed, as the exit status an MTA understands.
#[derive(Debug, thiserror::Error)]
pub enum ExitStatus {
    /// EX_TEMPFAIL: keep the mail and try again later.
    #[error("{0} (exit 75: the mail system keeps the message and retries)")]
    TryLater(String),
    /// EX_DATAERR: this message can never be taken; the MTA bounces it.
    #[error("{0} (exit 65: the message is refused)")]
    Refused(String),
}

impl ExitStatus {
    pub fn code(&self) -> u8 {
        match self {
            ExitStatus::TryLater(_) => 75,
            ExitStatus::Refused(_) => 65,
        }
    }
}

/// A little above the server's own limit: a larger message is refused here without sending.
const MAX_BYTES: u64 = 26 * 1024 * 1024;

pub async fn run(command: MailCommand) -> Result<()> {
    match command {
        MailCommand::Ingest(args) => ingest(args).await,
    }
}

async fn ingest(args: IngestArgs) -> Result<()> {
    let token = match (&args.token_file, std::env::var("FRONTLINE_MAILBOX_TOKEN")) {
        (Some(path), _) => std::fs::read_to_string(path)
            .with_context(|| format!("could not read the token file {}", path.display()))
            .map_err(|e| anyhow!(ExitStatus::TryLater(format!("{e:#}"))))?
            .trim()
            .to_owned(),
        (None, Ok(token)) => token.trim().to_owned(),
        (None, Err(_)) => {
            return Err(ExitStatus::TryLater(
                "give the mailbox's inbound token with --token-file or FRONTLINE_MAILBOX_TOKEN"
                    .into(),
            )
            .into());
        }
    };
    let mut raw = Vec::new();
    std::io::stdin()
        .take(MAX_BYTES + 1)
        .read_to_end(&mut raw)
        .map_err(|e| ExitStatus::TryLater(format!("could not read the message: {e}")))?;
    if raw.len() as u64 > MAX_BYTES {
        return Err(
            ExitStatus::Refused(format!("the message is larger than {MAX_BYTES} bytes")).into(),
        );
    }
    let url = format!(
        "{}/api/v1/mailboxes/{}/inbound",
        args.server.trim_end_matches('/'),
        args.mailbox
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .context("could not make an HTTP client")?;
    let response = client
        .post(&url)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "message/rfc822")
        .body(raw)
        .send()
        .await
        .map_err(|e| ExitStatus::TryLater(format!("could not reach {url}: {e}")))?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    if status.is_success() {
        let words = [
            body["outcome"].as_str(),
            body["case"].as_str(),
            body["reason"].as_str(),
        ];
        super::print_lines([words.into_iter().flatten().collect::<Vec<_>>().join(" ")])?;
        return Ok(());
    }
    let detail = body["detail"]
        .as_str()
        .map_or_else(|| status.to_string(), str::to_owned);
    // Only a message that can never be taken is refused; anything else (a wrong token, a
    // disabled mailbox, the server busy) is for the administrator to fix while the MTA waits.
    if status == reqwest::StatusCode::PAYLOAD_TOO_LARGE {
        return Err(ExitStatus::Refused(detail).into());
    }
    Err(ExitStatus::TryLater(format!("{url} answered {status}: {detail}")).into())
}
