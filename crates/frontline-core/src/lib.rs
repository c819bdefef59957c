//! Frontline's domain: identifiers, validated values, and the rules of the help desk
//! (case lifecycle, routing, who sees which event, the customer-time ledger and leader standard
//! work) as plain functions over plain types.
//!
//! This crate does no IO and depends on no other workspace crate. Storage backends load state,
//! ask these functions what should change, and persist the answer in one transaction, so both
//! backends make the same decisions.

pub mod ask;
pub mod attachment;
pub mod calendar;
pub mod case;
pub mod closed_loop;
pub mod event;
pub mod feeling;
pub mod guideline;
pub mod ids;
pub mod ledger;
pub mod mail;
pub mod mood;
pub mod notify;
pub mod org;
pub mod proposal;
pub mod routing;
pub mod scoreboard;
pub mod search;
pub mod sentiment;
pub mod standard_work;
pub mod targets;
pub mod themes;
pub mod time;
pub mod values;
pub mod webhook;

pub use ask::{Ask, AskChange, AskKind, AskMessage, AskStatus, Urgency};
pub use attachment::{Attachment, FileName};
pub use case::{
    Case, CaseEdit, CaseStatus, Channel, Message, OutcomeAchieved, Priority, Visibility,
};
pub use event::{Audience, Event, EventKind, NewEvent, Payload, PayloadError};
pub use feeling::{Emotion, Feeling, FeelingKind, FeelingSource, NewFeeling, Score, Verbatim};
pub use ids::{
    AskId, AttachmentId, CaseId, DecisionId, FeelingId, MessageId, OutcomeId, PersonId, RuleId,
    StandardWorkItemId, TeamId, WebhookId,
};
pub use ids::{ProposalCommentId, ProposalId, SessionId, TokenId};
pub use ledger::{Ledger, LedgerGoal};
pub use org::{Membership, Outcome, Person, Role, SupportLink, Team};
pub use org::{RolePeriod, history::OrgHistory};
pub use proposal::{Proposal, ProposalChange, ProposalStatus};
pub use standard_work::{Cadence, Metric, StandardWorkItem, StandardWorkTick};
pub use time::Timestamp;
pub use values::{
    AskText, CaseNumber, DecisionKindKey, Email, MessageBody, Name, OutcomeKey, Subject, Tag, Tags,
    ValueError,
};
pub use webhook::Webhook;
