//! Four years of the demo organisation's past, so the org chart's mutation is there to watch
//! (`/org`: the month slider, the timeline and the diff). Dates are days before the anchor.
//!
//! ```text
//! 1460  Founded: "Order arrives right", "Billing is clear" and a catch-all "Customer
//!       questions"; the CEO supports all three directly (one layer).
//! 1000  First restructuring: the catch-all splits into "Get back online" and "Account
//!       access" and retires; a Leadership team appears, supported by the CEO; Ingrid
//!       Solberg is promoted from Billing to Head of Billing; Priya Raman is hired to lead
//!       customer care (two layers).
//!  700  "Returns made easy" is founded; 600 "Product know-how".
//!  680  An operations layer: Marta Lindqvist, VP Operations, supports a new "Operations"
//!       team of the two technical leads (three layers).
//!  520  "Weekend crew" is tried out; it retires at 300.
//!  450  The operations layer is removed again (Marta leaves, "Operations" retires, the leads
//!       return to Leadership: two layers).
//!  400  Priya's title becomes Head of Customer Care.
//! ```
//!
//! Along the way people are hired, move teams and leave. The present is exactly the
//! organisation in `org::STAFF` (which the cases and guidelines rely on), plus the
//! Leadership team: every current support employee but the CEO is a member, and the CEO
//! supports it, so the support chain runs front line → lead → CEO.

use anyhow::{Context as _, Result};
use frontline_core::{Email, Name, PersonId, Role, TeamId, Timestamp};
use frontline_store::{NewPerson, PersonUpdate, Store};

use super::org::{STAFF, STAFF_DOMAIN, days_before, staff_email};
use super::retime::Retimer;

/// The company's first day.
pub const FOUNDED_DAYS_AGO: i64 = 1460;

/// When each team of `TEAMS` was created.
pub const TEAM_CREATED: [i64; 6] = [1460, 1460, 1000, 700, 1000, 600];

/// The first day each member of staff worked here (their links start then, or when their
/// team was created if later). Exceptions (people who moved) are in `org::current_link_start`.
pub fn first_day(email: &str) -> i64 {
    match email {
        "ceo" => 1460,
        "priya.raman" => 1000,
        "tomas.ortega" => 990,
        "ingrid.solberg" => 1450,
        "kwame.mensah" => 720,
        "yuki.tanaka" => 700,
        "lena.fischer" => 1450,
        "marcus.webb" => 1300,
        "aisha.bello" => 1200,
        "jonah.reyes" => 900,
        "sofie.andersen" => 1440,
        "tobias.klein" => 400,
        "ravi.menon" => 1440,
        "clara.novak" => 1100,
        "daniel.osei" => 800,
        "mira.patel" => 500,
        "mateo.rossi" => 1430,
        "hanna.berg" => 850,
        "seun.adeyemi" => 1350,
        "kiran.shah" => 950,
        "lucy.chen" => 1000,
        "freya.nilsson" => 690,
        "omar.farouk" => 650,
        "ewa.kowalczyk" => 1380,
        "amani.njoroge" => 980,
        "noah.brooks" => 600,
        "leo.martins" => 590,
        "grace.park" => 560,
        _ => 400,
    }
}

/// Earlier roles and titles of current staff: `(email, role, title, until days ago)`,
/// oldest first. The person is created with the first and changed at each `until`.
pub const EARLIER_ROLES: &[(&str, Role, Option<&str>, i64)] = &[
    // Promoted from the Billing front line to support it.
    ("ingrid.solberg", Role::Employee, None, 1000),
    (
        "priya.raman",
        Role::Support,
        Some("Customer Care Lead"),
        400,
    ),
];

/// Teams that no longer exist: `(name, created, retired)` days ago.
pub const PAST_TEAMS: &[(&str, i64, i64)] = &[
    ("Customer questions", 1460, 1000),
    ("Operations", 680, 450),
    ("Weekend crew", 520, 300),
];

pub const LEADERSHIP: &str = "Leadership";
pub const LEADERSHIP_CREATED: i64 = 1000;

/// A team in the history: one of `TEAMS`, one of `PAST_TEAMS`, or Leadership.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Team {
    Current(usize),
    Past(usize),
    Leadership,
}

/// What someone did in a team: a member, or a support employee serving it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Member,
    Supports,
}

/// Dated links that are part of the history only: `(email, link, team, from, to)`; `to:
/// None` is current. Current staff use their `STAFF` local part; former staff theirs.
pub const HISTORY_LINKS: &[(&str, Link, Team, i64, Option<i64>)] = &[
    // Year one: the CEO serves the front line directly.
    ("ceo", Link::Supports, Team::Current(0), 1460, Some(1000)),
    ("ceo", Link::Supports, Team::Current(1), 1460, Some(1000)),
    ("ceo", Link::Supports, Team::Past(0), 1460, None),
    ("mateo.rossi", Link::Member, Team::Past(0), 1430, None),
    ("seun.adeyemi", Link::Member, Team::Past(0), 1350, None),
    ("ewa.kowalczyk", Link::Member, Team::Past(0), 1380, None),
    ("ben.carter", Link::Member, Team::Past(0), 1440, None),
    (
        "ingrid.solberg",
        Link::Member,
        Team::Current(1),
        1450,
        Some(1000),
    ),
    // Year two: Leadership between the CEO and the front line.
    ("ceo", Link::Supports, Team::Leadership, 1000, None),
    ("priya.raman", Link::Member, Team::Leadership, 1000, None),
    (
        "priya.raman",
        Link::Supports,
        Team::Current(4),
        1000,
        Some(720),
    ),
    ("ingrid.solberg", Link::Member, Team::Leadership, 1000, None),
    (
        "tomas.ortega",
        Link::Member,
        Team::Leadership,
        990,
        Some(680),
    ),
    (
        "kwame.mensah",
        Link::Member,
        Team::Leadership,
        720,
        Some(680),
    ),
    ("yuki.tanaka", Link::Member, Team::Leadership, 700, None),
    (
        "ben.carter",
        Link::Member,
        Team::Current(2),
        1000,
        Some(640),
    ),
    // Year three: an operations layer comes and goes.
    (
        "marta.lindqvist",
        Link::Member,
        Team::Leadership,
        680,
        Some(450),
    ),
    ("marta.lindqvist", Link::Supports, Team::Past(1), 680, None),
    ("tomas.ortega", Link::Member, Team::Past(1), 680, None),
    ("kwame.mensah", Link::Member, Team::Past(1), 680, None),
    ("tomas.ortega", Link::Member, Team::Leadership, 450, None),
    ("kwame.mensah", Link::Member, Team::Leadership, 450, None),
    ("leo.martins", Link::Member, Team::Past(2), 520, None),
    ("grace.park", Link::Member, Team::Past(2), 520, None),
    ("yuki.tanaka", Link::Supports, Team::Past(2), 520, None),
    // People who left.
    (
        "nadia.petrova",
        Link::Member,
        Team::Current(0),
        1420,
        Some(520),
    ),
    (
        "felix.braun",
        Link::Member,
        Team::Current(1),
        1380,
        Some(820),
    ),
    (
        "chloe.martin",
        Link::Member,
        Team::Current(3),
        690,
        Some(200),
    ),
];

/// Staff who have left: `(name, email local part, role, title, left days ago)`.
pub const FORMER_STAFF: &[(&str, &str, Role, Option<&str>, i64)] = &[
    ("Ben Carter", "ben.carter", Role::Employee, None, 640),
    ("Nadia Petrova", "nadia.petrova", Role::Employee, None, 520),
    (
        "Marta Lindqvist",
        "marta.lindqvist",
        Role::Support,
        Some("VP Operations"),
        450,
    ),
    ("Felix Braun", "felix.braun", Role::Employee, None, 820),
    ("Chloe Martin", "chloe.martin", Role::Employee, None, 200),
];

/// The earliest link of `email` in `HISTORY_LINKS`, days ago.
pub fn earliest_history_link(email: &str) -> Option<i64> {
    HISTORY_LINKS
        .iter()
        .filter(|l| l.0 == email)
        .map(|l| l.3)
        .max()
}

/// The role and title a current member of staff was created with (their first).
pub fn first_role(email: &str) -> Option<(Role, Option<&'static str>)> {
    EARLIER_ROLES
        .iter()
        .find(|r| r.0 == email)
        .map(|r| (r.1, r.2))
}

/// The ids the history needs, besides the current teams.
pub struct HistoryIds {
    pub past_teams: Vec<TeamId>,
    pub leadership: TeamId,
}

/// Create the teams that exist only in the history (and Leadership), backdated.
pub async fn create_teams(
    store: &dyn Store,
    anchor: Timestamp,
    retimer: &mut Retimer,
) -> Result<HistoryIds> {
    let mut past_teams = Vec::new();
    for (name, created, _) in PAST_TEAMS {
        let team = store
            .create_team(None, Name::parse(name)?)
            .await
            .with_context(|| format!("could not create team {name}"))?;
        let at = days_before(anchor, *created);
        retimer.events(&team, at);
        retimer.team(team.value.id, at);
        past_teams.push(team.value.id);
    }
    let team = store
        .create_team(None, Name::parse(LEADERSHIP)?)
        .await
        .context("could not create the Leadership team")?;
    let at = days_before(anchor, LEADERSHIP_CREATED);
    retimer.events(&team, at);
    retimer.team(team.value.id, at);
    Ok(HistoryIds {
        past_teams,
        leadership: team.value.id,
    })
}

/// Change a current member of staff from their earlier roles to the one they hold now
/// (`STAFF`), each change at its date. Called before their current links are written, since
/// only support employees may support a team.
pub async fn change_roles(
    store: &dyn Store,
    anchor: Timestamp,
    email: &str,
    person: PersonId,
    retimer: &mut Retimer,
) -> Result<()> {
    let spec = STAFF.iter().find(|s| s.email == email);
    let earlier: Vec<_> = EARLIER_ROLES.iter().filter(|r| r.0 == email).collect();
    for (i, (_, _, _, until)) in earlier.iter().enumerate() {
        // The next role: the next earlier one, or the present one.
        let (role, title) = match earlier.get(i + 1) {
            Some(next) => (next.1, next.2),
            None => match spec {
                Some(spec) => (spec.role, spec.title),
                None => continue,
            },
        };
        let changed = store
            .update_person(
                None,
                person,
                PersonUpdate {
                    role: Some(role),
                    title: Some(title.map(str::to_owned)),
                    ..Default::default()
                },
            )
            .await
            .with_context(|| format!("could not change the role of {email}"))?;
        let at = days_before(anchor, *until);
        retimer.events(&changed, at);
        retimer.role_changed(person, at);
    }
    Ok(())
}

/// Write former staff, then every history link (people created by `org::create` are found
/// by email), retire the past teams and mark leavers unavailable.
pub async fn write(
    store: &dyn Store,
    anchor: Timestamp,
    ids: &HistoryIds,
    team_ids: &[TeamId],
    retimer: &mut Retimer,
) -> Result<()> {
    for (name, local, role, title, _) in FORMER_STAFF {
        let first = earliest_history_link(local).unwrap_or(FOUNDED_DAYS_AGO);
        let written = store
            .create_person(
                None,
                NewPerson {
                    email: Email::parse(&staff_email(local))?,
                    name: Name::parse(name)?,
                    role: *role,
                    title: title.map(str::to_owned),
                    admin: false,
                    capacity: 12,
                },
            )
            .await
            .with_context(|| format!("could not create former staff {local}"))?;
        let hired = days_before(anchor, first + 1);
        retimer.events(&written, hired);
        retimer.person(written.value.id, hired);
    }
    let team_id = |team: Team| match team {
        Team::Current(i) => team_ids[i],
        Team::Past(i) => ids.past_teams[i],
        Team::Leadership => ids.leadership,
    };
    // Links in date order, so the log reads like the years went by.
    let mut links: Vec<_> = HISTORY_LINKS.iter().collect();
    links.sort_by_key(|l| std::cmp::Reverse(l.3));
    for (local, link, team, from, to) in links {
        let person = store
            .get_person_by_email(&Email::parse(&staff_email(local))?)
            .await
            .with_context(|| format!("{local}@{STAFF_DOMAIN} is not in the demo"))?
            .id;
        let (team, from) = (team_id(*team), days_before(anchor, *from));
        match link {
            Link::Member => {
                let added = store.add_membership(None, person, team, from).await;
                retimer.events(&added.context("could not add a past membership")?, from);
                if let Some(to) = to {
                    let to = days_before(anchor, *to);
                    let ended = store.end_membership(None, person, team, to).await;
                    retimer.events(&ended.context("could not end a past membership")?, to);
                }
            }
            Link::Supports => {
                let added = store.add_support(None, person, team, from).await;
                retimer.events(&added.context("could not add a past support link")?, from);
                if let Some(to) = to {
                    let to = days_before(anchor, *to);
                    let ended = store.end_support(None, person, team, to).await;
                    retimer.events(&ended.context("could not end a past support link")?, to);
                }
            }
        }
    }
    for ((name, _, retired), id) in PAST_TEAMS.iter().zip(&ids.past_teams) {
        let at = days_before(anchor, *retired);
        let written = store
            .retire_team(None, *id, at)
            .await
            .with_context(|| format!("could not retire {name}"))?;
        retimer.events(&written, at);
    }
    for (_, local, _, _, left) in FORMER_STAFF {
        let person = store
            .get_person_by_email(&Email::parse(&staff_email(local))?)
            .await?
            .id;
        let written = store
            .update_person(
                None,
                person,
                PersonUpdate {
                    available: Some(false),
                    ..Default::default()
                },
            )
            .await
            .with_context(|| format!("could not mark {local} as gone"))?;
        retimer.events(&written, days_before(anchor, *left));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::org::TEAMS;
    use super::*;

    #[test]
    fn history_links_fit_their_teams_and_never_end_before_they_start() {
        for (local, _, team, from, to) in HISTORY_LINKS {
            let (created, retired) = match team {
                Team::Current(i) => (TEAM_CREATED[*i], None),
                Team::Past(i) => (PAST_TEAMS[*i].1, Some(PAST_TEAMS[*i].2)),
                Team::Leadership => (LEADERSHIP_CREATED, None),
            };
            assert!(*from <= created, "{local} joins before the team exists");
            if let Some(to) = to {
                assert!(to < from, "{local}: a link ends after it starts");
            }
            if let (Some(retired), None) = (retired, to) {
                assert!(retired < *from, "{local} is in {team:?} when it retires");
            }
            let known = STAFF.iter().any(|s| s.email == *local)
                || FORMER_STAFF.iter().any(|f| f.1 == *local);
            assert!(known, "{local} is nobody");
        }
        for (name, _, _, _, left) in FORMER_STAFF {
            assert!(*left > 0, "{name} left in the past");
        }
        assert_eq!(TEAM_CREATED.len(), TEAMS.len());
        assert!(TEAM_CREATED.iter().all(|d| *d <= FOUNDED_DAYS_AGO));
    }
}
