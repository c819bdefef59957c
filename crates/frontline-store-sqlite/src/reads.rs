//! Queries. Each takes a plain connection, so the writer uses the same functions inside its
//! transaction that the reader pool uses outside it.

use frontline_core::{
    Case, CaseId, CaseNumber, CaseStatus, Email, Event, Membership, Message, Outcome, OutcomeId,
    OutcomeKey, Person, PersonId, SupportLink, Team, TeamId,
};
use frontline_store::{
    CaseFilter, EventFilter, Page, PageRequest, PeopleFilter, StoreError, StoreResult, case_label,
};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use crate::query::Query;
use crate::rows::{
    self, CASE_COLUMNS, Db, EVENT_COLUMNS, MESSAGE_COLUMNS, OUTCOME_COLUMNS, PERSON_COLUMNS,
};

fn found<T>(value: Option<T>, what: impl FnOnce() -> String) -> StoreResult<T> {
    value.ok_or_else(|| StoreError::not_found(what()))
}

pub(crate) fn person(conn: &Connection, id: PersonId) -> StoreResult<Person> {
    let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = ?1");
    let found_person = conn
        .prepare_cached(&sql)
        .db()?
        .query_row([id.to_string()], rows::person)
        .optional()
        .db()?;
    found(found_person, || format!("person {id}"))
}

/// The ids travel as one JSON array (`json_each`), so one cached statement serves any count.
pub(crate) fn people(conn: &Connection, ids: &[PersonId]) -> StoreResult<Vec<Person>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = serde_json::to_string(&ids.iter().map(ToString::to_string).collect::<Vec<_>>())
        .map_err(|e| StoreError::Other(format!("could not encode ids: {e}")))?;
    let sql = format!(
        "SELECT {PERSON_COLUMNS} FROM people WHERE id IN (SELECT value FROM json_each(?1))"
    );
    conn.prepare_cached(&sql)
        .db()?
        .query_map([ids], rows::person)
        .db()?
        .collect::<Result<_, _>>()
        .db()
}

pub(crate) fn person_by_email(conn: &Connection, email: &Email) -> StoreResult<Person> {
    // The primary address first, then a verified added one (at most one person has it).
    let sql = format!(
        "SELECT {PERSON_COLUMNS} FROM people WHERE email = ?1
         UNION ALL
         SELECT {PERSON_COLUMNS} FROM people WHERE id =
             (SELECT person_id FROM person_addresses WHERE address = ?1 AND verified)
         LIMIT 1"
    );
    let p = conn
        .prepare_cached(&sql)
        .db()?
        .query_row([email.as_str()], rows::person)
        .optional()
        .db()?;
    found(p, || format!("person {email}"))
}

pub(crate) fn password_hash(conn: &Connection, id: PersonId) -> StoreResult<Option<String>> {
    let hash = conn
        .prepare_cached("SELECT password_hash FROM people WHERE id = ?1")
        .db()?
        .query_row([id.to_string()], |r| r.get::<_, Option<String>>(0))
        .optional()
        .db()?;
    found(hash, || format!("person {id}"))
}

pub(crate) fn open_load(conn: &Connection, id: PersonId) -> StoreResult<u32> {
    let load = conn
        .prepare_cached("SELECT open_cases FROM people WHERE id = ?1")
        .db()?
        .query_row([id.to_string()], |r| r.get::<_, u32>(0))
        .optional()
        .db()?;
    found(load, || format!("person {id}"))
}

pub(crate) fn count_open_cases(conn: &Connection, customer: PersonId) -> StoreResult<u32> {
    let count = conn
        .prepare_cached(
            "SELECT count(*) FROM cases WHERE customer_id = ?1
             AND status IN ('new', 'open', 'waiting_on_customer')",
        )
        .db()?
        .query_row([customer.to_string()], |r| r.get::<_, u32>(0))
        .db()?;
    Ok(count)
}

/// `%text%` for LIKE, with the wildcard characters in `text` taken literally.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

pub(crate) fn list_people(
    conn: &Connection,
    filter: &PeopleFilter,
    page: &PageRequest<PersonId>,
) -> StoreResult<Page<Person>> {
    let mut q = Query::new(format!("SELECT {PERSON_COLUMNS} FROM people WHERE 1 = 1"));
    if let Some(role) = filter.role {
        q.and(" AND role = ?#", role.as_str().to_owned().into());
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        q.and(
            " AND (name LIKE ?# ESCAPE '\\' OR email LIKE ?# ESCAPE '\\')",
            like_pattern(text.trim()).into(),
        );
    }
    if let Some(after) = page.after {
        q.and(" AND id > ?#", after.to_string().into());
    }
    let limit = page.clamped_limit();
    q.sql += &format!(" ORDER BY id LIMIT {}", limit + 1);
    paged(conn, q, limit, rows::person)
}

/// Runs `q`, which asks for one row more than `limit`: that row only says another page
/// follows.
fn paged<T>(
    conn: &Connection,
    q: Query,
    limit: u32,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Page<T>> {
    let mut stmt = conn.prepare_cached(&q.sql).db()?;
    let mut items = stmt
        .query_map(params_from_iter(q.args), map)
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()?;
    let has_more = items.len() > limit as usize;
    items.truncate(limit as usize);
    Ok(Page { items, has_more })
}

pub(crate) fn team(conn: &Connection, id: TeamId) -> StoreResult<Team> {
    let t = conn
        .prepare_cached("SELECT id, name, created_at, retired_at FROM teams WHERE id = ?1")
        .db()?
        .query_row([id.to_string()], rows::team)
        .optional()
        .db()?;
    found(t, || format!("team {id}"))
}

pub(crate) fn teams(conn: &Connection) -> StoreResult<Vec<Team>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, name, created_at, retired_at FROM teams ORDER BY name, id")
        .db()?;
    let teams = stmt
        .query_map([], rows::team)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(teams)
}

pub(crate) fn memberships(
    conn: &Connection,
    team: Option<TeamId>,
    person: Option<PersonId>,
) -> StoreResult<Vec<Membership>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT person_id, team_id, valid_from, valid_to FROM memberships
             WHERE (?1 IS NULL OR team_id = ?1) AND (?2 IS NULL OR person_id = ?2)
             ORDER BY person_id, team_id, valid_from",
        )
        .db()?;
    let found = stmt
        .query_map(
            params![team.map(|t| t.to_string()), person.map(|p| p.to_string())],
            rows::membership,
        )
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

pub(crate) fn supports(conn: &Connection, team: Option<TeamId>) -> StoreResult<Vec<SupportLink>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT support_id, team_id, valid_from, valid_to FROM supports
             WHERE (?1 IS NULL OR team_id = ?1) ORDER BY support_id, team_id, valid_from",
        )
        .db()?;
    let found = stmt
        .query_map(params![team.map(|t| t.to_string())], rows::support)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

fn with_teams(conn: &Connection, mut outcome: Outcome) -> StoreResult<Outcome> {
    let mut stmt = conn
        .prepare_cached("SELECT team_id FROM outcome_teams WHERE outcome_id = ?1 ORDER BY rank")
        .db()?;
    outcome.team_ids = stmt
        .query_map([outcome.id.to_string()], |r| rows::parsed(r, "team_id"))
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(outcome)
}

pub(crate) fn outcome(conn: &Connection, id: OutcomeId) -> StoreResult<Outcome> {
    let sql = format!("SELECT {OUTCOME_COLUMNS} FROM outcomes WHERE id = ?1");
    let o = conn
        .prepare_cached(&sql)
        .db()?
        .query_row([id.to_string()], rows::outcome)
        .optional()
        .db()?;
    with_teams(conn, found(o, || format!("outcome {id}"))?)
}

pub(crate) fn outcome_by_key(conn: &Connection, key: &OutcomeKey) -> StoreResult<Outcome> {
    let sql = format!("SELECT {OUTCOME_COLUMNS} FROM outcomes WHERE key = ?1");
    let o = conn
        .prepare_cached(&sql)
        .db()?
        .query_row([key.as_str()], rows::outcome)
        .optional()
        .db()?;
    with_teams(conn, found(o, || format!("outcome {key}"))?)
}

pub(crate) fn outcomes(conn: &Connection) -> StoreResult<Vec<Outcome>> {
    let sql = format!("SELECT {OUTCOME_COLUMNS} FROM outcomes ORDER BY name, id");
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let list: Vec<Outcome> = stmt
        .query_map([], rows::outcome)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    list.into_iter().map(|o| with_teams(conn, o)).collect()
}

pub(crate) fn case(conn: &Connection, id: CaseId) -> StoreResult<Case> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases c WHERE c.id = ?1");
    let c = conn
        .prepare_cached(&sql)
        .db()?
        .query_row([id.to_string()], rows::case)
        .optional()
        .db()?;
    found(c, || format!("case {id}"))
}

pub(crate) fn case_by_number(conn: &Connection, number: CaseNumber) -> StoreResult<Case> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases c WHERE c.number = ?1");
    let c = conn
        .prepare_cached(&sql)
        .db()?
        .query_row([number.0], rows::case)
        .optional()
        .db()?;
    found(c, || case_label(number))
}

/// `SELECT {select} FROM …` narrowed to `filter`. With words to find, the case text index
/// drives the read (`case_text`, rowid = case number), so a page of a common word's matches
/// walks its posting list newest first and stops; `order` is the column to page by.
fn case_query(select: &str, filter: &CaseFilter) -> (Query, &'static str) {
    let text = filter.text.as_ref().filter(|t| !t.is_empty());
    let (mut q, order) = match text {
        Some(text) => {
            let columns: Option<&[&str]> = if filter.text_internal {
                None
            } else {
                Some(&["head", "public"])
            };
            // CROSS JOIN: the index drives, always. Left to itself SQLite started a filtered
            // or a customer's search from `cases_by_status` / `cases_by_customer` and ran a
            // fresh FTS5 query per case (seconds at 100,000 cases; BENCHMARKS.md, search).
            let mut q = Query::new(format!(
                "SELECT {select} FROM case_text CROSS JOIN cases c \
                 ON c.number = case_text.rowid WHERE 1 = 1"
            ));
            let mut expr = text.fts5(columns);
            if let Some(customer) = filter.customer_id {
                // One customer's cases: their token in the head intersects in the index,
                // instead of checking every match's customer (all of a common word's).
                expr = format!("({expr}) AND head : \"cust{}\"", customer.0.simple());
            }
            q.and(" AND case_text MATCH ?#", expr.into());
            (q, "case_text.rowid")
        }
        None => (
            Query::new(format!("SELECT {select} FROM cases c WHERE 1 = 1")),
            "c.number",
        ),
    };
    if !filter.statuses.is_empty() {
        let list = filter
            .statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        q.sql += &format!(" AND c.status IN ({list})");
    }
    if !filter.priorities.is_empty() {
        let list = filter
            .priorities
            .iter()
            .map(|p| format!("'{}'", p.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        q.sql += &format!(" AND c.priority IN ({list})");
    }
    for tag in &filter.tags {
        // Stored tags are joined by single spaces and cannot contain one.
        q.and(
            " AND instr(' ' || c.tags || ' ', ' ' || ?# || ' ') > 0",
            tag.as_str().to_owned().into(),
        );
    }
    if filter.has_attachment {
        let public = if filter.text_internal {
            ""
        } else {
            " AND EXISTS (SELECT 1 FROM messages m WHERE m.id = a.message_id \
               AND m.visibility = 'public')"
        };
        q.sql += &format!(
            " AND EXISTS (SELECT 1 FROM attachments a WHERE a.case_id = c.id \
               AND a.deleted_at IS NULL{public})"
        );
    }
    if let Some(id) = filter.outcome_id {
        q.and(" AND c.outcome_id = ?#", id.to_string().into());
    }
    if let Some(id) = filter.team_id {
        q.and(" AND c.team_id = ?#", id.to_string().into());
    }
    if let Some(id) = filter.owner_id {
        q.and(" AND c.owner_id = ?#", id.to_string().into());
    }
    if filter.unassigned {
        q.sql += " AND c.owner_id IS NULL";
    }
    if let Some(id) = filter.customer_id {
        q.and(" AND c.customer_id = ?#", id.to_string().into());
    }
    if let Some(at) = filter.created_from {
        q.and(" AND c.created_at >= ?#", rows::ms(at).into());
    }
    if let Some(at) = filter.created_before {
        q.and(" AND c.created_at < ?#", rows::ms(at).into());
    }
    if let Some(at) = filter.resolved_from {
        q.and(" AND c.resolved_at >= ?#", rows::ms(at).into());
    }
    if let Some(at) = filter.resolved_before {
        q.and(" AND c.resolved_at < ?#", rows::ms(at).into());
    }
    match filter.resolved {
        Some(true) => q.sql += " AND c.resolved_at IS NOT NULL",
        Some(false) => q.sql += " AND c.resolved_at IS NULL",
        None => {}
    }
    if let Some(achieved) = filter.achieved {
        q.and(
            " AND c.outcome_achieved = ?#",
            achieved.as_str().to_owned().into(),
        );
    }
    if let Some(over) = filter.over_target {
        // The same comparison as `frontline_core::scoreboard::over_target`, in milliseconds.
        let op = if over { ">" } else { "<=" };
        q.sql += &format!(
            " AND c.resolved_at IS NOT NULL AND c.resolved_at - c.created_at {op} \
             (SELECT o.target_minutes * 60000 FROM outcomes o WHERE o.id = c.outcome_id)"
        );
    }
    if let Some(kind) = filter.feeling {
        q.and(
            " AND EXISTS (SELECT 1 FROM feelings f WHERE f.case_id = c.id AND f.kind = ?#)",
            kind.as_str().to_owned().into(),
        );
    }
    (q, order)
}

pub(crate) fn list_cases(
    conn: &Connection,
    filter: &CaseFilter,
    page: &PageRequest<CaseNumber>,
) -> StoreResult<Page<Case>> {
    let (mut q, order) = case_query(CASE_COLUMNS, filter);
    let limit = page.clamped_limit();
    q.highest_first(order, page.after.map(|n| n.0), limit + 1);
    bounded(conn, filter, || paged(conn, q, limit, rows::case))
}

/// Run `read` for `filter`; when it searches words, stop it after
/// `frontline_store::SEARCH_TIME_LIMIT` and say so as a fault of the query.
fn bounded<T>(
    conn: &Connection,
    filter: &CaseFilter,
    read: impl FnOnce() -> StoreResult<T>,
) -> StoreResult<T> {
    if filter.text.is_none() {
        return read();
    }
    let stopped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stopped.clone();
    let deadline = std::time::Instant::now() + frontline_store::SEARCH_TIME_LIMIT;
    // Called every 10,000 virtual machine steps: a few hundred microseconds.
    conn.progress_handler(
        10_000,
        Some(move || {
            let late = std::time::Instant::now() >= deadline;
            if late {
                flag.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            late
        }),
    )
    .db()?;
    let result = read();
    conn.progress_handler(0, None::<fn() -> bool>).db()?;
    match result {
        Err(_) if stopped.load(std::sync::atomic::Ordering::Relaxed) => {
            Err(frontline_store::search_too_long())
        }
        other => other,
    }
}

/// Best match first among the newest `RANK_WINDOW` matches: bm25 with the head (number,
/// subject, tags, customer) weighing four times a message.
pub(crate) fn rank_cases(
    conn: &Connection,
    filter: &CaseFilter,
    offset: u32,
    limit: u32,
) -> StoreResult<Page<Case>> {
    if filter.text.as_ref().is_none_or(|t| t.is_empty()) {
        return list_cases(conn, filter, &PageRequest::first(limit));
    }
    let limit = limit.clamp(1, PageRequest::<CaseNumber>::MAX_LIMIT);
    let select = format!("{CASE_COLUMNS}, bm25(case_text, 4.0, 1.0, 1.0) AS score");
    let (mut q, order) = case_query(&select, filter);
    q.highest_first(order, None, frontline_store::RANK_WINDOW);
    q.sql = format!(
        "SELECT * FROM ({}) ORDER BY score, number DESC LIMIT {} OFFSET {offset}",
        q.sql,
        limit + 1
    );
    bounded(conn, filter, || paged(conn, q, limit, rows::case))
}

pub(crate) fn list_queue(
    conn: &Connection,
    team: TeamId,
    offset: u32,
    limit: u32,
) -> StoreResult<Page<Case>> {
    let limit = limit.clamp(1, PageRequest::<CaseNumber>::MAX_LIMIT);
    let mut q = Query::new(format!(
        "SELECT {CASE_COLUMNS} FROM cases c INDEXED BY cases_queue \
         LEFT JOIN case_due d ON d.case_id = c.id \
         WHERE c.owner_id IS NULL AND c.status IN ({}) AND c.team_id = ?1 \
         ORDER BY d.due_at IS NULL, d.due_at, c.priority_rank DESC, c.created_at, c.id \
         LIMIT {} OFFSET {offset}",
        load_statuses(),
        limit + 1
    ));
    q.args.push(team.to_string().into());
    paged(conn, q, limit, rows::case)
}

pub(crate) fn count_cases(
    conn: &Connection,
    filter: &CaseFilter,
    cap: u64,
) -> StoreResult<frontline_store::CaseCount> {
    let (mut q, _) = case_query("1", filter);
    q.sql = format!(
        "SELECT count(*) FROM ({} LIMIT {})",
        q.sql,
        cap.saturating_add(1)
    );
    let n: i64 = bounded(conn, filter, || {
        conn.prepare_cached(&q.sql)
            .db()?
            .query_row(params_from_iter(q.args), |r| r.get(0))
            .db()
    })?;
    let n = u64::try_from(n).unwrap_or(0);
    Ok(frontline_store::CaseCount {
        count: n.min(cap),
        exact: n <= cap,
    })
}

pub(crate) fn message_texts(
    conn: &Connection,
    ids: &[CaseId],
    include_internal: bool,
) -> StoreResult<Vec<(CaseId, String)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT body FROM messages WHERE case_id = ?1 AND (?2 OR visibility = 'public')
             ORDER BY created_at, id",
        )
        .db()?;
    let mut out = Vec::new();
    for id in ids {
        let bodies = stmt
            .query_map(params![id.to_string(), include_internal], |r| {
                r.get::<_, String>(0)
            })
            .db()?;
        for body in bodies {
            out.push((*id, body.db()?));
        }
    }
    Ok(out)
}

pub(crate) fn messages(
    conn: &Connection,
    case_id: CaseId,
    include_internal: bool,
) -> StoreResult<Vec<Message>> {
    // Confirm the case exists, so an unknown case is NotFound rather than an empty list.
    case(conn, case_id)?;
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE case_id = ?1 AND (?2 OR visibility = 'public')
         ORDER BY created_at, id"
    );
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let list = stmt
        .query_map(
            params![case_id.to_string(), include_internal],
            rows::message,
        )
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(list)
}

pub(crate) fn message(conn: &Connection, id: frontline_core::MessageId) -> StoreResult<Message> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1");
    let m = conn
        .prepare_cached(&sql)
        .db()?
        .query_row([id.to_string()], rows::message)
        .optional()
        .db()?;
    found(m, || format!("message {id}"))
}

pub(crate) fn events_after(
    conn: &Connection,
    after: i64,
    limit: u32,
    filter: &EventFilter,
) -> StoreResult<Vec<Event>> {
    let mut q = Query::new(format!("SELECT {EVENT_COLUMNS} FROM events WHERE"));
    q.and(" seq > ?#", after.into());
    if let Some(customer) = filter.visible_to_customer {
        q.and(" AND customer_id = ?#", customer.to_string().into());
    }
    if let Some(case_id) = filter.case_id {
        q.and(" AND case_id = ?#", case_id.to_string().into());
    }
    if !filter.kinds.is_empty() {
        let list = filter
            .kinds
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        q.sql += &format!(" AND kind IN ({list})");
    }
    q.sql += &format!(" ORDER BY seq LIMIT {limit}");
    let mut stmt = conn.prepare_cached(&q.sql).db()?;
    let events = stmt
        .query_map(params_from_iter(q.args), rows::event)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(events)
}

/// Events with `first <= seq <= last`, for replaying an idempotent write's answer.
pub(crate) fn events_between(conn: &Connection, first: i64, last: i64) -> StoreResult<Vec<Event>> {
    let sql =
        format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq");
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let events = stmt
        .query_map([first, last], rows::event)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(events)
}

pub(crate) fn last_seq(conn: &Connection) -> StoreResult<i64> {
    conn.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))
        .db()
}

/// Whether a status list contains only statuses that count as open load (used by queues).
pub(crate) fn load_statuses() -> String {
    CaseStatus::ALL
        .iter()
        .filter(|s| s.counts_as_load())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod search_time_tests {
    use frontline_store::{CaseFilter, StoreError};
    use rusqlite::Connection;

    use super::bounded;
    use crate::rows::Db;

    #[test]
    fn a_search_that_reads_too_long_is_stopped_and_blamed_on_the_query() {
        let conn = Connection::open_in_memory().unwrap();
        let filter = CaseFilter {
            text: Some(frontline_core::search::parse("q", "word").unwrap().text),
            ..Default::default()
        };
        let started = std::time::Instant::now();
        // A query that never ends by itself.
        let endless = || {
            conn.query_row(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) \
                 SELECT count(*) FROM n",
                [],
                |r| r.get::<_, i64>(0),
            )
            .db()
        };
        match bounded(&conn, &filter, endless) {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, "q"),
            other => panic!("expected a 422 on q, got {other:?}"),
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // The handler is gone afterwards: ordinary reads on the connection run to the end.
        let n: i64 = conn
            .query_row(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10) \
                 SELECT count(*) FROM n",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 10);
    }
}
