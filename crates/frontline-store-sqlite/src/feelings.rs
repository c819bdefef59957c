//! Feelings and the signing keys of rating links. Recording runs in the writer: the person and
//! case are loaded, the domain (`Feeling::record`) decides, and the row (replacing an earlier
//! answer where the rules say so) and its events are written in the job's savepoint.

use frontline_core::feeling::{Feeling, FeelingKind, NewFeeling, PRAISE_SCORE, Score, Verbatim};
use frontline_core::{Timestamp, time};
use frontline_store::{FeelingFilter, StoreError, StoreResult, Written};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use crate::query::Query;
use crate::reads;
use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

const COLUMNS: &str = "id, kind, source, person_id, case_id, team_id, outcome_id, owner_id, \
     score, emotion, text, period, created_at";

fn feeling_row(row: &Row<'_>) -> rusqlite::Result<Feeling> {
    let text: Option<String> = row.get("text")?;
    Ok(Feeling {
        id: rows::parsed(row, "id")?,
        kind: rows::parsed(row, "kind")?,
        source: rows::parsed(row, "source")?,
        person_id: rows::parsed(row, "person_id")?,
        case_id: rows::parsed_opt(row, "case_id")?,
        team_id: rows::parsed_opt(row, "team_id")?,
        outcome_id: rows::parsed_opt(row, "outcome_id")?,
        owner_id: rows::parsed_opt(row, "owner_id")?,
        score: rows::checked("score", Score::new(row.get("score")?))?,
        emotion: rows::parsed_opt(row, "emotion")?,
        text: text
            .map(|t| rows::value("text", t, Verbatim::parse))
            .transpose()?,
        period: row.get("period")?,
        created_at: rows::ts(row, "created_at")?,
    })
}

pub(crate) fn insert(conn: &Connection, f: &Feeling) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO feelings ({COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))
    .db()?
    .execute(params![
        f.id.to_string(),
        f.kind.as_str(),
        f.source.as_str(),
        f.person_id.to_string(),
        f.case_id.map(|c| c.to_string()),
        f.team_id.map(|t| t.to_string()),
        f.outcome_id.map(|o| o.to_string()),
        f.owner_id.map(|p| p.to_string()),
        f.score.get(),
        f.emotion.map(|e| e.as_str()),
        f.text.as_ref().map(Verbatim::as_str),
        f.period,
        ms(f.created_at),
    ])
    .db()?;
    Ok(())
}

pub(crate) fn record(
    w: &mut WriteTx<'_>,
    new: NewFeeling,
    at: Option<Timestamp>,
) -> StoreResult<Written<Feeling>> {
    let by = reads::person(w.conn, new.person_id)?;
    let case = new.case_id.map(|id| reads::case(w.conn, id)).transpose()?;
    let at = at.map_or_else(|| w.now(), time::truncate);
    let (feeling, events) = Feeling::record(new, &by, case.as_ref(), at)?;
    match feeling.kind {
        FeelingKind::Customer => {
            let rated: bool = w
                .conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM feelings WHERE kind = 'customer' AND case_id = ?1)",
                )
                .db()?
                .query_row([feeling.case_id.map(|c| c.to_string())], |r| r.get(0))
                .db()?;
            if rated {
                return Err(StoreError::conflict(frontline_store::already_rated(
                    case.as_ref().map(|c| c.number),
                )));
            }
        }
        FeelingKind::Observed | FeelingKind::Own => {
            w.conn
                .prepare_cached(
                    "DELETE FROM feelings WHERE kind = ?1 AND case_id = ?2 AND person_id = ?3",
                )
                .db()?
                .execute(params![
                    feeling.kind.as_str(),
                    feeling.case_id.map(|c| c.to_string()),
                    feeling.person_id.to_string()
                ])
                .db()?;
        }
        FeelingKind::Pulse => {
            w.conn
                .prepare_cached(
                    "DELETE FROM feelings WHERE kind = 'pulse' AND person_id = ?1 AND period = ?2",
                )
                .db()?
                .execute(params![feeling.person_id.to_string(), feeling.period])
                .db()?;
        }
    }
    insert(w.conn, &feeling)?;
    let events = w.append(events, at)?;
    Ok(Written {
        value: feeling,
        events,
        replayed: false,
    })
}

pub(crate) fn list(
    conn: &Connection,
    filter: &FeelingFilter,
    limit: u32,
) -> StoreResult<Vec<Feeling>> {
    let mut q = Query::new(format!("SELECT {COLUMNS} FROM feelings WHERE 1 = 1"));
    if !filter.kinds.is_empty() {
        // A closed set of fixed words: safe as literals, and the planner sees them.
        let list: Vec<String> = filter
            .kinds
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect();
        q.sql += &format!(" AND kind IN ({})", list.join(", "));
    }
    if let Some(id) = filter.person_id {
        q.and(" AND person_id = ?#", id.to_string().into());
    }
    if let Some(id) = filter.case_id {
        q.and(" AND case_id = ?#", id.to_string().into());
    }
    if let Some(id) = filter.team_id {
        q.and(" AND team_id = ?#", id.to_string().into());
    }
    if let Some(id) = filter.owner_id {
        q.and(" AND owner_id = ?#", id.to_string().into());
    }
    if filter.praise {
        q.sql += &format!(" AND score >= {PRAISE_SCORE} AND text IS NOT NULL");
    }
    if let Some(since) = filter.since {
        q.and(" AND created_at >= ?#", ms(since).into());
    }
    if let Some(until) = filter.until {
        q.and(" AND created_at < ?#", ms(until).into());
    }
    q.newest_first(
        "created_at",
        filter.before.map(|(at, id)| (ms(at), id.to_string())),
        limit,
    );
    let found = conn
        .prepare_cached(&q.sql)
        .db()?
        .query_map(params_from_iter(q.args), feeling_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

pub(crate) fn all(conn: &Connection) -> StoreResult<Vec<Feeling>> {
    let found = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM feelings ORDER BY created_at, id"
        ))
        .db()?
        .query_map([], feeling_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

pub(crate) fn signing_key(
    w: &mut WriteTx<'_>,
    name: &str,
    candidate: Vec<u8>,
) -> StoreResult<Vec<u8>> {
    let found: Option<Vec<u8>> = w
        .conn
        .prepare_cached("SELECT key FROM signing_keys WHERE name = ?1")
        .db()?
        .query_row([name], |r| r.get(0))
        .optional()
        .db()?;
    if let Some(key) = found {
        return Ok(key);
    }
    let now = ms(w.now());
    w.conn
        .prepare_cached("INSERT INTO signing_keys (name, key, created_at) VALUES (?1, ?2, ?3)")
        .db()?
        .execute(params![name, candidate, now])
        .db()?;
    Ok(candidate)
}
