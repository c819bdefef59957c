//! Case and message reads: single cases, the filtered and paged case list (newest first, the
//! cursor being the last case number seen), a case's messages, and a person's open load.

use frontline_core::{Case, CaseId, CaseNumber, Message, PersonId, Visibility};
use frontline_store::{
    CaseCount, CaseFilter, Page, PageRequest, StoreError, StoreResult, case_label,
};
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::PgStore;
use crate::error::classify;
use crate::rows::{self, CASE_COLUMNS, MESSAGE_COLUMNS, get_u32, to_db};

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

    /// Newest first (by number), narrowed to `filter`; the cursor is the last number seen.
    pub(crate) async fn list_cases_impl(
        &self,
        filter: CaseFilter,
        page: PageRequest<CaseNumber>,
    ) -> StoreResult<Page<Case>> {
        let limit = page.clamped_limit();
        let mut q = case_query(&format!("SELECT {CASE_COLUMNS}"), &filter);
        if let Some(after) = page.after {
            q.push(" AND c.number < ").push_bind(after.0);
        }
        q.push(format_args!(" ORDER BY c.number DESC LIMIT {}", limit + 1));
        let rows = self.fetch_bounded(&filter, q).await?;
        paged(&rows, limit)
    }

    /// Run a case read; when it searches words, inside a transaction whose statements stop
    /// after `frontline_store::SEARCH_TIME_LIMIT` (a fault of the query, to narrow).
    async fn fetch_bounded(
        &self,
        filter: &CaseFilter,
        mut q: QueryBuilder<Postgres>,
    ) -> StoreResult<Vec<sqlx::postgres::PgRow>> {
        if filter.text.is_none() {
            return q.build().fetch_all(&self.pool).await.map_err(classify);
        }
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let ms = frontline_store::SEARCH_TIME_LIMIT.as_millis();
        sqlx::query(AssertSqlSafe(format!("SET LOCAL statement_timeout = {ms}")))
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        let rows = match q.build().fetch_all(&mut *tx).await {
            Ok(rows) => rows,
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("57014") => {
                return Err(frontline_store::search_too_long());
            }
            Err(e) => return Err(classify(e)),
        };
        tx.commit().await.map_err(classify)?;
        Ok(rows)
    }

    /// Best match first among the newest `RANK_WINDOW` matches (`ts_rank` with its default
    /// weights: the head counts most, then public messages, then notes); without words, the newest first.
    pub(crate) async fn rank_cases_impl(
        &self,
        filter: CaseFilter,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Page<Case>> {
        let Some(tsquery) = tsquery(&filter) else {
            return self
                .list_cases_impl(filter, PageRequest::first(limit))
                .await;
        };
        let limit = limit.clamp(1, PageRequest::<CaseNumber>::MAX_LIMIT);
        let select = format!("{CASE_COLUMNS}, ts_rank(t.doc, {tsquery}) AS score");
        let mut q = case_query(&format!("SELECT * FROM (SELECT {select}"), &filter);
        q.push(format_args!(
            " ORDER BY c.number DESC LIMIT {}) ranked \
             ORDER BY score DESC, number DESC LIMIT {} OFFSET {offset}",
            frontline_store::RANK_WINDOW,
            limit + 1
        ));
        let rows = self.fetch_bounded(&filter, q).await?;
        paged(&rows, limit)
    }

    pub(crate) async fn list_queue_impl(
        &self,
        team: frontline_core::TeamId,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Page<Case>> {
        let limit = limit.clamp(1, PageRequest::<CaseNumber>::MAX_LIMIT);
        let sql = format!(
            "SELECT {} FROM cases c LEFT JOIN case_due d ON d.case_id = c.id
             WHERE c.owner_id IS NULL AND c.status = ANY($1) AND c.team_id = $2
             ORDER BY d.due_at ASC NULLS LAST, c.priority_rank DESC, c.created_at, c.id
             LIMIT {} OFFSET {offset}",
            qualified_case_columns(),
            limit + 1
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(crate::queue::load_statuses())
            .bind(team.0)
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        paged(&rows, limit)
    }

    pub(crate) async fn count_cases_impl(
        &self,
        filter: CaseFilter,
        cap: u64,
    ) -> StoreResult<CaseCount> {
        let mut q = case_query("SELECT count(*) AS n FROM (SELECT 1", &filter);
        q.push(format_args!(" LIMIT {}) found", cap.saturating_add(1)));
        let rows = self.fetch_bounded(&filter, q).await?;
        let n: i64 = rows
            .first()
            .map(|r| rows::get(r, "n"))
            .transpose()?
            .unwrap_or(0);
        let n = u64::try_from(n).unwrap_or(0);
        Ok(CaseCount {
            count: n.min(cap),
            exact: n <= cap,
        })
    }

    pub(crate) async fn message_texts_impl(
        &self,
        ids: Vec<CaseId>,
        include_internal: bool,
    ) -> StoreResult<Vec<(CaseId, String)>> {
        let ids: Vec<Uuid> = ids.into_iter().map(|id| id.0).collect();
        let rows = sqlx::query(
            "SELECT case_id, body FROM messages
             WHERE case_id = ANY($1) AND ($2 OR visibility = 'public')
             ORDER BY created_at, id",
        )
        .bind(&ids)
        .bind(include_internal)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|r| Ok((CaseId(rows::get(r, "case_id")?), rows::get(r, "body")?)))
            .collect()
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

/// The text index's weights a search may match: customers' searches never see internal
/// notes (weight C).
fn weights(filter: &CaseFilter) -> &'static str {
    if filter.text_internal { "" } else { "AB" }
}

/// `to_tsquery(…)` for the filter's words, as a literal: the planner then sees the words (and
/// their frequency in the index's statistics) when it picks between the GIN index and walking
/// the newest cases. Built from tokens of letters and digits only; quotes doubled all the same.
fn tsquery(filter: &CaseFilter) -> Option<String> {
    let text = filter.text.as_ref().filter(|t| !t.is_empty())?;
    Some(format!(
        "to_tsquery('simple', '{}')",
        text.tsquery(weights(filter)).replace('\'', "''")
    ))
}

/// `{start} FROM cases c … WHERE …` narrowed to `filter`; the caller adds order and limit.
fn case_query(start: &str, filter: &CaseFilter) -> QueryBuilder<Postgres> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!("{start} FROM cases c"));
    match tsquery(filter) {
        Some(tsquery) => q.push(format_args!(
            " JOIN case_text t ON t.case_id = c.id WHERE t.doc @@ {tsquery}"
        )),
        None => q.push(" WHERE true"),
    };
    // Closed sets of fixed words: safe as literals, and the planner sees them.
    let literals = |words: Vec<&str>| {
        words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !filter.statuses.is_empty() {
        let list = literals(filter.statuses.iter().map(|s| s.as_str()).collect());
        q.push(format_args!(" AND c.status IN ({list})"));
    }
    if !filter.priorities.is_empty() {
        let list = literals(filter.priorities.iter().map(|p| p.as_str()).collect());
        q.push(format_args!(" AND c.priority IN ({list})"));
    }
    for tag in &filter.tags {
        q.push(" AND ")
            .push_bind(tag.as_str().to_owned())
            .push(" = ANY (string_to_array(c.tags, ' '))");
    }
    if filter.has_attachment {
        let public = if filter.text_internal {
            ""
        } else {
            " AND EXISTS (SELECT 1 FROM messages m WHERE m.id = a.message_id \
               AND m.visibility = 'public')"
        };
        q.push(format_args!(
            " AND EXISTS (SELECT 1 FROM attachments a WHERE a.case_id = c.id \
               AND a.deleted_at IS NULL{public})"
        ));
    }
    if let Some(id) = filter.outcome_id {
        q.push(" AND c.outcome_id = ").push_bind(id.0);
    }
    if let Some(id) = filter.team_id {
        q.push(" AND c.team_id = ").push_bind(id.0);
    }
    if let Some(id) = filter.owner_id {
        q.push(" AND c.owner_id = ").push_bind(id.0);
    }
    if filter.unassigned {
        q.push(" AND c.owner_id IS NULL");
    }
    if let Some(id) = filter.customer_id {
        q.push(" AND c.customer_id = ").push_bind(id.0);
    }
    if let Some(at) = filter.created_from {
        q.push(" AND c.created_at >= ").push_bind(to_db(at));
    }
    if let Some(at) = filter.created_before {
        q.push(" AND c.created_at < ").push_bind(to_db(at));
    }
    if let Some(at) = filter.resolved_from {
        q.push(" AND c.resolved_at >= ").push_bind(to_db(at));
    }
    if let Some(at) = filter.resolved_before {
        q.push(" AND c.resolved_at < ").push_bind(to_db(at));
    }
    match filter.resolved {
        Some(true) => {
            q.push(" AND c.resolved_at IS NOT NULL");
        }
        Some(false) => {
            q.push(" AND c.resolved_at IS NULL");
        }
        None => {}
    }
    if let Some(achieved) = filter.achieved {
        q.push(" AND c.outcome_achieved = ")
            .push_bind(achieved.as_str());
    }
    if let Some(over) = filter.over_target {
        // The same comparison as `frontline_core::scoreboard::over_target`.
        let op = if over { ">" } else { "<=" };
        q.push(format_args!(
            " AND c.resolved_at IS NOT NULL AND c.resolved_at - c.created_at {op} \
             (SELECT o.target_minutes * interval '1 minute' FROM outcomes o \
              WHERE o.id = c.outcome_id)"
        ));
    }
    if let Some(kind) = filter.feeling {
        q.push(" AND EXISTS (SELECT 1 FROM feelings f WHERE f.case_id = c.id AND f.kind = ")
            .push_bind(kind.as_str())
            .push(")");
    }
    q
}

/// `CASE_COLUMNS` of `cases c`, for joins with tables that share a column name.
fn qualified_case_columns() -> String {
    CASE_COLUMNS
        .split(',')
        .map(|c| format!("c.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn paged(rows: &[sqlx::postgres::PgRow], limit: u32) -> StoreResult<Page<Case>> {
    let mut items = rows
        .iter()
        .map(rows::case)
        .collect::<StoreResult<Vec<_>>>()?;
    let has_more = items.len() > limit as usize;
    items.truncate(limit as usize);
    Ok(Page { items, has_more })
}
