//! The migrator: SQL files embedded in the binary, applied in version order, each in its own
//! transaction, recorded in `schema_migrations`. Version numbers match the SQLite backend's.
//!
//! Several nodes may start at once against one database, so every step first takes a
//! transaction-scoped advisory lock keyed by the schema: the first node migrates, the others
//! wait, then see the version recorded and skip it.

use frontline_store::StoreResult;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, PgPool, Row};

use crate::error::classify;

/// `(version, name, sql)`, in order. Never edit an applied file: add a new version.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/0001_foundation.sql"),
    ),
    (
        2,
        "webhooks",
        include_str!("../migrations/0002_webhooks.sql"),
    ),
    (
        3,
        "guidelines",
        include_str!("../migrations/0003_guidelines.sql"),
    ),
    (4, "asks", include_str!("../migrations/0004_asks.sql")),
    (
        5,
        "org_history",
        include_str!("../migrations/0005_org_history.sql"),
    ),
    (6, "leaders", include_str!("../migrations/0006_leaders.sql")),
    (
        7,
        "feelings",
        include_str!("../migrations/0007_feelings.sql"),
    ),
    (
        8,
        "proposals",
        include_str!("../migrations/0008_proposals.sql"),
    ),
    (9, "voice", include_str!("../migrations/0009_voice.sql")),
    (
        10,
        "scoreboard",
        include_str!("../migrations/0010_scoreboard.sql"),
    ),
    (
        11,
        "open_cases",
        include_str!("../migrations/0011_open_cases.sql"),
    ),
    (
        12,
        "credentials",
        include_str!("../migrations/0012_credentials.sql"),
    ),
    (13, "mail", include_str!("../migrations/0013_mail.sql")),
    (
        14,
        "mail_outbox",
        include_str!("../migrations/0014_mail_outbox.sql"),
    ),
    (
        15,
        "mail_bounces",
        include_str!("../migrations/0015_mail_bounces.sql"),
    ),
    (
        16,
        "event_followers",
        include_str!("../migrations/0016_event_followers.sql"),
    ),
    (
        17,
        "service_targets",
        include_str!("../migrations/0017_service_targets.sql"),
    ),
    (
        18,
        "attachments",
        include_str!("../migrations/0018_attachments.sql"),
    ),
    (
        19,
        "account_links",
        include_str!("../migrations/0019_account_links.sql"),
    ),
    (20, "people", include_str!("../migrations/0020_people.sql")),
    (
        21,
        "case_due",
        include_str!("../migrations/0021_case_due.sql"),
    ),
    (
        22,
        "case_text",
        include_str!("../migrations/0022_case_text.sql"),
    ),
    (
        23,
        "notifications",
        include_str!("../migrations/0023_notifications.sql"),
    ),
    (
        24,
        "address_links",
        include_str!("../migrations/0024_address_links.sql"),
    ),
];

/// First key of every advisory lock this crate takes ("FL" in ASCII), so it cannot collide
/// with another application's single-key locks.
pub(crate) const LOCK_CLASS: i32 = 0x464C;

/// Serialises migrators of one schema across nodes (the second key is the schema's hash).
const LOCK_SQL: &str = "SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))";

/// Bring the schema behind `pool`'s search_path up to date.
pub(crate) async fn run(pool: &PgPool) -> StoreResult<()> {
    for (version, name, sql) in MIGRATIONS {
        let mut tx = pool.begin().await.map_err(classify)?;
        sqlx::query(LOCK_SQL)
            .bind(LOCK_CLASS)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        let applied: bool =
            sqlx::query("SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)")
                .bind(version)
                .fetch_one(&mut *tx)
                .await
                .and_then(|row| row.try_get(0))
                .map_err(classify)?;
        if applied {
            continue;
        }
        tracing::info!(version, name, "applying migration");
        sqlx::raw_sql(*sql)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())")
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        tx.commit().await.map_err(classify)?;
    }
    Ok(())
}

/// Drop `schema` and everything in it; the name was checked as for `create_schema`.
pub(crate) async fn drop_schema(conn: &mut PgConnection, schema: &str) -> StoreResult<()> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
    )))
    .execute(&mut *conn)
    .await
    .map_err(classify)?;
    Ok(())
}

/// Create `schema` if it is missing. Under the same kind of lock, so two nodes creating the
/// same schema at once do not trip over each other's `CREATE SCHEMA`.
pub(crate) async fn create_schema(conn: &mut PgConnection, schema: &str) -> StoreResult<()> {
    let mut tx = conn.begin().await.map_err(classify)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(LOCK_CLASS)
        .bind(schema)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
    // The name was checked to be a plain lower-case identifier (see `lib.rs`), so quoting it
    // is enough to make it safe to splice in.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE SCHEMA IF NOT EXISTS \"{schema}\""
    )))
    .execute(&mut *tx)
    .await
    .map_err(classify)?;
    tx.commit().await.map_err(classify)
}
