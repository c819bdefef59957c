//! `/admin/targets`: each team's opening hours (a new dated version per save) and each
//! outcome's targets for every priority, for administrators (`ManageServiceTargets`, as in
//! the API). Forms check the CSRF token and go through the API's own checks
//! (`targets::checked_calendar`, `checked_targets`); a refusal is the error page with
//! the API's message. Priority-specific targets are kept as they are (the API sets them).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use frontline_core::calendar::Calendar;
use frontline_core::targets::{Target, TargetKind};
use serde::Deserialize;

use super::form::FormData;
use super::layout::{Layout, PageResult, page, see_other};
use super::targets::label;
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::error::AppError;
use crate::lookup::{resolve_outcome, team_id, written};
use crate::state::AppState;
use crate::targets::{TargetInput, checked_calendar, checked_targets};

const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

#[derive(Debug, Default, Deserialize)]
pub struct TargetsQuery {
    done: Option<String>,
}

pub struct DayField {
    pub name: &'static str,
    pub spans: String,
}

pub struct TeamCalendarRow {
    pub id: String,
    pub name: String,
    pub set: bool,
    pub time_zone: String,
    pub weekly_hours: String,
    pub days: Vec<DayField>,
    pub holidays: String,
    pub versions: usize,
}

pub struct KindField {
    pub kind: &'static str,
    pub label: &'static str,
    pub minutes: String,
    pub pause: bool,
    pub warn: String,
}

pub struct OutcomeTargetsRow {
    pub key: String,
    pub name: String,
    pub configured: bool,
    pub kinds: Vec<KindField>,
    /// Targets for one priority, in words (kept as they are when the form is saved).
    pub per_priority: Vec<String>,
}

#[derive(Template)]
#[template(path = "pages/service_targets.html")]
struct TargetsPage {
    layout: Layout,
    notice: Option<&'static str>,
    teams: Vec<TeamCalendarRow>,
    outcomes: Vec<OutcomeTargetsRow>,
}

fn require(viewer: &Viewer) -> Result<(), AppError> {
    authz::require(
        &viewer.actor,
        Action::ManageServiceTargets,
        &Resource::Org,
        "service targets",
    )
}

/// `GET /admin/targets`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<TargetsQuery>,
) -> PageResult {
    require(&viewer)?;
    let now = state.now();
    let calendars = state.store.list_team_calendars(None).await?;
    let mut teams = Vec::new();
    for team in state.store.list_teams().await? {
        if team.retired_at.is_some() {
            continue;
        }
        let versions: Vec<_> = calendars
            .iter()
            .filter(|c| c.team_id == team.id)
            .cloned()
            .collect();
        let current = frontline_store::in_force(&versions, now);
        let spec = current.map(|c| c.calendar.clone());
        teams.push(TeamCalendarRow {
            id: team.id.to_string(),
            name: team.name.to_string(),
            set: spec.is_some(),
            time_zone: spec
                .as_ref()
                .map_or_else(|| "UTC".to_owned(), |s| s.time_zone.clone()),
            weekly_hours: spec
                .as_ref()
                .and_then(|s| Calendar::new(s.clone()).ok())
                .map_or_else(String::new, |c| {
                    format!("{:.1}", f64::from(c.weekly_minutes()) / 60.0)
                }),
            days: DAYS
                .iter()
                .map(|d| DayField {
                    name: d,
                    spans: spec
                        .as_ref()
                        .and_then(|s| s.hours.get(*d))
                        .map(|v| v.join(", "))
                        .unwrap_or_default(),
                })
                .collect(),
            holidays: spec.as_ref().map_or_else(String::new, |s| {
                s.holidays
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
            versions: versions.len(),
        });
    }
    let configured = state.store.list_outcome_targets().await?;
    let mut outcomes = Vec::new();
    for outcome in state.store.list_outcomes().await? {
        let set = configured.iter().find(|t| t.outcome_id == outcome.id);
        let targets = crate::targets::targets_for(&outcome, set.map(|t| t.targets.as_slice()));
        outcomes.push(OutcomeTargetsRow {
            key: outcome.key.to_string(),
            name: outcome.name.to_string(),
            configured: set.is_some(),
            kinds: TargetKind::ALL
                .iter()
                .map(|&kind| {
                    let t = targets
                        .iter()
                        .find(|t| t.kind == kind && t.priority.is_none());
                    KindField {
                        kind: kind.as_str(),
                        label: label(kind),
                        minutes: t.map_or_else(String::new, |t| t.business_minutes.to_string()),
                        pause: t.is_none_or(|t| t.pause_while_waiting),
                        warn: t.map_or_else(|| "75".to_owned(), |t| t.warn_at_percent.to_string()),
                    }
                })
                .collect(),
            per_priority: targets
                .iter()
                .filter_map(|t| {
                    let p = t.priority?;
                    Some(format!(
                        "{} for {p} cases: {} business minutes",
                        label(t.kind),
                        t.business_minutes
                    ))
                })
                .collect(),
        });
    }
    page(&TargetsPage {
        layout: Layout::new(&viewer, "Service targets", "/admin"),
        notice: match query.done.as_deref() {
            Some("calendar") => Some("The opening hours were saved as a new version."),
            Some("targets") => Some("The targets were saved."),
            _ => None,
        },
        teams,
        outcomes,
    })
}

/// `POST /admin/targets/teams/{team}`: a new version of the team's opening hours.
pub async fn save_calendar(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    require(&viewer)?;
    let team = team_id(&raw)?;
    state
        .store
        .get_team(team)
        .await
        .map_err(crate::lookup::not_found_as(&format!("team {raw}")))?;
    let hours: BTreeMap<String, Vec<String>> = DAYS
        .iter()
        .filter_map(|d| {
            let spans: Vec<String> = form
                .text(d)
                .split([',', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            (!spans.is_empty()).then(|| ((*d).to_owned(), spans))
        })
        .collect();
    let holidays: Vec<String> = form
        .text("holidays")
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let spec = checked_calendar(form.text("time_zone"), &hours, &holidays)?;
    let valid_from =
        crate::dates::instant_or_start("valid_from", Some(form.text("valid_from")), state.now())?;
    written(
        state
            .store
            .set_team_calendar(Some(viewer.actor.person_id()), team, valid_from, spec)
            .await?,
    );
    Ok(see_other("/admin/targets?done=calendar"))
}

/// `POST /admin/targets/outcomes/{outcome}`: the targets for every priority; an empty
/// number removes that kind. Targets for one priority stay as they were.
pub async fn save_targets(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    require(&viewer)?;
    let outcome = resolve_outcome(&state, "outcome", &raw).await?;
    let mut inputs = Vec::new();
    let names: Vec<(TargetKind, String, String, String)> = TargetKind::ALL
        .iter()
        .map(|k| {
            (
                *k,
                format!("{k}_minutes"),
                format!("{k}_pause"),
                format!("{k}_warn"),
            )
        })
        .collect();
    for (kind, minutes_field, pause_field, warn_field) in &names {
        let minutes = form.text(minutes_field).trim();
        if minutes.is_empty() {
            continue;
        }
        let business_minutes = minutes.parse().map_err(|_| {
            AppError::field(
                minutes_field.clone(),
                format!("{minutes:?} is not a number of minutes"),
            )
        })?;
        let warn = form.text(warn_field).trim();
        inputs.push(TargetInput {
            kind: kind.as_str(),
            priority: None,
            business_minutes,
            pause_while_waiting: Some(form.checked(pause_field)),
            warn_at_percent: match warn {
                "" => None,
                w => Some(w.parse().map_err(|_| {
                    AppError::field(
                        warn_field.clone(),
                        format!("{w:?} is not a share between 1 and 99"),
                    )
                })?),
            },
        });
    }
    let mut targets: Vec<Target> = checked_targets(&inputs)?;
    let kept = state
        .store
        .list_outcome_targets()
        .await?
        .into_iter()
        .find(|t| t.outcome_id == outcome.id)
        .map(|t| t.targets)
        .unwrap_or_default();
    targets.extend(kept.into_iter().filter(|t| t.priority.is_some()));
    frontline_core::targets::validate_targets(&targets)?;
    written(
        state
            .store
            .set_outcome_targets(Some(viewer.actor.person_id()), outcome.id, targets)
            .await?,
    );
    Ok(see_other("/admin/targets?done=targets"))
}
