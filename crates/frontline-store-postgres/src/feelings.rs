//! Feelings and the signing keys of rating links. Recording locks the case's row (two ratings
//! of one case serialise there; the partial unique indexes are the backstop), lets the domain
//! (`Feeling::record`) decide, and writes the row and its events in one transaction.

use frontline_core::feeling::{Feeling, FeelingKind, NewFeeling, PRAISE_SCORE, Score, Verbatim};
use frontline_core::time::truncate;
use frontline_core::{CaseId, FeelingId, OutcomeId, PersonId, TeamId, Timestamp};
use frontline_store::{FeelingFilter, StoreError, StoreResult, Written};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder, Row};
use uuid::Uuid;

use crate::PgStore;
use crate::error::classify;
use crate::query::newest_first;
use crate::rows::{get, get_time, parse, to_db};

const COLUMNS: &str = "id, kind, source, person_id, case_id, team_id, outcome_id, owner_id, \
     score, emotion, text, period, created_at";

fn feeling_row(row: &PgRow) -> StoreResult<Feeling> {
    let score: i16 = get(row, "score")?;
    let emotion: Option<String> = get(row, "emotion")?;
    let text: Option<String> = get(row, "text")?;
    Ok(Feeling {
        id: FeelingId(get(row, "id")?),
        kind: parse(row, "kind", str::parse)?,
        source: parse(row, "source", str::parse)?,
        person_id: PersonId(get(row, "person_id")?),
        case_id: get::<Option<Uuid>>(row, "case_id")?.map(CaseId),
        team_id: get::<Option<Uuid>>(row, "team_id")?.map(TeamId),
        outcome_id: get::<Option<Uuid>>(row, "outcome_id")?.map(OutcomeId),
        owner_id: get::<Option<Uuid>>(row, "owner_id")?.map(PersonId),
        score: Score::new(i64::from(score)).map_err(|e| crate::error::corrupt("score", e))?,
        emotion: emotion
            .map(|e| e.parse())
            .transpose()
            .map_err(|e| crate::error::corrupt("emotion", e))?,
        text: text
            .map(|t| Verbatim::parse(&t))
            .transpose()
            .map_err(|e| crate::error::corrupt("text", e))?,
        period: get(row, "period")?,
        created_at: get_time(row, "created_at")?,
    })
}

pub(crate) async fn insert(conn: &mut PgConnection, f: &Feeling) -> StoreResult<()> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO feelings ({COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )))
    .bind(f.id.0)
    .bind(f.kind.as_str())
    .bind(f.source.as_str())
    .bind(f.person_id.0)
    .bind(f.case_id.map(|c| c.0))
    .bind(f.team_id.map(|t| t.0))
    .bind(f.outcome_id.map(|o| o.0))
    .bind(f.owner_id.map(|p| p.0))
    .bind(i16::from(f.score.get()))
    .bind(f.emotion.map(|e| e.as_str()))
    .bind(f.text.as_ref().map(Verbatim::as_str))
    .bind(f.period.as_deref())
    .bind(to_db(f.created_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

pub(crate) async fn all(conn: &mut PgConnection) -> StoreResult<Vec<Feeling>> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM feelings ORDER BY created_at, id"
    )))
    .fetch_all(conn)
    .await
    .map_err(classify)?
    .iter()
    .map(feeling_row)
    .collect()
}

impl PgStore {
    pub(crate) async fn record_feeling_impl(
        &self,
        new: NewFeeling,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<Feeling>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let by = crate::asks::person(&mut tx, new.person_id).await?;
        let case = match new.case_id {
            Some(id) => Some(crate::cases::lock_case(&mut tx, id).await?),
            None => None,
        };
        let (feeling, events) = Feeling::record(
            new,
            &by,
            case.as_ref(),
            at.map_or_else(|| self.clock.now(), truncate),
        )?;
        match feeling.kind {
            FeelingKind::Customer => {
                let rated: bool = sqlx::query(
                    "SELECT EXISTS (SELECT 1 FROM feelings WHERE kind = 'customer' AND case_id = $1)",
                )
                .bind(feeling.case_id.map(|c| c.0))
                .fetch_one(&mut *tx)
                .await
                .map_err(classify)?
                .try_get(0)
                .map_err(classify)?;
                if rated {
                    return Err(StoreError::conflict(frontline_store::already_rated(
                        case.as_ref().map(|c| c.number),
                    )));
                }
            }
            FeelingKind::Observed | FeelingKind::Own => {
                sqlx::query(
                    "DELETE FROM feelings WHERE kind = $1 AND case_id = $2 AND person_id = $3",
                )
                .bind(feeling.kind.as_str())
                .bind(feeling.case_id.map(|c| c.0))
                .bind(feeling.person_id.0)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
            }
            FeelingKind::Pulse => {
                sqlx::query(
                    "DELETE FROM feelings WHERE kind = 'pulse' AND person_id = $1 AND period = $2",
                )
                .bind(feeling.person_id.0)
                .bind(feeling.period.as_deref())
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
            }
        }
        insert(&mut tx, &feeling).await?;
        let events = self.finish(tx, events).await?;
        Ok(Written {
            value: feeling,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn list_feelings_impl(
        &self,
        filter: FeelingFilter,
        limit: u32,
    ) -> StoreResult<Vec<Feeling>> {
        let mut query: QueryBuilder<Postgres> =
            QueryBuilder::new(format!("SELECT {COLUMNS} FROM feelings WHERE true"));
        if !filter.kinds.is_empty() {
            // A closed set of fixed words: safe as literals, and the planner sees them.
            let list: Vec<String> = filter
                .kinds
                .iter()
                .map(|k| format!("'{}'", k.as_str()))
                .collect();
            query.push(format_args!(" AND kind IN ({})", list.join(", ")));
        }
        if let Some(id) = filter.person_id {
            query.push(" AND person_id = ").push_bind(id.0);
        }
        if let Some(id) = filter.case_id {
            query.push(" AND case_id = ").push_bind(id.0);
        }
        if let Some(id) = filter.team_id {
            query.push(" AND team_id = ").push_bind(id.0);
        }
        if let Some(id) = filter.owner_id {
            query.push(" AND owner_id = ").push_bind(id.0);
        }
        if filter.praise {
            query.push(format_args!(
                " AND score >= {PRAISE_SCORE} AND text IS NOT NULL"
            ));
        }
        if let Some(since) = filter.since {
            query.push(" AND created_at >= ").push_bind(to_db(since));
        }
        if let Some(until) = filter.until {
            query.push(" AND created_at < ").push_bind(to_db(until));
        }
        newest_first(
            &mut query,
            "created_at",
            filter.before.map(|(at, id)| (to_db(at), id.0)),
            limit,
        );
        query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?
            .iter()
            .map(feeling_row)
            .collect()
    }

    pub(crate) async fn signing_key_impl(
        &self,
        name: &str,
        candidate: Vec<u8>,
    ) -> StoreResult<Vec<u8>> {
        // Insert if absent, then read: whoever inserted first, every caller gets the same key.
        sqlx::query(
            "INSERT INTO signing_keys (name, key, created_at) VALUES ($1, $2, now())
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(&candidate)
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        sqlx::query("SELECT key FROM signing_keys WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(classify)?
            .try_get(0)
            .map_err(classify)
    }
}
