//! Conformance checks for event followers: where a new one starts, a cursor that only moves
//! forward, one lease holder at a time, and an import that skips followers past its history.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::testing::{new_case, org};
use crate::*;

const LONG: Duration = Duration::from_secs(60);

pub async fn a_follower_starts_at_the_newest_event_and_moves_only_forward<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let newest = store.last_seq().await.unwrap();
    assert!(newest > 0, "the org wrote events");
    let node = uuid::Uuid::now_v7();
    assert_eq!(
        store.claim_follower("notices", node, LONG).await.unwrap(),
        Some(newest),
        "a new follower acts on nothing that happened before it"
    );
    store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "After"))
        .await
        .unwrap();
    let after = store.last_seq().await.unwrap();
    assert_eq!(
        store.claim_follower("notices", node, LONG).await.unwrap(),
        Some(newest),
        "renewing the lease keeps the cursor"
    );
    store
        .advance_follower("notices", node, after)
        .await
        .unwrap();
    store
        .advance_follower("notices", node, newest)
        .await
        .unwrap();
    assert_eq!(
        store.claim_follower("notices", node, LONG).await.unwrap(),
        Some(after),
        "a cursor never moves back"
    );
    assert_eq!(
        store.claim_follower("another", node, LONG).await.unwrap(),
        Some(after),
        "each name has its own cursor"
    );
    assert_err!(
        store.advance_follower("never-claimed", node, 1).await,
        StoreError::NotFound { .. }
    );
}

pub async fn one_node_at_a_time_follows_and_a_replaced_one_cannot_move_the_cursor<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let short = Duration::from_millis(200);
    let start = store.claim_follower("notices", a, short).await.unwrap();
    assert_eq!(start, Some(0), "an empty log starts at 0");
    assert_eq!(
        store.claim_follower("notices", b, short).await.unwrap(),
        None
    );
    store.advance_follower("notices", a, 5).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        store.claim_follower("notices", b, short).await.unwrap(),
        Some(5),
        "an expired lease is taken over with the cursor where it was"
    );
    assert_err!(
        store.advance_follower("notices", a, 9).await,
        StoreError::Conflict { .. }
    );
    assert_eq!(
        store.claim_follower("notices", a, short).await.unwrap(),
        None
    );
    store.advance_follower("notices", b, 7).await.unwrap();
    assert_eq!(
        store.claim_follower("notices", b, short).await.unwrap(),
        Some(7)
    );
}

pub async fn an_import_starts_followers_after_the_imported_log<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "History"))
        .await
        .unwrap();
    let exported = store.export().await.unwrap();
    let target = second().await;
    let node = uuid::Uuid::now_v7();
    // A server started on the empty database before the import made its follower at 0.
    assert_eq!(
        target.claim_follower("notices", node, LONG).await.unwrap(),
        Some(0)
    );
    target.import(exported).await.unwrap();
    assert_eq!(
        target.claim_follower("notices", node, LONG).await.unwrap(),
        Some(store.last_seq().await.unwrap()),
        "the imported history is not acted on again"
    );
}
