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
