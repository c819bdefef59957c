//! Leaders on the tools: the staff activity the ledger reads (on the person-and-time indexes
//! of migration 0006) and standard-work items and ticks. Writes run in the writer: the item
//! is loaded, the domain (`StandardWorkItem::tick`, …) decides, and the row and its event are
//! written in the job's savepoint.

use frontline_core::standard_work::{
    ItemTitle, NewStandardWorkItem, Proof, StandardWorkItem, StandardWorkTick,
};
use frontline_core::{PersonId, Role, StandardWorkItemId, Timestamp, time};
use frontline_store::{
    ActivityFilter, PersonAct, PersonReply, PersonResolution, StaffActivity, StoreError,
    StoreResult, Written, check_standard_work_owner,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use crate::reads;
use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

pub(crate) const ITEM_COLUMNS: &str =
    "id, person_id, title, cadence, metric, target, created_by, created_at, retired_at";

pub(crate) const TICK_COLUMNS: &str =
    "item_id, person_id, period, period_start, ticked_by, ticked_at";

pub(crate) fn item_row(row: &Row<'_>) -> rusqlite::Result<StandardWorkItem> {
    let metric: Option<String> = row.get("metric")?;
    let proof = match metric {
        None => None,
        Some(metric) => {
            let metric = rows::value("metric", metric, str::parse)?;
            let target: u32 = row.get("target")?;
            Some(rows::checked("target", Proof::new(metric, target))?)
        }
    };
    Ok(StandardWorkItem {
        id: rows::parsed(row, "id")?,
        person_id: rows::parsed(row, "person_id")?,
        title: rows::value("title", row.get("title")?, ItemTitle::parse)?,
        cadence: rows::parsed(row, "cadence")?,
        proof,
        created_by: rows::parsed_opt(row, "created_by")?,
        created_at: rows::ts(row, "created_at")?,
        retired_at: rows::ts_opt(row, "retired_at")?,
    })
}

pub(crate) fn tick_row(row: &Row<'_>) -> rusqlite::Result<StandardWorkTick> {
    Ok(StandardWorkTick {
        item_id: rows::parsed(row, "item_id")?,
        person_id: rows::parsed(row, "person_id")?,
        period: row.get("period")?,
        period_start: rows::ts(row, "period_start")?,
        ticked_by: rows::parsed(row, "ticked_by")?,
        ticked_at: rows::ts(row, "ticked_at")?,
    })
}

/// The people clause every activity query shares: staff only, narrowed by the filter.
fn people_clause(
    filter_role: Option<Role>,
    person: Option<PersonId>,
    args: &mut Vec<Value>,
) -> String {
    let mut sql = match filter_role {
        Some(role) => {
            args.push(role.as_str().to_owned().into());
            format!(" AND p.role = ?{}", args.len())
        }
        None => " AND p.role <> 'customer'".to_owned(),
    };
    if let Some(person) = person {
        args.push(person.to_string().into());
        sql += &format!(" AND p.id = ?{}", args.len());
    }
    sql
}

fn query<T>(
    conn: &Connection,
    sql: &str,
    args: Vec<Value>,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    let found = conn
        .prepare_cached(sql)
        .db()?
        .query_map(params_from_iter(args), map)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

pub(crate) fn staff_activity(
    conn: &Connection,
    filter: &ActivityFilter,
) -> StoreResult<StaffActivity> {
    let since = ms(filter.since);
    // Each query starts from the people (few) and reads each one's rows off a
    // (person, time) index from `since`.
    let run = |select: &str, table_and_join: &str, time_column: &str, order_extra: &str| {
        let mut args: Vec<Value> = vec![since.into()];
        let people = people_clause(filter.role, filter.person_id, &mut args);
        let sql = format!(
            "SELECT {select} FROM people p JOIN {table_and_join} \
             WHERE {time_column} >= ?1{people} ORDER BY p.id, {time_column}{order_extra}"
        );
        (sql, args)
    };
    let (sql, args) = run(
        "p.id AS person_id, m.case_id AS case_id, m.created_at AS at",
        "messages m ON m.author_id = p.id AND m.visibility = 'public'",
        "m.created_at",
        ", m.case_id",
    );
    let replies = query(conn, &sql, args, |r| {
        Ok(PersonReply {
            person_id: rows::parsed(r, "person_id")?,
            case_id: rows::parsed(r, "case_id")?,
            at: rows::ts(r, "at")?,
        })
    })?;
    let (sql, args) = run(
        "p.id AS person_id, c.id AS case_id, c.resolved_at AS at",
        "cases c ON c.owner_id = p.id AND c.resolved_at IS NOT NULL",
        "c.resolved_at",
        ", c.id",
    );
    let resolutions = query(conn, &sql, args, |r| {
        Ok(PersonResolution {
            person_id: rows::parsed(r, "person_id")?,
            case_id: rows::parsed(r, "case_id")?,
            at: rows::ts(r, "at")?,
        })
    })?;
    let act = |r: &Row<'_>| {
        Ok(PersonAct {
            person_id: rows::parsed(r, "person_id")?,
            at: rows::ts(r, "at")?,
        })
    };
    let (sql, args) = run(
        "p.id AS person_id, d.reviewed_at AS at",
        "decisions d ON d.reviewer_id = p.id AND d.reviewer_id IS NOT NULL",
        "d.reviewed_at",
        "",
    );
    let reviews = query(conn, &sql, args, act)?;
    let (sql, args) = run(
        "p.id AS person_id, a.resolved_at AS at",
        "asks a ON a.claimed_by = p.id AND a.resolved_at IS NOT NULL AND a.status = 'resolved'",
        "a.resolved_at",
        "",
    );
    let asks_resolved = query(conn, &sql, args, act)?;
    Ok(StaffActivity {
        replies,
        resolutions,
        reviews,
        asks_resolved,
    })
}

pub(crate) fn last_public_replies(
    conn: &Connection,
    person: Option<PersonId>,
    role: Option<Role>,
) -> StoreResult<Vec<(PersonId, Timestamp)>> {
    let mut args = Vec::new();
    let people = people_clause(role, person, &mut args);
    // Per person, the newest public message: read backwards off messages_by_author and stop
    // at the first public one.
    let sql = format!(
        "SELECT p.id AS person_id,
                (SELECT max(m.created_at) FROM messages m
                  WHERE m.author_id = p.id AND m.visibility = 'public') AS at
         FROM people p WHERE 1 = 1{people} ORDER BY p.id"
    );
    let found = query(conn, &sql, args, |r| {
        Ok((
            rows::parsed::<PersonId>(r, "person_id")?,
            rows::ts_opt(r, "at")?,
        ))
    })?;
    Ok(found
        .into_iter()
        .filter_map(|(person, at)| at.map(|at| (person, at)))
        .collect())
}

pub(crate) fn item(conn: &Connection, id: StandardWorkItemId) -> StoreResult<StandardWorkItem> {
    conn.prepare_cached(&format!(
        "SELECT {ITEM_COLUMNS} FROM standard_work_items WHERE id = ?1"
    ))
    .db()?
    .query_row([id.to_string()], item_row)
    .optional()
    .db()?
    .ok_or_else(|| StoreError::not_found(format!("standard work item {id}")))
}

pub(crate) fn items(
    conn: &Connection,
    person: Option<PersonId>,
    include_retired: bool,
) -> StoreResult<Vec<StandardWorkItem>> {
    let mut sql = format!("SELECT {ITEM_COLUMNS} FROM standard_work_items WHERE 1 = 1");
    let mut args: Vec<Value> = Vec::new();
    if let Some(person) = person {
        args.push(person.to_string().into());
        sql += " AND person_id = ?1";
    }
    if !include_retired {
        sql += " AND retired_at IS NULL";
    }
    sql += " ORDER BY created_at, id";
    query(conn, &sql, args, item_row)
}

pub(crate) fn ticks(
    conn: &Connection,
    person: PersonId,
    since: Timestamp,
) -> StoreResult<Vec<StandardWorkTick>> {
    query(
        conn,
        &format!(
            "SELECT {TICK_COLUMNS} FROM standard_work_ticks
             WHERE person_id = ?1 AND period_start >= ?2 ORDER BY period_start, item_id"
        ),
        vec![person.to_string().into(), ms(since).into()],
        tick_row,
    )
}

/// Write the whole item row (creation, retirement and import).
pub(crate) fn upsert_item(conn: &Connection, i: &StandardWorkItem) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO standard_work_items ({ITEM_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET retired_at = excluded.retired_at"
    ))
    .db()?
    .execute(params![
        i.id.to_string(),
        i.person_id.to_string(),
        i.title.as_str(),
        i.cadence.as_str(),
        i.proof.map(|p| p.metric.as_str()),
        i.proof.map(|p| p.target),
        i.created_by.map(|p| p.to_string()),
        ms(i.created_at),
        i.retired_at.map(ms),
    ])
    .db()?;
    Ok(())
}

pub(crate) fn insert_tick(conn: &Connection, t: &StandardWorkTick) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO standard_work_ticks ({TICK_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    ))
    .db()?
    .execute(params![
        t.item_id.to_string(),
        t.person_id.to_string(),
        t.period,
        ms(t.period_start),
        t.ticked_by.to_string(),
        ms(t.ticked_at),
    ])
    .db()?;
    Ok(())
}

fn is_ticked(conn: &Connection, id: StandardWorkItemId, period: &str) -> StoreResult<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM standard_work_ticks WHERE item_id = ?1 AND period = ?2)",
    )
    .db()?
    .query_row(params![id.to_string(), period], |r| r.get(0))
    .db()
}

fn at_or_now(w: &mut WriteTx<'_>, at: Option<Timestamp>) -> Timestamp {
    let now = w.now();
    at.map_or(now, time::truncate)
}

pub(crate) fn create(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    new: NewStandardWorkItem,
    at: Option<Timestamp>,
) -> StoreResult<Written<StandardWorkItem>> {
    check_standard_work_owner(&reads::person(w.conn, new.person_id)?)?;
    let at = at_or_now(w, at);
    let (item, event) = StandardWorkItem::create(new, actor, at);
    upsert_item(w.conn, &item)?;
    let events = w.append(vec![event], at)?;
    Ok(Written {
        value: item,
        events,
        replayed: false,
    })
}

pub(crate) fn retire(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    id: StandardWorkItemId,
    at: Option<Timestamp>,
) -> StoreResult<Written<StandardWorkItem>> {
    let current = item(w.conn, id)?;
    let at = at_or_now(w, at);
    let (retired, event) = current.retire(actor, at)?;
    upsert_item(w.conn, &retired)?;
    let events = w.append(vec![event], at)?;
    Ok(Written {
        value: retired,
        events,
        replayed: false,
    })
}

pub(crate) fn tick(
    w: &mut WriteTx<'_>,
    actor: PersonId,
    id: StandardWorkItemId,
    at: Option<Timestamp>,
) -> StoreResult<Written<StandardWorkTick>> {
    let current = item(w.conn, id)?;
    let at = at_or_now(w, at);
    let period = current.cadence.period_at(at);
    let already = is_ticked(w.conn, id, &period.key)?;
    let (tick, event) = current.tick(actor, at, already)?;
    insert_tick(w.conn, &tick)?;
    let events = w.append(vec![event], at)?;
    Ok(Written {
        value: tick,
        events,
        replayed: false,
    })
}

pub(crate) fn untick(
    w: &mut WriteTx<'_>,
    actor: PersonId,
    id: StandardWorkItemId,
    at: Option<Timestamp>,
) -> StoreResult<Written<()>> {
    let current = item(w.conn, id)?;
    let at = at_or_now(w, at);
    let period = current.cadence.period_at(at);
    let ticked = is_ticked(w.conn, id, &period.key)?;
    let (period, event) = current.untick(actor, at, ticked)?;
    w.conn
        .prepare_cached("DELETE FROM standard_work_ticks WHERE item_id = ?1 AND period = ?2")
        .db()?
        .execute(params![id.to_string(), period.key])
        .db()?;
    let events = w.append(vec![event], at)?;
    Ok(Written {
        value: (),
        events,
        replayed: false,
    })
}
