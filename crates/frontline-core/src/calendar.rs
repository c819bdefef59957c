//! Business time: when a team is open, in its own time zone, and arithmetic over it.
//!
//! A calendar is a time zone, opening hours per weekday (several spans a day, local wall
//! time) and holidays (whole local dates). Two operations carry everything targets need:
//! [`Calendar::business_between`] (how much open time lies in an interval) and
//! [`Calendar::due_after`] (the instant a given amount of open time has passed). They are
//! exact inverses, which is what makes pausing and resuming a target's clock lose or gain
//! nothing (see the property tests).
//!
//! Daylight saving is handled by converting each day's local spans to instants with the
//! zone's rules: a span that crosses a change is an hour shorter or longer that day, as it
//! is on the office's wall clock. A wall time inside a skipped hour is read as that much
//! later, as RFC 5545 and Temporal do (jiff's "compatible" disambiguation). Both operations walk day by day and stop
//! after [`HORIZON_DAYS`], so a calendar that is (nearly) never open answers "never due"
//! instead of looping.

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::values::ValueError;

/// How far a due time is looked for: a target not met within three years of open time is
/// "never due" (a calendar whose holidays swallow its opening hours).
pub const HORIZON_DAYS: i64 = 3 * 366;
/// Most opening spans a day may have.
pub const MAX_SPANS_PER_DAY: usize = 12;
/// Most holidays a calendar may list.
pub const MAX_HOLIDAYS: usize = 2_000;

const MINUTES_PER_DAY: u16 = 24 * 60;
const MS_PER_MINUTE: i64 = 60_000;
const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// One opening span of a day in local wall-clock minutes, `start < end <= 24:00`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u16,
    pub end: u16,
}

impl Span {
    /// `"09:00-17:30"`; `24:00` is allowed as an end.
    pub fn parse(text: &str) -> Result<Span, String> {
        let (a, b) = text
            .split_once('-')
            .ok_or_else(|| format!("{text:?} is not a span like \"09:00-17:30\""))?;
        let start = minutes(a.trim()).ok_or_else(|| format!("{a:?} is not a time like 09:00"))?;
        let end = minutes(b.trim()).ok_or_else(|| format!("{b:?} is not a time like 17:30"))?;
        if start >= end {
            return Err(format!("{text:?} ends before it starts"));
        }
        if start >= MINUTES_PER_DAY {
            return Err(format!("{text:?} starts at midnight at the end of the day"));
        }
        Ok(Span { start, end })
    }

    fn minutes(self) -> u32 {
        u32::from(self.end - self.start)
    }
}

fn minutes(hhmm: &str) -> Option<u16> {
    let (h, m) = hhmm.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let total = h.checked_mul(60)?.checked_add(m)?;
    (m < 60 && total <= MINUTES_PER_DAY).then_some(total)
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

/// A calendar as it is written (API, export): weekday names to spans, holidays as dates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarSpec {
    /// An IANA time zone name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Opening hours by lower-case English weekday name; a day not named is closed.
    #[serde(default)]
    pub hours: BTreeMap<String, Vec<String>>,
    /// Local dates on which the team is closed all day.
    #[serde(default)]
    pub holidays: Vec<Date>,
}

/// A checked calendar, ready for arithmetic.
#[derive(Clone, Debug)]
pub struct Calendar {
    spec: CalendarSpec,
    zone: TimeZone,
    /// Monday first, sorted, not overlapping.
    week: [Vec<Span>; 7],
    /// Sorted, distinct.
    holidays: Vec<Date>,
    /// Open all the time (24/7, no holidays): business time is elapsed time.
    always: bool,
}

impl PartialEq for Calendar {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

impl Serialize for Calendar {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.spec.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Calendar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spec = CalendarSpec::deserialize(d)?;
        Calendar::new(spec).map_err(|e| serde::de::Error::custom(e.reason))
    }
}

fn invalid(reason: impl Into<String>) -> ValueError {
    ValueError::new("calendar", reason)
}

impl Calendar {
    /// Check a calendar: a known time zone, weekday names, well-formed spans that do not
    /// overlap, and opening hours that holidays do not swallow (a calendar never open could
    /// never let a target fall due).
    pub fn new(spec: CalendarSpec) -> Result<Calendar, ValueError> {
        let zone = TimeZone::get(&spec.time_zone).map_err(|_| {
            invalid(format!(
                "{:?} is not a time zone this server knows: use an IANA name such as \
                 \"Europe/Berlin\" or \"UTC\"",
                spec.time_zone
            ))
        })?;
        let mut week: [Vec<Span>; 7] = Default::default();
        for (day, spans) in &spec.hours {
            let i = WEEKDAYS.iter().position(|w| w == day).ok_or_else(|| {
                invalid(format!(
                    "{day:?} is not a weekday: use \"monday\" to \"sunday\""
                ))
            })?;
            if spans.len() > MAX_SPANS_PER_DAY {
                return Err(invalid(format!(
                    "{day} has {} spans; at most {MAX_SPANS_PER_DAY}",
                    spans.len()
                )));
            }
            let mut parsed = spans
                .iter()
                .map(|s| Span::parse(s).map_err(|e| invalid(format!("{day}: {e}"))))
                .collect::<Result<Vec<_>, _>>()?;
            parsed.sort();
            if let Some(w) = parsed.windows(2).find(|w| w[1].start < w[0].end) {
                return Err(invalid(format!("{day}: {} overlaps {}", w[0], w[1])));
            }
            week[i] = parsed;
        }
        if week.iter().all(Vec::is_empty) {
            return Err(invalid(
                "the calendar is never open: give opening hours for at least one day",
            ));
        }
        if spec.holidays.len() > MAX_HOLIDAYS {
            return Err(invalid(format!(
                "{} holidays; at most {MAX_HOLIDAYS}",
                spec.holidays.len()
            )));
        }
        let mut holidays = spec.holidays.clone();
        holidays.sort();
        holidays.dedup();
        let always = holidays.is_empty()
            && week
                .iter()
                .all(|d| d.len() == 1 && d[0].start == 0 && d[0].end == MINUTES_PER_DAY);
        let calendar = Calendar {
            spec,
            zone,
            week,
            holidays,
            always,
        };
        if let Some(year) = calendar.year_without_an_open_day() {
            return Err(invalid(format!(
                "the holidays cover every open day of {year}: the team would never be open"
            )));
        }
        Ok(calendar)
    }

    /// Open all day every day in `zone`, no holidays.
    pub fn always(zone: &str) -> Result<Calendar, ValueError> {
        let hours = WEEKDAYS
            .iter()
            .map(|d| ((*d).to_owned(), vec!["00:00-24:00".to_owned()]))
            .collect();
        Calendar::new(CalendarSpec {
            time_zone: zone.to_owned(),
            hours,
            holidays: Vec::new(),
        })
    }

    pub fn spec(&self) -> &CalendarSpec {
        &self.spec
    }

    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// Open time in a week without holidays, ignoring daylight-saving changes.
    pub fn weekly_minutes(&self) -> u32 {
        self.week.iter().flatten().map(|s| s.minutes()).sum()
    }

    /// The first year any holiday falls in whose every open day is a holiday.
    fn year_without_an_open_day(&self) -> Option<i16> {
        let mut years: Vec<i16> = self.holidays.iter().map(|d| d.year()).collect();
        years.dedup();
        years.into_iter().find(|&year| {
            let Ok(mut day) = Date::new(year, 1, 1) else {
                return false;
            };
            while day.year() == year {
                if !self.spans_of(day).is_empty() && !self.is_holiday(day) {
                    return false;
                }
                match day.tomorrow() {
                    Ok(next) => day = next,
                    Err(_) => return false,
                }
            }
            true
        })
    }

    fn is_holiday(&self, day: Date) -> bool {
        self.holidays.binary_search(&day).is_ok()
    }

    fn spans_of(&self, day: Date) -> &[Span] {
        &self.week[day.weekday().to_monday_zero_offset() as usize]
    }

    /// The instant a local wall-clock minute of `day` happens (`24:00` is the next day's
    /// midnight). A minute skipped by a daylight-saving change is read as that much later.
    fn instant(&self, day: Date, minute: u16) -> Option<i64> {
        let (date, minute) = if minute >= MINUTES_PER_DAY {
            (day.tomorrow().ok()?, minute - MINUTES_PER_DAY)
        } else {
            (day, minute)
        };
        let local: DateTime = date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
        let ts = self.zone.to_ambiguous_timestamp(local).compatible().ok()?;
        Some(ts.as_millisecond())
    }

    /// The open intervals of `day` as unix milliseconds, in order.
    fn open_on(&self, day: Date) -> impl Iterator<Item = (i64, i64)> + '_ {
        let spans: &[Span] = if self.is_holiday(day) {
            &[]
        } else {
            self.spans_of(day)
        };
        spans.iter().filter_map(move |span| {
            let from = self.instant(day, span.start)?;
            let to = self.instant(day, span.end)?;
            // A span inside the skipped hour of a spring-forward day is empty that day.
            (from < to).then_some((from, to))
        })
    }

    fn local_date(&self, ms: i64) -> Option<Date> {
        let ts = Timestamp::from_millisecond(ms).ok()?;
        Some(self.zone.to_datetime(ts).date())
    }

    /// Whether the team is open at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        if self.always {
            return true;
        }
        let ms = at.as_millisecond();
        let Some(day) = self.local_date(ms) else {
            return false;
        };
        // A day's spans end by the next local midnight (the first instant of the next date,
        // also when midnight itself is skipped), so only the spans of `at`'s own date can
        // contain it.
        self.open_on(day).any(|(a, b)| a <= ms && ms < b)
    }

    /// Open time in `[from, to)`; zero when `to <= from`. Bounded: of an interval longer
    /// than four times `HORIZON_DAYS` only the first part counts (a target is long breached
    /// by then).
    pub fn business_between(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        let (from, to) = (from.as_millisecond(), to.as_millisecond());
        if to <= from {
            return SignedDuration::ZERO;
        }
        if self.always {
            return SignedDuration::from_millis(to - from);
        }
        let mut total = 0i64;
        // Spans of earlier dates end by `from`'s local midnight (see `is_open`), and spans of
        // later dates than `to`'s start after it.
        let (Some(mut day), Some(last)) = (self.local_date(from), self.local_date(to)) else {
            return SignedDuration::ZERO;
        };
        for _ in 0..HORIZON_DAYS * 4 {
            for (a, b) in self.open_on(day) {
                let (a, b) = (a.max(from), b.min(to));
                if a < b {
                    total += b - a;
                }
            }
            if day >= last {
                break;
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        SignedDuration::from_millis(total)
    }

    /// The instant at which `business` open time has passed since `from`: for a positive
    /// amount always inside or at the end of an open span, never in closed time. `None` when
    /// the calendar is not open that long within `HORIZON_DAYS`. Zero or less is `from`.
    pub fn due_after(&self, from: Timestamp, business: SignedDuration) -> Option<Timestamp> {
        let mut left = business.as_millis().min(i128::from(i64::MAX)) as i64;
        if left <= 0 {
            return Some(from);
        }
        let start = from.as_millisecond();
        if self.always {
            return Timestamp::from_millisecond(start.checked_add(left)?).ok();
        }
        let mut day = self.local_date(start)?;
        for _ in 0..HORIZON_DAYS {
            for (a, b) in self.open_on(day) {
                if b <= start {
                    continue;
                }
                let a = a.max(start);
                if left <= b - a {
                    return Timestamp::from_millisecond(a + left).ok();
                }
                left -= b - a;
            }
            day = day.tomorrow().ok()?;
        }
        None
    }
}

/// Business-time arithmetic, over one calendar or over a team's dated versions of it. Target
/// clocks ([`crate::targets::read`]) need nothing else.
pub trait BusinessTime {
    /// Open time in `[from, to)`; zero when `to <= from`.
    fn business_between(&self, from: Timestamp, to: Timestamp) -> SignedDuration;
    /// The instant at which `business` open time has passed since `from`; `None` when that
    /// lies beyond [`HORIZON_DAYS`] of calendar.
    fn due_after(&self, from: Timestamp, business: SignedDuration) -> Option<Timestamp>;
}

impl BusinessTime for Calendar {
    fn business_between(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        Calendar::business_between(self, from, to)
    }

    fn due_after(&self, from: Timestamp, business: SignedDuration) -> Option<Timestamp> {
        Calendar::due_after(self, from, business)
    }
}

/// A team's calendar as it changed: each version applies from its start until the next
/// one's, and the first also before its start (a case older than the first calendar is
/// measured with it). So history is measured with the calendar that was in force.
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarVersions {
    /// Sorted by start, distinct starts, never empty.
    versions: Vec<(Timestamp, Calendar)>,
}

impl CalendarVersions {
    /// `None` for no versions; a later version with the same start replaces the earlier.
    pub fn new(mut versions: Vec<(Timestamp, Calendar)>) -> Option<CalendarVersions> {
        versions.sort_by_key(|(from, _)| *from);
        versions.reverse();
        versions.dedup_by_key(|(from, _)| *from);
        versions.reverse();
        (!versions.is_empty()).then_some(CalendarVersions { versions })
    }

    pub fn single(calendar: Calendar) -> CalendarVersions {
        CalendarVersions {
            versions: vec![(Timestamp::MIN, calendar)],
        }
    }

    /// The version in force at `at`.
    pub fn at(&self, at: Timestamp) -> &Calendar {
        let i = self.versions.partition_point(|(from, _)| *from <= at);
        &self.versions[i.saturating_sub(1)].1
    }

    /// Each version with the part of `[from, ∞)` it governs: `(start, end, calendar)`.
    fn segments(
        &self,
        from: Timestamp,
    ) -> impl Iterator<Item = (Timestamp, Option<Timestamp>, &Calendar)> {
        let first = self
            .versions
            .partition_point(|(start, _)| *start <= from)
            .saturating_sub(1);
        self.versions[first..]
            .iter()
            .enumerate()
            .map(move |(k, (start, cal))| {
                let end = self.versions.get(first + k + 1).map(|(next, _)| *next);
                ((*start).max(from), end, cal)
            })
    }
}

impl BusinessTime for CalendarVersions {
    fn business_between(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        let mut total = SignedDuration::ZERO;
        for (start, end, cal) in self.segments(from) {
            if start >= to {
                break;
            }
            total += cal.business_between(start, end.map_or(to, |e| e.min(to)));
        }
        total
    }

    fn due_after(&self, from: Timestamp, business: SignedDuration) -> Option<Timestamp> {
        let mut left = business;
        for (start, end, cal) in self.segments(from) {
            let Some(end) = end else {
                return cal.due_after(start, left);
            };
            match cal.due_after(start, left) {
                Some(due) if due <= end => return Some(due),
                _ => left -= cal.business_between(start, end),
            }
        }
        None
    }
}

/// Minutes as a business duration.
pub fn minutes_of(minutes: u32) -> SignedDuration {
    SignedDuration::from_millis(i64::from(minutes) * MS_PER_MINUTE)
}

pub mod ical;

#[cfg(test)]
mod tests;
