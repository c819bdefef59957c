//! `--explain-search`: the plan each search scenario's query gets on the preloaded database,
//! and how long it takes there with nothing else running, before the server starts. A query
//! that is slow over HTTP is then either slow in the database (same time here) or elsewhere.
//!
//! The SQL is a copy of what the stores' `rank_cases` builds (the `case_query` of
//! `frontline-store-sqlite` and `frontline-store-postgres`, the select list included); the
//! stores keep it private, and a diagnosis needs the text, so when they change this has to
//! follow. The words go through `frontline_core::search` exactly as the server sends them.

use std::time::Instant;

use anyhow::Context;
use frontline_core::search;

use super::corpus;

/// One search scenario's query: its words (as typed, decoded) and the filters it adds.
struct Shape {
    name: &'static str,
    words: &'static str,
    open_refund: bool,
    customer: bool,
}

const SHAPES: [Shape; 5] = [
    Shape {
        name: "search-common",
        words: corpus::Q_COMMON,
        open_refund: false,
        customer: false,
    },
    Shape {
        name: "search-rare",
        words: corpus::Q_RARE,
        open_refund: false,
        customer: false,
    },
    Shape {
        name: "search-phrase",
        words: "\"tracking number\"",
        open_refund: false,
        customer: false,
    },
    Shape {
        name: "search-filtered",
        words: "courier",
        open_refund: true,
        customer: false,
    },
    Shape {
        name: "search-customer",
        words: corpus::Q_COMMON,
        open_refund: false,
        customer: true,
    },
];

/// Times each query is run; the fastest and slowest are reported (the first reads cold pages).
const RUNS: usize = 5;

fn text(shape: &Shape) -> anyhow::Result<search::TextQuery> {
    Ok(search::parse("q", shape.words)?.text)
}

fn report(backend: &str, shape: &Shape, plan: Vec<String>, times_ms: &[f64], rows: usize) {
    let min = times_ms.iter().copied().fold(f64::INFINITY, f64::min);
    let max = times_ms.iter().copied().fold(0.0, f64::max);
    println!(
        "{}",
        serde_json::json!({
            "scenario": "http_search_plan", "backend": backend, "query": shape.name,
            "rows": rows, "runs": times_ms.len(), "min_ms": min, "max_ms": max, "plan": plan,
        })
    );
}

pub fn sqlite(db: &std::path::Path) -> anyhow::Result<()> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let customer: String = conn
        .query_row(
            "SELECT customer_id FROM cases ORDER BY number LIMIT 1",
            [],
            |r| r.get(0),
        )
        .context("a customer with cases")?;
    for shape in &SHAPES {
        let text = text(shape)?;
        let columns: Option<&[&str]> = if shape.customer {
            Some(&["head", "public"])
        } else {
            None
        };
        let mut extra = String::new();
        if shape.open_refund {
            extra += " AND c.status IN ('open') \
                      AND instr(' ' || c.tags || ' ', ' ' || 'refund' || ' ') > 0";
        }
        if shape.customer {
            extra += &format!(" AND c.customer_id = '{customer}'");
        }
        let sql = format!(
            "SELECT * FROM (SELECT c.id, c.number, c.customer_id, c.outcome_id, c.subject, \
             c.channel, c.priority, c.owner_id, c.team_id, c.tags, c.status, c.outcome_achieved, \
             c.created_at, c.updated_at, c.first_response_at, c.resolved_at, \
             bm25(case_text, 4.0, 1.0, 1.0) AS score \
             FROM case_text CROSS JOIN cases c ON c.number = case_text.rowid \
             WHERE 1 = 1 AND case_text MATCH ?1{extra} \
             ORDER BY case_text.rowid DESC LIMIT {}) \
             ORDER BY score, number DESC LIMIT 51 OFFSET 0",
            frontline_store::RANK_WINDOW
        );
        let mut fts = text.fts5(columns);
        if shape.customer {
            // As the store narrows one customer's cases: their token in the head.
            fts = format!("({fts}) AND head : \"cust{}\"", customer.replace('-', ""));
        }
        let plan = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?
            .query_map([&fts], |r| {
                Ok(format!(
                    "{}|{}: {}",
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(3)?
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut times = Vec::new();
        let mut rows = 0;
        let mut stmt = conn.prepare(&sql)?;
        for _ in 0..RUNS {
            let started = Instant::now();
            rows = stmt.query_map([&fts], |_| Ok(()))?.count();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        report("sqlite", shape, plan, &times, rows);
    }
    Ok(())
}

pub async fn postgres(url: &str, schema: &str) -> anyhow::Result<()> {
    use sqlx::{Connection as _, Row as _};
    let mut conn = sqlx::PgConnection::connect(url).await?;
    sqlx::query("SELECT set_config('search_path', $1, false)")
        .bind(schema)
        .execute(&mut conn)
        .await?;
    let customer: String =
        sqlx::query_scalar("SELECT customer_id::text FROM cases ORDER BY number LIMIT 1")
            .fetch_one(&mut conn)
            .await
            .context("a customer with cases")?;
    for shape in &SHAPES {
        let text = text(shape)?;
        let weights = if shape.customer { "AB" } else { "" };
        let tsquery = format!(
            "to_tsquery('simple', '{}')",
            text.tsquery(weights).replace('\'', "''")
        );
        let mut extra = String::new();
        if shape.open_refund {
            extra += " AND c.status IN ('open') AND 'refund' = ANY (string_to_array(c.tags, ' '))";
        }
        if shape.customer {
            extra += &format!(" AND c.customer_id = '{customer}'");
        }
        let sql = format!(
            "SELECT * FROM (SELECT id, number, customer_id, outcome_id, subject, channel, \
             priority, owner_id, team_id, tags, status, outcome_achieved, created_at, updated_at, \
             first_response_at, resolved_at, ts_rank(t.doc, {tsquery}) AS score \
             FROM cases c JOIN case_text t ON t.case_id = c.id WHERE t.doc @@ {tsquery}{extra} \
             ORDER BY c.number DESC LIMIT {}) ranked \
             ORDER BY score DESC, number DESC LIMIT 51 OFFSET 0",
            frontline_store::RANK_WINDOW
        );
        let plan: Vec<String> = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "EXPLAIN (ANALYZE, BUFFERS) {sql}"
        )))
        .fetch_all(&mut conn)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(&mut conn)
                .await?
                .len();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        report("postgres", shape, plan, &times, rows);
    }
    let _ = conn.close().await;
    Ok(())
}
