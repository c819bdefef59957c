//! The event log's vocabulary. Every change of state appends one or more events in the same
//! transaction; the live stream, webhooks and history read them back. Who may see an event is
//! decided when it is written (its `Audience`), so readers filter cheaply.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{CaseId, PersonId};
use crate::org::Role;
use crate::time::Timestamp;
use crate::values::ValueError;

macro_rules! event_kinds {
    ($($variant:ident => $text:literal),* $(,)?) => {
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
    };
}

event_kinds! {
    PersonCreated => "person.created",
    PersonUpdated => "person.updated",
    PasswordSet => "person.password_set",
    TokenCreated => "token.created",
    TokenRevoked => "token.revoked",
    CredentialsRevoked => "person.credentials_revoked",
    TeamCreated => "team.created",
    MembershipAdded => "membership.added",
    MembershipEnded => "membership.ended",
    SupportAdded => "support.added",
    SupportEnded => "support.ended",
    OutcomeCreated => "outcome.created",
    CaseCreated => "case.created",
    CaseAssigned => "case.assigned",
    CaseStatusChanged => "case.status_changed",
    CaseOutcomeSet => "case.outcome_set",
    CaseTagsSet => "case.tags_set",
    MessageAdded => "message.added",
    WebhookCreated => "webhook.created",
    WebhookDisabled => "webhook.disabled",
    CustomerProfileSet => "person.profile_set",
    DecisionKindSaved => "decision_kind.saved",
    RuleDrafted => "rule.drafted",
    RulePublished => "rule.published",
    RuleRetired => "rule.retired",
    DecisionRecorded => "decision.recorded",
    DecisionReviewed => "decision.reviewed",
    AskRaised => "ask.raised",
    AskClaimed => "ask.claimed",
    AskAnswered => "ask.answered",
    AskFollowedUp => "ask.followed_up",
    AskResolved => "ask.resolved",
    AskWithdrawn => "ask.withdrawn",
    AskReopened => "ask.reopened",
    AskRated => "ask.rated",
    AskEscalated => "ask.escalated",
    AskOverdue => "ask.overdue",
    TeamRetired => "team.retired",
    RoleChanged => "person.role_changed",
    StandardWorkItemCreated => "standard_work.item_created",
    StandardWorkItemRetired => "standard_work.item_retired",
    StandardWorkTicked => "standard_work.ticked",
    StandardWorkUnticked => "standard_work.unticked",
    FeelingRecorded => "feeling.recorded",
    FeelingPraised => "feeling.praised",
    ProposalRaised => "proposal.raised",
    ProposalVoted => "proposal.voted",
    ProposalUnvoted => "proposal.unvoted",
    ProposalCommented => "proposal.commented",
    ProposalAdopted => "proposal.adopted",
    ProposalDeclined => "proposal.declined",
    ProposalShipped => "proposal.shipped",
    ProposalWithdrawn => "proposal.withdrawn",
    CaseMoodAlert => "case.mood_alert",
    CaseMoodAlertAcknowledged => "case.mood_alert_acknowledged",
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

/// An event about to be appended; the store gives it its sequence number and time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    pub kind: EventKind,
    pub actor_id: Option<PersonId>,
    pub case_id: Option<CaseId>,
    pub audience: Audience,
    pub payload: serde_json::Value,
}

impl NewEvent {
    pub fn new(kind: EventKind, actor_id: Option<PersonId>, payload: serde_json::Value) -> Self {
        Self {
            kind,
            actor_id,
            case_id: None,
            audience: Audience::Staff,
            payload,
        }
    }

    pub fn about_case(mut self, case_id: CaseId, audience: Audience) -> Self {
        self.case_id = Some(case_id);
        self.audience = audience;
        self
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
