//! Service targets: how long a case may wait for its first answer, for each next answer, and
//! for its resolution, counted in business time of the owning team's calendar.
//!
//! A target's clock is a stopwatch over business time. It runs while the case is being
//! worked, pauses while the case waits on the customer (if the target says so), and stops
//! when the target is met. Reopening a resolved case continues the resolution clock where
//! it stopped. Everything is computed from the case's history ([`Happening`]s, read from its
//! events) with [`read`], so a reading can be made for any moment, figures can be
//! back-filled from the log, and both backends agree.

use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::calendar::{BusinessTime, minutes_of};
use crate::case::{CaseStatus, Priority, text_enum};
use crate::event::{CaseTargetAlarm, EventKind, NewEvent, Payload};
use crate::values::ValueError;

text_enum!(
    /// What a target measures.
    TargetKind, "kind" {
        FirstResponse => "first_response",
        NextResponse => "next_response",
        Resolution => "resolution",
    }
);

/// The longest target: a year of business minutes.
pub const MAX_TARGET_MINUTES: u32 = 365 * 24 * 60;
/// The share of a target at which its owner is warned, unless the target says otherwise.
pub const DEFAULT_WARN_PERCENT: u8 = 75;

/// One target of an outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub kind: TargetKind,
    /// Only for cases of this priority; `None`: for every priority without its own target
    /// of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// How much business time the target allows, in minutes.
    pub business_minutes: u32,
    /// Whether the clock stops while the case waits on the customer.
    #[serde(default = "yes")]
    pub pause_while_waiting: bool,
    /// At what share of the target, in percent, its owner is warned.
    #[serde(default = "default_warn")]
    pub warn_at_percent: u8,
}

fn yes() -> bool {
    true
}

fn default_warn() -> u8 {
    DEFAULT_WARN_PERCENT
}

impl Target {
    pub fn validate(&self) -> Result<(), ValueError> {
        if self.business_minutes == 0 || self.business_minutes > MAX_TARGET_MINUTES {
            return Err(ValueError::new(
                "business_minutes",
                format!(
                    "{} minutes is not a target: give 1 to {MAX_TARGET_MINUTES} (a year)",
                    self.business_minutes
                ),
            ));
        }
        if !(1..=99).contains(&self.warn_at_percent) {
            return Err(ValueError::new(
                "warn_at_percent",
                format!("{} is not a share between 1 and 99", self.warn_at_percent),
            ));
        }
        Ok(())
    }

    fn budget(&self) -> i64 {
        minutes_of(self.business_minutes).as_millis() as i64
    }

    fn warning_budget(&self) -> i64 {
        self.budget() * i64::from(self.warn_at_percent) / 100
    }
}

/// Check an outcome's targets: each valid, at most one per kind and priority.
pub fn validate_targets(targets: &[Target]) -> Result<(), ValueError> {
    for (i, t) in targets.iter().enumerate() {
        t.validate()?;
        if targets[..i]
            .iter()
            .any(|u| u.kind == t.kind && u.priority == t.priority)
        {
            let which = t
                .priority
                .map_or("every priority".to_owned(), |p| format!("priority {p}"));
            return Err(ValueError::new(
                "targets",
                format!("two {} targets for {which}: keep one", t.kind),
            ));
        }
    }
    Ok(())
}

/// The targets that apply to a case of `priority`: of each kind, the one for that priority,
/// else the one for every priority. In kind order.
pub fn applicable(targets: &[Target], priority: Priority) -> Vec<&Target> {
    TargetKind::ALL
        .iter()
        .filter_map(|&kind| {
            let of_kind = || targets.iter().filter(move |t| t.kind == kind);
            of_kind()
                .find(|t| t.priority == Some(priority))
                .or_else(|| of_kind().find(|t| t.priority.is_none()))
        })
        .collect()
}

/// What happened to a case that moves its targets' clocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    Opened,
    Status(CaseStatus),
    /// A public message by the customer (the first one opens the case: `Opened` covers it).
    CustomerMessage,
    /// A public message by staff: an answer.
    StaffReply,
}

/// A [`Moment`] at a time. A case's history is its happenings in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Happening {
    pub at: Timestamp,
    pub moment: Moment,
}

/// A case's history as targets read it, from its events in log order: its creation, its
/// status changes, and its public messages (by the case's customer, or answers by staff, as
/// `is_staff` tells; a message by anyone else on the thread moves no clock).
pub fn history_of<'a>(
    events: impl IntoIterator<Item = &'a crate::event::Event>,
    is_staff: impl Fn(crate::ids::PersonId) -> bool,
    customer_id: crate::ids::PersonId,
) -> Vec<Happening> {
    use crate::event::Payload;
    events
        .into_iter()
        .filter(|e| {
            use crate::event::EventKind as K;
            matches!(
                e.kind,
                K::CaseCreated | K::CaseStatusChanged | K::MessageAdded
            )
        })
        .filter_map(|e| {
            let moment = match e.decoded().ok()? {
                Payload::CaseCreated(_) => Moment::Opened,
                Payload::CaseStatusChanged(p) => Moment::Status(p.to),
                Payload::MessageAdded(m) if m.is_public() && m.author_id == customer_id => {
                    Moment::CustomerMessage
                }
                Payload::MessageAdded(m) if m.is_public() && is_staff(m.author_id) => {
                    Moment::StaffReply
                }
                _ => return None,
            };
            Some(Happening { at: e.at, moment })
        })
        .collect()
}

/// Where a target stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TargetState {
    /// Nothing is owed now (no customer message waits for a next answer).
    Idle,
    /// The clock runs. `due` is `None` when the calendar is not open long enough ever to get
    /// there (shown as "never due"); `warn_at` is `None` once the warning time has passed.
    Running {
        due: Option<Timestamp>,
        warn_at: Option<Timestamp>,
    },
    /// The clock is stopped while the case waits on the customer, with this much left.
    Paused { left: SignedDuration },
    /// Met at `at`, within the target.
    Met { at: Timestamp },
    /// Fell due at `at` without being met; `met_at` is when it was met after all, if it was.
    Breached {
        at: Timestamp,
        met_at: Option<Timestamp>,
    },
}

/// A target's reading at a moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetReading {
    pub kind: TargetKind,
    pub business_minutes: u32,
    pub state: TargetState,
    /// Business time the current (or last) clock has run.
    pub used: SignedDuration,
    /// How often this target was met and breached on the case: once at most for first
    /// response and resolution, once per answer for next response.
    pub met: u32,
    pub breached: u32,
}

/// A stopwatch over business time with a budget.
#[derive(Clone, Copy, Debug)]
struct Stopwatch {
    budget: i64,
    used: i64,
    since: Option<Timestamp>,
    /// When `used` reached `budget`: the due time, even if the clock stopped right there
    /// and ran on later (then the breach is dated when the budget ran out, in business time,
    /// not when the clock restarted outside it).
    ran_out: Option<Timestamp>,
}

impl Stopwatch {
    fn new(budget: i64) -> Stopwatch {
        Stopwatch {
            budget,
            used: 0,
            since: None,
            ran_out: None,
        }
    }

    fn run(&mut self, at: Timestamp) {
        if self.since.is_none() {
            self.since = Some(at);
        }
    }

    fn pause(&mut self, calendar: &dyn BusinessTime, at: Timestamp) {
        let Some(since) = self.since.take() else {
            return;
        };
        let before = self.used;
        self.used += calendar.business_between(since, at).as_millis() as i64;
        if before < self.budget && self.used >= self.budget {
            self.ran_out =
                calendar.due_after(since, SignedDuration::from_millis(self.budget - before));
        }
    }

    fn breached_at(&self) -> Option<Timestamp> {
        self.ran_out.filter(|_| self.used > self.budget)
    }

    /// Where it stands at `now`, with `met_at` when it was stopped for good.
    fn state(
        &self,
        calendar: &dyn BusinessTime,
        now: Timestamp,
        met_at: Option<Timestamp>,
        warning: i64,
    ) -> TargetState {
        let mut at_now = *self;
        at_now.pause(calendar, now);
        if let Some(at) = at_now.breached_at() {
            return TargetState::Breached { at, met_at };
        }
        if let Some(at) = met_at {
            return TargetState::Met { at };
        }
        match self.since {
            Some(since) => TargetState::Running {
                due: if self.used < self.budget {
                    calendar.due_after(since, SignedDuration::from_millis(self.budget - self.used))
                } else {
                    self.ran_out
                },
                warn_at: (at_now.used < warning)
                    .then(|| {
                        calendar.due_after(since, SignedDuration::from_millis(warning - self.used))
                    })
                    .flatten(),
            },
            None => TargetState::Paused {
                left: SignedDuration::from_millis(self.budget - self.used),
            },
        }
    }

    fn used_at(&self, calendar: &dyn BusinessTime, now: Timestamp) -> SignedDuration {
        let mut at_now = *self;
        at_now.pause(calendar, now);
        SignedDuration::from_millis(at_now.used)
    }
}

text_enum!(
    /// Which line a target's clock crossed: the warning share, or the target itself.
    AlarmStage, "stage" {
        Warning => "warning",
        Breach => "breach",
    }
);

/// A line a target's clock has crossed and not yet been met: people are told once per
/// (target, stage, due time). A next-response target falls due again after every customer
/// message, with a new due time, so it can alarm again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alarm {
    pub kind: TargetKind,
    pub stage: AlarmStage,
    pub due: Timestamp,
    pub business_minutes: u32,
}

impl Alarm {
    /// The event that tells staff of this alarm on `case` (staff only), naming the ask raised
    /// with it, if any.
    pub fn event(&self, case: &crate::case::Case, ask_id: Option<crate::ids::AskId>) -> NewEvent {
        let payload = CaseTargetAlarm {
            number: case.number,
            target: self.kind,
            business_minutes: self.business_minutes,
            due: self.due,
            owner_id: case.owner_id,
            team_id: case.team_id,
            ask_id,
        };
        let payload = match self.stage {
            AlarmStage::Warning => Payload::CaseTargetWarning(payload),
            AlarmStage::Breach => Payload::CaseTargetBreached(payload),
        };
        NewEvent::new(None, payload).about_case(case.id, crate::event::Audience::Staff)
    }

    /// The event kind that records this alarm.
    pub fn event_kind(&self) -> EventKind {
        match self.stage {
            AlarmStage::Warning => EventKind::CaseTargetWarning,
            AlarmStage::Breach => EventKind::CaseTargetBreached,
        }
    }

    /// Whether `payload` (of a case's earlier event) recorded this very alarm: same stage,
    /// target and due time. A store checks this before writing an alarm, so each is told once.
    pub fn recorded_by(&self, payload: &Payload) -> bool {
        let (stage, p) = match payload {
            Payload::CaseTargetWarning(p) => (AlarmStage::Warning, p),
            Payload::CaseTargetBreached(p) => (AlarmStage::Breach, p),
            _ => return false,
        };
        stage == self.stage && p.target == self.kind && p.due == self.due
    }
}

/// The alarms `readings` (taken at one moment) stand at: a running target past its warning
/// share warns about its due time; a target breached and not met since is a breach.
pub fn alarms(readings: &[TargetReading]) -> Vec<Alarm> {
    readings
        .iter()
        .filter_map(|r| {
            let (stage, due) = match r.state {
                TargetState::Running {
                    due: Some(due),
                    warn_at: None,
                } => (AlarmStage::Warning, due),
                TargetState::Breached { at, met_at: None } => (AlarmStage::Breach, at),
                _ => return None,
            };
            Some(Alarm {
                kind: r.kind,
                stage,
                due,
                business_minutes: r.business_minutes,
            })
        })
        .collect()
}

/// When the next alarm of `readings` falls: the earliest warning time or due time still to
/// come. `None` when no clock runs towards one (paused, met, idle, never due).
pub fn next_alarm(readings: &[TargetReading]) -> Option<Timestamp> {
    readings
        .iter()
        .filter_map(|r| match r.state {
            TargetState::Running {
                warn_at: Some(w), ..
            } => Some(w),
            TargetState::Running { due, warn_at: None } => due,
            _ => None,
        })
        .min()
}

/// Whether a status lets a target's clock run.
fn runs_in(status: CaseStatus, target: &Target) -> bool {
    match status {
        CaseStatus::New | CaseStatus::Open => true,
        CaseStatus::WaitingOnCustomer => !target.pause_while_waiting,
        CaseStatus::Resolved | CaseStatus::Closed => false,
    }
}

fn finished(status: CaseStatus) -> bool {
    matches!(status, CaseStatus::Resolved | CaseStatus::Closed)
}

/// Read `target` on a case with `history` (in order) at `now`; happenings after `now` are
/// not looked at.
pub fn read(
    target: &Target,
    calendar: &dyn BusinessTime,
    history: &[Happening],
    now: Timestamp,
) -> TargetReading {
    let history = history.iter().filter(|h| h.at <= now);
    let mut clock = Stopwatch::new(target.budget());
    let mut met_at = None;
    let (mut met, mut breached) = (0, 0);
    let mut status = CaseStatus::New;
    // Next response: whether staff have answered once (before that, first response
    // covers the customer's messages) and whether an answer is owed now.
    let (mut answered, mut owed) = (false, false);
    let tally = |clock: &Stopwatch, met: &mut u32, breached: &mut u32| {
        if clock.breached_at().is_some() {
            *breached += 1;
        } else {
            *met += 1;
        }
    };
    for h in history {
        match (target.kind, h.moment) {
            (TargetKind::Resolution | TargetKind::FirstResponse, Moment::Opened) => {
                clock.run(h.at);
            }
            (TargetKind::FirstResponse, Moment::StaffReply) if met_at.is_none() => {
                clock.pause(calendar, h.at);
                met_at = Some(h.at);
            }
            // Resolution follows every status; first response until the first answer (resolved
            // without one, nothing is owed any more; reopened, it is again).
            (TargetKind::Resolution | TargetKind::FirstResponse, Moment::Status(to))
                if target.kind == TargetKind::Resolution || !answered =>
            {
                status = to;
                if finished(to) {
                    clock.pause(calendar, h.at);
                    met_at = Some(h.at);
                } else {
                    met_at = None;
                    if runs_in(to, target) {
                        clock.run(h.at);
                    } else {
                        clock.pause(calendar, h.at);
                    }
                }
            }
            (TargetKind::NextResponse, Moment::CustomerMessage) if answered && !owed => {
                owed = true;
                met_at = None;
                clock = Stopwatch::new(target.budget());
                if runs_in(status, target) || finished(status) {
                    // A message reopens a finished case; its status change follows.
                    clock.run(h.at);
                }
            }
            (TargetKind::NextResponse, Moment::StaffReply) => {
                if owed {
                    clock.pause(calendar, h.at);
                    met_at = Some(h.at);
                    tally(&clock, &mut met, &mut breached);
                    owed = false;
                }
                answered = true;
            }
            (TargetKind::NextResponse, Moment::Status(to)) => {
                status = to;
                if owed {
                    if finished(to) {
                        clock.pause(calendar, h.at);
                        met_at = Some(h.at);
                        tally(&clock, &mut met, &mut breached);
                        owed = false;
                    } else if runs_in(to, target) {
                        clock.run(h.at);
                    } else {
                        clock.pause(calendar, h.at);
                    }
                }
            }
            _ => {}
        }
        if target.kind == TargetKind::FirstResponse && h.moment == Moment::StaffReply {
            answered = true;
        }
    }
    let state = if target.kind == TargetKind::NextResponse && !owed && met_at.is_none() {
        TargetState::Idle
    } else {
        clock.state(calendar, now, met_at, target.warning_budget())
    };
    if target.kind != TargetKind::NextResponse {
        match state {
            TargetState::Met { .. } => met = 1,
            TargetState::Breached { .. } => breached = 1,
            _ => {}
        }
    } else if owed && matches!(state, TargetState::Breached { .. }) {
        // The answer owed now is late already.
        breached += 1;
    }
    TargetReading {
        kind: target.kind,
        business_minutes: target.business_minutes,
        state,
        used: clock.used_at(calendar, now),
        met,
        breached,
    }
}

#[cfg(test)]
mod tests;
