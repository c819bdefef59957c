//! Payloads of the staff's own work: guidelines and decisions, asks, leader standard work and
//! proposals. All are staff-only events.

use serde::{Deserialize, Serialize};

use crate::ask::{AskKind, AskStatus, FeelingWord, Urgency};
use crate::guideline::{ReviewOutcome, RuleStatus, RuleType, Verdict};
use crate::ids::{
    AskId, DecisionId, PersonId, ProposalCommentId, ProposalId, RuleId, StandardWorkItemId,
};
use crate::proposal::{ProposalStatus, ProposalTitle, ThemeKey};
use crate::standard_work::{Cadence, ItemTitle, Proof};
use crate::values::{CaseNumber, DecisionKindKey};

/// `rule.drafted`, `rule.published`, `rule.retired`: the version, never its expression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleChanged {
    pub rule_id: RuleId,
    pub version: u32,
    pub kind: DecisionKindKey,
    pub rule_type: RuleType,
    pub name: String,
    pub status: RuleStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecorded {
    pub decision_id: DecisionId,
    pub kind: DecisionKindKey,
    pub verdict: Verdict,
    pub explanation: Option<String>,
    /// The names of the guidelines that did not hold.
    pub not_held: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionReviewed {
    pub decision_id: DecisionId,
    pub kind: DecisionKindKey,
    pub decided_by: PersonId,
    pub outcome: ReviewOutcome,
    pub comment: Option<String>,
}

/// An ask as every ask event shows it: ids, kind, urgency and status, never the text (every
/// staff stream sees ask events). The whole payload of `ask.raised`, `.answered`,
/// `.followed_up`, `.withdrawn` and `.reopened`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AskState {
    pub ask_id: AskId,
    pub asker_id: PersonId,
    pub assignee_id: PersonId,
    pub kind: AskKind,
    pub urgency: Urgency,
    pub status: AskStatus,
    pub escalations: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AskClaimed {
    #[serde(flatten)]
    pub ask: AskState,
    /// Who had claimed it before (`None`: nobody had).
    pub from: Option<PersonId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AskResolved {
    #[serde(flatten)]
    pub ask: AskState,
    pub minutes_to_unblock: i64,
    pub on_target: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AskRated {
    #[serde(flatten)]
    pub ask: AskState,
    pub score: u8,
    pub word: FeelingWord,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AskEscalated {
    #[serde(flatten)]
    pub ask: AskState,
    pub from: PersonId,
    pub to: PersonId,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AskOverdue {
    #[serde(flatten)]
    pub ask: AskState,
    pub top_of_chain: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StandardWorkItemCreated {
    pub item_id: StandardWorkItemId,
    pub person_id: PersonId,
    pub title: ItemTitle,
    pub cadence: Cadence,
    pub proof: Option<Proof>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StandardWorkItemRetired {
    pub item_id: StandardWorkItemId,
    pub person_id: PersonId,
}

/// `standard_work.ticked` and `.unticked`: which item, for which period (`2026-W14`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StandardWorkPeriod {
    pub item_id: StandardWorkItemId,
    pub person_id: PersonId,
    pub period: String,
}

/// A proposal as every proposal event shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposalState {
    pub proposal_id: ProposalId,
    pub author_id: PersonId,
    pub title: ProposalTitle,
    pub status: ProposalStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposalRaised {
    #[serde(flatten)]
    pub proposal: ProposalState,
    /// The evidence cases' numbers.
    pub cases: Vec<CaseNumber>,
    /// The theme's key, when it came from one.
    pub theme: Option<ThemeKey>,
}

/// `proposal.voted` and `.unvoted`, with the count after the change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposalVotes {
    #[serde(flatten)]
    pub proposal: ProposalState,
    pub votes: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposalCommented {
    #[serde(flatten)]
    pub proposal: ProposalState,
    pub comment_id: ProposalCommentId,
    /// Who is told: the author.
    pub notify: Vec<PersonId>,
}

/// `proposal.adopted`, `.declined`, `.withdrawn`: the voters' count and who is told (the
/// author, then the voters).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposalDecided {
    #[serde(flatten)]
    pub proposal: ProposalState,
    pub voters: usize,
    pub notify: Vec<PersonId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposalShipped {
    #[serde(flatten)]
    pub decided: ProposalDecided,
    /// How many evidence cases the closed loop tells of the change.
    pub cases_told: usize,
}
