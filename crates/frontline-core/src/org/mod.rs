//! The organisation: people, outcome teams with dated (overlapping) memberships, who supports
//! whom, dated roles and titles, and the outcomes teams own. `history` computes the
//! organisation as of any date, the difference between two dates and a monthly timeline.

pub mod history;
#[cfg(test)]
mod history_tests;
pub mod profile;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{OutcomeId, PersonId, TeamId};
use crate::time::Timestamp;
use crate::values::{Email, Name, OutcomeKey, ValueError};

/// The three kinds of people. `admin` is a capability a support employee may hold, not a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Employee,
    Support,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Customer, Role::Employee, Role::Support];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Employee => "employee",
            Role::Support => "support",
        }
    }

    /// Employees and support employees both work cases.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Customer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "customer" => Ok(Role::Customer),
            "employee" => Ok(Role::Employee),
            "support" => Ok(Role::Support),
            other => Err(ValueError::new(
                "role",
                format!("{other:?} is not one of customer, employee, support"),
            )),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub email: Email,
    pub name: Name,
    pub role: Role,
    /// e.g. "CEO" or "Head of Billing"; only meaningful for support employees.
    pub title: Option<String>,
    pub admin: bool,
    /// How many open cases routing may give this person.
    pub capacity: u32,
    /// Whether routing may give this person new cases now.
    pub available: bool,
    pub created_at: Timestamp,
    /// The language they want to be written to (a BCP 47 tag such as `en` or `pt-BR`), if
    /// they said. The fields below are absent in exports made before profiles (0020).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Their IANA time zone (`Europe/Paris`), if they said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// When they asked to be forgotten (cleared by the erasure that carries it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erasure_requested_at: Option<Timestamp>,
    /// When their personal data was erased: the record is a tombstone from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<Timestamp>,
    /// The customer this duplicate was merged into: a tombstone pointing there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<PersonId>,
}

impl Person {
    pub const DEFAULT_CAPACITY: u32 = 12;
    pub const MAX_CAPACITY: u32 = 1000;

    /// A new person as created: available, no profile, not a tombstone.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: PersonId,
        email: Email,
        name: Name,
        role: Role,
        title: Option<String>,
        admin: bool,
        capacity: u32,
        created_at: Timestamp,
    ) -> Self {
        Self {
            id,
            email,
            name,
            role,
            title,
            admin,
            capacity,
            available: true,
            created_at,
            language: None,
            time_zone: None,
            erasure_requested_at: None,
            erased_at: None,
            merged_into: None,
        }
    }

    /// Erased or merged away: nobody signs in as it, mail no longer finds it, and it takes
    /// no new addresses, cases or merges.
    pub fn is_tombstone(&self) -> bool {
        self.erased_at.is_some() || self.merged_into.is_some()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub name: Name,
    pub created_at: Timestamp,
    /// When the team was retired (its memberships and support links ended then); `None`
    /// while it works. Absent in exports made before teams could retire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<Timestamp>,
}

impl Team {
    /// Whether the team existed at `at`: created, not yet retired.
    pub fn in_force(&self, at: Timestamp) -> bool {
        in_force(self.created_at, self.retired_at, at)
    }
}

/// A person's membership of a team over a period; `to: None` means current. Memberships are
/// never deleted, only ended, so the organisation's history is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub person_id: PersonId,
    pub team_id: TeamId,
    pub from: Timestamp,
    pub to: Option<Timestamp>,
}

/// A support employee serving a team over a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportLink {
    pub support_id: PersonId,
    pub team_id: TeamId,
    pub from: Timestamp,
    pub to: Option<Timestamp>,
}

/// A person's role and title over a period; `to: None` means current. Creating a person opens
/// the first period; changing the role or title ends the current one and opens the next, so
/// promotions stay in the history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolePeriod {
    pub person_id: PersonId,
    pub role: Role,
    pub title: Option<String>,
    pub from: Timestamp,
    pub to: Option<Timestamp>,
}

/// Whether a dated link is in force at `at`: `from <= at < to`.
pub fn in_force(from: Timestamp, to: Option<Timestamp>, at: Timestamp) -> bool {
    from <= at && to.is_none_or(|to| at < to)
}

/// A Successful Customer Outcome: what the customer wants to achieve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub id: OutcomeId,
    pub key: OutcomeKey,
    pub name: Name,
    pub success_criteria: String,
    /// Target time from case creation to the outcome, in minutes.
    pub target_minutes: u32,
    /// Teams that own the outcome, in routing preference order.
    pub team_ids: Vec<TeamId>,
    pub created_at: Timestamp,
}

impl Outcome {
    /// The success criteria as a customer reads them: written by staff about "the customer"
    /// and "they", said to the customer as "you" ("The customer has every item they ordered"
    /// reads "You have every item you ordered"). Text that does not speak of the customer is
    /// left as it is.
    pub fn criteria_for_customer(&self) -> String {
        to_second_person(&self.success_criteria)
    }
}

/// Rewrite third-person words about the customer into the second person, word by word. The
/// verb right after "the customer" or "they" agrees with "you" ("has" is "have"); later verbs
/// of the same clause are left alone.
fn to_second_person(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut subject_just_said = false;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '\u{2019}'))
            .unwrap_or(rest.len());
        if end == 0 {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
            if !c.is_whitespace() {
                subject_just_said = false;
            }
            continue;
        }
        let word = &rest[..end];
        rest = &rest[end..];
        let lower = word.to_lowercase().replace('\u{2019}', "'");
        // "the customer" and "the customer's": take back the "the " written, say "you(r)".
        if (lower == "customer" || lower == "customer's") && out.to_lowercase().ends_with("the ") {
            let cut = out.len() - 4;
            let capital = out[cut..].starts_with('T');
            out.truncate(cut);
            let you = if lower == "customer" { "you" } else { "your" };
            out.push_str(&capitalised(you, capital));
            subject_just_said = lower == "customer";
            continue;
        }
        let capital = word.chars().next().is_some_and(char::is_uppercase);
        let swapped = match lower.as_str() {
            "they" | "them" => Some("you"),
            "their" => Some("your"),
            "theirs" => Some("yours"),
            "themselves" | "themself" => Some("yourself"),
            _ => None,
        };
        if let Some(swapped) = swapped {
            out.push_str(&capitalised(swapped, capital));
            subject_just_said = lower == "they";
            continue;
        }
        if std::mem::take(&mut subject_just_said)
            && let Some(verb) = agree_with_you(&lower)
        {
            out.push_str(&capitalised(&verb, capital));
            continue;
        }
        out.push_str(word);
    }
    out
}

/// The form of a third-person present verb that goes with "you" (`None`: leave it).
fn agree_with_you(verb: &str) -> Option<String> {
    let irregular = match verb {
        "has" => Some("have"),
        "is" => Some("are"),
        "was" => Some("were"),
        "does" => Some("do"),
        "goes" => Some("go"),
        _ => None,
    };
    if let Some(v) = irregular {
        return Some(v.to_owned());
    }
    if verb.ends_with("ss") || verb.len() < 4 || !verb.ends_with('s') {
        return None;
    }
    if let Some(stem) = verb.strip_suffix("ies") {
        return Some(format!("{stem}y"));
    }
    if ["ches", "shes", "sses", "xes", "zes"]
        .iter()
        .any(|e| verb.ends_with(e))
    {
        return Some(verb[..verb.len() - 2].to_owned());
    }
    Some(verb[..verb.len() - 1].to_owned())
}

fn capitalised(word: &str, capital: bool) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) if capital => first.to_uppercase().chain(chars).collect(),
        _ => word.to_owned(),
    }
}

#[cfg(test)]
mod second_person_tests {
    use super::to_second_person as you;

    #[test]
    fn criteria_about_the_customer_are_said_to_them() {
        assert_eq!(
            you(
                "The customer has every item they ordered, undamaged, or a replacement is on \
                 its way on a tracked date they accept."
            ),
            "You have every item you ordered, undamaged, or a replacement is on its way on a \
             tracked date you accept."
        );
        assert_eq!(
            you("Every charge on the customer's statement matches what they agreed to."),
            "Every charge on your statement matches what you agreed to."
        );
        assert_eq!(
            you("The customer's service works and they have confirmed it on their own device."),
            "Your service works and you have confirmed it on your own device."
        );
        assert_eq!(
            you("The customer sent the item back at no cost to them."),
            "You sent the item back at no cost to you."
        );
        assert_eq!(
            you("The customer receives a refund; the customer is happy."),
            "You receive a refund; you are happy."
        );
        assert_eq!(
            you("The parcel arrives on time."),
            "The parcel arrives on time."
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::from_millis;

    #[test]
    fn a_link_is_in_force_from_its_start_until_just_before_its_end() {
        let (a, b, c) = (from_millis(10), from_millis(20), from_millis(30));
        assert!(!in_force(b, Some(c), a));
        assert!(in_force(b, Some(c), b));
        assert!(!in_force(b, Some(c), c));
        assert!(in_force(b, None, c));
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!(
            "ceo"
                .parse::<Role>()
                .unwrap_err()
                .reason
                .contains("customer")
        );
    }
}
