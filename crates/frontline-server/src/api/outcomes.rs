//! Successful Customer Outcomes. Everyone reads them (customers pick one when opening a
//! case); support employees with `admin` create them.

use axum::extract::State;
use axum::http::StatusCode;
use frontline_core::{Name, OutcomeId, OutcomeKey, TeamId};
use frontline_store::NewOutcome;
use serde::Deserialize;
use utoipa::ToSchema;

use super::teams::PageQuery;
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Fields, Result};
use crate::extract::{Json, Path, Query};
use crate::lookup::{resolve_outcome, written};
use crate::paging;
use crate::state::AppState;
use crate::views::{OutcomePage, OutcomeView};

pub const MAX_CRITERIA_CHARS: usize = 5_000;
/// A year, in minutes.
pub const MAX_TARGET_MINUTES: u32 = 366 * 24 * 60;

#[utoipa::path(
    get,
    path = "/api/v1/outcomes",
    tag = "outcomes",
    summary = "List outcomes",
    params(PageQuery),
    responses((status = 200, description = "A page of outcomes, oldest first", body = OutcomePage)),
)]
pub async fn list_outcomes(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<PageQuery>,
) -> Result<axum::Json<OutcomePage>> {
    authz::require(&actor, Action::ListOutcomes, &Resource::Org, "outcomes")?;
    let limit = paging::limit(query.limit)?;
    let after = match &query.after {
        Some(raw) => Some(
            raw.parse::<OutcomeId>()
                .map_err(|_| AppError::field("after", "must be an outcome id"))?,
        ),
        None => None,
    };
    let mut outcomes = state.store.list_outcomes().await?;
    outcomes.sort_by_key(|o| o.id);
    let (page, has_more) = paging::in_memory(outcomes, |o| o.id, after.as_ref(), limit);
    let next = match (has_more, page.last()) {
        (true, Some(last)) => Some(paging::link(
            "/api/v1/outcomes",
            &PageQuery {
                after: Some(last.id.to_string()),
                limit: Some(limit),
            },
        )),
        _ => None,
    };
    Ok(axum::Json(OutcomePage {
        items: page.iter().map(OutcomeView::from).collect(),
        next,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/outcomes/{outcome}",
    tag = "outcomes",
    summary = "Read an outcome",
    params(("outcome" = String, Path, description = "Outcome id or key")),
    responses((status = 200, description = "The outcome", body = OutcomeView)),
)]
pub async fn get_outcome(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<OutcomeView>> {
    authz::require(&actor, Action::ReadOutcome, &Resource::Outcome, "outcome")?;
    let outcome = resolve_outcome(&state, "outcome", &raw)
        .await
        .map_err(|e| match e {
            AppError::Invalid { .. } => AppError::not_found(format!("outcome {raw}")),
            other => other,
        })?;
    Ok(axum::Json(OutcomeView::from(&outcome)))
}

/// Create an outcome.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOutcomeBody {
    /// Unique slug, e.g. `order_arrives`.
    pub key: String,
    pub name: String,
    /// How we know the customer got what they wanted.
    pub success_criteria: String,
    /// Target time from case creation to the outcome, in minutes.
    pub target_minutes: u32,
    /// Owning team ids, in routing preference order.
    pub teams: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/outcomes",
    tag = "outcomes",
    summary = "Create an outcome",
    request_body = CreateOutcomeBody,
    responses((status = 201, description = "The outcome", body = OutcomeView)),
)]
pub async fn create_outcome(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<CreateOutcomeBody>,
) -> Result<(StatusCode, axum::Json<OutcomeView>)> {
    authz::require(&actor, Action::CreateOutcome, &Resource::Org, "outcomes")?;
    let mut fields = Fields::new();
    let key = fields.check(
        OutcomeKey::parse(&body.key).map_err(|e| frontline_core::ValueError::new("key", e.reason)),
    );
    let name = fields.check(Name::parse(&body.name));
    let criteria = body.success_criteria.trim().to_owned();
    if criteria.chars().count() > MAX_CRITERIA_CHARS {
        fields.push(
            "success_criteria",
            format!("is longer than {MAX_CRITERIA_CHARS} characters"),
        );
    }
    if !(1..=MAX_TARGET_MINUTES).contains(&body.target_minutes) {
        fields.push(
            "target_minutes",
            format!("must be between 1 and {MAX_TARGET_MINUTES}"),
        );
    }
    let mut team_ids = Vec::with_capacity(body.teams.len());
    for (i, raw) in body.teams.iter().enumerate() {
        match raw.parse::<TeamId>() {
            Ok(id) => team_ids.push(id),
            Err(_) => fields.push(format!("teams[{i}]"), "must be a team id"),
        }
    }
    let (key, name) = fields.done(|| Some((key?, name?)))?;
    let outcome = written(
        state
            .store
            .create_outcome(
                Some(actor.person_id()),
                NewOutcome {
                    key,
                    name,
                    success_criteria: criteria,
                    target_minutes: body.target_minutes,
                    team_ids,
                },
            )
            .await
            .map_err(|e| match e {
                // The only reference in the request is the teams: a missing one is a bad field.
                frontline_store::StoreError::NotFound { what } => {
                    AppError::field("teams", format!("{what} not found"))
                }
                other => other.into(),
            })?,
    );
    Ok((StatusCode::CREATED, axum::Json(OutcomeView::from(&outcome))))
}
