//! Stream fan-out benchmark: N subscribers on one node's `GET /api/v1/stream`, cases created
//! through the API at a fixed rate, and for every (subscriber, event) pair the time from the
//! event's commit (`at`) to its arrival at the client. The server runs in a child process (this
//! binary, `serve-for-bench`, with rate limits off) so its memory is measured alone.
//!
//! Subscribers are bare TCP readers (one request written by hand, frames found by byte search),
//! so the load generator, which shares the machine, takes as little CPU as it can.
//! `--ceiling` runs the same measurement against a bare tokio server that writes one pre-built
//! frame to every connection per write: what this machine's loopback TCP allows at all.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use frontline_core::{Name, OutcomeKey, Role, time};
use frontline_server::{RateLimitConfig, ServerConfig};
use frontline_store::testing::new_person;
use frontline_store::{NewOutcome, Store};
use frontline_store_postgres::PgStore;
use frontline_store_sqlite::SqliteStore;
use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
    /// Run this many server processes on one PostgreSQL schema instead of one on SQLite; cases
    /// are written through the first, subscribers listen on the others (cross-node delivery).
    #[arg(long, default_value_t = 0)]
    postgres_nodes: usize,
    /// PostgreSQL for `--postgres-nodes` (a new schema is created per run).
    #[arg(
        long,
        env = "TEST_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    database_url: String,
    /// Measure the machine instead of Frontline: a bare tokio server (no HTTP framework, no
    /// store) that writes one frame of the same size to every subscriber per write.
    #[arg(long)]
    ceiling: bool,
    /// Bytes per frame for `--ceiling` (Frontline's `case.created` frame is about this size).
    #[arg(long, default_value_t = 570)]
    frame_bytes: usize,
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// SQLite file.
    #[arg(long)]
    db: Option<std::path::PathBuf>,
    /// PostgreSQL URL (with `--schema`).
    #[arg(long)]
    postgres: Option<String>,
    #[arg(long)]
    schema: Option<String>,
    /// Serve the `--ceiling` fan-out server instead of Frontline, with frames of this size.
    #[arg(long)]
    ceiling_frame_bytes: Option<usize>,
}

/// The measured server: Frontline's real router and stream, limits off (one address opens
/// thousands of streams), on a port chosen by the OS and printed for the parent.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if let Some(bytes) = args.ceiling_frame_bytes {
        return ceiling::serve(bytes).await;
    }
    let store: Arc<dyn Store> = match (&args.db, &args.postgres, &args.schema) {
        (Some(db), _, _) => Arc::new(SqliteStore::open(db)?),
        (None, Some(url), Some(schema)) => Arc::new(PgStore::connect_in_schema(url, schema).await?),
        _ => bail!("give --db, or --postgres and --schema"),
    };
    let mut config = ServerConfig::new(store);
    config.rate_limit = RateLimitConfig::unlimited();
    // Subscribers are bounded by the process's descriptors (`ulimit -n`), not by the
    // product's default cap, which is below the 10,000 streams measured.
    config.connections.max_connections = 1_000_000;
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

pub(crate) fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The organisation every run uses: one team, one employee (whose token all subscribers
/// share: staff see every event), one customer, one outcome.
async fn setup(store: &dyn Store) -> anyhow::Result<(String, String)> {
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
        .create_token(
            None,
            frontline_store::NewToken {
                person_id: employee.id,
                token_hash: hash,
                label: "bench".into(),
                expires_at: None,
            },
        )
        .await?;
    Ok((token, customer.email.to_string()))
}

/// Start one `serve-for-bench` process and return it with its base URL.
pub(crate) fn start_server(serve_args: &[String]) -> anyhow::Result<(std::process::Child, String)> {
    let mut server = Command::new(std::env::current_exe()?)
        .arg("serve-for-bench")
        .args(serve_args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("could not start the server process")?;
    let mut line = String::new();
    BufReader::new(server.stdout.take().context("server stdout")?).read_line(&mut line)?;
    let Some(address) = line.trim().strip_prefix("LISTENING ").map(str::to_owned) else {
        let _ = server.kill();
        bail!("the server did not start: {line:?}");
    };
    Ok((server, format!("http://{address}")))
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut scratch = None;
    let (token, customer, serve_args, nodes) = if args.ceiling {
        let serve = vec!["--ceiling-frame-bytes".into(), args.frame_bytes.to_string()];
        (String::new(), String::new(), serve, 1)
    } else if args.postgres_nodes > 0 {
        let schema = format!("fl_bench_{}", uuid::Uuid::now_v7().simple());
        let store = PgStore::connect_in_schema(&args.database_url, &schema).await?;
        let (token, customer) = setup(&store).await?;
        eprintln!("writing into schema {schema} (dropped when the run ends without an error)");
        scratch = Some(schema.clone());
        let serve = vec![
            "--postgres".into(),
            args.database_url.clone(),
            "--schema".into(),
            schema,
        ];
        (token, customer, serve, args.postgres_nodes)
    } else {
        let db = dir.path().join("stream.db");
        let (token, customer) = setup(&SqliteStore::open(&db)?).await?;
        (
            token,
            customer,
            vec!["--db".into(), db.display().to_string()],
            1,
        )
    };
    let mut servers = Vec::new();
    for _ in 0..nodes {
        match start_server(&serve_args) {
            Ok(server) => servers.push(server),
            Err(e) => {
                for (mut s, _) in servers {
                    let _ = s.kill();
                }
                return Err(e);
            }
        }
    }
    let bases: Vec<String> = servers.iter().map(|(_, base)| base.clone()).collect();
    let pids: Vec<u32> = servers.iter().map(|(s, _)| s.id()).collect();
    // Writes go to the first node; with several nodes, subscribers listen only on the others.
    let listen_on = if bases.len() > 1 {
        bases[1..].to_vec()
    } else {
        bases.clone()
    };
    let result = measure(
        &args, &bases[0], &listen_on, &token, &customer, "stream", &pids,
    )
    .await;
    for (mut server, _) in servers {
        let _ = server.kill();
        let _ = server.wait();
    }
    if let Some(schema) = scratch {
        PgStore::drop_schema(&args.database_url, &schema).await?;
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn measure(
    args: &Args,
    base: &str,
    listen_on: &[String],
    token: &str,
    customer: &str,
    outcome: &str,
    pids: &[u32],
) -> anyhow::Result<()> {
    // With several nodes, the largest of their memory figures.
    let rss = |field: &str| {
        pids.iter()
            .map(|pid| rss_kib(*pid, field))
            .max()
            .unwrap_or(0)
    };
    let idle_rss = rss("VmRSS:");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let ready = Arc::new(Barrier::new(args.subscribers + 1));
    let expected = args.events;
    let mut subscribers = Vec::with_capacity(args.subscribers);
    let connect_started = Instant::now();
    for i in 0..args.subscribers {
        let (ready, base, token) = (
            ready.clone(),
            listen_on[i % listen_on.len()].clone(),
            token.to_owned(),
        );
        subscribers.push(tokio::spawn(async move {
            let mut histogram =
                Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).expect("bounds");
            let subscribed = Subscriber::open(&base, &token).await;
            ready.wait().await;
            let Ok(mut subscriber) = subscribed else {
                return (histogram, 0usize, 0usize, true);
            };
            let (mut received, mut bytes) = (0, 0);
            let deadline = Instant::now() + Duration::from_secs(120);
            while received < expected && Instant::now() < deadline {
                let Ok(Ok(read)) = tokio::time::timeout(
                    Duration::from_secs(30),
                    subscriber.socket.read_buf(&mut subscriber.buffer),
                )
                .await
                else {
                    break;
                };
                if read == 0 {
                    break;
                }
                let arrived = now_micros();
                bytes += read;
                // Every complete frame in the buffer: its `at`, found by byte search.
                let mut consumed = 0;
                while let Some(end) = find(&subscriber.buffer[consumed..], b"\n\n") {
                    let frame = &subscriber.buffer[consumed..consumed + end + 2];
                    if let Some(at) = event_time(frame) {
                        histogram.saturating_record((arrived - at).max(1) as u64);
                        received += 1;
                    }
                    consumed += end + 2;
                }
                subscriber.buffer.drain(..consumed);
            }
            (histogram, received, bytes, false)
        }));
    }
    ready.wait().await;
    let connected_in = connect_started.elapsed();
    let connected_rss = rss("VmRSS:");

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
    let peak_rss = rss("VmHWM:");
    let mut total = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let (mut received, mut failed, mut bytes) = (0, 0, 0);
    for s in subscribers {
        let (h, n, b, fail) = s.await?;
        total.add(&h)?;
        received += n;
        bytes += b;
        failed += usize::from(fail);
    }
    let ms = |q: f64| total.value_at_quantile(q) as f64 / 1000.0;
    let expected_total = args.subscribers * args.events;
    println!(
        "{}",
        serde_json::json!({
            "scenario": if args.ceiling { "stream_fanout_ceiling" } else { "stream_fanout" }, "nodes": pids.len(), "backend": if args.postgres_nodes > 0 { "postgres" } else { "sqlite" }, "subscribers": args.subscribers, "events": args.events, "rate_per_s": args.rate,
            "connect_seconds": connected_in.as_secs_f64(), "failed_connections": failed, "write_errors": write_errors,
            "deliveries_expected": expected_total, "deliveries_received": received,
            "bytes_per_delivery": bytes.checked_div(received).unwrap_or(0),
            "p50_ms": ms(0.5), "p99_ms": ms(0.99), "p999_ms": ms(0.999), "max_ms": total.max() as f64 / 1000.0,
            "server_rss_idle_mib": idle_rss / 1024, "server_rss_connected_mib": connected_rss / 1024, "server_rss_peak_mib": peak_rss / 1024,
        })
    );
    println!(
        "| stream fan-out{} | {} node(s) | {} subscribers | {} events at {}/s | {}/{} delivered | p50 {:.1} ms | p99 {:.1} ms | server RSS peak {} MiB |",
        if args.ceiling { " (ceiling)" } else { "" },
        pids.len(),
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

/// The `at` of an event frame (`data: {…"at":"2026-…Z"…}`), in unix microseconds.
fn event_time(frame: &[u8]) -> Option<i64> {
    const KEY: &[u8] = b"\"at\":\"";
    let start = frame.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let len = frame[start..].iter().position(|b| *b == b'"')?;
    let text = std::str::from_utf8(&frame[start..start + len]).ok()?;
    Some(text.parse::<jiff::Timestamp>().ok()?.as_microsecond())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One subscriber: a TCP connection that has sent `GET /api/v1/stream` and read the answer's
/// head. The body is read raw: chunk-size lines between frames do not matter to a byte search.
struct Subscriber {
    socket: tokio::net::TcpStream,
    buffer: Vec<u8>,
}

impl Subscriber {
    async fn open(base: &str, token: &str) -> anyhow::Result<Subscriber> {
        let address = base.strip_prefix("http://").unwrap_or(base);
        let mut socket = tokio::net::TcpStream::connect(address).await?;
        socket.set_nodelay(true)?;
        let request = format!(
            "GET /api/v1/stream?kinds=case.created HTTP/1.1\r\nhost: {address}\r\n\
             authorization: Bearer {token}\r\naccept: text/event-stream\r\n\r\n"
        );
        socket.write_all(request.as_bytes()).await?;
        let mut buffer = Vec::with_capacity(8192);
        let head_end = loop {
            if let Some(end) = find(&buffer, b"\r\n\r\n") {
                break end + 4;
            }
            if socket.read_buf(&mut buffer).await? == 0 {
                bail!("the server closed the stream before answering");
            }
        };
        if !buffer.starts_with(b"HTTP/1.1 200") {
            bail!(
                "the stream answered {}",
                String::from_utf8_lossy(&buffer[..head_end])
            );
        }
        buffer.drain(..head_end);
        Ok(Subscriber { socket, buffer })
    }
}

/// The ceiling: what a bare tokio server on this machine achieves for the same fan-out. Each
/// connection is a task waiting on one `watch` (as Frontline's streams wait on the hub); a
/// write request (any request but the stream) stamps one frame and rings it. No HTTP
/// framework, no store, no filtering, no JSON: only the loopback TCP writes and the wake-ups.
mod ceiling {
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::watch;

    use super::find;

    pub async fn serve(frame_bytes: usize) -> anyhow::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!("LISTENING {}", listener.local_addr()?);
        let bell = Arc::new(watch::channel(Arc::new(Vec::new())).0);
        let mut seq = 0;
        loop {
            let (socket, _) = listener.accept().await?;
            socket.set_nodelay(true)?;
            seq += 1;
            tokio::spawn(connection(socket, bell.clone(), frame_bytes, seq));
        }
    }

    /// One chunk of a chunked SSE body, `frame_bytes` long in all, carrying `at`.
    fn frame(frame_bytes: usize, seq: u64) -> Vec<u8> {
        let at = jiff::Timestamp::now();
        let head = format!("id: {seq}\nevent: case.created\ndata: {{\"at\":\"{at}\",\"pad\":\"");
        let pad = frame_bytes.saturating_sub(head.len() + 5);
        let sse = format!("{head}{}\"}}\n\n", "x".repeat(pad));
        format!("{:x}\r\n{sse}\r\n", sse.len()).into_bytes()
    }

    async fn connection(
        mut socket: TcpStream,
        bell: Arc<watch::Sender<Arc<Vec<u8>>>>,
        frame_bytes: usize,
        seq: u64,
    ) -> anyhow::Result<()> {
        let mut buffer = Vec::with_capacity(4096);
        loop {
            let head_end = loop {
                if let Some(end) = find(&buffer, b"\r\n\r\n") {
                    break end + 4;
                }
                if socket.read_buf(&mut buffer).await? == 0 {
                    return Ok(());
                }
            };
            if buffer.starts_with(b"GET /api/v1/stream") {
                let mut rx = bell.subscribe();
                rx.mark_unchanged();
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
                    .await?;
                while rx.changed().await.is_ok() {
                    let frame = rx.borrow_and_update().clone();
                    socket.write_all(&frame).await?;
                }
                return Ok(());
            }
            let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buffer.len() < head_end + length {
                if socket.read_buf(&mut buffer).await? == 0 {
                    return Ok(());
                }
            }
            buffer.drain(..head_end + length);
            bell.send_replace(Arc::new(frame(frame_bytes, seq)));
            socket
                .write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n")
                .await?;
        }
    }
}
