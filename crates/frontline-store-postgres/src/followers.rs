//! Event followers' cursors and leases (`Store::claim_follower`, `advance_follower`). Leases
//! run on the database's clock, so nodes agree on when one ran out.

use frontline_store::{StoreResult, follower_taken_over, follower_unknown};

use crate::PgStore;
use crate::error::classify;

impl PgStore {
    pub(crate) async fn claim_follower_impl(
        &self,
        name: &str,
        owner: uuid::Uuid,
        lease: std::time::Duration,
    ) -> StoreResult<Option<i64>> {
        // A new follower starts after the newest committed event: the counter, not max(seq),
        // since the counter's row lock orders appends by commit.
        sqlx::query_scalar(
            "INSERT INTO event_followers (name, cursor, lease_owner, lease_until)
             VALUES ($1, (SELECT last_seq FROM event_counter), $2,
                     now() + make_interval(secs => $3))
             ON CONFLICT (name) DO UPDATE SET lease_owner = excluded.lease_owner,
                                              lease_until = excluded.lease_until
             WHERE event_followers.lease_until IS NULL OR event_followers.lease_until < now()
                OR event_followers.lease_owner = $2
             RETURNING cursor",
        )
        .bind(name)
        .bind(owner)
        .bind(lease.as_secs_f64())
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)
    }

    pub(crate) async fn advance_follower_impl(
        &self,
        name: &str,
        owner: uuid::Uuid,
        seq: i64,
    ) -> StoreResult<()> {
        let moved = sqlx::query(
            "UPDATE event_followers SET cursor = GREATEST(cursor, $3)
             WHERE name = $1 AND lease_owner = $2",
        )
        .bind(name)
        .bind(owner)
        .bind(seq)
        .execute(&self.pool)
        .await
        .map_err(classify)?
        .rows_affected();
        if moved == 1 {
            return Ok(());
        }
        let known: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM event_followers WHERE name = $1)")
                .bind(name)
                .fetch_one(&self.pool)
                .await
                .map_err(classify)?;
        Err(if known {
            follower_taken_over(name, owner)
        } else {
            follower_unknown(name)
        })
    }
}
