//! Web sign-in: `POST /api/v1/session` checks an email and password (rate-limited per
//! account and per address), starts a server-side session and sets it as an HttpOnly,
//! SameSite=Lax cookie; `DELETE` ends it server-side.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{self, Actor, Via};
use crate::error::{AppError, Result};
use crate::extract::Json;
use crate::middleware::ClientIp;
use crate::state::AppState;
use crate::views::{PersonView, SessionView};

/// Sign in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    pub email: String,
    pub password: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/session",
    tag = "session",
    summary = "Sign in",
    description = "Sets the `fl_session` cookie (HttpOnly, SameSite=Lax). Send the returned \
        `csrf_token` as `X-CSRF-Token` on every write made with the cookie.",
    request_body = SignInBody,
    security(()),
    responses(
        (status = 201, description = "Signed in", body = SessionView),
        (status = 401, description = "The email and password do not match an account"),
    ),
)]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    request_headers: HeaderMap,
    Json(body): Json<SignInBody>,
) -> Result<Response> {
    let person = auth::check_password(&state, address, &body.email, body.password).await?;
    session_created(&state, &person, &request_headers).await
}

/// Start a session for `person` and answer it as `POST /api/v1/session` does: 201, the
/// cookie, and the CSRF token. Links that sign in (`api::self_service`) answer the same.
pub(crate) async fn session_created(
    state: &AppState,
    person: &frontline_core::Person,
    request_headers: &HeaderMap,
) -> Result<Response> {
    let started = auth::start_session(state, person, auth::user_agent(request_headers)).await?;
    let (set_cookie, csrf_token, expires_at) =
        (started.set_cookie, started.csrf_token, started.expires_at);
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&set_cookie) {
        headers.insert(header::SET_COOKIE, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok((
        StatusCode::CREATED,
        headers,
        axum::Json(SessionView {
            csrf_token,
            expires_at: expires_at.to_string(),
            person: PersonView::from(person),
        }),
    )
        .into_response())
}

#[utoipa::path(
    delete,
    path = "/api/v1/session",
    tag = "session",
    summary = "Sign out",
    description = "Ends the session server-side and clears the cookie.",
    responses(
        (status = 204, description = "Signed out"),
        (status = 422, description = "The request is signed in with an API token, not a session"),
    ),
)]
pub async fn sign_out(State(state): State<AppState>, actor: Actor) -> Result<Response> {
    let Via::Session { session_hash, .. } = &actor.via else {
        return Err(AppError::field(
            "session",
            "this request is authenticated by an API token, not a session",
        ));
    };
    state.store.delete_session(session_hash).await?;
    let clear = auth::clear_session_cookie();
    let mut response = crate::middleware::no_content();
    if let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}
