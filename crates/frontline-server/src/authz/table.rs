//! The expected authorisation rules as data: every role × every action, with the resource
//! belonging to the actor ("own") or to someone else. The unit test checks `authorize`
//! against it, the integration test checks the real HTTP API against it, and `/api/docs`
//! shows it, so the three cannot drift apart.

use frontline_core::PersonId;

use super::case_fields::CaseField;
use super::{Action, Decision, Resource};

/// The kinds of actor the rules distinguish.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Who {
    Customer,
    Employee,
    Support,
    /// A support employee holding `admin`.
    SupportAdmin,
}

impl Who {
    pub const ALL: [Who; 4] = [
        Who::Customer,
        Who::Employee,
        Who::Support,
        Who::SupportAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Who::Customer => "customer",
            Who::Employee => "employee",
            Who::Support => "support",
            Who::SupportAdmin => "support+admin",
        }
    }

    fn index(self) -> usize {
        match self {
            Who::Customer => 0,
            Who::Employee => 1,
            Who::Support => 2,
            Who::SupportAdmin => 3,
        }
    }
}

/// What the action is applied to, relative to the actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A collection or the organisation itself.
    Org,
    /// The actor's own case, or their own person record.
    Own,
    /// Another customer's case, or another person's record.
    Others,
    Team,
    Outcome,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Org => "the organisation",
            Target::Own => "their own",
            Target::Others => "someone else's",
            Target::Team => "a team",
            Target::Outcome => "an outcome",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Row {
    pub action: Action,
    pub target: Target,
    /// Customer, employee, support, support+admin.
    pub expected: [Decision; 4],
}

impl Row {
    pub fn expected_for(&self, who: Who) -> Decision {
        self.expected[who.index()]
    }

    /// The resource this row is about, for an actor `me` and some other customer or person.
    pub fn resource(&self, me: PersonId, other: PersonId) -> Resource {
        let owner = match self.target {
            Target::Own => me,
            _ => other,
        };
        match (self.target, self.action) {
            (Target::Org, _) => Resource::Org,
            (Target::Team, _) => Resource::Team,
            (Target::Outcome, _) => Resource::Outcome,
            (
                _,
                Action::ReadPerson
                | Action::UpdatePerson
                | Action::SetPassword
                | Action::CreateTokenFor
                | Action::ManageCredentialsOf
                | Action::ManageAddresses
                | Action::DownloadData
                | Action::ErasePerson,
            ) => Resource::Person { person_id: owner },
            (
                _,
                Action::ReadLedger
                | Action::ReadStandardWork
                | Action::ManageStandardWork
                | Action::TickStandardWork,
            ) => Resource::Person { person_id: owner },
            (_, Action::ReviewDecision) => Resource::Decision { decided_by: owner },
            (_, Action::ReadAsk | Action::WorkAsk | Action::FollowUpAsk) => {
                Resource::Ask { asker_id: owner }
            }
            (
                _,
                Action::ReadProposal
                | Action::VoteProposal
                | Action::CommentProposal
                | Action::DecideProposal
                | Action::WithdrawProposal,
            ) => Resource::Proposal { author_id: owner },
            // "Own": the actor owns the alert's case; "someone else's": neither owner nor on
            // its team.
            (_, Action::AcknowledgeMoodAlert) => Resource::MoodAlert {
                owner_id: Some(owner),
                on_team: false,
            },
            _ => Resource::Case { customer_id: owner },
        }
    }
}

use Decision::{Allow as A, Deny as D, Hide as H};

const fn row(action: Action, target: Target, expected: [Decision; 4]) -> Row {
    Row {
        action,
        target,
        expected,
    }
}

/// Every action, with every target it can have. Columns: customer, employee, support,
/// support+admin.
pub const TABLE: &[Row] = &[
    row(Action::ReadMe, Target::Org, [A, A, A, A]),
    row(Action::CreateOwnToken, Target::Org, [A, A, A, A]),
    row(Action::ManageOwnCredentials, Target::Org, [A, A, A, A]),
    row(Action::ManageCredentialsOf, Target::Own, [D, D, D, A]),
    row(Action::ManageCredentialsOf, Target::Others, [H, D, D, A]),
    row(Action::ListPeople, Target::Org, [D, A, A, A]),
    row(Action::ReadPerson, Target::Own, [A, A, A, A]),
    row(Action::ReadPerson, Target::Others, [H, A, A, A]),
    row(Action::CreatePerson, Target::Org, [D, D, D, A]),
    row(Action::UpdatePerson, Target::Own, [D, D, D, A]),
    row(Action::UpdatePerson, Target::Others, [H, D, D, A]),
    row(Action::SetPassword, Target::Others, [H, D, D, A]),
    row(Action::CreateTokenFor, Target::Others, [H, D, D, A]),
    row(Action::ListTeams, Target::Org, [D, A, A, A]),
    row(Action::ReadTeam, Target::Team, [H, A, A, A]),
    row(Action::CreateTeam, Target::Org, [D, D, D, A]),
    row(Action::ManageMembers, Target::Team, [H, D, D, A]),
    row(Action::ManageSupports, Target::Team, [H, D, D, A]),
    row(Action::ListOutcomes, Target::Org, [A, A, A, A]),
    row(Action::ReadOutcome, Target::Outcome, [A, A, A, A]),
    row(Action::CreateOutcome, Target::Org, [D, D, D, A]),
    row(Action::CreateCase, Target::Own, [A, A, A, A]),
    row(Action::CreateCase, Target::Others, [D, A, A, A]),
    row(Action::ListCases, Target::Org, [A, A, A, A]),
    row(Action::ReadCase, Target::Own, [A, A, A, A]),
    row(Action::ReadCase, Target::Others, [H, A, A, A]),
    row(Action::ChangeStatus, Target::Own, [D, A, A, A]),
    row(Action::ChangeStatus, Target::Others, [H, A, A, A]),
    row(Action::AssignCase, Target::Own, [D, A, A, A]),
    row(Action::AssignCase, Target::Others, [H, A, A, A]),
    row(Action::SetOutcomeAchieved, Target::Own, [D, A, A, A]),
    row(Action::SetOutcomeAchieved, Target::Others, [H, A, A, A]),
    row(Action::SetTags, Target::Own, [D, A, A, A]),
    row(Action::SetTags, Target::Others, [H, A, A, A]),
    row(Action::EditCase, Target::Own, [D, A, A, A]),
    row(Action::EditCase, Target::Others, [H, A, A, A]),
    row(Action::ListMessages, Target::Own, [A, A, A, A]),
    row(Action::ListMessages, Target::Others, [H, A, A, A]),
    row(Action::AddPublicMessage, Target::Own, [A, A, A, A]),
    row(Action::AddPublicMessage, Target::Others, [H, A, A, A]),
    row(Action::AddInternalNote, Target::Own, [D, A, A, A]),
    row(Action::AddInternalNote, Target::Others, [H, A, A, A]),
    row(Action::ReadInternalNotes, Target::Own, [D, A, A, A]),
    row(Action::ReadInternalNotes, Target::Others, [H, A, A, A]),
    row(Action::ReadEvents, Target::Org, [A, A, A, A]),
    row(Action::SharePresence, Target::Own, [D, A, A, A]),
    row(Action::SharePresence, Target::Others, [H, A, A, A]),
    row(Action::ManageWebhooks, Target::Org, [D, D, D, A]),
    row(Action::ManageMail, Target::Org, [D, D, D, A]),
    row(Action::ReadGuidelines, Target::Org, [D, A, A, A]),
    row(Action::ManageGuidelines, Target::Org, [D, D, D, A]),
    row(Action::Decide, Target::Own, [D, A, A, A]),
    row(Action::Decide, Target::Others, [H, A, A, A]),
    row(Action::ReadDecisions, Target::Own, [D, A, A, A]),
    row(Action::ReadDecisions, Target::Others, [H, A, A, A]),
    row(Action::ReviewDecision, Target::Own, [H, D, D, D]),
    row(Action::ReviewDecision, Target::Others, [H, D, A, A]),
    row(Action::RaiseAsk, Target::Org, [D, A, A, A]),
    row(Action::ReadAsk, Target::Own, [H, A, A, A]),
    row(Action::ReadAsk, Target::Others, [H, H, A, A]),
    row(Action::ReadAllAsks, Target::Org, [D, D, A, A]),
    row(Action::WorkAsk, Target::Own, [H, D, D, D]),
    row(Action::WorkAsk, Target::Others, [H, H, A, A]),
    row(Action::FollowUpAsk, Target::Own, [H, A, A, A]),
    row(Action::FollowUpAsk, Target::Others, [H, H, D, D]),
    row(Action::ReadAskFigures, Target::Org, [D, A, A, A]),
    row(Action::ReadOrgHistory, Target::Org, [D, A, A, A]),
    row(Action::RetireTeam, Target::Team, [H, D, D, A]),
    row(Action::ReadLedger, Target::Org, [D, A, A, A]),
    row(Action::ReadLedger, Target::Own, [D, A, A, A]),
    row(Action::ReadLedger, Target::Others, [H, A, A, A]),
    row(Action::ReadStandardWork, Target::Own, [D, A, A, A]),
    row(Action::ReadStandardWork, Target::Others, [H, A, A, A]),
    row(Action::ManageStandardWork, Target::Own, [D, D, A, A]),
    row(Action::ManageStandardWork, Target::Others, [H, D, D, A]),
    row(Action::TickStandardWork, Target::Own, [D, D, A, A]),
    row(Action::TickStandardWork, Target::Others, [H, D, D, D]),
    row(Action::RateCase, Target::Own, [A, D, D, D]),
    row(Action::RateCase, Target::Others, [H, D, D, D]),
    row(Action::IssueRatingLink, Target::Own, [D, A, A, A]),
    row(Action::IssueRatingLink, Target::Others, [H, A, A, A]),
    row(Action::RecordCaseFeeling, Target::Own, [D, A, A, A]),
    row(Action::RecordCaseFeeling, Target::Others, [H, A, A, A]),
    row(Action::AnswerPulse, Target::Org, [D, A, A, A]),
    row(Action::ReadFeelings, Target::Org, [D, A, A, A]),
    row(Action::ReadScoreboard, Target::Org, [H, A, A, A]),
    row(Action::ListProposals, Target::Org, [H, A, A, A]),
    row(Action::RaiseProposal, Target::Org, [H, A, A, A]),
    row(Action::ReadProposal, Target::Own, [H, A, A, A]),
    row(Action::ReadProposal, Target::Others, [H, A, A, A]),
    row(Action::VoteProposal, Target::Own, [H, D, D, D]),
    row(Action::VoteProposal, Target::Others, [H, A, A, A]),
    row(Action::CommentProposal, Target::Own, [H, A, A, A]),
    row(Action::CommentProposal, Target::Others, [H, A, A, A]),
    row(Action::DecideProposal, Target::Own, [H, D, A, A]),
    row(Action::DecideProposal, Target::Others, [H, D, A, A]),
    row(Action::WithdrawProposal, Target::Own, [H, A, A, A]),
    row(Action::WithdrawProposal, Target::Others, [H, D, D, D]),
    row(Action::ReadMoodAlerts, Target::Org, [D, A, A, A]),
    row(Action::AcknowledgeMoodAlert, Target::Own, [H, A, A, A]),
    row(Action::AcknowledgeMoodAlert, Target::Others, [H, D, D, D]),
    row(Action::ReadThemes, Target::Org, [D, A, A, A]),
    row(Action::ReadServiceTargets, Target::Org, [D, A, A, A]),
    row(Action::ReadServiceTargets, Target::Own, [D, A, A, A]),
    row(Action::ReadServiceTargets, Target::Others, [H, A, A, A]),
    row(Action::ManageServiceTargets, Target::Org, [D, D, D, A]),
    row(Action::UploadFile, Target::Org, [A, A, A, A]),
    row(Action::DeleteAttachment, Target::Own, [D, A, A, A]),
    row(Action::DeleteAttachment, Target::Others, [H, A, A, A]),
    row(Action::UpdateOwnProfile, Target::Org, [A, A, A, A]),
    row(Action::RequestErasure, Target::Org, [A, D, D, D]),
    row(Action::ManageAddresses, Target::Own, [A, A, A, A]),
    row(Action::ManageAddresses, Target::Others, [H, A, A, A]),
    row(Action::DownloadData, Target::Own, [A, A, A, A]),
    row(Action::DownloadData, Target::Others, [H, D, D, A]),
    row(Action::MergePeople, Target::Org, [D, D, D, A]),
    row(Action::ErasePerson, Target::Others, [H, D, D, A]),
    row(Action::CreateCustomer, Target::Org, [D, A, A, A]),
    row(Action::ManageOwnNotifications, Target::Org, [D, A, A, A]),
];

/// Who may set which field of a new case (`POST /api/v1/cases`). Columns: customer,
/// employee, support, support+admin. A field left out is decided by the server (the channel
/// from how the request came in, normal priority, no tags).
pub const CASE_FIELDS_ON_OPEN: &[(CaseField, [Decision; 4])] = &[
    (CaseField::Priority, [D, A, A, A]),
    (CaseField::Tags, [D, A, A, A]),
    (CaseField::Channel, [D, A, A, A]),
];
