//! Decisions as the pages show them: a verdict in words with every rule that did not hold
//! and why, and a recorded decision with its facts (labelled as the kind labels them, money
//! with its currency), explanation, who and when, and how it was reviewed. Shared by the
//! case workspace, the review queue and the decision form.

use std::collections::HashMap;

use frontline_core::guideline::{DecisionKind, Evaluation, FactType, Finding, Verdict};
use frontline_core::{PersonId, Timestamp};
use frontline_store::{Decision, ReviewOutcome};
use serde_json::Value as Json;

use super::layout::when;
use crate::error::AppError;
use crate::lookup::Names;
use crate::state::AppState;

/// A rule that did not hold: its name, type, why, and its rationale or reason.
pub struct FailedRule {
    pub name: String,
    pub rule_type: &'static str,
    pub why: Vec<String>,
    pub text: String,
}

impl FailedRule {
    fn new(finding: &Finding) -> Self {
        Self {
            name: finding.name.to_string(),
            rule_type: finding.rule_type.as_str(),
            why: finding.why.clone(),
            text: finding.text.to_string(),
        }
    }
}

/// A verdict as the decision form shows it (the script draws the same markup).
pub struct VerdictView {
    /// `within`, `explain` or `blocked`, for the CSS class.
    pub verdict: &'static str,
    pub headline: &'static str,
    pub failed: Vec<FailedRule>,
}

impl VerdictView {
    pub fn new(evaluation: &Evaluation) -> Self {
        Self {
            verdict: evaluation.verdict.as_str(),
            headline: headline(evaluation.verdict),
            failed: evaluation.failed().map(FailedRule::new).collect(),
        }
    }
}

/// The verdict in one sentence (kept in step with `headline` in `static/app.js`).
pub fn headline(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Within => "Within the guidelines: go ahead.",
        Verdict::Explain => "Outside a guideline: you may go ahead, but say why.",
        Verdict::Blocked => "Blocked by a policy: this cannot be done.",
    }
}

/// A recorded verdict as a short label.
pub fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Within => "Within the guidelines",
        Verdict::Explain => "Outside a guideline",
        Verdict::Blocked => "Blocked",
    }
}

pub fn review_label(outcome: ReviewOutcome) -> &'static str {
    match outcome {
        ReviewOutcome::Uphold => "Upheld",
        ReviewOutcome::Coach => "Coached",
        ReviewOutcome::Reverse => "Reversed",
    }
}

pub struct FactShown {
    pub label: String,
    pub value: String,
}

pub struct ReviewView {
    /// `uphold`, `coach` or `reverse`, for the CSS class.
    pub outcome: &'static str,
    pub label: &'static str,
    pub reviewer: String,
    pub comment: Option<String>,
    pub at: String,
}

/// One recorded decision.
pub struct DecisionItem {
    pub id: String,
    /// The case's number, when the list spans cases (empty on the case's own page).
    pub case_number: String,
    pub kind: String,
    pub verdict: &'static str,
    pub verdict_label: &'static str,
    /// The facts the employee supplied, in the kind's order.
    pub facts: Vec<FactShown>,
    /// The facts supplied automatically (customer, case).
    pub auto_facts: Vec<FactShown>,
    pub not_held: Vec<FailedRule>,
    pub explanation: Option<String>,
    pub who: String,
    pub at: String,
    pub at_iso: String,
    pub review: Option<ReviewView>,
    /// Taken with an explanation and not yet reviewed.
    pub pending: bool,
    /// Taken by the viewer.
    pub own: bool,
    /// Whether the page offers the review form for it.
    pub reviewable: bool,
    /// The case page to come back to after a review made there (`None`: the review queue).
    pub return_to: Option<String>,
    /// Said instead of the review form (e.g. why the viewer may not review it).
    pub note: Option<&'static str>,
    /// A refused review of this decision, in words, and the comment that was typed.
    pub problem: Option<String>,
    pub comment: String,
}

/// A number as people write it: whole numbers without decimals, money with two.
pub fn number_words(n: f64, money: bool) -> String {
    if money {
        if n.fract() == 0.0 && n.abs() < 1e15 {
            format!("{}", n as i64)
        } else {
            format!("{n:.2}")
        }
    } else if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let text = format!("{n:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A recorded fact value in words; `currency` for money.
pub fn value_words(value: &Json, currency: Option<&str>) -> String {
    match value {
        Json::Bool(true) => "yes".to_owned(),
        Json::Bool(false) => "no".to_owned(),
        Json::Number(n) => {
            let words = number_words(n.as_f64().unwrap_or(0.0), currency.is_some());
            match currency {
                Some(c) => format!("{words} {c}"),
                None => words,
            }
        }
        Json::String(s) if s.is_empty() => "(empty)".to_owned(),
        Json::String(s) => s.clone(),
        Json::Array(items) if items.is_empty() => "none".to_owned(),
        Json::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        Json::Null => "(none)".to_owned(),
        Json::Object(_) => value.to_string(),
    }
}

/// The decision kinds by key, for labelling decisions.
pub async fn kinds_by_key(state: &AppState) -> Result<HashMap<String, DecisionKind>, AppError> {
    Ok(state
        .store
        .list_decision_kinds()
        .await?
        .into_iter()
        .map(|k| (k.key.to_string(), k))
        .collect())
}

/// Build the rows of a list of decisions.
pub async fn items(
    state: &AppState,
    names: &mut Names,
    kinds: &HashMap<String, DecisionKind>,
    decisions: &[Decision],
    me: PersonId,
) -> Result<Vec<DecisionItem>, AppError> {
    let mut rows = Vec::with_capacity(decisions.len());
    for d in decisions {
        let kind = kinds.get(d.kind.as_str());
        let mut facts = Vec::new();
        if let Some(kind) = kind {
            for def in &kind.facts {
                let Some(value) = d.facts.get(&def.name) else {
                    continue;
                };
                let currency =
                    matches!(def.fact_type, FactType::Money).then_some(kind.currency.as_str());
                facts.push(FactShown {
                    label: def.label.clone(),
                    value: value_words(value, currency),
                });
            }
        }
        let mut auto_facts = Vec::new();
        for (name, value) in &d.facts {
            let listed = kind.is_some_and(|k| k.facts.iter().any(|f| &f.name == name));
            if listed {
                continue;
            }
            let currency = (name == "customer.lifetime_value")
                .then(|| kind.map_or("", |k| k.currency.as_str()));
            let shown = FactShown {
                label: name.clone(),
                value: value_words(value, currency),
            };
            // A fact the kind no longer lists is still the employee's: show it with theirs.
            if name.contains('.') {
                auto_facts.push(shown)
            } else {
                facts.push(shown)
            }
        }
        let review = match &d.review {
            Some(r) => Some(ReviewView {
                outcome: r.outcome.as_str(),
                label: review_label(r.outcome),
                reviewer: names.person(state, r.reviewer_id).await?,
                comment: r.comment.clone(),
                at: when(r.reviewed_at),
            }),
            None => None,
        };
        rows.push(DecisionItem {
            id: d.id.to_string(),
            case_number: String::new(),
            kind: kind.map_or_else(|| d.kind.to_string(), |k| k.name.clone()),
            verdict: d.verdict.as_str(),
            verdict_label: verdict_label(d.verdict),
            facts,
            auto_facts,
            not_held: d
                .findings
                .iter()
                .filter(|f| f.held == Some(false))
                .map(FailedRule::new)
                .collect(),
            explanation: d.explanation.clone(),
            who: names.person(state, d.actor_id).await?,
            at: when(d.decided_at),
            at_iso: d.decided_at.to_string(),
            pending: d.verdict == Verdict::Explain && d.review.is_none(),
            own: d.actor_id == me,
            review,
            reviewable: false,
            return_to: None,
            note: None,
            problem: None,
            comment: String::new(),
        });
    }
    Ok(rows)
}

/// A recorded time (RFC 3339 text, as the back-test reports it) as people read it.
pub fn when_text(raw: &str) -> String {
    raw.parse::<Timestamp>()
        .map(when)
        .unwrap_or_else(|_| raw.to_owned())
}

/// A message as a sentence: its first letter upper-case.
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
