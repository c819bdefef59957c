use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::*;
use crate::calendar::{Calendar, CalendarSpec};

fn office() -> Calendar {
    let hours = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        .iter()
        .map(|d| ((*d).to_owned(), vec!["09:00-17:00".to_owned()]))
        .collect();
    Calendar::new(CalendarSpec {
        time_zone: "Europe/Berlin".into(),
        hours,
        holidays: vec![date(2026, 12, 25)],
    })
    .unwrap()
}

/// Local Berlin time in December 2026 (Monday the 7th to Friday the 11th is a work week).
fn dec(day: i8, h: i8, m: i8) -> Timestamp {
    date(2026, 12, day)
        .at(h, m, 0, 0)
        .to_zoned(jiff::tz::TimeZone::get("Europe/Berlin").unwrap())
        .unwrap()
        .timestamp()
}

fn target(kind: TargetKind, minutes: u32) -> Target {
    Target {
        kind,
        priority: None,
        business_minutes: minutes,
        pause_while_waiting: true,
        warn_at_percent: 75,
    }
}

fn h(at: Timestamp, moment: Moment) -> Happening {
    Happening { at, moment }
}

use Moment::*;

#[test]
fn first_response_is_due_in_business_hours_and_met_by_the_first_answer() {
    let cal = office();
    let t = target(TargetKind::FirstResponse, 4 * 60);
    // Opened Monday 15:00: two hours left that day, two on Tuesday, due 11:00, warned at 10:00.
    let history = [h(dec(7, 15, 0), Opened)];
    let r = read(&t, &cal, &history, dec(7, 16, 0));
    assert_eq!(
        r.state,
        TargetState::Running {
            due: Some(dec(8, 11, 0)),
            warn_at: Some(dec(8, 10, 0))
        }
    );
    let answered = [h(dec(7, 15, 0), Opened), h(dec(8, 9, 30), StaffReply)];
    let r = read(&t, &cal, &answered, dec(9, 12, 0));
    assert_eq!(r.state, TargetState::Met { at: dec(8, 9, 30) });
    assert_eq!(
        (r.met, r.breached, r.used),
        (1, 0, SignedDuration::from_mins(150))
    );
    // Unanswered by Tuesday noon: breached at 11:00.
    let r = read(&t, &cal, &history, dec(8, 12, 0));
    assert_eq!(
        r.state,
        TargetState::Breached {
            at: dec(8, 11, 0),
            met_at: None
        }
    );
    assert_eq!(r.breached, 1);
}

#[test]
fn a_target_alarms_at_its_warning_then_at_its_breach_and_not_once_met() {
    let cal = office();
    let targets = [
        target(TargetKind::FirstResponse, 4 * 60),
        target(TargetKind::Resolution, 16 * 60),
    ];
    let history = [h(dec(7, 15, 0), Opened)];
    let at = |now| -> Vec<TargetReading> {
        targets
            .iter()
            .map(|t| read(t, &cal, &history, now))
            .collect()
    };
    // Monday 16:00: nothing yet; the first response warns first, Tuesday 10:00.
    let now = at(dec(7, 16, 0));
    assert!(alarms(&now).is_empty());
    assert_eq!(next_alarm(&now), Some(dec(8, 10, 0)));
    // Tuesday 10:30: the first response's warning about its 11:00 due time.
    let now = at(dec(8, 10, 30));
    let warning = Alarm {
        kind: TargetKind::FirstResponse,
        stage: AlarmStage::Warning,
        due: dec(8, 11, 0),
        business_minutes: 240,
    };
    assert_eq!(alarms(&now), vec![warning]);
    assert_eq!(next_alarm(&now), Some(dec(8, 11, 0)));
    // Tuesday noon: breached at 11:00; the resolution (16 h: due Wednesday 15:00, warned
    // at 12 h, Wednesday 11:00) is next.
    let now = at(dec(8, 12, 0));
    assert_eq!(
        alarms(&now),
        vec![Alarm {
            stage: AlarmStage::Breach,
            ..warning
        }]
    );
    assert_eq!(next_alarm(&now), Some(dec(9, 11, 0)));
    // Answered late: the breach stays in the figures but alarms no more.
    let answered = [h(dec(7, 15, 0), Opened), h(dec(8, 12, 30), StaffReply)];
    let r = read(&targets[0], &cal, &answered, dec(8, 13, 0));
    assert!(alarms(std::slice::from_ref(&r)).is_empty());
    assert_eq!(next_alarm(&[r]), None);
    // Waiting on the customer pauses the clock: no alarm is scheduled.
    let waiting = [
        h(dec(7, 15, 0), Opened),
        h(dec(7, 16, 0), Status(CaseStatus::WaitingOnCustomer)),
    ];
    let r = read(&targets[1], &cal, &waiting, dec(8, 12, 0));
    assert_eq!(next_alarm(&[r]), None);
}

#[test]
fn waiting_on_the_customer_pauses_resolution_and_reopening_continues_it() {
    let cal = office();
    let t = target(TargetKind::Resolution, 8 * 60);
    let history = [
        h(dec(7, 9, 0), Opened),
        h(dec(7, 10, 0), StaffReply),
        h(dec(7, 10, 0), Status(CaseStatus::WaitingOnCustomer)),
        h(dec(9, 9, 0), CustomerMessage),
        h(dec(9, 9, 0), Status(CaseStatus::Open)),
        h(dec(9, 11, 0), Status(CaseStatus::Resolved)),
    ];
    // Paused from Monday 10:00 with seven hours left.
    let r = read(&t, &cal, &history, dec(8, 12, 0));
    assert_eq!(
        r.state,
        TargetState::Paused {
            left: SignedDuration::from_hours(7)
        }
    );
    // Running again from Wednesday 09:00: due 16:00.
    let r = read(&t, &cal, &history, dec(9, 10, 0));
    assert!(matches!(r.state, TargetState::Running { due: Some(d), .. } if d == dec(9, 16, 0)));
    let r = read(&t, &cal, &history, dec(10, 10, 0));
    assert_eq!(r.state, TargetState::Met { at: dec(9, 11, 0) });
    assert_eq!(r.used, SignedDuration::from_hours(3));
    // Reopened on Thursday with five hours left: the clock continues, it does not restart.
    let mut reopened = history.to_vec();
    reopened.push(h(dec(10, 9, 0), Status(CaseStatus::Open)));
    let r = read(&t, &cal, &reopened, dec(10, 9, 0));
    assert!(matches!(r.state, TargetState::Running { due: Some(d), .. } if d == dec(10, 14, 0)));
}

#[test]
fn without_pausing_waiting_counts_and_a_late_resolution_stays_breached() {
    let cal = office();
    let mut t = target(TargetKind::Resolution, 8 * 60);
    t.pause_while_waiting = false;
    let history = [
        h(dec(7, 9, 0), Opened),
        h(dec(7, 10, 0), Status(CaseStatus::WaitingOnCustomer)),
        h(dec(8, 12, 0), Status(CaseStatus::Resolved)),
    ];
    let r = read(&t, &cal, &history, dec(9, 9, 0));
    assert_eq!(
        r.state,
        TargetState::Breached {
            at: dec(7, 17, 0),
            met_at: Some(dec(8, 12, 0))
        }
    );
    assert_eq!((r.met, r.breached), (0, 1));
}

#[test]
fn next_response_counts_each_answer_owed_after_the_first() {
    let cal = office();
    let t = target(TargetKind::NextResponse, 60);
    let history = [
        h(dec(7, 9, 0), Opened),
        // Covered by first response, not next response.
        h(dec(7, 9, 10), CustomerMessage),
        h(dec(7, 9, 30), StaffReply),
        h(dec(7, 10, 0), CustomerMessage),
        h(dec(7, 10, 20), CustomerMessage),
        h(dec(7, 10, 45), StaffReply),
        h(dec(7, 16, 30), CustomerMessage),
    ];
    let r = read(&t, &cal, &history[..3], dec(7, 9, 45));
    assert_eq!(r.state, TargetState::Idle);
    // The answer owed since 16:30 is due Tuesday 09:30 (half an hour on Monday).
    let r = read(&t, &cal, &history, dec(7, 17, 0));
    assert!(matches!(r.state, TargetState::Running { due: Some(d), .. } if d == dec(8, 9, 30)));
    assert_eq!((r.met, r.breached), (1, 0));
    let r = read(&t, &cal, &history, dec(8, 10, 0));
    assert_eq!(
        r.state,
        TargetState::Breached {
            at: dec(8, 9, 30),
            met_at: None
        }
    );
    assert_eq!((r.met, r.breached), (1, 1));
}

#[test]
fn targets_are_picked_by_priority_and_checked() {
    let general = target(TargetKind::Resolution, 600);
    let urgent = Target {
        priority: Some(Priority::Urgent),
        ..target(TargetKind::Resolution, 60)
    };
    let first = target(TargetKind::FirstResponse, 30);
    let all = vec![general.clone(), urgent.clone(), first.clone()];
    assert_eq!(applicable(&all, Priority::Urgent), vec![&first, &urgent]);
    assert_eq!(applicable(&all, Priority::Low), vec![&first, &general]);
    assert!(validate_targets(&all).is_ok());
    let twice = vec![general.clone(), general];
    assert!(
        validate_targets(&twice)
            .unwrap_err()
            .reason
            .contains("two resolution targets")
    );
    assert!(target(TargetKind::Resolution, 0).validate().is_err());
    assert!(
        target(TargetKind::Resolution, 10 * MAX_TARGET_MINUTES)
            .validate()
            .is_err()
    );
    let loud = Target {
        warn_at_percent: 100,
        ..target(TargetKind::Resolution, 60)
    };
    assert!(
        loud.validate()
            .unwrap_err()
            .reason
            .contains("between 1 and 99")
    );
}

#[test]
fn a_calendar_never_open_long_enough_is_never_due() {
    let cal = Calendar::new(CalendarSpec {
        time_zone: "UTC".into(),
        hours: [("monday".to_owned(), vec!["09:00-09:01".to_owned()])].into(),
        holidays: vec![],
    })
    .unwrap();
    let t = target(TargetKind::Resolution, MAX_TARGET_MINUTES);
    let r = read(&t, &cal, &[h(dec(7, 9, 0), Opened)], dec(7, 10, 0));
    assert_eq!(
        r.state,
        TargetState::Running {
            due: None,
            warn_at: None
        }
    );
}

/// Statuses a case may be moved through, each after some time.
fn statuses() -> impl Strategy<Value = Vec<(i64, CaseStatus)>> {
    let status = prop::sample::select(CaseStatus::ALL.to_vec());
    prop::collection::vec((1i64..(3 * 86_400_000), status), 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The resolution clock's time is the business time of the intervals in which the case
    /// was worked, however often it paused and resumed: nothing lost, nothing gained.
    #[test]
    fn resolution_time_is_the_business_time_of_the_worked_intervals(
        steps in statuses(),
        pause in any::<bool>(),
        tail in 0i64..(5 * 86_400_000),
    ) {
        let cal = office();
        let t = Target { pause_while_waiting: pause, ..target(TargetKind::Resolution, 16 * 60) };
        let start = dec(7, 8, 0);
        let mut at = start;
        let mut history = vec![h(start, Opened)];
        for (gap, status) in &steps {
            at += SignedDuration::from_millis(*gap);
            history.push(h(at, Status(*status)));
        }
        let now = at + SignedDuration::from_millis(tail);
        let reading = read(&t, &cal, &history, now);
        let mut expected = SignedDuration::ZERO;
        let mut status = CaseStatus::New;
        for (i, happening) in history.iter().enumerate() {
            if let Status(s) = happening.moment { status = s; }
            let end = history.get(i + 1).map_or(now, |next| next.at);
            if runs_in(status, &t) {
                expected += cal.business_between(happening.at, end);
            }
        }
        prop_assert_eq!(reading.used, expected);
        let budget = SignedDuration::from_mins(16 * 60);
        match reading.state {
            TargetState::Running { due: Some(due), .. } => {
                prop_assert!(expected <= budget);
                if expected < budget {
                    prop_assert!(cal.is_open(due - SignedDuration::from_millis(1)));
                } else {
                    // Used up to the millisecond: it falls due now, at the next open moment.
                    prop_assert!(due <= now);
                }
            }
            TargetState::Breached { at, .. } => {
                prop_assert!(expected > budget);
                prop_assert!(cal.is_open(at - SignedDuration::from_millis(1)));
            }
            TargetState::Met { .. } | TargetState::Paused { .. } => prop_assert!(expected <= budget),
            other => prop_assert!(false, "unexpected {other:?}"),
        }
    }
}
