//! Time as stored: UTC instants truncated to whole milliseconds, so a value read back from
//! either backend compares equal to the value written.

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
