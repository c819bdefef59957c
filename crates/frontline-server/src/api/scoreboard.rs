//! The outcome scoreboard over HTTP: per outcome, over the cases opened in a period, the
//! cases, resolved, achieved (rate), time to outcome against the target, and the feelings
//! about those cases (`frontline_core::scoreboard` defines every figure). JSON and CSV carry
//! the same figures; every figure comes with the link to the case list that shows exactly
//! the cases behind it. The page (`pages::scoreboard`) calls the same [`load`].

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Actor;
use crate::error::Result;
use crate::extract::Query;
use crate::scoreboard::{Scoreboard, csv_file, load, period};
use crate::state::AppState;

pub const TAG: &str = "scoreboard";

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScoreboardQuery {
    /// Cases opened from this day (`2026-09-01`, from its start, UTC) or RFC 3339 time;
    /// default 90 days before `to`.
    pub from: Option<String>,
    /// Cases opened up to this day (inclusive, to its end, UTC) or time; default now.
    pub to: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/scoreboard",
    tag = TAG,
    summary = "The outcome scoreboard: per outcome, cases, achieved rate, time to outcome against the target, feelings (staff)",
    description = "Over the cases opened in the period (default the last 90 days). Every figure has a link to the case list showing exactly its cases. The employees' mean feeling is shown only when at least `min_respondents` (5) different employees answered.",
    params(ScoreboardQuery),
    responses(
        (status = 200, description = "The scoreboard", body = Scoreboard),
        (status = 404, description = "Customers: the scoreboard does not exist for them"),
    ),
)]
pub async fn scoreboard_json(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<ScoreboardQuery>,
) -> Result<axum::Json<Scoreboard>> {
    let period = period(query.from.as_deref(), query.to.as_deref(), state.now())?;
    Ok(axum::Json(
        load(&state, &actor, period, "/api/v1/cases").await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/scoreboard.csv",
    tag = TAG,
    summary = "The outcome scoreboard as CSV (staff)",
    description = "The same figures as `GET /api/v1/scoreboard`, one line per outcome after a header line (RFC 4180: comma-separated, CRLF line ends, fields with commas, quotes or line breaks quoted). Empty cells mean no figure (nothing to count, or fewer than 5 employees answered).",
    params(ScoreboardQuery),
    responses(
        (status = 200, description = "The scoreboard", content_type = "text/csv"),
        (status = 404, description = "Customers: the scoreboard does not exist for them"),
    ),
)]
pub async fn scoreboard_csv(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<ScoreboardQuery>,
) -> Result<Response> {
    let period = period(query.from.as_deref(), query.to.as_deref(), state.now())?;
    let board = load(&state, &actor, period, "/api/v1/cases").await?;
    let (name, body) = csv_file(&board);
    Ok(crate::middleware::csv_download(&name, body))
}
