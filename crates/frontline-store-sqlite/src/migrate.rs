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
    (5, include_str!("../migrations/0005_org_history.sql")),
    (6, include_str!("../migrations/0006_leaders.sql")),
    (7, include_str!("../migrations/0007_feelings.sql")),
    (8, include_str!("../migrations/0008_proposals.sql")),
    (9, include_str!("../migrations/0009_voice.sql")),
    (10, include_str!("../migrations/0010_scoreboard.sql")),
    (11, include_str!("../migrations/0011_open_cases.sql")),
    (12, include_str!("../migrations/0012_credentials.sql")),
    (13, include_str!("../migrations/0013_mail.sql")),
    (14, include_str!("../migrations/0014_mail_outbox.sql")),
    (15, include_str!("../migrations/0015_mail_bounces.sql")),
    (16, include_str!("../migrations/0016_event_followers.sql")),
    (17, include_str!("../migrations/0017_service_targets.sql")),
    (18, include_str!("../migrations/0018_attachments.sql")),
    (19, include_str!("../migrations/0019_account_links.sql")),
    (20, include_str!("../migrations/0020_people.sql")),
    (21, include_str!("../migrations/0021_case_due.sql")),
    (22, include_str!("../migrations/0022_case_text.sql")),
    (23, include_str!("../migrations/0023_notifications.sql")),
    (24, include_str!("../migrations/0024_address_links.sql")),
];

/// The newest migration this binary knows; a database with a newer one was written by a newer
/// Frontline.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |(version, _)| *version)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_org_history_migration_backfills_everyone_present() {
        let mut conn = Connection::open_in_memory().unwrap();
        // A database as it was before role history: migrations up to 3, and two people.
        for (_, sql) in MIGRATIONS.iter().filter(|(v, _)| *v <= 3) {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
             INSERT INTO schema_migrations VALUES (1, 0), (2, 0), (3, 0);
             INSERT INTO people (id, email, name, role, title, capacity, created_at)
             VALUES ('01900000-0000-7000-8000-000000000001', 'ceo@x.test', 'Cleo', 'support', 'CEO', 5, 1000),
                    ('01900000-0000-7000-8000-000000000002', 'ann@x.test', 'Ann', 'employee', NULL, 5, 2000);
             INSERT INTO teams (id, name, created_at) VALUES ('01900000-0000-7000-8000-0000000000aa', 'Orders', 500);",
        )
        .unwrap();
        run(&mut conn).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT role, title, valid_from, valid_to FROM role_periods ORDER BY valid_from",
            )
            .unwrap();
        let periods: Vec<(String, Option<String>, i64, Option<i64>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            periods,
            [
                ("support".into(), Some("CEO".into()), 1000, None),
                ("employee".into(), None, 2000, None)
            ]
        );
        let retired: Option<i64> = conn
            .query_row("SELECT retired_at FROM teams", [], |r| r.get(0))
            .unwrap();
        assert_eq!(retired, None, "teams keep working");
    }
}
