//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations as
//! they are mounted (see `app::api_routes`), and the API reference page rendered from it on the
//! server. The page is plain HTML with inline CSS: it needs no CDN and no JavaScript.
//!
//! After generation the document is completed in one pass: every operation gets the problem
//! responses its shape implies (401 when authenticated, 422 when it takes input…), so the
//! annotations list only successes and nothing is forgotten.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};
use utoipa::OpenApi;

use crate::app::AppState;
use crate::docs_page::DocsPage;
use crate::error::{self, AppError, FieldError, Problem};

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
        (name = "events", description = "The event log"),
        (name = "webhooks", description = "Event log subscriptions delivered over HTTP"),
        (name = "guidelines", description = "Decision kinds, guidelines, policies and principles; decisions and their review"),
        (name = "leaders", description = "Leaders on the tools: the customer-time ledger and leader standard work"),
        (name = "feelings", description = "How customers and employees feel: ratings, observations, the pulse, the CX/EX mirror and the heroes feed"),
        (name = "proposals", description = "Bottom-up decisions: proposals backed by cases and themes, votes, comments, adoption with a reason, and the closed loop to customers when one ships"),
        (name = "voice", description = "The voice of the customer: live mood alerts from customers' messages, and the themes in what they say"),
        (name = "operations", description = "Health, readiness, metrics and this document"),
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
#[derive(Debug)]
pub struct Docs {
    pub json: String,
    pub html: String,
}

impl Docs {
    pub fn new(document: utoipa::openapi::OpenApi) -> Self {
        let mut value = serde_json::to_value(&document).unwrap_or_else(|_| json!({}));
        complete(&mut value);
        let json = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into());
        let html = DocsPage::from_document(&value)
            .render()
            .unwrap_or_else(|e| format!("<!doctype html><title>API</title><p>{e}</p>"));
        Self { json, html }
    }
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
            let mut statuses = Vec::new();
            if has_body {
                statuses.extend([400, 413, 415, 422]);
            }
            if has_query {
                statuses.push(422);
            }
            if !public {
                statuses.extend([401, 403, 429]);
            }
            if path.contains('{') {
                statuses.push(404);
            }
            if method != "get" && path.starts_with("/api/v1/") {
                statuses.push(409);
            }
            if path.starts_with("/api/v1/") {
                statuses.extend([500, 503]);
            }
            let responses = &mut operation["responses"];
            for status in statuses {
                let key = status.to_string();
                if responses.get(&key).is_none() {
                    responses[key] = json!({ "$ref": format!("#/components/responses/{}", response_name(status)) });
                }
            }
        }
    }
}

fn response_name(status: u16) -> String {
    format!("Problem{status}")
}
