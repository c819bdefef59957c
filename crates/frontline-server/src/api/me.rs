//! The signed-in person: their record and their own API tokens (listing and revoking them,
//! and their sessions, is in `credentials`).

use axum::extract::State;
use axum::http::StatusCode;
use frontline_store::NewToken;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{Actor, new_api_token};
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::Json;
use crate::lookup::written;
use crate::middleware::ClientIp;
use crate::state::AppState;
use crate::views::{MeView, PersonView, TokenView};

#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "people",
    summary = "Who am I",
    responses((status = 200, description = "The signed-in person", body = MeView)),
)]
pub async fn get_me(State(state): State<AppState>, actor: Actor) -> Result<axum::Json<MeView>> {
    authz::require(&actor, Action::ReadMe, &Resource::Org, "me")?;
    let now = state.now();
    let team_ids = state
        .store
        .list_memberships(None, Some(actor.person_id()))
        .await?
        .iter()
        .filter(|m| frontline_core::org::in_force(m.from, m.to, now))
        .map(|m| m.team_id.0)
        .collect();
    Ok(axum::Json(MeView {
        person: PersonView::from(&actor.person),
        team_ids,
    }))
}

/// Create an API token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenBody {
    /// What the token is for, e.g. "CRM sync" (1 to 100 characters).
    pub label: String,
    /// The token stops working this many days from now (1 to 3650); left out, it works until
    /// revoked or until its person's password changes.
    pub expires_in_days: Option<u32>,
}

pub const MAX_LABEL_CHARS: usize = 100;
/// The longest expiry a token may be given: ten years.
pub const MAX_EXPIRY_DAYS: u32 = 3650;

/// Check an expiry in days, giving the instant it falls on.
pub fn expiry(
    days: Option<u32>,
    now: frontline_core::Timestamp,
) -> Result<Option<frontline_core::Timestamp>> {
    let Some(days) = days else { return Ok(None) };
    if !(1..=MAX_EXPIRY_DAYS).contains(&days) {
        return Err(AppError::field(
            "expires_in_days",
            format!("must be 1 to {MAX_EXPIRY_DAYS} days"),
        ));
    }
    let now = now.as_millisecond();
    Ok(Some(frontline_core::time::from_millis(
        now + i64::from(days) * 86_400_000,
    )))
}

/// Check a token label.
pub fn label(raw: &str) -> Result<String> {
    let label = raw.trim();
    if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
        return Err(AppError::field(
            "label",
            format!("must be 1 to {MAX_LABEL_CHARS} characters"),
        ));
    }
    Ok(label.to_owned())
}

#[utoipa::path(
    post,
    path = "/api/v1/me/tokens",
    tag = "people",
    summary = "Create an API token for yourself",
    description = "The token is in this response only; the server keeps just its hash.",
    request_body = CreateTokenBody,
    responses(
        (status = 201, description = "The new token, shown once", body = TokenView),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "A cookie request without the session's CSRF token"),
        (status = 422, description = "A bad label or expiry"),
    ),
)]
pub async fn create_own_token(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<CreateTokenBody>,
) -> Result<(StatusCode, axum::Json<TokenView>)> {
    authz::require(&actor, Action::CreateOwnToken, &Resource::Org, "tokens")?;
    let label = label(&body.label)?;
    let expires_at = expiry(body.expires_in_days, state.now())?;
    issue_token(&state, &actor, actor.person_id(), label, expires_at).await
}

/// Make a token for `person_id`, store its hash and show it once.
pub async fn issue_token(
    state: &AppState,
    actor: &Actor,
    person_id: frontline_core::PersonId,
    label: String,
    expires_at: Option<frontline_core::Timestamp>,
) -> Result<(StatusCode, axum::Json<TokenView>)> {
    let (token, hash) = new_api_token();
    let created = written(
        state
            .store
            .create_token(
                Some(actor.person_id()),
                NewToken {
                    person_id,
                    token_hash: hash,
                    label,
                    expires_at,
                },
            )
            .await?,
    );
    Ok((
        StatusCode::CREATED,
        axum::Json(TokenView {
            token,
            id: created.id.0,
            person_id: person_id.0,
            label: created.label,
            expires_at: created.expires_at.map(|at| at.to_string()),
        }),
    ))
}

/// Change your own password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordBody {
    /// The password you sign in with now.
    pub current_password: String,
    /// The new password, 10 to 200 characters.
    pub new_password: String,
    /// Keep the web session this request came through (default `true`). Every other session
    /// and every API token of yours ends either way; a request made with an API token ends
    /// that token too.
    pub keep_this_session: Option<bool>,
}

#[utoipa::path(
    put,
    path = "/api/v1/me/password",
    tag = "people",
    summary = "Change your own password",
    description = "Needs the current password. Wrong guesses count against the same limits \
        as signing in.",
    request_body = ChangePasswordBody,
    responses(
        (status = 204, description = "Changed; your other sessions and your API tokens have \
            ended"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "A cookie request without the session's CSRF token"),
        (status = 422, description = "The current password is wrong or the new one is too \
            short or too long"),
        (status = 429, description = "Too many wrong current passwords; see `Retry-After`"),
        (status = 503, description = "Too many password checks at once; see `Retry-After`"),
    ),
)]
pub async fn change_own_password(
    State(state): State<AppState>,
    actor: Actor,
    ClientIp(address): ClientIp,
    Json(body): Json<ChangePasswordBody>,
) -> Result<axum::response::Response> {
    crate::account::change_own_password(
        &state,
        &actor,
        address,
        body.current_password,
        body.new_password,
        body.keep_this_session != Some(false),
    )
    .await?;
    Ok(crate::middleware::no_content())
}
