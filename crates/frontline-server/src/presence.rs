//! Who is viewing a case and who is typing a reply, live. Ephemeral by design: kept in memory,
//! never written to the event log, and expiring by itself when a client stops saying it is
//! there (a closed tab sends nothing).
//!
//! Across nodes: a presence change is announced through `Store::broadcast` (on PostgreSQL a
//! NOTIFY on a side channel, never stored) and every node, this one included, applies the
//! announcements it receives to its own registry; each node expires entries on its own clock.
//!
//! Shared state: `cases` (written by presence requests and the sweeper, read when building a
//! snapshot; one short lock, never held across an await) and `updates`, a broadcast of
//! snapshots read by every stream connection. A stream that lags on this channel skips to the
//! newest snapshots: presence is a current state, so missing an old one loses nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontline_core::{CaseId, CaseNumber, PersonId};
use frontline_store::Store;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio::time::Instant;
use utoipa::ToSchema;

/// A client that has not refreshed its presence for this long is gone.
pub const TTL: Duration = Duration::from_secs(30);
/// How often expired entries are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PresenceState {
    Viewing,
    Typing,
    /// Leaving now (sent when a page closes), instead of waiting for expiry.
    Gone,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Present {
    #[schema(value_type = String, format = Uuid)]
    pub person_id: PersonId,
    pub name: String,
    pub state: PresenceState,
}

/// Everyone on one case right now; sent on the stream as a `presence` event.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PresenceSnapshot {
    #[schema(value_type = String, format = Uuid)]
    pub case_id: CaseId,
    /// e.g. `FL-1042`.
    #[schema(value_type = String)]
    pub number: CaseNumber,
    pub people: Vec<Present>,
}

struct Entry {
    name: String,
    state: PresenceState,
    expires: Instant,
}

struct CasePresence {
    number: CaseNumber,
    people: HashMap<PersonId, Entry>,
}

pub struct Presence {
    cases: Mutex<HashMap<CaseId, CasePresence>>,
    updates: broadcast::Sender<Arc<PresenceSnapshot>>,
}

/// One node telling all nodes that someone's presence on a case changed.
#[derive(Debug, Serialize, Deserialize)]
struct Announcement {
    presence: PresenceState,
    case_id: CaseId,
    number: CaseNumber,
    person_id: PersonId,
    name: String,
}

impl Presence {
    /// A registry that applies every node's announcements from `store`, with its sweeper.
    /// Both tasks end when the registry is dropped.
    pub fn start(store: Arc<dyn Store>) -> Arc<Presence> {
        let presence = Self::local();
        let weak = Arc::downgrade(&presence);
        let mut announcements = store.broadcasts();
        tokio::spawn(async move {
            loop {
                let message = match announcements.recv().await {
                    Ok(message) => message,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                let Some(presence) = weak.upgrade() else {
                    return;
                };
                // Other kinds of ephemeral message may share the channel: skip what is not ours.
                if let Ok(a) = serde_json::from_str::<Announcement>(&message) {
                    presence.touch(a.case_id, a.number, a.person_id, &a.name, a.presence);
                }
            }
        });
        presence
    }

    /// A registry for this node only, with its sweeper (which ends when it is dropped).
    pub fn local() -> Arc<Presence> {
        let (updates, _) = broadcast::channel(1024);
        let presence = Arc::new(Presence {
            cases: Mutex::new(HashMap::new()),
            updates,
        });
        let weak = Arc::downgrade(&presence);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SWEEP_EVERY);
            loop {
                tick.tick().await;
                let Some(presence) = weak.upgrade() else {
                    return;
                };
                presence.sweep(Instant::now());
            }
        });
        presence
    }

    /// Record a change here at once and announce it to every node (this one applies it again,
    /// which changes nothing).
    pub async fn announce(
        &self,
        store: &dyn Store,
        case_id: CaseId,
        number: CaseNumber,
        person_id: PersonId,
        name: &str,
        state: PresenceState,
    ) -> frontline_store::StoreResult<()> {
        self.touch(case_id, number, person_id, name, state);
        let message = Announcement {
            presence: state,
            case_id,
            number,
            person_id,
            name: name.to_owned(),
        };
        store
            .broadcast(serde_json::to_string(&message).unwrap_or_default())
            .await
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<PresenceSnapshot>> {
        self.updates.subscribe()
    }

    /// Record that `person` is on `case` in `state`; broadcasts when who or what changed.
    pub fn touch(
        &self,
        case_id: CaseId,
        number: CaseNumber,
        person_id: PersonId,
        name: &str,
        state: PresenceState,
    ) {
        let snapshot = {
            let Ok(mut cases) = self.cases.lock() else {
                return;
            };
            let case = cases.entry(case_id).or_insert_with(|| CasePresence {
                number,
                people: HashMap::new(),
            });
            let changed = if state == PresenceState::Gone {
                case.people.remove(&person_id).is_some()
            } else {
                let expires = Instant::now() + TTL;
                let previous = case.people.insert(
                    person_id,
                    Entry {
                        name: name.to_owned(),
                        state,
                        expires,
                    },
                );
                previous.is_none_or(|p| p.state != state)
            };
            let snapshot = changed.then(|| snapshot_of(case_id, case));
            if case.people.is_empty() {
                cases.remove(&case_id);
            }
            snapshot
        };
        if let Some(snapshot) = snapshot {
            // No receivers (nobody streaming) is fine: presence is not kept for later.
            let _ = self.updates.send(Arc::new(snapshot));
        }
    }

    /// Who is on a case now.
    pub fn snapshot(&self, case_id: CaseId) -> Option<PresenceSnapshot> {
        let cases = self.cases.lock().ok()?;
        cases.get(&case_id).map(|c| snapshot_of(case_id, c))
    }

    /// Drop entries not refreshed within the TTL and tell streams about the cases that changed.
    pub fn sweep(&self, now: Instant) {
        let mut changed = Vec::new();
        if let Ok(mut cases) = self.cases.lock() {
            for (case_id, case) in cases.iter_mut() {
                let before = case.people.len();
                case.people.retain(|_, e| e.expires > now);
                if case.people.len() != before {
                    changed.push(snapshot_of(*case_id, case));
                }
            }
            cases.retain(|_, c| !c.people.is_empty());
        }
        for snapshot in changed {
            let _ = self.updates.send(Arc::new(snapshot));
        }
    }
}

fn snapshot_of(case_id: CaseId, case: &CasePresence) -> PresenceSnapshot {
    let mut people: Vec<Present> = case
        .people
        .iter()
        .map(|(id, e)| Present {
            person_id: *id,
            name: e.name.clone(),
            state: e.state,
        })
        .collect();
    people.sort_by(|a, b| a.name.cmp(&b.name).then(a.person_id.cmp(&b.person_id)));
    PresenceSnapshot {
        case_id,
        number: case.number,
        people,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn presence_expires_by_itself_when_a_client_goes_away() {
        let presence = Presence::local();
        let mut updates = presence.subscribe();
        let (case, ann, ben) = (CaseId::new(), PersonId::new(), PersonId::new());
        presence.touch(case, CaseNumber(1001), ann, "Ann", PresenceState::Viewing);
        presence.touch(case, CaseNumber(1001), ben, "Ben", PresenceState::Typing);
        assert_eq!(updates.recv().await.unwrap().people.len(), 1);
        let both = updates.recv().await.unwrap();
        assert_eq!(
            both.people
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>(),
            ["Ann", "Ben"]
        );

        // Ann keeps her page open (refreshing), Ben's tab is gone.
        tokio::time::sleep(TTL / 2).await;
        presence.touch(case, CaseNumber(1001), ann, "Ann", PresenceState::Viewing);
        tokio::time::sleep(TTL / 2 + SWEEP_EVERY * 2).await;
        let after = updates.recv().await.unwrap();
        assert_eq!(
            after
                .people
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>(),
            ["Ann"]
        );
        assert_eq!(presence.snapshot(case).unwrap().people.len(), 1);

        tokio::time::sleep(TTL + SWEEP_EVERY * 2).await;
        assert!(updates.recv().await.unwrap().people.is_empty());
        assert!(
            presence.snapshot(case).is_none(),
            "nothing lingers once everyone left"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn refreshing_the_same_state_does_not_broadcast_again() {
        let presence = Presence::local();
        let mut updates = presence.subscribe();
        let (case, ann) = (CaseId::new(), PersonId::new());
        presence.touch(case, CaseNumber(7), ann, "Ann", PresenceState::Viewing);
        presence.touch(case, CaseNumber(7), ann, "Ann", PresenceState::Viewing);
        presence.touch(case, CaseNumber(7), ann, "Ann", PresenceState::Gone);
        assert_eq!(updates.recv().await.unwrap().people.len(), 1);
        assert!(
            updates.recv().await.unwrap().people.is_empty(),
            "the second refresh was silent"
        );
    }
}
