//! Layer 2, look-ups and shared request helpers: what the API, the pages, the stream and the
//! use cases all need to turn a request's ids into loaded, authorised values: `load_case`
//! (by id or number, one 404 for missing and hidden), `load_person`, `resolve_person` and
//! `resolve_outcome` (request fields), `team_id`, `written` (take a write's value and count
//! its events), and `Names`, the per-request cache of display names.

use std::collections::HashMap;

use frontline_core::{
    Case, CaseId, CaseNumber, Email, OutcomeId, OutcomeKey, Person, PersonId, TeamId,
};
use frontline_store::{StoreError, Written};

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::views::CaseView;

/// Take a write's value, counting the events it appended (none when it was an idempotent
/// replay: those were counted the first time).
pub fn written<T>(written: Written<T>) -> T {
    if !written.replayed {
        crate::metrics::events_appended(written.events.len());
    }
    written.value
}

/// Turn a store `NotFound` into the same 404 a hidden resource gets, so the two read alike.
pub fn not_found_as(what: &str) -> impl Fn(StoreError) -> AppError + '_ {
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

/// Display names for ids, looked up once per request however many rows share them (a page
/// of cases names the same customers, owners and teams again and again). The API's views
/// carry `None` for an id that names nobody; pages show `(unknown)` (`person`, `team`, …).
#[derive(Default)]
pub struct Names {
    people: HashMap<PersonId, Option<String>>,
    teams: HashMap<TeamId, Option<String>>,
    outcomes: HashMap<OutcomeId, Option<String>>,
}

/// Shown on a page for a row that points at something that no longer exists.
const UNKNOWN: &str = "(unknown)";

/// The names of `ids` in one read (a round trip each on PostgreSQL otherwise: ~33 per page of
/// cases), `None` for an id that names nobody. Ids already known are skipped by the callers.
async fn people_names(
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
    /// Look up the owners of `cases` at once (what a case view names), so `view` finds them
    /// cached.
    pub async fn prefetch_owners(&mut self, state: &AppState, cases: &[Case]) -> Result<()> {
        let ids = cases.iter().filter_map(|c| c.owner_id).collect();
        self.prefetch_people(state, ids).await
    }

    /// Look up the customers and owners of `cases` at once (what a page's case rows name).
    pub async fn prefetch_customers_and_owners(
        &mut self,
        state: &AppState,
        cases: &[Case],
    ) -> Result<()> {
        let ids = cases
            .iter()
            .flat_map(|c| [Some(c.customer_id), c.owner_id])
            .flatten()
            .collect();
        self.prefetch_people(state, ids).await
    }

    async fn prefetch_people(&mut self, state: &AppState, ids: Vec<PersonId>) -> Result<()> {
        let missing = ids
            .into_iter()
            .filter(|id| !self.people.contains_key(id))
            .collect();
        self.people.extend(people_names(state, missing).await?);
        Ok(())
    }

    /// A case as the API shows it, with its owner's and team's names.
    pub async fn view(&mut self, state: &AppState, case: &Case) -> Result<CaseView> {
        let owner = match case.owner_id {
            Some(id) => self.find_person(state, id).await?,
            None => None,
        };
        let team = match case.team_id {
            Some(id) => self.find_team(state, id).await?,
            None => None,
        };
        Ok(CaseView::new(case, owner, team))
    }

    async fn find_person(&mut self, state: &AppState, id: PersonId) -> Result<Option<String>> {
        if let Some(name) = self.people.get(&id) {
            return Ok(name.clone());
        }
        let name = missing_as_none(state.store.get_person(id).await)?.map(|p| p.name.to_string());
        self.people.insert(id, name.clone());
        Ok(name)
    }

    async fn find_team(&mut self, state: &AppState, id: TeamId) -> Result<Option<String>> {
        if let Some(name) = self.teams.get(&id) {
            return Ok(name.clone());
        }
        let name = missing_as_none(state.store.get_team(id).await)?.map(|t| t.name.to_string());
        self.teams.insert(id, name.clone());
        Ok(name)
    }

    async fn find_outcome(&mut self, state: &AppState, id: OutcomeId) -> Result<Option<String>> {
        if let Some(name) = self.outcomes.get(&id) {
            return Ok(name.clone());
        }
        let name = missing_as_none(state.store.get_outcome(id).await)?.map(|o| o.name.to_string());
        self.outcomes.insert(id, name.clone());
        Ok(name)
    }

    /// A person's name for a page, `(unknown)` when the id names nobody.
    pub async fn person(&mut self, state: &AppState, id: PersonId) -> Result<String> {
        Ok(shown(self.find_person(state, id).await?))
    }

    pub async fn team(&mut self, state: &AppState, id: TeamId) -> Result<String> {
        Ok(shown(self.find_team(state, id).await?))
    }

    pub async fn outcome(&mut self, state: &AppState, id: OutcomeId) -> Result<String> {
        Ok(shown(self.find_outcome(state, id).await?))
    }

    pub async fn opt_person(
        &mut self,
        state: &AppState,
        id: Option<PersonId>,
    ) -> Result<Option<String>> {
        Ok(match id {
            Some(id) => Some(self.person(state, id).await?),
            None => None,
        })
    }

    pub async fn opt_team(
        &mut self,
        state: &AppState,
        id: Option<TeamId>,
    ) -> Result<Option<String>> {
        Ok(match id {
            Some(id) => Some(self.team(state, id).await?),
            None => None,
        })
    }
}

fn shown(name: Option<String>) -> String {
    name.unwrap_or_else(|| UNKNOWN.to_owned())
}

/// A store read whose `NotFound` is an answer (`None`), not an error.
fn missing_as_none<T>(read: frontline_store::StoreResult<T>) -> Result<Option<T>> {
    match read {
        Ok(value) => Ok(Some(value)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
