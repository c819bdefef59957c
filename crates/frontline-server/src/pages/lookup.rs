//! Names for ids, looked up once per request however many rows share them (a cockpit lists
//! many cases of the same customers and teams).

use std::collections::HashMap;

use frontline_core::{OutcomeId, PersonId, TeamId};
use frontline_store::StoreError;

use crate::app::AppState;
use crate::error::AppError;

/// A per-request cache of display names.
#[derive(Default)]
pub struct Names {
    people: HashMap<PersonId, String>,
    teams: HashMap<TeamId, String>,
    outcomes: HashMap<OutcomeId, String>,
}

/// Shown for a row that points at something that no longer exists.
const UNKNOWN: &str = "(unknown)";

impl Names {
    /// Look up the customers and owners of `cases` at once, so `row` finds them cached.
    pub async fn prefetch(
        &mut self,
        state: &AppState,
        cases: &[frontline_core::Case],
    ) -> Result<(), AppError> {
        let missing = cases
            .iter()
            .flat_map(|c| [Some(c.customer_id), c.owner_id])
            .flatten()
            .filter(|id| !self.people.contains_key(id))
            .collect();
        for (id, name) in crate::api::people_names(state, missing).await? {
            self.people
                .insert(id, name.unwrap_or_else(|| UNKNOWN.to_owned()));
        }
        Ok(())
    }

    pub async fn person(&mut self, state: &AppState, id: PersonId) -> Result<String, AppError> {
        if let Some(name) = self.people.get(&id) {
            return Ok(name.clone());
        }
        let name = match state.store.get_person(id).await {
            Ok(p) => p.name.to_string(),
            Err(StoreError::NotFound { .. }) => UNKNOWN.to_owned(),
            Err(e) => return Err(e.into()),
        };
        self.people.insert(id, name.clone());
        Ok(name)
    }

    pub async fn team(&mut self, state: &AppState, id: TeamId) -> Result<String, AppError> {
        if let Some(name) = self.teams.get(&id) {
            return Ok(name.clone());
        }
        let name = match state.store.get_team(id).await {
            Ok(t) => t.name.to_string(),
            Err(StoreError::NotFound { .. }) => UNKNOWN.to_owned(),
            Err(e) => return Err(e.into()),
        };
        self.teams.insert(id, name.clone());
        Ok(name)
    }

    pub async fn outcome(&mut self, state: &AppState, id: OutcomeId) -> Result<String, AppError> {
        if let Some(name) = self.outcomes.get(&id) {
            return Ok(name.clone());
        }
        let name = match state.store.get_outcome(id).await {
            Ok(o) => o.name.to_string(),
            Err(StoreError::NotFound { .. }) => UNKNOWN.to_owned(),
            Err(e) => return Err(e.into()),
        };
        self.outcomes.insert(id, name.clone());
        Ok(name)
    }

    pub async fn opt_person(
        &mut self,
        state: &AppState,
        id: Option<PersonId>,
    ) -> Result<Option<String>, AppError> {
        Ok(match id {
            Some(id) => Some(self.person(state, id).await?),
            None => None,
        })
    }

    pub async fn opt_team(
        &mut self,
        state: &AppState,
        id: Option<TeamId>,
    ) -> Result<Option<String>, AppError> {
        Ok(match id {
            Some(id) => Some(self.team(state, id).await?),
            None => None,
        })
    }
}

/// One case as a row of a list (portal, cockpit, search).
pub struct CaseRow {
    pub number: String,
    pub subject: String,
    /// The status as text (`waiting_on_customer`), for CSS classes and live updates.
    pub status: String,
    pub status_label: &'static str,
    pub priority: String,
    pub customer: String,
    pub owner: Option<String>,
    pub team: Option<String>,
    pub outcome: String,
    /// Time since the last change, coarse ("5 min ago").
    pub updated_age: String,
    pub updated_at: String,
    /// Why the case is where it is in the cockpit ("New: needs a first reply").
    pub reason: &'static str,
}

impl Names {
    pub async fn row(
        &mut self,
        state: &AppState,
        case: &frontline_core::Case,
        now: frontline_core::Timestamp,
    ) -> Result<CaseRow, AppError> {
        use frontline_core::CaseStatus;
        Ok(CaseRow {
            number: case.number.to_string(),
            subject: case.subject.to_string(),
            status: case.status.to_string(),
            status_label: super::layout::status_label(case.status),
            priority: case.priority.to_string(),
            customer: self.person(state, case.customer_id).await?,
            owner: self.opt_person(state, case.owner_id).await?,
            team: self.opt_team(state, case.team_id).await?,
            outcome: self.outcome(state, case.outcome_id).await?,
            updated_age: super::layout::age(case.updated_at, now),
            updated_at: case.updated_at.to_string(),
            reason: match case.status {
                CaseStatus::New => "New: needs a first reply",
                CaseStatus::Open => "Customer is waiting for you",
                CaseStatus::WaitingOnCustomer => "Waiting on the customer",
                CaseStatus::Resolved => "Resolved",
                CaseStatus::Closed => "Closed",
            },
        })
    }
}
