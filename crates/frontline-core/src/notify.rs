//! Who is told of what. From one event of the log (and the few facts it does not carry), the
//! notifications it causes: the one place that decides it. The mail follower asks it today;
//! the console's bell (issue 23) asks it too. Each channel then keeps only what the person
//! chose for it (`Preferences`).
//!
//! The rules:
//! - **Nobody is told of their own action.**
//! - A case that gets an owner tells that owner ([`NotificationKind::Assigned`]): opened
//!   straight to them, or moved to them. Routing that fills a freed slot (`by: routing`) is
//!   nobody's action, so it tells the owner even when the write that freed the slot was
//!   theirs: they resolved one case and did not choose the next.
//! - A customer's public message tells the case's owner ([`NotificationKind::CustomerReplied`]),
//!   and only them. A staff member's reply and an internal note tell nobody here.
//! - An ask raised to a support employee, or climbing to one, tells them
//!   ([`NotificationKind::AskToMe`]).
//!
//! A person is told at most once per event.

use serde::{Deserialize, Serialize};

use crate::case::Visibility;
use crate::event::{AssignedBy, Payload};
use crate::ids::{AskId, CaseId, PersonId};
use crate::values::{CaseNumber, ValueError};

/// What a person can be told of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A case became mine.
    Assigned,
    /// The customer wrote on a case I own.
    CustomerReplied,
    /// An ask was raised to me, or climbed to me.
    AskToMe,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 3] = [
        NotificationKind::Assigned,
        NotificationKind::CustomerReplied,
        NotificationKind::AskToMe,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Assigned => "assigned",
            NotificationKind::CustomerReplied => "customer_replied",
            NotificationKind::AskToMe => "ask_to_me",
        }
    }

    /// The choice in words, as a person is offered it.
    pub fn describe(self) -> &'static str {
        match self {
            NotificationKind::Assigned => "A case is assigned to me",
            NotificationKind::CustomerReplied => "A customer replies on a case I own",
            NotificationKind::AskToMe => "Someone asks me for help (an ask to me)",
        }
    }
}

impl std::str::FromStr for NotificationKind {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        NotificationKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| {
                ValueError::new(
                    "kind",
                    format!("{s:?} is not one of assigned, customer_replied, ask_to_me"),
                )
            })
    }
}

impl std::fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a notification is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regarding {
    Case {
        case_id: CaseId,
        number: CaseNumber,
    },
    /// An ask, and the case it is about if any.
    Ask {
        ask_id: AskId,
        case_id: Option<CaseId>,
    },
}

/// One person to tell of one thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notification {
    pub person: PersonId,
    pub kind: NotificationKind,
    pub regarding: Regarding,
}

/// What an event does not carry and the caller looks up, only when [`needs_facts`] says so.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// The case's owner now (a message's event does not name it).
    pub case_owner: Option<PersonId>,
    /// Whether the message's author is staff.
    pub author_is_staff: bool,
}

/// Whether deriving the notifications of `payload` needs [`Facts`]: a public message's. For
/// every other event `Facts::default()` will do, so the caller reads nothing.
pub fn needs_facts(payload: &Payload) -> bool {
    matches!(payload, Payload::MessageAdded(added) if added.visibility == Visibility::Public)
}

/// The notifications one event causes (see the module's rules). `actor` and `case_id` are
/// the event's; `facts` as [`needs_facts`] asks.
pub fn notifications(
    actor: Option<PersonId>,
    case_id: Option<CaseId>,
    payload: &Payload,
    facts: &Facts,
) -> Vec<Notification> {
    let on_case = |number| case_id.map(|case_id| Regarding::Case { case_id, number });
    let on_ask = |ask_id| Regarding::Ask { ask_id, case_id };
    let (person, kind, regarding, by_routing) = match payload {
        Payload::CaseCreated(created) => {
            match (created.case.owner_id, on_case(created.case.number)) {
                (Some(owner), Some(regarding)) => {
                    (owner, NotificationKind::Assigned, regarding, false)
                }
                _ => return Vec::new(),
            }
        }
        Payload::CaseAssigned(assigned) => {
            match (assigned.case.owner_id, on_case(assigned.case.number)) {
                (Some(owner), Some(regarding)) if assigned.previous_owner_id != Some(owner) => (
                    owner,
                    NotificationKind::Assigned,
                    regarding,
                    assigned.by == AssignedBy::Routing,
                ),
                _ => return Vec::new(),
            }
        }
        Payload::MessageAdded(added) => {
            let told = added.visibility == Visibility::Public && !facts.author_is_staff;
            match (facts.case_owner, on_case(added.number)) {
                (Some(owner), Some(regarding)) if told && owner != added.author_id => {
                    (owner, NotificationKind::CustomerReplied, regarding, false)
                }
                _ => return Vec::new(),
            }
        }
        Payload::AskRaised(ask) => (
            ask.assignee_id,
            NotificationKind::AskToMe,
            on_ask(ask.ask_id),
            false,
        ),
        Payload::AskEscalated(escalated) => (
            escalated.to,
            NotificationKind::AskToMe,
            on_ask(escalated.ask.ask_id),
            false,
        ),
        _ => return Vec::new(),
    };
    if !by_routing && actor == Some(person) {
        return Vec::new();
    }
    vec![Notification {
        person,
        kind,
        regarding,
    }]
}

/// What a person chose to be told of by mail. Nothing by default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// The kinds told by mail, each once, in `NotificationKind` order.
    pub email: Vec<NotificationKind>,
}

impl Preferences {
    /// Keep each kind once, in order.
    pub fn email(kinds: impl IntoIterator<Item = NotificationKind>) -> Self {
        let mut email: Vec<NotificationKind> = kinds.into_iter().collect();
        email.sort();
        email.dedup();
        Preferences { email }
    }

    pub fn wants_email(&self, kind: NotificationKind) -> bool {
        self.email.contains(&kind)
    }
}

#[cfg(test)]
mod tests;
