//! One function per command. Each opens the database it was given, does its work through the
//! `Store` trait and returns an `anyhow` error with context for `main` to print.
//!
//! Output rule: stdout carries only the command's result (a token, an export, the server
//! address and demo logins), so it can be piped; progress and diagnostics go to stderr.

mod admin;
mod backup;
mod demo;
pub mod mail;
mod serve;
mod transfer;

use std::io::Write as _;

use anyhow::{Context as _, Result};

use crate::cli::{Command, Config};

pub async fn run(config: Config) -> Result<()> {
    let url = config.database_url.in_schema(config.database_schema)?;
    match config.command {
        Command::Serve(args) => serve::run(&url, *args).await,
        Command::Demo(args) => demo::run(&url, args).await,
        Command::Migrate => transfer::migrate(&url).await,
        Command::Admin { command } => admin::run(&url, command).await,
        Command::Export(args) => transfer::export(&url, args.output.as_deref()).await,
        Command::Import(args) => transfer::import(&url, &args.file).await,
        Command::Backup(args) => backup::backup(&url, &args.path, args.force).await,
        Command::Restore(args) => backup::restore(&url, &args.backup, args.force).await,
        Command::Mail { command } => mail::run(command).await,
    }
}

/// Print lines on stdout, failing (rather than panicking, as `println!` does) when stdout is
/// closed, e.g. piped into `head`.
pub fn print_lines<S: AsRef<str>>(lines: impl IntoIterator<Item = S>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{}", line.as_ref()).context("could not write to stdout")?;
    }
    out.flush().context("could not write to stdout")
}
