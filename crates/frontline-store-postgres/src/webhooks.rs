//! Webhook subscriptions and their delivery attempts. Creating and disabling append their
//! event through the ordered counter (`finish`); recording an attempt is one transaction over
//! operational rows only (no event).

use frontline_core::event::{WebhookCreated, WebhookDisabled};
use frontline_core::time::truncate;
use frontline_core::{NewEvent, Payload, PersonId, Webhook, WebhookId};
use frontline_store::{
    DELIVERY_ATTEMPTS_KEPT, DeliveryAttempt, DeliveryOutcome, NewWebhook, StoreError, StoreResult,
    Written,
};
use sqlx::postgres::PgRow;

use crate::PgStore;
use crate::error::{classify, corrupt};
use crate::rows::{get, get_opt_time, get_time, to_db};

const COLUMNS: &str =
    "id, url, kinds, secret, cursor, enabled, failing_since, next_attempt_at, created_at";

fn webhook(row: &PgRow) -> StoreResult<Webhook> {
    let kinds: Vec<String> = get(row, "kinds")?;
    let kinds = kinds
        .iter()
        .map(|k| k.parse().map_err(|_| corrupt("kinds", k)))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Webhook {
        id: WebhookId(get(row, "id")?),
        url: get(row, "url")?,
        kinds,
        secret: get(row, "secret")?,
        cursor: get(row, "cursor")?,
        enabled: get(row, "enabled")?,
        failing_since: get_opt_time(row, "failing_since")?,
        next_attempt_at: get_opt_time(row, "next_attempt_at")?,
        created_at: get_time(row, "created_at")?,
    })
}

fn attempt(row: &PgRow) -> StoreResult<DeliveryAttempt> {
    let status: Option<i32> = get(row, "status")?;
    let duration: i64 = get(row, "duration_ms")?;
    Ok(DeliveryAttempt {
        seq: get(row, "seq")?,
        at: get_time(row, "at")?,
        status: status
            .map(|s| u16::try_from(s).map_err(|_| corrupt("status", s)))
            .transpose()?,
        error: get(row, "error")?,
        duration_ms: u32::try_from(duration).map_err(|_| corrupt("duration_ms", duration))?,
    })
}

impl PgStore {
    pub(crate) async fn create_webhook_impl(
        &self,
        actor: Option<PersonId>,
        new: NewWebhook,
    ) -> StoreResult<Written<Webhook>> {
        let mut hook = Webhook {
            id: WebhookId::new(),
            url: new.url,
            kinds: new.kinds,
            secret: new.secret,
            cursor: 0,
            enabled: true,
            failing_since: None,
            next_attempt_at: None,
            created_at: self.clock.now(),
        };
        let kinds: Vec<&str> = hook.kinds.iter().map(|k| k.as_str()).collect();
        let mut tx = self.pool.begin().await.map_err(classify)?;
        sqlx::query(
            "INSERT INTO webhooks (id, url, kinds, secret, cursor, enabled, created_at)
             VALUES ($1, $2, $3, $4, 0, true, $5)",
        )
        .bind(hook.id.0)
        .bind(&hook.url)
        .bind(&kinds)
        .bind(&hook.secret)
        .bind(to_db(hook.created_at))
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        // Never the secret: the log is readable by every staff member.
        let event = NewEvent::new(
            actor,
            Payload::WebhookCreated(WebhookCreated {
                webhook_id: hook.id,
                url: hook.url.clone(),
                kinds: hook.kinds.clone(),
            }),
        );
        let events =
            crate::events::append(&mut tx, &self.channel, self.clock.now(), vec![event]).await?;
        // Start just before its own creation event: a new subscription gets what happens
        // from now on (its first delivery is that event), not the whole history. Known only
        // once the counter handed out the number, hence after the append.
        hook.cursor = events.first().map_or(0, |e| e.seq - 1);
        sqlx::query("UPDATE webhooks SET cursor = $2 WHERE id = $1")
            .bind(hook.id.0)
            .bind(hook.cursor)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        self.commit(tx, &events).await?;
        Ok(Written {
            value: hook,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn list_webhooks_impl(&self) -> StoreResult<Vec<Webhook>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM webhooks ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(webhook)
        .collect()
    }

    pub(crate) async fn get_webhook_impl(&self, id: WebhookId) -> StoreResult<Webhook> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM webhooks WHERE id = $1"
        )))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found(format!("webhook {id}")))?;
        webhook(&row)
    }

    pub(crate) async fn record_delivery_impl(
        &self,
        id: WebhookId,
        attempt: DeliveryAttempt,
        outcome: DeliveryOutcome,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let changed = match outcome {
            DeliveryOutcome::Delivered { cursor } => sqlx::query(
                "UPDATE webhooks SET cursor = GREATEST(cursor, $2), failing_since = NULL,
                 next_attempt_at = NULL WHERE id = $1",
            )
            .bind(id.0)
            .bind(cursor),
            DeliveryOutcome::Failed {
                next_attempt_at,
                failing_since,
            } => sqlx::query(
                "UPDATE webhooks SET failing_since = $2, next_attempt_at = $3 WHERE id = $1",
            )
            .bind(id.0)
            .bind(to_db(truncate(failing_since)))
            .bind(to_db(truncate(next_attempt_at))),
        }
        .execute(&mut *tx)
        .await
        .map_err(classify)?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::not_found(format!("webhook {id}")));
        }
        sqlx::query(
            "INSERT INTO webhook_attempts (webhook_id, seq, at, status, error, duration_ms)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.0)
        .bind(attempt.seq)
        .bind(to_db(attempt.at))
        .bind(attempt.status.map(i32::from))
        .bind(attempt.error)
        .bind(i64::from(attempt.duration_ms))
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        // Keep the newest KEPT, in the order the list uses (same index).
        sqlx::query(
            "DELETE FROM webhook_attempts WHERE webhook_id = $1 AND id IN (
                 SELECT id FROM webhook_attempts WHERE webhook_id = $1
                 ORDER BY at DESC, id DESC OFFSET $2)",
        )
        .bind(id.0)
        .bind(DELIVERY_ATTEMPTS_KEPT)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        tx.commit().await.map_err(classify)
    }

    pub(crate) async fn disable_webhook_impl(
        &self,
        actor: Option<PersonId>,
        id: WebhookId,
        reason: String,
    ) -> StoreResult<Written<Webhook>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE webhooks SET enabled = false, next_attempt_at = NULL WHERE id = $1
             RETURNING {COLUMNS}"
        )))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found(format!("webhook {id}")))?;
        let hook = webhook(&row)?;
        let event = NewEvent::new(
            actor,
            Payload::WebhookDisabled(WebhookDisabled {
                webhook_id: hook.id,
                url: hook.url.clone(),
                reason,
            }),
        );
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: hook,
            events,
            replayed: false,
        })
    }

    /// The database's clock decides expiry, so nodes with skewed clocks agree.
    pub(crate) async fn claim_webhook_impl(
        &self,
        id: WebhookId,
        owner: uuid::Uuid,
        lease: std::time::Duration,
    ) -> StoreResult<bool> {
        let claimed = sqlx::query(
            "UPDATE webhooks
             SET lease_owner = $2, lease_until = now() + make_interval(secs => $3)
             WHERE id = $1 AND enabled
               AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $2)",
        )
        .bind(id.0)
        .bind(owner)
        .bind(lease.as_secs_f64())
        .execute(&self.pool)
        .await
        .map_err(classify)?
        .rows_affected();
        Ok(claimed == 1)
    }

    pub(crate) async fn list_delivery_attempts_impl(
        &self,
        id: WebhookId,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryAttempt>> {
        sqlx::query(
            "SELECT seq, at, status, error, duration_ms FROM webhook_attempts
             WHERE webhook_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(id.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(attempt)
        .collect()
    }
}
