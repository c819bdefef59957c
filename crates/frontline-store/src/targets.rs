//! Business hours and service targets as stored: dated calendar versions per team and the
//! targets of each outcome. The arithmetic lives in `frontline_core::calendar` and
//! `frontline_core::targets`.

use frontline_core::calendar::{Calendar, CalendarSpec, CalendarVersions};
use frontline_core::targets::Target;
use frontline_core::{OutcomeId, PersonId, TeamId, Timestamp};
use serde::{Deserialize, Serialize};

/// A team's calendar from `valid_from` until the next version's start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamCalendar {
    pub team_id: TeamId,
    pub valid_from: Timestamp,
    pub calendar: CalendarSpec,
    pub set_at: Timestamp,
    pub set_by: Option<PersonId>,
}

/// An outcome's targets (what `outcome.targets_set` last said).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeTargets {
    pub outcome_id: OutcomeId,
    pub targets: Vec<Target>,
    pub set_at: Timestamp,
}

/// One team's versions (oldest first, as `Store::list_team_calendars` gives them) for
/// arithmetic; `None` when the team has none. A stored spec that no longer checks (it was
/// checked when written) is skipped rather than failing every reading.
pub fn versions_of(calendars: &[TeamCalendar], team_id: TeamId) -> Option<CalendarVersions> {
    CalendarVersions::new(
        calendars
            .iter()
            .filter(|c| c.team_id == team_id)
            .filter_map(|c| Some((c.valid_from, Calendar::new(c.calendar.clone()).ok()?)))
            .collect(),
    )
}

/// Of one team's versions (oldest first), the one in force at `now`: the latest that has
/// started, else the first (which also counts before its start).
pub fn in_force(versions: &[TeamCalendar], now: Timestamp) -> Option<&TeamCalendar> {
    versions
        .iter()
        .rev()
        .find(|c| c.valid_from <= now)
        .or(versions.first())
}
