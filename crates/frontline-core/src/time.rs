//! Time as stored: UTC instants truncated to whole milliseconds, so a value read back from
//! either backend compares equal to the value written.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub use jiff::Timestamp;

/// The current time, truncated to milliseconds.
pub fn now() -> Timestamp {
    from_millis(Timestamp::now().as_millisecond())
}

/// A timestamp from unix milliseconds; out-of-range values clamp to the supported range.
pub fn from_millis(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// Truncate to milliseconds (the precision both stores keep).
pub fn truncate(ts: Timestamp) -> Timestamp {
    from_millis(ts.as_millisecond())
}

/// Where "now" comes from. The server and the store share one, so a test can hold time still
/// or move it (a week boundary, an escalation due in an hour) instead of sleeping, and every
/// timestamp written and every period computed agree.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    /// The wall clock: what the shipped server runs on.
    pub fn system() -> Clock {
        Clock(Arc::new(Timestamp::now))
    }

    /// Time from `f` (for example paused tokio time in tests).
    pub fn from_fn(f: impl Fn() -> Timestamp + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }

    /// A clock standing at `start` until its hand moves it.
    pub fn manual(start: Timestamp) -> (Clock, ClockHand) {
        let hand = ClockHand(Arc::new(AtomicI64::new(start.as_millisecond())));
        let reading = hand.clone();
        (
            Clock::from_fn(move || from_millis(reading.0.load(Ordering::SeqCst))),
            hand,
        )
    }

    /// The current time, truncated to milliseconds.
    pub fn now(&self) -> Timestamp {
        truncate((self.0)())
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// Moves a manual clock.
#[derive(Clone, Debug)]
pub struct ClockHand(Arc<AtomicI64>);

impl ClockHand {
    pub fn set(&self, to: Timestamp) {
        self.0.store(to.as_millisecond(), Ordering::SeqCst);
    }

    pub fn advance(&self, by: jiff::SignedDuration) {
        self.0.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_stands_still_until_moved() {
        let start: Timestamp = "2026-12-02T12:00:00.123456Z".parse().unwrap();
        let (clock, hand) = Clock::manual(start);
        assert_eq!(clock.now(), truncate(start));
        assert_eq!(clock.now(), clock.now());
        hand.advance(jiff::SignedDuration::from_hours(1));
        assert_eq!(
            clock.now(),
            truncate(start) + jiff::SignedDuration::from_hours(1)
        );
        let later: Timestamp = "2027-01-01T00:00:00Z".parse().unwrap();
        hand.set(later);
        assert_eq!(clock.clone().now(), later);
    }

    #[test]
    fn the_system_clock_reads_the_wall_clock_in_milliseconds() {
        let before = now();
        let read = Clock::system().now();
        assert!(read >= before);
        assert_eq!(read.subsec_nanosecond() % 1_000_000, 0);
    }
}
