//! Operations endpoints: `/healthz` (the process answers), `/readyz` (the database answers)
//! and `/metrics` (Prometheus text). None needs credentials; none is rate-limited.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::{AppError, Result};

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
        (histogram), `frontline_cases_created_total`, `frontline_events_appended_total`.",
    security(()),
    responses((status = 200, description = "Prometheus text format", body = String,
        content_type = "text/plain")),
)]
pub async fn metrics() -> Response {
    let mut response = crate::metrics::render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
