//! Staff notifications on SQLite: each person's choice (`notification_preferences`, one row
//! per person who chose) and notification mail queued in the outbox.

use frontline_core::{PersonId, Role};
use frontline_store::{
    NewOutbound, NotificationChoice, Outbound, Preferences, StoreError, StoreResult, Written,
    check_notified_role, notification_already_queued, notifications_event,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

fn role_of(conn: &Connection, person_id: PersonId) -> StoreResult<Role> {
    conn.prepare_cached("SELECT role FROM people WHERE id = ?1")
        .db()?
        .query_row([person_id.to_string()], |r| rows::parsed(r, "role"))
        .optional()
        .db()?
        .ok_or_else(|| StoreError::not_found(format!("person {person_id}")))
}

pub(crate) fn get(
    conn: &Connection,
    person_id: PersonId,
    as_of: Option<i64>,
) -> StoreResult<Preferences> {
    if !role_of(conn, person_id)?.is_staff() {
        return Ok(Preferences::default());
    }
    let email: Option<Vec<frontline_core::notify::NotificationKind>> = conn
        .prepare_cached(
            "SELECT email FROM notification_choices WHERE person_id = ?1 AND seq <= ?2
             ORDER BY seq DESC LIMIT 1",
        )
        .db()?
        .query_row(
            params![person_id.to_string(), as_of.unwrap_or(i64::MAX)],
            |r| rows::json(r, "email"),
        )
        .optional()
        .db()?;
    Ok(email.map(Preferences::email).unwrap_or_default())
}

pub(crate) fn set(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    person_id: PersonId,
    preferences: Preferences,
) -> StoreResult<Written<Preferences>> {
    check_notified_role(person_id, role_of(w.conn, person_id)?)?;
    let preferences = Preferences::email(preferences.email);
    let at = w.now();
    let events = w.append(
        vec![notifications_event(actor, person_id, &preferences)],
        at,
    )?;
    let choice = NotificationChoice {
        person_id,
        seq: events.last().map_or(0, |e| e.seq),
        email: preferences.email.clone(),
        chosen_at: at,
    };
    insert(w.conn, &choice)?;
    Ok(Written {
        value: preferences,
        events,
        replayed: false,
    })
}

/// Keep one choice as it is (a new one, or an imported one); answers the rows written.
pub(crate) fn insert(conn: &Connection, choice: &NotificationChoice) -> StoreResult<usize> {
    conn.prepare_cached(
        "INSERT INTO notification_choices (person_id, seq, email, chosen_at)
         VALUES (?1, ?2, ?3, ?4)",
    )
    .db()?
    .execute(params![
        choice.person_id.to_string(),
        choice.seq,
        rows::to_json(&choice.email)?,
        ms(choice.chosen_at)
    ])
    .db()
}

/// Every choice, by person and sequence number, for an export.
pub(crate) fn all(conn: &Connection) -> StoreResult<Vec<NotificationChoice>> {
    let mut stmt = conn
        .prepare(
            "SELECT person_id, seq, email, chosen_at FROM notification_choices
             ORDER BY person_id, seq",
        )
        .db()?;
    let rows = stmt
        .query_map([], |r| {
            Ok(NotificationChoice {
                person_id: rows::parsed(r, "person_id")?,
                seq: r.get("seq")?,
                email: rows::json(r, "email")?,
                chosen_at: rows::ts(r, "chosen_at")?,
            })
        })
        .db()?;
    rows.collect::<Result<_, _>>().db()
}

pub(crate) fn queue_mail(w: &mut WriteTx<'_>, mail: NewOutbound) -> StoreResult<Outbound> {
    let outbound = mail.notification(w.now());
    let queued: bool = w
        .conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM mail_outbox WHERE mailbox = ?1 AND rfc_message_id = ?2)",
        )
        .db()?
        .query_row(
            params![outbound.mailbox.as_str(), outbound.rfc_message_id],
            |r| r.get(0),
        )
        .db()?;
    if queued {
        return Err(notification_already_queued(&outbound));
    }
    crate::outbox::insert(w.conn, &outbound)?;
    Ok(outbound)
}
