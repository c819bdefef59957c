//! Leader standard work: each support employee's recurring checklist ("walk the front-line
//! cockpit" every day, "review 5 deviations" every week, "work 3 cases" every month).
//!
//! An item has a cadence (daily, weekly, monthly; periods are the UTC day, the ISO week from
//! Monday, and the calendar month) and is either **plain**, done when its owner ticks it for
//! the period, or **proven**: it names a metric of real activity (cases worked, public
//! replies, minutes with customers, reviews done, asks resolved) and a target, and it is done
//! when the activity in the period reaches the target. Proven items are computed when read,
//! from the same activity as the ledger, and can never be ticked: a checklist that could be
//! ticked by hand where activity can speak would measure the wrong thing.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, ToSpan};
use serde::{Deserialize, Serialize};

use crate::case::text_enum;
use crate::event::{
    NewEvent, Payload, StandardWorkItemCreated, StandardWorkItemRetired, StandardWorkPeriod,
};
use crate::ids::{PersonId, StandardWorkItemId};
use crate::ledger::{self, Reply, Resolution};
use crate::time::Timestamp;
use crate::values::ValueError;

text_enum!(
    /// How often an item recurs.
    Cadence, "cadence" { Daily => "daily", Weekly => "weekly", Monthly => "monthly" }
);

text_enum!(
    /// Activity that proves an item by itself.
    Metric, "metric" {
        CasesWorked => "cases_worked",
        PublicReplies => "public_replies",
        MinutesWithCustomers => "minutes_with_customers",
        ReviewsDone => "reviews_done",
        AsksResolved => "asks_resolved",
    }
);

impl Metric {
    /// The metric in words, for a count: "3 cases worked".
    pub fn label(self) -> &'static str {
        match self {
            Metric::CasesWorked => "cases worked",
            Metric::PublicReplies => "public replies",
            Metric::MinutesWithCustomers => "minutes with customers",
            Metric::ReviewsDone => "decisions reviewed",
            Metric::AsksResolved => "asks resolved",
        }
    }
}

/// One period of a cadence: `[start, end)` in UTC, named by `key` ("2026-11-23",
/// "2026-W48", "2026-11").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub key: String,
    pub start: Timestamp,
    pub end: Timestamp,
}

fn midnight(date: Date) -> Timestamp {
    date.to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MIN)
}

impl Cadence {
    /// The period of this cadence that contains `at`.
    pub fn period_at(self, at: Timestamp) -> Period {
        let date = at.to_zoned(TimeZone::UTC).date();
        let (start, end, key) = match self {
            Cadence::Daily => {
                let end = date.tomorrow().unwrap_or(date);
                (date, end, date.to_string())
            }
            Cadence::Weekly => {
                let week = date.iso_week_date();
                let monday = date
                    .checked_sub(i64::from(week.weekday().to_monday_zero_offset()).days())
                    .unwrap_or(date);
                let end = monday.checked_add(7.days()).unwrap_or(monday);
                (
                    monday,
                    end,
                    format!("{:04}-W{:02}", week.year(), week.week()),
                )
            }
            Cadence::Monthly => {
                let first = date.first_of_month();
                let end = first.checked_add(1.month()).unwrap_or(first);
                (
                    first,
                    end,
                    format!("{:04}-{:02}", first.year(), first.month()),
                )
            }
        };
        Period {
            key,
            start: midnight(start),
            end: midnight(end),
        }
    }

    /// The `count` periods before the one containing `at`, newest first.
    pub fn previous_periods(self, at: Timestamp, count: usize) -> Vec<Period> {
        let mut periods = Vec::with_capacity(count);
        let mut current = self.period_at(at);
        for _ in 0..count {
            current = self.period_at(current.start - SignedDuration::from_millis(1));
            periods.push(current.clone());
        }
        periods
    }

    /// "today", "this week", "this month".
    pub fn current_words(self) -> &'static str {
        match self {
            Cadence::Daily => "today",
            Cadence::Weekly => "this week",
            Cadence::Monthly => "this month",
        }
    }
}

/// What an item asks for, in a few words ("Walk the front-line cockpit"): 1 to 120
/// characters, trimmed, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ItemTitle(String);

impl ItemTitle {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let title = raw.trim();
        if title.is_empty() {
            return Err(ValueError::new("title", "must not be empty"));
        }
        if title.chars().count() > Self::MAX_CHARS {
            return Err(ValueError::new(
                "title",
                format!("is longer than {} characters", Self::MAX_CHARS),
            ));
        }
        if title.chars().any(char::is_control) {
            return Err(ValueError::new("title", "must be one line of text"));
        }
        Ok(Self(title.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for ItemTitle {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ItemTitle::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for ItemTitle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What activity must reach for a proven item to be done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    pub metric: Metric,
    /// 1 to 10,000 (minutes for `minutes_with_customers`, a count otherwise).
    pub target: u32,
}

impl Proof {
    pub const MAX_TARGET: u32 = 10_000;

    pub fn new(metric: Metric, target: u32) -> Result<Self, ValueError> {
        if !(1..=Self::MAX_TARGET).contains(&target) {
            return Err(ValueError::new(
                "target",
                format!("must be 1 to {}", Self::MAX_TARGET),
            ));
        }
        Ok(Self { metric, target })
    }
}

/// A recurring item of one support employee's standard work.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardWorkItem {
    pub id: StandardWorkItemId,
    /// Whose standard work it is (a support employee).
    pub person_id: PersonId,
    pub title: ItemTitle,
    pub cadence: Cadence,
    /// Set: done when activity reaches the target; unset: done when ticked.
    pub proof: Option<Proof>,
    pub created_by: Option<PersonId>,
    pub created_at: Timestamp,
    /// Retired items keep their history but leave the checklist.
    pub retired_at: Option<Timestamp>,
}

/// An item to create.
#[derive(Clone, Debug)]
pub struct NewStandardWorkItem {
    pub person_id: PersonId,
    pub title: ItemTitle,
    pub cadence: Cadence,
    pub proof: Option<Proof>,
}

/// A plain item ticked done for one period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardWorkTick {
    pub item_id: StandardWorkItemId,
    pub person_id: PersonId,
    /// The period's key (see `Period`).
    pub period: String,
    pub period_start: Timestamp,
    pub ticked_by: PersonId,
    pub ticked_at: Timestamp,
}

/// Why a change to standard work was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StandardWorkError {
    #[error("this item is retired")]
    Retired,
    #[error("this item is proven by activity ({0}); it cannot be ticked by hand")]
    Proven(&'static str),
    #[error("this item is already ticked for {0}")]
    AlreadyTicked(String),
    #[error("this item is not ticked for {0}")]
    NotTicked(String),
}

impl StandardWorkItem {
    pub fn create(
        new: NewStandardWorkItem,
        actor: Option<PersonId>,
        at: Timestamp,
    ) -> (StandardWorkItem, NewEvent) {
        let item = StandardWorkItem {
            id: StandardWorkItemId::new(),
            person_id: new.person_id,
            title: new.title,
            cadence: new.cadence,
            proof: new.proof,
            created_by: actor,
            created_at: at,
            retired_at: None,
        };
        let event = NewEvent::new(
            actor,
            Payload::StandardWorkItemCreated(StandardWorkItemCreated {
                item_id: item.id,
                person_id: item.person_id,
                title: item.title.clone(),
                cadence: item.cadence,
                proof: item.proof,
            }),
        );
        (item, event)
    }

    /// Retire the item at `at`.
    pub fn retire(
        &self,
        actor: Option<PersonId>,
        at: Timestamp,
    ) -> Result<(StandardWorkItem, NewEvent), StandardWorkError> {
        if self.retired_at.is_some() {
            return Err(StandardWorkError::Retired);
        }
        let mut item = self.clone();
        item.retired_at = Some(at);
        let event = NewEvent::new(
            actor,
            Payload::StandardWorkItemRetired(StandardWorkItemRetired {
                item_id: item.id,
                person_id: item.person_id,
            }),
        );
        Ok((item, event))
    }

    /// Tick the item for the period containing `at`; `already` says whether that period is
    /// ticked already.
    pub fn tick(
        &self,
        actor: PersonId,
        at: Timestamp,
        already: bool,
    ) -> Result<(StandardWorkTick, NewEvent), StandardWorkError> {
        self.check_manual()?;
        let period = self.cadence.period_at(at);
        if already {
            return Err(StandardWorkError::AlreadyTicked(period.key));
        }
        let tick = StandardWorkTick {
            item_id: self.id,
            person_id: self.person_id,
            period: period.key,
            period_start: period.start,
            ticked_by: actor,
            ticked_at: at,
        };
        let event = NewEvent::new(
            Some(actor),
            Payload::StandardWorkTicked(StandardWorkPeriod {
                item_id: self.id,
                person_id: self.person_id,
                period: tick.period.clone(),
            }),
        );
        Ok((tick, event))
    }

    /// Untick the period containing `at`; `ticked` says whether it is ticked. Returns the
    /// period's key and the event.
    pub fn untick(
        &self,
        actor: PersonId,
        at: Timestamp,
        ticked: bool,
    ) -> Result<(Period, NewEvent), StandardWorkError> {
        self.check_manual()?;
        let period = self.cadence.period_at(at);
        if !ticked {
            return Err(StandardWorkError::NotTicked(period.key));
        }
        let event = NewEvent::new(
            Some(actor),
            Payload::StandardWorkUnticked(StandardWorkPeriod {
                item_id: self.id,
                person_id: self.person_id,
                period: period.key.clone(),
            }),
        );
        Ok((period, event))
    }

    fn check_manual(&self) -> Result<(), StandardWorkError> {
        if self.retired_at.is_some() {
            return Err(StandardWorkError::Retired);
        }
        if let Some(proof) = self.proof {
            return Err(StandardWorkError::Proven(proof.metric.label()));
        }
        Ok(())
    }

    /// Whether the item was on the checklist during any part of `period`.
    pub fn active_during(&self, period: &Period) -> bool {
        self.created_at < period.end && self.retired_at.is_none_or(|r| r > period.start)
    }
}

/// What a person did, as the proven items read it. Times may span more than any one period.
#[derive(Clone, Debug, Default)]
pub struct Activity {
    pub replies: Vec<Reply>,
    pub resolutions: Vec<Resolution>,
    /// When they reviewed decisions.
    pub reviews: Vec<Timestamp>,
    /// When asks they handled were resolved.
    pub asks_resolved: Vec<Timestamp>,
}

impl Activity {
    /// The value of `metric` over `[start, end)`.
    pub fn value(&self, metric: Metric, start: Timestamp, end: Timestamp) -> u32 {
        let inside = |at: Timestamp| start <= at && at < end;
        let count = |times: &[Timestamp]| {
            u32::try_from(times.iter().filter(|t| inside(**t)).count()).unwrap_or(u32::MAX)
        };
        let replies = || self.replies.iter().filter(|r| inside(r.at));
        match metric {
            Metric::CasesWorked => {
                ledger::cases_worked(replies(), self.resolutions.iter().filter(|r| inside(r.at)))
            }
            Metric::PublicReplies => u32::try_from(replies().count()).unwrap_or(u32::MAX),
            Metric::MinutesWithCustomers => {
                ledger::time_with_customers(replies().map(|r| r.at)).minutes
            }
            Metric::ReviewsDone => count(&self.reviews),
            Metric::AsksResolved => count(&self.asks_resolved),
        }
    }
}

/// One item in one period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodStatus {
    pub period: Period,
    pub done: bool,
    /// For proven items: the activity's value in the period.
    pub value: Option<u32>,
    /// For plain items: when it was ticked.
    pub ticked_at: Option<Timestamp>,
}

/// One item of a checklist: this period and the ones before it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemStatus {
    pub item: StandardWorkItem,
    pub current: PeriodStatus,
    /// Earlier periods in which the item was on the checklist, newest first.
    pub history: Vec<PeriodStatus>,
    /// Share of `history` done (0 to 1); `None` without history.
    pub completion_rate: Option<f64>,
}

/// Where each item stands at `now`, with up to `history` earlier periods. `ticks` may hold
/// ticks of other items and periods; only matching ones count.
pub fn checklist(
    items: &[StandardWorkItem],
    ticks: &[StandardWorkTick],
    activity: &Activity,
    now: Timestamp,
    history: usize,
) -> Vec<ItemStatus> {
    let status = |item: &StandardWorkItem, period: Period, end: Timestamp| match item.proof {
        Some(proof) => {
            let value = activity.value(proof.metric, period.start, end);
            PeriodStatus {
                done: value >= proof.target,
                value: Some(value),
                ticked_at: None,
                period,
            }
        }
        None => {
            let ticked_at = ticks
                .iter()
                .find(|t| t.item_id == item.id && t.period == period.key)
                .map(|t| t.ticked_at);
            PeriodStatus {
                done: ticked_at.is_some(),
                value: None,
                ticked_at,
                period,
            }
        }
    };
    items
        .iter()
        .map(|item| {
            let current_period = item.cadence.period_at(now);
            // Up to the period's end, not `now`: activity stamped in the very millisecond of
            // the read counts too (there is none later than now to exclude).
            let end = current_period.end;
            let current = status(item, current_period, end);
            let past: Vec<PeriodStatus> = item
                .cadence
                .previous_periods(now, history)
                .into_iter()
                .filter(|p| item.active_during(p))
                .map(|p| {
                    let end = p.end;
                    status(item, p, end)
                })
                .collect();
            let completion_rate = (!past.is_empty())
                .then(|| past.iter().filter(|p| p.done).count() as f64 / past.len() as f64);
            ItemStatus {
                item: item.clone(),
                current,
                history: past,
                completion_rate,
            }
        })
        .collect()
}

/// The earliest time `checklist` reads activity from, for items of these cadences.
pub fn activity_since(
    cadences: impl IntoIterator<Item = Cadence>,
    now: Timestamp,
    history: usize,
) -> Timestamp {
    cadences
        .into_iter()
        .map(|c| {
            c.previous_periods(now, history)
                .last()
                .map_or_else(|| c.period_at(now).start, |p| p.start)
        })
        .min()
        .unwrap_or(now)
}

#[cfg(test)]
mod tests;
