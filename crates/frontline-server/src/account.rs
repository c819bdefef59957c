//! A person's own account as a use case: changing their password with the current one. The
//! API (`PUT /api/v1/me/password`) and the account page both call it.

use crate::auth::{Actor, account_limits, password_problem};
use crate::error::AppError;
use crate::state::AppState;

/// A person changes their own password, proving they know the current one. Guesses at the
/// current password count against the same per-account limits as sign-in, so a stolen
/// session cannot be used to try passwords faster than the login form allows. Every other
/// session and every API token of the person ends; the session making the change is kept
/// when `keep_this_session` (a token-authenticated change keeps nothing: the token ends too).
pub async fn change_own_password(
    state: &AppState,
    actor: &Actor,
    address: Option<std::net::IpAddr>,
    current: String,
    new: String,
    keep_this_session: bool,
) -> Result<(), AppError> {
    crate::authz::require(
        actor,
        crate::authz::Action::ManageOwnCredentials,
        &crate::authz::Resource::Org,
        "me",
    )?;
    if let Some(problem) = password_problem(&new) {
        return Err(AppError::field("new_password", problem));
    }
    let address = address.map(|a| a.to_string()).unwrap_or_default();
    account_limits(state, &actor.person.email, &address)?;
    let me = actor.person_id();
    let stored = state.store.password_hash(me).await?;
    let matched = state
        .passwords
        .verify(current, stored)
        .await
        .map_err(AppError::from)?;
    if !matched {
        tracing::info!(person_id = %me, "password change refused: wrong current password");
        return Err(AppError::field(
            "current_password",
            "is not your current password",
        ));
    }
    let hash = state.passwords.hash(new).await.map_err(AppError::from)?;
    let keep = actor.via.session_id().filter(|_| keep_this_session);
    crate::lookup::written(state.store.set_password(Some(me), me, hash, keep).await?);
    tracing::info!(person_id = %me, "password changed");
    Ok(())
}
