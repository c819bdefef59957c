//! SQLite backend of the `Store`: one database file in WAL mode with `synchronous=FULL` and
//! foreign keys on. All writes go through one writer thread that group-commits (see
//! `writer`); reads use a small pool of read-only connections, which WAL lets run alongside
//! the writer: bounded reads (look-ups by key, an index walk of one page) on the calling task's
//! thread, everything that may scan on the blocking pool.
//!
//! Nothing outside this crate sees rusqlite types.

mod accounts;
mod asks;
pub mod backup;
mod bounces;
mod cases;
mod credentials;
mod decisions;
mod export;
mod feelings;
mod files;
mod followers;
mod guidelines;
mod history;
mod leaders;
mod mail;
mod migrate;
mod notifications;
mod org;
mod outbox;
mod people;
mod proposals;
mod query;
mod reads;
mod rows;
mod scoreboard;
mod search;
mod store;
mod targets;
mod voice;
mod webhooks;
mod writer;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontline_core::time::Clock;
use frontline_store::{StoreError, StoreResult, tokio_watch};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use crate::rows::Db;
use crate::writer::{WriteTx, Writer};

/// Tuning knobs; the defaults are what `frontline serve` uses.
#[derive(Clone, Debug)]
pub struct SqliteConfig {
    /// Most writes committed together. 1 disables group commit (one fsync per write).
    pub max_batch: usize,
    /// Read-only connections in the pool.
    pub readers: usize,
    /// WAL frames (page + 24-byte header, ~4 KiB each) a checkpoint pass may find before the
    /// writer is asked to finish the job and start the WAL over (see `start_checkpointer`).
    pub wal_rewind_frames: i64,
    /// Stamps events: the wall clock, or the server's clock in tests that move time.
    pub clock: Clock,
}

impl Default for SqliteConfig {
    fn default() -> Self {
        Self {
            max_batch: 1024,
            readers: 4,
            // ~64 MiB of WAL. Each rewind stalls the writer for a database fsync (10-25 ms
            // measured); at 4096 frames that was every ~250 ms under full load, and
            // create-case's p99 at 32 clients was 30 ms instead of 14 ms.
            wal_rewind_frames: 16_384,
            clock: Clock::system(),
        }
    }
}

pub struct SqliteStore {
    writer: Writer,
    readers: Arc<Readers>,
    doorbell: tokio_watch::Receiver,
    /// Ephemeral messages: one process is the whole deployment on SQLite, so in-process.
    ephemeral: tokio::sync::broadcast::Sender<String>,
    /// Dropping this stops the checkpointer thread (it watches for the other end to close).
    _checkpointer: std::sync::mpsc::Sender<()>,
    /// The files beside the database (`files`).
    disk: files::Disk,
}

/// Copies committed WAL frames into the database file off the writer thread. The writer's own
/// automatic checkpoints were measured at ~9% of its time; here they cost it most of nothing.
/// PASSIVE never blocks the writer or readers; if readers pin old frames the WAL simply grows
/// until the next pass.
///
/// SQLite starts the WAL over only when a write transaction begins with every frame already
/// in the file. Under steady writes the writer has always appended again by then (a pass
/// finishes while it runs its next batch), so the WAL grew without end: 2 GB in 8 s of
/// creating cases, every new frame a file extension the kernel zeroes first (a third of the
/// writer's time). So when a pass finds more than `rewind_at` frames, it raises `rewind`, and
/// the writer checkpoints the few frames since that pass itself, between two batches; its
/// next transaction then writes from the start of the WAL again.
///
/// It also notices commits made by other processes (the `frontline admin` CLI writing into the
/// same file): `data_version` changes, and the doorbell is raised to the log's newest sequence
/// so live streams pick those events up too.
fn start_checkpointer(
    path: &Path,
    doorbell: Arc<tokio_watch::Sender>,
    rewind: Arc<AtomicBool>,
    rewind_at: i64,
) -> StoreResult<std::sync::mpsc::Sender<()>> {
    let conn = Connection::open(path).map_err(|e| StoreError::Unavailable(e.to_string()))?;
    conn.busy_timeout(Duration::from_millis(100))
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("frontline-sqlite-checkpoint".into())
        .spawn(move || {
            let mut seen_version: Option<i64> = None;
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(Duration::from_millis(200))
            {
                let version = conn
                    .query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0))
                    .ok();
                if version != seen_version {
                    seen_version = version;
                    if let Ok(seq) = reads::last_seq(&conn) {
                        doorbell.send_if_modified(|last| {
                            let newer = seq > *last;
                            *last = (*last).max(seq);
                            newer
                        });
                    }
                }
                let pass = || {
                    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1))
                        .inspect_err(|e| tracing::warn!(error = %e, "wal checkpoint failed"))
                };
                if pass().is_ok_and(|frames| frames > rewind_at) {
                    // Copy what was appended during that pass too, so that what is left for
                    // the writer (and its callers wait for) is a few milliseconds' worth.
                    let _ = pass();
                    rewind.store(true, Ordering::Relaxed);
                }
            }
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        })
        .map_err(|e| StoreError::Other(format!("could not start the checkpointer: {e}")))?;
    Ok(stop)
}

/// Idle read connections. A semaphore with as many permits as connections guarantees a task
/// holding a permit finds one in the vector.
struct Readers {
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

/// A read connection taken from the pool, put back when dropped (also if the read panics).
struct Lease<'a> {
    readers: &'a Readers,
    conn: Option<Connection>,
}

impl<'a> Lease<'a> {
    /// The caller holds a permit, so a connection is idle.
    fn take(readers: &'a Readers) -> StoreResult<Lease<'a>> {
        let conn = readers
            .idle
            .lock()
            .map_err(|_| StoreError::Other("reader pool poisoned".into()))?
            .pop()
            .ok_or_else(|| StoreError::Other("reader pool empty despite a permit".into()))?;
        Ok(Lease {
            readers,
            conn: Some(conn),
        })
    }

    fn conn(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let (Some(conn), Ok(mut idle)) = (self.conn.take(), self.readers.idle.lock()) {
            idle.push(conn);
        }
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Each write runs in a savepoint; keep the statement journal in memory, not a temp file
    // (on disk it cost a pwrite per touched page, measured as the largest kernel cost).
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // 16 MiB, not more: while the file is under 1 GiB, SQLite walks the writer's whole page
    // cache at every commit (B-tree balancing renumbers pages through the lock-byte page,
    // 262,145, which the commit then truncates away), so a bigger cache costs every commit
    // more: at 64 MiB this walk was 10-17 % of the writer and creating cases over HTTP 12-20 %
    // slower; 16 and 64 MiB measured the same at 1,000,000 cases, past 1 GiB (BENCHMARKS.md).
    conn.pragma_update(None, "cache_size", -16_384)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

impl SqliteStore {
    /// Open (creating if missing) the database at `path` and run migrations.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<SqliteStore> {
        Self::open_with(path, SqliteConfig::default())
    }

    pub fn open_with(path: impl AsRef<Path>, config: SqliteConfig) -> StoreResult<SqliteStore> {
        let path = path.as_ref();
        let unavailable = |e: rusqlite::Error| {
            StoreError::Unavailable(format!("could not open {}: {e}", path.display()))
        };
        let mut conn = Connection::open(path).map_err(unavailable)?;
        configure(&conn).map_err(unavailable)?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(unavailable)?;
        migrate::run(&mut conn)?;
        let (doorbell_tx, doorbell) = tokio::sync::watch::channel(0);
        let doorbell_tx = Arc::new(doorbell_tx);
        let rewind = Arc::new(AtomicBool::new(false));
        let checkpointer = start_checkpointer(
            path,
            doorbell_tx.clone(),
            rewind.clone(),
            config.wal_rewind_frames,
        )?;
        let mut idle = Vec::with_capacity(config.readers.max(1));
        for _ in 0..config.readers.max(1) {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(unavailable)?;
            reader
                .busy_timeout(Duration::from_secs(10))
                .map_err(unavailable)?;
            reader.set_prepared_statement_cache_capacity(128);
            idle.push(reader);
        }
        let writer = Writer::start(conn, config.max_batch, doorbell_tx, rewind, config.clock)?;
        let permits = Arc::new(Semaphore::new(idle.len()));
        Ok(SqliteStore {
            writer,
            readers: Arc::new(Readers {
                idle: Mutex::new(idle),
                permits,
            }),
            doorbell,
            ephemeral: tokio::sync::broadcast::channel(1024).0,
            _checkpointer: checkpointer,
            disk: files::Disk::beside(path),
        })
    }

    /// The directory that holds the files (attachments' bytes) of the database at `path`:
    /// `<path>.files`, beside it. Backups copy it with the database.
    pub fn files_dir(path: impl AsRef<Path>) -> std::path::PathBuf {
        files::Disk::beside(path.as_ref()).root().to_path_buf()
    }

    /// Copy the whole WAL of the database at `path` into the file and truncate it, waiting (up
    /// to a minute) for any other checkpoint to finish first. For a process handing a freshly
    /// written database to another (the benchmarks): otherwise the store it dropped is still
    /// checkpointing in the background while the next one starts, and that one's first
    /// seconds measure the checkpoint.
    pub fn checkpoint_file(path: impl AsRef<Path>) -> StoreResult<()> {
        let path = path.as_ref();
        let conn = Connection::open(path).map_err(|e| {
            StoreError::Unavailable(format!("could not open {}: {e}", path.display()))
        })?;
        conn.busy_timeout(Duration::from_secs(1)).db()?;
        // Another checkpoint in progress (the dropped store's last one) makes this one report
        // busy at once rather than wait, so retry until it has finished.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let busy: i64 = conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
                .db()?;
            if busy == 0 {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(StoreError::Unavailable(format!(
                    "{} stayed in use for a minute; its WAL could not be checkpointed",
                    path.display()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A read that may take long (search, reports, exports): on the blocking pool, so it never
    /// holds up the runtime's workers.
    async fn read<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    ) -> StoreResult<R> {
        let readers = self.readers.clone();
        let permit = readers
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Unavailable("store closed".into()))?;
        tokio::task::spawn_blocking(move || {
            let lease = Lease::take(&readers)?;
            let result = f(lease.conn());
            drop((lease, permit));
            result
        })
        .await
        .map_err(|e| StoreError::Other(format!("read task failed: {e}")))?
    }

    /// A bounded read (a look-up by key, an index walk of one page) on the calling task's
    /// thread. Handing it to the blocking pool costs two thread switches, which measured more
    /// than the read itself: inline, a get-case request took 92 instead of 177 µs of server CPU.
    async fn read_now<R>(&self, f: impl FnOnce(&Connection) -> StoreResult<R>) -> StoreResult<R> {
        let _permit = self
            .readers
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Unavailable("store closed".into()))?;
        let lease = Lease::take(&self.readers)?;
        f(lease.conn())
    }

    async fn write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut WriteTx<'_>) -> StoreResult<R> + Send + 'static,
    ) -> StoreResult<R> {
        self.writer.write(f).await
    }
}
