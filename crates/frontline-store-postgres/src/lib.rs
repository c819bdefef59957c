//! `PgStore`: the PostgreSQL backend of `frontline_store::Store`, for running several
//! `frontline` nodes on one database.
//!
//! Every write is one transaction that applies the decision `frontline-core` makes (this crate
//! re-implements no domain rule), appends the events last, and commits; commits are announced
//! with LISTEN/NOTIFY so every node's doorbell rings. This crate owns its schema (migrations/)
//! and the PostgreSQL-only pieces: the event counter row, the case-number sequence, the
//! advisory lock around migrations. It knows nothing of HTTP and no other backend.
//!
//! Modules: `migrate` (schema versions), `rows` (type mapping), `error` (classification),
//! `events` (the log and commits), `doorbell` (LISTEN task), `people`, `org` (teams,
//! memberships, supports), `outcomes`, `cases` (case writes and routing), `idempotency`,
//! `query` (the newest-first keyset tail), `queue` (load bookkeeping, candidate locking,
//! refilling freed slots), `reads` (case and message queries), `webhooks` (subscriptions and
//! delivery attempts), `guidelines` (customer profiles, decision kinds, rule versions,
//! decisions and reviews), `mail` (mailboxes, the mail of cases, the quarantine, the
//! outbox), `export`, `store` (the trait impl, forwarding to the others).

mod accounts;
mod asks;
mod cases;
mod credentials;
mod doorbell;
mod error;
mod events;
mod export;
mod feelings;
mod files;
mod followers;
mod guidelines;
mod history;
mod idempotency;
mod identity;
mod leaders;
mod mail;
mod migrate;
mod notifications;
mod org;
mod outcomes;
mod people;
mod proposals;
mod query;
mod queue;
mod reads;
mod rows;
mod scoreboard;
mod search;
mod store;
mod targets;
mod voice;
mod webhooks;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use frontline_core::ValueError;
use frontline_core::time::Clock;
use frontline_store::{StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::{Connection, PgPool};
use tokio::sync::watch;

use crate::doorbell::ListenerGuard;
use crate::error::classify;

/// Connections per node. Writes hold a connection for a few round trips; more than this
/// mostly adds contention on the event counter row.
const POOL_SIZE: u32 = 10;
/// How long a request waits for a free connection before the store reports `Unavailable`.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL store. Cheap to clone; clones share the pool and the doorbell.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The NOTIFY channel of this store's schema.
    channel: Arc<str>,
    /// Newest committed seq. Written by `commit` (own writes) and the listener task (every
    /// node's writes); read through `subscribe()`. See `doorbell`.
    doorbell: Arc<watch::Sender<i64>>,
    /// The channel ephemeral messages are sent on; the listener task forwards what arrives on
    /// it (from every node, this one included) to `ephemeral`.
    ephemeral_channel: Arc<str>,
    ephemeral: tokio::sync::broadcast::Sender<String>,
    /// Stamps events (see `with_clock`).
    clock: Clock,
    /// Stops the listener task when the last clone is dropped.
    _listener: Arc<ListenerGuard>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connect to `url` (a `postgres://` URL), migrate the schema the URL's search_path
    /// selects (normally `public`), and start listening for other nodes' commits.
    pub async fn connect(url: &str) -> StoreResult<PgStore> {
        let options = parse_url(url)?;
        Self::start(options, None).await
    }

    /// Like `connect`, but everything lives in `schema`, which is created if missing: every
    /// pooled connection starts with `search_path` set to it, and the NOTIFY channel is the
    /// schema's own. `schema` must be a plain lower-case identifier (`[a-z_][a-z0-9_]*`, at
    /// most 63 bytes); anything else is `Invalid`.
    pub async fn connect_in_schema(url: &str, schema: &str) -> StoreResult<PgStore> {
        check_schema_name(schema)?;
        let options = parse_url(url)?;
        // Created through a connection that does not point at it yet. A single connection,
        // not a pool, so an unreachable server is reported at once rather than retried.
        let mut bootstrap = PgConnection::connect_with(&options)
            .await
            .map_err(classify)?;
        let created = migrate::create_schema(&mut bootstrap, schema).await;
        // Closing is a courtesy; the schema is there (or not) either way.
        let _ = bootstrap.close().await;
        created?;
        let options = options.options([("search_path", schema)]);
        Self::start(options, Some(schema)).await
    }

    /// Drop `schema` and everything in it, as made by `connect_in_schema` (benchmark runs
    /// remove their own with it). Same name rules; a schema that is not there is no error.
    pub async fn drop_schema(url: &str, schema: &str) -> StoreResult<()> {
        check_schema_name(schema)?;
        let mut conn = PgConnection::connect_with(&parse_url(url)?)
            .await
            .map_err(classify)?;
        let dropped = migrate::drop_schema(&mut conn, schema).await;
        let _ = conn.close().await;
        dropped
    }

    async fn start(options: PgConnectOptions, schema: Option<&str>) -> StoreResult<PgStore> {
        let options = options.application_name("frontline");
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await
            .map_err(classify)?;
        migrate::run(&pool).await?;
        search::index_missing(&pool).await?;

        let channels = doorbell::Channels::for_schema(schema);
        let channel = channels.events.clone();
        // A dedicated connection that is never recycled: LISTEN lasts as long as it does.
        let listener_pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_lazy_with(options.application_name("frontline-listener"));
        let listener = doorbell::listen(&listener_pool, &channels)
            .await
            .map_err(classify)?;
        // Read after LISTEN: anything committed from here on is also notified.
        let newest = events::last_seq(&pool).await?;
        let (sender, _) = watch::channel(newest);
        let sender = Arc::new(sender);
        let (ephemeral, _) = tokio::sync::broadcast::channel(1024);
        let task = tokio::spawn(doorbell::run(
            Some(listener),
            listener_pool,
            pool.clone(),
            channels.clone(),
            sender.clone(),
            ephemeral.clone(),
        ));
        tracing::info!(channel, seq = newest, "postgres store ready");
        Ok(PgStore {
            pool,
            channel: channel.into(),
            doorbell: sender,
            ephemeral_channel: channels.ephemeral.into(),
            ephemeral,
            clock: Clock::system(),
            _listener: Arc::new(ListenerGuard(task)),
        })
    }

    /// Stamp events with `clock`'s time instead of the wall clock's: the server's clock, so
    /// that a test moving time moves both. Times still never go backwards in the log.
    pub fn with_clock(mut self, clock: Clock) -> PgStore {
        self.clock = clock;
        self
    }
}

fn parse_url(url: &str) -> StoreResult<PgConnectOptions> {
    PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Invalid(ValueError::new("database_url", e.to_string())))
}

/// Schema names are spliced into `CREATE SCHEMA` and the connection options, so only plain
/// identifiers are accepted: nothing to quote, nothing to escape, no case folding surprises.
fn check_schema_name(schema: &str) -> StoreResult<()> {
    let plain = schema.len() <= 63
        && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        Ok(())
    } else {
        Err(StoreError::Invalid(ValueError::new(
            "schema",
            format!("{schema:?} must be lower-case letters, digits and '_' (at most 63)"),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_schema_names_are_accepted() {
        assert!(check_schema_name("fl_test_0193abc").is_ok());
        assert!(check_schema_name("").is_err());
        assert!(check_schema_name("Upper").is_err());
        assert!(check_schema_name("a; drop table people").is_err());
        assert!(check_schema_name("9lives").is_err());
        assert!(check_schema_name(&"a".repeat(64)).is_err());
    }
}
