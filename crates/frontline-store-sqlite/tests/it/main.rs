//! SQLite backend tests, one binary: the Store contract (every check of
//! `frontline_store::testing`, each on a fresh database file) and the crash test.

use std::sync::Arc;

use frontline_store::Store;
use frontline_store_sqlite::SqliteStore;

mod crash;

async fn store() -> Option<Arc<dyn Store>> {
    // The directory must outlive the store; keeping it (not deleting on drop) is the point.
    let dir = tempfile::tempdir().expect("temp dir").keep();
    Some(Arc::new(
        SqliteStore::open(dir.join("frontline.db")).expect("open sqlite store"),
    ))
}

mod conformance {
    use super::store;
    frontline_store::conformance_tests!(store);
}

/// The `frontline admin` CLI writes into the file a running server has open: the server's
/// writer must continue the sequence after the other process's events, and its doorbell must
/// hear about them.
#[tokio::test]
async fn a_second_process_writing_the_same_file_keeps_the_log_gap_free() {
    use frontline_core::Role;
    use frontline_store::testing::new_person;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let server = SqliteStore::open(&path).unwrap();
    let cli = SqliteStore::open(&path).unwrap();
    let mut doorbell = server.subscribe();
    server
        .create_person(None, new_person("a@x.test", Role::Customer, 0))
        .await
        .unwrap();
    cli.create_person(None, new_person("b@x.test", Role::Customer, 0))
        .await
        .unwrap();
    let third = server
        .create_person(None, new_person("c@x.test", Role::Customer, 0))
        .await
        .unwrap();
    assert_eq!(
        third.events[0].seq, 3,
        "continues after the other writer's event"
    );
    cli.create_person(None, new_person("d@x.test", Role::Customer, 0))
        .await
        .unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while *doorbell.borrow_and_update() < 4 {
            doorbell.changed().await.unwrap();
        }
    })
    .await
    .expect("the doorbell hears the other writer within seconds");
    let seqs: Vec<i64> = server
        .events_after(0, 100, Default::default())
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
}

/// Under steady writes the WAL must start over now and then instead of growing without end.
/// SQLite counts each start in the WAL header's first salt (bytes 16..20), so the test writes
/// with 16 concurrent writers, never leaving the writer idle, until that count has moved
/// twice, for at most 20 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_steady_writes_the_wal_starts_over() {
    use frontline_store::testing::{new_case, org};
    use frontline_store_sqlite::SqliteConfig;
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let config = SqliteConfig {
        wal_rewind_frames: 64,
        ..SqliteConfig::default()
    };
    let store = Arc::new(SqliteStore::open_with(&path, config).unwrap());
    let o = org(&*store).await;
    let (customer, outcome) = (o.carol.id, o.outcome.id);
    let salt = || {
        let header = std::fs::read(dir.path().join("wal.db-wal")).unwrap();
        u32::from_be_bytes(header[16..20].try_into().unwrap())
    };
    let first = salt();
    let deadline = Instant::now() + Duration::from_secs(20);
    let writers: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    store
                        .create_case(None, new_case(customer, outcome, "Where is it?"))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    let mut starts = 0;
    while Instant::now() < deadline && starts < 2 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        starts = salt().wrapping_sub(first);
    }
    for writer in writers {
        writer.abort();
    }
    assert!(
        starts >= 2,
        "the WAL started over {starts} times in 20 s of steady writes"
    );
}
