//! Rule versions: drafting (a new rule, or the next version of one) and the status moves
//! `RuleStatus::may_become` allows, publishing retiring the previously published version in
//! the same transaction.
//!
//! Writes to one rule take turns on its first version's row (`lock_rule`): two drafts then
//! never pick the same version number, and two publishes of different versions end with
//! exactly one published (the later one), instead of one of them failing on the
//! `rules_one_published` index.

use frontline_core::guideline::{RuleStatus, RuleType};
use frontline_core::{DecisionKindKey, NewEvent, Payload, PersonId, RuleId, ValueError};
use frontline_store::{NewRuleVersion, RuleFilter, RuleVersion, StoreError, StoreResult, Written};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder};
use uuid::Uuid;

use super::{from_jsonb, kind_not_found};
use crate::PgStore;
use crate::error::{classify, corrupt};
use crate::rows::{get, get_opt_time, get_time, opt_to_db, parse, to_db};

pub(super) const RULE_COLUMNS: &str = "rule_id, version, kind, rule_type, scope, name, \
     expression, text, status, created_by, created_at, published_at, retired_at";

pub(super) fn rule(row: &PgRow) -> StoreResult<RuleVersion> {
    let version: i64 = get(row, "version")?;
    Ok(RuleVersion {
        rule_id: RuleId(get(row, "rule_id")?),
        version: u32::try_from(version).map_err(|_| corrupt("version", version))?,
        kind: parse(row, "kind", DecisionKindKey::parse)?,
        rule_type: parse(row, "rule_type", RuleType::parse)?,
        scope: from_jsonb(row, "scope")?,
        name: get(row, "name")?,
        expression: get(row, "expression")?,
        text: get(row, "text")?,
        status: parse(row, "status", RuleStatus::parse)?,
        created_by: get::<Option<Uuid>>(row, "created_by")?.map(PersonId),
        created_at: get_time(row, "created_at")?,
        published_at: get_opt_time(row, "published_at")?,
        retired_at: get_opt_time(row, "retired_at")?,
    })
}

/// Write one version as it is (drafting, and import).
pub(crate) async fn insert_rule(conn: &mut PgConnection, rule: &RuleVersion) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO rules (rule_id, version, kind, rule_type, scope, name, expression, text,
                            status, created_by, created_at, published_at, retired_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(rule.rule_id.0)
    .bind(i64::from(rule.version))
    .bind(rule.kind.as_str())
    .bind(rule.rule_type.as_str())
    .bind(Json(&rule.scope))
    .bind(&rule.name)
    .bind(rule.expression.as_deref())
    .bind(&rule.text)
    .bind(rule.status.as_str())
    .bind(rule.created_by.map(|p| p.0))
    .bind(to_db(rule.created_at))
    .bind(opt_to_db(rule.published_at))
    .bind(opt_to_db(rule.retired_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

fn rule_not_found(rule_id: RuleId) -> StoreError {
    StoreError::not_found(format!("rule {rule_id}"))
}

fn version_not_found(rule_id: RuleId, version: u32) -> StoreError {
    StoreError::not_found(format!("rule {rule_id} version {version}"))
}

/// Lock the rule (its first version's row) until the transaction ends; its kind and type,
/// which every version shares. `NotFound` if the rule does not exist.
async fn lock_rule(
    conn: &mut PgConnection,
    rule_id: RuleId,
) -> StoreResult<(DecisionKindKey, RuleType)> {
    let row = sqlx::query(
        "SELECT kind, rule_type FROM rules WHERE rule_id = $1 AND version = 1 FOR UPDATE",
    )
    .bind(rule_id.0)
    .fetch_optional(&mut *conn)
    .await
    .map_err(classify)?
    .ok_or_else(|| rule_not_found(rule_id))?;
    Ok((
        parse(&row, "kind", DecisionKindKey::parse)?,
        parse(&row, "rule_type", RuleType::parse)?,
    ))
}

impl PgStore {
    pub(crate) async fn create_rule_version_impl(
        &self,
        actor: Option<PersonId>,
        new: NewRuleVersion,
    ) -> StoreResult<Written<RuleVersion>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let kind_exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM decision_kinds WHERE key = $1)")
                .bind(new.kind.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(classify)?;
        if !kind_exists {
            return Err(kind_not_found(&new.kind));
        }
        let (rule_id, version) = match new.rule_id {
            None => (RuleId::new(), 1),
            Some(rule_id) => {
                let (kind, rule_type) = lock_rule(&mut tx, rule_id).await?;
                if kind != new.kind {
                    return Err(StoreError::Invalid(ValueError::new(
                        "kind",
                        format!("rule {rule_id} is about {kind}; its versions cannot change that"),
                    )));
                }
                if rule_type != new.rule_type {
                    return Err(StoreError::Invalid(ValueError::new(
                        "type",
                        format!(
                            "rule {rule_id} is a {}; its versions cannot change that",
                            rule_type.as_str()
                        ),
                    )));
                }
                // A statement of its own, after the lock: it sees versions committed by
                // whoever held the lock before us.
                let latest: i64 =
                    sqlx::query_scalar("SELECT max(version) FROM rules WHERE rule_id = $1")
                        .bind(rule_id.0)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(classify)?;
                let next = u32::try_from(latest + 1).map_err(|_| corrupt("version", latest))?;
                (rule_id, next)
            }
        };
        let rule = RuleVersion {
            rule_id,
            version,
            kind: new.kind,
            rule_type: new.rule_type,
            scope: new.scope,
            name: new.name,
            expression: new.expression,
            text: new.text,
            status: RuleStatus::Draft,
            created_by: actor,
            created_at: self.clock.now(),
            published_at: None,
            retired_at: None,
        };
        insert_rule(&mut tx, &rule).await?;
        let events = self
            .finish(tx, vec![rule.event(Payload::RuleDrafted, actor)])
            .await?;
        Ok(Written {
            value: rule,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn set_rule_status_impl(
        &self,
        actor: Option<PersonId>,
        rule_id: RuleId,
        version: u32,
        to: RuleStatus,
    ) -> StoreResult<Written<RuleVersion>> {
        let at = to_db(self.clock.now());
        let mut tx = self.pool.begin().await.map_err(classify)?;
        lock_rule(&mut tx, rule_id).await?;
        let current = sqlx::query(AssertSqlSafe(format!(
            "SELECT {RULE_COLUMNS} FROM rules WHERE rule_id = $1 AND version = $2"
        )))
        .bind(rule_id.0)
        .bind(i64::from(version))
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?
        .ok_or_else(|| version_not_found(rule_id, version))?;
        let current = rule(&current)?;
        if !current.status.may_become(to) {
            return Err(StoreError::conflict(format!(
                "rule {rule_id} version {version} is {}; it cannot become {}",
                current.status.as_str(),
                to.as_str()
            )));
        }
        let mut events: Vec<NewEvent> = Vec::new();
        if to == RuleStatus::Published {
            // At most one published version per rule: the previous one retires first.
            let retired = sqlx::query(AssertSqlSafe(format!(
                "UPDATE rules SET status = $2, retired_at = $3
                 WHERE rule_id = $1 AND status = $4
                 RETURNING {RULE_COLUMNS}"
            )))
            .bind(rule_id.0)
            .bind(RuleStatus::Retired.as_str())
            .bind(at)
            .bind(RuleStatus::Published.as_str())
            .fetch_all(&mut *tx)
            .await
            .map_err(classify)?;
            for row in &retired {
                events.push(rule(row)?.event(Payload::RuleRetired, actor));
            }
        }
        let time_column = match to {
            RuleStatus::Published => "published_at",
            _ => "retired_at",
        };
        let row = sqlx::query(AssertSqlSafe(format!(
            "UPDATE rules SET status = $3, {time_column} = $4
             WHERE rule_id = $1 AND version = $2
             RETURNING {RULE_COLUMNS}"
        )))
        .bind(rule_id.0)
        .bind(i64::from(version))
        .bind(to.as_str())
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(classify)?;
        let moved = rule(&row)?;
        let kind = match to {
            RuleStatus::Published => Payload::RulePublished,
            _ => Payload::RuleRetired,
        };
        events.push(moved.event(kind, actor));
        let events = self.finish(tx, events).await?;
        Ok(Written {
            value: moved,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn get_rule_version_impl(
        &self,
        rule_id: RuleId,
        version: u32,
    ) -> StoreResult<RuleVersion> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {RULE_COLUMNS} FROM rules WHERE rule_id = $1 AND version = $2"
        )))
        .bind(rule_id.0)
        .bind(i64::from(version))
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?
        .ok_or_else(|| version_not_found(rule_id, version))?;
        rule(&row)
    }

    /// Oldest rule first: rule ids are UUIDv7, so their order is the order rules were
    /// started in (and `uuid` compares as SQLite's text form does).
    pub(crate) async fn list_rules_impl(
        &self,
        filter: RuleFilter,
    ) -> StoreResult<Vec<RuleVersion>> {
        let mut query: QueryBuilder<Postgres> =
            QueryBuilder::new(format!("SELECT {RULE_COLUMNS} FROM rules WHERE true"));
        if let Some(kind) = &filter.kind {
            query
                .push(" AND kind = ")
                .push_bind(kind.as_str().to_owned());
        }
        if let Some(status) = filter.status {
            query.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(rule_id) = filter.rule_id {
            query.push(" AND rule_id = ").push_bind(rule_id.0);
        }
        query.push(" ORDER BY rule_id, version");
        query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?
            .iter()
            .map(rule)
            .collect()
    }
}
