//! Login and logout. The login form checks the password exactly as the JSON sign-in does
//! (`auth::check_password`: same rate limits, same decoy timing) and sets the same
//! `fl_session` cookie. Before there is a session the form is protected by a double-submit
//! token: a random value in a short-lived `SameSite=Strict` cookie that must match the
//! form's hidden field. Logout deletes the session in the store, not only the cookie.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::Response;
use serde::Deserialize;

use super::form::FormData;
use super::layout::{Layout, PageError, PageResult, render, see_other};
use super::viewer::{MaybeViewer, Viewer};
use crate::auth::{self, Via};
use crate::error::AppError;
use crate::middleware::ClientIp;
use crate::state::AppState;

/// The pre-session CSRF cookie of the login form.
const LOGIN_COOKIE: &str = "fl_login";

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    email: String,
    error: Option<String>,
}

/// Only local paths are followed after login, so a link cannot bounce a fresh session to
/// another site.
pub fn safe_next(raw: Option<&str>) -> String {
    match raw {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control() || c == '\\') =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn login_page(
    state: &AppState,
    status: StatusCode,
    next: String,
    email: String,
    error: Option<String>,
) -> PageResult {
    let token = new_form_token();
    let mut layout = Layout::anonymous("Sign in");
    layout.csrf = token.clone();
    let mut response = render(
        status,
        &LoginPage {
            layout,
            next,
            email,
            error,
        },
    )?;
    set_form_cookie(state, &mut response, "/login", &token);
    Ok(response)
}

/// A double-submit token for a form shown before there is a session.
pub(super) fn new_form_token() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// Set the double-submit cookie for the forms under `path` (`/login`, `/signup`, `/reset`):
/// `SameSite=Strict`, so a cross-site form never carries it.
pub(super) fn set_form_cookie(state: &AppState, response: &mut Response, path: &str, token: &str) {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{LOGIN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path={path}; Max-Age=3600{secure}"
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Whether a pre-session form's hidden `csrf` field matches its double-submit cookie.
pub(super) fn form_token_matches(parts: &Parts, sent: Option<&str>) -> bool {
    let expected = login_cookie(parts).unwrap_or_default();
    !expected.is_empty()
        && crate::passwords::constant_time_eq(sent.unwrap_or("").as_bytes(), expected.as_bytes())
}

/// `GET /login`.
pub async fn show(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Query(query): Query<LoginQuery>,
) -> PageResult {
    let next = safe_next(query.next.as_deref());
    if viewer.is_some() {
        return Ok(see_other(&next));
    }
    login_page(&state, StatusCode::OK, next, String::new(), None)
}

fn login_cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LOGIN_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// `POST /login`.
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    request: axum::extract::Request,
) -> PageResult {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, crate::extract::MAX_BODY_BYTES)
        .await
        .map_err(|_| PageError::App(AppError::PayloadTooLarge("the form is too large".into())))?;
    let form = FormData::parse(&body);
    let next = safe_next(form.get("next"));
    let email = form.text("email").to_owned();
    if !form_token_matches(&parts, form.csrf()) {
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            next,
            email,
            Some("The sign-in form expired. Please try again.".into()),
        );
    }
    let password = form.get("password").unwrap_or("").to_owned();
    let person = match auth::check_password(&state, address, &email, password).await {
        Ok(person) => person,
        Err(AppError::TooManyRequests { retry_after_secs }) => {
            return login_page(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                next,
                email,
                Some(format!(
                    "Too many attempts. Please wait {retry_after_secs} seconds and try again."
                )),
            );
        }
        Err(AppError::Unauthenticated(_) | AppError::Invalid { .. }) => {
            return login_page(
                &state,
                StatusCode::UNAUTHORIZED,
                next,
                email,
                Some("The email or password is wrong.".into()),
            );
        }
        Err(other) => return Err(other.into()),
    };
    let started = auth::start_session(&state, &person, auth::user_agent(&parts.headers)).await?;
    let mut response = see_other(&next);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&started.set_cookie) {
        headers.append(header::SET_COOKIE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/login; Max-Age=0"
    )) {
        headers.append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `POST /logout`: ends the session on the server and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    form: FormData,
) -> PageResult<Response> {
    viewer.check_csrf(form.csrf())?;
    if let Via::Session { session_hash, .. } = &viewer.actor.via {
        state.store.delete_session(session_hash).await?;
    }
    tracing::info!(person_id = %viewer.actor.person_id(), "signed out");
    let mut response = see_other("/login");
    if let Ok(value) = HeaderValue::from_str(&auth::clear_session_cookie()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}
