//! The events of the organisation's history, built once so both backends write the same
//! payloads.

use frontline_core::{EventKind, NewEvent, Person, PersonId, Team, Timestamp};
use serde_json::json;

/// `person.role_changed`: a person's role or title changed at `at` (a period ended, the next
/// began).
pub fn role_changed_event(
    actor: Option<PersonId>,
    before: &Person,
    after: &Person,
    at: Timestamp,
) -> NewEvent {
    NewEvent::new(
        EventKind::RoleChanged,
        actor,
        json!({
            "person_id": after.id,
            "from": { "role": before.role, "title": before.title },
            "to": { "role": after.role, "title": after.title },
            "at": at,
        }),
    )
}

/// What retiring `team` at `at` appends: `membership.ended` and `support.ended` for each link
/// it ends (the same payloads as ending them one by one), then `team.retired`.
pub fn retirement_events(
    actor: Option<PersonId>,
    team: &Team,
    members: &[PersonId],
    supporters: &[PersonId],
    at: Timestamp,
) -> Vec<NewEvent> {
    let mut news = Vec::new();
    for person_id in members {
        news.push(NewEvent::new(
            EventKind::MembershipEnded,
            actor,
            json!({ "person_id": person_id, "team_id": team.id, "to": at }),
        ));
    }
    for support_id in supporters {
        news.push(NewEvent::new(
            EventKind::SupportEnded,
            actor,
            json!({ "support_id": support_id, "team_id": team.id, "to": at }),
        ));
    }
    news.push(NewEvent::new(
        EventKind::TeamRetired,
        actor,
        json!({
            "team_id": team.id,
            "name": team.name,
            "at": at,
            "members": members,
            "supporters": supporters,
        }),
    ));
    news
}

/// The conflict a retired team answers to new members or supporters.
pub fn refuse_retired(team: &Team) -> crate::StoreResult<()> {
    match team.retired_at {
        Some(at) => Err(crate::StoreError::conflict(format!(
            "team {} was retired on {}",
            team.name,
            at.strftime("%Y-%m-%d")
        ))),
        None => Ok(()),
    }
}
