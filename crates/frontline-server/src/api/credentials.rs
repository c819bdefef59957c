//! Listing and revoking credentials: one's own API tokens and web sessions
//! (`/api/v1/me/tokens`, `/api/v1/me/sessions`) and, for administrators, anyone's
//! (`/api/v1/people/{person}/tokens`, `…/sessions`). Lists never carry a token, a hash or a
//! CSRF token; ids name what to revoke. Someone else's token or session id answers 404, like
//! one that does not exist.

use axum::extract::State;
use axum::response::Response;
use frontline_core::{PersonId, SessionId, TokenId};

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::Path;
use crate::lookup::{load_person, written};
use crate::state::AppState;
use crate::views::{SessionInfoView, TokenInfoView};

fn token_id(raw: &str) -> Result<TokenId> {
    raw.parse()
        .map_err(|_| AppError::not_found(format!("token {raw}")))
}

fn session_id(raw: &str) -> Result<SessionId> {
    raw.parse()
        .map_err(|_| AppError::not_found(format!("session {raw}")))
}

/// Whose credentials a request is about: the actor's own (`ManageOwnCredentials`) or a person
/// named in the path (`ManageCredentialsOf`).
async fn owner(state: &AppState, actor: &Actor, person: Option<&str>) -> Result<PersonId> {
    match person {
        None => {
            authz::require(actor, Action::ManageOwnCredentials, &Resource::Org, "me")?;
            Ok(actor.person_id())
        }
        Some(raw) => Ok(load_person(state, actor, raw, Action::ManageCredentialsOf)
            .await?
            .id),
    }
}

async fn tokens_of(state: &AppState, person_id: PersonId) -> Result<Vec<TokenInfoView>> {
    let now = state.now();
    Ok(state
        .store
        .list_tokens(person_id)
        .await?
        .iter()
        .map(|t| TokenInfoView::new(t, now))
        .collect())
}

async fn sessions_of(
    state: &AppState,
    actor: &Actor,
    person_id: PersonId,
) -> Result<Vec<SessionInfoView>> {
    let current = actor.via.session_id();
    Ok(state
        .store
        .list_sessions(person_id, state.now())
        .await?
        .iter()
        .map(|s| SessionInfoView::new(s, current))
        .collect())
}

async fn revoke_token_of(
    state: &AppState,
    actor: &Actor,
    person_id: PersonId,
    raw: &str,
) -> Result<Response> {
    let id = token_id(raw)?;
    let what = format!("token {raw}");
    written(
        state
            .store
            .revoke_token(Some(actor.person_id()), person_id, id)
            .await
            .map_err(crate::lookup::not_found_as(&what))?,
    );
    Ok(crate::middleware::no_content())
}

async fn revoke_session_of(state: &AppState, person_id: PersonId, raw: &str) -> Result<Response> {
    let id = session_id(raw)?;
    let what = format!("session {raw}");
    state
        .store
        .revoke_session(person_id, id)
        .await
        .map_err(crate::lookup::not_found_as(&what))?;
    Ok(crate::middleware::no_content())
}

#[utoipa::path(
    get,
    path = "/api/v1/me/tokens",
    tag = "people",
    summary = "List your API tokens",
    description = "Expired tokens are listed (with `expired: true`) until revoked. Never the \
        tokens themselves: they are shown once, when created.",
    responses(
        (status = 200, description = "Your tokens, newest first", body = [TokenInfoView]),
        (status = 401, description = "No valid credentials"),
    ),
)]
pub async fn list_own_tokens(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<axum::Json<Vec<TokenInfoView>>> {
    let person_id = owner(&state, &actor, None).await?;
    Ok(axum::Json(tokens_of(&state, person_id).await?))
}

#[utoipa::path(
    delete,
    path = "/api/v1/me/tokens/{token}",
    tag = "people",
    summary = "Revoke one of your API tokens",
    params(("token" = String, Path, description = "Token id, from the list")),
    responses(
        (status = 204, description = "Revoked: the token no longer works"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "A cookie request without the session's CSRF token"),
        (status = 404, description = "No such token of yours"),
    ),
)]
pub async fn revoke_own_token(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<Response> {
    let person_id = owner(&state, &actor, None).await?;
    revoke_token_of(&state, &actor, person_id, &raw).await
}

#[utoipa::path(
    get,
    path = "/api/v1/me/sessions",
    tag = "people",
    summary = "List your signed-in web sessions",
    responses(
        (status = 200, description = "Your live sessions, newest first; `current` marks the one \
            this request came through", body = [SessionInfoView]),
        (status = 401, description = "No valid credentials"),
    ),
)]
pub async fn list_own_sessions(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<axum::Json<Vec<SessionInfoView>>> {
    let person_id = owner(&state, &actor, None).await?;
    Ok(axum::Json(sessions_of(&state, &actor, person_id).await?))
}

#[utoipa::path(
    delete,
    path = "/api/v1/me/sessions/{session}",
    tag = "people",
    summary = "Sign one of your web sessions out",
    params(("session" = String, Path, description = "Session id, from the list")),
    responses(
        (status = 204, description = "Ended: its cookie no longer works"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "A cookie request without the session's CSRF token"),
        (status = 404, description = "No such live session of yours"),
    ),
)]
pub async fn revoke_own_session(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<Response> {
    let person_id = owner(&state, &actor, None).await?;
    revoke_session_of(&state, person_id, &raw).await
}

#[utoipa::path(
    get,
    path = "/api/v1/people/{person}/tokens",
    tag = "people",
    summary = "List a person's API tokens (administrators)",
    params(("person" = String, Path, description = "Person id")),
    responses(
        (status = 200, description = "The person's tokens, newest first", body = [TokenInfoView]),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such person (or one the caller may not see)"),
    ),
)]
pub async fn list_tokens(
    State(state): State<AppState>,
    actor: Actor,
    Path(person): Path<String>,
) -> Result<axum::Json<Vec<TokenInfoView>>> {
    let person_id = owner(&state, &actor, Some(&person)).await?;
    Ok(axum::Json(tokens_of(&state, person_id).await?))
}

#[utoipa::path(
    delete,
    path = "/api/v1/people/{person}/tokens/{token}",
    tag = "people",
    summary = "Revoke a person's API token (administrators)",
    params(
        ("person" = String, Path, description = "Person id"),
        ("token" = String, Path, description = "Token id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Not an administrator, or a cookie request without the \
            CSRF token"),
        (status = 404, description = "No such person, or no such token of theirs"),
    ),
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    actor: Actor,
    Path((person, token)): Path<(String, String)>,
) -> Result<Response> {
    let person_id = owner(&state, &actor, Some(&person)).await?;
    revoke_token_of(&state, &actor, person_id, &token).await
}

#[utoipa::path(
    get,
    path = "/api/v1/people/{person}/sessions",
    tag = "people",
    summary = "List a person's web sessions (administrators)",
    params(("person" = String, Path, description = "Person id")),
    responses(
        (status = 200, description = "The person's live sessions, newest first",
            body = [SessionInfoView]),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such person (or one the caller may not see)"),
    ),
)]
pub async fn list_sessions(
    State(state): State<AppState>,
    actor: Actor,
    Path(person): Path<String>,
) -> Result<axum::Json<Vec<SessionInfoView>>> {
    let person_id = owner(&state, &actor, Some(&person)).await?;
    Ok(axum::Json(sessions_of(&state, &actor, person_id).await?))
}

#[utoipa::path(
    delete,
    path = "/api/v1/people/{person}/sessions/{session}",
    tag = "people",
    summary = "Sign a person's web session out (administrators)",
    params(
        ("person" = String, Path, description = "Person id"),
        ("session" = String, Path, description = "Session id"),
    ),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Not an administrator, or a cookie request without the \
            CSRF token"),
        (status = 404, description = "No such person, or no such live session of theirs"),
    ),
)]
pub async fn revoke_session(
    State(state): State<AppState>,
    actor: Actor,
    Path((person, session)): Path<(String, String)>,
) -> Result<Response> {
    let person_id = owner(&state, &actor, Some(&person)).await?;
    revoke_session_of(&state, person_id, &session).await
}
