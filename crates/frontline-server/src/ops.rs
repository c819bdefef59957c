//! Operations endpoints: `/healthz` (the process answers), `/readyz` (the database answers)
//! and `/metrics` (Prometheus text). None is rate-limited. Health needs no credentials;
//! metrics (which name routes, rates and volumes) need the metrics token, or are served
//! without one only on a separate listener (`--metrics-listen`, see `metrics_router`).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, Result};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: &'static str,
    /// The storage backend (`/readyz` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<&'static str>,
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    summary = "Liveness: the process is up",
    security(()),
    responses((status = 200, description = "Up", body = Health)),
)]
pub async fn healthz() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok",
        backend: None,
    })
}

#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    summary = "Readiness: the database answers",
    security(()),
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database does not answer", body = crate::error::Problem,
            content_type = "application/problem+json"),
    ),
)]
pub async fn readyz(State(state): State<AppState>) -> Result<axum::Json<Health>> {
    state.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, backend = state.store.backend(), "readiness check failed");
        AppError::Unavailable(format!(
            "the {} database does not answer",
            state.store.backend()
        ))
    })?;
    Ok(axum::Json(Health {
        status: "ready",
        backend: Some(state.store.backend()),
    }))
}

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    summary = "Prometheus metrics",
    description = "`http_requests_total{route,status}`, `http_request_duration_seconds{route}` \
        (histogram), `frontline_cases_created_total`, `frontline_events_appended_total`, \
        connection counters. Needs `Authorization: Bearer <metrics token>` (`--metrics-token`); \
        without a configured token this path answers 404 and metrics are served only on \
        `--metrics-listen`, if given.",
    security(("metrics" = [])),
    responses(
        (status = 200, description = "Prometheus text format", body = String,
            content_type = "text/plain"),
        (status = 401, description = "The metrics token is missing or wrong",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No metrics token is configured: metrics are not served \
            on this address", body = crate::error::Problem,
            content_type = "application/problem+json"),
    ),
)]
pub async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response> {
    let Some(expected) = &state.config.metrics_token_hash else {
        return Err(AppError::NotFound(
            "metrics are not served on this address: start the server with --metrics-token \
             or --metrics-listen"
                .into(),
        ));
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| crate::auth::hash_secret(token.trim()))
        .unwrap_or_default();
    if !crate::passwords::constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
        return Err(AppError::Unauthenticated(
            "send the metrics token as Authorization: Bearer <token>".into(),
        ));
    }
    Ok(render_metrics())
}

fn render_metrics() -> Response {
    let mut response = crate::metrics::render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// The router of the separate metrics listener (`--metrics-listen`): `/metrics` without a
/// token, because only who can reach that address (a private interface) can read it.
pub fn metrics_router() -> axum::Router {
    crate::metrics::install();
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(|| async { render_metrics() }),
    )
}
