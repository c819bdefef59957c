//! Outcomes: what customers want achieved, each owned by teams in routing preference order
//! (`outcome_teams.rank`).

use std::collections::HashSet;

use frontline_core::event::OutcomeCreated;
use frontline_core::{Name, NewEvent, Outcome, OutcomeId, OutcomeKey, Payload, PersonId, TeamId};
use frontline_store::{NewOutcome, StoreError, StoreResult, Written};
use sqlx::postgres::{PgConnection, PgRow};
use uuid::Uuid;

use crate::PgStore;
use crate::error::classify;
use crate::rows::{get, get_time, get_u32, parse, to_db};

impl PgStore {
    pub(crate) async fn create_outcome_impl(
        &self,
        actor: Option<PersonId>,
        new: NewOutcome,
    ) -> StoreResult<Written<Outcome>> {
        // A team listed twice keeps its first place: its rank is its routing preference.
        let mut team_ids = new.team_ids;
        let mut seen = HashSet::new();
        team_ids.retain(|t| seen.insert(*t));
        let outcome = Outcome {
            id: OutcomeId::new(),
            key: new.key,
            name: new.name,
            success_criteria: new.success_criteria,
            target_minutes: new.target_minutes,
            team_ids,
            created_at: self.clock.now(),
        };
        let mut tx = self.pool.begin().await.map_err(classify)?;
        insert_outcome(&mut tx, &outcome).await?;
        let event = NewEvent::new(
            actor,
            Payload::OutcomeCreated(OutcomeCreated {
                outcome_id: outcome.id,
                key: outcome.key.clone(),
                name: outcome.name.clone(),
                team_ids: outcome.team_ids.clone(),
                target_minutes: outcome.target_minutes,
            }),
        );
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: outcome,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn get_outcome_impl(&self, id: OutcomeId) -> StoreResult<Outcome> {
        select_outcomes(&self.pool, Some(id.0), None)
            .await?
            .pop()
            .ok_or_else(|| StoreError::not_found("outcome"))
    }

    pub(crate) async fn get_outcome_by_key_impl(&self, key: &OutcomeKey) -> StoreResult<Outcome> {
        select_outcomes(&self.pool, None, Some(key.as_str()))
            .await?
            .pop()
            .ok_or_else(|| StoreError::not_found(format!("outcome {key}")))
    }

    /// By name (byte order), then id.
    pub(crate) async fn list_outcomes_impl(&self) -> StoreResult<Vec<Outcome>> {
        select_outcomes(&self.pool, None, None).await
    }
}

/// Outcomes with this id and/or key (`None`: any), with their owning teams, by name and id.
pub(crate) async fn select_outcomes<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    id: Option<Uuid>,
    key: Option<&str>,
) -> StoreResult<Vec<Outcome>> {
    sqlx::query(
        "SELECT o.id, o.key, o.name, o.success_criteria, o.target_minutes, o.created_at,
                COALESCE(array_agg(ot.team_id ORDER BY ot.rank)
                         FILTER (WHERE ot.team_id IS NOT NULL), '{}') AS team_ids
         FROM outcomes o LEFT JOIN outcome_teams ot ON ot.outcome_id = o.id
         WHERE ($1::uuid IS NULL OR o.id = $1) AND ($2::text IS NULL OR o.key = $2)
         GROUP BY o.id
         ORDER BY o.name COLLATE \"C\", o.id",
    )
    .bind(id)
    .bind(key)
    .fetch_all(executor)
    .await
    .map_err(classify)?
    .iter()
    .map(outcome)
    .collect()
}

pub(crate) fn outcome(row: &PgRow) -> StoreResult<Outcome> {
    let team_ids: Vec<Uuid> = get(row, "team_ids")?;
    Ok(Outcome {
        id: OutcomeId(get(row, "id")?),
        key: parse(row, "key", OutcomeKey::parse)?,
        name: parse(row, "name", Name::parse)?,
        success_criteria: get(row, "success_criteria")?,
        target_minutes: get_u32(row, "target_minutes")?,
        team_ids: team_ids.into_iter().map(TeamId).collect(),
        created_at: get_time(row, "created_at")?,
    })
}

/// Insert an outcome and its owning teams (rank = position in `team_ids`).
pub(crate) async fn insert_outcome(conn: &mut PgConnection, outcome: &Outcome) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO outcomes (id, key, name, success_criteria, target_minutes, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(outcome.id.0)
    .bind(outcome.key.as_str())
    .bind(outcome.name.as_str())
    .bind(&outcome.success_criteria)
    .bind(i64::from(outcome.target_minutes))
    .bind(to_db(outcome.created_at))
    .execute(&mut *conn)
    .await
    .map_err(classify)?;
    let teams: Vec<Uuid> = outcome.team_ids.iter().map(|t| t.0).collect();
    sqlx::query(
        "INSERT INTO outcome_teams (outcome_id, team_id, rank)
         SELECT $1, team_id, rank - 1 FROM UNNEST($2::uuid[]) WITH ORDINALITY AS t(team_id, rank)",
    )
    .bind(outcome.id.0)
    .bind(teams)
    .execute(&mut *conn)
    .await
    .map_err(classify)?;
    Ok(())
}
