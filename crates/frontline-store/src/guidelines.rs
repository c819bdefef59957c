//! What the guidelines engine keeps: decision kinds, rule versions, recorded decisions and
//! their reviews, and the customer profile the automatic facts read. The events these writes
//! append are built here, so both backends write the same payloads.

use frontline_core::event::{CustomerProfileSet, DecisionRecorded, DecisionReviewed, RuleChanged};
pub use frontline_core::guideline::ReviewOutcome;
use frontline_core::guideline::{DecisionKind, Finding, RuleStatus, RuleType, Scope, Verdict};
use frontline_core::{
    Audience, CaseId, DecisionId, DecisionKindKey, NewEvent, Payload, PersonId, RuleId, Timestamp,
    ValueError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// What the automatic customer facts read besides the store's own counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerProfile {
    pub person_id: PersonId,
    /// e.g. `standard`, `plus`, `premium`.
    pub tier: String,
    /// What the customer has spent with the organisation, in its main currency.
    pub lifetime_value: f64,
    /// When they became a customer (tenure counts from here).
    pub customer_since: Timestamp,
}

impl CustomerProfile {
    pub fn validate(&self) -> Result<(), ValueError> {
        let tier_ok = !self.tier.is_empty()
            && self.tier.len() <= 40
            && self
                .tier
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !tier_ok {
            return Err(ValueError::new(
                "tier",
                "must be 1 to 40 characters of a-z, 0-9, '_' and '-'",
            ));
        }
        if !(self.lifetime_value.is_finite() && (0.0..1e12).contains(&self.lifetime_value)) {
            return Err(ValueError::new(
                "lifetime_value",
                "must be a non-negative amount",
            ));
        }
        Ok(())
    }

    pub fn event(&self, actor: Option<PersonId>) -> NewEvent {
        NewEvent::new(
            actor,
            Payload::CustomerProfileSet(CustomerProfileSet {
                person_id: self.person_id,
                tier: self.tier.clone(),
                lifetime_value: self.lifetime_value,
                customer_since: self.customer_since,
            }),
        )
    }
}

pub fn decision_kind_event(kind: &DecisionKind, actor: Option<PersonId>) -> NewEvent {
    NewEvent::new(actor, Payload::DecisionKindSaved(kind.clone()))
}

/// One version of a guideline, policy or principle. Versions of one rule share `rule_id`,
/// its decision kind and its type; everything else may change from version to version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleVersion {
    pub rule_id: RuleId,
    /// 1, 2, 3… in the order they were drafted.
    pub version: u32,
    pub kind: DecisionKindKey,
    pub rule_type: RuleType,
    pub scope: Scope,
    pub name: String,
    /// The CEL condition; `None` for a principle.
    pub expression: Option<String>,
    /// The principle's text, the guideline's rationale, the policy's reason.
    pub text: String,
    pub status: RuleStatus,
    pub created_by: Option<PersonId>,
    pub created_at: Timestamp,
    pub published_at: Option<Timestamp>,
    pub retired_at: Option<Timestamp>,
}

impl RuleVersion {
    /// `said` is `Payload::RuleDrafted`, `Payload::RulePublished` or `Payload::RuleRetired`.
    pub fn event(&self, said: fn(RuleChanged) -> Payload, actor: Option<PersonId>) -> NewEvent {
        let changed = RuleChanged {
            rule_id: self.rule_id,
            version: self.version,
            kind: self.kind.clone(),
            rule_type: self.rule_type,
            name: self.name.clone(),
            status: self.status,
        };
        NewEvent::new(actor, said(changed))
    }
}

/// A new version to draft. `rule_id: None` starts a new rule (version 1); `Some` adds the next
/// version of that rule (`NotFound` if it does not exist; `Invalid` if the kind or type
/// differs from the rule's). The server compiles the expression before it gets here.
#[derive(Clone, Debug)]
pub struct NewRuleVersion {
    pub rule_id: Option<RuleId>,
    pub kind: DecisionKindKey,
    pub rule_type: RuleType,
    pub scope: Scope,
    pub name: String,
    pub expression: Option<String>,
    pub text: String,
}

#[derive(Clone, Debug, Default)]
pub struct RuleFilter {
    pub kind: Option<DecisionKindKey>,
    pub status: Option<RuleStatus>,
    pub rule_id: Option<RuleId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub reviewer_id: PersonId,
    pub outcome: ReviewOutcome,
    pub comment: Option<String>,
    pub reviewed_at: Timestamp,
}

/// A recorded decision: the facts as evaluated (the kind's and the automatic ones, by name),
/// the verdict, the explanation, and the exact rule versions that applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub id: DecisionId,
    pub case_id: CaseId,
    pub customer_id: PersonId,
    pub kind: DecisionKindKey,
    pub actor_id: PersonId,
    pub facts: Map<String, Json>,
    pub verdict: Verdict,
    pub explanation: Option<String>,
    pub findings: Vec<Finding>,
    pub decided_at: Timestamp,
    pub review: Option<Review>,
}

impl Decision {
    /// Decisions are staff business: the customer's audience never includes them.
    pub fn recorded_event(&self) -> NewEvent {
        let not_held = self
            .findings
            .iter()
            .filter(|f| f.held == Some(false))
            .map(|f| f.name.to_string())
            .collect();
        NewEvent::new(
            Some(self.actor_id),
            Payload::DecisionRecorded(DecisionRecorded {
                decision_id: self.id,
                kind: self.kind.clone(),
                verdict: self.verdict,
                explanation: self.explanation.clone(),
                not_held,
            }),
        )
        .about_case(self.case_id, Audience::Staff)
    }

    pub fn reviewed_event(&self, review: &Review) -> NewEvent {
        NewEvent::new(
            Some(review.reviewer_id),
            Payload::DecisionReviewed(DecisionReviewed {
                decision_id: self.id,
                kind: self.kind.clone(),
                decided_by: self.actor_id,
                outcome: review.outcome,
                comment: review.comment.clone(),
            }),
        )
        .about_case(self.case_id, Audience::Staff)
    }
}

/// A decision to record. The store fills in the customer (from the case), the id and the time.
#[derive(Clone, Debug)]
pub struct NewDecision {
    pub case_id: CaseId,
    pub kind: DecisionKindKey,
    pub actor_id: PersonId,
    pub facts: Map<String, Json>,
    pub verdict: Verdict,
    pub explanation: Option<String>,
    pub findings: Vec<Finding>,
}

/// Which decisions to list (newest first). Every field narrows.
#[derive(Clone, Debug, Default)]
pub struct DecisionFilter {
    pub case_id: Option<CaseId>,
    pub kind: Option<DecisionKindKey>,
    pub actor_id: Option<PersonId>,
    pub customer_id: Option<PersonId>,
    pub verdict: Option<Verdict>,
    /// `Some(false)`: not yet reviewed; `Some(true)`: reviewed.
    pub reviewed: Option<bool>,
    /// Decided at or after.
    pub since: Option<Timestamp>,
    /// The cursor of the next page: only decisions after this one in newest-first order
    /// (`decided_at` descending, then id descending).
    pub before: Option<(Timestamp, DecisionId)>,
}
