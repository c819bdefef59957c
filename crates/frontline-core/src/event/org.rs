//! Payloads of the organisation's events: people, credentials, teams and their links,
//! outcomes, webhooks, customer profiles.

use serde::{Deserialize, Serialize};

use crate::event::EventKind;
use crate::ids::{OutcomeId, PersonId, TeamId, TokenId, WebhookId};
use crate::org::{Person, Role};
use crate::time::Timestamp;
use crate::values::{Email, Name, OutcomeKey};

/// `person.created` and `person.updated`: the person as they now are (never the password
/// hash).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonChanged {
    pub person_id: PersonId,
    pub email: Email,
    pub name: Name,
    pub role: Role,
    pub title: Option<String>,
    pub admin: bool,
    pub capacity: u32,
    pub available: bool,
}

impl PersonChanged {
    pub fn of(person: &Person) -> Self {
        Self {
            person_id: person.id,
            email: person.email.clone(),
            name: person.name.clone(),
            role: person.role,
            title: person.title.clone(),
            admin: person.admin,
            capacity: person.capacity,
            available: person.available,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PasswordSet {
    pub person_id: PersonId,
    /// How a person set it themselves by a mailed link: `sign_up` (the sign-up was confirmed,
    /// which is when the account starts) or `reset`. Omitted when set any other way (an
    /// administrator, the CLI, a change with the current password).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<PasswordVia>,
}

/// How a password was set by a mailed link (see `PasswordSet::via`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordVia {
    SignUp,
    Reset,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenCreated {
    pub person_id: PersonId,
    pub token_id: TokenId,
    pub label: String,
    pub expires_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenRevoked {
    pub person_id: PersonId,
    pub token_id: TokenId,
    pub label: String,
}

/// Counts only: which tokens and sessions ended is not the log's business.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CredentialsRevoked {
    pub person_id: PersonId,
    pub tokens: u64,
    pub sessions: u64,
    pub kept_session: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamCreated {
    pub team_id: TeamId,
    pub name: Name,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MembershipAdded {
    pub person_id: PersonId,
    pub team_id: TeamId,
    pub from: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MembershipEnded {
    pub person_id: PersonId,
    pub team_id: TeamId,
    pub to: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SupportAdded {
    pub support_id: PersonId,
    pub team_id: TeamId,
    pub from: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SupportEnded {
    pub support_id: PersonId,
    pub team_id: TeamId,
    pub to: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeCreated {
    pub outcome_id: OutcomeId,
    pub key: OutcomeKey,
    pub name: Name,
    pub team_ids: Vec<TeamId>,
    pub target_minutes: u32,
}

/// `calendar.set`: a team's opening hours from `valid_from` on (a new dated version; earlier
/// versions still measure the time before it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalendarSet {
    pub team_id: TeamId,
    pub valid_from: Timestamp,
    pub calendar: crate::calendar::CalendarSpec,
}

/// `outcome.targets_set`: an outcome's service targets as they now are (empty: none beyond
/// the outcome's own resolution time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeTargetsSet {
    pub outcome_id: OutcomeId,
    pub targets: Vec<crate::targets::Target>,
}

/// `team.retired`, after the `membership.ended` and `support.ended` of every link it ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamRetired {
    pub team_id: TeamId,
    pub name: Name,
    pub at: Timestamp,
    pub members: Vec<PersonId>,
    pub supporters: Vec<PersonId>,
}

/// A role period's role and title, before and after a `person.role_changed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleAndTitle {
    pub role: Role,
    pub title: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleChanged {
    pub person_id: PersonId,
    pub from: RoleAndTitle,
    pub to: RoleAndTitle,
    pub at: Timestamp,
}

/// Never the signing secret: every staff stream sees this event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookCreated {
    pub webhook_id: WebhookId,
    pub url: String,
    pub kinds: Vec<EventKind>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookDisabled {
    pub webhook_id: WebhookId,
    pub url: String,
    pub reason: String,
}

/// `mailbox.saved`: a mailbox created or changed. Never its token or IMAP password source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailboxSaved {
    pub key: crate::mail::MailboxKey,
    pub address: crate::values::Email,
    pub outcome_id: OutcomeId,
    /// The IMAP server polled, if any.
    pub imap_host: Option<String>,
    pub enabled: bool,
    /// Whether this save made it.
    pub created: bool,
}

/// `person.profile_set`: what the automatic customer facts read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerProfileSet {
    pub person_id: PersonId,
    pub tier: String,
    pub lifetime_value: f64,
    pub customer_since: Timestamp,
}

/// `person.address_added`: one more address finds this person (sign-in, mail). Staff only.
/// `verified: false` when the person added it themselves and has not yet shown it is theirs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddressAdded {
    pub person_id: PersonId,
    pub address: Email,
    pub verified: bool,
}

/// `person.address_verified`: an address the person added themselves was shown to be theirs
/// (they followed the link mailed to it); from now on it finds them. Staff only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddressVerified {
    pub person_id: PersonId,
    pub address: Email,
}

/// `person.address_removed`. Staff only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddressRemoved {
    pub person_id: PersonId,
    pub address: Email,
}

/// `person.merged`: the duplicate's cases, messages, feelings, decisions and addresses now
/// belong to the kept customer, and the duplicate is a tombstone pointing there. Counts only;
/// the addresses are in the kept customer's `person.address_added`-free record (staff only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonMerged {
    pub kept_id: PersonId,
    pub merged_id: PersonId,
    pub cases_moved: u64,
    pub addresses_moved: u64,
}

/// `person.erasure_requested`: the customer asked to be forgotten; an administrator carries
/// it out. Staff only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErasureRequested {
    pub person_id: PersonId,
}

/// `person.erased`: the person's personal data is replaced by a tombstone. Who did it is the
/// event's actor, when is its time; counts of what ended with it. Staff only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonErased {
    pub person_id: PersonId,
    /// When the customer had asked for it, if they had.
    pub requested_at: Option<Timestamp>,
    pub messages_erased: u64,
    /// The files of their messages, now tombstones (their bytes go with the next sweep).
    /// Absent from events written before erasure reached files.
    #[serde(default)]
    pub attachments_erased: u64,
    pub tokens: u64,
    pub sessions: u64,
}

/// `person.notifications_set`: what a staff member chose to be told of by mail (the whole
/// choice, each kind once; empty: nothing). Staff only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationsSet {
    pub person_id: PersonId,
    pub email: Vec<crate::notify::NotificationKind>,
}
