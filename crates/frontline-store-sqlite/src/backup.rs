//! Copies of a SQLite database file for `frontline backup` and `frontline restore`: a
//! consistent snapshot of a database that a server may be writing at that moment, the checks
//! that a file is a Frontline database, and the check that no process has a database open.
//! The files around them (temporary names, fsync, rename, permissions) are the caller's.
//!
//! The snapshot is `VACUUM INTO`, not the online backup API. Both read one snapshot without
//! stopping the writer (WAL: a reader never blocks it; the checkpointer's passes are PASSIVE,
//! so the WAL only grows while the snapshot is read). The backup API's one advantage, copying
//! in steps that let a writer proceed in between, does not hold here: a step that finds the
//! source changed by another connection starts the copy over, so under a steady writer a
//! stepped copy need never finish (measured: 72 MB in 100-page steps, unfinished after 16
//! minutes), and a copy in one step is the same single snapshot. That one step is faster (0.5
//! s against 1.8 s for 72 MB: it copies pages where `VACUUM INTO` rebuilds indexes); see
//! ARCHITECTURE.md for why `VACUUM INTO` was kept anyway.
//! `VACUUM INTO` is one statement, needs no extra rusqlite feature, and writes a compact file
//! (no free pages, indexes rebuilt in order) in rollback-journal mode that opens anywhere.

use std::path::Path;
use std::time::Duration;

use frontline_store::{StoreError, StoreResult};
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::rows::Db;

/// What a database file holds, read from the file itself: for the commands to print and for
/// tests to compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contents {
    /// The newest migration applied to it.
    pub schema_version: i64,
    pub people: i64,
    pub cases: i64,
    pub messages: i64,
    /// The newest event's sequence number (the event log is gap-free, so also its length).
    pub last_seq: i64,
    /// The file's size.
    pub bytes: u64,
}

/// Write a consistent snapshot of the Frontline database at `source` into `target`, which
/// must exist and be empty (the caller creates it, with the permissions it wants, under a
/// temporary name). Runs while a server writes `source`; returns what the copy holds, after a
/// `quick_check` of it. Does not fsync `target`: SQLite leaves that to the caller.
pub fn snapshot_into(source: &Path, target: &Path) -> StoreResult<Contents> {
    let conn = open_existing(source, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    // The writer commits in milliseconds, but the first read of a WAL file may wait on a
    // checkpoint's brief lock.
    conn.busy_timeout(Duration::from_secs(10)).db()?;
    schema_version(&conn, source)?;
    let target_name = target
        .to_str()
        .ok_or_else(|| StoreError::Other(format!("{} is not a UTF-8 path", target.display())))?;
    conn.execute("VACUUM INTO ?1", [target_name]).map_err(|e| {
        StoreError::Unavailable(format!("could not copy {}: {e}", source.display()))
    })?;
    drop(conn);
    let copy = open_existing(target, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    check(&copy, target, "quick_check")?;
    contents(&copy, target)
}

/// Check that `path` is a whole Frontline database this version can open: `PRAGMA
/// integrity_check` passes, and its migrations table names no migration newer than this
/// binary's. Opens it read-only; returns what it holds.
pub fn verify(path: &Path) -> StoreResult<Contents> {
    let conn = open_existing(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // The migrations table first: for a file that is no database at all it says so plainly.
    let version = schema_version(&conn, path)?;
    check(&conn, path, "integrity_check")?;
    let known = crate::migrate::latest_version();
    if version > known {
        return Err(StoreError::conflict(format!(
            "{} has schema version {version}, newer than this frontline's {known}; use a newer \
             frontline",
            path.display()
        )));
    }
    contents(&conn, path)
}

/// Fail with `Conflict` if another connection (a running `frontline serve`, an admin command)
/// has the database at `path` open: it takes SQLite's exclusive lock without waiting. Closing
/// it again checkpoints the WAL into the file and removes the WAL, so a file that passed this
/// check is whole on its own.
pub fn ensure_unused(path: &Path) -> StoreResult<()> {
    let conn = open_existing(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let in_use = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::conflict(format!(
            "the database at {} is in use (is `frontline serve` running?); stop it first",
            path.display()
        )),
        _ => StoreError::Unavailable(format!("could not open {}: {e}", path.display())),
    };
    // In WAL mode every open connection holds a shared lock on the file for as long as it is
    // open, idle or not; `EXCLUSIVE` locking mode makes the next transaction ask for the
    // exclusive lock, which is refused (at once: no busy timeout) while any other is held.
    conn.busy_timeout(Duration::ZERO).db()?;
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
        .map_err(in_use)?;
    conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;")
        .map_err(in_use)?;
    conn.close().map_err(|(_, e)| {
        StoreError::Unavailable(format!("could not close {}: {e}", path.display()))
    })
}

/// Open a file that must already exist (never create one by accident).
fn open_existing(path: &Path, flags: OpenFlags) -> StoreResult<Connection> {
    if !path.is_file() {
        return Err(StoreError::not_found(format!("file {}", path.display())));
    }
    Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| StoreError::Unavailable(format!("could not open {}: {e}", path.display())))
}

/// The newest applied migration; an error naming the file if it is not a SQLite file or has
/// no migrations table (not a Frontline database).
fn schema_version(conn: &Connection, path: &Path) -> StoreResult<i64> {
    let not_frontline = |why: String| {
        StoreError::conflict(format!(
            "{} is not a Frontline database: {why}",
            path.display()
        ))
    };
    let has_table: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| not_frontline(e.to_string()))?;
    if !has_table {
        return Err(not_frontline("it has no schema_migrations table".into()));
    }
    conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| {
        r.get::<_, Option<i64>>(0)
    })
    .map_err(|e| not_frontline(e.to_string()))?
    .ok_or_else(|| not_frontline("no migration was ever applied to it".into()))
}

/// Run `PRAGMA integrity_check` or `quick_check`; anything but "ok" names the first problem.
fn check(conn: &Connection, path: &Path, pragma: &str) -> StoreResult<()> {
    let problem = |why: String| {
        StoreError::conflict(format!(
            "{} is not a whole SQLite database: {why}",
            path.display()
        ))
    };
    let first: String = conn
        .query_row(&format!("PRAGMA {pragma}"), [], |r| r.get(0))
        .map_err(|e| problem(e.to_string()))?;
    if first == "ok" {
        Ok(())
    } else {
        Err(problem(format!("{pragma} says {first}")))
    }
}

fn contents(conn: &Connection, path: &Path) -> StoreResult<Contents> {
    let count = |table: &str| -> StoreResult<i64> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .db()
    };
    let bytes = std::fs::metadata(path)
        .map_err(|e| StoreError::Other(format!("could not read {}: {e}", path.display())))?
        .len();
    Ok(Contents {
        schema_version: schema_version(conn, path)?,
        people: count("people")?,
        cases: count("cases")?,
        messages: count("messages")?,
        last_seq: crate::reads::last_seq(conn)?,
        bytes,
    })
}
