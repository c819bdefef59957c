//! The organisation's history: the org as of any date, the diff between two dates, a monthly
//! timeline (`frontline_core::org::history` computes them from one `Store::org_history`
//! read), a person's role history, and retiring a team. Staff read; support employees with
//! `admin` retire teams. The web page (`pages::org`) calls the same functions.
//!
//! Dates: a query date is either a day (`2024-03-01`, meaning the end of that day, UTC: the
//! org as it stood when the day closed) or an RFC 3339 instant (`2024-03-01T09:30:00Z`).

mod views;

use axum::extract::State;
use frontline_core::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use self::views::*;

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::dates::{instant_or, parse_instant};
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::lookup::{load_person, team_id, written};
use crate::org_history::{beginning, load_history, timeline};
use crate::state::AppState;

pub(crate) fn time(t: Timestamp) -> String {
    t.to_string()
}

#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// A day (`2024-03-01`: the end of that day, UTC) or an RFC 3339 time; default now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/org",
    tag = "org",
    summary = "The organisation as of a date",
    description = "Teams in force with their members and supporters, the people in the \
        organisation with their role, title, teams and support level, the number of layers \
        between the front line and the top, headcount and span of support.",
    params(AsOfQuery),
    responses((status = 200, description = "The organisation at that instant", body = OrgView)),
)]
pub async fn org_as_of(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<AsOfQuery>,
) -> Result<axum::Json<OrgView>> {
    let at = instant_or("as_of", query.as_of.as_deref(), state.now())?;
    let history = load_history(&state, &actor).await?;
    Ok(axum::Json(OrgView::from(&history.as_of(at))))
}

#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// A day (`2023-01-31`: the end of that day, UTC) or an RFC 3339 time. Diff: required;
    /// timeline: default the beginning of the history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// A day or an RFC 3339 time; default now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/org/diff",
    tag = "org",
    summary = "What changed in the organisation between two dates",
    description = "Who joined, left or moved between teams, role and title changes, teams \
        created and retired, support links added and ended, and layers, team count and \
        headcount at both dates. `from` may be later than `to`: the diff is read from `from` \
        to `to`.",
    params(RangeQuery),
    responses((status = 200, description = "The differences", body = DiffView)),
)]
pub async fn org_diff(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<RangeQuery>,
) -> Result<axum::Json<DiffView>> {
    let Some(raw_from) = query.from.as_deref().filter(|r| !r.trim().is_empty()) else {
        return Err(AppError::field(
            "from",
            "is required: the earlier date, e.g. 2024-01-31",
        ));
    };
    let from = parse_instant("from", raw_from)?;
    let to = instant_or("to", query.to.as_deref(), state.now())?;
    let history = load_history(&state, &actor).await?;
    Ok(axum::Json(DiffView::from(&history.diff(from, to))))
}

#[utoipa::path(
    get,
    path = "/api/v1/org/timeline",
    tag = "org",
    summary = "The organisation month by month",
    description = "One point per calendar month (UTC), as of the end of the month (the last \
        as of `to`): layers, teams, front-line teams, average span of support and headcount \
        by role. At most 600 months.",
    params(RangeQuery),
    responses((status = 200, description = "The months, oldest first", body = TimelineView)),
)]
pub async fn org_timeline(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<RangeQuery>,
) -> Result<axum::Json<TimelineView>> {
    let now = state.now();
    let to = instant_or("to", query.to.as_deref(), now)?;
    let from = match query.from.as_deref().filter(|r| !r.trim().is_empty()) {
        Some(raw) => Some(parse_instant("from", raw)?),
        None => None,
    };
    let history = load_history(&state, &actor).await?;
    // An explicit `from` after `to` is refused; the default never is.
    let from = from.unwrap_or_else(|| beginning(&history, to));
    let months = timeline(&history, from, to)?;
    Ok(axum::Json(TimelineView {
        from: time(from),
        to: time(to),
        months: months.iter().map(MonthView::from).collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/people/{person}/roles",
    tag = "people",
    summary = "A person's role and title history",
    params(("person" = String, Path, description = "Person id")),
    responses((status = 200, description = "Periods, oldest first; the last is current", body = [RolePeriodView])),
)]
pub async fn role_history(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<Vec<RolePeriodView>>> {
    let person = load_person(&state, &actor, &raw, Action::ReadPerson).await?;
    let periods = state.store.list_role_periods(person.id).await?;
    Ok(axum::Json(
        periods.iter().map(RolePeriodView::from).collect(),
    ))
}

/// Retire a team.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireTeamBody {
    /// When the team retired: a day (the end of that day, UTC) or an RFC 3339 time; default
    /// now. Not before any of its current memberships or support links began.
    #[serde(default)]
    pub at: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/teams/{team}/retire",
    tag = "teams",
    summary = "Retire a team",
    description = "Ends the team's current memberships and support links at `at` and keeps \
        the team, retired, in the history. 409 if it is already retired, still owns outcomes \
        (cases would route to nobody) or has unassigned open cases.",
    params(("team" = String, Path, description = "Team id")),
    request_body = RetireTeamBody,
    responses((status = 200, description = "The retired team", body = crate::views::TeamView)),
)]
pub async fn retire_team(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<RetireTeamBody>,
) -> Result<axum::Json<crate::views::TeamView>> {
    let what = format!("team {raw}");
    let id = team_id(&raw)?;
    authz::require(&actor, Action::RetireTeam, &Resource::Team, &what)?;
    let at = instant_or("at", body.at.as_deref(), state.now())?;
    let team = written(
        state
            .store
            .retire_team(Some(actor.person_id()), id, at)
            .await
            .map_err(|e| match e {
                frontline_store::StoreError::NotFound { .. } => AppError::not_found(&what),
                other => other.into(),
            })?,
    );
    Ok(axum::Json(crate::views::TeamView::from(&team)))
}
