//! Holidays from an iCalendar file (RFC 5545), as public-holiday calendars publish them: each
//! `VEVENT` is a day off from its `DTSTART` date up to, not including, its `DTEND` date (one
//! day when it has none). Recurring events are refused rather than half read: such a file
//! should list its dates (holiday feeds do).

use jiff::civil::Date;

use crate::values::ValueError;

/// Most bytes of a holiday file: a few hundred years of holidays fit in far less.
pub const MAX_ICAL_BYTES: usize = 1024 * 1024;
/// Longest event read as holidays, in days.
const MAX_EVENT_DAYS: i32 = 366;

fn invalid(reason: impl Into<String>) -> ValueError {
    ValueError::new("holidays", reason)
}

/// `20261225`, `20261225T000000`, `20261225T000000Z`: the date part.
fn date_of(value: &str) -> Option<Date> {
    let digits = value.get(..8)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m, d) = (
        digits[..4].parse().ok()?,
        digits[4..6].parse().ok()?,
        digits[6..].parse().ok()?,
    );
    Date::new(y, m, d).ok()
}

/// The days off an iCalendar text lists, sorted and distinct.
pub fn holidays_from_ical(text: &str) -> Result<Vec<Date>, ValueError> {
    if text.len() > MAX_ICAL_BYTES {
        return Err(invalid(format!(
            "the file has {} bytes; at most {MAX_ICAL_BYTES}",
            text.len()
        )));
    }
    let first = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .lines()
        .next();
    if !first.is_some_and(|l| l.trim().eq_ignore_ascii_case("BEGIN:VCALENDAR")) {
        return Err(invalid(
            "not an iCalendar file: it should start with BEGIN:VCALENDAR",
        ));
    }
    let mut days = Vec::new();
    let mut calendars = 0;
    for calendar in ical::IcalParser::new(text.as_bytes()) {
        let calendar = calendar.map_err(|e| invalid(format!("not an iCalendar file: {e}")))?;
        calendars += 1;
        for (n, event) in calendar.events.iter().enumerate() {
            let prop = |name: &str| {
                event
                    .properties
                    .iter()
                    .find(|p| p.name.eq_ignore_ascii_case(name))
                    .and_then(|p| p.value.as_deref())
            };
            let what = prop("SUMMARY").map_or_else(|| format!("event {}", n + 1), str::to_owned);
            if prop("RRULE").is_some() || prop("RDATE").is_some() {
                return Err(invalid(format!(
                    "{what:?} repeats (RRULE): export the holidays with their dates listed"
                )));
            }
            let start =
                prop("DTSTART").ok_or_else(|| invalid(format!("{what:?} has no DTSTART")))?;
            let start = date_of(start)
                .ok_or_else(|| invalid(format!("{what:?}: DTSTART {start:?} is not a date")))?;
            let end = match prop("DTEND") {
                Some(raw) => date_of(raw)
                    .ok_or_else(|| invalid(format!("{what:?}: DTEND {raw:?} is not a date")))?,
                None => start
                    .tomorrow()
                    .map_err(|_| invalid("a date at the end of time"))?,
            };
            let length = start.until(end).map_or(0, |s| s.get_days());
            if length > MAX_EVENT_DAYS {
                return Err(invalid(format!(
                    "{what:?} lasts {length} days; a holiday lasts at most {MAX_EVENT_DAYS}"
                )));
            }
            let mut day = start;
            // An event that ends on its start day (DTEND a time on the same date) is that day.
            loop {
                days.push(day);
                match day.tomorrow() {
                    Ok(next) if next < end => day = next,
                    _ => break,
                }
            }
            if days.len() > super::MAX_HOLIDAYS {
                return Err(invalid(format!(
                    "more than {} holidays; at most {}",
                    super::MAX_HOLIDAYS,
                    super::MAX_HOLIDAYS
                )));
            }
        }
    }
    if calendars == 0 {
        return Err(invalid(
            "not an iCalendar file: it should start with BEGIN:VCALENDAR",
        ));
    }
    days.sort();
    days.dedup();
    Ok(days)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    const FEED: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Holidays//EN\r\n\
        BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261227\r\n\
        SUMMARY:Christmas\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:New Year\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:3\r\nDTSTART:20261225T000000Z\r\nSUMMARY:Again\r\nEND:VEVENT\r\n\
        END:VCALENDAR\r\n";

    #[test]
    fn events_are_days_off_from_start_to_end() {
        assert_eq!(
            holidays_from_ical(FEED).unwrap(),
            vec![date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)]
        );
    }

    #[test]
    fn broken_and_unsupported_files_say_what_is_wrong() {
        let cases = [
            ("hello", "BEGIN:VCALENDAR"),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:X\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                "no DTSTART",
            ),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Bad\r\nDTSTART:2026-12\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                "not a date",
            ),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Every year\r\nDTSTART;VALUE=DATE:20261225\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                "repeats",
            ),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Long\r\nDTSTART;VALUE=DATE:20260101\r\nDTEND;VALUE=DATE:20300101\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                "lasts",
            ),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n",
                "not an iCalendar file",
            ),
        ];
        for (text, says) in cases {
            let err = holidays_from_ical(text).unwrap_err();
            assert!(err.reason.contains(says), "{text:?}: {}", err.reason);
        }
        let huge = "X".repeat(MAX_ICAL_BYTES + 1);
        assert!(holidays_from_ical(&huge).is_err());
        assert!(
            holidays_from_ical(&huge)
                .unwrap_err()
                .reason
                .contains("at most")
        );
    }

    proptest::proptest! {
        /// Whatever follows the header, reading it answers (days or a reason); it never
        /// panics or hangs.
        #[test]
        fn any_text_is_read_or_refused(lines in proptest::collection::vec("[A-Z;=:0-9TZ \\-]{0,40}", 0..30)) {
            let text = format!("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", lines.join("\r\n"));
            let _ = holidays_from_ical(&text);
        }
    }
}
