//! Staff notifications as the store keeps them: each person's choice
//! (`frontline_core::notify::Preferences`) and its event, worded once for both backends.

use frontline_core::event::NotificationsSet;
use frontline_core::notify::{NotificationKind, Preferences};
use frontline_core::{NewEvent, Payload, PersonId, Role, Timestamp, ValueError};
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// `person.notifications_set` for `person_id`'s new choice. Staff only.
pub fn notifications_event(
    actor: Option<PersonId>,
    person_id: PersonId,
    preferences: &Preferences,
) -> NewEvent {
    NewEvent::new(
        actor,
        Payload::NotificationsSet(NotificationsSet {
            person_id,
            email: preferences.email.clone(),
        }),
    )
}

/// `Invalid` unless `role` is staff's: customers are told on their cases, not notified.
pub fn check_notified_role(person_id: PersonId, role: Role) -> Result<(), StoreError> {
    if role.is_staff() {
        return Ok(());
    }
    Err(StoreError::Invalid(ValueError::new(
        "person_id",
        format!("{person_id} is a {role}; only staff choose notifications"),
    )))
}

/// The `Conflict` of queueing a notification whose Message-ID was queued before.
pub fn notification_already_queued(outbound: &crate::Outbound) -> StoreError {
    StoreError::conflict(format!(
        "the notification {} was queued already",
        outbound.rfc_message_id
    ))
}

/// One choice a person made, as kept (and exported): the kinds, and the sequence number of
/// the `person.notifications_set` event that recorded it, from which it was in force.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationChoice {
    pub person_id: PersonId,
    pub seq: i64,
    pub email: Vec<NotificationKind>,
    pub chosen_at: Timestamp,
}
