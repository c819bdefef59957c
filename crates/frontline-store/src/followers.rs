//! Event followers: background tasks that act on the event log from a durable cursor
//! (`Store::claim_follower`, `Store::advance_follower`). The errors both backends answer,
//! worded once.

use crate::StoreError;

/// `NotFound` for advancing a follower that was never claimed.
pub fn follower_unknown(name: &str) -> StoreError {
    StoreError::not_found(format!("event follower {name:?}"))
}

/// `Conflict` for advancing a follower another owner claimed since.
pub fn follower_taken_over(name: &str, owner: uuid::Uuid) -> StoreError {
    StoreError::conflict(format!(
        "event follower {name:?} is no longer claimed by {owner}: claim it again before moving its cursor"
    ))
}
