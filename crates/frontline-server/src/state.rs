//! Layer 1, state: what every request can reach. `ServerConfig` (how the server behaves,
//! built by the binary) and `AppState` (the store, limits, the password pool and the node's
//! long-lived services: the live-event hub, presence, webhook delivery, the ask escalator,
//! the compiled-rule cache). It names only the foundation (see `lib.rs`).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use frontline_core::Timestamp;
use frontline_core::time::Clock;

use crate::ratelimit::{Limits, RateLimitConfig};

/// How the server behaves; built by the binary from its configuration.
#[derive(Clone)]
pub struct ServerConfig {
    pub store: Arc<dyn frontline_store::Store>,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// How long a web session lasts after sign-in.
    pub session_ttl: Duration,
    /// Longest time a request may take before it answers 503 (uploads excepted).
    pub request_timeout: Duration,
    /// Longest time an upload (`POST /api/v1/uploads`) may take: a file of the largest size
    /// on a slow line takes minutes, and the global limit would cut it.
    pub upload_timeout: Duration,
    pub rate_limit: RateLimitConfig,
    /// SHA-256 (hex) of the token `/metrics` asks for; `None` answers 404 there.
    pub metrics_token_hash: Option<String>,
    /// Header and idle time-outs and the cap on open connections (see `connections`).
    pub connections: crate::connections::ConnectionLimits,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` name the client; from any
    /// other peer those headers are ignored.
    pub trusted_proxies: crate::proxies::TrustedProxies,
    /// Password checks (argon2id, ~19 MiB of working memory each) that may run at once;
    /// more wait up to 2 s, then answer 503.
    pub password_checks: usize,
    /// Let webhooks target loopback and private addresses (tests, closed networks). Off by
    /// default so the server cannot be made to call into its own network.
    pub allow_private_webhooks: bool,
    /// First webhook retry delay (doubles per failure, capped at an hour).
    pub webhook_retry_base: Duration,
    /// A webhook failing for longer than this is disabled.
    pub webhook_give_up_after: Duration,
    /// How often unanswered asks are checked for climbing the support chain.
    pub ask_sweep_every: Duration,
    /// How often the service-target alarm sweep looks at the clock when nothing is written
    /// (it also wakes on every write).
    pub target_sweep_every: Duration,
    /// The time with customers expected of everyone on the customer-time ledger.
    pub ledger_goal: frontline_core::LedgerGoal,
    /// How often an idle event stream sends a comment line, so proxies keep it open.
    pub stream_heartbeat: Duration,
    /// Certificate authorities webhook receivers may present, beside the platform's trusted
    /// roots (an organisation's private CA). Parse PEM with `webhooks::roots_from_pem`.
    pub webhook_roots: Vec<reqwest::Certificate>,
    /// Where "now" comes from for every handler and background task. Give the store the same
    /// clock (`SqliteConfig::clock`, `PgStore::with_clock`) so the times it stamps on events
    /// agree with the periods and deadlines the server computes.
    pub clock: Clock,
    /// How often the mailbox readers are matched to the mailboxes (see `mail::poller`).
    pub mail_sync_every: Duration,
    /// Certificate authorities (PEM) IMAP servers may present, beside the platform's roots.
    pub mail_roots_pem: Option<Vec<u8>>,
    /// Where mail goes out; `None`: mail out is off (replies stay in Frontline).
    pub smtp: Option<frontline_mail::SmtpConfig>,
    /// Where customers reach this server (`https://help.example.com`, no trailing `/`), for
    /// links in mail; `None`: mail carries no links (no rating link when a case is resolved).
    pub public_url: Option<String>,
    /// Sign mail out with this DKIM key, for the domain of the mailbox it is sent from;
    /// `None`: unsigned (the SMTP server may sign it).
    pub dkim: Option<frontline_mail::DkimKey>,
    /// Sizes, counts and types of files on messages (see `attachments`).
    pub files: FileLimits,
    /// The From of account mail (sign-up, sign-in and reset links), which is on no case and
    /// so has no mailbox of its own; `None`: the address of the first enabled mailbox (by
    /// key), see `signup`.
    pub mail_from: Option<frontline_core::Email>,
}

/// What files a message may carry. Types are the ones sniffed from the bytes, never the
/// client's word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileLimits {
    /// Largest file; a larger upload is refused (413) before it is read in full.
    pub max_file_bytes: u64,
    /// Largest total of one message's files.
    pub max_message_bytes: u64,
    /// Most files on one message.
    pub max_files_per_message: usize,
    /// Content types accepted: exact (`application/pdf`) or a family (`image/*`).
    pub allowed_types: Vec<String>,
}

impl Default for FileLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 25 * 1024 * 1024,
            max_message_bytes: 50 * 1024 * 1024,
            max_files_per_message: 10,
            allowed_types: DEFAULT_FILE_TYPES.iter().map(|t| (*t).to_owned()).collect(),
        }
    }
}

/// The types accepted unless configured otherwise: pictures, PDFs, text, office documents
/// and archives. Not HTML or programs.
pub const DEFAULT_FILE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/svg+xml",
    "image/heic",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "audio/mpeg",
    "video/mp4",
];

impl ServerConfig {
    /// Production defaults over `store`.
    pub fn new(store: Arc<dyn frontline_store::Store>) -> Self {
        Self {
            store,
            secure_cookies: false,
            session_ttl: Duration::from_secs(12 * 60 * 60),
            request_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(10 * 60),
            rate_limit: RateLimitConfig::default(),
            metrics_token_hash: None,
            connections: crate::connections::ConnectionLimits::default(),
            trusted_proxies: crate::proxies::TrustedProxies::default(),
            password_checks: std::thread::available_parallelism().map_or(2, |n| n.get()),
            allow_private_webhooks: false,
            webhook_retry_base: frontline_core::webhook::RETRY_BASE,
            webhook_give_up_after: frontline_core::webhook::GIVE_UP_AFTER,
            // The tightest response window is 15 minutes, so an ask climbs at most 30 s late.
            ask_sweep_every: Duration::from_secs(30),
            target_sweep_every: Duration::from_secs(10),
            ledger_goal: frontline_core::LedgerGoal::default(),
            stream_heartbeat: Duration::from_secs(15),
            webhook_roots: Vec::new(),
            clock: Clock::system(),
            mail_sync_every: Duration::from_secs(30),
            mail_roots_pem: None,
            smtp: None,
            public_url: None,
            dkim: None,
            files: FileLimits::default(),
            mail_from: None,
        }
    }
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("backend", &self.store.backend())
            .field("secure_cookies", &self.secure_cookies)
            .field("session_ttl", &self.session_ttl)
            .field("request_timeout", &self.request_timeout)
            .field("upload_timeout", &self.upload_timeout)
            .field("rate_limit", &self.rate_limit)
            .field(
                "metrics_token",
                &self.metrics_token_hash.as_ref().map(|_| "(set)"),
            )
            .field("connections", &self.connections)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("password_checks", &self.password_checks)
            .field("allow_private_webhooks", &self.allow_private_webhooks)
            .field("webhook_roots", &self.webhook_roots.len())
            .field("ledger_goal", &self.ledger_goal)
            .field("clock", &self.clock)
            .field("public_url", &self.public_url)
            .field("smtp", &self.smtp)
            .field("dkim", &self.dkim)
            .field("files", &self.files)
            .field("mail_from", &self.mail_from)
            .finish()
    }
}

/// State every handler can reach. Cloned per request (all fields are shared pointers).
#[derive(Clone)]
pub struct AppState {
    /// The only way to state: every read and write goes through the `Store` use cases.
    pub store: Arc<dyn frontline_store::Store>,
    pub config: Arc<ServerConfig>,
    /// Rate-limit buckets; written by every limited request (see `ratelimit`).
    pub limits: Arc<Limits>,
    /// Bounded password hashing and checking (see `passwords`).
    pub passwords: Arc<crate::passwords::Passwords>,
    /// The generated OpenAPI document and its rendered reference page, set once when the
    /// router is built and read by `/api/openapi.json` and `/api/docs`.
    pub docs: Arc<OnceLock<ApiDocs>>,
    /// The shared reader of live events, started by the first stream request (see `stream`).
    hub: Arc<tokio::sync::OnceCell<Arc<crate::hub::Hub>>>,
    /// Who is viewing or typing on which case (see `presence`), started on first use.
    presence: Arc<OnceLock<Arc<crate::presence::Presence>>>,
    /// The node's background tasks by name (webhook delivery, the ask escalator), each
    /// started once by the use case that owns it and stopped together at shutdown. The state
    /// holds them without knowing what they are, so it names no use case.
    background: Arc<std::sync::Mutex<Vec<Running>>>,
    /// Compiled guideline versions (see `guidelines`).
    pub rules: Arc<crate::rules::RuleCache>,
    /// The key that signs rating links, read from the store once (see `feelings::token`).
    pub rating_key: Arc<tokio::sync::OnceCell<Arc<Vec<u8>>>>,
    /// Mail per sender address, for the flood limit (see `mail`).
    pub mail_flood: Arc<crate::ratelimit::Flood>,
    /// Rung by whoever queues mail without appending an event (the mail notices), which the
    /// doorbell would not announce; the node's mail sender waits on it besides the doorbell.
    /// A ring nobody waits for is kept for the next wait, so none is lost.
    pub mail_queued: Arc<tokio::sync::Notify>,
}

impl AppState {
    pub fn new(config: ServerConfig) -> Self {
        Self {
            store: config.store.clone(),
            limits: Arc::new(Limits::new(&config.rate_limit)),
            passwords: crate::passwords::Passwords::new(
                config.password_checks,
                std::time::Duration::from_secs(2),
            ),
            config: Arc::new(config),
            docs: Arc::new(OnceLock::new()),
            hub: Arc::new(tokio::sync::OnceCell::new()),
            presence: Arc::new(OnceLock::new()),
            background: Arc::default(),
            rules: Arc::new(crate::rules::RuleCache::default()),
            rating_key: Arc::new(tokio::sync::OnceCell::new()),
            mail_flood: Arc::default(),
            mail_queued: Arc::default(),
        }
    }

    /// The current time on the server's clock.
    pub fn now(&self) -> Timestamp {
        self.config.clock.now()
    }

    /// Run the background task `name` unless it already runs on this node; `start` is
    /// called at most once per name. Call inside the runtime.
    pub fn run_in_background(
        &self,
        name: &'static str,
        start: impl FnOnce() -> Box<dyn Background>,
    ) {
        let mut tasks = self.background.lock().unwrap_or_else(|p| p.into_inner());
        if !tasks.iter().any(|(running, _)| *running == name) {
            tasks.push((name, start()));
        }
    }

    /// Stop every background task (at shutdown).
    pub fn stop_background(&self) {
        let tasks = self.background.lock().unwrap_or_else(|p| p.into_inner());
        for (_, task) in tasks.iter() {
            task.stop();
        }
    }

    /// The node's presence registry (its sweeper task starts with it, inside the runtime).
    pub fn presence(&self) -> Arc<crate::presence::Presence> {
        self.presence
            .get_or_init(|| crate::presence::Presence::start(self.store.clone()))
            .clone()
    }

    /// The node's stream hub, started on first use so a server nobody streams from runs no
    /// reader task.
    pub async fn hub(&self) -> Arc<crate::hub::Hub> {
        self.hub
            .get_or_init(|| crate::hub::Hub::start(self.store.clone()))
            .await
            .clone()
    }
}

/// The finished OpenAPI document and its rendered reference page (`openapi::docs`), built
/// once per router.
#[derive(Debug)]
pub struct ApiDocs {
    pub json: String,
    pub html: String,
}

/// A background task by name.
type Running = (&'static str, Box<dyn Background>);

/// This process's name in every lease it holds (`Store::claim_follower`: the mail notices, the
/// target alarms, each mailbox's IMAP reader). One id per process, not per server, so a
/// server restarted inside the same process carries on at once instead of waiting for its own
/// old lease to run out; a new process waits at most the lease's length.
pub fn lease_holder() -> uuid::Uuid {
    static HOLDER: std::sync::OnceLock<uuid::Uuid> = std::sync::OnceLock::new();
    *HOLDER.get_or_init(uuid::Uuid::now_v7)
}

/// A task the node runs until shutdown (see `AppState::run_in_background`).
pub trait Background: Send + Sync {
    /// Ask the task to end; it finishes what it is doing first.
    fn stop(&self);
}
