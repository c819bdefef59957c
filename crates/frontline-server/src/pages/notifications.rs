//! The notifications part of `/account`, for staff: three checkboxes saying what they are
//! told of by mail (nothing until they tick one), and a plain "Mail is off on this server"
//! when no SMTP server is configured. The form carries the session's CSRF token and calls
//! the `notifications` use case, like `PUT /api/v1/me/notifications`.

use axum::extract::State;
use frontline_core::notify::NotificationKind;

use super::form::FormData;
use super::layout::{PageResult, see_other};
use super::viewer::Viewer;
use crate::authz::{Action, Resource};
use crate::error::AppError;
use crate::notifications;
use crate::state::AppState;

/// One box to tick.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub checked: bool,
}

/// What the section shows.
pub struct NotificationsSection {
    pub choices: Vec<Choice>,
    /// Whether this server sends mail at all.
    pub mail_on: bool,
}

fn hint(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::Assigned => {
            "When a new case is routed to you, someone moves a case to you, or a queued case \
             fills a free slot of yours."
        }
        NotificationKind::CustomerReplied => {
            "When the customer of a case you own writes to it (in the portal or by mail). \
             Colleagues' replies and internal notes are not mailed."
        }
        NotificationKind::AskToMe => {
            "When a colleague asks you for help, or an unanswered ask climbs the support \
             chain to you."
        }
    }
}

/// The viewer's section, or `None` for a customer (they hear on their cases).
pub async fn section(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Option<NotificationsSection>, AppError> {
    if !viewer.can(Action::ManageOwnNotifications, &Resource::Org) {
        return Ok(None);
    }
    let chosen = notifications::own(state, &viewer.actor).await?;
    Ok(Some(NotificationsSection {
        choices: NotificationKind::ALL
            .into_iter()
            .map(|kind| Choice {
                value: kind.as_str(),
                label: kind.describe(),
                hint: hint(kind),
                checked: chosen.wants_email(kind),
            })
            .collect(),
        mail_on: notifications::mail_is_on(state),
    }))
}

/// The notice for `?done=notifications`.
pub const SAVED: &str = "Your notifications are saved.";

/// `POST /account/notifications`: the ticked boxes (`email`, repeated) are the whole choice.
pub async fn save(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let kinds = notifications::parse_kinds(form.all("email"))?;
    notifications::choose(&state, &viewer.actor, kinds).await?;
    Ok(see_other("/account?done=notifications#notifications"))
}
