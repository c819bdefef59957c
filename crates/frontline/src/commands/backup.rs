//! `backup` and `restore` of a SQLite installation. The database work (a consistent snapshot
//! of a file a server is writing, the checks that a file is a Frontline database, the check
//! that nobody has it open) is `frontline_store_sqlite::backup`; this module owns the files:
//! a backup or a restored database is written under a temporary name in its final directory
//! (owner-only: it holds password and token hashes), fsynced, and only then renamed into
//! place, so a crash leaves the old file or the new one, never half of one.
//!
//! PostgreSQL has its own tools (`pg_dump`, `pg_restore`), and `export`/`import` move data
//! between either backend; both commands say so instead of pretending.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use frontline_store_sqlite::backup::{self, Contents};
use tempfile::NamedTempFile;

use crate::database::DatabaseUrl;

pub async fn backup(url: &DatabaseUrl, path: &Path, force: bool) -> Result<()> {
    let DatabaseUrl::Sqlite(source) = url else {
        bail!(
            "frontline backup copies SQLite databases; for PostgreSQL use pg_dump, or `frontline export` for a copy either backend can import"
        );
    };
    let (source, target) = (source.clone(), path.to_owned());
    let contents = tokio::task::spawn_blocking(move || back_up(&source, &target, force))
        .await
        .context("the backup task failed")??;
    super::print_lines([format!(
        "backed up {url} to {}: {}",
        path.display(),
        describe(&contents)
    )])
}

pub async fn restore(url: &DatabaseUrl, backup_file: &Path, force: bool) -> Result<()> {
    let DatabaseUrl::Sqlite(target) = url else {
        bail!(
            "frontline restore writes SQLite databases; for PostgreSQL use pg_restore, or `frontline import` with a file from `frontline export`"
        );
    };
    let (source, target) = (backup_file.to_owned(), target.clone());
    let contents = tokio::task::spawn_blocking(move || restore_into(&source, &target, force))
        .await
        .context("the restore task failed")??;
    super::print_lines([format!(
        "restored {} into {url}: {}",
        backup_file.display(),
        describe(&contents)
    )])
}

/// Everything a backup copies, in one place: the database, then the files beside it
/// (attachments' bytes, `<database>.files`) into `<PATH>.files`. Files are copied after the
/// snapshot (a file is written before the row that names it and never changed, so every file
/// the snapshot names exists by then), each under a temporary name, fsynced and renamed, and
/// all of them before the database is renamed into place, so a backup at PATH is whole.
fn back_up(source: &Path, target: &Path, force: bool) -> Result<Contents> {
    if !force && target.exists() {
        bail!("{} exists; pass --force to replace it", target.display());
    }
    if same_file(source, target) {
        bail!(
            "{} is the database itself; write the backup somewhere else",
            target.display()
        );
    }
    let temp = temporary_beside(target)?;
    let contents = backup::snapshot_into(source, temp.path())
        .with_context(|| format!("could not back up {}", source.display()))?;
    // SQLite does not fsync a `VACUUM INTO` file; without this a crash after the rename could
    // leave a backup whose pages never reached the disk.
    temp.as_file()
        .sync_all()
        .with_context(|| format!("could not write {}", temp.path().display()))?;
    copy_files(
        &frontline_store_sqlite::SqliteStore::files_dir(source),
        &frontline_store_sqlite::SqliteStore::files_dir(target),
    )?;
    put_in_place(temp, target, force)?;
    Ok(contents)
}

fn restore_into(source: &Path, target: &Path, force: bool) -> Result<Contents> {
    let contents = backup::verify(source).context("could not restore")?;
    if same_file(source, target) {
        bail!(
            "{} is already the database; restore a backup from another path",
            source.display()
        );
    }
    if target.exists() {
        if !force {
            bail!(
                "the database at {} exists; pass --force to replace it (its data is lost)",
                target.display()
            );
        }
        // Also checkpoints the old file's WAL into it and closes it, so the WAL removed below
        // holds nothing the old file still needed.
        backup::ensure_unused(target).context("could not restore")?;
    }
    let mut temp = temporary_beside(target)?;
    // Copy the bytes into the owner-only temporary file rather than `fs::copy`, which would
    // carry over the backup's own permissions.
    let mut from =
        File::open(source).with_context(|| format!("could not read {}", source.display()))?;
    std::io::copy(&mut from, temp.as_file_mut())
        .and_then(|_| temp.as_file().sync_all())
        .with_context(|| format!("could not write {}", temp.path().display()))?;
    // A WAL left beside the old file would be replayed into the new one on the next open and
    // corrupt it.
    for suffix in ["-wal", "-shm"] {
        let mut name = target.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("could not remove {}", Path::new(&name).display()));
            }
        }
    }
    copy_files(
        &frontline_store_sqlite::SqliteStore::files_dir(source),
        &frontline_store_sqlite::SqliteStore::files_dir(target),
    )?;
    put_in_place(temp, target, force)?;
    Ok(contents)
}

/// Copy the content-addressed files under `from/sha256` into `to/sha256`. A file already
/// there under its name has the same bytes (the name is their SHA-256) and is left alone;
/// each new one is written under a temporary name, fsynced and renamed, then its directory
/// fsynced. Files `to` has that `from` lacks stay (a restore's sweep removes unnamed ones).
fn copy_files(from: &Path, to: &Path) -> Result<()> {
    let top = from.join("sha256");
    if !top.is_dir() {
        return Ok(());
    }
    let mut dirs = vec![top.clone()];
    while let Some(dir) = dirs.pop() {
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("could not read {}", dir.display()))?;
        for entry in entries {
            let path = entry
                .with_context(|| format!("could not read {}", dir.display()))?
                .path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(from)
                .context("a file outside the files")?;
            let target = to.join(relative);
            if target.is_file() {
                continue;
            }
            let parent = directory_of(&target);
            std::fs::create_dir_all(&parent)
                .with_context(|| format!("could not create {}", parent.display()))?;
            let mut temp = temporary_beside(&target)?;
            let mut source =
                File::open(&path).with_context(|| format!("could not read {}", path.display()))?;
            std::io::copy(&mut source, temp.as_file_mut())
                .and_then(|_| temp.as_file().sync_all())
                .with_context(|| format!("could not write {}", temp.path().display()))?;
            put_in_place(temp, &target, true)?;
        }
    }
    Ok(())
}

/// An empty file in `target`'s directory (so the rename stays on one file system), created
/// with mode 0600 by `tempfile`, and removed again if anything fails before the rename.
fn temporary_beside(target: &Path) -> Result<NamedTempFile> {
    let dir = directory_of(target);
    tempfile::Builder::new()
        .prefix(".frontline-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| format!("could not create a file in {}", dir.display()))
}

/// Rename `temp` to `target` (refusing to replace a file that appeared meanwhile unless
/// `force`), then fsync the directory so the rename itself survives a crash.
fn put_in_place(temp: NamedTempFile, target: &Path, force: bool) -> Result<()> {
    let persisted = if force {
        temp.persist(target)
    } else {
        temp.persist_noclobber(target)
    };
    persisted.map_err(|e| e.error).with_context(|| {
        format!(
            "could not write {}{}",
            target.display(),
            if force {
                ""
            } else {
                " (pass --force to replace it)"
            }
        )
    })?;
    let dir = directory_of(target);
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("could not sync {}", dir.display()))
}

fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// "12 people, 2,000 cases, … (3.1 MiB)": what a command copied, in one line.
fn describe(contents: &Contents) -> String {
    let mib = contents.bytes as f64 / (1024.0 * 1024.0);
    format!(
        "{} people, {} cases, {} messages, {} events, schema version {} ({mib:.1} MiB)",
        contents.people,
        contents.cases,
        contents.messages,
        contents.last_seq,
        contents.schema_version
    )
}
