//! Column mapping, written once: ids are TEXT (hyphenated UUIDv7), times INTEGER unix
//! milliseconds, enums their text form. Rows never leave this crate; these functions turn them
//! into domain values and classify driver errors.

use std::str::FromStr;

use frontline_core::{
    Audience, Case, CaseNumber, Email, Event, Membership, Message, MessageBody, Name, Outcome,
    OutcomeKey, Person, Subject, SupportLink, Tags, Team, Timestamp, time,
};
use frontline_store::StoreError;
use rusqlite::{Row, ffi};

pub(crate) fn store_error(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(err, msg) => {
            let msg = msg.clone().unwrap_or_default();
            match err.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    StoreError::conflict(format!("already exists ({msg})"))
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => StoreError::not_found("a referenced record"),
                _ if matches!(
                    err.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
                {
                    StoreError::Unavailable(e.to_string())
                }
                _ if matches!(
                    err.code,
                    rusqlite::ErrorCode::CannotOpen
                        | rusqlite::ErrorCode::DiskFull
                        | rusqlite::ErrorCode::SystemIoFailure
                ) =>
                {
                    StoreError::Unavailable(e.to_string())
                }
                _ => StoreError::Other(e.to_string()),
            }
        }
        rusqlite::Error::QueryReturnedNoRows => StoreError::not_found("record"),
        _ => StoreError::Other(e.to_string()),
    }
}

/// Shorthand: `conn.query(...).db()?`.
pub(crate) trait Db<T> {
    fn db(self) -> Result<T, StoreError>;
}

impl<T> Db<T> for rusqlite::Result<T> {
    fn db(self) -> Result<T, StoreError> {
        self.map_err(store_error)
    }
}

fn bad(column: &str, value: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("column {column} holds an invalid value {value}").into(),
    )
}

pub(crate) fn parsed<T: FromStr>(row: &Row<'_>, column: &str) -> rusqlite::Result<T>
where
    T::Err: std::fmt::Display,
{
    let text: String = row.get(column)?;
    text.parse::<T>().map_err(|e| bad(column, e))
}

pub(crate) fn parsed_opt<T: FromStr>(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    let text: Option<String> = row.get(column)?;
    text.map(|t| t.parse::<T>().map_err(|e| bad(column, e)))
        .transpose()
}

pub(crate) fn ts(row: &Row<'_>, column: &str) -> rusqlite::Result<Timestamp> {
    Ok(time::from_millis(row.get(column)?))
}

pub(crate) fn ts_opt(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<Timestamp>> {
    Ok(row.get::<_, Option<i64>>(column)?.map(time::from_millis))
}

pub(crate) fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub(crate) fn value<T>(
    column: &str,
    raw: String,
    parse: impl Fn(&str) -> Result<T, frontline_core::ValueError>,
) -> rusqlite::Result<T> {
    parse(&raw).map_err(|e| bad(column, e))
}

/// A value checked by the domain after reading (a failure names the column).
pub(crate) fn checked<T>(
    column: &str,
    value: Result<T, frontline_core::ValueError>,
) -> rusqlite::Result<T> {
    value.map_err(|e| bad(column, e))
}

/// A JSON text column read through serde (fact definitions, scopes, facts, findings).
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    column: &str,
) -> rusqlite::Result<T> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text).map_err(|e| bad(column, e))
}

/// The JSON text of a value written to a JSON column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Other(format!("could not encode a JSON column: {e}")))
}

pub(crate) const PERSON_COLUMNS: &str =
    "id, email, name, role, title, admin, capacity, available, created_at";

pub(crate) fn person(row: &Row<'_>) -> rusqlite::Result<Person> {
    Ok(Person {
        id: parsed(row, "id")?,
        email: value("email", row.get("email")?, Email::parse)?,
        name: value("name", row.get("name")?, Name::parse)?,
        role: parsed(row, "role")?,
        title: row.get("title")?,
        admin: row.get("admin")?,
        capacity: row.get("capacity")?,
        available: row.get("available")?,
        created_at: ts(row, "created_at")?,
    })
}

pub(crate) fn team(row: &Row<'_>) -> rusqlite::Result<Team> {
    Ok(Team {
        id: parsed(row, "id")?,
        name: value("name", row.get("name")?, Name::parse)?,
        created_at: ts(row, "created_at")?,
        retired_at: ts_opt(row, "retired_at")?,
    })
}

pub(crate) fn membership(row: &Row<'_>) -> rusqlite::Result<Membership> {
    Ok(Membership {
        person_id: parsed(row, "person_id")?,
        team_id: parsed(row, "team_id")?,
        from: ts(row, "valid_from")?,
        to: ts_opt(row, "valid_to")?,
    })
}

pub(crate) fn support(row: &Row<'_>) -> rusqlite::Result<SupportLink> {
    Ok(SupportLink {
        support_id: parsed(row, "support_id")?,
        team_id: parsed(row, "team_id")?,
        from: ts(row, "valid_from")?,
        to: ts_opt(row, "valid_to")?,
    })
}

pub(crate) const OUTCOME_COLUMNS: &str =
    "id, key, name, success_criteria, target_minutes, created_at";

/// An outcome without its teams (`team_ids` is filled by the caller).
pub(crate) fn outcome(row: &Row<'_>) -> rusqlite::Result<Outcome> {
    Ok(Outcome {
        id: parsed(row, "id")?,
        key: value("key", row.get("key")?, OutcomeKey::parse)?,
        name: value("name", row.get("name")?, Name::parse)?,
        success_criteria: row.get("success_criteria")?,
        target_minutes: row.get("target_minutes")?,
        team_ids: Vec::new(),
        created_at: ts(row, "created_at")?,
    })
}

pub(crate) const CASE_COLUMNS: &str = "c.id, c.number, c.customer_id, c.outcome_id, c.subject, \
     c.channel, c.priority, c.owner_id, c.team_id, c.tags, c.status, c.outcome_achieved, \
     c.created_at, c.updated_at, c.first_response_at, c.resolved_at";

pub(crate) fn case(row: &Row<'_>) -> rusqlite::Result<Case> {
    Ok(Case {
        id: parsed(row, "id")?,
        number: CaseNumber(row.get("number")?),
        customer_id: parsed(row, "customer_id")?,
        outcome_id: parsed(row, "outcome_id")?,
        subject: value("subject", row.get("subject")?, Subject::parse)?,
        channel: parsed(row, "channel")?,
        priority: parsed(row, "priority")?,
        owner_id: parsed_opt(row, "owner_id")?,
        team_id: parsed_opt(row, "team_id")?,
        tags: Tags::from_storage(&row.get::<_, String>("tags")?),
        status: parsed(row, "status")?,
        outcome_achieved: parsed(row, "outcome_achieved")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
        first_response_at: ts_opt(row, "first_response_at")?,
        resolved_at: ts_opt(row, "resolved_at")?,
    })
}

pub(crate) const MESSAGE_COLUMNS: &str = "id, case_id, author_id, body, visibility, created_at";

pub(crate) fn message(row: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: parsed(row, "id")?,
        case_id: parsed(row, "case_id")?,
        author_id: parsed(row, "author_id")?,
        body: value("body", row.get("body")?, MessageBody::parse)?,
        visibility: parsed(row, "visibility")?,
        created_at: ts(row, "created_at")?,
    })
}

pub(crate) const EVENT_COLUMNS: &str = "seq, at, kind, actor_id, case_id, customer_id, payload";

pub(crate) fn event(row: &Row<'_>) -> rusqlite::Result<Event> {
    let payload: String = row.get("payload")?;
    Ok(Event {
        seq: row.get("seq")?,
        at: ts(row, "at")?,
        kind: parsed(row, "kind")?,
        actor_id: parsed_opt(row, "actor_id")?,
        case_id: parsed_opt(row, "case_id")?,
        audience: Audience::from_customer(parsed_opt(row, "customer_id")?),
        payload: serde_json::from_str(&payload).map_err(|e| bad("payload", e))?,
    })
}

/// The rank routing sorts the queue by: higher is more urgent.
pub(crate) fn priority_rank(priority: frontline_core::Priority) -> i64 {
    frontline_core::Priority::ALL
        .iter()
        .position(|p| *p == priority)
        .unwrap_or(0) as i64
}
