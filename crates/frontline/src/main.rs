//! The `frontline` binary: parse the command line, set up logging on stderr, run the command,
//! and turn any error into one line and exit code 1.

mod cli;
mod commands;
mod database;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser as _;
use tracing_subscriber::EnvFilter;

use crate::cli::{Config, LogFormat};

fn main() -> ExitCode {
    let config = Config::parse();
    init_logging(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` joins the context chain on one line: "could not open database at x: …".
            eprintln!("error: {e:#}");
            match e.downcast_ref::<commands::mail::ExitStatus>() {
                Some(status) => ExitCode::from(status.code()),
                None => ExitCode::FAILURE,
            }
        }
    }
}

/// Logs go to stderr so stdout stays clean for results (tokens, exports). Level from
/// RUST_LOG, `info` by default.
fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}
