//! Files on SQLite: the bytes are files beside the database (`<database>.files/`), named by
//! their SHA-256 (`sha256/ab/cd/<hash>`), so the same bytes are kept once; the uploads and
//! attachments that name them are rows written by the one writer.
//!
//! A blob is written to `tmp/<uuid>` while it is hashed, fsynced, renamed to its name and
//! the directory fsynced: a crash leaves either no file under the name or the whole file,
//! never a half file a row points to. The row that names a blob is written only after the
//! rename, and `create_upload` checks the file is there. Files are removed only by the sweep,
//! and only when no row names them and they were last written over a day ago (writing the
//! same bytes again renews the file's time), so an upload between its `finish` and its row
//! never loses its bytes.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use async_trait::async_trait;
use frontline_core::attachment::{AttachedTo, Deletion, is_sha256_hex};
use frontline_core::event::{AttachmentAdded, AttachmentDeleted};
use frontline_core::{
    Attachment, AttachmentId, Audience, Case, CaseId, Message, NewEvent, Payload, PersonId,
    Timestamp, ValueError, Visibility,
};
use frontline_store::{
    BLOB_CHUNK_BYTES, BlobHasher, BlobReader, BlobRef, BlobWriter, FilesSwept, NewUpload,
    StoreError, StoreResult, Written,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

/// Where the blobs of one database live.
#[derive(Clone, Debug)]
pub(crate) struct Disk {
    root: PathBuf,
}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let what = format!("{what} {}", path.display());
    move |e| StoreError::Unavailable(format!("could not {what}: {e}"))
}

impl Disk {
    /// The directory beside `database` (`frontline.db` → `frontline.db.files`).
    pub(crate) fn beside(database: &Path) -> Disk {
        let mut root = database.as_os_str().to_owned();
        root.push(".files");
        Disk { root: root.into() }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// The file of a blob; `None` for a name that is not a SHA-256 (so no name can walk out).
    pub(crate) fn path(&self, sha256: &str) -> Option<PathBuf> {
        is_sha256_hex(sha256).then(|| {
            self.root
                .join("sha256")
                .join(&sha256[0..2])
                .join(&sha256[2..4])
                .join(sha256)
        })
    }

    pub(crate) fn has(&self, sha256: &str) -> bool {
        self.path(sha256).is_some_and(|p| p.is_file())
    }

    pub(crate) async fn writer(&self) -> StoreResult<Box<dyn BlobWriter>> {
        let tmp = self.tmp();
        tokio::fs::create_dir_all(&tmp)
            .await
            .map_err(io("create", &tmp))?;
        let path = tmp.join(uuid::Uuid::now_v7().to_string());
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .map_err(io("create", &path))?;
        Ok(Box::new(DiskWriter {
            disk: self.clone(),
            file: Some(file),
            tmp: Some(path),
            hasher: BlobHasher::default(),
        }))
    }

    pub(crate) async fn reader(&self, sha256: &str) -> StoreResult<Box<dyn BlobReader>> {
        let not_found = || StoreError::not_found(format!("file {sha256}"));
        let path = self.path(sha256).ok_or_else(not_found)?;
        match tokio::fs::File::open(&path).await {
            Ok(file) => Ok(Box::new(DiskReader { file })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(not_found()),
            Err(e) => Err(io("open", &path)(e)),
        }
    }

    /// Write a whole blob at once (imports).
    pub(crate) async fn put(&self, bytes: &[u8]) -> StoreResult<BlobRef> {
        let mut writer = self.writer().await?;
        for chunk in bytes.chunks(BLOB_CHUNK_BYTES) {
            writer.write(chunk).await?;
        }
        writer.finish().await
    }

    /// Remove blob files no row names and not written since `before`, and temporary files
    /// older than that (a writer that died). Blocking: call on a blocking thread.
    fn sweep(&self, named: &HashSet<String>, before: SystemTime) -> StoreResult<u64> {
        let old = |path: &Path| {
            std::fs::metadata(path)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < before)
        };
        if let Ok(entries) = std::fs::read_dir(self.tmp()) {
            for entry in entries.flatten() {
                if old(&entry.path()) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let mut removed = 0;
        let top = self.root.join("sha256");
        for level1 in read_dirs(&top) {
            for level2 in read_dirs(&level1) {
                let Ok(files) = std::fs::read_dir(&level2) else {
                    continue;
                };
                for file in files.flatten() {
                    let name = file.file_name().to_string_lossy().into_owned();
                    if is_sha256_hex(&name) && !named.contains(&name) && old(&file.path()) {
                        std::fs::remove_file(file.path()).map_err(io("remove", &file.path()))?;
                        removed += 1;
                    }
                }
            }
        }
        Ok(removed)
    }
}

fn read_dirs(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default()
}

struct DiskWriter {
    disk: Disk,
    file: Option<tokio::fs::File>,
    /// The temporary file, until it is renamed (or removed when the writer is dropped).
    tmp: Option<PathBuf>,
    hasher: BlobHasher,
}

#[async_trait]
impl BlobWriter for DiskWriter {
    async fn write(&mut self, chunk: &[u8]) -> StoreResult<()> {
        let (Some(file), Some(tmp)) = (self.file.as_mut(), self.tmp.as_ref()) else {
            return Err(StoreError::Other("blob writer used after finish".into()));
        };
        file.write_all(chunk).await.map_err(io("write", tmp))?;
        self.hasher.update(chunk);
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> StoreResult<BlobRef> {
        let (Some(mut file), Some(tmp)) = (self.file.take(), self.tmp.clone()) else {
            return Err(StoreError::Other("blob writer finished twice".into()));
        };
        file.flush().await.map_err(io("write", &tmp))?;
        file.sync_all().await.map_err(io("fsync", &tmp))?;
        drop(file);
        let blob = std::mem::take(&mut self.hasher).finish();
        let target = self
            .disk
            .path(&blob.sha256)
            .ok_or_else(|| StoreError::Other("a SHA-256 that is not hex".into()))?;
        let moved = tokio::task::spawn_blocking(move || place(&tmp, &target))
            .await
            .map_err(|e| StoreError::Other(format!("file task failed: {e}")))?;
        // Renamed or removed: nothing for `Drop` to clean up either way.
        self.tmp = None;
        moved?;
        Ok(blob)
    }
}

/// Put a finished temporary file under its name, durably; if the name exists already (the
/// same bytes), drop the copy and renew the kept file's time instead.
fn place(tmp: &Path, target: &Path) -> StoreResult<()> {
    if target.is_file() {
        let _ = std::fs::remove_file(tmp);
        std::fs::File::options()
            .append(true)
            .open(target)
            .and_then(|f| f.set_modified(SystemTime::now()))
            .map_err(io("touch", target))?;
        return Ok(());
    }
    let dir = target
        .parent()
        .ok_or_else(|| StoreError::Other("a blob path has a directory".into()))?;
    std::fs::create_dir_all(dir).map_err(io("create", dir))?;
    if let Err(e) = std::fs::rename(tmp, target) {
        let _ = std::fs::remove_file(tmp);
        return Err(io("rename into", target)(e));
    }
    // The rename is durable only once the directory holding the new name is.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("fsync", dir))
}

impl Drop for DiskWriter {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

struct DiskReader {
    file: tokio::fs::File,
}

#[async_trait]
impl BlobReader for DiskReader {
    async fn next_chunk(&mut self) -> StoreResult<Option<Vec<u8>>> {
        let mut buf = vec![0; BLOB_CHUNK_BYTES];
        let mut filled = 0;
        while filled < buf.len() {
            let n = self
                .file
                .read(&mut buf[filled..])
                .await
                .map_err(|e| StoreError::Unavailable(format!("could not read a file: {e}")))?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        buf.truncate(filled);
        Ok((filled > 0).then_some(buf))
    }
}

const COLUMNS: &str = "a.id, a.sha256, a.size, a.name, a.content_type, a.uploader_id, \
     a.created_at, a.case_id, a.message_id, a.attached_at, a.deleted_at, a.deleted_by, \
     a.deletion_reason, m.visibility";
const FROM: &str = "attachments a LEFT JOIN messages m ON m.id = a.message_id";

fn attachment_row(row: &Row<'_>) -> rusqlite::Result<Attachment> {
    let attached = match rows::parsed_opt::<CaseId>(row, "case_id")? {
        Some(case_id) => Some(AttachedTo {
            case_id,
            message_id: rows::parsed(row, "message_id")?,
            visibility: rows::parsed(row, "visibility")?,
            at: rows::ts(row, "attached_at")?,
        }),
        None => None,
    };
    let deleted = match rows::ts_opt(row, "deleted_at")? {
        Some(at) => Some(Deletion {
            by: rows::parsed(row, "deleted_by")?,
            at,
            reason: row.get("deletion_reason")?,
        }),
        None => None,
    };
    Ok(Attachment {
        id: rows::parsed(row, "id")?,
        name: rows::value("name", row.get("name")?, frontline_core::FileName::parse)?,
        content_type: row.get("content_type")?,
        size: row.get::<_, i64>("size")?.max(0) as u64,
        sha256: row.get("sha256")?,
        uploader_id: rows::parsed(row, "uploader_id")?,
        created_at: rows::ts(row, "created_at")?,
        attached,
        deleted,
    })
}

pub(crate) fn get(conn: &Connection, id: AttachmentId) -> StoreResult<Attachment> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM {FROM} WHERE a.id = ?1"))
        .db()?
        .query_row([id.to_string()], attachment_row)
        .optional()
        .db()?
        .ok_or_else(|| StoreError::not_found(format!("attachment {id}")))
}

pub(crate) fn of_case(
    conn: &Connection,
    case_id: CaseId,
    include_internal: bool,
) -> StoreResult<Vec<Attachment>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE a.case_id = ?1
               AND (?2 OR m.visibility = 'public')
             ORDER BY a.attached_at, a.id"
        ))
        .db()?;
    stmt.query_map(
        params![case_id.to_string(), include_internal],
        attachment_row,
    )
    .db()?
    .collect::<Result<Vec<_>, _>>()
    .db()
}

pub(crate) fn create_upload(
    w: &mut WriteTx<'_>,
    disk: &Disk,
    new: NewUpload,
) -> StoreResult<Attachment> {
    if !disk.has(&new.blob.sha256) {
        return Err(StoreError::not_found(format!("file {}", new.blob.sha256)));
    }
    crate::reads::person(w.conn, new.uploader_id)?;
    let at = w.now();
    let attachment = Attachment {
        id: new.id,
        name: new.name,
        content_type: new.content_type,
        size: new.blob.size,
        sha256: new.blob.sha256,
        uploader_id: new.uploader_id,
        created_at: at,
        attached: None,
        deleted: None,
    };
    insert(w.conn, &attachment)?;
    Ok(attachment)
}

fn insert(conn: &Connection, a: &Attachment) -> StoreResult<()> {
    let size = i64::try_from(a.size).map_err(|_| ValueError::new("size", "is too large"))?;
    conn.prepare_cached(
        "INSERT INTO attachments (id, sha256, size, name, content_type, uploader_id, created_at,
            case_id, message_id, attached_at, deleted_at, deleted_by, deletion_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )
    .db()?
    .execute(params![
        a.id.to_string(),
        a.sha256,
        size,
        a.name.as_str(),
        a.content_type,
        a.uploader_id.to_string(),
        ms(a.created_at),
        a.attached.as_ref().map(|t| t.case_id.to_string()),
        a.attached.as_ref().map(|t| t.message_id.to_string()),
        a.attached.as_ref().map(|t| ms(t.at)),
        a.deleted.as_ref().map(|d| ms(d.at)),
        a.deleted.as_ref().map(|d| d.by.to_string()),
        a.deleted.as_ref().map(|d| d.reason.clone()),
    ])
    .db()?;
    Ok(())
}

/// The message's audience, which its attachments' events share.
fn audience(case: &Case, visibility: Visibility) -> Audience {
    match visibility {
        Visibility::Public => Audience::Customer {
            customer_id: case.customer_id,
        },
        Visibility::Internal => Audience::Staff,
    }
}

/// Attach uploads of the author's (or of whoever writes it for them, `actor`) to a message
/// being written in this transaction, appending
/// `attachment.added` to `events`.
pub(crate) fn attach(
    w: &mut WriteTx<'_>,
    case: &Case,
    message: &Message,
    ids: &[AttachmentId],
    actor: Option<PersonId>,
    events: &mut Vec<NewEvent>,
) -> StoreResult<()> {
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(ValueError::new("attachments", format!("{id} is named twice")).into());
        }
        let upload = get(w.conn, *id).ok();
        let Some(upload) = upload.filter(|u| {
            (u.uploader_id == message.author_id || Some(u.uploader_id) == actor)
                && u.attached.is_none()
                && u.deleted.is_none()
        }) else {
            return Err(not_an_upload(*id));
        };
        w.conn
            .prepare_cached(
                "UPDATE attachments SET case_id = ?2, message_id = ?3, attached_at = ?4
                 WHERE id = ?1",
            )
            .db()?
            .execute(params![
                id.to_string(),
                case.id.to_string(),
                message.id.to_string(),
                ms(message.created_at),
            ])
            .db()?;
        events.push(added_event(case, message, &upload));
    }
    Ok(())
}

pub(crate) fn not_an_upload(id: AttachmentId) -> StoreError {
    ValueError::new(
        "attachments",
        format!("{id} is not a file you uploaded and have not attached yet; upload it first"),
    )
    .into()
}

pub(crate) fn added_event(case: &Case, message: &Message, upload: &Attachment) -> NewEvent {
    NewEvent::new(
        Some(message.author_id),
        Payload::AttachmentAdded(AttachmentAdded {
            attachment_id: upload.id,
            number: case.number,
            message_id: message.id,
            name: upload.name.clone(),
            content_type: upload.content_type.clone(),
            size: upload.size,
            sha256: upload.sha256.clone(),
            uploader_id: upload.uploader_id,
        }),
    )
    .about_case(case.id, audience(case, message.visibility))
}

pub(crate) fn delete(
    w: &mut WriteTx<'_>,
    id: AttachmentId,
    by: PersonId,
    reason: String,
) -> StoreResult<Written<Attachment>> {
    let reason = checked_reason(&reason)?;
    let mut attachment = get(w.conn, id)?;
    let Some(attached) = attachment.attached.clone() else {
        return Err(StoreError::conflict(format!(
            "{id} is an upload on no message; it is removed on its own after a day"
        )));
    };
    if attachment.deleted.is_some() {
        return Err(StoreError::conflict(format!("{id} was deleted already")));
    }
    crate::reads::person(w.conn, by)?;
    let case = crate::reads::case(w.conn, attached.case_id)?;
    let at = w.now();
    w.conn
        .prepare_cached(
            "UPDATE attachments SET deleted_at = ?2, deleted_by = ?3, deletion_reason = ?4
             WHERE id = ?1",
        )
        .db()?
        .execute(params![id.to_string(), ms(at), by.to_string(), reason])
        .db()?;
    let event = NewEvent::new(
        Some(by),
        Payload::AttachmentDeleted(AttachmentDeleted {
            attachment_id: id,
            number: case.number,
            message_id: attached.message_id,
            name: attachment.name.clone(),
            reason: reason.clone(),
        }),
    )
    .about_case(case.id, audience(&case, attached.visibility));
    let events = w.append(vec![event], at)?;
    attachment.deleted = Some(Deletion { by, at, reason });
    Ok(Written {
        value: attachment,
        events,
        replayed: false,
    })
}

/// A deletion's reason: a few words at least, at most 1,000 characters.
pub(crate) fn checked_reason(reason: &str) -> StoreResult<String> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1_000 {
        return Err(ValueError::new(
            "reason",
            "say why the file is deleted, in at most 1,000 characters",
        )
        .into());
    }
    Ok(reason.to_owned())
}

/// Sweep: the rows in the writer, then the files no row names on a blocking thread.
pub(crate) fn sweep_rows(w: &mut WriteTx<'_>, before: Timestamp) -> StoreResult<u64> {
    let n = w
        .conn
        .prepare_cached("DELETE FROM attachments WHERE message_id IS NULL AND created_at < ?1")
        .db()?
        .execute([ms(before)])
        .db()?;
    Ok(n as u64)
}

/// The blobs rows still name: every upload, and every attachment not deleted.
pub(crate) fn named(conn: &Connection) -> StoreResult<HashSet<String>> {
    let mut stmt = conn
        .prepare("SELECT DISTINCT sha256 FROM attachments WHERE deleted_at IS NULL")
        .db()?;
    stmt.query_map([], |r| r.get::<_, String>(0))
        .db()?
        .collect::<Result<HashSet<_>, _>>()
        .db()
}

pub(crate) async fn sweep_disk(
    disk: &Disk,
    named: HashSet<String>,
    before: Timestamp,
) -> StoreResult<u64> {
    let before = SystemTime::UNIX_EPOCH
        + std::time::Duration::from_millis(before.as_millisecond().max(0) as u64);
    let disk = disk.clone();
    tokio::task::spawn_blocking(move || disk.sweep(&named, before))
        .await
        .map_err(|e| StoreError::Other(format!("sweep task failed: {e}")))?
}

pub(crate) fn swept(uploads: u64, blobs: u64) -> FilesSwept {
    FilesSwept { uploads, blobs }
}

/// Every attachment on a message (tombstones too) with its bytes (none for a tombstone).
pub(crate) fn export_rows(conn: &Connection) -> StoreResult<Vec<Attachment>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE a.message_id IS NOT NULL ORDER BY a.attached_at, a.id"
        ))
        .db()?;
    stmt.query_map([], attachment_row)
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()
}

/// Read a whole blob (exports carry the bytes).
pub(crate) async fn read_all(disk: &Disk, sha256: &str) -> StoreResult<Vec<u8>> {
    let mut reader = disk.reader(sha256).await?;
    let mut bytes = Vec::new();
    while let Some(chunk) = reader.next_chunk().await? {
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

pub(crate) fn import_row(conn: &Connection, a: &Attachment) -> StoreResult<()> {
    insert(conn, a)
}
