//! `frontline demo`: seed the demo organisation into an empty database. Shared with `serve`,
//! which seeds on first start.

use std::sync::Arc;

use anyhow::{Context as _, Result};
use frontline::demo;
use frontline_store::Store;

use crate::cli::DemoArgs;
use crate::database::{self, DatabaseUrl};

pub async fn run(url: &DatabaseUrl, args: DemoArgs) -> Result<()> {
    let store = database::open(url).await?;
    database::ensure_empty(&*store, url, "the demo organisation").await?;
    let mut options = demo::Options::new(demo_password_hash().await?);
    options.cases = args.cases;
    options.seed = args.seed;
    options.concurrency = args.concurrency;
    let summary = seed(store, &options).await?;
    eprintln!(
        "seeded the demo organisation into {url}: {} cases, {} messages, {} decisions, {} asks in {:.1} s",
        summary.cases,
        summary.messages,
        summary.guidelines.decisions.values().sum::<usize>(),
        summary.asks.by_status.values().sum::<usize>(),
        summary.elapsed.as_secs_f64()
    );
    super::print_lines(login_lines())
}

/// Seed with the given options, with the error said in the user's terms.
pub async fn seed(store: Arc<dyn Store>, options: &demo::Options) -> Result<demo::Summary> {
    demo::seed(store, options)
        .await
        .context("could not seed the demo organisation")
}

/// The argon2 hash of the demo password, computed once (on a blocking thread: it is slow on
/// purpose) and shared by every demo person.
pub async fn demo_password_hash() -> Result<String> {
    tokio::task::spawn_blocking(|| frontline_server::hash_password(demo::DEMO_PASSWORD))
        .await
        .context("could not hash the demo password")
}

/// The demo logins, ready to print.
pub fn login_lines() -> Vec<String> {
    let logins = demo::logins();
    let width = logins.iter().map(|l| l.email.len()).max().unwrap_or(0);
    let mut lines = vec![format!("Demo logins (password: {}):", demo::DEMO_PASSWORD)];
    lines.extend(
        logins
            .iter()
            .map(|l| format!("  {:width$}  {}", l.email, l.who)),
    );
    lines
}
