//! The decision panel of the case workspace: choose a decision kind, fill in its facts (money
//! with its currency, a choice as a select, yes/no as a checkbox), read the principles that
//! apply, and record the decision. With the script the verdict appears as you type (a dry run
//! of the API's `POST /api/v1/cases/{case}/decisions`); without it the form posts here.
//!
//! `POST /cases/{case}/decisions` evaluates through `guidelines::decide`, exactly as the API:
//! a decision within the guidelines, or outside one and explained, is recorded and the browser
//! goes back to the case (303). Otherwise the workspace is rendered again (422) with the
//! verdict, every rule that did not hold and why, the explanation field, and what was typed.

use std::collections::HashMap;

use axum::extract::{Path, State};
use frontline_core::guideline::{Evaluation, FactType, RuleType};
use frontline_core::{Case, DecisionKindKey};
use frontline_store::DecisionFilter;
use serde_json::{Map, Value as Json};

use super::case::workspace;
use super::decision_view::{self, DecisionItem, VerdictView, sentence};
use super::form::FormData;
use super::layout::{PageResult, see_other};
use super::viewer::Viewer;
use crate::authz::{Action, Resource};
use crate::error::AppError;
use crate::guidelines::{self, CaseContext, Proposal};
use crate::guidelines::{kind_key, load_kind};
use crate::lookup::Names;
use crate::lookup::load_case;
use crate::state::AppState;

/// Decisions listed on one case; older ones are in the API.
const CASE_DECISIONS: u32 = 200;

pub struct ChoiceOption {
    pub value: String,
    pub selected: bool,
}

/// One fact of a decision kind as a form input.
pub struct FactInput {
    pub name: String,
    /// The form field: `fact.<name>`.
    pub field: String,
    /// The element id.
    pub id: String,
    pub label: String,
    /// `number`, `money`, `text`, `bool` or `choice`.
    pub kind: &'static str,
    pub options: Vec<ChoiceOption>,
    /// What was typed (kept when the form comes back).
    pub value: String,
    pub checked: bool,
}

/// A rule shown beside the form: a principle as guidance, or a guideline or policy by name.
pub struct RuleNote {
    pub name: String,
    pub rule_type: &'static str,
    pub text: String,
}

/// One decision kind's form.
pub struct KindForm {
    pub key: String,
    pub name: String,
    pub description: String,
    pub currency: String,
    pub facts: Vec<FactInput>,
    pub principles: Vec<RuleNote>,
    pub limits: Vec<RuleNote>,
    /// The kind's rules cannot be evaluated (a published rule no longer compiles).
    pub problem: Option<String>,
    /// The form shown (the others are hidden until chosen).
    pub chosen: bool,
    /// The verdict of the last attempt (no-script round trip).
    pub verdict: Option<VerdictView>,
    pub error: Option<String>,
    pub explain_needed: bool,
    pub explanation: String,
    pub explanation_error: Option<String>,
}

/// The decision panel.
pub struct DecisionPanel {
    pub kinds: Vec<KindForm>,
    pub notice: Option<&'static str>,
    /// Whether the viewer may define kinds (to say where to do it when there are none).
    pub can_manage: bool,
}

/// What a refused attempt typed, and why it was refused.
#[derive(Default)]
pub struct Attempt {
    pub kind: String,
    pub values: HashMap<String, String>,
    pub explanation: String,
    pub evaluation: Option<Evaluation>,
    pub error: Option<String>,
    pub explanation_error: Option<String>,
}

fn fact_type_name(fact_type: &FactType) -> &'static str {
    match fact_type {
        FactType::Number => "number",
        FactType::Money => "money",
        FactType::Text => "text",
        FactType::Bool => "bool",
        FactType::Choice { .. } => "choice",
    }
}

/// The decisions recorded on the case, or `None` when the viewer may not read them.
pub async fn recorded(
    state: &AppState,
    viewer: &Viewer,
    case: &Case,
    names: &mut Names,
) -> Result<Option<Vec<DecisionItem>>, AppError> {
    let resource = Resource::Case {
        customer_id: case.customer_id,
    };
    if !viewer.can(Action::ReadDecisions, &resource) {
        return Ok(None);
    }
    let decisions = state
        .store
        .list_decisions(
            DecisionFilter {
                case_id: Some(case.id),
                ..DecisionFilter::default()
            },
            CASE_DECISIONS,
        )
        .await?;
    let kinds = decision_view::kinds_by_key(state).await?;
    let mut items =
        decision_view::items(state, names, &kinds, &decisions, viewer.actor.person_id()).await?;
    // A support employee can review a pending decision right here, beside the conversation.
    for (d, item) in decisions.iter().zip(items.iter_mut()) {
        item.return_to = Some(case.number.to_string());
        item.reviewable = item.pending
            && viewer.can(
                Action::ReviewDecision,
                &Resource::Decision {
                    decided_by: d.actor_id,
                },
            );
    }
    Ok(Some(items))
}

/// The panel for this case, or `None` when the viewer may not decide on it.
pub async fn panel(
    state: &AppState,
    viewer: &Viewer,
    case: &Case,
    chosen: Option<&str>,
    attempt: Option<Attempt>,
    notice: Option<&'static str>,
) -> Result<Option<DecisionPanel>, AppError> {
    let resource = Resource::Case {
        customer_id: case.customer_id,
    };
    if !viewer.can(Action::Decide, &resource) {
        return Ok(None);
    }
    let kinds = state.store.list_decision_kinds().await?;
    let chosen = attempt
        .as_ref()
        .map(|a| a.kind.as_str())
        .or(chosen)
        .filter(|c| kinds.iter().any(|k| k.key.as_str() == *c))
        .or_else(|| kinds.first().map(|k| k.key.as_str()))
        .unwrap_or("")
        .to_owned();
    let ctx = CaseContext::load(&*state.store, case.clone()).await?;
    let me = viewer.actor.person_id();
    let mut attempt = attempt;
    let mut forms = Vec::with_capacity(kinds.len());
    for kind in &kinds {
        let (rules, problem) =
            match guidelines::applicable(&*state.store, &state.rules, kind, &ctx, me).await {
                Ok(rules) => (rules, None),
                // One broken rule must not take the whole workspace down: say so in its form.
                Err(AppError::Conflict(detail)) => (Vec::new(), Some(detail)),
                Err(other) => return Err(other),
            };
        let note = |r: &frontline_core::guideline::CompiledRule| RuleNote {
            name: r.name.to_string(),
            rule_type: r.rule_type.as_str(),
            text: r.text.to_string(),
        };
        let is_chosen = kind.key.as_str() == chosen;
        let mine = if is_chosen { attempt.take() } else { None };
        let typed = |name: &str| {
            mine.as_ref()
                .and_then(|a| a.values.get(&format!("fact.{name}")))
                .cloned()
        };
        let facts = kind
            .facts
            .iter()
            .map(|f| {
                let value = typed(&f.name).unwrap_or_default();
                FactInput {
                    field: format!("fact.{}", f.name),
                    id: format!("fact-{}-{}", kind.key, f.name),
                    label: f.label.clone(),
                    kind: fact_type_name(&f.fact_type),
                    options: match &f.fact_type {
                        FactType::Choice { options } => options
                            .iter()
                            .map(|o| ChoiceOption {
                                value: o.clone(),
                                selected: *o == value,
                            })
                            .collect(),
                        _ => Vec::new(),
                    },
                    checked: matches!(value.as_str(), "true" | "on" | "1"),
                    value,
                    name: f.name.clone(),
                }
            })
            .collect();
        let verdict = mine.as_ref().and_then(|a| a.evaluation.as_ref());
        forms.push(KindForm {
            key: kind.key.to_string(),
            name: kind.name.clone(),
            description: kind.description.clone(),
            currency: kind.currency.clone(),
            facts,
            principles: rules
                .iter()
                .filter(|r| r.rule_type == RuleType::Principle)
                .map(|r| note(r))
                .collect(),
            limits: rules
                .iter()
                .filter(|r| r.rule_type != RuleType::Principle)
                .map(|r| note(r))
                .collect(),
            problem,
            chosen: is_chosen,
            explain_needed: verdict
                .is_some_and(|e| e.verdict == frontline_core::guideline::Verdict::Explain),
            verdict: verdict.map(VerdictView::new),
            error: mine.as_ref().and_then(|a| a.error.clone()),
            explanation: mine
                .as_ref()
                .map(|a| a.explanation.clone())
                .unwrap_or_default(),
            explanation_error: mine.as_ref().and_then(|a| a.explanation_error.clone()),
        });
    }
    Ok(Some(DecisionPanel {
        kinds: forms,
        notice,
        can_manage: viewer.can(Action::ManageGuidelines, &Resource::Org),
    }))
}

/// The kind's facts as the form sent them: text as typed (the schema parses numbers), a
/// checkbox as true or false. An empty field is left out, so the schema names it as missing.
fn supplied_facts(
    kind: &frontline_core::guideline::DecisionKind,
    form: &FormData,
) -> Map<String, Json> {
    let mut facts = Map::new();
    for def in &kind.facts {
        let field = format!("fact.{}", def.name);
        match def.fact_type {
            FactType::Bool => {
                facts.insert(def.name.clone(), Json::Bool(form.checked(&field)));
            }
            _ => {
                let value = form.text(&field);
                if !value.is_empty() {
                    facts.insert(def.name.clone(), Json::String(value.to_owned()));
                }
            }
        }
    }
    facts
}

/// The message of a refused field, without the field's name in front.
fn field_message(error: &AppError) -> String {
    match error {
        AppError::Invalid { errors, .. } if !errors.is_empty() => errors
            .iter()
            .map(|e| sentence(&e.detail))
            .collect::<Vec<_>>()
            .join(" "),
        other => sentence(&other.to_problem().detail),
    }
}

/// `POST /cases/{case}/decisions`.
pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let case = load_case(&state, &viewer.actor, &raw, Action::Decide).await?;
    let key: DecisionKindKey = kind_key(form.text("kind"))?;
    let kind = load_kind(&state, &key).await?;
    let facts = supplied_facts(&kind, &form);
    let explanation = form.get("explanation").unwrap_or("").to_owned();
    let mut attempt = Attempt {
        kind: key.to_string(),
        values: kind
            .facts
            .iter()
            .map(|f| {
                let field = format!("fact.{}", f.name);
                let value = form.get(&field).unwrap_or("").to_owned();
                (field, value)
            })
            .collect(),
        explanation: explanation.clone(),
        ..Attempt::default()
    };
    let ctx = CaseContext::load(&*state.store, case.clone()).await?;
    let me = viewer.actor.person_id();
    let proposal = |dry_run| Proposal {
        kind: key.clone(),
        facts: facts.clone(),
        explanation: Some(explanation.trim().to_owned()).filter(|e| !e.is_empty()),
        dry_run,
    };
    let error = match guidelines::decide(
        &*state.store,
        &state.rules,
        &ctx,
        me,
        proposal(false),
        state.now(),
    )
    .await
    {
        Ok(_) => {
            return Ok(see_other(&format!(
                "/cases/{}?kind={}&done=decided#decisions",
                case.number, key
            )));
        }
        Err(error) => error,
    };
    let status = error.status();
    match error {
        AppError::DecisionRefused { evaluation, .. } => {
            attempt.evaluation = serde_json::from_value(evaluation).ok();
            if attempt
                .evaluation
                .as_ref()
                .is_some_and(|e| e.verdict == frontline_core::guideline::Verdict::Explain)
            {
                attempt.explanation_error = Some(
                    "Say why you are acting outside the guideline, then record the decision."
                        .into(),
                );
            }
        }
        AppError::Invalid { ref errors, .. } if errors.iter().any(|e| e.field == "explanation") => {
            // The facts were fine: show the verdict again beside the refused explanation.
            attempt.explanation_error = Some(field_message(&error));
            attempt.evaluation = guidelines::decide(
                &*state.store,
                &state.rules,
                &ctx,
                me,
                proposal(true),
                state.now(),
            )
            .await
            .ok()
            .map(|d| d.evaluation);
        }
        AppError::Invalid { .. } => attempt.error = Some(field_message(&error)),
        other => return Err(other.into()),
    }
    workspace(&state, &viewer, &case, None, Some(attempt), None, status).await
}
