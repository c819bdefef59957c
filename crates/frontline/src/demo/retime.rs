//! Giving the demo its past. The `Store` stamps some writes with the time they are made
//! (status changes, tags, people, teams, org changes); only new cases and messages can be
//! backdated. The demo is therefore written into a scratch store, exported, and every record
//! and event is moved to the moment the plan says it happened before the export is imported
//! into the real database. Reports, the event log and the org history then tell one story.

use std::collections::HashMap;

use frontline_core::{
    CaseId, DecisionId, DecisionKindKey, OutcomeId, PersonId, RuleId, TeamId, Timestamp,
};
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
    kinds: HashMap<DecisionKindKey, Timestamp>,
    rules: HashMap<(RuleId, u32), RuleTimes>,
    decisions: HashMap<DecisionId, Timestamp>,
    reviews: HashMap<DecisionId, Timestamp>,
    /// When each of a person's role periods began, oldest first: their creation, then each
    /// role or title change.
    role_starts: HashMap<PersonId, Vec<Timestamp>>,
}

/// When a rule version was drafted, published and retired; `None` leaves the stored time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleTimes {
    pub created_at: Option<Timestamp>,
    pub published_at: Option<Timestamp>,
    pub retired_at: Option<Timestamp>,
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
        let starts = self.role_starts.entry(id).or_default();
        match starts.first_mut() {
            Some(first) => *first = at,
            None => starts.push(at),
        }
    }

    /// The person's role or title changed at `at` (after their creation and earlier changes).
    pub fn role_changed(&mut self, id: PersonId, at: Timestamp) {
        self.role_starts.entry(id).or_default().push(at);
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

    /// A decision kind was last saved at `at`.
    pub fn kind(&mut self, key: DecisionKindKey, at: Timestamp) {
        self.kinds.insert(key, at);
    }

    pub fn rule_created(&mut self, id: RuleId, version: u32, at: Timestamp) {
        self.rules.entry((id, version)).or_default().created_at = Some(at);
    }

    pub fn rule_published(&mut self, id: RuleId, version: u32, at: Timestamp) {
        self.rules.entry((id, version)).or_default().published_at = Some(at);
    }

    pub fn rule_retired(&mut self, id: RuleId, version: u32, at: Timestamp) {
        self.rules.entry((id, version)).or_default().retired_at = Some(at);
    }

    pub fn decision(&mut self, id: DecisionId, at: Timestamp) {
        self.decisions.insert(id, at);
    }

    pub fn review(&mut self, id: DecisionId, at: Timestamp) {
        self.reviews.insert(id, at);
    }

    pub fn merge(&mut self, other: Retimer) {
        self.events.extend(other.events);
        self.people.extend(other.people);
        self.teams.extend(other.teams);
        self.outcomes.extend(other.outcomes);
        self.cases.extend(other.cases);
        self.kinds.extend(other.kinds);
        for (key, times) in other.rules {
            let entry = self.rules.entry(key).or_default();
            entry.created_at = times.created_at.or(entry.created_at);
            entry.published_at = times.published_at.or(entry.published_at);
            entry.retired_at = times.retired_at.or(entry.retired_at);
        }
        self.decisions.extend(other.decisions);
        self.reviews.extend(other.reviews);
        self.role_starts.extend(other.role_starts);
    }

    /// Move every record this retimer knows about to its intended time.
    pub fn apply(&self, records: &mut [Record]) {
        self.apply_role_periods(records);
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
                Record::DecisionKind(kind) => {
                    if let Some(at) = self.kinds.get(&kind.key) {
                        kind.updated_at = *at;
                    }
                }
                Record::Rule(rule) => {
                    if let Some(times) = self.rules.get(&(rule.rule_id, rule.version)) {
                        rule.created_at = times.created_at.unwrap_or(rule.created_at);
                        if rule.published_at.is_some() {
                            rule.published_at = times.published_at.or(rule.published_at);
                        }
                        if rule.retired_at.is_some() {
                            rule.retired_at = times.retired_at.or(rule.retired_at);
                        }
                    }
                }
                Record::Decision(decision) => {
                    if let Some(at) = self.decisions.get(&decision.id) {
                        decision.decided_at = *at;
                    }
                    if let (Some(review), Some(at)) =
                        (decision.review.as_mut(), self.reviews.get(&decision.id))
                    {
                        review.reviewed_at = *at;
                    }
                }
                Record::Token { .. }
                // The demo has no mail.
                | Record::Mailbox { .. }
                | Record::Mail { .. }
                | Record::Outbound(_)
                | Record::MailBounce(_)
                | Record::Quarantined { .. }
                // The demo has no files.
                | Record::Attachment { .. }
                // The demo's customers have one address each.
                | Record::PersonAddress(_)
                // Nobody in the demo chose notifications.
                | Record::NotificationChoice(_)
                // Calendars and targets are written with the times they count from.
                | Record::TeamCalendar(_)
                | Record::OutcomeTargets(_)
                // A signing key has no time worth moving.
                | Record::SigningKey { .. }
                | Record::RolePeriod(_)
                | Record::CustomerProfile(_)
                | Record::Membership(_)
                | Record::Support(_)
                | Record::Message(_)
                // Asks are written with their own times already.
                | Record::Ask(_)
                | Record::AskMessage(_)
                // So are standard-work items and ticks.
                | Record::StandardWorkItem(_)
                | Record::StandardWorkTick(_)
                // And feelings.
                | Record::Feeling(_)
                // And proposals, their votes and comments.
                | Record::Proposal(_)
                | Record::ProposalVote(_)
                | Record::ProposalComment(_)
                // Moods are scored at their message's time, acknowledged at a given one.
                | Record::MessageMood(_) => {}
            }
        }
    }

    /// A person's role periods, in order, take the recorded starts: each ends where the next
    /// begins, the last stays open. A person whose periods and starts do not match in number
    /// keeps the stored times.
    fn apply_role_periods(&self, records: &mut [Record]) {
        let mut by_person: HashMap<PersonId, Vec<usize>> = HashMap::new();
        for (i, record) in records.iter().enumerate() {
            if let Record::RolePeriod(p) = record {
                by_person.entry(p.person_id).or_default().push(i);
            }
        }
        for (person, mut indexes) in by_person {
            let Some(starts) = self.role_starts.get(&person) else {
                continue;
            };
            if starts.len() != indexes.len() {
                continue;
            }
            indexes.sort_by_key(|i| match &records[*i] {
                Record::RolePeriod(p) => Some((p.from, p.to.is_none(), p.to)),
                _ => None,
            });
            for (k, i) in indexes.into_iter().enumerate() {
                if let Record::RolePeriod(p) = &mut records[i] {
                    p.from = starts[k];
                    p.to = starts.get(k + 1).copied();
                }
            }
        }
    }
}
