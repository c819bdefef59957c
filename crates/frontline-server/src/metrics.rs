//! Prometheus metrics: requests by route template and status with a latency histogram, and
//! domain counters (cases created, events appended) incremented by handlers from the events a
//! write returned.
//!
//! The recorder is global to the process (that is how the `metrics` facade works), so it is
//! installed once behind a `OnceLock`; tests start many servers in one process and all of them
//! share it. If something else installed a recorder first, `/metrics` renders this crate's own
//! (empty) recorder rather than failing.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// The route template (`/api/v1/cases/{case}`) a request matched, carried on the response so
/// the metrics layer (outside the router) can label by template rather than by raw path.
#[derive(Clone, Debug)]
pub struct RouteTemplate(pub String);

pub const HTTP_REQUESTS: &str = "http_requests_total";
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
pub const CASES_CREATED: &str = "frontline_cases_created_total";
pub const EVENTS_APPENDED: &str = "frontline_events_appended_total";

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Install the process-wide recorder (idempotent) and return its handle.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        // Buckets make the latency a histogram rather than a summary; they cannot fail for a
        // non-empty list, but fall back to the defaults rather than panic if they ever did.
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
        }
        describe();
        handle
    })
}

fn describe() {
    metrics::describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by route and status");
    metrics::describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "Time to answer HTTP requests, by route"
    );
    metrics::describe_counter!(CASES_CREATED, "Cases opened");
    metrics::describe_counter!(EVENTS_APPENDED, "Events appended to the event log");
}

/// The Prometheus text exposition of everything recorded so far.
pub fn render() -> String {
    let handle = install();
    handle.run_upkeep();
    handle.render()
}

/// Count and time every request. Requests that matched no route are labelled `unmatched`, so
/// scanners probing random paths cannot blow up the number of series.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<RouteTemplate>()
        .map_or_else(|| "unmatched".to_owned(), |r| r.0.clone());
    let status = response.status().as_u16().to_string();
    metrics::counter!(HTTP_REQUESTS, "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!(HTTP_DURATION, "route" => route).record(started.elapsed().as_secs_f64());
    response
}

/// Record what a write appended.
pub fn events_appended(count: usize) {
    if count > 0 {
        metrics::counter!(EVENTS_APPENDED).increment(count as u64);
    }
}

pub fn case_created() {
    metrics::counter!(CASES_CREATED).increment(1);
}
