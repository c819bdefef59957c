//! Identifiers: UUIDv7 newtypes, so ids sort by creation time and one kind cannot be passed
//! where another is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A customer, employee or support employee.
    PersonId
);
id_type!(
    /// An outcome team.
    TeamId
);
id_type!(
    /// A Successful Customer Outcome.
    OutcomeId
);
id_type!(
    /// A case (the human-readable handle is its `CaseNumber`).
    CaseId
);
id_type!(
    /// A message on a case.
    MessageId
);
id_type!(
    /// A webhook subscription.
    WebhookId
);
id_type!(
    /// A guideline, policy or principle (all its versions share the id).
    RuleId
);
id_type!(
    /// A recorded decision.
    DecisionId
);
id_type!(
    /// An ask from an employee to a support employee.
    AskId
);
id_type!(
    /// A recurring item of a support employee's leader standard work.
    StandardWorkItemId
);
id_type!(
    /// A stated feeling: a customer's rating, an employee's observation or own feeling, a
    /// pulse answer.
    FeelingId
);
id_type!(
    /// A proposal: an employee's idea for a change, backed by evidence.
    ProposalId
);
id_type!(
    /// A comment on a proposal.
    ProposalCommentId
);
id_type!(
    /// An API token, named without its secret (its hash never leaves the store).
    TokenId
);
id_type!(
    /// A web session, named without its cookie value.
    SessionId
);
id_type!(
    /// A file: uploaded first (an upload), then attached to one message.
    AttachmentId
);
