//! The guidelines engine: decide on the spot within guidelines (comply-or-explain).
//!
//! A *decision kind* (`refund`, `goodwill_credit`, …) names the facts an employee supplies.
//! *Rules* of three types apply to it: a **guideline** is a preferred course of action written
//! as a CEL expression (outside it the employee may act but must explain), a **policy** is a
//! hard limit (outside it the action is blocked), a **principle** is guidance text.
//!
//! Expressions are parsed by the `cel` crate (so the syntax and its error positions are CEL's)
//! and then lowered into a small typed tree over the decision's facts, checked against the fact
//! schema when the rule is saved. Evaluating that tree costs tens of nanoseconds, needs no
//! interpreter context, cannot recurse deeper than `MAX_DEPTH`, and lets a failed rule say *why*
//! in words ("amount 250 EUR is above 200"). The subset: literals, facts, `!`, `-`, `&&`, `||`,
//! comparisons, arithmetic, `?:`, `in` over constant lists, `size()`, and the string methods
//! `contains`, `startsWith`, `endsWith`. Numbers are one type (CEL's int and double compare
//! as numbers), which is what people writing `amount <= 200` expect.

mod compile;
mod eval;
mod facts;
mod syntax;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ids::{PersonId, RuleId, TeamId};
use crate::values::{DecisionKindKey, OutcomeKey, ValueError};

pub use compile::{CompileError, CompiledExpr, MAX_DEPTH, MAX_SOURCE_BYTES, compile};
pub use eval::EvalError;
pub use facts::{AUTOMATIC_FACTS, AutoFacts, FactDef, FactType, Facts, Schema, Value};

/// A kind of decision employees take, with the facts they supply for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionKind {
    pub key: DecisionKindKey,
    pub name: String,
    pub description: String,
    /// The currency of every `money` fact of this kind (ISO 4217, e.g. `EUR`).
    pub currency: String,
    pub facts: Vec<FactDef>,
    pub updated_at: crate::Timestamp,
}

impl DecisionKind {
    /// The schema rules of this kind are checked against: its own facts and the automatic ones.
    pub fn schema(&self) -> Schema {
        Schema::new(&self.facts, &self.currency)
    }

    /// Check the kind itself: a sensible currency, distinct fact names that do not shadow the
    /// automatic facts.
    pub fn validate(&self) -> Result<(), ValueError> {
        if self.name.trim().is_empty() || self.name.chars().count() > 120 {
            return Err(ValueError::new("name", "must be 1 to 120 characters"));
        }
        if self.description.chars().count() > 2000 {
            return Err(ValueError::new(
                "description",
                "is longer than 2000 characters",
            ));
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ValueError::new(
                "currency",
                format!(
                    "{:?} is not a three-letter currency code such as EUR",
                    self.currency
                ),
            ));
        }
        if self.facts.len() > 32 {
            return Err(ValueError::new("facts", "at most 32 facts per kind"));
        }
        let mut seen = std::collections::HashSet::new();
        for fact in &self.facts {
            fact.validate()?;
            if !seen.insert(fact.name.as_str()) {
                return Err(ValueError::new(
                    "facts",
                    format!("{:?} is named twice", fact.name),
                ));
            }
        }
        Ok(())
    }
}

/// The three types of rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleType {
    /// A preferred course of action; outside it, act and explain.
    Guideline,
    /// A hard limit; outside it the action is blocked.
    Policy,
    /// Guidance text shown at the moment of decision.
    Principle,
}

impl RuleType {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleType::Guideline => "guideline",
            RuleType::Policy => "policy",
            RuleType::Principle => "principle",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        match raw {
            "guideline" => Ok(RuleType::Guideline),
            "policy" => Ok(RuleType::Policy),
            "principle" => Ok(RuleType::Principle),
            other => Err(ValueError::new(
                "type",
                format!("{other:?} is not guideline, policy or principle"),
            )),
        }
    }

    /// Principles are text; the other two need an expression.
    pub fn has_expression(self) -> bool {
        !matches!(self, RuleType::Principle)
    }
}

/// Where a rule version is in its life: every edit is a new draft; publishing a version
/// retires the one published before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    Draft,
    Published,
    Retired,
}

impl RuleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Draft => "draft",
            RuleStatus::Published => "published",
            RuleStatus::Retired => "retired",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        match raw {
            "draft" => Ok(RuleStatus::Draft),
            "published" => Ok(RuleStatus::Published),
            "retired" => Ok(RuleStatus::Retired),
            other => Err(ValueError::new(
                "status",
                format!("{other:?} is not draft, published or retired"),
            )),
        }
    }

    /// The moves a version may make: a draft is published or discarded (retired); a published
    /// version is retired; a retired one stays retired.
    pub fn may_become(self, to: RuleStatus) -> bool {
        matches!(
            (self, to),
            (RuleStatus::Draft, RuleStatus::Published)
                | (RuleStatus::Draft, RuleStatus::Retired)
                | (RuleStatus::Published, RuleStatus::Retired)
        )
    }
}

/// Whom a rule applies to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Scope {
    /// Everyone in the organisation.
    Organisation,
    /// Decisions on cases of this team.
    Team { team_id: TeamId },
    /// Decisions on cases aiming at this outcome.
    Outcome { outcome: OutcomeKey },
    /// Decisions taken by this person.
    Person { person_id: PersonId },
}

impl Scope {
    /// Whether a rule of this scope applies to a decision on a case of `team` and `outcome`
    /// taken by `actor`.
    pub fn applies(&self, team: Option<TeamId>, outcome: &OutcomeKey, actor: PersonId) -> bool {
        match self {
            Scope::Organisation => true,
            Scope::Team { team_id } => team == Some(*team_id),
            Scope::Outcome { outcome: key } => key == outcome,
            Scope::Person { person_id } => *person_id == actor,
        }
    }
}

/// A rule's version as evaluation needs it.
#[derive(Clone, Debug)]
pub struct CompiledRule {
    pub rule_id: RuleId,
    pub version: u32,
    pub rule_type: RuleType,
    pub name: Arc<str>,
    /// The principle's text, or the guideline's rationale, or the policy's reason.
    pub text: Arc<str>,
    /// `None` for a principle.
    pub expr: Option<CompiledExpr>,
}

/// A support employee's judgement of a decision taken with an explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// The deviation was right.
    Uphold,
    /// Acceptable, with advice for next time (the comment).
    Coach,
    /// It should not have been done.
    Reverse,
}

impl ReviewOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewOutcome::Uphold => "uphold",
            ReviewOutcome::Coach => "coach",
            ReviewOutcome::Reverse => "reverse",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        match raw {
            "uphold" => Ok(ReviewOutcome::Uphold),
            "coach" => Ok(ReviewOutcome::Coach),
            "reverse" => Ok(ReviewOutcome::Reverse),
            other => Err(ValueError::new(
                "outcome",
                format!("{other:?} is not uphold, coach or reverse"),
            )),
        }
    }
}

/// What a decision amounts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every applicable guideline and policy held: just act.
    Within,
    /// A guideline did not hold: the employee may act, with an explanation.
    Explain,
    /// A policy did not hold: the action is not allowed.
    Blocked,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Within => "within",
            Verdict::Explain => "explain",
            Verdict::Blocked => "blocked",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        match raw {
            "within" => Ok(Verdict::Within),
            "explain" => Ok(Verdict::Explain),
            "blocked" => Ok(Verdict::Blocked),
            other => Err(ValueError::new(
                "verdict",
                format!("{other:?} is not within, explain or blocked"),
            )),
        }
    }
}

/// How one applicable rule version fared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: RuleId,
    pub version: u32,
    pub rule_type: RuleType,
    pub name: Arc<str>,
    /// `None` for a principle (nothing to hold).
    pub held: Option<bool>,
    /// Why it did not hold, in words; empty when it held.
    pub why: Vec<String>,
    /// The principle's text, the guideline's rationale or the policy's reason.
    pub text: Arc<str>,
}

/// The verdict and every applicable rule's finding, principles included.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
}

impl Evaluation {
    /// The findings of rules that did not hold.
    pub fn failed(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.held == Some(false))
    }
}

/// Evaluate every applicable rule version against the facts. A rule that cannot be evaluated
/// (division by zero, say) counts as not held, with the error as its reason: a limit that
/// cannot be checked is not met.
pub fn evaluate<'r>(
    rules: impl IntoIterator<Item = &'r CompiledRule>,
    facts: &Facts,
) -> Evaluation {
    let rules = rules.into_iter();
    let mut findings = Vec::with_capacity(rules.size_hint().0);
    let mut verdict = Verdict::Within;
    for rule in rules {
        let held = rule.expr.as_ref().map(|expr| match expr.holds(facts) {
            Ok(true) => (true, Vec::new()),
            Ok(false) => (false, expr.why_not(facts)),
            Err(e) => (false, vec![format!("it could not be evaluated: {e}")]),
        });
        if let Some((false, _)) = held {
            verdict = verdict.max(match rule.rule_type {
                RuleType::Policy => Verdict::Blocked,
                _ => Verdict::Explain,
            });
        }
        let (held, why) = match held {
            Some((held, why)) => (Some(held), why),
            None => (None, Vec::new()),
        };
        findings.push(Finding {
            rule_id: rule.rule_id,
            version: rule.version,
            rule_type: rule.rule_type,
            name: rule.name.clone(),
            held,
            why,
            text: rule.text.clone(),
        });
    }
    Evaluation { verdict, findings }
}

/// An explanation must say something: at least a sentence (three words, 15 characters).
pub fn check_explanation(text: &str) -> Result<String, ValueError> {
    let text = text.trim();
    if text.chars().count() > 4000 {
        return Err(ValueError::new(
            "explanation",
            "is longer than 4000 characters",
        ));
    }
    if text.chars().count() < 15 || text.split_whitespace().count() < 3 {
        return Err(ValueError::new(
            "explanation",
            "must be at least a sentence (three words) saying why you are acting outside the guideline",
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod syntax_tests;
#[cfg(test)]
mod tests;
