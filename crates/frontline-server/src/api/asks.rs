//! Asks: an employee asks a support employee for help (`POST /asks`, to a named support
//! employee or to "my support"), the support side claims, answers and resolves, the asker
//! follows up, withdraws, reopens and says how the help felt. Unanswered asks climb the
//! support chain by themselves (`crate::asks`). The figures of every support employee and
//! layer are open to all staff: supporters are measured as service providers.

use axum::extract::State;
use axum::http::StatusCode;
use frontline_core::ask::{Ask, AskMessage, AskStatus};
use frontline_core::{AskId, Timestamp};
use frontline_store::{AskChanged, AskFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::asks::{Act, AskBoard, RaiseBody, act, board, figures_since, load_ask, raise};
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::{Json as JsonBody, Path, Query};
use crate::state::AppState;

pub const TAG: &str = "asks";

/// An ask with its messages, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AskDetail {
    #[schema(value_type = Object)]
    pub ask: Ask,
    #[schema(value_type = Vec<Object>)]
    pub messages: Vec<AskMessage>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AskList {
    /// Newest first.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Ask>,
    /// The `before` cursor of the next page, if there is one.
    pub next_before: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/asks",
    tag = TAG,
    summary = "Ask a support employee for help",
    request_body = RaiseBody,
    responses(
        (status = 201, description = "Raised, open, with the support employee it went to", body = Object),
        (status = 422, description = "A field is wrong, or nobody supports your teams"),
    ),
)]
pub async fn raise_ask(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<RaiseBody>,
) -> Result<(StatusCode, axum::Json<Ask>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(raise(&state, &actor, body).await?),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AskQuery {
    /// `mine` (default): asks I raised; `inbox`: asks with me now; `handled`: asks I claimed;
    /// `all`: everyone's. All but `mine` are for support employees.
    pub view: Option<String>,
    /// Comma-separated statuses: open, claimed, resolved, withdrawn. `active` means open and
    /// claimed.
    pub status: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_before` of the previous page.
    pub before: Option<String>,
}

/// Parse the list's query into a filter, checking who may list what (shared with the pages).
pub fn ask_filter(actor: &Actor, query: &AskQuery) -> Result<AskFilter> {
    let me = actor.person_id();
    let mut filter = AskFilter::default();
    match query.view.as_deref().map(str::trim) {
        None | Some("") | Some("mine") => {
            authz::require(actor, Action::RaiseAsk, &Resource::Org, "asks")?;
            filter.asker_id = Some(me);
        }
        Some(view @ ("inbox" | "handled" | "all")) => {
            authz::require(actor, Action::ReadAllAsks, &Resource::Org, "asks")?;
            match view {
                "inbox" => filter.assignee_id = Some(me),
                "handled" => filter.claimed_by = Some(me),
                _ => {}
            }
        }
        Some(other) => {
            return Err(AppError::field(
                "view",
                format!("{other:?} is not mine, inbox, handled or all"),
            ));
        }
    }
    for raw in query
        .status
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if raw == "active" {
            filter
                .statuses
                .extend([AskStatus::Open, AskStatus::Claimed]);
        } else {
            filter.statuses.push(raw.parse::<AskStatus>()?);
        }
    }
    if let Some(raw) = query.before.as_deref().filter(|b| !b.is_empty()) {
        let bad = || AppError::field("before", "must be the `next_before` of a previous page");
        let (at, id) = raw.split_once('_').ok_or_else(bad)?;
        let at = at.parse::<Timestamp>().map_err(|_| bad())?;
        let id = id.parse::<AskId>().map_err(|_| bad())?;
        filter.before = Some((at, id));
    }
    Ok(filter)
}

/// The `before` cursor that continues after `last`.
pub fn cursor(last: &Ask) -> String {
    format!("{}_{}", last.created_at, last.id)
}

#[utoipa::path(
    get,
    path = "/api/v1/asks",
    tag = TAG,
    summary = "My asks, my inbox, what I handled, or everyone's",
    params(AskQuery),
    responses((status = 200, description = "Newest first", body = AskList)),
)]
pub async fn list_asks(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<AskQuery>,
) -> Result<axum::Json<AskList>> {
    let filter = ask_filter(&actor, &query)?;
    let limit = crate::paging::limit(query.limit)?;
    let mut items = state.store.list_asks(filter, limit + 1).await?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_before = if more { items.last().map(cursor) } else { None };
    Ok(axum::Json(AskList { items, next_before }))
}

#[utoipa::path(
    get,
    path = "/api/v1/asks/{ask}",
    tag = TAG,
    summary = "Read an ask with its messages and steps",
    params(("ask" = String, Path, description = "Ask id")),
    responses((status = 200, description = "The ask and its messages", body = AskDetail)),
)]
pub async fn get_ask(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<AskDetail>> {
    let ask = load_ask(&state, &actor, &raw, Action::ReadAsk).await?;
    let messages = state.store.list_ask_messages(ask.id).await?;
    Ok(axum::Json(AskDetail { ask, messages }))
}

/// A message on an ask.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBodyJson {
    pub body: String,
}

/// Resolving: an optional last word to the asker.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    pub note: Option<String>,
}

/// Reopening: what is still blocking.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    pub reason: String,
}

/// How the help felt.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeelingBody {
    /// 1 (awful) to 5 (great).
    pub score: i64,
    /// One word, such as "relieved" or "ignored".
    pub word: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/asks/{ask}/claim",
    tag = TAG,
    summary = "Take an ask (support employees; also from a colleague)",
    params(("ask" = String, Path, description = "Ask id")),
    responses((status = 200, description = "The ask, claimed", body = Object), (status = 409, description = "Already yours, or no longer active")),
)]
pub async fn claim(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<Ask>> {
    Ok(axum::Json(act(&state, &actor, &raw, Act::Claim).await?.ask))
}

#[utoipa::path(
    post,
    path = "/api/v1/asks/{ask}/messages",
    tag = TAG,
    summary = "Answer an ask (support side; answering an open ask claims it), or follow up on your own",
    params(("ask" = String, Path, description = "Ask id")),
    request_body = MessageBodyJson,
    responses((status = 201, description = "The ask and the new message", body = Object)),
)]
pub async fn add_message(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<MessageBodyJson>,
) -> Result<(StatusCode, axum::Json<AskChanged>)> {
    let changed = act(&state, &actor, &raw, Act::Message(body.body)).await?;
    Ok((StatusCode::CREATED, axum::Json(changed)))
}

#[utoipa::path(
    post,
    path = "/api/v1/asks/{ask}/resolve",
    tag = TAG,
    summary = "Mark the asker unblocked (support side)",
    params(("ask" = String, Path, description = "Ask id")),
    request_body = ResolveBody,
    responses((status = 200, description = "The ask, resolved", body = Object)),
)]
pub async fn resolve(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<ResolveBody>,
) -> Result<axum::Json<Ask>> {
    Ok(axum::Json(
        act(&state, &actor, &raw, Act::Resolve(body.note))
            .await?
            .ask,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/asks/{ask}/withdraw",
    tag = TAG,
    summary = "Withdraw your own ask",
    params(("ask" = String, Path, description = "Ask id")),
    responses((status = 200, description = "The ask, withdrawn", body = Object)),
)]
pub async fn withdraw(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<Ask>> {
    Ok(axum::Json(
        act(&state, &actor, &raw, Act::Withdraw).await?.ask,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/asks/{ask}/reopen",
    tag = TAG,
    summary = "Reopen your resolved ask: it did not unblock you",
    params(("ask" = String, Path, description = "Ask id")),
    request_body = ReopenBody,
    responses((status = 200, description = "The ask, active again", body = Object)),
)]
pub async fn reopen(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<ReopenBody>,
) -> Result<axum::Json<Ask>> {
    Ok(axum::Json(
        act(&state, &actor, &raw, Act::Reopen(body.reason))
            .await?
            .ask,
    ))
}

#[utoipa::path(
    put,
    path = "/api/v1/asks/{ask}/feeling",
    tag = TAG,
    summary = "Say how the help felt (the asker, once, after it was resolved)",
    params(("ask" = String, Path, description = "Ask id")),
    request_body = FeelingBody,
    responses((status = 200, description = "The ask with the feeling", body = Object), (status = 409, description = "Not resolved, or already said")),
)]
pub async fn feeling(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<FeelingBody>,
) -> Result<axum::Json<Ask>> {
    Ok(axum::Json(
        act(&state, &actor, &raw, Act::Rate(body.score, body.word))
            .await?
            .ask,
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// Count asks raised on or after this date (`2026-09-01`) or time; default: 90 days ago.
    pub since: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/asks/figures",
    tag = TAG,
    summary = "How each support employee and each layer serves asks (open to all staff)",
    params(FiguresQuery),
    responses((status = 200, description = "Per support employee, per layer and overall", body = AskBoard)),
)]
pub async fn figures(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<FiguresQuery>,
) -> Result<axum::Json<AskBoard>> {
    authz::require(&actor, Action::ReadAskFigures, &Resource::Org, "asks")?;
    let since = figures_since(query.since.as_deref(), state.now())?;
    Ok(axum::Json(board(&*state.store, since, state.now()).await?))
}
