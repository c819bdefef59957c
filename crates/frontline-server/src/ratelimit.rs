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

    /// `n` per hour, all of which may come at once.
    pub const fn per_hour(n: u32) -> Self {
        Self::new(
            n,
            Duration::from_millis(3_600_000 / if n == 0 { 1 } else { n as u64 }),
        )
    }

    /// Seconds for an empty bucket to fill up again: the policy's window.
    pub fn window_secs(&self) -> u64 {
        (self.every.as_secs_f64() * f64::from(self.burst.max(1)))
            .ceil()
            .max(1.0) as u64
    }
}

/// A limit as written on the command line: `off`, or a rate `N/s`, `N/min`, `N/h` with an
/// optional burst after a colon (`40/s:600`: 600 at once, then 40 a second). Without a burst,
/// a whole unit's worth may come at once (`30/min` is 30 at once, then one every 2 s).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit(pub Option<Quota>);

impl std::str::FromStr for Limit {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(Limit(None));
        }
        let wrong = || {
            format!(
                "{text:?} is not a limit: write off, or a rate such as 30/min, 40/s or 100/h, \
                 optionally with a burst after a colon (40/s:600)"
            )
        };
        let (rate, burst) = match text.split_once(':') {
            Some((rate, burst)) => (rate, Some(burst)),
            None => (text, None),
        };
        let (count, unit) = rate.split_once('/').ok_or_else(wrong)?;
        let count: u32 = count.trim().parse().map_err(|_| wrong())?;
        let unit_ms: u64 = match unit.trim() {
            "s" | "sec" | "second" => 1_000,
            "m" | "min" | "minute" => 60_000,
            "h" | "hour" => 3_600_000,
            _ => return Err(wrong()),
        };
        if count == 0 {
            return Err(format!(
                "{text:?}: a rate of 0 would refuse everything; write off to switch the limit off"
            ));
        }
        let burst = match burst {
            Some(burst) => burst
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|b| *b > 0)
                .ok_or_else(wrong)?,
            None => count,
        };
        let every = Duration::from_micros(unit_ms * 1000 / u64::from(count));
        Ok(Limit(Some(Quota::new(burst, every))))
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("off"),
            Some(quota) => {
                let per_second = 1.0 / quota.every.as_secs_f64().max(f64::EPSILON);
                write!(f, "{per_second:.3}/s:{}", quota.burst)
            }
        }
    }
}

/// The limits a server applies. `None` switches a limit off.
#[derive(Clone, Debug)]
pub struct RateLimitConfig {
    /// Sign-in attempts per account from one client address: a person who mistypes their
    /// password is slowed down, someone guessing from elsewhere does not lock them out.
    pub login_per_account_address: Option<Quota>,
    /// Sign-in attempts per account from all addresses together: slow, far above what a
    /// person types, and only a bound on guessing spread over many addresses.
    pub login_per_account: Option<Quota>,
    /// Sign-in attempts per client address, whatever the account.
    pub login_per_address: Option<Quota>,
    /// Sign-up, sign-in-link and reset mails asked for per address typed (known or not):
    /// each sends a mail, so this bounds mail sent to one inbox.
    pub links_per_account: Option<Quota>,
    /// Authenticated API calls per person.
    pub api_per_account: Option<Quota>,
    /// API calls per client address (authenticated or not).
    pub api_per_address: Option<Quota>,
}

impl Default for RateLimitConfig {
    /// Generous for people and integrations, tight for password guessing.
    fn default() -> Self {
        Self {
            login_per_account_address: Some(Quota::per_minute(10)),
            login_per_account: Some(Quota::per_hour(200)),
            login_per_address: Some(Quota::per_minute(30)),
            links_per_account: Some(Quota::per_hour(5)),
            api_per_account: Some(Quota::new(300, Duration::from_millis(50))),
            api_per_address: Some(Quota::new(600, Duration::from_millis(25))),
        }
    }
}

impl RateLimitConfig {
    /// No limits at all (tests that make many requests from one address, benchmarks).
    pub fn unlimited() -> Self {
        Self {
            login_per_account_address: None,
            login_per_account: None,
            login_per_address: None,
            links_per_account: None,
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

/// What a limiter said about one request, for the `RateLimit` headers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    /// The limiter's name in `RateLimit-Policy` (`per-address`, `per-account`).
    pub policy: &'static str,
    pub quota: Quota,
    /// Whole requests left after this one.
    pub remaining: u32,
    /// Seconds until the bucket is full again (`t` in the `RateLimit` header).
    pub reset_secs: u64,
    /// Whether this request may go ahead.
    pub allowed: bool,
    /// When refused: whole seconds until one request will be allowed.
    pub retry_after_secs: u64,
}

impl Verdict {
    /// `RateLimit-Policy: "per-address";q=600;w=15` (draft-ietf-httpapi-ratelimit-headers).
    pub fn policy_header(&self) -> String {
        format!(
            "\"{}\";q={};w={}",
            self.policy,
            self.quota.burst,
            self.quota.window_secs()
        )
    }

    /// `RateLimit: "per-address";r=599;t=1`.
    pub fn state_header(&self) -> String {
        format!(
            "\"{}\";r={};t={}",
            self.policy, self.remaining, self.reset_secs
        )
    }
}

/// One limit, keyed (by email, person id or address).
#[derive(Debug)]
pub struct Limiter {
    name: &'static str,
    quota: Option<Quota>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    /// How many keys to keep before dropping the refilled ones.
    const PRUNE_AT: usize = 10_000;

    pub fn new(quota: Option<Quota>) -> Self {
        Self::named("limit", quota)
    }

    pub fn named(name: &'static str, quota: Option<Quota>) -> Self {
        Self {
            name,
            quota,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take one token for `key`, or say in how many whole seconds one will be available.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        match self.take(key) {
            Some(verdict) if !verdict.allowed => Err(verdict.retry_after_secs),
            _ => Ok(()),
        }
    }

    /// Take one token for `key` and say how the bucket stands; `None` when switched off.
    pub fn take(&self, key: &str) -> Option<Verdict> {
        let quota = self.quota?;
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
        let allowed = bucket.tokens >= 1.0;
        if allowed {
            bucket.tokens -= 1.0;
        }
        let retry_after_secs = if allowed {
            0
        } else {
            ((1.0 - bucket.tokens) * per_token).ceil().max(1.0) as u64
        };
        Some(Verdict {
            policy: self.name,
            quota,
            remaining: bucket.tokens.floor().max(0.0) as u32,
            reset_secs: ((burst - bucket.tokens) * per_token).ceil().max(0.0) as u64,
            allowed,
            retry_after_secs,
        })
    }
}

/// The limiters of one server.
#[derive(Debug)]
pub struct Limits {
    pub login_per_account_address: Limiter,
    pub login_per_account: Limiter,
    pub login_per_address: Limiter,
    pub links_per_account: Limiter,
    pub api_per_account: Limiter,
    pub api_per_address: Limiter,
}

impl Limits {
    pub fn new(config: &RateLimitConfig) -> Self {
        Self {
            login_per_account_address: Limiter::named(
                "sign-in-per-account-and-address",
                config.login_per_account_address,
            ),
            login_per_account: Limiter::named("sign-in-per-account", config.login_per_account),
            login_per_address: Limiter::named("sign-in-per-address", config.login_per_address),
            links_per_account: Limiter::named("links-per-account", config.links_per_account),
            api_per_account: Limiter::named("per-account", config.api_per_account),
            api_per_address: Limiter::named("per-address", config.api_per_address),
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
    fn limits_parse_from_rates_with_optional_bursts() {
        let parse = |s: &str| s.parse::<Limit>();
        assert_eq!(parse("off"), Ok(Limit(None)));
        assert_eq!(parse("30/min"), Ok(Limit(Some(Quota::per_minute(30)))));
        assert_eq!(
            parse("40/s:600"),
            Ok(Limit(Some(Quota::new(600, Duration::from_millis(25)))))
        );
        assert_eq!(parse("200/h"), Ok(Limit(Some(Quota::per_hour(200)))));
        for wrong in ["", "30", "0/s", "30/day", "x/s", "5/s:0", "5/s:x"] {
            assert!(parse(wrong).is_err(), "{wrong:?} should be refused");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_verdict_says_what_is_left_and_when_the_bucket_is_full() {
        let limiter = Limiter::named("per-address", Some(Quota::new(3, Duration::from_secs(2))));
        let first = limiter.take("a").unwrap();
        assert!(first.allowed);
        assert_eq!((first.remaining, first.reset_secs), (2, 2));
        assert_eq!(first.policy_header(), "\"per-address\";q=3;w=6");
        assert_eq!(first.state_header(), "\"per-address\";r=2;t=2");
        limiter.take("a");
        limiter.take("a");
        let refused = limiter.take("a").unwrap();
        assert!(!refused.allowed);
        assert_eq!((refused.remaining, refused.retry_after_secs), (0, 2));
    }

    #[test]
    fn no_quota_means_no_limit() {
        let limiter = Limiter::new(None);
        for _ in 0..1000 {
            assert!(limiter.check("a").is_ok());
        }
    }
}

/// Counts per key over a sliding window, for limits on things other than requests (mail per
/// sender address). Per node.
#[derive(Debug, Default)]
pub struct Flood {
    seen: std::sync::Mutex<std::collections::HashMap<String, Vec<std::time::Instant>>>,
}

impl Flood {
    /// Count one for `key`; false (and not counted) when `limit` were counted in `window`.
    pub fn admit(&self, key: &str, limit: usize, window: std::time::Duration) -> bool {
        let now = std::time::Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        // Forget quiet keys so the map stays small.
        if seen.len() > 10_000 {
            seen.retain(|_, times| times.last().is_some_and(|t| now - *t < window));
        }
        let times = seen.entry(key.to_owned()).or_default();
        times.retain(|t| now - *t < window);
        if times.len() >= limit {
            return false;
        }
        times.push(now);
        true
    }
}
