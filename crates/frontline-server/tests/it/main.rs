//! The one integration-test binary: every test drives a real server (`TestApp`, port 0, fresh
//! SQLite database) over HTTP.

mod api;
mod authz;
mod errors;
mod openapi;
mod ops;
mod session;
mod stream;

use serde_json::Value;

/// Read a response as JSON, failing the test with the body when it is not.
pub async fn json(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"))
}
