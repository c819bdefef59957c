//! What changed in the organisation between two instants: who joined, left or moved, role
//! and title changes, teams created and retired, support links added and ended, and the
//! figures at both ends. Computed from two `OrgAsOf` snapshots.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;

use super::{Headcount, OrgAsOf, PersonAsOf};
use crate::ids::{PersonId, TeamId};
use crate::org::Role;
use crate::time::Timestamp;

/// A team named in a diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TeamRef {
    pub id: TeamId,
    pub name: String,
}

/// A person who joined (as of the later date) or left (as of the earlier one).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonEntry {
    pub id: PersonId,
    pub name: String,
    pub role: Role,
    pub title: Option<String>,
    pub teams: Vec<TeamRef>,
    pub supports: Vec<TeamRef>,
}

/// Someone in the organisation at both dates whose team memberships differ.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Move {
    pub id: PersonId,
    pub name: String,
    pub left_teams: Vec<TeamRef>,
    pub joined_teams: Vec<TeamRef>,
}

/// Someone in the organisation at both dates whose role or title differs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoleChange {
    pub id: PersonId,
    pub name: String,
    pub from_role: Role,
    pub from_title: Option<String>,
    pub to_role: Role,
    pub to_title: Option<String>,
}

/// A support link present at one date and not the other.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SupportChange {
    pub support_id: PersonId,
    pub support_name: String,
    pub team: TeamRef,
}

/// A figure at both dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Change<T> {
    pub from: T,
    pub to: T,
}

/// What changed between two instants. Lists are sorted by name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrgDiff {
    pub from: Timestamp,
    pub to: Timestamp,
    pub joined: Vec<PersonEntry>,
    pub left: Vec<PersonEntry>,
    pub moved: Vec<Move>,
    pub role_changes: Vec<RoleChange>,
    pub teams_created: Vec<TeamRef>,
    pub teams_retired: Vec<TeamRef>,
    pub supports_added: Vec<SupportChange>,
    pub supports_ended: Vec<SupportChange>,
    pub layers: Change<u32>,
    pub teams: Change<u32>,
    pub headcount: Change<Headcount>,
}

impl OrgDiff {
    /// Whether anything at all changed.
    pub fn is_empty(&self) -> bool {
        self.joined.is_empty()
            && self.left.is_empty()
            && self.moved.is_empty()
            && self.role_changes.is_empty()
            && self.teams_created.is_empty()
            && self.teams_retired.is_empty()
            && self.supports_added.is_empty()
            && self.supports_ended.is_empty()
    }
}

fn team_refs(org: &OrgAsOf, ids: &[TeamId]) -> Vec<TeamRef> {
    ids.iter()
        .filter_map(|id| org.team(*id))
        .map(|t| TeamRef {
            id: t.id,
            name: t.name.clone(),
        })
        .collect()
}

fn entry(org: &OrgAsOf, p: &PersonAsOf) -> PersonEntry {
    PersonEntry {
        id: p.id,
        name: p.name.clone(),
        role: p.role,
        title: p.title.clone(),
        teams: team_refs(org, &p.teams),
        supports: team_refs(org, &p.supports),
    }
}

/// The difference between two snapshots (`before` and `after`).
pub fn diff(before: &OrgAsOf, after: &OrgAsOf) -> OrgDiff {
    let joined = after
        .people
        .iter()
        .filter(|p| before.person(p.id).is_none())
        .map(|p| entry(after, p))
        .collect();
    let left = before
        .people
        .iter()
        .filter(|p| after.person(p.id).is_none())
        .map(|p| entry(before, p))
        .collect();
    let mut moved = Vec::new();
    let mut role_changes = Vec::new();
    for now in &after.people {
        let Some(was) = before.person(now.id) else {
            continue;
        };
        let old: BTreeSet<TeamId> = was.teams.iter().copied().collect();
        let new: BTreeSet<TeamId> = now.teams.iter().copied().collect();
        if old != new {
            let gone: Vec<TeamId> = was
                .teams
                .iter()
                .filter(|t| !new.contains(t))
                .copied()
                .collect();
            let came: Vec<TeamId> = now
                .teams
                .iter()
                .filter(|t| !old.contains(t))
                .copied()
                .collect();
            moved.push(Move {
                id: now.id,
                name: now.name.clone(),
                left_teams: team_refs(before, &gone),
                joined_teams: team_refs(after, &came),
            });
        }
        if (was.role, &was.title) != (now.role, &now.title) {
            role_changes.push(RoleChange {
                id: now.id,
                name: now.name.clone(),
                from_role: was.role,
                from_title: was.title.clone(),
                to_role: now.role,
                to_title: now.title.clone(),
            });
        }
    }
    let teams_created = after
        .teams
        .iter()
        .filter(|t| before.team(t.id).is_none())
        .map(|t| TeamRef {
            id: t.id,
            name: t.name.clone(),
        })
        .collect();
    let teams_retired = before
        .teams
        .iter()
        .filter(|t| after.team(t.id).is_none())
        .map(|t| TeamRef {
            id: t.id,
            name: t.name.clone(),
        })
        .collect();
    let links = |org: &OrgAsOf| -> BTreeMap<(String, String, PersonId, TeamId), SupportChange> {
        let mut out = BTreeMap::new();
        for team in &org.teams {
            for s in &team.supporters {
                let name = org.person(*s).map(|p| p.name.clone()).unwrap_or_default();
                out.insert(
                    (name.clone(), team.name.clone(), *s, team.id),
                    SupportChange {
                        support_id: *s,
                        support_name: name,
                        team: TeamRef {
                            id: team.id,
                            name: team.name.clone(),
                        },
                    },
                );
            }
        }
        out
    };
    let (was_links, now_links) = (links(before), links(after));
    let key_ids = |k: &(String, String, PersonId, TeamId)| (k.2, k.3);
    let was_ids: HashSet<(PersonId, TeamId)> = was_links.keys().map(key_ids).collect();
    let now_ids: HashSet<(PersonId, TeamId)> = now_links.keys().map(key_ids).collect();
    let supports_added = now_links
        .iter()
        .filter(|(k, _)| !was_ids.contains(&key_ids(k)))
        .map(|(_, v)| v.clone())
        .collect();
    let supports_ended = was_links
        .iter()
        .filter(|(k, _)| !now_ids.contains(&key_ids(k)))
        .map(|(_, v)| v.clone())
        .collect();
    OrgDiff {
        from: before.at,
        to: after.at,
        joined,
        left,
        moved,
        role_changes,
        teams_created,
        teams_retired,
        supports_added,
        supports_ended,
        layers: Change {
            from: before.layers,
            to: after.layers,
        },
        teams: Change {
            from: before.teams.len() as u32,
            to: after.teams.len() as u32,
        },
        headcount: Change {
            from: before.headcount(),
            to: after.headcount(),
        },
    }
}
