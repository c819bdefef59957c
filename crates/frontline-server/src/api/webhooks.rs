//! Webhook subscriptions: create (the signing secret is shown once, in the answer), list,
//! read, read delivery attempts, and disable. Administrators only. Destination URLs are
//! checked here: http(s) only, and never a loopback, private, link-local or otherwise
//! internal address unless the server was started to allow it (the server would otherwise
//! be a way to reach its own network).

use axum::extract::State;
use axum::http::StatusCode;
use frontline_core::{EventKind, Webhook, WebhookId};
use frontline_store::{DeliveryAttempt, NewWebhook, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::lookup::written;
use crate::paging;
use crate::state::AppState;

/// A subscription as the API shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    /// Event kinds delivered; empty means every kind.
    pub kinds: Vec<String>,
    /// The signing key (Standard Webhooks `whsec_…`). Only in the answer to the creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The last event seq delivered.
    pub cursor: i64,
    pub enabled: bool,
    #[schema(format = DateTime)]
    pub failing_since: Option<String>,
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl WebhookView {
    fn new(hook: &Webhook, show_secret: bool) -> Self {
        Self {
            id: hook.id.0,
            url: hook.url.clone(),
            kinds: hook.kinds.iter().map(|k| k.to_string()).collect(),
            secret: show_secret.then(|| hook.secret.clone()),
            cursor: hook.cursor,
            enabled: hook.enabled,
            failing_since: hook.failing_since.map(|t| t.to_string()),
            next_attempt_at: hook.next_attempt_at.map(|t| t.to_string()),
            created_at: hook.created_at.to_string(),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

/// One try at delivering one event.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub seq: i64,
    #[schema(format = DateTime)]
    pub at: String,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u32,
}

impl From<&DeliveryAttempt> for AttemptView {
    fn from(a: &DeliveryAttempt) -> Self {
        Self {
            seq: a.seq,
            at: a.at.to_string(),
            status: a.status,
            error: a.error.clone(),
            duration_ms: a.duration_ms,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AttemptList {
    /// Newest first.
    pub items: Vec<AttemptView>,
}

/// Subscribe a URL to the event log.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookBody {
    /// An http or https URL; must not point at an internal address.
    pub url: String,
    /// Event kinds to deliver (e.g. `case.created`); omitted or empty: every kind.
    #[serde(default)]
    pub kinds: Vec<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AttemptsQuery {
    /// How many, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

fn require(actor: &Actor) -> Result<()> {
    authz::require(actor, Action::ManageWebhooks, &Resource::Org, "webhooks")
}

fn webhook_id(raw: &str) -> Result<WebhookId> {
    raw.parse()
        .map_err(|_| AppError::not_found(format!("webhook {raw}")))
}

async fn load(state: &AppState, raw: &str) -> Result<Webhook> {
    let id = webhook_id(raw)?;
    state.store.get_webhook(id).await.map_err(|e| match e {
        StoreError::NotFound { .. } => AppError::not_found(format!("webhook {raw}")),
        other => other.into(),
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    summary = "Subscribe a URL to events",
    request_body = CreateWebhookBody,
    responses((status = 201, description = "The subscription, with its secret (shown only now)", body = WebhookView)),
)]
pub async fn create_webhook(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<CreateWebhookBody>,
) -> Result<(StatusCode, axum::Json<WebhookView>)> {
    require(&actor)?;
    let kinds = body
        .kinds
        .iter()
        .map(|k| k.parse::<EventKind>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| AppError::field("kinds", e.reason))?;
    let url = crate::webhooks::check_url(&body.url, state.config.allow_private_webhooks).await?;
    let new = NewWebhook {
        url,
        kinds,
        secret: crate::webhooks::new_secret(),
    };
    let hook = written(
        state
            .store
            .create_webhook(Some(actor.person_id()), new)
            .await?,
    );
    crate::webhooks::ensure_delivery(&state);
    Ok((
        StatusCode::CREATED,
        axum::Json(WebhookView::new(&hook, true)),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    summary = "List subscriptions",
    responses((status = 200, description = "Every subscription, oldest first", body = WebhookList)),
)]
pub async fn list_webhooks(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<axum::Json<WebhookList>> {
    require(&actor)?;
    let hooks = state.store.list_webhooks().await?;
    Ok(axum::Json(WebhookList {
        items: hooks.iter().map(|h| WebhookView::new(h, false)).collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{webhook}",
    tag = "webhooks",
    summary = "Read a subscription",
    params(("webhook" = String, Path, description = "Webhook id")),
    responses((status = 200, description = "The subscription (without its secret)", body = WebhookView)),
)]
pub async fn get_webhook(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<WebhookView>> {
    require(&actor)?;
    let hook = load(&state, &raw).await?;
    Ok(axum::Json(WebhookView::new(&hook, false)))
}

#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{webhook}",
    tag = "webhooks",
    summary = "Disable a subscription",
    params(("webhook" = String, Path, description = "Webhook id")),
    responses((status = 200, description = "The disabled subscription", body = WebhookView)),
)]
pub async fn disable_webhook(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<WebhookView>> {
    require(&actor)?;
    let id = load(&state, &raw).await?.id;
    let reason = format!("disabled by {}", actor.person.name);
    let hook = written(
        state
            .store
            .disable_webhook(Some(actor.person_id()), id, reason)
            .await?,
    );
    Ok(axum::Json(WebhookView::new(&hook, false)))
}

#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{webhook}/attempts",
    tag = "webhooks",
    summary = "Delivery attempts, newest first",
    params(("webhook" = String, Path, description = "Webhook id"), AttemptsQuery),
    responses((status = 200, description = "The newest attempts", body = AttemptList)),
)]
pub async fn list_attempts(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Query(query): Query<AttemptsQuery>,
) -> Result<axum::Json<AttemptList>> {
    require(&actor)?;
    let limit = paging::limit(query.limit)?;
    let id = load(&state, &raw).await?.id;
    let attempts = state.store.list_delivery_attempts(id, limit).await?;
    Ok(axum::Json(AttemptList {
        items: attempts.iter().map(AttemptView::from).collect(),
    }))
}
