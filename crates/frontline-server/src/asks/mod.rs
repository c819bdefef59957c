//! Asks, the server's part: finding "my support" (the least-loaded support employee of the
//! asker's teams), the sweep that moves unanswered asks up the support chain, and the figures
//! per support employee and per layer. The rules themselves are in `frontline_core::ask`.

mod acting;

pub use acting::{Act, RaiseBody, act, figures_since, load_ask, raise};

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use frontline_core::ask::{Ask, AskChange, AskFigures, AskStatus, least_loaded};
use frontline_core::org::history::OrgAsOf;
use frontline_core::time::Clock;
use frontline_core::{PersonId, Timestamp};
use frontline_store::{AskFilter, Store, StoreError, StoreResult};
use serde::Serialize;
use utoipa::ToSchema;

/// Asks moved per sweep round; a larger backlog continues in the next round at once.
const SWEEP_BATCH: u32 = 100;

/// Each support employee's layer at `now`, as the organisation's history defines it
/// (`frontline_core::org::history`): one definition for the asks figures and the ledger.
pub async fn support_levels(
    store: &dyn Store,
    now: Timestamp,
) -> StoreResult<HashMap<PersonId, u32>> {
    Ok(store.org_history().await?.as_of(now).levels())
}

/// Active asks with each support employee now.
async fn active_load(store: &dyn Store, person: PersonId) -> StoreResult<usize> {
    let filter = AskFilter {
        assignee_id: Some(person),
        statuses: vec![AskStatus::Open, AskStatus::Claimed],
        ..AskFilter::default()
    };
    Ok(store.list_asks(filter, 10_000).await?.len())
}

/// The support employee serving `person` at `at`, if anyone does: of those supporting the
/// person's teams in the organisation as of then (`OrgAsOf::supporters_of`), the one with the
/// fewest active asks, never `except`.
pub async fn support_for(
    store: &dyn Store,
    person: PersonId,
    except: PersonId,
    at: Timestamp,
) -> StoreResult<Option<PersonId>> {
    let org = store.org_history().await?.as_of(at);
    support_in(store, &org, person, except).await
}

/// `support_for` in an organisation already read (the sweep reads it once per round).
async fn support_in(
    store: &dyn Store,
    org: &OrgAsOf,
    person: PersonId,
    except: PersonId,
) -> StoreResult<Option<PersonId>> {
    let candidates: Vec<PersonId> = org
        .supporters_of(person)
        .into_iter()
        .filter(|p| *p != except)
        .collect();
    let mut loads = HashMap::new();
    for candidate in &candidates {
        loads.insert(*candidate, active_load(store, *candidate).await?);
    }
    Ok(least_loaded(&candidates, |p| {
        loads.get(&p).copied().unwrap_or(0)
    }))
}

/// Move every ask past its response window one layer up: to the support of the support
/// employee it is with, or, at the top, mark it overdue once. Returns how many moved. Safe on
/// several nodes at once: each move names the step it expects, and a second move of the same
/// step is refused (`Conflict`) and skipped.
pub async fn escalate_due(store: &dyn Store, now: Timestamp) -> StoreResult<usize> {
    let mut moved = 0;
    loop {
        let filter = AskFilter {
            due_at: Some(now),
            ..AskFilter::default()
        };
        let due = store.list_asks(filter, SWEEP_BATCH).await?;
        if due.is_empty() {
            return Ok(moved);
        }
        let org = store.org_history().await?.as_of(now);
        let mut moved_now = 0;
        for ask in &due {
            let to = support_in(store, &org, ask.assignee_id, ask.asker_id).await?;
            let change = AskChange::Escalate {
                from_step: ask.escalations,
                to,
            };
            match store.change_ask(None, ask.id, change, Some(now)).await {
                Ok(_) => moved_now += 1,
                // Another node moved it first.
                Err(StoreError::Conflict { .. }) => {}
                // One ask that cannot move (its next supporter is no longer a support
                // employee) must not hold up the others.
                Err(StoreError::Invalid(e)) => {
                    tracing::warn!(ask = %ask.id, error = %e.reason, "an ask could not climb");
                }
                Err(e) => return Err(e),
            }
        }
        moved += moved_now;
        // A full round that moved nothing would find the same asks again: stop until the
        // next tick.
        if due.len() < SWEEP_BATCH as usize || moved_now == 0 {
            return Ok(moved);
        }
    }
}

/// The sweep, running until stopped.
pub struct Escalator {
    stop: tokio::sync::watch::Sender<bool>,
}

impl crate::state::Background for Escalator {
    fn stop(&self) {
        Escalator::stop(self);
    }
}

/// Start this node's ask escalator unless it runs already (at start, by `serve`).
pub fn ensure_escalator(state: &crate::state::AppState) {
    state.run_in_background("ask escalator", || {
        Box::new(Escalator::start(
            state.store.clone(),
            state.config.ask_sweep_every,
            state.config.clock.clone(),
        ))
    });
}

impl Escalator {
    pub fn start(store: Arc<dyn Store>, every: Duration, clock: Clock) -> Escalator {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => return,
                }
                match escalate_due(&*store, clock.now()).await {
                    Ok(0) => {}
                    Ok(moved) => tracing::info!(moved, "asks climbed the support chain"),
                    // The next tick tries again; nothing is lost, the asks are still due.
                    Err(e) => tracing::warn!(error = %e, "ask escalation sweep failed"),
                }
            }
        });
        Escalator { stop }
    }

    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

/// One support employee's service.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SupporterFigures {
    #[schema(value_type = String)]
    pub person_id: PersonId,
    pub name: String,
    pub title: Option<String>,
    /// Layers above the front line (1: serves front-line teams).
    pub layer: u32,
    /// Active asks with them now.
    pub active: usize,
    #[schema(value_type = Object)]
    pub figures: AskFigures,
}

/// A layer's service, over the asks its support employees handled.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LayerFigures {
    pub layer: u32,
    pub people: usize,
    #[schema(value_type = Object)]
    pub figures: AskFigures,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AskBoard {
    /// Asks raised since this time are counted.
    #[schema(value_type = String)]
    pub since: Timestamp,
    pub supporters: Vec<SupporterFigures>,
    pub layers: Vec<LayerFigures>,
    /// All resolved asks together.
    #[schema(value_type = Object)]
    pub overall: AskFigures,
}

/// The most asks the figures read (newest first); beyond, the oldest are left out and
/// `since` says from when the figures count.
pub const FIGURES_SCAN: u32 = 20_000;

/// Figures per support employee and per layer for asks raised since `since`. Each resolved
/// ask counts for whoever held it when it was resolved.
pub async fn board(store: &dyn Store, since: Timestamp, now: Timestamp) -> StoreResult<AskBoard> {
    let asks = store
        .list_asks(
            AskFilter {
                since: Some(since),
                ..AskFilter::default()
            },
            FIGURES_SCAN,
        )
        .await?;
    let since = if asks.len() == FIGURES_SCAN as usize {
        asks.last().map_or(since, |a| a.created_at)
    } else {
        since
    };
    let layers = support_levels(store, now).await?;
    let mut by_handler: HashMap<PersonId, Vec<&Ask>> = HashMap::new();
    let mut active: HashMap<PersonId, usize> = HashMap::new();
    for ask in &asks {
        if ask.status.is_active() {
            *active.entry(ask.assignee_id).or_default() += 1;
        }
        if let (AskStatus::Resolved, Some(handler)) = (ask.status, ask.claimed_by) {
            by_handler.entry(handler).or_default().push(ask);
        }
    }
    let mut people: Vec<PersonId> = layers.keys().copied().collect();
    people.extend(by_handler.keys().copied());
    people.extend(active.keys().copied());
    people.sort();
    people.dedup();
    let mut supporters = Vec::new();
    for id in people {
        let person = match store.get_person(id).await {
            Ok(p) => p,
            Err(StoreError::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        let handled = by_handler.get(&id).map(Vec::as_slice).unwrap_or_default();
        supporters.push(SupporterFigures {
            person_id: id,
            name: person.name.to_string(),
            title: person.title.clone(),
            // Someone who handled asks but supports no team now sits outside the layers.
            layer: layers.get(&id).copied().unwrap_or(0),
            active: active.get(&id).copied().unwrap_or(0),
            figures: AskFigures::of(handled.iter().copied()),
        });
    }
    supporters.sort_by(|a, b| b.layer.cmp(&a.layer).then_with(|| a.name.cmp(&b.name)));
    let mut layer_list: Vec<u32> = supporters.iter().map(|s| s.layer).collect();
    layer_list.sort_unstable();
    layer_list.dedup();
    let layers = layer_list
        .into_iter()
        .map(|layer| {
            let members: Vec<&SupporterFigures> =
                supporters.iter().filter(|s| s.layer == layer).collect();
            let handled = members
                .iter()
                .flat_map(|s| by_handler.get(&s.person_id).into_iter().flatten())
                .copied();
            LayerFigures {
                layer,
                people: members.len(),
                figures: AskFigures::of(handled),
            }
        })
        .collect();
    Ok(AskBoard {
        since,
        overall: AskFigures::of(&asks),
        supporters,
        layers,
    })
}
