//! The organisation through time: pure functions over every dated row of the org (teams with
//! their creation and retirement, memberships, support links, role periods), loaded once.
//!
//! - [`OrgHistory::as_of`]: the organisation at an instant: teams in force with their members
//!   and supporters, the people in the organisation with their role, title and teams, each
//!   support employee's level, and the number of layers.
//! - [`OrgHistory::diff`]: what changed between two instants.
//! - [`OrgHistory::timeline`]: one point per calendar month (UTC).
//!
//! Definitions (the API and the page say the same):
//! - A person is **in the organisation** at `t` when their role at `t` is employee or support
//!   and they are a member of, or support, at least one team in force at `t`. Leaving is
//!   therefore having every membership and support link ended; customers are never counted.
//! - A team is a **support team** when it has members and all of them are support employees
//!   (a "Leadership" team); every other team in force is a **front-line team**.
//! - A support employee's **level** is the length of the longest support chain from them down
//!   to a front-line team: 1 when they support a front-line team directly; 1 + the level of a
//!   member of a support team they support. Support that reaches no front-line team gives no
//!   level. Cycles (someone supporting a team they belong to) are cut.
//! - **Layers** is the highest level: the number of support employees on the longest chain
//!   from a front-line team up to the top (the CEO supporting the front line directly is one
//!   layer; a Leadership team in between makes two). 0 when no front-line team is supported.
//! - **Span of support**: over the support employees who support at least one team, the
//!   average number of teams each supports (`span_teams`) and the average number of distinct
//!   people in those teams, themselves excluded (`span_people`).

mod diff;

use std::collections::{BTreeSet, HashMap, HashSet};

use jiff::ToSpan as _;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

pub use self::diff::*;
use super::{Membership, Role, RolePeriod, SupportLink, Team, in_force};
use crate::ids::{PersonId, TeamId};
use crate::time::{Timestamp, from_millis};
use crate::values::{Name, ValueError};

/// The most months one timeline may span (fifty years).
pub const MAX_TIMELINE_MONTHS: usize = 600;

/// A person as the history names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    pub id: PersonId,
    pub name: Name,
}

/// Every dated row of the organisation, as one load from the store.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrgHistory {
    /// Everyone who ever held a staff role (customers are not part of the organisation).
    pub people: Vec<PersonName>,
    /// Every team, retired ones included.
    pub teams: Vec<Team>,
    pub memberships: Vec<Membership>,
    pub supports: Vec<SupportLink>,
    /// Staff role periods (employee or support).
    pub roles: Vec<RolePeriod>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamKind {
    /// Serves customers: has at least one employee, or no members yet.
    FrontLine,
    /// Made only of support employees (e.g. "Leadership").
    Support,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TeamAsOf {
    pub id: TeamId,
    pub name: String,
    pub kind: TeamKind,
    pub created_at: Timestamp,
    /// Sorted by name.
    pub members: Vec<PersonId>,
    /// Support employees serving the team, sorted by name.
    pub supporters: Vec<PersonId>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonAsOf {
    pub id: PersonId,
    pub name: String,
    pub role: Role,
    pub title: Option<String>,
    /// Teams the person is a member of, by team name.
    pub teams: Vec<TeamId>,
    /// Teams the person supports, by team name.
    pub supports: Vec<TeamId>,
    /// Support level (see the module documentation); `None` for employees and for support
    /// employees whose support reaches no front-line team.
    pub level: Option<u32>,
}

/// Staff in the organisation by role.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headcount {
    pub employee: u32,
    pub support: u32,
}

impl Headcount {
    pub fn total(self) -> u32 {
        self.employee + self.support
    }
}

/// The organisation at one instant.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrgAsOf {
    pub at: Timestamp,
    /// Teams in force, sorted by name.
    pub teams: Vec<TeamAsOf>,
    /// People in the organisation, sorted by name.
    pub people: Vec<PersonAsOf>,
    pub layers: u32,
}

/// Averages of how many teams and people a support employee serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Span {
    pub teams: f64,
    pub people: f64,
}

impl OrgAsOf {
    pub fn person(&self, id: PersonId) -> Option<&PersonAsOf> {
        self.people.iter().find(|p| p.id == id)
    }

    pub fn team(&self, id: TeamId) -> Option<&TeamAsOf> {
        self.teams.iter().find(|t| t.id == id)
    }

    /// Each support employee's level (layer), for those who have one.
    pub fn levels(&self) -> std::collections::HashMap<PersonId, u32> {
        self.people
            .iter()
            .filter_map(|p| p.level.map(|level| (p.id, level)))
            .collect()
    }

    pub fn headcount(&self) -> Headcount {
        let mut count = Headcount::default();
        for person in &self.people {
            match person.role {
                Role::Employee => count.employee += 1,
                Role::Support => count.support += 1,
                Role::Customer => {}
            }
        }
        count
    }

    pub fn front_line_teams(&self) -> usize {
        self.teams
            .iter()
            .filter(|t| t.kind == TeamKind::FrontLine)
            .count()
    }

    /// The span of support (see the module documentation).
    pub fn span(&self) -> Span {
        let (mut supporters, mut teams, mut people) = (0usize, 0usize, 0usize);
        for person in self.people.iter().filter(|p| !p.supports.is_empty()) {
            supporters += 1;
            teams += person.supports.len();
            let served: HashSet<PersonId> = person
                .supports
                .iter()
                .filter_map(|t| self.team(*t))
                .flat_map(|t| t.members.iter().copied())
                .filter(|m| *m != person.id)
                .collect();
            people += served.len();
        }
        if supporters == 0 {
            return Span::default();
        }
        let avg = |n: usize| round2(n as f64 / supporters as f64);
        Span {
            teams: avg(teams),
            people: avg(people),
        }
    }

    /// The support employees who serve `person` directly: those supporting a team the person
    /// is a member of, sorted by name. Asks escalate along this (and then to their own
    /// supporters).
    pub fn supporters_of(&self, person: PersonId) -> Vec<PersonId> {
        let Some(p) = self.person(person) else {
            return Vec::new();
        };
        let mut out: Vec<&PersonAsOf> = p
            .teams
            .iter()
            .filter_map(|t| self.team(*t))
            .flat_map(|t| t.supporters.iter())
            .filter(|s| **s != person)
            .filter_map(|s| self.person(*s))
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        out.dedup_by_key(|p| p.id);
        out.into_iter().map(|p| p.id).collect()
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The organisation in one month, as of the end of that month (or of the timeline's end, for
/// its last month).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MonthPoint {
    /// `YYYY-MM`.
    pub month: String,
    pub at: Timestamp,
    pub layers: u32,
    /// Teams in force (front-line and support).
    pub teams: u32,
    pub front_line_teams: u32,
    pub span_teams: f64,
    pub span_people: f64,
    pub headcount: Headcount,
}

/// Whether a role is part of the organisation (staff).
fn staff(role: Role) -> bool {
    role.is_staff()
}

impl OrgHistory {
    /// The organisation at `at`.
    /// People who had team links (memberships or support) and have none in force at `at`:
    /// they have left the organisation. Someone never linked to a team has not left.
    pub fn left_by(&self, at: Timestamp) -> std::collections::HashSet<PersonId> {
        let links = self
            .memberships
            .iter()
            .map(|m| (m.person_id, m.from, m.to))
            .chain(self.supports.iter().map(|s| (s.support_id, s.from, s.to)));
        let (mut linked, mut current) = (
            std::collections::HashSet::new(),
            std::collections::HashSet::new(),
        );
        for (person, from, to) in links {
            linked.insert(person);
            if crate::org::in_force(from, to, at) {
                current.insert(person);
            }
        }
        &linked - &current
    }

    pub fn as_of(&self, at: Timestamp) -> OrgAsOf {
        let names: HashMap<PersonId, &str> = self
            .people
            .iter()
            .map(|p| (p.id, p.name.as_str()))
            .collect();
        let teams: HashMap<TeamId, &Team> = self
            .teams
            .iter()
            .filter(|t| t.in_force(at))
            .map(|t| (t.id, t))
            .collect();
        // Role at `at`; before someone's first period, the first one (data written before
        // role history existed starts periods at creation).
        let mut role_at: HashMap<PersonId, (&RolePeriod, bool)> = HashMap::new();
        for period in &self.roles {
            let now = in_force(period.from, period.to, at);
            match role_at.get(&period.person_id) {
                Some((_, true)) => {}
                Some((earlier, false)) if !now && earlier.from <= period.from => {}
                _ => {
                    role_at.insert(period.person_id, (period, now));
                }
            }
        }
        let mut members: HashMap<TeamId, BTreeSet<PersonId>> = HashMap::new();
        let mut member_of: HashMap<PersonId, BTreeSet<TeamId>> = HashMap::new();
        for m in &self.memberships {
            if in_force(m.from, m.to, at) && teams.contains_key(&m.team_id) {
                members.entry(m.team_id).or_default().insert(m.person_id);
                member_of.entry(m.person_id).or_default().insert(m.team_id);
            }
        }
        let mut supporters: HashMap<TeamId, BTreeSet<PersonId>> = HashMap::new();
        let mut supports: HashMap<PersonId, BTreeSet<TeamId>> = HashMap::new();
        for s in &self.supports {
            if in_force(s.from, s.to, at) && teams.contains_key(&s.team_id) {
                supporters
                    .entry(s.team_id)
                    .or_default()
                    .insert(s.support_id);
                supports.entry(s.support_id).or_default().insert(s.team_id);
            }
        }
        let role_of = |id: &PersonId| role_at.get(id).map(|(p, _)| p.role);
        let in_org = |id: &PersonId| {
            role_of(id).is_some_and(staff)
                && (member_of.contains_key(id) || supports.contains_key(id))
        };
        let kind_of = |team: &TeamId| -> TeamKind {
            let set = members.get(team);
            let all_support = set.is_some_and(|s| {
                !s.is_empty() && s.iter().all(|p| role_of(p) == Some(Role::Support))
            });
            if all_support {
                TeamKind::Support
            } else {
                TeamKind::FrontLine
            }
        };
        let kinds: HashMap<TeamId, TeamKind> = teams.keys().map(|t| (*t, kind_of(t))).collect();
        let levels = levels(&supports, &members, &kinds);
        let name = |id: &PersonId| names.get(id).copied().unwrap_or("").to_owned();
        let team_name = |id: &TeamId| teams.get(id).map_or("", |t| t.name.as_str());
        let by_name = |ids: &BTreeSet<PersonId>| {
            let mut v: Vec<PersonId> = ids.iter().copied().collect();
            v.sort_by(|a, b| name(a).cmp(&name(b)).then(a.cmp(b)));
            v
        };
        let teams_by_name = |ids: Option<&BTreeSet<TeamId>>| {
            let mut v: Vec<TeamId> = ids.into_iter().flatten().copied().collect();
            v.sort_by(|a, b| team_name(a).cmp(team_name(b)).then(a.cmp(b)));
            v
        };
        let empty = BTreeSet::new();
        let mut team_list: Vec<TeamAsOf> = teams
            .values()
            .map(|t| TeamAsOf {
                id: t.id,
                name: t.name.to_string(),
                kind: kinds[&t.id],
                created_at: t.created_at,
                members: by_name(members.get(&t.id).unwrap_or(&empty)),
                supporters: by_name(supporters.get(&t.id).unwrap_or(&empty)),
            })
            .collect();
        team_list.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        let mut people: Vec<PersonAsOf> = role_at
            .iter()
            .filter(|(id, _)| in_org(id))
            .map(|(id, (period, _))| PersonAsOf {
                id: *id,
                name: name(id),
                role: period.role,
                title: period.title.clone(),
                teams: teams_by_name(member_of.get(id)),
                supports: teams_by_name(supports.get(id)),
                level: levels.get(id).copied(),
            })
            .collect();
        people.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        let layers = people.iter().filter_map(|p| p.level).max().unwrap_or(0);
        OrgAsOf {
            at,
            teams: team_list,
            people,
            layers,
        }
    }

    /// What changed from `from` to `to` (either order is answered as asked: `from` is the
    /// "before").
    pub fn diff(&self, from: Timestamp, to: Timestamp) -> OrgDiff {
        diff(&self.as_of(from), &self.as_of(to))
    }

    /// One point per calendar month (UTC) from the month of `from` to the month of `to`, each
    /// as of the end of its month, the last as of `to`. `Invalid` when `to` is before `from`
    /// or the span exceeds [`MAX_TIMELINE_MONTHS`].
    pub fn timeline(&self, from: Timestamp, to: Timestamp) -> Result<Vec<MonthPoint>, ValueError> {
        if to < from {
            return Err(ValueError::new("to", "must not be before from"));
        }
        let months = months(from, to)?;
        Ok(months
            .into_iter()
            .map(|(month, at)| {
                let org = self.as_of(at);
                let span = org.span();
                MonthPoint {
                    month,
                    at,
                    layers: org.layers,
                    teams: org.teams.len() as u32,
                    front_line_teams: org.front_line_teams() as u32,
                    span_teams: span.teams,
                    span_people: span.people,
                    headcount: org.headcount(),
                }
            })
            .collect())
    }
}

/// `(YYYY-MM, instant)` for each month from `from` to `to`: the month's last millisecond, or
/// `to` for the last month.
pub fn months(from: Timestamp, to: Timestamp) -> Result<Vec<(String, Timestamp)>, ValueError> {
    let too_far = || ValueError::new("to", "is out of the supported range of dates");
    let first = from.to_zoned(TimeZone::UTC).date().first_of_month();
    let last = to.to_zoned(TimeZone::UTC).date().first_of_month();
    let mut out = Vec::new();
    let mut month: Date = first;
    while month <= last {
        if out.len() >= MAX_TIMELINE_MONTHS {
            return Err(ValueError::new(
                "to",
                format!("a timeline covers at most {MAX_TIMELINE_MONTHS} months"),
            ));
        }
        let next = month.checked_add(1.month()).map_err(|_| too_far())?;
        let next_start = next
            .to_zoned(TimeZone::UTC)
            .map_err(|_| too_far())?
            .timestamp();
        let end = from_millis(next_start.as_millisecond() - 1).min(to);
        out.push((format!("{:04}-{:02}", month.year(), month.month()), end));
        month = next;
    }
    Ok(out)
}

/// Each support employee's level (see the module documentation).
fn levels(
    supports: &HashMap<PersonId, BTreeSet<TeamId>>,
    members: &HashMap<TeamId, BTreeSet<PersonId>>,
    kinds: &HashMap<TeamId, TeamKind>,
) -> HashMap<PersonId, u32> {
    fn level(
        person: PersonId,
        supports: &HashMap<PersonId, BTreeSet<TeamId>>,
        members: &HashMap<TeamId, BTreeSet<PersonId>>,
        kinds: &HashMap<TeamId, TeamKind>,
        memo: &mut HashMap<PersonId, u32>,
        path: &mut HashSet<PersonId>,
    ) -> u32 {
        if let Some(known) = memo.get(&person) {
            return *known;
        }
        if !path.insert(person) {
            return 0; // a cycle: this branch reaches no front line through it
        }
        let mut best = 0;
        for team in supports.get(&person).into_iter().flatten() {
            let through = match kinds.get(team) {
                Some(TeamKind::FrontLine) => 1,
                Some(TeamKind::Support) => {
                    let below = members
                        .get(team)
                        .into_iter()
                        .flatten()
                        .filter(|m| **m != person)
                        .map(|m| level(*m, supports, members, kinds, memo, path))
                        .max()
                        .unwrap_or(0);
                    if below == 0 { 0 } else { below + 1 }
                }
                None => 0,
            };
            best = best.max(through);
        }
        path.remove(&person);
        // Exact for the acyclic case (the normal one); in a cycle the cut falls where the
        // walk first met it, and every person is still computed once.
        memo.insert(person, best);
        best
    }
    let mut memo = HashMap::new();
    let mut out = HashMap::new();
    for person in supports.keys() {
        let mut path = HashSet::new();
        let l = level(*person, supports, members, kinds, &mut memo, &mut path);
        if l > 0 {
            out.insert(*person, l);
        }
    }
    out
}
