//! The layers around every request: request ids, the request span, panics and timeouts turned
//! into problems, the client's address (behind trusted proxies), per-address rate limiting,
//! and the route template recorded for logs and metrics. The order in which they are stacked is in `app::router`.

use std::any::Any;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnRequest, TraceLayer};
use tracing::{Level, Span};

use crate::error::AppError;
use crate::metrics::RouteTemplate;
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn set_request_id() -> SetRequestIdLayer<MakeRequestUuid> {
    SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid)
}

pub fn propagate_request_id() -> PropagateRequestIdLayer {
    PropagateRequestIdLayer::new(REQUEST_ID)
}

type MakeSpanFn = fn(&Request) -> Span;
type OnResponseFn = fn(&Response, Duration, &Span);

/// One span per request with the fields every log line inside it carries.
pub fn trace()
-> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, MakeSpanFn, DefaultOnRequest, OnResponseFn>
{
    TraceLayer::new_for_http()
        .make_span_with(make_span as MakeSpanFn)
        .on_request(DefaultOnRequest::new().level(Level::DEBUG))
        .on_response(on_response as OnResponseFn)
}

fn make_span(request: &Request) -> Span {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        path = %request.uri().path(),
        route = tracing::field::Empty,
        person_id = tracing::field::Empty,
        status = tracing::field::Empty,
    )
}

fn on_response(response: &Response, latency: Duration, span: &Span) {
    span.record("status", response.status().as_u16());
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "request finished"
    );
}

/// Runs inside the router, where the matched route is known.
pub async fn record_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    if let Some(route) = &route {
        Span::current().record("route", route.as_str());
    }
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteTemplate(route));
    }
    response
}

/// Last resort: a panic in a handler answers a 500 problem instead of dropping the connection.
pub fn catch_panic() -> CatchPanicLayer<fn(Box<dyn Any + Send + 'static>) -> Response> {
    CatchPanicLayer::custom(panic_response as fn(Box<dyn Any + Send + 'static>) -> Response)
}

fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    AppError::Internal(format!("handler panicked: {message}")).into_response()
}

/// How long a request may take before it answers 503 (turned into a problem below): `uploads`
/// for the routes `is_upload` names (a large file on a slow line takes minutes), `default`
/// for every other. The router passes its own list of upload routes in.
#[derive(Clone, Copy, Debug)]
pub struct TimeLimits {
    pub default: Duration,
    pub uploads: Duration,
    /// Whether a method and route template (`/api/v1/uploads`) take files in.
    pub is_upload: fn(&axum::http::Method, &str) -> bool,
}

/// Runs inside the router (a route layer), where the matched route is known; a request that
/// matches no route gets the default limit through `timeout`, outside.
pub async fn time_limit(
    State(limits): State<TimeLimits>,
    request: Request,
    next: Next,
) -> Response {
    let upload = request
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|route| (limits.is_upload)(request.method(), route.as_str()));
    let limit = if upload {
        limits.uploads
    } else {
        limits.default
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::info!(limit_ms = limit.as_millis() as u64, "request timed out");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The outer bound for what no route layer sees (unmatched paths, the fallbacks): the
/// longest of the limits, so it never cuts a request `time_limit` lets run.
pub fn timeout(limits: TimeLimits) -> TimeoutLayer {
    TimeoutLayer::with_status_code(
        StatusCode::SERVICE_UNAVAILABLE,
        limits.default.max(limits.uploads),
    )
}

/// How an error reads to whoever asked: problem+json for the API, an HTML page for a browser.
/// The router passes the pages' own functions in, so this layer needs no knowledge of pages.
#[derive(Clone, Copy)]
pub struct ErrorBodies {
    /// Whether a path is the API's (or an operations endpoint's) rather than a page's.
    pub is_api_path: fn(&str) -> bool,
    /// The HTML error page for an error.
    pub page: fn(&AppError) -> Response,
}

/// Error responses produced by layers rather than handlers (timeouts, axum's own rejections)
/// have no body; give them the problem body every other error has.
pub async fn problem_for_empty_errors(
    State(bodies): State<ErrorBodies>,
    request: Request,
    next: Next,
) -> Response {
    let page = !(bodies.is_api_path)(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return response;
    }
    let error = match status {
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::NOT_FOUND => AppError::NoRoute("no endpoint at this path".into()),
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(format!(
            "the body is larger than the limit of {} bytes",
            crate::extract::MAX_BODY_BYTES
        )),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => {
            AppError::Unavailable("the request took too long; try again".into())
        }
        other if other.is_server_error() => {
            AppError::Internal(format!("a layer answered {other} without a body"))
        }
        other => AppError::MalformedBody(format!("the request was refused ({other})")),
    };
    let (parts, _) = response.into_parts();
    // Pages never show problem+json: a browser gets the HTML error page.
    let mut problem = if page {
        (bodies.page)(&error)
    } else {
        error.into_response()
    };
    // Keep headers such as `Allow` on a 405.
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_LENGTH {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    *problem.status_mut() = status;
    problem
}

/// API calls per client address. Operations endpoints (`/healthz`, `/metrics`) are exempt so
/// monitoring never trips the limit. Limited answers carry `RateLimit-Policy` and `RateLimit`
/// (draft-ietf-httpapi-ratelimit-headers) for whichever limit has the least left: this
/// address's, or the person's (filled in by the `Actor` extractor through `RateSlot`).
pub async fn limit_by_address(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    mut request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/api/v1/") {
        return next.run(request).await;
    }
    let by_address = address.and_then(|a| state.limits.api_per_address.take(&a.to_string()));
    if let Some(verdict) = by_address
        && !verdict.allowed
    {
        let mut response = AppError::TooManyRequests {
            retry_after_secs: verdict.retry_after_secs,
        }
        .into_response();
        rate_limit_headers(&mut response, &verdict);
        return response;
    }
    let slot = RateSlot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let by_account = slot.get();
    let tightest = match (by_address, by_account) {
        (Some(a), Some(b)) => Some(if b.allowed && a.remaining <= b.remaining {
            a
        } else {
            b
        }),
        (a, b) => a.or(b),
    };
    if let Some(verdict) = tightest {
        rate_limit_headers(&mut response, &verdict);
    }
    response
}

fn rate_limit_headers(response: &mut Response, verdict: &crate::ratelimit::Verdict) {
    let headers = response.headers_mut();
    for (name, value) in [
        ("ratelimit-policy", verdict.policy_header()),
        ("ratelimit", verdict.state_header()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
}

/// Where a request's per-person limit verdict is left for `limit_by_address` to report.
/// Written at most once per request (by the `Actor` extractor), read after the handler.
#[derive(Clone, Debug, Default)]
pub struct RateSlot(Arc<Mutex<Option<crate::ratelimit::Verdict>>>);

impl RateSlot {
    pub fn set(&self, verdict: crate::ratelimit::Verdict) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(verdict);
    }

    fn get(&self) -> Option<crate::ratelimit::Verdict> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The client's address as resolved once per request by `resolve_client` (behind a trusted
/// proxy, the forwarded one).
#[derive(Clone, Copy, Debug)]
struct ResolvedClient(IpAddr);

/// Resolve the client's address once, before anything limits or logs by it.
pub async fn resolve_client(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let client = state
            .config
            .trusted_proxies
            .client(peer.ip(), request.headers());
        request.extensions_mut().insert(ResolvedClient(client));
    }
    next.run(request).await
}

/// The client's address, when the server was started with connection info (`serve` does;
/// a router driven directly in a test does not). Behind a trusted proxy, the address the
/// proxy forwarded for.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ResolvedClient>()
                .map(|ResolvedClient(address)| *address)
                .or_else(|| {
                    parts
                        .extensions
                        .get::<ConnectInfo<SocketAddr>>()
                        .map(|ConnectInfo(address)| address.ip())
                }),
        ))
    }
}

/// Every response not already given its own policy (pages set theirs in `pages::layout`)
/// gets the strictest one: JSON, problem documents and text never need to run or embed
/// anything, and must not be sniffed into HTML or framed.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(STRICT_CSP),
        );
    }
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

/// The policy of everything that is not a page: nothing may load, run or frame it.
pub const STRICT_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// An empty body, for 204 responses.
pub fn no_content() -> Response {
    (StatusCode::NO_CONTENT, Body::empty()).into_response()
}

/// A CSV file to download as `name`. Figures about the organisation: never kept in shared
/// caches.
pub fn csv_download(name: &str, body: String) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A mail as it arrived, to download as `name` (`message/rfc822`): never shown inline (it is
/// whatever a stranger sent) and never kept in shared caches.
pub fn eml_download(name: &str, bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("message/rfc822"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
