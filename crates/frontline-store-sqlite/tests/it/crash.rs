//! Crash test: a child process writes cases as fast as it can and reports each acknowledged
//! write; the parent SIGKILLs it at a random moment, reopens the database, and checks that
//! every acknowledged case is there and the event log has no gap. Twenty rounds on one file.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use frontline_core::{CaseId, OutcomeKey, Role};
use frontline_store::testing::{new_case, new_person};
use frontline_store::{EventFilter, NewOutcome, Store};
use frontline_store_sqlite::SqliteStore;

const DB_ENV: &str = "FRONTLINE_CRASH_TEST_DB";
const ROUNDS: usize = 20;

/// A tiny deterministic generator for kill delays; the seed is printed so a failure replays.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn acknowledged_writes_survive_sigkill_and_the_log_has_no_gap() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("crash test seed {seed}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut total_acked = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash::child_writer",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DB_ENV, &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the writer process");
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait until the child writes, then let it run for a random 20..320 ms and kill it.
        let started = Instant::now();
        let mut acked: Vec<(CaseId, i64)> = Vec::new();
        let mut ready = false;
        while !ready && started.elapsed() < Duration::from_secs(30) {
            if let Ok(line) = lines.recv_timeout(Duration::from_millis(50)) {
                ready = line.ends_with("READY");
            }
        }
        assert!(ready, "round {round}: the writer never became ready");
        std::thread::sleep(Duration::from_millis(20 + next(&mut seed) % 300));
        child.kill().expect("SIGKILL the writer");
        child.wait().unwrap();
        reader.join().unwrap();
        for line in lines.try_iter() {
            if let Some(rest) = line.strip_prefix("ACK ") {
                let (id, seq) = rest.split_once(' ').expect("ACK id seq");
                acked.push((id.parse().unwrap(), seq.parse().unwrap()));
            }
        }
        total_acked += acked.len();

        runtime.block_on(async {
            let store = SqliteStore::open(&db).expect("reopen after the crash");
            for (id, _) in &acked {
                store
                    .get_case(*id)
                    .await
                    .unwrap_or_else(|e| panic!("round {round}: acknowledged case {id} lost: {e}"));
            }
            let events = store
                .events_after(0, u32::MAX, EventFilter::default())
                .await
                .unwrap();
            for (i, e) in events.iter().enumerate() {
                assert_eq!(
                    e.seq,
                    i as i64 + 1,
                    "round {round}: the log has a gap before seq {}",
                    e.seq
                );
            }
            let max_acked = acked.iter().map(|(_, seq)| *seq).max().unwrap_or(0);
            assert!(
                events.len() as i64 >= max_acked,
                "round {round}: acknowledged seq {max_acked} missing"
            );
        });
    }
    eprintln!("{ROUNDS} rounds, {total_acked} acknowledged writes checked");
    assert!(
        total_acked > 0,
        "the writer acknowledged nothing: the test tested nothing"
    );
}

/// The process the crash test kills: not a test on its own (ignored unless run by the parent).
#[test]
#[ignore = "run by acknowledged_writes_survive_sigkill_and_the_log_has_no_gap"]
fn child_writer() {
    let Some(db) = std::env::var_os(DB_ENV) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db).expect("open"));
        let key = OutcomeKey::parse("crash").unwrap();
        let (customer, outcome) = match store.get_outcome_by_key(&key).await {
            Ok(outcome) => {
                let email = frontline_core::Email::parse("crash@customer.test").unwrap();
                (
                    store.get_person_by_email(&email).await.unwrap().id,
                    outcome.id,
                )
            }
            Err(_) => {
                let customer = store
                    .create_person(None, new_person("crash@customer.test", Role::Customer, 0))
                    .await
                    .unwrap()
                    .value;
                let team = store
                    .create_team(None, frontline_core::Name::parse("Crash team").unwrap())
                    .await
                    .unwrap()
                    .value;
                let employee = store
                    .create_person(None, new_person("crash@frontline.test", Role::Employee, 5))
                    .await
                    .unwrap()
                    .value;
                store
                    .add_membership(None, employee.id, team.id, frontline_core::time::now())
                    .await
                    .unwrap();
                let outcome = NewOutcome {
                    key,
                    name: frontline_core::Name::parse("Crash").unwrap(),
                    success_criteria: String::new(),
                    target_minutes: 60,
                    team_ids: vec![team.id],
                };
                (
                    customer.id,
                    store.create_outcome(None, outcome).await.unwrap().value.id,
                )
            }
        };
        println!("READY");
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    let written = store
                        .create_case(None, new_case(customer, outcome, "Crash"))
                        .await
                        .unwrap();
                    // println! takes the stdout lock per line, so lines never interleave.
                    println!("ACK {} {}", written.value.case.id, written.last_seq());
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
}
