//! The guidelines page's forms, for administrators (`ManageGuidelines`): draft a new rule,
//! draft the next version of a rule, publish a version (the one published before retires),
//! retire a version. Each checks the CSRF token and goes through the same functions as the
//! API (`draft_rule`, `draft_version`, `move_version`), so a condition is compiled against
//! the kind's facts before it is saved. A refused form comes back in place (422 or 409) with
//! what was typed and the reason; for a condition, the line and column with a caret.

use axum::extract::{Path, State};
use frontline_core::guideline::{RuleStatus, Scope};
use frontline_core::{OutcomeKey, PersonId, RuleId, TeamId};
use frontline_store::RuleVersion;

use super::form::FormData;
use super::guidelines::{Refusal, render_page};
use super::layout::{PageResult, see_other};
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::error::AppError;
use crate::guidelines::{
    NewRuleBody, NewVersionBody, draft_rule, draft_version, move_version, rule_id,
};
use crate::state::AppState;

/// What a rule form holds: the newest version's values, or what was typed when refused.
#[derive(Clone, Debug, Default)]
pub struct DraftValues {
    pub kind: String,
    pub rule_type: String,
    pub scope: String,
    pub name: String,
    pub expression: String,
    pub text: String,
}

/// Why a rule form was refused, readably: for a condition, where (line, column) with the
/// line and a caret under the place.
pub struct FormProblem {
    pub message: String,
    pub position: Option<String>,
    pub excerpt: Option<String>,
}

impl FormProblem {
    pub fn new(error: &AppError, expression: &str) -> Self {
        match error {
            AppError::Expression { error, .. } => {
                let line = expression
                    .lines()
                    .nth(error.line.saturating_sub(1) as usize);
                Self {
                    message: format!(
                        "The condition is not valid: {}.",
                        error.message.trim_end_matches('.')
                    ),
                    position: Some(format!("line {}, column {}", error.line, error.column)),
                    excerpt: line.map(|l| {
                        let pad = " ".repeat(error.column.saturating_sub(1) as usize);
                        format!("{l}\n{pad}^")
                    }),
                }
            }
            AppError::Invalid { errors, .. } if !errors.is_empty() => Self {
                message: errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.detail))
                    .collect::<Vec<_>>()
                    .join("; "),
                position: None,
                excerpt: None,
            },
            other => Self {
                message: other.to_problem().detail,
                position: None,
                excerpt: None,
            },
        }
    }
}

/// Which form a refusal belongs to.
pub enum Target {
    NewRule,
    Rule(RuleId),
}

/// A refused form, to show again in place.
pub struct Rejected {
    pub target: Target,
    pub values: DraftValues,
    pub problem: FormProblem,
}

/// The scope as a form value: `organisation`, `team:<id>`, `outcome:<key>`, `person:<id>`.
pub fn scope_value(scope: &Scope) -> String {
    match scope {
        Scope::Organisation => "organisation".to_owned(),
        Scope::Team { team_id } => format!("team:{team_id}"),
        Scope::Outcome { outcome } => format!("outcome:{outcome}"),
        Scope::Person { person_id } => format!("person:{person_id}"),
    }
}

pub fn draft_of(v: &RuleVersion) -> DraftValues {
    DraftValues {
        kind: v.kind.to_string(),
        rule_type: v.rule_type.as_str().to_owned(),
        scope: scope_value(&v.scope),
        name: v.name.clone(),
        expression: v.expression.clone().unwrap_or_default(),
        text: v.text.clone(),
    }
}

fn values(form: &FormData) -> DraftValues {
    DraftValues {
        kind: form.text("kind").to_owned(),
        rule_type: form.text("type").to_owned(),
        scope: form.text("scope").to_owned(),
        name: form.text("name").to_owned(),
        expression: form.get("expression").unwrap_or("").trim().to_owned(),
        text: form.get("text").unwrap_or("").trim().to_owned(),
    }
}

/// A scope from its form value (see `guidelines::scope_value`).
fn parse_scope(raw: &str) -> Result<Scope, AppError> {
    let bad = || AppError::field("scope", "choose everyone, a team, an outcome or a person");
    Ok(match raw.split_once(':') {
        None if raw.is_empty() || raw == "organisation" => Scope::Organisation,
        Some(("team", id)) => Scope::Team {
            team_id: id.parse::<TeamId>().map_err(|_| bad())?,
        },
        Some(("outcome", key)) => Scope::Outcome {
            outcome: OutcomeKey::parse(key)?,
        },
        Some(("person", id)) => Scope::Person {
            person_id: id.parse::<PersonId>().map_err(|_| bad())?,
        },
        _ => return Err(bad()),
    })
}

/// Errors the form shows in place; anything else is the error page.
fn shown_in_place(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Invalid { .. } | AppError::Expression { .. } | AppError::Conflict(_)
    )
}

async fn refused(
    state: &AppState,
    viewer: &Viewer,
    target: Target,
    values: DraftValues,
    error: AppError,
) -> PageResult {
    if !shown_in_place(&error) {
        return Err(error.into());
    }
    let status = error.status();
    let problem = FormProblem::new(&error, &values.expression);
    render_page(
        state,
        viewer,
        None,
        None,
        Some(Refusal::Rule(Rejected {
            target,
            values,
            problem,
        })),
        status,
    )
    .await
}

/// `POST /guidelines/rules`: draft a new rule (its version 1).
pub async fn create_rule(
    State(state): State<AppState>,
    viewer: Viewer,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    authz::require(
        &viewer.actor,
        Action::ManageGuidelines,
        &Resource::Org,
        "guidelines",
    )?;
    let values = values(&form);
    let scope = match parse_scope(&values.scope) {
        Ok(scope) => scope,
        Err(e) => return refused(&state, &viewer, Target::NewRule, values, e).await,
    };
    let body = NewRuleBody {
        kind: values.kind.clone(),
        rule_type: values.rule_type.clone(),
        scope: Some(scope),
        name: values.name.clone(),
        expression: Some(values.expression.clone()).filter(|e| !e.is_empty()),
        text: values.text.clone(),
    };
    match draft_rule(&state, &viewer.actor, body).await {
        Ok(version) => Ok(see_other(&format!(
            "/guidelines?done=drafted#rule-{}",
            version.rule_id
        ))),
        Err(e) => refused(&state, &viewer, Target::NewRule, values, e).await,
    }
}

/// `POST /guidelines/rules/{rule}/versions`: draft the next version of a rule.
pub async fn create_version(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let id: RuleId = rule_id(&raw)?;
    let values = values(&form);
    let scope = match parse_scope(&values.scope) {
        Ok(scope) => scope,
        Err(e) => return refused(&state, &viewer, Target::Rule(id), values, e).await,
    };
    let body = NewVersionBody {
        scope: Some(scope),
        name: Some(values.name.clone()),
        // A principle has no condition field: keep the newest version's (none).
        expression: form.get("expression").map(|e| e.trim().to_owned()),
        text: Some(values.text.clone()),
    };
    match draft_version(&state, &viewer.actor, id, body).await {
        Ok(version) => Ok(see_other(&format!(
            "/guidelines?done=drafted#rule-{}",
            version.rule_id
        ))),
        Err(e) => refused(&state, &viewer, Target::Rule(id), values, e).await,
    }
}

async fn move_to(
    state: AppState,
    viewer: Viewer,
    raw: String,
    version: String,
    form: FormData,
    to: RuleStatus,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let id = rule_id(&raw)?;
    let version = version
        .parse::<u32>()
        .map_err(|_| AppError::not_found(format!("rule {raw} version {version}")))?;
    match move_version(&state, &viewer.actor, id, version, to).await {
        Ok(moved) => Ok(see_other(&format!(
            "/guidelines?done={}#rule-{}",
            to.as_str(),
            moved.rule_id
        ))),
        Err(e) => {
            let values = match state.store.get_rule_version(id, version).await {
                Ok(v) => draft_of(&v),
                Err(_) => DraftValues::default(),
            };
            refused(&state, &viewer, Target::Rule(id), values, e).await
        }
    }
}

/// `POST /guidelines/rules/{rule}/versions/{version}/publish`.
pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, version)): Path<(String, String)>,
    form: FormData,
) -> PageResult {
    move_to(state, viewer, raw, version, form, RuleStatus::Published).await
}

/// `POST /guidelines/rules/{rule}/versions/{version}/retire`.
pub async fn retire(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, version)): Path<(String, String)>,
    form: FormData,
) -> PageResult {
    move_to(state, viewer, raw, version, form, RuleStatus::Retired).await
}
