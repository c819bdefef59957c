//! Proposals in the console, without JavaScript. `/proposals`: every proposal with its vote
//! count, filtered by status or "mine". `/proposals/new`: the form, prefilled from a case
//! (`?case=FL-1042`, the case page's "Propose a change") or a theme (`?theme=KEY&label=TEXT`).
//! `/proposals/{id}`: the evidence with links to its cases, votes, comments, and the forms of
//! whoever is looking: vote, comment, decide (support employees), withdraw (the author).
//!
//! Every form goes through `api::proposals`, exactly as the API, and a refusal is shown in
//! words above the form with what was typed kept.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use frontline_core::ProposalStatus;
use frontline_core::proposal::Proposal;
use serde::Deserialize;

use super::form::FormData;
use super::layout::{Layout, PageResult, age, refusal_in_words, render, see_other, when};
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::error::AppError;
use crate::lookup::Names;
use crate::proposals::{
    Act, ProposalQuery, RaiseBody, ThemeBody, act, comment, load_proposal, proposal_filter, raise,
    vote,
};
use crate::state::AppState;

/// Proposals per list.
const LIST: u32 = 100;

/// A proposal as a row of the list.
pub struct ProposalRow {
    pub id: String,
    pub title: String,
    pub status: &'static str,
    pub author: String,
    pub votes: String,
    pub evidence: String,
    pub raised: String,
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn votes_label(votes: u32) -> String {
    match votes {
        1 => "1 vote".into(),
        n => format!("{n} votes"),
    }
}

fn evidence_label(p: &Proposal) -> String {
    let cases = match p.cases.len() {
        0 => None,
        1 => Some("1 case".to_owned()),
        n => Some(format!("{n} cases")),
    };
    let theme = p.theme.as_ref().map(|t| format!("theme “{}”", t.label));
    [cases, theme]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and ")
}

/// `/themes?key=…` for a theme key, encoded (keys are free text).
fn theme_href(key: &str) -> String {
    format!(
        "/themes?key={}",
        form_urlencoded::byte_serialize(key.as_bytes()).collect::<String>()
    )
}

#[derive(Template)]
#[template(path = "pages/proposals.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<ProposalRow>,
    statuses: Vec<Choice>,
    mine: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    mine: Option<String>,
}

/// `GET /proposals`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let status = query.status.unwrap_or_default();
    let mine = query.mine.as_deref().is_some_and(|m| !m.is_empty());
    let filter = proposal_filter(
        &state,
        &viewer.actor,
        &ProposalQuery {
            status: Some(status.clone()),
            mine: Some(mine),
            ..ProposalQuery::default()
        },
    )
    .await?;
    let mut names = Names::default();
    let now = state.now();
    let mut rows = Vec::new();
    for summary in state.store.list_proposals(filter, LIST).await? {
        let p = &summary.proposal;
        rows.push(ProposalRow {
            id: p.id.to_string(),
            title: p.title.to_string(),
            status: p.status.as_str(),
            author: names.person(&state, p.author_id).await?,
            votes: votes_label(summary.votes),
            evidence: evidence_label(p),
            raised: age(p.created_at, now),
        });
    }
    let mut statuses = vec![Choice {
        value: "",
        label: "Every status",
        selected: status.is_empty(),
    }];
    statuses.extend(ProposalStatus::ALL.iter().map(|s| Choice {
        value: s.as_str(),
        label: s.as_str(),
        selected: status == s.as_str(),
    }));
    render(
        StatusCode::OK,
        &ListPage {
            layout: Layout::new(&viewer, "Proposals", "/proposals"),
            rows,
            statuses,
            mine,
        },
    )
}

#[derive(Template)]
#[template(path = "pages/proposal_new.html")]
struct NewPage {
    layout: Layout,
    title: String,
    body: String,
    cases: String,
    theme: String,
    label: String,
    problem: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    case: Option<String>,
    theme: Option<String>,
    label: Option<String>,
}

/// `GET /proposals/new`.
pub async fn new_form(
    State(_state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewQuery>,
) -> PageResult {
    authz::require(
        &viewer.actor,
        Action::RaiseProposal,
        &Resource::Org,
        "proposals",
    )?;
    render(
        StatusCode::OK,
        &NewPage {
            layout: Layout::new(&viewer, "Propose a change", "/proposals"),
            title: String::new(),
            body: String::new(),
            cases: query.case.unwrap_or_default(),
            theme: query.theme.unwrap_or_default(),
            label: query.label.unwrap_or_default(),
            problem: None,
        },
    )
}

/// `POST /proposals`.
pub async fn create(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let theme = form.text("theme");
    let body = RaiseBody {
        title: form.get("title").unwrap_or("").to_owned(),
        body: form.get("body").unwrap_or("").to_owned(),
        // One field of cases, separated by commas or spaces, as people type them.
        cases: form
            .text("cases")
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        theme: (!theme.is_empty()).then(|| ThemeBody {
            key: theme.to_owned(),
            label: Some(form.text("label").to_owned()),
        }),
    };
    match raise(&state, &viewer.actor, body).await {
        Ok(p) => Ok(see_other(&format!("/proposals/{}?done=raised", p.id))),
        Err(error) => {
            let Some(message) = refusal_in_words(&error) else {
                return Err(error.into());
            };
            render(
                error.status(),
                &NewPage {
                    layout: Layout::new(&viewer, "Propose a change", "/proposals"),
                    title: form.get("title").unwrap_or("").to_owned(),
                    body: form.get("body").unwrap_or("").to_owned(),
                    cases: form.text("cases").to_owned(),
                    theme: theme.to_owned(),
                    label: form.text("label").to_owned(),
                    problem: Some(message),
                },
            )
        }
    }
}

pub struct EvidenceRow {
    pub number: String,
    pub told: bool,
}

pub struct ThemeLink {
    pub href: String,
    pub label: String,
}

pub struct CommentRow {
    pub author: String,
    pub when: String,
    pub body: String,
}

/// What was typed into a form that was refused, to show again.
#[derive(Default)]
struct Draft {
    reason: String,
    what_changed: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "pages/proposal.html")]
struct ProposalPage {
    layout: Layout,
    id: String,
    title: String,
    body: String,
    status: &'static str,
    author: String,
    raised: String,
    cases: Vec<EvidenceRow>,
    theme: Option<ThemeLink>,
    votes: String,
    voters: String,
    voted: bool,
    can_vote: bool,
    decision: Option<String>,
    reason: Option<String>,
    shipped: Option<String>,
    what_changed: Option<String>,
    comments: Vec<CommentRow>,
    can_decide: bool,
    open: bool,
    adopted: bool,
    can_withdraw: bool,
    draft: Draft,
    problem: Option<String>,
    notice: Option<&'static str>,
}

async fn proposal_page(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    draft: Draft,
    problem: Option<String>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let p = load_proposal(state, &viewer.actor, raw, Action::ReadProposal).await?;
    let me = viewer.actor.person_id();
    let mut names = Names::default();
    let votes = state.store.list_proposal_votes(p.id).await?;
    let mut voters = Vec::with_capacity(votes.len());
    for v in &votes {
        voters.push(names.person(state, v.person_id).await?);
    }
    let mut comments = Vec::new();
    for c in state.store.list_proposal_comments(p.id).await? {
        comments.push(CommentRow {
            author: names.person(state, c.author_id).await?,
            when: when(c.created_at),
            body: c.body.to_string(),
        });
    }
    let decision = match (p.decided_by, p.decided_at) {
        (Some(by), Some(at)) => {
            let verb = if p.status == ProposalStatus::Declined {
                "Declined"
            } else {
                "Adopted"
            };
            Some(format!(
                "{verb} by {} {}",
                names.person(state, by).await?,
                when(at)
            ))
        }
        _ => None,
    };
    let shipped = match (p.shipped_by, p.shipped_at) {
        (Some(by), Some(at)) => Some(format!(
            "Shipped by {} {}",
            names.person(state, by).await?,
            when(at)
        )),
        _ => None,
    };
    let resource = Resource::Proposal {
        author_id: p.author_id,
    };
    let open = p.status == ProposalStatus::Open;
    render(
        status,
        &ProposalPage {
            layout: Layout::new(viewer, "Proposal", "/proposals"),
            id: p.id.to_string(),
            title: p.title.to_string(),
            body: p.body.to_string(),
            status: p.status.as_str(),
            author: names.person(state, p.author_id).await?,
            raised: when(p.created_at),
            cases: p
                .cases
                .iter()
                .map(|c| EvidenceRow {
                    number: c.number.to_string(),
                    told: c.told.is_some(),
                })
                .collect(),
            theme: p.theme.as_ref().map(|t| ThemeLink {
                href: theme_href(t.key.as_str()),
                label: t.label.to_string(),
            }),
            votes: votes_label(votes.len() as u32),
            voters: voters.join(", "),
            voted: votes.iter().any(|v| v.person_id == me),
            can_vote: open && viewer.can(Action::VoteProposal, &resource),
            decision,
            reason: p.reason.as_ref().map(|r| r.to_string()),
            shipped,
            what_changed: p.what_changed.as_ref().map(|w| w.to_string()),
            comments,
            can_decide: viewer.can(Action::DecideProposal, &resource),
            open,
            adopted: p.status == ProposalStatus::Adopted,
            can_withdraw: open && viewer.can(Action::WithdrawProposal, &resource),
            draft,
            problem,
            notice,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
}

/// `GET /proposals/{proposal}`.
pub async fn show_proposal(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(query): Query<ShowQuery>,
) -> PageResult {
    let notice = match query.done.as_deref() {
        Some("raised") => Some("Proposed. Your colleagues can vote on it now."),
        Some("voted") => Some("Your vote is in."),
        Some("unvoted") => Some("Your vote is taken back."),
        Some("commented") => Some("Comment added."),
        Some("adopted") => Some("Adopted. The author and the voters see why."),
        Some("declined") => Some("Declined. The author and the voters see why."),
        Some("shipped") => {
            Some("Shipped. Every customer whose case is in the evidence was told on their case.")
        }
        Some("withdrawn") => Some("Withdrawn."),
        _ => None,
    };
    proposal_page(
        &state,
        &viewer,
        &raw,
        Draft::default(),
        None,
        notice,
        StatusCode::OK,
    )
    .await
}

/// `POST /proposals/{proposal}/{action}`: vote, unvote, comments, adopt, decline, ship,
/// withdraw.
pub async fn act_on(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, action)): Path<(String, String)>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let actor = &viewer.actor;
    let draft = Draft {
        reason: form.text("reason").to_owned(),
        what_changed: form.text("what_changed").to_owned(),
        comment: form.get("body").unwrap_or("").to_owned(),
    };
    let result: Result<&'static str, AppError> = match action.as_str() {
        "vote" => vote(&state, actor, &raw, true).await.map(|_| "voted"),
        "unvote" => vote(&state, actor, &raw, false).await.map(|_| "unvoted"),
        "comments" => comment(&state, actor, &raw, &draft.comment)
            .await
            .map(|_| "commented"),
        "adopt" => act(&state, actor, &raw, Act::Adopt(draft.reason.clone()))
            .await
            .map(|_| "adopted"),
        "decline" => act(&state, actor, &raw, Act::Decline(draft.reason.clone()))
            .await
            .map(|_| "declined"),
        "ship" => act(&state, actor, &raw, Act::Ship(draft.what_changed.clone()))
            .await
            .map(|_| "shipped"),
        "withdraw" => act(&state, actor, &raw, Act::Withdraw)
            .await
            .map(|_| "withdrawn"),
        _ => return Err(AppError::not_found(format!("proposal action {action}")).into()),
    };
    match result {
        Ok(done) => Ok(see_other(&format!("/proposals/{raw}?done={done}"))),
        Err(error) => {
            let Some(message) = refusal_in_words(&error) else {
                return Err(error.into());
            };
            proposal_page(
                &state,
                &viewer,
                &raw,
                draft,
                Some(message),
                None,
                error.status(),
            )
            .await
        }
    }
}
