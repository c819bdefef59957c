//! SQLite backend of the `Store`: one database file in WAL mode with `synchronous=FULL` and
//! foreign keys on. All writes go through one writer thread that group-commits (see
//! `writer`); reads go to a small pool of read-only connections on blocking threads, which WAL
//! lets run alongside the writer.
//!
//! Nothing outside this crate sees rusqlite types.

mod cases;
mod export;
mod migrate;
mod org;
mod reads;
mod rows;
mod webhooks;
mod writer;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use frontline_core::{
    Case, CaseId, CaseNumber, CaseStatus, Email, Event, Membership, Message, Name, Outcome,
    OutcomeAchieved, OutcomeId, OutcomeKey, Person, PersonId, SupportLink, Tags, Team, TeamId,
    Timestamp, Webhook, WebhookId,
};
use frontline_store::{
    CaseCreated, CaseFilter, DeliveryAttempt, DeliveryOutcome, EventFilter, MessageAdded, NewCase,
    NewMessage, NewOutcome, NewPerson, NewSession, NewWebhook, Page, PageRequest, PeopleFilter,
    PersonUpdate, Record, Session, Store, StoreError, StoreResult, Written, tokio_watch,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use tokio::sync::Semaphore;

use crate::rows::{Db, ms};
use crate::writer::{WriteTx, Writer};

/// Tuning knobs; the defaults are what `frontline serve` uses.
#[derive(Clone, Debug)]
pub struct SqliteConfig {
    /// Most writes committed together. 1 disables group commit (one fsync per write).
    pub max_batch: usize,
    /// Read-only connections in the pool.
    pub readers: usize,
}

impl Default for SqliteConfig {
    fn default() -> Self {
        Self {
            max_batch: 1024,
            readers: 4,
        }
    }
}

pub struct SqliteStore {
    writer: Writer,
    readers: Arc<Readers>,
    doorbell: tokio_watch::Receiver,
    /// Ephemeral messages: one process is the whole deployment on SQLite, so in-process.
    ephemeral: tokio::sync::broadcast::Sender<String>,
    /// Dropping this stops the checkpointer thread (it watches for the other end to close).
    _checkpointer: std::sync::mpsc::Sender<()>,
}

/// Copies committed WAL frames into the database file off the writer thread. The writer's own
/// automatic checkpoints were measured at ~9% of its time; here they cost it nothing.
/// PASSIVE never blocks the writer or readers; if readers pin old frames the WAL simply grows
/// until the next pass.
///
/// It also notices commits made by other processes (the `frontline admin` CLI writing into the
/// same file): `data_version` changes, and the doorbell is raised to the log's newest sequence
/// so live streams pick those events up too.
fn start_checkpointer(
    path: &Path,
    doorbell: Arc<tokio_watch::Sender>,
) -> StoreResult<std::sync::mpsc::Sender<()>> {
    let conn = Connection::open(path).map_err(|e| StoreError::Unavailable(e.to_string()))?;
    conn.busy_timeout(Duration::from_millis(100))
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("frontline-sqlite-checkpoint".into())
        .spawn(move || {
            let mut seen_version: Option<i64> = None;
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(Duration::from_millis(200))
            {
                let version = conn
                    .query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0))
                    .ok();
                if version != seen_version {
                    seen_version = version;
                    if let Ok(seq) = reads::last_seq(&conn) {
                        doorbell.send_if_modified(|last| {
                            let newer = seq > *last;
                            *last = (*last).max(seq);
                            newer
                        });
                    }
                }
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "wal checkpoint failed; will retry");
                }
            }
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        })
        .map_err(|e| StoreError::Other(format!("could not start the checkpointer: {e}")))?;
    Ok(stop)
}

/// Idle read connections. A semaphore with as many permits as connections guarantees a task
/// holding a permit finds one in the vector.
struct Readers {
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Each write runs in a savepoint; keep the statement journal in memory, not a temp file
    // (on disk it cost a pwrite per touched page, measured as the largest kernel cost).
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -65_536)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

impl SqliteStore {
    /// Open (creating if missing) the database at `path` and run migrations.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<SqliteStore> {
        Self::open_with(path, SqliteConfig::default())
    }

    pub fn open_with(path: impl AsRef<Path>, config: SqliteConfig) -> StoreResult<SqliteStore> {
        let path = path.as_ref();
        let unavailable = |e: rusqlite::Error| {
            StoreError::Unavailable(format!("could not open {}: {e}", path.display()))
        };
        let mut conn = Connection::open(path).map_err(unavailable)?;
        configure(&conn).map_err(unavailable)?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(unavailable)?;
        migrate::run(&mut conn)?;
        let (doorbell_tx, doorbell) = tokio::sync::watch::channel(0);
        let doorbell_tx = Arc::new(doorbell_tx);
        let checkpointer = start_checkpointer(path, doorbell_tx.clone())?;
        let mut idle = Vec::with_capacity(config.readers.max(1));
        for _ in 0..config.readers.max(1) {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(unavailable)?;
            reader
                .busy_timeout(Duration::from_secs(10))
                .map_err(unavailable)?;
            reader.set_prepared_statement_cache_capacity(128);
            idle.push(reader);
        }
        let writer = Writer::start(conn, config.max_batch, doorbell_tx)?;
        let permits = Arc::new(Semaphore::new(idle.len()));
        Ok(SqliteStore {
            writer,
            readers: Arc::new(Readers {
                idle: Mutex::new(idle),
                permits,
            }),
            doorbell,
            ephemeral: tokio::sync::broadcast::channel(1024).0,
            _checkpointer: checkpointer,
        })
    }

    async fn read<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    ) -> StoreResult<R> {
        let readers = self.readers.clone();
        let permit = readers
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Unavailable("store closed".into()))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = readers
                .idle
                .lock()
                .map_err(|_| StoreError::Other("reader pool poisoned".into()))?
                .pop();
            let conn =
                conn.ok_or_else(|| StoreError::Other("reader pool empty despite a permit".into()))?;
            let result = f(&conn);
            if let Ok(mut idle) = readers.idle.lock() {
                idle.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Other(format!("read task failed: {e}")))?
    }

    async fn write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut WriteTx<'_>) -> StoreResult<R> + Send + 'static,
    ) -> StoreResult<R> {
        self.writer.write(f).await
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StoreResult<()> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(())).db())
            .await
    }

    fn subscribe(&self) -> tokio_watch::Receiver {
        self.doorbell.clone()
    }

    async fn broadcast(&self, message: String) -> StoreResult<()> {
        frontline_store::check_broadcast(&message)?;
        // No receiver is not an error: nobody is listening right now.
        let _ = self.ephemeral.send(message);
        Ok(())
    }

    fn broadcasts(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.ephemeral.subscribe()
    }

    async fn create_person(
        &self,
        actor: Option<PersonId>,
        new: NewPerson,
    ) -> StoreResult<Written<Person>> {
        self.write(move |w| org::create_person(w, actor, new)).await
    }

    async fn update_person(
        &self,
        actor: Option<PersonId>,
        id: PersonId,
        update: PersonUpdate,
    ) -> StoreResult<Written<Person>> {
        self.write(move |w| org::update_person(w, actor, id, update))
            .await
    }

    async fn set_password(
        &self,
        actor: Option<PersonId>,
        id: PersonId,
        password_hash: String,
    ) -> StoreResult<Written<()>> {
        self.write(move |w| org::set_password(w, actor, id, password_hash))
            .await
    }

    async fn get_person(&self, id: PersonId) -> StoreResult<Person> {
        self.read(move |c| reads::person(c, id)).await
    }

    async fn get_person_by_email(&self, email: &Email) -> StoreResult<Person> {
        let email = email.clone();
        self.read(move |c| reads::person_by_email(c, &email)).await
    }

    async fn password_hash(&self, id: PersonId) -> StoreResult<Option<String>> {
        self.read(move |c| reads::password_hash(c, id)).await
    }

    async fn list_people(
        &self,
        filter: PeopleFilter,
        page: PageRequest<PersonId>,
    ) -> StoreResult<Page<Person>> {
        self.read(move |c| reads::list_people(c, &filter, &page))
            .await
    }

    async fn create_token(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        token_hash: String,
        label: String,
    ) -> StoreResult<Written<()>> {
        self.write(move |w| org::create_token(w, actor, person_id, token_hash, label))
            .await
    }

    async fn person_for_token(&self, token_hash: &str) -> StoreResult<Person> {
        let hash = token_hash.to_owned();
        self.read(move |c| {
            let id: Option<String> = c
                .prepare_cached("SELECT person_id FROM api_tokens WHERE token_hash = ?1")
                .db()?
                .query_row([hash], |r| r.get(0))
                .optional()
                .db()?;
            let id = id.ok_or_else(|| StoreError::not_found("token"))?;
            reads::person(
                c,
                id.parse()
                    .map_err(|_| StoreError::Other("corrupt person id on a token".into()))?,
            )
        })
        .await
    }

    async fn create_session(&self, session: NewSession) -> StoreResult<()> {
        self.write(move |w| org::create_session(w, session)).await
    }

    async fn get_session(&self, session_hash: &str, now: Timestamp) -> StoreResult<Session> {
        let hash = session_hash.to_owned();
        self.read(move |c| {
            let found = c
                .prepare_cached("SELECT person_id, csrf_token, expires_at FROM sessions WHERE session_hash = ?1 AND expires_at > ?2")
                .db()?
                .query_row(params![hash, ms(now)], |r| {
                    Ok(Session { person_id: rows::parsed(r, "person_id")?, csrf_token: r.get("csrf_token")?, expires_at: rows::ts(r, "expires_at")? })
                })
                .optional()
                .db()?;
            found.ok_or_else(|| StoreError::not_found("session"))
        })
        .await
    }

    async fn delete_session(&self, session_hash: &str) -> StoreResult<()> {
        let hash = session_hash.to_owned();
        self.write(move |w| {
            w.conn
                .prepare_cached("DELETE FROM sessions WHERE session_hash = ?1")
                .db()?
                .execute([hash])
                .db()
                .map(drop)
        })
        .await
    }

    async fn create_team(&self, actor: Option<PersonId>, name: Name) -> StoreResult<Written<Team>> {
        self.write(move |w| org::create_team(w, actor, name)).await
    }

    async fn list_teams(&self) -> StoreResult<Vec<Team>> {
        self.read(reads::teams).await
    }

    async fn get_team(&self, id: TeamId) -> StoreResult<Team> {
        self.read(move |c| reads::team(c, id)).await
    }

    async fn add_membership(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        team_id: TeamId,
        from: Timestamp,
    ) -> StoreResult<Written<Membership>> {
        self.write(move |w| org::add_membership(w, actor, person_id, team_id, from))
            .await
    }

    async fn end_membership(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        team_id: TeamId,
        to: Timestamp,
    ) -> StoreResult<Written<Membership>> {
        self.write(move |w| org::end_membership(w, actor, person_id, team_id, to))
            .await
    }

    async fn list_memberships(
        &self,
        team_id: Option<TeamId>,
        person_id: Option<PersonId>,
    ) -> StoreResult<Vec<Membership>> {
        self.read(move |c| reads::memberships(c, team_id, person_id))
            .await
    }

    async fn add_support(
        &self,
        actor: Option<PersonId>,
        support_id: PersonId,
        team_id: TeamId,
        from: Timestamp,
    ) -> StoreResult<Written<SupportLink>> {
        self.write(move |w| org::add_support(w, actor, support_id, team_id, from))
            .await
    }

    async fn end_support(
        &self,
        actor: Option<PersonId>,
        support_id: PersonId,
        team_id: TeamId,
        to: Timestamp,
    ) -> StoreResult<Written<SupportLink>> {
        self.write(move |w| org::end_support(w, actor, support_id, team_id, to))
            .await
    }

    async fn list_supports(&self, team_id: Option<TeamId>) -> StoreResult<Vec<SupportLink>> {
        self.read(move |c| reads::supports(c, team_id)).await
    }

    async fn create_outcome(
        &self,
        actor: Option<PersonId>,
        new: NewOutcome,
    ) -> StoreResult<Written<Outcome>> {
        self.write(move |w| org::create_outcome(w, actor, new))
            .await
    }

    async fn get_outcome(&self, id: OutcomeId) -> StoreResult<Outcome> {
        self.read(move |c| reads::outcome(c, id)).await
    }

    async fn get_outcome_by_key(&self, key: &OutcomeKey) -> StoreResult<Outcome> {
        let key = key.clone();
        self.read(move |c| reads::outcome_by_key(c, &key)).await
    }

    async fn list_outcomes(&self) -> StoreResult<Vec<Outcome>> {
        self.read(reads::outcomes).await
    }

    async fn create_case(
        &self,
        actor: Option<PersonId>,
        new: NewCase,
    ) -> StoreResult<Written<CaseCreated>> {
        self.write(move |w| cases::create_case(w, actor, new)).await
    }

    async fn get_case(&self, id: CaseId) -> StoreResult<Case> {
        self.read(move |c| reads::case(c, id)).await
    }

    async fn get_case_by_number(&self, number: CaseNumber) -> StoreResult<Case> {
        self.read(move |c| reads::case_by_number(c, number)).await
    }

    async fn list_cases(
        &self,
        filter: CaseFilter,
        page: PageRequest<CaseNumber>,
    ) -> StoreResult<Page<Case>> {
        self.read(move |c| reads::list_cases(c, &filter, &page))
            .await
    }

    async fn change_status(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        to: CaseStatus,
    ) -> StoreResult<Written<Case>> {
        self.write(move |w| cases::change_status(w, actor, id, to))
            .await
    }

    async fn assign_case(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        owner: Option<PersonId>,
    ) -> StoreResult<Written<Case>> {
        self.write(move |w| cases::assign(w, actor, id, owner))
            .await
    }

    async fn set_outcome_achieved(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        value: OutcomeAchieved,
    ) -> StoreResult<Written<Case>> {
        self.write(move |w| cases::set_outcome_achieved(w, actor, id, value))
            .await
    }

    async fn set_tags(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        tags: Tags,
    ) -> StoreResult<Written<Case>> {
        self.write(move |w| cases::set_tags(w, actor, id, tags))
            .await
    }

    async fn add_message(
        &self,
        actor: Option<PersonId>,
        new: NewMessage,
    ) -> StoreResult<Written<MessageAdded>> {
        self.write(move |w| cases::add_message(w, actor, new)).await
    }

    async fn list_messages(
        &self,
        case_id: CaseId,
        include_internal: bool,
    ) -> StoreResult<Vec<Message>> {
        self.read(move |c| reads::messages(c, case_id, include_internal))
            .await
    }

    async fn open_load(&self, person_id: PersonId) -> StoreResult<u32> {
        self.read(move |c| reads::open_load(c, person_id)).await
    }

    async fn events_after(
        &self,
        after: i64,
        limit: u32,
        filter: EventFilter,
    ) -> StoreResult<Vec<Event>> {
        self.read(move |c| reads::events_after(c, after, limit, &filter))
            .await
    }

    async fn last_seq(&self) -> StoreResult<i64> {
        self.read(reads::last_seq).await
    }

    async fn create_webhook(
        &self,
        actor: Option<PersonId>,
        new: NewWebhook,
    ) -> StoreResult<Written<Webhook>> {
        self.write(move |w| webhooks::create(w, actor, new)).await
    }

    async fn list_webhooks(&self) -> StoreResult<Vec<Webhook>> {
        self.read(webhooks::list).await
    }

    async fn get_webhook(&self, id: WebhookId) -> StoreResult<Webhook> {
        self.read(move |c| webhooks::get(c, id)).await
    }

    async fn record_delivery(
        &self,
        id: WebhookId,
        attempt: DeliveryAttempt,
        outcome: DeliveryOutcome,
    ) -> StoreResult<()> {
        self.write(move |w| webhooks::record(w, id, attempt, outcome))
            .await
    }

    async fn disable_webhook(
        &self,
        actor: Option<PersonId>,
        id: WebhookId,
        reason: String,
    ) -> StoreResult<Written<Webhook>> {
        self.write(move |w| webhooks::disable(w, actor, id, reason))
            .await
    }

    async fn claim_webhook(
        &self,
        id: WebhookId,
        owner: uuid::Uuid,
        lease: Duration,
    ) -> StoreResult<bool> {
        self.write(move |w| webhooks::claim(w, id, owner, lease))
            .await
    }

    async fn list_delivery_attempts(
        &self,
        id: WebhookId,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryAttempt>> {
        self.read(move |c| webhooks::attempts(c, id, limit)).await
    }

    async fn export(&self) -> StoreResult<Vec<Record>> {
        self.read(export::export).await
    }

    async fn import(&self, records: Vec<Record>) -> StoreResult<()> {
        self.write(move |w| export::import(w, records)).await
    }
}
