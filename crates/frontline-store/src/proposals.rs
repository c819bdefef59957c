//! What goes in and out of the store for proposals (see `frontline_core::proposal`).

use frontline_core::proposal::{Proposal, ProposalError, ProposalStatus};
use frontline_core::{CaseId, Message, PersonId, ProposalId, Timestamp, ValueError};

/// A proposal with its vote count, as lists show it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ProposalSummary {
    #[serde(flatten)]
    pub proposal: Proposal,
    pub votes: u32,
}

/// A decision's result: the proposal as it now stands and, when it shipped, the closed-loop
/// message posted on each evidence case (in the evidence's order).
#[derive(Clone, Debug, PartialEq)]
pub struct ProposalChanged {
    pub proposal: Proposal,
    pub told: Vec<Message>,
}

/// Which proposals to list, newest first (`created_at`, then id); every field set narrows.
#[derive(Clone, Debug, Default)]
pub struct ProposalFilter {
    /// Any of these statuses; empty: all.
    pub statuses: Vec<ProposalStatus>,
    pub author_id: Option<PersonId>,
    /// Citing this case.
    pub case_id: Option<CaseId>,
    /// The cursor: proposals strictly older than this (created_at, id).
    pub before: Option<(Timestamp, ProposalId)>,
}

impl From<ProposalError> for crate::StoreError {
    fn from(e: ProposalError) -> Self {
        if e.is_about_the_person() {
            crate::StoreError::Invalid(ValueError::new("by", e.to_string()))
        } else {
            crate::StoreError::conflict(e.to_string())
        }
    }
}
