//! `frontline-bench`: benchmarks that anyone can rerun. Each run is bounded in time, talks only
//! to local databases, and prints what it measured as a JSON line and a Markdown table row.
//!
//! `frontline-bench store`: durable case creation straight through the `Store` (routing,
//! event log, load counters, all in the same transaction), N concurrent writers, for a fixed
//! time. `--max-batch 1` turns SQLite's group commit off to show what it buys.

mod store;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Frontline benchmarks (bounded in time, loopback/local only)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Durable case creation through the Store.
    Store(store::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Store(args) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(store::run(args)),
    }
}
