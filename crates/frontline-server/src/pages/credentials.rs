//! The signed-in person's credentials on their profile page: API tokens and web sessions
//! (label, created, last used, expires, "this session"), each with a revoke form. The forms
//! carry the session's CSRF token and ask `authz` for `ManageOwnCredentials`, like the API's
//! `DELETE /api/v1/me/tokens/{id}` and `…/sessions/{id}`, and call the same store use cases.

use axum::extract::{Path, State};
use frontline_core::{PersonId, SessionId, TokenId, time};

use super::form::FormData;
use super::layout::{PageResult, see_other, when};
use super::viewer::Viewer;
use crate::api::written;
use crate::app::AppState;
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::AppError;

/// One API token, in words.
pub struct TokenLine {
    pub id: String,
    pub label: String,
    pub created: String,
    pub last_used: String,
    pub expires: String,
    pub expired: bool,
}

/// One live web session, in words.
pub struct SessionLine {
    pub id: String,
    pub device: String,
    pub created: String,
    pub last_used: String,
    pub expires: String,
    pub current: bool,
}

/// Everything the profile's credentials section shows.
pub struct Credentials {
    pub tokens: Vec<TokenLine>,
    pub sessions: Vec<SessionLine>,
}

/// The viewer's own credentials.
pub async fn load(
    state: &AppState,
    actor: &Actor,
    person_id: PersonId,
) -> Result<Credentials, AppError> {
    let now = time::now();
    let tokens = state.store.list_tokens(person_id).await?;
    let sessions = state.store.list_sessions(person_id, now).await?;
    let current = actor.via.session_id();
    Ok(Credentials {
        tokens: tokens
            .iter()
            .map(|t| TokenLine {
                id: t.id.to_string(),
                label: t.label.clone(),
                created: when(t.created_at),
                last_used: t.last_used_at.map_or_else(|| "never".into(), when),
                expires: t.expires_at.map_or_else(|| "never".into(), when),
                expired: t.expires_at.is_some_and(|at| at <= now),
            })
            .collect(),
        sessions: sessions
            .iter()
            .map(|s| SessionLine {
                id: s.id.to_string(),
                device: s
                    .user_agent
                    .clone()
                    .unwrap_or_else(|| "Unknown browser".into()),
                created: when(s.created_at),
                last_used: when(s.last_used_at),
                expires: when(s.expires_at),
                current: current == Some(s.id),
            })
            .collect(),
    })
}

fn back(viewer: &Viewer, done: &str) -> PageResult {
    Ok(see_other(&format!(
        "/people/{}?done={done}#credentials",
        viewer.actor.person_id()
    )))
}

/// `POST /account/tokens/{token}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    authz::require(
        &viewer.actor,
        Action::ManageOwnCredentials,
        &Resource::Org,
        "me",
    )?;
    let what = format!("token {raw}");
    let id: TokenId = raw.parse().map_err(|_| AppError::not_found(&what))?;
    let me = viewer.actor.person_id();
    let revoked = state.store.revoke_token(Some(me), me, id).await;
    written(revoked.map_err(|e| match e {
        frontline_store::StoreError::NotFound { .. } => AppError::not_found(&what),
        other => other.into(),
    })?);
    back(&viewer, "token-revoked")
}

/// `POST /account/sessions/{session}/revoke`. Ending the session in use signs out.
pub async fn revoke_session(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    authz::require(
        &viewer.actor,
        Action::ManageOwnCredentials,
        &Resource::Org,
        "me",
    )?;
    let what = format!("session {raw}");
    let id: SessionId = raw.parse().map_err(|_| AppError::not_found(&what))?;
    state
        .store
        .revoke_session(viewer.actor.person_id(), id)
        .await
        .map_err(|e| match e {
            frontline_store::StoreError::NotFound { .. } => AppError::not_found(&what),
            other => other.into(),
        })?;
    if viewer.actor.via.session_id() == Some(id) {
        return Ok(see_other("/login"));
    }
    back(&viewer, "session-revoked")
}
