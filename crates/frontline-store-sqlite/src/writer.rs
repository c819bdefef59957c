//! The one writer. SQLite allows one writer at a time, and with `synchronous=FULL` every
//! commit costs an fsync (a few hundred microseconds to milliseconds). So all writes go through
//! one thread that takes every job queued while the previous commit was syncing, runs each in
//! its own savepoint (a failing job rolls back alone), and commits them together: one fsync per
//! batch instead of one per write. A job's caller hears back only after that commit, so an
//! acknowledged write is durable.
//!
//! Shared state: the job channel (written by any task, read by this thread; bounded, so a
//! flood of writers waits instead of growing memory) and the doorbell `watch` (written here
//! after each commit with the newest sequence number, read by stream readers, which re-read
//! the log themselves, so a slow reader never holds anything up).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use frontline_core::time::Clock;
use frontline_core::{Event, NewEvent, Timestamp};
use frontline_store::{StoreError, StoreResult, tokio_watch};
use rusqlite::{Connection, params};
use tokio::sync::{mpsc, oneshot};

use crate::rows::{Db, ms};

/// Run inside the writer's transaction; returns whether it succeeded and how to answer once
/// the batch's commit is known.
pub(crate) type Job = Box<dyn FnOnce(&mut WriteTx<'_>) -> (bool, Reply) + Send>;
type Reply = Box<dyn FnOnce(StoreResult<()>) + Send>;

/// What a job sees: the open transaction and the counters only the writer advances.
pub(crate) struct WriteTx<'c> {
    pub conn: &'c Connection,
    /// The sequence number the next appended event gets.
    next_seq: i64,
    /// The number the next case gets.
    next_number: i64,
    /// The newest event time handed out, so `at` never goes backwards in the log.
    last_at: Timestamp,
    clock: &'c Clock,
}

impl WriteTx<'_> {
    /// The current time, never earlier than the last event's.
    pub fn now(&mut self) -> Timestamp {
        let now = self.clock.now().max(self.last_at);
        self.last_at = now;
        now
    }

    pub fn take_case_number(&mut self) -> i64 {
        self.next_number += 1;
        self.next_number - 1
    }

    /// Append events at `at` in order, returning them with their sequence numbers.
    pub fn append(&mut self, events: Vec<NewEvent>, at: Timestamp) -> StoreResult<Vec<Event>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO events (seq, at, kind, actor_id, case_id, customer_id, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .db()?;
        let mut appended = Vec::with_capacity(events.len());
        for new in events {
            let seq = self.next_seq;
            stmt.execute(params![
                seq,
                ms(at),
                new.kind().as_str(),
                new.actor_id.map(|p| p.to_string()),
                new.case_id.map(|c| c.to_string()),
                new.audience.customer_id().map(|p| p.to_string()),
                new.payload().to_string(),
            ])
            .db()?;
            self.next_seq += 1;
            appended.push(Event::from_new(seq, at, new));
        }
        Ok(appended)
    }

    /// After an import: continue numbering after what was imported.
    pub fn reload_counters(&mut self) -> StoreResult<()> {
        let (seq, number) = counters(self.conn)?;
        self.next_seq = seq;
        self.next_number = number;
        Ok(())
    }
}

pub(crate) fn counters(conn: &Connection) -> StoreResult<(i64, i64)> {
    let seq: i64 = conn
        .query_row("SELECT coalesce(max(seq), 0) + 1 FROM events", [], |r| {
            r.get(0)
        })
        .db()?;
    let number: i64 = conn
        .query_row(
            "SELECT coalesce(max(number) + 1, ?1) FROM cases",
            [frontline_core::CaseNumber::FIRST],
            |r| r.get(0),
        )
        .db()?;
    Ok((seq, number))
}

#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Start the writer thread on `conn`. `max_batch` caps how many jobs share one commit
    /// (1 turns group commit off, for comparison in benchmarks).
    /// `rewind` is raised by the checkpointer when the WAL needs the writer's help to start
    /// over (see `start_checkpointer`).
    pub fn start(
        conn: Connection,
        max_batch: usize,
        doorbell: Arc<tokio_watch::Sender>,
        rewind: Arc<AtomicBool>,
        clock: Clock,
    ) -> StoreResult<Writer> {
        let (seq, number) = counters(&conn)?;
        doorbell.send_replace(seq - 1);
        let (jobs, rx) = mpsc::channel::<Job>(4096);
        std::thread::Builder::new()
            .name("frontline-sqlite-writer".into())
            .spawn(move || {
                run(
                    conn,
                    rx,
                    max_batch.max(1),
                    &doorbell,
                    &rewind,
                    (seq, number),
                    clock,
                )
            })
            .map_err(|e| StoreError::Other(format!("could not start the writer thread: {e}")))?;
        Ok(Writer { jobs })
    }

    /// Run `f` in the writer's transaction and answer after it is durably committed.
    pub async fn write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut WriteTx<'_>) -> StoreResult<R> + Send + 'static,
    ) -> StoreResult<R> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |w| {
            let result = f(w);
            let ok = result.is_ok();
            let reply: Reply = Box::new(move |commit| {
                let _ = tx.send(commit.and(result));
            });
            (ok, reply)
        });
        self.jobs
            .send(job)
            .await
            .map_err(|_| StoreError::Unavailable("the writer has stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("the writer stopped before committing".into()))?
    }
}

fn run(
    conn: Connection,
    mut rx: mpsc::Receiver<Job>,
    max_batch: usize,
    doorbell: &tokio_watch::Sender,
    rewind: &AtomicBool,
    (next_seq, next_number): (i64, i64),
    clock: Clock,
) {
    let mut tx = WriteTx {
        conn: &conn,
        next_seq,
        next_number,
        last_at: clock.now(),
        clock: &clock,
    };
    let mut batch = Vec::with_capacity(max_batch);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if rewind.swap(false, Ordering::Relaxed) {
            // Between batches nothing is appended, so this copies the frames the checkpointer's
            // last pass could not reach, and the next commit starts the WAL over.
            let began = std::time::Instant::now();
            match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                // Mostly the database file's fsync: 10-25 ms on the benchmark machine.
                Ok(_) => metrics::histogram!("frontline_sqlite_wal_rewind_seconds")
                    .record(began.elapsed().as_secs_f64()),
                Err(e) => tracing::warn!(error = %e, "the writer's wal checkpoint failed"),
            }
        }
        commit_batch(&mut tx, &mut batch, doorbell);
    }
    tracing::debug!("sqlite writer stopped: every store handle was dropped");
}

/// Run a parameterless statement from the statement cache (`execute_batch` parses its SQL on
/// every call; twice per job, that was 2 % of the writer's time). Whether it succeeded.
fn statement(conn: &Connection, sql: &str) -> bool {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .is_ok()
}

fn commit_batch(tx: &mut WriteTx<'_>, batch: &mut Vec<Job>, doorbell: &tokio_watch::Sender) {
    let size = batch.len();
    let mut replies: Vec<Reply> = Vec::with_capacity(size);
    if let Err(e) = tx.conn.execute_batch("BEGIN IMMEDIATE") {
        // Dropping the jobs drops their reply channels: each caller hears `Unavailable`.
        batch.clear();
        tracing::error!(error = %e, "could not begin a write transaction");
        return;
    }
    // Another process (the `frontline admin` CLI, an import) may have written since our last
    // batch; with the write lock held, the counters read now are exact. Two index lookups.
    match counters(tx.conn) {
        Ok((seq, number)) => {
            tx.next_seq = seq;
            tx.next_number = number;
        }
        Err(e) => {
            let _ = tx.conn.execute_batch("ROLLBACK");
            batch.clear();
            tracing::error!(error = %e, "could not read the event counter");
            return;
        }
    }
    for job in batch.drain(..) {
        let (seq, number, last_at) = (tx.next_seq, tx.next_number, tx.last_at);
        let began = statement(tx.conn, "SAVEPOINT job");
        // A panicking job must not take the writer (and every later write) down with it.
        let (ok, reply) = match catch_unwind(AssertUnwindSafe(|| job(tx))) {
            Ok(outcome) => outcome,
            Err(_) => {
                // The job's reply channel was dropped with it: its caller hears `Unavailable`.
                tracing::error!("a write job panicked; it was rolled back");
                (false, Box::new(|_| {}) as Reply)
            }
        };
        if ok && began {
            statement(tx.conn, "RELEASE job");
        } else {
            let _ = tx.conn.execute_batch("ROLLBACK TO job; RELEASE job");
            tx.next_seq = seq;
            tx.next_number = number;
            tx.last_at = last_at;
        }
        replies.push(reply);
    }
    match tx.conn.execute_batch("COMMIT") {
        Ok(()) => {
            // Only ever raise it: the checkpointer thread raises it too (other processes' commits).
            doorbell.send_if_modified(|last| {
                let newer = tx.next_seq - 1 > *last;
                *last = (*last).max(tx.next_seq - 1);
                newer
            });
            tracing::trace!(size, "committed a batch");
            for reply in replies {
                reply(Ok(()));
            }
        }
        Err(e) => {
            let why = e.to_string();
            let _ = tx.conn.execute_batch("ROLLBACK");
            match counters(tx.conn) {
                Ok((seq, number)) => {
                    tx.next_seq = seq;
                    tx.next_number = number;
                }
                Err(e) => {
                    tracing::error!(error = %e, "could not re-read counters after a failed commit")
                }
            }
            tracing::error!(error = %why, size, "a batch failed to commit");
            for reply in replies {
                reply(Err(StoreError::Unavailable(format!(
                    "commit failed: {why}"
                ))));
            }
        }
    }
    metrics::histogram!("frontline_commit_batch_size", "backend" => "sqlite").record(size as f64);
}
