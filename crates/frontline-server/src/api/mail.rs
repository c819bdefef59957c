//! Mail: mailboxes (administrators set them up and rotate each one's inbound token), the
//! inbound URL a mail provider or `frontline mail ingest` posts raw messages to, and the
//! quarantine of mail that could not be taken (read, download, retry, drop).

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use frontline_core::mail::{ImapSettings, Mailbox, MailboxKey};
use frontline_store::{QUARANTINE_LIST_MAX, QuarantinedMail, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Actor, hash_secret};
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::lookup::written;
use crate::mail::{ImapInput, Ingested, MailboxInput, ingest};
use crate::state::AppState;

const TAG: &str = "mail";

/// The largest raw message the inbound URL takes (the parser's own limit, plus headers a
/// relay may add).
pub const MAX_INBOUND_BYTES: usize = 26 * 1024 * 1024;

/// IMAP settings as the API shows and takes them. The password is never here: only where
/// the server reads it from.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImapView {
    pub host: String,
    pub port: u16,
    /// `tls` (993), `starttls` (143) or `plain` (loopback only).
    pub security: String,
    pub username: String,
    /// `env:NAME` or `file:/absolute/path`.
    pub password_from: String,
    /// Defaults to `INBOX`.
    #[serde(default)]
    pub folder: Option<String>,
}

/// A mailbox as the API shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MailboxView {
    pub key: String,
    pub name: String,
    pub address: String,
    /// The key of the outcome new cases from it get.
    pub outcome: String,
    pub imap: Option<ImapView>,
    pub enabled: bool,
    /// Whether the inbound URL takes mail (a token is set).
    pub inbound_enabled: bool,
    pub inbound_url: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MailboxList {
    pub items: Vec<MailboxView>,
}

/// Create or change a mailbox.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxBody {
    /// The sender name on mail from it, e.g. "ACME Support".
    pub name: String,
    pub address: String,
    /// The key of the outcome (hence the teams) its new cases get.
    pub outcome: String,
    /// Poll this IMAP account; omit or null when mail arrives by pipe or HTTP only.
    #[serde(default)]
    pub imap: Option<ImapView>,
    /// Defaults to true.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A new inbound token, shown only in this answer.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InboundToken {
    pub token: String,
    pub inbound_url: String,
}

/// What became of a posted mail.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IngestedView {
    /// `opened`, `joined`, `duplicate`, `ignored` or `quarantined`.
    pub outcome: String,
    /// The case it opened, joined or had joined (`FL-1042`).
    pub case: Option<String>,
    /// Why it was ignored or quarantined.
    pub reason: Option<String>,
    pub quarantine_id: Option<String>,
}

/// A quarantined mail as the API shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct QuarantinedView {
    pub id: String,
    pub mailbox: Option<String>,
    pub reason: String,
    pub from: Option<String>,
    pub subject: Option<String>,
    pub size: u64,
    #[schema(format = DateTime)]
    pub received_at: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct QuarantineList {
    /// Newest first.
    pub items: Vec<QuarantinedView>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QuarantineQuery {
    /// How many, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

fn inbound_url(key: &MailboxKey) -> String {
    format!("/api/v1/mailboxes/{key}/inbound")
}

fn imap_view(imap: &ImapSettings) -> ImapView {
    ImapView {
        host: imap.host.clone(),
        port: imap.port,
        security: imap.security.as_str().to_owned(),
        username: imap.username.clone(),
        password_from: imap.password_from.to_string(),
        folder: Some(imap.folder.clone()),
    }
}

async fn view(state: &AppState, m: &Mailbox) -> Result<MailboxView> {
    let outcome = state.store.get_outcome(m.outcome_id).await?;
    Ok(MailboxView {
        key: m.key.to_string(),
        name: m.name.to_string(),
        address: m.address.to_string(),
        outcome: outcome.key.to_string(),
        imap: m.imap.as_ref().map(imap_view),
        enabled: m.enabled,
        inbound_enabled: m.inbound_token_hash.is_some(),
        inbound_url: inbound_url(&m.key),
        created_at: m.created_at.to_string(),
        updated_at: m.updated_at.to_string(),
    })
}

fn quarantined_view(q: &QuarantinedMail) -> QuarantinedView {
    QuarantinedView {
        id: q.id.to_string(),
        mailbox: q.mailbox.as_ref().map(|m| m.to_string()),
        reason: q.reason.clone(),
        from: q.from.clone(),
        subject: q.subject.clone(),
        size: q.size,
        received_at: q.received_at.to_string(),
    }
}

fn require(actor: &Actor) -> Result<()> {
    authz::require(actor, Action::ManageMail, &Resource::Org, "mail")
}

fn mailbox_key(raw: &str) -> Result<MailboxKey> {
    MailboxKey::parse(raw).map_err(|_| AppError::not_found(format!("mailbox {raw}")))
}

async fn load(state: &AppState, raw: &str) -> Result<Mailbox> {
    state
        .store
        .get_mailbox(mailbox_key(raw)?)
        .await
        .map_err(|e| match e {
            StoreError::NotFound { .. } => AppError::not_found(format!("mailbox {raw}")),
            other => other.into(),
        })
}

#[utoipa::path(
    get,
    path = "/api/v1/mailboxes",
    tag = TAG,
    summary = "List mailboxes",
    responses((status = 200, description = "Every mailbox, by key", body = MailboxList)),
)]
pub async fn list_mailboxes(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<axum::Json<MailboxList>> {
    require(&actor)?;
    let mut items = Vec::new();
    for m in state.store.list_mailboxes().await? {
        items.push(view(&state, &m).await?);
    }
    Ok(axum::Json(MailboxList { items }))
}

#[utoipa::path(
    get,
    path = "/api/v1/mailboxes/{mailbox}",
    tag = TAG,
    summary = "Read a mailbox",
    params(("mailbox" = String, Path, description = "Mailbox key")),
    responses((status = 200, description = "The mailbox", body = MailboxView)),
)]
pub async fn get_mailbox(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<MailboxView>> {
    require(&actor)?;
    let m = load(&state, &raw).await?;
    Ok(axum::Json(view(&state, &m).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/mailboxes/{mailbox}",
    tag = TAG,
    summary = "Create or change a mailbox",
    params(("mailbox" = String, Path, description = "Mailbox key, e.g. support")),
    request_body = MailboxBody,
    responses(
        (status = 200, description = "The mailbox as saved", body = MailboxView),
        (status = 422, description = "A field is wrong"),
    ),
)]
pub async fn put_mailbox(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<MailboxBody>,
) -> Result<axum::Json<MailboxView>> {
    require(&actor)?;
    let key = MailboxKey::parse(&raw).map_err(|e| AppError::field("mailbox", e.reason))?;
    let new = crate::mail::checked_mailbox(
        &state,
        key,
        MailboxInput {
            name: body.name,
            address: body.address,
            outcome: body.outcome,
            imap: body.imap.map(|i| ImapInput {
                host: i.host,
                port: i.port,
                security: i.security,
                username: i.username,
                password_from: i.password_from,
                folder: i.folder,
            }),
            enabled: body.enabled.unwrap_or(true),
        },
    )
    .await?;
    let saved = written(
        state
            .store
            .save_mailbox(Some(actor.person_id()), new)
            .await?,
    );
    Ok(axum::Json(view(&state, &saved).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/mailboxes/{mailbox}/token",
    tag = TAG,
    summary = "Make a new inbound token (the old one stops working)",
    params(("mailbox" = String, Path, description = "Mailbox key")),
    responses((status = 201, description = "The token, shown only now", body = InboundToken)),
)]
pub async fn rotate_token(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<(StatusCode, axum::Json<InboundToken>)> {
    require(&actor)?;
    let m = load(&state, &raw).await?;
    let token = crate::mail::rotate_token(&state, &actor, &m).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(InboundToken {
            token,
            inbound_url: inbound_url(&m.key),
        }),
    ))
}

/// The inbound token from `Authorization: Bearer …`, checked against the mailbox's. Unknown
/// mailboxes and wrong tokens answer alike, so keys cannot be probed.
async fn inbound_mailbox(state: &AppState, raw: &str, headers: &HeaderMap) -> Result<Mailbox> {
    let refused = || {
        AppError::Unauthenticated(
            "post mail with the mailbox's inbound token: Authorization: Bearer <token>".into(),
        )
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(refused)?;
    let Ok(key) = MailboxKey::parse(raw) else {
        return Err(refused());
    };
    let mailbox = match state.store.get_mailbox(key).await {
        Ok(m) => m,
        Err(StoreError::NotFound { .. }) => return Err(refused()),
        Err(e) => return Err(e.into()),
    };
    let hash = hash_secret(token.trim());
    match &mailbox.inbound_token_hash {
        Some(stored) if constant_time_eq(stored.as_bytes(), hash.as_bytes()) => Ok(mailbox),
        _ => Err(refused()),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn ingested_view(done: &Ingested, number: Option<String>) -> IngestedView {
    let (reason, quarantine_id) = match done {
        Ingested::Ignored { why } => (Some(why.clone()), None),
        Ingested::Quarantined { id, reason } => (Some(reason.clone()), Some(id.to_string())),
        _ => (None, None),
    };
    IngestedView {
        outcome: done.outcome().to_owned(),
        case: number,
        reason,
        quarantine_id,
    }
}

async fn case_number(state: &AppState, done: &Ingested) -> Result<Option<String>> {
    Ok(match done {
        Ingested::Opened { case } | Ingested::Joined { case } => Some(case.number.to_string()),
        Ingested::Duplicate { case_id } => {
            Some(state.store.get_case(*case_id).await?.number.to_string())
        }
        _ => None,
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/mailboxes/{mailbox}/inbound",
    tag = TAG,
    summary = "Deliver one raw mail (RFC 5322) to a mailbox",
    description = "For mail providers that forward inbound mail over HTTP, and for `frontline \
        mail ingest` (an MTA's pipe). Authenticated by the mailbox's inbound token, not a \
        person's. The answer comes after the mail is written: 202 means it is kept (as a \
        case, a message, a duplicate of one, ignored as machine mail, or quarantined).",
    params(("mailbox" = String, Path, description = "Mailbox key")),
    request_body(
        content = String,
        content_type = "application/octet-stream",
        description = "The raw message, byte for byte (sent as `message/rfc822` or \
            `application/octet-stream`; the content type is not checked)"
    ),
    responses(
        (status = 202, description = "Kept; what became of it", body = IngestedView),
        (status = 401, description = "No or a wrong inbound token"),
        (status = 413, description = "Over 26 MiB"),
    ),
    security(("bearer" = [])),
)]
pub async fn inbound(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, axum::Json<IngestedView>)> {
    let mailbox = inbound_mailbox(&state, &raw, &headers).await?;
    if !mailbox.enabled {
        return Err(AppError::Conflict(format!(
            "the mailbox {} is disabled; enable it to take mail",
            mailbox.key
        )));
    }
    let bytes: Bytes = axum::body::to_bytes(body, MAX_INBOUND_BYTES)
        .await
        .map_err(|_| {
            AppError::PayloadTooLarge(format!("a mail may be at most {MAX_INBOUND_BYTES} bytes"))
        })?;
    if bytes.is_empty() {
        return Err(AppError::field("body", "must be a raw RFC 5322 message"));
    }
    let done = ingest(&state, &mailbox, bytes.to_vec()).await?;
    tracing::info!(mailbox = %mailbox.key, outcome = done.outcome(), "mail in over HTTP");
    let number = case_number(&state, &done).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(ingested_view(&done, number)),
    ))
}

fn quarantine_id(raw: &str) -> Result<uuid::Uuid> {
    raw.parse()
        .map_err(|_| AppError::not_found(format!("quarantined mail {raw}")))
}

#[utoipa::path(
    get,
    path = "/api/v1/mail/quarantine",
    tag = TAG,
    summary = "List quarantined mail",
    params(QuarantineQuery),
    responses((status = 200, description = "Newest first", body = QuarantineList)),
)]
pub async fn list_quarantine(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<QuarantineQuery>,
) -> Result<axum::Json<QuarantineList>> {
    require(&actor)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=QUARANTINE_LIST_MAX).contains(&limit) {
        return Err(AppError::field(
            "limit",
            format!("must be between 1 and {QUARANTINE_LIST_MAX}"),
        ));
    }
    let items = state.store.list_quarantine(limit).await?;
    Ok(axum::Json(QuarantineList {
        items: items.iter().map(quarantined_view).collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/mail/quarantine/{id}",
    tag = TAG,
    summary = "Download a quarantined mail as it arrived",
    params(("id" = String, Path, description = "Quarantine id")),
    responses((status = 200, description = "The raw message", content_type = "message/rfc822", body = String)),
)]
pub async fn download_quarantined(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<Response> {
    require(&actor)?;
    let (item, bytes) = state.store.get_quarantined(quarantine_id(&raw)?).await?;
    Ok(crate::middleware::eml_download(
        &format!("quarantined-{}.eml", item.id),
        bytes,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/mail/quarantine/{id}/retry",
    tag = TAG,
    summary = "Take a quarantined mail again",
    description = "Runs it through the ingest path again (after a fix, or to let a flood \
        through). If it is taken this time it leaves the quarantine; if it is quarantined \
        again, the item stays with the new reason.",
    params(("id" = String, Path, description = "Quarantine id")),
    responses((status = 200, description = "What became of it", body = IngestedView)),
)]
pub async fn retry_quarantined(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<IngestedView>> {
    require(&actor)?;
    let done = crate::mail::retry_quarantined(&state, quarantine_id(&raw)?).await?;
    let number = case_number(&state, &done).await?;
    Ok(axum::Json(ingested_view(&done, number)))
}

#[utoipa::path(
    delete,
    path = "/api/v1/mail/quarantine/{id}",
    tag = TAG,
    summary = "Drop a quarantined mail for good",
    params(("id" = String, Path, description = "Quarantine id")),
    responses((status = 204, description = "Dropped")),
)]
pub async fn drop_quarantined(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<StatusCode> {
    require(&actor)?;
    state.store.drop_quarantined(quarantine_id(&raw)?).await?;
    tracing::info!(id = %raw, by = %actor.person_id(), "quarantined mail dropped");
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/api/v1/cases/{case}/messages/{message}/original",
    tag = TAG,
    summary = "Download the mail a message came in as",
    description = "The whole mail as it arrived (quoted history, signature, HTML and attachments \
        included), for staff: the message shows only the new text.",
    params(
        ("case" = String, Path, description = "Case id or number (`FL-1042`)"),
        ("message" = String, Path, description = "Message id"),
    ),
    responses(
        (status = 200, description = "The raw message", content_type = "message/rfc822", body = String),
        (status = 404, description = "No such message on the case, or it did not come by mail"),
    ),
)]
pub async fn original_mail(
    State(state): State<AppState>,
    actor: Actor,
    Path((raw_case, raw_message)): Path<(String, String)>,
) -> Result<Response> {
    let case =
        crate::lookup::load_case(&state, &actor, &raw_case, Action::ReadInternalNotes).await?;
    let missing = || AppError::not_found(format!("the mail of message {raw_message}"));
    let message_id: frontline_core::MessageId = raw_message.parse().map_err(|_| missing())?;
    let came_by_mail = state.store.list_case_mail(case.id).await?.iter().any(|m| {
        m.message_id == message_id && m.direction == frontline_store::MailDirection::Inbound
    });
    if !came_by_mail {
        return Err(missing());
    }
    let bytes = state.store.original_mail(message_id).await?;
    Ok(crate::middleware::eml_download(
        &format!("{}-{message_id}.eml", case.number),
        bytes,
    ))
}
