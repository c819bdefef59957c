use std::collections::BTreeMap;

use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::*;

fn spec(zone: &str, hours: &[(&str, &[&str])], holidays: &[Date]) -> CalendarSpec {
    CalendarSpec {
        time_zone: zone.to_owned(),
        hours: hours
            .iter()
            .map(|(d, s)| ((*d).to_owned(), s.iter().map(|s| (*s).to_owned()).collect()))
            .collect(),
        holidays: holidays.to_vec(),
    }
}

const WORKDAYS: [&str; 5] = ["monday", "tuesday", "wednesday", "thursday", "friday"];

fn office(zone: &str, holidays: &[Date]) -> Calendar {
    let hours: Vec<(&str, &[&str])> = WORKDAYS
        .iter()
        .map(|d| (*d, &["09:00-12:30", "13:30-17:00"][..]))
        .collect();
    Calendar::new(spec(zone, &hours, holidays)).unwrap()
}

fn at(cal: &Calendar, y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
    date(y, m, d)
        .at(h, min, 0, 0)
        .to_zoned(cal.zone().clone())
        .unwrap()
        .timestamp()
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

#[test]
fn a_target_set_on_friday_afternoon_falls_due_on_monday_morning() {
    let cal = office("Europe/Berlin", &[]);
    // Friday 2026-12-04 16:00: one hour left on Friday, one more on Monday from 09:00.
    let due = cal
        .due_after(at(&cal, 2026, 12, 4, 16, 0), hours(2))
        .unwrap();
    assert_eq!(due, at(&cal, 2026, 12, 7, 10, 0));
    // The lunch break does not count.
    let due = cal
        .due_after(at(&cal, 2026, 12, 7, 12, 0), hours(1))
        .unwrap();
    assert_eq!(due, at(&cal, 2026, 12, 7, 14, 0));
}

#[test]
fn holidays_are_skipped_and_time_at_night_counts_nothing() {
    let cal = office("Europe/Berlin", &[date(2026, 12, 7)]);
    let due = cal
        .due_after(at(&cal, 2026, 12, 4, 16, 0), hours(2))
        .unwrap();
    assert_eq!(due, at(&cal, 2026, 12, 8, 10, 0));
    let night = cal.business_between(at(&cal, 2026, 12, 8, 17, 0), at(&cal, 2026, 12, 9, 9, 0));
    assert_eq!(night, SignedDuration::ZERO);
    assert!(!cal.is_open(at(&cal, 2026, 12, 7, 10, 0)));
    assert!(cal.is_open(at(&cal, 2026, 12, 8, 10, 0)));
    assert!(!cal.is_open(at(&cal, 2026, 12, 8, 13, 0)));
}

#[test]
fn a_day_of_daylight_saving_change_is_as_long_as_the_wall_clock_says() {
    let sundays = spec("Europe/Berlin", &[("sunday", &["00:00-24:00"])], &[]);
    let cal = Calendar::new(sundays).unwrap();
    // 2026-03-29: clocks go from 02:00 to 03:00; 2026-10-25: from 03:00 back to 02:00.
    let spring = cal.business_between(at(&cal, 2026, 3, 28, 12, 0), at(&cal, 2026, 3, 30, 12, 0));
    assert_eq!(spring, hours(23));
    let autumn = cal.business_between(at(&cal, 2026, 10, 24, 12, 0), at(&cal, 2026, 10, 26, 12, 0));
    assert_eq!(autumn, hours(25));
    // A wall time in the skipped hour is read as that much later (02:30 is 03:30 CEST), as
    // RFC 5545 and JavaScript's Temporal do: the span is 03:30-04:00 that day.
    let early = Calendar::new(spec("Europe/Berlin", &[("sunday", &["02:30-04:00"])], &[])).unwrap();
    let open = early.business_between(at(&cal, 2026, 3, 29, 0, 0), at(&cal, 2026, 3, 29, 6, 0));
    assert_eq!(open, SignedDuration::from_mins(30));
}

#[test]
fn round_the_clock_is_elapsed_time() {
    let cal = Calendar::always("UTC").unwrap();
    let from = Timestamp::from_second(1_800_000_000).unwrap();
    assert_eq!(cal.due_after(from, hours(30)), Some(from + hours(30)));
    assert_eq!(cal.business_between(from, from + hours(30)), hours(30));
    assert_eq!(cal.weekly_minutes(), 7 * 24 * 60);
}

#[test]
fn bad_calendars_are_refused_with_the_reason() {
    let reason = |s: CalendarSpec| Calendar::new(s).unwrap_err().reason;
    assert!(
        reason(spec("Mars/Olympus", &[("monday", &["09:00-17:00"])], &[])).contains("time zone")
    );
    assert!(reason(spec("UTC", &[], &[])).contains("never open"));
    assert!(reason(spec("UTC", &[("monday", &[])], &[])).contains("never open"));
    assert!(reason(spec("UTC", &[("funday", &["09:00-17:00"])], &[])).contains("weekday"));
    assert!(
        reason(spec(
            "UTC",
            &[("monday", &["09:00-12:00", "11:00-13:00"])],
            &[]
        ))
        .contains("09:00-12:00 overlaps 11:00-13:00")
    );
    assert!(reason(spec("UTC", &[("monday", &["17:00-09:00"])], &[])).contains("ends before"));
    assert!(reason(spec("UTC", &[("monday", &["9-17"])], &[])).contains("not a time"));
    assert!(reason(spec("UTC", &[("monday", &["09:00-24:01"])], &[])).contains("not a time"));
    let every_day_of_2027: Vec<Date> = (0..365)
        .map(|i| {
            date(2027, 1, 1)
                .checked_add(jiff::Span::new().days(i))
                .unwrap()
        })
        .collect();
    assert!(
        reason(spec(
            "UTC",
            &[("monday", &["09:00-17:00"])],
            &every_day_of_2027
        ))
        .contains("every open day of 2027")
    );
    // Only the open days matter: every Monday of 2027 is enough to close a Monday calendar.
    let mondays: Vec<Date> = every_day_of_2027
        .iter()
        .copied()
        .filter(|d| d.weekday() == jiff::civil::Weekday::Monday)
        .collect();
    assert!(reason(spec("UTC", &[("monday", &["09:00-17:00"])], &mondays)).contains("2027"));
    assert!(Calendar::new(spec("UTC", &[("tuesday", &["09:00-17:00"])], &mondays)).is_ok());
}

#[test]
fn a_calendar_open_too_rarely_is_never_due_and_answers_quickly() {
    // Open one minute a week: a year of open time is beyond the horizon.
    let cal = Calendar::new(spec("UTC", &[("monday", &["09:00-09:01"])], &[])).unwrap();
    let from = Timestamp::from_second(1_800_000_000).unwrap();
    assert_eq!(cal.due_after(from, hours(24 * 365)), None);
    assert!(cal.due_after(from, SignedDuration::from_mins(3)).is_some());
}

#[test]
fn a_calendar_round_trips_through_json() {
    let cal = office("America/New_York", &[date(2026, 12, 25)]);
    let json = serde_json::to_string(&cal).unwrap();
    let back: Calendar = serde_json::from_str(&json).unwrap();
    assert_eq!(back, cal);
    assert!(serde_json::from_str::<Calendar>(r#"{"time_zone":"Nowhere/Else"}"#).is_err());
}

const ZONES: [&str; 6] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Santiago",
];

fn any_calendar() -> impl Strategy<Value = Calendar> {
    let day = prop::collection::vec((0u16..1440, 1u16..600), 0..3);
    let week = prop::collection::vec(day, 7);
    let holidays = prop::collection::vec(0i64..(4 * 365), 0..40);
    (0..ZONES.len(), week, holidays).prop_filter_map("never open", |(z, week, holidays)| {
        let mut hours = BTreeMap::new();
        for (i, spans) in week.into_iter().enumerate() {
            // Lay the spans out one after another from each start, so they never overlap.
            let mut cursor = 0u16;
            let mut out = Vec::new();
            for (gap, len) in spans {
                let start = cursor.saturating_add(gap % 480);
                let end = start.saturating_add(len).min(1440);
                if start >= end {
                    break;
                }
                out.push(Span { start, end }.to_string());
                cursor = end;
            }
            hours.insert(WEEKDAYS[i].to_owned(), out);
        }
        let holidays = holidays
            .into_iter()
            .filter_map(|d| date(2025, 1, 1).checked_add(jiff::Span::new().days(d)).ok())
            .collect();
        Calendar::new(CalendarSpec {
            time_zone: ZONES[z].to_owned(),
            hours,
            holidays,
        })
        .ok()
    })
}

/// An instant in 2025–2028 (to the millisecond, so instants fall inside spans too), and a
/// business duration of up to ten days of round-the-clock work.
fn instant() -> impl Strategy<Value = Timestamp> {
    (1_735_689_600_000i64..1_861_920_000_000)
        .prop_map(|ms| Timestamp::from_millisecond(ms).unwrap())
}

fn duration() -> impl Strategy<Value = SignedDuration> {
    (1i64..(10 * 86_400_000)).prop_map(SignedDuration::from_millis)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn due_time_and_business_time_are_inverses(cal in any_calendar(), from in instant(), d in duration()) {
        if let Some(due) = cal.due_after(from, d) {
            prop_assert_eq!(cal.business_between(from, due), d);
            // The target falls due in open time (at the end of open time at the latest).
            prop_assert!(cal.is_open(due - SignedDuration::from_millis(1)), "due at {due} in closed time");
        }
    }

    #[test]
    fn pausing_and_resuming_neither_loses_nor_gains_time(
        cal in any_calendar(),
        from in instant(),
        d in duration(),
        pause_after in 0.0f64..1.0,
        paused_for in 0i64..(30 * 86_400_000),
    ) {
        let Some(due) = cal.due_after(from, d) else { return Ok(()) };
        let span = due.as_millisecond() - from.as_millisecond();
        let paused = from + SignedDuration::from_millis((span as f64 * pause_after) as i64);
        let resumed = paused + SignedDuration::from_millis(paused_for);
        let used = cal.business_between(from, paused);
        prop_assert!(used <= d);
        if let Some(later) = cal.due_after(resumed, d - used) {
            prop_assert_eq!(used + cal.business_between(resumed, later), d);
            prop_assert!(later >= due);
        }
        // Splitting an interval anywhere adds up to the whole.
        prop_assert_eq!(cal.business_between(from, paused) + cal.business_between(paused, due), d);
    }

    #[test]
    fn more_work_never_falls_due_earlier(cal in any_calendar(), from in instant(), a in duration(), b in duration()) {
        let (short, long) = if a <= b { (a, b) } else { (b, a) };
        if let (Some(x), Some(y)) = (cal.due_after(from, short), cal.due_after(from, long)) {
            prop_assert!(x <= y);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Over a calendar that changed, business time adds up version by version and the due
    /// time is its inverse, so a change of opening hours neither loses nor gains time.
    #[test]
    fn dated_versions_add_up_and_invert(
        a in any_calendar(),
        b in any_calendar(),
        change in instant(),
        from in instant(),
        d in duration(),
    ) {
        let versions = CalendarVersions::new(vec![(change, b.clone()), (Timestamp::MIN, a.clone())]).unwrap();
        let to = from + SignedDuration::from_hours(24 * 20);
        let expected = if to <= change {
            a.business_between(from, to)
        } else if from >= change {
            b.business_between(from, to)
        } else {
            a.business_between(from, change) + b.business_between(change, to)
        };
        prop_assert_eq!(versions.business_between(from, to), expected);
        if let Some(due) = versions.due_after(from, d) {
            prop_assert_eq!(versions.business_between(from, due), d);
            prop_assert!(versions.at(due - SignedDuration::from_millis(1)).is_open(due - SignedDuration::from_millis(1)));
        }
    }
}

#[test]
fn history_is_measured_with_the_calendar_in_force_then() {
    let berlin = office("Europe/Berlin", &[]);
    let late = Calendar::new(spec(
        "Europe/Berlin",
        &[("monday", &["13:00-21:00"]), ("tuesday", &["13:00-21:00"])],
        &[],
    ))
    .unwrap();
    // From Tuesday 8 December 2026 the team opens at 13:00 instead of 09:00.
    let change = at(&berlin, 2026, 12, 8, 0, 0);
    let versions =
        CalendarVersions::new(vec![(Timestamp::MIN, berlin.clone()), (change, late)]).unwrap();
    let monday_nine = at(&berlin, 2026, 12, 7, 9, 0);
    // Seven hours on Monday under the old hours, then Tuesday opens at 13:00.
    let due = versions.due_after(monday_nine, hours(10)).unwrap();
    assert_eq!(due, at(&berlin, 2026, 12, 8, 16, 0));
    assert_eq!(versions.business_between(monday_nine, due), hours(10));
    assert_eq!(versions.at(monday_nine), &berlin);
    assert!(CalendarVersions::new(vec![]).is_none());
}
