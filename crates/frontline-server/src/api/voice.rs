//! The voice of the customer over HTTP: the mood alerts raised by customers' messages (mine,
//! my teams', or everyone's), acknowledging one, and the themes drawn from customers'
//! verbatims. The use cases live in `crate::voice`.

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Actor;
use crate::authz::Action;
use crate::error::Result;
use crate::extract::{Path, Query};
use crate::lookup::load_case;
use crate::state::AppState;
use crate::voice::{self, AlertView, Scope, Themes};

pub const TAG: &str = "voice";

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// `mine` (cases I own), `team` (cases of the teams I am in or support), `both` (the
    /// default: what the cockpit shows) or `all`.
    pub scope: Option<String>,
    /// Also list alerts already acknowledged (default false: only those still waiting).
    pub acknowledged: Option<bool>,
    /// Only this case's alerts (id or number).
    pub case: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/api/v1/mood-alerts",
    tag = TAG,
    summary = "Mood alerts, newest first: a customer's words showed anger, or their mood dropped sharply",
    description = "Raised when a customer's message is written: anger when it has an angry word (\"furious\", \"unacceptable\", …) that no negation in the three words before cancels and it scores below 0, or scores -0.6 or less; a drop when it scores -0.3 or less and at least 0.5 below the mean of the customer's earlier messages on the case. Scores are VADER compound scores (English; sarcasm is not understood). The same alerts arrive live as `case.mood_alert` events on the stream (staff only).",
    params(AlertQuery),
    responses(
        (status = 200, description = "The alerts", body = Vec<AlertView>),
        (status = 404, description = "`case` names a case that does not exist"),
    ),
)]
pub async fn list_alerts(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<AlertQuery>,
) -> Result<axum::Json<Vec<AlertView>>> {
    let scope: Scope = query.scope.as_deref().unwrap_or("").parse()?;
    let limit = crate::paging::limit(query.limit)?;
    let case = match query
        .case
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => None,
        Some(raw) => Some(load_case(&state, &actor, raw, Action::ReadCase).await?.id),
    };
    Ok(axum::Json(
        voice::alerts(
            &state,
            &actor,
            scope,
            query.acknowledged.unwrap_or(false),
            case,
            limit,
        )
        .await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/mood-alerts/{message}/acknowledge",
    tag = TAG,
    summary = "Acknowledge a mood alert: it leaves the cockpits (its case's owner or a member of its team)",
    params(("message" = String, Path, description = "The id of the message that raised the alert")),
    responses(
        (status = 200, description = "The alert, acknowledged", body = AlertView),
        (status = 409, description = "Already acknowledged"),
    ),
)]
pub async fn acknowledge(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<AlertView>> {
    Ok(axum::Json(voice::acknowledge(&state, &actor, &raw).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/themes",
    tag = TAG,
    summary = "Recurring themes in what customers say, with counts, trend, quotes and cases",
    description = "Drawn from the last two periods of 28 days: the words of customers' ratings and their messages scoring -0.3 or less. Keyphrases are extracted with RAKE (split at stopwords and punctuation, words scored by degree over frequency), lower-cased and singularised, and grouped by their head word (the phrase's word said in most cases). A theme needs at least 2 cases; `trend` compares cases in the last 28 days with the 28 before. Deterministic: the same verbatims give the same themes. English only.",
    responses((status = 200, description = "The themes, the most widespread first", body = Themes)),
)]
pub async fn themes(State(state): State<AppState>, actor: Actor) -> Result<axum::Json<Themes>> {
    Ok(axum::Json(voice::themes(&state, &actor).await?))
}
