//! Proposals as a use case, behind both the API and the proposal pages: raising one with its
//! evidence (cases and themes), which proposals a query asks for, loading one the actor may
//! see, votes, comments, and the decisions on it (adopt, decline, ship, withdraw) with the
//! closed loop to the customers behind it.

use frontline_core::proposal::{
    CommentBody, Evidence, NewProposal, Proposal, ProposalBody, ProposalComment, ProposalTitle,
    Reason, Theme, WhatChanged,
};
use frontline_core::{ProposalChange, ProposalId, ProposalStatus, Timestamp};
use frontline_store::{ProposalFilter, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Fields, Result};
use crate::lookup::{load_case, written};
use crate::state::AppState;

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
