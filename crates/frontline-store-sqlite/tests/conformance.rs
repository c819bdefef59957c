//! The Store contract on SQLite: every check of `frontline_store::testing`, each on a fresh
//! database file.

use std::sync::Arc;

use frontline_store::Store;
use frontline_store_sqlite::SqliteStore;

async fn store() -> Option<Arc<dyn Store>> {
    // The directory must outlive the store; leaking it for the test's lifetime is the point.
    let dir = tempfile::tempdir().expect("temp dir").keep();
    Some(Arc::new(
        SqliteStore::open(dir.join("frontline.db")).expect("open sqlite store"),
    ))
}

frontline_store::conformance_tests!(store);
