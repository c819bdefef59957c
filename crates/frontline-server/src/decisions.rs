//! Decisions as a use case: which decisions a query asks for (the review queue's filters),
//! loading one the actor may see, and reviewing it. The API and the reviews page both call
//! these. Deciding itself is `guidelines::decide`.

use frontline_core::guideline::Verdict;
use frontline_core::{DecisionId, PersonId, Timestamp};
use frontline_store::{Decision, DecisionFilter, ReviewOutcome, StoreError};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::guidelines::kind_key;
use crate::lookup::written;
use crate::state::AppState;

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
