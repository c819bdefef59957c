//! Authorisation, in one place: `authorize(actor, action, resource)` decides every request.
//! Handlers load the resource, ask here, and act on the `Decision`; nothing else in the server
//! compares roles.
//!
//! The rules, in words:
//! - Customers see and act only on their own cases, and only on the public conversation. They
//!   read the outcomes (to pick one when opening a case) and their own record.
//! - Employees and support employees work every case, read the organisation and write
//!   internal notes.
//! - Every staff member reads the customer-time ledger and leader standard work of anyone;
//!   a support employee keeps (adds, retires, ticks) their own standard work, and an
//!   administrator may add or retire items for any support employee, never tick them.
//! - A case is rated by its customer alone. Staff read customers' ratings and the feelings
//!   figures; an employee's own feelings reach others only as team figures over enough people
//!   (that rule lives in `frontline_core::feeling::figures`).
//! - Staff read the outcome scoreboard; customers do not see that it exists.
//! - Proposals are for staff only: any employee raises, reads and comments; colleagues vote
//!   (never on their own); support employees adopt, decline and ship; the author alone
//!   withdraws. Customers never see one (`Hide`); they hear of a shipped one on their case.
//! - Staff read mood alerts and the customers' themes; an alert is acknowledged by its
//!   case's owner or a member of the case's team. Customers never see either.
//! - Everyone lists and revokes their own API tokens and web sessions; administrators anyone's.
//! - Staff choose what they are told of by mail (notifications); customers have no such
//!   choice: they hear on their own cases.
//! - Everyone keeps their own profile (name, language, time zone) and addresses; a customer's
//!   own new address is unverified, staff add trusted ones to anyone. Everyone downloads
//!   their own data, an administrator anyone's. Customers ask to be forgotten; an
//!   administrator erases (and merges duplicate customers). Staff create customers (to open
//!   a case for a caller); other people only administrators.
//! - Customers open cases but do not set their priority, tags or channel: those are staff
//!   decisions that guideline rules read as facts (`case_fields`).
//! - Support employees who hold `admin` also administer people, teams and outcomes. `admin`
//!   on anyone else grants nothing: it is a capability of support employees.
//! - A resource the actor may not see is `Hide` (404, indistinguishable from "does not
//!   exist"), so ids cannot be probed; a resource they may see but not change is `Deny` (403).

use frontline_core::{PersonId, Role};

use crate::auth::Actor;
use crate::error::AppError;

/// Everything a person can ask to do through the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    ReadMe,
    CreateOwnToken,
    /// List and revoke one's own API tokens and web sessions (everyone).
    ManageOwnCredentials,
    /// List and revoke another person's API tokens and sessions (administration).
    ManageCredentialsOf,
    ListPeople,
    ReadPerson,
    CreatePerson,
    UpdatePerson,
    SetPassword,
    CreateTokenFor,
    ListTeams,
    ReadTeam,
    CreateTeam,
    ManageMembers,
    ManageSupports,
    ListOutcomes,
    ReadOutcome,
    CreateOutcome,
    CreateCase,
    ListCases,
    ReadCase,
    ChangeStatus,
    AssignCase,
    SetOutcomeAchieved,
    SetTags,
    /// Change a case's subject, priority or outcome.
    EditCase,
    ListMessages,
    AddPublicMessage,
    AddInternalNote,
    ReadInternalNotes,
    ReadEvents,
    /// Say "I am viewing / typing on this case" and see who else is (staff only).
    SharePresence,
    /// Create, read and disable webhook subscriptions and their delivery attempts.
    ManageWebhooks,
    /// Set up mailboxes and their inbound tokens, and read, retry or drop quarantined mail.
    ManageMail,
    /// Read decision kinds, rules, their figures, and back-test a version (staff).
    ReadGuidelines,
    /// Define decision kinds and draft, publish and retire rules.
    ManageGuidelines,
    /// Evaluate and record a decision on a case.
    Decide,
    /// Read the decisions taken on a case, and the review queue.
    ReadDecisions,
    /// Uphold, coach or reverse a decision taken with an explanation: support employees,
    /// never on their own decision.
    ReviewDecision,
    /// Ask a support employee for help, and list one's own asks (staff).
    RaiseAsk,
    /// Read an ask: its asker, and every support employee.
    ReadAsk,
    /// List every ask (the support side: inboxes, what others handle).
    ReadAllAsks,
    /// Claim, answer and resolve an ask: support employees, never their own ask.
    WorkAsk,
    /// The asker's part: follow up, withdraw, reopen, say how the help felt.
    FollowUpAsk,
    /// How support employees and layers serve asks: visible to all staff.
    ReadAskFigures,
    /// Read the organisation's history: as of a date, diffs, the timeline (staff).
    ReadOrgHistory,
    /// Retire a team (administration).
    RetireTeam,
    /// Read a person's customer-time ledger, and the organisation's (all staff: leaders'
    /// distance from customers is shown to the people they serve).
    ReadLedger,
    /// Read a person's leader standard work and its completion (all staff).
    ReadStandardWork,
    /// Add and retire standard-work items: a support employee their own, an administrator
    /// anyone's.
    ManageStandardWork,
    /// Tick and untick one's own standard work: only the support employee doing it.
    TickStandardWork,
    /// Rate a resolved case: its customer only.
    RateCase,
    /// Make the signed rating link of a case, to send to its customer (staff).
    IssueRatingLink,
    /// Say how the customer seemed and how the case felt to oneself (staff).
    RecordCaseFeeling,
    /// Answer the weekly pulse (staff).
    AnswerPulse,
    /// Read customers' ratings, the feelings figures, the CX/EX mirror and the heroes feed
    /// (staff; employees' own answers only ever as team figures over enough people).
    ReadFeelings,
    /// Read the outcome scoreboard and its CSV (staff; customers do not learn it exists).
    ReadScoreboard,
    /// List proposals (staff; customers never see proposals).
    ListProposals,
    /// Propose a change backed by evidence (staff).
    RaiseProposal,
    /// Read a proposal with its evidence, votes and comments (staff).
    ReadProposal,
    /// Vote for a proposal, or take the vote back: staff, never on their own.
    VoteProposal,
    /// Comment on a proposal (staff).
    CommentProposal,
    /// Adopt, decline and mark shipped: support employees.
    DecideProposal,
    /// Withdraw a proposal: its author only.
    WithdrawProposal,
    /// Read the mood alerts raised by customers' messages (staff; the customer never learns
    /// how their words were scored).
    ReadMoodAlerts,
    /// Acknowledge a mood alert so it leaves the cockpits: the case's owner or a member of
    /// the case's team.
    AcknowledgeMoodAlert,
    /// Read the themes drawn from customers' verbatims (staff).
    ReadThemes,
    /// Read calendars, outcomes' service targets and a case's target readings (staff; a
    /// customer is not shown the clock the team is held to).
    ReadServiceTargets,
    /// Set teams' calendars and outcomes' service targets (administration).
    ManageServiceTargets,
    /// Upload a file to attach to one's own message (everyone).
    UploadFile,
    /// Delete a file on a case's message, with a reason (staff).
    DeleteAttachment,
    /// Change one's own name, language and time zone (everyone).
    UpdateOwnProfile,
    /// Ask to be forgotten: customers only (an administrator carries it out).
    RequestErasure,
    /// List, add and remove a person's addresses: one's own (a customer's own additions are
    /// unverified), and staff anyone's (trusted).
    ManageAddresses,
    /// Download all of a person's data as JSON: one's own, or an administrator anyone's.
    DownloadData,
    /// Merge a duplicate customer into another (administration).
    MergePeople,
    /// Erase a customer's personal data (administration).
    ErasePerson,
    /// Create a customer, e.g. when opening a case for a caller (staff).
    CreateCustomer,
    /// Read and choose what one is told of by mail (staff: customers hear on their cases).
    ManageOwnNotifications,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::ReadMe,
        Action::CreateOwnToken,
        Action::ManageOwnCredentials,
        Action::ManageCredentialsOf,
        Action::ListPeople,
        Action::ReadPerson,
        Action::CreatePerson,
        Action::UpdatePerson,
        Action::SetPassword,
        Action::CreateTokenFor,
        Action::ListTeams,
        Action::ReadTeam,
        Action::CreateTeam,
        Action::ManageMembers,
        Action::ManageSupports,
        Action::ListOutcomes,
        Action::ReadOutcome,
        Action::CreateOutcome,
        Action::CreateCase,
        Action::ListCases,
        Action::ReadCase,
        Action::ChangeStatus,
        Action::AssignCase,
        Action::SetOutcomeAchieved,
        Action::SetTags,
        Action::EditCase,
        Action::ListMessages,
        Action::AddPublicMessage,
        Action::AddInternalNote,
        Action::ReadInternalNotes,
        Action::ReadEvents,
        Action::SharePresence,
        Action::ManageWebhooks,
        Action::ManageMail,
        Action::ReadGuidelines,
        Action::ManageGuidelines,
        Action::Decide,
        Action::ReadDecisions,
        Action::ReviewDecision,
        Action::RaiseAsk,
        Action::ReadAsk,
        Action::ReadAllAsks,
        Action::WorkAsk,
        Action::FollowUpAsk,
        Action::ReadAskFigures,
        Action::ReadOrgHistory,
        Action::RetireTeam,
        Action::ReadLedger,
        Action::ReadStandardWork,
        Action::ManageStandardWork,
        Action::TickStandardWork,
        Action::RateCase,
        Action::IssueRatingLink,
        Action::RecordCaseFeeling,
        Action::AnswerPulse,
        Action::ReadFeelings,
        Action::ReadScoreboard,
        Action::ListProposals,
        Action::RaiseProposal,
        Action::ReadProposal,
        Action::VoteProposal,
        Action::CommentProposal,
        Action::DecideProposal,
        Action::WithdrawProposal,
        Action::ReadMoodAlerts,
        Action::AcknowledgeMoodAlert,
        Action::ReadThemes,
        Action::ReadServiceTargets,
        Action::ManageServiceTargets,
        Action::UploadFile,
        Action::DeleteAttachment,
        Action::UpdateOwnProfile,
        Action::RequestErasure,
        Action::ManageAddresses,
        Action::DownloadData,
        Action::MergePeople,
        Action::ErasePerson,
        Action::CreateCustomer,
        Action::ManageOwnNotifications,
    ];

    /// Whether this action changes the organisation (people, teams, outcomes, others'
    /// credentials): reserved to support employees holding `admin`.
    pub fn is_administration(self) -> bool {
        matches!(
            self,
            Action::CreatePerson
                | Action::UpdatePerson
                | Action::SetPassword
                | Action::CreateTokenFor
                | Action::ManageCredentialsOf
                | Action::CreateTeam
                | Action::ManageMembers
                | Action::ManageSupports
                | Action::CreateOutcome
                | Action::ManageWebhooks
                | Action::ManageMail
                | Action::ManageGuidelines
                | Action::RetireTeam
                | Action::ManageServiceTargets
                | Action::MergePeople
                | Action::ErasePerson
        )
    }
}

/// What an action is applied to, reduced to what authorisation needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// The organisation as a whole: collections, the event log, creating new things.
    Org,
    /// A case (or a message of it) belonging to this customer. For `CreateCase`, the customer
    /// the new case would belong to.
    Case { customer_id: PersonId },
    /// A person's record.
    Person { person_id: PersonId },
    /// A team, its members and supports.
    Team,
    /// An outcome.
    Outcome,
    /// A recorded decision, taken by `decided_by`.
    Decision { decided_by: PersonId },
    /// An ask raised by `asker_id`.
    Ask { asker_id: PersonId },
    /// A proposal raised by `author_id`.
    Proposal { author_id: PersonId },
    /// A mood alert on a case owned by `owner_id`; `on_team` when the actor is a current
    /// member of the case's team (the handler reads the memberships).
    MoodAlert {
        owner_id: Option<PersonId>,
        on_team: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// 403: the actor sees the resource but may not do this.
    Deny,
    /// 404: the actor may not know the resource exists.
    Hide,
}

/// The one authorisation function.
pub fn authorize(actor: &Actor, action: Action, resource: &Resource) -> Decision {
    let me = actor.person_id();
    let role = actor.role();
    if !can_see(me, role, resource) {
        return Decision::Hide;
    }
    if action.is_administration() {
        return allow_if(actor.is_admin());
    }
    if let Resource::Ask { asker_id } = *resource {
        // Seeing it was settled above (its asker and support employees); what they may do
        // depends on which side of the ask they are on.
        let own = asker_id == me;
        return match action {
            Action::ReadAsk => Decision::Allow,
            Action::WorkAsk => allow_if(role == Role::Support && !own),
            Action::FollowUpAsk => allow_if(own),
            _ => Decision::Deny,
        };
    }
    if let Resource::Proposal { author_id } = *resource {
        // Only staff see proposals (settled above). Colleagues vote, never the author;
        // support employees decide; the author alone takes it back.
        let own = author_id == me;
        return match action {
            Action::ReadProposal | Action::CommentProposal => Decision::Allow,
            Action::VoteProposal => allow_if(!own),
            Action::DecideProposal => allow_if(role == Role::Support),
            Action::WithdrawProposal => allow_if(own),
            _ => Decision::Deny,
        };
    }
    if matches!(
        action,
        Action::ManageStandardWork | Action::TickStandardWork
    ) {
        // Standard work is a support employee's own discipline: they keep it, an
        // administrator may set it up for them, and nobody ticks it on their behalf.
        let own = matches!(*resource, Resource::Person { person_id } if person_id == me);
        let support = role == Role::Support;
        return match action {
            Action::ManageStandardWork => allow_if(support && (own || actor.is_admin())),
            _ => allow_if(support && own),
        };
    }
    if let Resource::MoodAlert { owner_id, on_team } = *resource {
        // The alert is the case's people's to act on: whoever owns it, or its team.
        return match action {
            Action::AcknowledgeMoodAlert => allow_if(owner_id == Some(me) || on_team),
            _ => Decision::Deny,
        };
    }
    if action == Action::RateCase {
        // The customer's own voice: nobody rates a case on a customer's behalf.
        return match role {
            Role::Customer => customer(me, action, resource),
            _ => Decision::Deny,
        };
    }
    if action == Action::RequestErasure {
        // Staff records are a matter of employment, not of this request.
        return allow_if(role == Role::Customer);
    }
    if action == Action::DownloadData {
        // Whoever may see the person (settled above): themselves, or an administrator.
        let own = matches!(*resource, Resource::Person { person_id } if person_id == me);
        return allow_if(own || actor.is_admin());
    }
    if action == Action::ReadAllAsks {
        return allow_if(role == Role::Support);
    }
    if action == Action::ReviewDecision {
        // Accountability needs a second pair of eyes: nobody reviews their own decision.
        let own = matches!(*resource, Resource::Decision { decided_by } if decided_by == me);
        return allow_if(role == Role::Support && !own);
    }
    match role {
        Role::Employee | Role::Support => Decision::Allow,
        Role::Customer => customer(me, action, resource),
    }
}

/// Whether the resource's existence may be revealed to this person at all.
fn can_see(me: PersonId, role: Role, resource: &Resource) -> bool {
    if let Resource::Ask { asker_id } = *resource {
        // An ask is between its asker and the support side; colleagues do not read it.
        return asker_id == me && role.is_staff() || role == Role::Support;
    }
    if role.is_staff() {
        return true;
    }
    match *resource {
        Resource::Org | Resource::Outcome => true,
        // A case that would be created for someone else is not shown; it is refused below.
        Resource::Case { .. } => true,
        Resource::Person { person_id } => person_id == me,
        Resource::Team | Resource::Decision { .. } | Resource::Ask { .. } => false,
        // Proposals are the staff's own conversation about how to serve customers better.
        Resource::Proposal { .. } => false,
        Resource::MoodAlert { .. } => false,
    }
}

fn customer(me: PersonId, action: Action, resource: &Resource) -> Decision {
    let own_case = matches!(*resource, Resource::Case { customer_id } if customer_id == me);
    let other_case = matches!(*resource, Resource::Case { customer_id } if customer_id != me);
    match action {
        Action::ReadMe
        | Action::CreateOwnToken
        | Action::ManageOwnCredentials
        | Action::ListOutcomes
        | Action::ReadOutcome
        | Action::ListCases
        | Action::ReadEvents
        | Action::UploadFile => Decision::Allow,
        Action::ReadPerson => Decision::Allow,
        // Their own record only: another person is hidden above.
        Action::UpdateOwnProfile | Action::ManageAddresses => Decision::Allow,
        Action::CreateCustomer | Action::ManageOwnNotifications => Decision::Deny,
        // Opening a case for someone else is refused, not hidden: nothing exists yet.
        Action::CreateCase => allow_if(own_case),
        Action::ReadCase | Action::ListMessages | Action::AddPublicMessage if other_case => {
            Decision::Hide
        }
        Action::ReadCase | Action::ListMessages | Action::AddPublicMessage => allow_if(own_case),
        Action::RateCase if other_case => Decision::Hide,
        Action::RateCase => allow_if(own_case),
        Action::ChangeStatus
        | Action::AssignCase
        | Action::SetOutcomeAchieved
        | Action::SetTags
        | Action::EditCase
        | Action::AddInternalNote
        | Action::ReadInternalNotes
        | Action::SharePresence
        | Action::Decide
        | Action::ReadDecisions
        | Action::IssueRatingLink
        | Action::RecordCaseFeeling
        | Action::ReadServiceTargets
        | Action::DeleteAttachment
            if other_case =>
        {
            Decision::Hide
        }
        Action::ChangeStatus
        | Action::AssignCase
        | Action::SetOutcomeAchieved
        | Action::SetTags
        | Action::EditCase
        | Action::AddInternalNote
        | Action::ReadInternalNotes
        | Action::SharePresence
        | Action::ListPeople
        | Action::ListTeams
        | Action::ReadTeam
        | Action::CreatePerson
        | Action::UpdatePerson
        | Action::SetPassword
        | Action::CreateTokenFor
        | Action::ManageCredentialsOf
        | Action::CreateTeam
        | Action::ManageMembers
        | Action::ManageSupports
        | Action::CreateOutcome
        | Action::ManageWebhooks
        | Action::ManageMail
        | Action::ReadGuidelines
        | Action::ManageGuidelines
        | Action::Decide
        | Action::ReadDecisions
        | Action::ReviewDecision
        | Action::RaiseAsk
        | Action::ReadAsk
        | Action::ReadAllAsks
        | Action::WorkAsk
        | Action::FollowUpAsk
        | Action::ReadAskFigures
        | Action::ReadLedger
        | Action::ReadStandardWork
        | Action::ManageStandardWork
        | Action::TickStandardWork => Decision::Deny,
        Action::ReadOrgHistory | Action::RetireTeam => Decision::Deny,
        Action::IssueRatingLink
        | Action::RecordCaseFeeling
        | Action::AnswerPulse
        | Action::ReadFeelings => Decision::Deny,
        // How the organisation scores itself is internal: hidden, not merely refused.
        Action::ReadScoreboard => Decision::Hide,
        // Customers are told when a proposal citing their case ships (on the case); the
        // proposals themselves do not exist for them.
        Action::ListProposals
        | Action::RaiseProposal
        | Action::ReadProposal
        | Action::VoteProposal
        | Action::CommentProposal
        | Action::DecideProposal
        | Action::WithdrawProposal => Decision::Hide,
        Action::ReadMoodAlerts | Action::AcknowledgeMoodAlert | Action::ReadThemes => {
            Decision::Deny
        }
        Action::ReadServiceTargets | Action::ManageServiceTargets => Decision::Deny,
        // Customers' files stay as they sent them; staff remove what must go, with a reason.
        Action::DeleteAttachment => Decision::Deny,
        // Decided before the role is looked at (`authorize`); listed for completeness.
        Action::RequestErasure | Action::DownloadData => Decision::Allow,
        Action::MergePeople | Action::ErasePerson => Decision::Deny,
    }
}

fn allow_if(ok: bool) -> Decision {
    if ok { Decision::Allow } else { Decision::Deny }
}

/// Ask, and turn anything but `Allow` into the matching error. `what` names the resource in
/// the 404 so a hidden resource reads exactly like a missing one.
pub fn require(
    actor: &Actor,
    action: Action,
    resource: &Resource,
    what: impl std::fmt::Display,
) -> Result<(), AppError> {
    match authorize(actor, action, resource) {
        Decision::Allow => Ok(()),
        Decision::Deny => Err(AppError::Forbidden(format!(
            "{} may not {}",
            actor.describe(),
            describe(action)
        ))),
        Decision::Hide => Err(AppError::not_found(what)),
    }
}

/// The action in words, for 403 details.
pub fn describe(action: Action) -> &'static str {
    match action {
        Action::ReadMe => "read their own record",
        Action::CreateOwnToken => "create API tokens for themselves",
        Action::ManageOwnCredentials => "manage their own password, tokens and sessions",
        Action::ManageCredentialsOf => "list or revoke other people's tokens and sessions",
        Action::ListPeople => "list people",
        Action::ReadPerson => "read this person",
        Action::CreatePerson => "create people",
        Action::UpdatePerson => "change people",
        Action::SetPassword => "set passwords",
        Action::CreateTokenFor => "create API tokens for others",
        Action::ListTeams => "list teams",
        Action::ReadTeam => "read teams",
        Action::CreateTeam => "create teams",
        Action::ManageMembers => "change team memberships",
        Action::ManageSupports => "change who supports a team",
        Action::ListOutcomes => "list outcomes",
        Action::ReadOutcome => "read outcomes",
        Action::CreateOutcome => "create outcomes",
        Action::CreateCase => "open a case for another customer",
        Action::ListCases => "list cases",
        Action::ReadCase => "read this case",
        Action::ChangeStatus => "change a case's status",
        Action::AssignCase => "assign cases",
        Action::SetOutcomeAchieved => "set whether a case's outcome was achieved",
        Action::SetTags => "tag cases",
        Action::EditCase => "change a case's subject, priority or outcome",
        Action::ListMessages => "read this conversation",
        Action::AddPublicMessage => "reply on this case",
        Action::AddInternalNote => "write internal notes",
        Action::ReadInternalNotes => "read internal notes",
        Action::ReadEvents => "read events",
        Action::SharePresence => "see or share who is working on a case",
        Action::ManageWebhooks => "manage webhooks",
        Action::ManageMail => "manage mailboxes and quarantined mail",
        Action::ReadGuidelines => "read guidelines",
        Action::ManageGuidelines => "define decision kinds and rules",
        Action::Decide => "take decisions on cases",
        Action::ReadDecisions => "read decisions",
        Action::ReviewDecision => "review this decision",
        Action::RaiseAsk => "raise asks",
        Action::ReadAsk => "read this ask",
        Action::ReadAllAsks => "list everyone's asks",
        Action::WorkAsk => "work this ask (support employees work asks; nobody works their own)",
        Action::FollowUpAsk => "do that to someone else's ask",
        Action::ReadAskFigures => "read the asks figures",
        Action::ReadOrgHistory => "read the organisation's history",
        Action::RetireTeam => "retire teams",
        Action::ReadLedger => "read the customer-time ledger",
        Action::ReadStandardWork => "read leader standard work",
        Action::ManageStandardWork => {
            "change this standard work (support employees keep their own; administrators anyone's)"
        }
        Action::TickStandardWork => {
            "tick this standard work (only the support employee doing it ticks it)"
        }
        Action::RateCase => "rate this case (only its customer rates a case)",
        Action::IssueRatingLink => "make rating links",
        Action::RecordCaseFeeling => "record employees' feelings about a case",
        Action::AnswerPulse => "answer the employees' pulse",
        Action::ReadFeelings => "read feelings and their figures",
        Action::ReadScoreboard => "read the outcome scoreboard",
        Action::ListProposals => "list proposals",
        Action::RaiseProposal => "raise proposals",
        Action::ReadProposal => "read this proposal",
        Action::VoteProposal => {
            "vote on this proposal (colleagues vote; nobody votes for their own)"
        }
        Action::CommentProposal => "comment on proposals",
        Action::DecideProposal => "adopt, decline or ship proposals (support employees decide)",
        Action::WithdrawProposal => "withdraw this proposal (only the person who raised it can)",
        Action::ReadMoodAlerts => "read mood alerts",
        Action::AcknowledgeMoodAlert => {
            "acknowledge this mood alert (its case's owner or team acknowledges it)"
        }
        Action::ReadThemes => "read the customers' themes",
        Action::ReadServiceTargets => "read calendars and service targets",
        Action::UploadFile => "upload files",
        Action::DeleteAttachment => "delete files on messages",
        Action::ManageServiceTargets => "set calendars and service targets",
        Action::UpdateOwnProfile => "change their own profile",
        Action::RequestErasure => "ask to be forgotten (customers ask; staff records are kept)",
        Action::ManageAddresses => "change this person's addresses",
        Action::DownloadData => "download someone else's data (administrators only)",
        Action::MergePeople => "merge customers (administrators only)",
        Action::ErasePerson => "erase customers (administrators only)",
        Action::CreateCustomer => "create customers",
        Action::ManageOwnNotifications => {
            "choose notifications (staff are notified; customers hear on their cases)"
        }
    }
}

pub mod case_fields;
pub mod table;
#[cfg(test)]
mod tests;
