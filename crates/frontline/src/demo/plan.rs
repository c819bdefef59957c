//! Planning the demo's cases: a pure function from the seed (and today's date) to every case,
//! its conversation and the status it ends in. No store is touched here, so the plan is
//! tested for determinism and for the invariants the store relies on (messages after the case
//! was opened, in order, never in the future).
//!
//! Time: cases are spread over the 90 days up to the end of today (UTC), business hours
//! busier, recent weeks busier. Everything is generated as offsets on that calendar; cases and
//! replies that would fall later than now today are squeezed into the part of today that has
//! passed, so the same seed gives the same cases on any day at any hour.

use frontline_core::{CaseStatus, Channel, OutcomeAchieved, Priority, Timestamp};

use super::conversation::Conversation;
use super::names::CustomerSpec;
use super::outcomes::OUTCOMES;
use super::rng::Rng;
use super::stories::{self, Vars};

pub const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 60 * MINUTE_MS;
/// How far back the demo's history goes.
pub const DAYS: i64 = 90;
/// Customers who come back often (the demo customer is one) open a sixth of all cases.
const REGULARS: usize = 30;

/// Who writes a message; the staff member is known only once the store has routed the case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Author {
    Customer,
    /// Whoever owns the case when the message is written.
    Owner,
    /// A support employee of the case's team (leaders on the tools).
    Supporter,
}

/// One turn of a conversation, at the time it happens.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub at: Timestamp,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Message {
        author: Author,
        body: String,
        internal: bool,
    },
    Status(CaseStatus),
    Achieved(OutcomeAchieved),
    Tags(Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct CasePlan {
    pub index: usize,
    /// Index into the customers.
    pub customer: usize,
    /// Index into `outcomes::OUTCOMES`.
    pub outcome: usize,
    pub subject: String,
    pub opening: String,
    pub channel: Channel,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub created_at: Timestamp,
    pub steps: Vec<Step>,
    /// The status the case ends in.
    pub status: CaseStatus,
    /// A random number for choices made while writing (which team member, which supporter).
    pub pick: usize,
}

/// Plan `count` cases for `customers`, oldest first.
pub fn plan_cases(
    seed: u64,
    count: usize,
    customers: &[CustomerSpec],
    now: Timestamp,
) -> Vec<CasePlan> {
    let clock = Clock::new(now);
    let mut plans: Vec<CasePlan> = (0..count)
        .map(|i| plan_case(seed, i, customers, &clock))
        .collect();
    plans.sort_by_key(|p| (p.created_at, p.index));
    plans
}

/// Maps the nominal calendar (offsets from the end of today) onto real time before `now`.
struct Clock {
    midnight: i64,
    now: i64,
    /// How much of today has passed, less a margin so nothing lands in the future.
    today_ms: i64,
}

impl Clock {
    fn new(now: Timestamp) -> Self {
        let now = now.as_millisecond();
        let midnight = now - now.rem_euclid(DAY_MS);
        Self {
            midnight,
            now,
            today_ms: (now - midnight - 5 * MINUTE_MS).max(0),
        }
    }

    fn day_end(&self) -> i64 {
        self.midnight + DAY_MS
    }

    /// A nominal time (at most the end of today) as a real time before now.
    fn real(&self, nominal: i64) -> i64 {
        if nominal < self.midnight {
            nominal
        } else {
            let into_today =
                (nominal - self.midnight) as i128 * self.today_ms as i128 / DAY_MS as i128;
            (self.midnight + into_today as i64).min(self.now - 1)
        }
    }
}

const HOUR_WEIGHTS: [f64; 24] = [
    0.15, 0.1, 0.1, 0.1, 0.1, 0.15, 0.3, 0.5, 1.0, 1.4, 1.4, 1.4, 1.1, 1.1, 1.3, 1.3, 1.3, 1.0,
    0.8, 0.8, 0.6, 0.6, 0.3, 0.2,
];

fn plan_case(seed: u64, index: usize, customers: &[CustomerSpec], clock: &Clock) -> CasePlan {
    let mut rng = Rng::derive(seed, "case", index as u64);
    // More cases in recent weeks: the business is growing.
    let day_weights: Vec<f64> = (0..DAYS)
        .map(|d| 1.25 - 0.5 * d as f64 / (DAYS - 1) as f64)
        .collect();
    let day = rng.weighted(&day_weights) as i64;
    let hour = rng.weighted(&HOUR_WEIGHTS) as i64;
    let created =
        clock.midnight - day * DAY_MS + hour * 60 * MINUTE_MS + rng.between(0, 60 * MINUTE_MS - 1);
    let age_hours = (clock.day_end() - created) / (60 * MINUTE_MS);

    let customer = if rng.chance(0.16) || customers.len() <= REGULARS {
        rng.below(REGULARS.min(customers.len()))
    } else {
        REGULARS + rng.below(customers.len() - REGULARS)
    };
    let spec = &customers[customer];
    let weights: Vec<f64> = OUTCOMES.iter().map(|o| o.weight).collect();
    let outcome = rng.weighted(&weights);
    let outcome_key = OUTCOMES[outcome].key;
    let story = rng.pick(stories::for_outcome(outcome_key));
    let vars = Vars::draw(&mut rng, &spec.first_name, outcome_key);

    let priority = priority(&mut rng, story.urgency, spec.vip);
    let channel = [
        Channel::Web,
        Channel::Email,
        Channel::Chat,
        Channel::Phone,
        Channel::Api,
    ][rng.weighted(&[0.35, 0.33, 0.15, 0.1, 0.07])];
    let mut tags: Vec<String> = story
        .tags
        .iter()
        .map(|t| match *t {
            "carrier" => format!("carrier:{}", vars.carrier.to_lowercase().replace(' ', "-")),
            other => other.to_owned(),
        })
        .collect();
    if spec.vip {
        tags.push("vip".into());
    }
    let status = status_for_age(&mut rng, age_hours);
    let subject = vars.fill(story.subject);
    let opening_text = *rng.pick(story.opening);
    let opening = stories::customer_message(&mut rng, &vars, opening_text);
    let mut conversation = Conversation {
        rng,
        vars,
        story,
        priority,
        at: created,
        steps: Vec::new(),
    };
    conversation.play(status, &tags);
    let Conversation {
        mut rng, mut steps, ..
    } = conversation;
    fit_before(&mut steps, created, clock);

    CasePlan {
        index,
        customer,
        outcome,
        subject,
        opening,
        channel,
        priority,
        tags,
        created_at: Timestamp::from_millisecond(clock.real(created)).expect("in range"),
        steps,
        status,
        pick: rng.below(1 << 16),
    }
}

fn priority(rng: &mut Rng, urgency: u8, vip: bool) -> Priority {
    let weights: [f64; 4] = match urgency {
        0 => [0.45, 0.5, 0.05, 0.0],
        1 => [0.1, 0.65, 0.2, 0.05],
        _ => [0.0, 0.35, 0.45, 0.2],
    };
    let level = rng.weighted(&weights) + usize::from(vip && rng.chance(0.5));
    [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ][level.min(3)]
}

/// Recent cases are still being worked; older ones are mostly resolved and closed.
fn status_for_age(rng: &mut Rng, age_hours: i64) -> CaseStatus {
    use CaseStatus::*;
    let weights: [f64; 5] = match age_hours {
        ..24 => [0.35, 0.30, 0.15, 0.20, 0.0],
        24..72 => [0.08, 0.25, 0.20, 0.42, 0.05],
        72..168 => [0.02, 0.10, 0.13, 0.45, 0.30],
        168..336 => [0.0, 0.03, 0.05, 0.22, 0.70],
        _ => [0.0, 0.01, 0.01, 0.05, 0.93],
    };
    [New, Open, WaitingOnCustomer, Resolved, Closed][rng.weighted(&weights)]
}

/// Squeeze a conversation that would run past the end of today into the time available, then
/// map it onto real time, keeping every step strictly after the one before.
fn fit_before(steps: &mut [Step], created: i64, clock: &Clock) {
    let last = steps
        .iter()
        .map(|s| s.at.as_millisecond())
        .max()
        .unwrap_or(created);
    let limit = clock.day_end() - MINUTE_MS;
    let mut previous = clock.real(created);
    for step in steps.iter_mut() {
        let mut nominal = step.at.as_millisecond();
        if last > limit {
            let span = (limit - created).max(1) as i128;
            nominal =
                created + ((nominal - created) as i128 * span / (last - created) as i128) as i64;
        }
        let real = clock.real(nominal).max(previous + 1);
        previous = real;
        step.at = Timestamp::from_millisecond(real).expect("in range");
    }
}
