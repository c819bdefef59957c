//! Service targets as the case page shows them: one line per target with its state in words,
//! and when it falls due in the team's own time zone (the script counts the time left down
//! from `data-due`).

use frontline_core::targets::{TargetReading, TargetState};
use frontline_core::{Case, Event, Timestamp};
use jiff::SignedDuration;
use jiff::tz::TimeZone;

use crate::error::AppError;
use crate::state::AppState;

pub struct TargetLine {
    pub label: &'static str,
    /// `idle`, `running`, `warning`, `paused`, `met` or `breached`, for styling.
    pub state: &'static str,
    pub summary: String,
    /// Running with a due time: the instant (RFC 3339), and the time left in words ("in 2 h
    /// 15 min", "now"), which the script counts down.
    pub due_iso: Option<String>,
    pub countdown: Option<String>,
    /// The due, met or breach time in the team's zone, and as an instant.
    pub when: Option<String>,
    pub when_iso: Option<String>,
}

pub struct TargetsFacts {
    pub lines: Vec<TargetLine>,
    pub time_zone: String,
    pub calendar_set: bool,
}

pub(super) use crate::targets::label;

/// "2 h 15 min", "3 d 4 h", "45 min", "under a minute".
pub fn span(d: SignedDuration) -> String {
    let minutes = d.as_secs().max(0) / 60;
    match minutes {
        0 => "under a minute".to_owned(),
        m if m < 60 => format!("{m} min"),
        m if m < 24 * 60 => match m % 60 {
            0 => format!("{} h", m / 60),
            r => format!("{} h {r} min", m / 60),
        },
        m => match (m / 60) % 24 {
            0 => format!("{} d", m / (24 * 60)),
            h => format!("{} d {h} h", m / (24 * 60)),
        },
    }
}

fn local(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%a %-d %b %H:%M")
        .to_string()
}

pub fn line(r: &TargetReading, now: Timestamp, zone: &TimeZone) -> TargetLine {
    let mut line = TargetLine {
        label: label(r.kind),
        state: "idle",
        summary: String::new(),
        due_iso: None,
        countdown: None,
        when: None,
        when_iso: None,
    };
    match r.state {
        TargetState::Idle => line.summary = "Nothing owed".to_owned(),
        TargetState::Running { due: None, .. } => {
            line.state = "warning";
            line.summary = "Never due: the team's calendar is not open long enough".to_owned();
        }
        TargetState::Running {
            due: Some(due),
            warn_at,
        } => {
            line.state = if warn_at.is_none() {
                "warning"
            } else {
                "running"
            };
            line.summary = "Due".to_owned();
            line.countdown = Some(if due > now {
                format!("in {}", span(due.duration_since(now)))
            } else {
                "now".to_owned()
            });
            line.due_iso = Some(due.to_string());
            line.when = Some(local(due, zone));
            line.when_iso = Some(due.to_string());
        }
        TargetState::Paused { left } => {
            line.state = "paused";
            line.summary = format!(
                "Paused while waiting on the customer, {} of business time left",
                span(left)
            );
        }
        TargetState::Met { at } => {
            line.state = "met";
            line.summary = "Met".to_owned();
            line.when = Some(local(at, zone));
            line.when_iso = Some(at.to_string());
        }
        TargetState::Breached { at, met_at } => {
            line.state = "breached";
            line.summary = match met_at {
                Some(m) => format!("Met late, by {}", span(m.duration_since(at))),
                None => format!("Late by {}", span(now.duration_since(at))),
            };
            line.when = Some(local(at, zone));
            line.when_iso = Some(at.to_string());
        }
    }
    line
}

/// The case's targets for the page, from the events the page read already.
pub async fn facts(
    state: &AppState,
    case: &Case,
    events: &[Event],
) -> Result<TargetsFacts, AppError> {
    let now = state.now();
    let read = crate::targets::read_case(state, case, Some(events), now).await?;
    let zone = TimeZone::get(&read.time_zone).unwrap_or(TimeZone::UTC);
    Ok(TargetsFacts {
        lines: read.readings.iter().map(|r| line(r, now, &zone)).collect(),
        time_zone: read.time_zone,
        calendar_set: read.calendar_set,
    })
}
