//! Proposals: decisions made bottom-up. An employee who sees the same trouble on case after case
//! (or in a theme drawn from customers' words) proposes a change, with that evidence attached;
//! colleagues vote, one vote each, and comment; a support employee adopts or declines it, and
//! must say why; an adopted proposal is later marked shipped, saying what changed, and every
//! customer whose case is in the evidence is told (`crate::closed_loop`).
//!
//! Lifecycle: `open → adopted | declined | withdrawn`, `adopted → shipped`. Only the author
//! withdraws, and only while it is open; votes move only while it is open (the voters at the
//! decision are the ones told). Comments are welcome in every status: "when does it ship?" is
//! a fair question.
//!
//! Every change returns its event, so both stores apply the same rules. Proposal events are for
//! staff only (customers never see proposals) and name who should hear about them (`notify`:
//! the author and the voters), so a client following the stream can tell them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::case::text_enum;
use crate::event::{
    NewEvent, Payload, ProposalCommented, ProposalDecided, ProposalRaised, ProposalShipped,
    ProposalState, ProposalVotes,
};
use crate::ids::{CaseId, MessageId, PersonId, ProposalCommentId, ProposalId};
use crate::org::{Person, Role};
use crate::time::Timestamp;
use crate::values::{CaseNumber, ValueError, bounded_text};

text_enum!(
    /// Where a proposal stands.
    ProposalStatus, "status" {
        Open => "open",
        Adopted => "adopted",
        Declined => "declined",
        Shipped => "shipped",
        Withdrawn => "withdrawn",
    }
);

impl ProposalStatus {
    /// Decided for good: nothing but comments will change it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ProposalStatus::Declined | ProposalStatus::Shipped | ProposalStatus::Withdrawn
        )
    }
}

/// A bounded, trimmed text without control characters; `empty` is what to say when it is blank.
macro_rules! proposal_text {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr, $empty:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, ValueError> {
                if raw.trim().is_empty() {
                    return Err(ValueError::new($field, $empty));
                }
                bounded_text($field, raw, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
            }
        }
    };
}

proposal_text!(
    /// What the proposal would change, in one line.
    ProposalTitle, "title", 200, "must not be empty: say in one line what should change"
);
proposal_text!(
    /// The case for the change: what goes wrong today and what to do instead.
    ProposalBody, "body", 10_000, "must not be empty: say what goes wrong today and what to do instead"
);
proposal_text!(
    /// Why a support employee adopted or declined a proposal. Required: a decision nobody
    /// explains teaches the front line nothing.
    Reason, "reason", 2_000, "is required: say why you adopt or decline this proposal"
);
proposal_text!(
    /// What actually changed when the proposal shipped; the customers in its evidence read it.
    WhatChanged, "what_changed", 2_000, "is required: say what changed, in words a customer understands"
);
proposal_text!(
    /// A comment on a proposal.
    CommentBody, "body", 4_000, "must not be empty"
);
proposal_text!(
    /// The key of a voice-of-the-customer theme, as the themes page names it (`/themes?key=`).
    /// Free text: themes are computed elsewhere and their keys are not ours to shape.
    ThemeKey, "theme", 120, "must not be empty when a theme is given"
);
proposal_text!(
    /// A theme's label as people read it ("parcel arrived late").
    ThemeLabel, "theme_label", 200, "must not be empty when a theme is given"
);

/// A theme the proposal draws on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme {
    pub key: ThemeKey,
    pub label: ThemeLabel,
}

impl Theme {
    /// A theme from its key and label; a blank label takes the key (themes link by key).
    pub fn parse(key: &str, label: Option<&str>) -> Result<Self, ValueError> {
        let key = ThemeKey::parse(key)?;
        let label = match label.map(str::trim).filter(|l| !l.is_empty()) {
            Some(label) => ThemeLabel::parse(label)?,
            None => ThemeLabel::parse(key.as_str())?,
        };
        Ok(Self { key, label })
    }
}

/// A case in the evidence. `told` is the closed-loop message its customer got when the
/// proposal shipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceCase {
    pub case_id: CaseId,
    pub number: CaseNumber,
    pub told: Option<MessageId>,
}

/// Most cases one proposal may cite: enough to show a pattern, few enough to read.
pub const MAX_EVIDENCE_CASES: usize = 50;

/// The evidence behind a proposal: cases, a theme, or both; never nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    cases: Vec<CaseId>,
    theme: Option<Theme>,
}

impl Evidence {
    /// Cases in the order given, without repeats.
    pub fn new(cases: Vec<CaseId>, theme: Option<Theme>) -> Result<Self, ValueError> {
        let mut unique = Vec::with_capacity(cases.len());
        for case in cases {
            if !unique.contains(&case) {
                unique.push(case);
            }
        }
        if unique.is_empty() && theme.is_none() {
            return Err(ValueError::new(
                "cases",
                "a proposal needs evidence: at least one case, or a theme",
            ));
        }
        if unique.len() > MAX_EVIDENCE_CASES {
            return Err(ValueError::new(
                "cases",
                format!(
                    "{} cases is more than the {MAX_EVIDENCE_CASES} a proposal may cite; pick the clearest",
                    unique.len()
                ),
            ));
        }
        Ok(Self {
            cases: unique,
            theme,
        })
    }

    pub fn cases(&self) -> &[CaseId] {
        &self.cases
    }

    pub fn theme(&self) -> Option<&Theme> {
        self.theme.as_ref()
    }
}

/// A proposal to raise; the store checks the people and cases exist.
#[derive(Clone, Debug)]
pub struct NewProposal {
    pub author_id: PersonId,
    pub title: ProposalTitle,
    pub body: ProposalBody,
    pub evidence: Evidence,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: ProposalId,
    pub author_id: PersonId,
    pub title: ProposalTitle,
    pub body: ProposalBody,
    /// The cited cases, in the order the author gave them.
    pub cases: Vec<EvidenceCase>,
    pub theme: Option<Theme>,
    pub status: ProposalStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Who adopted or declined it, when, and why.
    pub decided_by: Option<PersonId>,
    pub decided_at: Option<Timestamp>,
    pub reason: Option<Reason>,
    /// Who marked it shipped, when, and what changed.
    pub shipped_by: Option<PersonId>,
    pub shipped_at: Option<Timestamp>,
    pub what_changed: Option<WhatChanged>,
}

/// One person's vote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalVote {
    pub proposal_id: ProposalId,
    pub person_id: PersonId,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalComment {
    pub id: ProposalCommentId,
    pub proposal_id: ProposalId,
    pub author_id: PersonId,
    pub body: CommentBody,
    pub created_at: Timestamp,
}

/// A decision on a proposal. Who may make which is checked twice: by the server's
/// authorisation and here, where the lifecycle is.
#[derive(Clone, Debug)]
pub enum ProposalChange {
    /// A support employee adopts it, saying why.
    Adopt { reason: Reason },
    /// A support employee declines it, saying why.
    Decline { reason: Reason },
    /// A support employee marks an adopted proposal shipped, saying what changed; the
    /// customers in its evidence are told.
    Ship { what_changed: WhatChanged },
    /// The author takes it back while it is open.
    Withdraw,
}

/// A rule a proposal change broke.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProposalError {
    #[error("only employees and support employees take part in proposals")]
    NotStaff,
    #[error("only support employees adopt, decline or ship proposals")]
    NotSupport,
    #[error("only the person who raised a proposal can withdraw it")]
    NotAuthor,
    #[error("the proposal is {0}; only an open proposal can be {1}")]
    NotOpen(ProposalStatus, &'static str),
    #[error("the proposal is {0}; only an adopted proposal can be marked shipped")]
    NotAdopted(ProposalStatus),
    #[error("you raised this proposal; your colleagues vote on it")]
    OwnProposal,
    #[error("you have already voted for this proposal; one vote each")]
    AlreadyVoted,
    #[error("you have not voted for this proposal")]
    NotVoted,
}

impl ProposalError {
    /// Whether the request could never succeed whatever the state (so `Invalid`, not
    /// `Conflict`): it is about who asks, not about where the proposal stands.
    pub fn is_about_the_person(&self) -> bool {
        matches!(
            self,
            ProposalError::NotStaff
                | ProposalError::NotSupport
                | ProposalError::NotAuthor
                | ProposalError::OwnProposal
        )
    }
}

impl Proposal {
    /// A new open proposal citing `cases` (the evidence's cases with their numbers, in the
    /// evidence's order), and its `proposal.raised` event.
    pub fn raise(
        new: NewProposal,
        author: &Person,
        cases: Vec<(CaseId, CaseNumber)>,
        at: Timestamp,
    ) -> Result<(Proposal, NewEvent), ProposalError> {
        if !author.role.is_staff() {
            return Err(ProposalError::NotStaff);
        }
        let proposal = Proposal {
            id: ProposalId::new(),
            author_id: author.id,
            title: new.title,
            body: new.body,
            cases: cases
                .into_iter()
                .map(|(case_id, number)| EvidenceCase {
                    case_id,
                    number,
                    told: None,
                })
                .collect(),
            theme: new.evidence.theme,
            status: ProposalStatus::Open,
            created_at: at,
            updated_at: at,
            decided_by: None,
            decided_at: None,
            reason: None,
            shipped_by: None,
            shipped_at: None,
            what_changed: None,
        };
        let event = NewEvent::new(
            Some(author.id),
            Payload::ProposalRaised(ProposalRaised {
                proposal: proposal.state(),
                cases: proposal.cases.iter().map(|c| c.number).collect(),
                theme: proposal.theme.as_ref().map(|t| t.key.clone()),
            }),
        );
        Ok((proposal, event))
    }

    /// Apply a decision by `actor` at `at`. `voters` are the people who voted for it: they and
    /// the author are named in the event, to be told.
    pub fn apply(
        &self,
        actor: &Person,
        change: ProposalChange,
        voters: &[PersonId],
        at: Timestamp,
    ) -> Result<(Proposal, NewEvent), ProposalError> {
        let mut next = self.clone();
        next.updated_at = at;
        // Everyone told of a decision: the author, then the voters.
        let decided = |next: &Proposal| ProposalDecided {
            proposal: next.state(),
            voters: voters.len(),
            notify: next.told_of_decisions(voters),
        };
        let payload = match change {
            ProposalChange::Adopt { reason } => {
                self.decided_by_support(actor, "adopted")?;
                next.decide(ProposalStatus::Adopted, actor.id, reason, at);
                Payload::ProposalAdopted(decided(&next))
            }
            ProposalChange::Decline { reason } => {
                self.decided_by_support(actor, "declined")?;
                next.decide(ProposalStatus::Declined, actor.id, reason, at);
                Payload::ProposalDeclined(decided(&next))
            }
            ProposalChange::Ship { what_changed } => {
                if actor.role != Role::Support {
                    return Err(ProposalError::NotSupport);
                }
                if self.status != ProposalStatus::Adopted {
                    return Err(ProposalError::NotAdopted(self.status));
                }
                next.status = ProposalStatus::Shipped;
                next.shipped_by = Some(actor.id);
                next.shipped_at = Some(at);
                next.what_changed = Some(what_changed);
                Payload::ProposalShipped(ProposalShipped {
                    decided: decided(&next),
                    cases_told: self.cases.len(),
                })
            }
            ProposalChange::Withdraw => {
                if actor.id != self.author_id {
                    return Err(ProposalError::NotAuthor);
                }
                self.open("withdrawn")?;
                next.status = ProposalStatus::Withdrawn;
                Payload::ProposalWithdrawn(decided(&next))
            }
        };
        Ok((next, NewEvent::new(Some(actor.id), payload)))
    }

    /// Whether `voter` may vote (or take their vote back) now.
    pub fn check_vote(&self, voter: &Person) -> Result<(), ProposalError> {
        if !voter.role.is_staff() {
            return Err(ProposalError::NotStaff);
        }
        if voter.id == self.author_id {
            return Err(ProposalError::OwnProposal);
        }
        self.open("voted on")
    }

    /// The event of a vote given (`voted`) or taken back; `votes` is the count after it.
    pub fn vote_event(&self, voter: PersonId, voted: bool, votes: u32) -> NewEvent {
        let votes = ProposalVotes {
            proposal: self.state(),
            votes,
        };
        let payload = if voted {
            Payload::ProposalVoted(votes)
        } else {
            Payload::ProposalUnvoted(votes)
        };
        NewEvent::new(Some(voter), payload)
    }

    /// A comment by `author`, in any status, and its event.
    pub fn comment(
        &self,
        author: &Person,
        body: CommentBody,
        at: Timestamp,
    ) -> Result<(ProposalComment, NewEvent), ProposalError> {
        if !author.role.is_staff() {
            return Err(ProposalError::NotStaff);
        }
        let comment = ProposalComment {
            id: ProposalCommentId::new(),
            proposal_id: self.id,
            author_id: author.id,
            body,
            created_at: at,
        };
        let event = NewEvent::new(
            Some(author.id),
            Payload::ProposalCommented(ProposalCommented {
                proposal: self.state(),
                comment_id: comment.id,
                notify: vec![self.author_id],
            }),
        );
        Ok((comment, event))
    }

    /// The author, then each voter once: the people a decision is news to.
    pub fn told_of_decisions(&self, voters: &[PersonId]) -> Vec<PersonId> {
        let mut people = vec![self.author_id];
        for voter in voters {
            if !people.contains(voter) {
                people.push(*voter);
            }
        }
        people
    }

    fn decide(&mut self, to: ProposalStatus, by: PersonId, reason: Reason, at: Timestamp) {
        self.status = to;
        self.decided_by = Some(by);
        self.decided_at = Some(at);
        self.reason = Some(reason);
    }

    fn decided_by_support(&self, actor: &Person, what: &'static str) -> Result<(), ProposalError> {
        if actor.role != Role::Support {
            return Err(ProposalError::NotSupport);
        }
        self.open(what)
    }

    fn open(&self, what: &'static str) -> Result<(), ProposalError> {
        if self.status == ProposalStatus::Open {
            Ok(())
        } else {
            Err(ProposalError::NotOpen(self.status, what))
        }
    }

    /// The proposal as its events show it. Proposal events are staff business (the default
    /// audience): every employee's stream carries them, and no customer's.
    fn state(&self) -> ProposalState {
        ProposalState {
            proposal_id: self.id,
            author_id: self.author_id,
            title: self.title.clone(),
            status: self.status,
        }
    }
}

#[cfg(test)]
mod tests;
