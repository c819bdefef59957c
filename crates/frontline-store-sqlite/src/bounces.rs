//! Addresses mail does not reach, on SQLite: a mark per address, written and cleared by the
//! one writer with its event, so a mark and its `mail.bouncing` are never apart.

use frontline_core::Email;
use frontline_store::{MailBounce, NewMailBounce, Record, StoreResult, Written};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::reads;
use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

const COLUMNS: &str = "address, person_id, since, reason, source";

fn bounce_row(row: &Row<'_>) -> rusqlite::Result<MailBounce> {
    Ok(MailBounce {
        address: rows::value("address", row.get("address")?, Email::parse)?,
        person_id: rows::parsed(row, "person_id")?,
        since: rows::ts(row, "since")?,
        reason: row.get("reason")?,
        source: rows::parsed(row, "source")?,
    })
}

fn find(conn: &Connection, address: &Email) -> StoreResult<Option<MailBounce>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM mail_bounces WHERE address = ?1"
    ))
    .db()?
    .query_row([address.as_str()], bounce_row)
    .optional()
    .db()
}

fn insert(conn: &Connection, b: &MailBounce) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO mail_bounces ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"
    ))
    .db()?
    .execute(params![
        b.address.as_str(),
        b.person_id.to_string(),
        ms(b.since),
        b.reason,
        b.source.as_str(),
    ])
    .db()?;
    Ok(())
}

pub(crate) fn mark(w: &mut WriteTx<'_>, new: NewMailBounce) -> StoreResult<Written<MailBounce>> {
    reads::person(w.conn, new.person_id)?;
    if let Some(marked) = find(w.conn, &new.address)? {
        return Ok(Written {
            value: marked,
            events: Vec::new(),
            replayed: true,
        });
    }
    let at = w.now();
    let (bounce, event) = new.marked(at);
    insert(w.conn, &bounce)?;
    let events = w.append(vec![event], at)?;
    Ok(Written {
        value: bounce,
        events,
        replayed: false,
    })
}

pub(crate) fn clear(
    w: &mut WriteTx<'_>,
    address: Email,
) -> StoreResult<Option<Written<MailBounce>>> {
    let Some(marked) = find(w.conn, &address)? else {
        return Ok(None);
    };
    w.conn
        .prepare_cached("DELETE FROM mail_bounces WHERE address = ?1")
        .db()?
        .execute([address.as_str()])
        .db()?;
    let at = w.now();
    let events = w.append(vec![marked.cleared()], at)?;
    Ok(Some(Written {
        value: marked,
        events,
        replayed: false,
    }))
}

pub(crate) fn of(conn: &Connection, addresses: &[Email]) -> StoreResult<Vec<MailBounce>> {
    let mut found = Vec::new();
    for address in addresses {
        if let Some(bounce) = find(conn, address)?
            && !found.contains(&bounce)
        {
            found.push(bounce);
        }
    }
    found.sort_by(|a: &MailBounce, b| a.address.as_str().cmp(b.address.as_str()));
    Ok(found)
}

/// Every mark by address (byte order, as PostgreSQL's export sorts them).
pub(crate) fn export(conn: &Connection, out: &mut Vec<Record>) -> StoreResult<()> {
    let mut stmt = conn
        .prepare(&format!("SELECT {COLUMNS} FROM mail_bounces"))
        .db()?;
    let mut marks = stmt
        .query_map([], bounce_row)
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()?;
    marks.sort_by(|a, b| {
        a.address
            .as_str()
            .as_bytes()
            .cmp(b.address.as_str().as_bytes())
    });
    out.extend(marks.into_iter().map(Record::MailBounce));
    Ok(())
}

pub(crate) fn import(conn: &Connection, bounce: &MailBounce) -> StoreResult<()> {
    insert(conn, bounce)
}
