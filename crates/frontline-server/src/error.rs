//! The one error type of the HTTP layer. Every failure a handler, extractor or middleware can
//! report becomes an `AppError`, and every `AppError` answers as an RFC 9457
//! `application/problem+json` body with a stable `type`, so clients branch on the type and show
//! the `detail`. Internal failures are logged once, here, inside the request span, and never
//! described to the client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frontline_core::ValueError;
use frontline_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// `Result` for handlers: the error side is always a problem response.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that was refused, pointing into the request so a form can show it in place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name as sent (`subject`, `customer`, `limit`…); nested fields are dotted.
    pub field: String,
    /// What is wrong with it, in words a person can act on.
    pub detail: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            detail: detail.into(),
        }
    }
}

impl From<ValueError> for FieldError {
    fn from(e: ValueError) -> Self {
        Self::new(e.field, e.reason)
    }
}

/// An RFC 9457 problem document, as sent.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem; it resolves to its entry in `/api/docs`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, stable summary of the kind of problem.
    pub title: String,
    /// The HTTP status code, repeated for convenience.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// Per-field problems (only on 422).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Stale reply only: the public messages written since the one the author replied to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub newer: Option<serde_json::Value>,
    /// Invalid expression only: where the problem is (1-based line and column).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// Refused decision only: the verdict and every rule's finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub evaluation: Option<serde_json::Value>,
}

/// A place in an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Everything that can go wrong while serving a request. Each variant documents its status.
#[derive(Debug)]
pub enum AppError {
    /// 400: the body is not JSON at all (syntax error, truncated document).
    MalformedBody(String),
    /// 401: no credentials, or credentials that match nothing.
    Unauthenticated(String),
    /// 403: the actor can see the resource but may not do this to it.
    Forbidden(String),
    /// 404: no such resource, or one the actor may not see (the two look the same on purpose,
    /// so ids cannot be probed).
    NotFound(String),
    /// 404: no route matches the path.
    NoRoute(String),
    /// 405: the path exists but not with this method.
    MethodNotAllowed,
    /// 409: the request clashes with the current state (taken email, illegal status change).
    Conflict(String),
    /// 410: the resource existed but is gone for good (an expired rating link).
    Gone(String),
    /// 413: the body is larger than the server accepts.
    PayloadTooLarge(String),
    /// 415: the body is not `application/json`.
    UnsupportedMediaType(String),
    /// 422: the body or query is well-formed but some fields are wrong.
    Invalid {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 429: too many requests; retry after this many seconds.
    TooManyRequests { retry_after_secs: u64 },
    /// A reply based on an older state of the conversation; `newer` lists what was missed.
    StaleReply {
        detail: String,
        newer: serde_json::Value,
    },
    /// 422: a guideline expression that does not compile, with where.
    Expression {
        field: String,
        error: frontline_core::guideline::CompileError,
    },
    /// 422: a decision that cannot be recorded as sent: a policy blocks it, or it is outside a
    /// guideline and has no explanation. `evaluation` is the verdict with every finding.
    DecisionRefused {
        detail: String,
        evaluation: serde_json::Value,
    },
    /// 503: the database cannot be reached, or the request timed out.
    Unavailable(String),
    /// 503: too much work of one kind is already running (password checks); retry after
    /// this many seconds.
    Busy { retry_after_secs: u64 },
    /// 500: a bug or a corrupted database. The message is logged, never sent.
    Internal(String),
}

impl AppError {
    /// A 422 about one field.
    pub fn field(field: impl Into<String>, detail: impl Into<String>) -> Self {
        let error = FieldError::new(field, detail);
        Self::Invalid {
            detail: format!("{}: {}", error.field, error.detail),
            errors: vec![error],
        }
    }

    /// A 422 about several fields at once, so a client can fix everything in one round trip.
    pub fn fields(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.detail),
            many => format!(
                "{} fields are invalid: {}",
                many.len(),
                many.iter()
                    .map(|e| e.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Self::Invalid { detail, errors }
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::MalformedBody(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) | AppError::NoRoute(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) | AppError::StaleReply { .. } => StatusCode::CONFLICT,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Invalid { .. }
            | AppError::Expression { .. }
            | AppError::DecisionRefused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem type slug; `type` is `/api/docs#problem-<slug>`.
    fn slug(&self) -> &'static str {
        match self {
            AppError::MalformedBody(_) => "malformed-body",
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not-found",
            AppError::NoRoute(_) => "no-route",
            AppError::MethodNotAllowed => "method-not-allowed",
            AppError::Conflict(_) => "conflict",
            AppError::Gone(_) => "gone",
            AppError::StaleReply { .. } => "stale-reply",
            AppError::PayloadTooLarge(_) => "payload-too-large",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::Invalid { .. } => "invalid",
            AppError::Expression { .. } => "expression",
            AppError::DecisionRefused { .. } => "decision-refused",
            AppError::TooManyRequests { .. } => "rate-limited",
            AppError::Unavailable(_) => "unavailable",
            AppError::Busy { .. } => "busy",
            AppError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            AppError::MalformedBody(_) => "The request body is not valid JSON",
            AppError::Unauthenticated(_) => "Authentication required",
            AppError::Forbidden(_) => "Not allowed",
            AppError::NotFound(_) => "Not found",
            AppError::NoRoute(_) => "No such endpoint",
            AppError::MethodNotAllowed => "Method not allowed",
            AppError::Conflict(_) => "Conflict with the current state",
            AppError::Gone(_) => "No longer available",
            AppError::StaleReply { .. } => "The conversation moved on",
            AppError::PayloadTooLarge(_) => "Request body too large",
            AppError::UnsupportedMediaType(_) => "Unsupported media type",
            AppError::Invalid { .. } => "Invalid request",
            AppError::Expression { .. } => "The expression is not valid",
            AppError::DecisionRefused { .. } => "The decision cannot be recorded as it is",
            AppError::TooManyRequests { .. } => "Too many requests",
            AppError::Unavailable(_) => "Service unavailable",
            AppError::Busy { .. } => "Server busy",
            AppError::Internal(_) => "Internal error",
        }
    }

    pub fn to_problem(&self) -> Problem {
        let detail = match self {
            AppError::MalformedBody(d)
            | AppError::Unauthenticated(d)
            | AppError::Forbidden(d)
            | AppError::NotFound(d)
            | AppError::NoRoute(d)
            | AppError::Conflict(d)
            | AppError::Gone(d)
            | AppError::PayloadTooLarge(d)
            | AppError::UnsupportedMediaType(d)
            | AppError::Unavailable(d) => d.clone(),
            AppError::Invalid { detail, .. }
            | AppError::StaleReply { detail, .. }
            | AppError::DecisionRefused { detail, .. } => detail.clone(),
            AppError::Expression { field, error } => format!("{field}: {error}"),
            AppError::MethodNotAllowed => "this endpoint does not accept that method".to_owned(),
            AppError::TooManyRequests { retry_after_secs } => {
                format!("slow down; retry in {retry_after_secs} s")
            }
            AppError::Busy { retry_after_secs } => {
                format!(
                    "too many requests of this kind are being handled; retry in {retry_after_secs} s"
                )
            }
            // Never leak internals: the log line has the cause, the client gets the request id.
            AppError::Internal(_) => {
                "something went wrong on our side; the request id identifies it in our logs"
                    .to_owned()
            }
        };
        Problem {
            kind: problem_type(self.slug()),
            title: self.title().to_owned(),
            status: self.status().as_u16(),
            detail,
            errors: match self {
                AppError::Invalid { errors, .. } => errors.clone(),
                AppError::Expression { field, error } => {
                    vec![FieldError::new(field.clone(), error.to_string())]
                }
                _ => Vec::new(),
            },
            position: match self {
                AppError::Expression { error, .. } => Some(Position {
                    line: error.line,
                    column: error.column,
                }),
                _ => None,
            },
            evaluation: match self {
                AppError::DecisionRefused { evaluation, .. } => Some(evaluation.clone()),
                _ => None,
            },
            newer: match self {
                AppError::StaleReply { newer, .. } => Some(newer.clone()),
                _ => None,
            },
        }
    }
}

/// The `type` URI of a problem kind: an anchor in the API reference, which works offline.
pub fn problem_type(slug: &str) -> String {
    format!("/api/docs#problem-{slug}")
}

/// Every problem kind, for the reference page: (slug, title, status).
pub fn problem_kinds() -> Vec<(&'static str, &'static str, u16)> {
    [
        AppError::MalformedBody(String::new()),
        AppError::Unauthenticated(String::new()),
        AppError::Forbidden(String::new()),
        AppError::NotFound(String::new()),
        AppError::NoRoute(String::new()),
        AppError::MethodNotAllowed,
        AppError::Conflict(String::new()),
        AppError::Gone(String::new()),
        AppError::StaleReply {
            detail: String::new(),
            newer: serde_json::Value::Null,
        },
        AppError::PayloadTooLarge(String::new()),
        AppError::UnsupportedMediaType(String::new()),
        AppError::Invalid {
            detail: String::new(),
            errors: vec![],
        },
        AppError::Expression {
            field: String::new(),
            error: frontline_core::guideline::CompileError {
                message: String::new(),
                line: 1,
                column: 1,
            },
        },
        AppError::DecisionRefused {
            detail: String::new(),
            evaluation: serde_json::Value::Null,
        },
        AppError::TooManyRequests {
            retry_after_secs: 0,
        },
        AppError::Unavailable(String::new()),
        AppError::Busy {
            retry_after_secs: 0,
        },
        AppError::Internal(String::new()),
    ]
    .iter()
    .map(|e| (e.slug(), e.title(), e.status().as_u16()))
    .collect()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::Internal(cause) => tracing::error!(error = %cause, "internal error"),
            AppError::Unavailable(cause) => tracing::warn!(error = %cause, "unavailable"),
            _ => {}
        }
        let problem = self.to_problem();
        let mut response = (self.status(), problem_body(&problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        match &self {
            AppError::TooManyRequests { retry_after_secs }
            | AppError::Busy { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            AppError::Unauthenticated(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"frontline\""),
                );
            }
            _ => {}
        }
        response
    }
}

fn problem_body(problem: &Problem) -> String {
    // Serialising this struct of strings cannot fail; keep a fixed fallback rather than panic.
    serde_json::to_string(problem).unwrap_or_else(|_| {
        r#"{"type":"/api/docs#problem-internal","title":"Internal error","status":500,"detail":"error"}"#
            .to_owned()
    })
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { what } => AppError::NotFound(format!("{what} not found")),
            StoreError::Conflict { what } => AppError::Conflict(what),
            race @ StoreError::IdempotencyRace => AppError::Conflict(race.to_string()),
            StoreError::Invalid(value) => AppError::fields(vec![value.into()]),
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                AppError::Unavailable("the database is unavailable; try again shortly".into())
            }
            StoreError::Other(cause) => AppError::Internal(cause),
        }
    }
}

impl From<crate::passwords::Busy> for AppError {
    fn from(busy: crate::passwords::Busy) -> Self {
        AppError::Busy {
            retry_after_secs: busy.retry_after_secs,
        }
    }
}

impl From<ValueError> for AppError {
    fn from(e: ValueError) -> Self {
        AppError::fields(vec![e.into()])
    }
}

/// Collects per-field errors while parsing a request, so every bad field is reported at once.
#[derive(Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keep the value, or remember why it was refused.
    pub fn check<T>(&mut self, result: std::result::Result<T, ValueError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.errors.push(e.into());
                None
            }
        }
    }

    /// Remember a problem found by hand.
    pub fn push(&mut self, field: impl Into<String>, detail: impl Into<String>) {
        self.errors.push(FieldError::new(field, detail));
    }

    /// The problems found so far, to merge with another group's (fields named with a prefix).
    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }

    /// `Ok` when nothing was refused.
    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::fields(self.errors))
        }
    }

    /// Build the parsed request once every field passed: `build` sees each checked value as
    /// `Some` (use `?` on them), so no field can be forgotten or unwrapped.
    pub fn done<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T> {
        self.finish()?;
        build().ok_or_else(|| AppError::Internal("a checked field was missing".into()))
    }
}
