//! Mail that Frontline sends on its own because of something in the event log: the rating
//! link when a case that came by mail is resolved, and the closed loop's "you told us, we
//! changed it" when a proposal ships; and the notifications staff chose to get by mail (a case
//! assigned to them, a customer's reply on their case, an ask to them: `staff`). More
//! notifications (issue 23) are more arms of `frontline_core::notify` and kinds in [`KINDS`].
//!
//! One follower per database (`FOLLOWER`) reads the log after its durable cursor
//! (`Store::claim_follower`; a lease, so of several nodes one follows) and queues each mail in
//! the outbox (`Store::queue_case_mail`) under a Message-ID made from the event's sequence
//! number (`fl-ev-{seq}-{n}@{mailbox domain}`), then moves the cursor. **Exactly once**: the
//! outbox keeps a Message-ID once per mailbox, so an event handled again (a crash between
//! queueing and moving the cursor, a follower that took over from a dead node) queues nothing
//! new: `Conflict` means it is queued already. The sender delivers the outbox as for replies.
//!
//! Why a follower rather than queueing in the transaction that resolves the case: a case is
//! resolved by several use cases (the API, the console, bulk changes) in both backends, and
//! the mail needs things those transactions do not have (the mailbox, the signed link). The
//! event is written with the change, so following the log misses none, whichever way it came.

use std::time::Duration;

use frontline_core::{Case, CaseStatus, Event, EventKind, Payload, Visibility};
use frontline_store::{EventFilter, NewOutbound, OutboundPurpose, StoreError};
use tokio::sync::watch;

use super::outgoing::MailThread;
use crate::error::{AppError, Result};
use crate::state::{AppState, Background};

/// The follower's name in the store (its cursor and lease).
pub const FOLLOWER: &str = "mail-notices";
/// The kinds of event that can cause a mail: to the customer (a rating link, the closed
/// loop) or to staff (`frontline_core::notify`).
const KINDS: &[EventKind] = &[
    EventKind::CaseStatusChanged,
    EventKind::MessageAdded,
    EventKind::CaseCreated,
    EventKind::CaseAssigned,
    EventKind::AskRaised,
    EventKind::AskEscalated,
];
/// How long a node's claim on the follower lasts; it is renewed on every round, at least
/// every third of this.
const LEASE: Duration = Duration::from_secs(30);
/// Events read per round.
const PAGE: u32 = 100;
/// How old an event may be and still be mailed about: a follower that was off (mail out not
/// configured, every node down) catches up on this much, not on everything since.
pub const CATCH_UP: jiff::SignedDuration = jiff::SignedDuration::from_hours(3 * 24);

pub struct Notices {
    stop: watch::Sender<bool>,
}

impl Background for Notices {
    fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

/// Start following the log when mail goes out (at start, by `serve`).
pub fn ensure_notices(state: &AppState) {
    if state.config.smtp.is_none() {
        return;
    }
    if state.config.public_url.is_none() {
        tracing::warn!(
            "no --public-url: customers whose case came by mail get no rating link when it is resolved"
        );
    }
    state.run_in_background("mail notices", || Box::new(Notices::start(state.clone())));
}

impl Notices {
    fn start(state: AppState) -> Notices {
        let (stop, mut stopped) = watch::channel(false);
        tokio::spawn(async move {
            let mut doorbell = state.store.subscribe();
            let idle = state.config.mail_sync_every.min(LEASE / 3);
            // The event that failed last and how often in a row.
            let mut failing: Option<(i64, u32)> = None;
            loop {
                let skip = failing.and_then(|(seq, n)| (n >= GIVE_UP_AFTER).then_some(seq));
                let more = match follow(&state, skip).await {
                    Ok(more) => {
                        failing = None;
                        more
                    }
                    Err(Stuck { seq, error }) => {
                        // The cursor stayed before the event that failed: tried again next
                        // round, after a pause.
                        let n = match failing {
                            Some((same, n)) if Some(same) == seq => n + 1,
                            _ => 1,
                        };
                        failing = seq.map(|seq| (seq, n));
                        tracing::warn!(?seq, attempts = n, error = ?error, "could not follow the log for mail");
                        false
                    }
                };
                if more {
                    continue;
                }
                tokio::select! {
                    _ = doorbell.changed() => {}
                    _ = tokio::time::sleep(idle) => {}
                    _ = stopped.changed() => return,
                }
            }
        });
        Notices { stop }
    }
}

/// Rounds in a row an event may fail before it is skipped (logged as an error), so one event
/// that can never be handled does not hold up every mail after it.
const GIVE_UP_AFTER: u32 = 5;

/// Why a round stopped: at event `seq` (`None`: before reading any).
struct Stuck {
    seq: Option<i64>,
    error: AppError,
}

impl<E: Into<AppError>> From<E> for Stuck {
    fn from(error: E) -> Self {
        Stuck {
            seq: None,
            error: error.into(),
        }
    }
}

/// One round: claim the follower, handle a page of events after its cursor (all but `skip`),
/// move the cursor past what was handled. True when there may be more to read at once.
async fn follow(state: &AppState, skip: Option<i64>) -> std::result::Result<bool, Stuck> {
    let store = &state.store;
    let Some(cursor) = store
        .claim_follower(FOLLOWER, crate::state::lease_holder(), LEASE)
        .await?
    else {
        return Ok(false);
    };
    let filter = EventFilter {
        kinds: KINDS.to_vec(),
        ..EventFilter::default()
    };
    let events = store.events_after(cursor, PAGE, filter).await?;
    let mut done = cursor;
    let mut outcome = Ok(());
    for event in &events {
        if Some(event.seq) == skip {
            tracing::error!(
                seq = event.seq,
                "gave up on the mail of an event that kept failing"
            );
        } else if let Err(error) = queue_notices(state, event).await {
            outcome = Err(Stuck {
                seq: Some(event.seq),
                error,
            });
            break;
        }
        done = event.seq;
    }
    if done > cursor {
        store
            .advance_follower(FOLLOWER, crate::state::lease_holder(), done)
            .await?;
    }
    outcome?;
    Ok(events.len() == PAGE as usize)
}

/// Queue the mail `event` causes, if any; how many mails were queued now (an event handled
/// before queues nothing again).
pub async fn queue_notices(state: &AppState, event: &Event) -> Result<usize> {
    // Mail about something long past is noise (a rating asked for weeks after the case).
    let age = state.now().duration_since(event.at);
    if age > CATCH_UP {
        tracing::info!(
            seq = event.seq,
            "no mail about an event older than the catch-up window"
        );
        return Ok(0);
    }
    let mut queued = super::staff::queue_staff_notices(state, event).await?;
    for (n, notice) in notices_for(state, event).await?.into_iter().enumerate() {
        let Notice { case, thread, mail } = notice;
        let mail = NewOutbound {
            rfc_message_id: format!("fl-ev-{}-{n}@{}", event.seq, thread.domain),
            ..mail
        };
        match state.store.queue_case_mail(case.id, mail).await {
            Ok(outbound) => {
                tracing::info!(seq = event.seq, case_id = %case.id, id = %outbound.id, "mail queued");
                queued += 1;
                state.mail_queued.notify_one();
            }
            // Queued when this event was handled before (the cursor had not moved yet).
            Err(StoreError::Conflict { .. }) => {}
            // The case or its mailbox went away meanwhile: nobody to tell.
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(queued)
}

/// A mail to queue about `case`; its Message-ID is given by `queue_notices`.
struct Notice {
    case: Case,
    thread: MailThread,
    mail: NewOutbound,
}

async fn notices_for(state: &AppState, event: &Event) -> Result<Vec<Notice>> {
    let Some(case_id) = event.case_id else {
        return Ok(Vec::new());
    };
    // A payload this build cannot read causes no mail; the log keeps it for whoever can.
    let Ok(payload) = event.decoded() else {
        return Ok(Vec::new());
    };
    let text = match payload {
        Payload::CaseStatusChanged(changed) if changed.to == CaseStatus::Resolved => Kind::Rating,
        Payload::MessageAdded(added)
            if added.proposal_id.is_some() && added.visibility == Visibility::Public =>
        {
            Kind::ClosedLoop(added.message_id)
        }
        _ => return Ok(Vec::new()),
    };
    let case = match state.store.get_case(case_id).await {
        Ok(case) => case,
        Err(StoreError::NotFound { .. }) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let Some(thread) = MailThread::of(state, &case).await? else {
        return Ok(Vec::new());
    };
    let body = match text {
        Kind::Rating => match rating_text(state, &case, &thread).await? {
            Some(body) => body,
            None => return Ok(Vec::new()),
        },
        Kind::ClosedLoop(message_id) => {
            let messages = state.store.list_messages(case.id, false).await?;
            match messages.into_iter().find(|m| m.id == message_id) {
                Some(message) => message.body.as_str().to_owned(),
                None => return Ok(Vec::new()),
            }
        }
    };
    let mail = NewOutbound {
        mailbox: thread.mailbox.key.clone(),
        to: thread.customer.email.clone(),
        to_name: Some(thread.customer.name.to_string()),
        subject: frontline_mail::case_subject(case.number, case.subject.as_str()),
        text: body,
        rfc_message_id: String::new(),
        references: thread.references.clone(),
        purpose: OutboundPurpose::Automatic,
    };
    Ok(vec![Notice { case, thread, mail }])
}

enum Kind {
    Rating,
    ClosedLoop(frontline_core::MessageId),
}

/// The rating mail's text, or `None` when there is nothing to ask: no public address to
/// link to, or the customer rated the case already (a case resolved again after a reopen).
async fn rating_text(state: &AppState, case: &Case, thread: &MailThread) -> Result<Option<String>> {
    let Some(base) = state.config.public_url.as_deref() else {
        return Ok(None);
    };
    if crate::feelings::rating_of(state, case).await?.is_some() {
        return Ok(None);
    }
    let link = crate::feelings::link_of(state, case).await?;
    // In the customer's language where there is a translation (see `frontline_mail::Phrases`).
    let phrases = frontline_mail::Phrases::for_language(thread.customer.language.as_deref());
    Ok(Some(phrases.rating(
        thread.customer.name.as_str(),
        &case.number.to_string(),
        case.subject.as_str(),
        &format!("{base}{}", link.path),
        &link.expires_at.strftime("%Y-%m-%d").to_string(),
    )))
}
