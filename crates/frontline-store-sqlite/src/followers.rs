//! Event followers' cursors and leases (`Store::claim_follower`, `advance_follower`), through
//! the writer so a claim and the cursor it answers are one step.

use frontline_core::time;
use frontline_store::{StoreResult, follower_taken_over, follower_unknown};
use rusqlite::{OptionalExtension, params};

use crate::rows::{Db, ms};
use crate::writer::WriteTx;

pub(crate) fn claim(
    w: &mut WriteTx<'_>,
    name: &str,
    owner: uuid::Uuid,
    lease: std::time::Duration,
) -> StoreResult<Option<i64>> {
    let now = time::now();
    let until = now
        .as_millisecond()
        .saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
    // A new follower starts after the newest event (this batch's included: the writer's
    // transaction sees them).
    w.conn
        .prepare_cached(
            "INSERT INTO event_followers (name, cursor, lease_owner, lease_until)
             VALUES (?1, (SELECT coalesce(max(seq), 0) FROM events), ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET lease_owner = excluded.lease_owner,
                                              lease_until = excluded.lease_until
             WHERE lease_until IS NULL OR lease_until < ?4 OR lease_owner = ?2
             RETURNING cursor",
        )
        .db()?
        .query_row(params![name, owner.to_string(), until, ms(now)], |r| {
            r.get(0)
        })
        .optional()
        .db()
}

pub(crate) fn advance(
    w: &mut WriteTx<'_>,
    name: &str,
    owner: uuid::Uuid,
    seq: i64,
) -> StoreResult<()> {
    let moved = w
        .conn
        .prepare_cached(
            "UPDATE event_followers SET cursor = max(cursor, ?3)
             WHERE name = ?1 AND lease_owner = ?2",
        )
        .db()?
        .execute(params![name, owner.to_string(), seq])
        .db()?;
    if moved == 1 {
        return Ok(());
    }
    let known: bool = w
        .conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM event_followers WHERE name = ?1)",
            [name],
            |r| r.get(0),
        )
        .db()?;
    Err(if known {
        follower_taken_over(name, owner)
    } else {
        follower_unknown(name)
    })
}

/// After an import: every follower starts after the imported log, so no history it never
/// saw happen is acted on (no rating mail for a case resolved years ago).
pub(crate) fn skip_to_end(w: &mut WriteTx<'_>) -> StoreResult<()> {
    w.conn
        .execute(
            "UPDATE event_followers SET cursor = (SELECT coalesce(max(seq), 0) FROM events)",
            [],
        )
        .db()?;
    Ok(())
}
