//! The outbox's sender: claims due mail under a lease (so of several nodes exactly one sends
//! each), builds it from its mailbox's address, sends it over SMTP, and records the attempt.
//! A 5xx is final (`mail.failed` on the case); anything else is tried again with exponential
//! backoff until `GIVE_UP_AFTER` attempts. A restart resends nothing that was recorded sent
//! and forgets nothing: a mail claimed by a node that died is claimed again when its lease
//! runs out. With a DKIM key configured, every mail is signed for its mailbox's domain.
//!
//! A claimed batch goes out in parallel over the SMTP connection pool, one task per
//! recipient: mails to different people do not wait for each other, and one person's mails
//! still leave in the order they were queued (a reply never overtakes the one before it).
//! A reply carries the files attached to its message, up to `MAIL_FILES_BYTES` in all.

use std::time::Duration;

use std::collections::HashMap;
use std::sync::Arc;

use frontline_core::{Attachment, Visibility};
use frontline_mail::{Outgoing, OutgoingFile, Purpose, SendError, Smtp, build};
use frontline_store::{Outbound, OutboundPurpose, OutboundResult, StoreError};
use tokio::sync::{Semaphore, watch};

use crate::state::{AppState, Background};

/// How long a claimed mail is this node's to send.
const LEASE: Duration = Duration::from_secs(120);
/// Mails claimed at once.
const BATCH: u32 = 64;
/// Recipients sent to at once; each takes a pooled SMTP connection.
const PARALLEL: usize = frontline_mail::POOL_SIZE as usize;
/// The most file bytes one mail carries. Most providers refuse mail over 25 MB once base64
/// has grown it by a third; files past this are named in the text, with where to fetch them.
const MAIL_FILES_BYTES: u64 = 18 * 1024 * 1024;
/// Attempts before a mail is given up (with the backoff, about two days).
const GIVE_UP_AFTER: u32 = 16;
/// The first retry's delay; it doubles per attempt (with jitter), as webhook retries do.
const RETRY_BASE: Duration = Duration::from_secs(30);

pub struct Sender {
    stop: watch::Sender<bool>,
}

impl Background for Sender {
    fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

/// Start this node's mail sender when an SMTP server is configured (at start, by `serve`).
pub fn ensure_sender(state: &AppState) {
    let Some(config) = state.config.smtp.clone() else {
        return;
    };
    let smtp = match Smtp::new(&config) {
        Ok(smtp) => smtp,
        Err(e) => {
            tracing::error!(error = %e, "mail sending is off");
            return;
        }
    };
    state.run_in_background("mail sender", || {
        Box::new(Sender::start(state.clone(), smtp))
    });
}

impl Sender {
    fn start(state: AppState, smtp: Smtp) -> Sender {
        let (stop, mut stopped) = watch::channel(false);
        let node = uuid::Uuid::now_v7();
        tokio::spawn(async move {
            let mut doorbell = state.store.subscribe();
            loop {
                match state.store.claim_outbound(node, LEASE, BATCH).await {
                    Ok(due) if !due.is_empty() => {
                        send_batch(&state, &smtp, node, due).await;
                        continue;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "could not read the outbox"),
                }
                // New mail is queued with a commit, which rings the doorbell; retries come due
                // by time, hence the timeout.
                tokio::select! {
                    _ = doorbell.changed() => {}
                    _ = state.mail_queued.notified() => {}
                    _ = tokio::time::sleep(state.config.mail_sync_every) => {}
                    _ = stopped.changed() => return,
                }
            }
        });
        Sender { stop }
    }
}

/// Send a claimed batch: one task per recipient, at most `PARALLEL` at once, each sending
/// that recipient's mails in queue order. Returns when every mail's attempt is recorded.
async fn send_batch(state: &AppState, smtp: &Smtp, node: uuid::Uuid, due: Vec<Outbound>) {
    let mut by_recipient: Vec<Vec<Outbound>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for mail in due {
        let key = mail.to.as_str().to_ascii_lowercase();
        let i = *index.entry(key).or_insert_with(|| {
            by_recipient.push(Vec::new());
            by_recipient.len() - 1
        });
        by_recipient[i].push(mail);
    }
    let permits = Arc::new(Semaphore::new(PARALLEL));
    let mut tasks = tokio::task::JoinSet::new();
    for mails in by_recipient {
        let (state, smtp, permits) = (state.clone(), smtp.clone(), permits.clone());
        tasks.spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            for mail in mails {
                send_one(&state, &smtp, node, mail).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        if let Err(e) = done {
            // A panic in one recipient's task; its mails are claimed again when the lease
            // runs out.
            tracing::error!(error = %e, "a mail task failed");
        }
    }
}

async fn send_one(state: &AppState, smtp: &Smtp, node: uuid::Uuid, mail: Outbound) {
    let mut refused = None;
    let result = match attempt(state, smtp, &mail).await {
        Ok(()) => OutboundResult::Sent,
        Err(Failure::Unbuildable(error)) => OutboundResult::Failed { error },
        Err(Failure::Send(SendError::Permanent(error))) => {
            refused = Some(error.clone());
            OutboundResult::Failed { error }
        }
        Err(e) if mail.attempts + 1 >= GIVE_UP_AFTER => OutboundResult::Failed {
            error: format!("gave up after {} attempts: {e}", mail.attempts + 1),
        },
        Err(e) => {
            let delay = frontline_core::webhook::retry_delay_from(
                RETRY_BASE,
                mail.attempts + 1,
                rand::random::<f64>(),
            );
            OutboundResult::Retry {
                next_attempt_at: state.now()
                    + jiff::SignedDuration::try_from(delay).unwrap_or(jiff::SignedDuration::MAX),
                error: e.to_string(),
            }
        }
    };
    let outcome = match &result {
        OutboundResult::Sent => "sent",
        OutboundResult::Retry { .. } => "retry",
        OutboundResult::Failed { .. } => "failed",
    };
    tracing::info!(id = %mail.id, to = %mail.to, outcome, "mail out");
    if let Err(e) = state.store.record_outbound(mail.id, node, result).await {
        // The lease runs out and the mail is claimed again: sent twice at worst, never lost.
        tracing::warn!(id = %mail.id, error = %e, "could not record a mail's attempt");
        return;
    }
    // The server refused the recipient for good: staff should know replies will not reach
    // them, on every case of theirs, not only on this one's `mail.failed`.
    if let Some(error) = refused
        && let Err(e) = super::mark_refused(&*state.store, &mail.to, &error).await
    {
        tracing::warn!(id = %mail.id, error = %e, "could not mark an address as bouncing");
    }
}

/// Why an attempt did not send.
enum Failure {
    /// The mail could not be built (an address or id lettre refuses): final, but says
    /// nothing about the recipient's address.
    Unbuildable(String),
    Send(SendError),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unbuildable(e) => f.write_str(e),
            Failure::Send(e) => e.fmt(f),
        }
    }
}

/// Who a mail is from: its mailbox, or for account mail (no case) the system sender.
async fn sender_of(
    state: &AppState,
    mail: &Outbound,
) -> Result<(frontline_core::Email, String), Failure> {
    if mail.case_id.is_none() {
        return account_sender(state).await;
    }
    let mailbox = state
        .store
        .get_mailbox(mail.mailbox.clone())
        .await
        .map_err(|e| {
            Failure::Send(SendError::Transient(format!(
                "the mailbox {}: {e}",
                mail.mailbox
            )))
        })?;
    Ok((mailbox.address, mailbox.name.to_string()))
}

/// Account mail (sign-up, sign-in and reset links) goes from `--mail-from`, else from the
/// first enabled mailbox by key; with neither it waits (retried) for one to be added.
async fn account_sender(state: &AppState) -> Result<(frontline_core::Email, String), Failure> {
    if let Some(from) = &state.config.mail_from {
        return Ok((from.clone(), "Frontline".to_owned()));
    }
    let mailboxes = state
        .store
        .list_mailboxes()
        .await
        .map_err(|e| Failure::Send(SendError::Transient(format!("the mailboxes: {e}"))))?;
    mailboxes
        .into_iter()
        .filter(|m| m.enabled)
        .min_by(|a, b| a.key.cmp(&b.key))
        .map(|m| (m.address, m.name.to_string()))
        .ok_or_else(|| {
            Failure::Send(SendError::Transient(
                "no --mail-from and no enabled mailbox to send account mail from".into(),
            ))
        })
}

async fn attempt(state: &AppState, smtp: &Smtp, mail: &Outbound) -> Result<(), Failure> {
    let (from, from_name) = sender_of(state, mail).await?;
    let purpose = match mail.purpose {
        OutboundPurpose::Reply => Purpose::Reply,
        OutboundPurpose::Automatic => Purpose::Automatic,
    };
    // The recipient's language, for the words Frontline adds; unknown (or the store busy):
    // English, rather than holding the mail back.
    let language = match state.store.get_person_by_email(&mail.to).await {
        Ok(person) => person.language,
        Err(_) => None,
    };
    let (files, left_out) = files_of(state, mail).await?;
    let text = with_left_out(state, mail, &left_out, language.as_deref()).await;
    let outgoing = Outgoing {
        from: from.clone(),
        from_name: Some(from_name),
        to: mail.to.clone(),
        to_name: mail.to_name.clone(),
        subject: mail.subject.clone(),
        text,
        message_id: mail.rfc_message_id.clone(),
        references: mail.references.clone(),
        purpose,
        reply_marker: purpose == Purpose::Reply,
        files,
        language,
    };
    let dkim = state.config.dkim.as_ref().map(|key| {
        let domain = from.as_str().rsplit_once('@').map_or("", |(_, d)| d);
        key.config_for(domain)
    });
    let (envelope, bytes) =
        build(&outgoing, dkim.as_ref()).map_err(|e| Failure::Unbuildable(e.to_string()))?;
    smtp.send(&envelope, &bytes).await.map_err(Failure::Send)
}

/// The public files of the message a mail carries, read from storage, in the order they were
/// attached; and those left out because the mail would grow past `MAIL_FILES_BYTES`. A file
/// deleted since the reply was written is not sent. Internal notes never become mail, and
/// their files are not even read.
async fn files_of(
    state: &AppState,
    mail: &Outbound,
) -> Result<(Vec<OutgoingFile>, Vec<Attachment>), Failure> {
    let (Some(case_id), Some(message_id)) = (mail.case_id, mail.message_id) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let transient = |e: StoreError| Failure::Send(SendError::Transient(format!("the files: {e}")));
    let attachments = state
        .store
        .list_attachments(case_id, false)
        .await
        .map_err(transient)?;
    let (mut files, mut left_out, mut total) = (Vec::new(), Vec::new(), 0u64);
    for attachment in attachments.into_iter().filter(|a| {
        a.deleted.is_none()
            && a.attached.as_ref().is_some_and(|on| {
                on.message_id == message_id && on.visibility == Visibility::Public
            })
    }) {
        if total + attachment.size > MAIL_FILES_BYTES {
            left_out.push(attachment);
            continue;
        }
        let bytes = match read_blob(state, &attachment.sha256).await {
            Ok(bytes) => bytes,
            // Deleted (and swept) after the reply was written: nothing to send.
            Err(StoreError::NotFound { .. }) => continue,
            Err(e) => return Err(transient(e)),
        };
        total += bytes.len() as u64;
        files.push(OutgoingFile {
            name: attachment.name.as_str().to_owned(),
            content_type: attachment.content_type.clone(),
            bytes,
        });
    }
    Ok((files, left_out))
}

async fn read_blob(state: &AppState, sha256: &str) -> Result<Vec<u8>, StoreError> {
    let mut reader = state.store.read_blob(sha256).await?;
    let mut bytes = Vec::new();
    while let Some(chunk) = reader.next_chunk().await? {
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The mail's text, saying which files were too large to send and where they are.
async fn with_left_out(
    state: &AppState,
    mail: &Outbound,
    left_out: &[Attachment],
    language: Option<&str>,
) -> String {
    let mut text = mail.text.clone();
    if left_out.is_empty() {
        return text;
    }
    let phrases = frontline_mail::Phrases::for_language(language);
    text.push_str("\n\n");
    text.push_str(match left_out.len() {
        1 => phrases.file_too_large,
        _ => phrases.files_too_large,
    });
    let case = match mail.case_id {
        Some(id) => state.store.get_case(id).await.ok(),
        None => None,
    };
    if let (Some(base), Some(case)) = (&state.config.public_url, case) {
        text.push_str(&format!("\n{base}/cases/{}", case.number));
    }
    for file in left_out {
        text.push_str(&format!(
            "\n- {} ({})",
            file.name.as_str(),
            frontline_core::attachment::size_in_words(file.size)
        ));
    }
    text
}
