//! Mail on SQLite: mailboxes, the mail of cases, the quarantine. The one writer makes "has
//! this mailbox received this Message-ID?" and the write that records it one step, so a mail
//! arriving twice at once is still written once.

use frontline_core::mail::{Mailbox, MailboxKey, NewMailbox};
use frontline_core::{Email, MessageId, PersonId};
use frontline_store::{
    CaseCreated, MailDirection, MailEntry, MessageAdded, NewCase, NewMail, NewMessage,
    NewQuarantined, QUARANTINE_LIST_MAX, QuarantinedMail, Record, StoreError, StoreResult, Written,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::cases;
use crate::reads;
use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

pub(crate) const MAILBOX_COLUMNS: &str =
    "key, name, address, outcome_id, imap, enabled, inbound_token_hash, created_at, updated_at";

pub(crate) fn mailbox_row(row: &Row<'_>) -> rusqlite::Result<Mailbox> {
    let imap: Option<String> = row.get("imap")?;
    Ok(Mailbox {
        key: rows::value("key", row.get("key")?, MailboxKey::parse)?,
        name: rows::value("name", row.get("name")?, frontline_core::Name::parse)?,
        address: rows::value("address", row.get("address")?, Email::parse)?,
        outcome_id: rows::parsed(row, "outcome_id")?,
        imap: match imap {
            Some(_) => Some(rows::json(row, "imap")?),
            None => None,
        },
        enabled: row.get("enabled")?,
        inbound_token_hash: row.get("inbound_token_hash")?,
        created_at: rows::ts(row, "created_at")?,
        updated_at: rows::ts(row, "updated_at")?,
    })
}

fn find_mailbox(conn: &Connection, key: &MailboxKey) -> StoreResult<Option<Mailbox>> {
    conn.prepare_cached(&format!(
        "SELECT {MAILBOX_COLUMNS} FROM mailboxes WHERE key = ?1"
    ))
    .db()?
    .query_row([key.as_str()], mailbox_row)
    .optional()
    .db()
}

pub(crate) fn mailbox(conn: &Connection, key: &MailboxKey) -> StoreResult<Mailbox> {
    find_mailbox(conn, key)?.ok_or_else(|| StoreError::not_found(format!("mailbox {key}")))
}

pub(crate) fn mailboxes(conn: &Connection) -> StoreResult<Vec<Mailbox>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {MAILBOX_COLUMNS} FROM mailboxes ORDER BY key"
        ))
        .db()?;
    let rows = stmt.query_map([], mailbox_row).db()?;
    rows.collect::<Result<_, _>>().db()
}

fn put_mailbox(conn: &Connection, m: &Mailbox) -> StoreResult<()> {
    let imap = m.imap.as_ref().map(rows::to_json).transpose()?;
    conn.prepare_cached(
        "INSERT INTO mailboxes (key, name, address, outcome_id, imap, enabled, inbound_token_hash,
                                created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (key) DO UPDATE SET name = excluded.name, address = excluded.address,
             outcome_id = excluded.outcome_id, imap = excluded.imap, enabled = excluded.enabled,
             inbound_token_hash = excluded.inbound_token_hash, updated_at = excluded.updated_at",
    )
    .db()?
    .execute(params![
        m.key.as_str(),
        m.name.as_str(),
        m.address.as_str(),
        m.outcome_id.to_string(),
        imap,
        m.enabled,
        m.inbound_token_hash,
        ms(m.created_at),
        ms(m.updated_at),
    ])
    .db()?;
    Ok(())
}

pub(crate) fn save_mailbox(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    new: NewMailbox,
) -> StoreResult<Written<Mailbox>> {
    reads::outcome(w.conn, new.outcome_id)?;
    let taken: Option<String> = w
        .conn
        .prepare_cached("SELECT key FROM mailboxes WHERE address = ?1 AND key <> ?2")
        .db()?
        .query_row(params![new.address.as_str(), new.key.as_str()], |r| {
            r.get(0)
        })
        .optional()
        .db()?;
    if let Some(other) = taken {
        return Err(StoreError::conflict(format!(
            "the mailbox {other} already has the address {}",
            new.address
        )));
    }
    let at = w.now();
    let before = find_mailbox(w.conn, &new.key)?;
    let mailbox = Mailbox {
        key: new.key,
        name: new.name,
        address: new.address,
        outcome_id: new.outcome_id,
        imap: new.imap,
        enabled: new.enabled,
        inbound_token_hash: before.as_ref().and_then(|b| b.inbound_token_hash.clone()),
        created_at: before.as_ref().map_or(at, |b| b.created_at),
        updated_at: at,
    };
    put_mailbox(w.conn, &mailbox)?;
    let events = w.append(vec![mailbox.saved_event(before.is_none(), actor)], at)?;
    Ok(Written {
        value: mailbox,
        events,
        replayed: false,
    })
}

pub(crate) fn set_token(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    key: &MailboxKey,
    token_hash: Option<String>,
) -> StoreResult<Written<Mailbox>> {
    let mut mailbox = mailbox(w.conn, key)?;
    let at = w.now();
    mailbox.inbound_token_hash = token_hash;
    mailbox.updated_at = at;
    put_mailbox(w.conn, &mailbox)?;
    let events = w.append(vec![mailbox.saved_event(false, actor)], at)?;
    Ok(Written {
        value: mailbox,
        events,
        replayed: false,
    })
}

const MAIL_COLUMNS: &str =
    "mailbox, direction, rfc_message_id, case_id, message_id, address, subject, at";

fn entry_row(row: &Row<'_>) -> rusqlite::Result<MailEntry> {
    Ok(MailEntry {
        mailbox: rows::value("mailbox", row.get("mailbox")?, MailboxKey::parse)?,
        direction: rows::parsed(row, "direction")?,
        rfc_message_id: row.get("rfc_message_id")?,
        case_id: rows::parsed(row, "case_id")?,
        message_id: rows::parsed(row, "message_id")?,
        address: rows::value("address", row.get("address")?, Email::parse)?,
        subject: row.get("subject")?,
        at: rows::ts(row, "at")?,
    })
}

pub(crate) fn received(
    conn: &Connection,
    mailbox: &MailboxKey,
    rfc_message_id: &str,
) -> StoreResult<Option<MailEntry>> {
    conn.prepare_cached(&format!(
        "SELECT {MAIL_COLUMNS} FROM mail
         WHERE mailbox = ?1 AND direction = 'inbound' AND rfc_message_id = ?2"
    ))
    .db()?
    .query_row(params![mailbox.as_str(), rfc_message_id], entry_row)
    .optional()
    .db()
}

/// Refuse a mail this mailbox has already received (inside the writer: nothing can slip in
/// between this check and the insert).
fn not_yet_received(w: &WriteTx<'_>, mail: &NewMail) -> StoreResult<()> {
    mailbox(w.conn, &mail.mailbox)?;
    match received(w.conn, &mail.mailbox, &mail.rfc_message_id)? {
        Some(_) => Err(StoreError::conflict(format!(
            "the mailbox {} already received the mail {}",
            mail.mailbox, mail.rfc_message_id
        ))),
        None => Ok(()),
    }
}

pub(crate) fn insert_entry(
    conn: &Connection,
    entry: &MailEntry,
    raw: Option<&[u8]>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO mail (mailbox, direction, rfc_message_id, case_id, message_id, address,
                           subject, at, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .db()?
    .execute(params![
        entry.mailbox.as_str(),
        entry.direction.as_str(),
        entry.rfc_message_id,
        entry.case_id.to_string(),
        entry.message_id.to_string(),
        entry.address.as_str(),
        entry.subject,
        ms(entry.at),
        raw,
    ])
    .db()?;
    Ok(())
}

fn inbound_entry(mail: &NewMail, message: &frontline_core::Message) -> MailEntry {
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

pub(crate) fn create_case_from_mail(
    w: &mut WriteTx<'_>,
    new: NewCase,
    mail: NewMail,
    mood: Option<frontline_core::mood::MoodReading>,
) -> StoreResult<Written<CaseCreated>> {
    not_yet_received(w, &mail)?;
    let actor = Some(new.customer_id);
    let written = cases::create_case(w, actor, new, mood)?;
    insert_entry(
        w.conn,
        &inbound_entry(&mail, &written.value.message),
        Some(&mail.raw),
    )?;
    Ok(written)
}

pub(crate) fn add_message_from_mail(
    w: &mut WriteTx<'_>,
    new: NewMessage,
    mail: NewMail,
) -> StoreResult<Written<MessageAdded>> {
    not_yet_received(w, &mail)?;
    let actor = Some(new.author_id);
    let written = cases::add_message(w, actor, new)?;
    insert_entry(
        w.conn,
        &inbound_entry(&mail, &written.value.message),
        Some(&mail.raw),
    )?;
    Ok(written)
}

pub(crate) fn case_for(
    conn: &Connection,
    ids: &[String],
) -> StoreResult<Option<frontline_core::CaseId>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT case_id FROM mail WHERE rfc_message_id = ?1
             ORDER BY at, mailbox, direction LIMIT 1",
        )
        .db()?;
    for id in ids {
        let found: Option<String> = stmt.query_row([id], |r| r.get(0)).optional().db()?;
        if let Some(found) = found {
            return found
                .parse()
                .map(Some)
                .map_err(|e| StoreError::Other(format!("a mail row names a bad case id: {e}")));
        }
    }
    Ok(None)
}

pub(crate) fn of_case(
    conn: &Connection,
    case_id: frontline_core::CaseId,
) -> StoreResult<Vec<MailEntry>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {MAIL_COLUMNS} FROM mail WHERE case_id = ?1 ORDER BY at, rfc_message_id"
        ))
        .db()?;
    let rows = stmt.query_map([case_id.to_string()], entry_row).db()?;
    rows.collect::<Result<_, _>>().db()
}

pub(crate) fn original(conn: &Connection, message_id: MessageId) -> StoreResult<Vec<u8>> {
    let raw: Option<Option<Vec<u8>>> = conn
        .prepare_cached(
            "SELECT raw FROM mail WHERE message_id = ?1 AND direction = 'inbound' LIMIT 1",
        )
        .db()?
        .query_row([message_id.to_string()], |r| r.get(0))
        .optional()
        .db()?;
    raw.flatten()
        .ok_or_else(|| StoreError::not_found(format!("the original mail of message {message_id}")))
}

const QUARANTINE_COLUMNS: &str = "id, mailbox, reason, sender, subject, size, received_at";

fn quarantined_row(row: &Row<'_>) -> rusqlite::Result<QuarantinedMail> {
    let mailbox: Option<String> = row.get("mailbox")?;
    Ok(QuarantinedMail {
        id: rows::parsed(row, "id")?,
        mailbox: mailbox
            .map(|m| rows::value("mailbox", m, MailboxKey::parse))
            .transpose()?,
        reason: row.get("reason")?,
        from: row.get("sender")?,
        subject: row.get("subject")?,
        size: row.get::<_, i64>("size")?.max(0) as u64,
        received_at: rows::ts(row, "received_at")?,
    })
}

pub(crate) fn quarantine(w: &mut WriteTx<'_>, new: NewQuarantined) -> StoreResult<QuarantinedMail> {
    let dedupe_key = new.dedupe_key();
    let existing = w
        .conn
        .prepare_cached(&format!(
            "SELECT {QUARANTINE_COLUMNS} FROM mail_quarantine WHERE dedupe_key = ?1"
        ))
        .db()?
        .query_row([&dedupe_key], quarantined_row)
        .optional()
        .db()?;
    if let Some(existing) = existing {
        return Ok(existing);
    }
    let item = QuarantinedMail {
        id: uuid::Uuid::now_v7(),
        mailbox: new.mailbox,
        reason: new.reason,
        from: new.from,
        subject: new.subject,
        size: new.raw.len() as u64,
        received_at: w.now(),
    };
    insert_quarantined(w.conn, &item, &dedupe_key, &new.raw)?;
    Ok(item)
}

fn insert_quarantined(
    conn: &Connection,
    item: &QuarantinedMail,
    dedupe_key: &str,
    raw: &[u8],
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO mail_quarantine (id, mailbox, reason, sender, subject, size, dedupe_key, raw,
                                      received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .db()?
    .execute(params![
        item.id.to_string(),
        item.mailbox.as_ref().map(MailboxKey::as_str),
        item.reason,
        item.from,
        item.subject,
        i64::try_from(item.size).unwrap_or(i64::MAX),
        dedupe_key,
        raw,
        ms(item.received_at),
    ])
    .db()?;
    Ok(())
}

pub(crate) fn quarantined(conn: &Connection, limit: u32) -> StoreResult<Vec<QuarantinedMail>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {QUARANTINE_COLUMNS} FROM mail_quarantine
             ORDER BY received_at DESC, id DESC LIMIT ?1"
        ))
        .db()?;
    let rows = stmt
        .query_map([limit.min(QUARANTINE_LIST_MAX)], quarantined_row)
        .db()?;
    rows.collect::<Result<_, _>>().db()
}

pub(crate) fn quarantined_one(
    conn: &Connection,
    id: uuid::Uuid,
) -> StoreResult<(QuarantinedMail, Vec<u8>)> {
    conn.prepare_cached(&format!(
        "SELECT {QUARANTINE_COLUMNS}, raw FROM mail_quarantine WHERE id = ?1"
    ))
    .db()?
    .query_row([id.to_string()], |r| {
        Ok((quarantined_row(r)?, r.get("raw")?))
    })
    .optional()
    .db()?
    .ok_or_else(|| StoreError::not_found(format!("quarantined mail {id}")))
}

pub(crate) fn drop_quarantined(w: &mut WriteTx<'_>, id: uuid::Uuid) -> StoreResult<()> {
    let gone = w
        .conn
        .prepare_cached("DELETE FROM mail_quarantine WHERE id = ?1")
        .db()?
        .execute([id.to_string()])
        .db()?;
    if gone == 0 {
        return Err(StoreError::not_found(format!("quarantined mail {id}")));
    }
    Ok(())
}

pub(crate) fn export(conn: &Connection, out: &mut Vec<Record>) -> StoreResult<()> {
    for mailbox in mailboxes(conn)? {
        let inbound_token_hash = mailbox.inbound_token_hash.clone();
        out.push(Record::Mailbox {
            mailbox,
            inbound_token_hash,
        });
    }
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {MAIL_COLUMNS}, raw FROM mail ORDER BY mailbox, direction, rfc_message_id"
        ))
        .db()?;
    let rows = stmt
        .query_map([], |r| {
            let raw: Option<Vec<u8>> = r.get("raw")?;
            Ok(Record::Mail {
                entry: entry_row(r)?,
                raw: raw.map(|b| Record::encode_bytes(&b)),
            })
        })
        .db()?;
    for row in rows {
        out.push(row.db()?);
    }
    // Between the mail and the quarantine, as `Record::rank` orders them.
    crate::outbox::export(conn, out)?;
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {QUARANTINE_COLUMNS}, raw FROM mail_quarantine ORDER BY id"
        ))
        .db()?;
    let rows = stmt
        .query_map([], |r| {
            let raw: Vec<u8> = r.get("raw")?;
            Ok(Record::Quarantined {
                item: quarantined_row(r)?,
                raw: Record::encode_bytes(&raw),
            })
        })
        .db()?;
    for row in rows {
        out.push(row.db()?);
    }
    Ok(())
}

/// Import one mail record; false if `record` is not one.
pub(crate) fn import(conn: &Connection, record: &Record) -> StoreResult<bool> {
    match record {
        Record::Mailbox {
            mailbox,
            inbound_token_hash,
        } => {
            let mut mailbox = mailbox.clone();
            mailbox.inbound_token_hash = inbound_token_hash.clone();
            put_mailbox(conn, &mailbox)?;
        }
        Record::Mail { entry, raw } => {
            let raw = raw.as_deref().map(Record::decode_bytes).transpose()?;
            insert_entry(conn, entry, raw.as_deref())?;
        }
        Record::Quarantined { item, raw } => {
            let raw = Record::decode_bytes(raw)?;
            let key = NewQuarantined {
                mailbox: item.mailbox.clone(),
                reason: String::new(),
                from: None,
                subject: None,
                raw,
            };
            insert_quarantined(conn, item, &key.dedupe_key(), &key.raw)?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}
