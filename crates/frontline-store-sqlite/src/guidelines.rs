//! The guidelines engine's reference data: customer profiles, decision kinds and rule
//! versions. Reads take a reader connection; writes run in the writer's transaction and append
//! their events (built by `frontline_store`'s helpers, so both backends write the same ones).
//! Recorded decisions live in `decisions`.

use frontline_core::guideline::{DecisionKind, RuleStatus, RuleType};
use frontline_core::{DecisionKindKey, Payload, PersonId, Role, RuleId, ValueError, time};
use frontline_store::{
    CustomerProfile, NewRuleVersion, RuleFilter, RuleVersion, StoreError, StoreResult, Written,
    decision_kind_event,
};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use crate::query::Query;
use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

// ----- customer profiles -----

pub(crate) const PROFILE_COLUMNS: &str = "person_id, tier, lifetime_value, customer_since";

pub(crate) fn profile_row(row: &Row<'_>) -> rusqlite::Result<CustomerProfile> {
    Ok(CustomerProfile {
        person_id: rows::parsed(row, "person_id")?,
        tier: row.get("tier")?,
        lifetime_value: row.get("lifetime_value")?,
        customer_since: rows::ts(row, "customer_since")?,
    })
}

pub(crate) fn profile(
    conn: &Connection,
    person_id: PersonId,
) -> StoreResult<Option<CustomerProfile>> {
    conn.prepare_cached(&format!(
        "SELECT {PROFILE_COLUMNS} FROM customer_profiles WHERE person_id = ?1"
    ))
    .db()?
    .query_row([person_id.to_string()], profile_row)
    .optional()
    .db()
}

/// Insert or replace a profile as given (also used by import).
pub(crate) fn put_profile(conn: &Connection, p: &CustomerProfile) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO customer_profiles (person_id, tier, lifetime_value, customer_since)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (person_id) DO UPDATE SET tier = excluded.tier,
             lifetime_value = excluded.lifetime_value, customer_since = excluded.customer_since",
    )
    .db()?
    .execute(params![
        p.person_id.to_string(),
        p.tier,
        p.lifetime_value,
        ms(p.customer_since)
    ])
    .db()?;
    Ok(())
}

pub(crate) fn set_profile(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    mut profile: CustomerProfile,
) -> StoreResult<Written<CustomerProfile>> {
    profile.validate()?;
    profile.customer_since = time::truncate(profile.customer_since);
    let role: Option<Role> = w
        .conn
        .prepare_cached("SELECT role FROM people WHERE id = ?1")
        .db()?
        .query_row([profile.person_id.to_string()], |r| rows::parsed(r, "role"))
        .optional()
        .db()?;
    match role {
        None => {
            return Err(StoreError::not_found(format!(
                "person {}",
                profile.person_id
            )));
        }
        Some(Role::Customer) => {}
        Some(_) => {
            return Err(
                ValueError::new("person_id", "only customers have a customer profile").into(),
            );
        }
    }
    put_profile(w.conn, &profile)?;
    let at = w.now();
    let events = w.append(vec![profile.event(actor)], at)?;
    Ok(Written {
        value: profile,
        events,
        replayed: false,
    })
}

// ----- decision kinds -----

pub(crate) const KIND_COLUMNS: &str = "key, name, description, currency, facts, updated_at";

pub(crate) fn kind_row(row: &Row<'_>) -> rusqlite::Result<DecisionKind> {
    Ok(DecisionKind {
        key: rows::value("key", row.get("key")?, DecisionKindKey::parse)?,
        name: row.get("name")?,
        description: row.get("description")?,
        currency: row.get("currency")?,
        facts: rows::json(row, "facts")?,
        updated_at: rows::ts(row, "updated_at")?,
    })
}

pub(crate) fn kind(conn: &Connection, key: &DecisionKindKey) -> StoreResult<DecisionKind> {
    conn.prepare_cached(&format!(
        "SELECT {KIND_COLUMNS} FROM decision_kinds WHERE key = ?1"
    ))
    .db()?
    .query_row([key.as_str()], kind_row)
    .optional()
    .db()?
    .ok_or_else(|| StoreError::not_found(format!("decision kind {key}")))
}

/// Every kind, by key.
pub(crate) fn kinds(conn: &Connection) -> StoreResult<Vec<DecisionKind>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {KIND_COLUMNS} FROM decision_kinds ORDER BY key"
        ))
        .db()?;
    let kinds = stmt
        .query_map([], kind_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(kinds)
}

pub(crate) fn kind_exists(conn: &Connection, key: &DecisionKindKey) -> StoreResult<()> {
    let exists: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM decision_kinds WHERE key = ?1)")
        .db()?
        .query_row([key.as_str()], |r| r.get(0))
        .db()?;
    if exists {
        Ok(())
    } else {
        Err(StoreError::not_found(format!("decision kind {key}")))
    }
}

/// Insert or replace a kind as given (also used by import).
pub(crate) fn put_kind(conn: &Connection, kind: &DecisionKind) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO decision_kinds (key, name, description, currency, facts, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (key) DO UPDATE SET name = excluded.name,
             description = excluded.description, currency = excluded.currency,
             facts = excluded.facts, updated_at = excluded.updated_at",
    )
    .db()?
    .execute(params![
        kind.key.as_str(),
        kind.name,
        kind.description,
        kind.currency,
        rows::to_json(&kind.facts)?,
        ms(kind.updated_at)
    ])
    .db()?;
    Ok(())
}

/// Create or replace by key; the time of the save is the store's.
pub(crate) fn save_kind(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    mut kind: DecisionKind,
) -> StoreResult<Written<DecisionKind>> {
    let at = w.now();
    kind.updated_at = at;
    put_kind(w.conn, &kind)?;
    let events = w.append(vec![decision_kind_event(&kind, actor)], at)?;
    Ok(Written {
        value: kind,
        events,
        replayed: false,
    })
}

// ----- rule versions -----

pub(crate) const RULE_COLUMNS: &str = "rule_id, version, kind, rule_type, scope, name, \
     expression, text, status, created_by, created_at, published_at, retired_at";

pub(crate) fn rule_row(row: &Row<'_>) -> rusqlite::Result<RuleVersion> {
    Ok(RuleVersion {
        rule_id: rows::parsed(row, "rule_id")?,
        version: row.get("version")?,
        kind: rows::value("kind", row.get("kind")?, DecisionKindKey::parse)?,
        rule_type: rows::value("rule_type", row.get("rule_type")?, RuleType::parse)?,
        scope: rows::json(row, "scope")?,
        name: row.get("name")?,
        expression: row.get("expression")?,
        text: row.get("text")?,
        status: rows::value("status", row.get("status")?, RuleStatus::parse)?,
        created_by: rows::parsed_opt(row, "created_by")?,
        created_at: rows::ts(row, "created_at")?,
        published_at: rows::ts_opt(row, "published_at")?,
        retired_at: rows::ts_opt(row, "retired_at")?,
    })
}

fn rule_label(rule_id: RuleId, version: u32) -> String {
    format!("rule {rule_id} version {version}")
}

pub(crate) fn rule(conn: &Connection, rule_id: RuleId, version: u32) -> StoreResult<RuleVersion> {
    conn.prepare_cached(&format!(
        "SELECT {RULE_COLUMNS} FROM rule_versions WHERE rule_id = ?1 AND version = ?2"
    ))
    .db()?
    .query_row(params![rule_id.to_string(), version], rule_row)
    .optional()
    .db()?
    .ok_or_else(|| StoreError::not_found(rule_label(rule_id, version)))
}

/// Versions by rule (rule ids are UUIDv7, so the oldest rule first), then version.
pub(crate) fn rules(conn: &Connection, filter: &RuleFilter) -> StoreResult<Vec<RuleVersion>> {
    let mut q = Query::new(format!(
        "SELECT {RULE_COLUMNS} FROM rule_versions WHERE 1 = 1"
    ));
    if let Some(kind) = &filter.kind {
        q.and(" AND kind = ?#", kind.as_str().to_owned().into());
    }
    if let Some(status) = filter.status {
        // A closed enum's own text: safe to inline, and it lets the planner see the value.
        q.sql += &format!(" AND status = '{}'", status.as_str());
    }
    if let Some(rule_id) = filter.rule_id {
        q.and(" AND rule_id = ?#", rule_id.to_string().into());
    }
    q.sql += " ORDER BY rule_id, version";
    let mut stmt = conn.prepare_cached(&q.sql).db()?;
    let found = stmt
        .query_map(params_from_iter(q.args), rule_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

/// Insert a version as given (also used by import).
pub(crate) fn insert_rule(conn: &Connection, r: &RuleVersion) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO rule_versions (rule_id, version, kind, rule_type, scope, name, expression,
             text, status, created_by, created_at, published_at, retired_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )
    .db()?
    .execute(params![
        r.rule_id.to_string(),
        r.version,
        r.kind.as_str(),
        r.rule_type.as_str(),
        rows::to_json(&r.scope)?,
        r.name,
        r.expression,
        r.text,
        r.status.as_str(),
        r.created_by.map(|p| p.to_string()),
        ms(r.created_at),
        r.published_at.map(ms),
        r.retired_at.map(ms)
    ])
    .db()?;
    Ok(())
}

pub(crate) fn create_rule_version(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    new: NewRuleVersion,
) -> StoreResult<Written<RuleVersion>> {
    let (rule_id, version) = match new.rule_id {
        None => {
            kind_exists(w.conn, &new.kind)?;
            (RuleId::new(), 1)
        }
        Some(rule_id) => {
            let latest = w
                .conn
                .prepare_cached(&format!(
                    "SELECT {RULE_COLUMNS} FROM rule_versions WHERE rule_id = ?1
                     ORDER BY version DESC LIMIT 1"
                ))
                .db()?
                .query_row([rule_id.to_string()], rule_row)
                .optional()
                .db()?
                .ok_or_else(|| StoreError::not_found(format!("rule {rule_id}")))?;
            if latest.kind != new.kind {
                return Err(ValueError::new(
                    "kind",
                    format!(
                        "rule {rule_id} is about {}; a new version cannot change its kind",
                        latest.kind
                    ),
                )
                .into());
            }
            if latest.rule_type != new.rule_type {
                return Err(ValueError::new(
                    "type",
                    format!(
                        "rule {rule_id} is a {}; a new version cannot change its type",
                        latest.rule_type.as_str()
                    ),
                )
                .into());
            }
            (rule_id, latest.version + 1)
        }
    };
    let at = w.now();
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
        created_at: at,
        published_at: None,
        retired_at: None,
    };
    insert_rule(w.conn, &rule)?;
    let events = w.append(vec![rule.event(Payload::RuleDrafted, actor)], at)?;
    Ok(Written {
        value: rule,
        events,
        replayed: false,
    })
}

fn update_status(w: &WriteTx<'_>, rule: &RuleVersion) -> StoreResult<()> {
    w.conn
        .prepare_cached(
            "UPDATE rule_versions SET status = ?3, published_at = ?4, retired_at = ?5
             WHERE rule_id = ?1 AND version = ?2",
        )
        .db()?
        .execute(params![
            rule.rule_id.to_string(),
            rule.version,
            rule.status.as_str(),
            rule.published_at.map(ms),
            rule.retired_at.map(ms)
        ])
        .db()?;
    Ok(())
}

/// Move a version along its lifecycle. Publishing first retires the rule's published version
/// (the partial unique index would refuse two), in this same transaction.
pub(crate) fn set_rule_status(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    rule_id: RuleId,
    version: u32,
    to: RuleStatus,
) -> StoreResult<Written<RuleVersion>> {
    let mut target = rule(w.conn, rule_id, version)?;
    if !target.status.may_become(to) {
        return Err(StoreError::conflict(format!(
            "{} is {}; it cannot become {}",
            rule_label(rule_id, version),
            target.status.as_str(),
            to.as_str()
        )));
    }
    let at = w.now();
    let mut events = Vec::with_capacity(2);
    if to == RuleStatus::Published {
        let previous = w
            .conn
            .prepare_cached(&format!(
                "SELECT {RULE_COLUMNS} FROM rule_versions
                 WHERE rule_id = ?1 AND status = 'published'"
            ))
            .db()?
            .query_row([rule_id.to_string()], rule_row)
            .optional()
            .db()?;
        if let Some(mut previous) = previous {
            previous.status = RuleStatus::Retired;
            previous.retired_at = Some(at);
            update_status(w, &previous)?;
            events.push(previous.event(Payload::RuleRetired, actor));
        }
        target.published_at = Some(at);
    } else if to == RuleStatus::Retired {
        target.retired_at = Some(at);
    }
    target.status = to;
    update_status(w, &target)?;
    events.push(target.event(
        match to {
            RuleStatus::Published => Payload::RulePublished,
            RuleStatus::Retired => Payload::RuleRetired,
            // `may_become` never allows a move back to draft.
            RuleStatus::Draft => Payload::RuleDrafted,
        },
        actor,
    ));
    let events = w.append(events, at)?;
    Ok(Written {
        value: target,
        events,
        replayed: false,
    })
}
