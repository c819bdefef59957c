//! Proposals: decisions made bottom-up. Any employee proposes a change with evidence (cases
//! they can cite and/or a voice-of-the-customer theme, named by key and label); colleagues
//! vote (one vote each, never on their own) and comment; a support employee adopts or
//! declines it with a reason and later marks it shipped, which tells every evidence case's
//! customer on that case (`frontline_core::closed_loop`). Customers never see proposals.
//!
//! The functions here are shared with the pages, so a form and the API refuse alike.

use axum::extract::State;
use axum::http::StatusCode;
use frontline_core::proposal::{Proposal, ProposalComment};
use frontline_store::ProposalSummary;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::authz::Action;
use crate::error::Result;
use crate::extract::{Json as JsonBody, Path, Query};
use crate::proposals::{
    Act, Decided, ProposalQuery, RaiseBody, act, comment, load_proposal, proposal_filter, raise,
    vote,
};
use crate::state::AppState;

pub const TAG: &str = "proposals";

#[utoipa::path(
    post,
    path = "/api/v1/proposals",
    tag = TAG,
    summary = "Propose a change, with cases and/or a theme as evidence",
    request_body = RaiseBody,
    responses(
        (status = 201, description = "Raised, open", body = Object),
        (status = 404, description = "Customers: proposals do not exist for them"),
    ),
)]
pub async fn raise_proposal(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<RaiseBody>,
) -> Result<(StatusCode, axum::Json<Proposal>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(raise(&state, &actor, body).await?),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalList {
    /// Newest first, each with its vote count.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ProposalSummary>,
    /// The `before` cursor of the next page, if there is one.
    pub next_before: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/proposals",
    tag = TAG,
    summary = "Proposals with their vote counts, newest first",
    params(ProposalQuery),
    responses(
        (status = 200, description = "Newest first", body = ProposalList),
        (status = 404, description = "Customers: proposals do not exist for them"),
    ),
)]
pub async fn list_proposals(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<ProposalQuery>,
) -> Result<axum::Json<ProposalList>> {
    let filter = proposal_filter(&state, &actor, &query).await?;
    let limit = crate::paging::limit(query.limit)?;
    let mut items = state.store.list_proposals(filter, limit + 1).await?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_before = if more {
        items
            .last()
            .map(|s| format!("{}_{}", s.proposal.created_at, s.proposal.id))
    } else {
        None
    };
    Ok(axum::Json(ProposalList { items, next_before }))
}

/// A proposal with who voted and what was said.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalDetail {
    #[schema(value_type = Object)]
    pub proposal: Proposal,
    pub votes: u32,
    /// Whether the person asking voted for it.
    pub voted: bool,
    /// The voters, oldest vote first.
    #[schema(value_type = Vec<String>)]
    pub voters: Vec<frontline_core::PersonId>,
    #[schema(value_type = Vec<Object>)]
    pub comments: Vec<ProposalComment>,
}

#[utoipa::path(
    get,
    path = "/api/v1/proposals/{proposal}",
    tag = TAG,
    summary = "Read a proposal with its evidence, voters and comments",
    params(("proposal" = String, Path, description = "Proposal id")),
    responses((status = 200, description = "The proposal", body = ProposalDetail)),
)]
pub async fn get_proposal(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<ProposalDetail>> {
    let proposal = load_proposal(&state, &actor, &raw, Action::ReadProposal).await?;
    let voters: Vec<_> = state
        .store
        .list_proposal_votes(proposal.id)
        .await?
        .into_iter()
        .map(|v| v.person_id)
        .collect();
    let comments = state.store.list_proposal_comments(proposal.id).await?;
    Ok(axum::Json(ProposalDetail {
        votes: voters.len() as u32,
        voted: voters.contains(&actor.person_id()),
        voters,
        proposal,
        comments,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VoteCount {
    pub votes: u32,
    pub voted: bool,
}

#[utoipa::path(
    post,
    path = "/api/v1/proposals/{proposal}/vote",
    tag = TAG,
    summary = "Vote for a proposal (one vote each; not your own)",
    params(("proposal" = String, Path, description = "Proposal id")),
    responses((status = 200, description = "Voted", body = VoteCount), (status = 409, description = "Already voted, or decided")),
)]
pub async fn vote_for(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<VoteCount>> {
    let votes = vote(&state, &actor, &raw, true).await?;
    Ok(axum::Json(VoteCount { votes, voted: true }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/proposals/{proposal}/vote",
    tag = TAG,
    summary = "Take back your vote while the proposal is open",
    params(("proposal" = String, Path, description = "Proposal id")),
    responses((status = 200, description = "Vote taken back", body = VoteCount), (status = 409, description = "Not voted, or decided")),
)]
pub async fn unvote(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<VoteCount>> {
    let votes = vote(&state, &actor, &raw, false).await?;
    Ok(axum::Json(VoteCount {
        votes,
        voted: false,
    }))
}

/// A comment.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentJson {
    pub body: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/proposals/{proposal}/comments",
    tag = TAG,
    summary = "A proposal's comments, oldest first",
    params(("proposal" = String, Path, description = "Proposal id")),
    responses((status = 200, description = "Oldest first", body = Vec<Object>)),
)]
pub async fn list_comments(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<Vec<ProposalComment>>> {
    let proposal = load_proposal(&state, &actor, &raw, Action::ReadProposal).await?;
    Ok(axum::Json(
        state.store.list_proposal_comments(proposal.id).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/proposals/{proposal}/comments",
    tag = TAG,
    summary = "Comment on a proposal",
    params(("proposal" = String, Path, description = "Proposal id")),
    request_body = CommentJson,
    responses((status = 201, description = "The comment", body = Object)),
)]
pub async fn add_comment(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<CommentJson>,
) -> Result<(StatusCode, axum::Json<ProposalComment>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(comment(&state, &actor, &raw, &body.body).await?),
    ))
}

/// Adopting or declining: why.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Required: the author, the voters and everyone reading the proposal learn from it.
    pub reason: Option<String>,
}

/// Shipping: what changed, in words a customer understands.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipBody {
    /// Required: every evidence case's customer reads it.
    pub what_changed: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/proposals/{proposal}/adopt",
    tag = TAG,
    summary = "Adopt an open proposal, saying why (support employees)",
    params(("proposal" = String, Path, description = "Proposal id")),
    request_body = ReasonBody,
    responses((status = 200, description = "Adopted", body = Decided)),
)]
pub async fn adopt(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<ReasonBody>,
) -> Result<axum::Json<Decided>> {
    let reason = body.reason.unwrap_or_default();
    Ok(axum::Json(
        act(&state, &actor, &raw, Act::Adopt(reason)).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/proposals/{proposal}/decline",
    tag = TAG,
    summary = "Decline an open proposal, saying why (support employees)",
    params(("proposal" = String, Path, description = "Proposal id")),
    request_body = ReasonBody,
    responses((status = 200, description = "Declined", body = Decided)),
)]
pub async fn decline(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<ReasonBody>,
) -> Result<axum::Json<Decided>> {
    let reason = body.reason.unwrap_or_default();
    Ok(axum::Json(
        act(&state, &actor, &raw, Act::Decline(reason)).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/proposals/{proposal}/ship",
    tag = TAG,
    summary = "Mark an adopted proposal shipped; every evidence case's customer is told on their case",
    params(("proposal" = String, Path, description = "Proposal id")),
    request_body = ShipBody,
    responses((status = 200, description = "Shipped, with the closed-loop message on each case", body = Decided)),
)]
pub async fn ship(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<ShipBody>,
) -> Result<axum::Json<Decided>> {
    let what = body.what_changed.unwrap_or_default();
    Ok(axum::Json(
        act(&state, &actor, &raw, Act::Ship(what)).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/proposals/{proposal}/withdraw",
    tag = TAG,
    summary = "Withdraw your own open proposal",
    params(("proposal" = String, Path, description = "Proposal id")),
    responses((status = 200, description = "Withdrawn", body = Decided)),
)]
pub async fn withdraw(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<Decided>> {
    Ok(axum::Json(act(&state, &actor, &raw, Act::Withdraw).await?))
}
