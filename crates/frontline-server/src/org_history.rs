//! The organisation's history as a use case: read it (checking who may), where a timeline
//! starts by default, and the monthly timeline with the domain's refusals as field errors.
//! The API (`api::org_history`) and the org page both call these.

use frontline_core::org::history::MonthPoint;
use frontline_core::{OrgHistory, Timestamp};

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// Check that `actor` may read the org's history, then read it (one store call).
pub async fn load_history(state: &AppState, actor: &Actor) -> Result<OrgHistory> {
    authz::require(
        actor,
        Action::ReadOrgHistory,
        &Resource::Org,
        "organisation",
    )?;
    Ok(state.store.org_history().await?)
}

/// Where a timeline ending at `to` starts by default: when the history begins (the earliest
/// team, membership or support link), but no more than 49 years before `to`, so it stays
/// within `MAX_TIMELINE_MONTHS` (links dated at the epoch by scripts exist).
pub fn beginning(history: &OrgHistory, to: Timestamp) -> Timestamp {
    let teams = history.teams.iter().map(|t| t.created_at);
    let members = history.memberships.iter().map(|m| m.from);
    let supports = history.supports.iter().map(|s| s.from);
    let earliest = teams.chain(members).chain(supports).min().unwrap_or(to);
    let floor = to
        .checked_sub(jiff::SignedDuration::from_hours(49 * 8766))
        .unwrap_or(earliest);
    earliest.max(floor).min(to)
}

/// The monthly timeline, with the domain's refusal (backwards, too long) as a 422.
pub fn timeline(history: &OrgHistory, from: Timestamp, to: Timestamp) -> Result<Vec<MonthPoint>> {
    history
        .timeline(from, to)
        .map_err(|e| AppError::field(e.field, e.reason))
}
