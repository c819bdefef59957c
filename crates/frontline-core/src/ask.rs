//! Asks: an employee asks a support employee for help: to unblock them, approve something,
//! find a resource, advise. Support employees exist to serve the front line, so every ask is
//! measured (time to first response, time to unblock) against targets set by its urgency, and
//! an ask nobody has responded to by its target climbs the support chain, one layer at a time,
//! up to the top (one step: `OrgAsOf::supporters_of`).
//!
//! Lifecycle: `open → claimed → resolved`; `open | claimed → withdrawn` (the asker no longer
//! needs it); `resolved → open | claimed` (the asker reopens it: it did not unblock them).
//! Answers and the asker's follow-ups are messages on the ask. The first claim, answer or
//! resolution is the first response. Every change returns the event to append, so both stores
//! apply the same rules.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::case::text_enum;
use crate::event::{
    AskClaimed, AskEscalated, AskOverdue, AskRated, AskResolved, AskState, Audience, EventKind,
    NewEvent, Payload,
};
use crate::ids::{AskId, CaseId, MessageId, PersonId};
use crate::time::Timestamp;
use crate::values::{AskText, MessageBody, ValueError};

text_enum!(
    /// What the asker needs.
    AskKind, "kind" {
        Unblock => "unblock",
        Approval => "approval",
        Resource => "resource",
        Advice => "advice",
        Other => "other",
    }
);

text_enum!(
    /// How soon the asker needs help; sets the response and unblock targets.
    Urgency, "urgency" { Low => "low", Normal => "normal", High => "high", Urgent => "urgent" }
);

text_enum!(
    /// Where an ask stands.
    AskStatus, "status" {
        Open => "open",
        Claimed => "claimed",
        Resolved => "resolved",
        Withdrawn => "withdrawn",
    }
);

impl Urgency {
    /// How long the ask may wait for a first response before it climbs the support chain.
    /// Clock time, not working hours: the front line works around the clock, and so does a
    /// customer waiting behind a blocked employee.
    pub fn respond_within(self) -> SignedDuration {
        match self {
            Urgency::Urgent => SignedDuration::from_mins(15),
            Urgency::High => SignedDuration::from_hours(1),
            Urgency::Normal => SignedDuration::from_hours(4),
            Urgency::Low => SignedDuration::from_hours(24),
        }
    }

    /// How long from raising to unblocked (resolved) counts as on target.
    pub fn unblock_within(self) -> SignedDuration {
        match self {
            Urgency::Urgent => SignedDuration::from_hours(2),
            Urgency::High => SignedDuration::from_hours(8),
            Urgency::Normal => SignedDuration::from_hours(48),
            Urgency::Low => SignedDuration::from_hours(5 * 24),
        }
    }
}

impl AskStatus {
    /// Still waiting for help.
    pub fn is_active(self) -> bool {
        matches!(self, AskStatus::Open | AskStatus::Claimed)
    }
}

/// One word for how the help felt ("relieved", "ignored"): letters, hyphens and apostrophes,
/// at most 30 characters, lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct FeelingWord(String);

impl FeelingWord {
    pub const MAX_CHARS: usize = 30;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let word = raw.trim().to_lowercase();
        if word.is_empty() {
            return Err(ValueError::new("word", "must not be empty"));
        }
        if word.chars().count() > Self::MAX_CHARS {
            return Err(ValueError::new(
                "word",
                format!("is longer than {} characters", Self::MAX_CHARS),
            ));
        }
        if !word
            .chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
        {
            return Err(ValueError::new(
                "word",
                "must be one word (letters, hyphens or apostrophes), such as \"relieved\"",
            ));
        }
        Ok(Self(word))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for FeelingWord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A score from 1 (it felt awful) to 5 (it felt great).
pub fn parse_score(score: i64) -> Result<u8, ValueError> {
    u8::try_from(score)
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or_else(|| ValueError::new("score", format!("{score} is not between 1 and 5")))
}

/// How the asker felt about the help they got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AskFeeling {
    pub score: u8,
    pub word: FeelingWord,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ask {
    pub id: AskId,
    pub asker_id: PersonId,
    pub kind: AskKind,
    pub urgency: Urgency,
    pub text: AskText,
    pub case_id: Option<CaseId>,
    /// The support employee the ask is with now: the one it was addressed to, then each one
    /// it climbed to, then whoever claimed it.
    pub assignee_id: PersonId,
    pub claimed_by: Option<PersonId>,
    pub status: AskStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub first_response_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// Steps climbed up the support chain.
    pub escalations: u32,
    /// When the ask climbs if nobody has responded by then; `None` once someone has, or
    /// when it has reached the top of the chain and been marked overdue there.
    pub respond_by: Option<Timestamp>,
    pub feeling: Option<AskFeeling>,
    /// What happened to the ask, oldest first (messages are kept apart): raised, claimed,
    /// climbed, resolved... so the asker sees each step. Bounded: climbing stops at the top.
    pub history: Vec<AskStep>,
}

/// One step in an ask's life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AskStep {
    pub at: Timestamp,
    pub what: EventKind,
    /// `None`: the escalation sweep.
    pub by: Option<PersonId>,
    /// Who the ask went to, for a climb or a claim.
    pub to: Option<PersonId>,
}

/// A message on an ask: a support employee's answer or the asker's follow-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AskMessage {
    pub id: MessageId,
    pub ask_id: AskId,
    pub author_id: PersonId,
    pub body: MessageBody,
    pub created_at: Timestamp,
}

/// What to raise; the assignee is already resolved (named, or found through "my support").
#[derive(Clone, Debug)]
pub struct NewAskSpec {
    pub asker_id: PersonId,
    pub kind: AskKind,
    pub urgency: Urgency,
    pub text: AskText,
    pub case_id: Option<CaseId>,
    pub assignee_id: PersonId,
}

/// A change to an ask. Who may ask for which is checked twice: by the server's authorisation
/// (support employees work asks, the asker owns theirs) and here, where the lifecycle is.
#[derive(Clone, Debug)]
pub enum AskChange {
    /// A support employee takes the ask (also from a colleague).
    Claim,
    /// A support employee answers; answering an open ask claims it.
    Answer { body: MessageBody },
    /// The asker adds to the ask.
    FollowUp { body: MessageBody },
    /// A support employee marks the asker unblocked, optionally with a last message.
    Resolve { note: Option<MessageBody> },
    /// The asker no longer needs help.
    Withdraw,
    /// The asker was not unblocked after all.
    Reopen { reason: MessageBody },
    /// The asker says how the help felt, once, after it was resolved.
    Rate { score: u8, word: FeelingWord },
    /// Nobody responded in time: move the ask one layer up (`to`), or, at the top of the chain
    /// (`None`), mark it overdue and start a new window. `from_step` must equal the ask's
    /// `escalations`, so two nodes escalating at once move it only once.
    Escalate {
        from_step: u32,
        to: Option<PersonId>,
    },
}

/// A lifecycle rule an ask change broke.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AskError {
    #[error("the ask is {0}; only an open or claimed ask can change like that")]
    NotActive(AskStatus),
    #[error("you already hold this ask")]
    AlreadyClaimed,
    #[error("only the person who raised the ask can do that")]
    NotAsker,
    #[error("you cannot work your own ask; it is with a support employee")]
    OwnAsk,
    #[error("only a resolved ask can be {0}")]
    NotResolved(&'static str),
    #[error("the asker has already said how the help felt")]
    AlreadyRated,
    #[error("the ask has moved since (it was answered or already climbed)")]
    Stale,
    #[error("a person must make this change")]
    NoActor,
}

/// An ask change's result: the new state, its event, and the message it added, if any.
#[derive(Clone, Debug)]
pub struct AskEffects {
    pub ask: Ask,
    pub event: NewEvent,
    pub message: Option<AskMessage>,
}

impl Ask {
    /// A new open ask and its `ask.raised` event.
    pub fn raise(spec: NewAskSpec, at: Timestamp) -> (Ask, NewEvent) {
        let ask = Ask {
            id: AskId::new(),
            asker_id: spec.asker_id,
            kind: spec.kind,
            urgency: spec.urgency,
            text: spec.text,
            case_id: spec.case_id,
            assignee_id: spec.assignee_id,
            claimed_by: None,
            status: AskStatus::Open,
            created_at: at,
            updated_at: at,
            first_response_at: None,
            resolved_at: None,
            escalations: 0,
            respond_by: Some(at + spec.urgency.respond_within()),
            feeling: None,
            history: vec![AskStep {
                at,
                what: EventKind::AskRaised,
                by: Some(spec.asker_id),
                to: Some(spec.assignee_id),
            }],
        };
        let event = ask.event(Some(spec.asker_id), Payload::AskRaised(ask.state()));
        (ask, event)
    }

    /// When the asker should be unblocked by.
    pub fn unblock_by(&self) -> Timestamp {
        self.created_at + self.urgency.unblock_within()
    }

    /// Open, unanswered and past its response window: time to climb.
    pub fn is_due(&self, now: Timestamp) -> bool {
        self.status == AskStatus::Open
            && self.first_response_at.is_none()
            && self.respond_by.is_some_and(|by| now >= by)
    }

    pub fn time_to_first_response(&self) -> Option<SignedDuration> {
        self.first_response_at
            .map(|t| t.duration_since(self.created_at))
    }

    pub fn time_to_unblock(&self) -> Option<SignedDuration> {
        match self.status {
            AskStatus::Resolved => self.resolved_at.map(|t| t.duration_since(self.created_at)),
            _ => None,
        }
    }

    /// Whether the ask was resolved within its unblock target.
    pub fn unblocked_on_target(&self) -> Option<bool> {
        self.time_to_unblock()
            .map(|took| took <= self.urgency.unblock_within())
    }

    /// Apply `change` by `actor` at `at`. Only an escalation is made by nobody (the sweep);
    /// every other change is a person's.
    pub fn apply(
        &self,
        by: Option<PersonId>,
        change: AskChange,
        at: Timestamp,
    ) -> Result<AskEffects, AskError> {
        // Every change but an escalation is a person's.
        let person = || by.ok_or(AskError::NoActor);
        let mut next = self.clone();
        next.updated_at = at;
        let mut message = None;
        let say = |author: PersonId, body: MessageBody| {
            Some(AskMessage {
                id: MessageId::new(),
                ask_id: self.id,
                author_id: author,
                body,
                created_at: at,
            })
        };
        // Each arm leaves `next` as it will be, then says what happened.
        let payload = match change {
            AskChange::Claim => {
                let actor = person()?;
                self.worked_by(actor)?;
                if self.claimed_by == Some(actor) {
                    return Err(AskError::AlreadyClaimed);
                }
                next.take(actor, at);
                Payload::AskClaimed(AskClaimed {
                    ask: next.state(),
                    from: self.claimed_by,
                })
            }
            AskChange::Answer { body } => {
                let actor = person()?;
                self.worked_by(actor)?;
                if self.status == AskStatus::Open {
                    next.take(actor, at);
                    next.history.push(AskStep {
                        at,
                        what: EventKind::AskClaimed,
                        by,
                        to: Some(actor),
                    });
                }
                message = say(actor, body);
                Payload::AskAnswered(next.state())
            }
            AskChange::FollowUp { body } => {
                let actor = person()?;
                self.owned_by(actor)?;
                self.active()?;
                message = say(actor, body);
                Payload::AskFollowedUp(next.state())
            }
            AskChange::Resolve { note } => {
                let actor = person()?;
                self.worked_by(actor)?;
                next.first_response_at.get_or_insert(at);
                next.claimed_by.get_or_insert(actor);
                next.assignee_id = next.claimed_by.unwrap_or(actor);
                next.status = AskStatus::Resolved;
                next.resolved_at = Some(at);
                next.respond_by = None;
                if let Some(note) = note {
                    message = say(actor, note);
                }
                let took = at.duration_since(self.created_at);
                Payload::AskResolved(AskResolved {
                    ask: next.state(),
                    minutes_to_unblock: took.as_secs() / 60,
                    on_target: took <= self.urgency.unblock_within(),
                })
            }
            AskChange::Withdraw => {
                let actor = person()?;
                self.owned_by(actor)?;
                self.active()?;
                next.status = AskStatus::Withdrawn;
                next.respond_by = None;
                Payload::AskWithdrawn(next.state())
            }
            AskChange::Reopen { reason } => {
                let actor = person()?;
                self.owned_by(actor)?;
                if self.status != AskStatus::Resolved {
                    return Err(AskError::NotResolved("reopened"));
                }
                next.status = if self.claimed_by.is_some() {
                    AskStatus::Claimed
                } else {
                    AskStatus::Open
                };
                next.resolved_at = None;
                next.feeling = None;
                next.respond_by =
                    (next.status == AskStatus::Open).then(|| at + self.urgency.respond_within());
                message = say(actor, reason);
                Payload::AskReopened(next.state())
            }
            AskChange::Rate { score, word } => {
                let actor = person()?;
                self.owned_by(actor)?;
                if self.status != AskStatus::Resolved {
                    return Err(AskError::NotResolved("rated"));
                }
                if self.feeling.is_some() {
                    return Err(AskError::AlreadyRated);
                }
                let payload = Payload::AskRated(AskRated {
                    ask: next.state(),
                    score,
                    word: word.clone(),
                });
                next.feeling = Some(AskFeeling { score, word, at });
                payload
            }
            AskChange::Escalate { from_step, to } => {
                if !self.is_due(at) || self.escalations != from_step {
                    return Err(AskError::Stale);
                }
                match to {
                    Some(to) => {
                        next.assignee_id = to;
                        next.escalations += 1;
                        next.respond_by = Some(at + self.urgency.respond_within());
                        Payload::AskEscalated(AskEscalated {
                            ask: next.state(),
                            from: self.assignee_id,
                            to,
                        })
                    }
                    None => {
                        // Nobody is left to climb to: flag it once, and it stays in the top
                        // support employee's inbox as overdue.
                        next.respond_by = None;
                        Payload::AskOverdue(AskOverdue {
                            ask: next.state(),
                            top_of_chain: true,
                        })
                    }
                }
            }
        };
        let kind = payload.kind();
        if kind != EventKind::AskAnswered && kind != EventKind::AskFollowedUp {
            let to = match kind {
                EventKind::AskClaimed | EventKind::AskEscalated => Some(next.assignee_id),
                _ => None,
            };
            next.history.push(AskStep {
                at,
                what: kind,
                by,
                to,
            });
        }
        let event = next.event(by, payload);
        Ok(AskEffects {
            ask: next,
            event,
            message,
        })
    }

    fn take(&mut self, actor: PersonId, at: Timestamp) {
        self.claimed_by = Some(actor);
        self.assignee_id = actor;
        self.status = AskStatus::Claimed;
        self.first_response_at.get_or_insert(at);
        self.respond_by = None;
    }

    fn active(&self) -> Result<(), AskError> {
        if self.status.is_active() {
            Ok(())
        } else {
            Err(AskError::NotActive(self.status))
        }
    }

    fn worked_by(&self, actor: PersonId) -> Result<(), AskError> {
        if actor == self.asker_id {
            return Err(AskError::OwnAsk);
        }
        self.active()
    }

    fn owned_by(&self, actor: PersonId) -> Result<(), AskError> {
        if actor == self.asker_id {
            Ok(())
        } else {
            Err(AskError::NotAsker)
        }
    }

    /// The ask as its events show it.
    fn state(&self) -> AskState {
        AskState {
            ask_id: self.id,
            asker_id: self.asker_id,
            assignee_id: self.assignee_id,
            kind: self.kind,
            urgency: self.urgency,
            status: self.status,
            escalations: self.escalations,
        }
    }

    /// Ask events are staff business and carry no text: every employee's stream sees them,
    /// while the ask itself is readable only by its asker and support employees.
    fn event(&self, actor: Option<PersonId>, payload: Payload) -> NewEvent {
        let event = NewEvent::new(actor, payload);
        match self.case_id {
            Some(case_id) => event.about_case(case_id, Audience::Staff),
            None => event,
        }
    }
}

/// Of several supporters, the one with the fewest active asks; ties go to the first listed.
pub fn least_loaded(candidates: &[PersonId], load: impl Fn(PersonId) -> usize) -> Option<PersonId> {
    candidates
        .iter()
        .enumerate()
        .min_by_key(|(i, id)| (load(**id), *i))
        .map(|(_, id)| *id)
}

/// How a support employee (or a layer of them) served the asks they handled.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AskFigures {
    /// Asks resolved.
    pub handled: usize,
    /// Of those, resolved within the unblock target.
    pub on_target: usize,
    pub median_minutes_to_first_response: Option<i64>,
    pub median_minutes_to_unblock: Option<i64>,
    /// How many askers said how the help felt, and their mean score.
    pub feelings: usize,
    pub mean_feeling: Option<f64>,
    /// The most frequent words, most frequent first (ties alphabetical), at most three.
    pub words: Vec<String>,
}

impl AskFigures {
    /// Figures over the resolved asks among `asks`.
    pub fn of<'a>(asks: impl IntoIterator<Item = &'a Ask>) -> AskFigures {
        let resolved: Vec<&Ask> = asks
            .into_iter()
            .filter(|a| a.status == AskStatus::Resolved)
            .collect();
        let minutes = |d: Option<SignedDuration>| d.map(|d| d.as_secs() / 60);
        let first: Vec<i64> = resolved
            .iter()
            .filter_map(|a| minutes(a.time_to_first_response()))
            .collect();
        let unblock: Vec<i64> = resolved
            .iter()
            .filter_map(|a| minutes(a.time_to_unblock()))
            .collect();
        let feelings: Vec<&AskFeeling> =
            resolved.iter().filter_map(|a| a.feeling.as_ref()).collect();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for f in &feelings {
            *counts.entry(f.word.as_str()).or_default() += 1;
        }
        let mut words: Vec<(&str, usize)> = counts.into_iter().collect();
        words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        AskFigures {
            handled: resolved.len(),
            on_target: resolved
                .iter()
                .filter(|a| a.unblocked_on_target() == Some(true))
                .count(),
            median_minutes_to_first_response: median(first),
            median_minutes_to_unblock: median(unblock),
            feelings: feelings.len(),
            mean_feeling: (!feelings.is_empty()).then(|| {
                feelings.iter().map(|f| f64::from(f.score)).sum::<f64>() / feelings.len() as f64
            }),
            words: words
                .into_iter()
                .take(3)
                .map(|(w, _)| w.to_owned())
                .collect(),
        }
    }
}

/// The median (the lower middle of an even count, so it is always a value that occurred).
fn median(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(values[(values.len() - 1) / 2])
}

#[cfg(test)]
mod tests;
