//! Authoring guidelines, the use cases behind both the API and the guideline pages: decision
//! kinds (their facts, checked against the rules that read them), drafting rules and new
//! versions, publishing and retiring, each rule's figures, and back-testing a version.
//! Callers parse their transport's input into these bodies; authorisation is checked here.

use frontline_core::guideline::{
    AUTOMATIC_FACTS, DecisionKind, FactDef, RuleStatus, RuleType, Scope,
};
use frontline_core::{DecisionKindKey, RuleId, time};
use frontline_store::{DecisionFilter, NewRuleVersion, RuleFilter, RuleVersion, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::guidelines::{self, BackTest, RuleFigures, WidenThresholds};
use crate::lookup::written;
use crate::state::AppState;

pub fn read(actor: &Actor) -> Result<()> {
    authz::require(actor, Action::ReadGuidelines, &Resource::Org, "guidelines")
}

pub fn manage(actor: &Actor) -> Result<()> {
    authz::require(
        actor,
        Action::ManageGuidelines,
        &Resource::Org,
        "guidelines",
    )
}

pub fn kind_key(raw: &str) -> Result<DecisionKindKey> {
    DecisionKindKey::parse(raw).map_err(AppError::from)
}

pub async fn load_kind(state: &AppState, key: &DecisionKindKey) -> Result<DecisionKind> {
    state
        .store
        .get_decision_kind(key)
        .await
        .map_err(|e| match e {
            StoreError::NotFound { .. } => AppError::not_found(format!("decision kind {key}")),
            other => other.into(),
        })
}

/// A fact every decision gets without typing it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AutomaticFact {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub fact_type: &'static str,
    pub description: &'static str,
}

pub fn automatic_facts() -> Vec<AutomaticFact> {
    AUTOMATIC_FACTS
        .iter()
        .map(|f| AutomaticFact {
            name: f.name,
            fact_type: f.type_name(),
            description: f.description,
        })
        .collect()
}

/// A decision kind as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KindBody {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// ISO 4217 code of every money fact, e.g. EUR.
    pub currency: String,
    /// The facts an employee supplies: `{"name", "label", "type": number|money|text|bool|choice,
    /// "options": [...] (choice only)}`.
    #[schema(value_type = Vec<Object>)]
    pub facts: Vec<FactDef>,
}

/// Create or replace a decision kind, for the API and the guidelines page alike: the actor
/// must manage guidelines, the kind must be valid (`DecisionKind::validate`) and no draft or
/// published rule may stop compiling against it (`check_kind_change`, a 409).
pub async fn save_kind(
    state: &AppState,
    actor: &Actor,
    key: &str,
    name: &str,
    description: &str,
    currency: &str,
    facts: Vec<FactDef>,
) -> Result<DecisionKind> {
    manage(actor)?;
    let kind = DecisionKind {
        key: kind_key(key)?,
        name: name.trim().to_owned(),
        description: description.trim().to_owned(),
        currency: currency.trim().to_owned(),
        facts,
        updated_at: state.now(),
    };
    kind.validate()?;
    guidelines::check_kind_change(&*state.store, &kind).await?;
    Ok(written(
        state
            .store
            .save_decision_kind(Some(actor.person_id()), kind)
            .await?,
    ))
}

/// A new rule (its first draft version).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRuleBody {
    /// The decision kind's key.
    pub kind: String,
    /// guideline, policy or principle.
    #[serde(rename = "type")]
    pub rule_type: String,
    /// `{"type": "organisation"}`, `{"type": "team", "team_id"}`, `{"type": "outcome",
    /// "outcome"}` or `{"type": "person", "person_id"}`; default the organisation.
    #[schema(value_type = Option<Object>)]
    pub scope: Option<Scope>,
    pub name: String,
    /// The CEL condition (guidelines and policies), e.g. `amount <= 200`.
    pub expression: Option<String>,
    /// The principle's text, the guideline's rationale or the policy's reason.
    #[serde(default)]
    pub text: String,
}

pub fn check_name_and_text(
    name: &str,
    text: &str,
    rule_type: RuleType,
) -> Result<(String, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(AppError::field("name", "must be 1 to 120 characters"));
    }
    let text = text.trim();
    if text.chars().count() > 4000 {
        return Err(AppError::field("text", "is longer than 4000 characters"));
    }
    if text.is_empty() && rule_type != RuleType::Guideline {
        let what = if rule_type == RuleType::Policy {
            "a policy needs its reason"
        } else {
            "a principle needs its text"
        };
        return Err(AppError::field("text", what));
    }
    Ok((name.to_owned(), text.to_owned()))
}

pub async fn check_scope(state: &AppState, scope: &Scope) -> Result<()> {
    let found = match scope {
        Scope::Organisation => Ok(()),
        Scope::Team { team_id } => state.store.get_team(*team_id).await.map(|_| ()),
        Scope::Outcome { outcome } => state.store.get_outcome_by_key(outcome).await.map(|_| ()),
        Scope::Person { person_id } => state.store.get_person(*person_id).await.map(|_| ()),
    };
    found.map_err(|e| match e {
        StoreError::NotFound { what } => AppError::field("scope", format!("{what} does not exist")),
        other => other.into(),
    })
}

/// Draft a new rule's first version (shared by the API and the pages).
pub async fn draft_rule(state: &AppState, actor: &Actor, body: NewRuleBody) -> Result<RuleVersion> {
    manage(actor)?;
    let rule_type = RuleType::parse(&body.rule_type)?;
    let kind = load_kind(state, &kind_key(&body.kind)?)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => {
                AppError::field("kind", format!("there is no decision kind {:?}", body.kind))
            }
            other => other,
        })?;
    let (name, text) = check_name_and_text(&body.name, &body.text, rule_type)?;
    let expression = guidelines::check_expression(&kind, rule_type, body.expression.as_deref())?;
    let scope = body.scope.unwrap_or(Scope::Organisation);
    check_scope(state, &scope).await?;
    let new = NewRuleVersion {
        rule_id: None,
        kind: kind.key,
        rule_type,
        scope,
        name,
        expression,
        text,
    };
    Ok(written(
        state
            .store
            .create_rule_version(Some(actor.person_id()), new)
            .await?,
    ))
}

pub fn rule_id(raw: &str) -> Result<RuleId> {
    raw.parse()
        .map_err(|_| AppError::not_found(format!("rule {raw}")))
}

pub async fn versions(state: &AppState, id: RuleId) -> Result<Vec<RuleVersion>> {
    let versions = state
        .store
        .list_rules(RuleFilter {
            rule_id: Some(id),
            ..RuleFilter::default()
        })
        .await?;
    if versions.is_empty() {
        return Err(AppError::not_found(format!("rule {id}")));
    }
    Ok(versions)
}

/// The next version of a rule; omitted fields are copied from the newest version.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVersionBody {
    #[schema(value_type = Option<Object>)]
    pub scope: Option<Scope>,
    pub name: Option<String>,
    pub expression: Option<String>,
    pub text: Option<String>,
}

/// Draft the next version of a rule (shared by the API and the pages).
pub async fn draft_version(
    state: &AppState,
    actor: &Actor,
    id: RuleId,
    body: NewVersionBody,
) -> Result<RuleVersion> {
    manage(actor)?;
    let all = versions(state, id).await?;
    let Some(latest) = all.last() else {
        return Err(AppError::not_found(format!("rule {id}")));
    };
    let kind = load_kind(state, &latest.kind).await?;
    let (name, text) = check_name_and_text(
        body.name.as_deref().unwrap_or(&latest.name),
        body.text.as_deref().unwrap_or(&latest.text),
        latest.rule_type,
    )?;
    let expression = guidelines::check_expression(
        &kind,
        latest.rule_type,
        body.expression.as_deref().or(latest.expression.as_deref()),
    )?;
    let scope = body.scope.unwrap_or_else(|| latest.scope.clone());
    check_scope(state, &scope).await?;
    let new = NewRuleVersion {
        rule_id: Some(id),
        kind: kind.key,
        rule_type: latest.rule_type,
        scope,
        name,
        expression,
        text,
    };
    Ok(written(
        state
            .store
            .create_rule_version(Some(actor.person_id()), new)
            .await?,
    ))
}

/// Move a version: publish (retiring the one published before) or retire.
pub async fn move_version(
    state: &AppState,
    actor: &Actor,
    id: RuleId,
    version: u32,
    to: RuleStatus,
) -> Result<RuleVersion> {
    manage(actor)?;
    let current = load_version(state, id, version).await?;
    if to == RuleStatus::Published {
        // A version that no longer compiles (its kind changed) must not go live.
        let kind = load_kind(state, &current.kind).await?;
        guidelines::check_expression(&kind, current.rule_type, current.expression.as_deref())?;
    }
    Ok(written(
        state
            .store
            .set_rule_status(Some(actor.person_id()), id, version, to)
            .await?,
    ))
}

/// One version of a rule; a missing one is a 404 naming it.
async fn load_version(state: &AppState, id: RuleId, version: u32) -> Result<RuleVersion> {
    let what = format!("rule {id} version {version}");
    state
        .store
        .get_rule_version(id, version)
        .await
        .map_err(crate::lookup::not_found_as(&what))
}

pub fn back_test_days(days: Option<u32>) -> Result<u32> {
    match days.unwrap_or(90) {
        d @ 1..=730 => Ok(d),
        _ => Err(AppError::field("days", "must be between 1 and 730")),
    }
}

/// Back-test a version (shared by the API and the pages).
pub async fn run_back_test(
    state: &AppState,
    actor: &Actor,
    id: RuleId,
    version: u32,
    days: u32,
) -> Result<(RuleVersion, BackTest)> {
    read(actor)?;
    let candidate = load_version(state, id, version).await?;
    let kind = load_kind(state, &candidate.kind).await?;
    let result = guidelines::back_test(&*state.store, &kind, &candidate, days, state.now()).await?;
    Ok((candidate, result))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// Only decisions of the last this many days, 1 to 730 (default 180).
    #[param(minimum = 1, maximum = 730)]
    pub days: Option<u32>,
    /// Only rules of this kind.
    pub kind: Option<String>,
    /// Reviewed deviations needed before a rule can be a candidate to widen (default 5).
    pub min_reviewed: Option<u32>,
    /// Share of reviewed deviations upheld, 0 to 1 (default 0.8).
    #[param(minimum = 0, maximum = 1)]
    pub upheld_share: Option<f64>,
}

/// Figures per rule (shared by the API and the pages).
pub async fn rule_figures(
    state: &AppState,
    actor: &Actor,
    query: &FiguresQuery,
) -> Result<FiguresList> {
    read(actor)?;
    let days = match query.days.unwrap_or(180) {
        d @ 1..=730 => d,
        _ => return Err(AppError::field("days", "must be between 1 and 730")),
    };
    let defaults = WidenThresholds::default();
    let thresholds = WidenThresholds {
        min_reviewed: query.min_reviewed.unwrap_or(defaults.min_reviewed).max(1),
        upheld_share: match query.upheld_share.unwrap_or(defaults.upheld_share) {
            s if (0.0..=1.0).contains(&s) => s,
            _ => return Err(AppError::field("upheld_share", "must be between 0 and 1")),
        },
    };
    let kind = query.kind.as_deref().map(kind_key).transpose()?;
    let rules = state
        .store
        .list_rules(RuleFilter {
            kind: kind.clone(),
            ..RuleFilter::default()
        })
        .await?;
    let since = time::from_millis(state.now().as_millisecond() - i64::from(days) * 86_400_000);
    let decisions = state
        .store
        .list_decisions(
            DecisionFilter {
                kind,
                since: Some(since),
                ..DecisionFilter::default()
            },
            50_000,
        )
        .await?;
    Ok(FiguresList {
        days,
        thresholds,
        items: guidelines::figures(&rules, &decisions, thresholds),
    })
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FiguresList {
    pub days: u32,
    pub thresholds: WidenThresholds,
    pub items: Vec<RuleFigures>,
}
