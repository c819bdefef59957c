//! What goes in and out of the store for asks (see `frontline_core::ask`).

use frontline_core::ask::{Ask, AskMessage, AskStatus};
use frontline_core::{AskId, CaseId, PersonId, Timestamp};

/// A change's result: the ask as it now stands and the message the change added, if any.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AskChanged {
    pub ask: Ask,
    pub message: Option<AskMessage>,
}

/// Which asks to list, newest first (`created_at`, then id); every field set narrows.
#[derive(Clone, Debug, Default)]
pub struct AskFilter {
    pub asker_id: Option<PersonId>,
    /// With this support employee now.
    pub assignee_id: Option<PersonId>,
    /// Claimed (and so handled) by this support employee.
    pub claimed_by: Option<PersonId>,
    pub case_id: Option<CaseId>,
    /// Any of these statuses; empty: all.
    pub statuses: Vec<AskStatus>,
    /// Open, unanswered and past its response window at this time: due to climb.
    pub due_at: Option<Timestamp>,
    /// Raised at or after.
    pub since: Option<Timestamp>,
    /// The cursor: asks strictly older than this (created_at, id).
    pub before: Option<(Timestamp, AskId)>,
}

/// The rules both backends check before raising or moving an ask: the asker is staff, and the
/// ask is with a support employee other than the asker.
pub fn check_ask_people(
    asker: &frontline_core::Person,
    assignee: &frontline_core::Person,
) -> crate::StoreResult<()> {
    use frontline_core::{Role, ValueError};
    if !asker.role.is_staff() {
        return Err(ValueError::new(
            "asker",
            format!(
                "{} is a customer; customers open cases instead",
                asker.email
            ),
        )
        .into());
    }
    if assignee.role != Role::Support {
        return Err(ValueError::new(
            "to",
            format!(
                "{} is not a support employee; asks go to support employees",
                assignee.email
            ),
        )
        .into());
    }
    if assignee.id == asker.id {
        return Err(ValueError::new("to", "you cannot ask yourself").into());
    }
    Ok(())
}

impl From<frontline_core::ask::AskError> for crate::StoreError {
    fn from(e: frontline_core::ask::AskError) -> Self {
        crate::StoreError::conflict(e.to_string())
    }
}
