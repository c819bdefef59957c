//! The guidelines engine's storage: customer profiles, decision kinds and the engine's share
//! of an export (here), rule versions and their publish/retire moves (`rules`), recorded
//! decisions and their reviews (`decisions`). Every write is one transaction that ends in `finish`, appending the events
//! `frontline_store` builds (`CustomerProfile::event`, `decision_kind_event`, …), so both
//! backends write the same payloads. No rule is evaluated here: the server evaluates, the
//! store records.
//!
//! JSON columns: a kind's facts, a rule's scope and a decision's findings are `jsonb` (read
//! back through serde, where key order does not matter); a decision's facts are `text`, since
//! they must read back as the exact map that was evaluated and `jsonb` reorders keys.

mod decisions;
mod rules;

use frontline_core::guideline::DecisionKind;
use frontline_core::time::truncate;
use frontline_core::{DecisionKindKey, PersonId, Role, ValueError};
use frontline_store::{
    CustomerProfile, Record, StoreError, StoreResult, Written, decision_kind_event,
};
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::types::Json;

use crate::PgStore;
use crate::error::classify;
use crate::rows::{get, get_time, parse, to_db};

pub(crate) use decisions::insert_decision;
use decisions::{DECISION_COLUMNS, decision};
pub(crate) use rules::insert_rule;
use rules::{RULE_COLUMNS, rule};

const PROFILE_COLUMNS: &str = "person_id, tier, lifetime_value, customer_since";
const KIND_COLUMNS: &str = "key, name, description, currency, facts, updated_at";

fn profile(row: &PgRow) -> StoreResult<CustomerProfile> {
    Ok(CustomerProfile {
        person_id: PersonId(get(row, "person_id")?),
        tier: get(row, "tier")?,
        lifetime_value: get(row, "lifetime_value")?,
        customer_since: get_time(row, "customer_since")?,
    })
}

fn kind(row: &PgRow) -> StoreResult<DecisionKind> {
    Ok(DecisionKind {
        key: parse(row, "key", DecisionKindKey::parse)?,
        name: get(row, "name")?,
        description: get(row, "description")?,
        currency: get(row, "currency")?,
        facts: from_jsonb(row, "facts")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

/// A `jsonb` column decoded through serde; a value that does not fit is a corrupt row.
pub(crate) fn from_jsonb<T>(row: &PgRow, column: &str) -> StoreResult<T>
where
    Json<T>: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    get::<Json<T>>(row, column).map(|json| json.0)
}

/// Whether a write may replace the row with the same key: saving replaces; an import never
/// does, so two records with one key in a file are a `Conflict`, as for every other table.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SameKey {
    Replace,
    Refuse,
}

impl SameKey {
    fn clause(self, replace: &'static str) -> &'static str {
        match self {
            SameKey::Replace => replace,
            SameKey::Refuse => "",
        }
    }
}

pub(crate) async fn write_profile(
    conn: &mut PgConnection,
    profile: &CustomerProfile,
    same_key: SameKey,
) -> StoreResult<()> {
    let on_conflict = same_key.clause(
        "ON CONFLICT (person_id) DO UPDATE
         SET tier = EXCLUDED.tier, lifetime_value = EXCLUDED.lifetime_value,
             customer_since = EXCLUDED.customer_since",
    );
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO customer_profiles ({PROFILE_COLUMNS}) VALUES ($1, $2, $3, $4) {on_conflict}"
    )))
    .bind(profile.person_id.0)
    .bind(&profile.tier)
    .bind(profile.lifetime_value)
    .bind(to_db(profile.customer_since))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

pub(crate) async fn write_kind(
    conn: &mut PgConnection,
    kind: &DecisionKind,
    same_key: SameKey,
) -> StoreResult<()> {
    let on_conflict = same_key.clause(
        "ON CONFLICT (key) DO UPDATE
         SET name = EXCLUDED.name, description = EXCLUDED.description,
             currency = EXCLUDED.currency, facts = EXCLUDED.facts,
             updated_at = EXCLUDED.updated_at",
    );
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO decision_kinds ({KIND_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) {on_conflict}"
    )))
    .bind(kind.key.as_str())
    .bind(&kind.name)
    .bind(&kind.description)
    .bind(&kind.currency)
    .bind(Json(&kind.facts))
    .bind(to_db(kind.updated_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

/// Every row of the engine as export records, in the export order (see `export`): profiles
/// by person, kinds by key in byte order, rule versions by (rule, version), decisions by
/// (decided_at, id). Sorted here, not by PostgreSQL, so collations cannot change it.
pub(crate) async fn export_records(conn: &mut PgConnection) -> StoreResult<Vec<Record>> {
    let mut profiles = fetch_all(
        conn,
        &format!("SELECT {PROFILE_COLUMNS} FROM customer_profiles"),
    )
    .await?
    .iter()
    .map(profile)
    .collect::<StoreResult<Vec<_>>>()?;
    profiles.sort_by_key(|p| p.person_id);

    let mut kinds = fetch_all(conn, &format!("SELECT {KIND_COLUMNS} FROM decision_kinds"))
        .await?
        .iter()
        .map(kind)
        .collect::<StoreResult<Vec<_>>>()?;
    kinds.sort_by(|a, b| a.key.as_str().as_bytes().cmp(b.key.as_str().as_bytes()));

    let mut rules = fetch_all(conn, &format!("SELECT {RULE_COLUMNS} FROM rules"))
        .await?
        .iter()
        .map(rule)
        .collect::<StoreResult<Vec<_>>>()?;
    rules.sort_by_key(|r| (r.rule_id, r.version));

    let mut decisions = fetch_all(conn, &format!("SELECT {DECISION_COLUMNS} FROM decisions"))
        .await?
        .iter()
        .map(decision)
        .collect::<StoreResult<Vec<_>>>()?;
    decisions.sort_by_key(|d| (d.decided_at, d.id));

    Ok(profiles
        .into_iter()
        .map(Record::CustomerProfile)
        .chain(kinds.into_iter().map(Record::DecisionKind))
        .chain(rules.into_iter().map(Record::Rule))
        .chain(decisions.into_iter().map(Record::Decision))
        .collect())
}

async fn fetch_all(conn: &mut PgConnection, sql: &str) -> StoreResult<Vec<PgRow>> {
    sqlx::query(AssertSqlSafe(sql.to_owned()))
        .fetch_all(conn)
        .await
        .map_err(classify)
}

fn kind_not_found(key: &DecisionKindKey) -> StoreError {
    StoreError::not_found(format!("decision kind {key}"))
}

impl PgStore {
    pub(crate) async fn set_customer_profile_impl(
        &self,
        actor: Option<PersonId>,
        profile: CustomerProfile,
    ) -> StoreResult<Written<CustomerProfile>> {
        profile.validate()?;
        // Stored to the millisecond, so the value returned must be too.
        let profile = CustomerProfile {
            customer_since: truncate(profile.customer_since),
            ..profile
        };
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // FOR SHARE: the role cannot change under us before the profile is written.
        let row = sqlx::query("SELECT role FROM people WHERE id = $1 FOR SHARE")
            .bind(profile.person_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(classify)?
            .ok_or_else(|| StoreError::not_found("person"))?;
        let role: Role = parse(&row, "role", str::parse)?;
        if role != Role::Customer {
            return Err(StoreError::Invalid(ValueError::new(
                "person_id",
                format!(
                    "{} is a {role}; only customers have a profile",
                    profile.person_id
                ),
            )));
        }
        write_profile(&mut tx, &profile, SameKey::Replace).await?;
        let events = self.finish(tx, vec![profile.event(actor)]).await?;
        Ok(Written {
            value: profile,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn get_customer_profile_impl(
        &self,
        person_id: PersonId,
    ) -> StoreResult<Option<CustomerProfile>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {PROFILE_COLUMNS} FROM customer_profiles WHERE person_id = $1"
        )))
        .bind(person_id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?
        .as_ref()
        .map(profile)
        .transpose()
    }

    pub(crate) async fn save_decision_kind_impl(
        &self,
        actor: Option<PersonId>,
        kind: DecisionKind,
    ) -> StoreResult<Written<DecisionKind>> {
        // The server validated it; checking again is cheap and keeps a bad kind out of the
        // table whoever calls.
        kind.validate()?;
        // The store stamps the time of the save (the caller's `updated_at` is ignored).
        let kind = DecisionKind {
            updated_at: self.clock.now(),
            ..kind
        };
        let mut tx = self.pool.begin().await.map_err(classify)?;
        write_kind(&mut tx, &kind, SameKey::Replace).await?;
        let events = self
            .finish(tx, vec![decision_kind_event(&kind, actor)])
            .await?;
        Ok(Written {
            value: kind,
            events,
            replayed: false,
        })
    }

    /// By key, in byte order (`COLLATE "C"`, as SQLite compares), so both backends agree.
    pub(crate) async fn list_decision_kinds_impl(&self) -> StoreResult<Vec<DecisionKind>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {KIND_COLUMNS} FROM decision_kinds ORDER BY key COLLATE \"C\""
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(kind)
        .collect()
    }

    pub(crate) async fn get_decision_kind_impl(
        &self,
        key: &DecisionKindKey,
    ) -> StoreResult<DecisionKind> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {KIND_COLUMNS} FROM decision_kinds WHERE key = $1"
        )))
        .bind(key.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?
        .ok_or_else(|| kind_not_found(key))?;
        kind(&row)
    }
}
