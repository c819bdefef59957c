//! Files on PostgreSQL: the bytes are rows too (`blob_chunks`, 256 KiB each), so every node
//! reads every file without a shared disk. A writer inserts chunks under a fresh `blob_id`
//! as they arrive (each its own statement: nothing is held in memory but one chunk) and at
//! `finish` inserts the `blobs` row naming them by SHA-256. If those bytes were kept already,
//! the kept blob's `touched_at` is renewed and the new chunks deleted. A reader fetches one
//! chunk per round trip. Uploads and attachments are rows like SQLite's, written with their
//! events in one transaction.

use async_trait::async_trait;
use frontline_core::attachment::{AttachedTo, Deletion, is_sha256_hex};
use frontline_core::event::{AttachmentAdded, AttachmentDeleted};
use frontline_core::time::Clock;
use frontline_core::{
    Attachment, AttachmentId, Audience, Case, CaseId, FileName, Message, NewEvent, Payload,
    PersonId, Timestamp, ValueError, Visibility,
};
use frontline_store::{
    BLOB_CHUNK_BYTES, BlobHasher, BlobReader, BlobRef, BlobWriter, FilesSwept, NewUpload, Record,
    StoreError, StoreResult, Written,
};
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::{AssertSqlSafe, Row};

use crate::PgStore;
use crate::error::classify;
use crate::events::append;
use crate::rows::{get, get_opt_time, get_time, parse, to_db};

struct PgWriter {
    pool: PgPool,
    clock: Clock,
    blob_id: uuid::Uuid,
    next: i32,
    buffer: Vec<u8>,
    hasher: BlobHasher,
}

impl PgWriter {
    async fn flush_chunk(&mut self) -> StoreResult<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO blob_chunks (blob_id, n, data, written_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(self.blob_id)
        .bind(self.next)
        .bind(&self.buffer)
        .bind(to_db(self.clock.now()))
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        self.next += 1;
        self.buffer.clear();
        Ok(())
    }
}

#[async_trait]
impl BlobWriter for PgWriter {
    async fn write(&mut self, mut chunk: &[u8]) -> StoreResult<()> {
        self.hasher.update(chunk);
        while !chunk.is_empty() {
            let room = BLOB_CHUNK_BYTES - self.buffer.len();
            let (now, later) = chunk.split_at(room.min(chunk.len()));
            self.buffer.extend_from_slice(now);
            chunk = later;
            if self.buffer.len() == BLOB_CHUNK_BYTES {
                self.flush_chunk().await?;
            }
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> StoreResult<BlobRef> {
        self.flush_chunk().await?;
        let blob = std::mem::take(&mut self.hasher).finish();
        let size = i64::try_from(blob.size).map_err(|_| ValueError::new("size", "too large"))?;
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let kept: uuid::Uuid = sqlx::query_scalar(
            "INSERT INTO blobs (sha256, blob_id, size, touched_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (sha256) DO UPDATE SET touched_at = EXCLUDED.touched_at
             RETURNING blob_id",
        )
        .bind(&blob.sha256)
        .bind(self.blob_id)
        .bind(size)
        .bind(to_db(self.clock.now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(classify)?;
        if kept != self.blob_id {
            sqlx::query("DELETE FROM blob_chunks WHERE blob_id = $1")
                .bind(self.blob_id)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
        }
        tx.commit().await.map_err(classify)?;
        Ok(blob)
    }
}

struct PgReader {
    pool: PgPool,
    blob_id: uuid::Uuid,
    next: i32,
}

#[async_trait]
impl BlobReader for PgReader {
    async fn next_chunk(&mut self) -> StoreResult<Option<Vec<u8>>> {
        let data: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT data FROM blob_chunks WHERE blob_id = $1 AND n = $2")
                .bind(self.blob_id)
                .bind(self.next)
                .fetch_optional(&self.pool)
                .await
                .map_err(classify)?;
        self.next += 1;
        Ok(data)
    }
}

const COLUMNS: &str = "a.id, a.sha256, a.size, a.name, a.content_type, a.uploader_id, \
     a.created_at, a.case_id, a.message_id, a.attached_at, a.deleted_at, a.deleted_by, \
     a.deletion_reason, m.visibility";
const FROM: &str = "attachments a LEFT JOIN messages m ON m.id = a.message_id";

fn attachment(row: &PgRow) -> StoreResult<Attachment> {
    let attached = match get::<Option<uuid::Uuid>>(row, "case_id")? {
        Some(case_id) => Some(AttachedTo {
            case_id: CaseId(case_id),
            message_id: frontline_core::MessageId(get(row, "message_id")?),
            visibility: parse(row, "visibility", str::parse)?,
            at: get_time(row, "attached_at")?,
        }),
        None => None,
    };
    let deleted = match get_opt_time(row, "deleted_at")? {
        Some(at) => Some(Deletion {
            by: PersonId(get(row, "deleted_by")?),
            at,
            reason: get(row, "deletion_reason")?,
        }),
        None => None,
    };
    Ok(Attachment {
        id: AttachmentId(get(row, "id")?),
        name: parse(row, "name", FileName::parse)?,
        content_type: get(row, "content_type")?,
        size: get::<i64>(row, "size")?.max(0) as u64,
        sha256: get(row, "sha256")?,
        uploader_id: PersonId(get(row, "uploader_id")?),
        created_at: get_time(row, "created_at")?,
        attached,
        deleted,
    })
}

async fn get_in(conn: &mut PgConnection, id: AttachmentId, lock: bool) -> StoreResult<Attachment> {
    let lock = if lock { " FOR UPDATE OF a" } else { "" };
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE a.id = $1{lock}"
    )))
    .bind(id.0)
    .fetch_optional(conn)
    .await
    .map_err(classify)?
    .ok_or_else(|| StoreError::not_found(format!("attachment {id}")))?;
    attachment(&row)
}

async fn insert(conn: &mut PgConnection, a: &Attachment) -> StoreResult<()> {
    let size = i64::try_from(a.size).map_err(|_| ValueError::new("size", "is too large"))?;
    sqlx::query(
        "INSERT INTO attachments (id, sha256, size, name, content_type, uploader_id, created_at,
            case_id, message_id, attached_at, deleted_at, deleted_by, deletion_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(a.id.0)
    .bind(&a.sha256)
    .bind(size)
    .bind(a.name.as_str())
    .bind(&a.content_type)
    .bind(a.uploader_id.0)
    .bind(to_db(a.created_at))
    .bind(a.attached.as_ref().map(|t| t.case_id.0))
    .bind(a.attached.as_ref().map(|t| t.message_id.0))
    .bind(a.attached.as_ref().map(|t| to_db(t.at)))
    .bind(a.deleted.as_ref().map(|d| to_db(d.at)))
    .bind(a.deleted.as_ref().map(|d| d.by.0))
    .bind(a.deleted.as_ref().map(|d| d.reason.clone()))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

fn audience(case: &Case, visibility: Visibility) -> Audience {
    match visibility {
        Visibility::Public => Audience::Customer {
            customer_id: case.customer_id,
        },
        Visibility::Internal => Audience::Staff,
    }
}

/// Attach the author's uploads to a message written in `tx`; their `attachment.added`
/// events, for the caller to append with the message's.
pub(crate) async fn attach(
    tx: &mut PgConnection,
    case: &Case,
    message: &Message,
    ids: &[AttachmentId],
    actor: Option<PersonId>,
) -> StoreResult<Vec<NewEvent>> {
    let mut events = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(ValueError::new("attachments", format!("{id} is named twice")).into());
        }
        let upload = get_in(tx, *id, true).await.ok().filter(|u| {
            (u.uploader_id == message.author_id || Some(u.uploader_id) == actor)
                && u.attached.is_none()
                && u.deleted.is_none()
        });
        let Some(upload) = upload else {
            return Err(not_an_upload(*id));
        };
        sqlx::query(
            "UPDATE attachments SET case_id = $2, message_id = $3, attached_at = $4 WHERE id = $1",
        )
        .bind(id.0)
        .bind(case.id.0)
        .bind(message.id.0)
        .bind(to_db(message.created_at))
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        events.push(
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
            .about_case(case.id, audience(case, message.visibility)),
        );
    }
    Ok(events)
}

fn not_an_upload(id: AttachmentId) -> StoreError {
    ValueError::new(
        "attachments",
        format!("{id} is not a file you uploaded and have not attached yet; upload it first"),
    )
    .into()
}

fn checked_reason(reason: &str) -> StoreResult<String> {
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

/// Every attachment on a message (tombstones too), with its bytes unless deleted.
pub(crate) async fn export_records(conn: &mut PgConnection) -> StoreResult<Vec<Record>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE a.message_id IS NOT NULL ORDER BY a.attached_at, a.id"
    )))
    .fetch_all(&mut *conn)
    .await
    .map_err(classify)?;
    let mut records = Vec::with_capacity(rows.len());
    for row in &rows {
        let attachment = attachment(row)?;
        let data = match attachment.deleted {
            Some(_) => None,
            None => Some(Record::encode_bytes(
                &read_all(conn, &attachment.sha256).await?,
            )),
        };
        records.push(Record::Attachment { attachment, data });
    }
    Ok(records)
}

async fn read_all(conn: &mut PgConnection, sha256: &str) -> StoreResult<Vec<u8>> {
    let chunks: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT c.data FROM blob_chunks c JOIN blobs b ON b.blob_id = c.blob_id
         WHERE b.sha256 = $1 ORDER BY c.n",
    )
    .bind(sha256)
    .fetch_all(conn)
    .await
    .map_err(classify)?;
    Ok(chunks.concat())
}

/// Import one attachment record in the import's transaction: its bytes as chunks, then its
/// row. The bytes are checked against the name the record gives them.
pub(crate) async fn import(
    conn: &mut PgConnection,
    a: &Attachment,
    data: Option<&str>,
) -> StoreResult<()> {
    if let Some(data) = data {
        let bytes = Record::decode_bytes(data)?;
        let mut hasher = BlobHasher::default();
        hasher.update(&bytes);
        let blob = hasher.finish();
        if blob.sha256 != a.sha256 || blob.size != a.size {
            return Err(StoreError::Other(format!(
                "the bytes of attachment {} in the export are not the file it names",
                a.id
            )));
        }
        let blob_id = uuid::Uuid::now_v7();
        let size = i64::try_from(blob.size).map_err(|_| ValueError::new("size", "too large"))?;
        let kept: uuid::Uuid = sqlx::query_scalar(
            "INSERT INTO blobs (sha256, blob_id, size) VALUES ($1, $2, $3)
             ON CONFLICT (sha256) DO UPDATE SET touched_at = now() RETURNING blob_id",
        )
        .bind(&blob.sha256)
        .bind(blob_id)
        .bind(size)
        .fetch_one(&mut *conn)
        .await
        .map_err(classify)?;
        if kept == blob_id {
            for (n, chunk) in bytes.chunks(BLOB_CHUNK_BYTES).enumerate() {
                sqlx::query("INSERT INTO blob_chunks (blob_id, n, data) VALUES ($1, $2, $3)")
                    .bind(blob_id)
                    .bind(n as i32)
                    .bind(chunk)
                    .execute(&mut *conn)
                    .await
                    .map_err(classify)?;
            }
        }
    }
    insert(conn, a).await
}

impl PgStore {
    pub(crate) fn blob_writer_impl(&self) -> Box<dyn BlobWriter> {
        Box::new(PgWriter {
            pool: self.pool.clone(),
            clock: self.clock.clone(),
            blob_id: uuid::Uuid::now_v7(),
            next: 0,
            buffer: Vec::with_capacity(BLOB_CHUNK_BYTES),
            hasher: BlobHasher::default(),
        })
    }

    pub(crate) async fn read_blob_impl(&self, sha256: &str) -> StoreResult<Box<dyn BlobReader>> {
        let not_found = || StoreError::not_found(format!("file {sha256}"));
        if !is_sha256_hex(sha256) {
            return Err(not_found());
        }
        let blob_id: uuid::Uuid = sqlx::query_scalar("SELECT blob_id FROM blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)?
            .ok_or_else(not_found)?;
        Ok(Box::new(PgReader {
            pool: self.pool.clone(),
            blob_id,
            next: 0,
        }))
    }

    pub(crate) async fn create_upload_impl(&self, new: NewUpload) -> StoreResult<Attachment> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // The blob's row is locked against a sweep deleting it under this upload.
        let kept: Option<String> =
            sqlx::query_scalar("SELECT sha256 FROM blobs WHERE sha256 = $1 FOR SHARE")
                .bind(&new.blob.sha256)
                .fetch_optional(&mut *tx)
                .await
                .map_err(classify)?;
        if kept.is_none() {
            return Err(StoreError::not_found(format!("file {}", new.blob.sha256)));
        }
        crate::asks::person(&mut tx, new.uploader_id).await?;
        let attachment = Attachment {
            id: new.id,
            name: new.name,
            content_type: new.content_type,
            size: new.blob.size,
            sha256: new.blob.sha256,
            uploader_id: new.uploader_id,
            created_at: self.clock.now(),
            attached: None,
            deleted: None,
        };
        insert(&mut tx, &attachment).await?;
        tx.commit().await.map_err(classify)?;
        Ok(attachment)
    }

    pub(crate) async fn get_attachment_impl(&self, id: AttachmentId) -> StoreResult<Attachment> {
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        get_in(&mut conn, id, false).await
    }

    pub(crate) async fn list_attachments_impl(
        &self,
        case_id: CaseId,
        include_internal: bool,
    ) -> StoreResult<Vec<Attachment>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE a.case_id = $1
               AND ($2 OR m.visibility = 'public')
             ORDER BY a.attached_at, a.id"
        )))
        .bind(case_id.0)
        .bind(include_internal)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(attachment)
        .collect()
    }

    pub(crate) async fn delete_attachment_impl(
        &self,
        id: AttachmentId,
        by: PersonId,
        reason: String,
    ) -> StoreResult<Written<Attachment>> {
        let reason = checked_reason(&reason)?;
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let mut found = get_in(&mut tx, id, true).await?;
        let Some(attached) = found.attached.clone() else {
            return Err(StoreError::conflict(format!(
                "{id} is an upload on no message; it is removed on its own after a day"
            )));
        };
        if found.deleted.is_some() {
            return Err(StoreError::conflict(format!("{id} was deleted already")));
        }
        crate::asks::person(&mut tx, by).await?;
        let row = sqlx::query("SELECT number, customer_id FROM cases WHERE id = $1")
            .bind(attached.case_id.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(classify)?;
        let number = frontline_core::CaseNumber(row.try_get::<i64, _>("number").map_err(classify)?);
        let customer_id = PersonId(row.try_get("customer_id").map_err(classify)?);
        let at = self.clock.now();
        sqlx::query(
            "UPDATE attachments SET deleted_at = $2, deleted_by = $3, deletion_reason = $4
             WHERE id = $1",
        )
        .bind(id.0)
        .bind(to_db(at))
        .bind(by.0)
        .bind(&reason)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        let audience = match attached.visibility {
            Visibility::Public => Audience::Customer { customer_id },
            Visibility::Internal => Audience::Staff,
        };
        let event = NewEvent::new(
            Some(by),
            Payload::AttachmentDeleted(AttachmentDeleted {
                attachment_id: id,
                number,
                message_id: attached.message_id,
                name: found.name.clone(),
                reason: reason.clone(),
            }),
        )
        .about_case(attached.case_id, audience);
        let events = append(&mut tx, &self.channel, at, vec![event]).await?;
        self.commit(tx, &events).await?;
        found.deleted = Some(Deletion { by, at, reason });
        Ok(Written {
            value: found,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn sweep_files_impl(&self, before: Timestamp) -> StoreResult<FilesSwept> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let uploads =
            sqlx::query("DELETE FROM attachments WHERE message_id IS NULL AND created_at < $1")
                .bind(to_db(before))
                .execute(&mut *tx)
                .await
                .map_err(classify)?
                .rows_affected();
        // SKIP LOCKED: a blob an upload is being recorded against right now stays.
        let gone: Vec<uuid::Uuid> = sqlx::query_scalar(
            "DELETE FROM blobs WHERE sha256 IN (
                 SELECT b.sha256 FROM blobs b
                 WHERE b.touched_at < $1
                   AND NOT EXISTS (SELECT 1 FROM attachments a
                                   WHERE a.sha256 = b.sha256 AND a.deleted_at IS NULL)
                 FOR UPDATE SKIP LOCKED)
             RETURNING blob_id",
        )
        .bind(to_db(before))
        .fetch_all(&mut *tx)
        .await
        .map_err(classify)?;
        sqlx::query(
            "DELETE FROM blob_chunks c WHERE c.blob_id = ANY($1)
                OR (c.written_at < $2 AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.blob_id = c.blob_id))",
        )
        .bind(&gone)
        .bind(to_db(before))
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        tx.commit().await.map_err(classify)?;
        Ok(FilesSwept {
            uploads,
            blobs: gone.len() as u64,
        })
    }
}
