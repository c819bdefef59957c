//! HTTP load generator: HTTP/1.1 keep-alive requests against a Frontline server in its own
//! process on 127.0.0.1: the shipped binary, `frontline serve --rate-limits off` (found beside
//! this one, or `--frontline PATH`), so the figures are the product's. On PostgreSQL each run
//! writes into a scratch schema, which the server is given with `--database-schema`.
//!
//! - Closed loop (`--clients N`): N connections, each sending its next request when the
//!   previous one has answered. Latency is send-to-answer.
//! - Open loop (`--rate R`): requests due on a fixed schedule (R per second), sent over
//!   `--clients` connections; latency is measured from the *intended* send time, so time spent
//!   queueing for a connection counts (no coordinated omission). A request due while
//!   `--max-in-flight` are outstanding is not sent and counts as an error (`in_flight_bound`).
//!
//! Before the server starts, the organisation, customers with tokens, a `refund` kind with 20
//! published rules and `--preload` cases (`--messages-per-case` messages each, their words from
//! the fixed vocabulary of `corpus`, so searches find known shares of them) are written
//! straight through the store, which builds the search index as it goes; its size is reported
//! once (`http_search_index`). The server's
//! time from spawn to `/readyz` answering 200 and its idle RSS are measured once; each scenario
//! then reports throughput, latency quantiles, errors by kind, server CPU (utime + stime over
//! the run) and RSS (the peak is the scenario's own: the server's `VmHWM` is reset through
//! `/proc/<pid>/clear_refs` before each run), as a JSON line and a Markdown row.
//!
//! The file scenarios (`upload-1mb`, `upload-20mb`, `download-1mb`, `download-20mb`, see
//! `files`) also report MB/s (10^6 bytes of file per second); the downloads' files are
//! uploaded and attached through the store before the server starts.

mod client;
mod corpus;
mod explain;
mod files;
mod fixture;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use frontline_store::Store;
use frontline_store_postgres::PgStore;
use frontline_store_sqlite::SqliteStore;
use hdrhistogram::Histogram;

use crate::store::process_cpu_seconds;
use crate::stream::rss_kib;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// POST /api/v1/cases as customers with tokens (routed, durable).
    CreateCase,
    /// POST /api/v1/cases/{case}/messages: a staff reply on a preloaded case.
    Reply,
    /// GET /api/v1/cases/{case} of a preloaded case.
    GetCase,
    /// GET /api/v1/cases?limit=50 as staff.
    ListFirstPage,
    /// GET /api/v1/cases?status=new,open&team=…&limit=50 as staff.
    ListFiltered,
    /// POST /api/v1/cases/{case}/decisions, a dry run against 20 published rules.
    Decide,
    /// GET /api/v1/cases?q=parcel as staff: a word in every case, best match first (ranked
    /// among the newest 1,000 matches).
    SearchCommon,
    /// GET /api/v1/cases?q=zeppelin as staff: a word in 1 case in 100,000.
    SearchRare,
    /// GET /api/v1/cases?q="tracking number" as staff: a phrase in 1 % of the cases whose
    /// two words are each in nearly all of them.
    SearchPhrase,
    /// GET /api/v1/cases?q=courier status:open tag:refund as staff: a word in 10 % of the
    /// cases narrowed by two filters to 3.3 %.
    SearchFiltered,
    /// GET /api/v1/cases?q=parcel as a customer: the common word among their own cases only.
    SearchCustomer,
    /// GET /healthz: the ceiling of what the HTTP stack does here.
    Empty,
    /// POST /api/v1/mailboxes/bench/inbound: a raw mail from one of the customers (a new
    /// Message-ID each time), through the whole ingest path (parse, thread, a case and its
    /// mail written in one transaction).
    MailIn,
    /// POST /api/v1/session with a wrong password for a made-up account, as from one of 16
    /// client addresses behind a trusted proxy: the argon2id checks an attacker can make
    /// without an account (the server's RSS shows whether their memory stays bounded).
    SignInFailed,
    /// POST /api/v1/uploads?name=… as staff: a raw body of 1 MB (a PDF by its first bytes,
    /// then random bytes), streamed into blob storage; each upload's bytes differ.
    #[value(name = "upload-1mb")]
    UploadOneMb,
    /// The same with 20 MB.
    #[value(name = "upload-20mb")]
    UploadTwentyMb,
    /// GET /api/v1/attachments/{file} as staff: one of `--download-files` 1 MB files attached
    /// to staff replies.
    #[value(name = "download-1mb")]
    DownloadOneMb,
    /// The same with 20 MB files.
    #[value(name = "download-20mb")]
    DownloadTwentyMb,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::CreateCase => "create-case",
            Scenario::Reply => "reply",
            Scenario::GetCase => "get-case",
            Scenario::ListFirstPage => "list-first-page",
            Scenario::ListFiltered => "list-filtered",
            Scenario::Decide => "decide",
            Scenario::SearchCommon => "search-common",
            Scenario::SearchRare => "search-rare",
            Scenario::SearchPhrase => "search-phrase",
            Scenario::SearchFiltered => "search-filtered",
            Scenario::SearchCustomer => "search-customer",
            Scenario::Empty => "empty",
            Scenario::MailIn => "mail-in",
            Scenario::SignInFailed => "sign-in-failed",
            Scenario::UploadOneMb => "upload-1mb",
            Scenario::UploadTwentyMb => "upload-20mb",
            Scenario::DownloadOneMb => "download-1mb",
            Scenario::DownloadTwentyMb => "download-20mb",
        }
    }

    fn expected_status(self) -> u16 {
        match self {
            Scenario::CreateCase
            | Scenario::Reply
            | Scenario::UploadOneMb
            | Scenario::UploadTwentyMb => 201,
            Scenario::MailIn => 202,
            Scenario::SignInFailed => 401,
            _ => 200,
        }
    }

    fn needs_cases(self) -> bool {
        matches!(self, Scenario::Reply | Scenario::GetCase | Scenario::Decide)
    }

    /// The size of the file each request sends or fetches, for the file scenarios.
    fn file_bytes(self) -> Option<usize> {
        match self {
            Scenario::UploadOneMb | Scenario::DownloadOneMb => Some(files::ONE_MB),
            Scenario::UploadTwentyMb | Scenario::DownloadTwentyMb => Some(files::TWENTY_MB),
            _ => None,
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// Scenarios, comma-separated, run one after another against the same server.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "empty")]
    scenario: Vec<Scenario>,
    /// Connections. Closed loop: each sends its next request when the previous one answered.
    /// Open loop: the connections the scheduled requests share. Comma-separated: every
    /// scenario runs at each count in turn.
    #[arg(long, value_delimiter = ',', default_value = "32")]
    clients: Vec<usize>,
    /// Open loop: requests per second on a fixed schedule (omit for closed loop).
    #[arg(long)]
    rate: Option<f64>,
    /// Open loop: most requests outstanding (sent or waiting for a connection); a request due
    /// beyond it is not sent and counts as an error.
    #[arg(long, default_value_t = 4096)]
    max_in_flight: usize,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Most requests per scenario.
    #[arg(long, default_value_t = 5_000_000)]
    max_requests: u64,
    /// Cases written through the store before the server starts.
    #[arg(long, default_value_t = 1000)]
    preload: u64,
    /// Messages per preloaded case, its first included: replies alternating staff and
    /// customer (the search vocabulary's frequencies are in `http/corpus.rs`).
    #[arg(long, default_value_t = 1)]
    messages_per_case: u32,
    /// Before the server starts, print each search scenario's query plan and its time in the
    /// database alone (`http_search_plan` lines).
    #[arg(long)]
    explain_search: bool,
    /// Concurrent writers for the preload (SQLite commits them in groups).
    #[arg(long, default_value_t = 256)]
    preload_writers: usize,
    /// Customers, each with an API token (create-case spreads over them).
    #[arg(long, default_value_t = 1000)]
    customers: usize,
    /// Files of each size (1 MB, 20 MB) attached before the server starts, which the download
    /// scenarios fetch in turn.
    #[arg(long, default_value_t = 8)]
    download_files: usize,
    /// Per-request timeout, seconds (a timed-out request counts as an error).
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// PostgreSQL (`postgres://…`) instead of a SQLite file in a temp dir; each run writes
    /// into a new schema (printed; dropped when the run ends without an error).
    #[arg(long)]
    database_url: Option<String>,
    /// The `frontline` binary to measure. Default: the one beside this binary
    /// (`cargo build --release -p frontline` puts it there).
    #[arg(long, env = "FRONTLINE_BENCH_BINARY")]
    frontline: Option<std::path::PathBuf>,
}

/// The `frontline` binary to run: `explicit`, or the one beside this executable.
fn shipped_binary(explicit: Option<&std::path::Path>) -> anyhow::Result<std::path::PathBuf> {
    let path = match explicit {
        Some(path) => path.to_owned(),
        None => std::env::current_exe()?.with_file_name("frontline"),
    };
    anyhow::ensure!(
        path.is_file(),
        "no frontline binary at {}: build it (cargo build --release -p frontline) or give --frontline PATH",
        path.display()
    );
    Ok(path)
}

/// `frontline serve` on a free loopback port over the database `database` names (its global
/// flags: `--database-url …`, and `--database-schema …` on PostgreSQL), rate limits off, with
/// its address read from the line it prints.
fn start_shipped(
    binary: &std::path::Path,
    database: &[String],
) -> anyhow::Result<(std::process::Child, String)> {
    use std::io::BufRead as _;
    let mut command = std::process::Command::new(binary);
    for (key, _) in std::env::vars() {
        if key.starts_with("FRONTLINE_") {
            command.env_remove(key);
        }
    }
    let mut server = command
        .env("RUST_LOG", "warn")
        .args(database)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args([
            "--no-demo",
            "--rate-limits",
            "off",
            "--trusted-proxy",
            "127.0.0.1",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("could not start {}", binary.display()))?;
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().context("server stdout")?).read_line(&mut line)?;
    let Some(address) = line.split("http://").nth(1).map(|a| a.trim().to_owned()) else {
        let _ = server.kill();
        bail!("frontline serve did not say where it listens: {line:?}");
    };
    Ok((server, format!("http://{address}")))
}

/// The server child process, killed however the run ends.
struct Server {
    child: std::process::Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one scenario measured, merged from every connection or request.
struct Tally {
    latency: Histogram<u64>,
    errors: BTreeMap<String, u64>,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            // 1 µs .. 10 min, 3 significant digits.
            latency: Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds"),
            errors: BTreeMap::new(),
        }
    }

    fn record(&mut self, result: Result<u16, client::Failure>, expected: u16, micros: u64) {
        match result {
            Ok(status) if status == expected => self.latency.saturating_record(micros.max(1)),
            Ok(status) => self.error(&format!("status_{status}")),
            Err(failure) => self.error(failure.as_str()),
        }
    }

    fn error(&mut self, kind: &str) {
        *self.errors.entry(kind.to_owned()).or_default() += 1;
    }

    fn merge(&mut self, other: &Tally) {
        let _ = self.latency.add(&other.latency);
        for (kind, n) in &other.errors {
            *self.errors.entry(kind.clone()).or_default() += n;
        }
    }
}

/// Everything a request needs, shared by all connections.
struct Plan {
    scenario: Scenario,
    fixture: Arc<fixture::Fixture>,
    /// The bytes uploads send after their own prefix (`files::payload`), when a file scenario
    /// was asked for.
    payload: Option<Arc<Vec<u8>>>,
    /// The files the download scenarios fetch.
    downloads: Option<Arc<files::Downloads>>,
    /// Which run of the invocation this is (numbers the uploads' bytes apart between runs).
    run: u64,
    host: String,
    address: SocketAddr,
    timeout: Duration,
}

impl Plan {
    /// Request number `n` of the scenario (which case, which customer: spread by a hash of n).
    fn request(&self, n: u64) -> client::Outgoing {
        let f = &self.fixture;
        let pick = |len: usize| (mix(n) % len.max(1) as u64) as usize;
        let case = || f.cases[pick(f.cases.len())].as_str();
        let host = self.host.as_str();
        let staff = Some(f.staff_token.as_str());
        let head = match self.scenario {
            Scenario::CreateCase => {
                let token = &f.customer_tokens[n as usize % f.customer_tokens.len()];
                let outcome = &f.outcome_keys[n as usize % f.outcome_keys.len()];
                let body = format!(
                    r#"{{"subject":"Where is my parcel? ({n})","body":"It should have arrived on Monday and the tracking has not moved since.","outcome":"{outcome}"}}"#
                );
                client::request("POST", host, "/api/v1/cases", Some(token), Some(&body))
            }
            Scenario::Reply => client::request(
                "POST",
                host,
                &format!("/api/v1/cases/{}/messages", case()),
                staff,
                Some(r#"{"body":"Thanks for waiting: a new parcel left our warehouse today."}"#),
            ),
            Scenario::GetCase => client::request(
                "GET",
                host,
                &format!("/api/v1/cases/{}", case()),
                staff,
                None,
            ),
            Scenario::ListFirstPage => {
                client::request("GET", host, "/api/v1/cases?limit=50", staff, None)
            }
            Scenario::SignInFailed => {
                let body =
                    format!(r#"{{"email":"nobody{n}@example.com","password":"not the password"}}"#);
                format!(
                    "POST /api/v1/session HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-For: 203.0.113.{}\r\n\
                     Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    n % 16 + 1,
                    body.len()
                )
                .into_bytes()
            }
            Scenario::ListFiltered => client::request(
                "GET",
                host,
                &format!("/api/v1/cases?status=new,open&team={}&limit=50", f.team_id),
                staff,
                None,
            ),
            Scenario::Decide => client::request(
                "POST",
                host,
                &format!("/api/v1/cases/{}/decisions", case()),
                staff,
                Some(
                    r#"{"kind":"refund","facts":{"amount":120,"reason":"damaged","repeat":false},"dry_run":true}"#,
                ),
            ),
            Scenario::SearchCommon => search(host, staff, corpus::Q_COMMON),
            Scenario::SearchRare => search(host, staff, corpus::Q_RARE),
            Scenario::SearchPhrase => search(host, staff, corpus::Q_PHRASE),
            Scenario::SearchFiltered => search(host, staff, corpus::Q_FILTERED),
            Scenario::SearchCustomer => {
                let token = &f.customer_tokens[pick(f.customer_tokens.len())];
                search(host, Some(token), corpus::Q_COMMON)
            }
            Scenario::Empty => client::request("GET", host, "/healthz", None, None),
            Scenario::MailIn => {
                let from = n % f.customer_tokens.len() as u64;
                let body = format!(
                    "From: Customer {from} <c{from}@bench.test>\r\nTo: support@bench.example\r\n\
                     Subject: Where is my parcel? ({n})\r\nMessage-ID: <bench-{n}@mail.bench.test>\r\n\
                     Date: Mon, 7 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
                     Content-Type: text/plain; charset=utf-8\r\n\r\n\
                     Hello,\r\n\r\nit should have arrived on Monday and the tracking has not moved since.\r\n\r\n\
                     Thanks,\r\nCustomer {from}\r\n-- \r\nSent from my phone\r\n"
                );
                format!(
                    "POST /api/v1/mailboxes/bench/inbound HTTP/1.1\r\nHost: {host}\r\n\
                     Authorization: Bearer {}\r\nContent-Type: message/rfc822\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    f.mailbox_token,
                    body.len()
                )
                .into_bytes()
            }
            Scenario::UploadOneMb | Scenario::UploadTwentyMb => return self.upload(n),
            Scenario::DownloadOneMb | Scenario::DownloadTwentyMb => {
                let downloads = self.downloads.as_deref().expect("downloads attached");
                let ids = match self.scenario {
                    Scenario::DownloadOneMb => &downloads.one_mb,
                    _ => &downloads.twenty_mb,
                };
                client::request(
                    "GET",
                    host,
                    &format!("/api/v1/attachments/{}", ids[pick(ids.len())]),
                    staff,
                    None,
                )
            }
        };
        head.into()
    }

    /// Upload number `n`: a raw body of the scenario's size, its own prefix in the head's
    /// buffer and the rest a range of the shared payload (nothing copied).
    fn upload(&self, n: u64) -> client::Outgoing {
        let size = self.scenario.file_bytes().expect("a file scenario");
        let payload = self
            .payload
            .clone()
            .expect("the payload is made for file scenarios");
        let mut head = format!(
            "POST /api/v1/uploads?name=label-{n}.pdf HTTP/1.1\r\nHost: {}\r\n\
             Authorization: Bearer {}\r\nContent-Type: application/pdf\r\n\
             Content-Length: {size}\r\n\r\n",
            self.host, self.fixture.staff_token
        )
        .into_bytes();
        head.extend_from_slice(&files::prefix(self.run, n));
        client::Outgoing {
            head,
            shared: Some((payload, files::PREFIX_BYTES..size)),
        }
    }
}

/// A search as the search page sends it: words in `q`, the default order, 50 a page.
fn search(host: &str, token: Option<&str>, q: &str) -> Vec<u8> {
    client::request(
        "GET",
        host,
        &format!("/api/v1/cases?q={q}&limit=50"),
        token,
        None,
    )
}

/// SplitMix64: request numbers to well-spread picks, without shared RNG state.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if args.scenario.iter().any(|s| s.needs_cases()) && args.preload == 0 {
        bail!("reply, get-case and decide need preloaded cases: give --preload 1 or more");
    }
    anyhow::ensure!(
        !args.clients.is_empty() && args.clients.iter().all(|c| *c > 0),
        "--clients must be at least 1"
    );
    anyhow::ensure!(args.customers > 0, "--customers must be at least 1");
    let dir = tempfile::tempdir()?;
    let mut postgres = None;
    let mut scratch = None;
    let (store, serve_args, backend): (Arc<dyn Store>, Vec<String>, &str) = match &args.database_url
    {
        Some(url) => {
            let schema = format!("fl_bench_{}", uuid::Uuid::now_v7().simple());
            let store = Arc::new(
                PgStore::connect_in_schema(url, &schema)
                    .await
                    .with_context(|| format!("could not connect to {url}"))?,
            );
            eprintln!("writing into schema {schema} (dropped when the run ends without an error)");
            postgres = Some(store.clone());
            scratch = Some((url.clone(), schema.clone()));
            let serve = vec![
                "--database-url".into(),
                url.clone(),
                "--database-schema".into(),
                schema,
            ];
            (store, serve, "postgres")
        }
        None => {
            let db = dir.path().join("http.db");
            let store = SqliteStore::open(&db).context("could not open sqlite")?;
            let serve = vec!["--database-url".into(), db.display().to_string()];
            (Arc::new(store), serve, "sqlite")
        }
    };
    let shipped = shipped_binary(args.frontline.as_deref())?;
    if args.preload >= 10_000 {
        eprintln!(
            "preloading {} cases with {} writers…",
            args.preload, args.preload_writers
        );
    }
    anyhow::ensure!(
        args.messages_per_case >= 1,
        "--messages-per-case counts the first message: at least 1"
    );
    let fixture = fixture::write(
        store.clone(),
        args.customers,
        args.preload,
        args.messages_per_case,
        args.preload_writers,
    )
    .await?;
    if args.preload >= 10_000 {
        eprintln!(
            "preloaded {} cases with {} messages in {:.1} s ({:.0} cases/s, {:.0} messages/s)",
            fixture.cases.len(),
            fixture.preload_messages,
            fixture.preload_seconds,
            fixture.cases.len() as f64 / fixture.preload_seconds,
            fixture.preload_messages as f64 / fixture.preload_seconds
        );
    }
    let wants_files = args.scenario.iter().any(|s| s.file_bytes().is_some());
    let payload = wants_files.then(files::payload);
    let wants_downloads = args
        .scenario
        .iter()
        .any(|s| matches!(s, Scenario::DownloadOneMb | Scenario::DownloadTwentyMb));
    let downloads = match (&payload, wants_downloads) {
        (Some(payload), true) => {
            anyhow::ensure!(
                args.download_files > 0,
                "the download scenarios need --download-files 1 or more"
            );
            let started = Instant::now();
            let downloads = files::attach(
                &store,
                payload,
                fixture.staff_id,
                fixture.first_customer,
                fixture.first_outcome,
                args.download_files,
            )
            .await?;
            eprintln!(
                "attached {} files of 1 MB and {} of 20 MB in {:.1} s",
                downloads.one_mb.len(),
                downloads.twenty_mb.len(),
                started.elapsed().as_secs_f64()
            );
            Some(Arc::new(downloads))
        }
        _ => None,
    };
    // PostgreSQL: plan on the loaded data, as a deployment would once autovacuum has run,
    // not on the empty tables' guesses the preload left.
    if let Some(pg) = postgres.take() {
        pg.analyze()
            .await
            .context("could not analyze the preloaded schema")?;
    }
    // Close the store so the server process is the only one using the database, and let its
    // WAL reach the file first: a million cases leave a WAL whose background checkpoint would
    // otherwise run into the first scenarios (readers retrying, writers waiting for it).
    drop(store);
    if backend == "sqlite" {
        let started = Instant::now();
        let db = dir.path().join("http.db");
        tokio::task::spawn_blocking(move || SqliteStore::checkpoint_file(db))
            .await?
            .context("could not checkpoint the preloaded database")?;
        if args.preload >= 10_000 {
            eprintln!("checkpointed in {:.1} s", started.elapsed().as_secs_f64());
        }
    }

    // The search index was built write by write during the preload; its size, once.
    let index = match &scratch {
        Some((url, schema)) => postgres_index_size(url, schema).await,
        None => sqlite_index_size(&dir.path().join("http.db")),
    };
    match index {
        Ok((index_bytes, database_bytes)) => println!(
            "{}",
            serde_json::json!({
                "scenario": "http_search_index", "backend": backend,
                "cases_preloaded": fixture.cases.len(),
                "messages_preloaded": fixture.preload_messages,
                "preload_seconds": fixture.preload_seconds,
                "cases_per_s": (fixture.cases.len() as f64 / fixture.preload_seconds).round(),
                "messages_per_s": (fixture.preload_messages as f64 / fixture.preload_seconds).round(),
                "index_bytes": index_bytes, "database_bytes": database_bytes,
            })
        ),
        Err(e) => eprintln!("could not measure the search index: {e:#}"),
    }
    if args.explain_search {
        match &scratch {
            Some((url, schema)) => explain::postgres(url, schema).await?,
            None => explain::sqlite(&dir.path().join("http.db"))?,
        }
    }

    let spawned = Instant::now();
    let (child, base) = start_shipped(&shipped, &serve_args)?;
    let server = Server { child };
    let pid = server.child.id();
    let address: SocketAddr = base
        .trim_start_matches("http://")
        .parse()
        .context("server address")?;
    let host = address.to_string();
    let readyz = client::request("GET", &host, "/readyz", None, None);
    loop {
        let mut conn = None;
        if let Ok(200) =
            client::exchange(&mut conn, address, &[&readyz[..]], Duration::from_secs(5)).await
        {
            break;
        }
        if spawned.elapsed() > Duration::from_secs(60) {
            bail!("the server was not ready within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let cold_start_ms = spawned.elapsed().as_secs_f64() * 1000.0;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss_kib = rss_kib(pid, "VmRSS:");

    let fixture = Arc::new(fixture);
    let mut cases_in_db = fixture.cases.len() as u64;
    let runs: Vec<(Scenario, usize)> = args
        .scenario
        .iter()
        .flat_map(|s| args.clients.iter().map(move |c| (*s, *c)))
        .collect();
    for (run, (scenario, clients)) in runs.into_iter().enumerate() {
        let plan = Arc::new(Plan {
            scenario,
            fixture: fixture.clone(),
            payload: payload.clone(),
            downloads: downloads.clone(),
            run: run as u64,
            host: host.clone(),
            address,
            timeout: Duration::from_secs_f64(args.timeout),
        });
        let pid_text = pid.to_string();
        let peak_is_this_runs = reset_peak_rss(pid);
        let server_cpu_before = process_cpu_seconds(&pid_text);
        let own_cpu_before = process_cpu_seconds("self");
        let (tally, elapsed) = match args.rate {
            Some(rate) => open_loop(&args, clients, plan, rate).await?,
            None => closed_loop(&args, clients, plan).await?,
        };
        let server_cpu = process_cpu_seconds(&pid_text) - server_cpu_before;
        let own_cpu = process_cpu_seconds("self") - own_cpu_before;
        let (rss, hwm) = (rss_kib(pid, "VmRSS:"), rss_kib(pid, "VmHWM:"));
        let ok = tally.latency.len();
        if scenario == Scenario::CreateCase {
            cases_in_db += ok;
        }
        let errors: u64 = tally.errors.values().sum();
        let per_second = ok as f64 / elapsed;
        let h = &tally.latency;
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        let max_ms = h.max() as f64 / 1000.0;
        let mode = match args.rate {
            Some(rate) => format!("open {rate}/s"),
            None => format!("closed {clients}"),
        };
        let mut line = serde_json::json!({
                "scenario": format!("http_{}", scenario.name()), "backend": backend,
                "mode": if args.rate.is_some() { "open" } else { "closed" },
                "clients": clients, "rate_per_s": args.rate,
                "cases_preloaded": fixture.cases.len(), "cases_in_db": cases_in_db,
                "preload_seconds": fixture.preload_seconds,
                "seconds": elapsed, "ok": ok, "errors": errors, "errors_by_kind": tally.errors,
                "per_second": per_second.round(),
                "p50_ms": ms(0.5), "p90_ms": ms(0.9), "p99_ms": ms(0.99), "p999_ms": ms(0.999), "max_ms": max_ms,
                "server_cpu_seconds": server_cpu, "server_cores": server_cpu / elapsed,
                "server_cpu_us_per_request": (server_cpu * 1e6 / ok.max(1) as f64).round(),
                "loadgen_cpu_seconds": own_cpu,
                "server_rss_mib": rss / 1024, "server_rss_peak_mib": hwm / 1024,
                "server_rss_idle_mib": idle_rss_kib as f64 / 1024.0, "cold_start_ms": cold_start_ms,
        });
        // Whether `server_rss_peak_mib` is this run's own peak or the process's since it started.
        line["server_rss_peak_is_this_runs"] = peak_is_this_runs.into();
        if let Some(size) = scenario.file_bytes() {
            let megabytes_per_second = ok as f64 * size as f64 / elapsed / 1e6;
            line["file_bytes"] = size.into();
            line["mb_per_s"] = ((megabytes_per_second * 10.0).round() / 10.0).into();
            line["server_rss_peak_mb"] = ((hwm * 1024) as f64 / 1e6).round().into();
            println!("{line}");
            println!(
                "| {} | {} | {} | {} MB | {:.1}/s | **{:.1} MB/s** | {:.1} ms | {:.1} ms | {:.1} ms | {:.2} cores, {:.1} ms/file | {} → {} MiB ({:.0} MB) | {} |",
                scenario.name(),
                backend,
                mode,
                size / 1_000_000,
                per_second,
                megabytes_per_second,
                ms(0.5),
                ms(0.99),
                max_ms,
                server_cpu / elapsed,
                server_cpu * 1e3 / ok.max(1) as f64,
                idle_rss_kib / 1024,
                hwm / 1024,
                (hwm * 1024) as f64 / 1e6,
                errors
            );
            continue;
        }
        println!("{line}");
        println!(
            "| {} | {} | {} | {} | **{:.0}/s** | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.1} ms | {:.2} cores, {:.0} µs/req | {} / {} MiB | {} |",
            scenario.name(),
            backend,
            mode,
            cases_in_db,
            per_second,
            ms(0.5),
            ms(0.9),
            ms(0.99),
            ms(0.999),
            max_ms,
            server_cpu / elapsed,
            server_cpu * 1e6 / ok.max(1) as f64,
            rss / 1024,
            hwm / 1024,
            errors
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "scenario": "http_server_start", "backend": backend,
            "cases_preloaded": fixture.cases.len(), "preload_seconds": fixture.preload_seconds,
            "cold_start_ms": cold_start_ms, "server_rss_idle_mib": idle_rss_kib as f64 / 1024.0,
        })
    );
    drop(server);
    if let Some((url, schema)) = scratch {
        PgStore::drop_schema(&url, &schema).await?;
    }
    Ok(())
}

/// Reset the server's peak RSS (`VmHWM`) to its current RSS, so the peak read after a run is
/// that run's (Linux ≥ 4.0, `echo 5 > /proc/<pid>/clear_refs`); whether it could.
fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// The FTS5 table's pages (its shadow tables `case_text_data`, `_idx`, … included) and the
/// whole file, in bytes; the pages need SQLite's `dbstat` table, else only the file is known.
fn sqlite_index_size(db: &std::path::Path) -> anyhow::Result<(Option<u64>, u64)> {
    let file = std::fs::metadata(db)?.len();
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let pages = conn
        .query_row(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'case_text%'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .ok()
        .and_then(|b| u64::try_from(b).ok());
    Ok((pages, file))
}

/// `pg_total_relation_size` of the schema's `case_text` (its GIN index and TOAST included) and
/// the size of every table of the schema, in bytes.
async fn postgres_index_size(url: &str, schema: &str) -> anyhow::Result<(Option<u64>, u64)> {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let (index, all): (i64, i64) = sqlx::query_as(
        "SELECT pg_total_relation_size(format('%I.case_text', $1::text)::regclass),
                (SELECT coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass)), 0)::bigint
                 FROM pg_tables WHERE schemaname = $1)",
    )
    .bind(schema)
    .fetch_one(&mut conn)
    .await?;
    let _ = conn.close().await;
    Ok((u64::try_from(index).ok(), u64::try_from(all).unwrap_or(0)))
}

/// `--clients` connections, each sending its next request as soon as the previous answered.
async fn closed_loop(args: &Args, clients: usize, plan: Arc<Plan>) -> anyhow::Result<(Tally, f64)> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.duration);
    let issued = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (plan, issued, cap) = (plan.clone(), issued.clone(), args.max_requests);
        let expected = plan.scenario.expected_status();
        tasks.spawn(async move {
            let mut tally = Tally::new();
            let mut conn = None;
            while Instant::now() < deadline {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if n >= cap {
                    break;
                }
                let request = plan.request(n);
                let begin = Instant::now();
                let result =
                    client::exchange(&mut conn, plan.address, &request.parts(), plan.timeout).await;
                tally.record(result, expected, begin.elapsed().as_micros() as u64);
            }
            tally
        });
    }
    let mut total = Tally::new();
    while let Some(tally) = tasks.join_next().await {
        total.merge(&tally?);
    }
    Ok((total, started.elapsed().as_secs_f64()))
}

/// Requests due every 1/rate seconds whatever the server does; each waits for a free
/// connection (FIFO) and its latency runs from when it was due.
async fn open_loop(
    args: &Args,
    clients: usize,
    plan: Arc<Plan>,
    rate: f64,
) -> anyhow::Result<(Tally, f64)> {
    anyhow::ensure!(rate > 0.0, "--rate must be positive");
    const SHARDS: usize = 16;
    let tallies: Arc<Vec<Mutex<Tally>>> =
        Arc::new((0..SHARDS).map(|_| Mutex::new(Tally::new())).collect());
    let connections: Arc<Mutex<Vec<Option<client::Conn>>>> =
        Arc::new(Mutex::new((0..clients).map(|_| None).collect()));
    let free = Arc::new(tokio::sync::Semaphore::new(clients));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let expected = plan.scenario.expected_status();
    let period = Duration::from_secs_f64(1.0 / rate);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.duration);
    let mut tasks = tokio::task::JoinSet::new();
    let mut n: u64 = 0;
    'schedule: loop {
        let now = Instant::now();
        while n < args.max_requests {
            let due = started + period.mul_f64(n as f64);
            if due > now {
                break;
            }
            if due >= deadline {
                break 'schedule;
            }
            let shard = n as usize % SHARDS;
            if in_flight.load(Ordering::Relaxed) >= args.max_in_flight {
                tallies[shard]
                    .lock()
                    .expect("tally")
                    .error("in_flight_bound");
                n += 1;
                continue;
            }
            in_flight.fetch_add(1, Ordering::Relaxed);
            let request = plan.request(n);
            let (plan, tallies, connections, free, in_flight) = (
                plan.clone(),
                tallies.clone(),
                connections.clone(),
                free.clone(),
                in_flight.clone(),
            );
            tasks.spawn(async move {
                let permit = free.acquire_owned().await.expect("semaphore open");
                let mut conn = connections.lock().expect("pool").pop().flatten();
                let result =
                    client::exchange(&mut conn, plan.address, &request.parts(), plan.timeout).await;
                let micros = due.elapsed().as_micros() as u64;
                connections.lock().expect("pool").push(conn);
                drop(permit);
                tallies[shard]
                    .lock()
                    .expect("tally")
                    .record(result, expected, micros);
                in_flight.fetch_sub(1, Ordering::Relaxed);
            });
            n += 1;
        }
        if n >= args.max_requests || Instant::now() >= deadline {
            break;
        }
        // Reap finished tasks so the set stays small.
        while tasks.try_join_next().is_some() {}
        let next_due = started + period.mul_f64(n as f64);
        tokio::time::sleep_until(next_due.min(deadline).into()).await;
    }
    while let Some(done) = tasks.join_next().await {
        done?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut total = Tally::new();
    for shard in tallies.iter() {
        total.merge(&shard.lock().expect("tally"));
    }
    Ok((total, elapsed))
}
