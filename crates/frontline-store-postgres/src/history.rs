//! The organisation's history: role and title periods, retiring teams, and reading every
//! dated row of the org in one go (`Store::org_history`). The computation over those rows
//! lives in `frontline_core::org::history`.

use frontline_core::org::history::{OrgHistory, PersonName};
use frontline_core::time::truncate;
use frontline_core::{
    Membership, Name, NewEvent, Person, PersonId, RolePeriod, SupportLink, Team, TeamId, Timestamp,
    ValueError,
};
use frontline_store::history::{refuse_retired, retirement_events, role_changed_event};
use frontline_store::{StoreError, StoreResult, Written};
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnection, PgRow};

use crate::PgStore;
use crate::error::classify;
use crate::queue::load_statuses;
use crate::rows::{self, get, get_opt_time, get_time, opt_to_db, parse, to_db};

pub(crate) const TEAM_COLUMNS: &str = "id, name, created_at, retired_at";
const PERIOD_COLUMNS: &str = "person_id, role, title, valid_from, valid_to";

fn period_row(row: &PgRow) -> StoreResult<RolePeriod> {
    Ok(RolePeriod {
        person_id: PersonId(get(row, "person_id")?),
        role: parse(row, "role", str::parse)?,
        title: get(row, "title")?,
        from: get_time(row, "valid_from")?,
        to: get_opt_time(row, "valid_to")?,
    })
}

/// Oldest first per person; a zero-length period (two changes in one millisecond) before the
/// one that follows it. Sorted here, not by PostgreSQL, so both backends agree byte for byte.
pub(crate) fn sort_periods(periods: &mut [RolePeriod]) {
    periods.sort_by_key(|p| (p.person_id, p.from, p.to.is_none(), p.to));
}

pub(crate) async fn insert_role_period(
    conn: &mut PgConnection,
    period: &RolePeriod,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO role_periods (person_id, role, title, valid_from, valid_to)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(period.person_id.0)
    .bind(period.role.as_str())
    .bind(period.title.as_deref())
    .bind(to_db(period.from))
    .bind(opt_to_db(period.to))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

/// The first period of a person just created.
pub(crate) async fn open_role_period(
    conn: &mut PgConnection,
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
    .await
}

/// If the role or title changed, end the current period at `at`, open the next and return
/// the `person.role_changed` event to append.
pub(crate) async fn change_role(
    conn: &mut PgConnection,
    actor: Option<PersonId>,
    before: &Person,
    after: &Person,
    at: Timestamp,
) -> StoreResult<Option<NewEvent>> {
    if (before.role, &before.title) == (after.role, &after.title) {
        return Ok(None);
    }
    sqlx::query("UPDATE role_periods SET valid_to = $2 WHERE person_id = $1 AND valid_to IS NULL")
        .bind(after.id.0)
        .bind(to_db(at))
        .execute(&mut *conn)
        .await
        .map_err(classify)?;
    open_role_period(conn, after, at).await?;
    Ok(Some(role_changed_event(actor, before, after, at)))
}

/// Give everyone without a period one from their creation (imports of older exports).
pub(crate) async fn backfill_role_periods(conn: &mut PgConnection) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO role_periods (person_id, role, title, valid_from)
         SELECT id, role, title, created_at FROM people p
         WHERE NOT EXISTS (SELECT 1 FROM role_periods r WHERE r.person_id = p.id)",
    )
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

pub(crate) async fn all_role_periods(conn: &mut PgConnection) -> StoreResult<Vec<RolePeriod>> {
    let mut periods = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PERIOD_COLUMNS} FROM role_periods"
    )))
    .fetch_all(conn)
    .await
    .map_err(classify)?
    .iter()
    .map(period_row)
    .collect::<StoreResult<Vec<_>>>()?;
    sort_periods(&mut periods);
    Ok(periods)
}

impl PgStore {
    pub(crate) async fn list_role_periods_impl(
        &self,
        person_id: PersonId,
    ) -> StoreResult<Vec<RolePeriod>> {
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM people WHERE id = $1)")
            .bind(person_id.0)
            .fetch_one(&mut *conn)
            .await
            .map_err(classify)?;
        if !exists {
            return Err(StoreError::not_found(format!("person {person_id}")));
        }
        let mut periods = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PERIOD_COLUMNS} FROM role_periods WHERE person_id = $1"
        )))
        .bind(person_id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(classify)?
        .iter()
        .map(period_row)
        .collect::<StoreResult<Vec<_>>>()?;
        sort_periods(&mut periods);
        Ok(periods)
    }

    /// One repeatable-read transaction, so the rows are one consistent picture.
    pub(crate) async fn org_history_impl(&self) -> StoreResult<OrgHistory> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        let mut teams = sqlx::query(AssertSqlSafe(format!("SELECT {TEAM_COLUMNS} FROM teams")))
            .fetch_all(&mut *tx)
            .await
            .map_err(classify)?
            .iter()
            .map(rows::team)
            .collect::<StoreResult<Vec<Team>>>()?;
        teams.sort_by_key(|t| t.id);
        let mut roles = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PERIOD_COLUMNS} FROM role_periods WHERE role <> 'customer'"
        )))
        .fetch_all(&mut *tx)
        .await
        .map_err(classify)?
        .iter()
        .map(period_row)
        .collect::<StoreResult<Vec<_>>>()?;
        sort_periods(&mut roles);
        let mut people = sqlx::query(
            "SELECT id, name FROM people
             WHERE id IN (SELECT person_id FROM role_periods WHERE role <> 'customer')",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(classify)?
        .iter()
        .map(|row| {
            Ok(PersonName {
                id: PersonId(get(row, "id")?),
                name: parse(row, "name", Name::parse)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        people.sort_by_key(|p| p.id);
        let mut memberships = Vec::new();
        for row in sqlx::query("SELECT person_id, team_id, valid_from, valid_to FROM memberships")
            .fetch_all(&mut *tx)
            .await
            .map_err(classify)?
        {
            memberships.push(Membership {
                person_id: PersonId(get(&row, "person_id")?),
                team_id: TeamId(get(&row, "team_id")?),
                from: get_time(&row, "valid_from")?,
                to: get_opt_time(&row, "valid_to")?,
            });
        }
        memberships.sort_by_key(|m| (m.person_id, m.team_id, m.from, m.to));
        let mut supports = Vec::new();
        for row in sqlx::query("SELECT support_id, team_id, valid_from, valid_to FROM supports")
            .fetch_all(&mut *tx)
            .await
            .map_err(classify)?
        {
            supports.push(SupportLink {
                support_id: PersonId(get(&row, "support_id")?),
                team_id: TeamId(get(&row, "team_id")?),
                from: get_time(&row, "valid_from")?,
                to: get_opt_time(&row, "valid_to")?,
            });
        }
        supports.sort_by_key(|s| (s.support_id, s.team_id, s.from, s.to));
        tx.commit().await.map_err(classify)?;
        Ok(OrgHistory {
            people,
            teams,
            memberships,
            supports,
            roles,
        })
    }

    pub(crate) async fn retire_team_impl(
        &self,
        actor: Option<PersonId>,
        team_id: TeamId,
        at: Timestamp,
    ) -> StoreResult<Written<Team>> {
        let at = truncate(at);
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // Lock the team: a concurrent retirement or new member waits for this one.
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {TEAM_COLUMNS} FROM teams WHERE id = $1 FOR UPDATE"
        )))
        .bind(team_id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found(format!("team {team_id}")))?;
        let mut team = rows::team(&row)?;
        refuse_retired(&team)?;
        let owned: Vec<String> = sqlx::query_scalar(
            "SELECT o.key FROM outcome_teams ot JOIN outcomes o ON o.id = ot.outcome_id
             WHERE ot.team_id = $1 ORDER BY o.key COLLATE \"C\"",
        )
        .bind(team_id.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(classify)?;
        if !owned.is_empty() {
            return Err(StoreError::conflict(format!(
                "team {} still owns the outcomes {}; give them to another team before retiring it",
                team.name,
                owned.join(", ")
            )));
        }
        let queued: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM cases WHERE team_id = $1 AND owner_id IS NULL AND status = ANY($2)",
        )
        .bind(team_id.0)
        .bind(load_statuses())
        .fetch_one(&mut *tx)
        .await
        .map_err(classify)?;
        if queued > 0 {
            return Err(StoreError::conflict(format!(
                "team {} has {queued} unassigned open cases in its queue; assign them before retiring it",
                team.name
            )));
        }
        let latest: Option<time::OffsetDateTime> = sqlx::query_scalar(
            "SELECT max(valid_from) FROM (
                 SELECT valid_from FROM memberships WHERE team_id = $1 AND valid_to IS NULL
                 UNION ALL
                 SELECT valid_from FROM supports WHERE team_id = $1 AND valid_to IS NULL) links",
        )
        .bind(team_id.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(classify)?;
        if let Some(latest) = latest.map(rows::from_db).filter(|l| *l > at) {
            return Err(ValueError::new(
                "at",
                format!(
                    "is before a current membership or support link of team {} began ({latest})",
                    team.name
                ),
            )
            .into());
        }
        let mut ended = Vec::new();
        for (table, person) in [("memberships", "person_id"), ("supports", "support_id")] {
            let mut ids: Vec<PersonId> =
                sqlx::query_scalar::<_, uuid::Uuid>(AssertSqlSafe(format!(
                    "UPDATE {table} SET valid_to = $2 WHERE team_id = $1 AND valid_to IS NULL
                     RETURNING {person}"
                )))
                .bind(team_id.0)
                .bind(to_db(at))
                .fetch_all(&mut *tx)
                .await
                .map_err(classify)?
                .into_iter()
                .map(PersonId)
                .collect();
            ids.sort();
            ended.push(ids);
        }
        sqlx::query("UPDATE teams SET retired_at = $2 WHERE id = $1")
            .bind(team_id.0)
            .bind(to_db(at))
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        team.retired_at = Some(at);
        let news = retirement_events(actor, &team, &ended[0], &ended[1], at);
        let events = self.finish(tx, news).await?;
        Ok(Written {
            value: team,
            events,
            replayed: false,
        })
    }
}
