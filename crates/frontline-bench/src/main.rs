//! `frontline-bench`: benchmarks that anyone can rerun. Each run is bounded in time, talks only
//! to local databases, and prints what it measured as a JSON line and a Markdown table row.
//!
//! `frontline-bench store`: durable case creation straight through the `Store` (routing,
//! event log, load counters, all in the same transaction), N concurrent writers, for a fixed
//! time. `--max-batch 1` turns SQLite's group commit off to show what it buys.
//!
//! `frontline-bench stream`: live stream fan-out (commit-to-client latency, server memory).
//!
//! `frontline-bench http`: HTTP/1.1 keep-alive load (closed or open loop) against a server
//! process over a preloaded database: throughput, latency, errors, server CPU and memory,
//! cold start.
//!
//! `frontline-bench outbox`: the outbox's delivery rate to a real local postfix.

mod http;
mod outbox;
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
    /// HTTP load: closed or open loop, one scenario after another against one server.
    Http(http::Args),
    /// The outbox's delivery rate to a local postfix (needs dovecot and postfix, as root).
    Outbox(outbox::Args),
    /// (internal) The server process the stream and HTTP benchmarks measure.
    #[command(hide = true)]
    ServeForBench(stream::ServeArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Store(args) => runtime()?.block_on(store::run(args)),
        Command::Stream(args) => runtime()?.block_on(stream::run(args)),
        Command::Http(args) => runtime()?.block_on(http::run(args)),
        Command::Outbox(args) => runtime()?.block_on(outbox::run(args)),
        Command::ServeForBench(args) => runtime()?.block_on(stream::serve(args)),
    }
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}
