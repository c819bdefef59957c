//! The outbox's sender: claims due mail under a lease (so of several nodes exactly one sends
//! each), builds it from its mailbox's address, sends it over SMTP, and records the attempt.
//! A 5xx is final (`mail.failed` on the case); anything else is tried again with exponential
//! backoff until `GIVE_UP_AFTER` attempts. A restart resends nothing that was recorded sent
//! and forgets nothing: a mail claimed by a node that died is claimed again when its lease
//! runs out. With a DKIM key configured, every mail is signed for its mailbox's domain.

use std::time::Duration;

use frontline_mail::{Outgoing, Purpose, SendError, Smtp, build};
use frontline_store::{Outbound, OutboundPurpose, OutboundResult};
use tokio::sync::watch;

use crate::state::{AppState, Background};

/// How long a claimed mail is this node's to send.
const LEASE: Duration = Duration::from_secs(120);
/// Mails claimed at once.
const BATCH: u32 = 20;
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
                        for mail in due {
                            send_one(&state, &smtp, node, mail).await;
                        }
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
    let outgoing = Outgoing {
        from: from.clone(),
        from_name: Some(from_name),
        to: mail.to.clone(),
        to_name: mail.to_name.clone(),
        subject: mail.subject.clone(),
        text: mail.text.clone(),
        message_id: mail.rfc_message_id.clone(),
        references: mail.references.clone(),
        purpose,
        reply_marker: purpose == Purpose::Reply,
    };
    let dkim = state.config.dkim.as_ref().map(|key| {
        let domain = from.as_str().rsplit_once('@').map_or("", |(_, d)| d);
        key.config_for(domain)
    });
    let (envelope, bytes) =
        build(&outgoing, dkim.as_ref()).map_err(|e| Failure::Unbuildable(e.to_string()))?;
    smtp.send(&envelope, &bytes).await.map_err(Failure::Send)
}
