//! Use case: what a staff member chooses to be told of by mail (a case assigned to them, a
//! customer's reply on their case, an ask to them). Nothing by default. Called by
//! `GET`/`PUT /api/v1/me/notifications` and the account page's form; the mail follower
//! (`mail::notices`, `mail/staff.rs`) reads the choice when it queues a notification, and
//! `frontline_core::notify` decides who is told of what.

use frontline_core::notify::{NotificationKind, Preferences};

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::lookup::written;
use crate::state::AppState;

/// The actor's own choice. Staff only (a customer gets 403).
pub async fn own(state: &AppState, actor: &Actor) -> Result<Preferences> {
    authz::require(
        actor,
        Action::ManageOwnNotifications,
        &Resource::Org,
        "notifications",
    )?;
    Ok(state
        .store
        .get_notification_preferences(actor.person_id(), None)
        .await?)
}

/// Replace the actor's own choice with `kinds` (each kept once). Staff only.
pub async fn choose(
    state: &AppState,
    actor: &Actor,
    kinds: impl IntoIterator<Item = NotificationKind>,
) -> Result<Preferences> {
    authz::require(
        actor,
        Action::ManageOwnNotifications,
        &Resource::Org,
        "notifications",
    )?;
    Ok(written(
        state
            .store
            .set_notification_preferences(
                Some(actor.person_id()),
                actor.person_id(),
                Preferences::email(kinds),
            )
            .await?,
    ))
}

/// Read kinds by their names (a form's checkboxes); an unknown name is a 422 naming it.
pub fn parse_kinds<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Vec<NotificationKind>> {
    names
        .into_iter()
        .map(|name| {
            name.parse::<NotificationKind>()
                .map_err(|e| AppError::field("email", e.reason))
        })
        .collect()
}

/// Whether this server sends mail at all (`--smtp-host`): without it nobody is told by mail,
/// whatever they chose, and the console says so.
pub fn mail_is_on(state: &AppState) -> bool {
    state.config.smtp.is_some()
}
