//! Proposals: decisions made bottom-up. Any employee proposes a change with evidence (cases
//! they can cite and/or a voice-of-the-customer theme, named by key and label); colleagues
//! vote (one vote each, never on their own) and comment; a support employee adopts or
//! declines it with a reason and later marks it shipped, which tells every evidence case's
//! customer on that case (`frontline_core::closed_loop`). Customers never see proposals.
//!
//! The functions here are shared with the pages, so a form and the API refuse alike.

use axum::extract::State;
use axum::http::StatusCode;
use frontline_core::proposal::{
    CommentBody, Evidence, NewProposal, Proposal, ProposalBody, ProposalComment, ProposalTitle,
    Reason, Theme, WhatChanged,
};
use frontline_core::{ProposalChange, ProposalId, ProposalStatus, Timestamp};
use frontline_store::{ProposalFilter, ProposalSummary, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{load_case, written};
use crate::app::AppState;
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Fields, Result};
use crate::extract::{Json as JsonBody, Path, Query};

pub const TAG: &str = "proposals";

/// A theme a proposal draws on, as the themes page names it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThemeBody {
    /// The theme's key (`/themes?key=…`).
    pub key: String,
    /// How people read it; the key when left out.
    pub label: Option<String>,
}

/// A proposal to raise.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseBody {
    /// What should change, in one line (at most 200 characters).
    pub title: String,
    /// What goes wrong today and what to do instead.
    pub body: String,
    /// Cases that show it (ids or numbers, `FL-1042`); at most 50. Cases, a theme, or both.
    #[serde(default)]
    pub cases: Vec<String>,
    pub theme: Option<ThemeBody>,
}

/// Raise a proposal (shared by the API and the pages). Every bad field is reported at once.
pub async fn raise(state: &AppState, actor: &Actor, body: RaiseBody) -> Result<Proposal> {
    authz::require(actor, Action::RaiseProposal, &Resource::Org, "proposals")?;
    let mut fields = Fields::new();
    let title = fields.check(ProposalTitle::parse(&body.title));
    let text = fields.check(ProposalBody::parse(&body.body));
    let theme = match &body.theme {
        Some(theme) => fields
            .check(Theme::parse(&theme.key, theme.label.as_deref()))
            .map(Some),
        None => Some(None),
    };
    let mut case_ids = Vec::with_capacity(body.cases.len());
    let mut unknown_case = false;
    for raw in body
        .cases
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    {
        match load_case(state, actor, raw, Action::ReadCase).await {
            Ok(case) => case_ids.push(case.id),
            Err(AppError::NotFound(_)) => {
                unknown_case = true;
                fields.push("cases", format!("no case {raw:?}"));
            }
            Err(other) => return Err(other),
        }
    }
    // A case that was not found is already the problem with the evidence; say it once.
    let evidence = theme
        .filter(|_| !unknown_case)
        .and_then(|theme| fields.check(Evidence::new(case_ids, theme)));
    let (title, text, evidence) = fields.done(|| Some((title?, text?, evidence?)))?;
    let new = NewProposal {
        author_id: actor.person_id(),
        title,
        body: text,
        evidence,
    };
    Ok(written(state.store.raise_proposal(new, None).await?))
}

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

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    /// Comma-separated statuses: open, adopted, declined, shipped, withdrawn.
    pub status: Option<String>,
    /// `true`: only proposals I raised.
    pub mine: Option<bool>,
    /// Only proposals citing this case (id or number).
    pub case: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_before` of the previous page.
    pub before: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalList {
    /// Newest first, each with its vote count.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ProposalSummary>,
    /// The `before` cursor of the next page, if there is one.
    pub next_before: Option<String>,
}

/// Parse the list's query into a filter (shared with the pages).
pub async fn proposal_filter(
    state: &AppState,
    actor: &Actor,
    query: &ProposalQuery,
) -> Result<ProposalFilter> {
    authz::require(actor, Action::ListProposals, &Resource::Org, "proposals")?;
    let mut filter = ProposalFilter::default();
    for raw in query
        .status
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        filter.statuses.push(raw.parse::<ProposalStatus>()?);
    }
    if query.mine == Some(true) {
        filter.author_id = Some(actor.person_id());
    }
    if let Some(raw) = query
        .case
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let case = load_case(state, actor, raw, Action::ReadCase)
            .await
            .map_err(|_| AppError::field("case", format!("no case {raw:?}")))?;
        filter.case_id = Some(case.id);
    }
    if let Some(raw) = query.before.as_deref().filter(|b| !b.is_empty()) {
        let bad = || AppError::field("before", "must be the `next_before` of a previous page");
        let (at, id) = raw.split_once('_').ok_or_else(bad)?;
        let at = at.parse::<Timestamp>().map_err(|_| bad())?;
        let id = id.parse::<ProposalId>().map_err(|_| bad())?;
        filter.before = Some((at, id));
    }
    Ok(filter)
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

/// Load a proposal and check `action` on it; missing and hidden read alike.
pub async fn load_proposal(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    action: Action,
) -> Result<Proposal> {
    let what = format!("proposal {raw}");
    let id = raw
        .parse::<ProposalId>()
        .map_err(|_| AppError::not_found(&what))?;
    // Customers may not learn that a proposal exists: decide before reading.
    authz::require(actor, Action::ListProposals, &Resource::Org, &what)?;
    let proposal = state.store.get_proposal(id).await.map_err(|e| match e {
        StoreError::NotFound { .. } => AppError::not_found(&what),
        other => other.into(),
    })?;
    let resource = Resource::Proposal {
        author_id: proposal.author_id,
    };
    authz::require(actor, Action::ReadProposal, &resource, &what)?;
    authz::require(actor, action, &resource, &what)?;
    Ok(proposal)
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

/// Give or take back the actor's vote (shared with the pages); the new count.
pub async fn vote(state: &AppState, actor: &Actor, raw: &str, voted: bool) -> Result<u32> {
    let proposal = load_proposal(state, actor, raw, Action::VoteProposal).await?;
    Ok(written(
        state
            .store
            .set_proposal_vote(actor.person_id(), proposal.id, voted, None)
            .await?,
    ))
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

/// Comment on a proposal (shared with the pages).
pub async fn comment(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    body: &str,
) -> Result<ProposalComment> {
    let proposal = load_proposal(state, actor, raw, Action::CommentProposal).await?;
    let body = CommentBody::parse(body)?;
    Ok(written(
        state
            .store
            .comment_proposal(actor.person_id(), proposal.id, body, None)
            .await?,
    ))
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

/// What a person does to a proposal, before it is checked.
#[derive(Debug)]
pub enum Act {
    Adopt(String),
    Decline(String),
    Ship(String),
    Withdraw,
}

/// A closed-loop message posted when a proposal shipped.
#[derive(Debug, Serialize, ToSchema)]
pub struct Told {
    /// The case, e.g. `FL-1042`.
    pub case: String,
    #[schema(value_type = String)]
    pub message_id: frontline_core::MessageId,
}

/// A decision's result: the proposal and, when it shipped, the customers told.
#[derive(Debug, Serialize, ToSchema)]
pub struct Decided {
    #[schema(value_type = Object)]
    pub proposal: Proposal,
    pub told: Vec<Told>,
}

/// Adopt, decline, ship or withdraw (shared with the pages). Who may comes first, so a
/// refused person learns nothing from a field error.
pub async fn act(state: &AppState, actor: &Actor, raw: &str, act: Act) -> Result<Decided> {
    let action = match act {
        Act::Adopt(_) | Act::Decline(_) | Act::Ship(_) => Action::DecideProposal,
        Act::Withdraw => Action::WithdrawProposal,
    };
    let proposal = load_proposal(state, actor, raw, action).await?;
    let change = match act {
        Act::Adopt(reason) => ProposalChange::Adopt {
            reason: Reason::parse(&reason)?,
        },
        Act::Decline(reason) => ProposalChange::Decline {
            reason: Reason::parse(&reason)?,
        },
        Act::Ship(what) => ProposalChange::Ship {
            what_changed: WhatChanged::parse(&what)?,
        },
        Act::Withdraw => ProposalChange::Withdraw,
    };
    let changed = written(
        state
            .store
            .change_proposal(actor.person_id(), proposal.id, change, None)
            .await?,
    );
    let told = changed
        .told
        .iter()
        .filter_map(|m| {
            let number = changed
                .proposal
                .cases
                .iter()
                .find(|c| c.case_id == m.case_id)?
                .number;
            Some(Told {
                case: number.to_string(),
                message_id: m.id,
            })
        })
        .collect();
    Ok(Decided {
        proposal: changed.proposal,
        told,
    })
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
