//! Building a filtered read: clauses whose `?#` becomes the next numbered parameter, and the
//! keyset tails the paged lists end with, written once for all the readers.

use rusqlite::types::Value;

/// A `SELECT … WHERE …` being narrowed, with its parameters in order.
pub(crate) struct Query {
    pub sql: String,
    pub args: Vec<Value>,
}

impl Query {
    pub fn new(select: String) -> Self {
        Self {
            sql: select,
            args: Vec::new(),
        }
    }

    /// Append `clause`, its `?#` numbered as the next parameter and bound to `value`.
    pub fn and(&mut self, clause: &str, value: Value) {
        self.args.push(value);
        self.sql += &clause.replace("?#", &format!("?{}", self.args.len()));
    }

    /// Newest first by `column` then `id`, strictly before `before` (the last row of the
    /// previous page: its `column` in milliseconds and its id), at most `limit` rows. The
    /// row-value comparison walks the `(column, id)` index backwards from the cursor. A
    /// qualified `column` (`m.created_at`) ties on the same table's id, as a join needs.
    pub fn newest_first(&mut self, column: &str, before: Option<(i64, String)>, limit: u32) {
        let id = match column.rsplit_once('.') {
            Some((table, _)) => format!("{table}.id"),
            None => "id".to_owned(),
        };
        if let Some((at, key)) = before {
            self.and(&format!(" AND ({column}, {id}) < (?#"), at.into());
            self.and(", ?#)", key.into());
        }
        self.sql += &format!(" ORDER BY {column} DESC, {id} DESC LIMIT {limit}");
    }

    /// Highest `column` first, strictly below `below` (the last value of the previous page),
    /// at most `limit` rows: for a list paged by one unique column, such as the case number,
    /// which needs no tie-break.
    pub fn highest_first(&mut self, column: &str, below: Option<i64>, limit: u32) {
        if let Some(below) = below {
            self.and(&format!(" AND {column} < ?#"), below.into());
        }
        self.sql += &format!(" ORDER BY {column} DESC LIMIT {limit}");
    }
}

#[cfg(test)]
mod tests {
    use super::Query;

    fn query() -> Query {
        let mut q = Query::new("SELECT * FROM t WHERE 1 = 1".to_owned());
        q.and(" AND a = ?#", 7.into());
        q
    }

    #[test]
    fn a_cursor_continues_the_numbering_and_the_tail_follows_the_index() {
        let mut q = query();
        q.newest_first("created_at", Some((5, "x".to_owned())), 20);
        assert_eq!(
            q.sql,
            "SELECT * FROM t WHERE 1 = 1 AND a = ?1 AND (created_at, id) < (?2, ?3) \
             ORDER BY created_at DESC, id DESC LIMIT 20"
        );
        assert_eq!(q.args.len(), 3);
    }

    #[test]
    fn a_qualified_column_ties_on_its_own_tables_id() {
        let mut q = query();
        q.newest_first("m.created_at", None, 5);
        assert!(
            q.sql
                .ends_with(" AND a = ?1 ORDER BY m.created_at DESC, m.id DESC LIMIT 5"),
            "{}",
            q.sql
        );
    }

    #[test]
    fn a_list_paged_by_number_continues_below_the_last_one() {
        let mut q = query();
        q.highest_first("c.number", Some(1042), 51);
        assert!(
            q.sql
                .ends_with(" AND a = ?1 AND c.number < ?2 ORDER BY c.number DESC LIMIT 51"),
            "{}",
            q.sql
        );
        let mut first = query();
        first.highest_first("c.number", None, 51);
        assert!(
            first
                .sql
                .ends_with(" AND a = ?1 ORDER BY c.number DESC LIMIT 51")
        );
    }
}
