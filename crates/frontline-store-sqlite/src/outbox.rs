//! The outbox on SQLite: mail to send, queued in the writer's transaction with the message it
//! carries, claimed by a sender under a lease, and marked sent or failed with its event.
//!
//! The one writer is what makes a claim safe: the job that picks the due mail also leases it,
//! and no other write runs in between, so two senders (two tasks, or a second process on the
//! same file) never get the same mail. Leases are on the wall clock, like webhook leases: they
//! are about real time passing (a sender that died), while `next_attempt_at` is on the store's
//! clock, the one the sender computes its backoff with.

use frontline_core::mail::MailboxKey;
use frontline_core::{CaseId, Email, MessageId, PersonId, time};
use frontline_store::{
    MessageMailed, NewMessage, NewOutbound, OUTBOUND_ATTEMPTS_KEPT, Outbound, OutboundAttempt,
    OutboundResult, OutboundStatus, Record, StoreError, StoreResult, Written,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;
use crate::{cases, mail, reads};

const COLUMNS: &str = "id, kind, case_id, message_id, mailbox, recipient, recipient_name, subject, body, \
                       rfc_message_id, refs, purpose, status, attempts, next_attempt_at, \
                       last_error, created_at, sent_at";

fn outbound_row(row: &Row<'_>) -> rusqlite::Result<Outbound> {
    Ok(Outbound {
        id: rows::parsed(row, "id")?,
        kind: rows::parsed(row, "kind")?,
        case_id: rows::parsed_opt(row, "case_id")?,
        message_id: rows::parsed_opt(row, "message_id")?,
        mailbox: rows::value("mailbox", row.get("mailbox")?, MailboxKey::parse)?,
        to: rows::value("recipient", row.get("recipient")?, Email::parse)?,
        to_name: row.get("recipient_name")?,
        subject: row.get("subject")?,
        text: row.get("body")?,
        rfc_message_id: row.get("rfc_message_id")?,
        references: rows::json(row, "refs")?,
        purpose: rows::parsed(row, "purpose")?,
        status: rows::parsed(row, "status")?,
        attempts: row.get("attempts")?,
        next_attempt_at: rows::ts(row, "next_attempt_at")?,
        last_error: row.get("last_error")?,
        created_at: rows::ts(row, "created_at")?,
        sent_at: rows::ts_opt(row, "sent_at")?,
    })
}

/// Write an outbox row as it is, without a lease (a new mail, or an imported one).
pub(crate) fn insert(conn: &Connection, o: &Outbound) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO mail_outbox ({COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
    ))
    .db()?
    .execute(params![
        o.id.to_string(),
        o.kind.as_str(),
        o.case_id.map(|c| c.to_string()),
        o.message_id.map(|m| m.to_string()),
        o.mailbox.as_str(),
        o.to.as_str(),
        o.to_name,
        o.subject,
        o.text,
        o.rfc_message_id,
        rows::to_json(&o.references)?,
        o.purpose.as_str(),
        o.status.as_str(),
        o.attempts,
        ms(o.next_attempt_at),
        o.last_error,
        ms(o.created_at),
        o.sent_at.map(ms),
    ])
    .db()?;
    Ok(())
}

fn find(conn: &Connection, id: uuid::Uuid) -> StoreResult<Option<(Outbound, Option<String>)>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, lease_owner FROM mail_outbox WHERE id = ?1"
    ))
    .db()?
    .query_row([id.to_string()], |r| {
        Ok((outbound_row(r)?, r.get("lease_owner")?))
    })
    .optional()
    .db()
}

fn not_found(id: uuid::Uuid) -> StoreError {
    StoreError::not_found(format!("outbound mail {id}"))
}

/// Refuse a mail whose mailbox is unknown or that the mailbox has queued already, with the
/// same words as PostgreSQL.
fn check_new(conn: &Connection, mail: &NewOutbound) -> StoreResult<()> {
    mail::mailbox(conn, &mail.mailbox)?;
    let queued: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM mail_outbox WHERE mailbox = ?1 AND rfc_message_id = ?2)",
        )
        .db()?
        .query_row(params![mail.mailbox.as_str(), mail.rfc_message_id], |r| {
            r.get(0)
        })
        .db()?;
    if queued {
        return Err(mail.already_queued());
    }
    Ok(())
}

pub(crate) fn add_message_with_mail(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    new: NewMessage,
    mail: NewOutbound,
) -> StoreResult<Written<MessageMailed>> {
    let added = cases::add_message(w, actor, new)?;
    if added.replayed {
        // The first request's mail, as it stands now (perhaps sent already): queueing it
        // again would send the customer the same reply twice.
        let message_id = added.value.message.id;
        let outbound = carrying(w.conn, message_id)?.ok_or_else(|| {
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
    // After the message: a replay must not fail on its own Message-ID. A refusal here rolls
    // the job's savepoint back, message and all.
    check_new(w.conn, &mail)?;
    let message = &added.value.message;
    let outbound = mail.pending(Some(message.case_id), Some(message.id), w.now());
    insert(w.conn, &outbound)?;
    mail::insert_entry(
        w.conn,
        &outbound.mail_entry(message.case_id, message.id, message.created_at),
        None,
    )?;
    Ok(Written {
        value: MessageMailed {
            added: added.value,
            outbound,
        },
        events: added.events,
        replayed: false,
    })
}

fn carrying(conn: &Connection, message_id: MessageId) -> StoreResult<Option<Outbound>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM mail_outbox WHERE message_id = ?1 ORDER BY created_at, id LIMIT 1"
    ))
    .db()?
    .query_row([message_id.to_string()], outbound_row)
    .optional()
    .db()
}

pub(crate) fn queue_case_mail(
    w: &mut WriteTx<'_>,
    case_id: CaseId,
    mail: NewOutbound,
) -> StoreResult<Outbound> {
    reads::case(w.conn, case_id)?;
    check_new(w.conn, &mail)?;
    let outbound = mail.pending(Some(case_id), None, w.now());
    insert(w.conn, &outbound)?;
    Ok(outbound)
}

pub(crate) fn claim(
    w: &mut WriteTx<'_>,
    owner: uuid::Uuid,
    lease: std::time::Duration,
    limit: u32,
) -> StoreResult<Vec<Outbound>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let due = w.now();
    let wall = time::now();
    let until = wall
        .as_millisecond()
        .saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
    let mut claimed = w
        .conn
        .prepare_cached(&format!(
            "UPDATE mail_outbox SET lease_owner = ?1, lease_until = ?2
             WHERE id IN (
                 SELECT id FROM mail_outbox
                 WHERE status = 'pending' AND next_attempt_at <= ?3
                   AND (lease_until IS NULL OR lease_until < ?4)
                 ORDER BY created_at, id LIMIT ?5)
             RETURNING {COLUMNS}"
        ))
        .db()?
        .query_map(
            params![owner.to_string(), until, ms(due), ms(wall), limit],
            outbound_row,
        )
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()?;
    // RETURNING names rows in no promised order.
    claimed.sort_by_key(|o| (o.created_at, o.id));
    Ok(claimed)
}

pub(crate) fn record(
    w: &mut WriteTx<'_>,
    id: uuid::Uuid,
    owner: uuid::Uuid,
    result: OutboundResult,
) -> StoreResult<Written<Outbound>> {
    let (mut outbound, lease_owner) = find(w.conn, id)?.ok_or_else(|| not_found(id))?;
    if outbound.status != OutboundStatus::Pending
        || lease_owner.as_deref() != Some(owner.to_string().as_str())
    {
        return Err(Outbound::not_leased(id, owner));
    }
    let number = match outbound.case_id {
        Some(case_id) => Some(reads::case(w.conn, case_id)?.number),
        None => None,
    };
    let at = w.now();
    let (attempt, event) = outbound.record(result, number, at);
    w.conn
        .prepare_cached(
            "UPDATE mail_outbox SET status = ?2, attempts = ?3, next_attempt_at = ?4,
                 last_error = ?5, sent_at = ?6, body = ?7, lease_owner = NULL, lease_until = NULL
             WHERE id = ?1",
        )
        .db()?
        .execute(params![
            id.to_string(),
            outbound.status.as_str(),
            outbound.attempts,
            ms(outbound.next_attempt_at),
            outbound.last_error,
            outbound.sent_at.map(ms),
            outbound.text,
        ])
        .db()?;
    add_attempt(w.conn, id, &attempt)?;
    let events = w.append(event.into_iter().collect(), at)?;
    Ok(Written {
        value: outbound,
        events,
        replayed: false,
    })
}

fn add_attempt(conn: &Connection, id: uuid::Uuid, attempt: &OutboundAttempt) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO mail_outbox_attempts (outbox_id, at, error) VALUES (?1, ?2, ?3)",
    )
    .db()?
    .execute(params![id.to_string(), ms(attempt.at), attempt.error])
    .db()?;
    // Keep the newest KEPT, in the order the list reads them (see webhook attempts).
    conn.prepare_cached(
        "DELETE FROM mail_outbox_attempts WHERE outbox_id = ?1 AND id IN (
             SELECT id FROM mail_outbox_attempts WHERE outbox_id = ?1
             ORDER BY at DESC, id DESC LIMIT -1 OFFSET ?2)",
    )
    .db()?
    .execute(params![id.to_string(), OUTBOUND_ATTEMPTS_KEPT])
    .db()?;
    Ok(())
}

pub(crate) fn of_case(conn: &Connection, case_id: CaseId) -> StoreResult<Vec<Outbound>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM mail_outbox WHERE case_id = ?1 ORDER BY created_at, id"
        ))
        .db()?;
    let rows = stmt.query_map([case_id.to_string()], outbound_row).db()?;
    rows.collect::<Result<_, _>>().db()
}

pub(crate) fn attempts(conn: &Connection, id: uuid::Uuid) -> StoreResult<Vec<OutboundAttempt>> {
    if find(conn, id)?.is_none() {
        return Err(not_found(id));
    }
    let mut stmt = conn
        .prepare_cached(
            "SELECT at, error FROM mail_outbox_attempts WHERE outbox_id = ?1
             ORDER BY at DESC, id DESC",
        )
        .db()?;
    let rows = stmt
        .query_map([id.to_string()], |r| {
            Ok(OutboundAttempt {
                at: rows::ts(r, "at")?,
                error: r.get("error")?,
            })
        })
        .db()?;
    rows.collect::<Result<_, _>>().db()
}

/// The newest account mails, newest first.
pub(crate) fn account_mail(conn: &Connection, limit: u32) -> StoreResult<Vec<Outbound>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM mail_outbox WHERE kind = 'account'
             ORDER BY created_at DESC, id DESC LIMIT ?1"
        ))
        .db()?;
    let rows = stmt.query_map([limit], outbound_row).db()?;
    rows.collect::<Result<_, _>>().db()
}

/// Every outbox row of a case by id. Attempts are not exported (see `Record::Outbound`), nor
/// is account mail: it lives minutes and may hold a link that signs someone in.
pub(crate) fn export(conn: &Connection, out: &mut Vec<Record>) -> StoreResult<()> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM mail_outbox WHERE kind = 'case' ORDER BY id"
        ))
        .db()?;
    let rows = stmt.query_map([], outbound_row).db()?;
    for row in rows {
        out.push(Record::Outbound(row.db()?));
    }
    Ok(())
}

pub(crate) fn import(conn: &Connection, outbound: &Outbound) -> StoreResult<()> {
    insert(conn, outbound)
}
