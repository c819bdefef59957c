//! Store-level write benchmark: how many routed, durable case creations per second.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use frontline_core::{Name, OutcomeKey, Role, time};
use frontline_store::testing::{new_case, new_person};
use frontline_store::{NewOutcome, Store};
use frontline_store_postgres::PgStore;
use frontline_store_sqlite::{SqliteConfig, SqliteStore};
use hdrhistogram::Histogram;

#[derive(clap::Args)]
pub struct Args {
    /// `sqlite` (a fresh file in a temp dir, synchronous=FULL) or `postgres`.
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// SQLite: most writes per commit; 1 = one fsync per write.
    #[arg(long, default_value_t = 1024)]
    max_batch: usize,
    /// Concurrent writers.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// PostgreSQL: the server; each run writes into a new schema it drops afterwards.
    #[arg(
        long,
        env = "TEST_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    database_url: String,
    /// How long to write.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// The machine's ceiling instead: bare rows (an integer key and 200 bytes of text) into a
    /// fresh SQLite file with the store's settings (WAL, synchronous=FULL), `--max-batch` rows
    /// per commit, from one thread.
    #[arg(long)]
    raw: bool,
}

/// The raw durable insert rate: what SQLite and this disk allow with none of Frontline's work.
fn raw(args: &Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let conn = rusqlite::Connection::open(dir.path().join("raw.db"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")?;
    let body = "x".repeat(200);
    let batch = args.max_batch.max(1);
    let mut commits =
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds");
    let (mut rows, cpu_before, started) = (0u64, process_cpu_seconds("self"), Instant::now());
    let deadline = started + Duration::from_secs(args.seconds);
    while Instant::now() < deadline {
        let begin = Instant::now();
        let tx = conn.unchecked_transaction()?;
        {
            let mut insert = tx.prepare_cached("INSERT INTO rows (body) VALUES (?1)")?;
            for _ in 0..batch {
                insert.execute([&body])?;
            }
        }
        tx.commit()?;
        commits.saturating_record(begin.elapsed().as_micros() as u64);
        rows += batch as u64;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds("self") - cpu_before;
    let ms = |q: f64| commits.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{}",
        serde_json::json!({
            "scenario": "raw_sqlite_insert", "rows_per_commit": batch, "seconds": elapsed,
            "rows": rows, "per_second": (rows as f64 / elapsed).round(),
            "commits_per_second": (commits.len() as f64 / elapsed).round(),
            "commit_p50_ms": ms(0.5), "commit_p99_ms": ms(0.99),
            "cpu_us_per_row": (cpu * 1e6 / rows.max(1) as f64).round(),
        })
    );
    println!(
        "| raw SQLite insert | {batch} rows/commit | {:.0} rows/s | {:.0} commits/s | commit p50 {:.2} ms, p99 {:.2} ms | {:.1} µs/row |",
        rows as f64 / elapsed,
        commits.len() as f64 / elapsed,
        ms(0.5),
        ms(0.99),
        cpu * 1e6 / rows.max(1) as f64,
    );
    Ok(())
}

/// The store under test, the temp dir holding a SQLite file, and the PostgreSQL schema to drop.
type Opened = (Arc<dyn Store>, Option<tempfile::TempDir>, Option<String>);

async fn open(args: &Args) -> anyhow::Result<Opened> {
    match args.backend.as_str() {
        "sqlite" => {
            let dir = tempfile::tempdir()?;
            let config = SqliteConfig {
                max_batch: args.max_batch,
                ..SqliteConfig::default()
            };
            let store = SqliteStore::open_with(dir.path().join("bench.db"), config)
                .context("could not open sqlite")?;
            Ok((Arc::new(store), Some(dir), None))
        }
        "postgres" => {
            let schema = format!("fl_bench_{}", uuid::Uuid::now_v7().simple());
            let store = PgStore::connect_in_schema(&args.database_url, &schema)
                .await
                .with_context(|| format!("could not connect to {}", args.database_url))?;
            eprintln!("writing into schema {schema} (dropped when the run ends without an error)");
            Ok((Arc::new(store), None, Some(schema)))
        }
        other => anyhow::bail!("unknown backend {other:?}; use sqlite or postgres"),
    }
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if args.raw {
        return tokio::task::spawn_blocking(move || raw(&args)).await?;
    }
    let (store, _dir, schema) = open(&args).await?;
    // A realistic shape: 3 teams, 30 employees with room, 100 customers, one outcome per team.
    let mut outcomes = Vec::new();
    for t in 0..3 {
        let team = store
            .create_team(None, Name::parse(&format!("Team {t}"))?)
            .await?
            .value;
        for e in 0..10 {
            let person = store
                .create_person(
                    None,
                    new_person(&format!("e{t}-{e}@bench.test"), Role::Employee, 1000),
                )
                .await?
                .value;
            store
                .add_membership(None, person.id, team.id, time::now())
                .await?;
        }
        let outcome = NewOutcome {
            key: OutcomeKey::parse(&format!("outcome_{t}"))?,
            name: Name::parse(&format!("Outcome {t}"))?,
            success_criteria: String::new(),
            target_minutes: 60,
            team_ids: vec![team.id],
        };
        outcomes.push(store.create_outcome(None, outcome).await?.value.id);
    }
    let mut customers = Vec::new();
    for c in 0..100 {
        customers.push(
            store
                .create_person(
                    None,
                    new_person(&format!("c{c}@bench.test"), Role::Customer, 0),
                )
                .await?
                .value
                .id,
        );
    }

    let cpu_before = process_cpu_seconds("self");
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..args.clients {
        let (store, outcomes, customers) = (store.clone(), outcomes.clone(), customers.clone());
        tasks.push(tokio::spawn(async move {
            let mut histogram =
                Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds");
            let mut errors = 0u64;
            let mut i = client;
            while Instant::now() < deadline {
                let case = new_case(
                    customers[i % customers.len()],
                    outcomes[i % outcomes.len()],
                    "Where is my parcel?",
                );
                let begin = Instant::now();
                match store.create_case(None, case).await {
                    Ok(_) => histogram.saturating_record(begin.elapsed().as_micros() as u64),
                    Err(_) => errors += 1,
                }
                // Spread one client's consecutive writes over customers and outcomes.
                i += 7;
            }
            (histogram, errors)
        }));
    }
    let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut errors = 0;
    for t in tasks {
        let (h, e) = t.await?;
        total.add(&h)?;
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds("self") - cpu_before;
    let created = total.len();
    let rate = created as f64 / elapsed;
    let ms = |q: f64| total.value_at_quantile(q) as f64 / 1000.0;
    let batching = if args.backend == "sqlite" {
        format!("max_batch={}", args.max_batch)
    } else {
        "-".into()
    };
    println!(
        "{}",
        serde_json::json!({
            "scenario": "store_create_case", "backend": args.backend, "batching": batching,
            "clients": args.clients, "seconds": elapsed, "created": created, "errors": errors,
            "per_second": rate.round(), "p50_ms": ms(0.5), "p99_ms": ms(0.99), "p999_ms": ms(0.999),
            "last_seq": store.last_seq().await?,
            "cpu_seconds": cpu, "cpu_us_per_case": (cpu * 1e6 / created.max(1) as f64).round(),
        })
    );
    println!(
        "| create case (store) | {} | {} | {} | {:.0}/s | {:.2} ms | {:.2} ms | {:.0} µs | {} |",
        args.backend,
        batching,
        args.clients,
        rate,
        ms(0.5),
        ms(0.99),
        cpu * 1e6 / created.max(1) as f64,
        errors
    );
    if let Some(schema) = schema {
        drop(store);
        PgStore::drop_schema(&args.database_url, &schema).await?;
    }
    Ok(())
}

/// User + system CPU time so far of process `pid` (`self` for this one), from /proc (0 where
/// /proc is missing). Assumes the usual 100 clock ticks per second.
pub(crate) fn process_cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the ')'.
    (ticks(11) + ticks(12)) / 100.0
}
