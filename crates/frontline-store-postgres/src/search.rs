//! The case text index (`case_text`, migration 0022): one weighted tsvector per case, rebuilt
//! in the transaction of each write that changes what a case says (its first message, a reply,
//! its tags, its customer's name or addresses).
//!
//! The text goes through `frontline_core::search::normalise` before `to_tsvector('simple',
//! …)`: PostgreSQL's parser would keep `ana@example.com` or `1.5` as one word and leave
//! accents on, where SQLite's index (and the query side) split and fold them.

use frontline_core::search::normalise;
use frontline_core::{CaseId, CaseNumber, PersonId};
use frontline_store::StoreResult;
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, PgPool, Row};
use uuid::Uuid;

use crate::error::classify;

/// Each part of a case (head, public messages, internal notes) is indexed up to this many
/// bytes: a tsvector holds at most 1 MiB, and a write must never fail for being long.
const MAX_PART_BYTES: usize = 256 * 1024;

/// Index this many cases a statement when filling the index for old cases.
const BATCH: i64 = 500;

const ROWS: &str = "SELECT c.id, c.number, c.subject, c.tags, p.name, p.email,
       coalesce((SELECT string_agg(a.address, ' ') FROM person_addresses a
                 WHERE a.person_id = p.id), '') AS addresses,
       coalesce((SELECT string_agg(m.body, E'\\n' ORDER BY m.created_at, m.id) FROM messages m
                 WHERE m.case_id = c.id AND m.visibility = 'public'), '') AS public,
       coalesce((SELECT string_agg(m.body, E'\\n' ORDER BY m.created_at, m.id) FROM messages m
                 WHERE m.case_id = c.id AND m.visibility = 'internal'), '') AS internal
FROM cases c JOIN people p ON p.id = c.customer_id";

/// Rebuild the index row of case `id`.
pub(crate) async fn index_case(conn: &mut PgConnection, id: CaseId) -> StoreResult<()> {
    let rows = sqlx::query(AssertSqlSafe(format!("{ROWS} WHERE c.id = $1")))
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(classify)?;
    write(conn, &rows).await
}

/// Rebuild the rows of every case of `customer`.
pub(crate) async fn index_customer(conn: &mut PgConnection, customer: PersonId) -> StoreResult<()> {
    let rows = sqlx::query(AssertSqlSafe(format!("{ROWS} WHERE c.customer_id = $1")))
        .bind(customer.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(classify)?;
    write(conn, &rows).await
}

/// Index every case that has no row yet (cases from before migration 0022, or an import),
/// a batch a transaction, so a large database starts serving searches as it goes.
pub(crate) async fn index_missing(pool: &PgPool) -> StoreResult<()> {
    let mut total = 0usize;
    loop {
        let mut tx = pool.begin().await.map_err(classify)?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{ROWS} WHERE NOT EXISTS (SELECT 1 FROM case_text t WHERE t.case_id = c.id)
             ORDER BY c.number LIMIT {BATCH}"
        )))
        .fetch_all(&mut *tx)
        .await
        .map_err(classify)?;
        if rows.is_empty() {
            break;
        }
        write(&mut tx, &rows).await?;
        tx.commit().await.map_err(classify)?;
        total += rows.len();
    }
    if total > 0 {
        tracing::info!(cases = total, "indexed cases for search");
    }
    Ok(())
}

async fn write(conn: &mut PgConnection, rows: &[sqlx::postgres::PgRow]) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(rows.len());
    let mut heads = Vec::with_capacity(rows.len());
    let mut publics = Vec::with_capacity(rows.len());
    let mut internals = Vec::with_capacity(rows.len());
    for row in rows {
        let text = |column: &str| -> StoreResult<String> {
            row.try_get::<String, _>(column).map_err(classify)
        };
        let number = CaseNumber(row.try_get::<i64, _>("number").map_err(classify)?);
        ids.push(row.try_get::<Uuid, _>("id").map_err(classify)?);
        heads.push(part(&format!(
            "{number} {} {} {} {} {} {}",
            number.0,
            text("subject")?,
            text("tags")?,
            text("name")?,
            text("email")?,
            text("addresses")?
        )));
        publics.push(part(&text("public")?));
        internals.push(part(&text("internal")?));
    }
    sqlx::query(
        "INSERT INTO case_text (case_id, doc)
         SELECT id, setweight(to_tsvector('simple', h), 'A')
                 || setweight(to_tsvector('simple', p), 'B')
                 || setweight(to_tsvector('simple', i), 'C')
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS t (id, h, p, i)
         ON CONFLICT (case_id) DO UPDATE SET doc = excluded.doc",
    )
    .bind(&ids)
    .bind(&heads)
    .bind(&publics)
    .bind(&internals)
    .execute(&mut *conn)
    .await
    .map_err(classify)?;
    Ok(())
}

/// The normalised text of one part, cut at a token boundary under `MAX_PART_BYTES`.
fn part(text: &str) -> String {
    let mut out = normalise(text);
    if out.len() > MAX_PART_BYTES {
        let cut = out[..MAX_PART_BYTES].rfind(' ').unwrap_or(0);
        out.truncate(cut);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_part_is_cut_between_words() {
        let text = "word ".repeat(100_000);
        let part = super::part(&text);
        assert!(part.len() <= super::MAX_PART_BYTES);
        assert!(part.ends_with("word"));
    }
}
