//! The one integration-test binary: every test drives a real server (`TestApp`, port 0, fresh
//! SQLite database) over HTTP.

mod api;
mod asks;
mod attachments;
mod authz;
mod browser;
mod case_edit;
mod credentials;
mod customers;
mod errors;
mod feelings;
mod guidelines;
mod hardening;
mod ledger;
mod mail;
mod mail_bounces;
mod mail_notices;
mod mail_servers;
mod mail_signup;
mod mail_staff_notices;
mod openapi;
mod openapi_answers;
mod ops;
mod org_history;
mod pages;
mod proposals;
mod scoreboard;
mod search;
mod session;
mod signup;
mod snapshots_of;
mod stream;
mod targets;
mod voice;
mod webhooks;

use serde_json::Value;

/// Read a response as JSON, failing the test with the body when it is not.
pub async fn json(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"))
}

/// The PostgreSQL server for multi-node tests: `TEST_DATABASE_URL` (default the local one).
/// `None` (test skipped, with a note) when it does not answer, unless
/// `FRONTLINE_REQUIRE_POSTGRES=1`, which makes that a failure (the test script sets it).
pub async fn postgres_url() -> Option<String> {
    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let probe = frontline_store_postgres::PgStore::connect_in_schema(&url, "fl_probe").await;
    match probe {
        Ok(_) => Some(url),
        Err(e) if std::env::var("FRONTLINE_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!("PostgreSQL is required (FRONTLINE_REQUIRE_POSTGRES=1) but {url} failed: {e}")
        }
        Err(e) => {
            eprintln!("skipping: PostgreSQL at {url} is not available ({e})");
            None
        }
    }
}
