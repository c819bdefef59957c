//! Recorded decisions and their reviews. Recording reads the case's customer and appends
//! `decision.recorded` about the case (staff only) in the writer's transaction; the list is
//! newest first by `(decided_at, id)`, which the cursor continues from exactly.

use frontline_core::guideline::Verdict;
use frontline_core::{CaseId, DecisionId, DecisionKindKey, PersonId};
use frontline_store::{
    Decision, DecisionFilter, NewDecision, Review, ReviewOutcome, StoreError, StoreResult, Written,
};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use crate::guidelines::kind_exists;
use crate::query::Query;
use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

pub(crate) const DECISION_COLUMNS: &str = "id, case_id, customer_id, kind, actor_id, facts, \
     verdict, explanation, findings, decided_at, reviewer_id, review_outcome, review_comment, \
     reviewed_at";

pub(crate) fn decision_row(row: &Row<'_>) -> rusqlite::Result<Decision> {
    let reviewer: Option<PersonId> = rows::parsed_opt(row, "reviewer_id")?;
    let review = match reviewer {
        None => None,
        Some(reviewer_id) => Some(Review {
            reviewer_id,
            outcome: rows::value(
                "review_outcome",
                row.get("review_outcome")?,
                ReviewOutcome::parse,
            )?,
            comment: row.get("review_comment")?,
            reviewed_at: rows::ts(row, "reviewed_at")?,
        }),
    };
    Ok(Decision {
        id: rows::parsed(row, "id")?,
        case_id: rows::parsed(row, "case_id")?,
        customer_id: rows::parsed(row, "customer_id")?,
        kind: rows::value("kind", row.get("kind")?, DecisionKindKey::parse)?,
        actor_id: rows::parsed(row, "actor_id")?,
        facts: rows::json(row, "facts")?,
        verdict: rows::value("verdict", row.get("verdict")?, Verdict::parse)?,
        explanation: row.get("explanation")?,
        findings: rows::json(row, "findings")?,
        decided_at: rows::ts(row, "decided_at")?,
        review,
    })
}

pub(crate) fn decision(conn: &Connection, id: DecisionId) -> StoreResult<Decision> {
    conn.prepare_cached(&format!(
        "SELECT {DECISION_COLUMNS} FROM decisions WHERE id = ?1"
    ))
    .db()?
    .query_row([id.to_string()], decision_row)
    .optional()
    .db()?
    .ok_or_else(|| StoreError::not_found(format!("decision {id}")))
}

/// Newest first (`decided_at`, then id, both descending), every filter field narrowing.
/// The verdict and the review state are inlined (closed enums), so the planner can pick the
/// partial index of the review queue.
pub(crate) fn decisions(
    conn: &Connection,
    filter: &DecisionFilter,
    limit: u32,
) -> StoreResult<Vec<Decision>> {
    let mut q = Query::new(format!(
        "SELECT {DECISION_COLUMNS} FROM decisions WHERE 1 = 1"
    ));
    if let Some(id) = filter.case_id {
        q.and(" AND case_id = ?#", id.to_string().into());
    }
    if let Some(kind) = &filter.kind {
        q.and(" AND kind = ?#", kind.as_str().to_owned().into());
    }
    if let Some(id) = filter.actor_id {
        q.and(" AND actor_id = ?#", id.to_string().into());
    }
    if let Some(id) = filter.customer_id {
        q.and(" AND customer_id = ?#", id.to_string().into());
    }
    if let Some(verdict) = filter.verdict {
        q.sql += &format!(" AND verdict = '{}'", verdict.as_str());
    }
    match filter.reviewed {
        Some(true) => q.sql += " AND reviewed_at IS NOT NULL",
        Some(false) => q.sql += " AND reviewed_at IS NULL",
        None => {}
    }
    if let Some(since) = filter.since {
        q.and(" AND decided_at >= ?#", ms(since).into());
    }
    q.newest_first(
        "decided_at",
        filter.before.map(|(at, id)| (ms(at), id.to_string())),
        limit,
    );
    let mut stmt = conn.prepare_cached(&q.sql).db()?;
    let found = stmt
        .query_map(params_from_iter(q.args), decision_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

/// Insert a decision as given, review included (also used by import).
pub(crate) fn insert_decision(conn: &Connection, d: &Decision) -> StoreResult<()> {
    let review = d.review.as_ref();
    conn.prepare_cached(
        "INSERT INTO decisions (id, case_id, customer_id, kind, actor_id, facts, verdict,
             explanation, findings, decided_at, reviewer_id, review_outcome, review_comment,
             reviewed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )
    .db()?
    .execute(params![
        d.id.to_string(),
        d.case_id.to_string(),
        d.customer_id.to_string(),
        d.kind.as_str(),
        d.actor_id.to_string(),
        rows::to_json(&d.facts)?,
        d.verdict.as_str(),
        d.explanation,
        rows::to_json(&d.findings)?,
        ms(d.decided_at),
        review.map(|r| r.reviewer_id.to_string()),
        review.map(|r| r.outcome.as_str()),
        review.and_then(|r| r.comment.as_deref()),
        review.map(|r| ms(r.reviewed_at)),
    ])
    .db()?;
    Ok(())
}

fn customer_of(conn: &Connection, case_id: CaseId) -> StoreResult<PersonId> {
    conn.prepare_cached("SELECT customer_id FROM cases WHERE id = ?1")
        .db()?
        .query_row([case_id.to_string()], |r| rows::parsed(r, "customer_id"))
        .optional()
        .db()?
        .ok_or_else(|| StoreError::not_found(format!("case {case_id}")))
}

pub(crate) fn record(w: &mut WriteTx<'_>, new: NewDecision) -> StoreResult<Written<Decision>> {
    let customer_id = customer_of(w.conn, new.case_id)?;
    kind_exists(w.conn, &new.kind)?;
    let at = w.now();
    let decision = Decision {
        id: DecisionId::new(),
        case_id: new.case_id,
        customer_id,
        kind: new.kind,
        actor_id: new.actor_id,
        facts: new.facts,
        verdict: new.verdict,
        explanation: new.explanation,
        findings: new.findings,
        decided_at: at,
        review: None,
    };
    insert_decision(w.conn, &decision)?;
    let events = w.append(vec![decision.recorded_event()], at)?;
    Ok(Written {
        value: decision,
        events,
        replayed: false,
    })
}

pub(crate) fn review(
    w: &mut WriteTx<'_>,
    id: DecisionId,
    reviewer_id: PersonId,
    outcome: ReviewOutcome,
    comment: Option<String>,
) -> StoreResult<Written<Decision>> {
    let mut decision = decision(w.conn, id)?;
    if decision.verdict != Verdict::Explain {
        return Err(StoreError::conflict(format!(
            "decision {id} was {}; only decisions taken with an explanation are reviewed",
            decision.verdict.as_str()
        )));
    }
    if decision.review.is_some() {
        return Err(StoreError::conflict(format!(
            "decision {id} is already reviewed"
        )));
    }
    let at = w.now();
    let review = Review {
        reviewer_id,
        outcome,
        comment,
        reviewed_at: at,
    };
    w.conn
        .prepare_cached(
            "UPDATE decisions SET reviewer_id = ?2, review_outcome = ?3, review_comment = ?4,
                 reviewed_at = ?5
             WHERE id = ?1 AND reviewed_at IS NULL",
        )
        .db()?
        .execute(params![
            id.to_string(),
            review.reviewer_id.to_string(),
            review.outcome.as_str(),
            review.comment,
            ms(at)
        ])
        .db()?;
    let event = decision.reviewed_event(&review);
    decision.review = Some(review);
    let events = w.append(vec![event], at)?;
    Ok(Written {
        value: decision,
        events,
        replayed: false,
    })
}
