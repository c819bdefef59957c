//! Seconds-long smoke runs of `frontline-bench`: every HTTP scenario for about a second at tiny
//! scale against a debug server, in closed and open loop; the stream fan-out and its ceiling;
//! the store writes and the raw SQLite ceiling. They assert only that each run completes with
//! zero errors and some throughput; speed targets live in BENCHMARKS.md.

use std::process::Command;

const SCENARIOS: [&str; 13] = [
    "empty",
    "sign-in-failed",
    "get-case",
    "list-first-page",
    "list-filtered",
    "search-common",
    "search-rare",
    "search-phrase",
    "search-filtered",
    "search-customer",
    "decide",
    "reply",
    "create-case",
];

/// The shipped `frontline` binary the HTTP benchmark measures, built if this test run has
/// not built it yet (`cargo test -p frontline-bench` alone does not).
fn frontline_binary() -> std::path::PathBuf {
    static BUILT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let path = std::path::Path::new(env!("CARGO_BIN_EXE_frontline-bench"))
                .with_file_name("frontline");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let built = Command::new(cargo)
                .args(["build", "--quiet", "-p", "frontline", "--bin", "frontline"])
                .status()
                .expect("run cargo build");
            assert!(built.success(), "could not build the frontline binary");
            assert!(path.is_file(), "no frontline binary at {}", path.display());
            path
        })
        .clone()
}

/// Run `frontline-bench` with `args`, check it succeeded; its JSON lines, one per run.
fn bench(args: &[&str]) -> Vec<serde_json::Value> {
    let frontline = frontline_binary();
    let output = Command::new(env!("CARGO_BIN_EXE_frontline-bench"))
        .args(args)
        .env("FRONTLINE_BENCH_BINARY", &frontline)
        .output()
        .expect("run frontline-bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "frontline-bench {args:?} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(!lines.is_empty(), "no result line from {args:?}:\n{stdout}");
    lines
}

/// The HTTP benchmark with `extra` arguments; its JSON lines, one per scenario.
fn run(extra: &[&str]) -> Vec<serde_json::Value> {
    let http = [
        "http",
        "--duration",
        "1",
        "--preload",
        "50",
        "--customers",
        "10",
        "--preload-writers",
        "8",
        "--messages-per-case",
        "3",
        "--clients",
        "4",
    ];
    bench(&[&http[..], extra].concat())
}

fn check(lines: &[serde_json::Value], scenarios: &[&str]) {
    for scenario in scenarios {
        let name = format!("http_{scenario}");
        let line = lines
            .iter()
            .find(|l| l["scenario"] == name.as_str())
            .unwrap_or_else(|| panic!("no result for {name}: {lines:?}"));
        assert_eq!(line["errors"], 0, "{line}");
        assert!(line["ok"].as_u64().unwrap() > 0, "{line}");
        assert!(line["per_second"].as_f64().unwrap() > 0.0, "{line}");
    }
    let start = lines
        .iter()
        .find(|l| l["scenario"] == "http_server_start")
        .expect("the server start line");
    assert!(start["cold_start_ms"].as_f64().unwrap() > 0.0, "{start}");
}

#[test]
fn every_scenario_completes_without_errors_in_closed_loop() {
    let lines = run(&["--scenario", &SCENARIOS.join(",")]);
    check(&lines, &SCENARIOS);
}

#[test]
fn open_loop_completes_without_errors() {
    let scenarios = ["empty", "get-case", "create-case"];
    let lines = run(&["--rate", "100", "--scenario", &scenarios.join(",")]);
    check(&lines, &scenarios);
}

/// The file scenarios: uploads streamed in, and files attached before the server started
/// downloaded, each reporting MB/s and the run's own peak RSS.
#[test]
fn file_scenarios_complete_without_errors() {
    let scenarios = ["upload-1mb", "download-1mb", "upload-20mb", "download-20mb"];
    let lines = run(&[
        "--download-files",
        "2",
        "--timeout",
        "60",
        "--scenario",
        &scenarios.join(","),
    ]);
    check(&lines, &scenarios);
    for line in lines.iter().filter(|l| l.get("file_bytes").is_some()) {
        assert!(line["mb_per_s"].as_f64().unwrap() > 0.0, "{line}");
        assert!(line["server_rss_peak_mib"].as_u64().unwrap() > 0, "{line}");
    }
}

/// The same shipped binary on PostgreSQL, in the scratch schema the run makes
/// (`--database-schema`). Skipped when PostgreSQL does not answer, unless
/// `FRONTLINE_REQUIRE_POSTGRES=1` (the test script) makes that a failure.
#[test]
fn the_shipped_server_runs_on_postgres_too() {
    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let address = url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("127.0.0.1:5432");
    let reachable = address
        .parse::<std::net::SocketAddr>()
        .ok()
        .and_then(|a| {
            std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(2)).ok()
        })
        .is_some();
    if !reachable {
        assert!(
            std::env::var("FRONTLINE_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "PostgreSQL does not answer at {address}"
        );
        eprintln!("skipped: PostgreSQL does not answer at {address}");
        return;
    }
    let scenarios = ["get-case", "list-first-page", "create-case"];
    let lines = run(&["--database-url", &url, "--scenario", &scenarios.join(",")]);
    check(&lines, &scenarios);
    assert!(
        lines.iter().all(|l| l["backend"] == "postgres"),
        "{lines:?}"
    );
}

/// The stream benchmark's JSON line for `extra`, after checking the run delivered everything.
fn stream(extra: &[&str]) -> serde_json::Value {
    let args = [
        "stream",
        "--subscribers",
        "20",
        "--events",
        "5",
        "--rate",
        "50",
    ];
    let line = bench(&[&args[..], extra].concat()).remove(0);
    assert_eq!(line["deliveries_received"], 100, "{line}");
    assert_eq!(line["failed_connections"], 0, "{line}");
    assert_eq!(line["write_errors"], 0, "{line}");
    line
}

#[test]
fn stream_fan_out_and_its_ceiling_deliver_every_event() {
    assert_eq!(stream(&[])["scenario"], "stream_fanout");
    assert_eq!(stream(&["--ceiling"])["scenario"], "stream_fanout_ceiling");
}

/// `frontline-bench store` for one second with `extra`; its JSON line, after checking it wrote.
fn store(extra: &[&str]) -> serde_json::Value {
    let args = ["store", "--seconds", "1", "--clients", "8"];
    let line = bench(&[&args[..], extra].concat()).remove(0);
    assert!(line["per_second"].as_f64().unwrap_or(0.0) > 0.0, "{line}");
    line
}

#[test]
fn store_writes_and_its_raw_ceiling_complete() {
    let through_the_store = store(&[]);
    assert_eq!(through_the_store["errors"], 0, "{through_the_store}");
    assert_eq!(
        store(&["--raw", "--max-batch", "16"])["rows_per_commit"],
        16
    );
}
