//! Leaders on the tools over the API: a person's customer-time ledger and everyone's (all
//! support employees, the CEO included, by layer or by distance), and leader standard work:
//! the checklist with its history, adding and retiring items, ticking and unticking. Open
//! to all staff to read; a support employee keeps their own standard work, an administrator
//! may add or retire anyone's items (see `authz`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use frontline_core::standard_work::{
    Cadence, ItemTitle, Metric, NewStandardWorkItem, Proof, StandardWorkItem, StandardWorkTick,
};
use frontline_core::{Person, Role, StandardWorkItemId, time};
use frontline_store::StoreError;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{load_person, written};
use crate::app::AppState;
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Fields, Result};
use crate::extract::{Json as JsonBody, Path, Query};
use crate::leaders::{
    Checklist, LedgerBoard, LedgerRow, LedgerSort, board, checklist_of, ledger_of,
};

pub const TAG: &str = "leaders";

/// Load a staff member whose ledger or standard work is asked for; customers have neither,
/// and read like a missing person.
pub async fn load_staff(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    action: Action,
) -> Result<Person> {
    let person = load_person(state, actor, raw, action).await?;
    if person.role == Role::Customer {
        return Err(AppError::not_found(format!("person {raw}")));
    }
    Ok(person)
}

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
            time::now(),
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
        board(&*state.store, state.config.ledger_goal, time::now(), sort).await?,
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
        checklist_of(&*state.store, &person, time::now()).await?,
    ))
}

/// An item to add.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    /// What to do, in a few words: "Walk the front-line cockpit".
    pub title: String,
    /// daily, weekly or monthly.
    pub cadence: String,
    /// Activity that proves the item by itself: cases_worked, public_replies,
    /// minutes_with_customers, reviews_done or asks_resolved. Without it the item is ticked
    /// by hand.
    pub metric: Option<String>,
    /// With a metric: the count (or minutes) to reach in each period, 1 to 10,000.
    pub target: Option<u32>,
}

/// Add an item to `person`'s standard work (shared by the API and the pages).
pub async fn add_item(
    state: &AppState,
    actor: &Actor,
    person: &Person,
    body: ItemBody,
) -> Result<StandardWorkItem> {
    let mut fields = Fields::new();
    let title = fields.check(ItemTitle::parse(&body.title));
    let cadence = fields.check(body.cadence.trim().parse::<Cadence>());
    let metric = match body
        .metric
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        None => None,
        Some(raw) => fields.check(raw.parse::<Metric>()),
    };
    let proof = match (metric, body.target) {
        (Some(metric), Some(target)) => fields.check(Proof::new(metric, target)),
        (Some(_), None) => {
            fields.push(
                "target",
                "an item with a metric needs a target for each period",
            );
            None
        }
        (None, Some(_)) if body.metric.as_deref().is_none_or(|m| m.trim().is_empty()) => {
            fields.push("metric", "a target needs a metric to measure it");
            None
        }
        (None, _) => None,
    };
    let (title, cadence) = fields.done(|| Some((title?, cadence?)))?;
    let new = NewStandardWorkItem {
        person_id: person.id,
        title,
        cadence,
        proof,
    };
    Ok(written(
        state
            .store
            .create_standard_work_item(Some(actor.person_id()), new, None)
            .await?,
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

/// Load an item of `person`; an item of someone else reads like a missing one.
pub async fn load_item(state: &AppState, person: &Person, raw: &str) -> Result<StandardWorkItem> {
    let what = format!("standard work item {raw}");
    let id = raw
        .parse::<StandardWorkItemId>()
        .map_err(|_| AppError::not_found(&what))?;
    match state.store.get_standard_work_item(id).await {
        Ok(item) if item.person_id == person.id => Ok(item),
        Ok(_) | Err(StoreError::NotFound { .. }) => Err(AppError::not_found(&what)),
        Err(e) => Err(e.into()),
    }
}

/// What a person does to an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemAct {
    Tick,
    Untick,
    Retire,
}

/// Do `act` to `person`'s item `raw` (shared by the API and the pages): ticking is the
/// person's own, retiring is managing.
pub async fn act_on_item(
    state: &AppState,
    actor: &Actor,
    raw_person: &str,
    raw_item: &str,
    act: ItemAct,
) -> Result<(StandardWorkItem, Option<StandardWorkTick>)> {
    let action = match act {
        ItemAct::Tick | ItemAct::Untick => Action::TickStandardWork,
        ItemAct::Retire => Action::ManageStandardWork,
    };
    let person = load_staff(state, actor, raw_person, action).await?;
    let item = load_item(state, &person, raw_item).await?;
    let me = actor.person_id();
    Ok(match act {
        ItemAct::Tick => {
            let tick = written(state.store.tick_standard_work(me, item.id, None).await?);
            (item, Some(tick))
        }
        ItemAct::Untick => {
            written(state.store.untick_standard_work(me, item.id, None).await?);
            (item, None)
        }
        ItemAct::Retire => {
            let retired = written(
                state
                    .store
                    .retire_standard_work_item(Some(me), item.id, None)
                    .await?,
            );
            (retired, None)
        }
    })
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
