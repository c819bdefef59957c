//! A staff member's notifications over the API: what they chose to be told of by mail
//! (`GET`/`PUT /api/v1/me/notifications`). The rules live in the `notifications` use case,
//! shared with the account page.

use axum::extract::State;
use frontline_core::notify::{NotificationKind, Preferences};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::error::Result;
use crate::extract::Json;
use crate::notifications;
use crate::state::AppState;

/// What one can be told of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = NotificationKind)]
pub enum Kind {
    /// A case is assigned to me (opened straight to me, moved to me, or given to me by
    /// routing when I had room).
    Assigned,
    /// The customer wrote on a case I own.
    CustomerReplied,
    /// An ask was raised to me, or climbed to me.
    AskToMe,
}

impl From<Kind> for NotificationKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Assigned => NotificationKind::Assigned,
            Kind::CustomerReplied => NotificationKind::CustomerReplied,
            Kind::AskToMe => NotificationKind::AskToMe,
        }
    }
}

impl From<NotificationKind> for Kind {
    fn from(kind: NotificationKind) -> Self {
        match kind {
            NotificationKind::Assigned => Kind::Assigned,
            NotificationKind::CustomerReplied => Kind::CustomerReplied,
            NotificationKind::AskToMe => Kind::AskToMe,
        }
    }
}

/// Your notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationsView {
    /// What you are told of by mail, each once. Empty: nothing (the default).
    pub email: Vec<Kind>,
    /// Whether this server sends mail at all; when it does not, nobody is told by mail
    /// whatever they chose.
    pub mail_enabled: bool,
}

impl NotificationsView {
    fn of(state: &AppState, preferences: &Preferences) -> Self {
        NotificationsView {
            email: preferences.email.iter().copied().map(Kind::from).collect(),
            mail_enabled: notifications::mail_is_on(state),
        }
    }
}

/// Choose what you are told of by mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationsBody {
    /// The whole choice: what is left out is no longer mailed. Empty: nothing.
    pub email: Vec<Kind>,
}

#[utoipa::path(
    get,
    path = "/api/v1/me/notifications",
    tag = "people",
    summary = "What you are told of by mail",
    description = "Staff only: customers hear of their cases on the cases themselves.",
    responses(
        (status = 200, description = "Your choice", body = NotificationsView),
        (status = 403, description = "A customer"),
    ),
)]
pub async fn get_notifications(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<axum::Json<NotificationsView>> {
    let preferences = notifications::own(&state, &actor).await?;
    Ok(axum::Json(NotificationsView::of(&state, &preferences)))
}

#[utoipa::path(
    put,
    path = "/api/v1/me/notifications",
    tag = "people",
    summary = "Choose what you are told of by mail",
    description = "Replaces your whole choice. Staff only.",
    request_body = NotificationsBody,
    responses(
        (status = 200, description = "Your choice, as saved", body = NotificationsView),
        (status = 403, description = "A customer, or a cookie request without the session's \
            CSRF token"),
    ),
)]
pub async fn put_notifications(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<NotificationsBody>,
) -> Result<axum::Json<NotificationsView>> {
    let kinds = body.email.into_iter().map(NotificationKind::from);
    let preferences = notifications::choose(&state, &actor, kinds).await?;
    Ok(axum::Json(NotificationsView::of(&state, &preferences)))
}
