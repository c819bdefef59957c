//! The event log: appending (numbers taken from the one-row `event_counter` at the very end of
//! each write transaction, so they are gap-free and increase in commit order), reading back,
//! and committing a write so the doorbell rings.
//!
//! Why a counter row and not a sequence: a sequence hands out numbers at call time, so a
//! transaction that takes 7 may commit after one that took 8, and a reader at 8 would skip 7
//! for good; a rolled-back transaction would also leave a hole. The counter's row lock, held
//! from the update to the commit, makes appends take their numbers in commit order, and a
//! rollback returns them.

use frontline_core::Timestamp;
use frontline_core::{Event, NewEvent};
use frontline_store::{EventFilter, StoreResult};
use sqlx::postgres::PgConnection;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::PgStore;
use crate::error::classify;
use crate::rows::{self, get, get_time, to_db};

/// Take the next `new.len()` numbers and write the events. Call this last in a transaction:
/// the counter row stays locked until commit, so every other writer waits here.
pub(crate) async fn append(
    conn: &mut PgConnection,
    channel: &str,
    now: Timestamp,
    new: Vec<NewEvent>,
) -> StoreResult<Vec<Event>> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let count = new.len() as i64;
    // The time is taken under the lock and never goes backwards (`GREATEST`), so event times
    // are non-decreasing in seq order even across nodes whose clocks differ slightly.
    let row = sqlx::query(
        "UPDATE event_counter SET last_seq = last_seq + $1, last_at = GREATEST(last_at, $2)
         RETURNING last_seq, last_at",
    )
    .bind(count)
    .bind(to_db(now))
    .fetch_one(&mut *conn)
    .await
    .map_err(classify)?;
    let last_seq: i64 = get(&row, "last_seq")?;
    let at = get_time(&row, "last_at")?;
    let first = last_seq - count + 1;
    let events: Vec<Event> = new
        .into_iter()
        .zip(first..)
        .map(|(event, seq)| Event::from_new(seq, at, event))
        .collect();
    insert(conn, &events).await?;
    // Delivered by PostgreSQL at commit, and only if the transaction commits.
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(last_seq.to_string())
        .execute(&mut *conn)
        .await
        .map_err(classify)?;
    Ok(events)
}

/// Write events with their numbers already set (by `append`, or by an import).
pub(crate) async fn insert(conn: &mut PgConnection, events: &[Event]) -> StoreResult<()> {
    let mut seqs = Vec::with_capacity(events.len());
    let mut ats = Vec::with_capacity(events.len());
    let mut kinds = Vec::with_capacity(events.len());
    let mut actors = Vec::with_capacity(events.len());
    let mut cases = Vec::with_capacity(events.len());
    let mut customers = Vec::with_capacity(events.len());
    let mut payloads = Vec::with_capacity(events.len());
    for e in events {
        seqs.push(e.seq);
        ats.push(to_db(e.at));
        kinds.push(e.kind.as_str());
        actors.push(e.actor_id.map(|p| p.0));
        cases.push(e.case_id.map(|c| c.0));
        customers.push(e.audience.customer_id().map(|p| p.0));
        payloads.push(e.payload.clone());
    }
    sqlx::query(
        "INSERT INTO events (seq, at, kind, actor_id, case_id, customer_id, payload)
         SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::text[], $4::uuid[],
                              $5::uuid[], $6::uuid[], $7::jsonb[])",
    )
    .bind(seqs)
    .bind(ats)
    .bind(kinds)
    .bind(actors)
    .bind(cases)
    .bind(customers)
    .bind(payloads)
    .execute(&mut *conn)
    .await
    .map_err(classify)?;
    Ok(())
}

impl PgStore {
    /// Append `new` events, commit, and ring this node's doorbell (other nodes hear the
    /// NOTIFY sent by `append`).
    pub(crate) async fn finish(
        &self,
        mut tx: Transaction<'static, Postgres>,
        new: Vec<NewEvent>,
    ) -> StoreResult<Vec<Event>> {
        let events = append(&mut tx, &self.channel, self.clock.now(), new).await?;
        self.commit(tx, &events).await?;
        Ok(events)
    }

    /// Commit a transaction whose events were already appended.
    pub(crate) async fn commit(
        &self,
        tx: Transaction<'static, Postgres>,
        events: &[Event],
    ) -> StoreResult<()> {
        tx.commit().await.map_err(classify)?;
        if let Some(last) = events.last() {
            self.ring(last.seq);
        }
        Ok(())
    }

    /// Raise the doorbell to `seq` (never lower it: notifications may arrive late).
    pub(crate) fn ring(&self, seq: i64) {
        ring(&self.doorbell, seq);
    }

    pub(crate) async fn read_events_after(
        &self,
        after: i64,
        limit: u32,
        filter: EventFilter,
    ) -> StoreResult<Vec<Event>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let kinds: Vec<&str> = filter.kinds.iter().map(|k| k.as_str()).collect();
        let sql = format!(
            "SELECT {} FROM events
             WHERE seq > $1
               AND ($2::uuid IS NULL OR customer_id = $2)
               AND ($3::uuid IS NULL OR case_id = $3)
               AND (cardinality($4::text[]) = 0 OR kind = ANY($4))
             ORDER BY seq
             LIMIT $5",
            rows::EVENT_COLUMNS
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(filter.visible_to_customer.map(|p| p.0))
            .bind(filter.case_id.map(|c| c.0))
            .bind(kinds)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?
            .iter()
            .map(rows::event)
            .collect()
    }

    pub(crate) async fn read_last_seq(&self) -> StoreResult<i64> {
        last_seq(&self.pool).await
    }
}

/// Events `first..=last`, in order: what an idempotent retry reports.
pub(crate) async fn between(
    conn: &mut PgConnection,
    first: i64,
    last: i64,
) -> StoreResult<Vec<Event>> {
    let sql = format!(
        "SELECT {} FROM events WHERE seq BETWEEN $1 AND $2 ORDER BY seq",
        rows::EVENT_COLUMNS
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(first)
        .bind(last)
        .fetch_all(conn)
        .await
        .map_err(classify)?
        .iter()
        .map(rows::event)
        .collect()
}

/// The newest committed number: the counter, as this snapshot sees it.
pub(crate) async fn last_seq<'c, E>(executor: E) -> StoreResult<i64>
where
    E: sqlx::PgExecutor<'c>,
{
    let row = sqlx::query("SELECT last_seq FROM event_counter")
        .fetch_one(executor)
        .await
        .map_err(classify)?;
    get(&row, "last_seq")
}

pub(crate) fn ring(doorbell: &tokio::sync::watch::Sender<i64>, seq: i64) {
    doorbell.send_if_modified(|current| {
        let newer = seq > *current;
        if newer {
            *current = seq;
        }
        newer
    });
}

/// The actor an idempotency key belongs to; "nobody" is the nil uuid.
pub(crate) fn idempotency_actor(actor: Option<frontline_core::PersonId>) -> Uuid {
    actor.map_or(Uuid::nil(), |p| p.0)
}
