//! What the feelings add up to: the figures of a period (by team, by channel, the pulse),
//! the CX/EX mirror week by week, and the heroes feed; and the query windows they are read
//! over. Recording feelings is in `feelings` itself.

use std::collections::{BTreeSet, HashMap};

use frontline_core::feeling::figures::{self, EmployeeAnswer, GroupFeelings, Mirror};
use frontline_core::feeling::{Emotion, Feeling, FeelingKind};
use frontline_core::org::Membership;
use frontline_core::standard_work::{Cadence, Period};
use frontline_core::{OutcomeId, PersonId, TeamId, Timestamp};
use frontline_store::FeelingFilter;
use serde::Serialize;
use utoipa::ToSchema;

use super::MAX_READ;
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::dates::{DayEdge, parse_at};
use crate::error::{AppError, Result};
use crate::lookup::team_id;
use crate::state::AppState;

/// Who answered for which teams: an own feeling speaks for its case's team, a pulse for every
/// team the person belonged to when they answered.
fn employee_answers(feelings: &[Feeling], memberships: &[Membership]) -> Vec<EmployeeAnswer> {
    let mut by_person: HashMap<PersonId, Vec<&Membership>> = HashMap::new();
    for m in memberships {
        by_person.entry(m.person_id).or_default().push(m);
    }
    feelings
        .iter()
        .filter(|f| figures::is_employee_own(f.kind))
        .map(|f| {
            let teams = match f.kind {
                FeelingKind::Own => f.team_id.into_iter().collect(),
                _ => by_person
                    .get(&f.person_id)
                    .into_iter()
                    .flatten()
                    .filter(|m| m.from <= f.created_at && m.to.is_none_or(|to| f.created_at < to))
                    .map(|m| m.team_id)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            };
            EmployeeAnswer {
                person_id: f.person_id,
                teams,
                score: f.score.get(),
                at: f.created_at,
            }
        })
        .collect()
}

/// Every feeling of `kinds` given in `[since, until)`, at most [`MAX_READ`].
async fn feelings_between(
    state: &AppState,
    kinds: Vec<FeelingKind>,
    since: Timestamp,
    until: Timestamp,
) -> Result<Vec<Feeling>> {
    Ok(state
        .store
        .list_feelings(
            FeelingFilter {
                kinds,
                since: Some(since),
                until: Some(until),
                ..FeelingFilter::default()
            },
            MAX_READ,
        )
        .await?)
}

/// Feelings per team and per outcome over a window.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeelingFigures {
    #[schema(value_type = String)]
    pub since: Timestamp,
    #[schema(value_type = String)]
    pub until: Timestamp,
    /// The fewest people whose answers are shown together.
    pub min_respondents: u32,
    #[schema(value_type = Vec<Object>)]
    pub teams: Vec<Named<GroupFeelings<TeamId>>>,
    #[schema(value_type = Vec<Object>)]
    pub outcomes: Vec<Named<GroupFeelings<OutcomeId>>>,
}

/// A figure with the name of what it is about.
#[derive(Debug, Serialize)]
pub struct Named<T> {
    pub name: String,
    #[serde(flatten)]
    pub figures: T,
}

pub async fn figures_between(
    state: &AppState,
    actor: &Actor,
    since: Timestamp,
    until: Timestamp,
) -> Result<FeelingFigures> {
    authz::require(actor, Action::ReadFeelings, &Resource::Org, "feelings")?;
    let all = feelings_between(
        state,
        vec![
            FeelingKind::Customer,
            FeelingKind::Observed,
            FeelingKind::Own,
            FeelingKind::Pulse,
        ],
        since,
        until,
    )
    .await?;
    let (customer, observed): (Vec<Feeling>, Vec<Feeling>) = all
        .iter()
        .filter(|f| matches!(f.kind, FeelingKind::Customer | FeelingKind::Observed))
        .cloned()
        .partition(|f| f.kind == FeelingKind::Customer);
    let history = state.store.org_history().await?;
    let employees = employee_answers(&all, &history.memberships);
    let team_names: HashMap<TeamId, String> = history
        .teams
        .iter()
        .map(|t| (t.id, t.name.to_string()))
        .collect();
    let outcome_names: HashMap<OutcomeId, String> = state
        .store
        .list_outcomes()
        .await?
        .into_iter()
        .map(|o| (o.id, o.name.to_string()))
        .collect();
    let name = |n: Option<&String>| n.cloned().unwrap_or_else(|| "(unknown)".into());
    let mut teams: Vec<_> = figures::by_team(&customer, &observed, &employees)
        .into_iter()
        .map(|g| Named {
            name: name(team_names.get(&g.key)),
            figures: g,
        })
        .collect();
    teams.sort_by(|a, b| a.name.cmp(&b.name));
    let mut outcomes: Vec<_> = figures::by_outcome(&customer, &observed)
        .into_iter()
        .map(|g| Named {
            name: name(outcome_names.get(&g.key)),
            figures: g,
        })
        .collect();
    outcomes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(FeelingFigures {
        since,
        until,
        min_respondents: figures::MIN_RESPONDENTS,
        teams,
        outcomes,
    })
}

/// The CX/EX mirror of the last `weeks` ISO weeks (the current one included), for every
/// current team or one.
pub async fn mirror(
    state: &AppState,
    actor: &Actor,
    weeks: usize,
    team: Option<TeamId>,
) -> Result<Vec<Named<Mirror>>> {
    authz::require(actor, Action::ReadFeelings, &Resource::Org, "feelings")?;
    let now = state.now();
    let current = Cadence::Weekly.period_at(now);
    let mut periods: Vec<Period> = Cadence::Weekly.previous_periods(now, weeks.saturating_sub(1));
    periods.reverse();
    periods.push(current.clone());
    let since = periods.first().map_or(current.start, |p| p.start);
    let all = feelings_between(
        state,
        vec![FeelingKind::Customer, FeelingKind::Own, FeelingKind::Pulse],
        since,
        current.end,
    )
    .await?;
    let customer: Vec<Feeling> = all
        .iter()
        .filter(|f| f.kind == FeelingKind::Customer)
        .cloned()
        .collect();
    let history = state.store.org_history().await?;
    let employees = employee_answers(&all, &history.memberships);
    let teams: Vec<_> = history
        .teams
        .iter()
        .filter(|t| t.retired_at.is_none() && team.is_none_or(|id| id == t.id))
        .collect();
    if let Some(id) = team
        && teams.is_empty()
    {
        return Err(AppError::field("team", format!("no current team {id}")));
    }
    let ids: Vec<TeamId> = teams.iter().map(|t| t.id).collect();
    let mut out: Vec<_> = figures::mirror(&ids, &customer, &employees, &periods)
        .into_iter()
        .zip(&teams)
        .map(|(m, t)| Named {
            name: t.name.to_string(),
            figures: m,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A customer's praise: a high rating with words, for the employee who owned the case.
#[derive(Debug, Serialize, ToSchema)]
pub struct Hero {
    #[schema(value_type = String)]
    pub feeling_id: frontline_core::FeelingId,
    #[schema(value_type = String)]
    pub case_number: frontline_core::CaseNumber,
    #[schema(value_type = Option<String>)]
    pub owner_id: Option<PersonId>,
    pub owner_name: Option<String>,
    pub score: u8,
    #[schema(value_type = Option<String>)]
    pub emotion: Option<Emotion>,
    pub quote: String,
    #[schema(value_type = String)]
    pub at: Timestamp,
}

/// The newest praise, for everyone (`owner: None`) or one employee.
pub async fn heroes(
    state: &AppState,
    actor: &Actor,
    owner: Option<PersonId>,
    since: Option<Timestamp>,
    limit: usize,
) -> Result<Vec<Hero>> {
    authz::require(actor, Action::ReadFeelings, &Resource::Org, "feelings")?;
    let praise = state
        .store
        .list_feelings(
            FeelingFilter {
                kinds: vec![FeelingKind::Customer],
                owner_id: owner,
                praise: true,
                since,
                ..FeelingFilter::default()
            },
            u32::try_from(limit).unwrap_or(u32::MAX),
        )
        .await?;
    let mut names: HashMap<PersonId, String> = HashMap::new();
    let mut out = Vec::with_capacity(praise.len());
    for f in praise {
        let Some(case_id) = f.case_id else { continue };
        let number = state.store.get_case(case_id).await?.number;
        let owner_name = match f.owner_id {
            None => None,
            Some(id) => Some(match names.get(&id) {
                Some(name) => name.clone(),
                None => {
                    let name = state.store.get_person(id).await?.name.to_string();
                    names.insert(id, name.clone());
                    name
                }
            }),
        };
        out.push(Hero {
            feeling_id: f.id,
            case_number: number,
            owner_id: f.owner_id,
            owner_name,
            score: f.score.get(),
            emotion: f.emotion,
            quote: f.text.map(|t| t.to_string()).unwrap_or_default(),
            at: f.created_at,
        });
    }
    Ok(out)
}

/// The window of a figures request (shared with the pages).
pub fn window(
    since: Option<&str>,
    until: Option<&str>,
    now: Timestamp,
) -> Result<(Timestamp, Timestamp)> {
    let until = match until.map(str::trim).filter(|s| !s.is_empty()) {
        None => now,
        Some(raw) => parse_at("until", raw, DayEdge::End)?,
    };
    let since = match since.map(str::trim).filter(|s| !s.is_empty()) {
        None => until - jiff::SignedDuration::from_hours(90 * 24),
        Some(raw) => parse_at("since", raw, DayEdge::Start)?,
    };
    if since >= until {
        return Err(AppError::field("since", "must be before until"));
    }
    // `until` is inclusive for a date; the store's bound is exclusive.
    Ok((since, until + jiff::SignedDuration::from_millis(1)))
}

/// Parse the mirror's query (shared with the page).
pub fn mirror_params(weeks: Option<u32>, team: Option<&str>) -> Result<(usize, Option<TeamId>)> {
    let weeks = weeks.unwrap_or(12);
    if !(2..=52).contains(&weeks) {
        return Err(AppError::field(
            "weeks",
            format!("{weeks} is not between 2 and 52"),
        ));
    }
    let team = match team.map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(raw) => Some(
            team_id(raw)
                .map_err(|_| AppError::field("team", format!("{raw:?} is not a team id")))?,
        ),
    };
    Ok((weeks as usize, team))
}
