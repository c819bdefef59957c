//! Deciding on a case (evaluate, dry run, record with an explanation when one is needed),
//! reading decisions, and the review queue where support employees uphold, coach or reverse
//! decisions taken outside a guideline.

use axum::extract::State;
use axum::http::StatusCode;
use frontline_core::guideline::{Evaluation, Verdict};
use frontline_core::{DecisionId, PersonId, Timestamp};
use frontline_store::{Decision, DecisionFilter, ReviewOutcome, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use utoipa::{IntoParams, ToSchema};

use super::guidelines::{TAG, kind_key};
use super::{load_case, written};
use crate::app::AppState;
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::{Json as JsonBody, Path, Query};
use crate::guidelines::{self, CaseContext, Proposal};

/// A decision to evaluate or record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideBody {
    /// The decision kind's key, e.g. `refund`.
    pub kind: String,
    /// The kind's facts by name, e.g. `{"amount": 120, "reason": "damaged"}`. Money may also be
    /// `{"amount": 120, "currency": "EUR"}`.
    #[schema(value_type = Object)]
    pub facts: Map<String, Json>,
    /// Why, when acting outside a guideline (at least a sentence).
    pub explanation: Option<String>,
    /// Evaluate only; record nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// The verdict of a dry run.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EvaluationView {
    /// within, explain or blocked.
    #[schema(value_type = String)]
    pub verdict: Verdict,
    /// Every applicable rule: `held` (null for principles) and `why` it did not hold.
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<frontline_core::guideline::Finding>,
    /// The facts as evaluated, the automatic ones included.
    #[schema(value_type = Object)]
    pub facts: Map<String, Json>,
    /// Whether recording would need an explanation.
    pub explanation_required: bool,
}

impl EvaluationView {
    fn new(evaluation: Evaluation, facts: Map<String, Json>) -> Self {
        Self {
            explanation_required: evaluation.verdict == Verdict::Explain,
            verdict: evaluation.verdict,
            findings: evaluation.findings,
            facts,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DecisionList {
    /// Newest first.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Decision>,
    /// The `before` cursor of the next page, if there is one.
    pub next_before: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{case}/decisions",
    tag = TAG,
    summary = "Evaluate a decision against the guidelines, and record it",
    params(("case" = String, Path, description = "Case id or number (FL-1042)")),
    request_body = DecideBody,
    responses(
        (status = 200, description = "Dry run: the verdict, nothing recorded", body = EvaluationView),
        (status = 201, description = "Recorded", body = Object),
        (status = 422, description = "Blocked by a policy, or outside a guideline without an explanation (`evaluation` holds the verdict)"),
    ),
)]
pub async fn decide(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<DecideBody>,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let case = load_case(&state, &actor, &raw, Action::Decide).await?;
    let ctx = CaseContext::load(&*state.store, case).await?;
    let proposal = Proposal {
        kind: kind_key(&body.kind)?,
        facts: body.facts,
        explanation: body.explanation,
        dry_run: body.dry_run,
    };
    let decided = guidelines::decide(
        &*state.store,
        &state.rules,
        &ctx,
        actor.person_id(),
        proposal,
    )
    .await?;
    Ok(match decided.recorded {
        Some(decision) => (StatusCode::CREATED, axum::Json(decision)).into_response(),
        None => axum::Json(EvaluationView::new(decided.evaluation, decided.facts)).into_response(),
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/cases/{case}/decisions",
    tag = TAG,
    summary = "Decisions taken on a case",
    params(("case" = String, Path, description = "Case id or number (FL-1042)")),
    responses((status = 200, description = "Newest first", body = DecisionList)),
)]
pub async fn case_decisions(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<DecisionList>> {
    let case = load_case(&state, &actor, &raw, Action::ReadDecisions).await?;
    let items = state
        .store
        .list_decisions(
            DecisionFilter {
                case_id: Some(case.id),
                ..DecisionFilter::default()
            },
            500,
        )
        .await?;
    Ok(axum::Json(DecisionList {
        items,
        next_before: None,
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DecisionQuery {
    /// `pending`: taken with an explanation and not yet reviewed (the review queue);
    /// `reviewed`: reviewed.
    pub review: Option<String>,
    /// within, explain or blocked.
    pub verdict: Option<String>,
    pub kind: Option<String>,
    /// Taken by this person (id, or `me`).
    pub actor: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_before` of the previous page.
    pub before: Option<String>,
}

/// Parse the decision list's query into a filter (shared by the API and the pages).
pub fn decision_filter(actor: &Actor, query: &DecisionQuery) -> Result<DecisionFilter> {
    let mut filter = DecisionFilter::default();
    match query.review.as_deref() {
        None | Some("") | Some("any") => {}
        Some("pending") => {
            filter.reviewed = Some(false);
            filter.verdict = Some(Verdict::Explain);
        }
        Some("reviewed") => filter.reviewed = Some(true),
        Some(other) => {
            return Err(AppError::field(
                "review",
                format!("{other:?} is not pending, reviewed or any"),
            ));
        }
    }
    if let Some(v) = query.verdict.as_deref().filter(|v| !v.is_empty()) {
        filter.verdict = Some(Verdict::parse(v)?);
    }
    if let Some(k) = query.kind.as_deref().filter(|k| !k.is_empty()) {
        filter.kind = Some(kind_key(k)?);
    }
    filter.actor_id = match query.actor.as_deref() {
        None | Some("") => None,
        Some("me") => Some(actor.person_id()),
        Some(raw) => Some(
            raw.parse::<PersonId>()
                .map_err(|_| AppError::field("actor", "must be a person id or `me`"))?,
        ),
    };
    if let Some(raw) = query.before.as_deref().filter(|b| !b.is_empty()) {
        let bad = || AppError::field("before", "must be the `next_before` of a previous page");
        let (at, id) = raw.split_once('_').ok_or_else(bad)?;
        let at = at.parse::<Timestamp>().map_err(|_| bad())?;
        let id = id.parse::<DecisionId>().map_err(|_| bad())?;
        filter.before = Some((at, id));
    }
    Ok(filter)
}

/// The `before` cursor that continues after `last`.
pub fn cursor(last: &Decision) -> String {
    format!("{}_{}", last.decided_at, last.id)
}

#[utoipa::path(
    get,
    path = "/api/v1/decisions",
    tag = TAG,
    summary = "Decisions across cases; `review=pending` is the review queue",
    params(DecisionQuery),
    responses((status = 200, description = "Newest first", body = DecisionList)),
)]
pub async fn list_decisions(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<DecisionQuery>,
) -> Result<axum::Json<DecisionList>> {
    authz::require(&actor, Action::ReadDecisions, &Resource::Org, "decisions")?;
    let filter = decision_filter(&actor, &query)?;
    let limit = crate::paging::limit(query.limit)?;
    let mut items = state.store.list_decisions(filter, limit + 1).await?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_before = if more { items.last().map(cursor) } else { None };
    Ok(axum::Json(DecisionList { items, next_before }))
}

pub(crate) async fn load_decision(state: &AppState, actor: &Actor, raw: &str) -> Result<Decision> {
    let what = format!("decision {raw}");
    let id = raw
        .parse::<DecisionId>()
        .map_err(|_| AppError::not_found(&what))?;
    let decision = state.store.get_decision(id).await.map_err(|e| match e {
        StoreError::NotFound { .. } => AppError::not_found(&what),
        other => other.into(),
    })?;
    // Customers never learn that a decision exists: hidden reads exactly like missing.
    authz::require(
        actor,
        Action::ReadDecisions,
        &Resource::Decision {
            decided_by: decision.actor_id,
        },
        &what,
    )?;
    Ok(decision)
}

#[utoipa::path(
    get,
    path = "/api/v1/decisions/{decision}",
    tag = TAG,
    summary = "Read a decision",
    params(("decision" = String, Path, description = "Decision id")),
    responses((status = 200, description = "The decision with its findings and review", body = Object)),
)]
pub async fn get_decision(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<Decision>> {
    Ok(axum::Json(load_decision(&state, &actor, &raw).await?))
}

/// A review of a decision taken with an explanation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// uphold, coach or reverse.
    pub outcome: String,
    /// What the employee should know; required to coach or reverse.
    pub comment: Option<String>,
}

/// Review a decision (shared by the API and the pages).
pub async fn review(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    body: ReviewBody,
) -> Result<Decision> {
    let decision = load_decision(state, actor, raw).await?;
    authz::require(
        actor,
        Action::ReviewDecision,
        &Resource::Decision {
            decided_by: decision.actor_id,
        },
        format!("decision {raw}"),
    )?;
    let outcome = ReviewOutcome::parse(body.outcome.trim())?;
    let comment = body
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    if comment.as_ref().is_some_and(|c| c.chars().count() > 4000) {
        return Err(AppError::field("comment", "is longer than 4000 characters"));
    }
    if outcome != ReviewOutcome::Uphold && comment.is_none() {
        return Err(AppError::field(
            "comment",
            format!(
                "say what the employee should know when you {}",
                outcome.as_str()
            ),
        ));
    }
    let reviewed = state
        .store
        .review_decision(decision.id, actor.person_id(), outcome, comment)
        .await?;
    Ok(written(reviewed))
}

#[utoipa::path(
    post,
    path = "/api/v1/decisions/{decision}/review",
    tag = TAG,
    summary = "Uphold, coach or reverse a decision taken with an explanation",
    params(("decision" = String, Path, description = "Decision id")),
    request_body = ReviewBody,
    responses((status = 200, description = "The decision with its review", body = Object)),
)]
pub async fn review_decision(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<ReviewBody>,
) -> Result<axum::Json<Decision>> {
    Ok(axum::Json(review(&state, &actor, &raw, body).await?))
}
