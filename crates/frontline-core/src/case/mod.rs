//! Cases and their messages, and the lifecycle rules:
//! `new → open ⇄ waiting_on_customer → resolved → closed`; a customer reply reopens a resolved
//! case; closed is final. Every mutation returns the events to append and the changes to the
//! owners' open-case counters, so both stores apply exactly the same rules.

use std::fmt;
use std::str::FromStr;

use crate::event::{
    AssignedBy, Audience, CaseAssigned, CaseCreated, CaseEdited, CaseOutcomeSet, CaseStatusChanged,
    CaseSummary, CaseTagsSet, MessageAdded, NewEvent, Payload,
};
use crate::ids::{CaseId, MessageId, OutcomeId, PersonId, TeamId};
use crate::org::Role;
use crate::time::Timestamp;
use crate::values::{CaseNumber, MessageBody, Subject, Tags, ValueError};
use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ValueError;
            fn from_str(s: &str) -> Result<Self, ValueError> {
                match s {
                    $($text => Ok($name::$variant),)*
                    other => Err(ValueError::new(
                        $field,
                        format!("{other:?} is not one of {}", [$($text),*].join(", ")),
                    )),
                }
            }
        }
    };
}
pub(crate) use text_enum;

text_enum!(
    /// Where a case stands.
    CaseStatus, "status" {
        New => "new",
        Open => "open",
        WaitingOnCustomer => "waiting_on_customer",
        Resolved => "resolved",
        Closed => "closed",
    }
);

text_enum!(
    /// How the case reached us.
    Channel, "channel" { Web => "web", Email => "email", Api => "api", Phone => "phone", Chat => "chat" }
);

text_enum!(
    /// How urgent the case is; routing serves the queue in this order, most urgent first.
    Priority, "priority" { Low => "low", Normal => "normal", High => "high", Urgent => "urgent" }
);

text_enum!(
    /// Whether the customer's outcome was achieved.
    OutcomeAchieved, "outcome_achieved" { Yes => "yes", No => "no", Unknown => "unknown" }
);

text_enum!(
    /// A public message is part of the conversation with the customer; an internal note is
    /// for staff only and never reaches the customer.
    Visibility, "visibility" { Public => "public", Internal => "internal" }
);

impl CaseStatus {
    /// Statuses that count towards the owner's open load (and so towards their capacity).
    pub fn counts_as_load(self) -> bool {
        matches!(
            self,
            CaseStatus::New | CaseStatus::Open | CaseStatus::WaitingOnCustomer
        )
    }

    /// Whether a person may move a case from `self` to `to` directly.
    pub fn can_become(self, to: CaseStatus) -> bool {
        use CaseStatus::*;
        matches!(
            (self, to),
            (New, Open | WaitingOnCustomer | Resolved)
                | (Open, WaitingOnCustomer | Resolved)
                | (WaitingOnCustomer, Open | Resolved)
                | (Resolved, Open | Closed)
        )
    }
}

/// A rule of the lifecycle that a request broke.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("a case cannot go from {from} to {to}")]
    IllegalTransition { from: CaseStatus, to: CaseStatus },
    #[error("the case is closed; closed cases cannot change (open a new case instead)")]
    Closed,
    #[error("the case is already {0}")]
    Unchanged(CaseStatus),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    pub number: CaseNumber,
    pub customer_id: PersonId,
    pub outcome_id: OutcomeId,
    pub subject: Subject,
    pub channel: Channel,
    pub priority: Priority,
    pub owner_id: Option<PersonId>,
    pub team_id: Option<TeamId>,
    pub tags: Tags,
    pub status: CaseStatus,
    pub outcome_achieved: OutcomeAchieved,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub first_response_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub case_id: CaseId,
    pub author_id: PersonId,
    pub body: MessageBody,
    pub visibility: Visibility,
    pub created_at: Timestamp,
}

/// What staff change about an open case: each `Some` is a change.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaseEdit {
    pub subject: Option<Subject>,
    pub priority: Option<Priority>,
    pub outcome_id: Option<OutcomeId>,
    /// Keep the owner and team when the new outcome belongs to other teams (by choice);
    /// otherwise the case is routed to a team that owns the new outcome.
    pub keep_owner: bool,
    /// Why, for the record (staff see it on the timeline).
    pub reason: Option<String>,
}

/// The consequences of one mutation: events to append and open-load changes per person.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Effects {
    pub events: Vec<NewEvent>,
    pub load: Vec<(PersonId, i32)>,
}

impl Effects {
    /// People whose load went down: the store offers each of them the next queued case.
    pub fn freed(&self) -> impl Iterator<Item = PersonId> + '_ {
        self.load
            .iter()
            .filter(|(_, delta)| *delta < 0)
            .map(|(p, _)| *p)
    }
}

/// How the owners' open loads change between two states of a case.
pub fn load_changes(
    before: (Option<PersonId>, CaseStatus),
    after: (Option<PersonId>, CaseStatus),
) -> Vec<(PersonId, i32)> {
    let counted =
        |(owner, status): (Option<PersonId>, CaseStatus)| owner.filter(|_| status.counts_as_load());
    match (counted(before), counted(after)) {
        (Some(a), Some(b)) if a == b => vec![],
        (a, b) => a
            .map(|p| (p, -1))
            .into_iter()
            .chain(b.map(|p| (p, 1)))
            .collect(),
    }
}

/// What a new case needs besides its routing.
#[derive(Clone, Debug)]
pub struct CaseDraft {
    pub customer_id: PersonId,
    pub outcome_id: OutcomeId,
    pub subject: Subject,
    pub body: MessageBody,
    pub channel: Channel,
    pub priority: Priority,
    pub tags: Tags,
}

impl Case {
    /// Everything about a case its customer may see; used as the public event payload.
    fn summary(&self) -> CaseSummary {
        CaseSummary {
            number: self.number,
            subject: self.subject.clone(),
            status: self.status,
            owner_id: self.owner_id,
            team_id: self.team_id,
            priority: self.priority,
        }
    }

    fn audience(&self) -> Audience {
        Audience::Customer {
            customer_id: self.customer_id,
        }
    }

    fn event(&self, actor: Option<PersonId>, payload: Payload) -> NewEvent {
        NewEvent::new(actor, payload).about_case(self.id, self.audience())
    }

    /// Open a case with its first message, already routed to `owner` in `team` (or queued in
    /// `team` with no owner).
    pub fn open(
        draft: CaseDraft,
        number: CaseNumber,
        route: (Option<PersonId>, Option<TeamId>),
        actor: Option<PersonId>,
        now: Timestamp,
    ) -> (Case, Message, Effects) {
        let case = Case {
            id: CaseId::new(),
            number,
            customer_id: draft.customer_id,
            outcome_id: draft.outcome_id,
            subject: draft.subject,
            channel: draft.channel,
            priority: draft.priority,
            owner_id: route.0,
            team_id: route.1,
            tags: draft.tags,
            status: CaseStatus::New,
            outcome_achieved: OutcomeAchieved::Unknown,
            created_at: now,
            updated_at: now,
            first_response_at: None,
            resolved_at: None,
        };
        let message = Message {
            id: MessageId::new(),
            case_id: case.id,
            author_id: draft.customer_id,
            body: draft.body,
            visibility: Visibility::Public,
            created_at: now,
        };
        let payload = Payload::CaseCreated(CaseCreated {
            case: case.summary(),
            outcome_id: case.outcome_id,
            customer_id: case.customer_id,
            channel: case.channel,
            message_id: message.id,
        });
        let effects = Effects {
            events: vec![case.event(actor, payload)],
            load: load_changes((None, CaseStatus::New), (case.owner_id, case.status)),
        };
        (case, message, effects)
    }

    fn ensure_not_closed(&self) -> Result<(), CaseError> {
        if self.status == CaseStatus::Closed {
            Err(CaseError::Closed)
        } else {
            Ok(())
        }
    }

    fn set_status(&mut self, to: CaseStatus, now: Timestamp) {
        self.status = to;
        match to {
            CaseStatus::Resolved => self.resolved_at = Some(now),
            CaseStatus::Open | CaseStatus::WaitingOnCustomer | CaseStatus::New => {
                self.resolved_at = None
            }
            CaseStatus::Closed => {}
        }
    }

    fn status_event(&self, from: CaseStatus, actor: Option<PersonId>, reason: &str) -> NewEvent {
        let payload = Payload::CaseStatusChanged(CaseStatusChanged {
            case: self.summary(),
            from,
            to: self.status,
            reason: reason.to_owned(),
        });
        self.event(actor, payload)
    }

    /// A person moves the case to another status.
    pub fn change_status(
        &mut self,
        to: CaseStatus,
        actor: Option<PersonId>,
        now: Timestamp,
    ) -> Result<Effects, CaseError> {
        self.ensure_not_closed()?;
        if self.status == to {
            return Err(CaseError::Unchanged(to));
        }
        if !self.status.can_become(to) {
            return Err(CaseError::IllegalTransition {
                from: self.status,
                to,
            });
        }
        let before = (self.owner_id, self.status);
        let from = self.status;
        self.set_status(to, now);
        self.updated_at = now;
        Ok(Effects {
            events: vec![self.status_event(from, actor, "changed")],
            load: load_changes(before, (self.owner_id, self.status)),
        })
    }

    /// Give the case to `owner` (or back to the queue of `team` with `None`). `actor: None`
    /// means routing did it.
    pub fn assign(
        &mut self,
        owner: Option<PersonId>,
        team: Option<TeamId>,
        actor: Option<PersonId>,
        now: Timestamp,
    ) -> Result<Effects, CaseError> {
        self.ensure_not_closed()?;
        let before = (self.owner_id, self.status);
        let previous_owner = self.owner_id;
        self.owner_id = owner;
        if team.is_some() {
            self.team_id = team;
        }
        self.updated_at = now;
        let payload = Payload::CaseAssigned(CaseAssigned {
            case: self.summary(),
            previous_owner_id: previous_owner,
            by: if actor.is_some() {
                AssignedBy::Person
            } else {
                AssignedBy::Routing
            },
        });
        Ok(Effects {
            events: vec![self.event(actor, payload)],
            load: load_changes(before, (self.owner_id, self.status)),
        })
    }

    pub fn set_outcome_achieved(
        &mut self,
        value: OutcomeAchieved,
        actor: Option<PersonId>,
        now: Timestamp,
    ) -> Result<Effects, CaseError> {
        self.ensure_not_closed()?;
        self.outcome_achieved = value;
        self.updated_at = now;
        let payload = Payload::CaseOutcomeSet(CaseOutcomeSet {
            case: self.summary(),
            outcome_achieved: value,
        });
        Ok(Effects {
            events: vec![self.event(actor, payload)],
            load: vec![],
        })
    }

    /// Change what the case is about (issue 24's editing): each `Some` of `edit` that differs
    /// from now. `Ok(None)` when nothing would change. A new outcome's routing is the store's
    /// (it knows the teams); this only records it.
    pub fn edit(
        &mut self,
        edit: &CaseEdit,
        actor: Option<PersonId>,
        now: Timestamp,
    ) -> Result<Option<Effects>, CaseError> {
        self.ensure_not_closed()?;
        let subject_from = edit
            .subject
            .as_ref()
            .filter(|s| **s != self.subject)
            .map(|s| std::mem::replace(&mut self.subject, s.clone()));
        let priority_from = edit
            .priority
            .filter(|p| *p != self.priority)
            .map(|p| std::mem::replace(&mut self.priority, p));
        let outcome_from = edit
            .outcome_id
            .filter(|o| *o != self.outcome_id)
            .map(|o| std::mem::replace(&mut self.outcome_id, o));
        if subject_from.is_none() && priority_from.is_none() && outcome_from.is_none() {
            return Ok(None);
        }
        self.updated_at = now;
        let payload = Payload::CaseEdited(CaseEdited {
            case: self.summary(),
            outcome_id: self.outcome_id,
            subject_from,
            priority_from,
            outcome_from,
            reason: edit.reason.clone(),
        });
        Ok(Some(Effects {
            events: vec![NewEvent::new(actor, payload).about_case(self.id, Audience::Staff)],
            load: vec![],
        }))
    }

    pub fn set_tags(
        &mut self,
        tags: Tags,
        actor: Option<PersonId>,
        now: Timestamp,
    ) -> Result<Effects, CaseError> {
        self.ensure_not_closed()?;
        self.tags = tags;
        self.updated_at = now;
        let payload = Payload::CaseTagsSet(CaseTagsSet {
            number: self.number,
            tags: self.tags.clone(),
        });
        // Tags are the staff's working vocabulary, not part of the conversation.
        Ok(Effects {
            events: vec![NewEvent::new(actor, payload).about_case(self.id, Audience::Staff)],
            load: vec![],
        })
    }

    /// A staff member's public message written outside `add_message` (the closed loop's
    /// notice): it answers the case as any staff reply does (first response, a new case
    /// opens). Returns the status change's event, if the status changed.
    pub fn answered_by_staff(&mut self, author: PersonId, now: Timestamp) -> Option<NewEvent> {
        if self.status == CaseStatus::Closed {
            return None;
        }
        if self.first_response_at.is_none() {
            self.first_response_at = Some(now);
        }
        self.updated_at = now;
        if self.status != CaseStatus::New {
            return None;
        }
        let from = self.status;
        self.set_status(CaseStatus::Open, now);
        Some(self.status_event(from, Some(author), "first response"))
    }

    /// Add a message. A customer's reply brings a waiting or resolved case back to `open`; the
    /// first public reply from staff sets `first_response_at` and opens a new case.
    pub fn add_message(
        &mut self,
        message: &Message,
        author_role: Role,
        now: Timestamp,
    ) -> Result<Effects, CaseError> {
        self.ensure_not_closed()?;
        let before = (self.owner_id, self.status);
        let from = self.status;
        let public = message.visibility == Visibility::Public;
        let next = match (author_role, public, self.status) {
            (Role::Customer, _, CaseStatus::WaitingOnCustomer | CaseStatus::Resolved) => {
                Some((CaseStatus::Open, "customer replied"))
            }
            (Role::Employee | Role::Support, true, CaseStatus::New) => {
                Some((CaseStatus::Open, "first response"))
            }
            _ => None,
        };
        if author_role.is_staff() && public && self.first_response_at.is_none() {
            self.first_response_at = Some(now);
        }
        self.updated_at = now;
        let audience = if public {
            self.audience()
        } else {
            Audience::Staff
        };
        let mut events = vec![
            NewEvent::new(
                Some(message.author_id),
                Payload::MessageAdded(MessageAdded {
                    number: self.number,
                    message_id: message.id,
                    author_id: message.author_id,
                    visibility: message.visibility,
                    proposal_id: None,
                }),
            )
            .about_case(self.id, audience),
        ];
        if let Some((to, reason)) = next {
            self.set_status(to, now);
            events.push(self.status_event(from, Some(message.author_id), reason));
        }
        Ok(Effects {
            events,
            load: load_changes(before, (self.owner_id, self.status)),
        })
    }
}

#[cfg(test)]
mod tests;
