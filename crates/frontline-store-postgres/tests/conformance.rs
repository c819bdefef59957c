//! The `Store` contract run against PostgreSQL, plus what only PostgreSQL has: several nodes
//! on one database (the cross-node doorbell and its recovery, concurrent migrations), truly
//! parallel writers (loads stay equal to a recount), senders on several nodes sharing the mail
//! outbox (`conformance/outbox.rs`), and exports that move between SQLite and PostgreSQL
//! unchanged (`conformance/cross_backend.rs`).
//!
//! Each test gets a fresh schema `fl_test_<hex>` in the database at `TEST_DATABASE_URL`
//! (default: the local PostgreSQL 15 every development machine and CI run has). If it cannot
//! be reached the tests are skipped with a note on stderr, unless
//! `FRONTLINE_REQUIRE_POSTGRES=1`, in which case they fail.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use frontline_core::{CaseStatus, Name, Visibility};
use frontline_store::testing::{new_case, new_message, org};
use frontline_store::{CaseFilter, EventFilter, PageRequest, Store, StoreError};
use frontline_store_postgres::PgStore;
use uuid::Uuid;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// Test schemas older than this are dropped by the next test run.
const STALE_AFTER_MILLIS: u64 = 60 * 60 * 1000;

fn database_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

fn postgres_required() -> bool {
    std::env::var("FRONTLINE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// A fresh schema name. The hex is a UUIDv7, so it starts with its creation time in
/// milliseconds: that is how stale schemas are recognised.
fn fresh_schema() -> String {
    format!("fl_test_{}", Uuid::now_v7().simple())
}

/// A store in a fresh schema; `None` (skip) when PostgreSQL is unreachable and not required.
async fn store() -> Option<Arc<dyn Store>> {
    let schema = fresh_schema();
    connect(&schema)
        .await
        .map(|store| Arc::new(store) as Arc<dyn Store>)
}

async fn connect(schema: &str) -> Option<PgStore> {
    let url = database_url();
    if !reachable(&url).await {
        if postgres_required() {
            panic!("FRONTLINE_REQUIRE_POSTGRES=1 but PostgreSQL at {url} is unreachable");
        }
        eprintln!(
            "skipped: PostgreSQL at {url} is unreachable; \
             set FRONTLINE_REQUIRE_POSTGRES=1 to make this a failure"
        );
        return None;
    }
    drop_stale_schemas(&url).await;
    match PgStore::connect_in_schema(&url, schema).await {
        Ok(store) => Some(store),
        Err(StoreError::Unavailable(why)) if !postgres_required() => {
            eprintln!(
                "skipped: PostgreSQL at {url} is unreachable ({why}); \
                 set FRONTLINE_REQUIRE_POSTGRES=1 to make this a failure"
            );
            None
        }
        Err(e) => panic!("could not open a PostgreSQL store at {url} in schema {schema}: {e}"),
    }
}

/// Whether PostgreSQL answers, asked once per test binary with a short timeout, so a machine
/// without it skips every test quickly instead of waiting out each pool's connect timeout.
async fn reachable(url: &str) -> bool {
    static REACHABLE: tokio::sync::OnceCell<bool> = tokio::sync::OnceCell::const_new();
    *REACHABLE
        .get_or_init(|| async {
            // One plain connection: a pool would retry a refused connection until it times out.
            let probe = <sqlx::PgConnection as sqlx::Connection>::connect(url);
            match tokio::time::timeout(Duration::from_secs(5), probe).await {
                Ok(Ok(conn)) => {
                    let _ = sqlx::Connection::close(conn).await;
                    true
                }
                Ok(Err(e)) => {
                    eprintln!("PostgreSQL probe failed: {e}");
                    false
                }
                Err(_) => false,
            }
        })
        .await
}

/// Once per test binary: drop the schemas of test runs that ended more than an hour ago (each
/// test leaves its schema behind, since nothing runs after the conformance check returns).
async fn drop_stale_schemas(url: &str) {
    static DONE: AtomicBool = AtomicBool::new(false);
    if DONE.swap(true, Ordering::SeqCst) {
        return;
    }
    let Ok(pool) = sqlx::PgPool::connect(url).await else {
        return;
    };
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'fl\\_test\\_%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    for name in names {
        let Some(created) = name
            .strip_prefix("fl_test_")
            .and_then(|hex| hex.get(..12))
            .and_then(|ms| u64::from_str_radix(ms, 16).ok())
        else {
            continue;
        };
        if now.saturating_sub(created) > STALE_AFTER_MILLIS {
            // The name came from the catalogue and matched our prefix and hex shape above.
            let sql = format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE");
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await {
                eprintln!("could not drop stale test schema {name}: {e}");
            }
        }
    }
    pool.close().await;
}

frontline_store::conformance_tests!(store);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_on_one_node_rings_the_doorbell_of_another() {
    let schema = fresh_schema();
    let Some(node_a) = connect(&schema).await else {
        return;
    };
    let Some(node_b) = connect(&schema).await else {
        return;
    };
    let mut doorbell = node_b.subscribe();
    let written = node_a
        .create_team(None, Name::parse("Doorbell").unwrap())
        .await
        .unwrap();
    let seq = written.last_seq();
    tokio::time::timeout(
        Duration::from_secs(1),
        doorbell.wait_for(|newest| *newest >= seq),
    )
    .await
    .expect("node B heard node A's commit within a second")
    .unwrap();
    assert_eq!(node_b.last_seq().await.unwrap(), seq);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doorbell_recovers_when_the_listening_connection_is_killed() {
    let schema = fresh_schema();
    let (Some(node_a), Some(node_b)) = (connect(&schema).await, connect(&schema).await) else {
        return;
    };
    let admin = sqlx::PgPool::connect(&database_url()).await.unwrap();
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'frontline-listener' AND query LIKE '%' || $1 || '%'",
    )
    .bind(&schema)
    .fetch_all(&admin)
    .await
    .unwrap();
    assert_eq!(
        killed,
        vec![true, true],
        "both nodes' listeners were found and killed"
    );

    let mut doorbell = node_b.subscribe();
    let seq = node_a
        .create_team(None, Name::parse("After the outage").unwrap())
        .await
        .unwrap()
        .last_seq();
    tokio::time::timeout(Duration::from_secs(5), doorbell.wait_for(|n| *n >= seq))
        .await
        .expect("node B's listener reconnected and caught up")
        .unwrap();
    admin.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_in_different_schemas_do_not_ring_each_other() {
    let (Some(a), Some(b)) = (
        connect(&fresh_schema()).await,
        connect(&fresh_schema()).await,
    ) else {
        return;
    };
    let doorbell = b.subscribe();
    a.create_team(None, Name::parse("Elsewhere").unwrap())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(*doorbell.borrow(), 0);
    assert_eq!(b.last_seq().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_at_once_migrate_the_schema_once() {
    let schema = fresh_schema();
    let nodes = futures_join(&schema).await;
    let Some(nodes) = nodes else { return };
    // Every node works on the same tables: one team made through one is seen by all.
    nodes[0]
        .create_team(None, Name::parse("Shared").unwrap())
        .await
        .unwrap();
    for node in &nodes {
        assert_eq!(node.list_teams().await.unwrap().len(), 1);
    }
    // Reconnecting to a migrated schema is a no-op.
    assert!(connect(&schema).await.is_some());
}

async fn futures_join(schema: &str) -> Option<Vec<PgStore>> {
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            let schema = schema.to_owned();
            tokio::spawn(async move { connect(&schema).await })
        })
        .collect();
    let mut nodes = Vec::new();
    for task in tasks {
        nodes.push(task.await.expect("connect task")?);
    }
    Some(nodes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_schema_name_is_refused_before_reaching_the_database() {
    let err = PgStore::connect_in_schema(&database_url(), "x; DROP TABLE people")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_unavailable() {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    let err = PgStore::connect_in_schema("postgres://postgres@127.0.0.1:1/test", "fl_nowhere")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
}

/// PostgreSQL runs writes truly in parallel (SQLite has one writer), so this drives every kind
/// of case write at once: no deadlock or lost update may surface, and afterwards every load
/// counter equals a recount and the log has no gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_concurrent_writes_keep_every_load_equal_to_a_recount() {
    let Some(store) = store().await else { return };
    let o = org(&*store).await;
    let mut cases = Vec::new();
    for i in 0..12 {
        let created = store
            .create_case(
                None,
                new_case(o.carol.id, o.outcome.id, &format!("Mixed {i}")),
            )
            .await
            .unwrap();
        cases.push(created.value.case.id);
    }
    let staff = [o.ann.id, o.ben.id, o.sue.id];
    let mut tasks = Vec::new();
    for step in 0..96_usize {
        let store = store.clone();
        let case_id = cases[(step * 7) % cases.len()];
        let (carol, outcome) = (o.carol.id, o.outcome.id);
        let person = staff[step % staff.len()];
        tasks.push(tokio::spawn(async move {
            let result = match step % 6 {
                0 => store
                    .change_status(Some(person), case_id, CaseStatus::Resolved)
                    .await
                    .map(drop),
                1 => store
                    .assign_case(Some(person), case_id, None)
                    .await
                    .map(drop),
                2 => store
                    .assign_case(Some(person), case_id, Some(person))
                    .await
                    .map(drop),
                3 => store
                    .add_message(Some(carol), new_message(case_id, carol, Visibility::Public))
                    .await
                    .map(drop),
                4 => store
                    .create_case(None, new_case(carol, outcome, &format!("More {step}")))
                    .await
                    .map(drop),
                _ => store
                    .change_status(Some(person), case_id, CaseStatus::WaitingOnCustomer)
                    .await
                    .map(drop),
            };
            match result {
                // Lifecycle refusals are expected when moves race; nothing else is.
                Ok(()) | Err(StoreError::Conflict { .. }) => {}
                Err(e) => panic!("step {step}: {e:?}"),
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }

    let load_statuses: Vec<CaseStatus> = CaseStatus::ALL
        .iter()
        .copied()
        .filter(|s| s.counts_as_load())
        .collect();
    for person in staff {
        let owned = store
            .list_cases(
                CaseFilter {
                    owner_id: Some(person),
                    statuses: load_statuses.clone(),
                    ..Default::default()
                },
                PageRequest::first(200),
            )
            .await
            .unwrap();
        assert_eq!(
            store.open_load(person).await.unwrap() as usize,
            owned.items.len(),
            "the load counter equals a recount"
        );
    }
    let log = store
        .events_after(0, 100_000, EventFilter::default())
        .await
        .unwrap();
    let seqs: Vec<i64> = log.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=log.len() as i64).collect::<Vec<_>>());
    assert!(log.windows(2).all(|w| w[0].at <= w[1].at));
}

/// Callers may pass times finer than a millisecond; what a write returns must equal what a
/// later read returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backdated_times_read_back_equal_to_what_the_write_returned() {
    let Some(store) = store().await else { return };
    let o = org(&*store).await;
    let fine = frontline_core::Timestamp::from_nanosecond(1_700_000_000_123_456_789).unwrap();
    let created = store
        .create_case(
            None,
            frontline_store::NewCase {
                created_at: Some(fine),
                ..new_case(o.carol.id, o.outcome.id, "Backdated")
            },
        )
        .await
        .unwrap()
        .value;
    assert_eq!(store.get_case(created.case.id).await.unwrap(), created.case);
    assert_eq!(
        store.list_messages(created.case.id, true).await.unwrap(),
        vec![created.message]
    );
    let joined = store
        .add_membership(None, o.sue.id, o.team_b, fine)
        .await
        .unwrap()
        .value;
    let listed = store
        .list_memberships(Some(o.team_b), Some(o.sue.id))
        .await
        .unwrap();
    assert_eq!(listed, vec![joined]);
}

/// Drafts of one rule race for the next version number: they take turns on the rule, so every
/// draft succeeds and the versions are 1..=n without a gap or a clash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_drafts_of_one_rule_get_consecutive_versions() {
    use frontline_core::guideline::RuleType;
    use frontline_store::RuleFilter;
    use frontline_store::testing::{decision_kind, new_rule_version, next_rule_version};

    let Some(store) = store().await else { return };
    store
        .save_decision_kind(None, decision_kind("refund", "EUR"))
        .await
        .unwrap();
    let first = store
        .create_rule_version(
            None,
            new_rule_version("refund", RuleType::Guideline, "Raced drafts"),
        )
        .await
        .unwrap()
        .value;
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let store = store.clone();
            let next = next_rule_version(&first, &format!("Draft {i}"));
            tokio::spawn(async move { store.create_rule_version(None, next).await })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("every draft is numbered in turn");
    }
    let versions: Vec<u32> = store
        .list_rules(RuleFilter {
            rule_id: Some(first.rule_id),
            ..Default::default()
        })
        .await
        .unwrap()
        .iter()
        .map(|r| r.version)
        .collect();
    assert_eq!(versions, (1..=13).collect::<Vec<_>>());
}

/// Two reviews of one decision at once: exactly one wins, the other is a `Conflict`, and the
/// log holds one `decision.reviewed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_concurrent_reviews_exactly_one_wins() {
    use frontline_core::EventKind;
    use frontline_core::guideline::Verdict;
    use frontline_store::ReviewOutcome;
    use frontline_store::testing::{decision_kind, new_decision};

    let Some(store) = store().await else { return };
    let o = org(&*store).await;
    store
        .save_decision_kind(None, decision_kind("refund", "EUR"))
        .await
        .unwrap();
    let case = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Raced review"))
        .await
        .unwrap()
        .value
        .case;
    let decision = store
        .record_decision(new_decision(case.id, "refund", o.ann.id, Verdict::Explain))
        .await
        .unwrap()
        .value;
    let tasks: Vec<_> = [
        (o.sue.id, ReviewOutcome::Uphold),
        (o.ben.id, ReviewOutcome::Reverse),
    ]
    .into_iter()
    .map(|(reviewer, outcome)| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .review_decision(decision.id, reviewer, outcome, None)
                .await
        })
    })
    .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(won, 1);
    let reviewed = store
        .events_after(
            0,
            1000,
            EventFilter {
                kinds: vec![EventKind::DecisionReviewed],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(reviewed.len(), 1);
}

/// Every node polls the same IMAP folder, so one mail routinely arrives on several at once.
/// The duplicates wait for the first delivery and stop before opening a case, rather than
/// open one and roll it back on the mail's primary key: case numbers stay without gaps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deliveries_of_one_mail_take_no_case_number() {
    use frontline_core::mail::{MailboxKey, NewMailbox};
    use frontline_store::NewMail;

    let Some(store) = store().await else { return };
    let o = org(&*store).await;
    let support = MailboxKey::parse("support").unwrap();
    store
        .save_mailbox(
            None,
            NewMailbox {
                key: support.clone(),
                name: Name::parse("Support").unwrap(),
                address: frontline_core::Email::parse("support@example.com").unwrap(),
                outcome_id: o.outcome.id,
                imap: None,
                enabled: true,
            },
        )
        .await
        .unwrap();
    let mail = |id: &str| NewMail {
        mailbox: support.clone(),
        rfc_message_id: id.into(),
        from: o.carol.email.clone(),
        subject: "Late parcel".into(),
        raw: format!("Message-ID: <{id}>\r\n\r\nWhere is it?\r\n").into_bytes(),
    };
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            let new = new_case(o.carol.id, o.outcome.id, "Late parcel");
            let mail = mail("raced@mail.customer.test");
            tokio::spawn(async move { store.create_case_from_mail(new, mail).await })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(written) => numbers.push(written.value.case.number.0),
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    let next = store
        .create_case_from_mail(
            new_case(o.carol.id, o.outcome.id, "Another parcel"),
            mail("next@mail.customer.test"),
        )
        .await
        .unwrap()
        .value
        .case
        .number
        .0;
    assert_eq!(numbers.len(), 1);
    assert_eq!(
        next,
        numbers[0] + 1,
        "no case number was taken by a duplicate"
    );
}

/// The same unreadable mail quarantined by several nodes at once is kept once, and every one
/// of them answers with that item.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_unreadable_mail_quarantined_at_once_is_kept_once() {
    use frontline_store::NewQuarantined;

    let Some(store) = store().await else { return };
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .quarantine_mail(NewQuarantined {
                        mailbox: None,
                        reason: "not a message".into(),
                        from: None,
                        subject: None,
                        raw: b"\xff\xfe not mail".to_vec(),
                    })
                    .await
            })
        })
        .collect();
    let mut kept = Vec::new();
    for task in tasks {
        kept.push(task.await.unwrap().expect("every delivery is answered"));
    }
    assert!(kept.iter().all(|item| *item == kept[0]), "{kept:?}");
    assert_eq!(
        store.list_quarantine(10).await.unwrap(),
        vec![kept[0].clone()]
    );
}

// In a subfolder so cargo does not build it as a test binary of its own.
#[path = "conformance/cross_backend.rs"]
mod cross_backend;
#[path = "conformance/outbox.rs"]
mod outbox;

/// After a bulk load the planner needs statistics; `analyze` gathers them for every table of
/// the store's own schema.
#[tokio::test]
async fn analyze_gathers_statistics_for_the_stores_tables() {
    let schema = fresh_schema();
    let Some(store) = connect(&schema).await else {
        return;
    };
    let pool = sqlx::PgPool::connect(&database_url()).await.unwrap();
    let never_analyzed = || {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_stat_user_tables
             WHERE schemaname = $1 AND last_analyze IS NULL",
        )
        .bind(&schema)
        .fetch_one(&pool)
    };
    assert!(never_analyzed().await.unwrap() > 0, "a fresh schema");
    store.analyze().await.unwrap();
    // The statistics collector reports asynchronously; give it a moment.
    let mut left = never_analyzed().await.unwrap();
    for _ in 0..50 {
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = never_analyzed().await.unwrap();
    }
    assert_eq!(left, 0, "every table of {schema} analyzed");
}

/// Benchmark runs remove their schema with `drop_schema`: the schema and its tables go, other
/// schemas stay, a second drop is no error, and a name that is not a plain identifier is
/// refused before anything reaches the database.
#[tokio::test]
async fn drop_schema_removes_one_schema_and_refuses_odd_names() {
    let (gone, kept) = (fresh_schema(), fresh_schema());
    let Some(store) = connect(&gone).await else {
        return;
    };
    let other = connect(&kept).await.unwrap();
    drop(store);
    let pool = sqlx::PgPool::connect(&database_url()).await.unwrap();
    let exists = |name: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            )
            .bind(name)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert!(exists(gone.clone()).await);
    PgStore::drop_schema(&database_url(), &gone).await.unwrap();
    assert!(!exists(gone.clone()).await, "{gone} dropped");
    assert!(exists(kept.clone()).await, "{kept} untouched");
    other.last_seq().await.unwrap();
    PgStore::drop_schema(&database_url(), &gone).await.unwrap();
    let odd = PgStore::drop_schema(&database_url(), "public; DROP TABLE x").await;
    assert!(matches!(odd, Err(StoreError::Invalid(_))), "{odd:?}");
}
