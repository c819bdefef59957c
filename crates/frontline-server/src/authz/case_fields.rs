//! Who may set which field of a case when opening it. Priority, tags and channel are staff
//! decisions: guideline rules read them as facts (`case.priority`, `case.tags`), so a customer
//! who could send `priority: urgent, tags: [refund-approved]` would decide their own case.
//! Customers' cases open with the server's defaults; staff opening a case for a customer
//! (a phone call, an email) set them. The expected answers are the table
//! `table::CASE_FIELDS_ON_OPEN`, checked by unit and HTTP tests.

use frontline_core::Role;

use super::Decision;
use crate::auth::Actor;
use crate::error::AppError;

/// A field of `POST /api/v1/cases` that not everyone may set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseField {
    Priority,
    Tags,
    Channel,
}

impl CaseField {
    pub const ALL: [CaseField; 3] = [CaseField::Priority, CaseField::Tags, CaseField::Channel];

    /// The field's name in the request body.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseField::Priority => "priority",
            CaseField::Tags => "tags",
            CaseField::Channel => "channel",
        }
    }
}

/// Whether `actor` may set `field` on a case they open.
pub fn authorize_on_open(actor: &Actor, field: CaseField) -> Decision {
    match (actor.role(), field) {
        (Role::Employee | Role::Support, _) => Decision::Allow,
        (Role::Customer, CaseField::Priority | CaseField::Tags | CaseField::Channel) => {
            Decision::Deny
        }
    }
}

/// Refuse (403) a request that sets any field the actor may not set, naming every one.
pub fn require_on_open(
    actor: &Actor,
    sent: impl IntoIterator<Item = CaseField>,
) -> Result<(), AppError> {
    let refused: Vec<&str> = sent
        .into_iter()
        .filter(|field| authorize_on_open(actor, *field) != Decision::Allow)
        .map(CaseField::as_str)
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    Err(AppError::Forbidden(format!(
        "{} may not set {} when opening a case: staff decide {}; leave {} out",
        actor.describe(),
        refused.join(", "),
        if refused.len() == 1 { "it" } else { "them" },
        if refused.len() == 1 { "it" } else { "them" },
    )))
}
