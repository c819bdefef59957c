//! Feelings turned into figures: per team and outcome, the gap between what employees
//! observed and what customers said, and the CX/EX mirror (customers' and employees' feelings
//! per team per week, with their correlation).
//!
//! Employees' figures obey one rule: a group's mean is shown only when at least
//! [`MIN_RESPONDENTS`] different people answered; below that the figure says how many
//! answered and nothing else, so nobody can work out one colleague's answer.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::{Emotion, Feeling, FeelingKind};
use crate::ids::{CaseId, OutcomeId, PersonId, TeamId};
use crate::standard_work::Period;

/// The fewest people whose answers may be shown together.
pub const MIN_RESPONDENTS: u32 = 5;

/// A mean score (1–5) over `count` answers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Mean {
    pub mean: f64,
    pub count: u32,
}

impl Mean {
    fn of(scores: impl IntoIterator<Item = f64>) -> Option<Mean> {
        let (sum, count) = scores
            .into_iter()
            .fold((0.0, 0u32), |(sum, n), s| (sum + s, n + 1));
        (count > 0).then(|| Mean {
            mean: round2(sum / f64::from(count)),
            count,
        })
    }
}

/// Employees' feeling in a group: the mean only when enough people answered.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct EmployeeFigure {
    /// Different people who answered.
    pub respondents: u32,
    pub answers: u32,
    /// `None` when fewer than [`MIN_RESPONDENTS`] people answered.
    pub mean: Option<f64>,
}

impl EmployeeFigure {
    fn of<'a>(answers: impl IntoIterator<Item = &'a EmployeeAnswer>) -> EmployeeFigure {
        let mut people = BTreeSet::new();
        let mut sum = 0.0;
        let mut count = 0u32;
        for answer in answers {
            people.insert(answer.person_id);
            sum += f64::from(answer.score);
            count += 1;
        }
        let respondents = u32::try_from(people.len()).unwrap_or(u32::MAX);
        EmployeeFigure {
            respondents,
            answers: count,
            mean: (respondents >= MIN_RESPONDENTS && count > 0)
                .then(|| round2(sum / f64::from(count))),
        }
    }

    pub fn hidden(&self) -> bool {
        self.mean.is_none()
    }
}

/// One employee answer (own feeling at close, or pulse) with the teams it speaks for: the
/// case's team for a case, the teams the person belonged to that week for a pulse.
#[derive(Clone, Debug, PartialEq)]
pub struct EmployeeAnswer {
    pub person_id: PersonId,
    pub teams: Vec<TeamId>,
    pub score: u8,
    pub at: crate::time::Timestamp,
}

/// What employees observed against what customers said, over cases that have both.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Gap {
    pub cases: u32,
    pub observed: f64,
    pub stated: f64,
    /// Observed minus stated: above 0, employees think customers feel better than they say.
    pub gap: f64,
}

/// Feelings of one team or outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupFeelings<K> {
    pub key: K,
    /// Customers' ratings.
    pub customer: Option<Mean>,
    /// How often customers chose each word, most chosen first.
    pub emotions: Vec<(Emotion, u32)>,
    pub gap: Option<Gap>,
    /// Employees' own feelings and pulses; `None` for outcomes (employees answer for
    /// themselves and their team, not for an outcome).
    pub employee: Option<EmployeeFigure>,
}

/// Per team: customers' ratings of the team's cases, the observed/stated gap and the
/// employees' figure. Teams with nothing at all are left out.
pub fn by_team(
    customer: &[Feeling],
    observed: &[Feeling],
    employees: &[EmployeeAnswer],
) -> Vec<GroupFeelings<TeamId>> {
    let mut teams: BTreeSet<TeamId> = customer.iter().filter_map(|f| f.team_id).collect();
    teams.extend(employees.iter().flat_map(|a| a.teams.iter().copied()));
    teams
        .into_iter()
        .map(|team| {
            let rated: Vec<&Feeling> = customer
                .iter()
                .filter(|f| f.team_id == Some(team))
                .collect();
            GroupFeelings {
                key: team,
                customer: Mean::of(rated.iter().map(|f| f64::from(f.score.get()))),
                emotions: emotions(&rated),
                gap: gap(&rated, observed),
                employee: Some(EmployeeFigure::of(
                    employees.iter().filter(|a| a.teams.contains(&team)),
                )),
            }
        })
        .collect()
}

/// Per outcome: customers' ratings and the observed/stated gap.
pub fn by_outcome(customer: &[Feeling], observed: &[Feeling]) -> Vec<GroupFeelings<OutcomeId>> {
    let outcomes: BTreeSet<OutcomeId> = customer.iter().filter_map(|f| f.outcome_id).collect();
    outcomes
        .into_iter()
        .map(|outcome| {
            let rated: Vec<&Feeling> = customer
                .iter()
                .filter(|f| f.outcome_id == Some(outcome))
                .collect();
            GroupFeelings {
                key: outcome,
                customer: Mean::of(rated.iter().map(|f| f64::from(f.score.get()))),
                emotions: emotions(&rated),
                gap: gap(&rated, observed),
                employee: None,
            }
        })
        .collect()
}

fn emotions(rated: &[&Feeling]) -> Vec<(Emotion, u32)> {
    let mut counts: BTreeMap<Emotion, u32> = BTreeMap::new();
    for emotion in rated.iter().filter_map(|f| f.emotion) {
        *counts.entry(emotion).or_default() += 1;
    }
    let mut counts: Vec<(Emotion, u32)> = counts.into_iter().collect();
    // Most chosen first; ties keep the fixed order of the words.
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts
}

/// Pairs each rated case with the mean of what its employees observed.
fn gap(rated: &[&Feeling], observed: &[Feeling]) -> Option<Gap> {
    let mut seen: HashMap<CaseId, (f64, u32)> = HashMap::new();
    for f in observed {
        if let Some(case) = f.case_id {
            let entry = seen.entry(case).or_default();
            entry.0 += f64::from(f.score.get());
            entry.1 += 1;
        }
    }
    let pairs: Vec<(f64, f64)> = rated
        .iter()
        .filter_map(|f| {
            let (sum, n) = seen.get(&f.case_id?)?;
            Some((sum / f64::from(*n), f64::from(f.score.get())))
        })
        .collect();
    let cases = u32::try_from(pairs.len()).ok().filter(|n| *n > 0)?;
    let observed = pairs.iter().map(|p| p.0).sum::<f64>() / f64::from(cases);
    let stated = pairs.iter().map(|p| p.1).sum::<f64>() / f64::from(cases);
    Some(Gap {
        cases,
        observed: round2(observed),
        stated: round2(stated),
        gap: round2(observed - stated),
    })
}

/// One week of one team in the mirror.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MirrorWeek {
    pub week: Period,
    pub customer: Option<Mean>,
    pub employee: EmployeeFigure,
}

/// Pearson's r between customers' and employees' weekly means, over the weeks that have both.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Correlation {
    pub r: f64,
    pub weeks: u32,
}

/// A team's customers and employees, week by week.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mirror {
    pub team_id: TeamId,
    pub weeks: Vec<MirrorWeek>,
    /// `None` with fewer than three weeks that have both figures, or when either side never
    /// changes (r is undefined).
    pub correlation: Option<Correlation>,
}

/// The mirror of each team over `weeks` (oldest first). Customer feelings count in the week
/// they were given; employee answers in the week they were given, for each of their teams.
pub fn mirror(
    teams: &[TeamId],
    customer: &[Feeling],
    employees: &[EmployeeAnswer],
    weeks: &[Period],
) -> Vec<Mirror> {
    teams
        .iter()
        .map(|&team| {
            let weeks: Vec<MirrorWeek> = weeks
                .iter()
                .map(|week| {
                    let inside = |at| at >= week.start && at < week.end;
                    MirrorWeek {
                        week: week.clone(),
                        customer: Mean::of(
                            customer
                                .iter()
                                .filter(|f| f.team_id == Some(team) && inside(f.created_at))
                                .map(|f| f64::from(f.score.get())),
                        ),
                        employee: EmployeeFigure::of(
                            employees
                                .iter()
                                .filter(|a| a.teams.contains(&team) && inside(a.at)),
                        ),
                    }
                })
                .collect();
            let (xs, ys): (Vec<f64>, Vec<f64>) = weeks
                .iter()
                .filter_map(|w| Some((w.customer?.mean, w.employee.mean?)))
                .unzip();
            let correlation = (xs.len() >= 3)
                .then(|| pearson(&xs, &ys))
                .flatten()
                .map(|r| Correlation {
                    r: round2(r),
                    weeks: u32::try_from(xs.len()).unwrap_or(u32::MAX),
                });
            Mirror {
                team_id: team,
                weeks,
                correlation,
            }
        })
        .collect()
}

/// Pearson's correlation coefficient; `None` for fewer than two pairs or a constant side.
pub fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() != ys.len() || xs.len() < 2 {
        return None;
    }
    let n = xs.len() as f64;
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    let denominator = (sxx * syy).sqrt();
    (denominator > f64::EPSILON).then(|| (sxy / denominator).clamp(-1.0, 1.0))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Whether `kind` is one of the employees' own answers (never shown one by one to others).
pub fn is_employee_own(kind: FeelingKind) -> bool {
    matches!(kind, FeelingKind::Own | FeelingKind::Pulse)
}
