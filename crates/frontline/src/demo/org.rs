//! The demo organisation's shape: support employees (the CEO first), outcome teams that
//! overlap, who supports which team, and the outcomes the teams own, plus writing it all to a
//! store. Membership and support dates are offsets from the anchor; `history` adds the four
//! years before today (teams founded and retired, people hired, promoted, moving, leaving).

use std::collections::HashMap;

use anyhow::{Context as _, Result};
use frontline_core::{Email, Name, OutcomeId, OutcomeKey, PersonId, Role, TeamId, Timestamp};
use frontline_store::{NewOutcome, NewPerson, Store};
use jiff::SignedDuration;

use super::history::{self, FOUNDED_DAYS_AGO, TEAM_CREATED};
use super::outcomes::OUTCOMES;
use super::retime::Retimer;

/// The domain every demo staff address is on (reserved by RFC 2606: never delivered).
pub const STAFF_DOMAIN: &str = "frontline.example";

pub const TEAMS: &[&str] = &[
    "Order arrives right",
    "Billing is clear",
    "Get back online",
    "Returns made easy",
    "Account access",
    "Product know-how",
];

/// A member of staff. `email` is the local part; teams are indexes into `TEAMS`.
pub struct StaffSpec {
    pub name: &'static str,
    pub email: &'static str,
    pub role: Role,
    pub title: Option<&'static str>,
    pub admin: bool,
    pub capacity: u32,
    /// Teams a support employee serves, or an employee is a current member of.
    pub teams: &'static [usize],
}

const fn support(
    name: &'static str,
    email: &'static str,
    title: &'static str,
    admin: bool,
    teams: &'static [usize],
) -> StaffSpec {
    StaffSpec {
        name,
        email,
        role: Role::Support,
        title: Some(title),
        admin,
        capacity: 5,
        teams,
    }
}

const fn employee(
    name: &'static str,
    email: &'static str,
    capacity: u32,
    teams: &'static [usize],
) -> StaffSpec {
    StaffSpec {
        name,
        email,
        role: Role::Employee,
        title: None,
        admin: false,
        capacity,
        teams,
    }
}

/// Support employees first (the CEO at index 0), then the front line.
pub const STAFF: &[StaffSpec] = &[
    support("Helena Marsh", "ceo", "CEO", true, &[5]),
    support(
        "Priya Raman",
        "priya.raman",
        "Head of Customer Care",
        true,
        &[0, 3],
    ),
    support(
        "Tomás Ortega",
        "tomas.ortega",
        "Operations Lead",
        false,
        &[0, 2],
    ),
    support(
        "Ingrid Solberg",
        "ingrid.solberg",
        "Head of Billing",
        false,
        &[1],
    ),
    support(
        "Kwame Mensah",
        "kwame.mensah",
        "Engineering Lead",
        false,
        &[2, 4],
    ),
    support(
        "Yuki Tanaka",
        "yuki.tanaka",
        "Coaching Lead",
        false,
        &[3, 5],
    ),
    employee("Lena Fischer", "lena.fischer", 18, &[0]),
    employee("Marcus Webb", "marcus.webb", 20, &[0]),
    employee("Aisha Bello", "aisha.bello", 16, &[0, 3]),
    employee("Jonah Reyes", "jonah.reyes", 14, &[0]),
    employee("Sofie Andersen", "sofie.andersen", 18, &[0, 1]),
    employee("Tobias Klein", "tobias.klein", 12, &[0]),
    employee("Ravi Menon", "ravi.menon", 22, &[1]),
    employee("Clara Novak", "clara.novak", 15, &[1]),
    employee("Daniel Osei", "daniel.osei", 16, &[1, 3]),
    employee("Mira Patel", "mira.patel", 20, &[1]),
    employee("Mateo Rossi", "mateo.rossi", 25, &[2]),
    employee("Hanna Berg", "hanna.berg", 18, &[2, 5]),
    employee("Oluwaseun Adeyemi", "seun.adeyemi", 20, &[2]),
    employee("Kiran Shah", "kiran.shah", 16, &[2, 4]),
    employee("Lucy Chen", "lucy.chen", 14, &[2]),
    employee("Freya Nilsson", "freya.nilsson", 18, &[3]),
    employee("Omar Farouk", "omar.farouk", 20, &[3]),
    employee("Julia Santos", "julia.santos", 12, &[3]),
    employee("Samir Haddad", "samir.haddad", 15, &[3]),
    employee("Ewa Kowalczyk", "ewa.kowalczyk", 20, &[4]),
    employee("Noah Brooks", "noah.brooks", 16, &[4, 5]),
    employee("Amani Njoroge", "amani.njoroge", 18, &[4]),
    employee("Leo Martins", "leo.martins", 14, &[5]),
    employee("Grace Park", "grace.park", 20, &[5]),
    employee("Zara Qureshi", "zara.qureshi", 16, &[5, 1]),
];

/// Past links that ended, so the org history shows change: (staff email, team, from days
/// ago, to days ago). For employees they are memberships; for support, support links.
pub const PAST_LINKS: &[(&str, usize, i64, i64)] = &[
    ("samir.haddad", 0, 420, 40),
    ("lucy.chen", 4, 300, 75),
    ("tomas.ortega", 3, 380, 60),
    ("zara.qureshi", 2, 250, 120),
];

/// When current links started, in days before the anchor; people who moved start later.
fn current_link_start(email: &str, team: usize) -> i64 {
    match (email, team) {
        ("samir.haddad", 3) => 40,
        ("lucy.chen", 2) => 75,
        ("yuki.tanaka", 3) => 60,
        ("zara.qureshi", 1) => 120,
        ("julia.santos", _) => 30,
        // Promoted to support Billing when Leadership began.
        ("ingrid.solberg", 1) => 1000,
        _ => history::first_day(email).min(TEAM_CREATED[team]),
    }
}

/// What the case generator needs to know about the org once it is stored.
pub struct OrgIds {
    pub staff: Vec<PersonId>,
    pub team_ids: Vec<TeamId>,
    /// Current members of each team (by team index).
    pub members: Vec<Vec<PersonId>>,
    /// Current support employees of each team (by team index).
    pub supporters: Vec<Vec<PersonId>>,
    pub outcome_ids: Vec<OutcomeId>,
    pub team_index: HashMap<TeamId, usize>,
    /// First names of staff, used to sign replies.
    pub first_names: HashMap<PersonId, String>,
}

pub fn staff_email(local: &str) -> String {
    format!("{local}@{STAFF_DOMAIN}")
}

pub fn days_before(anchor: Timestamp, days: i64) -> Timestamp {
    anchor - SignedDuration::from_hours(24 * days)
}

/// Write staff, teams, memberships, supports and outcomes. Sequential: about a hundred small
/// writes whose order makes the event log read like the org being set up.
pub async fn create(store: &dyn Store, anchor: Timestamp, retimer: &mut Retimer) -> Result<OrgIds> {
    // The company was founded four years ago; teams came later (see `history`).
    let founded = days_before(anchor, FOUNDED_DAYS_AGO);
    let mut team_ids = Vec::new();
    for (name, created) in TEAMS.iter().zip(TEAM_CREATED) {
        let team = store
            .create_team(None, Name::parse(name)?)
            .await
            .with_context(|| format!("could not create team {name}"))?;
        let created = days_before(anchor, created);
        retimer.events(&team, created);
        retimer.team(team.value.id, created);
        team_ids.push(team.value.id);
    }
    let history_ids = history::create_teams(store, anchor, retimer).await?;
    let mut staff = Vec::new();
    let mut first_names = HashMap::new();
    let mut members = vec![Vec::new(); TEAMS.len()];
    let mut supporters = vec![Vec::new(); TEAMS.len()];
    for spec in STAFF {
        let email = staff_email(spec.email);
        // Someone promoted is created in their first role and changed later.
        let (role, title) = history::first_role(spec.email).unwrap_or((spec.role, spec.title));
        let written = store
            .create_person(
                None,
                NewPerson {
                    email: Email::parse(&email)?,
                    name: Name::parse(spec.name)?,
                    role,
                    title: title.map(str::to_owned),
                    admin: spec.admin,
                    capacity: spec.capacity,
                },
            )
            .await
            .with_context(|| format!("could not create {email}"))?;
        let person = written.value.clone();
        // Hired the day before their first link starts.
        let first_link = PAST_LINKS
            .iter()
            .filter(|l| l.0 == spec.email)
            .map(|l| l.2)
            .chain(
                spec.teams
                    .iter()
                    .map(|t| current_link_start(spec.email, *t)),
            )
            .chain(history::earliest_history_link(spec.email))
            .max()
            .unwrap_or(FOUNDED_DAYS_AGO);
        let hired = days_before(anchor, first_link + 1);
        retimer.events(&written, hired);
        retimer.person(person.id, hired);
        history::change_roles(store, anchor, spec.email, person.id, retimer).await?;
        let first = spec.name.split(' ').next().unwrap_or(spec.name);
        first_names.insert(person.id, first.to_owned());
        for (_, team, from, to) in PAST_LINKS.iter().filter(|l| l.0 == spec.email) {
            let (from, to) = (days_before(anchor, *from), days_before(anchor, *to));
            link(
                store,
                spec.role,
                person.id,
                team_ids[*team],
                (from, Some(to)),
                retimer,
            )
            .await?;
        }
        for team in spec.teams {
            let from = days_before(anchor, current_link_start(spec.email, *team));
            link(
                store,
                spec.role,
                person.id,
                team_ids[*team],
                (from, None),
                retimer,
            )
            .await?;
            match spec.role {
                Role::Support => supporters[*team].push(person.id),
                _ => members[*team].push(person.id),
            }
        }
        staff.push(person.id);
    }
    let mut outcome_ids = Vec::new();
    for spec in OUTCOMES {
        let outcome = store
            .create_outcome(
                None,
                NewOutcome {
                    key: OutcomeKey::parse(spec.key)?,
                    name: Name::parse(spec.name)?,
                    success_criteria: spec.criteria.to_owned(),
                    target_minutes: spec.target_minutes,
                    team_ids: spec.teams.iter().map(|t| team_ids[*t]).collect(),
                },
            )
            .await
            .with_context(|| format!("could not create outcome {}", spec.key))?;
        // Defined when the youngest of its owning teams was created.
        let defined = spec
            .teams
            .iter()
            .map(|t| TEAM_CREATED[*t])
            .min()
            .map_or(founded, |days| days_before(anchor, days));
        retimer.events(&outcome, defined);
        retimer.outcome(outcome.value.id, defined);
        let targets = store
            .set_outcome_targets(
                None,
                outcome.value.id,
                super::outcomes::targets_of(spec.key),
            )
            .await
            .with_context(|| format!("could not set the targets of {}", spec.key))?;
        retimer.events(&targets, defined);
        outcome_ids.push(outcome.value.id);
    }
    history::write(store, anchor, &history_ids, &team_ids, retimer).await?;
    // Calendars count from the founding; a version starting then measures every demo case.
    let years: Vec<i16> = (founded.to_zoned(jiff::tz::TimeZone::UTC).year()
        ..=anchor.to_zoned(jiff::tz::TimeZone::UTC).year() + 1)
        .collect();
    for (i, team) in team_ids.iter().enumerate() {
        let set = store
            .set_team_calendar(
                None,
                *team,
                founded,
                super::outcomes::calendar_of(i, &years),
            )
            .await
            .with_context(|| format!("could not set the calendar of {}", TEAMS[i]))?;
        retimer.events(&set, days_before(anchor, TEAM_CREATED[i]));
    }
    let team_index = team_ids.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    Ok(OrgIds {
        staff,
        team_ids,
        members,
        supporters,
        outcome_ids,
        team_index,
        first_names,
    })
}

/// A membership (employees) or support link (support employees) from `from`, ended at `to`
/// if given, with its events moved to those dates.
async fn link(
    store: &dyn Store,
    role: Role,
    person: PersonId,
    team: TeamId,
    (from, to): (Timestamp, Option<Timestamp>),
    retimer: &mut Retimer,
) -> Result<()> {
    if role == Role::Support {
        let added = store.add_support(None, person, team, from).await;
        retimer.events(&added.context("could not add support link")?, from);
        if let Some(to) = to {
            let ended = store.end_support(None, person, team, to).await;
            retimer.events(&ended.context("could not end support link")?, to);
        }
    } else {
        let added = store.add_membership(None, person, team, from).await;
        retimer.events(&added.context("could not add membership")?, from);
        if let Some(to) = to {
            let ended = store.end_membership(None, person, team, to).await;
            retimer.events(&ended.context("could not end membership")?, to);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_team_has_members_and_one_or_two_supporters() {
        for (team, name) in TEAMS.iter().enumerate() {
            let on = |role: Role| {
                STAFF
                    .iter()
                    .filter(|s| s.role == role && s.teams.contains(&team))
                    .count()
            };
            assert!(on(Role::Employee) >= 4, "{name} has too few members");
            assert!(
                (1..=2).contains(&on(Role::Support)),
                "{name} needs one or two supporters"
            );
        }
        let in_two = STAFF
            .iter()
            .filter(|s| s.role == Role::Employee && s.teams.len() == 2);
        assert!(in_two.count() >= 5, "teams overlap");
        let ceo = &STAFF[0];
        assert_eq!(
            (ceo.title, ceo.admin, ceo.teams.is_empty()),
            (Some("CEO"), true, false)
        );
        assert!(STAFF.iter().filter(|s| s.admin).count() >= 2);
    }

    #[test]
    fn outcomes_are_owned_by_one_or_two_existing_teams() {
        for outcome in OUTCOMES {
            assert!((1..=2).contains(&outcome.teams.len()));
            assert!(outcome.teams.iter().all(|t| *t < TEAMS.len()));
            OutcomeKey::parse(outcome.key).unwrap();
        }
    }
}
