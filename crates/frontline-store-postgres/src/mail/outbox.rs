//! The outbox: mail to send, queued in the transaction of the message it carries, claimed by
//! the senders of every node under a lease, and marked sent or failed with its event.
//!
//! Several nodes claim at once. The claim is one `UPDATE` whose rows come from a `SELECT …
//! FOR UPDATE SKIP LOCKED`: a row another claim has locked is skipped rather than waited for,
//! and a row another claim leased and committed since this statement's snapshot is re-read
//! when it is locked, fails the lease condition and is left out. So each mail goes to one
//! node, and no node waits on another. Leases use the database's clock (`now()`), so nodes
//! whose clocks differ still agree when one has run out; `next_attempt_at` uses the store's
//! clock, the one the sender computes its backoff with.

use frontline_core::mail::MailboxKey;
use frontline_core::{CaseId, CaseNumber, Email, MessageId, PersonId};
use frontline_store::{
    MessageMailed, NewMessage, NewOutbound, OUTBOUND_ATTEMPTS_KEPT, Outbound, OutboundAttempt,
    OutboundResult, OutboundStatus, Record, StoreError, StoreResult, Written,
};
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnection, PgRow};
use uuid::Uuid;

use super::case_mail::insert_entry;
use super::{fetch, find_mailbox, mailbox_not_found};
use crate::PgStore;
use crate::cases::Begun;
use crate::error::classify;
use crate::events::append;
use crate::rows::{get, get_opt_time, get_time, get_u32, opt_to_db, parse, to_db};

const COLUMNS: &str = "id, kind, case_id, message_id, mailbox, recipient, recipient_name, subject, body, \
                       rfc_message_id, refs, purpose, status, attempts, next_attempt_at, \
                       last_error, created_at, sent_at";

fn outbound(row: &PgRow) -> StoreResult<Outbound> {
    Ok(Outbound {
        id: get(row, "id")?,
        kind: parse(row, "kind", str::parse)?,
        case_id: get::<Option<Uuid>>(row, "case_id")?.map(CaseId),
        message_id: get::<Option<Uuid>>(row, "message_id")?.map(MessageId),
        mailbox: parse(row, "mailbox", MailboxKey::parse)?,
        to: parse(row, "recipient", Email::parse)?,
        to_name: get(row, "recipient_name")?,
        subject: get(row, "subject")?,
        text: get(row, "body")?,
        rfc_message_id: get(row, "rfc_message_id")?,
        references: get(row, "refs")?,
        purpose: parse(row, "purpose", str::parse)?,
        status: parse(row, "status", str::parse)?,
        attempts: get_u32(row, "attempts")?,
        next_attempt_at: get_time(row, "next_attempt_at")?,
        last_error: get(row, "last_error")?,
        created_at: get_time(row, "created_at")?,
        sent_at: get_opt_time(row, "sent_at")?,
    })
}

/// Write an outbox row as it is, without a lease (a new mail, or an imported one).
pub(crate) async fn insert(conn: &mut PgConnection, o: &Outbound) -> StoreResult<()> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO mail_outbox ({COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    )))
    .bind(o.id)
    .bind(o.kind.as_str())
    .bind(o.case_id.map(|c| c.0))
    .bind(o.message_id.map(|m| m.0))
    .bind(o.mailbox.as_str())
    .bind(o.to.as_str())
    .bind(o.to_name.as_deref())
    .bind(&o.subject)
    .bind(&o.text)
    .bind(&o.rfc_message_id)
    .bind(&o.references)
    .bind(o.purpose.as_str())
    .bind(o.status.as_str())
    .bind(i64::from(o.attempts))
    .bind(to_db(o.next_attempt_at))
    .bind(o.last_error.as_deref())
    .bind(to_db(o.created_at))
    .bind(opt_to_db(o.sent_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

fn not_found(id: Uuid) -> StoreError {
    StoreError::not_found(format!("outbound mail {id}"))
}

/// Refuse a mail whose mailbox is unknown or that the mailbox has queued already, as SQLite
/// does. Two transactions queueing the same Message-ID at once both pass; the unique
/// constraint then refuses the second.
async fn check_new(conn: &mut PgConnection, mail: &NewOutbound) -> StoreResult<()> {
    if find_mailbox(&mut *conn, &mail.mailbox).await?.is_none() {
        return Err(mailbox_not_found(&mail.mailbox));
    }
    let queued: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM mail_outbox WHERE mailbox = $1 AND rfc_message_id = $2)",
    )
    .bind(mail.mailbox.as_str())
    .bind(&mail.rfc_message_id)
    .fetch_one(&mut *conn)
    .await
    .map_err(classify)?;
    if queued {
        return Err(mail.already_queued());
    }
    Ok(())
}

async fn carrying(conn: &mut PgConnection, message_id: MessageId) -> StoreResult<Option<Outbound>> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM mail_outbox WHERE message_id = $1 ORDER BY created_at, id LIMIT 1"
    )))
    .bind(message_id.0)
    .fetch_optional(conn)
    .await
    .map_err(classify)?
    .as_ref()
    .map(outbound)
    .transpose()
}

async fn case_number(conn: &mut PgConnection, case_id: CaseId) -> StoreResult<CaseNumber> {
    let number: Option<i64> = sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
        .bind(case_id.0)
        .fetch_optional(conn)
        .await
        .map_err(classify)?;
    number
        .map(CaseNumber)
        .ok_or_else(|| StoreError::not_found("case"))
}

/// Every outbox row of a case, by id (uuid order is byte order, as SQLite compares the
/// text). Account mail is not exported, as in SQLite.
pub(super) async fn export_records(conn: &mut PgConnection) -> StoreResult<Vec<Record>> {
    let mut rows = fetch(
        conn,
        format!("SELECT {COLUMNS} FROM mail_outbox WHERE kind = 'case'"),
    )
    .await?
    .iter()
    .map(outbound)
    .collect::<StoreResult<Vec<_>>>()?;
    rows.sort_by_key(|o| o.id);
    Ok(rows.into_iter().map(Record::Outbound).collect())
}

pub(crate) async fn import_outbound(conn: &mut PgConnection, o: &Outbound) -> StoreResult<()> {
    insert(conn, o).await
}

impl PgStore {
    pub(crate) async fn add_message_with_mail_impl(
        &self,
        actor: Option<PersonId>,
        new: NewMessage,
        mail: NewOutbound,
    ) -> StoreResult<Written<MessageMailed>> {
        match self
            .add_message_with_mail_once(actor, new.clone(), mail.clone())
            .await
        {
            Err(StoreError::IdempotencyRace) => {
                self.add_message_with_mail_once(actor, new, mail).await
            }
            other => other,
        }
    }

    async fn add_message_with_mail_once(
        &self,
        actor: Option<PersonId>,
        new: NewMessage,
        mail: NewOutbound,
    ) -> StoreResult<Written<MessageMailed>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let begun = self.add_message_in(&mut tx, actor, new).await?;
        if let Begun::Replayed(added) = begun {
            // The first request's mail, as it stands now (perhaps sent already): queueing it
            // again would send the customer the same reply twice.
            let message_id = added.value.message.id;
            let outbound = carrying(&mut tx, message_id).await?.ok_or_else(|| {
                StoreError::conflict(format!(
                    "the idempotency key was used for message {message_id}, which was sent without mail"
                ))
            })?;
            return Ok(Written {
                value: MessageMailed {
                    added: added.value,
                    outbound,
                },
                events: added.events,
                replayed: true,
            });
        }
        // After the message, as SQLite does: a replay must not fail on its own Message-ID.
        check_new(&mut tx, &mail).await?;
        let message = begun.value().message.clone();
        let queued = mail.pending(Some(message.case_id), Some(message.id), self.clock.now());
        insert(&mut tx, &queued).await?;
        insert_entry(
            &mut tx,
            &queued.mail_entry(message.case_id, message.id, message.created_at),
            None,
        )
        .await?;
        let added = self.seal(&mut tx, begun).await?;
        self.commit(tx, &added.events).await?;
        Ok(Written {
            value: MessageMailed {
                added: added.value,
                outbound: queued,
            },
            events: added.events,
            replayed: false,
        })
    }

    pub(crate) async fn queue_case_mail_impl(
        &self,
        case_id: CaseId,
        mail: NewOutbound,
    ) -> StoreResult<Outbound> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        case_number(&mut tx, case_id).await?;
        check_new(&mut tx, &mail).await?;
        let queued = mail.pending(Some(case_id), None, self.clock.now());
        insert(&mut tx, &queued).await?;
        tx.commit().await.map_err(classify)?;
        Ok(queued)
    }

    pub(crate) async fn claim_outbound_impl(
        &self,
        owner: Uuid,
        lease: std::time::Duration,
        limit: u32,
    ) -> StoreResult<Vec<Outbound>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut claimed = sqlx::query(AssertSqlSafe(format!(
            "UPDATE mail_outbox SET lease_owner = $1, lease_until = now() + make_interval(secs => $2)
             WHERE id IN (
                 SELECT id FROM mail_outbox
                 WHERE status = 'pending' AND next_attempt_at <= $3
                   AND (lease_until IS NULL OR lease_until < now())
                 ORDER BY created_at, id
                 LIMIT $4
                 FOR UPDATE SKIP LOCKED)
             RETURNING {COLUMNS}"
        )))
        .bind(owner)
        .bind(lease.as_secs_f64())
        .bind(to_db(self.clock.now()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(outbound)
        .collect::<StoreResult<Vec<_>>>()?;
        // RETURNING names rows in no promised order.
        claimed.sort_by_key(|o| (o.created_at, o.id));
        Ok(claimed)
    }

    pub(crate) async fn record_outbound_impl(
        &self,
        id: Uuid,
        owner: Uuid,
        result: OutboundResult,
    ) -> StoreResult<Written<Outbound>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // Locked until commit: a claim on another node (once the lease ran out) skips the
        // mail meanwhile, and finds it sent, failed or due later afterwards.
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS}, lease_owner FROM mail_outbox WHERE id = $1 FOR UPDATE"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?
        .ok_or_else(|| not_found(id))?;
        let mut mail = outbound(&row)?;
        let lease_owner: Option<Uuid> = get(&row, "lease_owner")?;
        if mail.status != OutboundStatus::Pending || lease_owner != Some(owner) {
            // Roll back before answering: a dropped transaction's rollback is only queued, so
            // the row lock would outlive this call and a claim right after (on another pooled
            // connection) would skip the mail as locked.
            tx.rollback().await.map_err(classify)?;
            return Err(Outbound::not_leased(id, owner));
        }
        let number = match mail.case_id {
            Some(case_id) => Some(case_number(&mut tx, case_id).await?),
            None => None,
        };
        let at = self.clock.now();
        let (attempt, event) = mail.record(result, number, at);
        sqlx::query(
            "UPDATE mail_outbox SET status = $2, attempts = $3, next_attempt_at = $4,
                 last_error = $5, sent_at = $6, body = $7, lease_owner = NULL, lease_until = NULL
             WHERE id = $1",
        )
        .bind(id)
        .bind(mail.status.as_str())
        .bind(i64::from(mail.attempts))
        .bind(to_db(mail.next_attempt_at))
        .bind(mail.last_error.as_deref())
        .bind(opt_to_db(mail.sent_at))
        .bind(&mail.text)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        add_attempt(&mut tx, id, &attempt).await?;
        // Stamped with the attempt's time, so `sent_at` and the event agree.
        let events = append(&mut tx, &self.channel, at, event.into_iter().collect()).await?;
        self.commit(tx, &events).await?;
        Ok(Written {
            value: mail,
            events,
            replayed: false,
        })
    }

    /// Oldest first; ids break ties, as in SQLite.
    pub(crate) async fn list_case_outbound_impl(
        &self,
        case_id: CaseId,
    ) -> StoreResult<Vec<Outbound>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM mail_outbox WHERE case_id = $1 ORDER BY created_at, id"
        )))
        .bind(case_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(outbound)
        .collect()
    }

    /// Newest first, as in SQLite.
    pub(crate) async fn list_account_outbound_impl(
        &self,
        limit: u32,
    ) -> StoreResult<Vec<Outbound>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM mail_outbox WHERE kind = 'account'
             ORDER BY created_at DESC, id DESC LIMIT $1"
        )))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(outbound)
        .collect()
    }

    pub(crate) async fn list_outbound_attempts_impl(
        &self,
        id: Uuid,
    ) -> StoreResult<Vec<OutboundAttempt>> {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM mail_outbox WHERE id = $1)")
                .bind(id)
                .fetch_one(&self.pool)
                .await
                .map_err(classify)?;
        if !exists {
            return Err(not_found(id));
        }
        sqlx::query(
            "SELECT at, error FROM mail_outbox_attempts WHERE outbox_id = $1
             ORDER BY at DESC, id DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(|row| {
            Ok(OutboundAttempt {
                at: get_time(row, "at")?,
                error: get(row, "error")?,
            })
        })
        .collect()
    }
}

async fn add_attempt(
    conn: &mut PgConnection,
    id: Uuid,
    attempt: &OutboundAttempt,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO mail_outbox_attempts (outbox_id, at, error) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(to_db(attempt.at))
        .bind(attempt.error.as_deref())
        .execute(&mut *conn)
        .await
        .map_err(classify)?;
    // Keep the newest KEPT, in the order the list uses (same index).
    sqlx::query(
        "DELETE FROM mail_outbox_attempts WHERE outbox_id = $1 AND id IN (
             SELECT id FROM mail_outbox_attempts WHERE outbox_id = $1
             ORDER BY at DESC, id DESC OFFSET $2)",
    )
    .bind(id)
    .bind(OUTBOUND_ATTEMPTS_KEPT)
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}
