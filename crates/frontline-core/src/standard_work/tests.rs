use super::*;
use crate::event::EventKind;
use crate::ids::CaseId;

fn utc(raw: &str) -> Timestamp {
    raw.parse().unwrap()
}

fn item(cadence: Cadence, proof: Option<Proof>, created: &str) -> StandardWorkItem {
    StandardWorkItem {
        id: StandardWorkItemId::new(),
        person_id: PersonId::new(),
        title: ItemTitle::parse("Walk the front-line cockpit").unwrap(),
        cadence,
        proof,
        created_by: None,
        created_at: utc(created),
        retired_at: None,
    }
}

#[test]
fn days_weeks_and_months_are_utc_periods() {
    // Wednesday 2026-11-25, late evening UTC.
    let at = utc("2026-11-25T23:30:00Z");
    let day = Cadence::Daily.period_at(at);
    assert_eq!(day.key, "2026-11-25");
    assert_eq!(day.start, utc("2026-11-25T00:00:00Z"));
    assert_eq!(day.end, utc("2026-11-26T00:00:00Z"));
    let week = Cadence::Weekly.period_at(at);
    assert_eq!(week.key, "2026-W48");
    assert_eq!(
        week.start,
        utc("2026-11-23T00:00:00Z"),
        "weeks start on Monday"
    );
    assert_eq!(week.end, utc("2026-11-30T00:00:00Z"));
    let month = Cadence::Monthly.period_at(at);
    assert_eq!(month.key, "2026-11");
    assert_eq!(month.start, utc("2026-11-01T00:00:00Z"));
    assert_eq!(month.end, utc("2026-12-01T00:00:00Z"));
}

#[test]
fn iso_weeks_take_the_year_of_their_thursday() {
    // 2027-01-01 is a Friday: it belongs to 2026's week 53.
    let week = Cadence::Weekly.period_at(utc("2027-01-01T12:00:00Z"));
    assert_eq!(week.key, "2026-W53");
    assert_eq!(week.start, utc("2026-12-28T00:00:00Z"));
    // A Monday at midnight starts its own week.
    let monday = Cadence::Weekly.period_at(utc("2026-11-30T00:00:00Z"));
    assert_eq!(monday.key, "2026-W49");
}

#[test]
fn previous_periods_walk_back_newest_first() {
    let at = utc("2026-03-15T10:00:00Z");
    let months: Vec<String> = Cadence::Monthly
        .previous_periods(at, 3)
        .into_iter()
        .map(|p| p.key)
        .collect();
    assert_eq!(months, ["2026-02", "2026-01", "2025-12"]);
    let days: Vec<String> = Cadence::Daily
        .previous_periods(at, 2)
        .into_iter()
        .map(|p| p.key)
        .collect();
    assert_eq!(days, ["2026-03-14", "2026-03-13"]);
}

#[test]
fn titles_and_targets_are_checked() {
    assert!(ItemTitle::parse("  ").is_err());
    assert!(ItemTitle::parse(&"x".repeat(121)).is_err());
    assert!(ItemTitle::parse("two\nlines").is_err());
    assert_eq!(
        ItemTitle::parse(" Work 3 cases ").unwrap().as_str(),
        "Work 3 cases"
    );
    assert!(Proof::new(Metric::CasesWorked, 0).is_err());
    assert!(Proof::new(Metric::CasesWorked, 10_001).is_err());
    assert!("sometimes".parse::<Cadence>().is_err());
    assert_eq!(
        "reviews_done".parse::<Metric>().unwrap(),
        Metric::ReviewsDone
    );
}

#[test]
fn plain_items_are_ticked_once_per_period_and_proven_items_never() {
    let plain = item(Cadence::Weekly, None, "2026-11-01T00:00:00Z");
    let me = plain.person_id;
    let at = utc("2026-11-25T09:00:00Z");
    let (tick, event) = plain.tick(me, at, false).unwrap();
    assert_eq!(tick.period, "2026-W48");
    assert_eq!(tick.period_start, utc("2026-11-23T00:00:00Z"));
    assert_eq!(event.kind(), EventKind::StandardWorkTicked);
    assert_eq!(
        plain.tick(me, at, true).unwrap_err(),
        StandardWorkError::AlreadyTicked("2026-W48".into())
    );
    let (period, event) = plain.untick(me, at, true).unwrap();
    assert_eq!(period.key, "2026-W48");
    assert_eq!(event.kind(), EventKind::StandardWorkUnticked);
    assert!(matches!(
        plain.untick(me, at, false),
        Err(StandardWorkError::NotTicked(_))
    ));

    let proven = item(
        Cadence::Weekly,
        Some(Proof::new(Metric::CasesWorked, 3).unwrap()),
        "2026-11-01T00:00:00Z",
    );
    assert!(matches!(
        proven.tick(me, at, false),
        Err(StandardWorkError::Proven(_))
    ));
    let (retired, event) = plain.retire(Some(me), at).unwrap();
    assert_eq!(event.kind(), EventKind::StandardWorkItemRetired);
    assert_eq!(
        retired.retire(Some(me), at).unwrap_err(),
        StandardWorkError::Retired
    );
    assert_eq!(
        retired.tick(me, at, false).unwrap_err(),
        StandardWorkError::Retired
    );
}

#[test]
fn proven_items_are_done_when_activity_in_the_period_reaches_the_target() {
    let now = utc("2026-11-25T12:00:00Z");
    let work = item(
        Cadence::Weekly,
        Some(Proof::new(Metric::CasesWorked, 3).unwrap()),
        "2026-11-01T00:00:00Z",
    );
    let reviews = item(
        Cadence::Weekly,
        Some(Proof::new(Metric::ReviewsDone, 2).unwrap()),
        "2026-11-01T00:00:00Z",
    );
    let (a, b, c) = (CaseId::new(), CaseId::new(), CaseId::new());
    let reply = |case_id, at: &str| Reply {
        case_id,
        at: utc(at),
    };
    let activity = Activity {
        replies: vec![
            // This week (from Monday 23rd): cases a and b.
            reply(a, "2026-11-23T09:00:00Z"),
            reply(a, "2026-11-23T09:10:00Z"),
            reply(b, "2026-11-24T15:00:00Z"),
            // Last week: three cases.
            reply(a, "2026-11-16T09:00:00Z"),
            reply(b, "2026-11-17T09:00:00Z"),
            reply(c, "2026-11-22T23:59:00Z"),
        ],
        // c resolved this week: the third case worked this week.
        resolutions: vec![Resolution {
            case_id: c,
            at: utc("2026-11-25T08:00:00Z"),
        }],
        reviews: vec![utc("2026-11-24T10:00:00Z")],
        asks_resolved: vec![],
    };
    let list = checklist(&[work.clone(), reviews], &[], &activity, now, 8);
    assert_eq!(list[0].current.value, Some(3));
    assert!(list[0].current.done);
    // Weeks since the item was created on Sunday 1 November: W48 is current; W47, W46,
    // W45 and W44 (which holds 1 November) are history.
    let keys: Vec<&str> = list[0]
        .history
        .iter()
        .map(|p| p.period.key.as_str())
        .collect();
    assert_eq!(keys, ["2026-W47", "2026-W46", "2026-W45", "2026-W44"]);
    assert_eq!(list[0].history[0].value, Some(3));
    assert!(list[0].history[0].done);
    assert_eq!(list[0].completion_rate, Some(0.25));
    assert_eq!(list[1].current.value, Some(1));
    assert!(!list[1].current.done);
}

#[test]
fn plain_items_are_done_in_the_periods_they_were_ticked() {
    let now = utc("2026-11-25T12:00:00Z");
    let daily = item(Cadence::Daily, None, "2026-11-20T08:00:00Z");
    let tick = |day: &str| {
        let (tick, _) = daily.tick(daily.person_id, utc(day), false).unwrap();
        tick
    };
    let ticks = vec![
        tick("2026-11-25T08:00:00Z"),
        tick("2026-11-24T08:00:00Z"),
        tick("2026-11-22T08:00:00Z"),
    ];
    let list = checklist(&[daily], &ticks, &Activity::default(), now, 8);
    let status = &list[0];
    assert!(status.current.done);
    assert_eq!(status.current.ticked_at, Some(utc("2026-11-25T08:00:00Z")));
    // History: the 24th back to the 20th (the day it was created): 5 days, 2 ticked.
    assert_eq!(status.history.len(), 5);
    assert_eq!(status.completion_rate, Some(0.4));
}

#[test]
fn a_retired_item_has_no_history_after_it_left_the_checklist() {
    let mut old = item(Cadence::Daily, None, "2026-11-01T00:00:00Z");
    old.retired_at = Some(utc("2026-11-22T12:00:00Z"));
    let periods = Cadence::Daily.previous_periods(utc("2026-11-25T12:00:00Z"), 5);
    let active: Vec<bool> = periods.iter().map(|p| old.active_during(p)).collect();
    // 24th, 23rd: after; 22nd: retired during it; 21st, 20th: before.
    assert_eq!(active, [false, false, true, true, true]);
}

#[test]
fn activity_is_read_from_the_oldest_history_period() {
    let now = utc("2026-11-25T12:00:00Z");
    assert_eq!(
        activity_since([Cadence::Daily, Cadence::Monthly], now, 2),
        utc("2026-09-01T00:00:00Z")
    );
    assert_eq!(activity_since([], now, 8), now);
}
