//! Building a filtered read: clauses whose `?#` becomes the next numbered parameter, and the
//! keyset tail every newest-first list ends with, written once for all the readers.

use rusqlite::types::Value;

/// A `SELECT … WHERE 1 = 1` being narrowed, with its parameters in order.
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
    /// row-value comparison walks the `(column, id)` index backwards from the cursor.
    pub fn newest_first(&mut self, column: &str, before: Option<(i64, String)>, limit: u32) {
        if let Some((at, id)) = before {
            self.and(&format!(" AND ({column}, id) < (?#"), at.into());
            self.and(", ?#)", id.into());
        }
        self.sql += &format!(" ORDER BY {column} DESC, id DESC LIMIT {limit}");
    }
}
