//! Webhook subscriptions: where events are posted, which kinds, with which signing secret,
//! and how far delivery has got. The retry schedule lives here so every node (and the tests)
//! agree on it; the delivery itself (HTTP, signing) is the server's.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::event::EventKind;
use crate::ids::WebhookId;
use crate::time::Timestamp;

/// A subscription to the event log, delivered in order through a durable cursor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: WebhookId,
    /// Validated (scheme, destination address) by the server before it is stored.
    pub url: String,
    /// Which kinds to deliver; empty means every kind.
    pub kinds: Vec<EventKind>,
    /// `whsec_` + base64 of the key (Standard Webhooks); shown to the creator once.
    pub secret: String,
    /// The last event sequence number delivered (0: nothing yet).
    pub cursor: i64,
    pub enabled: bool,
    /// When the current run of failures started (`None` while deliveries succeed).
    pub failing_since: Option<Timestamp>,
    /// When the next retry is due after a failure.
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// First retry delay; each further attempt doubles it.
pub const RETRY_BASE: Duration = Duration::from_secs(5);
/// The longest wait between two attempts.
pub const RETRY_CAP: Duration = Duration::from_secs(60 * 60);
/// A subscription failing for longer than this is disabled: over a day, so a receiver down
/// for a whole day (a weekend deploy gone wrong) still gets everything.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(26 * 60 * 60);

/// The wait before attempt `attempt + 1` after `attempt` consecutive failures (1-based):
/// 5 s × 2^(attempt-1), capped at an hour, then spread ±20% by `jitter_0_to_1` (a uniform
/// random number) so many subscriptions failing together do not retry in lockstep.
pub fn retry_delay(attempt: u32, jitter_0_to_1: f64) -> Duration {
    retry_delay_from(RETRY_BASE, attempt, jitter_0_to_1)
}

/// `retry_delay` with another base (tests use milliseconds).
pub fn retry_delay_from(base: Duration, attempt: u32, jitter_0_to_1: f64) -> Duration {
    let exponent = attempt.saturating_sub(1).min(30);
    let raw = base.saturating_mul(1u32 << exponent).min(RETRY_CAP);
    let factor = 0.8 + 0.4 * jitter_0_to_1.clamp(0.0, 1.0);
    raw.mul_f64(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_five_seconds_and_stop_at_an_hour() {
        assert_eq!(retry_delay(1, 0.5), Duration::from_secs(5));
        assert_eq!(retry_delay(2, 0.5), Duration::from_secs(10));
        assert_eq!(retry_delay(3, 0.5), Duration::from_secs(20));
        assert_eq!(retry_delay(11, 0.5), RETRY_CAP);
        assert_eq!(retry_delay(1_000, 0.5), RETRY_CAP);
        assert_eq!(retry_delay(0, 0.5), Duration::from_secs(5));
    }

    #[test]
    fn jitter_spreads_twenty_percent_each_way_and_is_clamped() {
        assert_eq!(retry_delay(1, 0.0), Duration::from_secs(4));
        assert_eq!(retry_delay(1, 1.0), Duration::from_secs(6));
        assert_eq!(retry_delay(1, 7.0), Duration::from_secs(6));
        assert_eq!(retry_delay(1, -1.0), Duration::from_secs(4));
    }

    #[test]
    fn retries_last_more_than_a_day_before_giving_up() {
        assert!(GIVE_UP_AFTER > Duration::from_secs(24 * 60 * 60));
        // Even with the shortest jitter, the schedule keeps retrying at least hourly-ish.
        assert!(retry_delay(u32::MAX, 0.0) < GIVE_UP_AFTER);
    }
}
