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
