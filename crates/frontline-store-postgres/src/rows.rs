//! The type mapping, written once: domain values to column values and rows back to domain
//! types. Ids are `uuid`, times `timestamptz` (whole milliseconds, so they read back equal),
//! enums their stable text. Every decode is checked: a bad row is `StoreError::Other`, never a
//! panic. Row structs never leave this crate.

use frontline_core::case::CaseStatus;
use frontline_core::time::from_millis;
use frontline_core::{
    Audience, Case, CaseId, CaseNumber, Email, Event, EventKind, Message, MessageBody, MessageId,
    Name, OutcomeId, Person, PersonId, Priority, Subject, Tags, Team, TeamId, Timestamp,
};
use frontline_store::{StoreError, StoreResult};
use sqlx::postgres::PgRow;
use sqlx::{Decode, Postgres, Row, Type};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::corrupt;

/// A timestamp as PostgreSQL stores it. Instants beyond the `time` crate's range (±9999
/// years) clamp to its ends, as `frontline_core::time::from_millis` clamps the other way.
pub(crate) fn to_db(ts: Timestamp) -> OffsetDateTime {
    let nanos = i128::from(ts.as_millisecond()) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(if nanos < 0 {
        time::PrimitiveDateTime::MIN.assume_utc()
    } else {
        time::PrimitiveDateTime::MAX.assume_utc()
    })
}

/// A stored time back as a domain timestamp (truncated to milliseconds).
pub(crate) fn from_db(at: OffsetDateTime) -> Timestamp {
    let millis = at.unix_timestamp_nanos().div_euclid(1_000_000);
    from_millis(i64::try_from(millis).unwrap_or(if millis < 0 { i64::MIN } else { i64::MAX }))
}

pub(crate) fn opt_to_db(ts: Option<Timestamp>) -> Option<OffsetDateTime> {
    ts.map(to_db)
}

/// One column, decoded; a decode failure names the column.
pub(crate) fn get<'r, T>(row: &'r PgRow, column: &str) -> StoreResult<T>
where
    T: Decode<'r, Postgres> + Type<Postgres>,
{
    row.try_get(column)
        .map_err(|e| StoreError::Other(format!("could not read column {column}: {e}")))
}

pub(crate) fn get_time(row: &PgRow, column: &str) -> StoreResult<Timestamp> {
    get::<OffsetDateTime>(row, column).map(from_db)
}

pub(crate) fn get_opt_time(row: &PgRow, column: &str) -> StoreResult<Option<Timestamp>> {
    get::<Option<OffsetDateTime>>(row, column).map(|t| t.map(from_db))
}

/// Counts are `bigint` in the database and `u32` in the domain.
pub(crate) fn get_u32(row: &PgRow, column: &str) -> StoreResult<u32> {
    let value: i64 = get(row, column)?;
    u32::try_from(value).map_err(|_| corrupt(column, value))
}

/// Parse stored text with the domain's own parser.
pub(crate) fn parse<T, E: std::fmt::Display>(
    row: &PgRow,
    column: &str,
    parser: impl FnOnce(&str) -> Result<T, E>,
) -> StoreResult<T> {
    let text: String = get(row, column)?;
    parser(&text).map_err(|e| corrupt(column, e))
}

/// The rank routing orders the queue by: most urgent is highest.
pub(crate) fn priority_rank(priority: Priority) -> i64 {
    Priority::ALL
        .iter()
        .position(|p| *p == priority)
        .map_or(0, |rank| rank as i64)
}

/// A case-insensitive "contains" pattern for `ILIKE`, with the user's `%`, `_` and backslash taken
/// literally.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub(crate) const PERSON_COLUMNS: &str = "id, email, name, role, title, admin, capacity, \
     available, created_at, language, time_zone, erasure_requested_at, erased_at, merged_into";

pub(crate) fn person(row: &PgRow) -> StoreResult<Person> {
    Ok(Person {
        id: PersonId(get(row, "id")?),
        email: parse(row, "email", Email::parse)?,
        name: parse(row, "name", Name::parse)?,
        role: parse(row, "role", str::parse)?,
        title: get(row, "title")?,
        admin: get(row, "admin")?,
        capacity: get_u32(row, "capacity")?,
        available: get(row, "available")?,
        created_at: get_time(row, "created_at")?,
        language: get(row, "language")?,
        time_zone: get(row, "time_zone")?,
        erasure_requested_at: get_opt_time(row, "erasure_requested_at")?,
        erased_at: get_opt_time(row, "erased_at")?,
        merged_into: get::<Option<uuid::Uuid>>(row, "merged_into")?.map(PersonId),
    })
}

pub(crate) fn team(row: &PgRow) -> StoreResult<Team> {
    Ok(Team {
        id: TeamId(get(row, "id")?),
        name: parse(row, "name", Name::parse)?,
        created_at: get_time(row, "created_at")?,
        retired_at: get_opt_time(row, "retired_at")?,
    })
}

pub(crate) const CASE_COLUMNS: &str = "id, number, customer_id, outcome_id, subject, channel, \
     priority, owner_id, team_id, tags, status, outcome_achieved, created_at, updated_at, \
     first_response_at, resolved_at";

pub(crate) fn case(row: &PgRow) -> StoreResult<Case> {
    let tags: String = get(row, "tags")?;
    Ok(Case {
        id: CaseId(get(row, "id")?),
        number: CaseNumber(get(row, "number")?),
        customer_id: PersonId(get(row, "customer_id")?),
        outcome_id: OutcomeId(get(row, "outcome_id")?),
        subject: parse(row, "subject", Subject::parse)?,
        channel: parse(row, "channel", str::parse)?,
        priority: parse(row, "priority", str::parse)?,
        owner_id: get::<Option<Uuid>>(row, "owner_id")?.map(PersonId),
        team_id: get::<Option<Uuid>>(row, "team_id")?.map(TeamId),
        tags: Tags::from_storage(&tags),
        status: parse(row, "status", str::parse::<CaseStatus>)?,
        outcome_achieved: parse(row, "outcome_achieved", str::parse)?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        first_response_at: get_opt_time(row, "first_response_at")?,
        resolved_at: get_opt_time(row, "resolved_at")?,
    })
}

pub(crate) const MESSAGE_COLUMNS: &str = "id, case_id, author_id, body, visibility, created_at";

pub(crate) fn message(row: &PgRow) -> StoreResult<Message> {
    Ok(Message {
        id: MessageId(get(row, "id")?),
        case_id: CaseId(get(row, "case_id")?),
        author_id: PersonId(get(row, "author_id")?),
        body: parse(row, "body", MessageBody::parse)?,
        visibility: parse(row, "visibility", str::parse)?,
        created_at: get_time(row, "created_at")?,
    })
}

pub(crate) const EVENT_COLUMNS: &str = "seq, at, kind, actor_id, case_id, customer_id, payload";

pub(crate) fn event(row: &PgRow) -> StoreResult<Event> {
    let customer_id = get::<Option<Uuid>>(row, "customer_id")?.map(PersonId);
    Ok(Event {
        seq: get(row, "seq")?,
        at: get_time(row, "at")?,
        kind: parse(row, "kind", str::parse::<EventKind>)?,
        actor_id: get::<Option<Uuid>>(row, "actor_id")?.map(PersonId),
        case_id: get::<Option<Uuid>>(row, "case_id")?.map(CaseId),
        audience: Audience::from_customer(customer_id),
        payload: get(row, "payload")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_back_equal_including_before_1970() {
        for ms in [0, 1, -1, 1_700_000_000_123, -62_000_000_000_001] {
            let ts = from_millis(ms);
            assert_eq!(from_db(to_db(ts)), ts, "{ms}");
        }
    }

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(contains_pattern(" 50%_off "), "%50\\%\\_off%");
    }

    #[test]
    fn urgent_ranks_highest() {
        assert!(priority_rank(Priority::Urgent) > priority_rank(Priority::High));
        assert!(priority_rank(Priority::Normal) > priority_rank(Priority::Low));
    }
}
