//! Recorded decisions and their reviews: recording (the customer taken from the case),
//! reviewing (only a decision taken with an explanation, only once), and the newest-first list
//! with its `(decided_at, id)` cursor.

use frontline_core::guideline::Verdict;
use frontline_core::{CaseId, DecisionId, DecisionKindKey, PersonId};
use frontline_store::{
    Decision, DecisionFilter, NewDecision, Review, ReviewOutcome, StoreError, StoreResult, Written,
};
use serde_json::{Map, Value};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder};
use uuid::Uuid;

use super::from_jsonb;
use crate::PgStore;
use crate::error::{classify, corrupt};
use crate::query::newest_first;
use crate::rows::{get, get_opt_time, get_time, opt_to_db, parse, to_db};

pub(super) const DECISION_COLUMNS: &str = "id, case_id, customer_id, kind, actor_id, facts, \
     verdict, explanation, findings, decided_at, reviewer_id, review_outcome, review_comment, \
     reviewed_at";

pub(super) fn decision(row: &PgRow) -> StoreResult<Decision> {
    let facts: String = get(row, "facts")?;
    let facts: Map<String, Value> =
        serde_json::from_str(&facts).map_err(|e| corrupt("facts", e))?;
    let reviewer = get::<Option<Uuid>>(row, "reviewer_id")?;
    let review = match reviewer {
        None => None,
        Some(reviewer_id) => Some(Review {
            reviewer_id: PersonId(reviewer_id),
            outcome: parse(row, "review_outcome", ReviewOutcome::parse)?,
            comment: get(row, "review_comment")?,
            reviewed_at: get_opt_time(row, "reviewed_at")?
                .ok_or_else(|| corrupt("reviewed_at", "missing on a reviewed decision"))?,
        }),
    };
    Ok(Decision {
        id: DecisionId(get(row, "id")?),
        case_id: CaseId(get(row, "case_id")?),
        customer_id: PersonId(get(row, "customer_id")?),
        kind: parse(row, "kind", DecisionKindKey::parse)?,
        actor_id: PersonId(get(row, "actor_id")?),
        facts,
        verdict: parse(row, "verdict", Verdict::parse)?,
        explanation: get(row, "explanation")?,
        findings: from_jsonb(row, "findings")?,
        decided_at: get_time(row, "decided_at")?,
        review,
    })
}

/// Write one decision as it is, review included (recording, and import).
pub(crate) async fn insert_decision(
    conn: &mut PgConnection,
    decision: &Decision,
) -> StoreResult<()> {
    let facts = serde_json::to_string(&decision.facts)
        .map_err(|e| StoreError::Other(format!("could not serialise facts: {e}")))?;
    let review = decision.review.as_ref();
    sqlx::query(
        "INSERT INTO decisions (id, case_id, customer_id, kind, actor_id, facts, verdict,
                                explanation, findings, decided_at, reviewer_id, review_outcome,
                                review_comment, reviewed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(decision.id.0)
    .bind(decision.case_id.0)
    .bind(decision.customer_id.0)
    .bind(decision.kind.as_str())
    .bind(decision.actor_id.0)
    .bind(facts)
    .bind(decision.verdict.as_str())
    .bind(decision.explanation.as_deref())
    .bind(Json(&decision.findings))
    .bind(to_db(decision.decided_at))
    .bind(review.map(|r| r.reviewer_id.0))
    .bind(review.map(|r| r.outcome.as_str()))
    .bind(review.and_then(|r| r.comment.as_deref()))
    .bind(opt_to_db(review.map(|r| r.reviewed_at)))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

fn decision_not_found(id: DecisionId) -> StoreError {
    StoreError::not_found(format!("decision {id}"))
}

impl PgStore {
    pub(crate) async fn record_decision_impl(
        &self,
        new: NewDecision,
    ) -> StoreResult<Written<Decision>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let customer_id: Uuid = sqlx::query_scalar("SELECT customer_id FROM cases WHERE id = $1")
            .bind(new.case_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(classify)?
            .ok_or_else(|| StoreError::not_found("case"))?;
        let decision = Decision {
            id: DecisionId::new(),
            case_id: new.case_id,
            customer_id: PersonId(customer_id),
            kind: new.kind,
            actor_id: new.actor_id,
            facts: new.facts,
            verdict: new.verdict,
            explanation: new.explanation,
            findings: new.findings,
            decided_at: self.clock.now(),
            review: None,
        };
        // An unknown kind or actor fails its foreign key: `NotFound`, naming it.
        insert_decision(&mut tx, &decision).await?;
        let events = self.finish(tx, vec![decision.recorded_event()]).await?;
        Ok(Written {
            value: decision,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn review_decision_impl(
        &self,
        id: DecisionId,
        reviewer_id: PersonId,
        outcome: ReviewOutcome,
        comment: Option<String>,
    ) -> StoreResult<Written<Decision>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // FOR UPDATE: of two reviews at once, the second sees the first and is refused.
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {DECISION_COLUMNS} FROM decisions WHERE id = $1 FOR UPDATE"
        )))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?
        .ok_or_else(|| decision_not_found(id))?;
        let mut decision = decision(&row)?;
        if decision.verdict != Verdict::Explain {
            return Err(StoreError::conflict(format!(
                "decision {id} was {}; only decisions taken with an explanation are reviewed",
                decision.verdict.as_str()
            )));
        }
        if decision.review.is_some() {
            return Err(StoreError::conflict(format!(
                "decision {id} has already been reviewed"
            )));
        }
        let review = Review {
            reviewer_id,
            outcome,
            comment,
            reviewed_at: self.clock.now(),
        };
        // An unknown reviewer fails its foreign key: `NotFound` for the person.
        sqlx::query(
            "UPDATE decisions
             SET reviewer_id = $2, review_outcome = $3, review_comment = $4, reviewed_at = $5
             WHERE id = $1",
        )
        .bind(id.0)
        .bind(review.reviewer_id.0)
        .bind(review.outcome.as_str())
        .bind(review.comment.as_deref())
        .bind(to_db(review.reviewed_at))
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        let event = decision.reviewed_event(&review);
        decision.review = Some(review);
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: decision,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn get_decision_impl(&self, id: DecisionId) -> StoreResult<Decision> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {DECISION_COLUMNS} FROM decisions WHERE id = $1"
        )))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?
        .ok_or_else(|| decision_not_found(id))?;
        decision(&row)
    }

    /// Only the conditions the filter sets are written into the query, and the verdict and
    /// review state as literals (both are closed sets), so the planner can match the review
    /// queue's partial index (`verdict = 'explain' AND reviewed_at IS NULL`).
    pub(crate) async fn list_decisions_impl(
        &self,
        filter: DecisionFilter,
        limit: u32,
    ) -> StoreResult<Vec<Decision>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut query: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "SELECT {DECISION_COLUMNS} FROM decisions WHERE true"
        ));
        if let Some(case_id) = filter.case_id {
            query.push(" AND case_id = ").push_bind(case_id.0);
        }
        if let Some(kind) = &filter.kind {
            query
                .push(" AND kind = ")
                .push_bind(kind.as_str().to_owned());
        }
        if let Some(actor_id) = filter.actor_id {
            query.push(" AND actor_id = ").push_bind(actor_id.0);
        }
        if let Some(customer_id) = filter.customer_id {
            query.push(" AND customer_id = ").push_bind(customer_id.0);
        }
        if let Some(verdict) = filter.verdict {
            // `as_str` is one of three fixed words: safe to write as a literal.
            query.push(format_args!(" AND verdict = '{}'", verdict.as_str()));
        }
        match filter.reviewed {
            Some(true) => {
                query.push(" AND reviewed_at IS NOT NULL");
            }
            Some(false) => {
                query.push(" AND reviewed_at IS NULL");
            }
            None => {}
        }
        if let Some(since) = filter.since {
            query.push(" AND decided_at >= ").push_bind(to_db(since));
        }
        newest_first(
            &mut query,
            "decided_at",
            filter.before.map(|(at, id)| (to_db(at), id.0)),
            limit,
        );
        query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?
            .iter()
            .map(decision)
            .collect()
    }
}
