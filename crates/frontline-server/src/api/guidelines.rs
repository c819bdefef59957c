//! Decision kinds and rules: staff read them, their figures and back-tests; support employees
//! with `admin` define kinds and draft, publish and retire rule versions. Expressions are
//! compiled when a version is saved, so a published rule always evaluates.

use axum::extract::State;
use axum::http::StatusCode;
use frontline_core::guideline::{DecisionKind, RuleStatus};
use frontline_store::{RuleFilter, RuleVersion};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Actor;
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::guidelines::{
    AutomaticFact, BackTest, FiguresList, FiguresQuery, KindBody, NewRuleBody, NewVersionBody,
    automatic_facts, back_test_days, draft_rule, draft_version, kind_key, load_kind, move_version,
    read, rule_figures, rule_id, run_back_test, save_kind, versions,
};
use crate::state::AppState;

pub const TAG: &str = "guidelines";

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DecisionKindList {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<DecisionKind>,
    /// Facts supplied automatically to every kind's rules.
    pub automatic_facts: Vec<AutomaticFact>,
}

#[utoipa::path(
    get,
    path = "/api/v1/decision-kinds",
    tag = TAG,
    summary = "List decision kinds",
    responses((status = 200, description = "Every kind, by key, and the automatic facts", body = DecisionKindList)),
)]
pub async fn list_kinds(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<axum::Json<DecisionKindList>> {
    read(&actor)?;
    Ok(axum::Json(DecisionKindList {
        items: state.store.list_decision_kinds().await?,
        automatic_facts: automatic_facts(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/decision-kinds/{kind}",
    tag = TAG,
    summary = "Read a decision kind",
    params(("kind" = String, Path, description = "The kind's key, e.g. refund")),
    responses((status = 200, description = "The kind", body = Object)),
)]
pub async fn get_kind(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<DecisionKind>> {
    read(&actor)?;
    // A key that could never exist is a kind that does not exist (404), as for every path id.
    let key = kind_key(&raw).map_err(|_| AppError::not_found(format!("decision kind {raw:?}")))?;
    Ok(axum::Json(load_kind(&state, &key).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/decision-kinds/{kind}",
    tag = TAG,
    summary = "Create or replace a decision kind",
    params(("kind" = String, Path, description = "The kind's key, e.g. refund")),
    request_body = KindBody,
    responses((status = 200, description = "The kind as saved", body = Object)),
)]
pub async fn put_kind(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<KindBody>,
) -> Result<axum::Json<DecisionKind>> {
    let saved = save_kind(
        &state,
        &actor,
        &raw,
        &body.name,
        &body.description,
        &body.currency,
        body.facts,
    )
    .await?;
    Ok(axum::Json(saved))
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RuleList {
    /// Ordered by rule (oldest first), then version.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<RuleVersion>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RuleQuery {
    /// Only rules of this decision kind.
    pub kind: Option<String>,
    /// draft, published or retired.
    pub status: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/rules",
    tag = TAG,
    summary = "List rule versions",
    params(RuleQuery),
    responses((status = 200, description = "Matching versions", body = RuleList)),
)]
pub async fn list_rules(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<RuleQuery>,
) -> Result<axum::Json<RuleList>> {
    read(&actor)?;
    let filter = RuleFilter {
        kind: query.kind.as_deref().map(kind_key).transpose()?,
        status: query.status.as_deref().map(RuleStatus::parse).transpose()?,
        rule_id: None,
    };
    Ok(axum::Json(RuleList {
        items: state.store.list_rules(filter).await?,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/rules",
    tag = TAG,
    summary = "Draft a new rule",
    request_body = NewRuleBody,
    responses((status = 201, description = "Version 1, a draft", body = Object)),
)]
pub async fn create_rule(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<NewRuleBody>,
) -> Result<(StatusCode, axum::Json<RuleVersion>)> {
    let version = draft_rule(&state, &actor, body).await?;
    Ok((StatusCode::CREATED, axum::Json(version)))
}

#[utoipa::path(
    get,
    path = "/api/v1/rules/{rule}",
    tag = TAG,
    summary = "Every version of a rule",
    params(("rule" = String, Path, description = "Rule id")),
    responses((status = 200, description = "Versions, oldest first", body = RuleList)),
)]
pub async fn get_rule(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<RuleList>> {
    read(&actor)?;
    Ok(axum::Json(RuleList {
        items: versions(&state, rule_id(&raw)?).await?,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/rules/{rule}/versions",
    tag = TAG,
    summary = "Draft the next version of a rule",
    params(("rule" = String, Path, description = "Rule id")),
    request_body = NewVersionBody,
    responses((status = 201, description = "The new draft", body = Object)),
)]
pub async fn create_version(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<NewVersionBody>,
) -> Result<(StatusCode, axum::Json<RuleVersion>)> {
    let version = draft_version(&state, &actor, rule_id(&raw)?, body).await?;
    Ok((StatusCode::CREATED, axum::Json(version)))
}

#[utoipa::path(
    post,
    path = "/api/v1/rules/{rule}/versions/{version}/publish",
    tag = TAG,
    summary = "Publish a draft (the previously published version retires)",
    params(("rule" = String, Path, description = "Rule id"), ("version" = u32, Path, description = "Version")),
    responses((status = 200, description = "The published version", body = Object)),
)]
pub async fn publish(
    State(state): State<AppState>,
    actor: Actor,
    Path((raw, version)): Path<(String, u32)>,
) -> Result<axum::Json<RuleVersion>> {
    Ok(axum::Json(
        move_version(
            &state,
            &actor,
            rule_id(&raw)?,
            version,
            RuleStatus::Published,
        )
        .await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/rules/{rule}/versions/{version}/retire",
    tag = TAG,
    summary = "Retire a version (or discard a draft)",
    params(("rule" = String, Path, description = "Rule id"), ("version" = u32, Path, description = "Version")),
    responses((status = 200, description = "The retired version", body = Object)),
)]
pub async fn retire(
    State(state): State<AppState>,
    actor: Actor,
    Path((raw, version)): Path<(String, u32)>,
) -> Result<axum::Json<RuleVersion>> {
    Ok(axum::Json(
        move_version(&state, &actor, rule_id(&raw)?, version, RuleStatus::Retired).await?,
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BackTestQuery {
    /// How far back, 1 to 730 days (default 90).
    #[param(minimum = 1, maximum = 730)]
    pub days: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/api/v1/rules/{rule}/versions/{version}/backtest",
    tag = TAG,
    summary = "Which past verdicts this version would change",
    params(("rule" = String, Path, description = "Rule id"), ("version" = u32, Path, description = "Version"), BackTestQuery),
    responses((status = 200, description = "Decisions re-evaluated, and those whose verdict changes", body = BackTest)),
)]
pub async fn back_test(
    State(state): State<AppState>,
    actor: Actor,
    Path((raw, version)): Path<(String, u32)>,
    Query(query): Query<BackTestQuery>,
) -> Result<axum::Json<BackTest>> {
    let days = back_test_days(query.days)?;
    let (_, result) = run_back_test(&state, &actor, rule_id(&raw)?, version, days).await?;
    Ok(axum::Json(result))
}

#[utoipa::path(
    get,
    path = "/api/v1/rules/figures",
    tag = TAG,
    summary = "How often each rule is met and deviated from, and how deviations were judged",
    params(FiguresQuery),
    responses((status = 200, description = "Figures per guideline and policy", body = FiguresList)),
)]
pub async fn figures(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<FiguresQuery>,
) -> Result<axum::Json<FiguresList>> {
    Ok(axum::Json(rule_figures(&state, &actor, &query).await?))
}
