//! Dev-only helpers for testing Frontline end to end: `TestApp` runs the real server on
//! 127.0.0.1 port 0 over a fresh database (SQLite in a temporary directory by default), and
//! `Org` seeds a small organisation whose people each hold an API token.
//!
//! `MailStack` (in [`mail`]) runs real mail servers, dovecot and postfix, for the email
//! channel's tests.
//!
//! Never a dependency of production code.

use std::sync::Arc;

use frontline_core::{
    Email, MessageBody, Name, OutcomeKey, Person, PersonId, Priority, Role, Subject, Tags, TeamId,
    time,
};
use frontline_server::{RateLimitConfig, ServerConfig};
use frontline_store::{NewCase, NewOutcome, NewPerson, Store};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub mod mail;

pub use frontline_server;
pub use frontline_store;
pub use mail::MailStack;

/// A running server over its own database. Dropping it stops the server and deletes the
/// database.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    pub client: reqwest::Client,
    /// The same store the server uses, for arranging state directly.
    pub store: Arc<dyn Store>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    /// Kept so the database outlives the server.
    _dir: Option<tempfile::TempDir>,
    /// The hashes of the tokens `token_for` made, by person: `set_password` records them
    /// again after the password change ended them, so a fixture user keeps working with both.
    fixture_tokens: std::sync::Mutex<Vec<(PersonId, String)>>,
}

impl TestApp {
    /// A server over a fresh SQLite database, without rate limits.
    pub async fn spawn() -> TestApp {
        Self::spawn_with_limits(RateLimitConfig::unlimited()).await
    }

    /// A server over a fresh SQLite database with these rate limits.
    pub async fn spawn_with_limits(rate_limit: RateLimitConfig) -> TestApp {
        Self::spawn_sqlite(rate_limit, time::Clock::system()).await
    }

    /// A server over a fresh SQLite database whose server and store both read `clock`: a
    /// test holds time still or moves it (`time::Clock::manual`) instead of sleeping.
    pub async fn spawn_with_clock(clock: time::Clock) -> TestApp {
        Self::spawn_sqlite(RateLimitConfig::unlimited(), clock).await
    }

    /// `spawn_with_clock` with `change` applied to the configuration (say, sweep more often).
    pub async fn spawn_with_clock_configured(
        clock: time::Clock,
        change: impl FnOnce(&mut ServerConfig),
    ) -> TestApp {
        Self::spawn_sqlite_with(RateLimitConfig::unlimited(), clock, change).await
    }

    /// A server over a fresh SQLite database, without rate limits, with `change` applied to
    /// its configuration (say, read mailboxes more often).
    pub async fn spawn_configured(change: impl FnOnce(&mut ServerConfig)) -> TestApp {
        Self::spawn_sqlite_with(RateLimitConfig::unlimited(), time::Clock::system(), change).await
    }

    async fn spawn_sqlite(rate_limit: RateLimitConfig, clock: time::Clock) -> TestApp {
        Self::spawn_sqlite_with(rate_limit, clock, |_| {}).await
    }

    async fn spawn_sqlite_with(
        rate_limit: RateLimitConfig,
        clock: time::Clock,
        change: impl FnOnce(&mut ServerConfig),
    ) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = frontline_store_sqlite::SqliteStore::open_with(
            dir.path().join("frontline.db"),
            frontline_store_sqlite::SqliteConfig {
                clock: clock.clone(),
                ..Default::default()
            },
        )
        .expect("open the SQLite store");
        let mut config = ServerConfig::new(Arc::new(store));
        config.rate_limit = rate_limit;
        config.clock = clock;
        change(&mut config);
        config.metrics_token_hash = Some(frontline_server::auth::hash_secret(Self::METRICS_TOKEN));
        let mut app = Self::spawn_config(config).await;
        app._dir = Some(dir);
        app
    }

    /// A server over any store (e.g. PostgreSQL), without rate limits.
    pub async fn spawn_with(store: Arc<dyn Store>) -> TestApp {
        let mut config = ServerConfig::new(store);
        config.rate_limit = RateLimitConfig::unlimited();
        Self::spawn_config(config).await
    }

    /// A server with exactly this configuration.
    pub async fn spawn_config(config: ServerConfig) -> TestApp {
        let store = config.store.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let address = listener.local_addr().expect("local address");
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(frontline_server::serve(config, listener, async move {
            let _ = rx.await;
        }));
        TestApp {
            base_url: format!("http://{address}"),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
            store,
            shutdown: Some(tx),
            server: Some(server),
            _dir: None,
            fixture_tokens: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The token `/metrics` asks for on servers made by `spawn` and `spawn_with_limits`.
    pub const METRICS_TOKEN: &'static str = "metrics-token-for-tests";

    /// The Prometheus text of `/metrics`, read with the metrics token.
    pub async fn metrics_text(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .bearer_auth(Self::METRICS_TOKEN)
            .send()
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("metrics body")
    }

    /// Ask the server to stop and wait until it has (requests in flight finish first).
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.server.take() {
            Some(handle) => handle.await.expect("server task"),
            None => Ok(()),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A request with a bearer token (or none).
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token))
            .send()
            .await
            .expect("GET")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.send_json(Method::POST, path, token, body).await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.send_json(Method::PUT, path, token, body).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        self.send_json(Method::PATCH, path, token, body).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token))
            .send()
            .await
            .expect("DELETE")
    }

    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> Response {
        self.request(method, path, Some(token))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    // ----- one method per common endpoint -----

    pub async fn create_case(&self, token: &str, body: &Value) -> Response {
        self.post("/api/v1/cases", token, body).await
    }

    pub async fn get_case(&self, token: &str, case: &str) -> Response {
        self.get(&format!("/api/v1/cases/{case}"), token).await
    }

    pub async fn list_cases(&self, token: &str, query: &str) -> Response {
        self.get(&format!("/api/v1/cases{query}"), token).await
    }

    pub async fn add_message(&self, token: &str, case: &str, body: &Value) -> Response {
        self.post(&format!("/api/v1/cases/{case}/messages"), token, body)
            .await
    }

    pub async fn list_messages(&self, token: &str, case: &str) -> Response {
        self.get(&format!("/api/v1/cases/{case}/messages"), token)
            .await
    }

    pub async fn events(&self, token: &str, query: &str) -> Response {
        self.get(&format!("/api/v1/events{query}"), token).await
    }

    pub async fn me(&self, token: &str) -> Response {
        self.get("/api/v1/me", token).await
    }

    // ----- arranging state through the store -----

    /// Create a person directly in the store.
    pub async fn person(&self, email: &str, role: Role, admin: bool) -> Person {
        let capacity = if role.is_staff() { 5 } else { 0 };
        self.store
            .create_person(
                None,
                NewPerson {
                    email: Email::parse(email).expect("email"),
                    name: Name::parse(email.split('@').next().unwrap_or(email)).expect("name"),
                    role,
                    title: None,
                    admin,
                    capacity,
                },
            )
            .await
            .expect("create person")
            .value
    }

    /// An API token for a person, made directly in the store.
    pub async fn token_for(&self, person_id: PersonId) -> String {
        let (token, hash) = frontline_server::new_api_token();
        self.fixture_tokens
            .lock()
            .expect("fixture tokens")
            .push((person_id, hash.clone()));
        self.store
            .create_token(
                None,
                frontline_store::NewToken {
                    person_id,
                    token_hash: hash,
                    label: "test".into(),
                    expires_at: None,
                },
            )
            .await
            .expect("create token");
        token
    }

    /// A person and a token for them.
    pub async fn user(&self, email: &str, role: Role, admin: bool) -> User {
        let person = self.person(email, role, admin).await;
        let token = self.token_for(person.id).await;
        User { person, token }
    }

    /// Set a password directly in the store. A new password ends every token and session of
    /// the person (`Store::set_password`); this fixture then records the tokens `token_for`
    /// made for them again, so a test can sign in and use the user's token. Tests of the
    /// revocation itself change passwords through the API or the store.
    pub async fn set_password(&self, person_id: PersonId, password: &str) {
        let hash = frontline_server::hash_password(password);
        self.store
            .set_password(None, person_id, hash, None)
            .await
            .expect("set password");
        let hashes: Vec<String> = self
            .fixture_tokens
            .lock()
            .expect("fixture tokens")
            .iter()
            .filter(|(person, _)| *person == person_id)
            .map(|(_, hash)| hash.clone())
            .collect();
        for token_hash in hashes {
            self.store
                .create_token(
                    None,
                    frontline_store::NewToken {
                        person_id,
                        token_hash,
                        label: "test".into(),
                        expires_at: None,
                    },
                )
                .await
                .expect("record the fixture token again");
        }
    }

    /// Open a case directly in the store; returns its number as text (`FL-1001`).
    pub async fn case_for(&self, org: &Org, customer: PersonId, subject: &str) -> String {
        self.store
            .create_case(
                None,
                NewCase {
                    customer_id: customer,
                    outcome_id: org.outcome_id,
                    subject: Subject::parse(subject).expect("subject"),
                    body: MessageBody::parse("Please help.").expect("body"),
                    channel: frontline_core::Channel::Web,
                    priority: Priority::Normal,
                    tags: Tags::default(),
                    created_at: None,
                    idempotency_key: None,
                    attachments: Vec::new(),
                },
            )
            .await
            .expect("create case")
            .value
            .case
            .number
            .to_string()
    }

    /// The seeded organisation (see `Org`).
    pub async fn seed(&self) -> Org {
        Org::seed(self).await
    }

    /// A `refund` decision kind (facts `amount`, money in EUR, and `reason`, one of damaged,
    /// late or changed_mind) with three published organisation-wide rules: the guideline
    /// `amount <= 200`, the policy `amount <= 1000` and a principle.
    pub async fn seed_guidelines(&self) -> Guidelines {
        use frontline_core::guideline::{
            DecisionKind, FactDef, FactType, RuleStatus, RuleType, Scope,
        };
        let kind = DecisionKind {
            key: frontline_core::DecisionKindKey::parse("refund").expect("key"),
            name: "Refund".into(),
            description: "Money back to the customer".into(),
            currency: "EUR".into(),
            facts: vec![
                FactDef {
                    name: "amount".into(),
                    label: "Amount".into(),
                    fact_type: FactType::Money,
                },
                FactDef {
                    name: "reason".into(),
                    label: "Reason".into(),
                    fact_type: FactType::Choice {
                        options: vec!["damaged".into(), "late".into(), "changed_mind".into()],
                    },
                },
            ],
            updated_at: time::now(),
        };
        self.store
            .save_decision_kind(None, kind.clone())
            .await
            .expect("kind");
        let mut ids = Vec::new();
        for (rule_type, name, expression, text) in [
            (
                RuleType::Guideline,
                "Small refunds",
                Some("amount <= 200"),
                "Refund small amounts on the spot.",
            ),
            (
                RuleType::Policy,
                "Refund ceiling",
                Some("amount <= 1000"),
                "Refunds above 1,000 EUR go through finance.",
            ),
            (
                RuleType::Principle,
                "Make it right",
                None,
                "Think of what would make this customer whole.",
            ),
        ] {
            let version = self
                .store
                .create_rule_version(
                    None,
                    frontline_store::NewRuleVersion {
                        rule_id: None,
                        kind: kind.key.clone(),
                        rule_type,
                        scope: Scope::Organisation,
                        name: name.into(),
                        expression: expression.map(str::to_owned),
                        text: text.into(),
                    },
                )
                .await
                .expect("rule")
                .value;
            self.store
                .set_rule_status(None, version.rule_id, 1, RuleStatus::Published)
                .await
                .expect("publish");
            ids.push(version.rule_id);
        }
        Guidelines {
            kind,
            guideline: ids[0],
            policy: ids[1],
            principle: ids[2],
        }
    }
}

/// What `seed_guidelines` made.
#[derive(Clone, Debug)]
pub struct Guidelines {
    pub kind: frontline_core::guideline::DecisionKind,
    pub guideline: frontline_core::RuleId,
    pub policy: frontline_core::RuleId,
    pub principle: frontline_core::RuleId,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A person with an API token.
#[derive(Clone, Debug)]
pub struct User {
    pub person: Person,
    pub token: String,
}

impl User {
    pub fn id(&self) -> String {
        self.person.id.to_string()
    }
}

/// A small organisation: two teams ("Orders" owns the outcome `order_arrives`), two
/// employees in Orders (one also in Billing), a support employee, a support employee with
/// `admin`, and two customers. Everyone has a token.
pub struct Org {
    pub orders: TeamId,
    pub billing: TeamId,
    pub outcome_id: frontline_core::OutcomeId,
    pub outcome_key: String,
    pub ann: User,
    pub ben: User,
    pub sue: User,
    pub ada: User,
    pub carol: User,
    pub dave: User,
}

impl Org {
    pub async fn seed(app: &TestApp) -> Org {
        let store = &app.store;
        let team = |name: &'static str| async move {
            store
                .create_team(None, Name::parse(name).expect("name"))
                .await
                .expect("team")
                .value
                .id
        };
        let orders = team("Orders").await;
        let billing = team("Billing").await;
        let ann = app.user("ann@frontline.test", Role::Employee, false).await;
        let ben = app.user("ben@frontline.test", Role::Employee, false).await;
        let sue = app.user("sue@frontline.test", Role::Support, false).await;
        let ada = app.user("ada@frontline.test", Role::Support, true).await;
        let carol = app.user("carol@customer.test", Role::Customer, false).await;
        let dave = app.user("dave@customer.test", Role::Customer, false).await;
        let since = time::from_millis(0);
        for (person, team) in [(&ann, orders), (&ben, orders), (&ben, billing)] {
            store
                .add_membership(None, person.person.id, team, since)
                .await
                .expect("membership");
        }
        store
            .add_support(None, sue.person.id, orders, since)
            .await
            .expect("support");
        let outcome = store
            .create_outcome(
                None,
                NewOutcome {
                    key: OutcomeKey::parse("order_arrives").expect("key"),
                    name: Name::parse("My order arrives right").expect("name"),
                    success_criteria: "The customer has the right items.".into(),
                    target_minutes: 2 * 24 * 60,
                    team_ids: vec![orders],
                },
            )
            .await
            .expect("outcome")
            .value;
        Org {
            orders,
            billing,
            outcome_id: outcome.id,
            outcome_key: outcome.key.to_string(),
            ann,
            ben,
            sue,
            ada,
            carol,
            dave,
        }
    }
}
