//! The organisation's history: the org as of any date, the diff between two dates, a monthly
//! timeline (`frontline_core::org::history` computes them from one `Store::org_history`
//! read), a person's role history, and retiring a team. Staff read; support employees with
//! `admin` retire teams. The web page (`pages::org`) calls the same functions.
//!
//! Dates: a query date is either a day (`2024-03-01`, meaning the end of that day, UTC: the
//! org as it stood when the day closed) or an RFC 3339 instant (`2024-03-01T09:30:00Z`).

use axum::extract::State;
use frontline_core::org::history::{
    Headcount, MonthPoint, OrgAsOf, OrgDiff, PersonEntry, SupportChange, TeamKind, TeamRef,
};
use frontline_core::{OrgHistory, RolePeriod, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{load_person, team_id, written};
use crate::app::AppState;
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};

fn time(t: Timestamp) -> String {
    t.to_string()
}

/// Parse a query date: `YYYY-MM-DD` (the end of that day, UTC) or an RFC 3339 instant.
pub fn parse_instant(field: &str, raw: &str) -> Result<Timestamp> {
    let raw = raw.trim();
    if let Ok(at) = raw.parse::<Timestamp>() {
        return Ok(frontline_core::time::truncate(at));
    }
    if let Ok(day) = raw.parse::<jiff::civil::Date>() {
        let end = day
            .checked_add(jiff::Span::new().days(1))
            .ok()
            .and_then(|next| next.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| frontline_core::time::from_millis(z.timestamp().as_millisecond() - 1));
        if let Some(end) = end {
            return Ok(end);
        }
    }
    Err(AppError::field(
        field,
        format!(
            "{raw:?} is not a date: give a day such as 2024-03-01 (the end of that day, UTC) \
             or an RFC 3339 time such as 2024-03-01T09:30:00Z"
        ),
    ))
}

/// An optional query date, `default` when absent or empty.
pub fn instant_or(field: &str, raw: Option<&str>, default: Timestamp) -> Result<Timestamp> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        Some(raw) => parse_instant(field, raw),
        None => Ok(default),
    }
}

/// Check that `actor` may read the org's history, then read it (one store call).
pub async fn load_history(state: &AppState, actor: &Actor) -> Result<OrgHistory> {
    authz::require(
        actor,
        Action::ReadOrgHistory,
        &Resource::Org,
        "organisation",
    )?;
    Ok(state.store.org_history().await?)
}

/// Where a timeline ending at `to` starts by default: when the history begins (the earliest
/// team, membership or support link), but no more than 49 years before `to`, so it stays
/// within `MAX_TIMELINE_MONTHS` (links dated at the epoch by scripts exist).
pub fn beginning(history: &OrgHistory, to: Timestamp) -> Timestamp {
    let teams = history.teams.iter().map(|t| t.created_at);
    let members = history.memberships.iter().map(|m| m.from);
    let supports = history.supports.iter().map(|s| s.from);
    let earliest = teams.chain(members).chain(supports).min().unwrap_or(to);
    let floor = to
        .checked_sub(jiff::SignedDuration::from_hours(49 * 8766))
        .unwrap_or(earliest);
    earliest.max(floor).min(to)
}

// ----- views -----

#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct HeadcountView {
    pub employee: u32,
    pub support: u32,
}

impl From<Headcount> for HeadcountView {
    fn from(h: Headcount) -> Self {
        Self {
            employee: h.employee,
            support: h.support,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrgTeamView {
    pub id: Uuid,
    pub name: String,
    /// `front_line`, or `support` for a team made only of support employees.
    pub kind: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Member ids, by name.
    pub members: Vec<Uuid>,
    /// Ids of the support employees serving the team, by name.
    pub supporters: Vec<Uuid>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrgPersonView {
    pub id: Uuid,
    pub name: String,
    /// `employee` or `support`.
    pub role: String,
    pub title: Option<String>,
    /// Teams the person is a member of.
    pub teams: Vec<Uuid>,
    /// Teams the person supports.
    pub supports: Vec<Uuid>,
    /// Support level: 1 serves the front line directly, 2 serves those who do, and so on.
    pub level: Option<u32>,
}

/// The organisation at one instant.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrgView {
    #[schema(format = DateTime)]
    pub as_of: String,
    /// Support employees on the longest chain from a front-line team to the top (the CEO
    /// serving the front line directly: 1).
    pub layers: u32,
    pub headcount: HeadcountView,
    /// Average number of teams a supporting support employee serves.
    pub span_teams: f64,
    /// Average number of people in the teams a supporting support employee serves.
    pub span_people: f64,
    /// Teams in force, by name.
    pub teams: Vec<OrgTeamView>,
    /// People in the organisation (a staff role and at least one team), by name.
    pub people: Vec<OrgPersonView>,
}

impl From<&OrgAsOf> for OrgView {
    fn from(org: &OrgAsOf) -> Self {
        let span = org.span();
        Self {
            as_of: time(org.at),
            layers: org.layers,
            headcount: org.headcount().into(),
            span_teams: span.teams,
            span_people: span.people,
            teams: org
                .teams
                .iter()
                .map(|t| OrgTeamView {
                    id: t.id.0,
                    name: t.name.clone(),
                    kind: kind_text(t.kind).into(),
                    created_at: time(t.created_at),
                    members: t.members.iter().map(|p| p.0).collect(),
                    supporters: t.supporters.iter().map(|p| p.0).collect(),
                })
                .collect(),
            people: org
                .people
                .iter()
                .map(|p| OrgPersonView {
                    id: p.id.0,
                    name: p.name.clone(),
                    role: p.role.to_string(),
                    title: p.title.clone(),
                    teams: p.teams.iter().map(|t| t.0).collect(),
                    supports: p.supports.iter().map(|t| t.0).collect(),
                    level: p.level,
                })
                .collect(),
        }
    }
}

pub fn kind_text(kind: TeamKind) -> &'static str {
    match kind {
        TeamKind::FrontLine => "front_line",
        TeamKind::Support => "support",
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TeamRefView {
    pub id: Uuid,
    pub name: String,
}

fn team_refs(teams: &[TeamRef]) -> Vec<TeamRefView> {
    teams
        .iter()
        .map(|t| TeamRefView {
            id: t.id.0,
            name: t.name.clone(),
        })
        .collect()
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DiffPersonView {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub title: Option<String>,
    pub teams: Vec<TeamRefView>,
    pub supports: Vec<TeamRefView>,
}

fn people(list: &[PersonEntry]) -> Vec<DiffPersonView> {
    list.iter()
        .map(|p| DiffPersonView {
            id: p.id.0,
            name: p.name.clone(),
            role: p.role.to_string(),
            title: p.title.clone(),
            teams: team_refs(&p.teams),
            supports: team_refs(&p.supports),
        })
        .collect()
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MoveView {
    pub id: Uuid,
    pub name: String,
    pub left_teams: Vec<TeamRefView>,
    pub joined_teams: Vec<TeamRefView>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RoleChangeView {
    pub id: Uuid,
    pub name: String,
    pub from_role: String,
    pub from_title: Option<String>,
    pub to_role: String,
    pub to_title: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SupportChangeView {
    pub support_id: Uuid,
    pub support_name: String,
    pub team: TeamRefView,
}

fn support_changes(list: &[SupportChange]) -> Vec<SupportChangeView> {
    list.iter()
        .map(|s| SupportChangeView {
            support_id: s.support_id.0,
            support_name: s.support_name.clone(),
            team: TeamRefView {
                id: s.team.id.0,
                name: s.team.name.clone(),
            },
        })
        .collect()
}

#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct CountChangeView {
    pub from: u32,
    pub to: u32,
}

#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct HeadcountChangeView {
    pub from: HeadcountView,
    pub to: HeadcountView,
}

/// What changed between two instants; every list is sorted by name.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DiffView {
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: String,
    /// In the organisation at `to`, not at `from` (as of `to`).
    pub joined: Vec<DiffPersonView>,
    /// In the organisation at `from`, not at `to` (as of `from`).
    pub left: Vec<DiffPersonView>,
    /// In the organisation at both, in different teams.
    pub moved: Vec<MoveView>,
    /// In the organisation at both, with a different role or title.
    pub role_changes: Vec<RoleChangeView>,
    pub teams_created: Vec<TeamRefView>,
    pub teams_retired: Vec<TeamRefView>,
    pub supports_added: Vec<SupportChangeView>,
    pub supports_ended: Vec<SupportChangeView>,
    pub layers: CountChangeView,
    pub teams: CountChangeView,
    pub headcount: HeadcountChangeView,
}

impl From<&OrgDiff> for DiffView {
    fn from(d: &OrgDiff) -> Self {
        Self {
            from: time(d.from),
            to: time(d.to),
            joined: people(&d.joined),
            left: people(&d.left),
            moved: d
                .moved
                .iter()
                .map(|m| MoveView {
                    id: m.id.0,
                    name: m.name.clone(),
                    left_teams: team_refs(&m.left_teams),
                    joined_teams: team_refs(&m.joined_teams),
                })
                .collect(),
            role_changes: d
                .role_changes
                .iter()
                .map(|r| RoleChangeView {
                    id: r.id.0,
                    name: r.name.clone(),
                    from_role: r.from_role.to_string(),
                    from_title: r.from_title.clone(),
                    to_role: r.to_role.to_string(),
                    to_title: r.to_title.clone(),
                })
                .collect(),
            teams_created: team_refs(&d.teams_created),
            teams_retired: team_refs(&d.teams_retired),
            supports_added: support_changes(&d.supports_added),
            supports_ended: support_changes(&d.supports_ended),
            layers: CountChangeView {
                from: d.layers.from,
                to: d.layers.to,
            },
            teams: CountChangeView {
                from: d.teams.from,
                to: d.teams.to,
            },
            headcount: HeadcountChangeView {
                from: d.headcount.from.into(),
                to: d.headcount.to.into(),
            },
        }
    }
}

/// The organisation in one month, as of the end of the month (the last one: as of `to`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MonthView {
    /// `YYYY-MM`.
    pub month: String,
    #[schema(format = DateTime)]
    pub as_of: String,
    pub layers: u32,
    /// Teams in force, front-line and support.
    pub teams: u32,
    pub front_line_teams: u32,
    pub span_teams: f64,
    pub span_people: f64,
    pub headcount: HeadcountView,
}

impl From<&MonthPoint> for MonthView {
    fn from(p: &MonthPoint) -> Self {
        Self {
            month: p.month.clone(),
            as_of: time(p.at),
            layers: p.layers,
            teams: p.teams,
            front_line_teams: p.front_line_teams,
            span_teams: p.span_teams,
            span_people: p.span_people,
            headcount: p.headcount.into(),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TimelineView {
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: String,
    pub months: Vec<MonthView>,
}

/// A person's role and title over a period; `to: null` means current.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RolePeriodView {
    pub role: String,
    pub title: Option<String>,
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: Option<String>,
}

impl From<&RolePeriod> for RolePeriodView {
    fn from(p: &RolePeriod) -> Self {
        Self {
            role: p.role.to_string(),
            title: p.title.clone(),
            from: time(p.from),
            to: p.to.map(time),
        }
    }
}

// ----- handlers -----

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
    let at = instant_or("as_of", query.as_of.as_deref(), frontline_core::time::now())?;
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
    let to = instant_or("to", query.to.as_deref(), frontline_core::time::now())?;
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
    let now = frontline_core::time::now();
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

/// The monthly timeline, with the domain's refusal (backwards, too long) as a 422.
pub fn timeline(history: &OrgHistory, from: Timestamp, to: Timestamp) -> Result<Vec<MonthPoint>> {
    history
        .timeline(from, to)
        .map_err(|e| AppError::field(e.field, e.reason))
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
    let at = instant_or("at", body.at.as_deref(), frontline_core::time::now())?;
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
