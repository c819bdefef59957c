//! Giving the demo its past. The `Store` stamps some writes with the time they are made
//! (status changes, tags, people, teams, org changes); only new cases and messages can be
//! backdated. The demo is therefore written into a scratch store, exported, and every record
//! and event is moved to the moment the plan says it happened before the export is imported
//! into the real database. Reports, the event log and the org history then tell one story.

use std::collections::HashMap;

use frontline_core::{CaseId, OutcomeId, PersonId, TeamId, Timestamp};
use frontline_store::{Record, Written};

/// When a case was last touched and, if it ended resolved or closed, when it was resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseTimes {
    pub updated_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
}

/// The intended time of everything the store stamped with the time of writing.
#[derive(Debug, Default)]
pub struct Retimer {
    events: HashMap<i64, Timestamp>,
    people: HashMap<PersonId, Timestamp>,
    teams: HashMap<TeamId, Timestamp>,
    outcomes: HashMap<OutcomeId, Timestamp>,
    cases: HashMap<CaseId, CaseTimes>,
}

impl Retimer {
    /// Every event of `written` happened at `at`.
    pub fn events<T>(&mut self, written: &Written<T>, at: Timestamp) {
        for event in &written.events {
            self.events.insert(event.seq, at);
        }
    }

    pub fn person(&mut self, id: PersonId, at: Timestamp) {
        self.people.insert(id, at);
    }

    pub fn person_created_at(&self, id: PersonId) -> Option<Timestamp> {
        self.people.get(&id).copied()
    }

    pub fn team(&mut self, id: TeamId, at: Timestamp) {
        self.teams.insert(id, at);
    }

    pub fn outcome(&mut self, id: OutcomeId, at: Timestamp) {
        self.outcomes.insert(id, at);
    }

    pub fn case(&mut self, id: CaseId, times: CaseTimes) {
        self.cases.insert(id, times);
    }

    pub fn merge(&mut self, other: Retimer) {
        self.events.extend(other.events);
        self.people.extend(other.people);
        self.teams.extend(other.teams);
        self.outcomes.extend(other.outcomes);
        self.cases.extend(other.cases);
    }

    /// Move every record this retimer knows about to its intended time.
    pub fn apply(&self, records: &mut [Record]) {
        for record in records {
            match record {
                Record::Person { person, .. } => {
                    if let Some(at) = self.people.get(&person.id) {
                        person.created_at = *at;
                    }
                }
                Record::Team(team) => {
                    if let Some(at) = self.teams.get(&team.id) {
                        team.created_at = *at;
                    }
                }
                Record::Outcome(outcome) => {
                    if let Some(at) = self.outcomes.get(&outcome.id) {
                        outcome.created_at = *at;
                    }
                }
                Record::Case(case) => {
                    if let Some(times) = self.cases.get(&case.id) {
                        case.updated_at = times.updated_at;
                        if case.resolved_at.is_some() {
                            case.resolved_at = times.resolved_at.or(case.resolved_at);
                        }
                    }
                }
                Record::Event(event) => {
                    if let Some(at) = self.events.get(&event.seq) {
                        event.at = *at;
                    }
                }
                Record::Token { .. }
                | Record::Membership(_)
                | Record::Support(_)
                | Record::Message(_) => {}
            }
        }
    }
}
