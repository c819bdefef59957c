//! Accountability that is guided, not gated: how often each rule is met and deviated from,
//! how deviations were judged, and back-testing a rule version against past decisions.

use std::collections::HashMap;

use frontline_core::guideline::{self, DecisionKind, Finding, RuleType, Verdict};
use frontline_core::{DecisionKindKey, OutcomeKey, RuleId, time};
use frontline_store::{Decision, DecisionFilter, ReviewOutcome, RuleVersion, Store};
use serde::Serialize;
use serde_json::Value as Json;
use utoipa::ToSchema;

use crate::error::{AppError, Result};

/// How often one rule version was met, deviated from, and how its deviations were judged.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RuleFigures {
    #[schema(value_type = String)]
    pub rule_id: RuleId,
    pub name: String,
    #[schema(value_type = String)]
    pub rule_type: RuleType,
    #[schema(value_type = String)]
    pub kind: DecisionKindKey,
    /// Decisions it applied to.
    pub applied: u32,
    /// Of those, how many it held for.
    pub met: u32,
    /// Decisions taken outside it (with an explanation).
    pub deviations: u32,
    pub upheld: u32,
    pub coached: u32,
    pub reversed: u32,
    /// Deviations not yet reviewed.
    pub pending: u32,
    /// `met / applied`, 0 when it never applied.
    pub met_rate: f64,
    /// Deviations consistently upheld: a candidate to widen (earned autonomy).
    pub widen_candidate: bool,
}

/// When deviations count as consistently upheld.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct WidenThresholds {
    /// At least this many reviewed deviations…
    pub min_reviewed: u32,
    /// …of which at least this share upheld (0 to 1).
    pub upheld_share: f64,
}

impl Default for WidenThresholds {
    fn default() -> Self {
        Self {
            min_reviewed: 5,
            upheld_share: 0.8,
        }
    }
}

/// Figures per rule over decisions decided since `since` (all versions of a rule together),
/// for the guidelines and policies of `rules`.
pub fn figures(
    rules: &[RuleVersion],
    decisions: &[Decision],
    thresholds: WidenThresholds,
) -> Vec<RuleFigures> {
    let mut by_rule: HashMap<RuleId, RuleFigures> = HashMap::new();
    let mut order = Vec::new();
    for rule in rules.iter().filter(|r| r.rule_type != RuleType::Principle) {
        let entry = by_rule.entry(rule.rule_id).or_insert_with(|| {
            order.push(rule.rule_id);
            RuleFigures {
                rule_id: rule.rule_id,
                name: String::new(),
                rule_type: rule.rule_type,
                kind: rule.kind.clone(),
                applied: 0,
                met: 0,
                deviations: 0,
                upheld: 0,
                coached: 0,
                reversed: 0,
                pending: 0,
                met_rate: 0.0,
                widen_candidate: false,
            }
        });
        // Versions come oldest first, so the newest version names the rule.
        entry.name = rule.name.clone();
    }
    for decision in decisions {
        for finding in &decision.findings {
            let Some(fig) = by_rule.get_mut(&finding.rule_id) else {
                continue;
            };
            let Some(held) = finding.held else { continue };
            fig.applied += 1;
            if held {
                fig.met += 1;
                continue;
            }
            if decision.verdict != Verdict::Explain {
                continue;
            }
            fig.deviations += 1;
            match decision.review.as_ref().map(|r| r.outcome) {
                Some(ReviewOutcome::Uphold) => fig.upheld += 1,
                Some(ReviewOutcome::Coach) => fig.coached += 1,
                Some(ReviewOutcome::Reverse) => fig.reversed += 1,
                None => fig.pending += 1,
            }
        }
    }
    order
        .into_iter()
        .filter_map(|id| by_rule.remove(&id))
        .map(|mut fig| {
            fig.met_rate = if fig.applied == 0 {
                0.0
            } else {
                f64::from(fig.met) / f64::from(fig.applied)
            };
            let reviewed = fig.upheld + fig.coached + fig.reversed;
            fig.widen_candidate = fig.rule_type == RuleType::Guideline
                && reviewed >= thresholds.min_reviewed
                && f64::from(fig.upheld) >= thresholds.upheld_share * f64::from(reviewed);
            fig
        })
        .collect()
}

/// One past decision whose verdict the candidate version would change.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChangedVerdict {
    #[schema(value_type = String)]
    pub decision_id: frontline_core::DecisionId,
    #[schema(value_type = String)]
    pub case_id: frontline_core::CaseId,
    #[schema(format = DateTime)]
    pub decided_at: String,
    #[schema(value_type = String)]
    pub before: Verdict,
    #[schema(value_type = String)]
    pub after: Verdict,
    /// Why the candidate does not hold, when it does not.
    pub why: Vec<String>,
}

/// What a back-test found.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BackTest {
    pub days: u32,
    /// Past decisions of the kind in the window.
    pub decisions: u32,
    /// Decisions the candidate applies to.
    pub applicable: u32,
    pub changed: Vec<ChangedVerdict>,
    /// Decisions that could not be re-evaluated (the kind gained a fact since), with why.
    pub skipped: Vec<String>,
}

/// Re-evaluate `candidate` on the recorded facts of the last `days` days of decisions of its
/// kind. Every other rule's recorded finding stands (the facts did not change); the candidate
/// replaces any version of the same rule, so the new verdict is exactly what would have been
/// answered had the candidate been published instead.
pub async fn back_test(
    store: &dyn Store,
    kind: &DecisionKind,
    candidate: &RuleVersion,
    days: u32,
    now: frontline_core::Timestamp,
) -> Result<BackTest> {
    let schema = kind.schema();
    let expr = match &candidate.expression {
        Some(source) => {
            Some(
                guideline::compile(source, &schema).map_err(|error| AppError::Expression {
                    field: "expression".into(),
                    error,
                })?,
            )
        }
        None => None,
    };
    let since = time::from_millis(now.as_millisecond() - i64::from(days) * 86_400_000);
    let decisions = store
        .list_decisions(
            DecisionFilter {
                kind: Some(kind.key.clone()),
                since: Some(since),
                ..DecisionFilter::default()
            },
            20_000,
        )
        .await?;
    let mut teams: HashMap<frontline_core::CaseId, Option<frontline_core::TeamId>> = HashMap::new();
    let mut result = BackTest {
        days,
        decisions: decisions.len() as u32,
        applicable: 0,
        changed: Vec::new(),
        skipped: Vec::new(),
    };
    for decision in &decisions {
        let outcome = decision
            .facts
            .get("case.outcome")
            .and_then(Json::as_str)
            .and_then(|k| OutcomeKey::parse(k).ok());
        let team = match teams.get(&decision.case_id) {
            Some(team) => *team,
            None => {
                let team = store.get_case(decision.case_id).await?.team_id;
                teams.insert(decision.case_id, team);
                team
            }
        };
        let applies = outcome.is_some_and(|o| candidate.scope.applies(team, &o, decision.actor_id));
        let others = decision
            .findings
            .iter()
            .filter(|f| f.rule_id != candidate.rule_id);
        let mut before_without = Verdict::Within;
        for f in others {
            before_without = before_without.max(verdict_of(f));
        }
        let mut after = before_without;
        let mut why = Vec::new();
        if applies {
            result.applicable += 1;
            if let Some(expr) = &expr {
                let facts = match schema.recorded(&decision.facts) {
                    Ok(facts) => facts,
                    Err(reason) => {
                        result
                            .skipped
                            .push(format!("decision {}: {reason}", decision.id));
                        continue;
                    }
                };
                let held = expr.holds(&facts).unwrap_or(false);
                if !held {
                    why = expr.why_not(&facts);
                    after = after.max(match candidate.rule_type {
                        RuleType::Policy => Verdict::Blocked,
                        _ => Verdict::Explain,
                    });
                }
            }
        }
        if after != decision.verdict {
            result.changed.push(ChangedVerdict {
                decision_id: decision.id,
                case_id: decision.case_id,
                decided_at: decision.decided_at.to_string(),
                before: decision.verdict,
                after,
                why,
            });
        }
    }
    Ok(result)
}

fn verdict_of(f: &Finding) -> Verdict {
    match (f.held, f.rule_type) {
        (Some(false), RuleType::Policy) => Verdict::Blocked,
        (Some(false), _) => Verdict::Explain,
        _ => Verdict::Within,
    }
}
