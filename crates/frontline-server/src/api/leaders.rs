//! Leaders on the tools over the API: a person's customer-time ledger and everyone's (all
//! support employees, the CEO included, by layer or by distance), and leader standard work:
//! the checklist with its history, adding and retiring items, ticking and unticking. Open
//! to all staff to read; a support employee keeps their own standard work, an administrator
//! may add or retire anyone's items (see `authz`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use frontline_core::standard_work::{StandardWorkItem, StandardWorkTick};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::{Json as JsonBody, Path, Query};
use crate::leaders::{
    Checklist, ItemAct, ItemBody, LedgerBoard, LedgerRow, LedgerSort, act_on_item, add_item, board,
    checklist_of, ledger_of, load_staff,
};
use crate::state::AppState;

pub const TAG: &str = "leaders";

#[utoipa::path(
    get,
    path = "/api/v1/people/{person}/ledger",
    tag = TAG,
    summary = "A person's customer-time ledger",
    description = "Cases worked, public replies and estimated minutes with customers over the goal's window (by default the last 30 days), the distance in days since their last public reply, and whether the goal is met. Minutes are estimated from reply sessions: a gap of more than 30 minutes starts a new session; a session counts first to last reply plus 5 minutes.",
    params(("person" = String, Path, description = "Person id")),
    responses((status = 200, description = "The ledger", body = LedgerRow)),
)]
pub async fn person_ledger(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<LedgerRow>> {
    let person = load_staff(&state, &actor, &raw, Action::ReadLedger).await?;
    Ok(axum::Json(
        ledger_of(
            &*state.store,
            &person,
            state.config.ledger_goal,
            state.now(),
        )
        .await?,
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// `layer` (default): the top of the support chain first; `distance`: furthest from
    /// customers first.
    pub sort: Option<String>,
}

/// Parse the board's sort (shared with the pages).
pub fn ledger_sort(raw: Option<&str>) -> Result<LedgerSort> {
    LedgerSort::parse(raw).ok_or_else(|| AppError::field("sort", "must be layer or distance"))
}

#[utoipa::path(
    get,
    path = "/api/v1/ledger",
    tag = TAG,
    summary = "Every support employee's customer-time ledger, the CEO included",
    params(LedgerQuery),
    responses((status = 200, description = "The ledgers and how many meet the goal", body = LedgerBoard)),
)]
pub async fn ledger_board(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<LedgerQuery>,
) -> Result<axum::Json<LedgerBoard>> {
    authz::require(&actor, Action::ReadLedger, &Resource::Org, "ledger")?;
    let sort = ledger_sort(query.sort.as_deref())?;
    Ok(axum::Json(
        board(&*state.store, state.config.ledger_goal, state.now(), sort).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/people/{person}/standard-work",
    tag = TAG,
    summary = "A person's leader standard work: this period's checklist and the periods before",
    description = "Each current item with its current period (the UTC day, ISO week or month) and up to 8 earlier periods. Plain items are done when ticked; items with a metric are done when the person's activity in the period reaches the target, computed now.",
    params(("person" = String, Path, description = "Person id")),
    responses((status = 200, description = "The checklist", body = Checklist)),
)]
pub async fn standard_work(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<Checklist>> {
    let person = load_staff(&state, &actor, &raw, Action::ReadStandardWork).await?;
    Ok(axum::Json(
        checklist_of(&*state.store, &person, state.now()).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/people/{person}/standard-work",
    tag = TAG,
    summary = "Add an item to a support employee's standard work",
    params(("person" = String, Path, description = "Person id")),
    request_body = ItemBody,
    responses(
        (status = 201, description = "Added", body = Object),
        (status = 422, description = "A field is wrong, or the person is not a support employee"),
    ),
)]
pub async fn create_item(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<ItemBody>,
) -> Result<(StatusCode, axum::Json<StandardWorkItem>)> {
    let person = load_staff(&state, &actor, &raw, Action::ManageStandardWork).await?;
    let item = add_item(&state, &actor, &person, body).await?;
    Ok((StatusCode::CREATED, axum::Json(item)))
}

#[utoipa::path(
    post,
    path = "/api/v1/people/{person}/standard-work/{item}/retire",
    tag = TAG,
    summary = "Take an item off the checklist (its history is kept)",
    params(
        ("person" = String, Path, description = "Person id"),
        ("item" = String, Path, description = "Item id"),
    ),
    responses((status = 200, description = "The item, retired", body = Object), (status = 409, description = "Already retired")),
)]
pub async fn retire_item(
    State(state): State<AppState>,
    actor: Actor,
    Path((person, item)): Path<(String, String)>,
) -> Result<axum::Json<StandardWorkItem>> {
    let (item, _) = act_on_item(&state, &actor, &person, &item, ItemAct::Retire).await?;
    Ok(axum::Json(item))
}

#[utoipa::path(
    put,
    path = "/api/v1/people/{person}/standard-work/{item}/tick",
    tag = TAG,
    summary = "Tick your own plain item done for its current period",
    params(
        ("person" = String, Path, description = "Person id (yourself)"),
        ("item" = String, Path, description = "Item id"),
    ),
    responses(
        (status = 200, description = "The tick", body = Object),
        (status = 409, description = "Already ticked this period, or retired"),
        (status = 422, description = "The item is proven by activity and cannot be ticked"),
    ),
)]
pub async fn tick_item(
    State(state): State<AppState>,
    actor: Actor,
    Path((person, item)): Path<(String, String)>,
) -> Result<axum::Json<StandardWorkTick>> {
    let (_, tick) = act_on_item(&state, &actor, &person, &item, ItemAct::Tick).await?;
    tick.map(axum::Json)
        .ok_or_else(|| AppError::Internal("a tick wrote no tick".into()))
}

#[utoipa::path(
    delete,
    path = "/api/v1/people/{person}/standard-work/{item}/tick",
    tag = TAG,
    summary = "Untick your own item for its current period",
    params(
        ("person" = String, Path, description = "Person id (yourself)"),
        ("item" = String, Path, description = "Item id"),
    ),
    responses((status = 204, description = "Unticked"), (status = 409, description = "Not ticked this period")),
)]
pub async fn untick_item(
    State(state): State<AppState>,
    actor: Actor,
    Path((person, item)): Path<(String, String)>,
) -> Result<Response> {
    act_on_item(&state, &actor, &person, &item, ItemAct::Untick).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
