//! The outcome scoreboard: for each Successful Customer Outcome, how the cases opened in a
//! period went. Pure arithmetic over plain rows (`Store::scoreboard_rows` reads them), so the
//! API, the CSV, the page and the tests compute exactly the same figures.
//!
//! Definitions (the case list's filters use the same ones, so every figure links to exactly
//! the cases behind it):
//! - **cases**: opened (created) in the period, `from` inclusive, `until` exclusive.
//! - **resolved**: of those, the ones with a resolution time now (resolved or closed; a
//!   reopened case is not resolved until it is resolved again).
//! - **achieved**: resolved with `outcome_achieved = yes`. The **achieved rate** is achieved
//!   over resolved: a case still open has not had its chance yet.
//! - **time to outcome**: created to resolved, over achieved cases; the median and the 90th
//!   percentile by nearest rank (always a time some case took).
//! - **within target**: achieved cases whose time to outcome is at most the outcome's target;
//!   the rest of the achieved cases are over target.
//! - **feelings** are those about the same cases: customers' ratings (mean and count) and
//!   employees' own feelings at close, whose mean is shown only when at least
//!   [`MIN_RESPONDENTS`] different employees answered (the anonymity threshold of
//!   `feeling::figures`).

use std::collections::HashMap;

use serde::Serialize;

use crate::case::OutcomeAchieved;
use crate::feeling::FeelingKind;
use crate::feeling::figures::{EmployeeFigure, MIN_RESPONDENTS, Mean};
use crate::ids::OutcomeId;
use crate::org::Outcome;
use crate::time::Timestamp;

/// One case as the scoreboard needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreCase {
    pub outcome_id: OutcomeId,
    pub created_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub achieved: OutcomeAchieved,
}

/// The feelings of one kind about one outcome's cases, summed by the store: at most one
/// tally per outcome and kind (respondents cannot be added up across tallies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeelingTally {
    pub outcome_id: OutcomeId,
    pub kind: FeelingKind,
    pub answers: u32,
    /// The sum of the scores (1–5 each).
    pub score_sum: u64,
    /// Different people who answered.
    pub respondents: u32,
}

/// Everything the scoreboard reads for one period: the cases opened in it, and the customer
/// and own feelings about those cases per outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScoreboardRows {
    pub cases: Vec<ScoreCase>,
    pub feelings: Vec<FeelingTally>,
}

/// The median and 90th percentile of a set of durations, in whole minutes (rounded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimeToOutcome {
    pub median_minutes: u64,
    pub p90_minutes: u64,
}

/// One outcome's row of the scoreboard.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutcomeScore {
    pub outcome_id: OutcomeId,
    pub target_minutes: u32,
    pub cases: u32,
    pub resolved: u32,
    pub achieved: u32,
    /// Resolved with `outcome_achieved = no`.
    pub not_achieved: u32,
    /// `achieved / resolved` (0 to 1, two decimals); `None` with nothing resolved.
    pub achieved_rate: Option<f64>,
    /// Over achieved cases; `None` with none.
    pub time_to_outcome: Option<TimeToOutcome>,
    pub within_target: u32,
    pub over_target: u32,
    /// `within_target / achieved` (0 to 1, two decimals); `None` with no achieved case.
    pub within_target_share: Option<f64>,
    /// Customers' ratings of these cases; `None` with none.
    pub customer: Option<Mean>,
    /// Employees' own feelings about these cases; the mean only over enough people.
    pub employee: EmployeeFigure,
}

/// A case's time to outcome in milliseconds, when it has one (resolved).
pub fn time_to_outcome_ms(case: &ScoreCase) -> Option<i64> {
    case.resolved_at
        .map(|resolved| resolved.as_millisecond() - case.created_at.as_millisecond())
}

/// Whether a resolved case took longer than `target_minutes`. `None` when not resolved.
pub fn over_target(case: &ScoreCase, target_minutes: u32) -> Option<bool> {
    time_to_outcome_ms(case).map(|ms| ms > i64::from(target_minutes) * 60_000)
}

/// The value at percentile `pct` (1–100) of sorted values, by nearest rank.
fn nearest_rank(sorted: &[i64], pct: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (n * pct as usize).div_ceil(100).max(1);
    Some(sorted[rank.min(n) - 1])
}

fn minutes(ms: i64) -> u64 {
    // Clocks can disagree by a little; a negative duration counts as none.
    u64::try_from((ms.max(0) + 30_000) / 60_000).unwrap_or(0)
}

fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| (f64::from(part) / f64::from(whole) * 100.0).round() / 100.0)
}

fn mean_of(sum: u64, count: u32) -> Option<f64> {
    (count > 0).then(|| (sum as f64 / f64::from(count) * 100.0).round() / 100.0)
}

/// The scoreboard: one row per outcome, in the order given (outcomes without cases
/// included, with zeros). Cases and feelings of outcomes not listed are ignored.
pub fn score(outcomes: &[Outcome], rows: &ScoreboardRows) -> Vec<OutcomeScore> {
    let mut by_outcome: HashMap<OutcomeId, Vec<&ScoreCase>> = HashMap::new();
    for case in &rows.cases {
        by_outcome.entry(case.outcome_id).or_default().push(case);
    }
    outcomes
        .iter()
        .map(|outcome| {
            let cases = by_outcome.remove(&outcome.id).unwrap_or_default();
            let tally = |kind: FeelingKind| {
                rows.feelings
                    .iter()
                    .find(|t| t.outcome_id == outcome.id && t.kind == kind)
                    .map_or((0, 0, 0), |t| (t.answers, t.score_sum, t.respondents))
            };
            score_one(
                outcome,
                &cases,
                tally(FeelingKind::Customer),
                tally(FeelingKind::Own),
            )
        })
        .collect()
}

fn score_one(
    outcome: &Outcome,
    cases: &[&ScoreCase],
    (rated, rating_sum, _): (u32, u64, u32),
    (own_answers, own_sum, own_people): (u32, u64, u32),
) -> OutcomeScore {
    let count = |keep: &dyn Fn(&ScoreCase) -> bool| -> u32 {
        u32::try_from(cases.iter().filter(|c| keep(c)).count()).unwrap_or(u32::MAX)
    };
    let resolved = |c: &ScoreCase| c.resolved_at.is_some();
    let achieved = |c: &ScoreCase| resolved(c) && c.achieved == OutcomeAchieved::Yes;
    let mut durations: Vec<i64> = cases
        .iter()
        .filter(|c| achieved(c))
        .filter_map(|c| time_to_outcome_ms(c))
        .collect();
    durations.sort_unstable();
    let resolved_count = count(&resolved);
    let achieved_count = count(&achieved);
    let within = count(&|c| achieved(c) && over_target(c, outcome.target_minutes) == Some(false));
    let time_to_outcome = match (nearest_rank(&durations, 50), nearest_rank(&durations, 90)) {
        (Some(median), Some(p90)) => Some(TimeToOutcome {
            median_minutes: minutes(median),
            p90_minutes: minutes(p90),
        }),
        _ => None,
    };
    OutcomeScore {
        outcome_id: outcome.id,
        target_minutes: outcome.target_minutes,
        cases: u32::try_from(cases.len()).unwrap_or(u32::MAX),
        resolved: resolved_count,
        achieved: achieved_count,
        not_achieved: count(&|c| resolved(c) && c.achieved == OutcomeAchieved::No),
        achieved_rate: share(achieved_count, resolved_count),
        time_to_outcome,
        within_target: within,
        over_target: achieved_count - within,
        within_target_share: share(within, achieved_count),
        customer: mean_of(rating_sum, rated).map(|mean| Mean { mean, count: rated }),
        employee: EmployeeFigure {
            respondents: own_people,
            answers: own_answers,
            mean: mean_of(own_sum, own_answers).filter(|_| own_people >= MIN_RESPONDENTS),
        },
    }
}

#[cfg(test)]
mod tests;
