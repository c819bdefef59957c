//! `GET /api/v1/stream`: Server-Sent Events of every event the person may see, the same rule
//! as the API (a customer: their own cases' public side). Each SSE `id` is the event's sequence
//! number, so `Last-Event-ID` (or `?after=SEQ`) resumes with no gap and no duplicate, also
//! across a server restart: the event log is the truth and the hub only a doorbell with a
//! cache. Filters: `?case=`, `?team=`, `?kinds=`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header;
use axum::response::Response;
use frontline_core::{CaseId, Event, EventKind, PersonId, Role, TeamId};
use frontline_store::EventFilter;
use serde::Deserialize;
use tokio::sync::{broadcast, watch};
use utoipa::IntoParams;

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::Query;
use crate::hub::{self, Hub, Read, frame};
use crate::lookup::{load_case, team_id};
use crate::presence::PresenceSnapshot;
use crate::state::AppState;

/// A client further behind than this is told to refetch instead of replaying the log.
pub const RESET_AFTER: i64 = 50_000;
/// Events sent per wake-up before yielding to other connections.
const PAGE: usize = 256;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Resume after this sequence number (the `Last-Event-ID` header wins when both are sent).
    pub after: Option<i64>,
    /// Only events about this case (id or number, e.g. `FL-1042`).
    pub case: Option<String>,
    /// Only events about cases of this team.
    pub team: Option<String>,
    /// Comma-separated event kinds, e.g. `case.created,message.added`.
    pub kinds: Option<String>,
}

/// What one connection wants to see; checked per event, cheaply.
#[derive(Clone, Debug)]
struct Interest {
    viewer: PersonId,
    role: Role,
    case_id: Option<CaseId>,
    /// Only events about this team (`Payload::team_id`).
    team_id: Option<TeamId>,
    /// A handful at most: a linear scan beats hashing here.
    kinds: Option<Vec<EventKind>>,
}

impl Interest {
    /// `team_of` names the event's team; it is asked only when the connection filters by team
    /// (finding it decodes the payload).
    fn admits(&self, event: &Event, team_of: impl FnOnce() -> Option<TeamId>) -> bool {
        event.audience.admits(self.viewer, self.role)
            && self.case_id.is_none_or(|c| event.case_id == Some(c))
            && self.kinds.as_ref().is_none_or(|k| k.contains(&event.kind))
            && self.team_id.is_none_or(|t| team_of() == Some(t))
    }

    /// The part of the interest the database can filter by an index.
    fn log_filter(&self) -> EventFilter {
        EventFilter {
            visible_to_customer: (self.role == Role::Customer).then_some(self.viewer),
            case_id: self.case_id,
            kinds: self.kinds.iter().flatten().copied().collect(),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/stream",
    tag = "events",
    summary = "Live events (Server-Sent Events), resumable with Last-Event-ID",
    params(StreamQuery),
    responses((status = 200, description = "text/event-stream of events; `id` is the sequence number", content_type = "text/event-stream")),
)]
pub async fn stream(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Result<Response> {
    authz::require(&actor, Action::ReadEvents, &Resource::Org, "events")?;
    let case_id = match &query.case {
        Some(raw) => Some(load_case(&state, &actor, raw, Action::ReadCase).await?.id),
        None => None,
    };
    let team_id = query.team.as_deref().map(team_id).transpose()?;
    let kinds = match &query.kinds {
        Some(raw) => Some(
            raw.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| {
                    k.parse::<EventKind>()
                        .map_err(|e| AppError::field("kinds", e.reason))
                })
                .collect::<Result<Vec<_>>>()?,
        ),
        None => None,
    };
    let resume = match headers.get("last-event-id") {
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|v| *v >= 0)
                .ok_or_else(|| {
                    AppError::field(
                        "Last-Event-ID",
                        "must be a sequence number (a whole number, 0 or more)",
                    )
                })?,
        ),
        None => query.after,
    };
    if resume.is_some_and(|r| r < 0) {
        return Err(AppError::field("after", "must not be negative"));
    }
    let hub = state.hub().await;
    let presence = authz::authorize(&actor, Action::SharePresence, &Resource::Org)
        .eq(&authz::Decision::Allow)
        .then(|| next_presence(state.presence().subscribe()));
    let last = state.store.last_seq().await?;
    let interest = Interest {
        viewer: actor.person_id(),
        role: actor.role(),
        case_id,
        team_id,
        kinds,
    };
    let every = state.config.stream_heartbeat;
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut connection = Connection {
        position: resume.unwrap_or(last),
        head: hub.subscribe(),
        presence,
        heartbeat,
        last_sent: tokio::time::Instant::now(),
        hub,
        state,
        interest,
        pending: VecDeque::new(),
        _open: OpenConnection::new(),
    };
    // Ahead of the log (it was replaced) or too far behind to replay: start over from now.
    if connection.position > last || last - connection.position > RESET_AFTER {
        connection.position = last;
        connection.pending.push_back(reset(last));
    }
    // Frames are written as pre-encoded bytes: an event is encoded once in the hub and every
    // subscriber sends a clone of the same buffer (axum's `Sse` would re-encode it per client).
    let body = Body::from_stream(futures_util::stream::unfold(connection, Connection::next));
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .header("x-accel-buffering", "no")
        .body(body)
        .map_err(|e| AppError::Internal(format!("could not build the stream response: {e}")))
}

/// Counts open streams in `/metrics` for as long as it lives.
struct OpenConnection;

impl OpenConnection {
    fn new() -> Self {
        metrics::gauge!("frontline_sse_connections").increment(1.0);
        OpenConnection
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        metrics::gauge!("frontline_sse_connections").decrement(1.0);
    }
}

enum Wake {
    Log,
    Presence(Arc<PresenceSnapshot>),
    Heartbeat,
    Closed,
}

type PresenceReceiver = broadcast::Receiver<Arc<PresenceSnapshot>>;
type PresenceRecv = std::result::Result<Arc<PresenceSnapshot>, broadcast::error::RecvError>;
/// The wait for the next presence snapshot, owning its receiver. It is kept across wake-ups:
/// dropping a pending `recv()` each time the log wakes the stream would unregister and
/// re-register it under the broadcast's one lock, for every stream, for every event.
type PresenceNext = Pin<Box<dyn Future<Output = (PresenceReceiver, PresenceRecv)> + Send>>;

fn next_presence(mut receiver: PresenceReceiver) -> PresenceNext {
    Box::pin(async move {
        let next = receiver.recv().await;
        (receiver, next)
    })
}

struct Connection {
    /// The last sequence number this client has been sent (or skipped as not theirs).
    position: i64,
    head: watch::Receiver<i64>,
    /// Presence snapshots, for people allowed to see them (staff); `None` for customers.
    presence: Option<PresenceNext>,
    /// Ticks every `stream_heartbeat`; one timer per stream for its whole life, not one per
    /// wait (re-arming a timer per event per stream costs the timer wheel's lock).
    heartbeat: tokio::time::Interval,
    /// When a frame last left, so a busy stream sends no heartbeats.
    last_sent: tokio::time::Instant,
    hub: Arc<Hub>,
    state: AppState,
    interest: Interest,
    /// Events found but not yet sent, newest last (at most one page).
    pending: VecDeque<Bytes>,
    _open: OpenConnection,
}

/// Tells the client its position cannot be replayed: refetch state, then follow from `head`.
fn reset(head: i64) -> Bytes {
    let data = serde_json::json!({ "head": head, "reason": "refetch state, then follow the stream from head" });
    frame(Some(head), "reset", &data.to_string())
}

/// A comment line: keeps proxies from closing an idle stream; clients ignore it.
const HEARTBEAT_FRAME: &[u8] = b": keep-alive\n\n";

impl Connection {
    async fn next(mut self) -> Option<(std::result::Result<Bytes, Infallible>, Self)> {
        let frame = self.produce().await?;
        self.last_sent = tokio::time::Instant::now();
        Some((Ok(frame), self))
    }

    /// The next bytes to send: events (several at once when catching up), a presence
    /// snapshot, a reset or a heartbeat; `None` when the hub is gone (shutdown).
    async fn produce(&mut self) -> Option<Bytes> {
        loop {
            // Everything found so far leaves in one write: a client catching up gets a page of
            // events per syscall, not one each.
            match self.pending.len() {
                0 => {}
                1 => return self.pending.pop_front(),
                _ => {
                    let frames: Vec<Bytes> = self.pending.drain(..).collect();
                    return Some(Bytes::from(frames.concat()));
                }
            }
            let head = *self.head.borrow_and_update();
            if head - self.position > RESET_AFTER {
                self.position = head;
                return Some(reset(head));
            }
            if self.position < head {
                self.fill(head).await;
                continue;
            }
            // Caught up (or, on another node, ahead of this hub until its reader sees the
            // commit): wait for the doorbell, a presence change or the heartbeat.
            match self.wait().await {
                Wake::Log => {}
                Wake::Presence(snapshot) => {
                    if self.interest.case_id.is_none_or(|c| c == snapshot.case_id) {
                        let data = serde_json::to_string(&*snapshot).unwrap_or_default();
                        return Some(frame(None, "presence", &data));
                    }
                }
                // Half the period: a stream that sent anything lately is alive to any proxy.
                Wake::Heartbeat => {
                    if self.last_sent.elapsed() >= self.heartbeat.period() / 2 {
                        return Some(Bytes::from_static(HEARTBEAT_FRAME));
                    }
                }
                Wake::Closed => return None,
            }
        }
    }

    async fn wait(&mut self) -> Wake {
        let has_presence = self.presence.is_some();
        let presence = async {
            match self.presence.as_mut() {
                Some(next) => next.await,
                None => std::future::pending().await,
            }
        };
        // Biased: the doorbell is what almost always woke us, so it is polled first and the
        // other two are not polled again on every event.
        tokio::select! {
            biased;
            changed = self.head.changed() => if changed.is_ok() { Wake::Log } else { Wake::Closed },
            (receiver, snapshot) = presence, if has_presence => {
                self.presence = Some(next_presence(receiver));
                match snapshot {
                    Ok(snapshot) => Wake::Presence(snapshot),
                    // Presence is a current state: after a lag the next snapshot is all we need.
                    Err(broadcast::error::RecvError::Lagged(_)) => Wake::Log,
                    Err(broadcast::error::RecvError::Closed) => {
                        self.presence = None;
                        Wake::Log
                    }
                }
            }
            _ = self.heartbeat.tick() => Wake::Heartbeat,
        }
    }

    /// Queue the next page of events after `position`, from the ring or, when the ring has
    /// moved on, from the log.
    async fn fill(&mut self, head: i64) {
        match self.hub.read_after(self.position, PAGE) {
            Read::Events(events) => {
                for shared in events {
                    self.position = shared.event.seq;
                    if self.interest.admits(&shared.event, || shared.team_id()) {
                        self.pending.push_back(shared.frame.clone());
                    }
                }
            }
            Read::Behind => {
                let filter = self.interest.log_filter();
                match self
                    .state
                    .store
                    .events_after(self.position, PAGE as u32, filter)
                    .await
                {
                    Ok(events) => {
                        let full = events.len() == PAGE;
                        for event in events {
                            self.position = event.seq;
                            if self.interest.admits(&event, || hub::team_of(&event)) {
                                let shared = hub::Shared::new(event);
                                self.pending.push_back(shared.frame.clone());
                            }
                        }
                        // A short page means every event up to `head` was looked at.
                        if !full {
                            self.position = self.position.max(head);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "stream could not read the log; retrying");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        }
    }
}
