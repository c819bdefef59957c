//! Team calendars and outcome targets.

use frontline_core::calendar::CalendarSpec;
use frontline_core::event::{CalendarSet, OutcomeTargetsSet};
use frontline_core::targets::Target;
use frontline_core::{NewEvent, OutcomeId, Payload, PersonId, TeamId, Timestamp};
use frontline_store::{OutcomeTargets, StoreResult, TeamCalendar, Written};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::types::Json;
use uuid::Uuid;

use crate::PgStore;
use crate::error::classify;
use crate::rows::{get, get_time, to_db};

impl PgStore {
    pub(crate) async fn set_team_calendar_impl(
        &self,
        actor: Option<PersonId>,
        team_id: TeamId,
        valid_from: Timestamp,
        calendar: CalendarSpec,
    ) -> StoreResult<Written<TeamCalendar>> {
        let value = TeamCalendar {
            team_id,
            valid_from,
            calendar,
            set_at: self.clock.now(),
            set_by: actor,
        };
        let mut tx = self.pool.begin().await.map_err(classify)?;
        put_calendar(&mut tx, &value).await?;
        let payload = Payload::CalendarSet(CalendarSet {
            team_id,
            valid_from,
            calendar: value.calendar.clone(),
        });
        let events = self.finish(tx, vec![NewEvent::new(actor, payload)]).await?;
        Ok(Written {
            value,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn list_team_calendars_impl(
        &self,
        team_id: Option<TeamId>,
    ) -> StoreResult<Vec<TeamCalendar>> {
        team_calendars(&self.pool, team_id).await
    }

    pub(crate) async fn set_outcome_targets_impl(
        &self,
        actor: Option<PersonId>,
        outcome_id: OutcomeId,
        targets: Vec<Target>,
    ) -> StoreResult<Written<OutcomeTargets>> {
        let value = OutcomeTargets {
            outcome_id,
            targets,
            set_at: self.clock.now(),
        };
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // An empty list deletes nothing for an unknown outcome: check it as SQLite does.
        let known: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM outcomes WHERE id = $1)")
                .bind(outcome_id.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(classify)?;
        if !known {
            return Err(frontline_store::StoreError::not_found(format!(
                "outcome {outcome_id}"
            )));
        }
        put_targets(&mut tx, &value).await?;
        let payload = Payload::OutcomeTargetsSet(OutcomeTargetsSet {
            outcome_id,
            targets: value.targets.clone(),
        });
        let events = self.finish(tx, vec![NewEvent::new(actor, payload)]).await?;
        Ok(Written {
            value,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn list_outcome_targets_impl(&self) -> StoreResult<Vec<OutcomeTargets>> {
        outcome_targets(&self.pool).await
    }
}

pub(crate) async fn put_calendar(conn: &mut PgConnection, c: &TeamCalendar) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO team_calendars (team_id, valid_from, spec, set_at, set_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (team_id, valid_from) DO UPDATE
         SET spec = excluded.spec, set_at = excluded.set_at, set_by = excluded.set_by",
    )
    .bind(c.team_id.0)
    .bind(to_db(c.valid_from))
    .bind(Json(&c.calendar))
    .bind(to_db(c.set_at))
    .bind(c.set_by.map(|p| p.0))
    .execute(&mut *conn)
    .await
    .map_err(classify)?;
    Ok(())
}

fn calendar_row(row: &PgRow) -> StoreResult<TeamCalendar> {
    Ok(TeamCalendar {
        team_id: TeamId(get(row, "team_id")?),
        valid_from: get_time(row, "valid_from")?,
        calendar: get::<Json<CalendarSpec>>(row, "spec")?.0,
        set_at: get_time(row, "set_at")?,
        set_by: get::<Option<Uuid>>(row, "set_by")?.map(PersonId),
    })
}

pub(crate) async fn team_calendars<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    team_id: Option<TeamId>,
) -> StoreResult<Vec<TeamCalendar>> {
    sqlx::query(
        "SELECT team_id, valid_from, spec, set_at, set_by FROM team_calendars
         WHERE $1::uuid IS NULL OR team_id = $1 ORDER BY team_id, valid_from",
    )
    .bind(team_id.map(|t| t.0))
    .fetch_all(executor)
    .await
    .map_err(classify)?
    .iter()
    .map(calendar_row)
    .collect()
}

pub(crate) async fn put_targets(conn: &mut PgConnection, t: &OutcomeTargets) -> StoreResult<()> {
    if t.targets.is_empty() {
        sqlx::query("DELETE FROM outcome_targets WHERE outcome_id = $1")
            .bind(t.outcome_id.0)
            .execute(&mut *conn)
            .await
            .map_err(classify)?;
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO outcome_targets (outcome_id, targets, set_at) VALUES ($1, $2, $3)
         ON CONFLICT (outcome_id) DO UPDATE SET targets = excluded.targets, set_at = excluded.set_at",
    )
    .bind(t.outcome_id.0)
    .bind(Json(&t.targets))
    .bind(to_db(t.set_at))
    .execute(&mut *conn)
    .await
    .map_err(classify)?;
    Ok(())
}

pub(crate) async fn outcome_targets<'c>(
    executor: impl sqlx::PgExecutor<'c>,
) -> StoreResult<Vec<OutcomeTargets>> {
    // Text order of the id, as SQLite sorts its TEXT ids, so exports agree.
    sqlx::query("SELECT outcome_id, targets, set_at FROM outcome_targets ORDER BY outcome_id::text")
        .fetch_all(executor)
        .await
        .map_err(classify)?
        .iter()
        .map(|row| {
            Ok(OutcomeTargets {
                outcome_id: OutcomeId(get(row, "outcome_id")?),
                targets: get::<Json<Vec<Target>>>(row, "targets")?.0,
                set_at: get_time(row, "set_at")?,
            })
        })
        .collect()
}

impl PgStore {
    /// The case's row lock orders two nodes recording the same alarm: the second sees the
    /// first one's event and writes nothing.
    pub(crate) async fn record_target_alarm_impl(
        &self,
        case_id: frontline_core::CaseId,
        alarm: frontline_core::targets::Alarm,
        ask: Option<frontline_core::ask::NewAskSpec>,
    ) -> StoreResult<Written<Option<frontline_core::ask::Ask>>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let case = crate::cases::lock_case(&mut tx, case_id).await?;
        let sql = format!(
            "SELECT {} FROM events WHERE case_id = $1 AND kind = $2",
            crate::rows::EVENT_COLUMNS
        );
        let earlier = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(case_id.0)
            .bind(alarm.event_kind().as_str())
            .fetch_all(&mut *tx)
            .await
            .map_err(classify)?;
        for row in &earlier {
            let event = crate::rows::event(row)?;
            if event
                .decoded()
                .is_ok_and(|payload| alarm.recorded_by(&payload))
            {
                return Ok(Written {
                    value: None,
                    events: Vec::new(),
                    replayed: true,
                });
            }
        }
        let mut new = Vec::with_capacity(2);
        let ask = match ask {
            Some(spec) => {
                let (ask, event) = crate::asks::raise_in(&mut tx, spec, self.clock.now()).await?;
                new.push(event);
                Some(ask)
            }
            None => None,
        };
        new.push(alarm.event(&case, ask.as_ref().map(|a| a.id)));
        let events = self.finish(tx, new).await?;
        Ok(Written {
            value: ask,
            events,
            replayed: false,
        })
    }
}

impl PgStore {
    /// One statement each way: the sweep writes a page of cases at a time.
    pub(crate) async fn set_case_due_impl(
        &self,
        dues: Vec<(frontline_core::CaseId, Option<Timestamp>)>,
    ) -> StoreResult<()> {
        // The last word on a case counts (one INSERT cannot touch a row twice).
        let dues: std::collections::HashMap<_, _> = dues.into_iter().collect();
        let (set, cleared): (Vec<_>, Vec<_>) = dues.into_iter().partition(|(_, d)| d.is_some());
        let mut tx = self.pool.begin().await.map_err(classify)?;
        if !set.is_empty() {
            let ids: Vec<Uuid> = set.iter().map(|(id, _)| id.0).collect();
            let dues: Vec<_> = set.iter().filter_map(|(_, d)| d.map(to_db)).collect();
            let written = sqlx::query(
                "INSERT INTO case_due (case_id, due_at)
                 SELECT case_id, due_at FROM unnest($1::uuid[], $2::timestamptz[]) AS t (case_id, due_at)
                 WHERE EXISTS (SELECT 1 FROM cases WHERE cases.id = t.case_id)
                 ON CONFLICT (case_id) DO UPDATE SET due_at = excluded.due_at",
            )
            .bind(&ids)
            .bind(&dues)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
            if written.rows_affected() != ids.len() as u64 {
                return Err(frontline_store::StoreError::not_found("case"));
            }
        }
        if !cleared.is_empty() {
            let ids: Vec<Uuid> = cleared.iter().map(|(id, _)| id.0).collect();
            sqlx::query("DELETE FROM case_due WHERE case_id = ANY($1)")
                .bind(&ids)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
        }
        tx.commit().await.map_err(classify)
    }

    pub(crate) async fn case_due_impl(
        &self,
        ids: Vec<frontline_core::CaseId>,
    ) -> StoreResult<Vec<(frontline_core::CaseId, Timestamp)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        let rows = sqlx::query("SELECT case_id, due_at FROM case_due WHERE case_id = ANY($1)")
            .bind(&ids)
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok((
                    frontline_core::CaseId(get(row, "case_id")?),
                    get_time(row, "due_at")?,
                ))
            })
            .collect()
    }
}
