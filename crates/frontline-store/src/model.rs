//! What goes in and out of the store: commands, filters, pages and export records.

use frontline_core::{
    Case, CaseId, CaseNumber, CaseStatus, Channel, Email, Event, EventKind, Membership, Message,
    MessageBody, Name, Outcome, OutcomeId, OutcomeKey, Person, PersonId, Priority, Role, Subject,
    SupportLink, Tags, Team, TeamId, Timestamp, Visibility,
};
use serde::{Deserialize, Serialize};

/// A write's result together with the events it appended, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Written<T> {
    pub value: T,
    pub events: Vec<Event>,
    /// The answer of an earlier write with the same idempotency key, given again: `events`
    /// are that write's, and nothing was written now.
    pub replayed: bool,
}

impl<T> Written<T> {
    /// The sequence number of the last event written (0 if none).
    pub fn last_seq(&self) -> i64 {
        self.events.last().map_or(0, |e| e.seq)
    }
}

#[derive(Clone, Debug)]
pub struct NewPerson {
    pub email: Email,
    pub name: Name,
    pub role: Role,
    pub title: Option<String>,
    pub admin: bool,
    pub capacity: u32,
}

#[derive(Clone, Debug, Default)]
pub struct PersonUpdate {
    pub name: Option<Name>,
    pub role: Option<Role>,
    pub title: Option<Option<String>>,
    pub admin: Option<bool>,
    pub capacity: Option<u32>,
    pub available: Option<bool>,
    /// `Some(None)` clears it. Checked by the caller (`org::profile::parse_language`).
    pub language: Option<Option<String>>,
    /// `Some(None)` clears it. Checked by the caller (`org::profile::parse_time_zone`).
    pub time_zone: Option<Option<String>>,
}

/// One more address of a person, besides `Person::email` (the primary). Lower-cased like
/// every `Email`; an address belongs to at most one person, as a primary or here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonAddress {
    pub person_id: PersonId,
    pub address: Email,
    /// Staff and administrators add trusted addresses; one a customer added themselves is
    /// unverified (and finds nobody) until they show it is theirs.
    pub verified: bool,
    pub added_at: Timestamp,
}

/// What a merge did: the kept customer, the duplicate's tombstone and what moved.
#[derive(Clone, Debug, PartialEq)]
pub struct Merged {
    pub kept: Person,
    pub merged: Person,
    pub cases_moved: u64,
    pub addresses_moved: u64,
}

#[derive(Clone, Debug, Default)]
pub struct PeopleFilter {
    pub role: Option<Role>,
    /// Case-insensitive match on name or email.
    pub text: Option<String>,
}

/// A page request: `after` is the cursor of the last item already seen (list order).
#[derive(Clone, Debug)]
pub struct PageRequest<C = String> {
    pub after: Option<C>,
    pub limit: u32,
}

impl<C> PageRequest<C> {
    pub const MAX_LIMIT: u32 = 200;

    pub fn first(limit: u32) -> Self {
        Self { after: None, limit }
    }

    /// The limit clamped to 1..=MAX_LIMIT.
    pub fn clamped_limit(&self) -> u32 {
        self.limit.clamp(1, Self::MAX_LIMIT)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Whether items exist after the last one returned.
    pub has_more: bool,
}

#[derive(Clone, Debug)]
pub struct NewSession {
    pub session_hash: String,
    pub person_id: PersonId,
    pub csrf_token: String,
    pub expires_at: Timestamp,
    /// The browser's `User-Agent` (cut to `credentials::MAX_USER_AGENT_CHARS` by the store).
    pub user_agent: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: frontline_core::SessionId,
    pub person_id: PersonId,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct NewOutcome {
    pub key: OutcomeKey,
    pub name: Name,
    pub success_criteria: String,
    pub target_minutes: u32,
    pub team_ids: Vec<TeamId>,
}

#[derive(Clone, Debug)]
pub struct NewCase {
    pub customer_id: PersonId,
    pub outcome_id: OutcomeId,
    pub subject: Subject,
    pub body: MessageBody,
    pub channel: Channel,
    pub priority: Priority,
    pub tags: Tags,
    /// Backdate the case (demo data and imports); `None` means now.
    pub created_at: Option<Timestamp>,
    pub idempotency_key: Option<String>,
    /// Uploads to attach to the first message (see `NewMessage`; the customer's or the
    /// actor's).
    pub attachments: Vec<frontline_core::AttachmentId>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CaseCreated {
    pub case: Case,
    pub message: Message,
}

#[derive(Clone, Debug)]
pub struct NewMessage {
    pub case_id: CaseId,
    pub author_id: PersonId,
    pub body: MessageBody,
    pub visibility: Visibility,
    pub created_at: Option<Timestamp>,
    pub idempotency_key: Option<String>,
    /// Uploads to attach, in the message's transaction, each with `attachment.added` (the
    /// message's audience). `Invalid` for an id that is not an unattached, undeleted upload
    /// of the author's or the actor's (unknown and someone else's alike).
    pub attachments: Vec<frontline_core::AttachmentId>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MessageAdded {
    pub message: Message,
    pub case: Case,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaseFilter {
    /// Any of these statuses (empty: all).
    pub statuses: Vec<CaseStatus>,
    pub outcome_id: Option<OutcomeId>,
    pub team_id: Option<TeamId>,
    pub owner_id: Option<PersonId>,
    /// Only cases nobody owns (team queues).
    pub unassigned: bool,
    pub customer_id: Option<PersonId>,
    /// Words every matching case contains somewhere: its number, subject, tags, customer's
    /// name and addresses, or a message (`frontline_core::search`).
    pub text: Option<frontline_core::search::TextQuery>,
    /// Whether `text` may match internal notes (staff) or only what the customer sees.
    pub text_internal: bool,
    /// Carrying every one of these tags.
    pub tags: Vec<frontline_core::Tag>,
    /// Any of these priorities (empty: all).
    pub priorities: Vec<frontline_core::Priority>,
    /// With at least one file that has not been deleted (on a public message unless
    /// `text_internal`).
    pub has_attachment: bool,
    /// Created at or after.
    pub created_from: Option<Timestamp>,
    /// Created before (exclusive).
    pub created_before: Option<Timestamp>,
    /// Resolved at or after (implies resolved).
    pub resolved_from: Option<Timestamp>,
    /// Resolved before (exclusive; implies resolved).
    pub resolved_before: Option<Timestamp>,
    /// Whether the case has a resolution time now (resolved or closed, not reopened).
    pub resolved: Option<bool>,
    pub achieved: Option<frontline_core::OutcomeAchieved>,
    /// Resolved, and took longer than its outcome's target (`true`) or at most the target
    /// (`false`): `frontline_core::scoreboard::over_target`.
    pub over_target: Option<bool>,
    /// Has at least one feeling of this kind.
    pub feeling: Option<frontline_core::FeelingKind>,
}

/// How many cases a filter finds: exact up to the cap it was counted with, else `exact` is
/// false and `count` is the cap ("more than").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CaseCount {
    pub count: u64,
    pub exact: bool,
}

/// Which events to read. `customer_id`: only events that customer may see.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub visible_to_customer: Option<PersonId>,
    pub case_id: Option<CaseId>,
    pub kinds: Vec<EventKind>,
}

/// A subscription to create. The server validates the URL and generates the secret.
#[derive(Clone, Debug)]
pub struct NewWebhook {
    pub url: String,
    /// Empty: every kind.
    pub kinds: Vec<EventKind>,
    pub secret: String,
}

/// One try at delivering one event to a subscription. Operational data: kept in its own table,
/// never in the event log (a dead receiver would otherwise flood the log).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    /// The event that was sent.
    pub seq: i64,
    pub at: Timestamp,
    /// The HTTP status, if the receiver answered at all.
    pub status: Option<u16>,
    /// Why it failed (connection refused, timeout, a non-2xx status).
    pub error: Option<String>,
    pub duration_ms: u32,
}

/// What an attempt changes on its subscription.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DeliveryOutcome {
    /// Delivered: the cursor moves to `cursor` and the failure fields clear.
    Delivered { cursor: i64 },
    /// Failed: retry at `next_attempt_at`; `failing_since` is when this run of failures began.
    Failed {
        next_attempt_at: Timestamp,
        failing_since: Timestamp,
    },
}

/// One line of an export: enough to rebuild the store exactly, event log included.
///
/// Webhook subscriptions and their delivery attempts are deliberately not exported: they hold
/// signing secrets and point at receivers of the old installation; recreate them after an
/// import (their `webhook.*` events are in the log and are exported like every event).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Person {
        person: Person,
        password_hash: Option<String>,
        last_assigned_at: Option<Timestamp>,
    },
    /// An API token with its hash (so an export holds secrets' hashes: keep it private).
    /// `id`, `expires_at` and `last_used_at` are absent from exports made before migration
    /// 0012: import then gives the token a new id, no expiry, and no recorded use.
    Token {
        person_id: PersonId,
        token_hash: String,
        label: String,
        created_at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<frontline_core::TokenId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<Timestamp>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_used_at: Option<Timestamp>,
    },
    /// A named signing key (the rating links' HMAC key), in lower-case hex, so links
    /// signed before an export still verify after an import. Absent from older exports: the
    /// store then makes a new key on first use and older links stop verifying.
    SigningKey {
        name: String,
        key: String,
    },
    Team(Team),
    Membership(Membership),
    Support(SupportLink),
    Outcome(Outcome),
    Case(Case),
    Message(Message),
    CustomerProfile(crate::CustomerProfile),
    DecisionKind(frontline_core::guideline::DecisionKind),
    Rule(crate::RuleVersion),
    Decision(crate::Decision),
    Ask(frontline_core::Ask),
    AskMessage(frontline_core::AskMessage),
    StandardWorkItem(frontline_core::StandardWorkItem),
    StandardWorkTick(frontline_core::StandardWorkTick),
    Event(Event),
    /// A person's role and title over a period (absent from exports made before role
    /// history: import then starts one period per person at their creation).
    RolePeriod(frontline_core::RolePeriod),
    Feeling(frontline_core::Feeling),
    /// With its evidence (the closed-loop messages it names are `Message` records).
    Proposal(frontline_core::Proposal),
    ProposalVote(frontline_core::proposal::ProposalVote),
    ProposalComment(frontline_core::proposal::ProposalComment),
    /// A customer message's sentiment and mood alert (absent from exports made before
    /// sentiment scoring: those messages keep no score).
    MessageMood(crate::MessageMood),
    /// A mailbox with the hash of its inbound token (absent from exports made before mail).
    Mailbox {
        mailbox: frontline_core::mail::Mailbox,
        inbound_token_hash: Option<String>,
    },
    /// A mail received or sent; `raw` is a received mail's bytes in base64.
    Mail {
        entry: crate::MailEntry,
        raw: Option<String>,
    },
    /// A mail in the outbox, whatever its status, so an import neither sends again what was
    /// sent nor forgets what was not (absent from exports made before the outbox). Its lease
    /// is not exported: an imported mail is free to claim. Nor are its attempts: they are
    /// operational history, like webhook delivery attempts.
    Outbound(crate::Outbound),
    /// A customer's address that mail does not reach (absent from exports made before
    /// migration 0015).
    MailBounce(crate::MailBounce),
    /// A quarantined mail with its bytes in base64.
    Quarantined {
        item: crate::QuarantinedMail,
        raw: String,
    },
    /// A dated version of a team's calendar (absent from exports made before calendars).
    TeamCalendar(crate::TeamCalendar),
    /// An outcome's service targets (absent from exports made before targets).
    OutcomeTargets(crate::OutcomeTargets),
    /// A file on a message, or its tombstone, with its bytes in base64 (`None` for a
    /// tombstone: deleted bytes are not exported). Uploads on no message are not exported.
    /// Absent from exports made before attachments.
    Attachment {
        attachment: frontline_core::Attachment,
        data: Option<String>,
    },
    /// A person's address besides their primary (absent from exports made before 0020).
    PersonAddress(PersonAddress),
    /// A staff member's choice of notifications, each one kept (absent from exports made
    /// before migration 0023).
    NotificationChoice(crate::NotificationChoice),
}

impl Record {
    /// The record of a named signing key.
    pub fn signing_key(name: &str, key: &[u8]) -> Self {
        Record::SigningKey {
            name: name.to_owned(),
            key: hex::encode(key),
        }
    }

    /// The bytes of a `SigningKey` record's key; `Other` when it is not hex (a damaged file).
    pub fn decode_key(key: &str) -> crate::StoreResult<Vec<u8>> {
        hex::decode(key)
            .map_err(|e| crate::StoreError::Other(format!("a signing key is not hex: {e}")))
    }

    /// Bytes as they travel in an export.
    pub fn encode_bytes(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// The bytes of a `Mail`, `Quarantined` or `Attachment` record; `Other` for a damaged
    /// file.
    pub fn decode_bytes(text: &str) -> crate::StoreResult<Vec<u8>> {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| {
                crate::StoreError::Other(format!("bytes in the export are not base64: {e}"))
            })
    }

    /// Orders records so that everything a record refers to comes before it.
    pub fn rank(&self) -> u8 {
        match self {
            Record::Person { .. } => 0,
            Record::Token { .. } => 1,
            Record::SigningKey { .. } => 1,
            Record::Team(_) => 2,
            Record::Membership(_) => 3,
            Record::Support(_) => 4,
            Record::Outcome(_) => 5,
            Record::Case(_) => 6,
            Record::Message(_) => 7,
            Record::CustomerProfile(_) => 8,
            Record::DecisionKind(_) => 9,
            Record::Rule(_) => 10,
            Record::Decision(_) => 11,
            Record::Ask(_) => 12,
            Record::AskMessage(_) => 13,
            Record::StandardWorkItem(_) => 14,
            Record::StandardWorkTick(_) => 15,
            Record::Feeling(_) => 15,
            Record::Event(_) => 16,
            // Refers to a person only.
            Record::RolePeriod(_) => 1,
            Record::Proposal(_) => 17,
            Record::ProposalVote(_) => 18,
            Record::ProposalComment(_) => 19,
            // Refers to a message (and the person who acknowledged its alert).
            Record::MessageMood(_) => 8,
            // Last, after the outcomes, cases and messages they name.
            Record::Mailbox { .. } => 20,
            Record::Mail { .. } => 21,
            Record::Outbound(_) => 22,
            Record::Quarantined { .. } => 23,
            Record::TeamCalendar(_) => 24,
            Record::OutcomeTargets(_) => 25,
            // Refers to a person only.
            Record::MailBounce(_) => 26,
            // After the messages they are on.
            Record::Attachment { .. } => 27,
            Record::PersonAddress(_) => 1,
            // Refers to a person only; last, where exports put it.
            Record::NotificationChoice(_) => 28,
        }
    }
}

/// How a case number is shown in `NotFound` messages.
pub fn case_label(number: CaseNumber) -> String {
    format!("case {number}")
}
