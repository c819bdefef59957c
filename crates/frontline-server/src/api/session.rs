//! Web sign-in: `POST /api/v1/session` checks an email and password (rate-limited per
//! account and per address), starts a server-side session and sets it as an HttpOnly,
//! SameSite=Lax cookie; `DELETE` ends it server-side.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frontline_core::Email;
use frontline_store::{NewSession, StoreError};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::{self, Actor, SESSION_COOKIE, Via};
use crate::error::{AppError, Result};
use crate::extract::Json;
use crate::middleware::ClientIp;
use crate::views::{PersonView, SessionView};

/// Sign in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    pub email: String,
    pub password: String,
}

fn wrong_credentials() -> AppError {
    AppError::Unauthenticated("the email or password is wrong".into())
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
    responses((status = 201, description = "Signed in", body = SessionView)),
)]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    Json(body): Json<SignInBody>,
) -> Result<Response> {
    let limited = |r: std::result::Result<(), u64>| {
        r.map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs })
    };
    if let Some(address) = address {
        limited(state.limits.login_per_address.check(&address.to_string()))?;
    }
    let email = Email::parse(&body.email)?;
    limited(state.limits.login_per_account.check(email.as_str()))?;

    let person = match state.store.get_person_by_email(&email).await {
        Ok(person) => Some(person),
        Err(StoreError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let stored = match &person {
        Some(p) => state.store.password_hash(p.id).await?,
        None => None,
    };
    // Verify even when there is no account or no password, against a decoy, so the answer
    // takes as long either way and does not reveal which emails exist.
    let password = body.password;
    let matched = tokio::task::spawn_blocking(move || {
        let hash = stored.as_deref().unwrap_or_else(|| auth::decoy_hash());
        auth::verify_password(&password, hash) && stored.is_some()
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check failed: {e}")))?;
    let Some(person) = person.filter(|_| matched) else {
        tracing::info!("sign-in refused");
        return Err(wrong_credentials());
    };

    let (cookie, session_hash, csrf_token) = auth::new_session_secret();
    let ttl = jiff::SignedDuration::try_from(state.config.session_ttl)
        .unwrap_or(jiff::SignedDuration::from_hours(12));
    let now = frontline_core::time::now();
    let expires_at = frontline_core::time::truncate(now.saturating_add(ttl).unwrap_or(now));
    state
        .store
        .create_session(NewSession {
            session_hash,
            person_id: person.id,
            csrf_token: csrf_token.clone(),
            expires_at,
        })
        .await?;
    tracing::info!(person_id = %person.id, "signed in");

    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = state.config.session_ttl.as_secs();
    let set_cookie = format!(
        "{SESSION_COOKIE}={cookie}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}"
    );
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
            person: PersonView::from(&person),
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
    responses((status = 204, description = "Signed out")),
)]
pub async fn sign_out(State(state): State<AppState>, actor: Actor) -> Result<Response> {
    let Via::Session { session_hash } = &actor.via else {
        return Err(AppError::field(
            "session",
            "this request is authenticated by an API token, not a session",
        ));
    };
    state.store.delete_session(session_hash).await?;
    let clear = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0");
    let mut response = crate::middleware::no_content();
    if let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}
