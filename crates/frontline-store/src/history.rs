//! The events of the organisation's history, built once so both backends write the same
//! payloads.

use frontline_core::event::{
    MembershipEnded, RoleAndTitle, RoleChanged, SupportEnded, TeamRetired,
};
use frontline_core::{NewEvent, Payload, Person, PersonId, Team, Timestamp};

/// `person.role_changed`: a person's role or title changed at `at` (a period ended, the next
/// began).
pub fn role_changed_event(
    actor: Option<PersonId>,
    before: &Person,
    after: &Person,
    at: Timestamp,
) -> NewEvent {
    NewEvent::new(
        actor,
        Payload::RoleChanged(RoleChanged {
            person_id: after.id,
            from: RoleAndTitle {
                role: before.role,
                title: before.title.clone(),
            },
            to: RoleAndTitle {
                role: after.role,
                title: after.title.clone(),
            },
            at,
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
            actor,
            Payload::MembershipEnded(MembershipEnded {
                person_id: *person_id,
                team_id: team.id,
                to: at,
            }),
        ));
    }
    for support_id in supporters {
        news.push(NewEvent::new(
            actor,
            Payload::SupportEnded(SupportEnded {
                support_id: *support_id,
                team_id: team.id,
                to: at,
            }),
        ));
    }
    news.push(NewEvent::new(
        actor,
        Payload::TeamRetired(TeamRetired {
            team_id: team.id,
            name: team.name.clone(),
            at,
            members: members.to_vec(),
            supporters: supporters.to_vec(),
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
