//! The demo's Successful Customer Outcomes: what customers come for, how success is judged,
//! the target time, the teams that own each one (in routing preference order, indexes into
//! `org::TEAMS`) and each one's share of the incoming cases.

/// A Successful Customer Outcome and the teams that own it, in routing preference order.
pub struct OutcomeSpec {
    pub key: &'static str,
    pub name: &'static str,
    pub criteria: &'static str,
    pub target_minutes: u32,
    pub teams: &'static [usize],
    /// Relative share of incoming cases.
    pub weight: f64,
}

pub const OUTCOMES: &[OutcomeSpec] = &[
    OutcomeSpec {
        key: "order_arrives",
        name: "My order arrives complete and on time",
        criteria: "The customer has every item they ordered, undamaged, or a replacement is on its way on a tracked date they accept.",
        target_minutes: 2 * 24 * 60,
        teams: &[0],
        weight: 25.0,
    },
    OutcomeSpec {
        key: "charged_correctly",
        name: "I am charged exactly what I expected",
        criteria: "Every charge on the customer's statement matches what they agreed to; any wrong charge is refunded and confirmed in writing.",
        target_minutes: 24 * 60,
        teams: &[1],
        weight: 18.0,
    },
    OutcomeSpec {
        key: "back_online",
        name: "My connection works again",
        criteria: "The customer's service works and they have confirmed it on their own device.",
        target_minutes: 4 * 60,
        teams: &[2, 5],
        weight: 17.0,
    },
    OutcomeSpec {
        key: "easy_return",
        name: "My return is sorted without hassle",
        criteria: "The customer sent the item back at no cost to them and the refund or exchange arrived within the promised five working days.",
        target_minutes: 3 * 24 * 60,
        teams: &[3, 1],
        weight: 15.0,
    },
    OutcomeSpec {
        key: "account_access",
        name: "I can get into my account",
        criteria: "The customer can sign in securely again and nothing in the account was lost or changed without them.",
        target_minutes: 2 * 60,
        teams: &[4],
        weight: 13.0,
    },
    OutcomeSpec {
        key: "product_help",
        name: "I get the most out of my product",
        criteria: "The customer's question is answered and they can do what they wanted with the product.",
        target_minutes: 24 * 60,
        teams: &[5, 2],
        weight: 12.0,
    },
];

/// Opening hours of the demo's teams, by index into `org::TEAMS`: the shop's teams work
/// Berlin office hours with a lunch break; "Get back online" and "Account access" run a
/// long day from New York, six days a week. Two zones, so the console shows both.
pub fn calendar_of(team: usize, years: &[i16]) -> frontline_core::calendar::CalendarSpec {
    let (zone, days, spans): (&str, &[&str], &[&str]) = match team {
        2 | 4 => (
            "America/New_York",
            &[
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
            ],
            &["07:00-22:00"],
        ),
        _ => (
            "Europe/Berlin",
            &["monday", "tuesday", "wednesday", "thursday", "friday"],
            &["08:00-12:30", "13:00-18:00"],
        ),
    };
    let holidays = years
        .iter()
        .flat_map(|y| [(*y, 1, 1), (*y, 12, 24), (*y, 12, 25), (*y, 12, 26)])
        .filter_map(|(y, m, d)| jiff::civil::Date::new(y, m, d).ok())
        .collect();
    frontline_core::calendar::CalendarSpec {
        time_zone: zone.to_owned(),
        hours: days
            .iter()
            .map(|d| {
                (
                    (*d).to_owned(),
                    spans.iter().map(|s| (*s).to_owned()).collect(),
                )
            })
            .collect(),
        holidays,
    }
}

/// The demo outcome's service targets (business minutes), tight enough that the demo's
/// cases sometimes miss them.
pub fn targets_of(key: &str) -> Vec<frontline_core::targets::Target> {
    use frontline_core::Priority;
    use frontline_core::targets::{DEFAULT_WARN_PERCENT, Target, TargetKind};
    let t = |kind, priority, business_minutes| Target {
        kind,
        priority,
        business_minutes,
        pause_while_waiting: true,
        warn_at_percent: DEFAULT_WARN_PERCENT,
    };
    let (first, next, resolution) = match key {
        "back_online" => (30, 60, 240),
        "account_access" => (30, 120, 240),
        "charged_correctly" => (120, 240, 960),
        _ => (60, 240, 1_440),
    };
    vec![
        t(TargetKind::FirstResponse, None, first),
        t(
            TargetKind::FirstResponse,
            Some(Priority::Urgent),
            first.min(30) / 2,
        ),
        t(TargetKind::NextResponse, None, next),
        t(TargetKind::Resolution, None, resolution),
    ]
}
