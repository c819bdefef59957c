//! `frontline-bench`: benchmarks that anyone can rerun. Each run is bounded in time, talks only
//! to local databases, and prints what it measured as a JSON line and a Markdown table row.
//!
//! `frontline-bench store`: durable case creation straight through the `Store` (routing,
//! event log, load counters, all in the same transaction), N concurrent writers, for a fixed
//! time. `--max-batch 1` turns SQLite's group commit off to show what it buys.

mod store;
mod stream;

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
    /// Live stream fan-out: N subscribers, commit-to-client latency, server memory.
    Stream(stream::Args),
    /// (internal) The server process the stream benchmark measures.
    #[command(hide = true)]
    ServeForBench(stream::ServeArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Store(args) => runtime()?.block_on(store::run(args)),
        Command::Stream(args) => runtime()?.block_on(stream::run(args)),
        Command::ServeForBench(args) => runtime()?.block_on(stream::serve(args)),
    }
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}
