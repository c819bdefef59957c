//! Dates in queries, one rule everywhere: a day (`2024-03-01`, UTC; which end of it depends on
//! the question: "since" is its start, "as of" its end) or an RFC 3339 instant.

use frontline_core::Timestamp;

use crate::error::{AppError, Result};

/// Which end of a day a bare date in a query means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayEdge {
    /// "Since 2024-03-01": from its first millisecond.
    Start,
    /// "As of 2024-03-01": up to its last millisecond.
    End,
}

/// Parse a query date: `YYYY-MM-DD` (the end of that day, UTC) or an RFC 3339 instant.
pub fn parse_instant(field: &str, raw: &str) -> Result<Timestamp> {
    parse_at(field, raw, DayEdge::End)
}

/// Parse a query date: `YYYY-MM-DD` (that day's `edge`, UTC) or an RFC 3339 instant.
pub fn parse_at(field: &str, raw: &str, edge: DayEdge) -> Result<Timestamp> {
    let raw = raw.trim();
    if let Ok(at) = raw.parse::<Timestamp>() {
        return Ok(frontline_core::time::truncate(at));
    }
    if let Ok(day) = raw.parse::<jiff::civil::Date>() {
        let (day, shift) = match edge {
            DayEdge::Start => (Some(day), 0),
            DayEdge::End => (day.checked_add(jiff::Span::new().days(1)).ok(), -1),
        };
        let at = day
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| frontline_core::time::from_millis(z.timestamp().as_millisecond() + shift));
        if let Some(at) = at {
            return Ok(at);
        }
    }
    let which = match edge {
        DayEdge::Start => "the start",
        DayEdge::End => "the end",
    };
    Err(AppError::field(
        field,
        format!(
            "{raw:?} is not a date: give a day such as 2024-03-01 ({which} of that day, UTC) \
             or an RFC 3339 time such as 2024-03-01T09:30:00Z"
        ),
    ))
}

/// An optional query date, `default` when absent or empty.
pub fn instant_or(field: &str, raw: Option<&str>, default: Timestamp) -> Result<Timestamp> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        Some(raw) => parse_instant(field, raw),
        None => Ok(default),
    }
}

/// An optional instant that starts something (a day means its first millisecond, UTC),
/// `default` when absent or empty.
pub fn instant_or_start(field: &str, raw: Option<&str>, default: Timestamp) -> Result<Timestamp> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        Some(raw) => parse_at(field, raw, DayEdge::Start),
        None => Ok(default),
    }
}
