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

/// A column read by position (where `SELECT {X_COLUMNS}` puts it), named for error messages.
/// Read by name, rusqlite compares every column's name per value read (`sqlite3_column_name`,
/// `strlen`): measured at 12 % of the server's CPU for a page of 50 cases. The hot mappers
/// (person, outcome, case, message, event) read by position; debug builds check the name.
#[derive(Clone, Copy)]
pub(crate) struct At(pub usize, pub &'static str);

/// How a mapper names a column: by name (`"status"`) or by position (`At`).
pub(crate) trait Col: Copy {
    type Index: rusqlite::RowIndex;
    fn name(&self) -> &str;
    fn index(self, row: &Row<'_>) -> Self::Index;
}

impl<'a> Col for &'a str {
    type Index = &'a str;
    fn name(&self) -> &str {
        self
    }
    fn index(self, _: &Row<'_>) -> &'a str {
        self
    }
}

impl Col for At {
    type Index = usize;
    fn name(&self) -> &str {
        self.1
    }
    fn index(self, row: &Row<'_>) -> usize {
        debug_assert_eq!(
            row.as_ref().column_name(self.0).ok(),
            Some(self.1),
            "the column at {} is not {}",
            self.0,
            self.1
        );
        self.0
    }
}

/// `row.get`, by name or position.
pub(crate) fn get<T: rusqlite::types::FromSql>(
    row: &Row<'_>,
    column: impl Col,
) -> rusqlite::Result<T> {
    row.get(column.index(row))
}

pub(crate) fn parsed<T: FromStr>(row: &Row<'_>, column: impl Col) -> rusqlite::Result<T>
where
    T::Err: std::fmt::Display,
{
    let text: String = get(row, column)?;
    text.parse::<T>().map_err(|e| bad(column.name(), e))
}

pub(crate) fn parsed_opt<T: FromStr>(row: &Row<'_>, column: impl Col) -> rusqlite::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    let text: Option<String> = get(row, column)?;
    text.map(|t| t.parse::<T>().map_err(|e| bad(column.name(), e)))
        .transpose()
}

pub(crate) fn ts(row: &Row<'_>, column: impl Col) -> rusqlite::Result<Timestamp> {
    Ok(time::from_millis(get(row, column)?))
}

pub(crate) fn ts_opt(row: &Row<'_>, column: impl Col) -> rusqlite::Result<Option<Timestamp>> {
    Ok(get::<Option<i64>>(row, column)?.map(time::from_millis))
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
    column: impl Col,
) -> rusqlite::Result<T> {
    let text: String = get(row, column)?;
    serde_json::from_str(&text).map_err(|e| bad(column.name(), e))
}

/// The JSON text of a value written to a JSON column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Other(format!("could not encode a JSON column: {e}")))
}

pub(crate) const PERSON_COLUMNS: &str = "id, email, name, role, title, admin, capacity, \
     available, created_at, language, time_zone, erasure_requested_at, erased_at, merged_into";

pub(crate) fn person(row: &Row<'_>) -> rusqlite::Result<Person> {
    Ok(Person {
        id: parsed(row, At(0, "id"))?,
        email: value("email", get(row, At(1, "email"))?, Email::parse)?,
        name: value("name", get(row, At(2, "name"))?, Name::parse)?,
        role: parsed(row, At(3, "role"))?,
        title: get(row, At(4, "title"))?,
        admin: get(row, At(5, "admin"))?,
        capacity: get(row, At(6, "capacity"))?,
        available: get(row, At(7, "available"))?,
        created_at: ts(row, At(8, "created_at"))?,
        language: get(row, At(9, "language"))?,
        time_zone: get(row, At(10, "time_zone"))?,
        erasure_requested_at: ts_opt(row, At(11, "erasure_requested_at"))?,
        erased_at: ts_opt(row, At(12, "erased_at"))?,
        merged_into: parsed_opt(row, At(13, "merged_into"))?,
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
        id: parsed(row, At(0, "id"))?,
        key: value("key", get(row, At(1, "key"))?, OutcomeKey::parse)?,
        name: value("name", get(row, At(2, "name"))?, Name::parse)?,
        success_criteria: get(row, At(3, "success_criteria"))?,
        target_minutes: get(row, At(4, "target_minutes"))?,
        team_ids: Vec::new(),
        created_at: ts(row, At(5, "created_at"))?,
    })
}

pub(crate) const CASE_COLUMNS: &str = "c.id, c.number, c.customer_id, c.outcome_id, c.subject, \
     c.channel, c.priority, c.owner_id, c.team_id, c.tags, c.status, c.outcome_achieved, \
     c.created_at, c.updated_at, c.first_response_at, c.resolved_at";

pub(crate) fn case(row: &Row<'_>) -> rusqlite::Result<Case> {
    Ok(Case {
        id: parsed(row, At(0, "id"))?,
        number: CaseNumber(get(row, At(1, "number"))?),
        customer_id: parsed(row, At(2, "customer_id"))?,
        outcome_id: parsed(row, At(3, "outcome_id"))?,
        subject: value("subject", get(row, At(4, "subject"))?, Subject::parse)?,
        channel: parsed(row, At(5, "channel"))?,
        priority: parsed(row, At(6, "priority"))?,
        owner_id: parsed_opt(row, At(7, "owner_id"))?,
        team_id: parsed_opt(row, At(8, "team_id"))?,
        tags: Tags::from_storage(&get::<String>(row, At(9, "tags"))?),
        status: parsed(row, At(10, "status"))?,
        outcome_achieved: parsed(row, At(11, "outcome_achieved"))?,
        created_at: ts(row, At(12, "created_at"))?,
        updated_at: ts(row, At(13, "updated_at"))?,
        first_response_at: ts_opt(row, At(14, "first_response_at"))?,
        resolved_at: ts_opt(row, At(15, "resolved_at"))?,
    })
}

pub(crate) const MESSAGE_COLUMNS: &str = "id, case_id, author_id, body, visibility, created_at";

pub(crate) fn message(row: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: parsed(row, At(0, "id"))?,
        case_id: parsed(row, At(1, "case_id"))?,
        author_id: parsed(row, At(2, "author_id"))?,
        body: value("body", get(row, At(3, "body"))?, MessageBody::parse)?,
        visibility: parsed(row, At(4, "visibility"))?,
        created_at: ts(row, At(5, "created_at"))?,
    })
}

pub(crate) const EVENT_COLUMNS: &str = "seq, at, kind, actor_id, case_id, customer_id, payload";

pub(crate) fn event(row: &Row<'_>) -> rusqlite::Result<Event> {
    let payload: String = get(row, At(6, "payload"))?;
    Ok(Event {
        seq: get(row, At(0, "seq"))?,
        at: ts(row, At(1, "at"))?,
        kind: parsed(row, At(2, "kind"))?,
        actor_id: parsed_opt(row, At(3, "actor_id"))?,
        case_id: parsed_opt(row, At(4, "case_id"))?,
        audience: Audience::from_customer(parsed_opt(row, At(5, "customer_id"))?),
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
