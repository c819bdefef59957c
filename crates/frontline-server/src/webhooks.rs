//! Webhook delivery. A supervisor keeps one task per enabled subscription; each task reads the
//! event log after its subscription's durable cursor and posts events one at a time, in
//! order, signed per Standard Webhooks. A failure is recorded and the same event retried with
//! exponential backoff and jitter; a subscription failing for longer than the give-up time is
//! disabled (with its event). Tasks share nothing but the store and an HTTP client, so a slow
//! or dead receiver only ever delays its own subscription.
//!
//! Delivery is at least once: the cursor advances after the receiver answered 2xx, so a crash
//! between the two resends that event (receivers deduplicate on `webhook-id`).
//!
//! `https://` receivers are verified against the platform's trusted roots (rustls with the
//! platform verifier; aws-lc-rs is the process's one crypto provider, see STACK.md), plus any
//! extra certificate authorities the server was given (`ServerConfig::webhook_roots`, for a
//! private CA). A certificate that does not verify fails the attempt, with the reason recorded.
//!
//! With several nodes on one PostgreSQL database, every node runs tasks but only the one
//! holding a subscription's lease (`Store::claim_webhook`, renewed while it works) delivers
//! it; when that node dies its lease runs out and another takes over, from the durable cursor.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use frontline_core::{Event, EventKind, Webhook, WebhookId, time};
use frontline_store::{DeliveryAttempt, DeliveryOutcome, EventFilter, Store, StoreError};
use tokio::task::JoinHandle;

use crate::error::Result;

mod destinations;
mod signing;
use destinations::PublicOnly;
pub use destinations::{check_url, is_internal};
pub use signing::{new_secret, sign};

/// How long a receiver may take to answer one delivery.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The supervisor re-lists subscriptions at least this often (besides on `webhook.*` events).
const RESYNC: Duration = Duration::from_secs(3);
/// Events read per query by a subscription's task.
const PAGE: u32 = 100;
/// How long a claim on a subscription lasts; renewed when less than half is left. Longer
/// than one attempt (`TIMEOUT`), so a lease cannot run out in the middle of a post.
const LEASE: Duration = Duration::from_secs(30);

/// This node's claim on one subscription.
struct Lease {
    owner: uuid::Uuid,
    /// Until when we hold it, as far as we know.
    until: Option<Instant>,
}

impl Lease {
    /// Whether this node may deliver now, renewing the claim when it runs low.
    async fn hold(&mut self, store: &dyn Store, id: WebhookId) -> bool {
        let now = Instant::now();
        if self.until.is_some_and(|until| until > now + LEASE / 2) {
            return true;
        }
        match store.claim_webhook(id, self.owner, LEASE).await {
            Ok(true) => {
                self.until = Some(now + LEASE);
                true
            }
            Ok(false) => {
                self.until = None;
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, webhook = %id, "could not claim a webhook");
                self.until = None;
                false
            }
        }
    }
}

/// The delivery knobs, from `ServerConfig`.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Deliver to loopback and private addresses too (see `ServerConfig`).
    pub allow_private: bool,
    pub retry_base: Duration,
    pub give_up_after: Duration,
    /// Extra trusted certificate authorities, beside the platform's.
    pub extra_roots: Vec<reqwest::Certificate>,
    /// The server's clock: when an attempt happened and when the next is due.
    pub clock: frontline_core::time::Clock,
}

/// The certificates in a PEM bundle, for `ServerConfig::webhook_roots`.
pub fn roots_from_pem(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, String> {
    let roots = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| format!("not a PEM certificate bundle: {e}"))?;
    if roots.is_empty() {
        return Err("the PEM bundle holds no certificate".into());
    }
    Ok(roots)
}

/// The running supervisor. Dropping this handle does not stop it: `stop` does.
#[derive(Debug)]
pub struct Deliverer {
    stop: tokio::sync::watch::Sender<bool>,
}

impl crate::state::Background for Deliverer {
    fn stop(&self) {
        Deliverer::stop(self);
    }
}

/// Start this node's webhook delivery unless it runs already: at start (`serve`) and on the
/// first webhook created.
pub fn ensure_delivery(state: &crate::state::AppState) {
    state.run_in_background("webhook delivery", || {
        Box::new(Deliverer::start(
            state.store.clone(),
            Settings {
                allow_private: state.config.allow_private_webhooks,
                retry_base: state.config.webhook_retry_base,
                give_up_after: state.config.webhook_give_up_after,
                extra_roots: state.config.webhook_roots.clone(),
                clock: state.config.clock.clone(),
            },
        ))
    });
}

impl Deliverer {
    /// Start the supervisor. It ends when the store's doorbell closes.
    pub fn start(store: Arc<dyn Store>, settings: Settings) -> Deliverer {
        let client = reqwest::Client::builder()
            .tls_certs_merge(settings.extra_roots.clone())
            .timeout(TIMEOUT)
            // A redirect could lead to an address the URL check refused.
            .redirect(reqwest::redirect::Policy::none())
            // The addresses checked are the addresses connected to (see `PublicOnly`).
            .dns_resolver(PublicOnly {
                allow_private: settings.allow_private,
            })
            .build()
            .unwrap_or_default();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        // Names this node in leases; a restart is a new node (its old leases just run out).
        let node = uuid::Uuid::now_v7();
        tokio::spawn(supervise(store, client, settings, node, stopped));
        Deliverer { stop }
    }

    /// Stop every delivery task (the server is shutting down). An attempt in flight is
    /// abandoned; its event is sent again next time (at least once).
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

async fn supervise(
    store: Arc<dyn Store>,
    client: reqwest::Client,
    settings: Settings,
    node: uuid::Uuid,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let mut doorbell = store.subscribe();
    let mut tasks: HashMap<WebhookId, JoinHandle<()>> = HashMap::new();
    let mut seen = store.last_seq().await.unwrap_or(0);
    let mut resync = true;
    loop {
        if resync {
            match store.list_webhooks().await {
                Ok(hooks) => {
                    let enabled: Vec<WebhookId> =
                        hooks.iter().filter(|h| h.enabled).map(|h| h.id).collect();
                    tasks.retain(|id, task| {
                        let keep = enabled.contains(id) && !task.is_finished();
                        if !keep {
                            task.abort();
                        }
                        keep
                    });
                    for id in enabled {
                        tasks.entry(id).or_insert_with(|| {
                            let (store, client) = (store.clone(), client.clone());
                            tokio::spawn(run(store, client, settings.clone(), node, id))
                        });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not list webhooks; will retry"),
            }
        }
        let woken = tokio::select! {
            woken = tokio::time::timeout(RESYNC, doorbell.changed()) => woken,
            _ = stopped.changed() => break,
        };
        match woken {
            Err(_) => resync = true,
            Ok(Err(_)) => break,
            Ok(Ok(())) => {
                // Only a subscription change needs a re-list; other events are the tasks' job.
                let filter = EventFilter {
                    kinds: vec![EventKind::WebhookCreated, EventKind::WebhookDisabled],
                    ..EventFilter::default()
                };
                let head = *doorbell.borrow_and_update();
                resync = match store.events_after(seen, PAGE, filter).await {
                    Ok(events) => !events.is_empty(),
                    Err(_) => true,
                };
                seen = seen.max(head);
            }
        }
    }
    for task in tasks.values() {
        task.abort();
    }
}

/// Deliver one subscription until it is disabled or deleted.
async fn run(
    store: Arc<dyn Store>,
    client: reqwest::Client,
    settings: Settings,
    node: uuid::Uuid,
    id: WebhookId,
) {
    let mut doorbell = store.subscribe();
    let mut failures: u32 = 0;
    // Events up to here were read and none matched (in memory only: a restart rescans once).
    let mut scanned: i64 = 0;
    let mut lease = Lease {
        owner: node,
        until: None,
    };
    loop {
        let mut hook = match store.get_webhook(id).await {
            Ok(hook) if hook.enabled => hook,
            Ok(_) | Err(StoreError::NotFound { .. }) => return,
            Err(e) => {
                tracing::warn!(error = %e, webhook = %id, "could not load webhook; will retry");
                tokio::time::sleep(settings.retry_base).await;
                continue;
            }
        };
        if !lease.hold(&*store, id).await {
            // Another node delivers it; look again in a while (it may die).
            tokio::time::sleep(RESYNC).await;
            continue;
        }
        if failures == 0
            && let Some(since) = hook.failing_since
        {
            // Taking over a failing subscription (restart, another node died): continue the
            // backoff where it was instead of starting again from the shortest delay.
            failures = failures_so_far(&settings, since, settings.clock.now());
        }
        if let Some(next) = hook.next_attempt_at {
            let wait = next.as_millisecond() - settings.clock.now().as_millisecond();
            if wait > 0 {
                tokio::time::sleep(Duration::from_millis(wait.unsigned_abs())).await;
            }
        }
        let filter = EventFilter {
            kinds: hook.kinds.clone(),
            ..EventFilter::default()
        };
        // Everything up to the doorbell's value is committed (the log has no gaps), so a read
        // that found nothing lets the next one start there: a subscription to rare kinds
        // does not rescan the same events on every commit.
        let head = *doorbell.borrow_and_update();
        let from = hook.cursor.max(scanned);
        let events = match store.events_after(from, PAGE, filter).await {
            Ok(events) => events,
            Err(e) => {
                tracing::warn!(error = %e, webhook = %id, "could not read events; will retry");
                tokio::time::sleep(settings.retry_base).await;
                continue;
            }
        };
        if events.is_empty() {
            scanned = scanned.max(head);
            // Woken by the next commit; the timeout also notices a disable from another node.
            let _ = tokio::time::timeout(RESYNC, doorbell.changed()).await;
            continue;
        }
        for event in &events {
            if !lease.hold(&*store, id).await {
                break;
            }
            match deliver_one(&*store, &client, &settings, &hook, event, &mut failures).await {
                // Keep the local copy as the store now has it, for the next event.
                Step::Delivered => {
                    hook.cursor = event.seq;
                    hook.failing_since = None;
                }
                // Reload: the subscription's state (retry time, enabled) decides what is next.
                Step::Retry | Step::Stop => break,
            }
        }
    }
}

/// How many failures the backoff schedule fits into the time since `since`.
fn failures_so_far(
    settings: &Settings,
    since: frontline_core::Timestamp,
    now: frontline_core::Timestamp,
) -> u32 {
    let elapsed = now.as_millisecond() - since.as_millisecond();
    let mut total: i64 = 0;
    let mut n: u32 = 0;
    while total <= elapsed && n < 64 {
        n += 1;
        let delay = frontline_core::webhook::retry_delay_from(settings.retry_base, n, 0.5);
        total = total.saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
    }
    n
}

enum Step {
    Delivered,
    Retry,
    Stop,
}

async fn deliver_one(
    store: &dyn Store,
    client: &reqwest::Client,
    settings: &Settings,
    hook: &Webhook,
    event: &Event,
    failures: &mut u32,
) -> Step {
    let started = Instant::now();
    let at = settings.clock.now();
    // Checked again before every attempt: a name that resolved to a public address when the
    // subscription was created may resolve to an internal one now (DNS rebinding).
    let result = match check_url(&hook.url, settings.allow_private).await {
        Ok(_) => post(client, hook, event).await,
        Err(crate::error::AppError::Invalid { errors, .. }) => Err(format!(
            "destination refused: the URL {}",
            errors
                .first()
                .map_or("is not allowed", |e| e.detail.as_str())
        )),
        Err(_) => Err("destination refused".to_owned()),
    };
    let duration_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    let (status, error) = match &result {
        Ok(status) if (200..300).contains(status) => (Some(*status), None),
        Ok(status) => (
            Some(*status),
            Some(format!("the receiver answered {status}")),
        ),
        Err(e) => (None, Some(e.clone())),
    };
    let attempt = DeliveryAttempt {
        seq: event.seq,
        at,
        status,
        error: error.clone(),
        duration_ms,
    };
    if error.is_none() {
        *failures = 0;
        let outcome = DeliveryOutcome::Delivered { cursor: event.seq };
        return match store.record_delivery(hook.id, attempt, outcome).await {
            Ok(()) => Step::Delivered,
            Err(StoreError::NotFound { .. }) => Step::Stop,
            // Not recorded: the event is sent again (at least once).
            Err(e) => {
                tracing::warn!(error = %e, webhook = %hook.id, "could not record a delivery");
                Step::Retry
            }
        };
    }
    *failures = failures.saturating_add(1);
    let failing_since = hook.failing_since.unwrap_or(at);
    let failing_for = at.as_millisecond() - failing_since.as_millisecond();
    if failing_for > i64::try_from(settings.give_up_after.as_millis()).unwrap_or(i64::MAX) {
        let _ = store
            .record_delivery(
                hook.id,
                attempt,
                DeliveryOutcome::Failed {
                    next_attempt_at: at,
                    failing_since,
                },
            )
            .await;
        let reason = format!(
            "deliveries failed for longer than {} s (since {failing_since})",
            settings.give_up_after.as_secs()
        );
        if let Err(e) = store.disable_webhook(None, hook.id, reason).await {
            tracing::warn!(error = %e, webhook = %hook.id, "could not disable a failing webhook");
        }
        return Step::Stop;
    }
    let delay = frontline_core::webhook::retry_delay_from(
        settings.retry_base,
        *failures,
        rand::random::<f64>(),
    );
    let next_attempt_at = time::from_millis(
        at.as_millisecond()
            .saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX)),
    );
    let outcome = DeliveryOutcome::Failed {
        next_attempt_at,
        failing_since,
    };
    if let Err(e) = store.record_delivery(hook.id, attempt, outcome).await {
        tracing::warn!(error = %e, webhook = %hook.id, "could not record a failed delivery");
        tokio::time::sleep(delay).await;
    }
    Step::Retry
}

/// Post one event; the receiver's status, or why there was none.
async fn post(client: &reqwest::Client, hook: &Webhook, event: &Event) -> Result<u16, String> {
    let body = serde_json::to_string(&crate::views::EventView::from(event))
        .map_err(|e| format!("could not encode the event: {e}"))?;
    let message_id = format!("{}_{}", hook.id, event.seq);
    let timestamp = jiff::Timestamp::now().as_second();
    let signature = sign(&hook.secret, &message_id, timestamp, &body)?;
    let response = client
        .post(&hook.url)
        .header("content-type", "application/json")
        .header("webhook-id", &message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("request failed: {}", causes(&e)))?;
    Ok(response.status().as_u16())
}

/// An error with its causes, outermost first: reqwest's own message is only "error sending
/// request", and the reason (refused, timed out, which certificate check failed) is below it.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_over_failing_subscription_continues_its_backoff() {
        let settings = Settings {
            allow_private: false,
            retry_base: Duration::from_secs(5),
            give_up_after: Duration::from_secs(3600),
            extra_roots: Vec::new(),
            clock: frontline_core::time::Clock::system(),
        };
        let now: frontline_core::Timestamp = "2026-12-02T12:00:00Z".parse().unwrap();
        let ago = |s: i64| time::from_millis(now.as_millisecond() - s * 1000);
        assert_eq!(failures_so_far(&settings, ago(0), now), 1);
        // Failures at 0, 5, 15 and 35 s (waits of 5, 10, 20 s): four by 40 s.
        assert_eq!(failures_so_far(&settings, ago(40), now), 4);
        assert!(failures_so_far(&settings, ago(30 * 3600), now) < 64);
    }
}
