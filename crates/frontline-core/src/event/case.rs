//! Payloads of a case's events: its lifecycle, its messages, the feelings about it, mood
//! alerts and the mail sent about it.

use serde::{Deserialize, Serialize};

use crate::attachment::FileName;
use crate::case::{CaseStatus, Channel, OutcomeAchieved, Priority, Visibility};
use crate::feeling::{Emotion, FeelingKind, Score};
use crate::ids::{
    AskId, AttachmentId, CaseId, FeelingId, MessageId, OutcomeId, PersonId, ProposalId, TeamId,
};
use crate::mood::MoodReason;
use crate::values::{CaseNumber, Email, Subject, Tags};

/// Everything about a case its customer may see, carried by every public case event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub number: CaseNumber,
    pub subject: Subject,
    pub status: CaseStatus,
    pub owner_id: Option<PersonId>,
    pub team_id: Option<TeamId>,
    pub priority: Priority,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseCreated {
    #[serde(flatten)]
    pub case: CaseSummary,
    pub outcome_id: OutcomeId,
    pub customer_id: PersonId,
    pub channel: Channel,
    /// The first message.
    pub message_id: MessageId,
}

/// Who moved the case: a person, or routing (a queue filling a freed slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignedBy {
    Person,
    Routing,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseAssigned {
    #[serde(flatten)]
    pub case: CaseSummary,
    pub previous_owner_id: Option<PersonId>,
    pub by: AssignedBy,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseStatusChanged {
    #[serde(flatten)]
    pub case: CaseSummary,
    pub from: CaseStatus,
    pub to: CaseStatus,
    /// Why, in words: "changed" (a person moved it), "customer replied", "first response".
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseOutcomeSet {
    #[serde(flatten)]
    pub case: CaseSummary,
    pub outcome_achieved: OutcomeAchieved,
}

/// Staff changed what a case is about: its subject, priority or outcome (the `*_from` fields
/// say what each was; absent: unchanged), with why. Staff only, as the reason is internal; a
/// re-route that follows a new outcome is its own `case.assigned`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseEdited {
    #[serde(flatten)]
    pub case: CaseSummary,
    pub outcome_id: OutcomeId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_from: Option<Subject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_from: Option<Priority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_from: Option<OutcomeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Staff only: tags are the staff's working vocabulary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseTagsSet {
    pub number: CaseNumber,
    pub tags: Tags,
}

/// Never the body: the reader fetches the message, which checks who may read it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageAdded {
    pub number: CaseNumber,
    pub message_id: MessageId,
    pub author_id: PersonId,
    pub visibility: Visibility,
    /// The shipped proposal a closed-loop message tells the customer about; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal_id: Option<ProposalId>,
}

impl MessageAdded {
    pub fn is_public(&self) -> bool {
        self.visibility == Visibility::Public
    }
}

/// A score and emotion, present only on the kinds that carry one (a customer's rating, an
/// employee's observation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeelingReading {
    pub score: Score,
    pub emotion: Option<Emotion>,
}

/// Staff only, and never the words: every staff stream sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeelingRecorded {
    pub id: FeelingId,
    pub kind: FeelingKind,
    pub case_id: Option<CaseId>,
    pub case_number: Option<CaseNumber>,
    pub team_id: Option<TeamId>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub reading: Option<FeelingReading>,
}

/// A customer's warm words, quoted to the team that earned them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeelingPraised {
    pub feeling_id: FeelingId,
    pub case_id: CaseId,
    pub case_number: CaseNumber,
    pub owner_id: Option<PersonId>,
    pub team_id: Option<TeamId>,
    pub score: Score,
    pub quote: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseMoodAlert {
    pub number: CaseNumber,
    pub message_id: MessageId,
    pub owner_id: Option<PersonId>,
    pub team_id: Option<TeamId>,
    pub reason: MoodReason,
    /// The alert in words ("angry words: useless").
    pub why: String,
    pub score: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseMoodAlertAcknowledged {
    pub number: CaseNumber,
    pub message_id: MessageId,
    pub owner_id: Option<PersonId>,
    pub team_id: Option<TeamId>,
    pub acknowledged_by: PersonId,
}

/// A mail from the outbox reached the mail server. Staff only, like webhook attempts: the
/// customer has the mail itself. Never the text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailSent {
    pub number: CaseNumber,
    pub outbound_id: uuid::Uuid,
    /// The message it carried; null for mail about the case that is no message (a rating
    /// link).
    pub message_id: Option<MessageId>,
    pub to: Email,
    pub subject: String,
}

/// A mail from the outbox will not be sent: the mail server refused it for good (a 5xx), so
/// staff must reach the customer another way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailFailed {
    pub number: CaseNumber,
    pub outbound_id: uuid::Uuid,
    pub message_id: Option<MessageId>,
    pub to: Email,
    pub subject: String,
    /// What the mail server said.
    pub error: String,
}

/// Mail to a customer's address bounced: a delivery report came back naming it, or our mail
/// server refused a mail to it for good. Staff only: replies by mail will not reach the
/// customer until the address works again (their next mail clears it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailBouncing {
    pub person_id: PersonId,
    pub address: Email,
    /// What the mail server said (the report's diagnostic, or the SMTP answer).
    pub reason: String,
    pub source: crate::mail::BounceSource,
}

/// Mail came in from an address that was bouncing, so it works again. Staff only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailBounceCleared {
    pub person_id: PersonId,
    pub address: Email,
}

/// A case's service target crossed its warning share (`case.target_warning`) or fell due
/// unmet (`case.target_breached`). Staff only. Written once per target, stage and due time
/// by the alarm sweep; at a breach the sweep also raises an ask to the owner's support, named
/// here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseTargetAlarm {
    pub number: CaseNumber,
    pub target: crate::targets::TargetKind,
    pub business_minutes: u32,
    pub due: crate::time::Timestamp,
    pub owner_id: Option<PersonId>,
    pub team_id: Option<TeamId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ask_id: Option<AskId>,
}

/// A file was attached to a message (in the message's transaction). Its audience is the
/// message's: an internal note's files are staff-only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttachmentAdded {
    pub attachment_id: AttachmentId,
    pub number: CaseNumber,
    pub message_id: MessageId,
    pub name: FileName,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub uploader_id: PersonId,
}

/// A staff member deleted an attachment: its bytes are gone, this tombstone stays. Same
/// audience as the attachment's `attachment.added`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttachmentDeleted {
    pub attachment_id: AttachmentId,
    pub number: CaseNumber,
    pub message_id: MessageId,
    pub name: FileName,
    pub reason: String,
}
