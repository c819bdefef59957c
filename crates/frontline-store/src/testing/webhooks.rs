//! Conformance checks for webhook subscriptions: creation and its event (without the secret),
//! the delivery cursor and failure bookkeeping, disabling, and the attempt history.

use std::future::Future;
use std::sync::Arc;

use frontline_core::{EventKind, WebhookId, time};

use crate::*;

fn new_webhook(url: &str, kinds: Vec<EventKind>) -> NewWebhook {
    NewWebhook {
        url: url.into(),
        kinds,
        secret: "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0".into(),
    }
}

fn attempt(seq: i64, at_ms: i64, status: Option<u16>) -> DeliveryAttempt {
    DeliveryAttempt {
        seq,
        at: time::from_millis(at_ms),
        status,
        error: status
            .filter(|s| !(200..300).contains(s))
            .map(|s| format!("answered {s}")),
        duration_ms: 12,
    }
}

pub async fn webhooks_are_created_listed_and_found<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let kinds = vec![EventKind::CaseCreated, EventKind::MessageAdded];
    let written = store
        .create_webhook(None, new_webhook("http://hooks.example/a", kinds.clone()))
        .await
        .unwrap();
    let hook = written.value;
    assert_eq!(hook.url, "http://hooks.example/a");
    assert_eq!(hook.kinds, kinds);
    assert!(hook.enabled);
    assert_eq!(hook.failing_since, None);
    assert_eq!(hook.next_attempt_at, None);
    assert_eq!(written.events.len(), 1);
    let event = &written.events[0];
    assert_eq!(event.kind, EventKind::WebhookCreated);
    assert_eq!(event.audience, frontline_core::Audience::Staff);
    assert_eq!(
        hook.cursor,
        event.seq - 1,
        "a new subscription starts at its own creation event, not the whole history"
    );
    assert!(
        !event.payload.to_string().contains(&hook.secret),
        "the event must not carry the secret: {}",
        event.payload
    );

    let second = store
        .create_webhook(None, new_webhook("http://hooks.example/b", Vec::new()))
        .await
        .unwrap()
        .value;
    assert_eq!(second.kinds, Vec::new());
    let listed = store.list_webhooks().await.unwrap();
    assert_eq!(listed, vec![hook.clone(), second]);
    assert_eq!(store.get_webhook(hook.id).await.unwrap(), hook);
    assert_err!(
        store.get_webhook(WebhookId::new()).await,
        StoreError::NotFound { .. }
    );
}

pub async fn deliveries_advance_the_cursor_and_failures_are_recorded<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let hook = store
        .create_webhook(None, new_webhook("http://hooks.example/a", Vec::new()))
        .await
        .unwrap()
        .value;
    let (since, next) = (time::from_millis(1_000), time::from_millis(6_000));
    store
        .record_delivery(
            hook.id,
            attempt(1, 1_000, Some(500)),
            DeliveryOutcome::Failed {
                next_attempt_at: next,
                failing_since: since,
            },
        )
        .await
        .unwrap();
    let failed = store.get_webhook(hook.id).await.unwrap();
    assert_eq!(failed.cursor, hook.cursor);
    assert_eq!(failed.failing_since, Some(since));
    assert_eq!(failed.next_attempt_at, Some(next));
    assert!(failed.enabled);

    store
        .record_delivery(
            hook.id,
            attempt(1, 7_000, Some(204)),
            DeliveryOutcome::Delivered {
                cursor: hook.cursor + 1,
            },
        )
        .await
        .unwrap();
    let delivered = store.get_webhook(hook.id).await.unwrap();
    assert_eq!(delivered.cursor, hook.cursor + 1);
    assert_eq!(delivered.failing_since, None);
    assert_eq!(delivered.next_attempt_at, None);

    let before = store.last_seq().await.unwrap();
    assert_eq!(
        before,
        store.last_seq().await.unwrap(),
        "attempts append no event"
    );
    assert_err!(
        store
            .record_delivery(
                WebhookId::new(),
                attempt(1, 1_000, Some(204)),
                DeliveryOutcome::Delivered { cursor: 1 },
            )
            .await,
        StoreError::NotFound { .. }
    );
    assert_eq!(store.last_seq().await.unwrap(), before);
}

pub async fn disabling_a_webhook_appends_its_event<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let hook = store
        .create_webhook(None, new_webhook("http://hooks.example/a", Vec::new()))
        .await
        .unwrap()
        .value;
    let written = store
        .disable_webhook(None, hook.id, "failing for 26 hours".into())
        .await
        .unwrap();
    assert!(!written.value.enabled);
    assert_eq!(written.events.len(), 1);
    assert_eq!(written.events[0].kind, EventKind::WebhookDisabled);
    assert_eq!(
        decoded!(written.events[0], WebhookDisabled).reason,
        "failing for 26 hours"
    );
    assert!(!store.get_webhook(hook.id).await.unwrap().enabled);
    assert_err!(
        store
            .disable_webhook(None, WebhookId::new(), "gone".into())
            .await,
        StoreError::NotFound { .. }
    );
}

pub async fn delivery_attempts_list_newest_first<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let hook = store
        .create_webhook(None, new_webhook("http://hooks.example/a", Vec::new()))
        .await
        .unwrap()
        .value;
    let other = store
        .create_webhook(None, new_webhook("http://hooks.example/b", Vec::new()))
        .await
        .unwrap()
        .value;
    let failed = DeliveryOutcome::Failed {
        next_attempt_at: time::from_millis(9_000),
        failing_since: time::from_millis(1_000),
    };
    for (i, status) in [Some(500), None, Some(204)].into_iter().enumerate() {
        let outcome = if status == Some(204) {
            DeliveryOutcome::Delivered { cursor: 1 }
        } else {
            failed
        };
        let at = 1_000 * (i as i64 + 1);
        store
            .record_delivery(hook.id, attempt(1, at, status), outcome)
            .await
            .unwrap();
    }
    store
        .record_delivery(other.id, attempt(1, 500, Some(204)), failed)
        .await
        .unwrap();
    let attempts = store.list_delivery_attempts(hook.id, 10).await.unwrap();
    let times: Vec<i64> = attempts.iter().map(|a| a.at.as_millisecond()).collect();
    assert_eq!(times, vec![3_000, 2_000, 1_000]);
    assert_eq!(attempts[0], attempt(1, 3_000, Some(204)));
    assert_eq!(attempts[1].status, None);
    assert_eq!(attempts[2].error.as_deref(), Some("answered 500"));
    let newest = store.list_delivery_attempts(hook.id, 2).await.unwrap();
    assert_eq!(newest.len(), 2);
    assert_eq!(newest[0].at.as_millisecond(), 3_000);
    assert!(
        store
            .list_delivery_attempts(WebhookId::new(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn one_node_at_a_time_holds_a_webhook_lease<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    use std::time::Duration;
    let hook = store
        .create_webhook(None, new_webhook("http://hooks.example/a", Vec::new()))
        .await
        .unwrap()
        .value;
    let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let short = Duration::from_millis(200);
    assert!(store.claim_webhook(hook.id, a, short).await.unwrap());
    assert!(!store.claim_webhook(hook.id, b, short).await.unwrap());
    assert!(
        store.claim_webhook(hook.id, a, short).await.unwrap(),
        "the holder renews"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        store.claim_webhook(hook.id, b, short).await.unwrap(),
        "an expired lease is taken over"
    );
    assert!(!store.claim_webhook(hook.id, a, short).await.unwrap());
    assert!(
        !store
            .claim_webhook(WebhookId::new(), a, short)
            .await
            .unwrap()
    );
    store
        .disable_webhook(None, hook.id, "done".into())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        !store.claim_webhook(hook.id, a, short).await.unwrap(),
        "a disabled subscription is not delivered"
    );
}

/// Only the newest `DELIVERY_ATTEMPTS_KEPT` attempts of a subscription are kept; another
/// subscription's attempts are untouched.
pub async fn old_delivery_attempts_are_pruned<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let hook = store
        .create_webhook(None, new_webhook("http://hooks.example/a", Vec::new()))
        .await
        .unwrap()
        .value;
    let other = store
        .create_webhook(None, new_webhook("http://hooks.example/b", Vec::new()))
        .await
        .unwrap()
        .value;
    let failed = DeliveryOutcome::Failed {
        next_attempt_at: time::from_millis(9_000_000),
        failing_since: time::from_millis(1_000),
    };
    store
        .record_delivery(other.id, attempt(1, 500, None), failed)
        .await
        .unwrap();
    let total = crate::DELIVERY_ATTEMPTS_KEPT + 20;
    for i in 1..=total {
        store
            .record_delivery(hook.id, attempt(1, 1_000 * i, None), failed)
            .await
            .unwrap();
    }
    let kept = store.list_delivery_attempts(hook.id, 10_000).await.unwrap();
    assert_eq!(kept.len() as i64, crate::DELIVERY_ATTEMPTS_KEPT);
    assert_eq!(
        kept[0].at.as_millisecond(),
        1_000 * total,
        "the newest is kept"
    );
    assert_eq!(
        kept.last().unwrap().at.as_millisecond(),
        1_000 * 21,
        "exactly the oldest 20 went"
    );
    assert_eq!(
        store
            .list_delivery_attempts(other.id, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}
