//! Deciding on a case (evaluate, dry run, record with an explanation when one is needed),
//! reading decisions, and the review queue where support employees uphold, coach or reverse
//! decisions taken outside a guideline.

use axum::extract::State;
use axum::http::StatusCode;
use frontline_core::guideline::{Evaluation, Verdict};
use frontline_store::{Decision, DecisionFilter};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use utoipa::ToSchema;

use super::guidelines::TAG;
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::decisions::{DecisionQuery, ReviewBody, cursor, decision_filter, load_decision, review};
use crate::error::Result;
use crate::extract::{Json as JsonBody, Path, Query};
use crate::guidelines::kind_key;
use crate::guidelines::{self, CaseContext, Proposal};
use crate::lookup::load_case;
use crate::state::AppState;

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
        state.now(),
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
