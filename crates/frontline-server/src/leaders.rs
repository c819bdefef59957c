//! Leaders on the tools, the server's part: reading the activity the customer-time ledger and
//! standard-work checklists are computed from, for one person or for every support employee
//! (the CEO included), with each one's layer. The rules are in `frontline_core::ledger` and
//! `frontline_core::standard_work`; nothing here is stored, everything is computed when read.

use std::collections::HashMap;

use frontline_core::ledger::{Ledger, LedgerGoal};
use frontline_core::standard_work::{
    self, Cadence, ItemStatus, ItemTitle, Metric, NewStandardWorkItem, Proof, StandardWorkItem,
    StandardWorkTick,
};
use frontline_core::{Person, PersonId, Role, StandardWorkItemId, Timestamp};
use frontline_store::{ActivityFilter, PageRequest, PeopleFilter, Store, StoreError, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::asks::support_levels;
use crate::auth::Actor;
use crate::authz::Action;
use crate::error::{AppError, Fields, Result};
use crate::lookup::{load_person, written};
use crate::state::AppState;

/// Earlier periods a checklist shows beside the current one.
pub const HISTORY_PERIODS: usize = 8;

/// One person's ledger with who they are.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LedgerRow {
    #[schema(value_type = String)]
    pub person_id: PersonId,
    pub name: String,
    pub title: Option<String>,
    /// Layers above the front line (0: front line or supporting no team now).
    pub layer: u32,
    #[schema(value_type = Object)]
    pub ledger: Ledger,
}

/// How the organisation's ledger is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerSort {
    /// Top layer first, the CEO first within a layer, then by name.
    Layer,
    /// Furthest from customers first (never served first), then by name.
    Distance,
}

impl LedgerSort {
    pub fn parse(raw: Option<&str>) -> Option<LedgerSort> {
        match raw.map(str::trim) {
            None | Some("") | Some("layer") => Some(LedgerSort::Layer),
            Some("distance") => Some(LedgerSort::Distance),
            Some(_) => None,
        }
    }
}

/// Every support employee's ledger.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LedgerBoard {
    #[schema(value_type = Object)]
    pub goal: LedgerGoal,
    #[schema(value_type = String)]
    pub since: Timestamp,
    #[schema(value_type = String)]
    pub until: Timestamp,
    pub sort: LedgerSort,
    /// How many of `people` meet the goal.
    pub goal_met: usize,
    pub people: Vec<LedgerRow>,
}

/// Everyone with `role`, all pages.
pub async fn everyone(store: &dyn Store, role: Role) -> StoreResult<Vec<Person>> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_people(
                PeopleFilter {
                    role: Some(role),
                    text: None,
                },
                PageRequest { after, limit: 200 },
            )
            .await?;
        after = page.items.last().map(|p| p.id);
        all.extend(page.items);
        if !page.has_more || after.is_none() {
            return Ok(all);
        }
    }
}

async fn layers(store: &dyn Store, now: Timestamp) -> StoreResult<HashMap<PersonId, u32>> {
    support_levels(store, now).await
}

fn ledger_from(
    activity: &standard_work::Activity,
    last: Option<Timestamp>,
    goal: LedgerGoal,
    now: Timestamp,
) -> Ledger {
    Ledger::compute(&activity.replies, &activity.resolutions, last, goal, now)
}

/// One person's ledger at `now`.
pub async fn ledger_of(
    store: &dyn Store,
    person: &Person,
    goal: LedgerGoal,
    now: Timestamp,
) -> StoreResult<LedgerRow> {
    let activity = store
        .staff_activity(ActivityFilter {
            person_id: Some(person.id),
            role: None,
            since: goal.window_start(now),
        })
        .await?
        .of(person.id);
    let last = store
        .last_public_replies(Some(person.id), None)
        .await?
        .first()
        .map(|(_, at)| *at);
    Ok(LedgerRow {
        person_id: person.id,
        name: person.name.to_string(),
        title: person.title.clone(),
        layer: layers(store, now)
            .await?
            .get(&person.id)
            .copied()
            .unwrap_or(0),
        ledger: ledger_from(&activity, last, goal, now),
    })
}

/// Every support employee's ledger at `now`: three indexed reads whatever the headcount.
pub async fn board(
    store: &dyn Store,
    goal: LedgerGoal,
    now: Timestamp,
    sort: LedgerSort,
) -> StoreResult<LedgerBoard> {
    let history = store.org_history().await?;
    let left = history.left_by(now);
    // Former support employees (every team link ended) are history, not leaders to measure.
    let people: Vec<_> = everyone(store, Role::Support)
        .await?
        .into_iter()
        .filter(|p| !left.contains(&p.id))
        .collect();
    let activity = store
        .staff_activity(ActivityFilter {
            person_id: None,
            role: Some(Role::Support),
            since: goal.window_start(now),
        })
        .await?;
    let last: HashMap<PersonId, Timestamp> = store
        .last_public_replies(None, Some(Role::Support))
        .await?
        .into_iter()
        .collect();
    let layers = history.as_of(now).levels();
    let mut rows: Vec<LedgerRow> = people
        .iter()
        .map(|p| LedgerRow {
            person_id: p.id,
            name: p.name.to_string(),
            title: p.title.clone(),
            layer: layers.get(&p.id).copied().unwrap_or(0),
            ledger: ledger_from(&activity.of(p.id), last.get(&p.id).copied(), goal, now),
        })
        .collect();
    // Within a layer the CEO comes first, as on the org chart.
    let not_ceo = |r: &LedgerRow| {
        !r.title
            .as_deref()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("ceo"))
    };
    match sort {
        LedgerSort::Layer => rows.sort_by(|a, b| {
            b.layer
                .cmp(&a.layer)
                .then_with(|| not_ceo(a).cmp(&not_ceo(b)))
                .then_with(|| a.name.cmp(&b.name))
        }),
        LedgerSort::Distance => rows.sort_by(|a, b| {
            // Never served (None) is the furthest of all.
            let far = |r: &LedgerRow| r.ledger.distance_days.map_or(u64::MAX, u64::from);
            far(b).cmp(&far(a)).then_with(|| a.name.cmp(&b.name))
        }),
    }
    Ok(LedgerBoard {
        goal,
        since: goal.window_start(now),
        until: now,
        sort,
        goal_met: rows.iter().filter(|r| r.ledger.goal_met).count(),
        people: rows,
    })
}

/// A person's standard work as it stands.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Checklist {
    #[schema(value_type = String)]
    pub person_id: PersonId,
    pub name: String,
    #[schema(value_type = String)]
    pub at: Timestamp,
    /// Current items, oldest first, each with its current period and up to
    /// `HISTORY_PERIODS` earlier ones.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ItemStatus>,
    /// Items done in their current period.
    pub done: usize,
    /// Share of the earlier periods done, over every item (0 to 1); `None` without history.
    pub completion_rate: Option<f64>,
}

/// `person`'s checklist at `now`. Proven items read the person's activity back to the oldest
/// period shown; plain items their ticks.
pub async fn checklist_of(
    store: &dyn Store,
    person: &Person,
    now: Timestamp,
) -> StoreResult<Checklist> {
    let items = store
        .list_standard_work_items(Some(person.id), false)
        .await?;
    let since =
        standard_work::activity_since(items.iter().map(|i| i.cadence), now, HISTORY_PERIODS);
    let ticks = if items.iter().any(|i| i.proof.is_none()) {
        store.list_standard_work_ticks(person.id, since).await?
    } else {
        Vec::new()
    };
    let activity = if items.iter().any(|i| i.proof.is_some()) {
        store
            .staff_activity(ActivityFilter {
                person_id: Some(person.id),
                role: None,
                since,
            })
            .await?
            .of(person.id)
    } else {
        standard_work::Activity::default()
    };
    let statuses = standard_work::checklist(&items, &ticks, &activity, now, HISTORY_PERIODS);
    let (done_before, counted): (usize, usize) = statuses.iter().fold((0, 0), |(d, c), s| {
        (
            d + s.history.iter().filter(|p| p.done).count(),
            c + s.history.len(),
        )
    });
    Ok(Checklist {
        person_id: person.id,
        name: person.name.to_string(),
        at: now,
        done: statuses.iter().filter(|s| s.current.done).count(),
        completion_rate: (counted > 0).then(|| done_before as f64 / counted as f64),
        items: statuses,
    })
}

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
