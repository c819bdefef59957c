//! The storage contract. `Store` is one object-safe trait whose methods are use cases; each
//! write is one transaction that applies the domain's decision (from `frontline-core`) and
//! appends its events to the event log, returning them.
//!
//! Contract shared by every backend (the `testing` feature makes it executable):
//! - Event sequence numbers are gap-free and strictly increasing in commit order, so a reader
//!   that has seen `seq` and asks for events after it misses nothing.
//! - `NotFound` means a referenced row does not exist; `Conflict` means the request clashes
//!   with existing state (a duplicate email, an illegal status change); `Invalid` means the
//!   request itself breaks a domain rule.
//! - A create with an idempotency key that was already used by the same actor returns the
//!   first result and writes nothing.
//!
//! This crate knows no database driver and nothing of HTTP.

pub mod accounts;
mod asks;
pub mod credentials;
mod error;
mod feelings;
mod files;
mod followers;
mod guidelines;
pub mod history;
mod leaders;
mod mail;
mod model;
mod notifications;
mod proposals;
mod targets;
#[cfg(feature = "testing")]
pub mod testing;
mod voice;

use async_trait::async_trait;
use frontline_core::{
    Ask, AskId, AskMessage, Case, CaseId, CaseNumber, CaseStatus, Email, Event, Membership,
    Message, MessageId, Outcome, OutcomeAchieved, OutcomeId, OutcomeKey, Person, PersonId,
    StandardWorkItem, StandardWorkItemId, StandardWorkTick, SupportLink, Tags, Team, TeamId,
    Webhook, WebhookId,
};

pub use accounts::{LinkPurpose, NewAccountLink, Redeemed};
pub use asks::*;
pub use credentials::{ApiToken, NewToken, Revoked, SessionInfo};
pub use error::{StoreError, StoreResult};
pub use feelings::*;
pub use files::*;
pub use followers::*;
pub use frontline_core::notify::Preferences;
pub use guidelines::*;
pub use leaders::*;
pub use mail::*;
pub use model::*;
pub use notifications::*;
pub use proposals::*;
pub use targets::*;
pub use voice::*;

/// `Store::rank_cases` ranks among at most this many of the newest matching cases.
pub const RANK_WINDOW: u32 = 1_000;

/// How long a read that searches words may run before the store stops it: a word in every
/// case with a filter that matches none would otherwise walk the whole index.
pub const SEARCH_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);

/// What a search stopped at `SEARCH_TIME_LIMIT` answers: a fault of the query, to narrow.
pub fn search_too_long() -> StoreError {
    StoreError::Invalid(frontline_core::ValueError::new(
        "q",
        "this search reads too much to answer within a second; add a rarer word or a filter \
         (status:, owner:, before:)",
    ))
}

/// A place that keeps Frontline's state and its event log.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is (`sqlite` or `postgres`), for logs and `/readyz`.
    fn backend(&self) -> &'static str;

    /// Cheap round trip to the database, for readiness checks.
    async fn ping(&self) -> StoreResult<()>;

    /// A receiver of the newest committed sequence number, updated after every commit made
    /// through this store (and, on PostgreSQL, by other nodes). It is a doorbell only: readers
    /// re-read the log from their own position, so a slow reader never makes anyone buffer.
    fn subscribe(&self) -> tokio_watch::Receiver;

    /// Send a short ephemeral message (presence, typing) to every node sharing this store,
    /// this one included. Never stored and best effort: a node that is disconnected misses it.
    /// `Invalid` above `MAX_BROADCAST_BYTES`.
    async fn broadcast(&self, message: String) -> StoreResult<()>;

    /// Ephemeral messages from every node (see `broadcast`), newest last. A receiver that lags
    /// skips ahead: these are current states, not history.
    fn broadcasts(&self) -> tokio::sync::broadcast::Receiver<String>;

    // ----- people and credentials -----

    /// Create a person. `Conflict` if the email is taken.
    async fn create_person(
        &self,
        actor: Option<PersonId>,
        new: NewPerson,
    ) -> StoreResult<Written<Person>>;
    /// Change a person's mutable fields (the `Some` ones).
    async fn update_person(
        &self,
        actor: Option<PersonId>,
        id: PersonId,
        update: PersonUpdate,
    ) -> StoreResult<Written<Person>>;
    /// Store a new password hash (argon2id PHC string; the store never sees a password) and,
    /// in the same transaction, end every API token and session of the person except the
    /// session `keep_session` (the one that made the change, if its owner chose to keep it):
    /// whoever stole a credential loses it when the password changes. Appends
    /// `person.password_set` and `person.credentials_revoked`.
    async fn set_password(
        &self,
        actor: Option<PersonId>,
        id: PersonId,
        password_hash: String,
        keep_session: Option<frontline_core::SessionId>,
    ) -> StoreResult<Written<Revoked>>;
    async fn get_person(&self, id: PersonId) -> StoreResult<Person>;
    /// These people in one read, in no particular order; ids that name nobody are left out.
    /// A page of cases names its owners this way: one round trip instead of one per owner.
    async fn get_people(&self, ids: Vec<PersonId>) -> StoreResult<Vec<Person>>;
    /// The person whose primary address is `email`, else whose verified added address it
    /// is (addresses are lower-cased, so the match is case-insensitive). A tombstone's
    /// addresses find nobody (they are `.invalid`).
    async fn get_person_by_email(&self, email: &Email) -> StoreResult<Person>;
    /// The stored password hash, if a password was ever set.
    async fn password_hash(&self, id: PersonId) -> StoreResult<Option<String>>;
    async fn list_people(
        &self,
        filter: PeopleFilter,
        page: PageRequest<PersonId>,
    ) -> StoreResult<Page<Person>>;

    /// Record an API token by its hash (the token itself is shown once and never stored).
    /// `NotFound` for an unknown person, `Conflict` for a hash already recorded.
    async fn create_token(
        &self,
        actor: Option<PersonId>,
        new: NewToken,
    ) -> StoreResult<Written<ApiToken>>;
    /// The person a token hash belongs to; `NotFound` for an unknown, revoked or expired
    /// (`expires_at <= now`) token. Records the use in `last_used_at` when the stored value is
    /// a minute or more old (`credentials::needs_touch`), so not every request writes.
    async fn person_for_token(
        &self,
        token_hash: &str,
        now: frontline_core::Timestamp,
    ) -> StoreResult<Person>;
    /// A person's tokens, expired ones included, newest first. Never their hashes.
    async fn list_tokens(&self, person_id: PersonId) -> StoreResult<Vec<ApiToken>>;
    /// Delete one of a person's tokens and append `token.revoked`. `NotFound` when the token
    /// does not exist or belongs to someone else.
    async fn revoke_token(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        token_id: frontline_core::TokenId,
    ) -> StoreResult<Written<()>>;
    /// Start a web session keyed by the hash of its cookie value; returns its id. Sweeps
    /// expired sessions. `NotFound` for an unknown person.
    async fn create_session(&self, session: NewSession) -> StoreResult<frontline_core::SessionId>;
    /// The live session for a hash; `NotFound` when unknown, revoked or expired. Records the
    /// use like `person_for_token`.
    async fn get_session(
        &self,
        session_hash: &str,
        now: frontline_core::Timestamp,
    ) -> StoreResult<Session>;
    /// End a session by its hash (signing out); nothing happens if it is gone already.
    async fn delete_session(&self, session_hash: &str) -> StoreResult<()>;
    /// A person's live sessions (`expires_at > now`), newest first. Never their hashes.
    async fn list_sessions(
        &self,
        person_id: PersonId,
        now: frontline_core::Timestamp,
    ) -> StoreResult<Vec<SessionInfo>>;
    /// End one of a person's sessions. `NotFound` when it does not exist or belongs to
    /// someone else. Sessions are not events (signing in and out are not either).
    async fn revoke_session(
        &self,
        person_id: PersonId,
        session_id: frontline_core::SessionId,
    ) -> StoreResult<()>;
    /// End every token and session of a person except the session `keep_session`, in one
    /// transaction, appending `person.credentials_revoked` with the counts. `NotFound` for an
    /// unknown person.
    async fn revoke_credentials(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        keep_session: Option<frontline_core::SessionId>,
    ) -> StoreResult<Written<Revoked>>;

    // ----- a person's addresses, merging duplicates, erasure -----

    /// Give a person one more address. `NotFound` for an unknown person; `Conflict` when the
    /// address is anyone's already (their primary `email` or an added one: an address belongs
    /// to at most one person); `Invalid` for a tombstone (erased or merged). Appends
    /// `person.address_added`.
    async fn add_address(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        address: Email,
        verified: bool,
    ) -> StoreResult<Written<PersonAddress>>;
    /// Take an added address away (the primary stays: change it instead). `NotFound` when
    /// the person has no such added address. Appends `person.address_removed`.
    async fn remove_address(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        address: Email,
    ) -> StoreResult<Written<()>>;
    /// A person's added addresses, oldest first (the primary is `Person::email`).
    async fn list_addresses(&self, person_id: PersonId) -> StoreResult<Vec<PersonAddress>>;
    /// Merge the customer `duplicate` into `keep`, in one transaction: the duplicate's cases,
    /// the authorship of their messages, their feelings and decisions, mail bounce marks and
    /// addresses (its primary becomes a verified address of `keep`) move to `keep`; the log's
    /// events addressed to the duplicate are addressed to `keep` from then on (so the kept
    /// customer's stream and timelines show the moved cases' history; payloads are not
    /// rewritten); the duplicate's tokens and sessions end and it becomes a tombstone with
    /// `merged_into = keep`. Load counters do not move: they count staff owners' cases, and
    /// a case's owner does not change. `Invalid` unless both are customers, distinct and
    /// neither a tombstone; `NotFound` for an unknown one. Appends `person.merged`.
    async fn merge_people(
        &self,
        actor: Option<PersonId>,
        keep: PersonId,
        duplicate: PersonId,
    ) -> StoreResult<Written<Merged>>;
    /// The customer asks to be forgotten: `erasure_requested_at` is set (kept if set
    /// already, with no event). `Invalid` for staff or a tombstone. Appends
    /// `person.erasure_requested`.
    async fn request_erasure(&self, person_id: PersonId) -> StoreResult<Written<Person>>;
    /// Erase a customer's personal data, in one transaction: name and primary address become
    /// a tombstone's (`org::profile::erased_email`), added addresses, profile, language,
    /// time zone, password, tokens, sessions, bounce marks and customer profile go; the
    /// bodies of the messages they wrote and the words of their feelings read
    /// `org::profile::ERASED_TEXT`; the mail of their cases loses its bytes and their
    /// address, unsent mail to them fails; earlier events' payloads that carried their
    /// data are rewritten (`org::profile::scrub`). Cases, their subjects, scores, times and
    /// figures stay. `Invalid` for staff or a merged tombstone; `Conflict` if already erased.
    /// Appends `person.erased` (the actor says who).
    async fn erase_person(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
    ) -> StoreResult<Written<Person>>;

    // ----- teams and outcomes -----

    /// `Conflict` if the name is taken.
    async fn create_team(
        &self,
        actor: Option<PersonId>,
        name: frontline_core::Name,
    ) -> StoreResult<Written<Team>>;
    async fn list_teams(&self) -> StoreResult<Vec<Team>>;
    async fn get_team(&self, id: TeamId) -> StoreResult<Team>;
    /// Add a membership from `from`. `Conflict` if the person is already a current member.
    async fn add_membership(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        team_id: TeamId,
        from: frontline_core::Timestamp,
    ) -> StoreResult<Written<Membership>>;
    /// End the current membership at `to`. `NotFound` if there is none.
    async fn end_membership(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        team_id: TeamId,
        to: frontline_core::Timestamp,
    ) -> StoreResult<Written<Membership>>;
    /// Memberships, current and past, filtered by team and/or person.
    async fn list_memberships(
        &self,
        team_id: Option<TeamId>,
        person_id: Option<PersonId>,
    ) -> StoreResult<Vec<Membership>>;
    /// `support_id` must be a support employee (`Invalid` otherwise).
    async fn add_support(
        &self,
        actor: Option<PersonId>,
        support_id: PersonId,
        team_id: TeamId,
        from: frontline_core::Timestamp,
    ) -> StoreResult<Written<SupportLink>>;
    async fn end_support(
        &self,
        actor: Option<PersonId>,
        support_id: PersonId,
        team_id: TeamId,
        to: frontline_core::Timestamp,
    ) -> StoreResult<Written<SupportLink>>;
    async fn list_supports(&self, team_id: Option<TeamId>) -> StoreResult<Vec<SupportLink>>;

    /// `Conflict` if the key is taken; `NotFound` if an owning team does not exist.
    async fn create_outcome(
        &self,
        actor: Option<PersonId>,
        new: NewOutcome,
    ) -> StoreResult<Written<Outcome>>;
    async fn get_outcome(&self, id: OutcomeId) -> StoreResult<Outcome>;
    async fn get_outcome_by_key(&self, key: &OutcomeKey) -> StoreResult<Outcome>;
    async fn list_outcomes(&self) -> StoreResult<Vec<Outcome>>;

    // ----- business hours and service targets -----

    /// Add a dated version of a team's calendar, in force from `valid_from` (a version that
    /// starts at the same instant is replaced). The caller checked the spec
    /// (`Calendar::new`). `NotFound` for an unknown team.
    async fn set_team_calendar(
        &self,
        actor: Option<PersonId>,
        team_id: TeamId,
        valid_from: frontline_core::Timestamp,
        calendar: frontline_core::calendar::CalendarSpec,
    ) -> StoreResult<Written<TeamCalendar>>;
    /// Calendar versions, by team then start; of one team or of all.
    async fn list_team_calendars(&self, team_id: Option<TeamId>) -> StoreResult<Vec<TeamCalendar>>;
    /// Replace an outcome's targets (checked by the caller: `validate_targets`); empty
    /// removes them. `NotFound` for an unknown outcome.
    async fn set_outcome_targets(
        &self,
        actor: Option<PersonId>,
        outcome_id: OutcomeId,
        targets: Vec<frontline_core::targets::Target>,
    ) -> StoreResult<Written<OutcomeTargets>>;
    /// The targets of every outcome that has some, by outcome id.
    async fn list_outcome_targets(&self) -> StoreResult<Vec<OutcomeTargets>>;
    /// Tell staff that a case's target crossed a line (`alarm.event`: `case.target_warning`
    /// or `case.target_breached`) and, with `ask`, raise that ask (as `raise_ask` does) in the
    /// same transaction, its id in the event. Once per alarm: if the case's events already
    /// record it (`Alarm::recorded_by`), nothing is written and the answer is `replayed`
    /// with no ask. `NotFound` for an unknown case.
    async fn record_target_alarm(
        &self,
        case_id: CaseId,
        alarm: frontline_core::targets::Alarm,
        ask: Option<frontline_core::ask::NewAskSpec>,
    ) -> StoreResult<Written<Option<Ask>>>;
    /// Set when cases fall due (`Some`) or that they do not (`None`, also for a case that is
    /// not open): the target sweep's reading, for lists that sort by it. Operational: no
    /// event, not exported. `NotFound` names a case that does not exist (nothing is written).
    async fn set_case_due(
        &self,
        dues: Vec<(CaseId, Option<frontline_core::Timestamp>)>,
    ) -> StoreResult<()>;
    /// When each of `ids` falls due, for those that do (in no particular order).
    async fn case_due(
        &self,
        ids: Vec<CaseId>,
    ) -> StoreResult<Vec<(CaseId, frontline_core::Timestamp)>>;

    // ----- cases -----

    /// Open a case with its first message and route it (see `frontline_core::routing`).
    /// Idempotent per (actor, key).
    async fn create_case(
        &self,
        actor: Option<PersonId>,
        new: NewCase,
    ) -> StoreResult<Written<CaseCreated>>;
    async fn get_case(&self, id: CaseId) -> StoreResult<Case>;
    async fn get_case_by_number(&self, number: CaseNumber) -> StoreResult<Case>;
    /// Cases, newest first, filtered; the cursor is the last case number of the previous page.
    async fn list_cases(
        &self,
        filter: CaseFilter,
        page: PageRequest<CaseNumber>,
    ) -> StoreResult<Page<Case>>;
    /// Cases matching `filter` (which has `text`), best match first: ranked by how well they
    /// match among the newest `RANK_WINDOW` matching cases, from `offset`. Ranking every
    /// match of a word most cases contain would read the whole index for one page.
    async fn rank_cases(
        &self,
        filter: CaseFilter,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Page<Case>>;
    /// A team's queue (open cases nobody owns) in the order to take them: what falls due
    /// first (`case_due`), then the most urgent, then the oldest; from `offset`.
    async fn list_queue(&self, team_id: TeamId, offset: u32, limit: u32)
    -> StoreResult<Page<Case>>;
    /// How many cases `filter` finds, counted up to `cap`.
    async fn count_cases(&self, filter: CaseFilter, cap: u64) -> StoreResult<CaseCount>;
    /// The message bodies of `ids`, each case's in order (public only unless
    /// `include_internal`): what search snippets are cut from.
    async fn message_texts(
        &self,
        ids: Vec<CaseId>,
        include_internal: bool,
    ) -> StoreResult<Vec<(CaseId, String)>>;
    /// `Conflict` for a move the lifecycle forbids.
    async fn change_status(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        to: CaseStatus,
    ) -> StoreResult<Written<Case>>;
    /// Give the case to a person (`None`: back to the team queue). The owner must be staff.
    async fn assign_case(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        owner: Option<PersonId>,
    ) -> StoreResult<Written<Case>>;
    async fn set_outcome_achieved(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        value: OutcomeAchieved,
    ) -> StoreResult<Written<Case>>;
    /// Change a case's subject, priority or outcome (`frontline_core::CaseEdit`). A new
    /// outcome that the case's team does not own routes the case to a team that does (unless
    /// `keep_owner`), as a new case is routed. `Invalid` on `outcome` for an unknown outcome;
    /// no events when nothing changes.
    async fn edit_case(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        edit: frontline_core::CaseEdit,
    ) -> StoreResult<Written<Case>>;
    async fn set_tags(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        tags: Tags,
    ) -> StoreResult<Written<Case>>;
    /// Add a message; may move the case (a customer reply reopens it). Idempotent per
    /// (actor, key).
    async fn add_message(
        &self,
        actor: Option<PersonId>,
        new: NewMessage,
    ) -> StoreResult<Written<MessageAdded>>;
    /// Messages of a case, oldest first; internal notes only when `include_internal`.
    async fn list_messages(
        &self,
        case_id: CaseId,
        include_internal: bool,
    ) -> StoreResult<Vec<Message>>;
    /// The open-case counter routing uses for a person (maintained on every write).
    async fn open_load(&self, person_id: PersonId) -> StoreResult<u32>;
    /// How many of a customer's cases are not yet resolved or closed (new, open, waiting on
    /// the customer); 0 for an unknown person. Counted, not loaded.
    async fn count_open_cases(&self, customer_id: PersonId) -> StoreResult<u32>;

    // ----- the event log -----

    /// Events with `seq > after`, in order, at most `limit`, filtered.
    async fn events_after(
        &self,
        after: i64,
        limit: u32,
        filter: EventFilter,
    ) -> StoreResult<Vec<Event>>;
    /// The newest committed sequence number (0 for an empty log).
    async fn last_seq(&self) -> StoreResult<i64>;

    // ----- mail -----

    /// Create the mailbox `new.key`, or change it (appends `mailbox.saved`). `NotFound` for
    /// an unknown outcome; `Conflict` when another mailbox has the address.
    async fn save_mailbox(
        &self,
        actor: Option<PersonId>,
        new: frontline_core::mail::NewMailbox,
    ) -> StoreResult<Written<frontline_core::mail::Mailbox>>;
    /// Set or clear the hash of the token the mailbox's inbound URL takes (appends
    /// `mailbox.saved`, without it). `NotFound` for an unknown mailbox.
    async fn set_mailbox_token(
        &self,
        actor: Option<PersonId>,
        key: frontline_core::mail::MailboxKey,
        token_hash: Option<String>,
    ) -> StoreResult<Written<frontline_core::mail::Mailbox>>;
    /// Every mailbox, by key.
    async fn list_mailboxes(&self) -> StoreResult<Vec<frontline_core::mail::Mailbox>>;
    async fn get_mailbox(
        &self,
        key: frontline_core::mail::MailboxKey,
    ) -> StoreResult<frontline_core::mail::Mailbox>;
    /// Open a case from a received mail and record the mail with it, in one transaction.
    /// `Conflict` when this mailbox already has a mail with this Message-ID (nothing is
    /// written): the same mail arriving twice becomes one case.
    async fn create_case_from_mail(
        &self,
        new: NewCase,
        mail: NewMail,
    ) -> StoreResult<Written<CaseCreated>>;
    /// Add a received mail to a case as a message (reopening it as any customer reply
    /// does) and record the mail, in one transaction. `Conflict` as `create_case_from_mail`.
    async fn add_message_from_mail(
        &self,
        new: NewMessage,
        mail: NewMail,
    ) -> StoreResult<Written<MessageAdded>>;
    /// The mail this mailbox received with this Message-ID, if any.
    async fn mail_received(
        &self,
        mailbox: frontline_core::mail::MailboxKey,
        rfc_message_id: String,
    ) -> StoreResult<Option<MailEntry>>;
    /// The case of the first of `rfc_message_ids` (in the order given) that Frontline
    /// received or sent, in any mailbox.
    async fn case_for_mail(&self, rfc_message_ids: Vec<String>) -> StoreResult<Option<CaseId>>;
    /// The mail of a case, oldest first.
    async fn list_case_mail(&self, case_id: CaseId) -> StoreResult<Vec<MailEntry>>;
    /// The bytes of the received mail that became `message_id`. `NotFound` if it did not
    /// come by mail.
    async fn original_mail(&self, message_id: MessageId) -> StoreResult<Vec<u8>>;
    /// Keep a mail that could not be read. The same bytes to the same mailbox again return
    /// the item already kept.
    async fn quarantine_mail(&self, new: NewQuarantined) -> StoreResult<QuarantinedMail>;
    /// Newest first, at most `limit` (capped at `QUARANTINE_LIST_MAX`).
    async fn list_quarantine(&self, limit: u32) -> StoreResult<Vec<QuarantinedMail>>;
    /// An item and its bytes. `NotFound` for an unknown one.
    async fn get_quarantined(&self, id: uuid::Uuid) -> StoreResult<(QuarantinedMail, Vec<u8>)>;
    /// Forget an item (dropped by an admin, or ingested on retry). `NotFound` if it is gone.
    async fn drop_quarantined(&self, id: uuid::Uuid) -> StoreResult<()>;

    // ----- the outbox: mail to send, written with what causes it -----

    /// Add a message exactly as `add_message` does and, in the same transaction, queue the
    /// mail that carries it (pending, due now) and record it in the case's mail (outbound,
    /// addressed to `mail.to`), so the customer's answer threads onto the case by its
    /// Message-ID. No event besides the message's: the outbox is the sender's work list.
    /// `NotFound` for an unknown mailbox; `Conflict` when the mailbox already queued this
    /// Message-ID (nothing is written). A repeated idempotency key answers the first
    /// message with its mail and writes nothing (`Conflict` if that message was added
    /// without mail).
    async fn add_message_with_mail(
        &self,
        actor: Option<PersonId>,
        new: NewMessage,
        mail: NewOutbound,
    ) -> StoreResult<Written<MessageMailed>>;
    /// Queue a mail about a case that carries no message (a rating link): pending, due now.
    /// It is in no case's mail, which records only mail that became or carried a message.
    /// `NotFound` for an unknown case or mailbox; `Conflict` as `add_message_with_mail`.
    async fn queue_case_mail(&self, case_id: CaseId, mail: NewOutbound) -> StoreResult<Outbound>;
    /// Lease up to `limit` pending mails that are due (`next_attempt_at` at or before the
    /// store's now) and not leased (or whose lease ran out, by the wall clock: the database's
    /// on PostgreSQL, so nodes agree) to
    /// `owner` for `lease`, oldest first (`created_at`, then id). A mail leased to anyone,
    /// `owner` included, is not claimed again until its lease ends or its attempt is
    /// recorded, so of several nodes claiming at once each mail goes to one.
    async fn claim_outbound(
        &self,
        owner: uuid::Uuid,
        lease: std::time::Duration,
        limit: u32,
    ) -> StoreResult<Vec<Outbound>>;
    /// Record an attempt at sending a claimed mail and release the lease, in one
    /// transaction: `Sent` marks it sent (appends `mail.sent` about the case, staff only),
    /// `Retry` makes it due again at its `next_attempt_at`, `Failed` marks it failed
    /// (appends `mail.failed`, staff only). Each adds one attempt (`attempts` counts them;
    /// the newest `OUTBOUND_ATTEMPTS_KEPT` are kept). `NotFound` for an unknown mail;
    /// `Conflict` unless `owner` holds its lease (it was never claimed, is sent or failed
    /// already, or its lease ran out and another node claimed it).
    async fn record_outbound(
        &self,
        id: uuid::Uuid,
        owner: uuid::Uuid,
        result: OutboundResult,
    ) -> StoreResult<Written<Outbound>>;
    /// The outbox mail of a case in every status, oldest first (`created_at`, then id).
    async fn list_case_outbound(&self, case_id: CaseId) -> StoreResult<Vec<Outbound>>;
    /// The kept attempts at sending a mail, newest first. `NotFound` for an unknown mail.
    async fn list_outbound_attempts(&self, id: uuid::Uuid) -> StoreResult<Vec<OutboundAttempt>>;

    // ----- account links (sign-up, sign-in, password reset) -----

    /// Record a one-time link and queue the mail that carries it, in one transaction; no
    /// event (like a session, a link is not the log's business; what it does when followed
    /// is). The mail is account mail: on no case, `mailbox` is [`ACCOUNT_MAILBOX`] whatever
    /// `mail.mailbox` says. `Invalid` for a sign-in or reset link without a person or a
    /// sign-up link without a name and password hash; `NotFound` for an unknown person;
    /// `Conflict` for a token hash recorded before.
    async fn queue_account_link(
        &self,
        link: NewAccountLink,
        mail: NewOutbound,
    ) -> StoreResult<Outbound>;
    /// Follow a link of `purpose`: mark it used and do what it is for, in one transaction.
    /// `NotFound` (and nothing written) when no unused link of that purpose has this hash, or
    /// it expired (at or after `expires_at`, by the store's clock): the same answer for a
    /// forged, reused, expired or misdirected link. Then:
    /// - `SignIn`: answers its person; no event.
    /// - `SignUp`: no one has the address → a new customer with the link's name and password
    ///   (`person.created`, then `person.password_set` with `via: sign_up`, actor the new
    ///   person); a customer without a password has it (one who wrote by mail before) → they
    ///   get the password (`person.password_set` `via: sign_up`, `person.credentials_revoked`);
    ///   anyone else → `Conflict` (the address has an account; nothing written).
    /// - `Reset`: `new_password_hash` (required: `Invalid` without) becomes the person's
    ///   password and every session and token ends (`person.password_set` `via: reset`,
    ///   `person.credentials_revoked`).
    /// - `VerifyAddress`: the person's unverified added address the link was sent to is
    ///   verified (`person.address_verified`, actor the person); verified already → the
    ///   same answer, no event; no longer theirs (removed, erased) → `NotFound`, nothing
    ///   written.
    ///
    /// Every other unused link of the same purpose for the same address ends with it.
    async fn redeem_account_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        new_password_hash: Option<String>,
    ) -> StoreResult<Written<Redeemed>>;
    /// Delete the links that expired at or before `now`, used or not, and answer how many: a
    /// dead link opens nothing, and its row still holds an address (a sign-up's also a name
    /// and a password hash). Operational rows: no event. Idempotent; the server's
    /// housekeeping calls it every hour.
    async fn purge_account_links(&self, now: frontline_core::Timestamp) -> StoreResult<u64>;
    /// The newest `limit` account mails (sign-up, sign-in and reset links) in every status,
    /// newest first: what administrators read when mail does not go out.
    async fn list_account_outbound(&self, limit: u32) -> StoreResult<Vec<Outbound>>;

    // ----- event followers -----

    /// Claim (or renew) the event follower `name` (a background task that acts on the log,
    /// such as the mail notices) for `owner` for `lease`, and answer its cursor: the `seq` of
    /// the last event it finished with. `None` while another owner's lease runs (by the wall
    /// clock: the database's on PostgreSQL), so of several nodes one follows. A name claimed
    /// for the first time starts at the newest event: a follower acts on what happens from
    /// then on, never on the history before it existed. Operational data: no event.
    async fn claim_follower(
        &self,
        name: &str,
        owner: uuid::Uuid,
        lease: std::time::Duration,
    ) -> StoreResult<Option<i64>>;
    /// Move the follower's cursor forward to `seq` (never back: a smaller `seq` leaves it
    /// where it is). `NotFound` for a name never claimed; `Conflict` unless `owner` was the
    /// last to claim it (another node took it over after `owner`'s lease ran out).
    async fn advance_follower(&self, name: &str, owner: uuid::Uuid, seq: i64) -> StoreResult<()>;

    // ----- staff notifications -----

    /// What a person chose to be told of (`frontline_core::notify`): nothing until they
    /// choose, and always nothing for a customer. `as_of`: the choice in force when the event
    /// of that sequence number happened (the newest recorded by an event at or before it), so
    /// a follower handling an event late, or again, decides as it would have on time; `None`:
    /// the choice now. `NotFound` for an unknown person.
    async fn get_notification_preferences(
        &self,
        person_id: PersonId,
        as_of: Option<i64>,
    ) -> StoreResult<Preferences>;
    /// Replace a staff member's choice with `preferences` (each kind kept once) and append
    /// `person.notifications_set` (staff only), also when nothing changed: it records that
    /// they chose. Earlier choices are kept (for `as_of`). `NotFound` for an unknown person;
    /// `Invalid` for a customer.
    async fn set_notification_preferences(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        preferences: Preferences,
    ) -> StoreResult<Written<Preferences>>;
    /// Queue a notification mail to a staff member: on no case, pending, due now, sent from
    /// the system sender; `mailbox` becomes [`STAFF_MAILBOX`] whatever it says. No event.
    /// `Conflict` when a notification with this Message-ID was queued before (nothing is
    /// written): what makes a follower that handles an event twice mail once.
    async fn queue_staff_mail(&self, mail: NewOutbound) -> StoreResult<Outbound>;
    // ----- addresses mail does not reach -----

    /// Mark a customer's address as bouncing (appends `mail.bouncing`, staff only). An
    /// address marked already keeps its mark as it is (the first bounce's time and reason):
    /// nothing is written, `replayed` is true and `events` empty, so a report delivered twice
    /// is one mark. `NotFound` for an unknown person.
    async fn mark_mail_bouncing(&self, new: NewMailBounce) -> StoreResult<Written<MailBounce>>;
    /// Clear an address's mark (appends `mail.bounce_cleared`, staff only) and return the
    /// mark it had; `None`, with nothing written, when it had none.
    async fn clear_mail_bouncing(&self, address: Email)
    -> StoreResult<Option<Written<MailBounce>>>;
    /// The marks on these addresses, by address; an address without one is left out.
    async fn mail_bounces(&self, addresses: Vec<Email>) -> StoreResult<Vec<MailBounce>>;

    // ----- webhooks -----

    /// Subscribe a URL to the event log (appends `webhook.created`, without the secret).
    async fn create_webhook(
        &self,
        actor: Option<PersonId>,
        new: NewWebhook,
    ) -> StoreResult<Written<Webhook>>;
    /// Every subscription, enabled or not, oldest first.
    async fn list_webhooks(&self) -> StoreResult<Vec<Webhook>>;
    async fn get_webhook(&self, id: WebhookId) -> StoreResult<Webhook>;
    /// Record one delivery attempt and its effect on the subscription, in one transaction.
    /// No event: attempts are operational data, and only about the newest
    /// `DELIVERY_ATTEMPTS_KEPT` per subscription are kept. `NotFound` for an unknown
    /// subscription.
    async fn record_delivery(
        &self,
        id: WebhookId,
        attempt: DeliveryAttempt,
        outcome: DeliveryOutcome,
    ) -> StoreResult<()>;
    /// Stop delivering (appends `webhook.disabled` with the reason). Disabling a disabled
    /// subscription is allowed and appends the event again.
    async fn disable_webhook(
        &self,
        actor: Option<PersonId>,
        id: WebhookId,
        reason: String,
    ) -> StoreResult<Written<Webhook>>;
    /// Claim (or renew) the right to deliver an enabled subscription for `lease`, so only one
    /// node of several delivers it. True if `owner` now holds it: nobody did, the previous
    /// lease ran out, or `owner` already held it. False for a disabled or unknown one.
    async fn claim_webhook(
        &self,
        id: WebhookId,
        owner: uuid::Uuid,
        lease: std::time::Duration,
    ) -> StoreResult<bool>;
    /// The newest `limit` attempts of a subscription, newest first.
    async fn list_delivery_attempts(
        &self,
        id: WebhookId,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryAttempt>>;

    // ----- the guidelines engine -----

    /// Set a customer's profile (tier, lifetime value, customer since). `Invalid` unless the
    /// person is a customer.
    async fn set_customer_profile(
        &self,
        actor: Option<PersonId>,
        profile: CustomerProfile,
    ) -> StoreResult<Written<CustomerProfile>>;
    /// `None` when never set.
    async fn get_customer_profile(
        &self,
        person_id: PersonId,
    ) -> StoreResult<Option<CustomerProfile>>;

    /// Create or replace a decision kind by its key (the server has validated it and checked
    /// that no live rule reads a fact it drops).
    async fn save_decision_kind(
        &self,
        actor: Option<PersonId>,
        kind: frontline_core::guideline::DecisionKind,
    ) -> StoreResult<Written<frontline_core::guideline::DecisionKind>>;
    async fn list_decision_kinds(
        &self,
    ) -> StoreResult<Vec<frontline_core::guideline::DecisionKind>>;
    async fn get_decision_kind(
        &self,
        key: &frontline_core::DecisionKindKey,
    ) -> StoreResult<frontline_core::guideline::DecisionKind>;

    /// Draft a rule version (see `NewRuleVersion`); appends `rule.drafted`. `NotFound` if the
    /// decision kind does not exist.
    async fn create_rule_version(
        &self,
        actor: Option<PersonId>,
        new: NewRuleVersion,
    ) -> StoreResult<Written<RuleVersion>>;
    /// Move a version (`RuleStatus::may_become`, else `Conflict`). Publishing retires the
    /// rule's previously published version in the same transaction, so at most one version
    /// of a rule is published; events: `rule.retired` (if any) then `rule.published`.
    async fn set_rule_status(
        &self,
        actor: Option<PersonId>,
        rule_id: frontline_core::RuleId,
        version: u32,
        to: frontline_core::guideline::RuleStatus,
    ) -> StoreResult<Written<RuleVersion>>;
    async fn get_rule_version(
        &self,
        rule_id: frontline_core::RuleId,
        version: u32,
    ) -> StoreResult<RuleVersion>;
    /// Rule versions, ordered by rule (oldest rule first) then version.
    async fn list_rules(&self, filter: RuleFilter) -> StoreResult<Vec<RuleVersion>>;

    /// Record a decision on a case (`NotFound` for an unknown case); appends
    /// `decision.recorded` about the case, staff only.
    async fn record_decision(&self, new: NewDecision) -> StoreResult<Written<Decision>>;
    /// Review a decision. `Conflict` if it was not taken with an explanation or is already
    /// reviewed; appends `decision.reviewed`.
    async fn review_decision(
        &self,
        id: frontline_core::DecisionId,
        reviewer_id: PersonId,
        outcome: ReviewOutcome,
        comment: Option<String>,
    ) -> StoreResult<Written<Decision>>;
    async fn get_decision(&self, id: frontline_core::DecisionId) -> StoreResult<Decision>;
    /// Decisions, newest first (`decided_at`, then id), at most `limit`.
    async fn list_decisions(
        &self,
        filter: DecisionFilter,
        limit: u32,
    ) -> StoreResult<Vec<Decision>>;

    // ----- asks -----

    /// Raise an ask, open and with `spec.assignee_id` (`Invalid` unless that is a support
    /// employee other than the asker; `NotFound` for an unknown person or case); appends
    /// `ask.raised`. `at: None` is now (a time is given only by the demo and imports).
    async fn raise_ask(
        &self,
        spec: frontline_core::ask::NewAskSpec,
        at: Option<frontline_core::Timestamp>,
    ) -> StoreResult<Written<Ask>>;
    /// Apply a change by `actor` (`frontline_core::ask::Ask::apply`; `None` only for the
    /// escalation sweep): `Conflict` for what the
    /// lifecycle refuses, `Invalid` when an escalation names someone who is not a support
    /// employee. Appends the change's event and keeps its message, in one transaction.
    async fn change_ask(
        &self,
        actor: Option<PersonId>,
        id: AskId,
        change: frontline_core::ask::AskChange,
        at: Option<frontline_core::Timestamp>,
    ) -> StoreResult<Written<AskChanged>>;
    async fn get_ask(&self, id: AskId) -> StoreResult<Ask>;
    /// The messages of an ask, oldest first.
    async fn list_ask_messages(&self, id: AskId) -> StoreResult<Vec<AskMessage>>;
    /// Asks, newest first (`created_at`, then id), at most `limit`.
    async fn list_asks(&self, filter: AskFilter, limit: u32) -> StoreResult<Vec<Ask>>;
    // ----- org history -----

    /// Retire a team at `at`: its current memberships and support links end at `at`, the
    /// team keeps `retired_at = at` and appends `team.retired` (after one `membership.ended`
    /// / `support.ended` per link). `NotFound` for an unknown team; `Conflict` if it is
    /// already retired, still owns outcomes (routing would send cases to nobody: give them to
    /// another team first) or has unassigned open cases in its queue; `Invalid` if `at` is
    /// before the start of one of its current links. A retired team takes no new members or
    /// supporters (`Conflict`).
    async fn retire_team(
        &self,
        actor: Option<PersonId>,
        team_id: TeamId,
        at: frontline_core::Timestamp,
    ) -> StoreResult<Written<Team>>;
    /// A person's role and title periods, oldest first (the last one is current). `NotFound`
    /// for an unknown person.
    async fn list_role_periods(
        &self,
        person_id: PersonId,
    ) -> StoreResult<Vec<frontline_core::RolePeriod>>;
    /// Every dated row of the organisation in one read: all teams (retired included), all
    /// memberships and support links, the staff role periods (customers' are left out) and
    /// the names of the people they belong to. `frontline_core::org::history` computes the
    /// org as of any date, diffs and timelines from it. Ordered by id, then start.
    async fn org_history(&self) -> StoreResult<frontline_core::OrgHistory>;

    // ----- leaders on the tools: the customer-time ledger and standard work -----

    /// Staff activity since `filter.since` (inclusive): public replies on cases, resolutions
    /// of cases they own, reviews they did and asks they handled that were resolved (see
    /// `StaffActivity` for the order). Indexed by person and time on every source.
    async fn staff_activity(&self, filter: ActivityFilter) -> StoreResult<StaffActivity>;
    /// Each person's newest public message on a case ever, by person id; people who never
    /// wrote one are absent. `role` keeps only people with that role.
    async fn last_public_replies(
        &self,
        person_id: Option<PersonId>,
        role: Option<frontline_core::Role>,
    ) -> StoreResult<Vec<(PersonId, frontline_core::Timestamp)>>;
    /// Add an item to a support employee's standard work (`Invalid` unless the person is a
    /// support employee; `NotFound` for an unknown person); appends
    /// `standard_work.item_created`. `at: None` is now.
    async fn create_standard_work_item(
        &self,
        actor: Option<PersonId>,
        new: frontline_core::standard_work::NewStandardWorkItem,
        at: Option<frontline_core::Timestamp>,
    ) -> StoreResult<Written<StandardWorkItem>>;
    /// Take an item off the checklist, keeping its ticks (`Conflict` if already retired);
    /// appends `standard_work.item_retired`.
    async fn retire_standard_work_item(
        &self,
        actor: Option<PersonId>,
        id: StandardWorkItemId,
        at: Option<frontline_core::Timestamp>,
    ) -> StoreResult<Written<StandardWorkItem>>;
    async fn get_standard_work_item(&self, id: StandardWorkItemId)
    -> StoreResult<StandardWorkItem>;
    /// Items oldest first (`created_at`, then id), of one person or everyone's, retired ones
    /// only when asked.
    async fn list_standard_work_items(
        &self,
        person_id: Option<PersonId>,
        include_retired: bool,
    ) -> StoreResult<Vec<StandardWorkItem>>;
    /// Tick a plain item done for the period of its cadence containing `at` (`None`: now).
    /// `Invalid` for a proven item; `Conflict` if retired or already ticked for that period
    /// (also when two ticks race). Appends `standard_work.ticked`.
    async fn tick_standard_work(
        &self,
        actor: PersonId,
        id: StandardWorkItemId,
        at: Option<frontline_core::Timestamp>,
    ) -> StoreResult<Written<StandardWorkTick>>;
    /// Remove the tick of the period containing `at` (`Conflict` if it is not ticked);
    /// appends `standard_work.unticked`, so the log keeps that it once was.
    async fn untick_standard_work(
        &self,
        actor: PersonId,
        id: StandardWorkItemId,
        at: Option<frontline_core::Timestamp>,
    ) -> StoreResult<Written<()>>;
    /// A person's ticks of periods starting at or after `since`, oldest period first (then
    /// item id).
    async fn list_standard_work_ticks(
        &self,
        person_id: PersonId,
        since: frontline_core::Timestamp,
    ) -> StoreResult<Vec<StandardWorkTick>>;

    // ----- feelings -----

    /// Record a feeling; `frontline_core::feeling::Feeling::record` decides who may say what
    /// (`Invalid` otherwise; `NotFound` for an unknown person or case). A customer rates a
    /// case once: a second rating is `Conflict`. An observed or own feeling replaces the same
    /// person's earlier one on the case, and a pulse the same person's answer for that ISO
    /// week (`Conflict` only when two replacements race). Appends `feeling.recorded`, and
    /// `feeling.praised` for a customer's high rating with words, in one transaction.
    /// `at: None` is now.
    async fn record_feeling(
        &self,
        new: frontline_core::NewFeeling,
        at: Option<frontline_core::Timestamp>,
    ) -> StoreResult<Written<frontline_core::Feeling>>;
    /// Feelings, newest first (`created_at`, then id), at most `limit`.
    async fn list_feelings(
        &self,
        filter: FeelingFilter,
        limit: u32,
    ) -> StoreResult<Vec<frontline_core::Feeling>>;
    /// The secret called `name`, stored from `candidate` the first time it is asked for, so
    /// every node and every restart signs with the same key (the first writer wins a race).
    /// Secrets are operational: no event, never exported.
    async fn signing_key(&self, name: &str, candidate: Vec<u8>) -> StoreResult<Vec<u8>>;

    // ----- the outcome scoreboard -----

    /// What `frontline_core::scoreboard::score` needs for cases created in `[from, until)`:
    /// each case's outcome, creation and resolution times and `outcome_achieved`, and per
    /// outcome (the case's) the customer and own feelings about those cases (answers, score
    /// sum, distinct people; one tally per outcome and kind). Cases in no particular order.
    async fn scoreboard_rows(
        &self,
        from: frontline_core::Timestamp,
        until: frontline_core::Timestamp,
    ) -> StoreResult<frontline_core::scoreboard::ScoreboardRows>;
    // ----- proposals -----

    /// Raise a proposal, open (`Invalid` unless the author is staff; `NotFound` for an unknown
    /// author or evidence case); appends `proposal.raised`. `at: None` is now.
    async fn raise_proposal(
        &self,
        new: frontline_core::proposal::NewProposal,
        at: Option<frontline_core::Timestamp>,
    ) -> StoreResult<Written<frontline_core::Proposal>>;
    /// Adopt, decline, ship or withdraw (`Proposal::apply`): `Conflict` for what the lifecycle
    /// refuses, `Invalid` for someone who may never make that change. Shipping posts the
    /// closed-loop message (`frontline_core::closed_loop`) on every evidence case to its
    /// customer and records it on the evidence, in the same transaction, each with its
    /// `message.added`; the cases themselves do not move. Then the change's event.
    async fn change_proposal(
        &self,
        actor: PersonId,
        id: frontline_core::ProposalId,
        change: frontline_core::ProposalChange,
        at: Option<frontline_core::Timestamp>,
    ) -> StoreResult<Written<ProposalChanged>>;
    /// Give (`voted`) or take back a vote: one per person, kept by a unique key, so of two
    /// racing votes by one person one is `Conflict`. `Conflict` to vote twice, to take back a
    /// vote never given, or once the proposal is decided; `Invalid` for the author or a
    /// customer. Appends `proposal.voted` / `proposal.unvoted` with the new count, which is
    /// returned.
    async fn set_proposal_vote(
        &self,
        person_id: PersonId,
        id: frontline_core::ProposalId,
        voted: bool,
        at: Option<frontline_core::Timestamp>,
    ) -> StoreResult<Written<u32>>;
    /// Comment on a proposal, in any status (`Invalid` for a customer); appends
    /// `proposal.commented`.
    async fn comment_proposal(
        &self,
        author_id: PersonId,
        id: frontline_core::ProposalId,
        body: frontline_core::proposal::CommentBody,
        at: Option<frontline_core::Timestamp>,
    ) -> StoreResult<Written<frontline_core::proposal::ProposalComment>>;
    async fn get_proposal(
        &self,
        id: frontline_core::ProposalId,
    ) -> StoreResult<frontline_core::Proposal>;
    /// Proposals with their vote counts, newest first (`created_at`, then id), at most `limit`.
    async fn list_proposals(
        &self,
        filter: ProposalFilter,
        limit: u32,
    ) -> StoreResult<Vec<ProposalSummary>>;
    /// The votes of a proposal, oldest first.
    async fn list_proposal_votes(
        &self,
        id: frontline_core::ProposalId,
    ) -> StoreResult<Vec<frontline_core::proposal::ProposalVote>>;
    /// The comments of a proposal, oldest first.
    async fn list_proposal_comments(
        &self,
        id: frontline_core::ProposalId,
    ) -> StoreResult<Vec<frontline_core::proposal::ProposalComment>>;
    // ----- the voice of the customer: mood alerts and themes -----

    /// Alerts raised by customer messages (`frontline_core::mood`: `add_message` and
    /// `create_case` score every customer message and raise them in the same transaction),
    /// newest first (the message's `created_at`, then id), at most `limit`.
    async fn list_mood_alerts(
        &self,
        filter: MoodAlertFilter,
        limit: u32,
    ) -> StoreResult<Vec<MoodAlertItem>>;
    /// `by` has seen the alert raised by message `message_id`, so it leaves the cockpits.
    /// `NotFound` when the message raised no alert; `Conflict` when it is already
    /// acknowledged (also when two acknowledgements race). Appends
    /// `case.mood_alert_acknowledged`. `at: None` is now.
    async fn acknowledge_mood_alert(
        &self,
        by: PersonId,
        message_id: frontline_core::MessageId,
        at: Option<frontline_core::Timestamp>,
    ) -> StoreResult<Written<MoodAlertItem>>;
    /// The mood of each customer message of a case that has one, oldest first.
    async fn list_message_moods(&self, case_id: CaseId) -> StoreResult<Vec<MessageMood>>;
    /// What themes are drawn from (see `VoiceFilter`), oldest first (then case number).
    async fn list_voices(
        &self,
        filter: VoiceFilter,
    ) -> StoreResult<Vec<frontline_core::themes::Voice>>;

    // ----- files -----

    /// Start writing a blob (see `files`): bytes in, durable and named by their SHA-256 at
    /// `finish`. Nothing names the blob until `create_upload`.
    async fn blob_writer(&self) -> StoreResult<Box<dyn BlobWriter>>;
    /// Read a kept blob by its SHA-256 (lower-case hex), chunk by chunk. `NotFound` if it is
    /// not kept (never written, or swept).
    async fn read_blob(&self, sha256: &str) -> StoreResult<Box<dyn BlobReader>>;
    /// Record an upload of a blob `finish` answered. An operational row, no event: an upload
    /// is its uploader's alone until a message names it (`NewMessage::attachments`,
    /// `NewCase::attachments`), which writes `attachment.added` in the message's
    /// transaction. `NotFound` if the blob is not kept; `Conflict` for an id used already.
    async fn create_upload(&self, new: NewUpload) -> StoreResult<frontline_core::Attachment>;
    /// An upload or attachment by id, deleted ones (tombstones) included. `NotFound`.
    async fn get_attachment(
        &self,
        id: frontline_core::AttachmentId,
    ) -> StoreResult<frontline_core::Attachment>;
    /// The attachments of a case's messages, deleted ones included (as tombstones), in the
    /// order they were attached (then by id); internal notes' only when `include_internal`.
    async fn list_attachments(
        &self,
        case_id: CaseId,
        include_internal: bool,
    ) -> StoreResult<Vec<frontline_core::Attachment>>;
    /// Delete an attachment: its row stays as a tombstone (who, when, why) with
    /// `attachment.deleted` (the message's audience); its bytes go with the next sweep once no
    /// other attachment names them. `NotFound` for an unknown id, `Conflict` for an upload
    /// that is on no message or one deleted already; `Invalid` for an empty reason.
    async fn delete_attachment(
        &self,
        id: frontline_core::AttachmentId,
        by: PersonId,
        reason: String,
    ) -> StoreResult<Written<frontline_core::Attachment>>;
    /// Remove uploads never attached that were made before `before`, and blobs that no upload
    /// or live attachment names and that were last written before `before` (a blob written
    /// again is fresh again, so an upload in flight never loses its bytes). Idempotent.
    async fn sweep_files(&self, before: frontline_core::Timestamp) -> StoreResult<FilesSwept>;

    // ----- export and import -----

    /// Every record of the organisation, in an order `import` can replay.
    async fn export(&self) -> StoreResult<Vec<Record>>;
    /// Load records into an empty store. `Conflict` if the store is not empty.
    async fn import(&self, records: Vec<Record>) -> StoreResult<()>;
}

/// Delivery attempts kept per webhook subscription: operational rows, pruned as each new one
/// is recorded, so a receiver that is down for days cannot grow the table without bound.
pub const DELIVERY_ATTEMPTS_KEPT: i64 = 500;

/// The largest ephemeral message (PostgreSQL's NOTIFY payload limit is 8,000 bytes).
pub const MAX_BROADCAST_BYTES: usize = 7_000;

/// Refuse an ephemeral message too large for every backend.
pub fn check_broadcast(message: &str) -> StoreResult<()> {
    if message.len() > MAX_BROADCAST_BYTES {
        return Err(frontline_core::ValueError::new(
            "message",
            format!("is {} bytes; at most {MAX_BROADCAST_BYTES}", message.len()),
        )
        .into());
    }
    Ok(())
}

/// The doorbell type, named once so backends and readers agree.
pub mod tokio_watch {
    /// Newest committed sequence number.
    pub type Receiver = tokio::sync::watch::Receiver<i64>;
    pub type Sender = tokio::sync::watch::Sender<i64>;
}
