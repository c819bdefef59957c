//! Writes to the organisation: people, passwords, teams, memberships, support links and
//! outcomes (tokens and sessions are in `credentials`). Each function runs inside the writer's transaction and appends its event.

use frontline_core::event::{
    MembershipAdded, MembershipEnded, OutcomeCreated, PasswordSet, PersonChanged, SupportAdded,
    SupportEnded, TeamCreated,
};
use frontline_core::{
    Membership, Name, NewEvent, Outcome, OutcomeId, Payload, Person, PersonId, Role, SupportLink,
    Team, TeamId, Timestamp, ValueError,
};
use frontline_store::{NewOutcome, NewPerson, PersonUpdate, StoreError, StoreResult, Written};
use rusqlite::{OptionalExtension, params};

use crate::cases;
use crate::history;
use crate::reads;
use crate::rows::{Db, ms};
use crate::writer::WriteTx;

fn check_capacity(capacity: u32) -> StoreResult<()> {
    if capacity > Person::MAX_CAPACITY {
        return Err(ValueError::new(
            "capacity",
            format!("must be at most {}", Person::MAX_CAPACITY),
        )
        .into());
    }
    Ok(())
}

pub(crate) fn create_person(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    new: NewPerson,
) -> StoreResult<Written<Person>> {
    check_capacity(new.capacity)?;
    let at = w.now();
    let person = Person::new(
        PersonId::new(),
        new.email,
        new.name,
        new.role,
        new.title,
        new.admin,
        new.capacity,
        at,
    );
    // Someone's added address is theirs as much as a primary one.
    if crate::people::address_owner(w.conn, &person.email)?.is_some() {
        return Err(crate::people::taken(&person.email));
    }
    let inserted = w
        .conn
        .prepare_cached(
            "INSERT INTO people (id, email, name, role, title, admin, capacity, available, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8) ON CONFLICT (email) DO NOTHING",
        )
        .db()?
        .execute(params![
            person.id.to_string(),
            person.email.as_str(),
            person.name.as_str(),
            person.role.as_str(),
            person.title,
            person.admin,
            person.capacity,
            ms(at)
        ])
        .db()?;
    if inserted == 0 {
        return Err(StoreError::conflict(format!(
            "a person with email {} already exists",
            person.email
        )));
    }
    history::open_role_period(w.conn, &person, at)?;
    let events = w.append(
        vec![NewEvent::new(
            actor,
            Payload::PersonCreated(PersonChanged::of(&person)),
        )],
        at,
    )?;
    Ok(Written {
        value: person,
        events,
        replayed: false,
    })
}

pub(crate) fn update_person(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    id: PersonId,
    update: PersonUpdate,
) -> StoreResult<Written<Person>> {
    let mut person = reads::person(w.conn, id)?;
    let before = person.clone();
    if let Some(capacity) = update.capacity {
        check_capacity(capacity)?;
        person.capacity = capacity;
    }
    if let Some(name) = update.name {
        person.name = name;
    }
    if let Some(role) = update.role {
        person.role = role;
    }
    if let Some(title) = update.title {
        person.title = title;
    }
    if let Some(admin) = update.admin {
        person.admin = admin;
    }
    if let Some(available) = update.available {
        person.available = available;
    }
    if let Some(language) = update.language {
        person.language = language;
    }
    if let Some(time_zone) = update.time_zone {
        person.time_zone = time_zone;
    }
    w.conn
        .prepare_cached("UPDATE people SET name = ?2, role = ?3, title = ?4, admin = ?5, capacity = ?6, available = ?7, language = ?8, time_zone = ?9 WHERE id = ?1")
        .db()?
        .execute(params![
            id.to_string(),
            person.name.as_str(),
            person.role.as_str(),
            person.title,
            person.admin,
            person.capacity,
            person.available,
            person.language,
            person.time_zone
        ])
        .db()?;
    if person.name != before.name {
        crate::search::index_customer(w.conn, id)?;
    }
    let at = w.now();
    let mut news = vec![NewEvent::new(
        actor,
        Payload::PersonUpdated(PersonChanged::of(&person)),
    )];
    // A new role or title ends the current period and opens the next one.
    news.extend(history::change_role(w.conn, actor, &before, &person, at)?);
    let mut events = w.append(news, at)?;
    // More room (or back from away) may let this person take queued cases now.
    events.extend(cases::refill(w, id, at)?);
    Ok(Written {
        value: person,
        events,
        replayed: false,
    })
}

pub(crate) fn set_password(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    id: PersonId,
    hash: String,
    keep_session: Option<frontline_core::SessionId>,
) -> StoreResult<Written<frontline_store::Revoked>> {
    set_password_via(w, actor, id, hash, keep_session, None)
}

/// `set_password`, saying in its event how the person set it (a mailed link).
pub(crate) fn set_password_via(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    id: PersonId,
    hash: String,
    keep_session: Option<frontline_core::SessionId>,
    via: Option<frontline_core::event::PasswordVia>,
) -> StoreResult<Written<frontline_store::Revoked>> {
    let changed = w
        .conn
        .prepare_cached("UPDATE people SET password_hash = ?2 WHERE id = ?1")
        .db()?
        .execute(params![id.to_string(), hash])
        .db()?;
    if changed == 0 {
        return Err(StoreError::not_found(format!("person {id}")));
    }
    let at = w.now();
    let mut events = w.append(
        vec![NewEvent::new(
            actor,
            Payload::PasswordSet(PasswordSet { person_id: id, via }),
        )],
        at,
    )?;
    // A new password ends every credential the old one could have minted, in the same
    // transaction: a stolen session or token does not outlive a reset.
    let revoked = crate::credentials::revoke_credentials(w, actor, id, keep_session)?;
    events.extend(revoked.events);
    Ok(Written {
        value: revoked.value,
        events,
        replayed: false,
    })
}

pub(crate) fn create_team(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    name: Name,
) -> StoreResult<Written<Team>> {
    let at = w.now();
    let team = Team {
        id: TeamId::new(),
        name,
        created_at: at,
        retired_at: None,
    };
    let inserted = w
        .conn
        .prepare_cached("INSERT INTO teams (id, name, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING")
        .db()?
        .execute(params![team.id.to_string(), team.name.as_str(), ms(at)])
        .db()?;
    if inserted == 0 {
        return Err(StoreError::conflict(format!(
            "a team named {:?} already exists",
            team.name.as_str()
        )));
    }
    let payload = Payload::TeamCreated(TeamCreated {
        team_id: team.id,
        name: team.name.clone(),
    });
    let events = w.append(vec![NewEvent::new(actor, payload)], at)?;
    Ok(Written {
        value: team,
        events,
        replayed: false,
    })
}

pub(crate) fn add_membership(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    person_id: PersonId,
    team_id: TeamId,
    from: Timestamp,
) -> StoreResult<Written<Membership>> {
    let person = reads::person(w.conn, person_id)?;
    let team = reads::team(w.conn, team_id)?;
    history::refuse_retired(&team)?;
    let inserted = w
        .conn
        .prepare_cached(
            "INSERT INTO memberships (person_id, team_id, valid_from) VALUES (?1, ?2, ?3)
             ON CONFLICT (person_id, team_id) WHERE valid_to IS NULL DO NOTHING",
        )
        .db()?
        .execute(params![
            person_id.to_string(),
            team_id.to_string(),
            ms(from)
        ])
        .db()?;
    if inserted == 0 {
        return Err(StoreError::conflict(format!(
            "{} is already a member of {}",
            person.name, team.name
        )));
    }
    let at = w.now();
    let payload = Payload::MembershipAdded(MembershipAdded {
        person_id,
        team_id,
        from,
    });
    let mut events = w.append(vec![NewEvent::new(actor, payload)], at)?;
    events.extend(cases::refill(w, person_id, at)?);
    Ok(Written {
        value: Membership {
            person_id,
            team_id,
            from,
            to: None,
        },
        events,
        replayed: false,
    })
}

pub(crate) fn end_membership(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    person_id: PersonId,
    team_id: TeamId,
    to: Timestamp,
) -> StoreResult<Written<Membership>> {
    let from: Option<i64> = w
        .conn
        .prepare_cached(
            "UPDATE memberships SET valid_to = ?3 WHERE person_id = ?1 AND team_id = ?2 AND valid_to IS NULL
             RETURNING valid_from",
        )
        .db()?
        .query_row(params![person_id.to_string(), team_id.to_string(), ms(to)], |r| r.get(0))
        .optional()
        .db()?;
    let Some(from) = from else {
        return Err(StoreError::not_found(format!(
            "current membership of person {person_id} in team {team_id}"
        )));
    };
    let at = w.now();
    let payload = Payload::MembershipEnded(MembershipEnded {
        person_id,
        team_id,
        to,
    });
    let events = w.append(vec![NewEvent::new(actor, payload)], at)?;
    let membership = Membership {
        person_id,
        team_id,
        from: frontline_core::time::from_millis(from),
        to: Some(to),
    };
    Ok(Written {
        value: membership,
        events,
        replayed: false,
    })
}

pub(crate) fn add_support(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    support_id: PersonId,
    team_id: TeamId,
    from: Timestamp,
) -> StoreResult<Written<SupportLink>> {
    let person = reads::person(w.conn, support_id)?;
    let team = reads::team(w.conn, team_id)?;
    history::refuse_retired(&team)?;
    if person.role != Role::Support {
        return Err(ValueError::new(
            "support",
            format!("{} is not a support employee", person.name),
        )
        .into());
    }
    let inserted = w
        .conn
        .prepare_cached(
            "INSERT INTO supports (support_id, team_id, valid_from) VALUES (?1, ?2, ?3)
             ON CONFLICT (support_id, team_id) WHERE valid_to IS NULL DO NOTHING",
        )
        .db()?
        .execute(params![
            support_id.to_string(),
            team_id.to_string(),
            ms(from)
        ])
        .db()?;
    if inserted == 0 {
        return Err(StoreError::conflict(format!(
            "{} already supports {}",
            person.name, team.name
        )));
    }
    let at = w.now();
    let payload = Payload::SupportAdded(SupportAdded {
        support_id,
        team_id,
        from,
    });
    let events = w.append(vec![NewEvent::new(actor, payload)], at)?;
    Ok(Written {
        value: SupportLink {
            support_id,
            team_id,
            from,
            to: None,
        },
        events,
        replayed: false,
    })
}

pub(crate) fn end_support(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    support_id: PersonId,
    team_id: TeamId,
    to: Timestamp,
) -> StoreResult<Written<SupportLink>> {
    let from: Option<i64> = w
        .conn
        .prepare_cached(
            "UPDATE supports SET valid_to = ?3 WHERE support_id = ?1 AND team_id = ?2 AND valid_to IS NULL
             RETURNING valid_from",
        )
        .db()?
        .query_row(params![support_id.to_string(), team_id.to_string(), ms(to)], |r| r.get(0))
        .optional()
        .db()?;
    let Some(from) = from else {
        return Err(StoreError::not_found(format!(
            "current support link of person {support_id} to team {team_id}"
        )));
    };
    let at = w.now();
    let payload = Payload::SupportEnded(SupportEnded {
        support_id,
        team_id,
        to,
    });
    let events = w.append(vec![NewEvent::new(actor, payload)], at)?;
    let link = SupportLink {
        support_id,
        team_id,
        from: frontline_core::time::from_millis(from),
        to: Some(to),
    };
    Ok(Written {
        value: link,
        events,
        replayed: false,
    })
}

pub(crate) fn create_outcome(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    new: NewOutcome,
) -> StoreResult<Written<Outcome>> {
    for team_id in &new.team_ids {
        reads::team(w.conn, *team_id)?;
    }
    let mut team_ids = new.team_ids;
    // Keep the first mention of each team: its rank is its routing preference.
    let mut seen = std::collections::HashSet::new();
    team_ids.retain(|t| seen.insert(*t));
    let at = w.now();
    let outcome = Outcome {
        id: OutcomeId::new(),
        key: new.key,
        name: new.name,
        success_criteria: new.success_criteria,
        target_minutes: new.target_minutes,
        team_ids,
        created_at: at,
    };
    let inserted = w
        .conn
        .prepare_cached(
            "INSERT INTO outcomes (id, key, name, success_criteria, target_minutes, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (key) DO NOTHING",
        )
        .db()?
        .execute(params![
            outcome.id.to_string(),
            outcome.key.as_str(),
            outcome.name.as_str(),
            outcome.success_criteria,
            outcome.target_minutes,
            ms(at)
        ])
        .db()?;
    if inserted == 0 {
        return Err(StoreError::conflict(format!(
            "an outcome with key {} already exists",
            outcome.key
        )));
    }
    let mut stmt = w
        .conn
        .prepare_cached("INSERT INTO outcome_teams (outcome_id, team_id, rank) VALUES (?1, ?2, ?3)")
        .db()?;
    for (rank, team_id) in outcome.team_ids.iter().enumerate() {
        stmt.execute(params![
            outcome.id.to_string(),
            team_id.to_string(),
            rank as i64
        ])
        .db()?;
    }
    let payload = Payload::OutcomeCreated(OutcomeCreated {
        outcome_id: outcome.id,
        key: outcome.key.clone(),
        name: outcome.name.clone(),
        team_ids: outcome.team_ids.clone(),
        target_minutes: outcome.target_minutes,
    });
    let events = w.append(vec![NewEvent::new(actor, payload)], at)?;
    Ok(Written {
        value: outcome,
        events,
        replayed: false,
    })
}
