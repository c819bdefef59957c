//! Open-load bookkeeping, routing's view of people, and the team queues. A case mutation's
//! `Effects` say how each owner's open-case counter changes; this module applies those deltas
//! and then lets every person whose load went down take the next queued case of their teams
//! (most urgent, then oldest), so a freed slot never sits idle while a customer waits.
//!
//! Locking, which keeps concurrent writes free of deadlocks: a write locks at most one case
//! (the one it changes) before any person; people rows are locked in id order; queued cases
//! are taken with `SKIP LOCKED`, so nobody ever waits for a case lock while holding a person;
//! the event counter comes last (see `events`).

use frontline_core::case::{Case, CaseStatus, Effects};
use frontline_core::routing::Candidate;
use frontline_core::{CaseId, NewEvent, PersonId, Role, TeamId, Timestamp};
use frontline_store::{StoreError, StoreResult};
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

use crate::error::classify;
use crate::rows::{self, CASE_COLUMNS, get, get_opt_time, get_u32, parse, to_db};

/// The statuses that count towards an owner's load, as the domain defines them.
pub(crate) fn load_statuses() -> Vec<&'static str> {
    CaseStatus::ALL
        .iter()
        .filter(|s| s.counts_as_load())
        .map(|s| s.as_str())
        .collect()
}

/// Apply open-load deltas. `assigned_at`: when these changes come from giving someone a case
/// (routing or a person assigning), each +1 also records that moment as the person's last
/// assignment, which routing uses to break ties.
pub(crate) async fn apply_load(
    conn: &mut PgConnection,
    load: &[(PersonId, i32)],
    assigned_at: Option<Timestamp>,
) -> StoreResult<()> {
    let mut load = load.to_vec();
    // People rows are always locked in id order (see the module comment).
    load.sort_by_key(|(person, _)| *person);
    for (person, delta) in load {
        let stamp = assigned_at.filter(|_| delta > 0).map(to_db);
        let updated = sqlx::query(
            "UPDATE people SET open_cases = GREATEST(open_cases + $2, 0),
                               last_assigned_at = COALESCE($3, last_assigned_at)
             WHERE id = $1",
        )
        .bind(person.0)
        .bind(i64::from(delta))
        .bind(stamp)
        .execute(&mut *conn)
        .await
        .map_err(classify)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::not_found("person"));
        }
    }
    Ok(())
}

/// Apply a mutation of `case`: its load deltas, then queued cases for everyone whose load went
/// down. Returns the mutation's events followed by those of the refills. A case its owner just
/// handed back is passed over: nobody gets back what they released in the same breath.
pub(crate) async fn apply_effects(
    conn: &mut PgConnection,
    effects: Effects,
    at: Timestamp,
    assigned_at: Option<Timestamp>,
    case: &Case,
) -> StoreResult<Vec<NewEvent>> {
    apply_load(conn, &effects.load, assigned_at).await?;
    let released = case.owner_id.is_none().then_some(case.id);
    let freed: Vec<PersonId> = effects.freed().collect();
    let mut events = effects.events;
    for person in freed {
        events.extend(fill(conn, person, at, released).await?);
    }
    Ok(events)
}

/// Give `person` queued cases of their current teams while they are available staff with room
/// under their capacity. Each choice follows `frontline_core::routing::next_from_queue` (most
/// urgent, then oldest, then id), done in SQL.
pub(crate) async fn fill(
    conn: &mut PgConnection,
    person: PersonId,
    at: Timestamp,
    skip: Option<CaseId>,
) -> StoreResult<Vec<NewEvent>> {
    let mut events = Vec::new();
    let statuses = load_statuses();
    loop {
        let Some(row) = sqlx::query(
            "SELECT role, available, open_cases, capacity FROM people
             WHERE id = $1 FOR NO KEY UPDATE",
        )
        .bind(person.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(classify)?
        else {
            break;
        };
        let role: Role = parse(&row, "role", str::parse)?;
        let available: bool = get(&row, "available")?;
        let has_room = get_u32(&row, "open_cases")? < get_u32(&row, "capacity")?;
        if !(role.is_staff() && available && has_room) {
            break;
        }
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases
             WHERE owner_id IS NULL
               AND status = ANY($2)
               AND team_id IN (SELECT team_id FROM memberships
                               WHERE person_id = $1 AND valid_to IS NULL)
               AND ($3::uuid IS NULL OR id <> $3)
             ORDER BY priority_rank DESC, created_at, id
             LIMIT 1
             FOR NO KEY UPDATE SKIP LOCKED"
        );
        let Some(row) = sqlx::query(AssertSqlSafe(sql))
            .bind(person.0)
            .bind(&statuses)
            .bind(skip.map(|c| c.0))
            .fetch_optional(&mut *conn)
            .await
            .map_err(classify)?
        else {
            break;
        };
        let mut case = rows::case(&row)?;
        let effects = case.assign(Some(person), None, None, at)?;
        write_case(conn, &case).await?;
        apply_load(conn, &effects.load, Some(at)).await?;
        tracing::debug!(case_id = %case.id, person_id = %person, "queued case taken");
        events.extend(effects.events);
    }
    Ok(events)
}

/// The current staff members of `teams`, as routing sees them. Their rows stay locked until
/// commit, so two cases created at once cannot both take someone's last slot.
pub(crate) async fn lock_candidates(
    conn: &mut PgConnection,
    teams: &[TeamId],
) -> StoreResult<Vec<Candidate>> {
    if teams.is_empty() {
        return Ok(Vec::new());
    }
    let team_ids: Vec<Uuid> = teams.iter().map(|t| t.0).collect();
    let rows = sqlx::query(
        "SELECT p.id, m.team_id, p.open_cases, p.capacity, p.available, p.last_assigned_at
         FROM memberships m JOIN people p ON p.id = m.person_id
         WHERE m.team_id = ANY($1) AND m.valid_to IS NULL
           AND p.role IN ('employee', 'support')
         ORDER BY p.id, m.team_id
         FOR NO KEY UPDATE OF p",
    )
    .bind(team_ids)
    .fetch_all(conn)
    .await
    .map_err(classify)?;
    rows.iter()
        .map(|row| {
            Ok(Candidate {
                person_id: PersonId(get(row, "id")?),
                team_id: TeamId(get(row, "team_id")?),
                open_cases: get_u32(row, "open_cases")?,
                capacity: get_u32(row, "capacity")?,
                available: get(row, "available")?,
                last_assigned_at: get_opt_time(row, "last_assigned_at")?,
            })
        })
        .collect()
}

/// Lock people rows in id order, so writers that touch several people cannot deadlock.
pub(crate) async fn lock_people(conn: &mut PgConnection, people: &[PersonId]) -> StoreResult<()> {
    if people.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = people.iter().map(|p| p.0).collect();
    sqlx::query("SELECT id FROM people WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE")
        .bind(ids)
        .fetch_all(conn)
        .await
        .map_err(classify)?;
    Ok(())
}

/// Record `at` as the person's latest assignment (routing breaks ties with it).
pub(crate) async fn touch_assigned(
    conn: &mut PgConnection,
    person: PersonId,
    at: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE people SET last_assigned_at = $2 WHERE id = $1")
        .bind(person.0)
        .bind(to_db(at))
        .execute(conn)
        .await
        .map_err(classify)?;
    Ok(())
}

/// Store a case's mutable fields after a domain mutation.
pub(crate) async fn write_case(conn: &mut PgConnection, case: &Case) -> StoreResult<()> {
    sqlx::query(
        "UPDATE cases SET subject = $2, channel = $3, priority = $4, priority_rank = $5,
                          owner_id = $6, team_id = $7, tags = $8, status = $9,
                          outcome_achieved = $10, updated_at = $11, first_response_at = $12,
                          resolved_at = $13, outcome_id = $14
         WHERE id = $1",
    )
    .bind(case.id.0)
    .bind(case.subject.as_str())
    .bind(case.channel.as_str())
    .bind(case.priority.as_str())
    .bind(rows::priority_rank(case.priority))
    .bind(case.owner_id.map(|p| p.0))
    .bind(case.team_id.map(|t| t.0))
    .bind(case.tags.to_storage())
    .bind(case.status.as_str())
    .bind(case.outcome_achieved.as_str())
    .bind(to_db(case.updated_at))
    .bind(rows::opt_to_db(case.first_response_at))
    .bind(rows::opt_to_db(case.resolved_at))
    .bind(case.outcome_id.0)
    .execute(&mut *conn)
    .await
    .map_err(classify)?;
    Ok(())
}
