//! The voice of the customer: the mood of customer messages (scored and, when the domain says
//! so, alerted in the writer's job that writes the message), acknowledging alerts, and the
//! verbatims themes are read from.

use frontline_core::mood::{self, MoodReading, MoodReason};
use frontline_core::themes::{Voice, VoiceSource};
use frontline_core::{Case, CaseId, Message, MessageId, PersonId, Role, Timestamp, time};
use frontline_store::{
    MessageMood, MoodAlertFilter, MoodAlertItem, StoreError, StoreResult, VoiceFilter, Written,
};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use crate::query::Query;
use crate::reads;
use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

/// The mood of a reply that is about to be inserted: `None` unless a customer wrote it. The
/// customer's earlier scores on the case are the baseline for a drop. (A case's first message
/// has none and is read before its job: `SqliteStore::create_case`.)
pub(crate) fn reply_mood(
    w: &WriteTx<'_>,
    case: &Case,
    message: &Message,
    author_role: Role,
) -> StoreResult<Option<MoodReading>> {
    if author_role != Role::Customer {
        return Ok(None);
    }
    let earlier = earlier_scores(w, case, message.author_id)?;
    Ok(mood::read(message.body.as_str(), author_role, &earlier))
}

/// The author's earlier scores on the case, oldest first. `INDEXED BY` because, left to
/// itself, SQLite reads the author's messages through `messages_by_author` and checks each
/// one's case: every message a customer ever wrote, on every message they write (measured:
/// 60 % of the writer's time creating cases, and growing with the table).
fn earlier_scores(w: &WriteTx<'_>, case: &Case, author: PersonId) -> StoreResult<Vec<f64>> {
    w.conn
        .prepare_cached(
            "SELECT sentiment FROM messages INDEXED BY messages_by_case
             WHERE case_id = ?1 AND author_id = ?2 AND sentiment IS NOT NULL
             ORDER BY created_at, id",
        )
        .db()?
        .query_map(params![case.id.to_string(), author.to_string()], |r| {
            r.get(0)
        })
        .db()?
        .collect::<Result<_, _>>()
        .db()
}

const ALERT_COLUMNS: &str = "m.id, m.case_id, c.number, c.subject, c.customer_id, c.owner_id, \
     c.team_id, m.mood_alert, m.mood_alert_why, m.sentiment, m.body, m.created_at, \
     m.mood_acknowledged_by, m.mood_acknowledged_at";

fn alert_row(row: &Row<'_>) -> rusqlite::Result<MoodAlertItem> {
    Ok(MoodAlertItem {
        message_id: rows::parsed(row, "id")?,
        case_id: rows::parsed(row, "case_id")?,
        case_number: frontline_core::CaseNumber(row.get("number")?),
        subject: rows::value(
            "subject",
            row.get("subject")?,
            frontline_core::Subject::parse,
        )?,
        customer_id: rows::parsed(row, "customer_id")?,
        owner_id: rows::parsed_opt(row, "owner_id")?,
        team_id: rows::parsed_opt(row, "team_id")?,
        reason: rows::parsed::<MoodReason>(row, "mood_alert")?,
        why: row
            .get::<_, Option<String>>("mood_alert_why")?
            .unwrap_or_default(),
        sentiment: row.get::<_, Option<f64>>("sentiment")?.unwrap_or(0.0),
        quote: row.get("body")?,
        at: rows::ts(row, "created_at")?,
        acknowledged_by: rows::parsed_opt(row, "mood_acknowledged_by")?,
        acknowledged_at: rows::ts_opt(row, "mood_acknowledged_at")?,
    })
}

pub(crate) fn list_alerts(
    conn: &Connection,
    filter: &MoodAlertFilter,
    limit: u32,
) -> StoreResult<Vec<MoodAlertItem>> {
    let mut q = Query::new(format!(
        "SELECT {ALERT_COLUMNS} FROM messages m JOIN cases c ON c.id = m.case_id
         WHERE m.mood_alert IS NOT NULL"
    ));
    if filter.unacknowledged_only {
        q.sql += " AND m.mood_acknowledged_at IS NULL";
    }
    if filter.open_cases_only {
        q.sql += " AND c.status NOT IN ('resolved', 'closed')";
    }
    if let Some(id) = filter.case_id {
        q.and(" AND m.case_id = ?#", id.to_string().into());
    }
    if let Some(id) = filter.message_id {
        q.and(" AND m.id = ?#", id.to_string().into());
    }
    if let Some(since) = filter.since {
        q.and(" AND m.created_at >= ?#", ms(since).into());
    }
    if filter.owner_id.is_some() || !filter.team_ids.is_empty() {
        q.sql += " AND (0";
        if let Some(owner) = filter.owner_id {
            q.and(" OR c.owner_id = ?#", owner.to_string().into());
        }
        for team in &filter.team_ids {
            q.and(" OR c.team_id = ?#", team.to_string().into());
        }
        q.sql += ")";
    }
    q.newest_first("m.created_at", None, limit);
    let found = conn
        .prepare_cached(&q.sql)
        .db()?
        .query_map(params_from_iter(q.args), alert_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

fn alert(conn: &Connection, message_id: MessageId) -> StoreResult<MoodAlertItem> {
    conn.prepare_cached(&format!(
        "SELECT {ALERT_COLUMNS} FROM messages m JOIN cases c ON c.id = m.case_id
         WHERE m.id = ?1 AND m.mood_alert IS NOT NULL"
    ))
    .db()?
    .query_row([message_id.to_string()], alert_row)
    .optional()
    .db()?
    .ok_or_else(|| StoreError::not_found(frontline_store::no_alert(message_id)))
}

pub(crate) fn acknowledge(
    w: &mut WriteTx<'_>,
    by: PersonId,
    message_id: MessageId,
    at: Option<Timestamp>,
) -> StoreResult<Written<MoodAlertItem>> {
    reads::person(w.conn, by)?;
    let item = alert(w.conn, message_id)?;
    if item.acknowledged_at.is_some() {
        return Err(StoreError::conflict(frontline_store::already_acknowledged(
            item.case_number,
        )));
    }
    let at = at.map_or_else(|| w.now(), time::truncate);
    w.conn
        .prepare_cached(
            "UPDATE messages SET mood_acknowledged_by = ?2, mood_acknowledged_at = ?3 WHERE id = ?1",
        )
        .db()?
        .execute(params![message_id.to_string(), by.to_string(), ms(at)])
        .db()?;
    let case = reads::case(w.conn, item.case_id)?;
    let events = w.append(vec![mood::acknowledged_event(&case, message_id, by)], at)?;
    Ok(Written {
        value: MoodAlertItem {
            acknowledged_by: Some(by),
            acknowledged_at: Some(at),
            ..item
        },
        events,
        replayed: false,
    })
}

fn mood_row(row: &Row<'_>) -> rusqlite::Result<MessageMood> {
    Ok(MessageMood {
        message_id: rows::parsed(row, "id")?,
        sentiment: row.get("sentiment")?,
        alert: rows::parsed_opt(row, "mood_alert")?,
        why: row.get("mood_alert_why")?,
        acknowledged_by: rows::parsed_opt(row, "mood_acknowledged_by")?,
        acknowledged_at: rows::ts_opt(row, "mood_acknowledged_at")?,
    })
}

const MOOD_COLUMNS: &str =
    "id, sentiment, mood_alert, mood_alert_why, mood_acknowledged_by, mood_acknowledged_at";

pub(crate) fn moods_of_case(conn: &Connection, case_id: CaseId) -> StoreResult<Vec<MessageMood>> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {MOOD_COLUMNS} FROM messages
             WHERE case_id = ?1 AND sentiment IS NOT NULL ORDER BY created_at, id"
        ))
        .db()?
        .query_map([case_id.to_string()], mood_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

/// Every message mood, for export (messages' order).
pub(crate) fn all_moods(conn: &Connection) -> StoreResult<Vec<MessageMood>> {
    let found = conn
        .prepare(&format!(
            "SELECT {MOOD_COLUMNS} FROM messages WHERE sentiment IS NOT NULL ORDER BY created_at, id"
        ))
        .db()?
        .query_map([], mood_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

/// Import: put an exported mood back on its message.
pub(crate) fn put_mood(conn: &Connection, m: &MessageMood) -> StoreResult<usize> {
    let changed = conn
        .execute(
            "UPDATE messages SET sentiment = ?2, mood_alert = ?3, mood_alert_why = ?4,
                 mood_acknowledged_by = ?5, mood_acknowledged_at = ?6
             WHERE id = ?1",
            params![
                m.message_id.to_string(),
                m.sentiment,
                m.alert.map(|a| a.as_str()),
                m.why,
                m.acknowledged_by.map(|p| p.to_string()),
                m.acknowledged_at.map(ms),
            ],
        )
        .db()?;
    if changed == 0 {
        return Err(StoreError::not_found(format!("message {}", m.message_id)));
    }
    Ok(changed)
}

pub(crate) fn voices(conn: &Connection, filter: &VoiceFilter) -> StoreResult<Vec<Voice>> {
    let voice = |source: VoiceSource| {
        move |row: &Row<'_>| -> rusqlite::Result<Voice> {
            Ok(Voice {
                case_id: rows::parsed(row, "case_id")?,
                case_number: frontline_core::CaseNumber(row.get("number")?),
                source,
                text: row.get("text")?,
                at: rows::ts(row, "created_at")?,
            })
        }
    };
    let limit = filter.limit;
    let mut found: Vec<Voice> = conn
        .prepare_cached(&format!(
            "SELECT f.case_id, c.number, f.text, f.created_at
             FROM feelings f JOIN cases c ON c.id = f.case_id
             WHERE f.kind = 'customer' AND f.text IS NOT NULL AND f.created_at >= ?1
             ORDER BY f.created_at DESC, f.id DESC LIMIT {limit}"
        ))
        .db()?
        .query_map([ms(filter.since)], voice(VoiceSource::Rating))
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    let messages: Vec<Voice> = conn
        .prepare_cached(&format!(
            "SELECT m.case_id, c.number, m.body AS text, m.created_at
             FROM messages m JOIN cases c ON c.id = m.case_id
             WHERE m.sentiment IS NOT NULL AND m.created_at >= ?1 AND m.sentiment <= ?2
             ORDER BY m.created_at DESC, m.id DESC LIMIT {limit}"
        ))
        .db()?
        .query_map(
            params![ms(filter.since), filter.max_sentiment],
            voice(VoiceSource::Message),
        )
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    found.extend(messages);
    frontline_store::sort_voices(&mut found);
    Ok(found)
}
