//! The keyset tail every newest-first list ends with, written once for all the readers (the
//! same shape as the SQLite backend's `Query::newest_first`).

use sqlx::{Postgres, QueryBuilder};
use time::OffsetDateTime;
use uuid::Uuid;

/// Newest first by `column` then `id`, strictly before `before` (the last row of the previous
/// page: its `column` and its id), at most `limit` rows. The row-value comparison walks the
/// `(column, id)` index backwards from the cursor. A qualified `column` (`m.created_at`) ties
/// on the same table's id, as a join needs. The limit is written into the text rather than
/// bound, so the planner always knows how few rows it is asked for.
pub(crate) fn newest_first(
    query: &mut QueryBuilder<Postgres>,
    column: &str,
    before: Option<(OffsetDateTime, Uuid)>,
    limit: u32,
) {
    let id = match column.rsplit_once('.') {
        Some((table, _)) => format!("{table}.id"),
        None => "id".to_owned(),
    };
    if let Some((at, key)) = before {
        query
            .push(format_args!(" AND ({column}, {id}) < ("))
            .push_bind(at)
            .push(", ")
            .push_bind(key)
            .push(")");
    }
    query.push(format_args!(
        " ORDER BY {column} DESC, {id} DESC LIMIT {limit}"
    ));
}

#[cfg(test)]
mod tests {
    use sqlx::{Postgres, QueryBuilder};
    use time::OffsetDateTime;
    use uuid::Uuid;

    use super::newest_first;

    fn query() -> QueryBuilder<Postgres> {
        let mut q = QueryBuilder::new("SELECT * FROM t WHERE true");
        q.push(" AND a = ").push_bind(7_i64);
        q
    }

    #[test]
    fn a_cursor_continues_the_numbering_and_the_tail_follows_the_index() {
        let mut q = query();
        let cursor = (OffsetDateTime::UNIX_EPOCH, Uuid::nil());
        newest_first(&mut q, "created_at", Some(cursor), 20);
        assert_eq!(
            q.into_string(),
            "SELECT * FROM t WHERE true AND a = $1 AND (created_at, id) < ($2, $3) \
             ORDER BY created_at DESC, id DESC LIMIT 20"
        );
    }

    #[test]
    fn a_qualified_column_ties_on_its_own_tables_id() {
        let mut q = query();
        newest_first(&mut q, "m.created_at", None, 5);
        assert_eq!(
            q.into_string(),
            "SELECT * FROM t WHERE true AND a = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT 5"
        );
    }
}
