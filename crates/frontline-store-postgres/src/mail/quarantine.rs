//! The quarantine: mail that could not be read, kept whole with the reason until an admin
//! retries or drops it. Operational data, like webhook attempts: no event. The same bytes to
//! the same mailbox are kept once (the unique `dedupe_key`), also when they arrive at once.

use frontline_core::mail::MailboxKey;
use frontline_store::{
    NewQuarantined, QUARANTINE_LIST_MAX, QuarantinedMail, Record, StoreError, StoreResult,
};
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnection, PgRow};
use uuid::Uuid;

use super::fetch;
use crate::PgStore;
use crate::error::{classify, corrupt};
use crate::rows::{get, get_time, to_db};

const QUARANTINE_COLUMNS: &str = "id, mailbox, reason, sender, subject, size, received_at";

fn quarantined(row: &PgRow) -> StoreResult<QuarantinedMail> {
    let size: i64 = get(row, "size")?;
    Ok(QuarantinedMail {
        id: get(row, "id")?,
        mailbox: get::<Option<String>>(row, "mailbox")?
            .map(|key| MailboxKey::parse(&key).map_err(|e| corrupt("mailbox", e)))
            .transpose()?,
        reason: get(row, "reason")?,
        from: get(row, "sender")?,
        subject: get(row, "subject")?,
        size: u64::try_from(size).map_err(|_| corrupt("size", size))?,
        received_at: get_time(row, "received_at")?,
    })
}

async fn insert_quarantined(
    conn: &mut PgConnection,
    item: &QuarantinedMail,
    dedupe_key: &str,
    raw: &[u8],
    on_duplicate: OnDuplicate,
) -> StoreResult<bool> {
    let on_conflict = match on_duplicate {
        OnDuplicate::KeepExisting => "ON CONFLICT (dedupe_key) DO NOTHING",
        OnDuplicate::Refuse => "",
    };
    let inserted = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO mail_quarantine ({QUARANTINE_COLUMNS}, dedupe_key, raw)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) {on_conflict}"
    )))
    .bind(item.id)
    .bind(item.mailbox.as_ref().map(MailboxKey::as_str))
    .bind(&item.reason)
    .bind(item.from.as_deref())
    .bind(item.subject.as_deref())
    .bind(i64::try_from(item.size).unwrap_or(i64::MAX))
    .bind(to_db(item.received_at))
    .bind(dedupe_key)
    .bind(raw)
    .execute(conn)
    .await
    .map_err(classify)?
    .rows_affected();
    Ok(inserted == 1)
}

/// What a quarantine insert does when the same bytes are kept already: nothing (a delivery,
/// which then answers with the kept item), or fail with `Conflict` (an import, as for every
/// other table).
#[derive(Clone, Copy)]
enum OnDuplicate {
    KeepExisting,
    Refuse,
}

/// Every quarantined item with its bytes, by id.
pub(super) async fn export_records(conn: &mut PgConnection) -> StoreResult<Vec<Record>> {
    let mut kept = Vec::new();
    for row in fetch(
        conn,
        format!("SELECT {QUARANTINE_COLUMNS}, raw FROM mail_quarantine"),
    )
    .await?
    {
        let raw: Vec<u8> = get(&row, "raw")?;
        kept.push((quarantined(&row)?, Record::encode_bytes(&raw)));
    }
    kept.sort_by_key(|(item, _)| item.id);
    Ok(kept
        .into_iter()
        .map(|(item, raw)| Record::Quarantined { item, raw })
        .collect())
}

/// Import a quarantined item; the same bytes twice in a file are a `Conflict`.
pub(crate) async fn import_quarantined(
    conn: &mut PgConnection,
    item: &QuarantinedMail,
    raw: &str,
) -> StoreResult<()> {
    // The key depends on the mailbox and the bytes alone.
    let kept = NewQuarantined {
        mailbox: item.mailbox.clone(),
        reason: String::new(),
        from: None,
        subject: None,
        raw: Record::decode_bytes(raw)?,
    };
    insert_quarantined(
        conn,
        item,
        &kept.dedupe_key(),
        &kept.raw,
        OnDuplicate::Refuse,
    )
    .await
    .map(drop)
}

impl PgStore {
    /// Insert unless the same bytes are kept already, then read what is kept: under
    /// concurrency the insert waits for the other transaction's commit and does nothing, and
    /// the read (a new statement, so a new snapshot) sees that row.
    pub(crate) async fn quarantine_mail_impl(
        &self,
        new: NewQuarantined,
    ) -> StoreResult<QuarantinedMail> {
        let dedupe_key = new.dedupe_key();
        let item = QuarantinedMail {
            id: Uuid::now_v7(),
            mailbox: new.mailbox,
            reason: new.reason,
            from: new.from,
            subject: new.subject,
            size: new.raw.len() as u64,
            received_at: self.clock.now(),
        };
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        // A second round only when an admin dropped the kept item between the two statements.
        for _ in 0..2 {
            if insert_quarantined(
                &mut conn,
                &item,
                &dedupe_key,
                &new.raw,
                OnDuplicate::KeepExisting,
            )
            .await?
            {
                return Ok(item);
            }
            let kept = sqlx::query(AssertSqlSafe(format!(
                "SELECT {QUARANTINE_COLUMNS} FROM mail_quarantine WHERE dedupe_key = $1"
            )))
            .bind(&dedupe_key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(classify)?;
            if let Some(row) = kept {
                return quarantined(&row);
            }
        }
        Err(StoreError::Unavailable(
            "the quarantined mail was dropped while it was kept again; try again".into(),
        ))
    }

    /// Newest first, as SQLite (ids are UUIDv7, so they break ties in time order).
    pub(crate) async fn list_quarantine_impl(
        &self,
        limit: u32,
    ) -> StoreResult<Vec<QuarantinedMail>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {QUARANTINE_COLUMNS} FROM mail_quarantine
             ORDER BY received_at DESC, id DESC LIMIT $1"
        )))
        .bind(i64::from(limit.min(QUARANTINE_LIST_MAX)))
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(quarantined)
        .collect()
    }

    pub(crate) async fn get_quarantined_impl(
        &self,
        id: Uuid,
    ) -> StoreResult<(QuarantinedMail, Vec<u8>)> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {QUARANTINE_COLUMNS}, raw FROM mail_quarantine WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found(format!("quarantined mail {id}")))?;
        Ok((quarantined(&row)?, get(&row, "raw")?))
    }

    pub(crate) async fn drop_quarantined_impl(&self, id: Uuid) -> StoreResult<()> {
        let gone = sqlx::query("DELETE FROM mail_quarantine WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(classify)?
            .rows_affected();
        if gone == 0 {
            return Err(StoreError::not_found(format!("quarantined mail {id}")));
        }
        Ok(())
    }
}
