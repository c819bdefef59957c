//! How people feel: customers rating a resolved case, employees saying how the customer seemed
//! and how the case felt to them, and the weekly pulse.
//!
//! Four kinds, one shape (a score from 1 to 5, an optional emotion word from a fixed set, an
//! optional verbatim):
//! - **customer**: the customer rates a resolved case, once per case, through a signed link
//!   or the portal. Stated feeling: the truth the others are measured against.
//! - **observed**: the employee's reading of the customer during the case. Compared with the
//!   stated feeling it shows how well the front line reads its customers (the *gap*).
//! - **own**: at close, how the case felt to the employee and what got in the way.
//! - **pulse**: one question a week, "how was your week at work?".
//!
//! Observed and own feelings are one per person per case and the pulse one per person per ISO
//! week: answering again replaces the answer (people change their minds; the log keeps both).
//! A customer's rating cannot be replaced: a second one is a conflict.
//!
//! Employees' own answers are private: events about them carry no score, and only team
//! figures over at least [`figures::MIN_RESPONDENTS`] people are ever shown to others.

pub mod figures;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::case::{Case, CaseStatus, text_enum};
use crate::event::{Audience, FeelingPraised, FeelingReading, FeelingRecorded, NewEvent, Payload};
use crate::ids::{CaseId, FeelingId, OutcomeId, PersonId, TeamId};
use crate::org::{Person, Role};
use crate::standard_work::Cadence;
use crate::time::Timestamp;
use crate::values::ValueError;

text_enum!(
    /// Whose feeling, about what (see the module header).
    FeelingKind, "kind" {
        Customer => "customer",
        Observed => "observed",
        Own => "own",
        Pulse => "pulse",
    }
);

text_enum!(
    /// Where an answer came from: the signed link sent to the customer (no sign-in), the
    /// customer portal, an employee on a case, or the weekly pulse.
    FeelingSource, "source" {
        Link => "link",
        Portal => "portal",
        Case => "case",
        Pulse => "pulse",
    }
);

text_enum!(
    /// The emotion words people choose from: a short fixed set, so answers can be counted.
    /// Ordered from the best feeling to the worst.
    Emotion, "emotion" {
        Delighted => "delighted",
        Relieved => "relieved",
        Satisfied => "satisfied",
        Indifferent => "indifferent",
        Confused => "confused",
        Disappointed => "disappointed",
        Frustrated => "frustrated",
        Angry => "angry",
    }
);

/// What someone wrote with a feeling: the customer's words, what got in the way of the
/// employee, or a pulse comment. 1 to 2,000 characters, trimmed, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Verbatim(String);

impl Verbatim {
    pub const MAX_CHARS: usize = 2_000;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        crate::values::bounded_text("text", raw, Self::MAX_CHARS).map(Self)
    }

    /// `None` for a blank answer: the verbatim is always optional.
    pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>, ValueError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => Self::parse(text).map(Some),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Verbatim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Verbatim {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A score from 1 (awful) to 5 (great).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Score(u8);

impl Score {
    pub fn new(score: i64) -> Result<Self, ValueError> {
        u8::try_from(score)
            .ok()
            .filter(|s| (1..=5).contains(s))
            .map(Self)
            .ok_or_else(|| ValueError::new("score", format!("{score} is not between 1 and 5")))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl FromStr for Score {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        s.trim()
            .parse::<i64>()
            .map_err(|_| {
                ValueError::new("score", format!("{s:?} is not a whole number from 1 to 5"))
            })
            .and_then(Self::new)
    }
}

impl<'de> Deserialize<'de> for Score {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new(i64::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A stated feeling, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feeling {
    pub id: FeelingId,
    pub kind: FeelingKind,
    pub source: FeelingSource,
    /// Who answered: the customer for a rating, the employee otherwise.
    pub person_id: PersonId,
    pub case_id: Option<CaseId>,
    /// The case's team and outcome when the feeling was recorded, so figures per team and
    /// outcome do not move when a case is moved later.
    pub team_id: Option<TeamId>,
    pub outcome_id: Option<OutcomeId>,
    /// The case's owner when a customer rated it: whom praise reaches.
    pub owner_id: Option<PersonId>,
    pub score: Score,
    pub emotion: Option<Emotion>,
    pub text: Option<Verbatim>,
    /// The ISO week of a pulse answer ("2026-W48"); `None` for the other kinds.
    pub period: Option<String>,
    pub created_at: Timestamp,
}

/// An answer to record. The case (if any) is loaded by the store and checked by
/// [`Feeling::record`].
#[derive(Clone, Debug)]
pub struct NewFeeling {
    pub kind: FeelingKind,
    pub source: FeelingSource,
    pub person_id: PersonId,
    pub case_id: Option<CaseId>,
    pub score: Score,
    pub emotion: Option<Emotion>,
    pub text: Option<Verbatim>,
}

/// A rating at or above this score with words is praise: it reaches the case's owner and the
/// heroes feed.
pub const PRAISE_SCORE: u8 = 4;

impl Feeling {
    /// Check who may say what about which case, and build the feeling and its events.
    /// `case` is the case named by `new.case_id` (the store loads it).
    pub fn record(
        new: NewFeeling,
        by: &Person,
        case: Option<&Case>,
        at: Timestamp,
    ) -> Result<(Feeling, Vec<NewEvent>), ValueError> {
        if by.id != new.person_id {
            return Err(ValueError::new("person", "must be the person answering"));
        }
        match (new.kind, case) {
            (FeelingKind::Pulse, Some(_)) => {
                return Err(ValueError::new(
                    "case",
                    "a pulse answer is not about a case",
                ));
            }
            (FeelingKind::Pulse, None) => {}
            (_, None) => return Err(ValueError::new("case", "is required for this feeling")),
            (FeelingKind::Customer, Some(case)) => check_rating(&new, by, case)?,
            (_, Some(_)) => {}
        }
        if new.kind != FeelingKind::Customer {
            if !matches!(by.role, Role::Employee | Role::Support) {
                return Err(ValueError::new(
                    "kind",
                    format!("only employees record a {} feeling", new.kind),
                ));
            }
            let expected = if new.kind == FeelingKind::Pulse {
                FeelingSource::Pulse
            } else {
                FeelingSource::Case
            };
            if new.source != expected {
                return Err(ValueError::new(
                    "source",
                    format!("must be {expected} for a {} feeling", new.kind),
                ));
            }
        }
        let feeling = Feeling {
            id: FeelingId::new(),
            kind: new.kind,
            source: new.source,
            person_id: new.person_id,
            case_id: case.map(|c| c.id),
            team_id: case.and_then(|c| c.team_id),
            outcome_id: case.map(|c| c.outcome_id),
            owner_id: case
                .filter(|_| new.kind == FeelingKind::Customer)
                .and_then(|c| c.owner_id),
            score: new.score,
            emotion: new.emotion,
            text: new.text,
            period: (new.kind == FeelingKind::Pulse).then(|| Cadence::Weekly.period_at(at).key),
            created_at: at,
        };
        let events = feeling.events(case);
        Ok((feeling, events))
    }

    /// Customers' and observed feelings carry their score (staff see them on the case);
    /// employees' own answers carry none, so no stream reader learns one person's answer.
    fn events(&self, case: Option<&Case>) -> Vec<NewEvent> {
        let payload = Payload::FeelingRecorded(FeelingRecorded {
            id: self.id,
            kind: self.kind,
            case_id: self.case_id,
            case_number: case.map(|c| c.number),
            team_id: self.team_id,
            reading: matches!(self.kind, FeelingKind::Customer | FeelingKind::Observed).then(
                || FeelingReading {
                    score: self.score,
                    emotion: self.emotion,
                },
            ),
        });
        let mut recorded = NewEvent::new(Some(self.person_id), payload);
        recorded.case_id = self.case_id;
        recorded.audience = Audience::Staff;
        let mut events = vec![recorded];
        if let (Some(text), Some(case)) = (&self.text, case)
            && self.is_praise()
        {
            let mut praised = NewEvent::new(
                Some(self.person_id),
                Payload::FeelingPraised(FeelingPraised {
                    feeling_id: self.id,
                    case_id: case.id,
                    case_number: case.number,
                    owner_id: self.owner_id,
                    team_id: self.team_id,
                    score: self.score,
                    quote: text.as_str().to_owned(),
                }),
            );
            praised.case_id = Some(case.id);
            events.push(praised);
        }
        events
    }

    /// A customer's high rating with words.
    pub fn is_praise(&self) -> bool {
        self.kind == FeelingKind::Customer
            && self.score.get() >= PRAISE_SCORE
            && self.text.is_some()
    }
}

fn check_rating(new: &NewFeeling, by: &Person, case: &Case) -> Result<(), ValueError> {
    if by.role != Role::Customer || case.customer_id != by.id {
        return Err(ValueError::new("case", "only the case's customer rates it"));
    }
    if !matches!(case.status, CaseStatus::Resolved | CaseStatus::Closed) {
        return Err(ValueError::new(
            "case",
            format!(
                "case {} is {}; it can be rated once it is resolved",
                case.number,
                case.status.as_str().replace('_', " ")
            ),
        ));
    }
    if new.emotion.is_none() {
        return Err(ValueError::new(
            "emotion",
            "choose the word closest to how you feel",
        ));
    }
    if !matches!(new.source, FeelingSource::Link | FeelingSource::Portal) {
        return Err(ValueError::new(
            "source",
            "must be link or portal for a rating",
        ));
    }
    Ok(())
}
