//! The outcome scoreboard's one read: the cases opened in a period (a range of
//! `cases_by_created`) and the customer and own feelings about them, summed per outcome, in
//! one repeatable-read transaction so both parts see the same cases.

use frontline_core::scoreboard::{FeelingTally, ScoreCase, ScoreboardRows};
use frontline_core::{OutcomeId, Timestamp};
use frontline_store::StoreResult;

use crate::PgStore;
use crate::error::classify;
use crate::rows::{get, get_opt_time, get_time, parse, to_db};

impl PgStore {
    pub(crate) async fn scoreboard_rows_impl(
        &self,
        from: Timestamp,
        until: Timestamp,
    ) -> StoreResult<ScoreboardRows> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        let cases = sqlx::query(
            "SELECT outcome_id, created_at, resolved_at, outcome_achieved FROM cases
             WHERE created_at >= $1 AND created_at < $2",
        )
        .bind(to_db(from))
        .bind(to_db(until))
        .fetch_all(&mut *tx)
        .await
        .map_err(classify)?
        .iter()
        .map(|row| {
            Ok(ScoreCase {
                outcome_id: OutcomeId(get(row, "outcome_id")?),
                created_at: get_time(row, "created_at")?,
                resolved_at: get_opt_time(row, "resolved_at")?,
                achieved: parse(row, "outcome_achieved", str::parse)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        // Grouped by the case's outcome (not the feeling's copy of it), so the figures and the
        // case list's `feeling` filter speak of the same cases.
        let feelings = sqlx::query(
            "SELECT c.outcome_id, f.kind, count(*) AS answers, sum(f.score)::bigint AS score_sum,
                    count(DISTINCT f.person_id) AS respondents
             FROM cases c JOIN feelings f ON f.case_id = c.id
             WHERE c.created_at >= $1 AND c.created_at < $2 AND f.kind IN ('customer', 'own')
             GROUP BY c.outcome_id, f.kind",
        )
        .bind(to_db(from))
        .bind(to_db(until))
        .fetch_all(&mut *tx)
        .await
        .map_err(classify)?
        .iter()
        .map(|row| {
            let count = |column: &str| -> StoreResult<u32> {
                Ok(u32::try_from(get::<i64>(row, column)?).unwrap_or(u32::MAX))
            };
            Ok(FeelingTally {
                outcome_id: OutcomeId(get(row, "outcome_id")?),
                kind: parse(row, "kind", str::parse)?,
                answers: count("answers")?,
                score_sum: u64::try_from(get::<i64>(row, "score_sum")?).unwrap_or(0),
                respondents: count("respondents")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        tx.commit().await.map_err(classify)?;
        Ok(ScoreboardRows { cases, feelings })
    }
}
