//! Credentials as the store keeps them: API tokens and web sessions, named by an id so they can
//! be listed and revoked without their hash ever leaving the store.
//!
//! `last_used_at` is recorded at most once a minute per credential (`needs_touch`): a write on
//! every request would put every authenticated read on the write path, and "used in the last
//! minute" is as precise as anyone reading the list needs.

use frontline_core::{PersonId, SessionId, Timestamp, TokenId};
use serde::{Deserialize, Serialize};

/// How stale `last_used_at` may be before a use writes it again.
pub const LAST_USED_PRECISION_MS: i64 = 60_000;

/// Whether a credential last used at `last_used_at` should record a use at `now`.
pub fn needs_touch(last_used_at: Option<Timestamp>, now: Timestamp) -> bool {
    last_used_at
        .is_none_or(|last| now.as_millisecond() - last.as_millisecond() >= LAST_USED_PRECISION_MS)
}

/// A token to record. The token itself is shown once and never stored: only its hash.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub person_id: PersonId,
    pub token_hash: String,
    pub label: String,
    /// After this instant the token no longer authenticates; `None`: until revoked.
    pub expires_at: Option<Timestamp>,
}

/// An API token as listed: never its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: TokenId,
    pub person_id: PersonId,
    pub label: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    /// To the minute (see the module header); `None` if never used.
    pub last_used_at: Option<Timestamp>,
}

/// A live web session as listed: never its cookie hash or CSRF token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: SessionId,
    pub person_id: PersonId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// To the minute (see the module header).
    pub last_used_at: Timestamp,
    /// The browser's `User-Agent` when the session started, cut to `MAX_USER_AGENT_CHARS`.
    pub user_agent: Option<String>,
}

/// User agents longer than this are cut: it is a hint for a person recognising a device.
pub const MAX_USER_AGENT_CHARS: usize = 200;

/// How many credentials a revocation ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    pub tokens: u64,
    pub sessions: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontline_core::time;

    #[test]
    fn a_use_is_recorded_when_never_used_or_a_minute_after_the_last() {
        let t = |ms| time::from_millis(ms);
        assert!(needs_touch(None, t(0)));
        assert!(!needs_touch(Some(t(1_000)), t(60_999)));
        assert!(needs_touch(Some(t(1_000)), t(61_000)));
    }
}
