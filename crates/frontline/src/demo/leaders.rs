//! Leaders on the tools in the demo: each support employee takes shifts answering customers
//! on cases of the teams they support, more or less often, so the customer-time ledger has a
//! story: the Head of Customer Care is on the tools every few days and meets the goal easily,
//! the Operations and Coaching leads meet it, the Head of Billing falls short, the
//! Engineering Lead was last on the tools weeks ago, and the CEO's last shift was about six
//! weeks ago, so her distance shows. Every reply is a real public message on a case that was
//! live at the time (opened before, its conversation still going on).
//!
//! Each support employee also keeps leader standard work: plain items ticked in most past
//! periods (some missed), and items proven by activity, which are never ticked.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};
use frontline_core::standard_work::{Cadence, ItemTitle, Metric, NewStandardWorkItem, Proof};
use frontline_core::{Case, CaseStatus, MessageBody, PersonId, Timestamp, Visibility};
use frontline_store::{NewMessage, Store};
use jiff::SignedDuration;

use super::org::{STAFF, days_before};
use super::plan::CasePlan;
use super::retime::Retimer;
use super::rng::Rng;

/// How a support employee takes shifts on the tools: every `every_days` days (with a day or
/// so of jitter), from `first_days_ago` down to `last_days_ago`; each shift answers
/// `replies` customers over about `minutes`.
struct Shifts {
    email: &'static str,
    first_days_ago: i64,
    last_days_ago: i64,
    every_days: i64,
    replies: usize,
    minutes: i64,
    /// Cases of any team (the CEO supports everyone), not only the teams they support.
    any_team: bool,
}

const SHIFTS: &[Shifts] = &[
    // The CEO: two shifts, the last about six weeks ago.
    Shifts {
        email: "ceo",
        first_days_ago: 72,
        last_days_ago: 40,
        every_days: 28,
        replies: 5,
        minutes: 70,
        any_team: true,
    },
    Shifts {
        email: "priya.raman",
        first_days_ago: 88,
        last_days_ago: 1,
        every_days: 4,
        replies: 6,
        minutes: 75,
        any_team: false,
    },
    Shifts {
        email: "tomas.ortega",
        first_days_ago: 86,
        last_days_ago: 2,
        every_days: 6,
        replies: 5,
        minutes: 70,
        any_team: false,
    },
    Shifts {
        email: "ingrid.solberg",
        first_days_ago: 80,
        last_days_ago: 5,
        every_days: 12,
        replies: 3,
        minutes: 40,
        any_team: false,
    },
    Shifts {
        email: "kwame.mensah",
        first_days_ago: 70,
        last_days_ago: 19,
        every_days: 25,
        replies: 3,
        minutes: 30,
        any_team: false,
    },
    Shifts {
        email: "yuki.tanaka",
        first_days_ago: 84,
        last_days_ago: 3,
        every_days: 5,
        replies: 4,
        minutes: 60,
        any_team: false,
    },
];

const REPLIES: &[&str] = &[
    "Hello, {name} here: I'm working with the team today and picked up your case. I've read everything so far and I'm on it now.",
    "Thank you for your patience. I've checked this myself and here is where it stands: we are fixing it today and I'll confirm once it's done.",
    "I'm sorry this took longer than it should have. I've made sure it's sorted on our side; please tell me if anything still looks wrong. {name}",
    "I've looked into this personally. You don't need to do anything else; I'll keep an eye on it until it's closed. Best, {name}",
    "Thanks for the details, they helped. I've passed the fix to the right people and asked them to confirm by tomorrow. {name}",
];

/// The standard work each support employee keeps: (email, title, cadence, proof, how often
/// they tick plain items).
type ItemSpec = (
    &'static str,
    &'static str,
    Cadence,
    Option<(Metric, u32)>,
    f64,
);

const ITEMS: &[ItemSpec] = &[
    (
        "ceo",
        "Walk the front-line cockpit",
        Cadence::Daily,
        None,
        0.7,
    ),
    (
        "ceo",
        "Read ten customer verbatims",
        Cadence::Weekly,
        None,
        0.8,
    ),
    (
        "ceo",
        "Work 3 cases",
        Cadence::Monthly,
        Some((Metric::CasesWorked, 3)),
        0.0,
    ),
    (
        "ceo",
        "Review 2 deviations",
        Cadence::Weekly,
        Some((Metric::ReviewsDone, 2)),
        0.0,
    ),
    (
        "priya.raman",
        "Walk the front-line cockpit",
        Cadence::Daily,
        None,
        0.85,
    ),
    (
        "priya.raman",
        "Work 10 cases",
        Cadence::Weekly,
        Some((Metric::CasesWorked, 10)),
        0.0,
    ),
    (
        "priya.raman",
        "Unblock 2 asks",
        Cadence::Weekly,
        Some((Metric::AsksResolved, 2)),
        0.0,
    ),
    (
        "tomas.ortega",
        "Review the queues with each team",
        Cadence::Weekly,
        None,
        0.75,
    ),
    (
        "tomas.ortega",
        "Spend an hour with customers",
        Cadence::Weekly,
        Some((Metric::MinutesWithCustomers, 60)),
        0.0,
    ),
    (
        "ingrid.solberg",
        "Review 3 deviations",
        Cadence::Weekly,
        Some((Metric::ReviewsDone, 3)),
        0.0,
    ),
    (
        "ingrid.solberg",
        "Sit with a billing case from start to finish",
        Cadence::Monthly,
        None,
        0.6,
    ),
    (
        "kwame.mensah",
        "Fix one thing the front line asked for",
        Cadence::Weekly,
        None,
        0.5,
    ),
    (
        "kwame.mensah",
        "Reply to 10 customers",
        Cadence::Monthly,
        Some((Metric::PublicReplies, 10)),
        0.0,
    ),
    (
        "yuki.tanaka",
        "Coach one front-line employee",
        Cadence::Daily,
        None,
        0.65,
    ),
    (
        "yuki.tanaka",
        "Review 5 deviations",
        Cadence::Weekly,
        Some((Metric::ReviewsDone, 5)),
        0.0,
    ),
];

/// Standard work starts this many days before the anchor.
const ITEMS_SINCE_DAYS: i64 = 84;

/// What was written, for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Public replies written in shifts, per support employee (email).
    pub replies: BTreeMap<&'static str, usize>,
    pub items: usize,
    pub ticks: usize,
}

pub struct Input<'a> {
    pub seed: u64,
    pub anchor: Timestamp,
    /// Staff in `org::STAFF` order.
    pub staff: &'a [PersonId],
    /// Current supporters of each team (by team index) and the team index of each team id.
    pub supporters: &'a [Vec<PersonId>],
    pub team_index: &'a std::collections::HashMap<frontline_core::TeamId, usize>,
    pub cases: &'a [(CasePlan, Case)],
}

fn staff_id(input: &Input<'_>, email: &str) -> Option<PersonId> {
    STAFF
        .iter()
        .position(|s| s.email == email)
        .and_then(|i| input.staff.get(i).copied())
}

/// `minutes` after 09:00 UTC on the day `days_ago` days before the anchor.
fn business_hours(anchor: Timestamp, days_ago: i64, minutes: i64) -> Timestamp {
    let day = days_before(anchor, days_ago)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    day.at(9, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_or(days_before(anchor, days_ago), |z| z.timestamp())
        + SignedDuration::from_mins(minutes)
}

/// Whether a case's conversation was going on at `at`, and a staff reply then would not
/// change how it ended (never on a case still new or now closed).
fn live_at(plan: &CasePlan, case: &Case, at: Timestamp) -> bool {
    let last = plan.steps.last().map_or(plan.created_at, |s| s.at);
    let open_ended = matches!(
        case.status,
        CaseStatus::Open | CaseStatus::WaitingOnCustomer
    );
    plan.created_at < at
        && (at < last || open_ended)
        && matches!(
            case.status,
            CaseStatus::Open | CaseStatus::WaitingOnCustomer | CaseStatus::Resolved
        )
}

/// Write the shifts' replies and the standard work.
pub async fn write(store: &dyn Store, input: Input<'_>, retimer: &mut Retimer) -> Result<Seeded> {
    let mut seeded = Seeded::default();
    for (index, shifts) in SHIFTS.iter().enumerate() {
        let Some(leader) = staff_id(&input, shifts.email) else {
            continue;
        };
        let first_name = STAFF
            .iter()
            .find(|s| s.email == shifts.email)
            .and_then(|s| s.name.split(' ').next())
            .unwrap_or("");
        let teams: Vec<usize> = input
            .supporters
            .iter()
            .enumerate()
            .filter(|(_, people)| people.contains(&leader))
            .map(|(team, _)| team)
            .collect();
        let mut rng = Rng::derive(input.seed, "leader-shifts", index as u64);
        let mut days_ago = shifts.first_days_ago;
        while days_ago >= shifts.last_days_ago {
            // Business hours (UTC), never later than two hours ago.
            let start = business_hours(input.anchor, days_ago, rng.between(0, 6 * 60))
                .min(input.anchor - SignedDuration::from_hours(2));
            let gap = (shifts.minutes / shifts.replies.max(1) as i64).clamp(5, 25);
            let mut candidates: Vec<&(CasePlan, Case)> = input
                .cases
                .iter()
                .filter(|(plan, case)| {
                    (shifts.any_team
                        || case
                            .team_id
                            .and_then(|t| input.team_index.get(&t))
                            .is_some_and(|t| teams.contains(t)))
                        && live_at(
                            plan,
                            case,
                            start + SignedDuration::from_mins(gap * shifts.replies as i64),
                        )
                        && live_at(plan, case, start)
                })
                .collect();
            for reply in 0..shifts.replies {
                if candidates.is_empty() {
                    break;
                }
                let (_, case) = candidates.swap_remove(rng.below(candidates.len()));
                let at = start + SignedDuration::from_mins(gap * reply as i64 + rng.between(0, 3));
                let body = rng.pick(REPLIES).replace("{name}", first_name);
                let added = store
                    .add_message(
                        Some(leader),
                        NewMessage {
                            case_id: case.id,
                            author_id: leader,
                            body: MessageBody::parse(&body)?,
                            visibility: Visibility::Public,
                            created_at: Some(at),
                            idempotency_key: None,
                            attachments: Vec::new(),
                        },
                    )
                    .await
                    .with_context(|| format!("could not write a reply by {}", shifts.email))?;
                retimer.events(&added, at);
                *seeded.replies.entry(shifts.email).or_default() += 1;
            }
            days_ago -= shifts.every_days + rng.between(-1, 1);
        }
    }

    let since = days_before(input.anchor, ITEMS_SINCE_DAYS);
    for (index, (email, title, cadence, proof, tick_rate)) in ITEMS.iter().enumerate() {
        let Some(person) = staff_id(&input, email) else {
            continue;
        };
        let created_at = since + SignedDuration::from_mins(index as i64 * 7);
        let item = store
            .create_standard_work_item(
                Some(person),
                NewStandardWorkItem {
                    person_id: person,
                    title: ItemTitle::parse(title)?,
                    cadence: *cadence,
                    proof: proof.map(|(m, t)| Proof::new(m, t)).transpose()?,
                },
                Some(created_at),
            )
            .await
            .with_context(|| format!("could not create standard work for {email}"))?
            .value;
        seeded.items += 1;
        if proof.is_some() {
            continue;
        }
        let mut rng = Rng::derive(input.seed, "standard-work", index as u64);
        // Every period from the one the item started in up to the current one.
        let mut period = cadence.period_at(created_at);
        while period.start < input.anchor {
            if rng.chance(*tick_rate) {
                let span = (period.end.as_millisecond() - period.start.as_millisecond()) / 60_000;
                let at = (period.start
                    + SignedDuration::from_mins(rng.between(60, (span - 60).max(61))))
                .max(created_at + SignedDuration::from_mins(1))
                .min(input.anchor - SignedDuration::from_mins(1));
                if cadence.period_at(at).key == period.key {
                    store
                        .tick_standard_work(person, item.id, Some(at))
                        .await
                        .with_context(|| format!("could not tick standard work for {email}"))?;
                    seeded.ticks += 1;
                }
            }
            period = cadence.period_at(period.end);
        }
    }
    Ok(seeded)
}
