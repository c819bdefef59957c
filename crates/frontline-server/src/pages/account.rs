//! The signed-in person's own account page (`/account`), for staff and customers alike: their
//! profile, addresses, data download and request to be forgotten (forms in `profile`); for
//! staff, what they are told of by mail (`notifications`);
//! change the password (the current one first) and see every API token and web session
//! (label, created, last used, expires, "this session"), each with a revoke form. The forms
//! carry the session's CSRF token and ask `authz` for `ManageOwnCredentials`, like the API's
//! `PUT /api/v1/me/password` and `DELETE /api/v1/me/tokens/{id}` / `…/sessions/{id}`, and
//! call the same use cases.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use frontline_core::{PersonId, SessionId, TokenId};

use super::form::FormData;
use super::layout::{Layout, PageResult, render, see_other, when};
use super::viewer::Viewer;
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::AppError;
use crate::lookup::written;
use crate::middleware::ClientIp;
use crate::state::AppState;

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
    let now = state.now();
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

fn back(done: &str) -> PageResult {
    Ok(see_other(&format!("/account?done={done}")))
}

#[derive(Template)]
#[template(path = "pages/account.html")]
struct AccountPage {
    layout: Layout,
    email: String,
    profile: super::profile::ProfileSection,
    /// Staff only.
    notifications: Option<super::notifications::NotificationsSection>,
    credentials: Credentials,
    notice: Option<&'static str>,
    /// Why the password form was refused, in words.
    problem: Option<String>,
    min_password: usize,
    max_password: usize,
}

/// `?done=` after one of the page's forms.
#[derive(Debug, Default, serde::Deserialize)]
pub struct AccountQuery {
    done: Option<String>,
}

/// `GET /account`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AccountQuery>,
) -> PageResult {
    authz::require(
        &viewer.actor,
        Action::ManageOwnCredentials,
        &Resource::Org,
        "me",
    )?;
    let notice = match query.done.as_deref() {
        Some("password") => Some(
            "Your password is changed. Every other session and every API token of yours has ended.",
        ),
        Some("token-revoked") => Some("The API token is revoked: it no longer works."),
        Some("session-revoked") => Some("The session is signed out."),
        Some("notifications") => Some(super::notifications::SAVED),
        Some(other) => super::profile::notice(other),
        None => None,
    };
    page(&state, &viewer, StatusCode::OK, notice, None).await
}

pub(super) async fn page(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    notice: Option<&'static str>,
    problem: Option<String>,
) -> PageResult {
    page_with(state, viewer, status, notice, problem, None).await
}

/// The page, with a refusal of one of the profile's forms shown by that form.
pub(super) async fn page_with(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    notice: Option<&'static str>,
    problem: Option<String>,
    profile_problem: Option<String>,
) -> PageResult {
    let credentials = load(state, &viewer.actor, viewer.actor.person_id()).await?;
    let me = state.store.get_person(viewer.actor.person_id()).await?;
    let profile = super::profile::section(state, viewer, &me, profile_problem).await?;
    let notifications = super::notifications::section(state, viewer).await?;
    render(
        status,
        &AccountPage {
            layout: Layout::new(viewer, "Your account", "/account"),
            email: me.email.to_string(),
            profile,
            notifications,
            credentials,
            notice,
            problem,
            min_password: crate::auth::MIN_PASSWORD_CHARS,
            max_password: crate::auth::MAX_PASSWORD_CHARS,
        },
    )
}

/// `POST /account/password`: the current password, the new one twice. A refusal shows the
/// page again with the reason (the typed passwords are not sent back).
pub async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientIp(address): ClientIp,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let current = form.get("current_password").unwrap_or("").to_owned();
    let new = form.get("new_password").unwrap_or("").to_owned();
    if form.get("confirm_password").unwrap_or("") != new {
        let problem = "The two new passwords differ; type the same one twice.".to_owned();
        return page(
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(problem),
        )
        .await;
    }
    match crate::account::change_own_password(&state, &viewer.actor, address, current, new, true)
        .await
    {
        Ok(()) => back("password"),
        Err(AppError::TooManyRequests { retry_after_secs }) => {
            let problem = format!(
                "Too many wrong passwords. Please wait {retry_after_secs} seconds and try again."
            );
            page(
                &state,
                &viewer,
                StatusCode::TOO_MANY_REQUESTS,
                None,
                Some(problem),
            )
            .await
        }
        Err(AppError::Invalid { errors, detail }) => {
            let problem = errors.first().map_or(detail, |e| match e.field.as_str() {
                "current_password" => "The current password is not right.".to_owned(),
                _ => format!("The new password {}.", e.detail),
            });
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(&state, &viewer, status, None, Some(problem)).await
        }
        Err(error) => Err(error.into()),
    }
}

/// What every form here needs: the session's CSRF token and the right to manage one's own
/// credentials.
fn may_manage(viewer: &Viewer, form: &FormData) -> PageResult<()> {
    viewer.check_csrf(form.csrf())?;
    authz::require(
        &viewer.actor,
        Action::ManageOwnCredentials,
        &Resource::Org,
        "me",
    )?;
    Ok(())
}

/// `POST /account/tokens/{token}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    may_manage(&viewer, &form)?;
    let what = format!("token {raw}");
    let id: TokenId = raw.parse().map_err(|_| AppError::not_found(&what))?;
    let me = viewer.actor.person_id();
    let revoked = state.store.revoke_token(Some(me), me, id).await;
    written(revoked.map_err(crate::lookup::not_found_as(&what))?);
    back("token-revoked")
}

/// `POST /account/sessions/{session}/revoke`. Ending the session in use signs out.
pub async fn revoke_session(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    may_manage(&viewer, &form)?;
    let what = format!("session {raw}");
    let id: SessionId = raw.parse().map_err(|_| AppError::not_found(&what))?;
    state
        .store
        .revoke_session(viewer.actor.person_id(), id)
        .await
        .map_err(crate::lookup::not_found_as(&what))?;
    if viewer.actor.via.session_id() == Some(id) {
        return Ok(see_other("/login"));
    }
    back("session-revoked")
}
