//! Service targets on a case (use-case layer): which targets apply (the outcome's, by the
//! case's priority; else the outcome's own resolution time, round the clock), the calendar
//! they count in (the owning team's dated versions; else round the clock in UTC), and each
//! target's reading from the case's events. The arithmetic is core's
//! (`frontline_core::targets`); this module only gathers its inputs.

use std::collections::{BTreeMap, HashMap, HashSet};

use frontline_core::calendar::{BusinessTime, Calendar, CalendarSpec, CalendarVersions};
use frontline_core::targets::{self, Target, TargetKind, TargetReading, TargetState};
use frontline_core::{Case, Event, Outcome, OutcomeId, TeamId, Timestamp};
use frontline_store::{EventFilter, versions_of};

use crate::error::{AppError, Result};
use crate::state::AppState;

/// Most events of a case read for its targets (a case with more is read up to here).
const EVENT_LIMIT: u32 = 10_000;

/// The zone of round-the-clock time when a team has no calendar.
pub const DEFAULT_ZONE: &str = "UTC";

/// A case's targets and where they count.
pub struct CaseTargets {
    /// The team whose calendar counts (the case's team, else the outcome's first team).
    pub team_id: Option<TeamId>,
    /// Whether that team has a calendar; if not, targets count round the clock.
    pub calendar_set: bool,
    pub time_zone: String,
    pub readings: Vec<TargetReading>,
}

/// The targets that apply to cases of `outcome`: its own, else its resolution time in
/// clock minutes (what an outcome always had), which never pauses.
pub fn targets_for(outcome: &Outcome, configured: Option<&[Target]>) -> Vec<Target> {
    match configured {
        Some(t) if !t.is_empty() => t.to_vec(),
        _ if outcome.target_minutes > 0 => vec![Target {
            kind: TargetKind::Resolution,
            priority: None,
            business_minutes: outcome.target_minutes.min(targets::MAX_TARGET_MINUTES),
            pause_while_waiting: false,
            warn_at_percent: targets::DEFAULT_WARN_PERCENT,
        }],
        _ => Vec::new(),
    }
}

/// What a case's targets are read with besides the case: outcomes, their targets and the
/// teams' calendars. Loaded for one case (`for_case`) or once for many (`load`, the alarm
/// sweep), so a sweep over thousands of cases reads them once.
#[derive(Default)]
pub struct Setup {
    outcomes: HashMap<OutcomeId, Outcome>,
    targets: HashMap<OutcomeId, Vec<Target>>,
    calendars: HashMap<TeamId, CalendarVersions>,
}

impl Setup {
    /// Everything: every outcome, every outcome's targets, every team's calendars.
    pub async fn load(state: &AppState) -> Result<Setup> {
        let outcomes = state.store.list_outcomes().await?;
        let calendars = state.store.list_team_calendars(None).await?;
        let teams: HashSet<TeamId> = calendars.iter().map(|c| c.team_id).collect();
        Ok(Setup {
            outcomes: outcomes.into_iter().map(|o| (o.id, o)).collect(),
            targets: state
                .store
                .list_outcome_targets()
                .await?
                .into_iter()
                .map(|t| (t.outcome_id, t.targets))
                .collect(),
            calendars: teams
                .into_iter()
                .filter_map(|team| Some((team, versions_of(&calendars, team)?)))
                .collect(),
        })
    }

    /// What one case needs: its outcome, that outcome's targets, its team's calendar.
    pub async fn for_case(state: &AppState, case: &Case) -> Result<Setup> {
        let outcome = state.store.get_outcome(case.outcome_id).await?;
        let mut setup = Setup::default();
        if let Some(t) = state
            .store
            .list_outcome_targets()
            .await?
            .into_iter()
            .find(|t| t.outcome_id == outcome.id)
        {
            setup.targets.insert(outcome.id, t.targets);
        }
        if let Some(team) = case.team_id.or_else(|| outcome.team_ids.first().copied()) {
            let versions = state.store.list_team_calendars(Some(team)).await?;
            if let Some(v) = versions_of(&versions, team) {
                setup.calendars.insert(team, v);
            }
        }
        setup.outcomes.insert(outcome.id, outcome);
        Ok(setup)
    }

    /// The targets that apply to `case` (by its outcome and priority) and where they count.
    fn of<'a>(&'a self, case: &Case) -> Result<Applied<'a>> {
        let outcome = self
            .outcomes
            .get(&case.outcome_id)
            .ok_or_else(|| AppError::not_found("outcome"))?;
        let all = targets_for(outcome, self.targets.get(&outcome.id).map(Vec::as_slice));
        let team_id = case.team_id.or_else(|| outcome.team_ids.first().copied());
        let calendar = team_id.and_then(|t| self.calendars.get(&t));
        Ok(Applied {
            targets: targets::applicable(&all, case.priority)
                .into_iter()
                .cloned()
                .collect(),
            team_id,
            calendar,
        })
    }
}

struct Applied<'a> {
    targets: Vec<Target>,
    team_id: Option<TeamId>,
    calendar: Option<&'a CalendarVersions>,
}

/// Read a case's targets at `now`. `events` are the case's events in log order if the caller
/// has them already (all of them, not a customer's view); otherwise they are read here.
pub async fn read_case(
    state: &AppState,
    case: &Case,
    events: Option<&[Event]>,
    now: Timestamp,
) -> Result<CaseTargets> {
    let setup = Setup::for_case(state, case).await?;
    read_with(state, &setup, case, events, now).await
}

/// `read_case` with the setup given.
pub async fn read_with(
    state: &AppState,
    setup: &Setup,
    case: &Case,
    events: Option<&[Event]>,
    now: Timestamp,
) -> Result<CaseTargets> {
    let applied = setup.of(case)?;
    let round_the_clock;
    let calendar = match applied.calendar {
        Some(v) => v,
        None => {
            round_the_clock = CalendarVersions::single(
                Calendar::always(DEFAULT_ZONE).expect("UTC round the clock is a calendar"),
            );
            &round_the_clock
        }
    };
    let time_zone = calendar.at(now).spec().time_zone.clone();
    if applied.targets.is_empty() {
        return Ok(CaseTargets {
            team_id: applied.team_id,
            calendar_set: applied.calendar.is_some(),
            time_zone,
            readings: Vec::new(),
        });
    }
    let read_here;
    let events = match events {
        Some(e) => e,
        None => {
            read_here = state
                .store
                .events_after(
                    0,
                    EVENT_LIMIT,
                    EventFilter {
                        visible_to_customer: None,
                        case_id: Some(case.id),
                        kinds: Vec::new(),
                    },
                )
                .await?;
            &read_here
        }
    };
    let staff = staff_among(state, case, events).await?;
    let history = targets::history_of(events, |p| staff.contains(&p), case.customer_id);
    let readings = applied
        .targets
        .iter()
        .map(|t| targets::read(t, calendar as &dyn BusinessTime, &history, now))
        .collect();
    Ok(CaseTargets {
        team_id: applied.team_id,
        calendar_set: applied.calendar.is_some(),
        time_zone,
        readings,
    })
}

/// A target's name in words.
pub fn label(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::FirstResponse => "First response",
        TargetKind::NextResponse => "Next response",
        TargetKind::Resolution => "Resolution",
    }
}

/// The staff among the people who wrote public messages on the case (one look-up).
async fn staff_among(
    state: &AppState,
    case: &Case,
    events: &[Event],
) -> Result<HashSet<frontline_core::PersonId>> {
    let authors: HashSet<_> = events
        .iter()
        .filter(|e| e.kind == frontline_core::EventKind::MessageAdded)
        .filter_map(|e| e.actor_id)
        .filter(|p| *p != case.customer_id)
        .collect();
    if authors.is_empty() {
        return Ok(HashSet::new());
    }
    let people = state
        .store
        .get_people(authors.into_iter().collect())
        .await?;
    Ok(people
        .into_iter()
        .filter(|p| p.role.is_staff())
        .map(|p| p.id)
        .collect())
}

/// The instant that matters next for a reading: when it falls due (running), when it fell
/// due (breached and not yet met); `None` otherwise.
pub fn due_of(reading: &TargetReading) -> Option<Timestamp> {
    match reading.state {
        TargetState::Running { due, .. } => due,
        TargetState::Breached { at, met_at: None } => Some(at),
        _ => None,
    }
}

/// A target as a client writes it (an API body, a form), not yet checked.
pub struct TargetInput<'a> {
    pub kind: &'a str,
    pub priority: Option<&'a str>,
    pub business_minutes: u32,
    pub pause_while_waiting: Option<bool>,
    pub warn_at_percent: Option<u8>,
}

/// Check a calendar as written into a spec, naming the field that is wrong.
pub fn checked_calendar(
    time_zone: &str,
    hours: &BTreeMap<String, Vec<String>>,
    holidays: &[String],
) -> Result<CalendarSpec> {
    let mut days = Vec::with_capacity(holidays.len());
    for (i, raw) in holidays.iter().enumerate() {
        let day = raw.trim().parse::<jiff::civil::Date>().map_err(|_| {
            AppError::field(
                format!("holidays[{i}]"),
                format!("{raw:?} is not a date: write it as 2026-12-25"),
            )
        })?;
        days.push(day);
    }
    let spec = CalendarSpec {
        time_zone: time_zone.trim().to_owned(),
        hours: hours.clone(),
        holidays: days,
    };
    Calendar::new(spec.clone())?;
    Ok(spec)
}

/// Check targets as written, naming the entry that is wrong; at most one per kind and
/// priority.
pub fn checked_targets(inputs: &[TargetInput<'_>]) -> Result<Vec<Target>> {
    let mut out = Vec::with_capacity(inputs.len());
    for (i, t) in inputs.iter().enumerate() {
        let at = |field: &str| format!("targets[{i}].{field}");
        let kind = t
            .kind
            .parse::<TargetKind>()
            .map_err(|e| AppError::field(at("kind"), e.reason))?;
        let priority = match t.priority {
            Some(p) => Some(
                p.parse::<frontline_core::Priority>()
                    .map_err(|e| AppError::field(at("priority"), e.reason))?,
            ),
            None => None,
        };
        let target = Target {
            kind,
            priority,
            business_minutes: t.business_minutes,
            pause_while_waiting: t.pause_while_waiting.unwrap_or(true),
            warn_at_percent: t.warn_at_percent.unwrap_or(targets::DEFAULT_WARN_PERCENT),
        };
        target
            .validate()
            .map_err(|e| AppError::field(at(e.field), e.reason))?;
        out.push(target);
    }
    targets::validate_targets(&out)?;
    Ok(out)
}
