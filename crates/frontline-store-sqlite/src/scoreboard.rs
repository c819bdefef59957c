//! The outcome scoreboard's one read: the cases opened in a period (a range of
//! `cases_by_created`) and the customer and own feelings about them, summed per outcome.

use frontline_core::scoreboard::{FeelingTally, ScoreCase, ScoreboardRows};
use frontline_core::{OutcomeAchieved, Timestamp};
use frontline_store::StoreResult;
use rusqlite::{Connection, params};

use crate::rows::{self, Db, ms};

pub(crate) fn rows(
    conn: &Connection,
    from: Timestamp,
    until: Timestamp,
) -> StoreResult<ScoreboardRows> {
    // One snapshot for both reads, so the feelings are about exactly the cases read.
    let tx = conn.unchecked_transaction().db()?;
    let cases = tx
        .prepare_cached(
            "SELECT outcome_id, created_at, resolved_at, outcome_achieved FROM cases
             WHERE created_at >= ?1 AND created_at < ?2",
        )
        .db()?
        .query_map(params![ms(from), ms(until)], |row| {
            Ok(ScoreCase {
                outcome_id: rows::parsed(row, "outcome_id")?,
                created_at: rows::ts(row, "created_at")?,
                resolved_at: rows::ts_opt(row, "resolved_at")?,
                achieved: rows::parsed::<OutcomeAchieved>(row, "outcome_achieved")?,
            })
        })
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()?;
    // Grouped by the case's outcome (not the feeling's copy of it), so the figures and the
    // case list's `feeling` filter speak of the same cases.
    let feelings = tx
        .prepare_cached(
            "SELECT c.outcome_id, f.kind, count(*) AS answers, sum(f.score) AS score_sum,
                    count(DISTINCT f.person_id) AS respondents
             FROM cases c JOIN feelings f ON f.case_id = c.id
             WHERE c.created_at >= ?1 AND c.created_at < ?2 AND f.kind IN ('customer', 'own')
             GROUP BY c.outcome_id, f.kind",
        )
        .db()?
        .query_map(params![ms(from), ms(until)], |row| {
            Ok(FeelingTally {
                outcome_id: rows::parsed(row, "outcome_id")?,
                kind: rows::parsed(row, "kind")?,
                answers: row.get("answers")?,
                score_sum: u64::try_from(row.get::<_, i64>("score_sum")?).unwrap_or(0),
                respondents: row.get("respondents")?,
            })
        })
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()?;
    tx.commit().db()?;
    Ok(ScoreboardRows { cases, feelings })
}
