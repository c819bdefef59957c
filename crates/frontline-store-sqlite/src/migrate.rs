//! Schema migrations, embedded in the binary. Version numbers are shared with the PostgreSQL
//! backend so `schema_migrations` reads the same on both.

use rusqlite::Connection;

use crate::rows::Db;
use frontline_store::StoreResult;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_foundation.sql")),
    (2, include_str!("../migrations/0002_webhooks.sql")),
    (3, include_str!("../migrations/0003_guidelines.sql")),
    (4, include_str!("../migrations/0004_asks.sql")),
    (6, include_str!("../migrations/0006_leaders.sql")),
];

pub(crate) fn run(conn: &mut Connection) -> StoreResult<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
        .db()?;
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction().db()?;
        let applied: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
                [version],
                |r| r.get(0),
            )
            .db()?;
        if !applied {
            tx.execute_batch(sql).db()?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                (version, frontline_core::time::now().as_millisecond()),
            )
            .db()?;
            tracing::info!(version, "applied sqlite migration");
        }
        tx.commit().db()?;
    }
    Ok(())
}
