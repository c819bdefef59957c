//! The customer-time ledger: how much a person (above all a support employee, the CEO
//! included) serves customers themselves, derived from what they really did, never from what
//! they say they did.
//!
//! Over a window (by default the goal's period, the last 30 days):
//! - **public replies**: their public messages on cases (internal notes do not count: the
//!   customer never sees them);
//! - **cases worked**: distinct cases with at least one public reply by them in the window,
//!   together with cases they own whose resolution falls in the window (resolving a case
//!   one owns is serving its customer even when a colleague wrote the words);
//! - **minutes with customers**, an *estimate* from reply activity: replies are grouped into
//!   sessions, a gap of more than 30 minutes between two replies starts a new session, and a
//!   session counts from its first reply to its last plus 5 minutes (the time to read the
//!   case and write the first reply). A single reply is 5 minutes; three replies at 10:00,
//!   10:20 and 10:45 are one session of 50 minutes. It undercounts reading without replying
//!   and overcounts a reply dashed off in a minute; it is a trend, not a timesheet;
//! - **distance**: whole days since their last public reply, over all time (not only the
//!   window); `None` when they never replied to a customer;
//! - **goal**: met when the minutes with customers reach the goal's minutes (default 240
//!   minutes in 30 days).

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::ids::CaseId;
use crate::time::Timestamp;
use crate::values::ValueError;

/// A gap longer than this between two replies starts a new session.
pub const SESSION_GAP: SignedDuration = SignedDuration::from_mins(30);
/// What a session counts beyond its first-to-last span (reading and the first reply).
pub const SESSION_TAIL: SignedDuration = SignedDuration::from_mins(5);

/// One public reply by the person, on a case, at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub case_id: CaseId,
    pub at: Timestamp,
}

/// A case the person owns that was resolved at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub case_id: CaseId,
    pub at: Timestamp,
}

/// How much time with customers is expected: `minutes` in every `days` days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerGoal {
    pub minutes: u32,
    pub days: u32,
}

impl Default for LedgerGoal {
    /// Four hours a month.
    fn default() -> Self {
        Self {
            minutes: 240,
            days: 30,
        }
    }
}

impl LedgerGoal {
    pub const MAX_DAYS: u32 = 366;
    pub const MAX_MINUTES: u32 = 100_000;

    /// A goal with `days` in 1..=366 and `minutes` in 0..=100,000.
    pub fn new(minutes: u32, days: u32) -> Result<Self, ValueError> {
        if !(1..=Self::MAX_DAYS).contains(&days) {
            return Err(ValueError::new(
                "days",
                format!("must be 1 to {} days", Self::MAX_DAYS),
            ));
        }
        if minutes > Self::MAX_MINUTES {
            return Err(ValueError::new(
                "minutes",
                format!("must be at most {} minutes", Self::MAX_MINUTES),
            ));
        }
        Ok(Self { minutes, days })
    }

    /// The window the goal is measured over, ending at `now`.
    pub fn window_start(self, now: Timestamp) -> Timestamp {
        now - SignedDuration::from_hours(24 * i64::from(self.days))
    }
}

/// Sessions of reply activity and the estimated minutes they add up to (see the module
/// documentation). The replies may come in any order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWithCustomers {
    pub sessions: u32,
    pub minutes: u32,
}

/// Group reply times into sessions and estimate the time they took.
pub fn time_with_customers(times: impl IntoIterator<Item = Timestamp>) -> TimeWithCustomers {
    let mut times: Vec<Timestamp> = times.into_iter().collect();
    times.sort_unstable();
    let mut sessions = 0u32;
    let mut total = SignedDuration::ZERO;
    let mut session: Option<(Timestamp, Timestamp)> = None;
    for at in times {
        session = match session {
            Some((first, last)) if at.duration_since(last) <= SESSION_GAP => Some((first, at)),
            Some((first, last)) => {
                total += last.duration_since(first) + SESSION_TAIL;
                sessions += 1;
                Some((at, at))
            }
            None => Some((at, at)),
        };
    }
    if let Some((first, last)) = session {
        total += last.duration_since(first) + SESSION_TAIL;
        sessions += 1;
    }
    TimeWithCustomers {
        sessions,
        minutes: u32::try_from(total.as_mins()).unwrap_or(u32::MAX),
    }
}

/// Distinct cases among replies and resolutions.
pub fn cases_worked<'a>(
    replies: impl IntoIterator<Item = &'a Reply>,
    resolutions: impl IntoIterator<Item = &'a Resolution>,
) -> u32 {
    let mut cases: Vec<CaseId> = replies
        .into_iter()
        .map(|r| r.case_id)
        .chain(resolutions.into_iter().map(|r| r.case_id))
        .collect();
    cases.sort_unstable();
    cases.dedup();
    u32::try_from(cases.len()).unwrap_or(u32::MAX)
}

/// Whole days from `last` to `now` (0 on the same day or if `last` is in the future).
pub fn distance_days(last: Timestamp, now: Timestamp) -> u32 {
    let millis = now.as_millisecond() - last.as_millisecond();
    u32::try_from(millis.max(0) / (24 * 60 * 60 * 1000)).unwrap_or(u32::MAX)
}

/// One person's ledger over `[since, until)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub since: Timestamp,
    pub until: Timestamp,
    pub cases_worked: u32,
    pub public_replies: u32,
    pub sessions: u32,
    /// Estimated from reply sessions (see the module documentation).
    pub minutes_with_customers: u32,
    /// Their last public reply ever.
    pub last_served_at: Option<Timestamp>,
    /// Whole days since `last_served_at`; `None`: never served a customer.
    pub distance_days: Option<u32>,
    pub goal: LedgerGoal,
    pub goal_met: bool,
}

impl Ledger {
    /// The ledger over `[goal.window_start(now), now)`. Replies and resolutions outside the
    /// window are ignored, so callers may pass more than the window.
    pub fn compute(
        replies: &[Reply],
        resolutions: &[Resolution],
        last_served_at: Option<Timestamp>,
        goal: LedgerGoal,
        now: Timestamp,
    ) -> Ledger {
        let since = goal.window_start(now);
        let inside = |at: Timestamp| since <= at && at < now;
        let replies: Vec<&Reply> = replies.iter().filter(|r| inside(r.at)).collect();
        let resolutions: Vec<&Resolution> = resolutions.iter().filter(|r| inside(r.at)).collect();
        let time = time_with_customers(replies.iter().map(|r| r.at));
        Ledger {
            since,
            until: now,
            cases_worked: cases_worked(replies.iter().copied(), resolutions.iter().copied()),
            public_replies: u32::try_from(replies.len()).unwrap_or(u32::MAX),
            sessions: time.sessions,
            minutes_with_customers: time.minutes,
            last_served_at,
            distance_days: last_served_at.map(|last| distance_days(last, now)),
            goal,
            goal_met: time.minutes >= goal.minutes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::from_millis;

    /// 2026-11-02 09:00 UTC plus `m` minutes.
    fn at(m: i64) -> Timestamp {
        from_millis(1_793_610_000_000 + m * 60_000)
    }

    #[test]
    fn one_reply_is_one_session_of_five_minutes() {
        let t = time_with_customers([at(0)]);
        assert_eq!(
            t,
            TimeWithCustomers {
                sessions: 1,
                minutes: 5
            }
        );
    }

    #[test]
    fn no_replies_is_no_time() {
        assert_eq!(time_with_customers([]), TimeWithCustomers::default());
    }

    #[test]
    fn replies_within_thirty_minutes_of_each_other_are_one_session() {
        // 10:00, 10:20, 10:45: gaps of 20 and 25 minutes; 45 minutes span + 5 = 50.
        let t = time_with_customers([at(45), at(0), at(20)]);
        assert_eq!(
            t,
            TimeWithCustomers {
                sessions: 1,
                minutes: 50
            }
        );
    }

    #[test]
    fn a_gap_of_exactly_thirty_minutes_continues_the_session_and_one_more_second_splits_it() {
        assert_eq!(time_with_customers([at(0), at(30)]).sessions, 1);
        let later = at(30) + SignedDuration::from_secs(1);
        let t = time_with_customers([at(0), later]);
        assert_eq!(
            t,
            TimeWithCustomers {
                sessions: 2,
                minutes: 10
            }
        );
    }

    #[test]
    fn a_hand_checked_week_of_replies() {
        // Monday: 09:00, 09:10, 09:35 (one session, 35 + 5 = 40), then 14:00 (5).
        // Wednesday: 11:00, 11:31 (gap 31: two sessions, 5 + 5 = 10).
        // Friday: 16:00, 16:30, 17:00, 17:30 (one session, 90 + 5 = 95).
        // Total 40 + 5 + 10 + 95 = 150 minutes in 5 sessions.
        let day = 24 * 60;
        let replies = [
            0,
            10,
            35,
            5 * 60,
            2 * day + 2 * 60,
            2 * day + 2 * 60 + 31,
            4 * day + 7 * 60,
            4 * day + 7 * 60 + 30,
            4 * day + 8 * 60,
            4 * day + 8 * 60 + 30,
        ];
        let t = time_with_customers(replies.map(at));
        assert_eq!(
            t,
            TimeWithCustomers {
                sessions: 5,
                minutes: 150
            }
        );
    }

    #[test]
    fn cases_worked_counts_each_case_once_across_replies_and_resolutions() {
        let (a, b, c) = (CaseId::new(), CaseId::new(), CaseId::new());
        let replies = [
            Reply {
                case_id: a,
                at: at(0),
            },
            Reply {
                case_id: a,
                at: at(5),
            },
            Reply {
                case_id: b,
                at: at(9),
            },
        ];
        let resolutions = [
            Resolution {
                case_id: b,
                at: at(20),
            },
            Resolution {
                case_id: c,
                at: at(30),
            },
        ];
        assert_eq!(cases_worked(&replies, &resolutions), 3);
    }

    #[test]
    fn distance_is_whole_days_since_the_last_reply() {
        assert_eq!(distance_days(at(0), at(0)), 0);
        assert_eq!(distance_days(at(0), at(24 * 60 - 1)), 0);
        assert_eq!(distance_days(at(0), at(24 * 60)), 1);
        assert_eq!(distance_days(at(0), at(10 * 24 * 60 + 600)), 10);
        assert_eq!(distance_days(at(60), at(0)), 0);
    }

    #[test]
    fn the_ledger_counts_only_the_window_and_keeps_distance_over_all_time() {
        let day = 24 * 60;
        let now = at(40 * day);
        let (old, a, b) = (CaseId::new(), CaseId::new(), CaseId::new());
        let replies = [
            // 35 days ago: outside the 30-day window.
            Reply {
                case_id: old,
                at: at(5 * day),
            },
            // Inside: 20 + 5 on case a, then a lone reply on b three days before now.
            Reply {
                case_id: a,
                at: at(20 * day),
            },
            Reply {
                case_id: a,
                at: at(20 * day + 20),
            },
            Reply {
                case_id: b,
                at: at(37 * day),
            },
        ];
        let resolutions = [Resolution {
            case_id: old,
            at: at(38 * day),
        }];
        let ledger = Ledger::compute(
            &replies,
            &resolutions,
            Some(at(37 * day)),
            LedgerGoal::default(),
            now,
        );
        assert_eq!(ledger.public_replies, 3);
        assert_eq!(
            ledger.cases_worked, 3,
            "a and b replied on, old resolved in the window"
        );
        assert_eq!(ledger.sessions, 2);
        assert_eq!(ledger.minutes_with_customers, 25 + 5);
        assert_eq!(ledger.distance_days, Some(3));
        assert!(!ledger.goal_met);
        let easy = LedgerGoal::new(30, 30).unwrap();
        assert!(Ledger::compute(&replies, &resolutions, None, easy, now).goal_met);
    }

    #[test]
    fn someone_who_never_replied_has_no_distance_and_misses_any_positive_goal() {
        let ledger = Ledger::compute(&[], &[], None, LedgerGoal::default(), at(0));
        assert_eq!(ledger.distance_days, None);
        assert_eq!(ledger.minutes_with_customers, 0);
        assert!(!ledger.goal_met);
        let nothing = LedgerGoal::new(0, 30).unwrap();
        assert!(Ledger::compute(&[], &[], None, nothing, at(0)).goal_met);
    }

    #[test]
    fn goals_are_bounded() {
        assert!(LedgerGoal::new(240, 0).is_err());
        assert!(LedgerGoal::new(240, 367).is_err());
        assert!(LedgerGoal::new(100_001, 30).is_err());
        assert_eq!(LedgerGoal::new(240, 30).unwrap(), LedgerGoal::default());
    }
}
