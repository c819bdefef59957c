//! Routing: a new case goes to a team that owns its outcome, and within it to the available
//! member with the least open load under their capacity (ties: longest since their last
//! assignment). When nobody has room the case waits in a team queue, and the next person to
//! free a slot takes the most urgent, oldest queued case of their teams.

use crate::case::Priority;
use crate::ids::{CaseId, PersonId, TeamId};
use crate::time::Timestamp;

/// A member of an owning team, as routing sees them. Loads are the counters the stores keep up
/// to date on every write; routing never counts cases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub person_id: PersonId,
    pub team_id: TeamId,
    pub open_cases: u32,
    pub capacity: u32,
    pub available: bool,
    pub last_assigned_at: Option<Timestamp>,
}

impl Candidate {
    pub fn has_room(&self) -> bool {
        self.available && self.open_cases < self.capacity
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Assigned {
        person_id: PersonId,
        team_id: TeamId,
    },
    Queued {
        team_id: TeamId,
    },
    /// The outcome has no owning team: the case is kept but nobody is responsible yet.
    Unowned,
}

impl Route {
    pub fn owner_and_team(self) -> (Option<PersonId>, Option<TeamId>) {
        match self {
            Route::Assigned { person_id, team_id } => (Some(person_id), Some(team_id)),
            Route::Queued { team_id } => (None, Some(team_id)),
            Route::Unowned => (None, None),
        }
    }
}

/// Choose where a new case goes. `owning_teams` is in preference order; `candidates` are the
/// current members of those teams (a person in two owning teams may appear twice).
pub fn route(owning_teams: &[TeamId], candidates: &[Candidate]) -> Route {
    let team_rank = |team: TeamId| {
        owning_teams
            .iter()
            .position(|t| *t == team)
            .unwrap_or(usize::MAX)
    };
    let best = candidates
        .iter()
        .filter(|c| c.has_room() && owning_teams.contains(&c.team_id))
        // None (never assigned) sorts before any time: they have waited longest.
        .min_by_key(|c| {
            (
                c.open_cases,
                c.last_assigned_at,
                team_rank(c.team_id),
                c.person_id,
            )
        });
    match (best, owning_teams.first()) {
        (Some(c), _) => Route::Assigned {
            person_id: c.person_id,
            team_id: c.team_id,
        },
        (None, Some(team_id)) => Route::Queued { team_id: *team_id },
        (None, None) => Route::Unowned,
    }
}

/// A case waiting in a team queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queued {
    pub case_id: CaseId,
    pub team_id: TeamId,
    pub priority: Priority,
    pub created_at: Timestamp,
}

/// The queued case a person with a free slot should take next: most urgent first, then oldest.
pub fn next_from_queue(queue: &[Queued]) -> Option<&Queued> {
    queue
        .iter()
        .min_by_key(|q| (std::cmp::Reverse(q.priority), q.created_at, q.case_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::from_millis;
    use proptest::prelude::*;

    fn candidate(team: TeamId, open: u32, capacity: u32, last: Option<i64>) -> Candidate {
        Candidate {
            person_id: PersonId::new(),
            team_id: team,
            open_cases: open,
            capacity,
            available: true,
            last_assigned_at: last.map(from_millis),
        }
    }

    #[test]
    fn the_least_loaded_member_with_room_gets_the_case() {
        let team = TeamId::new();
        let busy = candidate(team, 5, 10, None);
        let light = candidate(team, 2, 10, Some(100));
        let full = candidate(team, 1, 1, None);
        let route = route(&[team], &[busy, light.clone(), full]);
        assert_eq!(
            route,
            Route::Assigned {
                person_id: light.person_id,
                team_id: team
            }
        );
    }

    #[test]
    fn ties_go_to_whoever_waited_longest_since_their_last_case() {
        let team = TeamId::new();
        let recent = candidate(team, 1, 10, Some(2_000));
        let earlier = candidate(team, 1, 10, Some(1_000));
        let never = candidate(team, 1, 10, None);
        assert_eq!(
            route(&[team], &[recent.clone(), earlier.clone()]),
            Route::Assigned {
                person_id: earlier.person_id,
                team_id: team
            }
        );
        assert_eq!(
            route(&[team], &[recent, earlier, never.clone()]),
            Route::Assigned {
                person_id: never.person_id,
                team_id: team
            }
        );
    }

    #[test]
    fn when_nobody_has_room_the_case_waits_in_the_first_owning_team() {
        let (a, b) = (TeamId::new(), TeamId::new());
        let mut away = candidate(b, 0, 5, None);
        away.available = false;
        assert_eq!(
            route(&[a, b], &[candidate(a, 3, 3, None), away]),
            Route::Queued { team_id: a }
        );
        assert_eq!(route(&[], &[]), Route::Unowned);
    }

    #[test]
    fn members_of_teams_that_do_not_own_the_outcome_are_ignored() {
        let (owner, other) = (TeamId::new(), TeamId::new());
        assert_eq!(
            route(&[owner], &[candidate(other, 0, 5, None)]),
            Route::Queued { team_id: owner }
        );
    }

    #[test]
    fn the_queue_serves_urgent_cases_first_then_the_oldest() {
        let team = TeamId::new();
        let q = |p, t| Queued {
            case_id: CaseId::new(),
            team_id: team,
            priority: p,
            created_at: from_millis(t),
        };
        let queue = vec![
            q(Priority::Normal, 1),
            q(Priority::Urgent, 5),
            q(Priority::Urgent, 3),
        ];
        assert_eq!(next_from_queue(&queue), Some(&queue[2]));
        assert_eq!(next_from_queue(&[]), None);
    }

    proptest! {
        /// Routing many cases one after another, updating loads as a store would, never puts
        /// anyone over capacity, and queues only when every available member is full.
        #[test]
        fn routing_never_exceeds_capacity(
            people in proptest::collection::vec((0u32..4, 0u32..6, any::<bool>(), 0usize..3), 0..12),
            cases in 1usize..60,
        ) {
            let teams = [TeamId::new(), TeamId::new(), TeamId::new()];
            let owning = &teams[..2];
            let mut candidates: Vec<Candidate> = people
                .iter()
                .map(|(open, cap, available, team)| Candidate {
                    available: *available,
                    ..candidate(teams[*team], (*open).min(*cap), *cap, None)
                })
                .collect();
            for n in 0..cases {
                match route(owning, &candidates) {
                    Route::Assigned { person_id, team_id } => {
                        prop_assert!(owning.contains(&team_id));
                        for c in candidates.iter_mut().filter(|c| c.person_id == person_id) {
                            prop_assert!(c.open_cases < c.capacity && c.available);
                            c.open_cases += 1;
                            c.last_assigned_at = Some(from_millis(n as i64));
                        }
                    }
                    Route::Queued { team_id } => {
                        prop_assert_eq!(team_id, owning[0]);
                        prop_assert!(!candidates.iter().any(|c| c.has_room() && owning.contains(&c.team_id)));
                    }
                    Route::Unowned => prop_assert!(false, "owning teams exist"),
                }
            }
            for c in &candidates {
                prop_assert!(c.open_cases <= c.capacity);
            }
        }
    }
}
