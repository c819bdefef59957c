//! What the store keeps of mail: mailboxes, one entry per mail received or sent (the
//! Message-IDs that thread replies, and the original bytes of what was received), the
//! quarantine of mail that could not be read, and the outbox of mail to send with each
//! attempt at sending it.

use frontline_core::event::{MailBounceCleared, MailBouncing, MailFailed, MailSent};
use frontline_core::mail::{BounceSource, MailboxKey};
use frontline_core::{
    Audience, CaseId, CaseNumber, Email, MessageId, NewEvent, Payload, PersonId, Timestamp, time,
};
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// A received mail to record with the case or message it became.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMail {
    pub mailbox: MailboxKey,
    /// Its `Message-ID` (without brackets): unique per mailbox, so the same mail is written
    /// once however often it arrives.
    pub rfc_message_id: String,
    pub from: Email,
    pub subject: String,
    /// The message exactly as received, kept so staff can read it in full.
    pub raw: Vec<u8>,
}

/// Received or sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailDirection {
    Inbound,
    Outbound,
}

impl MailDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            MailDirection::Inbound => "inbound",
            MailDirection::Outbound => "outbound",
        }
    }
}

impl std::str::FromStr for MailDirection {
    type Err = frontline_core::ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "inbound" => Ok(MailDirection::Inbound),
            "outbound" => Ok(MailDirection::Outbound),
            other => Err(frontline_core::ValueError::new(
                "direction",
                format!("{other:?} is not inbound or outbound"),
            )),
        }
    }
}

/// One mail Frontline received or sent, as the case knows it (without its bytes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailEntry {
    pub mailbox: MailboxKey,
    pub rfc_message_id: String,
    pub direction: MailDirection,
    pub case_id: CaseId,
    /// The case message it became or carried.
    pub message_id: MessageId,
    /// The sender of a received mail, the recipient of a sent one.
    pub address: Email,
    pub subject: String,
    pub at: Timestamp,
}

/// A mail that could not be read, kept whole with the reason until an admin retries or drops
/// it. Operational data, like webhook attempts: no event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuarantinedMail {
    pub id: uuid::Uuid,
    /// The mailbox it came to, when known.
    pub mailbox: Option<MailboxKey>,
    pub reason: String,
    /// What could be read of its sender and subject, for the list (may be empty or garbled).
    pub from: Option<String>,
    pub subject: Option<String>,
    pub size: u64,
    pub received_at: Timestamp,
}

/// A mail to quarantine.
#[derive(Clone, Debug, PartialEq)]
pub struct NewQuarantined {
    pub mailbox: Option<MailboxKey>,
    pub reason: String,
    pub from: Option<String>,
    pub subject: Option<String>,
    pub raw: Vec<u8>,
}

impl NewQuarantined {
    /// What makes two quarantined mails the same: the mailbox and a SHA-256 of the bytes.
    pub fn dedupe_key(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(&self.raw);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}:{hex}",
            self.mailbox.as_ref().map_or("", MailboxKey::as_str)
        )
    }
}

/// The most items the quarantine list returns.
pub const QUARANTINE_LIST_MAX: u32 = 500;

/// The `mailbox` of account mail (sign-up, sign-in and reset links). It names no mailbox:
/// account mail is on no case and goes out from the system sender (`--mail-from`, else the
/// first enabled mailbox), so a real mailbox of this key changes nothing.
pub const ACCOUNT_MAILBOX: &str = "account-links";

/// The `mailbox` of staff notifications (a case assigned to them, a customer's reply, an ask
/// to them). Like [`ACCOUNT_MAILBOX`] it names no mailbox: the mail is on no case and goes out
/// from the system sender. It keeps their Message-IDs apart from every real mailbox's.
pub const STAFF_MAILBOX: &str = "staff-notices";

/// What an account mail's text becomes once it is sent or failed: it held a link.
pub const ACCOUNT_TEXT_REMOVED: &str = "(removed once sent: it held a one-time link)";

/// Why a mail is sent, which decides its headers (`frontline_mail::Purpose`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboundPurpose {
    /// A person's reply to the customer: threaded, answerable.
    Reply,
    /// Sent by Frontline on its own (a rating link): autoresponders stay quiet.
    Automatic,
}

/// Where a mail in the outbox stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboundStatus {
    /// Still to send: the sender claims it once `next_attempt_at` has come.
    Pending,
    /// The mail server took it. Never sent again.
    Sent,
    /// The mail server refused it for good. Never sent again.
    Failed,
}

macro_rules! text_enum {
    ($type:ident, $field:literal, $($variant:ident => $text:literal),+) => {
        impl $type {
            pub fn as_str(self) -> &'static str {
                match self { $($type::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $type {
            type Err = frontline_core::ValueError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($type::$variant),)+
                    other => Err(frontline_core::ValueError::new(
                        $field,
                        format!("{other:?} is not one of {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }
    };
}

/// What an outbox mail is, which decides whom it goes from and what is kept of it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboundKind {
    /// On a case, to its customer (a reply, a rating link), from the case's mailbox.
    #[default]
    Case,
    /// A sign-up, sign-in or reset link: on no case, from the system sender; its text is
    /// removed once sent.
    Account,
    /// A notification to a staff member ([`STAFF_MAILBOX`]): on no case, from the system
    /// sender, never threaded onto a customer's mail.
    Notification,
}

impl OutboundKind {
    pub fn is_case(&self) -> bool {
        *self == OutboundKind::Case
    }
}

text_enum!(OutboundKind, "kind", Case => "case", Account => "account", Notification => "notification");
text_enum!(OutboundPurpose, "purpose", Reply => "reply", Automatic => "automatic");
text_enum!(OutboundStatus, "status", Pending => "pending", Sent => "sent", Failed => "failed");

/// A mail to put in the outbox. The server builds the bytes from it when it sends, so what
/// is kept is what the mail says, not how it is encoded.
#[derive(Clone, Debug, PartialEq)]
pub struct NewOutbound {
    /// The mailbox it is sent from (its address is the From).
    pub mailbox: MailboxKey,
    pub to: Email,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    /// Its `Message-ID`, without brackets: unique per mailbox, so the same mail is queued
    /// once; the customer's answer names it in `In-Reply-To`.
    pub rfc_message_id: String,
    /// The Message-IDs it answers, oldest first, without brackets.
    pub references: Vec<String>,
    pub purpose: OutboundPurpose,
}

impl NewOutbound {
    /// The outbox row of this mail: pending and due at `at`, when it is queued.
    pub fn pending(
        self,
        case_id: Option<CaseId>,
        message_id: Option<MessageId>,
        at: Timestamp,
    ) -> Outbound {
        Outbound {
            id: uuid::Uuid::now_v7(),
            kind: if case_id.is_some() {
                OutboundKind::Case
            } else {
                OutboundKind::Account
            },
            case_id,
            message_id,
            mailbox: self.mailbox,
            to: self.to,
            to_name: self.to_name,
            subject: self.subject,
            text: self.text,
            rfc_message_id: self.rfc_message_id,
            references: self.references,
            purpose: self.purpose,
            status: OutboundStatus::Pending,
            attempts: 0,
            next_attempt_at: at,
            last_error: None,
            created_at: at,
            sent_at: None,
        }
    }

    /// The outbox row of this mail as a staff notification: on no case, from
    /// [`STAFF_MAILBOX`] whatever `mailbox` says, pending and due at `at`.
    pub fn notification(self, at: Timestamp) -> Outbound {
        let mailbox = MailboxKey::parse(STAFF_MAILBOX).expect("the staff placeholder is a key");
        Outbound {
            kind: OutboundKind::Notification,
            ..NewOutbound { mailbox, ..self }.pending(None, None, at)
        }
    }

    /// The `Conflict` of queueing a Message-ID the mailbox queued before.
    pub fn already_queued(&self) -> StoreError {
        StoreError::conflict(format!(
            "the mailbox {} already queued the mail {}",
            self.mailbox, self.rfc_message_id
        ))
    }
}

/// A mail in the outbox: to send, sent, or refused for good.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outbound {
    pub id: uuid::Uuid,
    /// Exports carry only mail on cases, so an export without it means `case`.
    #[serde(default, skip_serializing_if = "OutboundKind::is_case")]
    pub kind: OutboundKind,
    /// The case it is about; `None` for account mail (a sign-up, sign-in or reset link) and
    /// staff notifications, which are sent from the system sender rather than their
    /// `mailbox` (see [`ACCOUNT_MAILBOX`], [`STAFF_MAILBOX`]).
    pub case_id: Option<CaseId>,
    /// The message it carries; `None` for mail about the case that is no message.
    pub message_id: Option<MessageId>,
    pub mailbox: MailboxKey,
    pub to: Email,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub rfc_message_id: String,
    pub references: Vec<String>,
    pub purpose: OutboundPurpose,
    pub status: OutboundStatus,
    /// Attempts made so far (each `record_outbound` is one).
    pub attempts: u32,
    /// When a pending mail may be claimed next (by the store's clock).
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

impl Outbound {
    /// Apply one attempt made at `at` to a pending mail of case `number`: the one place that
    /// decides, for both backends, what an attempt changes, what is kept of it and which
    /// event it appends (`mail.sent`, `mail.failed`, staff only; none for a retry). The
    /// caller releases the lease. Account mail (no case, `number` is `None`) appends no
    /// event, and once it is sent or failed its text, which holds a sign-in or reset link,
    /// is replaced by [`ACCOUNT_TEXT_REMOVED`]: the link's token is then nowhere durable.
    pub fn record(
        &mut self,
        result: OutboundResult,
        number: Option<CaseNumber>,
        at: Timestamp,
    ) -> (OutboundAttempt, Option<NewEvent>) {
        self.attempts = self.attempts.saturating_add(1);
        let payload = self.apply(result, number.unwrap_or(CaseNumber(0)), at);
        if self.kind == OutboundKind::Account && self.status != OutboundStatus::Pending {
            self.text = ACCOUNT_TEXT_REMOVED.to_owned();
        }
        let attempt = OutboundAttempt {
            at,
            error: self.last_error.clone(),
        };
        let event = match (payload, self.case_id) {
            (Some(payload), Some(case_id)) if number.is_some() => {
                Some(NewEvent::new(None, payload).about_case(case_id, Audience::Staff))
            }
            _ => None,
        };
        (attempt, event)
    }

    fn apply(
        &mut self,
        result: OutboundResult,
        number: CaseNumber,
        at: Timestamp,
    ) -> Option<Payload> {
        match result {
            OutboundResult::Sent => {
                self.status = OutboundStatus::Sent;
                self.sent_at = Some(at);
                self.last_error = None;
                Some(Payload::MailSent(MailSent {
                    number,
                    outbound_id: self.id,
                    message_id: self.message_id,
                    to: self.to.clone(),
                    subject: self.subject.clone(),
                }))
            }
            OutboundResult::Retry {
                next_attempt_at,
                error,
            } => {
                self.next_attempt_at = time::truncate(next_attempt_at);
                self.last_error = Some(error);
                None
            }
            OutboundResult::Failed { error } => {
                self.status = OutboundStatus::Failed;
                self.last_error = Some(error.clone());
                Some(Payload::MailFailed(MailFailed {
                    number,
                    outbound_id: self.id,
                    message_id: self.message_id,
                    to: self.to.clone(),
                    subject: self.subject.clone(),
                    error,
                }))
            }
        }
    }

    /// The case's record of this mail, which threads the customer's answer: only for mail
    /// that carries a message (`mail.message_id` is required).
    pub fn mail_entry(&self, case_id: CaseId, message_id: MessageId, at: Timestamp) -> MailEntry {
        MailEntry {
            mailbox: self.mailbox.clone(),
            rfc_message_id: self.rfc_message_id.clone(),
            direction: MailDirection::Outbound,
            case_id,
            message_id,
            address: self.to.clone(),
            subject: self.subject.clone(),
            at,
        }
    }

    /// The `Conflict` of recording an attempt without holding the mail's lease.
    pub fn not_leased(id: uuid::Uuid, owner: uuid::Uuid) -> StoreError {
        StoreError::conflict(format!(
            "outbound mail {id} is not leased to {owner}: claim it before recording an attempt"
        ))
    }
}

/// What one attempt at sending came to, as the sender reports it.
#[derive(Clone, Debug, PartialEq)]
pub enum OutboundResult {
    Sent,
    /// A transient failure (a 4xx, a connection that failed): try again at `next_attempt_at`
    /// (the sender's backoff, by the same clock as the store's).
    Retry {
        next_attempt_at: Timestamp,
        error: String,
    },
    /// The mail server refused it for good (a 5xx).
    Failed {
        error: String,
    },
}

/// One attempt at sending an outbox mail. Operational data, like webhook delivery attempts:
/// no event of its own, and only the newest `OUTBOUND_ATTEMPTS_KEPT` per mail are kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboundAttempt {
    pub at: Timestamp,
    /// `None` when it was sent.
    pub error: Option<String>,
}

/// Attempts kept per outbox mail. A mail is retried for a bounded time, so this bounds only
/// a sender that keeps reporting retries.
pub const OUTBOUND_ATTEMPTS_KEPT: i64 = 50;

/// The message written with its mail and the mail queued to carry it.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageMailed {
    pub added: crate::MessageAdded,
    pub outbound: Outbound,
}

/// The longest bounce reason kept, in characters: a delivery report's diagnostic is one
/// line from a remote server, and a hostile report can make it any length.
pub const MAX_BOUNCE_REASON_CHARS: usize = 500;

/// A customer's address that mail does not reach: marked when a delivery report names it or
/// our mail server refuses mail to it for good, cleared when mail comes in from it again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailBounce {
    /// Lower case, as every stored address; the key.
    pub address: Email,
    /// The customer whose address it was when it was marked.
    pub person_id: PersonId,
    /// When it was marked: the first bounce since mail last worked.
    pub since: Timestamp,
    /// What the mail server said, at most `MAX_BOUNCE_REASON_CHARS`.
    pub reason: String,
    pub source: BounceSource,
}

/// An address to mark as bouncing.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMailBounce {
    pub person_id: PersonId,
    pub address: Email,
    pub reason: String,
    pub source: BounceSource,
}

impl NewMailBounce {
    /// The mark this makes at `at`, its reason cut to `MAX_BOUNCE_REASON_CHARS`, and its
    /// event (`mail.bouncing`, staff only): the one place both backends take them from.
    pub fn marked(self, at: Timestamp) -> (MailBounce, NewEvent) {
        let bounce = MailBounce {
            address: self.address,
            person_id: self.person_id,
            since: at,
            reason: self.reason.chars().take(MAX_BOUNCE_REASON_CHARS).collect(),
            source: self.source,
        };
        let event = NewEvent::new(
            None,
            Payload::MailBouncing(MailBouncing {
                person_id: bounce.person_id,
                address: bounce.address.clone(),
                reason: bounce.reason.clone(),
                source: bounce.source,
            }),
        );
        (bounce, event)
    }
}

impl MailBounce {
    /// The event of clearing this mark (`mail.bounce_cleared`, staff only).
    pub fn cleared(&self) -> NewEvent {
        NewEvent::new(
            None,
            Payload::MailBounceCleared(MailBounceCleared {
                person_id: self.person_id,
                address: self.address.clone(),
            }),
        )
    }
}
