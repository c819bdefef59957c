//! The mail of cases: one row per mail received or sent, with a received mail's bytes.
//!
//! A case or message made from a mail is written with its row in one transaction. The row's
//! primary key (mailbox, direction, Message-ID) guarantees the mail is written once however
//! many transactions deliver it at once; a transaction-scoped advisory lock on that key makes
//! a concurrent duplicate wait and then stop at the check, before it takes a case number or
//! locks anyone for routing.

use frontline_core::mail::MailboxKey;
use frontline_core::{CaseId, Email, Message, MessageId};
use frontline_store::{
    CaseCreated, MailDirection, MailEntry, MessageAdded, NewCase, NewMail, NewMessage, Record,
    StoreError, StoreResult, Written,
};
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnection, PgRow};
use uuid::Uuid;

use super::{fetch, find_mailbox, mailbox_not_found};
use crate::PgStore;
use crate::error::classify;
use crate::migrate::LOCK_CLASS;
use crate::rows::{get, get_time, parse, to_db};

const MAIL_COLUMNS: &str =
    "mailbox, direction, rfc_message_id, case_id, message_id, address, subject, at";

fn entry(row: &PgRow) -> StoreResult<MailEntry> {
    Ok(MailEntry {
        mailbox: parse(row, "mailbox", MailboxKey::parse)?,
        rfc_message_id: get(row, "rfc_message_id")?,
        direction: parse(row, "direction", str::parse::<MailDirection>)?,
        case_id: CaseId(get(row, "case_id")?),
        message_id: MessageId(get(row, "message_id")?),
        address: parse(row, "address", Email::parse)?,
        subject: get(row, "subject")?,
        at: get_time(row, "at")?,
    })
}

pub(super) async fn insert_entry(
    conn: &mut PgConnection,
    entry: &MailEntry,
    raw: Option<&[u8]>,
) -> StoreResult<()> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO mail ({MAIL_COLUMNS}, raw) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )))
    .bind(entry.mailbox.as_str())
    .bind(entry.direction.as_str())
    .bind(&entry.rfc_message_id)
    .bind(entry.case_id.0)
    .bind(entry.message_id.0)
    .bind(entry.address.as_str())
    .bind(&entry.subject)
    .bind(to_db(entry.at))
    .bind(raw)
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

fn inbound_entry(mail: &NewMail, message: &Message) -> MailEntry {
    MailEntry {
        mailbox: mail.mailbox.clone(),
        rfc_message_id: mail.rfc_message_id.clone(),
        direction: MailDirection::Inbound,
        case_id: message.case_id,
        message_id: message.id,
        address: mail.from.clone(),
        subject: mail.subject.clone(),
        at: message.created_at,
    }
}

/// Refuse a mail this mailbox has already received. First waits for any other transaction
/// recording the same mail: READ COMMITTED gives the next statement a fresh snapshot, so once
/// that one commits the check below sees its row. Without the wait, every duplicate would
/// open a case (taking a case number, leaving a gap) only to fail on the primary key. A hash
/// collision between two mails only makes one wait for the other.
async fn not_yet_received(conn: &mut PgConnection, mail: &NewMail) -> StoreResult<()> {
    sqlx::query(
        "SELECT pg_advisory_xact_lock(
             $1, hashtext(concat_ws(' ', current_schema(), 'mail', $2::text, $3::text)))",
    )
    .bind(LOCK_CLASS)
    .bind(mail.mailbox.as_str())
    .bind(&mail.rfc_message_id)
    .execute(&mut *conn)
    .await
    .map_err(classify)?;
    if find_mailbox(&mut *conn, &mail.mailbox).await?.is_none() {
        return Err(mailbox_not_found(&mail.mailbox));
    }
    match received(&mut *conn, &mail.mailbox, &mail.rfc_message_id).await? {
        Some(_) => Err(StoreError::conflict(format!(
            "the mailbox {} already received the mail {}",
            mail.mailbox, mail.rfc_message_id
        ))),
        None => Ok(()),
    }
}

async fn received<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    mailbox: &MailboxKey,
    rfc_message_id: &str,
) -> StoreResult<Option<MailEntry>> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {MAIL_COLUMNS} FROM mail
         WHERE mailbox = $1 AND direction = 'inbound' AND rfc_message_id = $2"
    )))
    .bind(mailbox.as_str())
    .bind(rfc_message_id)
    .fetch_optional(executor)
    .await
    .map_err(classify)?
    .as_ref()
    .map(entry)
    .transpose()
}

/// Every mail row, by (mailbox, direction, Message-ID) in byte order.
pub(super) async fn export_records(conn: &mut PgConnection) -> StoreResult<Vec<Record>> {
    let mut mail = Vec::new();
    for row in fetch(conn, format!("SELECT {MAIL_COLUMNS}, raw FROM mail")).await? {
        let raw: Option<Vec<u8>> = get(&row, "raw")?;
        mail.push((entry(&row)?, raw.map(|bytes| Record::encode_bytes(&bytes))));
    }
    mail.sort_by(|(a, _), (b, _)| {
        (
            a.mailbox.as_str().as_bytes(),
            a.direction.as_str().as_bytes(),
            a.rfc_message_id.as_bytes(),
        )
            .cmp(&(
                b.mailbox.as_str().as_bytes(),
                b.direction.as_str().as_bytes(),
                b.rfc_message_id.as_bytes(),
            ))
    });
    Ok(mail
        .into_iter()
        .map(|(entry, raw)| Record::Mail { entry, raw })
        .collect())
}

pub(crate) async fn import_mail(
    conn: &mut PgConnection,
    entry: &MailEntry,
    raw: Option<&str>,
) -> StoreResult<()> {
    let raw = raw.map(Record::decode_bytes).transpose()?;
    insert_entry(conn, entry, raw.as_deref()).await
}

impl PgStore {
    pub(crate) async fn create_case_from_mail_impl(
        &self,
        new: NewCase,
        mail: NewMail,
    ) -> StoreResult<Written<CaseCreated>> {
        match self.create_case_from_mail_once(new.clone(), &mail).await {
            // An identical request committed first: answer from its record.
            Err(StoreError::IdempotencyRace) => self.create_case_from_mail_once(new, &mail).await,
            other => other,
        }
    }

    async fn create_case_from_mail_once(
        &self,
        new: NewCase,
        mail: &NewMail,
    ) -> StoreResult<Written<CaseCreated>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        not_yet_received(&mut tx, mail).await?;
        // The customer wrote it: the case is theirs to have opened.
        let actor = Some(new.customer_id);
        let begun = self.open_case_in(&mut tx, actor, new).await?;
        // Also for a replayed idempotency key, as SQLite does: the mail joins the case that
        // request was answered with. Before the append, so the counter row is not held while
        // the bytes are written.
        let message = &begun.value().message;
        insert_entry(&mut tx, &inbound_entry(mail, message), Some(&mail.raw)).await?;
        let written = self.seal(&mut tx, begun).await?;
        self.commit(tx, &written.events).await?;
        let case_id = written.value.case.id;
        tracing::debug!(%case_id, mailbox = %mail.mailbox, "case created from mail");
        Ok(written)
    }

    pub(crate) async fn add_message_from_mail_impl(
        &self,
        new: NewMessage,
        mail: NewMail,
    ) -> StoreResult<Written<MessageAdded>> {
        match self.add_message_from_mail_once(new.clone(), &mail).await {
            Err(StoreError::IdempotencyRace) => self.add_message_from_mail_once(new, &mail).await,
            other => other,
        }
    }

    async fn add_message_from_mail_once(
        &self,
        new: NewMessage,
        mail: &NewMail,
    ) -> StoreResult<Written<MessageAdded>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        not_yet_received(&mut tx, mail).await?;
        let actor = Some(new.author_id);
        let begun = self.add_message_in(&mut tx, actor, new).await?;
        let message = &begun.value().message;
        insert_entry(&mut tx, &inbound_entry(mail, message), Some(&mail.raw)).await?;
        let written = self.seal(&mut tx, begun).await?;
        self.commit(tx, &written.events).await?;
        Ok(written)
    }

    pub(crate) async fn mail_received_impl(
        &self,
        mailbox: MailboxKey,
        rfc_message_id: String,
    ) -> StoreResult<Option<MailEntry>> {
        received(&self.pool, &mailbox, &rfc_message_id).await
    }

    /// One query: the ids with their position, joined to the mail that has them, the first
    /// position winning. Within one id (several mailboxes, or received and sent) the oldest
    /// row wins, so the answer does not depend on the plan.
    pub(crate) async fn case_for_mail_impl(
        &self,
        rfc_message_ids: Vec<String>,
    ) -> StoreResult<Option<CaseId>> {
        if rfc_message_ids.is_empty() {
            return Ok(None);
        }
        let found: Option<Uuid> = sqlx::query_scalar(
            "SELECT m.case_id
             FROM unnest($1::text[]) WITH ORDINALITY AS wanted (rfc_message_id, position)
             JOIN mail m ON m.rfc_message_id = wanted.rfc_message_id
             ORDER BY wanted.position, m.at, m.mailbox COLLATE \"C\", m.direction
             LIMIT 1",
        )
        .bind(rfc_message_ids)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?;
        Ok(found.map(CaseId))
    }

    /// Oldest first; Message-IDs in byte order break ties, as in SQLite.
    pub(crate) async fn list_case_mail_impl(&self, case_id: CaseId) -> StoreResult<Vec<MailEntry>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {MAIL_COLUMNS} FROM mail WHERE case_id = $1
             ORDER BY at, rfc_message_id COLLATE \"C\""
        )))
        .bind(case_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(entry)
        .collect()
    }

    pub(crate) async fn original_mail_impl(&self, message_id: MessageId) -> StoreResult<Vec<u8>> {
        let raw: Option<Option<Vec<u8>>> = sqlx::query_scalar(
            "SELECT raw FROM mail WHERE message_id = $1 AND direction = 'inbound' LIMIT 1",
        )
        .bind(message_id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?;
        raw.flatten().ok_or_else(|| {
            StoreError::not_found(format!("the original mail of message {message_id}"))
        })
    }
}
