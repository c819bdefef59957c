//! The JSON API under `/api/v1`, one module per resource. Handlers parse input into domain
//! values at the edge, load what they act on, ask `authz` and call one `Store` use case. They
//! hold no state of their own.

pub mod asks;
pub mod case_changes;
pub mod cases;
pub mod credentials;
pub mod decisions;
pub mod events;
pub mod feelings;
pub mod guidelines;
pub mod leaders;
pub mod me;
pub mod messages;
pub mod org_history;
pub mod outcomes;
pub mod people;
pub mod presence;
pub mod proposals;
pub mod scoreboard;
pub mod session;
pub mod teams;
pub mod voice;
pub mod webhooks;

use std::collections::HashMap;

use frontline_core::{
    Case, CaseId, CaseNumber, Email, OutcomeId, OutcomeKey, Person, PersonId, TeamId,
};
use frontline_store::{StoreError, Written};

use crate::app::AppState;
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::views::CaseView;

/// Tags of the OpenAPI document, one per area.
pub const TAG_SESSION: &str = "session";
pub const TAG_PEOPLE: &str = "people";
pub const TAG_TEAMS: &str = "teams";
pub const TAG_OUTCOMES: &str = "outcomes";
pub const TAG_CASES: &str = "cases";
pub const TAG_EVENTS: &str = "events";
pub const TAG_OPERATIONS: &str = "operations";
pub const TAG_ORG: &str = "org";

/// Take a write's value, counting the events it appended.
pub fn written<T>(written: Written<T>) -> T {
    crate::metrics::events_appended(written.events.len());
    written.value
}

/// Turn a store `NotFound` into the same 404 a hidden resource gets, so the two read alike.
fn not_found_as(what: &str) -> impl Fn(StoreError) -> AppError + '_ {
    move |e| match e {
        StoreError::NotFound { .. } => AppError::not_found(what),
        other => other.into(),
    }
}

/// Load a case addressed by id or number (`FL-1042`) and check `action` on it. Anything that
/// is not a case id or number, a case that does not exist and a case the actor may not see
/// all answer the same 404.
pub async fn load_case(state: &AppState, actor: &Actor, raw: &str, action: Action) -> Result<Case> {
    let what = format!("case {raw}");
    let case = if let Ok(id) = raw.parse::<CaseId>() {
        state.store.get_case(id).await
    } else if let Ok(number) = raw.parse::<CaseNumber>() {
        state.store.get_case_by_number(number).await
    } else {
        return Err(AppError::not_found(&what));
    }
    .map_err(not_found_as(&what))?;
    authz::require(
        actor,
        action,
        &Resource::Case {
            customer_id: case.customer_id,
        },
        &what,
    )?;
    Ok(case)
}

/// Load a person addressed by id in a path, checking `action` on them.
pub async fn load_person(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    action: Action,
) -> Result<Person> {
    let what = format!("person {raw}");
    let id = raw
        .parse::<PersonId>()
        .map_err(|_| AppError::not_found(&what))?;
    // Decide visibility before reading, so a hidden person costs the same as a missing one.
    authz::require(actor, action, &Resource::Person { person_id: id }, &what)?;
    state
        .store
        .get_person(id)
        .await
        .map_err(not_found_as(&what))
}

/// Parse a team id from a path; a malformed id is a missing team.
pub fn team_id(raw: &str) -> Result<TeamId> {
    raw.parse::<TeamId>()
        .map_err(|_| AppError::not_found(format!("team {raw}")))
}

/// Find the person a request body names by id or email. Unknown people are a 422 on that
/// field: the request is wrong, not the URL.
pub async fn resolve_person(state: &AppState, field: &str, raw: &str) -> Result<Person> {
    let found = if let Ok(id) = raw.trim().parse::<PersonId>() {
        state.store.get_person(id).await
    } else {
        let email = Email::parse(raw).map_err(|e| AppError::field(field, e.reason))?;
        state.store.get_person_by_email(&email).await
    };
    found.map_err(|e| match e {
        StoreError::NotFound { .. } => {
            AppError::field(field, format!("no person with id or email {raw:?}"))
        }
        other => other.into(),
    })
}

/// Find an outcome by key or id, as a request field.
pub async fn resolve_outcome(
    state: &AppState,
    field: &str,
    raw: &str,
) -> Result<frontline_core::Outcome> {
    let found = if let Ok(id) = raw.trim().parse::<OutcomeId>() {
        state.store.get_outcome(id).await
    } else {
        let key = OutcomeKey::parse(raw).map_err(|e| AppError::field(field, e.reason))?;
        state.store.get_outcome_by_key(&key).await
    };
    found.map_err(|e| match e {
        StoreError::NotFound { .. } => {
            AppError::field(field, format!("no outcome with key or id {raw:?}"))
        }
        other => other.into(),
    })
}

/// Owner and team names for case views, looked up once per request however many cases
/// share them.
#[derive(Default)]
pub struct Names {
    people: HashMap<PersonId, Option<String>>,
    teams: HashMap<TeamId, Option<String>>,
}

/// The names of `ids` in one read (a round trip each on PostgreSQL otherwise: ~33 per page of
/// cases), `None` for an id that names nobody. Ids already known are skipped by the callers.
pub async fn people_names(
    state: &AppState,
    mut ids: Vec<PersonId>,
) -> Result<Vec<(PersonId, Option<String>)>> {
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: HashMap<PersonId, String> = state
        .store
        .get_people(ids.clone())
        .await?
        .into_iter()
        .map(|p| (p.id, p.name.to_string()))
        .collect();
    Ok(ids
        .into_iter()
        .map(|id| (id, found.get(&id).cloned()))
        .collect())
}

impl Names {
    /// Look up the owners of `cases` at once, so `view` finds them cached.
    pub async fn prefetch(&mut self, state: &AppState, cases: &[Case]) -> Result<()> {
        let missing = cases
            .iter()
            .filter_map(|c| c.owner_id)
            .filter(|id| !self.people.contains_key(id))
            .collect();
        self.people.extend(people_names(state, missing).await?);
        Ok(())
    }

    pub async fn view(&mut self, state: &AppState, case: &Case) -> Result<CaseView> {
        let owner = match case.owner_id {
            Some(id) => self.person(state, id).await?,
            None => None,
        };
        let team = match case.team_id {
            Some(id) => self.team(state, id).await?,
            None => None,
        };
        Ok(CaseView::new(case, owner, team))
    }

    async fn person(&mut self, state: &AppState, id: PersonId) -> Result<Option<String>> {
        if let Some(name) = self.people.get(&id) {
            return Ok(name.clone());
        }
        let name = match state.store.get_person(id).await {
            Ok(p) => Some(p.name.to_string()),
            Err(StoreError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        self.people.insert(id, name.clone());
        Ok(name)
    }

    async fn team(&mut self, state: &AppState, id: TeamId) -> Result<Option<String>> {
        if let Some(name) = self.teams.get(&id) {
            return Ok(name.clone());
        }
        let name = match state.store.get_team(id).await {
            Ok(t) => Some(t.name.to_string()),
            Err(StoreError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        self.teams.insert(id, name.clone());
        Ok(name)
    }
}
