//! The layers around every request: request ids, the request span, panics and timeouts turned
//! into problems, per-address rate limiting, and the route template recorded for logs and
//! metrics. The order in which they are stacked is in `app::router`.

use std::any::Any;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, StatusCode, header};
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

use crate::app::AppState;
use crate::error::AppError;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The route template (`/api/v1/cases/{case}`) a request matched, carried on the response so
/// the metrics layer (outside the router) can label by template rather than by raw path.
#[derive(Clone, Debug)]
pub struct RouteTemplate(pub String);

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

/// Requests that take too long answer 503 (turned into a problem below).
pub fn timeout(limit: Duration) -> TimeoutLayer {
    TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, limit)
}

/// Error responses produced by layers rather than handlers (timeouts, axum's own rejections)
/// have no body; give them the problem body every other error has.
pub async fn problem_for_empty_errors(request: Request, next: Next) -> Response {
    let page = !crate::pages::is_api_path(request.uri().path());
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
        crate::pages::error_page(&error)
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
/// monitoring never trips the limit.
pub async fn limit_by_address(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/api/v1/")
        && let Some(address) = address
        && let Err(retry_after_secs) = state.limits.api_per_address.check(&address.to_string())
    {
        return AppError::TooManyRequests { retry_after_secs }.into_response();
    }
    next.run(request).await
}

/// The client's address, when the server was started with connection info (`serve` does;
/// a router driven directly in a test does not).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(address)| address.ip()),
        ))
    }
}

/// An empty body, for 204 responses.
pub fn no_content() -> Response {
    (StatusCode::NO_CONTENT, Body::empty()).into_response()
}
