//! The guidelines engine as a use case: which rules apply to a decision, the automatic facts,
//! evaluating and recording, each rule's figures, and back-testing a version against past
//! decisions. The API and the pages both call these functions; authorisation is checked by
//! the callers before they get here.
//!
//! Compiled rules are cached by (rule, version, the kind's `updated_at`): a version's text
//! never changes and a kind's schema changes only with its `updated_at`, so the cache is right
//! on every node without invalidation.

use std::collections::HashSet;
use std::sync::Arc;

use frontline_core::guideline::{
    self, AutoFacts, CompiledRule, DecisionKind, Evaluation, RuleStatus, RuleType, Verdict,
};
use frontline_core::{Case, DecisionKindKey, OutcomeKey, PersonId, Timestamp, Visibility, time};
use frontline_store::{Decision, DecisionFilter, NewDecision, ReviewOutcome, RuleFilter, Store};
use serde_json::{Map, Value as Json};

use crate::error::{AppError, Result};

mod accountability;
mod authoring;

use crate::rules::RuleCache;

pub use accountability::{
    BackTest, ChangedVerdict, RuleFigures, WidenThresholds, back_test, figures,
};
pub use authoring::{
    AutomaticFact, FiguresList, FiguresQuery, KindBody, NewRuleBody, NewVersionBody,
    automatic_facts, back_test_days, check_name_and_text, check_scope, draft_rule, draft_version,
    kind_key, load_kind, manage, move_version, read, rule_figures, rule_id, run_back_test,
    save_kind, versions,
};

/// The key of the decision kind `customer.refunds_90d` counts.
pub const REFUND_KIND: &str = "refund";

/// Check an expression for a rule of `kind` (422 with the position when it does not compile).
pub fn check_expression(
    kind: &DecisionKind,
    rule_type: RuleType,
    expression: Option<&str>,
) -> Result<Option<String>> {
    match (rule_type.has_expression(), expression) {
        (true, Some(source)) if !source.trim().is_empty() => {
            // Compiled as sent, so an error's line and column point into the text the author
            // wrote (leading blank lines and spaces included); stored without the padding.
            guideline::compile(source, &kind.schema()).map_err(|error| AppError::Expression {
                field: "expression".into(),
                error,
            })?;
            Ok(Some(source.trim().to_owned()))
        }
        (true, _) => Err(AppError::field(
            "expression",
            format!(
                "a {} needs a condition, e.g. `amount <= 200`",
                rule_type.as_str()
            ),
        )),
        (false, Some(source)) if !source.trim().is_empty() => Err(AppError::field(
            "expression",
            "a principle is guidance text only; leave the expression out",
        )),
        (false, _) => Ok(None),
    }
}

/// Everything `decide` needs to know about the case.
pub struct CaseContext {
    pub case: Case,
    pub outcome: OutcomeKey,
}

impl CaseContext {
    pub async fn load(store: &dyn Store, case: Case) -> Result<Self> {
        let outcome = store.get_outcome(case.outcome_id).await?.key;
        Ok(Self { case, outcome })
    }
}

/// The published rules of a kind that apply to this case and actor, principles included.
pub async fn applicable(
    store: &dyn Store,
    cache: &RuleCache,
    kind: &DecisionKind,
    ctx: &CaseContext,
    actor: PersonId,
) -> Result<Vec<Arc<CompiledRule>>> {
    let published = store
        .list_rules(RuleFilter {
            kind: Some(kind.key.clone()),
            status: Some(RuleStatus::Published),
            rule_id: None,
        })
        .await?;
    published
        .iter()
        .filter(|r| r.scope.applies(ctx.case.team_id, &ctx.outcome, actor))
        .map(|r| cache.compiled(kind, r))
        .collect()
}

fn days_between(from: Timestamp, to: Timestamp) -> f64 {
    ((to.as_millisecond() - from.as_millisecond()) as f64 / 86_400_000.0)
        .max(0.0)
        .floor()
}

/// The facts nobody has to type: the customer's tenure, value, tier, open cases, refunds in
/// the last 90 days and mood on this case, and the case's own.
pub async fn auto_facts(store: &dyn Store, ctx: &CaseContext, now: Timestamp) -> Result<AutoFacts> {
    let case = &ctx.case;
    let customer = store.get_person(case.customer_id).await?;
    let profile = store.get_customer_profile(customer.id).await?;
    let (tier, lifetime_value, since) = match &profile {
        Some(p) => (p.tier.clone(), p.lifetime_value, p.customer_since),
        None => ("standard".to_owned(), 0.0, customer.created_at),
    };
    let open_cases = store.count_open_cases(customer.id).await?;
    let refunds = match DecisionKindKey::parse(REFUND_KIND) {
        Ok(kind) => store
            .list_decisions(
                DecisionFilter {
                    customer_id: Some(customer.id),
                    kind: Some(kind),
                    since: Some(time::from_millis(now.as_millisecond() - 90 * 86_400_000)),
                    ..DecisionFilter::default()
                },
                1000,
            )
            .await?
            .iter()
            .filter(|d| d.verdict != Verdict::Blocked && !reversed(d))
            .count(),
        Err(_) => 0,
    };
    // The mood of the customer's last three public messages on this case.
    let messages = store.list_messages(case.id, false).await?;
    let recent: Vec<f64> = messages
        .iter()
        .rev()
        .filter(|m| m.author_id == customer.id && m.visibility == Visibility::Public)
        .take(3)
        .map(|m| frontline_core::sentiment::score(m.body.as_str()))
        .collect();
    let sentiment = if recent.is_empty() {
        0.0
    } else {
        recent.iter().sum::<f64>() / recent.len() as f64
    };
    Ok(AutoFacts {
        customer_tenure_days: days_between(since, now),
        customer_lifetime_value: lifetime_value,
        customer_open_cases: f64::from(open_cases),
        customer_refunds_90d: refunds as f64,
        customer_tier: tier,
        customer_sentiment: (sentiment * 100.0).round() / 100.0,
        case_age_days: days_between(case.created_at, now),
        case_outcome: ctx.outcome.to_string(),
        case_priority: case.priority.as_str().to_owned(),
        case_channel: case.channel.as_str().to_owned(),
        case_status: case.status.as_str().to_owned(),
        case_tags: case.tags.iter().map(|t| t.as_str().to_owned()).collect(),
    })
}

fn reversed(d: &Decision) -> bool {
    d.review
        .as_ref()
        .is_some_and(|r| r.outcome == ReviewOutcome::Reverse)
}

/// A decision to evaluate, as the employee sends it.
pub struct Proposal {
    pub kind: DecisionKindKey,
    pub facts: Map<String, Json>,
    pub explanation: Option<String>,
    pub dry_run: bool,
}

/// What `decide` answers.
pub struct Decided {
    pub evaluation: Evaluation,
    /// The facts as evaluated, by name (the kind's and the automatic ones).
    pub facts: Map<String, Json>,
    /// `None` for a dry run.
    pub recorded: Option<Decision>,
}

/// Evaluate a decision and, unless it is a dry run, record it: `within` is recorded as is,
/// `explain` only with an explanation of at least a sentence, `blocked` never.
pub async fn decide(
    store: &dyn Store,
    cache: &RuleCache,
    ctx: &CaseContext,
    actor: PersonId,
    proposal: Proposal,
    now: Timestamp,
) -> Result<Decided> {
    let kind = store
        .get_decision_kind(&proposal.kind)
        .await
        .map_err(|e| match e {
            frontline_store::StoreError::NotFound { .. } => AppError::field(
                "kind",
                format!("there is no decision kind {:?}", proposal.kind.as_str()),
            ),
            other => other.into(),
        })?;
    let schema = kind.schema();
    let auto = auto_facts(store, ctx, now).await?;
    let facts = schema
        .facts(&proposal.facts, &auto)
        .map_err(AppError::from)?;
    let rules = applicable(store, cache, &kind, ctx, actor).await?;
    let evaluation = guideline::evaluate(rules.iter().map(|r| &**r), &facts);
    let facts_json = schema.to_json(&facts);
    if proposal.dry_run {
        return Ok(Decided {
            evaluation,
            facts: facts_json,
            recorded: None,
        });
    }
    let explanation = match (
        evaluation.verdict,
        proposal.explanation.as_deref().map(str::trim),
    ) {
        (Verdict::Blocked, _) => {
            let reasons = describe_failures(&evaluation, RuleType::Policy);
            return Err(AppError::DecisionRefused {
                detail: format!("blocked by policy: {reasons}"),
                evaluation: serde_json::to_value(&evaluation).unwrap_or(Json::Null),
            });
        }
        (Verdict::Explain, None | Some("")) => {
            let reasons = describe_failures(&evaluation, RuleType::Guideline);
            return Err(AppError::DecisionRefused {
                detail: format!(
                    "outside the guidelines ({reasons}): you may go ahead, but say why in `explanation`"
                ),
                evaluation: serde_json::to_value(&evaluation).unwrap_or(Json::Null),
            });
        }
        (Verdict::Explain, Some(text)) => {
            Some(guideline::check_explanation(text).map_err(AppError::from)?)
        }
        // An explanation given when none was needed is kept: it is still the employee's words.
        (Verdict::Within, text) => text.filter(|t| !t.is_empty()).map(str::to_owned),
    };
    let written = store
        .record_decision(NewDecision {
            case_id: ctx.case.id,
            kind: kind.key.clone(),
            actor_id: actor,
            facts: facts_json.clone(),
            verdict: evaluation.verdict,
            explanation,
            findings: evaluation.findings.clone(),
        })
        .await?;
    Ok(Decided {
        evaluation,
        facts: facts_json,
        recorded: Some(crate::lookup::written(written)),
    })
}

fn describe_failures(evaluation: &Evaluation, of: RuleType) -> String {
    evaluation
        .failed()
        .filter(|f| f.rule_type == of)
        .map(|f| format!("{}: {}", f.name, f.why.join("; ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Refuse a kind change that would break a draft or published rule (a fact it reads was
/// dropped or changed type), naming the first such rule.
pub async fn check_kind_change(store: &dyn Store, kind: &DecisionKind) -> Result<()> {
    let rules = store
        .list_rules(RuleFilter {
            kind: Some(kind.key.clone()),
            ..RuleFilter::default()
        })
        .await?;
    let schema = kind.schema();
    let mut seen = HashSet::new();
    for rule in rules.iter().filter(|r| r.status != RuleStatus::Retired) {
        let Some(source) = &rule.expression else {
            continue;
        };
        if !seen.insert(source.as_str()) {
            continue;
        }
        if let Err(e) = guideline::compile(source, &schema) {
            return Err(AppError::Conflict(format!(
                "rule {:?} (version {}) would no longer work: {e}; retire or change it first",
                rule.name, rule.version
            )));
        }
    }
    Ok(())
}
