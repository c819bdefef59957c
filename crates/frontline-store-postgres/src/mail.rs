//! Mail on PostgreSQL: mailboxes (here), the mail of cases (`case_mail`), the quarantine
//! (`quarantine`), the outbox (`outbox`), and their share of an export.
//!
//! Unlike SQLite's one writer, several transactions (several nodes polling one IMAP folder)
//! may record the same mail at once; `case_mail` explains how it is still written once. The
//! quarantine is operational data (no event), deduplicated by its unique `dedupe_key`.

mod bounces;
mod case_mail;
mod outbox;
mod quarantine;

use frontline_core::mail::{ImapSettings, Mailbox, MailboxKey, NewMailbox};
use frontline_core::{Email, Name, PersonId};
use frontline_store::{Record, StoreError, StoreResult, Written};
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::types::Json;

use crate::PgStore;
use crate::error::classify;
use crate::rows::{get, get_time, parse, to_db};

pub(crate) use bounces::import_bounce;
pub(crate) use case_mail::import_mail;
pub(crate) use outbox::import_outbound;
pub(crate) use outbox::insert as insert_outbound;
pub(crate) use quarantine::import_quarantined;

const MAILBOX_COLUMNS: &str =
    "key, name, address, outcome_id, imap, enabled, inbound_token_hash, created_at, updated_at";

fn mailbox(row: &PgRow) -> StoreResult<Mailbox> {
    Ok(Mailbox {
        key: parse(row, "key", MailboxKey::parse)?,
        name: parse(row, "name", Name::parse)?,
        address: parse(row, "address", Email::parse)?,
        outcome_id: frontline_core::OutcomeId(get(row, "outcome_id")?),
        imap: get::<Option<Json<ImapSettings>>>(row, "imap")?.map(|json| json.0),
        enabled: get(row, "enabled")?,
        inbound_token_hash: get(row, "inbound_token_hash")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

pub(super) fn mailbox_not_found(key: &MailboxKey) -> StoreError {
    StoreError::not_found(format!("mailbox {key}"))
}

pub(super) async fn find_mailbox<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    key: &MailboxKey,
) -> StoreResult<Option<Mailbox>> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {MAILBOX_COLUMNS} FROM mailboxes WHERE key = $1"
    )))
    .bind(key.as_str())
    .fetch_optional(executor)
    .await
    .map_err(classify)?
    .as_ref()
    .map(mailbox)
    .transpose()
}

/// Insert a mailbox as it is (an import, or a save that finds no row with its key).
async fn insert_mailbox(conn: &mut PgConnection, m: &Mailbox) -> StoreResult<()> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO mailboxes ({MAILBOX_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )))
    .bind(m.key.as_str())
    .bind(m.name.as_str())
    .bind(m.address.as_str())
    .bind(m.outcome_id.0)
    .bind(m.imap.as_ref().map(Json))
    .bind(m.enabled)
    .bind(m.inbound_token_hash.as_deref())
    .bind(to_db(m.created_at))
    .bind(to_db(m.updated_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

pub(super) async fn fetch(conn: &mut PgConnection, sql: String) -> StoreResult<Vec<PgRow>> {
    sqlx::query(AssertSqlSafe(sql))
        .fetch_all(conn)
        .await
        .map_err(classify)
}

/// Every mail row as export records, in SQLite's order: mailboxes by key, mail by (mailbox,
/// direction, Message-ID), both in byte order, outbox rows and quarantined items by id. Sorted here, not by
/// PostgreSQL, so collations cannot change it.
pub(crate) async fn export_records(conn: &mut PgConnection) -> StoreResult<Vec<Record>> {
    let mut mailboxes = fetch(conn, format!("SELECT {MAILBOX_COLUMNS} FROM mailboxes"))
        .await?
        .iter()
        .map(mailbox)
        .collect::<StoreResult<Vec<_>>>()?;
    mailboxes.sort_by(|a, b| a.key.as_str().as_bytes().cmp(b.key.as_str().as_bytes()));
    let mut records: Vec<Record> = mailboxes
        .into_iter()
        .map(|mailbox| Record::Mailbox {
            inbound_token_hash: mailbox.inbound_token_hash.clone(),
            mailbox,
        })
        .collect();
    records.extend(case_mail::export_records(conn).await?);
    records.extend(outbox::export_records(conn).await?);
    records.extend(quarantine::export_records(conn).await?);
    records.extend(bounces::export_records(conn).await?);
    Ok(records)
}

/// Import a mailbox into an empty store; its token's hash travels beside it, since `Mailbox`
/// never serialises it.
pub(crate) async fn import_mailbox(
    conn: &mut PgConnection,
    mut mailbox: Mailbox,
    inbound_token_hash: Option<String>,
) -> StoreResult<()> {
    mailbox.inbound_token_hash = inbound_token_hash;
    insert_mailbox(conn, &mailbox).await
}

impl PgStore {
    pub(crate) async fn save_mailbox_impl(
        &self,
        actor: Option<PersonId>,
        new: NewMailbox,
    ) -> StoreResult<Written<Mailbox>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // Checked before the address, as SQLite does, so both backends refuse a save that is
        // wrong twice for the same reason.
        let outcome: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM outcomes WHERE id = $1)")
                .bind(new.outcome_id.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(classify)?;
        if !outcome {
            return Err(StoreError::not_found("outcome"));
        }
        let at = self.clock.now();
        let mut mailbox = Mailbox {
            key: new.key,
            name: new.name,
            address: new.address,
            outcome_id: new.outcome_id,
            imap: new.imap,
            enabled: new.enabled,
            inbound_token_hash: None,
            created_at: at,
            updated_at: at,
        };
        // Insert first and update only when the key exists: a create racing another create
        // of the same key waits for it here and then updates, so exactly one save reports
        // `created`. Another mailbox's address is the unique constraint's `Conflict`.
        let created = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO mailboxes ({MAILBOX_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $7)
             ON CONFLICT (key) DO NOTHING"
        )))
        .bind(mailbox.key.as_str())
        .bind(mailbox.name.as_str())
        .bind(mailbox.address.as_str())
        .bind(mailbox.outcome_id.0)
        .bind(mailbox.imap.as_ref().map(Json))
        .bind(mailbox.enabled)
        .bind(to_db(at))
        .execute(&mut *tx)
        .await
        .map_err(classify)?
        .rows_affected()
            == 1;
        if !created {
            let row = sqlx::query(
                "UPDATE mailboxes SET name = $2, address = $3, outcome_id = $4, imap = $5,
                     enabled = $6, updated_at = $7
                 WHERE key = $1
                 RETURNING inbound_token_hash, created_at",
            )
            .bind(mailbox.key.as_str())
            .bind(mailbox.name.as_str())
            .bind(mailbox.address.as_str())
            .bind(mailbox.outcome_id.0)
            .bind(mailbox.imap.as_ref().map(Json))
            .bind(mailbox.enabled)
            .bind(to_db(at))
            .fetch_one(&mut *tx)
            .await
            .map_err(classify)?;
            mailbox.inbound_token_hash = get(&row, "inbound_token_hash")?;
            mailbox.created_at = get_time(&row, "created_at")?;
        }
        let events = self
            .finish(tx, vec![mailbox.saved_event(created, actor)])
            .await?;
        Ok(Written {
            value: mailbox,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn set_mailbox_token_impl(
        &self,
        actor: Option<PersonId>,
        key: MailboxKey,
        token_hash: Option<String>,
    ) -> StoreResult<Written<Mailbox>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "UPDATE mailboxes SET inbound_token_hash = $2, updated_at = $3 WHERE key = $1
             RETURNING {MAILBOX_COLUMNS}"
        )))
        .bind(key.as_str())
        .bind(token_hash)
        .bind(to_db(self.clock.now()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?
        .ok_or_else(|| mailbox_not_found(&key))?;
        let mailbox = mailbox(&row)?;
        let events = self
            .finish(tx, vec![mailbox.saved_event(false, actor)])
            .await?;
        Ok(Written {
            value: mailbox,
            events,
            replayed: false,
        })
    }

    /// By key, in byte order (`COLLATE "C"`, as SQLite compares), so both backends agree.
    pub(crate) async fn list_mailboxes_impl(&self) -> StoreResult<Vec<Mailbox>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {MAILBOX_COLUMNS} FROM mailboxes ORDER BY key COLLATE \"C\""
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(mailbox)
        .collect()
    }

    pub(crate) async fn get_mailbox_impl(&self, key: MailboxKey) -> StoreResult<Mailbox> {
        find_mailbox(&self.pool, &key)
            .await?
            .ok_or_else(|| mailbox_not_found(&key))
    }
}
