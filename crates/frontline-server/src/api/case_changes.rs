//! The staff's changes to a case: status, owner, whether the outcome was achieved, tags, and
//! its subject, priority and outcome (`PATCH /api/v1/cases/{case}`).
//! Each loads the case through `load_case` (so customers get 403 on their own cases and 404
//! on others') and calls one `Store` use case.

use axum::extract::State;
use frontline_core::{CaseStatus, OutcomeAchieved, Tags};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::authz::Action;
use crate::error::Result;
use crate::extract::{Json, Path};
use crate::lookup::{Names, load_case, resolve_person, written};
use crate::state::AppState;
use crate::views::CaseView;

/// Move a case to another status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `open`, `waiting_on_customer`, `resolved` or `closed`.
    pub status: String,
}

#[utoipa::path(
    put,
    path = "/api/v1/cases/{case}/status",
    tag = "cases",
    summary = "Change a case's status",
    description = "The lifecycle is `new → open ⇄ waiting_on_customer → resolved → closed`; \
        a resolved case can be reopened. Other moves answer 409.",
    params(("case" = String, Path, description = "Case id or number (`FL-1042`)")),
    request_body = StatusBody,
    responses((status = 200, description = "The case after the change", body = CaseView)),
)]
pub async fn change_status(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<StatusBody>,
) -> Result<axum::Json<CaseView>> {
    let case = load_case(&state, &actor, &raw, Action::ChangeStatus).await?;
    let to = body.status.parse::<CaseStatus>()?;
    let case = written(
        state
            .store
            .change_status(Some(actor.person_id()), case.id, to)
            .await?,
    );
    Ok(axum::Json(Names::default().view(&state, &case).await?))
}

/// Give a case to someone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// Id or email of an employee or support employee; `null` returns the case to its team's
    /// queue.
    pub owner: Option<String>,
}

#[utoipa::path(
    put,
    path = "/api/v1/cases/{case}/owner",
    tag = "cases",
    summary = "Assign a case",
    params(("case" = String, Path, description = "Case id or number (`FL-1042`)")),
    request_body = AssignBody,
    responses((status = 200, description = "The case after the change", body = CaseView)),
)]
pub async fn assign(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<AssignBody>,
) -> Result<axum::Json<CaseView>> {
    let case = load_case(&state, &actor, &raw, Action::AssignCase).await?;
    let owner = match &body.owner {
        Some(raw) => Some(resolve_person(&state, "owner", raw).await?.id),
        None => None,
    };
    let case = written(
        state
            .store
            .assign_case(Some(actor.person_id()), case.id, owner)
            .await?,
    );
    Ok(axum::Json(Names::default().view(&state, &case).await?))
}

/// Say whether the customer's outcome was achieved.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeAchievedBody {
    /// `yes`, `no` or `unknown`.
    pub outcome_achieved: String,
}

#[utoipa::path(
    put,
    path = "/api/v1/cases/{case}/outcome-achieved",
    tag = "cases",
    summary = "Set whether the outcome was achieved",
    params(("case" = String, Path, description = "Case id or number (`FL-1042`)")),
    request_body = OutcomeAchievedBody,
    responses((status = 200, description = "The case after the change", body = CaseView)),
)]
pub async fn set_outcome_achieved(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<OutcomeAchievedBody>,
) -> Result<axum::Json<CaseView>> {
    let case = load_case(&state, &actor, &raw, Action::SetOutcomeAchieved).await?;
    let value = body.outcome_achieved.parse::<OutcomeAchieved>()?;
    let case = written(
        state
            .store
            .set_outcome_achieved(Some(actor.person_id()), case.id, value)
            .await?,
    );
    Ok(axum::Json(Names::default().view(&state, &case).await?))
}

/// Replace a case's tags.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagsBody {
    /// The complete new set of tags (sorted and de-duplicated; at most 20).
    pub tags: Vec<String>,
}

#[utoipa::path(
    put,
    path = "/api/v1/cases/{case}/tags",
    tag = "cases",
    summary = "Set a case's tags",
    params(("case" = String, Path, description = "Case id or number (`FL-1042`)")),
    request_body = TagsBody,
    responses((status = 200, description = "The case after the change", body = CaseView)),
)]
pub async fn set_tags(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<TagsBody>,
) -> Result<axum::Json<CaseView>> {
    let case = load_case(&state, &actor, &raw, Action::SetTags).await?;
    let tags = Tags::parse_all(body.tags.iter().map(String::as_str))?;
    let case = written(
        state
            .store
            .set_tags(Some(actor.person_id()), case.id, tags)
            .await?,
    );
    Ok(axum::Json(Names::default().view(&state, &case).await?))
}

/// Change what a case is about. Give any of `subject`, `priority` and `outcome`; the others
/// stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditBody {
    /// The new subject (at most 300 characters).
    pub subject: Option<String>,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: Option<String>,
    /// The key or id of the outcome the customer actually wants. If the case's team does not
    /// own it, the case is routed to a team that does, unless `keep_owner` is true.
    pub outcome: Option<String>,
    /// Keep the owner and team when the outcome changes (default false).
    pub keep_owner: Option<bool>,
    /// Why (at most 1,000 characters): staff see it on the case's timeline.
    pub reason: Option<String>,
}

#[utoipa::path(
    patch,
    path = "/api/v1/cases/{case}",
    tag = "cases",
    summary = "Change a case's subject, priority or outcome",
    description = "Staff only. Each change is recorded with the reason (`case.edited`); a new \
        outcome that the case's team does not own routes the case to a team that does \
        (`case.assigned`), unless `keep_owner` is true.",
    params(("case" = String, Path, description = "Case id or number (`FL-1042`)")),
    request_body = EditBody,
    responses((status = 200, description = "The case after the change", body = CaseView)),
)]
pub async fn edit_case(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<EditBody>,
) -> Result<axum::Json<CaseView>> {
    let case = load_case(&state, &actor, &raw, Action::EditCase).await?;
    let edit = crate::cases::case_edit(
        &state,
        body.subject.as_deref(),
        body.priority.as_deref(),
        body.outcome.as_deref(),
        body.keep_owner.unwrap_or(false),
        body.reason.as_deref(),
    )
    .await?;
    let case = written(
        state
            .store
            .edit_case(Some(actor.person_id()), case.id, edit)
            .await?,
    );
    Ok(axum::Json(Names::default().view(&state, &case).await?))
}
