//! Stream fan-out benchmark: N subscribers on one node's `GET /api/v1/stream`, cases created
//! through the API at a fixed rate, and for every (subscriber, event) pair the time from the
//! event's commit (`at`) to its arrival at the client. The server runs in a child process (this
//! binary, `serve-for-bench`, with rate limits off) so its memory is measured alone.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use frontline_core::{Name, OutcomeKey, Role, time};
use frontline_server::{RateLimitConfig, ServerConfig};
use frontline_store::testing::new_person;
use frontline_store::{NewOutcome, Store};
use frontline_store_sqlite::SqliteStore;
use hdrhistogram::Histogram;
use tokio::sync::Barrier;

#[derive(clap::Args)]
pub struct Args {
    /// Concurrent stream subscribers.
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Cases created (each is one event every subscriber receives).
    #[arg(long, default_value_t = 100)]
    events: usize,
    /// Cases created per second.
    #[arg(long, default_value_t = 20)]
    rate: u64,
}

#[derive(clap::Args)]
pub struct ServeArgs {
    #[arg(long)]
    db: std::path::PathBuf,
}

/// The measured server: Frontline's real router and stream, limits off (one address opens
/// thousands of streams), on a port chosen by the OS and printed for the parent.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&args.db)?);
    let mut config = ServerConfig::new(store);
    config.rate_limit = RateLimitConfig::unlimited();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("LISTENING {}", listener.local_addr()?);
    frontline_server::serve(config, listener, std::future::pending()).await?;
    Ok(())
}

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("stream.db");
    let (staff_token, customer, outcome) = {
        let store = SqliteStore::open(&db)?;
        let team = store
            .create_team(None, Name::parse("Stream team")?)
            .await?
            .value;
        let employee = store
            .create_person(None, new_person("stream@bench.test", Role::Employee, 1000))
            .await?
            .value;
        store
            .add_membership(None, employee.id, team.id, time::now())
            .await?;
        let customer = store
            .create_person(None, new_person("customer@bench.test", Role::Customer, 0))
            .await?
            .value;
        let outcome = NewOutcome {
            key: OutcomeKey::parse("stream")?,
            name: Name::parse("Stream")?,
            success_criteria: String::new(),
            target_minutes: 60,
            team_ids: vec![team.id],
        };
        store.create_outcome(None, outcome).await?;
        let (token, hash) = frontline_server::new_api_token();
        store
            .create_token(None, employee.id, hash, "bench".into())
            .await?;
        (token, customer.email.to_string(), "stream")
    };

    let mut server = Command::new(std::env::current_exe()?)
        .args(["serve-for-bench", "--db"])
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("could not start the server process")?;
    let pid = server.id();
    let mut line = String::new();
    BufReader::new(server.stdout.take().context("server stdout")?).read_line(&mut line)?;
    let Some(address) = line.trim().strip_prefix("LISTENING ").map(str::to_owned) else {
        let _ = server.kill();
        bail!("the server did not start: {line:?}");
    };
    let base = format!("http://{address}");
    let result = measure(&args, &base, &staff_token, &customer, outcome, pid).await;
    let _ = server.kill();
    let _ = server.wait();
    result
}

async fn measure(
    args: &Args,
    base: &str,
    token: &str,
    customer: &str,
    outcome: &str,
    pid: u32,
) -> anyhow::Result<()> {
    let idle_rss = rss_kib(pid, "VmRSS:");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let ready = Arc::new(Barrier::new(args.subscribers + 1));
    let expected = args.events;
    let mut subscribers = Vec::with_capacity(args.subscribers);
    let connect_started = Instant::now();
    for _ in 0..args.subscribers {
        let (client, ready, url, token) = (
            client.clone(),
            ready.clone(),
            format!("{base}/api/v1/stream?kinds=case.created"),
            token.to_owned(),
        );
        subscribers.push(tokio::spawn(async move {
            let mut histogram =
                Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).expect("bounds");
            let response = client.get(&url).bearer_auth(&token).send().await;
            ready.wait().await;
            let Ok(mut response) = response else {
                return (histogram, 0usize, true);
            };
            let mut buffer = String::new();
            let mut received = 0;
            let deadline = Instant::now() + Duration::from_secs(120);
            while received < expected && Instant::now() < deadline {
                let Ok(Ok(Some(chunk))) =
                    tokio::time::timeout(Duration::from_secs(30), response.chunk()).await
                else {
                    break;
                };
                let arrived = now_micros();
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let frame: String = buffer.drain(..end + 2).collect();
                    let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data:")) else {
                        continue;
                    };
                    let Ok(value) = serde_json::from_str::<serde_json::Value>(data.trim()) else {
                        continue;
                    };
                    let Some(at) = value["at"]
                        .as_str()
                        .and_then(|a| a.parse::<jiff::Timestamp>().ok())
                    else {
                        continue;
                    };
                    histogram.saturating_record((arrived - at.as_microsecond()).max(1) as u64);
                    received += 1;
                }
            }
            (histogram, received, false)
        }));
    }
    ready.wait().await;
    let connected_in = connect_started.elapsed();
    let connected_rss = rss_kib(pid, "VmRSS:");

    let interval = Duration::from_micros(1_000_000 / args.rate.max(1));
    let mut tick = tokio::time::interval(interval);
    let mut write_errors = 0;
    for i in 0..args.events {
        tick.tick().await;
        let body = serde_json::json!({ "subject": format!("Stream event {i}"), "body": "Measuring fan-out.", "outcome": outcome, "customer": customer });
        match client
            .post(format!("{base}/api/v1/cases"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => {}
            _ => write_errors += 1,
        }
    }
    let peak_rss = rss_kib(pid, "VmHWM:");
    let mut total = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let (mut received, mut failed) = (0, 0);
    for s in subscribers {
        let (h, n, fail) = s.await?;
        total.add(&h)?;
        received += n;
        failed += usize::from(fail);
    }
    let ms = |q: f64| total.value_at_quantile(q) as f64 / 1000.0;
    let expected_total = args.subscribers * args.events;
    println!(
        "{}",
        serde_json::json!({
            "scenario": "stream_fanout", "subscribers": args.subscribers, "events": args.events, "rate_per_s": args.rate,
            "connect_seconds": connected_in.as_secs_f64(), "failed_connections": failed, "write_errors": write_errors,
            "deliveries_expected": expected_total, "deliveries_received": received,
            "p50_ms": ms(0.5), "p99_ms": ms(0.99), "p999_ms": ms(0.999), "max_ms": total.max() as f64 / 1000.0,
            "server_rss_idle_mib": idle_rss / 1024, "server_rss_connected_mib": connected_rss / 1024, "server_rss_peak_mib": peak_rss / 1024,
        })
    );
    println!(
        "| stream fan-out | {} subscribers | {} events at {}/s | {}/{} delivered | p50 {:.1} ms | p99 {:.1} ms | server RSS peak {} MiB |",
        args.subscribers,
        args.events,
        args.rate,
        received,
        expected_total,
        ms(0.5),
        ms(0.99),
        peak_rss / 1024
    );
    Ok(())
}
