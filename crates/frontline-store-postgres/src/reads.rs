//! Case and message reads: single cases, the filtered and paged case list (newest first, the
//! cursor being the last case number seen), a case's messages, and a person's open load.

use frontline_core::{Case, CaseId, CaseNumber, Message, PersonId, Visibility};
use frontline_store::{CaseFilter, Page, PageRequest, StoreError, StoreResult, case_label};
use sqlx::AssertSqlSafe;

use crate::PgStore;
use crate::error::classify;
use crate::rows::{self, CASE_COLUMNS, MESSAGE_COLUMNS, contains_pattern, get_u32, opt_to_db};

impl PgStore {
    pub(crate) async fn get_case_impl(&self, id: CaseId) -> StoreResult<Case> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)?
            .ok_or_else(|| StoreError::not_found("case"))?;
        rows::case(&row)
    }

    pub(crate) async fn get_case_by_number_impl(&self, number: CaseNumber) -> StoreResult<Case> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE number = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(number.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)?
            .ok_or_else(|| StoreError::not_found(case_label(number)))?;
        rows::case(&row)
    }

    /// `text` matches the case number (`FL-1042` or `1042`), or appears in the subject or the
    /// customer's email or name (case-insensitive substring).
    pub(crate) async fn list_cases_impl(
        &self,
        filter: CaseFilter,
        page: PageRequest<CaseNumber>,
    ) -> StoreResult<Page<Case>> {
        let limit = page.clamped_limit();
        let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        let text = filter
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let number = text.and_then(|t| t.parse::<CaseNumber>().ok()).map(|n| n.0);
        let pattern = text.map(contains_pattern);
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases c
             WHERE (cardinality($1::text[]) = 0 OR c.status = ANY($1))
               AND ($2::uuid IS NULL OR c.outcome_id = $2)
               AND ($3::uuid IS NULL OR c.team_id = $3)
               AND ($4::uuid IS NULL OR c.owner_id = $4)
               AND (NOT $5 OR c.owner_id IS NULL)
               AND ($6::uuid IS NULL OR c.customer_id = $6)
               AND ($7::text IS NULL
                    OR c.number = $8
                    OR c.subject ILIKE $7
                    OR EXISTS (SELECT 1 FROM people cu
                               WHERE cu.id = c.customer_id
                                 AND (cu.email ILIKE $7 OR cu.name ILIKE $7)))
               AND ($9::bigint IS NULL OR c.number < $9)
               AND ($11::timestamptz IS NULL OR c.created_at >= $11)
               AND ($12::timestamptz IS NULL OR c.created_at < $12)
               AND ($13::timestamptz IS NULL OR c.resolved_at >= $13)
               AND ($14::timestamptz IS NULL OR c.resolved_at < $14)
               AND ($15::boolean IS NULL OR (c.resolved_at IS NOT NULL) = $15)
               AND ($16::text IS NULL OR c.outcome_achieved = $16)
               AND ($17::boolean IS NULL
                    OR (c.resolved_at IS NOT NULL
                        AND (c.resolved_at - c.created_at
                             > (SELECT o.target_minutes * interval '1 minute'
                                FROM outcomes o WHERE o.id = c.outcome_id)) = $17))
               AND ($18::text IS NULL
                    OR EXISTS (SELECT 1 FROM feelings f WHERE f.case_id = c.id AND f.kind = $18))
             ORDER BY c.number DESC
             LIMIT $10"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(statuses)
            .bind(filter.outcome_id.map(|o| o.0))
            .bind(filter.team_id.map(|t| t.0))
            .bind(filter.owner_id.map(|p| p.0))
            .bind(filter.unassigned)
            .bind(filter.customer_id.map(|p| p.0))
            .bind(pattern)
            .bind(number)
            .bind(page.after.map(|n| n.0))
            .bind(i64::from(limit) + 1)
            .bind(opt_to_db(filter.created_from))
            .bind(opt_to_db(filter.created_before))
            .bind(opt_to_db(filter.resolved_from))
            .bind(opt_to_db(filter.resolved_before))
            .bind(filter.resolved)
            .bind(filter.achieved.map(|a| a.as_str()))
            // The same comparison as `frontline_core::scoreboard::over_target`.
            .bind(filter.over_target)
            .bind(filter.feeling.map(|k| k.as_str()))
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        let mut items = rows
            .iter()
            .map(rows::case)
            .collect::<StoreResult<Vec<_>>>()?;
        let has_more = items.len() > limit as usize;
        items.truncate(limit as usize);
        Ok(Page { items, has_more })
    }

    /// Oldest first (ties by id, so the order is stable). `NotFound` for an unknown case.
    pub(crate) async fn list_messages_impl(
        &self,
        case_id: CaseId,
        include_internal: bool,
    ) -> StoreResult<Vec<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE case_id = $1 AND ($2 OR visibility = $3)
             ORDER BY created_at, id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(case_id.0)
            .bind(include_internal)
            .bind(Visibility::Public.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        if rows.is_empty() {
            // Every case has its first message, so no rows at all means no such case.
            self.get_case_impl(case_id).await?;
        }
        rows.iter().map(rows::message).collect()
    }

    pub(crate) async fn open_load_impl(&self, person_id: PersonId) -> StoreResult<u32> {
        let row = sqlx::query("SELECT open_cases FROM people WHERE id = $1")
            .bind(person_id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)?
            .ok_or_else(|| StoreError::not_found("person"))?;
        get_u32(&row, "open_cases")
    }

    pub(crate) async fn count_open_cases_impl(&self, customer: PersonId) -> StoreResult<u32> {
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM cases WHERE customer_id = $1
             AND status IN ('new', 'open', 'waiting_on_customer')",
        )
        .bind(customer.0)
        .fetch_one(&self.pool)
        .await
        .map_err(classify)?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }
}
