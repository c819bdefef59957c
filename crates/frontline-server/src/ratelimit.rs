//! Keyed token buckets for login attempts and API calls, per account and per address. Small and
//! in-process on purpose (a crate like `governor` brings more than this needs); with several
//! nodes each node limits on its own, which bounds abuse well enough.
//!
//! Shared state: each `Limiter` holds a map from key to bucket behind a mutex. Every request
//! that is limited writes its key's bucket; the critical section is a few arithmetic
//! operations. Buckets that have refilled completely carry no information and are dropped when
//! the map grows, so memory stays bounded by the number of recently active keys.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// `burst` requests at once, then one more every `every`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quota {
    pub burst: u32,
    pub every: Duration,
}

impl Quota {
    pub const fn new(burst: u32, every: Duration) -> Self {
        Self { burst, every }
    }

    /// `n` per minute, all of which may come at once.
    pub const fn per_minute(n: u32) -> Self {
        Self::new(
            n,
            Duration::from_millis(60_000 / if n == 0 { 1 } else { n as u64 }),
        )
    }
}

/// The limits a server applies. `None` switches a limit off.
#[derive(Clone, Debug)]
pub struct RateLimitConfig {
    /// Sign-in attempts per email address.
    pub login_per_account: Option<Quota>,
    /// Sign-in attempts per client address.
    pub login_per_address: Option<Quota>,
    /// Authenticated API calls per person.
    pub api_per_account: Option<Quota>,
    /// API calls per client address (authenticated or not).
    pub api_per_address: Option<Quota>,
}

impl Default for RateLimitConfig {
    /// Generous for people and integrations, tight for password guessing.
    fn default() -> Self {
        Self {
            login_per_account: Some(Quota::per_minute(10)),
            login_per_address: Some(Quota::per_minute(30)),
            api_per_account: Some(Quota::new(300, Duration::from_millis(50))),
            api_per_address: Some(Quota::new(600, Duration::from_millis(25))),
        }
    }
}

impl RateLimitConfig {
    /// No limits at all (tests that make many requests from one address).
    pub fn unlimited() -> Self {
        Self {
            login_per_account: None,
            login_per_address: None,
            api_per_account: None,
            api_per_address: None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// One limit, keyed (by email, person id or address).
#[derive(Debug)]
pub struct Limiter {
    quota: Option<Quota>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    /// How many keys to keep before dropping the refilled ones.
    const PRUNE_AT: usize = 10_000;

    pub fn new(quota: Option<Quota>) -> Self {
        Self {
            quota,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take one token for `key`, or say in how many whole seconds one will be available.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let Some(quota) = self.quota else {
            return Ok(());
        };
        let now = Instant::now();
        let burst = f64::from(quota.burst.max(1));
        let per_token = quota.every.as_secs_f64().max(f64::EPSILON);
        // A poisoned lock only means another request panicked mid-update; the map is still
        // a valid map, so keep limiting rather than fail every request.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= Self::PRUNE_AT {
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.updated).as_secs_f64() / per_token < burst
            });
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let refilled = now.duration_since(bucket.updated).as_secs_f64() / per_token;
        bucket.tokens = (bucket.tokens + refilled).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) * per_token;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

/// The limiters of one server.
#[derive(Debug)]
pub struct Limits {
    pub login_per_account: Limiter,
    pub login_per_address: Limiter,
    pub api_per_account: Limiter,
    pub api_per_address: Limiter,
}

impl Limits {
    pub fn new(config: &RateLimitConfig) -> Self {
        Self {
            login_per_account: Limiter::new(config.login_per_account),
            login_per_address: Limiter::new(config.login_per_address),
            api_per_account: Limiter::new(config.api_per_account),
            api_per_address: Limiter::new(config.api_per_address),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_bucket_allows_its_burst_then_refills_over_time() {
        let limiter = Limiter::new(Some(Quota::new(2, Duration::from_secs(10))));
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        assert_eq!(limiter.check("a"), Err(10));
        assert!(limiter.check("b").is_ok(), "keys are limited separately");
        tokio::time::advance(Duration::from_secs(4)).await;
        assert_eq!(limiter.check("a"), Err(6));
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(limiter.check("a").is_ok());
    }

    #[test]
    fn no_quota_means_no_limit() {
        let limiter = Limiter::new(None);
        for _ in 0..1000 {
            assert!(limiter.check("a").is_ok());
        }
    }
}
