//! The signed-in person: their record and their own API tokens.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::written;
use crate::app::AppState;
use crate::auth::{Actor, new_api_token};
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::Json;
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
    let now = frontline_core::time::now();
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
}

pub const MAX_LABEL_CHARS: usize = 100;

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
    responses((status = 201, description = "The new token, shown once", body = TokenView)),
)]
pub async fn create_own_token(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<CreateTokenBody>,
) -> Result<(StatusCode, axum::Json<TokenView>)> {
    authz::require(&actor, Action::CreateOwnToken, &Resource::Org, "tokens")?;
    let label = label(&body.label)?;
    issue_token(&state, &actor, actor.person_id(), label).await
}

/// Make a token for `person_id`, store its hash and show it once.
pub async fn issue_token(
    state: &AppState,
    actor: &Actor,
    person_id: frontline_core::PersonId,
    label: String,
) -> Result<(StatusCode, axum::Json<TokenView>)> {
    let (token, hash) = new_api_token();
    written(
        state
            .store
            .create_token(Some(actor.person_id()), person_id, hash, label.clone())
            .await?,
    );
    Ok((
        StatusCode::CREATED,
        axum::Json(TokenView {
            token,
            person_id: person_id.0,
            label,
        }),
    ))
}
