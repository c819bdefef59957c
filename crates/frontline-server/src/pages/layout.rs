//! What every page shares: the frame (`Layout`: title, navigation, the signed-in person, the
//! CSRF token for forms and for `fetch`), the security headers of every HTML response, the
//! HTML error page, and small display helpers (times, status words).
//!
//! Every HTML response leaves through [`html`], so none can miss the Content-Security-Policy.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use frontline_core::{CaseStatus, Timestamp};
use frontline_store::StoreError;

use super::assets;
use super::viewer::Viewer;
use crate::authz::{Action, Resource};
use crate::error::AppError;

/// No inline script or style anywhere: scripts and styles come only from `/static/`.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
    form-action 'self'";

/// One link of the top navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The frame around every page.
pub struct Layout {
    pub title: String,
    pub nav: Vec<NavItem>,
    /// The tabs of the current section, when it has several pages (empty otherwise).
    pub tabs: Vec<NavItem>,
    /// The signed-in person, when there is one (the login and error pages have none).
    pub person_name: Option<String>,
    pub person_id: String,
    /// Echoed in every form's hidden `csrf` field and in `<meta name="csrf-token">`.
    pub csrf: String,
    pub css: String,
    pub js: String,
}

impl Layout {
    /// The frame for a signed-in page; `current` is the href of the active section.
    pub fn new(viewer: &Viewer, title: impl Into<String>, current: &str) -> Self {
        let org = Resource::Org;
        let mut nav = Vec::new();
        let item = |href: &'static str, label: &'static str| NavItem {
            href,
            label,
            current: href == current,
        };
        if viewer.can(Action::ListTeams, &org) {
            nav.push(item("/cockpit", "Cockpit"));
        } else {
            nav.push(item("/portal", "My cases"));
            nav.push(item("/portal/new", "New case"));
        }
        nav.push(item("/search", "Find a case"));
        if viewer.can(Action::ListPeople, &org) && viewer.can(Action::ListTeams, &org) {
            nav.push(item("/org", "Organisation"));
        }
        if viewer.can(Action::ReadGuidelines, &org) {
            nav.push(item("/guidelines", "Guidelines"));
        }
        if viewer.can(Action::ReadDecisions, &org) {
            nav.push(item("/reviews", "Reviews"));
        }
        if viewer.can(Action::RaiseAsk, &org) {
            nav.push(item("/asks", "Asks"));
        }
        // The voice of the customer and the employee is one section with tabs, so the top
        // navigation stays one line on a desktop.
        let voice: Vec<NavItem> = [
            ("/feelings", "Feelings", Action::ReadFeelings),
            ("/heroes", "Heroes", Action::ReadFeelings),
            ("/themes", "Themes", Action::ReadThemes),
            ("/proposals", "Proposals", Action::ListProposals),
            ("/scoreboard", "Scoreboard", Action::ReadScoreboard),
            ("/pulse", "Your pulse", Action::AnswerPulse),
        ]
        .into_iter()
        .filter(|(_, _, action)| viewer.can(*action, &org))
        .map(|(href, label, _)| NavItem {
            href,
            label,
            current: href == current,
        })
        .collect();
        let in_voice = voice.iter().any(|t| t.current);
        if let Some(first) = voice.first() {
            nav.push(NavItem {
                href: first.href,
                label: "Voice",
                current: in_voice,
            });
        }
        let me = Resource::Person {
            person_id: viewer.actor.person_id(),
        };
        if viewer.can(Action::TickStandardWork, &me) {
            nav.push(item("/standard-work", "Standard work"));
        }
        if viewer.can(Action::CreatePerson, &org) {
            nav.push(item("/admin", "Admin"));
        }
        Self {
            title: title.into(),
            nav,
            tabs: if in_voice { voice } else { Vec::new() },
            person_name: Some(viewer.actor.person.name.to_string()),
            person_id: viewer.actor.person_id().to_string(),
            csrf: viewer.csrf.clone(),
            css: assets::css_url(),
            js: assets::js_url(),
        }
    }

    /// The frame for pages seen before signing in.
    pub fn anonymous(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            nav: Vec::new(),
            tabs: Vec::new(),
            person_name: None,
            person_id: String::new(),
            csrf: String::new(),
            css: assets::css_url(),
            js: assets::js_url(),
        }
    }
}

/// An HTML response with the security headers every page carries.
pub fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages show personal data: never keep them in shared caches or after sign-out.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Render a template into a page response; a rendering failure is a 500 page.
pub fn render(status: StatusCode, template: &impl Template) -> Result<Response, PageError> {
    let body = template
        .render()
        .map_err(|e| AppError::Internal(format!("could not render a page: {e}")))?;
    Ok(html(status, body))
}

/// 200 with the template.
pub fn page(template: &impl Template) -> Result<Response, PageError> {
    render(StatusCode::OK, template)
}

/// Everything a page handler can fail with. Never answers problem+json.
#[derive(Debug)]
pub enum PageError {
    /// No (live) session: go to the login page, then come back to `next`.
    SignIn { next: String },
    /// Any API-level error, shown as an HTML error page with the same status.
    App(AppError),
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Unauthenticated(_) => PageError::SignIn { next: "/".into() },
            other => PageError::App(other),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::App(e.into())
    }
}

impl From<frontline_core::ValueError> for PageError {
    fn from(e: frontline_core::ValueError) -> Self {
        PageError::App(e.into())
    }
}

#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    heading: String,
    detail: String,
}

/// The HTML error page for an `AppError` (also used by the application's fallback).
pub fn error_page(error: &AppError) -> Response {
    match error {
        AppError::Internal(cause) => tracing::error!(error = %cause, "internal error"),
        AppError::Unavailable(cause) => tracing::warn!(error = %cause, "unavailable"),
        _ => {}
    }
    let problem = error.to_problem();
    let heading = match error {
        AppError::NotFound(_) | AppError::NoRoute(_) => "Not found".to_owned(),
        AppError::Invalid { .. } => "Please check what you entered".to_owned(),
        _ => problem.title.clone(),
    };
    let mut detail = problem.detail.clone();
    if let Some(first) = detail.get(..1) {
        detail = format!("{}{}", first.to_uppercase(), detail.get(1..).unwrap_or(""));
    }
    let template = ErrorPage {
        layout: Layout::anonymous(heading.clone()),
        status: problem.status,
        heading,
        detail,
    };
    let body = template.render().unwrap_or_else(|_| String::from("Error"));
    let mut response = html(error.status(), body);
    if let AppError::TooManyRequests { retry_after_secs } = error {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
    }
    response
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignIn { next } => {
                let query: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", &next)
                    .finish();
                Redirect::to(&format!("/login?{query}")).into_response()
            }
            PageError::App(e) => error_page(&e),
        }
    }
}

/// `Result` for page handlers.
pub type PageResult<T = Response> = Result<T, PageError>;

/// A time as people read it, in UTC (the page has no idea of the reader's zone without JS).
pub fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// How long ago, coarsely ("5 min ago", "3 h ago", "2 d ago").
pub fn age(t: Timestamp, now: Timestamp) -> String {
    let minutes = (now.as_millisecond() - t.as_millisecond()).max(0) / 60_000;
    match minutes {
        0 => "just now".to_owned(),
        m if m < 60 => format!("{m} min ago"),
        m if m < 48 * 60 => format!("{} h ago", m / 60),
        m => format!("{} d ago", m / (24 * 60)),
    }
}

/// A status in words.
pub fn status_label(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::New => "New",
        CaseStatus::Open => "Open",
        CaseStatus::WaitingOnCustomer => "Waiting on customer",
        CaseStatus::Resolved => "Resolved",
        CaseStatus::Closed => "Closed",
    }
}

/// A redirect after a successful form post (303, so the browser GETs the page).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A refusal in words for a form's page (the API's message, as a sentence), or `None` for an
/// error that deserves the error page instead (a missing case, the database down).
pub fn refusal_in_words(error: &AppError) -> Option<String> {
    match error {
        AppError::Invalid { errors, detail } => Some(match errors.first() {
            Some(e) => format!("{}: {}.", e.field, e.detail.trim_end_matches('.')),
            None => detail.clone(),
        }),
        AppError::Conflict(detail) | AppError::Forbidden(detail) => {
            let s = super::decision_view::sentence(detail);
            Some(if s.ends_with('.') { s } else { s + "." })
        }
        _ => None,
    }
}
