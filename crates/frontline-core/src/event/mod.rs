//! The event log's vocabulary. Every change of state appends one or more events in the same
//! transaction; the live stream, webhooks and history read them back. Who may see an event is
//! decided when it is written (its `Audience`), so readers filter cheaply.
//!
//! Each kind has one payload type (`Payload`, one variant per `EventKind`), serialised with
//! serde: writers build a `Payload` and `NewEvent::new` derives the kind from it, readers call
//! `Event::decoded` and match. `Payload::decode` is the only code that reads a payload's JSON.
//! The JSON is the contract with clients, webhook receivers and export files, so a payload
//! type may gain an optional field but never rename, drop or retype one.

mod case;
mod examples;
mod org;
mod work;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{CaseId, PersonId, TeamId};
use crate::org::Role;
use crate::time::Timestamp;
use crate::values::ValueError;

pub use case::*;
pub use org::*;
pub use work::*;

macro_rules! events {
    ($($variant:ident => $text:literal ($payload:ty)),* $(,)?) => {
        /// What happened. The text form (`case.created`) is stable: clients filter on it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum EventKind { $($variant),* }

        impl EventKind {
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $(EventKind::$variant => $text),* }
            }
        }

        impl FromStr for EventKind {
            type Err = ValueError;
            fn from_str(s: &str) -> Result<Self, ValueError> {
                match s {
                    $($text => Ok(EventKind::$variant),)*
                    other => Err(ValueError::new("kind", format!("{other:?} is not an event kind"))),
                }
            }
        }

        /// What an event says: one variant per `EventKind`, named alike. Serialises as the
        /// payload alone (the kind travels beside it, in its own column and field).
        #[derive(Clone, Debug, PartialEq)]
        pub enum Payload { $($variant($payload)),* }

        impl Payload {
            pub fn kind(&self) -> EventKind {
                match self { $(Payload::$variant(_) => EventKind::$variant),* }
            }

            /// Read a stored payload of `kind`. Unknown fields are ignored (a newer writer may
            /// have added one); a missing optional field reads as `None`.
            pub fn decode(kind: EventKind, json: &serde_json::Value) -> Result<Payload, PayloadError> {
                let decoded = match kind {
                    $(EventKind::$variant => <$payload>::deserialize(json).map(Payload::$variant),)*
                };
                decoded.map_err(|source| PayloadError { kind, source })
            }
        }

        impl Serialize for Payload {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self { $(Payload::$variant(payload) => payload.serialize(s)),* }
            }
        }
    };
}

events! {
    PersonCreated => "person.created" (PersonChanged),
    PersonUpdated => "person.updated" (PersonChanged),
    PasswordSet => "person.password_set" (PasswordSet),
    TokenCreated => "token.created" (TokenCreated),
    TokenRevoked => "token.revoked" (TokenRevoked),
    CredentialsRevoked => "person.credentials_revoked" (CredentialsRevoked),
    TeamCreated => "team.created" (TeamCreated),
    MembershipAdded => "membership.added" (MembershipAdded),
    MembershipEnded => "membership.ended" (MembershipEnded),
    SupportAdded => "support.added" (SupportAdded),
    SupportEnded => "support.ended" (SupportEnded),
    OutcomeCreated => "outcome.created" (OutcomeCreated),
    CaseCreated => "case.created" (CaseCreated),
    CaseAssigned => "case.assigned" (CaseAssigned),
    CaseStatusChanged => "case.status_changed" (CaseStatusChanged),
    CaseOutcomeSet => "case.outcome_set" (CaseOutcomeSet),
    CaseTagsSet => "case.tags_set" (CaseTagsSet),
    MessageAdded => "message.added" (MessageAdded),
    WebhookCreated => "webhook.created" (WebhookCreated),
    WebhookDisabled => "webhook.disabled" (WebhookDisabled),
    CustomerProfileSet => "person.profile_set" (CustomerProfileSet),
    DecisionKindSaved => "decision_kind.saved" (crate::guideline::DecisionKind),
    RuleDrafted => "rule.drafted" (RuleChanged),
    RulePublished => "rule.published" (RuleChanged),
    RuleRetired => "rule.retired" (RuleChanged),
    DecisionRecorded => "decision.recorded" (DecisionRecorded),
    DecisionReviewed => "decision.reviewed" (DecisionReviewed),
    AskRaised => "ask.raised" (AskState),
    AskClaimed => "ask.claimed" (AskClaimed),
    AskAnswered => "ask.answered" (AskState),
    AskFollowedUp => "ask.followed_up" (AskState),
    AskResolved => "ask.resolved" (AskResolved),
    AskWithdrawn => "ask.withdrawn" (AskState),
    AskReopened => "ask.reopened" (AskState),
    AskRated => "ask.rated" (AskRated),
    AskEscalated => "ask.escalated" (AskEscalated),
    AskOverdue => "ask.overdue" (AskOverdue),
    TeamRetired => "team.retired" (TeamRetired),
    RoleChanged => "person.role_changed" (RoleChanged),
    StandardWorkItemCreated => "standard_work.item_created" (StandardWorkItemCreated),
    StandardWorkItemRetired => "standard_work.item_retired" (StandardWorkItemRetired),
    StandardWorkTicked => "standard_work.ticked" (StandardWorkPeriod),
    StandardWorkUnticked => "standard_work.unticked" (StandardWorkPeriod),
    FeelingRecorded => "feeling.recorded" (FeelingRecorded),
    FeelingPraised => "feeling.praised" (FeelingPraised),
    ProposalRaised => "proposal.raised" (ProposalRaised),
    ProposalVoted => "proposal.voted" (ProposalVotes),
    ProposalUnvoted => "proposal.unvoted" (ProposalVotes),
    ProposalCommented => "proposal.commented" (ProposalCommented),
    ProposalAdopted => "proposal.adopted" (ProposalDecided),
    ProposalDeclined => "proposal.declined" (ProposalDecided),
    ProposalShipped => "proposal.shipped" (ProposalShipped),
    ProposalWithdrawn => "proposal.withdrawn" (ProposalDecided),
    CaseMoodAlert => "case.mood_alert" (CaseMoodAlert),
    CaseMoodAlertAcknowledged => "case.mood_alert_acknowledged" (CaseMoodAlertAcknowledged),
    MailboxSaved => "mailbox.saved" (MailboxSaved),
    MailSent => "mail.sent" (MailSent),
    MailFailed => "mail.failed" (MailFailed),
    MailBouncing => "mail.bouncing" (MailBouncing),
    MailBounceCleared => "mail.bounce_cleared" (MailBounceCleared),
    CalendarSet => "calendar.set" (CalendarSet),
    OutcomeTargetsSet => "outcome.targets_set" (OutcomeTargetsSet),
    CaseTargetWarning => "case.target_warning" (CaseTargetAlarm),
    CaseTargetBreached => "case.target_breached" (CaseTargetAlarm),
    AttachmentAdded => "attachment.added" (AttachmentAdded),
    AttachmentDeleted => "attachment.deleted" (AttachmentDeleted),
    AddressAdded => "person.address_added" (AddressAdded),
    AddressRemoved => "person.address_removed" (AddressRemoved),
    AddressVerified => "person.address_verified" (AddressVerified),
    PersonMerged => "person.merged" (PersonMerged),
    ErasureRequested => "person.erasure_requested" (ErasureRequested),
    PersonErased => "person.erased" (PersonErased),
    CaseEdited => "case.edited" (CaseEdited),
    NotificationsSet => "person.notifications_set" (NotificationsSet),
}

/// A stored payload that does not read as its kind's type.
#[derive(Debug, thiserror::Error)]
#[error("{kind} payload: {source}")]
pub struct PayloadError {
    pub kind: EventKind,
    #[source]
    pub source: serde_json::Error,
}

impl Payload {
    /// The team an event is about, as the stream's `?team=` filter matches it: the event's
    /// own `team_id` (a case's current team, a team's creation, links and retirement, feelings
    /// and mood alerts). An outcome's several teams do not count.
    pub fn team_id(&self) -> Option<TeamId> {
        match self {
            Payload::CaseCreated(p) => p.case.team_id,
            Payload::CaseAssigned(p) => p.case.team_id,
            Payload::CaseStatusChanged(p) => p.case.team_id,
            Payload::CaseOutcomeSet(p) => p.case.team_id,
            Payload::CaseEdited(p) => p.case.team_id,
            Payload::TeamCreated(p) => Some(p.team_id),
            Payload::MembershipAdded(p) => Some(p.team_id),
            Payload::MembershipEnded(p) => Some(p.team_id),
            Payload::SupportAdded(p) => Some(p.team_id),
            Payload::SupportEnded(p) => Some(p.team_id),
            Payload::TeamRetired(p) => Some(p.team_id),
            Payload::CalendarSet(p) => Some(p.team_id),
            Payload::FeelingRecorded(p) => p.team_id,
            Payload::FeelingPraised(p) => p.team_id,
            Payload::CaseMoodAlert(p) => p.team_id,
            Payload::CaseMoodAlertAcknowledged(p) => p.team_id,
            Payload::CaseTargetWarning(p) | Payload::CaseTargetBreached(p) => p.team_id,
            _ => None,
        }
    }
}
impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Who may read an event besides staff (employees and support employees read every event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Audience {
    /// Staff only: internal notes, organisation changes, credentials.
    Staff,
    /// Staff and the one customer whose case it is.
    Customer { customer_id: PersonId },
}

impl Audience {
    /// The customer this event is also shown to, if any.
    pub fn customer_id(self) -> Option<PersonId> {
        match self {
            Audience::Staff => None,
            Audience::Customer { customer_id } => Some(customer_id),
        }
    }

    pub fn from_customer(customer_id: Option<PersonId>) -> Self {
        customer_id.map_or(Audience::Staff, |customer_id| Audience::Customer {
            customer_id,
        })
    }

    /// The one visibility rule for events: staff see all; a customer sees only what names them.
    pub fn admits(self, viewer_id: PersonId, viewer_role: Role) -> bool {
        viewer_role.is_staff() || self.customer_id() == Some(viewer_id)
    }
}

/// An event about to be appended; the store gives it its sequence number and time. Built only
/// from a `Payload` (`NewEvent::new`), so its kind and payload always agree.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NewEvent {
    kind: EventKind,
    pub actor_id: Option<PersonId>,
    pub case_id: Option<CaseId>,
    pub audience: Audience,
    /// The payload as stored: `serde_json::Value` keeps keys sorted, as they always were.
    payload: serde_json::Value,
}

impl NewEvent {
    pub fn new(actor_id: Option<PersonId>, payload: Payload) -> Self {
        Self {
            kind: payload.kind(),
            actor_id,
            case_id: None,
            audience: Audience::Staff,
            payload: payload.to_json(),
        }
    }

    pub fn about_case(mut self, case_id: CaseId, audience: Audience) -> Self {
        self.case_id = Some(case_id);
        self.audience = audience;
        self
    }

    pub fn kind(&self) -> EventKind {
        self.kind
    }

    pub fn payload(&self) -> &serde_json::Value {
        &self.payload
    }
}

impl Payload {
    /// The payload as it is stored and sent.
    pub fn to_json(&self) -> serde_json::Value {
        // Payload types are structs of strings, numbers, booleans and lists: serialising one
        // to a `Value` cannot fail (`json!` made the same assumption).
        serde_json::to_value(self).expect("event payloads serialise to JSON")
    }
}

/// An appended event. `seq` is gap-free and strictly increasing in commit order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    pub at: Timestamp,
    pub kind: EventKind,
    pub actor_id: Option<PersonId>,
    pub case_id: Option<CaseId>,
    pub audience: Audience,
    pub payload: serde_json::Value,
}

impl Event {
    /// The payload as its kind's type; `Err` only for a payload no version of Frontline wrote.
    pub fn decoded(&self) -> Result<Payload, PayloadError> {
        Payload::decode(self.kind, &self.payload)
    }

    pub fn from_new(seq: i64, at: Timestamp, new: NewEvent) -> Self {
        Self {
            seq,
            at,
            kind: new.kind,
            actor_id: new.actor_id,
            case_id: new.case_id,
            audience: new.audience,
            payload: new.payload,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_text() {
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>().unwrap(), *kind);
        }
    }

    #[test]
    fn there_is_one_example_of_every_kind_in_order() {
        let kinds: Vec<EventKind> = Payload::examples().iter().map(Payload::kind).collect();
        assert_eq!(kinds, EventKind::ALL);
    }

    #[test]
    fn every_payload_decodes_to_itself() {
        for payload in Payload::examples() {
            let json = payload.to_json();
            assert!(json.is_object(), "{} is an object", payload.kind());
            let decoded = Payload::decode(payload.kind(), &json).expect("it decodes");
            assert_eq!(decoded, payload);
            assert_eq!(decoded.to_json(), json);
        }
    }

    #[test]
    fn a_payload_of_another_kind_does_not_decode() {
        let json = Payload::PasswordSet(PasswordSet {
            person_id: PersonId::new(),
            via: None,
        })
        .to_json();
        let err = Payload::decode(EventKind::TeamCreated, &json).unwrap_err();
        assert_eq!(err.kind, EventKind::TeamCreated);
        assert!(
            err.to_string().starts_with("team.created payload: "),
            "{err}"
        );
    }

    #[test]
    fn optional_fields_are_omitted_where_they_always_were() {
        let examples = Payload::examples();
        let json = |kind: EventKind| {
            examples
                .iter()
                .find(|p| p.kind() == kind)
                .expect("an example")
                .to_json()
        };
        // A closed-loop message names its proposal; any other message has no such key.
        assert!(json(EventKind::MessageAdded).get("proposal_id").is_some());
        let plain = Payload::MessageAdded(MessageAdded {
            proposal_id: None,
            ..match Payload::decode(EventKind::MessageAdded, &json(EventKind::MessageAdded)) {
                Ok(Payload::MessageAdded(added)) => added,
                other => panic!("{other:?}"),
            }
        })
        .to_json();
        assert!(plain.get("proposal_id").is_none(), "{plain}");
        // An employee's own feeling carries no score or emotion, not even as null.
        let own = Payload::FeelingRecorded(FeelingRecorded {
            id: crate::ids::FeelingId::new(),
            kind: crate::feeling::FeelingKind::Own,
            case_id: None,
            case_number: None,
            team_id: None,
            reading: None,
        });
        let own_json = own.to_json();
        assert!(own_json.get("score").is_none() && own_json.get("emotion").is_none());
        assert_eq!(own_json["case_number"], serde_json::Value::Null);
        assert_eq!(
            Payload::decode(EventKind::FeelingRecorded, &own_json).unwrap(),
            own
        );
        // A reading without an emotion keeps `"emotion": null`.
        let unnamed = serde_json::json!({
            "id": crate::ids::FeelingId::new(), "kind": "customer", "case_id": null,
            "case_number": null, "team_id": null, "score": 2, "emotion": null,
        });
        let decoded = Payload::decode(EventKind::FeelingRecorded, &unnamed).unwrap();
        assert_eq!(decoded.to_json(), unnamed);
    }

    #[test]
    fn the_team_of_an_event_is_its_payloads_team_id() {
        for payload in Payload::examples() {
            let json = payload.to_json();
            let raw = json.get("team_id").and_then(|t| t.as_str());
            assert_eq!(
                payload.team_id().map(|t| t.to_string()).as_deref(),
                raw,
                "{}",
                payload.kind()
            );
        }
    }

    #[test]
    fn customers_see_only_events_addressed_to_them() {
        let (me, other) = (PersonId::new(), PersonId::new());
        let mine = Audience::Customer { customer_id: me };
        assert!(mine.admits(me, Role::Customer));
        assert!(!mine.admits(other, Role::Customer));
        assert!(!Audience::Staff.admits(me, Role::Customer));
        assert!(Audience::Staff.admits(other, Role::Employee));
        assert!(mine.admits(other, Role::Support));
    }
}
