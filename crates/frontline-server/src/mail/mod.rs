//! Use case: mail in. Every way a mail arrives (IMAP, an MTA's pipe through `frontline mail
//! ingest`, a provider's HTTP post) ends in [`ingest`]: parse, decide whether a person wrote
//! it, thread it, and write it through the store's mail use cases, which record the mail in
//! the same transaction as the case or message it becomes. The caller acknowledges the mail
//! to its source (IMAP flag, exit code, HTTP answer) only after `ingest` returns, so a crash
//! in between means the mail comes again, and the store's (mailbox, Message-ID) key makes
//! that second arrival a `Duplicate`, never a second case.

mod bounces;
mod notices;
mod outgoing;
mod poller;
mod sender;
mod settings;
mod staff;

pub use bounces::mark_refused;
pub use notices::{CATCH_UP, FOLLOWER, Notices, ensure_notices, queue_notices};
pub use outgoing::add_case_message;
pub use poller::{Pollers, ensure_pollers};
pub use sender::{Sender, ensure_sender};
pub use settings::{ImapInput, MailboxInput, checked_mailbox, retry_quarantined, rotate_token};

use std::time::Duration;

use frontline_core::mail::Mailbox;
use frontline_core::{
    Case, CaseId, CaseNumber, Channel, Email, MessageBody, Name, Person, Priority, Role, Subject,
    Tags, Visibility,
};
use frontline_mail::{Inbound, Kind, Limits};
use frontline_store::{NewCase, NewMail, NewMessage, NewPerson, NewQuarantined, Store, StoreError};

use crate::error::{AppError, Result};
use crate::state::AppState;

/// What became of a mail.
#[derive(Clone, Debug, PartialEq)]
pub enum Ingested {
    /// It opened this case.
    Opened { case: Case },
    /// It joined this case as a message.
    Joined { case: Case },
    /// This mailbox had already received it: nothing was written.
    Duplicate { case_id: CaseId },
    /// A machine sent it (auto-reply, list, bounce) or it came from our own address: no case,
    /// no answer. `why` says which.
    Ignored { why: String },
    /// It could not be taken as it is: kept whole in the quarantine with the reason.
    Quarantined { id: uuid::Uuid, reason: String },
}

impl Ingested {
    /// One word for logs, metrics and the HTTP answer.
    pub fn outcome(&self) -> &'static str {
        match self {
            Ingested::Opened { .. } => "opened",
            Ingested::Joined { .. } => "joined",
            Ingested::Duplicate { .. } => "duplicate",
            Ingested::Ignored { .. } => "ignored",
            Ingested::Quarantined { .. } => "quarantined",
        }
    }
}

/// Mails per sender address a node takes in `FLOOD_WINDOW` before quarantining the rest: a
/// mail loop with a system we do not recognise as a machine stops here.
const FLOOD_LIMIT: usize = 30;
const FLOOD_WINDOW: Duration = Duration::from_secs(10 * 60);

/// Take one raw mail that arrived for `mailbox`.
pub async fn ingest(state: &AppState, mailbox: &Mailbox, raw: Vec<u8>) -> Result<Ingested> {
    let store = &*state.store;
    let mail = match frontline_mail::parse(&raw, &Limits::default()) {
        Ok(mail) => mail,
        Err(unreadable) => {
            let (from, subject) = frontline_mail::summary(&raw, &Limits::default());
            return quarantine(
                store,
                mailbox,
                raw,
                unreadable.to_string(),
                None,
                (from, subject),
            )
            .await;
        }
    };
    if let Some(why) = machine_or_ours(store, &mail).await? {
        if let Kind::Bounce { failed } = &mail.kind {
            tracing::info!(mailbox = %mailbox.key, failed = failed.len(), "bounce received");
            let marked = bounces::mark_reported(store, &mail).await?;
            if !marked.is_empty() {
                let marked: Vec<&str> = marked.iter().map(Email::as_str).collect();
                return Ok(Ingested::Ignored {
                    why: format!("{why}; marked {} as bouncing", marked.join(", ")),
                });
            }
        }
        return Ok(Ingested::Ignored { why });
    }
    if let Some(seen) = store
        .mail_received(mailbox.key.clone(), mail.message_id.clone())
        .await?
    {
        return Ok(Ingested::Duplicate {
            case_id: seen.case_id,
        });
    }
    if !state
        .mail_flood
        .admit(mail.from.as_str(), FLOOD_LIMIT, FLOOD_WINDOW)
    {
        let reason = format!(
            "more than {FLOOD_LIMIT} mails from {} in {} minutes: held in case of a mail loop",
            mail.from,
            FLOOD_WINDOW.as_secs() / 60
        );
        return quarantine(store, mailbox, raw, reason, Some(&mail), (None, None)).await;
    }
    let sender = match sender(store, &mail).await {
        Ok(person) => person,
        Err(SenderProblem::Staff) => {
            let reason = format!(
                "sent from {}, a staff member's address: staff answer in Frontline, not by mail",
                mail.from
            );
            return quarantine(store, mailbox, raw, reason, Some(&mail), (None, None)).await;
        }
        Err(SenderProblem::Unverified) => {
            let reason = format!(
                "sent from {}, an address a customer added to their profile but has not \
                 verified yet: it is not known whose it is",
                mail.from
            );
            return quarantine(store, mailbox, raw, reason, Some(&mail), (None, None)).await;
        }
        Err(SenderProblem::Store(e)) => return Err(e.into()),
    };
    let body = body_of(&mail);
    let attachments =
        crate::attachments::keep_mail_files(state, sender.id, &mail.attachments).await?;
    let record = NewMail {
        mailbox: mailbox.key.clone(),
        rfc_message_id: mail.message_id.clone(),
        from: mail.from.clone(),
        subject: mail.subject.clone(),
        raw,
    };
    let written = match thread(store, mailbox, &mail, &sender).await? {
        Some(case) => store
            .add_message_from_mail(
                NewMessage {
                    case_id: case.id,
                    author_id: sender.id,
                    body,
                    visibility: Visibility::Public,
                    created_at: None,
                    idempotency_key: None,
                    attachments: attachments.clone(),
                },
                record,
            )
            .await
            .map(|w| Ingested::Joined { case: w.value.case }),
        None => store
            .create_case_from_mail(
                NewCase {
                    customer_id: sender.id,
                    outcome_id: mailbox.outcome_id,
                    subject: Subject::parse(&mail.subject)
                        .unwrap_or_else(|_| Subject::parse("(no subject)").expect("a subject")),
                    body,
                    channel: Channel::Email,
                    priority: Priority::Normal,
                    tags: Tags::default(),
                    created_at: None,
                    idempotency_key: None,
                    attachments,
                },
                record,
            )
            .await
            .map(|w| Ingested::Opened { case: w.value.case }),
    };
    match written {
        Ok(done) => {
            // The mail is kept whatever happens here: a mark left by a failure is cleared
            // by the customer's next mail.
            if let Err(e) = bounces::clear(store, &mail.from).await {
                tracing::warn!(error = %e, "could not clear a bouncing mark");
            }
            Ok(done)
        }
        // Another delivery of the same mail committed first.
        Err(StoreError::Conflict { .. }) => {
            match store
                .mail_received(mailbox.key.clone(), mail.message_id.clone())
                .await?
            {
                Some(seen) => Ok(Ingested::Duplicate {
                    case_id: seen.case_id,
                }),
                None => Err(AppError::Conflict(format!(
                    "the mail {} could not be written; try again",
                    mail.message_id
                ))),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Why no person should answer this mail, if so.
async fn machine_or_ours(store: &dyn Store, mail: &Inbound) -> Result<Option<String>> {
    if !mail.kind.is_person() {
        return Ok(Some(mail.kind.describe()));
    }
    let ours = store
        .list_mailboxes()
        .await?
        .into_iter()
        .any(|m| m.address == mail.from);
    Ok(ours.then(|| format!("sent from our own address {}", mail.from)))
}

enum SenderProblem {
    Staff,
    /// Someone added the address to their profile without verifying it: it finds nobody,
    /// and nobody new may take it either.
    Unverified,
    Store(StoreError),
}

/// The customer the mail is from: found by their primary or a verified added address
/// (addresses are stored lower-case, so any case matches), or made now with the name the
/// mail gives.
async fn sender(store: &dyn Store, mail: &Inbound) -> std::result::Result<Person, SenderProblem> {
    match store.get_person_by_email(&mail.from).await {
        Ok(person) if person.role == Role::Customer => return Ok(person),
        Ok(_) => return Err(SenderProblem::Staff),
        Err(StoreError::NotFound { .. }) => {}
        Err(e) => return Err(SenderProblem::Store(e)),
    }
    let name = mail
        .from_name
        .as_deref()
        .and_then(|n| Name::parse(n).ok())
        .unwrap_or_else(|| {
            let local = mail.from.as_str().split('@').next().unwrap_or("customer");
            Name::parse(local).unwrap_or_else(|_| Name::parse("Customer").expect("a name"))
        });
    let new = NewPerson {
        email: mail.from.clone(),
        name,
        role: Role::Customer,
        title: None,
        admin: false,
        capacity: 0,
    };
    match store.create_person(None, new).await {
        Ok(written) => Ok(written.value),
        // Made by a concurrent mail from the same address.
        Err(StoreError::Conflict { .. }) => match store.get_person_by_email(&mail.from).await {
            Ok(person) => Ok(person),
            Err(StoreError::NotFound { .. }) => Err(SenderProblem::Unverified),
            Err(e) => Err(SenderProblem::Store(e)),
        },
        Err(e) => Err(SenderProblem::Store(e)),
    }
}

/// The case a mail answers: by the Message-IDs it refers to (any sender: they were on the
/// thread), then by the `[FL-n]` tag in its subject, then by a `+fl-n` reply address. A tag
/// or address is easy to type, so those two count only for the case's own customer.
async fn thread(
    store: &dyn Store,
    mailbox: &Mailbox,
    mail: &Inbound,
    sender: &Person,
) -> Result<Option<Case>> {
    if let Some(case_id) = store.case_for_mail(mail.thread_ids.clone()).await? {
        match store.get_case(case_id).await {
            Ok(case) => return Ok(Some(case)),
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let tagged = frontline_mail::case_from_subject(&mail.subject).or_else(|| {
        mail.recipients
            .iter()
            .find_map(|r| frontline_mail::case_from_plus_address(r, mailbox.address.as_str()))
    });
    if let Some(number) = tagged {
        return Ok(own_case(store, number, sender).await?);
    }
    Ok(None)
}

async fn own_case(
    store: &dyn Store,
    number: CaseNumber,
    sender: &Person,
) -> std::result::Result<Option<Case>, StoreError> {
    match store.get_case_by_number(number).await {
        Ok(case) if case.customer_id == sender.id => Ok(Some(case)),
        Ok(_) | Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// What the case shows of the mail: the new text without quoted history or signature, cut to
/// what a message holds (the whole mail is kept and can be read in full), and the names of
/// attachments, which the message does not carry yet.
fn body_of(mail: &Inbound) -> MessageBody {
    let mut text = mail.shown().to_owned();
    if !mail.attachments.is_empty() || !mail.dropped.is_empty() {
        let names: Vec<String> = mail
            .attachments
            .iter()
            .map(|a| format!("{} ({} bytes)", a.name, a.bytes.len()))
            .chain(
                mail.dropped
                    .iter()
                    .map(|d| format!("{d} (not kept: too many)")),
            )
            .collect();
        text.push_str(&format!("\n\n[Attached: {}]", names.join(", ")));
    }
    let limit = MessageBody::MAX_CHARS - 100;
    if text.chars().count() > limit {
        text = text.chars().take(limit).collect();
        text.push_str("\n\n[Cut here: the whole mail is kept with the case.]");
    }
    MessageBody::parse(&text)
        .unwrap_or_else(|_| MessageBody::parse("(no text)").expect("a message body"))
}

async fn quarantine(
    store: &dyn Store,
    mailbox: &Mailbox,
    raw: Vec<u8>,
    reason: String,
    mail: Option<&Inbound>,
    (from, subject): (Option<String>, Option<String>),
) -> Result<Ingested> {
    let item = store
        .quarantine_mail(NewQuarantined {
            mailbox: Some(mailbox.key.clone()),
            reason: reason.clone(),
            from: mail.map(|m| m.from.to_string()).or(from),
            subject: mail.map(|m| m.subject.clone()).or(subject),
            raw,
        })
        .await?;
    tracing::warn!(mailbox = %mailbox.key, id = %item.id, %reason, "mail quarantined");
    Ok(Ingested::Quarantined {
        id: item.id,
        reason,
    })
}
