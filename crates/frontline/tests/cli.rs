//! The `frontline` binary, run as a user would run it, against temporary SQLite files: what it
//! prints where, its exit codes, export/import round trips and the server's life cycle.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The binary with a clean environment (no FRONTLINE_* from the caller) and quiet logs.
fn frontline(db: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_frontline"));
    for (key, _) in std::env::vars() {
        if key.starts_with("FRONTLINE_") {
            command.env_remove(key);
        }
    }
    command
        .env("RUST_LOG", "warn")
        .arg("--database-url")
        .arg(db);
    command
}

fn run(db: &Path, args: &[&str]) -> Output {
    frontline(db).args(args).output().expect("the binary runs")
}

fn run_ok(db: &Path, args: &[&str]) -> String {
    let output = run(db, args);
    assert!(
        output.status.success(),
        "frontline {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn token_create_prints_only_the_token_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let created = run_ok(
        &db,
        &[
            "admin",
            "person",
            "create",
            "--email",
            "Ada@Example.com",
            "--name",
            "Ada Lovelace",
            "--role",
            "employee",
        ],
    );
    assert!(created.contains("ada@example.com"), "{created}");

    let output = run(
        &db,
        &[
            "admin",
            "token",
            "create",
            "--email",
            "ada@example.com",
            "--label",
            "laptop",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "only the token: {stdout:?}");
    assert!(
        lines[0].len() >= 32 && !lines[0].contains(char::is_whitespace),
        "{stdout:?}"
    );
    assert!(stderr(&output).contains("shown only once"));

    let missing = run(
        &db,
        &["admin", "token", "create", "--email", "nobody@example.com"],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(missing.stdout.is_empty());
    assert_eq!(
        stderr(&missing).trim().lines().count(),
        1,
        "{}",
        stderr(&missing)
    );
    assert!(
        stderr(&missing)
            .starts_with("error: could not find a person with email nobody@example.com")
    );
}

#[test]
fn the_org_can_be_set_up_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let migrated = run_ok(&db, &["migrate"]);
    assert!(migrated.contains("sqlite"), "{migrated}");
    run_ok(
        &db,
        &["admin", "team", "create", "--name", "Billing is clear"],
    );
    run_ok(
        &db,
        &["admin", "team", "create", "--name", "Order arrives right"],
    );
    run_ok(
        &db,
        &[
            "admin",
            "person",
            "create",
            "--email",
            "sue@frontline.example",
            "--name",
            "Sue",
            "--role",
            "support",
            "--title",
            "CEO",
            "--admin",
        ],
    );
    run_ok(
        &db,
        &[
            "admin",
            "person",
            "create",
            "--email",
            "ben@frontline.example",
            "--name",
            "Ben",
            "--role",
            "employee",
            "--capacity",
            "20",
        ],
    );
    run_ok(
        &db,
        &[
            "admin",
            "outcome",
            "create",
            "--key",
            "charged_correctly",
            "--name",
            "I am charged what I expected",
            "--criteria",
            "The statement matches.",
            "--target-minutes",
            "1440",
            "--team",
            "Billing is clear",
            "--team",
            "order arrives right",
        ],
    );
    run_ok(
        &db,
        &[
            "admin",
            "membership",
            "add",
            "--email",
            "ben@frontline.example",
            "--team",
            "Billing is clear",
            "--at",
            "2026-01-05",
        ],
    );
    run_ok(
        &db,
        &[
            "admin",
            "membership",
            "add",
            "--email",
            "ben@frontline.example",
            "--team",
            "Order arrives right",
        ],
    );
    run_ok(
        &db,
        &[
            "admin",
            "membership",
            "end",
            "--email",
            "ben@frontline.example",
            "--team",
            "Order arrives right",
        ],
    );
    run_ok(
        &db,
        &[
            "admin",
            "support",
            "add",
            "--email",
            "sue@frontline.example",
            "--team",
            "Billing is clear",
        ],
    );

    let mut child = frontline(&db)
        .args([
            "admin",
            "password",
            "set",
            "--email",
            "ben@frontline.example",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));

    let admin_employee = run(
        &db,
        &[
            "admin",
            "person",
            "create",
            "--email",
            "x@frontline.example",
            "--name",
            "X",
            "--role",
            "employee",
            "--admin",
        ],
    );
    assert_eq!(admin_employee.status.code(), Some(1));
    assert!(stderr(&admin_employee).contains("support employees only"));
    let unknown_team = run(
        &db,
        &[
            "admin",
            "support",
            "add",
            "--email",
            "sue@frontline.example",
            "--team",
            "Nope",
        ],
    );
    assert!(
        stderr(&unknown_team).contains("teams are: Billing is clear, Order arrives right"),
        "{}",
        stderr(&unknown_team)
    );
    let duplicate = run(
        &db,
        &["admin", "team", "create", "--name", "Billing is clear"],
    );
    assert_eq!(duplicate.status.code(), Some(1));
    assert!(
        stderr(&duplicate).starts_with("error: could not create team"),
        "{}",
        stderr(&duplicate)
    );
}

#[test]
fn export_then_import_into_a_fresh_database_gives_an_identical_export() {
    let dir = tempfile::tempdir().unwrap();
    let (source, target) = (dir.path().join("source.db"), dir.path().join("target.db"));
    let seeded = run_ok(&source, &["demo", "--cases", "80"]);
    assert!(seeded.contains("ceo@frontline.example"), "{seeded}");

    let exported = run_ok(&source, &["export"]);
    assert!(
        exported.lines().count() > 400,
        "people, cases, messages and events are exported"
    );
    assert!(
        exported
            .lines()
            .all(|line| serde_json::from_str::<serde_json::Value>(line).is_ok())
    );
    let file = dir.path().join("org.jsonl");
    std::fs::write(&file, &exported).unwrap();

    run_ok(&target, &["import", file.to_str().unwrap()]);
    assert_eq!(run_ok(&target, &["export"]), exported);

    // Importing again, or seeding the demo, into a database that has data is refused.
    let again = run(&target, &["import", file.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    let message = stderr(&again);
    assert!(
        message.starts_with("error: the database at") && message.contains("is not empty"),
        "{message}"
    );
    let demo = run(&target, &["demo"]);
    assert_eq!(demo.status.code(), Some(1));
    assert!(stderr(&demo).contains("is not empty"), "{}", stderr(&demo));

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"type\":\"nonsense\"}\n").unwrap();
    let refused = run(
        &dir.path().join("empty.db"),
        &["import", bad.to_str().unwrap()],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("line 1 of"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn errors_are_one_line_with_exit_code_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing-dir").join("f.db");
    let output = run(&db, &["migrate"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(
        message.starts_with(&format!(
            "error: could not open database at {}",
            db.display()
        )),
        "{message}"
    );

    let output = run(Path::new("mysql://db/frontline"), &["migrate"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("unsupported database scheme"));
}

#[test]
fn serve_refuses_a_webhook_ca_file_it_cannot_use_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    for (file, says) in [
        (
            dir.path().join("missing.pem"),
            "could not read --webhook-ca-file",
        ),
        (not_pem, "holds no certificate"),
    ] {
        let file = file.to_str().unwrap();
        let args = [
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--webhook-ca-file",
            file,
        ];
        let output = run(&db, &args);
        assert_eq!(output.status.code(), Some(1));
        let message = stderr(&output);
        assert_eq!(message.trim().lines().count(), 1, "{message}");
        assert!(message.contains(says), "{message}");
    }
    assert!(
        !db.exists(),
        "nothing was written before the flags were checked"
    );
}

#[test]
fn serve_refuses_a_dkim_key_it_cannot_use_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let pkcs8 = dir.path().join("pkcs8.pem");
    // A PKCS#8 key lettre cannot read: the message must say how to convert it, never quote it.
    std::fs::write(
        &pkcs8,
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let seed = dir.path().join("seed");
    std::fs::write(&seed, "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n").unwrap();
    let smtp = ["--smtp-host", "127.0.0.1", "--smtp-security", "plain"];
    for (extra, says) in [
        (
            vec![
                "--dkim-key-file",
                pkcs8.to_str().unwrap(),
                "--dkim-selector",
                "fl",
            ],
            "PKCS#1",
        ),
        (
            vec![
                "--dkim-key-file",
                seed.to_str().unwrap(),
                "--dkim-selector",
                "a b",
            ],
            "is not a DNS name",
        ),
        (
            vec![
                "--dkim-key-file",
                "/nonexistent/key",
                "--dkim-selector",
                "fl",
            ],
            "could not read --dkim-key-file",
        ),
    ] {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
        args.extend(smtp);
        args.extend(extra);
        let output = run(&db, &args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let message = stderr(&output);
        assert!(message.contains(says), "{message}");
        assert!(
            !message.contains("MC4CAQ") && !message.contains("nWGxne"),
            "{message}"
        );
    }
    // Signing needs mail out, and a key needs its selector.
    let no_smtp = run(
        &db,
        &[
            "serve",
            "--dkim-key-file",
            seed.to_str().unwrap(),
            "--dkim-selector",
            "fl",
        ],
    );
    assert!(
        stderr(&no_smtp).contains("without --smtp-host"),
        "{}",
        stderr(&no_smtp)
    );
    let no_selector = run(&db, &["serve", "--dkim-key-file", seed.to_str().unwrap()]);
    assert_eq!(no_selector.status.code(), Some(2), "a usage error");
    assert!(stderr(&no_selector).contains("--dkim-selector"));
    assert!(
        !db.exists(),
        "nothing was written before the flags were checked"
    );
}

/// Reads a child's stdout on a thread, so the test can wait for lines with a deadline.
fn lines_of(stdout: std::process::ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn http_get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn serve_seeds_the_demo_prints_where_to_go_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let mut child = frontline(&db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = lines_of(child.stdout.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut printed = Vec::new();
    while !printed.iter().any(|l: &String| l.contains("@example.com")) {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => printed.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("serve did not print its address and logins in time: {printed:?}");
            }
        }
    }
    let address = printed[0]
        .split("http://")
        .nth(1)
        .unwrap_or_else(|| panic!("no address in {printed:?}"))
        .trim()
        .to_owned();
    let text = printed.join("\n");
    for expected in [
        "ceo@frontline.example",
        "priya.raman@frontline.example",
        "lena.fischer@frontline.example",
        "frontline-demo",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }

    let health = http_get(&address, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve did not stop after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "serve exited with {status}");

    // A second start finds the demo already there: no seeding, the same logins.
    let mut child = frontline(&db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = lines_of(child.stdout.take().unwrap());
    let first = lines.recv_timeout(Duration::from_secs(60)).unwrap();
    assert!(first.contains("http://127.0.0.1:"), "{first}");
    let logins: Vec<String> = (0..5)
        .filter_map(|_| lines.recv_timeout(Duration::from_secs(10)).ok())
        .collect();
    assert!(
        logins.iter().any(|l| l.contains("ceo@frontline.example")),
        "{logins:?}"
    );
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(child.wait().unwrap().success());
}

/// A fresh PostgreSQL database for one test, dropped afterwards; `None` when PostgreSQL (or
/// its client tools) is not available here, and the test then checks nothing.
struct PgDatabase {
    name: String,
}

impl PgDatabase {
    const HOST_ARGS: [&str; 4] = ["-h", "127.0.0.1", "-U", "postgres"];

    fn create() -> Option<Self> {
        TcpStream::connect_timeout(&"127.0.0.1:5432".parse().unwrap(), Duration::from_secs(1))
            .ok()?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .subsec_nanos();
        let name = format!("frontline_cli_{}_{nanos}", std::process::id());
        let created = Command::new("createdb")
            .args(Self::HOST_ARGS)
            .arg(&name)
            .status()
            .ok()?;
        created.success().then_some(Self { name })
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Command::new("dropdb")
            .args(Self::HOST_ARGS)
            .arg("--force")
            .arg(&self.name)
            .status();
    }
}

#[test]
fn an_sqlite_export_moves_into_postgresql_unchanged() {
    let Some(pg) = PgDatabase::create() else {
        eprintln!("PostgreSQL is not reachable: skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("source.db");
    run_ok(&sqlite, &["demo", "--cases", "60"]);
    let exported = run_ok(&sqlite, &["export"]);
    let file = dir.path().join("org.jsonl");
    std::fs::write(&file, &exported).unwrap();

    let url = pg.url();
    let postgres = Path::new(&url);
    assert!(run_ok(postgres, &["migrate"]).starts_with("postgres database at"));
    run_ok(postgres, &["import", file.to_str().unwrap()]);
    assert_eq!(run_ok(postgres, &["export"]), exported);
    let again = run(postgres, &["import", file.to_str().unwrap()]);
    assert!(
        stderr(&again).contains("is not empty"),
        "{}",
        stderr(&again)
    );
}

/// An organisation just big enough to open cases over the API: a team that owns an outcome,
/// an employee in it and a customer. Returns the customer's API token.
fn org_for_cases(db: &Path) -> String {
    run_ok(db, &["admin", "team", "create", "--name", "Orders"]);
    for (email, name, role) in [
        ("emp@frontline.example", "Emp", "employee"),
        ("cust@example.com", "Cust", "customer"),
    ] {
        run_ok(
            db,
            &[
                "admin", "person", "create", "--email", email, "--name", name, "--role", role,
            ],
        );
    }
    run_ok(
        db,
        &[
            "admin",
            "outcome",
            "create",
            "--key",
            "order_arrives",
            "--name",
            "My order arrives",
            "--team",
            "Orders",
        ],
    );
    run_ok(
        db,
        &[
            "admin",
            "membership",
            "add",
            "--email",
            "emp@frontline.example",
            "--team",
            "Orders",
        ],
    );
    run_ok(
        db,
        &["admin", "token", "create", "--email", "cust@example.com"],
    )
    .trim()
    .to_owned()
}

/// Open a case over HTTP; its number (`FL-1234` → 1234) once the server answered 201.
fn create_case(address: &str, token: &str, subject: &str) -> Option<i64> {
    let body = serde_json::json!({
        "subject": subject,
        "body": "Where is my parcel?",
        "outcome": "order_arrives",
    })
    .to_string();
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "POST /api/v1/cases HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    if !response.starts_with("HTTP/1.1 201") {
        return None;
    }
    let (_, rest) = response.split_once("\"number\":\"FL-")?;
    rest.split('"').next()?.parse().ok()
}

fn wait_for(what: &str, deadline: Duration, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + deadline;
    while !done() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_backup_taken_while_the_server_writes_restores_every_case_acknowledged_before_it() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let token = org_for_cases(&db);
    let (mut server, address) = serve_with(&db, &[]);

    // Two clients open cases without pause, each recording a case only once it was
    // acknowledged (201), until told to stop.
    let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..2)
        .map(|client| {
            let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
            let (address, token) = (address.clone(), token.clone());
            std::thread::spawn(move || {
                let mut sent = 0;
                while !stop.load(Ordering::Relaxed) {
                    sent += 1;
                    let subject = format!("Parcel {client}-{sent}");
                    if let Some(number) = create_case(&address, &token, &subject) {
                        acknowledged.lock().unwrap().push(number);
                    }
                }
            })
        })
        .collect();
    let count = || acknowledged.lock().unwrap().len();
    wait_for("the first 50 cases", Duration::from_secs(120), || {
        count() >= 50
    });

    let before: Vec<i64> = acknowledged.lock().unwrap().clone();
    let backup = dir.path().join("backups").join("frontline.db");
    std::fs::create_dir(backup.parent().unwrap()).unwrap();
    let output = run_ok(&db, &["backup", backup.to_str().unwrap()]);
    let during = count() - before.len();
    assert!(
        output.starts_with(&format!(
            "backed up {} to {}: ",
            db.display(),
            backup.display()
        )) && output.contains(" cases, "),
        "{output}"
    );
    // The server kept writing after the backup, and a restore over the file it has open is
    // refused even with --force.
    let after_backup = count();
    wait_for("cases after the backup", Duration::from_secs(60), || {
        count() >= after_backup + 20
    });
    let refused = run(&db, &["restore", backup.to_str().unwrap(), "--force"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("is in use (is `frontline serve` running?)"),
        "{}",
        stderr(&refused)
    );

    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(server.wait().unwrap().success());

    let restored = dir.path().join("restored.db");
    let output = run_ok(&restored, &["restore", backup.to_str().unwrap()]);
    assert!(output.starts_with("restored "), "{output}");
    let conn = rusqlite::Connection::open(&restored).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mut numbers = conn.prepare("SELECT number FROM cases").unwrap();
    let present: std::collections::HashSet<i64> = numbers
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let missing: Vec<&i64> = before.iter().filter(|n| !present.contains(n)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup but missing from it: {missing:?}"
    );
    eprintln!(
        "{} cases acknowledged before the backup, {during} while it ran, {} in it",
        before.len(),
        present.len()
    );
    drop(numbers);
    drop(conn);
    assert!(run_ok(&restored, &["migrate"]).contains("up to date"));
}

#[test]
fn backup_refuses_an_existing_path_unless_forced_and_writes_a_file_only_its_owner_reads() {
    use std::os::unix::fs::PermissionsExt as _;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    run_ok(&db, &["migrate"]);
    let existing = dir.path().join("existing.db");
    std::fs::write(&existing, "keep me").unwrap();

    let refused = run(&db, &["backup", existing.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(message.contains("exists; pass --force"), "{message}");
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me");

    let fresh = dir.path().join("fresh.db");
    let printed = run_ok(&db, &["backup", fresh.to_str().unwrap()]);
    assert!(
        printed.contains("0 cases") && printed.contains("schema version"),
        "{printed}"
    );
    run_ok(&db, &["backup", existing.to_str().unwrap(), "--force"]);
    for file in [&fresh, &existing] {
        let mode = std::fs::metadata(file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
        assert!(
            std::fs::read(file)
                .unwrap()
                .starts_with(b"SQLite format 3\0")
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let itself = run(&db, &["backup", db.to_str().unwrap(), "--force"]);
    assert!(
        stderr(&itself).contains("is the database itself"),
        "{}",
        stderr(&itself)
    );
}

#[test]
fn backup_and_restore_carry_the_files_beside_the_database_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    run_ok(&db, &["migrate"]);
    // A file as the store keeps it: named by its SHA-256 under `<database>.files`.
    let name = "ab".repeat(32);
    let relative = format!("sha256/ab/ab/{name}");
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let kept = dir.path().join("f.db.files").join(&relative);
    std::fs::create_dir_all(kept.parent().unwrap()).unwrap();
    std::fs::write(&kept, &bytes).unwrap();

    let backup = dir.path().join("backups").join("b.db");
    std::fs::create_dir(backup.parent().unwrap()).unwrap();
    run_ok(&db, &["backup", backup.to_str().unwrap()]);
    let copied = dir
        .path()
        .join("backups")
        .join("b.db.files")
        .join(&relative);
    assert_eq!(std::fs::read(&copied).unwrap(), bytes);

    let restored = dir.path().join("restored.db");
    run_ok(&restored, &["restore", backup.to_str().unwrap()]);
    let back = dir.path().join("restored.db.files").join(&relative);
    assert_eq!(std::fs::read(&back).unwrap(), bytes);
}

#[test]
fn restore_refuses_files_that_are_not_frontline_databases_and_an_existing_database() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.db");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database at all, just some words ".repeat(200)).unwrap();
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    for (file, says) in [
        (&text, "is not a Frontline database: file is not a database"),
        (&other, "has no schema_migrations table"),
        (&dir.path().join("missing.db"), "not found"),
    ] {
        let output = run(&target, &["restore", file.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1));
        let message = stderr(&output);
        assert_eq!(message.trim().lines().count(), 1, "{message}");
        assert!(
            message.starts_with("error: could not restore: "),
            "{message}"
        );
        assert!(message.contains(says), "{message}");
    }
    assert!(!target.exists(), "nothing was written");

    // A good backup is still not put over an existing database without --force.
    let source = dir.path().join("source.db");
    let backup = dir.path().join("backup.db");
    org_for_cases(&source);
    run_ok(&source, &["backup", backup.to_str().unwrap()]);
    run_ok(&target, &["migrate"]);
    let refused = run(&target, &["restore", backup.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("exists; pass --force to replace it"),
        "{}",
        stderr(&refused)
    );
    let printed = run_ok(&target, &["restore", backup.to_str().unwrap(), "--force"]);
    assert!(printed.contains("2 people"), "{printed}");
    assert_eq!(run_ok(&target, &["export"]), run_ok(&source, &["export"]));
}

#[test]
fn backup_and_restore_point_postgresql_users_to_its_own_tools() {
    let dir = tempfile::tempdir().unwrap();
    let url = Path::new("postgres://frontline@127.0.0.1:1/frontline");
    let file = dir.path().join("b.db");
    for (command, says) in [("backup", "pg_dump"), ("restore", "pg_restore")] {
        let output = run(url, &[command, file.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1));
        let message = stderr(&output);
        assert_eq!(message.trim().lines().count(), 1, "{message}");
        assert!(message.contains(says), "{message}");
    }
    assert!(!file.exists());
}

/// `frontline serve` on a free port with these extra flags; returns the child and its address
/// once it prints where it listens.
fn serve_with(db: &Path, flags: &[&str]) -> (std::process::Child, String) {
    let mut child = frontline(db)
        .args(["serve", "--listen", "127.0.0.1:0", "--no-demo"])
        .args(flags)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = lines_of(child.stdout.take().unwrap());
    let first = lines
        .recv_timeout(Duration::from_secs(60))
        .expect("serve prints its address");
    let address = first
        .split("http://")
        .nth(1)
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .trim()
        .to_owned();
    (child, address)
}

/// A field of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`).
fn proc_status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{field}:")))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// The status code of a JSON POST sent as from `client` through a trusted proxy.
fn post_status(address: &str, path: &str, client: &str, body: &str) -> u16 {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nX-Forwarded-For: {client}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {response:?}"))
}

#[test]
fn failed_sign_ins_from_many_addresses_keep_the_server_small() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, address) =
        serve_with(&dir.path().join("f.db"), &["--trusted-proxy", "127.0.0.1"]);
    let pid = child.id();
    // 304 wrong passwords for made-up accounts, from 16 addresses at once. Each check needs
    // argon2id's 19 MiB; unbounded, this grew the server to gigabytes that never came back.
    let threads: Vec<_> = (1..=16)
        .map(|n| {
            let address = address.clone();
            std::thread::spawn(move || {
                (0..19)
                    .map(|i| {
                        let body = format!(
                            r#"{{"email":"nobody{n}-{i}@example.com","password":"guess {i}"}}"#
                        );
                        post_status(
                            &address,
                            "/api/v1/session",
                            &format!("203.0.113.{n}"),
                            &body,
                        )
                    })
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    let statuses: Vec<u16> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let peak_mib = proc_status_kib(pid, "VmHWM") / 1024;
    let now_mib = proc_status_kib(pid, "VmRSS") / 1024;
    let _ = child.kill();
    let _ = child.wait();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 503),
        "only 'wrong' or 'busy, retry' expected: {statuses:?}"
    );
    assert!(
        checked >= 150,
        "most attempts should have been checked, not refused: {checked} of {}",
        statuses.len()
    );
    assert!(
        peak_mib < 100,
        "the server peaked at {peak_mib} MiB (now {now_mib} MiB) after {checked} failed sign-ins"
    );
}

#[cfg(unix)]
#[test]
fn an_export_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    run_ok(
        &db,
        &[
            "admin",
            "person",
            "create",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
            "--role",
            "employee",
        ],
    );
    run_ok(
        &db,
        &["admin", "token", "create", "--email", "ada@example.com"],
    );
    let file = dir.path().join("org.jsonl");
    let printed = run_ok(&db, &["export", "--output", file.to_str().unwrap()]);
    assert_eq!(printed, "", "the records go to the file, not stdout");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        written.contains("\"token_hash\""),
        "it holds secrets' hashes"
    );
    assert_eq!(written, run_ok(&db, &["export"]));

    // A file that already exists, readable by everyone, is narrowed too.
    let old = dir.path().join("old.jsonl");
    std::fs::write(&old, "stale").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    run_ok(&db, &["export", "-o", old.to_str().unwrap()]);
    let mode = std::fs::metadata(&old).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    assert_eq!(std::fs::read_to_string(&old).unwrap(), written);
}

#[test]
fn tokens_are_listed_revoked_and_may_expire() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    run_ok(
        &db,
        &[
            "admin",
            "person",
            "create",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
            "--role",
            "employee",
        ],
    );
    let token = run_ok(
        &db,
        &[
            "admin",
            "token",
            "create",
            "--email",
            "ada@example.com",
            "--label",
            "laptop",
            "--expires-in-days",
            "7",
        ],
    );
    assert!(token.trim().starts_with("fl_"), "{token}");
    run_ok(
        &db,
        &[
            "admin",
            "token",
            "create",
            "--email",
            "ada@example.com",
            "--label",
            "ci",
        ],
    );
    let listed = run_ok(
        &db,
        &["admin", "token", "list", "--email", "ada@example.com"],
    );
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(!listed.contains(token.trim()), "never the token itself");
    let laptop = lines
        .iter()
        .find(|l| l.contains("\"laptop\""))
        .expect("laptop");
    assert!(!laptop.contains("expires never"), "{laptop}");
    let ci = lines.iter().find(|l| l.contains("\"ci\"")).expect("ci");
    assert!(
        ci.contains("expires never") && ci.contains("last used never"),
        "{ci}"
    );

    let refused = run(
        &db,
        &[
            "admin",
            "token",
            "create",
            "--email",
            "ada@example.com",
            "--expires-in-days",
            "0",
        ],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));

    let id = laptop.split_whitespace().next().unwrap();
    let revoked = run_ok(
        &db,
        &[
            "admin",
            "token",
            "revoke",
            "--email",
            "ada@example.com",
            "--id",
            id,
        ],
    );
    assert!(revoked.contains(id), "{revoked}");
    let listed = run_ok(
        &db,
        &["admin", "token", "list", "--email", "ada@example.com"],
    );
    assert_eq!(listed.lines().count(), 1, "{listed}");
    let again = run(
        &db,
        &[
            "admin",
            "token",
            "revoke",
            "--email",
            "ada@example.com",
            "--id",
            id,
        ],
    );
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));

    let all = run_ok(
        &db,
        &[
            "admin",
            "token",
            "revoke",
            "--email",
            "ada@example.com",
            "--all",
        ],
    );
    assert!(all.contains("revoked 1 API tokens and 0 sessions"), "{all}");
    assert_eq!(
        run_ok(
            &db,
            &["admin", "token", "list", "--email", "ada@example.com"]
        ),
        ""
    );
}

/// An export written by `main` before event payloads were typed (a small organisation built
/// through the CLI and API by `tests/fixtures/small_org.py`, unedited) imports into a fresh
/// database and exports back byte for byte; every event in it reads as its kind's payload and
/// that payload writes back as the same JSON.
#[test]
fn an_export_from_before_typed_payloads_imports_and_exports_unchanged() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/export-before-typed-payloads.jsonl");
    let original = std::fs::read_to_string(&fixture).unwrap();
    let kinds: std::collections::BTreeSet<String> = original
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|record| record["type"] == "event")
        .map(|event| event["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        kinds.len() >= 50,
        "the fixture covers most kinds: {kinds:?}"
    );
    for line in original.lines() {
        if let frontline_store::Record::Event(event) = serde_json::from_str(line).unwrap() {
            let payload = event
                .decoded()
                .unwrap_or_else(|e| panic!("seq {}: {e}", event.seq));
            assert_eq!(payload.to_json(), event.payload, "seq {}", event.seq);
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    run_ok(&db, &["import", fixture.to_str().unwrap()]);
    let exported = run_ok(&db, &["export"]);
    assert!(
        exported == original,
        "the export is the imported file, byte for byte"
    );
}

/// One HTTP/1.1 request with a bearer token and a JSON body; the status and the body.
fn http_json(address: &str, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The demo organisation at `db` served, with a mailbox `support` (for the demo's
/// `order_arrives` outcome): the server, its address and the mailbox's inbound token.
fn mailbox_server(db: &Path) -> (std::process::Child, String, String) {
    run_ok(db, &["demo", "--cases", "1"]);
    let admin = run_ok(
        db,
        &[
            "admin",
            "token",
            "create",
            "--email",
            "ceo@frontline.example",
        ],
    );
    let admin = admin.trim();
    let (server, address) = serve_with(db, &[]);
    let (status, body) = http_json(
        &address,
        "PUT",
        "/api/v1/mailboxes/support",
        admin,
        r#"{"name":"Support","address":"support@shop.example","outcome":"order_arrives"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = http_json(
        &address,
        "POST",
        "/api/v1/mailboxes/support/token",
        admin,
        "{}",
    );
    assert_eq!(status, 201, "{body}");
    let token = body
        .split("\"token\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    (server, address, token)
}

/// `frontline mail ingest` with the message on stdin.
fn ingest(db: &Path, address: &str, token: &str, message: &[u8]) -> Output {
    let mut child = frontline(db)
        .args(["mail", "ingest", "--mailbox", "support", "--server"])
        .arg(format!("http://{address}"))
        .env("FRONTLINE_MAILBOX_TOKEN", token)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A refusal may come before all of a large message is read.
    let _ = stdin.write_all(message);
    drop(stdin);
    child.wait_with_output().unwrap()
}

#[test]
fn mail_ingest_hands_a_piped_message_to_the_server_and_speaks_sysexits() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let (mut server, address, token) = mailbox_server(&db);

    let message = b"From: Pat Piper <pat@example.org>\r\nTo: support@shop.example\r\n\
        Subject: Where is my order?\r\nMessage-ID: <piped-1@example.org>\r\n\r\nIt is late.\r\n";
    let first = ingest(&db, &address, &token, message);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let said = String::from_utf8(first.stdout).unwrap();
    assert!(said.starts_with("opened FL-"), "{said:?}");
    let number = said.split_whitespace().nth(1).unwrap().to_owned();
    let again = ingest(&db, &address, &token, message);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(again.stdout).unwrap().trim(),
        format!("duplicate {number}")
    );

    // A wrong token is for the administrator to fix while the MTA keeps the mail: 75.
    let wrong = ingest(&db, &address, "fl_wrong", message);
    assert_eq!(wrong.status.code(), Some(75), "{}", stderr(&wrong));
    assert!(stderr(&wrong).contains("401"), "{}", stderr(&wrong));
    // Too large can never be taken: 65, and the server is not bothered.
    let huge = vec![b'x'; 26 * 1024 * 1024 + 10];
    let refused = ingest(&db, &address, &token, &huge);
    assert_eq!(refused.status.code(), Some(65), "{}", stderr(&refused));

    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    server.wait().unwrap();
    // The server is down: the MTA retries later.
    let down = ingest(&db, &address, &token, message);
    assert_eq!(down.status.code(), Some(75), "{}", stderr(&down));
    assert_eq!(stderr(&down).trim().lines().count(), 1, "{}", stderr(&down));
}

/// POST one raw mail to the `support` mailbox's inbound URL; the status and body, or `None`
/// when the server did not answer (killed mid-request).
fn post_mail(address: &str, token: &str, raw: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "POST /api/v1/mailboxes/support/inbound HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: message/rfc822\r\nContent-Length: {}\r\n\r\n{raw}",
        raw.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n")?.1.to_owned();
    Some((status, body))
}

#[test]
fn killing_the_server_mid_ingest_loses_no_acknowledged_mail_and_duplicates_none() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let (mut server, address, token) = mailbox_server(&db);
    const MAILS: usize = 120;
    let mails: Vec<String> = (0..MAILS)
        .map(|i| {
            format!(
                "From: sender{i}@example.org\r\nTo: support@shop.example\r\nSubject: Mail {i}\r\n\
                 Message-ID: <kill-{i}@example.org>\r\n\r\nNumber {i}.\r\n"
            )
        })
        .collect();

    // Four senders deliver every mail while the server is SIGKILLed part-way through.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let senders: Vec<_> = (0..4)
        .map(|s| {
            let (address, token, mails, acknowledged) = (
                address.clone(),
                token.clone(),
                mails.clone(),
                acknowledged.clone(),
            );
            std::thread::spawn(move || {
                for i in (s..MAILS).step_by(4) {
                    match post_mail(&address, &token, &mails[i]) {
                        Some((202, _)) => acknowledged.lock().unwrap().push(i),
                        Some((status, body)) => panic!("mail {i}: {status} {body}"),
                        None => return,
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < MAILS / 3 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the mails are not taken"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    Command::new("kill")
        .args(["-KILL", &server.id().to_string()])
        .status()
        .unwrap();
    server.wait().unwrap();
    for sender in senders {
        sender.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() < MAILS, "the kill came after every mail");

    // The MTA delivers everything again, acknowledged or not: what was acknowledged is there
    // (a duplicate), the rest is taken now, nothing twice.
    let (mut server, address) = serve_with(&db, &[]);
    let mut opened = 0;
    for (i, mail) in mails.iter().enumerate() {
        let (status, body) = post_mail(&address, &token, mail).expect("the server answers");
        assert_eq!(status, 202, "{body}");
        if acknowledged.contains(&i) {
            assert!(
                body.contains("\"outcome\":\"duplicate\""),
                "mail {i}: {body}"
            );
        } else if body.contains("\"outcome\":\"opened\"") {
            opened += 1;
        } else {
            // Written before the kill but not acknowledged in time: kept, once.
            assert!(
                body.contains("\"outcome\":\"duplicate\""),
                "mail {i}: {body}"
            );
        }
    }
    assert!(opened > 0);
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    server.wait().unwrap();
    let export = run_ok(&db, &["export"]);
    let inbound = export
        .lines()
        .filter(|l| l.contains("\"type\":\"mail\"") && l.contains("kill-"))
        .count();
    assert_eq!(inbound, MAILS, "every mail exactly once");
    let cases = export
        .lines()
        .filter(|l| l.contains("\"type\":\"case\"") && l.contains("\"Mail "))
        .count();
    assert_eq!(cases, MAILS, "one case per mail");
}
