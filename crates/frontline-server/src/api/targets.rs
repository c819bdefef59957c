//! Business hours and service targets: each team's calendar (dated versions), each outcome's
//! targets, and where a case's targets stand. Staff read; administrators set.

use std::collections::BTreeMap;

use axum::extract::State;
use frontline_core::Timestamp;
use frontline_core::calendar::Calendar;
use frontline_core::targets::{Target, TargetReading, TargetState};
use frontline_store::{StoreError, TeamCalendar, in_force};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::{Json, Path};
use crate::lookup::{load_case, resolve_outcome, team_id, written};
use crate::state::AppState;

const TAG: &str = "targets";

/// One dated version of a team's calendar.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CalendarVersionView {
    /// When this version starts to count (the first version also counts before it).
    #[schema(format = DateTime)]
    pub valid_from: String,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Opening spans by weekday, e.g. `{"monday": ["09:00-12:30", "13:30-17:00"]}`.
    pub hours: BTreeMap<String, Vec<String>>,
    /// Closed all day, local dates (`2026-12-25`).
    pub holidays: Vec<String>,
    /// Open hours in a week without holidays.
    pub weekly_hours: f64,
    #[schema(format = DateTime)]
    pub set_at: String,
    pub set_by: Option<String>,
}

/// A team's calendar: the version in force now and every version.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TeamCalendarView {
    pub team: String,
    /// No calendar: the team's targets count round the clock (UTC).
    pub calendar_set: bool,
    pub current: Option<CalendarVersionView>,
    /// Oldest first.
    pub versions: Vec<CalendarVersionView>,
}

/// Set a team's opening hours (a new dated version).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarBody {
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Opening spans by lower-case weekday (`monday` … `sunday`), local wall time, e.g.
    /// `["09:00-12:30", "13:30-17:00"]`; a day not named is closed. `24:00` ends a day.
    pub hours: BTreeMap<String, Vec<String>>,
    /// Local dates on which the team is closed, `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// From when this version counts (RFC 3339 or a day, UTC); default now. Earlier
    /// versions keep measuring the time before it.
    #[serde(default)]
    pub valid_from: Option<String>,
}

/// One target as the API shows and takes it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    /// `first_response`, `next_response` (after each customer message) or `resolution`.
    pub kind: String,
    /// Only for cases of this priority (`low` … `urgent`); omit for every priority without
    /// its own target of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Business minutes allowed, 1 to 525600 (a year).
    pub business_minutes: u32,
    /// Whether the clock stops while the case waits on the customer (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_while_waiting: Option<bool>,
    /// At what share of the target the owner is warned, 1 to 99 (default 75).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_at_percent: Option<u8>,
}

/// An outcome's targets.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OutcomeTargetsView {
    pub outcome: String,
    /// False: none are set, and cases count the outcome's own resolution time round the
    /// clock (`targets` shows it).
    pub configured: bool,
    pub targets: Vec<TargetBody>,
}

/// Replace an outcome's targets; an empty list removes them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsBody {
    pub targets: Vec<TargetBody>,
}

/// Where one of a case's targets stands now.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TargetReadingView {
    pub kind: String,
    pub business_minutes: u32,
    /// `idle` (no answer owed), `running`, `paused` (waiting on the customer), `met` or
    /// `breached`.
    pub state: String,
    /// Running: when it falls due; null with `never_due`.
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
    /// Running: when its owner is warned, until then.
    #[schema(format = DateTime)]
    pub warn_at: Option<String>,
    /// Running: the calendar is not open long enough ever to reach it.
    pub never_due: bool,
    /// Running: elapsed seconds until due; paused: business seconds left.
    pub left_seconds: Option<i64>,
    /// Breached: seconds from falling due until it was met, or until now.
    pub late_seconds: Option<i64>,
    #[schema(format = DateTime)]
    pub met_at: Option<String>,
    #[schema(format = DateTime)]
    pub breached_at: Option<String>,
    /// Business seconds the clock has run.
    pub used_seconds: i64,
    /// How often met and breached on this case (next response: once per answer).
    pub met: u32,
    pub breached: u32,
}

/// A case's targets.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CaseTargetsView {
    pub case: String,
    /// The team whose calendar counts.
    pub team: Option<String>,
    pub calendar_set: bool,
    pub time_zone: String,
    pub targets: Vec<TargetReadingView>,
}

fn calendar_view(c: &TeamCalendar) -> CalendarVersionView {
    let weekly = Calendar::new(c.calendar.clone()).map_or(0, |cal| cal.weekly_minutes());
    CalendarVersionView {
        valid_from: c.valid_from.to_string(),
        time_zone: c.calendar.time_zone.clone(),
        hours: c.calendar.hours.clone(),
        holidays: c
            .calendar
            .holidays
            .iter()
            .map(ToString::to_string)
            .collect(),
        weekly_hours: f64::from(weekly) / 60.0,
        set_at: c.set_at.to_string(),
        set_by: c.set_by.map(|p| p.to_string()),
    }
}

impl TargetBody {
    fn input(&self) -> crate::targets::TargetInput<'_> {
        crate::targets::TargetInput {
            kind: &self.kind,
            priority: self.priority.as_deref(),
            business_minutes: self.business_minutes,
            pause_while_waiting: self.pause_while_waiting,
            warn_at_percent: self.warn_at_percent,
        }
    }
}

fn target_view(t: &Target) -> TargetBody {
    TargetBody {
        kind: t.kind.to_string(),
        priority: t.priority.map(|p| p.to_string()),
        business_minutes: t.business_minutes,
        pause_while_waiting: Some(t.pause_while_waiting),
        warn_at_percent: Some(t.warn_at_percent),
    }
}

fn seconds(d: SignedDuration) -> i64 {
    d.as_secs()
}

pub fn reading_view(r: &TargetReading, now: Timestamp) -> TargetReadingView {
    let mut v = TargetReadingView {
        kind: r.kind.to_string(),
        business_minutes: r.business_minutes,
        state: String::new(),
        due_at: None,
        warn_at: None,
        never_due: false,
        left_seconds: None,
        late_seconds: None,
        met_at: None,
        breached_at: None,
        used_seconds: seconds(r.used),
        met: r.met,
        breached: r.breached,
    };
    v.state = match r.state {
        TargetState::Idle => "idle",
        TargetState::Running { due, warn_at } => {
            v.due_at = due.map(|d| d.to_string());
            v.warn_at = warn_at.map(|w| w.to_string());
            v.never_due = due.is_none();
            v.left_seconds = due.map(|d| seconds(d.duration_since(now)).max(0));
            "running"
        }
        TargetState::Paused { left } => {
            v.left_seconds = Some(seconds(left));
            "paused"
        }
        TargetState::Met { at } => {
            v.met_at = Some(at.to_string());
            "met"
        }
        TargetState::Breached { at, met_at } => {
            v.breached_at = Some(at.to_string());
            v.met_at = met_at.map(|m| m.to_string());
            v.late_seconds = Some(seconds(met_at.unwrap_or(now).duration_since(at)));
            "breached"
        }
    }
    .to_owned();
    v
}

async fn team_calendar_view(
    state: &AppState,
    team: frontline_core::TeamId,
) -> Result<TeamCalendarView> {
    let versions = state.store.list_team_calendars(Some(team)).await?;
    let current = in_force(&versions, state.now()).map(calendar_view);
    Ok(TeamCalendarView {
        team: team.to_string(),
        calendar_set: !versions.is_empty(),
        current,
        versions: versions.iter().map(calendar_view).collect(),
    })
}

async fn known_team(state: &AppState, raw: &str) -> Result<frontline_core::TeamId> {
    let id = team_id(raw)?;
    state.store.get_team(id).await.map_err(|e| match e {
        StoreError::NotFound { .. } => AppError::not_found(format!("team {raw}")),
        other => other.into(),
    })?;
    Ok(id)
}

#[utoipa::path(
    get,
    path = "/api/v1/teams/{team}/calendar",
    tag = TAG,
    summary = "Read a team's calendar and its versions",
    params(("team" = String, Path, description = "Team id")),
    responses((status = 200, description = "The calendar", body = TeamCalendarView)),
)]
pub async fn get_calendar(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<TeamCalendarView>> {
    authz::require(
        &actor,
        Action::ReadServiceTargets,
        &Resource::Org,
        "calendars",
    )?;
    let team = known_team(&state, &raw).await?;
    Ok(axum::Json(team_calendar_view(&state, team).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/teams/{team}/calendar",
    tag = TAG,
    summary = "Set a team's opening hours from a date on",
    params(("team" = String, Path, description = "Team id")),
    request_body = CalendarBody,
    responses(
        (status = 200, description = "The team's calendar as now set", body = TeamCalendarView),
        (status = 422, description = "The calendar is not usable; the message says why"),
    ),
)]
pub async fn put_calendar(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<CalendarBody>,
) -> Result<axum::Json<TeamCalendarView>> {
    authz::require(
        &actor,
        Action::ManageServiceTargets,
        &Resource::Org,
        "calendars",
    )?;
    let team = known_team(&state, &raw).await?;
    let spec = crate::targets::checked_calendar(&body.time_zone, &body.hours, &body.holidays)?;
    let valid_from =
        crate::dates::instant_or_start("valid_from", body.valid_from.as_deref(), state.now())?;
    written(
        state
            .store
            .set_team_calendar(Some(actor.person_id()), team, valid_from, spec)
            .await?,
    );
    Ok(axum::Json(team_calendar_view(&state, team).await?))
}

async fn outcome_targets_view(
    state: &AppState,
    outcome: &frontline_core::Outcome,
) -> Result<OutcomeTargetsView> {
    let all = state.store.list_outcome_targets().await?;
    let configured = all.iter().find(|t| t.outcome_id == outcome.id);
    let effective = crate::targets::targets_for(outcome, configured.map(|t| t.targets.as_slice()));
    Ok(OutcomeTargetsView {
        outcome: outcome.key.to_string(),
        configured: configured.is_some(),
        targets: effective.iter().map(target_view).collect(),
    })
}

async fn known_outcome(state: &AppState, raw: &str) -> Result<frontline_core::Outcome> {
    resolve_outcome(state, "outcome", raw)
        .await
        .map_err(|e| match e {
            AppError::Invalid { .. } => AppError::not_found(format!("outcome {raw}")),
            other => other,
        })
}

#[utoipa::path(
    get,
    path = "/api/v1/outcomes/{outcome}/targets",
    tag = TAG,
    summary = "Read an outcome's service targets",
    params(("outcome" = String, Path, description = "Outcome id or key")),
    responses((status = 200, description = "The targets", body = OutcomeTargetsView)),
)]
pub async fn get_targets(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<OutcomeTargetsView>> {
    authz::require(
        &actor,
        Action::ReadServiceTargets,
        &Resource::Org,
        "targets",
    )?;
    let outcome = known_outcome(&state, &raw).await?;
    Ok(axum::Json(outcome_targets_view(&state, &outcome).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/outcomes/{outcome}/targets",
    tag = TAG,
    summary = "Replace an outcome's service targets",
    params(("outcome" = String, Path, description = "Outcome id or key")),
    request_body = TargetsBody,
    responses(
        (status = 200, description = "The targets as now set", body = OutcomeTargetsView),
        (status = 422, description = "A target is wrong; the message says which and why"),
    ),
)]
pub async fn put_targets(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<TargetsBody>,
) -> Result<axum::Json<OutcomeTargetsView>> {
    authz::require(
        &actor,
        Action::ManageServiceTargets,
        &Resource::Org,
        "targets",
    )?;
    let outcome = known_outcome(&state, &raw).await?;
    let inputs: Vec<_> = body.targets.iter().map(TargetBody::input).collect();
    let targets = crate::targets::checked_targets(&inputs)?;
    written(
        state
            .store
            .set_outcome_targets(Some(actor.person_id()), outcome.id, targets)
            .await?,
    );
    Ok(axum::Json(outcome_targets_view(&state, &outcome).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/cases/{case}/targets",
    tag = TAG,
    summary = "Where a case's service targets stand",
    params(("case" = String, Path, description = "Case number (FL-1042) or id")),
    responses((status = 200, description = "Each target's state, due time and time left or late", body = CaseTargetsView)),
)]
pub async fn case_targets(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<CaseTargetsView>> {
    let case = load_case(&state, &actor, &raw, Action::ReadServiceTargets).await?;
    let now = state.now();
    let read = crate::targets::read_case(&state, &case, None, now).await?;
    Ok(axum::Json(CaseTargetsView {
        case: case.number.to_string(),
        team: read.team_id.map(|t| t.to_string()),
        calendar_set: read.calendar_set,
        time_zone: read.time_zone,
        targets: read.readings.iter().map(|r| reading_view(r, now)).collect(),
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/teams/{team}/calendar/holidays",
    tag = TAG,
    summary = "Add holidays from an iCalendar file to the calendar in force",
    description = "Each event of the file (RFC 5545) is a day off from its DTSTART date up to its \
        DTEND date (one day without DTEND). Recurring events are refused: list the dates. The \
        holidays join those of the version in force now, which is replaced (same start).",
    params(("team" = String, Path, description = "Team id")),
    request_body(content = String, content_type = "text/calendar", description = "An iCalendar file, at most 1 MiB"),
    responses(
        (status = 200, description = "The team's calendar with the holidays added", body = TeamCalendarView),
        (status = 409, description = "The team has no calendar yet: set its opening hours first"),
        (status = 413, description = "Over 1 MiB"),
        (status = 422, description = "Not an iCalendar file, or an event that is no holiday; the message says which"),
    ),
)]
pub async fn import_holidays(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    body: axum::body::Body,
) -> Result<axum::Json<TeamCalendarView>> {
    use frontline_core::calendar::ical::{MAX_ICAL_BYTES, holidays_from_ical};
    authz::require(
        &actor,
        Action::ManageServiceTargets,
        &Resource::Org,
        "calendars",
    )?;
    let team = known_team(&state, &raw).await?;
    let bytes = axum::body::to_bytes(body, MAX_ICAL_BYTES)
        .await
        .map_err(|_| {
            AppError::PayloadTooLarge(format!(
                "an iCalendar file may be at most {MAX_ICAL_BYTES} bytes"
            ))
        })?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| AppError::field("body", "an iCalendar file is UTF-8 text"))?;
    let days = holidays_from_ical(text)?;
    let versions = state.store.list_team_calendars(Some(team)).await?;
    let current = in_force(&versions, state.now()).ok_or_else(|| {
        AppError::Conflict(
            "the team has no calendar yet: set its opening hours (PUT …/calendar) first".into(),
        )
    })?;
    let mut spec = current.calendar.clone();
    spec.holidays.extend(days);
    spec.holidays.sort();
    spec.holidays.dedup();
    Calendar::new(spec.clone())?;
    written(
        state
            .store
            .set_team_calendar(Some(actor.person_id()), team, current.valid_from, spec)
            .await?,
    );
    Ok(axum::Json(team_calendar_view(&state, team).await?))
}
