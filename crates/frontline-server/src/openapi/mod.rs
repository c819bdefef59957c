//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations as
//! they are mounted (see `app::api_routes`), and the API reference page rendered from it on the
//! server. The page is plain HTML with inline CSS: it needs no CDN and no JavaScript.
//!
//! After generation the document is completed in one pass: every operation gets the problem
//! responses its shape implies (401 when authenticated, 422 when it takes input, 429 on every
//! API call…), so the annotations list only successes and the problems particular to them (a
//! customer's 404 on a staff-only list), and every integer gets the range its type parses.
//! `scripts/schemathesis` checks the result against a running server.

mod docs_page;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};
use utoipa::OpenApi;

use crate::error::{self, AppError, FieldError, Problem};
use crate::state::{ApiDocs, AppState};
use docs_page::DocsPage;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Frontline API",
        description = "The help desk that turns the pyramid upside down. Authenticate with \
            `Authorization: Bearer <token>` or a session cookie from `POST /api/v1/session`. \
            Errors are `application/problem+json` (RFC 9457). Lists are paged with \
            `?after=<cursor>&limit=<n>` and give a `next` link.",
    ),
    tags(
        (name = "session", description = "Web sign-in"),
        (name = "people", description = "Customers, employees and support employees"),
        (name = "teams", description = "Outcome teams, members and supports"),
        (name = "org", description = "The organisation's history: as of any date, diffs, a monthly timeline"),
        (name = "outcomes", description = "Successful Customer Outcomes"),
        (name = "cases", description = "Cases and their conversations"),
        (name = "files", description = "Files on messages: upload, download, show in place, preview, delete"),
        (name = "events", description = "The event log"),
        (name = "webhooks", description = "Event log subscriptions delivered over HTTP"),
        (name = "guidelines", description = "Decision kinds, guidelines, policies and principles; decisions and their review"),
        (name = "leaders", description = "Leaders on the tools: the customer-time ledger and leader standard work"),
        (name = "feelings", description = "How customers and employees feel: ratings, observations, the pulse, the CX/EX mirror and the heroes feed"),
        (name = "proposals", description = "Bottom-up decisions: proposals backed by cases and themes, votes, comments, adoption with a reason, and the closed loop to customers when one ships"),
        (name = "voice", description = "The voice of the customer: live mood alerts from customers' messages, and the themes in what they say"),
        (name = "operations", description = "Health, readiness, metrics and this document"),
        (name = "targets", description = "Business hours and service targets: each team's calendar (dated versions), each outcome's first-response, next-response and resolution targets, and where a case's targets stand"),
        (name = "scoreboard", description = "The outcome scoreboard: per outcome, achieved rate, time to outcome against its target and feelings, each figure linked to its cases; CSV export"),
    ),
    components(schemas(Problem, FieldError)),
)]
struct ApiDoc;

/// The document before routes are added.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The finished document and its reference page, built once per router.
pub fn docs(document: utoipa::openapi::OpenApi) -> ApiDocs {
    let mut value = serde_json::to_value(&document).unwrap_or_else(|_| json!({}));
    complete(&mut value);
    let json = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into());
    let html = DocsPage::from_document(&value)
        .render()
        .unwrap_or_else(|e| format!("<!doctype html><title>API</title><p>{e}</p>"));
    ApiDocs { json, html }
}

#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "operations",
    summary = "This OpenAPI document",
    security(()),
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json")),
)]
pub async fn openapi_json(State(state): State<AppState>) -> Response {
    let Some(docs) = state.docs.get() else {
        return AppError::Internal("the OpenAPI document was not built".into()).into_response();
    };
    let mut response = docs.json.clone().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[utoipa::path(
    get,
    path = "/api/docs",
    tag = "operations",
    summary = "The API reference, as a web page",
    security(()),
    responses((status = 200, description = "HTML", content_type = "text/html")),
)]
pub async fn docs_page(State(state): State<AppState>) -> Response {
    match state.docs.get() {
        Some(docs) => {
            let mut response = Html(docs.html.clone()).into_response();
            // The reference is one self-contained page: its own inline styles, no script.
            response.headers_mut().insert(
                axum::http::header::CONTENT_SECURITY_POLICY,
                axum::http::HeaderValue::from_static(DOCS_CSP),
            );
            response
        }
        None => AppError::Internal("the API reference was not built".into()).into_response(),
    }
}

/// The reference page's policy: inline styles only; no script, no frames, no forms.
const DOCS_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub(crate) const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Security schemes, default security, and the problem responses of every operation.
fn complete(doc: &mut Value) {
    doc["security"] = json!([{ "bearer": [] }, { "session": [] }]);
    let components = &mut doc["components"];
    components["securitySchemes"] = json!({
        "bearer": { "type": "http", "scheme": "bearer",
            "description": "An API token (`fl_…`) from `POST /api/v1/me/tokens`." },
        "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE,
            "description": "The web session from `POST /api/v1/session`; writes also need \
                the `X-CSRF-Token` header." },
        "metrics": { "type": "http", "scheme": "bearer",
            "description": "The metrics token the server was started with (`--metrics-token`)." },
    });
    let mut responses = serde_json::Map::new();
    for (slug, title, status) in error::problem_kinds() {
        responses.insert(
            response_name(status),
            json!({
                "description": format!("{title} (`{}`)", error::problem_type(slug)),
                "content": { error::PROBLEM_JSON: {
                    "schema": { "$ref": "#/components/schemas/Problem" } } },
            }),
        );
    }
    components["responses"] = Value::Object(responses);

    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            let Some(operation) = item.get_mut(method) else {
                continue;
            };
            let public = operation
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| {
                    s.iter()
                        .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
                });
            let has_body = operation.get("requestBody").is_some();
            let has_query = operation
                .get("parameters")
                .and_then(Value::as_array)
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
            let api = path.starts_with("/api/v1/");
            let mut statuses = Vec::new();
            if has_body {
                statuses.extend([400, 413, 415, 422]);
            }
            if has_query {
                statuses.push(422);
            }
            if !public {
                statuses.extend([401, 403]);
            }
            if path.contains('{') {
                // A path id is parsed and looked up: malformed and unknown are both 404.
                statuses.push(404);
            }
            if method != "get" && api {
                statuses.push(409);
            }
            if api {
                // Every API call counts against its client address's limit, signed in or not.
                statuses.extend([429, 500, 503]);
            }
            let responses = &mut operation["responses"];
            // A problem an annotation names with only a description (`(status = 404,
            // description = "…")`) gets the shared problem body, keeping that description.
            if let Some(listed) = responses.as_object_mut() {
                for (key, response) in listed.iter_mut() {
                    let is_problem = key.starts_with('4') || key.starts_with('5');
                    let bare = response.get("content").is_none() && response.get("$ref").is_none();
                    if let (true, true, Ok(status)) = (is_problem, bare, key.parse::<u16>()) {
                        let description = response["description"].clone();
                        *response = json!({
                            "$ref": format!("#/components/responses/{}", response_name(status)),
                            "description": description,
                        });
                    }
                }
            }
            for status in statuses {
                let key = status.to_string();
                if responses.get(&key).is_none() {
                    responses[key] = json!({ "$ref": format!("#/components/responses/{}", response_name(status)) });
                }
            }
        }
    }
    bound_integers(doc);
}

/// Give every integer schema the range its Rust type accepts. utoipa (with
/// `non_strict_integers`) writes the type as the format (`u-int32`…) but no maximum, and a
/// client reading `int32` would believe 2147483648 is refused when a `u32` takes it. After
/// this the schema says exactly what parsing accepts; a field with a narrower rule says so in
/// its own `minimum`/`maximum`, which is kept. Formats become the standard `int32`/`int64`
/// wherever the range fits them.
fn bound_integers(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let range = match map.get("format").and_then(Value::as_str) {
                Some("int8") => Some((i128::from(i8::MIN), i128::from(i8::MAX), Some("int32"))),
                Some("u-int8" | "uint8") => Some((0, i128::from(u8::MAX), Some("int32"))),
                Some("int16") => Some((i128::from(i16::MIN), i128::from(i16::MAX), Some("int32"))),
                Some("u-int16" | "uint16") => Some((0, i128::from(u16::MAX), Some("int32"))),
                Some("int32") => Some((i128::from(i32::MIN), i128::from(i32::MAX), Some("int32"))),
                Some("u-int32" | "uint32") => Some((0, i128::from(u32::MAX), Some("int64"))),
                Some("int64") => Some((i128::from(i64::MIN), i128::from(i64::MAX), Some("int64"))),
                Some("u-int64" | "uint64") => Some((0, i128::from(u64::MAX), None)),
                // utoipa writes `usize` with no format, only `minimum: 0`.
                None if map.get("minimum").and_then(Value::as_f64) == Some(0.0) => {
                    Some((0, i128::from(u64::MAX), None))
                }
                _ => None,
            };
            let is_integer = match map.get("type") {
                Some(Value::String(t)) => t == "integer",
                Some(Value::Array(types)) => types.iter().any(|t| t == "integer"),
                _ => false,
            };
            if let (true, Some((min, max, format))) = (is_integer, range) {
                let tighter_min = map.get("minimum").and_then(Value::as_f64);
                let tighter_max = map.get("maximum").and_then(Value::as_f64);
                if tighter_min.is_none_or(|m| (m as i128) < min) {
                    map.insert("minimum".into(), json_integer(min));
                }
                if tighter_max.is_none_or(|m| (m as i128) > max) {
                    map.insert("maximum".into(), json_integer(max));
                }
                match format {
                    Some(format) => map.insert("format".into(), json!(format)),
                    None => map.remove("format"),
                };
            }
            map.values_mut().for_each(bound_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

fn json_integer(n: i128) -> Value {
    match (i64::try_from(n), u64::try_from(n)) {
        (Ok(n), _) => json!(n),
        (_, Ok(n)) => json!(n),
        _ => Value::Null,
    }
}

fn response_name(status: u16) -> String {
    format!("Problem{status}")
}
