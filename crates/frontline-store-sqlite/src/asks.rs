//! Asks and their messages. Raising and changing run in the writer: the ask is loaded, the
//! domain (`Ask::apply`) decides, and the whole row, the message and the event are written in
//! the job's savepoint.

use frontline_core::ask::{Ask, AskChange, AskFeeling, AskMessage, FeelingWord, NewAskSpec};
use frontline_core::{AskId, AskText, MessageBody, Timestamp, time};
use frontline_store::{AskChanged, AskFilter, StoreError, StoreResult, Written, check_ask_people};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use crate::query::Query;
use crate::reads;
use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

pub(crate) const ASK_COLUMNS: &str = "id, asker_id, kind, urgency, text, case_id, assignee_id, \
     claimed_by, status, created_at, updated_at, first_response_at, resolved_at, escalations, \
     respond_by, feeling_score, feeling_word, felt_at, history";

pub(crate) fn ask_row(row: &Row<'_>) -> rusqlite::Result<Ask> {
    let score: Option<u8> = row.get("feeling_score")?;
    let feeling = match score {
        None => None,
        Some(score) => Some(AskFeeling {
            score,
            word: rows::value("feeling_word", row.get("feeling_word")?, FeelingWord::parse)?,
            at: rows::ts(row, "felt_at")?,
        }),
    };
    Ok(Ask {
        id: rows::parsed(row, "id")?,
        asker_id: rows::parsed(row, "asker_id")?,
        kind: rows::parsed(row, "kind")?,
        urgency: rows::parsed(row, "urgency")?,
        text: rows::value("text", row.get("text")?, AskText::parse)?,
        case_id: rows::parsed_opt(row, "case_id")?,
        assignee_id: rows::parsed(row, "assignee_id")?,
        claimed_by: rows::parsed_opt(row, "claimed_by")?,
        status: rows::parsed(row, "status")?,
        created_at: rows::ts(row, "created_at")?,
        updated_at: rows::ts(row, "updated_at")?,
        first_response_at: rows::ts_opt(row, "first_response_at")?,
        resolved_at: rows::ts_opt(row, "resolved_at")?,
        escalations: row.get("escalations")?,
        respond_by: rows::ts_opt(row, "respond_by")?,
        feeling,
        history: rows::json(row, "history")?,
    })
}

pub(crate) fn message_row(row: &Row<'_>) -> rusqlite::Result<AskMessage> {
    Ok(AskMessage {
        id: rows::parsed(row, "id")?,
        ask_id: rows::parsed(row, "ask_id")?,
        author_id: rows::parsed(row, "author_id")?,
        body: rows::value("body", row.get("body")?, MessageBody::parse)?,
        created_at: rows::ts(row, "created_at")?,
    })
}

pub(crate) fn ask(conn: &Connection, id: AskId) -> StoreResult<Ask> {
    conn.prepare_cached(&format!("SELECT {ASK_COLUMNS} FROM asks WHERE id = ?1"))
        .db()?
        .query_row([id.to_string()], ask_row)
        .optional()
        .db()?
        .ok_or_else(|| StoreError::not_found(format!("ask {id}")))
}

pub(crate) fn messages(conn: &Connection, id: AskId) -> StoreResult<Vec<AskMessage>> {
    ask(conn, id)?;
    let found = conn
        .prepare_cached(
            "SELECT id, ask_id, author_id, body, created_at FROM ask_messages
             WHERE ask_id = ?1 ORDER BY created_at, id",
        )
        .db()?
        .query_map([id.to_string()], message_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

pub(crate) fn asks(conn: &Connection, filter: &AskFilter, limit: u32) -> StoreResult<Vec<Ask>> {
    let mut q = Query::new(format!("SELECT {ASK_COLUMNS} FROM asks WHERE 1 = 1"));
    if let Some(id) = filter.asker_id {
        q.and(" AND asker_id = ?#", id.to_string().into());
    }
    if let Some(id) = filter.assignee_id {
        q.and(" AND assignee_id = ?#", id.to_string().into());
    }
    if let Some(id) = filter.claimed_by {
        q.and(" AND claimed_by = ?#", id.to_string().into());
    }
    if let Some(id) = filter.case_id {
        q.and(" AND case_id = ?#", id.to_string().into());
    }
    if !filter.statuses.is_empty() {
        // Closed set of fixed words: safe as literals, and the planner sees them.
        let list: Vec<String> = filter
            .statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        q.sql += &format!(" AND status IN ({})", list.join(", "));
    }
    if let Some(at) = filter.due_at {
        q.sql += " AND status = 'open' AND first_response_at IS NULL";
        q.and(" AND respond_by <= ?#", ms(at).into());
    }
    if let Some(since) = filter.since {
        q.and(" AND created_at >= ?#", ms(since).into());
    }
    q.newest_first(
        "created_at",
        filter.before.map(|(at, id)| (ms(at), id.to_string())),
        limit,
    );
    let found = conn
        .prepare_cached(&q.sql)
        .db()?
        .query_map(params_from_iter(q.args), ask_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

/// Write the whole row (raising, every change, and import).
pub(crate) fn upsert_ask(conn: &Connection, a: &Ask) -> StoreResult<()> {
    let feeling = a.feeling.as_ref();
    // An upsert, not `INSERT OR REPLACE`: replacing deletes the row first, which the
    // messages' foreign key refuses.
    conn.prepare_cached(&format!(
        "INSERT INTO asks ({ASK_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
         ON CONFLICT (id) DO UPDATE SET assignee_id = excluded.assignee_id,
             claimed_by = excluded.claimed_by, status = excluded.status,
             updated_at = excluded.updated_at, first_response_at = excluded.first_response_at,
             resolved_at = excluded.resolved_at, escalations = excluded.escalations,
             respond_by = excluded.respond_by, feeling_score = excluded.feeling_score,
             feeling_word = excluded.feeling_word, felt_at = excluded.felt_at,
             history = excluded.history"
    ))
    .db()?
    .execute(params![
        a.id.to_string(),
        a.asker_id.to_string(),
        a.kind.as_str(),
        a.urgency.as_str(),
        a.text.as_str(),
        a.case_id.map(|c| c.to_string()),
        a.assignee_id.to_string(),
        a.claimed_by.map(|c| c.to_string()),
        a.status.as_str(),
        ms(a.created_at),
        ms(a.updated_at),
        a.first_response_at.map(ms),
        a.resolved_at.map(ms),
        a.escalations,
        a.respond_by.map(ms),
        feeling.map(|f| f.score),
        feeling.map(|f| f.word.as_str()),
        feeling.map(|f| ms(f.at)),
        rows::to_json(&a.history)?,
    ])
    .db()?;
    Ok(())
}

pub(crate) fn insert_message(conn: &Connection, m: &AskMessage) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO ask_messages (id, ask_id, author_id, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .db()?
    .execute(params![
        m.id.to_string(),
        m.ask_id.to_string(),
        m.author_id.to_string(),
        m.body.as_str(),
        ms(m.created_at)
    ])
    .db()?;
    Ok(())
}

fn at_or_now(w: &mut WriteTx<'_>, at: Option<Timestamp>) -> Timestamp {
    let now = w.now();
    at.map_or(now, time::truncate)
}

pub(crate) fn raise(
    w: &mut WriteTx<'_>,
    spec: NewAskSpec,
    at: Option<Timestamp>,
) -> StoreResult<Written<Ask>> {
    let asker = reads::person(w.conn, spec.asker_id)?;
    let assignee = reads::person(w.conn, spec.assignee_id)?;
    check_ask_people(&asker, &assignee)?;
    if let Some(case_id) = spec.case_id {
        reads::case(w.conn, case_id)?;
    }
    let at = at_or_now(w, at);
    let (ask, event) = Ask::raise(spec, at);
    upsert_ask(w.conn, &ask)?;
    let events = w.append(vec![event], at)?;
    Ok(Written {
        value: ask,
        events,
        replayed: false,
    })
}

pub(crate) fn change(
    w: &mut WriteTx<'_>,
    actor: Option<frontline_core::PersonId>,
    id: AskId,
    change: AskChange,
    at: Option<Timestamp>,
) -> StoreResult<Written<AskChanged>> {
    let current = ask(w.conn, id)?;
    if let AskChange::Escalate { to: Some(to), .. } = &change {
        let asker = reads::person(w.conn, current.asker_id)?;
        check_ask_people(&asker, &reads::person(w.conn, *to)?)?;
    }
    let at = at_or_now(w, at);
    let effects = current.apply(actor, change, at)?;
    upsert_ask(w.conn, &effects.ask)?;
    if let Some(message) = &effects.message {
        insert_message(w.conn, message)?;
    }
    let events = w.append(vec![effects.event], at)?;
    Ok(Written {
        value: AskChanged {
            ask: effects.ask,
            message: effects.message,
        },
        events,
        replayed: false,
    })
}
