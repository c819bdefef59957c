//! The case text index (`case_text`, FTS5, migration 0022): one row per case, rowid = case
//! number, rebuilt from the stored text in the transaction of each write that changes what a
//! case says (its first message, a reply, its tags, its customer's name or addresses).
//!
//! SQLite's own `unicode61` tokeniser reads the raw text; queries reach it only as
//! `frontline_core::search::TextQuery::fts5`, built from tokens, whose quoted strings FTS5
//! tokenises the same way, so both sides agree without a normalised copy of every message.

use frontline_core::{CaseId, PersonId};
use frontline_store::StoreResult;
use rusqlite::Connection;

use crate::rows::Db;

/// A case's row, as migration 0022 first filled it.
const ROW: &str = "SELECT c.number,
       'FL-' || c.number || ' ' || c.number || ' ' || c.subject || ' ' || c.tags || ' '
           || p.name || ' ' || p.email || ' ' || 'cust' || replace(p.id, '-', '') || ' '
           || coalesce((SELECT group_concat(a.address, ' ') FROM person_addresses a
                        WHERE a.person_id = p.id), ''),
       coalesce((SELECT group_concat(m.body, char(10)) FROM messages m
                 WHERE m.case_id = c.id AND m.visibility = 'public'), ''),
       coalesce((SELECT group_concat(m.body, char(10)) FROM messages m
                 WHERE m.case_id = c.id AND m.visibility = 'internal'), '')
FROM cases c JOIN people p ON p.id = c.customer_id";

/// Rebuild the row of case `id`.
pub(crate) fn index_case(conn: &Connection, id: CaseId) -> StoreResult<()> {
    let id = id.to_string();
    conn.prepare_cached(
        "DELETE FROM case_text WHERE rowid = (SELECT number FROM cases WHERE id = ?1)",
    )
    .db()?
    .execute([&id])
    .db()?;
    conn.prepare_cached(&format!(
        "INSERT INTO case_text (rowid, head, public, internal) {ROW} WHERE c.id = ?1"
    ))
    .db()?
    .execute([&id])
    .db()?;
    Ok(())
}

/// Rebuild the rows of every case of `customer` (their name or addresses changed, cases moved
/// to them by a merge, or their details were erased).
pub(crate) fn index_customer(conn: &Connection, customer: PersonId) -> StoreResult<()> {
    let id = customer.to_string();
    conn.execute(
        "DELETE FROM case_text WHERE rowid IN (SELECT number FROM cases WHERE customer_id = ?1)",
        [&id],
    )
    .db()?;
    conn.execute(
        &format!(
            "INSERT INTO case_text (rowid, head, public, internal) {ROW} WHERE c.customer_id = ?1"
        ),
        [&id],
    )
    .db()?;
    Ok(())
}

/// Rebuild every row (after an import).
pub(crate) fn index_all(conn: &Connection) -> StoreResult<()> {
    conn.execute("DELETE FROM case_text", []).db()?;
    conn.execute(
        &format!("INSERT INTO case_text (rowid, head, public, internal) {ROW}"),
        [],
    )
    .db()?;
    Ok(())
}
