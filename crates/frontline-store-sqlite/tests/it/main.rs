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
