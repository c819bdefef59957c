//! The organisation's history: role and title periods, retiring teams, and reading every
//! dated row of the org in one go (`Store::org_history`). The computation over those rows
//! lives in `frontline_core::org::history`.

use frontline_core::org::history::{OrgHistory, PersonName};
use frontline_core::{
    Name, NewEvent, Person, PersonId, RolePeriod, Team, TeamId, Timestamp, ValueError,
};
pub(crate) use frontline_store::history::refuse_retired;
use frontline_store::{StoreError, StoreResult, Written, history};
use rusqlite::{Connection, OptionalExtension, params};

use crate::reads;
use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

const PERIOD_COLUMNS: &str = "person_id, role, title, valid_from, valid_to";
/// Oldest first; a zero-length period (two changes in one millisecond) before the one after.
const PERIOD_ORDER: &str = "person_id, valid_from, valid_to IS NULL, valid_to";

fn period_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RolePeriod> {
    Ok(RolePeriod {
        person_id: rows::parsed(row, "person_id")?,
        role: rows::parsed(row, "role")?,
        title: row.get("title")?,
        from: rows::ts(row, "valid_from")?,
        to: rows::ts_opt(row, "valid_to")?,
    })
}

fn periods(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Vec<RolePeriod>> {
    let mut stmt = conn.prepare_cached(sql).db()?;
    let found = stmt
        .query_map(args, period_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

/// The first period of a person just created.
pub(crate) fn open_role_period(
    conn: &Connection,
    person: &Person,
    at: Timestamp,
) -> StoreResult<()> {
    insert_role_period(
        conn,
        &RolePeriod {
            person_id: person.id,
            role: person.role,
            title: person.title.clone(),
            from: at,
            to: None,
        },
    )
}

pub(crate) fn insert_role_period(conn: &Connection, period: &RolePeriod) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO role_periods (person_id, role, title, valid_from, valid_to) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .db()?
    .execute(params![
        period.person_id.to_string(),
        period.role.as_str(),
        period.title,
        ms(period.from),
        period.to.map(ms)
    ])
    .db()?;
    Ok(())
}

/// If the role or title changed, end the current period at `at`, open the next and return
/// the `person.role_changed` event to append; otherwise nothing.
pub(crate) fn change_role(
    conn: &Connection,
    actor: Option<PersonId>,
    before: &Person,
    after: &Person,
    at: Timestamp,
) -> StoreResult<Option<NewEvent>> {
    if (before.role, &before.title) == (after.role, &after.title) {
        return Ok(None);
    }
    conn.prepare_cached(
        "UPDATE role_periods SET valid_to = ?2 WHERE person_id = ?1 AND valid_to IS NULL",
    )
    .db()?
    .execute(params![after.id.to_string(), ms(at)])
    .db()?;
    open_role_period(conn, after, at)?;
    Ok(Some(history::role_changed_event(actor, before, after, at)))
}

pub(crate) fn list_role_periods(
    conn: &Connection,
    person_id: PersonId,
) -> StoreResult<Vec<RolePeriod>> {
    reads::person(conn, person_id)?;
    periods(
        conn,
        &format!(
            "SELECT {PERIOD_COLUMNS} FROM role_periods WHERE person_id = ?1 ORDER BY {PERIOD_ORDER}"
        ),
        [person_id.to_string()],
    )
}

pub(crate) fn all_role_periods(conn: &Connection) -> StoreResult<Vec<RolePeriod>> {
    periods(
        conn,
        &format!("SELECT {PERIOD_COLUMNS} FROM role_periods ORDER BY {PERIOD_ORDER}"),
        [],
    )
}

/// Give everyone without a period one from their creation (imports of older exports).
pub(crate) fn backfill_role_periods(conn: &Connection) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO role_periods (person_id, role, title, valid_from)
         SELECT id, role, title, created_at FROM people p
         WHERE NOT EXISTS (SELECT 1 FROM role_periods r WHERE r.person_id = p.id)",
        [],
    )
    .db()?;
    Ok(())
}

pub(crate) fn org_history(conn: &Connection) -> StoreResult<OrgHistory> {
    let mut stmt = conn
        .prepare_cached("SELECT id, name, created_at, retired_at FROM teams ORDER BY id")
        .db()?;
    let teams = stmt
        .query_map([], rows::team)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    let roles = periods(
        conn,
        &format!(
            "SELECT {PERIOD_COLUMNS} FROM role_periods WHERE role <> 'customer' ORDER BY {PERIOD_ORDER}"
        ),
        [],
    )?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, name FROM people
             WHERE id IN (SELECT person_id FROM role_periods WHERE role <> 'customer') ORDER BY id",
        )
        .db()?;
    let people = stmt
        .query_map([], |row| {
            Ok(PersonName {
                id: rows::parsed(row, "id")?,
                name: rows::value("name", row.get("name")?, Name::parse)?,
            })
        })
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(OrgHistory {
        people,
        teams,
        memberships: reads::memberships(conn, None, None)?,
        supports: reads::supports(conn, None)?,
        roles,
    })
}

fn ended(
    conn: &Connection,
    table: &str,
    person: &str,
    team: TeamId,
    at: Timestamp,
) -> StoreResult<Vec<PersonId>> {
    let sql = format!(
        "UPDATE {table} SET valid_to = ?2 WHERE team_id = ?1 AND valid_to IS NULL RETURNING {person}"
    );
    let mut stmt = conn.prepare(&sql).db()?;
    let mut ids: Vec<PersonId> = stmt
        .query_map(params![team.to_string(), ms(at)], |r| {
            rows::parsed(r, person)
        })
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    ids.sort();
    Ok(ids)
}

pub(crate) fn retire_team(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    team_id: TeamId,
    at: Timestamp,
) -> StoreResult<Written<Team>> {
    let at = frontline_core::time::truncate(at);
    let mut team = reads::team(w.conn, team_id)?;
    refuse_retired(&team)?;
    let mut stmt = w
        .conn
        .prepare_cached(
            "SELECT o.key FROM outcome_teams ot JOIN outcomes o ON o.id = ot.outcome_id
             WHERE ot.team_id = ?1 ORDER BY o.key",
        )
        .db()?;
    let owned: Vec<String> = stmt
        .query_map([team_id.to_string()], |r| r.get(0))
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    if !owned.is_empty() {
        return Err(StoreError::conflict(format!(
            "team {} still owns the outcomes {}; give them to another team before retiring it",
            team.name,
            owned.join(", ")
        )));
    }
    let queued: i64 = w
        .conn
        .query_row(
            &format!(
                "SELECT count(*) FROM cases WHERE team_id = ?1 AND owner_id IS NULL AND status IN ({})",
                reads::load_statuses()
            ),
            [team_id.to_string()],
            |r| r.get(0),
        )
        .db()?;
    if queued > 0 {
        return Err(StoreError::conflict(format!(
            "team {} has {queued} unassigned open cases in its queue; assign them before retiring it",
            team.name
        )));
    }
    let latest: Option<i64> = w
        .conn
        .query_row(
            "SELECT max(valid_from) FROM (
                 SELECT valid_from FROM memberships WHERE team_id = ?1 AND valid_to IS NULL
                 UNION ALL
                 SELECT valid_from FROM supports WHERE team_id = ?1 AND valid_to IS NULL)",
            [team_id.to_string()],
            |r| r.get(0),
        )
        .optional()
        .db()?
        .flatten();
    if let Some(latest) = latest.filter(|l| *l > ms(at)) {
        return Err(ValueError::new(
            "at",
            format!(
                "is before a current membership or support link of team {} began ({})",
                team.name,
                frontline_core::time::from_millis(latest)
            ),
        )
        .into());
    }
    let members = ended(w.conn, "memberships", "person_id", team_id, at)?;
    let supporters = ended(w.conn, "supports", "support_id", team_id, at)?;
    w.conn
        .prepare_cached("UPDATE teams SET retired_at = ?2 WHERE id = ?1")
        .db()?
        .execute(params![team_id.to_string(), ms(at)])
        .db()?;
    team.retired_at = Some(at);
    let news = history::retirement_events(actor, &team, &members, &supporters, at);
    let now = w.now();
    let events = w.append(news, now)?;
    Ok(Written {
        value: team,
        events,
        replayed: false,
    })
}
