//! Leaders on the tools: the staff activity the ledger reads (on the person-and-time indexes
//! of migration 0006) and standard-work items and ticks. A change locks the item's row
//! (`FOR UPDATE`), lets the domain decide, and writes the tick and the event in one
//! transaction; two ticks racing on one period meet the primary key and the second is a
//! `Conflict`.

use frontline_core::standard_work::{
    ItemTitle, NewStandardWorkItem, Proof, StandardWorkItem, StandardWorkTick,
};
use frontline_core::time::truncate;
use frontline_core::{CaseId, PersonId, Role, StandardWorkItemId, Timestamp};
use frontline_store::{
    ActivityFilter, PersonAct, PersonReply, PersonResolution, StaffActivity, StoreError,
    StoreResult, Written, check_standard_work_owner,
};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::PgStore;
use crate::error::{classify, corrupt};
use crate::rows::{self, PERSON_COLUMNS, get, get_opt_time, get_time, opt_to_db, parse, to_db};

pub(crate) const ITEM_COLUMNS: &str =
    "id, person_id, title, cadence, metric, target, created_by, created_at, retired_at";

pub(crate) const TICK_COLUMNS: &str =
    "item_id, person_id, period, period_start, ticked_by, ticked_at";

pub(crate) fn item_row(row: &PgRow) -> StoreResult<StandardWorkItem> {
    let metric: Option<String> = get(row, "metric")?;
    let proof = match metric {
        None => None,
        Some(metric) => {
            let metric = metric.parse().map_err(|e| corrupt("metric", e))?;
            let target: i32 = get(row, "target")?;
            let target = u32::try_from(target).map_err(|e| corrupt("target", e))?;
            Some(Proof::new(metric, target).map_err(|e| corrupt("target", e))?)
        }
    };
    Ok(StandardWorkItem {
        id: StandardWorkItemId(get(row, "id")?),
        person_id: PersonId(get(row, "person_id")?),
        title: parse(row, "title", ItemTitle::parse)?,
        cadence: parse(row, "cadence", str::parse)?,
        proof,
        created_by: get::<Option<Uuid>>(row, "created_by")?.map(PersonId),
        created_at: get_time(row, "created_at")?,
        retired_at: get_opt_time(row, "retired_at")?,
    })
}

pub(crate) fn tick_row(row: &PgRow) -> StoreResult<StandardWorkTick> {
    Ok(StandardWorkTick {
        item_id: StandardWorkItemId(get(row, "item_id")?),
        person_id: PersonId(get(row, "person_id")?),
        period: get(row, "period")?,
        period_start: get_time(row, "period_start")?,
        ticked_by: PersonId(get(row, "ticked_by")?),
        ticked_at: get_time(row, "ticked_at")?,
    })
}

/// The people clause every activity query shares: staff only, narrowed by the filter.
fn push_people(query: &mut QueryBuilder<Postgres>, role: Option<Role>, person: Option<PersonId>) {
    match role {
        Some(role) => {
            query
                .push(" AND p.role = ")
                .push_bind(role.as_str().to_owned());
        }
        None => {
            query.push(" AND p.role <> 'customer'");
        }
    }
    if let Some(person) = person {
        query.push(" AND p.id = ").push_bind(person.0);
    }
}

/// Write the whole item row (creation, retirement and import).
pub(crate) async fn upsert_item(conn: &mut PgConnection, i: &StandardWorkItem) -> StoreResult<()> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO standard_work_items ({ITEM_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET retired_at = excluded.retired_at"
    )))
    .bind(i.id.0)
    .bind(i.person_id.0)
    .bind(i.title.as_str())
    .bind(i.cadence.as_str())
    .bind(i.proof.map(|p| p.metric.as_str()))
    .bind(i.proof.map(|p| i32::try_from(p.target).unwrap_or(i32::MAX)))
    .bind(i.created_by.map(|p| p.0))
    .bind(to_db(i.created_at))
    .bind(opt_to_db(i.retired_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

pub(crate) async fn insert_tick(conn: &mut PgConnection, t: &StandardWorkTick) -> StoreResult<()> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO standard_work_ticks ({TICK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
    )))
    .bind(t.item_id.0)
    .bind(t.person_id.0)
    .bind(&t.period)
    .bind(to_db(t.period_start))
    .bind(t.ticked_by.0)
    .bind(to_db(t.ticked_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

fn item_not_found(id: StandardWorkItemId) -> StoreError {
    StoreError::not_found(format!("standard work item {id}"))
}

async fn locked_item(
    conn: &mut PgConnection,
    id: StandardWorkItemId,
) -> StoreResult<StandardWorkItem> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ITEM_COLUMNS} FROM standard_work_items WHERE id = $1 FOR UPDATE"
    )))
    .bind(id.0)
    .fetch_optional(conn)
    .await
    .map_err(classify)?
    .ok_or_else(|| item_not_found(id))?;
    item_row(&row)
}

async fn is_ticked(
    conn: &mut PgConnection,
    id: StandardWorkItemId,
    period: &str,
) -> StoreResult<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM standard_work_ticks WHERE item_id = $1 AND period = $2)",
    )
    .bind(id.0)
    .bind(period)
    .fetch_one(conn)
    .await
    .map_err(classify)
}

impl PgStore {
    pub(crate) async fn staff_activity_impl(
        &self,
        filter: ActivityFilter,
    ) -> StoreResult<StaffActivity> {
        let since = to_db(filter.since);
        // Each query starts from the people (few) and reads each one's rows off a
        // (person, time) index from `since`.
        let build = |select: &str, join: &str, time_column: &str, order_extra: &str| {
            let mut query: QueryBuilder<Postgres> = QueryBuilder::new(format!(
                "SELECT {select} FROM people p JOIN {join} WHERE {time_column} >= "
            ));
            query.push_bind(since);
            push_people(&mut query, filter.role, filter.person_id);
            query.push(format_args!(" ORDER BY p.id, {time_column}{order_extra}"));
            query
        };
        let replies = rows_of(
            &self.pool,
            build(
                "p.id AS person_id, m.case_id AS case_id, m.created_at AS at",
                "messages m ON m.author_id = p.id AND m.visibility = 'public'",
                "m.created_at",
                ", m.case_id",
            ),
            |r| {
                Ok(PersonReply {
                    person_id: PersonId(get(r, "person_id")?),
                    case_id: CaseId(get(r, "case_id")?),
                    at: get_time(r, "at")?,
                })
            },
        )
        .await?;
        let resolutions = rows_of(
            &self.pool,
            build(
                "p.id AS person_id, c.id AS case_id, c.resolved_at AS at",
                "cases c ON c.owner_id = p.id AND c.resolved_at IS NOT NULL",
                "c.resolved_at",
                ", c.id",
            ),
            |r| {
                Ok(PersonResolution {
                    person_id: PersonId(get(r, "person_id")?),
                    case_id: CaseId(get(r, "case_id")?),
                    at: get_time(r, "at")?,
                })
            },
        )
        .await?;
        let act = |r: &PgRow| {
            Ok(PersonAct {
                person_id: PersonId(get(r, "person_id")?),
                at: get_time(r, "at")?,
            })
        };
        let reviews = rows_of(
            &self.pool,
            build(
                "p.id AS person_id, d.reviewed_at AS at",
                "decisions d ON d.reviewer_id = p.id AND d.reviewer_id IS NOT NULL",
                "d.reviewed_at",
                "",
            ),
            act,
        )
        .await?;
        let asks_resolved = rows_of(
            &self.pool,
            build(
            "p.id AS person_id, a.resolved_at AS at",
            "asks a ON a.claimed_by = p.id AND a.resolved_at IS NOT NULL AND a.status = 'resolved'",
            "a.resolved_at",
            "",
            ),
            act,
        )
        .await?;
        Ok(StaffActivity {
            replies,
            resolutions,
            reviews,
            asks_resolved,
        })
    }

    pub(crate) async fn last_public_replies_impl(
        &self,
        person: Option<PersonId>,
        role: Option<Role>,
    ) -> StoreResult<Vec<(PersonId, Timestamp)>> {
        // Per person, the newest public message: read backwards off messages_by_author.
        let mut query: QueryBuilder<Postgres> = QueryBuilder::new(
            "SELECT p.id AS person_id,
                    (SELECT max(m.created_at) FROM messages m
                      WHERE m.author_id = p.id AND m.visibility = 'public') AS at
             FROM people p WHERE true",
        );
        push_people(&mut query, role, person);
        query.push(" ORDER BY p.id");
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        let mut found = Vec::new();
        for row in &rows {
            if let Some(at) = get_opt_time(row, "at")? {
                found.push((PersonId(get(row, "person_id")?), at));
            }
        }
        Ok(found)
    }

    pub(crate) async fn create_standard_work_item_impl(
        &self,
        actor: Option<PersonId>,
        new: NewStandardWorkItem,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<StandardWorkItem>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE id = $1"
        )))
        .bind(new.person_id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found(format!("person {}", new.person_id)))?;
        check_standard_work_owner(&rows::person(&row)?)?;
        let (item, event) =
            StandardWorkItem::create(new, actor, at.map_or_else(|| self.clock.now(), truncate));
        upsert_item(&mut tx, &item).await?;
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: item,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn retire_standard_work_item_impl(
        &self,
        actor: Option<PersonId>,
        id: StandardWorkItemId,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<StandardWorkItem>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let current = locked_item(&mut tx, id).await?;
        let (retired, event) =
            current.retire(actor, at.map_or_else(|| self.clock.now(), truncate))?;
        upsert_item(&mut tx, &retired).await?;
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: retired,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn get_standard_work_item_impl(
        &self,
        id: StandardWorkItemId,
    ) -> StoreResult<StandardWorkItem> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ITEM_COLUMNS} FROM standard_work_items WHERE id = $1"
        )))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?
        .ok_or_else(|| item_not_found(id))?;
        item_row(&row)
    }

    pub(crate) async fn list_standard_work_items_impl(
        &self,
        person: Option<PersonId>,
        include_retired: bool,
    ) -> StoreResult<Vec<StandardWorkItem>> {
        let mut query: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "SELECT {ITEM_COLUMNS} FROM standard_work_items WHERE true"
        ));
        if let Some(person) = person {
            query.push(" AND person_id = ").push_bind(person.0);
        }
        if !include_retired {
            query.push(" AND retired_at IS NULL");
        }
        query.push(" ORDER BY created_at, id");
        query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?
            .iter()
            .map(item_row)
            .collect()
    }

    pub(crate) async fn tick_standard_work_impl(
        &self,
        actor: PersonId,
        id: StandardWorkItemId,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<StandardWorkTick>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let current = locked_item(&mut tx, id).await?;
        let at = at.map_or_else(|| self.clock.now(), truncate);
        let period = current.cadence.period_at(at);
        let already = is_ticked(&mut tx, id, &period.key).await?;
        let (tick, event) = current.tick(actor, at, already)?;
        insert_tick(&mut tx, &tick).await?;
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: tick,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn untick_standard_work_impl(
        &self,
        actor: PersonId,
        id: StandardWorkItemId,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<()>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let current = locked_item(&mut tx, id).await?;
        let at = at.map_or_else(|| self.clock.now(), truncate);
        let period = current.cadence.period_at(at);
        let ticked = is_ticked(&mut tx, id, &period.key).await?;
        let (period, event) = current.untick(actor, at, ticked)?;
        sqlx::query("DELETE FROM standard_work_ticks WHERE item_id = $1 AND period = $2")
            .bind(id.0)
            .bind(&period.key)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: (),
            events,
            replayed: false,
        })
    }

    pub(crate) async fn list_standard_work_ticks_impl(
        &self,
        person: PersonId,
        since: Timestamp,
    ) -> StoreResult<Vec<StandardWorkTick>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {TICK_COLUMNS} FROM standard_work_ticks
             WHERE person_id = $1 AND period_start >= $2 ORDER BY period_start, item_id"
        )))
        .bind(person.0)
        .bind(to_db(since))
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(tick_row)
        .collect()
    }
}

/// Run a built query and map every row.
async fn rows_of<T>(
    pool: &sqlx::PgPool,
    mut query: QueryBuilder<Postgres>,
    map: impl Fn(&PgRow) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    query
        .build()
        .fetch_all(pool)
        .await
        .map_err(classify)?
        .iter()
        .map(map)
        .collect()
}
