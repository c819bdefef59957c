//! The application: shared state and the one function that builds the router with every
//! route and layer. Routes are registered through `utoipa_axum` so the OpenAPI document is
//! generated from exactly the handlers that are mounted.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{
    asks, case_changes, cases, credentials, decisions, events, feelings, guidelines, leaders, me,
    messages, outcomes, people, session, teams,
};
use crate::extract::MAX_BODY_BYTES;
use crate::ratelimit::{Limits, RateLimitConfig};
use crate::{middleware, openapi, ops};

/// How the server behaves; built by the binary from its configuration.
#[derive(Clone)]
pub struct ServerConfig {
    pub store: Arc<dyn frontline_store::Store>,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// How long a web session lasts after sign-in.
    pub session_ttl: Duration,
    /// Longest time a request may take before it answers 503.
    pub request_timeout: Duration,
    pub rate_limit: RateLimitConfig,
    /// SHA-256 (hex) of the token `/metrics` asks for; `None` answers 404 there.
    pub metrics_token_hash: Option<String>,
    /// Header and idle time-outs and the cap on open connections (see `connections`).
    pub connections: crate::connections::ConnectionLimits,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` name the client; from any
    /// other peer those headers are ignored.
    pub trusted_proxies: crate::middleware::TrustedProxies,
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
    /// The time with customers expected of everyone on the customer-time ledger.
    pub ledger_goal: frontline_core::LedgerGoal,
    /// How often an idle event stream sends a comment line, so proxies keep it open.
    pub stream_heartbeat: Duration,
    /// Certificate authorities webhook receivers may present, beside the platform's trusted
    /// roots (an organisation's private CA). Parse PEM with `webhooks::roots_from_pem`.
    pub webhook_roots: Vec<reqwest::Certificate>,
}

impl ServerConfig {
    /// Production defaults over `store`.
    pub fn new(store: Arc<dyn frontline_store::Store>) -> Self {
        Self {
            store,
            secure_cookies: false,
            session_ttl: Duration::from_secs(12 * 60 * 60),
            request_timeout: Duration::from_secs(30),
            rate_limit: RateLimitConfig::default(),
            metrics_token_hash: None,
            connections: crate::connections::ConnectionLimits::default(),
            trusted_proxies: crate::middleware::TrustedProxies::default(),
            password_checks: std::thread::available_parallelism().map_or(2, |n| n.get()),
            allow_private_webhooks: false,
            webhook_retry_base: frontline_core::webhook::RETRY_BASE,
            webhook_give_up_after: frontline_core::webhook::GIVE_UP_AFTER,
            ask_sweep_every: crate::asks::SWEEP_EVERY,
            ledger_goal: frontline_core::LedgerGoal::default(),
            stream_heartbeat: Duration::from_secs(15),
            webhook_roots: Vec::new(),
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
    pub docs: Arc<OnceLock<openapi::Docs>>,
    /// The shared reader of live events, started by the first stream request (see `stream`).
    hub: Arc<tokio::sync::OnceCell<Arc<crate::stream::hub::Hub>>>,
    /// Who is viewing or typing on which case (see `presence`), started on first use.
    presence: Arc<OnceLock<Arc<crate::presence::Presence>>>,
    /// The webhook deliverer (see `webhooks`), started once by `start_background`.
    webhooks: Arc<OnceLock<crate::webhooks::Deliverer>>,
    escalator: Arc<OnceLock<crate::asks::Escalator>>,
    /// Compiled guideline versions (see `guidelines`).
    pub rules: Arc<crate::guidelines::RuleCache>,
    /// The key that signs rating links, read from the store once (see `feelings::token`).
    pub rating_key: Arc<tokio::sync::OnceCell<Arc<Vec<u8>>>>,
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
            webhooks: Arc::new(OnceLock::new()),
            escalator: Arc::new(OnceLock::new()),
            rules: Arc::new(crate::guidelines::RuleCache::default()),
            rating_key: Arc::new(tokio::sync::OnceCell::new()),
        }
    }

    /// Start the node's background work (webhook delivery). Idempotent; call inside the
    /// runtime. `serve` calls it, and so does the first webhook creation.
    pub fn start_background(&self) {
        self.webhooks.get_or_init(|| {
            crate::webhooks::Deliverer::start(
                self.store.clone(),
                crate::webhooks::Settings {
                    allow_private: self.config.allow_private_webhooks,
                    retry_base: self.config.webhook_retry_base,
                    give_up_after: self.config.webhook_give_up_after,
                    extra_roots: self.config.webhook_roots.clone(),
                },
            )
        });
        self.escalator.get_or_init(|| {
            crate::asks::Escalator::start(
                self.store.clone(),
                self.config.ask_sweep_every,
                Arc::new(frontline_core::time::now),
            )
        });
    }

    /// Stop what `start_background` started (at shutdown).
    pub fn stop_background(&self) {
        if let Some(deliverer) = self.webhooks.get() {
            deliverer.stop();
        }
        if let Some(escalator) = self.escalator.get() {
            escalator.stop();
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
    pub async fn hub(&self) -> Arc<crate::stream::hub::Hub> {
        self.hub
            .get_or_init(|| crate::stream::hub::Hub::start(self.store.clone()))
            .await
            .clone()
    }
}

/// Every documented route, with its OpenAPI operation.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(session::sign_in, session::sign_out))
        .routes(routes!(me::get_me))
        .routes(routes!(me::change_own_password))
        .routes(routes!(me::create_own_token, credentials::list_own_tokens))
        .routes(routes!(credentials::revoke_own_token))
        .routes(routes!(credentials::list_own_sessions))
        .routes(routes!(credentials::revoke_own_session))
        .routes(routes!(people::list_people, people::create_person))
        .routes(routes!(people::get_person, people::update_person))
        .routes(routes!(people::set_password))
        .routes(routes!(people::create_token, credentials::list_tokens))
        .routes(routes!(credentials::revoke_token))
        .routes(routes!(credentials::list_sessions))
        .routes(routes!(credentials::revoke_session))
        .routes(routes!(people::get_profile, people::put_profile))
        .routes(routes!(teams::list_teams, teams::create_team))
        .routes(routes!(teams::get_team))
        .routes(routes!(teams::list_members, teams::add_member))
        .routes(routes!(teams::end_member))
        .routes(routes!(teams::list_supports, teams::add_support))
        .routes(routes!(teams::end_support))
        .routes(routes!(outcomes::list_outcomes, outcomes::create_outcome))
        .routes(routes!(outcomes::get_outcome))
        .routes(routes!(cases::list_cases, cases::create_case))
        .routes(routes!(cases::get_case))
        .routes(routes!(case_changes::change_status))
        .routes(routes!(case_changes::assign))
        .routes(routes!(case_changes::set_outcome_achieved))
        .routes(routes!(case_changes::set_tags))
        .routes(routes!(messages::list_messages, messages::add_message))
        .routes(routes!(events::list_events))
        .routes(routes!(crate::stream::stream))
        .routes(routes!(crate::api::presence::share_presence))
        .routes(routes!(
            crate::api::webhooks::list_webhooks,
            crate::api::webhooks::create_webhook
        ))
        .routes(routes!(
            crate::api::webhooks::get_webhook,
            crate::api::webhooks::disable_webhook
        ))
        .routes(routes!(crate::api::webhooks::list_attempts))
        .routes(routes!(guidelines::list_kinds))
        .routes(routes!(guidelines::get_kind, guidelines::put_kind))
        .routes(routes!(guidelines::list_rules, guidelines::create_rule))
        .routes(routes!(guidelines::figures))
        .routes(routes!(guidelines::get_rule))
        .routes(routes!(guidelines::create_version))
        .routes(routes!(guidelines::publish))
        .routes(routes!(guidelines::retire))
        .routes(routes!(guidelines::back_test))
        .routes(routes!(decisions::decide, decisions::case_decisions))
        .routes(routes!(decisions::list_decisions))
        .routes(routes!(decisions::get_decision))
        .routes(routes!(decisions::review_decision))
        .routes(routes!(asks::list_asks, asks::raise_ask))
        .routes(routes!(asks::figures))
        .routes(routes!(asks::get_ask))
        .routes(routes!(asks::claim))
        .routes(routes!(asks::add_message))
        .routes(routes!(asks::resolve))
        .routes(routes!(asks::withdraw))
        .routes(routes!(asks::reopen))
        .routes(routes!(asks::feeling))
        .routes(routes!(leaders::ledger_board))
        .routes(routes!(leaders::person_ledger))
        .routes(routes!(leaders::standard_work, leaders::create_item))
        .routes(routes!(leaders::retire_item))
        .routes(routes!(leaders::tick_item, leaders::untick_item))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
        .routes(routes!(openapi::openapi_json))
        .routes(routes!(openapi::docs_page))
        .routes(routes!(crate::api::org_history::org_as_of))
        .routes(routes!(crate::api::org_history::org_diff))
        .routes(routes!(crate::api::org_history::org_timeline))
        .routes(routes!(crate::api::org_history::role_history))
        .routes(routes!(crate::api::org_history::retire_team))
        .routes(routes!(feelings::linked_case, feelings::rate_by_link))
        .routes(routes!(feelings::rate_case))
        .routes(routes!(feelings::rating_link))
        .routes(routes!(
            feelings::case_feelings,
            feelings::record_case_feelings
        ))
        .routes(routes!(feelings::my_pulse, feelings::answer_pulse))
        .routes(routes!(feelings::figures))
        .routes(routes!(feelings::mirror))
        .routes(routes!(feelings::heroes))
        .routes(routes!(crate::api::scoreboard::scoreboard_json))
        .routes(routes!(crate::api::scoreboard::scoreboard_csv))
        .routes(routes!(
            crate::api::proposals::list_proposals,
            crate::api::proposals::raise_proposal
        ))
        .routes(routes!(crate::api::proposals::get_proposal))
        .routes(routes!(
            crate::api::proposals::vote_for,
            crate::api::proposals::unvote
        ))
        .routes(routes!(
            crate::api::proposals::list_comments,
            crate::api::proposals::add_comment
        ))
        .routes(routes!(crate::api::proposals::adopt))
        .routes(routes!(crate::api::proposals::decline))
        .routes(routes!(crate::api::proposals::ship))
        .routes(routes!(crate::api::proposals::withdraw))
        .routes(routes!(crate::api::voice::list_alerts))
        .routes(routes!(crate::api::voice::acknowledge))
        .routes(routes!(crate::api::voice::themes))
}

/// The whole HTTP application over `state`.
pub fn router(state: AppState) -> Router {
    let (routes, document) = api_routes().split_for_parts();
    // Set once per state; a second router over the same state keeps the first document,
    // which is the same document.
    let _ = state.docs.set(openapi::Docs::new(document));
    crate::metrics::install();

    // The web console's pages sit beside the API (not in the OpenAPI document). Unknown
    // paths answer problem+json under /api/ and an HTML page elsewhere.
    routes
        .merge(crate::pages::router())
        .route_layer(axum::middleware::from_fn(middleware::record_route))
        .fallback(crate::pages::fallback)
        .method_not_allowed_fallback(crate::pages::method_not_allowed)
        // Innermost first (each `.layer` wraps everything above it). Outermost, the request
        // id exists before the span that records it, and every inner layer's response (even a
        // timeout or a panic) is counted, traced and given the id.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::timeout(state.config.request_timeout))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::limit_by_address,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::resolve_client,
        ))
        .layer(axum::middleware::from_fn(
            middleware::problem_for_empty_errors,
        ))
        .layer(middleware::catch_panic())
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(middleware::propagate_request_id())
        .layer(middleware::trace())
        .layer(middleware::set_request_id())
        .with_state(state)
}
