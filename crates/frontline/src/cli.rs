//! The command line: one typed `Config` parsed by clap, with an environment variable for each
//! server setting so containers and service managers configure Frontline without flags.
//! Parsing turns text into domain values (`Email`, `DatabaseUrl`, timestamps) at the edge, so
//! commands never re-check them.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use frontline_core::{Email, Role, Timestamp};
use frontline_server::Limit;

use crate::database::DatabaseUrl;

/// Frontline: a help desk for organisations that put customers and the front line first.
#[derive(Debug, Parser)]
#[command(name = "frontline", version, propagate_version = true)]
pub struct Config {
    /// Where the data lives: a SQLite file (`sqlite:PATH`, `sqlite://PATH` or a plain path,
    /// created if missing) or PostgreSQL (`postgres://user:password@host/database`).
    #[arg(
        long,
        env = "FRONTLINE_DATABASE_URL",
        default_value = "./frontline.db",
        global = true
    )]
    pub database_url: DatabaseUrl,

    /// PostgreSQL only: keep every table in this schema of the database (created and migrated
    /// if missing; a plain lower-case name) instead of the URL's default `public`, so several
    /// deployments or a benchmark's scratch copy can share one database.
    #[arg(long, env = "FRONTLINE_DATABASE_SCHEMA", global = true)]
    pub database_schema: Option<String>,

    /// Log format on stderr: `text` to read, `json` for a log collector. The level comes from
    /// RUST_LOG (default `info`).
    #[arg(
        long,
        env = "FRONTLINE_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text,
        global = true
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (seeds the demo organisation into an empty database).
    Serve(Box<ServeArgs>),
    /// Seed the demo organisation into an empty database.
    Demo(DemoArgs),
    /// Open the database, apply pending migrations and report the backend.
    Migrate,
    /// Administer people, teams, outcomes and credentials.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Write every record as one JSON object per line, to `--output` (created readable by its
    /// owner only: it holds password and token hashes) or to stdout.
    Export(ExportArgs),
    /// Load a file written by `export` into an empty database (either backend).
    Import(ImportArgs),
    /// Copy the SQLite database to PATH while `frontline serve` keeps running: a consistent
    /// snapshot, checked, written under a temporary name and renamed, readable by the owner
    /// only (it holds password and token hashes). For PostgreSQL use pg_dump.
    Backup(BackupArgs),
    /// Replace the SQLite database with a backup, after checking the backup. Stop `frontline
    /// serve` first: restoring under a running server is refused.
    Restore(RestoreArgs),
    /// Mail: hand a message to a running server.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Deliver one raw message from stdin to a mailbox of a running `frontline serve`, for an
    /// MTA's pipe delivery (a Postfix or OpenSMTPD alias to this command). Exits 0 once the
    /// server has kept the mail (as a case, a message, a duplicate, ignored machine mail or a
    /// quarantined item), 75 (EX_TEMPFAIL: the MTA keeps it and retries) when the server
    /// cannot take it now, 65 (EX_DATAERR: the MTA bounces it) when it is too large.
    Ingest(IngestArgs),
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The mailbox's key, e.g. `support`.
    #[arg(long)]
    pub mailbox: String,
    /// The running server's address.
    #[arg(
        long,
        env = "FRONTLINE_SERVER_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,
    /// A file holding the mailbox's inbound token (from `POST /api/v1/mailboxes/KEY/token`
    /// or the console). Or set FRONTLINE_MAILBOX_TOKEN.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free port).
    #[arg(long, env = "FRONTLINE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Do not seed the demo organisation, even into an empty database.
    #[arg(long, env = "FRONTLINE_NO_DEMO", value_parser = BoolishValueParser::new())]
    pub no_demo: bool,

    /// Mark session cookies `Secure`: set it when Frontline is reached over HTTPS (for
    /// example behind a TLS-terminating proxy).
    #[arg(long, env = "FRONTLINE_SECURE_COOKIES", value_parser = BoolishValueParser::new())]
    pub secure_cookies: bool,
    /// Let webhooks post to loopback, private and link-local addresses. Off by default, so
    /// an administrator cannot point the server at its own network.
    #[arg(long, env = "FRONTLINE_ALLOW_PRIVATE_WEBHOOKS", value_parser = BoolishValueParser::new())]
    pub allow_private_webhooks: bool,
    /// A PEM file of certificate authorities that `https://` webhook receivers may present,
    /// beside the system's trusted roots (for receivers behind a private CA).
    #[arg(long, env = "FRONTLINE_WEBHOOK_CA_FILE", value_name = "PEM")]
    pub webhook_ca_file: Option<std::path::PathBuf>,
    /// Minutes with customers every support employee is expected to spend in each goal
    /// period (the customer-time ledger shows it met or not).
    #[arg(long, env = "FRONTLINE_LEDGER_GOAL_MINUTES", default_value_t = 240,
          value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub ledger_goal_minutes: u32,
    /// Days of the ledger's goal period (and of the window the ledger counts).
    #[arg(long, env = "FRONTLINE_LEDGER_GOAL_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=366))]
    pub ledger_goal_days: u32,

    #[command(flatten)]
    pub mail: MailArgs,

    #[command(flatten)]
    pub limits: LimitArgs,

    #[command(flatten)]
    pub files: FileArgs,
}

/// Files on messages: how large, how many, which types (sniffed from the bytes).
#[derive(Debug, Args)]
pub struct FileArgs {
    /// Largest file, in MB; a larger upload is refused (413) before it is read in full.
    #[arg(long, env = "FRONTLINE_MAX_FILE_MB", default_value_t = 25,
          value_parser = clap::value_parser!(u64).range(1..=2048))]
    pub max_file_mb: u64,
    /// Largest total of one message's files, in MB.
    #[arg(long, env = "FRONTLINE_MAX_MESSAGE_FILES_MB", default_value_t = 50,
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_message_files_mb: u64,
    /// Most files on one message.
    #[arg(long, env = "FRONTLINE_MAX_FILES_PER_MESSAGE", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    pub max_files_per_message: u64,
    /// Longest time one upload may take, in seconds (every other request has 30): a file of
    /// the largest size on a slow line takes minutes.
    #[arg(long, env = "FRONTLINE_UPLOAD_TIMEOUT_SECS", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(30..=86_400))]
    pub upload_timeout_secs: u64,
    /// Accepted file types (as sniffed from the bytes): exact (`application/pdf`) or a
    /// family (`image/*`); repeat or separate with commas. Default: pictures, PDF, text,
    /// office documents, zip, MP3 and MP4; never HTML.
    #[arg(
        long = "file-type",
        env = "FRONTLINE_FILE_TYPES",
        value_delimiter = ','
    )]
    pub file_types: Vec<String>,
}

/// Mail out: replies to customers who wrote by mail go through this SMTP server. Without
/// `--smtp-host` mail out is off and replies stay in Frontline. The password comes from
/// FRONTLINE_SMTP_PASSWORD or a file, never a flag (flags show in `ps`).
#[derive(Debug, Args)]
pub struct MailArgs {
    /// The SMTP server that sends Frontline's mail (your provider's submission server).
    #[arg(long, env = "FRONTLINE_SMTP_HOST")]
    pub smtp_host: Option<String>,
    #[arg(long, env = "FRONTLINE_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    /// `starttls` (587), `tls` (465) or `plain` (only to a loopback address).
    #[arg(long, env = "FRONTLINE_SMTP_SECURITY", default_value = "starttls")]
    pub smtp_security: String,
    #[arg(long, env = "FRONTLINE_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// A file holding the SMTP password (or set FRONTLINE_SMTP_PASSWORD).
    #[arg(long, env = "FRONTLINE_SMTP_PASSWORD_FILE", value_name = "PATH")]
    pub smtp_password_file: Option<std::path::PathBuf>,
    /// Where customers reach this server (`https://help.example.com`), for the links in
    /// mail: without it, customers whose case came by mail get no rating link when it is
    /// resolved.
    #[arg(long, env = "FRONTLINE_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// A PEM file of certificate authorities that mail servers (SMTP and IMAP) may present,
    /// beside the system's trusted roots.
    #[arg(long, env = "FRONTLINE_MAIL_CA_FILE", value_name = "PEM")]
    pub mail_ca_file: Option<std::path::PathBuf>,
    /// Sign mail out with DKIM using the private key in this file: an RSA key in PKCS#1 PEM
    /// (BEGIN RSA PRIVATE KEY) or an Ed25519 seed in base64. Needs --dkim-selector.
    #[arg(
        long,
        env = "FRONTLINE_DKIM_KEY_FILE",
        value_name = "PATH",
        requires = "dkim_selector"
    )]
    pub dkim_key_file: Option<std::path::PathBuf>,
    /// The DKIM selector: the public key is published at `<selector>._domainkey.<domain>`
    /// for each mailbox's domain.
    #[arg(long, env = "FRONTLINE_DKIM_SELECTOR", requires = "dkim_key_file")]
    pub dkim_selector: Option<String>,
    /// The From of account mail (sign-up, sign-in and password-reset links), such as
    /// `no-reply@example.com`. Without it, the address of the first enabled mailbox (by key).
    #[arg(long, env = "FRONTLINE_MAIL_FROM", value_name = "ADDRESS", value_parser = parse_mail_from)]
    pub mail_from: Option<frontline_core::Email>,
}

/// How the server protects itself: connections, rate limits, proxies, metrics.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Seconds a client has to send a request's headers (also how long an idle keep-alive
    /// connection is kept).
    #[arg(long, env = "FRONTLINE_HEADER_TIMEOUT", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Seconds after which a connection on which nothing moved either way is closed (a body
    /// that never arrives, a response nobody reads). Live streams send a heartbeat every 15 s,
    /// so keep this above 30.
    #[arg(long, env = "FRONTLINE_IDLE_TIMEOUT", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(31..=86_400))]
    pub idle_timeout: u64,
    /// Connections served at once; past it only health checks are answered. Default: the
    /// open-file limit (raised to its hard limit at start) less a reserve for the database.
    #[arg(long, env = "FRONTLINE_MAX_CONNECTIONS",
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub max_connections: Option<u64>,
    /// Password checks (argon2id, 19 MiB each) run at once; more wait up to 2 s, then 503.
    /// Default: one per core.
    #[arg(long, env = "FRONTLINE_PASSWORD_CHECKS",
          value_parser = clap::value_parser!(u64).range(1..=256))]
    pub password_checks: Option<u64>,
    /// `off` switches every rate limit off (benchmarks, closed networks); the limits below
    /// then do not apply.
    #[arg(long, env = "FRONTLINE_RATE_LIMITS", value_enum, default_value_t = Switch::On)]
    pub rate_limits: Switch,
    /// API calls per client address: `off`, or a rate such as `40/s` with an optional burst
    /// after a colon (`40/s:600`).
    #[arg(
        long,
        env = "FRONTLINE_RATE_LIMIT_API_PER_ADDRESS",
        default_value = "40/s:600"
    )]
    pub rate_limit_api_per_address: Limit,
    /// Authenticated API calls per person.
    #[arg(
        long,
        env = "FRONTLINE_RATE_LIMIT_API_PER_ACCOUNT",
        default_value = "20/s:300"
    )]
    pub rate_limit_api_per_account: Limit,
    /// Sign-in attempts per client address, whatever the account.
    #[arg(
        long,
        env = "FRONTLINE_RATE_LIMIT_SIGN_IN_PER_ADDRESS",
        default_value = "30/min"
    )]
    pub rate_limit_sign_in_per_address: Limit,
    /// Sign-in attempts per account from one client address.
    #[arg(
        long,
        env = "FRONTLINE_RATE_LIMIT_SIGN_IN_PER_ACCOUNT_ADDRESS",
        default_value = "10/min"
    )]
    pub rate_limit_sign_in_per_account_address: Limit,
    /// Sign-in attempts per account from all addresses together (far above what a person
    /// types; bounds guessing spread over many addresses).
    #[arg(
        long,
        env = "FRONTLINE_RATE_LIMIT_SIGN_IN_PER_ACCOUNT",
        default_value = "200/h"
    )]
    pub rate_limit_sign_in_per_account: Limit,
    /// Sign-up, sign-in-link and password-reset mails asked for per address typed (whether
    /// it has an account or not): each sends a mail, so a few an hour.
    #[arg(
        long,
        env = "FRONTLINE_RATE_LIMIT_LINKS_PER_ACCOUNT",
        default_value = "5/h"
    )]
    pub rate_limit_links_per_account: Limit,
    /// A reverse proxy (address or CIDR range) whose `Forwarded` / `X-Forwarded-For` names the
    /// client; repeat it or separate with commas. From any other peer those headers are
    /// ignored, so clients cannot choose their own address.
    #[arg(long = "trusted-proxy", env = "FRONTLINE_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = parse_network)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The token `/metrics` asks for (`Authorization: Bearer …`). Without it `/metrics`
    /// answers 404 on the main address.
    #[arg(long, env = "FRONTLINE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Also serve `/metrics`, without a token, on this address (a private interface).
    #[arg(long, env = "FRONTLINE_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

/// An address (`10.0.0.5`, a /32 or /128) or a CIDR range (`10.0.0.0/8`).
fn parse_network(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{text:?} is not an IP address or a CIDR range such as 10.0.0.0/8"))
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many cases to generate (more for load tests).
    #[arg(long, default_value_t = 2000)]
    pub cases: usize,

    /// The seed every name and conversation is derived from.
    #[arg(long, default_value_t = frontline::demo::DEFAULT_SEED)]
    pub seed: u64,

    /// Cases written at once; more keeps a remote PostgreSQL busier.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file to write, with mode 0600 (an existing file is truncated and made 0600).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file written by `frontline export` (`-` reads stdin).
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the backup (a new file).
    pub path: PathBuf,
    /// Replace PATH if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file written by `frontline backup`.
    pub backup: PathBuf,
    /// Replace the database at --database-url if it exists (its data is lost).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// People: customers, employees and support employees.
    Person {
        #[command(subcommand)]
        command: PersonCommand,
    },
    /// Outcome teams.
    Team {
        #[command(subcommand)]
        command: TeamCommand,
    },
    /// Successful Customer Outcomes and the teams that own them.
    Outcome {
        #[command(subcommand)]
        command: OutcomeCommand,
    },
    /// Who is in which team, over time.
    Membership {
        #[command(subcommand)]
        command: LinkCommand,
    },
    /// Which support employee serves which team, over time.
    Support {
        #[command(subcommand)]
        command: LinkCommand,
    },
    /// Passwords for signing in to the web pages.
    Password {
        #[command(subcommand)]
        command: PasswordCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a person and print it (only it) on stdout. It is shown once.
    Create {
        #[arg(long, value_parser = Email::parse)]
        email: Email,
        /// What the token is for, shown in token lists.
        #[arg(long, default_value = "cli")]
        label: String,
        /// The token stops working this many days from now (1 to 3650); without it, it works
        /// until revoked.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires_in_days: Option<u32>,
    },
    /// List a person's API tokens (id, label, created, last used, expires); never the tokens.
    List {
        #[arg(long, value_parser = Email::parse)]
        email: Email,
    },
    /// Revoke one of a person's API tokens by id, or with `--all` every token and web session
    /// they have (as a new password does).
    Revoke {
        #[arg(long, value_parser = Email::parse)]
        email: Email,
        /// The token's id, as `token list` shows it.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        id: Option<frontline_core::TokenId>,
        /// Every token and session of the person.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Create a person.
    Create {
        #[arg(long, value_parser = Email::parse)]
        email: Email,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Job title, for support employees (e.g. "Head of Customer Care").
        #[arg(long)]
        title: Option<String>,
        /// May administer the organisation (support employees only).
        #[arg(long)]
        admin: bool,
        /// Most open cases routing may give them (default: 12 for staff, 0 for customers).
        #[arg(long)]
        capacity: Option<u32>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Customer,
    Employee,
    Support,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Customer => Role::Customer,
            RoleArg::Employee => Role::Employee,
            RoleArg::Support => Role::Support,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Create an outcome team.
    Create {
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutcomeCommand {
    /// Create an outcome owned by one or more teams (in routing preference order).
    Create {
        /// Short identifier such as `order_arrives`.
        #[arg(long)]
        key: String,
        /// What the customer wants, in their words.
        #[arg(long)]
        name: String,
        /// How to tell the outcome was achieved.
        #[arg(long, default_value = "")]
        criteria: String,
        /// Target time from opening a case to the outcome.
        #[arg(long, default_value_t = 24 * 60)]
        target_minutes: u32,
        /// An owning team, by name; repeat for several.
        #[arg(long = "team", required = true)]
        teams: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Start a link between a person and a team.
    Add(LinkArgs),
    /// End the current link between a person and a team.
    End(LinkArgs),
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    #[arg(long, value_parser = Email::parse)]
    pub email: Email,
    /// The team, by name.
    #[arg(long)]
    pub team: String,
    /// When it starts or ends: a date (`2026-03-01`, midnight UTC) or a timestamp
    /// (`2026-03-01T09:00:00Z`). Default: now.
    #[arg(long, value_parser = parse_at)]
    pub at: Option<Timestamp>,
}

#[derive(Debug, Subcommand)]
pub enum PasswordCommand {
    /// Set a person's password, read as one line from stdin (so it never appears in the
    /// process list or shell history).
    Set {
        #[arg(long, value_parser = Email::parse)]
        email: Email,
    },
}

/// A date (midnight UTC) or an RFC 3339 timestamp.
fn parse_at(raw: &str) -> Result<Timestamp, String> {
    let raw = raw.trim();
    if let Ok(timestamp) = raw.parse::<Timestamp>() {
        return Ok(frontline_core::time::truncate(timestamp));
    }
    raw.parse::<jiff::civil::Date>()
        .and_then(|date| date.to_zoned(jiff::tz::TimeZone::UTC))
        .map(|zoned| zoned.timestamp())
        .map_err(|_| {
            format!("{raw:?} is not a date like 2026-03-01 or a time like 2026-03-01T09:00:00Z")
        })
}

/// An absolute `http(s)://` address without query or fragment, kept without a trailing `/` so
/// a path can follow it.
fn parse_mail_from(raw: &str) -> Result<frontline_core::Email, String> {
    frontline_core::Email::parse(raw).map_err(|e| e.to_string())
}

fn parse_public_url(raw: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| format!("{raw:?} is not an address like https://help.example.com: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "{raw:?} must start with https:// (or http://) and a host name"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{raw:?} must have no ?query or #fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Config::command().debug_assert();
    }

    #[test]
    fn dates_and_timestamps_are_accepted_for_link_times() {
        assert_eq!(
            parse_at("2026-03-01").unwrap().to_string(),
            "2026-03-01T00:00:00Z"
        );
        assert_eq!(
            parse_at("2026-03-01T09:30:00.123456Z").unwrap().to_string(),
            "2026-03-01T09:30:00.123Z"
        );
        assert!(parse_at("yesterday").unwrap_err().contains("2026-03-01"));
    }

    #[test]
    fn the_ledger_goal_is_set_on_the_command_line_and_bounded() {
        let config = Config::try_parse_from([
            "frontline",
            "serve",
            "--ledger-goal-minutes",
            "120",
            "--ledger-goal-days",
            "7",
        ])
        .unwrap();
        let Command::Serve(args) = config.command else {
            panic!("not serve")
        };
        assert_eq!((args.ledger_goal_minutes, args.ledger_goal_days), (120, 7));
        assert!(Config::try_parse_from(["frontline", "serve", "--ledger-goal-days", "0"]).is_err());
    }

    #[test]
    fn limits_parse_from_flags_and_bad_ones_are_refused() {
        let config = Config::try_parse_from([
            "frontline",
            "serve",
            "--rate-limit-api-per-address",
            "off",
            "--rate-limit-sign-in-per-account",
            "50/h",
            "--trusted-proxy",
            "10.0.0.0/8,192.0.2.7",
            "--trusted-proxy",
            "2001:db8::/32",
        ])
        .unwrap();
        let Command::Serve(args) = config.command else {
            panic!("not serve")
        };
        let limits = &args.limits;
        assert_eq!(limits.rate_limit_api_per_address, Limit(None));
        assert_eq!(
            limits.rate_limit_sign_in_per_account,
            Limit(Some(frontline_server::Quota::per_hour(50)))
        );
        let proxies: Vec<String> = limits
            .trusted_proxies
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(proxies, ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"]);
        assert_eq!(limits.rate_limits, Switch::On);
        for bad in [
            ["--trusted-proxy", "10.0.0.0/33"],
            ["--trusted-proxy", "proxy.internal"],
            ["--rate-limit-api-per-account", "lots"],
            ["--idle-timeout", "5"],
            ["--rate-limits", "maybe"],
        ] {
            let mut argv = vec!["frontline", "serve"];
            argv.extend(bad);
            assert!(
                Config::try_parse_from(&argv).is_err(),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn serve_needs_no_arguments() {
        let config = Config::try_parse_from(["frontline", "serve"]).unwrap();
        let Command::Serve(args) = config.command else {
            panic!("not serve")
        };
        assert_eq!(args.listen.to_string(), "127.0.0.1:8080");
        assert!(!args.no_demo);
        assert_eq!((args.ledger_goal_minutes, args.ledger_goal_days), (240, 30));
    }

    #[test]
    fn the_public_url_is_an_absolute_web_address_kept_without_its_trailing_slash() {
        assert_eq!(
            parse_public_url("https://help.example.com/").unwrap(),
            "https://help.example.com"
        );
        assert_eq!(
            parse_public_url("http://10.0.0.5:8080/desk/").unwrap(),
            "http://10.0.0.5:8080/desk"
        );
        for bad in [
            "help.example.com",
            "ftp://help.example.com",
            "https://x.test/?a=1",
        ] {
            assert!(parse_public_url(bad).is_err(), "{bad}");
        }
    }
}
