//! Webhook subscriptions and their delivery attempts. Creating and disabling append events in
//! the writer's transaction; recording an attempt changes only operational rows (no event).

use frontline_core::event::{WebhookCreated, WebhookDisabled};
use frontline_core::{NewEvent, Payload, PersonId, Webhook, WebhookId, time};
use frontline_store::{
    DELIVERY_ATTEMPTS_KEPT, DeliveryAttempt, DeliveryOutcome, NewWebhook, StoreError, StoreResult,
    Written,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

const COLUMNS: &str =
    "id, url, kinds, secret, cursor, enabled, failing_since, next_attempt_at, created_at";

fn webhook(row: &Row<'_>) -> rusqlite::Result<Webhook> {
    let kinds: String = row.get("kinds")?;
    let kinds = kinds
        .split(',')
        .filter(|k| !k.is_empty())
        .map(|k| {
            k.parse().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    format!("column kinds holds an invalid value: {e}").into(),
                )
            })
        })
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Webhook {
        id: rows::parsed(row, "id")?,
        url: row.get("url")?,
        kinds,
        secret: row.get("secret")?,
        cursor: row.get("cursor")?,
        enabled: row.get("enabled")?,
        failing_since: rows::ts_opt(row, "failing_since")?,
        next_attempt_at: rows::ts_opt(row, "next_attempt_at")?,
        created_at: rows::ts(row, "created_at")?,
    })
}

pub(crate) fn get(conn: &Connection, id: WebhookId) -> StoreResult<Webhook> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM webhooks WHERE id = ?1"))
        .db()?
        .query_row([id.to_string()], webhook)
        .optional()
        .db()?
        .ok_or_else(|| StoreError::not_found(format!("webhook {id}")))
}

pub(crate) fn list(conn: &Connection) -> StoreResult<Vec<Webhook>> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM webhooks ORDER BY id"))
        .db()?;
    let hooks = stmt
        .query_map([], webhook)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(hooks)
}

pub(crate) fn attempts(
    conn: &Connection,
    id: WebhookId,
    limit: u32,
) -> StoreResult<Vec<DeliveryAttempt>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq, at, status, error, duration_ms FROM webhook_attempts
             WHERE webhook_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
        )
        .db()?;
    let found = stmt
        .query_map(params![id.to_string(), limit], |r| {
            Ok(DeliveryAttempt {
                seq: r.get("seq")?,
                at: rows::ts(r, "at")?,
                status: r.get("status")?,
                error: r.get("error")?,
                duration_ms: r.get("duration_ms")?,
            })
        })
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

pub(crate) fn create(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    new: NewWebhook,
) -> StoreResult<Written<Webhook>> {
    let at = w.now();
    let mut hook = Webhook {
        id: WebhookId::new(),
        url: new.url,
        kinds: new.kinds,
        secret: new.secret,
        cursor: 0,
        enabled: true,
        failing_since: None,
        next_attempt_at: None,
        created_at: at,
    };
    let kinds = hook
        .kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",");
    w.conn
        .prepare_cached(
            "INSERT INTO webhooks (id, url, kinds, secret, cursor, enabled, created_at)
             VALUES (?1, ?2, ?3, ?4, 0, 1, ?5)",
        )
        .db()?
        .execute(params![
            hook.id.to_string(),
            hook.url,
            kinds,
            hook.secret,
            ms(at)
        ])
        .db()?;
    // Never the secret: the log is readable by every staff member.
    let payload = Payload::WebhookCreated(WebhookCreated {
        webhook_id: hook.id,
        url: hook.url.clone(),
        kinds: hook.kinds.clone(),
    });
    let events = w.append(vec![NewEvent::new(actor, payload)], at)?;
    // Start just before its own creation event: a new subscription gets what happens from
    // now on (its first delivery is that event), not the whole history.
    hook.cursor = events.first().map_or(0, |e| e.seq - 1);
    w.conn
        .prepare_cached("UPDATE webhooks SET cursor = ?2 WHERE id = ?1")
        .db()?
        .execute(params![hook.id.to_string(), hook.cursor])
        .db()?;
    Ok(Written {
        value: hook,
        events,
        replayed: false,
    })
}

pub(crate) fn disable(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    id: WebhookId,
    reason: String,
) -> StoreResult<Written<Webhook>> {
    let changed = w
        .conn
        .prepare_cached("UPDATE webhooks SET enabled = 0, next_attempt_at = NULL WHERE id = ?1")
        .db()?
        .execute([id.to_string()])
        .db()?;
    if changed == 0 {
        return Err(StoreError::not_found(format!("webhook {id}")));
    }
    let hook = get(w.conn, id)?;
    let at = w.now();
    let payload = Payload::WebhookDisabled(WebhookDisabled {
        webhook_id: hook.id,
        url: hook.url.clone(),
        reason: reason.to_owned(),
    });
    let events = w.append(vec![NewEvent::new(actor, payload)], at)?;
    Ok(Written {
        value: hook,
        events,
        replayed: false,
    })
}

pub(crate) fn claim(
    w: &mut WriteTx<'_>,
    id: WebhookId,
    owner: uuid::Uuid,
    lease: std::time::Duration,
) -> StoreResult<bool> {
    let now = time::now();
    let until = now
        .as_millisecond()
        .saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
    let claimed = w
        .conn
        .prepare_cached(
            "UPDATE webhooks SET lease_owner = ?2, lease_until = ?3
             WHERE id = ?1 AND enabled
               AND (lease_until IS NULL OR lease_until < ?4 OR lease_owner = ?2)",
        )
        .db()?
        .execute(params![id.to_string(), owner.to_string(), until, ms(now)])
        .db()?;
    Ok(claimed == 1)
}

pub(crate) fn record(
    w: &mut WriteTx<'_>,
    id: WebhookId,
    attempt: DeliveryAttempt,
    outcome: DeliveryOutcome,
) -> StoreResult<()> {
    let changed = match outcome {
        DeliveryOutcome::Delivered { cursor } => w
            .conn
            .prepare_cached(
                "UPDATE webhooks SET cursor = max(cursor, ?2), failing_since = NULL,
                 next_attempt_at = NULL WHERE id = ?1",
            )
            .db()?
            .execute(params![id.to_string(), cursor])
            .db()?,
        DeliveryOutcome::Failed {
            next_attempt_at,
            failing_since,
        } => w
            .conn
            .prepare_cached(
                "UPDATE webhooks SET failing_since = ?2, next_attempt_at = ?3 WHERE id = ?1",
            )
            .db()?
            .execute(params![
                id.to_string(),
                ms(time::truncate(failing_since)),
                ms(time::truncate(next_attempt_at))
            ])
            .db()?,
    };
    if changed == 0 {
        return Err(StoreError::not_found(format!("webhook {id}")));
    }
    w.conn
        .prepare_cached(
            "INSERT INTO webhook_attempts (webhook_id, seq, at, status, error, duration_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .db()?
        .execute(params![
            id.to_string(),
            attempt.seq,
            ms(attempt.at),
            attempt.status,
            attempt.error,
            attempt.duration_ms
        ])
        .db()?;
    // Keep the newest KEPT (the order the list uses); the subquery walks the same index, so
    // this costs a few hundred index entries per attempt, nothing next to an HTTP call.
    w.conn
        .prepare_cached(
            "DELETE FROM webhook_attempts WHERE webhook_id = ?1 AND id IN (
                 SELECT id FROM webhook_attempts WHERE webhook_id = ?1
                 ORDER BY at DESC, id DESC LIMIT -1 OFFSET ?2)",
        )
        .db()?
        .execute(params![id.to_string(), DELIVERY_ATTEMPTS_KEPT])
        .db()?;
    Ok(())
}
