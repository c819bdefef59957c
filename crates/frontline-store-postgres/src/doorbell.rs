//! The cross-node doorbell: a background task LISTENing on this schema's channel that raises
//! the watch value whenever any node commits events.
//!
//! Who writes the watch: this task (other nodes' commits, and our own, which arrive here too)
//! and `PgStore::commit` (our own commits, at once). Who reads: `Store::subscribe()` callers,
//! who then re-read the log from their own position; a slow reader only sees the newest value,
//! so nobody buffers for it. The value only ever goes up.
//!
//! Notifications sent while the connection is down are lost, so after every (re)connect the
//! task re-reads the counter: a reader may be woken once too often, never missed.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::events::{last_seq, ring};

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Aborts the listener task when the last clone of the store goes away.
pub(crate) struct ListenerGuard(pub(crate) JoinHandle<()>);

impl Drop for ListenerGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Connect a listener on `channel`. `listener_pool` is a dedicated pool of one connection,
/// so the listener never competes with queries for the main pool.
pub(crate) async fn listen(
    listener_pool: &PgPool,
    channels: &Channels,
) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(listener_pool).await?;
    listener
        .listen_all([channels.events.as_str(), channels.ephemeral.as_str()])
        .await?;
    Ok(listener)
}

/// The two channels of a schema: committed sequence numbers, and ephemeral messages
/// (presence) that are forwarded to `Store::broadcasts` receivers and never stored.
#[derive(Clone, Debug)]
pub(crate) struct Channels {
    pub events: String,
    pub ephemeral: String,
}

impl Channels {
    pub(crate) fn for_schema(schema: Option<&str>) -> Self {
        Self {
            events: channel_name(schema),
            ephemeral: named("frontline_ephemeral", schema),
        }
    }
}

/// Run until aborted. `listener` is already listening (connected before the initial counter
/// read, so nothing committed in between is missed).
pub(crate) async fn run(
    mut listener: Option<PgListener>,
    listener_pool: PgPool,
    pool: PgPool,
    channels: Channels,
    doorbell: std::sync::Arc<watch::Sender<i64>>,
    ephemeral: tokio::sync::broadcast::Sender<String>,
) {
    let channel = channels.events.clone();
    let mut backoff = FIRST_BACKOFF;
    let mut needs_resync = false;
    loop {
        if listener.is_none() {
            match listen(&listener_pool, &channels).await {
                Ok(l) => {
                    tracing::info!(channel, "event listener reconnected");
                    listener = Some(l);
                    needs_resync = true;
                }
                Err(error) => {
                    tracing::warn!(channel, %error, ?backoff, "event listener cannot connect");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            }
        }
        if needs_resync {
            match last_seq(&pool).await {
                Ok(seq) => {
                    ring(&doorbell, seq);
                    needs_resync = false;
                }
                Err(error) => {
                    tracing::warn!(channel, %error, ?backoff, "cannot re-read the event counter");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            }
        }
        let Some(active) = listener.as_mut() else {
            continue;
        };
        match active.try_recv().await {
            Ok(Some(notification)) if notification.channel() == channels.ephemeral => {
                backoff = FIRST_BACKOFF;
                // No receivers is fine: nobody on this node is interested right now.
                let _ = ephemeral.send(notification.payload().to_owned());
            }
            Ok(Some(notification)) => {
                backoff = FIRST_BACKOFF;
                match notification.payload().parse::<i64>() {
                    Ok(seq) => ring(&doorbell, seq),
                    // Someone else's payload on our channel: re-read instead of trusting it.
                    Err(_) => needs_resync = true,
                }
            }
            // The connection dropped and was re-established; what was sent meanwhile is lost.
            Ok(None) => needs_resync = true,
            Err(error) => {
                tracing::warn!(channel, %error, ?backoff, "event listener failed");
                listener = None;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// The channel a schema's commits are announced on. Per schema, so stores in different
/// schemas of one database (parallel tests, several tenants) do not wake each other.
/// PostgreSQL truncates identifiers at 63 bytes, so long names are shortened with a hash.
pub(crate) fn channel_name(schema: Option<&str>) -> String {
    named("frontline_events", schema)
}

fn named(base: &str, schema: Option<&str>) -> String {
    let Some(schema) = schema else {
        return base.to_owned();
    };
    let full = format!("{base}_{schema}");
    if full.len() <= 63 {
        return full;
    }
    // FNV-1a: stable across builds and platforms, unlike `DefaultHasher`.
    let hash = schema.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{base}_{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_are_per_schema_and_fit_postgres_identifiers() {
        assert_eq!(channel_name(None), "frontline_events");
        assert_eq!(channel_name(Some("a")), "frontline_events_a");
        let long = "x".repeat(63);
        let name = channel_name(Some(&long));
        assert!(name.len() <= 63);
        assert_ne!(name, channel_name(Some(&"y".repeat(63))));
    }
}
