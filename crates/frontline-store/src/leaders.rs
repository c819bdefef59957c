//! What goes in and out of the store for leaders on the tools: the staff activity the
//! customer-time ledger and proven standard-work items read (see `frontline_core::ledger` and
//! `frontline_core::standard_work`), and standard-work items and ticks.

use frontline_core::ledger::{Reply, Resolution};
use frontline_core::standard_work::{Activity, StandardWorkError};
use frontline_core::{CaseId, PersonId, Role, Timestamp, ValueError};
use serde::Serialize;

/// Whose activity to read, from when (inclusive). Every field set narrows.
#[derive(Clone, Debug)]
pub struct ActivityFilter {
    pub person_id: Option<PersonId>,
    /// Only people with this role (e.g. support employees for the organisation's ledger).
    pub role: Option<Role>,
    pub since: Timestamp,
}

/// A public message on a case by a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PersonReply {
    pub person_id: PersonId,
    pub case_id: CaseId,
    pub at: Timestamp,
}

/// A case owned by a person, resolved at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PersonResolution {
    pub person_id: PersonId,
    pub case_id: CaseId,
    pub at: Timestamp,
}

/// A review a person did, or an ask they handled that was resolved, at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PersonAct {
    pub person_id: PersonId,
    pub at: Timestamp,
}

/// Staff activity since a time. Each list is ordered by person id, then time, then case
/// (where there is one), so both backends answer identically.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StaffActivity {
    /// Public messages on cases.
    pub replies: Vec<PersonReply>,
    /// Cases they own with `resolved_at` in the window.
    pub resolutions: Vec<PersonResolution>,
    /// Decisions they reviewed (`reviewed_at`).
    pub reviews: Vec<PersonAct>,
    /// Asks they claimed that are resolved (`resolved_at`).
    pub asks_resolved: Vec<PersonAct>,
}

impl StaffActivity {
    /// One person's part, as the domain reads it.
    pub fn of(&self, person_id: PersonId) -> Activity {
        Activity {
            replies: self
                .replies
                .iter()
                .filter(|r| r.person_id == person_id)
                .map(|r| Reply {
                    case_id: r.case_id,
                    at: r.at,
                })
                .collect(),
            resolutions: self
                .resolutions
                .iter()
                .filter(|r| r.person_id == person_id)
                .map(|r| Resolution {
                    case_id: r.case_id,
                    at: r.at,
                })
                .collect(),
            reviews: self
                .reviews
                .iter()
                .filter(|r| r.person_id == person_id)
                .map(|r| r.at)
                .collect(),
            asks_resolved: self
                .asks_resolved
                .iter()
                .filter(|r| r.person_id == person_id)
                .map(|r| r.at)
                .collect(),
        }
    }
}

/// The rule both backends check before creating an item: standard work belongs to support
/// employees.
pub fn check_standard_work_owner(person: &frontline_core::Person) -> crate::StoreResult<()> {
    if person.role != Role::Support {
        return Err(ValueError::new(
            "person",
            format!(
                "{} is not a support employee; leader standard work is for support employees",
                person.name
            ),
        )
        .into());
    }
    Ok(())
}

impl From<StandardWorkError> for crate::StoreError {
    fn from(e: StandardWorkError) -> Self {
        match e {
            // No state of the item could make a proven item tickable: the request is wrong.
            StandardWorkError::Proven(_) => ValueError::new("item", e.to_string()).into(),
            other => crate::StoreError::conflict(other.to_string()),
        }
    }
}
