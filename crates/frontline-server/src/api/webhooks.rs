//! Webhook subscriptions: create (the signing secret is shown once, in the answer), list,
//! read, read delivery attempts, and disable. Administrators only. Destination URLs are
//! checked here: http(s) only, and never a loopback, private, link-local or otherwise
//! internal address unless the server was started to allow it (the server would otherwise
//! be a way to reach its own network).

use std::net::IpAddr;

use axum::extract::State;
use axum::http::StatusCode;
use frontline_core::{EventKind, Webhook, WebhookId};
use frontline_store::{DeliveryAttempt, NewWebhook, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::written;
use crate::app::AppState;
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::paging;

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
    let url = check_url(&body.url, state.config.allow_private_webhooks).await?;
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
    state.start_background();
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

/// Check a destination: http(s), a host, and (unless allowed) only public addresses. Every
/// address the name resolves to is checked, since any of them may be used.
pub async fn check_url(raw: &str, allow_private: bool) -> Result<String> {
    let bad = |detail: &str| AppError::field("url", detail);
    let url = reqwest::Url::parse(raw.trim()).map_err(|e| bad(&format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must be an http:// or https:// URL"));
    }
    let port = url
        .port_or_known_default()
        .ok_or_else(|| bad("has no port"))?;
    let host = url.host_str().ok_or_else(|| bad("has no host"))?;
    // An IPv6 literal comes bracketed (`[::1]`).
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<IpAddr> = match literal.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| bad(&format!("names a host that does not resolve: {e}")))?
            .map(|a| a.ip())
            .collect(),
    };
    if addresses.is_empty() {
        return Err(bad("names a host that does not resolve"));
    }
    if !allow_private && let Some(ip) = addresses.iter().find(|ip| is_internal(**ip)) {
        return Err(bad(&format!(
            "points at the internal address {ip}; only public addresses may receive webhooks"
        )));
    }
    Ok(url.to_string())
}

/// Not a destination on the public internet: every range in IANA's IPv4 and IPv6
/// special-purpose address registries (RFC 6890 and its updates: private, loopback,
/// link-local, shared CGNAT, benchmarking 198.18.0.0/15, documentation, reserved, NAT64,
/// 6to4, unique local, …, from the `iprfc` crate's registry snapshot), plus what the standard
/// library classifies as loopback, unspecified, multicast or broadcast. An IPv4-mapped IPv6
/// address is judged as the IPv4 address it carries.
pub fn is_internal(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    let by_std = match ip {
        IpAddr::V4(v4) => v4.is_broadcast() || v4.is_multicast(),
        IpAddr::V6(v6) => v6.is_multicast(),
    };
    by_std || ip.is_loopback() || ip.is_unspecified() || iprfc::RFC6890.contains(&ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised_in_both_families() {
        for raw in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            // Special-purpose ranges beyond the private ones: benchmarking, documentation,
            // reserved, the 6to4 relay, IETF protocol assignments, NAT64, 6to4, Teredo.
            "198.18.0.1",
            "198.19.255.254",
            "192.0.2.10",
            "203.0.113.5",
            "240.0.0.1",
            "255.255.255.255",
            "192.88.99.1",
            "192.0.0.8",
            "2001:db8::1",
            "64:ff9b::808:808",
            "2002:c000:0204::1",
            "2001::1",
        ] {
            assert!(is_internal(raw.parse().unwrap()), "{raw}");
        }
        for raw in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "198.20.0.1",
            "2a00:1450:4001::1",
        ] {
            assert!(!is_internal(raw.parse().unwrap()), "{raw}");
        }
    }

    #[tokio::test]
    async fn urls_must_be_http_and_public_unless_allowed() {
        assert!(check_url("ftp://8.8.8.8/", false).await.is_err());
        assert!(check_url("not a url", false).await.is_err());
        assert!(check_url("http://127.0.0.1:9/hook", false).await.is_err());
        assert!(check_url("http://[::1]:9/hook", false).await.is_err());
        assert!(check_url("http://localhost:9/hook", false).await.is_err());
        assert!(check_url("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(check_url("http://8.8.8.8/hook", false).await.is_ok());
    }
}
