//! A person's addresses, merging a duplicate customer into the one it duplicates, and erasure,
//! on SQLite. Each runs inside the writer's transaction with its events; what a tombstone
//! holds and how old payloads are scrubbed is decided in `frontline_core::org::profile`.

use frontline_core::event::{
    AddressAdded, AddressRemoved, ErasureRequested, PersonErased, PersonMerged,
};
use frontline_core::org::profile;
use frontline_core::{CaseId, Email, NewEvent, Payload, Person, PersonId, Role, ValueError};
use frontline_store::{Merged, PersonAddress, StoreError, StoreResult, Written};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::credentials;
use crate::reads;
use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

pub(crate) const ADDRESS_COLUMNS: &str = "address, person_id, verified, added_at";

pub(crate) fn address_row(row: &Row<'_>) -> rusqlite::Result<PersonAddress> {
    Ok(PersonAddress {
        address: rows::value("address", row.get("address")?, Email::parse)?,
        person_id: rows::parsed(row, "person_id")?,
        verified: row.get("verified")?,
        added_at: rows::ts(row, "added_at")?,
    })
}

pub(crate) fn insert_address(conn: &Connection, a: &PersonAddress) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO person_addresses ({ADDRESS_COLUMNS}) VALUES (?1, ?2, ?3, ?4)"
    ))
    .db()?
    .execute(params![
        a.address.as_str(),
        a.person_id.to_string(),
        a.verified,
        ms(a.added_at)
    ])
    .db()?;
    Ok(())
}

/// Who has this address, as a primary or an added one (verified or not).
pub(crate) fn address_owner(conn: &Connection, address: &Email) -> StoreResult<Option<PersonId>> {
    let id: Option<String> = conn
        .prepare_cached(
            "SELECT id FROM people WHERE email = ?1
             UNION ALL SELECT person_id FROM person_addresses WHERE address = ?1 LIMIT 1",
        )
        .db()?
        .query_row([address.as_str()], |r| r.get(0))
        .optional()
        .db()?;
    id.map(|id| {
        id.parse()
            .map_err(|_| StoreError::Other(format!("a person id {id:?} does not parse")))
    })
    .transpose()
}

pub(crate) fn taken(address: &Email) -> StoreError {
    StoreError::conflict(format!("the address {address} belongs to someone already"))
}

pub(crate) fn list_addresses(
    conn: &Connection,
    person_id: PersonId,
) -> StoreResult<Vec<PersonAddress>> {
    conn.prepare_cached(&format!(
        "SELECT {ADDRESS_COLUMNS} FROM person_addresses WHERE person_id = ?1 ORDER BY added_at, address"
    ))
    .db()?
    .query_map([person_id.to_string()], address_row)
    .db()?
    .collect::<Result<_, _>>()
    .db()
}

fn not_a_tombstone(person: &Person) -> StoreResult<()> {
    if person.is_tombstone() {
        return Err(ValueError::new(
            "person",
            format!("{} was erased or merged into someone else", person.id),
        )
        .into());
    }
    Ok(())
}

fn live_customer(conn: &Connection, id: PersonId, field: &'static str) -> StoreResult<Person> {
    let person = reads::person(conn, id)?;
    if person.role != Role::Customer {
        return Err(
            ValueError::new(field, "must be a customer (staff are not merged or erased)").into(),
        );
    }
    not_a_tombstone(&person)?;
    Ok(person)
}

pub(crate) fn add_address(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    person_id: PersonId,
    address: Email,
    verified: bool,
) -> StoreResult<Written<PersonAddress>> {
    let person = reads::person(w.conn, person_id)?;
    not_a_tombstone(&person)?;
    if address_owner(w.conn, &address)?.is_some() {
        return Err(taken(&address));
    }
    let at = w.now();
    let added = PersonAddress {
        person_id,
        address,
        verified,
        added_at: at,
    };
    insert_address(w.conn, &added)?;
    crate::search::index_customer(w.conn, person_id)?;
    let events = w.append(
        vec![NewEvent::new(
            actor,
            Payload::AddressAdded(AddressAdded {
                person_id,
                address: added.address.clone(),
                verified,
            }),
        )],
        at,
    )?;
    Ok(Written {
        value: added,
        events,
        replayed: false,
    })
}

pub(crate) fn remove_address(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    person_id: PersonId,
    address: Email,
) -> StoreResult<Written<()>> {
    let deleted = w
        .conn
        .prepare_cached("DELETE FROM person_addresses WHERE address = ?1 AND person_id = ?2")
        .db()?
        .execute(params![address.as_str(), person_id.to_string()])
        .db()?;
    if deleted == 0 {
        return Err(StoreError::not_found(format!(
            "address {address} of person {person_id}"
        )));
    }
    crate::search::index_customer(w.conn, person_id)?;
    let at = w.now();
    let events = w.append(
        vec![NewEvent::new(
            actor,
            Payload::AddressRemoved(AddressRemoved { person_id, address }),
        )],
        at,
    )?;
    Ok(Written {
        value: (),
        events,
        replayed: false,
    })
}

fn execute(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> StoreResult<u64> {
    Ok(conn.prepare_cached(sql).db()?.execute(args).db()? as u64)
}

pub(crate) fn merge(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    keep: PersonId,
    duplicate: PersonId,
) -> StoreResult<Written<Merged>> {
    if keep == duplicate {
        return Err(
            ValueError::new("duplicate", "must be another customer than the one kept").into(),
        );
    }
    let kept = live_customer(w.conn, keep, "keep")?;
    let dup = live_customer(w.conn, duplicate, "duplicate")?;
    let at = w.now();
    let (k, d) = (keep.to_string(), duplicate.to_string());
    let c = w.conn;
    let cases_moved = execute(
        c,
        "UPDATE cases SET customer_id = ?1 WHERE customer_id = ?2",
        params![k, d],
    )?;
    execute(
        c,
        "UPDATE messages SET author_id = ?1 WHERE author_id = ?2",
        params![k, d],
    )?;
    execute(
        c,
        "UPDATE feelings SET person_id = ?1 WHERE person_id = ?2",
        params![k, d],
    )?;
    execute(
        c,
        "UPDATE decisions SET customer_id = ?1 WHERE customer_id = ?2",
        params![k, d],
    )?;
    execute(
        c,
        "UPDATE mail_bounces SET person_id = ?1 WHERE person_id = ?2",
        params![k, d],
    )?;
    // The kept customer's own profile wins; the duplicate's moves only where there is none.
    execute(
        c,
        "UPDATE OR IGNORE customer_profiles SET person_id = ?1 WHERE person_id = ?2",
        params![k, d],
    )?;
    execute(
        c,
        "DELETE FROM customer_profiles WHERE person_id = ?1",
        params![d],
    )?;
    // Who may read the moved cases' history: the kept customer from now on.
    execute(
        c,
        "UPDATE events SET customer_id = ?1 WHERE customer_id = ?2",
        params![k, d],
    )?;
    let moved = execute(
        c,
        "UPDATE person_addresses SET person_id = ?1 WHERE person_id = ?2",
        params![k, d],
    )?;
    // The duplicate's primary address stops being its own before it becomes the kept one's.
    execute(
        c,
        "UPDATE people SET email = ?2, name = ?3, password_hash = NULL, language = NULL,
                time_zone = NULL, erasure_requested_at = NULL, merged_into = ?4 WHERE id = ?1",
        params![
            d,
            profile::merged_email(duplicate).as_str(),
            profile::merged_name().as_str(),
            k
        ],
    )?;
    insert_address(
        c,
        &PersonAddress {
            person_id: keep,
            address: dup.email.clone(),
            verified: true,
            added_at: at,
        },
    )?;
    let revoked = credentials::revoke_credentials(w, actor, duplicate, None)?;
    let mut events = revoked.events;
    let payload = PersonMerged {
        kept_id: keep,
        merged_id: duplicate,
        cases_moved,
        addresses_moved: moved + 1,
    };
    events.extend(w.append(
        vec![NewEvent::new(actor, Payload::PersonMerged(payload))],
        at,
    )?);
    crate::search::index_customer(w.conn, keep)?;
    Ok(Written {
        value: Merged {
            kept: reads::person(w.conn, kept.id)?,
            merged: reads::person(w.conn, dup.id)?,
            cases_moved,
            addresses_moved: moved + 1,
        },
        events,
        replayed: false,
    })
}

pub(crate) fn request_erasure(
    w: &mut WriteTx<'_>,
    person_id: PersonId,
) -> StoreResult<Written<Person>> {
    let person = live_customer(w.conn, person_id, "person")?;
    if person.erasure_requested_at.is_some() {
        return Ok(Written {
            value: person,
            events: Vec::new(),
            replayed: true,
        });
    }
    let at = w.now();
    execute(
        w.conn,
        "UPDATE people SET erasure_requested_at = ?2 WHERE id = ?1",
        params![person_id.to_string(), ms(at)],
    )?;
    let events = w.append(
        vec![NewEvent::new(
            Some(person_id),
            Payload::ErasureRequested(ErasureRequested { person_id }),
        )],
        at,
    )?;
    Ok(Written {
        value: reads::person(w.conn, person_id)?,
        events,
        replayed: false,
    })
}

pub(crate) fn erase(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    person_id: PersonId,
) -> StoreResult<Written<Person>> {
    let person = reads::person(w.conn, person_id)?;
    if person.erased_at.is_some() {
        return Err(StoreError::conflict(format!(
            "person {person_id} is erased already"
        )));
    }
    let person = live_customer(w.conn, person_id, "person")?;
    let at = w.now();
    let id = person_id.to_string();
    let tombstone = profile::erased_email(person_id);
    let mut addresses: Vec<String> = list_addresses(w.conn, person_id)?
        .into_iter()
        .map(|a| a.address.as_str().to_owned())
        .collect();
    addresses.push(person.email.as_str().to_owned());
    let addresses = rows::to_json(&addresses)?;
    let cases: Vec<CaseId> = w
        .conn
        .prepare_cached("SELECT id FROM cases WHERE customer_id = ?1")
        .db()?
        .query_map([&id], |r| rows::parsed(r, "id"))
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    let c = w.conn;
    execute(
        c,
        "UPDATE people SET email = ?2, name = ?3, password_hash = NULL, language = NULL,
                time_zone = NULL, erasure_requested_at = NULL, erased_at = ?4 WHERE id = ?1",
        params![
            id,
            tombstone.as_str(),
            profile::erased_name().as_str(),
            ms(at)
        ],
    )?;
    execute(
        c,
        "DELETE FROM person_addresses WHERE person_id = ?1",
        params![id],
    )?;
    execute(
        c,
        "DELETE FROM customer_profiles WHERE person_id = ?1",
        params![id],
    )?;
    execute(
        c,
        "DELETE FROM mail_bounces WHERE person_id = ?1",
        params![id],
    )?;
    let messages_erased = execute(
        c,
        "UPDATE messages SET body = ?2 WHERE author_id = ?1",
        params![id, profile::ERASED_TEXT],
    )?;
    // Their files: tombstones under a name that says nothing (the bytes go with the next
    // sweep, unless someone else's attachment holds the same bytes); uploads never attached
    // go at once.
    let by = actor.unwrap_or(person_id).to_string();
    let attachments_erased = execute(
        c,
        "UPDATE attachments SET deleted_at = ?2, deleted_by = ?3, deletion_reason = ?4
         WHERE deleted_at IS NULL AND message_id IN (SELECT id FROM messages WHERE author_id = ?1)",
        params![id, ms(at), by, profile::ERASED_FILE_REASON],
    )?;
    execute(
        c,
        "UPDATE attachments SET name = ?2
         WHERE uploader_id = ?1 OR message_id IN (SELECT id FROM messages WHERE author_id = ?1)",
        params![id, profile::ERASED_FILE_NAME],
    )?;
    execute(
        c,
        "DELETE FROM attachments WHERE uploader_id = ?1 AND message_id IS NULL",
        params![id],
    )?;
    // Nothing erased may still be found by searching for it.
    crate::search::index_customer(c, person_id)?;
    execute(
        c,
        "UPDATE feelings SET text = NULL WHERE person_id = ?1",
        params![id],
    )?;
    // The mail of their cases: the bytes received hold their words and address.
    execute(
        c,
        "UPDATE mail SET raw = NULL WHERE case_id IN (SELECT id FROM cases WHERE customer_id = ?1)",
        params![id],
    )?;
    execute(
        c,
        "UPDATE mail SET address = ?2 WHERE address IN (SELECT value FROM json_each(?1))",
        params![addresses, tombstone.as_str()],
    )?;
    execute(
        c,
        "UPDATE mail_outbox SET recipient = ?2, recipient_name = NULL,
                last_error = CASE WHEN status = 'pending' THEN 'the recipient was erased' ELSE last_error END,
                status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,
                lease_owner = NULL, lease_until = NULL
         WHERE recipient IN (SELECT value FROM json_each(?1))",
        params![addresses, tombstone.as_str()],
    )?;
    // Records merged into this one carried their addresses, now erased with them.
    let merged: Vec<PersonId> = c
        .prepare_cached("SELECT id FROM people WHERE merged_into = ?1")
        .db()?
        .query_map([&id], |r| rows::parsed(r, "id"))
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    for someone in std::iter::once(person_id).chain(merged) {
        scrub_events(c, someone, &tombstone, &cases)?;
    }
    let revoked = credentials::revoke_credentials(w, actor, person_id, None)?;
    let mut events = revoked.events;
    let payload = PersonErased {
        person_id,
        requested_at: person.erasure_requested_at,
        messages_erased,
        attachments_erased,
        tokens: revoked.value.tokens,
        sessions: revoked.value.sessions,
    };
    events.extend(w.append(
        vec![NewEvent::new(actor, Payload::PersonErased(payload))],
        at,
    )?);
    Ok(Written {
        value: reads::person(w.conn, person_id)?,
        events,
        replayed: false,
    })
}

/// Rewrite the payloads of earlier events that carry the person's data (see
/// `profile::scrub`). Reads only the kinds that can, naming the person or one of their cases.
fn scrub_events(
    conn: &Connection,
    person: PersonId,
    tombstone: &Email,
    cases: &[CaseId],
) -> StoreResult<()> {
    let kinds = rows::to_json(
        &profile::KINDS_WITH_PERSONAL_DATA
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>(),
    )?;
    let found: Vec<(i64, String, String)> = conn
        .prepare_cached(
            "SELECT seq, kind, payload FROM events
             WHERE kind IN (SELECT value FROM json_each(?1))
               AND (instr(payload, ?2) > 0
                    OR case_id IN (SELECT id FROM cases WHERE customer_id = ?2))",
        )
        .db()?
        .query_map(params![kinds, person.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    for (seq, kind, payload) in found {
        let kind = kind
            .parse()
            .map_err(|_| StoreError::Other(format!("event {seq} has an unknown kind")))?;
        let json: serde_json::Value = serde_json::from_str(&payload)
            .map_err(|e| StoreError::Other(format!("event {seq}'s payload: {e}")))?;
        if let Some(scrubbed) = profile::scrub(kind, &json, person, tombstone, cases) {
            execute(
                conn,
                "UPDATE events SET payload = ?2 WHERE seq = ?1",
                params![seq, rows::to_json(&scrubbed.to_json())?],
            )?;
        }
    }
    Ok(())
}
