//! The demo's feelings: customers rating resolved cases (some in words, praise and complaints
//! alike), owners saying how the customer seemed and how the case felt to them at close, and
//! twelve weeks of front-line pulses.
//!
//! The story: each team's week has a morale, a slow wave of its own plus noise. Employees'
//! answers follow their team's morale; customers' ratings follow it too (a team having a bad
//! week serves worse), plus how fast the case was resolved. So the CX/EX mirror has something
//! to show, and its correlation is computed from these answers like any other. Employees read
//! customers a little optimistically, so the observed/stated gap is mostly above zero. Team 4
//! (four members) never reaches five respondents in a week from pulses alone, which shows the
//! anonymity threshold at work.

use anyhow::{Context as _, Result};
use frontline_core::feeling::{Emotion, FeelingKind, FeelingSource, NewFeeling, Score, Verbatim};
use frontline_core::standard_work::Cadence;
use frontline_core::{Case, CaseStatus, PersonId, TeamId, Timestamp};
use frontline_store::Store;
use futures_util::StreamExt;
use jiff::SignedDuration;

use super::plan::{Action, CasePlan};
use super::retime::Retimer;
use super::rng::Rng;

/// Weeks of pulses before the anchor (the current week included).
const PULSE_WEEKS: usize = 12;

const PRAISE: &[&str] = &[
    "Quick, friendly and sorted first time. Thank you!",
    "You kept me posted at every step, which made all the difference.",
    "Really appreciated that you called me back instead of making me chase.",
    "The replacement arrived the next day. Brilliant service.",
    "Clear explanation of the bill, no jargon. Thank you for your patience.",
    "You fixed it before I even finished explaining. Impressive.",
    "Honest about what went wrong and what you would do. That builds trust.",
];

const MIXED: &[&str] = &[
    "Got there in the end, but I had to explain the problem twice.",
    "Fine, although waiting for the courier update took days.",
    "Resolved, but the refund took longer than promised.",
];

const COMPLAINTS: &[&str] = &[
    "I had to explain the problem three times to different people.",
    "Waiting for the courier update took days and nobody called me back.",
    "The refund took two weeks longer than promised.",
    "Nobody told me the order was split into two parcels.",
    "The invoice still shows the old price after all this.",
    "I was promised a call back that never came.",
];

const OBSTACLES: &[&str] = &[
    "The carrier portal was down, so I could not see where the parcel was.",
    "I needed approval for the refund and waited a day for it.",
    "The billing system shows the wrong plan and I cannot correct it myself.",
    "Too many cases at once this week; I could not give this one the time it needed.",
    "The customer had been passed around before reaching me.",
];

const PULSE_NOTES: &[&str] = &[
    "Good week: the team covered for each other.",
    "Too many escalations waiting on approvals.",
    "The new refund guideline made things much easier.",
    "Tired; the queue never seemed to shrink.",
    "Loved the customer who sent a thank-you card.",
];

/// What the demo wrote.
#[derive(Clone, Debug, Default)]
pub struct Seeded {
    pub ratings: usize,
    pub praise: usize,
    pub observed: usize,
    pub own: usize,
    pub pulses: usize,
}

pub struct Input<'a> {
    pub seed: u64,
    pub anchor: Timestamp,
    pub cases: &'a [(CasePlan, Case)],
    /// Current members of each team (by team index), and the index of each team.
    pub members: &'a [Vec<PersonId>],
    pub team_index: &'a std::collections::HashMap<TeamId, usize>,
    pub concurrency: usize,
}

/// A team's morale in the week starting at `at`: a slow wave of its own in [-1, 1], plus noise.
fn morale(seed: u64, team: usize, at: Timestamp) -> f64 {
    let week = at.as_second().div_euclid(7 * 24 * 3600);
    let phase = team as f64 * 1.7;
    let wave = ((week as f64) / 2.3 + phase).sin() * 0.8;
    let mut rng = Rng::derive(seed, "morale", (team as u64) << 32 | week as u64);
    (wave + (rng.unit() - 0.5) * 0.4).clamp(-1.0, 1.0)
}

fn clamp_score(x: f64) -> Score {
    Score::new(x.round().clamp(1.0, 5.0) as i64).unwrap_or_else(|_| unreachable!())
}

fn emotion_for(score: u8, rng: &mut Rng) -> Emotion {
    let choices: &[Emotion] = match score {
        5 => &[Emotion::Delighted, Emotion::Relieved],
        4 => &[Emotion::Satisfied, Emotion::Relieved],
        3 => &[Emotion::Indifferent, Emotion::Confused, Emotion::Satisfied],
        2 => &[
            Emotion::Disappointed,
            Emotion::Frustrated,
            Emotion::Confused,
        ],
        _ => &[Emotion::Angry, Emotion::Frustrated],
    };
    *rng.pick(choices)
}

fn verbatim(text: &str) -> Option<Verbatim> {
    Verbatim::parse(text).ok()
}

/// When the plan resolves the case for the last time (a reopened case counts from its last
/// resolution), as `cases::write` replays it.
fn planned_resolution(plan: &CasePlan) -> Option<Timestamp> {
    let mut resolved_at = None;
    for step in &plan.steps {
        if let Action::Status(to) = step.action {
            resolved_at = match to {
                CaseStatus::Resolved => Some(step.at),
                CaseStatus::Closed => resolved_at,
                _ => None,
            };
        }
    }
    resolved_at
}

/// One feeling to write at its time.
struct Planned {
    new: NewFeeling,
    at: Timestamp,
}

fn plan(input: &Input<'_>) -> Vec<Planned> {
    let mut out = Vec::new();
    for (plan, case) in input.cases {
        // The stored case was written at seeding time; its planned resolution is the time
        // the retimer gives it, so feelings follow that.
        let (Some(resolved_at), Some(owner)) = (planned_resolution(plan), case.owner_id) else {
            continue;
        };
        if !matches!(case.status, CaseStatus::Resolved | CaseStatus::Closed) {
            continue;
        }
        let mut rng = Rng::derive(input.seed, "feelings", plan.index as u64);
        let team = case
            .team_id
            .and_then(|t| input.team_index.get(&t).copied())
            .unwrap_or(0);
        let mood = morale(input.seed, team, resolved_at);
        let hours = resolved_at.duration_since(case.created_at).as_secs_f64() / 3600.0;
        let speed = if hours < 8.0 {
            0.6
        } else if hours < 48.0 {
            0.1
        } else {
            -0.6
        };
        // Slow cases leave a tail of furious customers, as real rating data shows.
        let stated = if speed < 0.0 && rng.chance(0.15) {
            clamp_score(1.0)
        } else {
            clamp_score(3.5 + 0.9 * mood + speed + (rng.unit() - 0.5) * 1.6)
        };
        let before_anchor = |t: Timestamp| (t < input.anchor).then_some(t);
        // About two in five customers rate, a few hours to two days after resolution.
        let rated_at = resolved_at + SignedDuration::from_mins(rng.between(20, 48 * 60));
        if rng.chance(0.42)
            && let Some(at) = before_anchor(rated_at)
        {
            let text = match stated.get() {
                4..=5 if rng.chance(0.6) => verbatim(rng.pick::<&str>(PRAISE)),
                3 if rng.chance(0.5) => verbatim(rng.pick::<&str>(MIXED)),
                1..=2 if rng.chance(0.75) => verbatim(rng.pick::<&str>(COMPLAINTS)),
                _ => None,
            };
            out.push(Planned {
                new: NewFeeling {
                    kind: FeelingKind::Customer,
                    source: if rng.chance(0.7) {
                        FeelingSource::Link
                    } else {
                        FeelingSource::Portal
                    },
                    person_id: case.customer_id,
                    case_id: Some(case.id),
                    score: stated,
                    emotion: Some(emotion_for(stated.get(), &mut rng)),
                    text,
                },
                at,
            });
        }
        // Owners read customers a little optimistically.
        if rng.chance(0.6) {
            let observed = clamp_score(f64::from(stated.get()) + 0.5 + (rng.unit() - 0.5) * 1.4);
            out.push(Planned {
                new: NewFeeling {
                    kind: FeelingKind::Observed,
                    source: FeelingSource::Case,
                    person_id: owner,
                    case_id: Some(case.id),
                    score: observed,
                    emotion: Some(emotion_for(observed.get(), &mut rng)),
                    text: None,
                },
                at: resolved_at,
            });
        }
        if rng.chance(0.55) {
            let own = clamp_score(3.4 + 1.1 * mood + (rng.unit() - 0.5) * 1.4);
            out.push(Planned {
                new: NewFeeling {
                    kind: FeelingKind::Own,
                    source: FeelingSource::Case,
                    person_id: owner,
                    case_id: Some(case.id),
                    score: own,
                    emotion: rng.chance(0.6).then(|| emotion_for(own.get(), &mut rng)),
                    text: (own.get() <= 3 && rng.chance(0.6))
                        .then(|| verbatim(rng.pick::<&str>(OBSTACLES)))
                        .flatten(),
                },
                at: resolved_at,
            });
        }
    }
    // Pulses: most members answer most weeks, on a weekday.
    // Each person answers for their first team, in the org's own order (ids are random,
    // so they must not drive the choices).
    let mut seen = std::collections::HashSet::new();
    let mut people: Vec<(PersonId, usize)> = Vec::new();
    for (team, members) in input.members.iter().enumerate() {
        for person in members {
            if seen.insert(*person) {
                people.push((*person, team));
            }
        }
    }
    let this_week = Cadence::Weekly.period_at(input.anchor);
    let mut weeks = Cadence::Weekly.previous_periods(input.anchor, PULSE_WEEKS - 1);
    weeks.push(this_week);
    for (i, (person, team)) in people.iter().enumerate() {
        for (w, week) in weeks.iter().enumerate() {
            let mut rng = Rng::derive(input.seed, "pulse", (w as u64) << 32 | i as u64);
            if !rng.chance(0.8) {
                continue;
            }
            let at =
                week.start + SignedDuration::from_mins(rng.between(9 * 60, 4 * 24 * 60 + 17 * 60));
            if at >= input.anchor {
                continue;
            }
            let mood = morale(input.seed, *team, week.start);
            let score = clamp_score(3.4 + 1.2 * mood + (rng.unit() - 0.5) * 1.2);
            out.push(Planned {
                new: NewFeeling {
                    kind: FeelingKind::Pulse,
                    source: FeelingSource::Pulse,
                    person_id: *person,
                    case_id: None,
                    score,
                    emotion: rng.chance(0.5).then(|| emotion_for(score.get(), &mut rng)),
                    text: rng
                        .chance(0.15)
                        .then(|| verbatim(rng.pick::<&str>(PULSE_NOTES)))
                        .flatten(),
                },
                at,
            });
        }
    }
    out.sort_by_key(|p| p.at);
    out
}

/// Write the demo's feelings, each at its own time, several at once.
pub async fn write(
    store: &std::sync::Arc<dyn Store>,
    input: Input<'_>,
    retimer: &mut Retimer,
) -> Result<Seeded> {
    let planned = plan(&input);
    let mut seeded = Seeded::default();
    let mut results = futures_util::stream::iter(planned)
        .map(|p| {
            let store = store.clone();
            async move {
                let kind = p.new.kind;
                store
                    .record_feeling(p.new, Some(p.at))
                    .await
                    .map(|w| (kind, p.at, w))
            }
        })
        .buffered(input.concurrency.max(1));
    while let Some(result) = results.next().await {
        let (kind, at, written) = result.context("could not write a demo feeling")?;
        retimer.events(&written, at);
        match kind {
            FeelingKind::Customer => {
                seeded.ratings += 1;
                if written.value.is_praise() {
                    seeded.praise += 1;
                }
            }
            FeelingKind::Observed => seeded.observed += 1,
            FeelingKind::Own => seeded.own += 1,
            FeelingKind::Pulse => seeded.pulses += 1,
        }
    }
    Ok(seeded)
}
