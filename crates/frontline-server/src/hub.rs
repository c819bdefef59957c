//! The shared reader behind every live stream on this node. One task reads each new event
//! from the log once (woken by the store's doorbell: local commits, and on PostgreSQL other
//! nodes' commits via LISTEN/NOTIFY) and keeps the newest events in a ring. Connections read
//! from the ring and filter per connection; nobody loops over all users per event, and the
//! database sees one read per commit batch however many people are watching.
//!
//! Shared state: the ring (written only by the reader task, read by every connection under a
//! short read lock) and `head`, a watch of the newest sequence number in the ring (the doorbell
//! for connections). A connection that falls behind the ring's start reads from the log
//! itself; one too far behind is told to refetch (`reset`). Nothing is buffered per connection
//! beyond one page, so a slow client costs memory only in its socket.

use std::collections::VecDeque;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use frontline_core::{Event, TeamId};
use frontline_store::{EventFilter, Store};
use tokio::sync::watch;

/// Events kept in memory for connections that are nearly caught up.
pub const RING_CAPACITY: usize = 8192;
/// Events read from the log per query.
const PAGE: u32 = 1000;

/// An event as every connection sends it: serialised once here, not once per subscriber.
pub struct Shared {
    pub event: Event,
    /// The whole SSE frame (`id`, `event`, `data`: the event as the API shows it).
    pub frame: axum::body::Bytes,
    /// The team the event is about (`Payload::team_id`), for `?team=` filters: decoded by the
    /// first connection that filters by team, then shared; never when none does.
    team_id: OnceLock<Option<TeamId>>,
}

impl Shared {
    pub fn new(event: Event) -> Self {
        let data =
            serde_json::to_string(&crate::views::EventView::from(&event)).unwrap_or_default();
        let frame = frame(Some(event.seq), event.kind.as_str(), &data);
        Self {
            event,
            frame,
            team_id: OnceLock::new(),
        }
    }

    pub fn team_id(&self) -> Option<TeamId> {
        *self.team_id.get_or_init(|| team_of(&self.event))
    }
}

/// The team an event is about; `None` also for a payload that does not decode (it then
/// matches no team filter, as a payload without a `team_id` always did).
pub fn team_of(event: &Event) -> Option<TeamId> {
    event.decoded().ok()?.team_id()
}

pub struct Hub {
    ring: RwLock<Ring>,
    head: watch::Sender<i64>,
}

struct Ring {
    /// Sequence number of `events[0]` (or of the next event, when empty).
    first_seq: i64,
    events: VecDeque<Arc<Shared>>,
}

/// What the ring can answer about the events after a position.
pub enum Read {
    /// Events after the position (possibly empty: the position is the head).
    Events(Vec<Arc<Shared>>),
    /// The ring no longer holds the next event: read it from the log.
    Behind,
}

impl Hub {
    /// Start the reader task; it ends when the store's doorbell closes.
    pub async fn start(store: Arc<dyn Store>) -> Arc<Hub> {
        let mut doorbell = store.subscribe();
        let start = store.last_seq().await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read the log head; starting the stream hub at 0");
            0
        });
        let (head, _) = watch::channel(start);
        let hub = Arc::new(Hub {
            ring: RwLock::new(Ring {
                first_seq: start + 1,
                events: VecDeque::new(),
            }),
            head,
        });
        let reader = hub.clone();
        tokio::spawn(async move {
            let mut last = start;
            loop {
                last = reader.catch_up(&*store, last).await;
                if doorbell.changed().await.is_err() {
                    return;
                }
            }
        });
        hub
    }

    /// Read the log after `last` into the ring until nothing is left; returns the new last.
    async fn catch_up(&self, store: &dyn Store, mut last: i64) -> i64 {
        let mut backoff = Duration::from_millis(50);
        loop {
            match store.events_after(last, PAGE, EventFilter::default()).await {
                Ok(events) if events.is_empty() => return last,
                Ok(events) => {
                    let full = events.len() as u32 == PAGE;
                    last = events.last().map_or(last, |e| e.seq);
                    self.push(events);
                    self.head.send_replace(last);
                    if !full {
                        return last;
                    }
                }
                Err(e) => {
                    // Keep the position: the next attempt continues exactly where this stopped.
                    tracing::warn!(error = %e, "stream hub could not read the log; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    fn push(&self, events: Vec<Event>) {
        // Serialise outside the lock: connections keep reading while this runs.
        let shared: Vec<Arc<Shared>> = events
            .into_iter()
            .map(|e| Arc::new(Shared::new(e)))
            .collect();
        let Ok(mut ring) = self.ring.write() else {
            return;
        };
        for event in shared {
            if ring.events.is_empty() {
                ring.first_seq = event.event.seq;
            }
            ring.events.push_back(event);
            if ring.events.len() > RING_CAPACITY {
                ring.events.pop_front();
                ring.first_seq += 1;
            }
        }
    }

    /// The newest sequence number read, as a watch (changes whenever new events arrive).
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.head.subscribe()
    }

    pub fn head(&self) -> i64 {
        *self.head.borrow()
    }

    /// Up to `max` events with `seq > after`, if the ring still holds `after + 1`.
    pub fn read_after(&self, after: i64, max: usize) -> Read {
        let Ok(ring) = self.ring.read() else {
            return Read::Behind;
        };
        if after + 1 < ring.first_seq {
            return Read::Behind;
        }
        // The ring is gap-free, so the event with seq s sits at index s - first_seq.
        let start = (after + 1 - ring.first_seq) as usize;
        Read::Events(ring.events.iter().skip(start).take(max).cloned().collect())
    }
}

/// One SSE frame. `data` is single-line JSON (serde_json escapes newlines inside strings), so it
/// needs no splitting into several `data:` lines.
pub fn frame(id: Option<i64>, event: &str, data: &str) -> Bytes {
    let id = id.map(|id| format!("id: {id}\n")).unwrap_or_default();
    Bytes::from(format!("{id}event: {event}\ndata: {data}\n\n"))
}
