//! The guidelines page (staff): every decision kind with its facts and the automatic ones,
//! every rule with its versions (draft, published, retired), scope, condition and text, and
//! each rule's figures (how often met, deviations and how they were judged, whether it is a
//! candidate to widen). Administrators also get the forms of `guideline_forms` (rules) and
//! `kind_forms` (decision kinds and their facts). Every version
//! links to its back-test page (`backtest`): which past verdicts it would change.
//!
//! Reads go through the same functions as the API (`rule_figures`, `run_back_test`), with the
//! same authorisation (`ReadGuidelines`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use frontline_core::guideline::{FactType, RuleStatus, Scope};
use frontline_core::{Role, RuleId};
use frontline_store::{PageRequest, PeopleFilter};
use serde::Deserialize;

use super::guideline_forms::{DraftValues, FormProblem, Rejected, Target, draft_of};
use super::kind_forms::{KindForm, KindRejected, KindTarget};
use super::layout::{Layout, PageResult, render, when};
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::error::AppError;
use crate::guidelines::RuleFigures;
use crate::guidelines::{AutomaticFact, FiguresQuery, automatic_facts, rule_figures};
use crate::lookup::Names;
use crate::state::AppState;

pub struct FactRow {
    pub name: String,
    pub label: String,
    pub type_words: String,
}

pub struct FiguresView {
    pub applied: u32,
    pub met_rate: String,
    pub deviations: u32,
    pub upheld: u32,
    pub coached: u32,
    pub reversed: u32,
    pub pending: u32,
    pub widen: bool,
}

impl FiguresView {
    fn new(f: &RuleFigures) -> Self {
        Self {
            applied: f.applied,
            met_rate: if f.applied == 0 {
                "–".to_owned()
            } else {
                format!("{:.0}%", f.met_rate * 100.0)
            },
            deviations: f.deviations,
            upheld: f.upheld,
            coached: f.coached,
            reversed: f.reversed,
            pending: f.pending,
            widen: f.widen_candidate,
        }
    }
}

pub struct VersionRow {
    pub version: u32,
    pub status: &'static str,
    pub scope: String,
    pub expression: Option<String>,
    pub text: String,
    pub created: String,
    pub by: String,
    pub published: Option<String>,
    pub retired: Option<String>,
    pub can_publish: bool,
    pub can_retire: bool,
}

pub struct RuleRow {
    pub id: String,
    pub name: String,
    pub rule_type: &'static str,
    /// The published version, if any.
    pub live: Option<u32>,
    pub figures: Option<FiguresView>,
    /// Newest first.
    pub versions: Vec<VersionRow>,
    pub draft: DraftValues,
    pub problem: Option<FormProblem>,
}

pub struct KindSection {
    pub key: String,
    pub name: String,
    pub description: String,
    pub currency: String,
    pub facts: Vec<FactRow>,
    pub rules: Vec<RuleRow>,
    /// The edit form, for administrators.
    pub edit: Option<KindForm>,
}

/// A refused form of the page, shown again in place.
pub enum Refusal {
    Rule(Rejected),
    Kind(KindRejected),
}

pub struct DayOption {
    pub days: u32,
    pub selected: bool,
}

pub fn day_options(choices: &[u32], days: u32) -> Vec<DayOption> {
    let mut choices = choices.to_vec();
    if !choices.contains(&days) {
        choices.push(days);
        choices.sort_unstable();
    }
    choices
        .into_iter()
        .map(|d| DayOption {
            days: d,
            selected: d == days,
        })
        .collect()
}

pub struct ScopeOption {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "pages/guidelines.html")]
struct GuidelinesPage {
    layout: Layout,
    notice: Option<&'static str>,
    days: u32,
    day_options: Vec<DayOption>,
    kinds: Vec<KindSection>,
    automatic: Vec<AutomaticFact>,
    can_manage: bool,
    scopes: Vec<ScopeOption>,
    new_rule: DraftValues,
    new_problem: Option<FormProblem>,
    /// The new-kind form, for administrators.
    new_kind: Option<KindForm>,
}

#[derive(Debug, Default, Deserialize)]
pub struct GuidelinesQuery {
    days: Option<String>,
    done: Option<String>,
}

fn done_message(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "drafted" => "The draft was saved. Back-test it, then publish it when it is right.",
        "published" => "The version was published; the version published before it retired.",
        "retired" => "The version was retired.",
        "kind_created" => "The decision kind was created. Draft its rules on this page.",
        "kind_saved" => "The decision kind was saved.",
        _ => return None,
    })
}

async fn scope_words(
    state: &AppState,
    names: &mut Names,
    outcomes: &HashMap<String, String>,
    scope: &Scope,
) -> Result<String, AppError> {
    Ok(match scope {
        Scope::Organisation => "Everyone".to_owned(),
        Scope::Team { team_id } => format!("Team {}", names.team(state, *team_id).await?),
        Scope::Outcome { outcome } => {
            format!(
                "Outcome {}",
                outcomes
                    .get(outcome.as_str())
                    .map_or(outcome.as_str(), String::as_str)
            )
        }
        Scope::Person { person_id } => format!("Only {}", names.person(state, *person_id).await?),
    })
}

fn fact_type_words(fact_type: &FactType, currency: &str) -> String {
    match fact_type {
        FactType::Number => "number".to_owned(),
        FactType::Money => format!("money ({currency})"),
        FactType::Text => "text".to_owned(),
        FactType::Bool => "yes or no".to_owned(),
        FactType::Choice { options } => format!("one of: {}", options.join(", ")),
    }
}

pub fn parse_days(raw: Option<&str>) -> Result<Option<u32>, AppError> {
    match raw.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(None),
        Some(d) => d
            .parse::<u32>()
            .map(Some)
            .map_err(|_| AppError::field("days", "must be a whole number of days")),
    }
}

/// `GET /guidelines`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<GuidelinesQuery>,
) -> PageResult {
    let days = parse_days(query.days.as_deref())?;
    render_page(
        &state,
        &viewer,
        days,
        done_message(query.done.as_deref()),
        None,
        StatusCode::OK,
    )
    .await
}

/// The guidelines page, with a refused form shown in place when there is one.
pub async fn render_page(
    state: &AppState,
    viewer: &Viewer,
    days: Option<u32>,
    notice: Option<&'static str>,
    rejected: Option<Refusal>,
    status: StatusCode,
) -> PageResult {
    authz::require(
        &viewer.actor,
        Action::ReadGuidelines,
        &Resource::Org,
        "guidelines",
    )?;
    let can_manage = viewer.can(Action::ManageGuidelines, &Resource::Org);
    let figures = rule_figures(
        state,
        &viewer.actor,
        &FiguresQuery {
            days,
            ..FiguresQuery::default()
        },
    )
    .await?;
    let by_rule: HashMap<RuleId, &RuleFigures> =
        figures.items.iter().map(|f| (f.rule_id, f)).collect();
    let kinds = state.store.list_decision_kinds().await?;
    let rules = state
        .store
        .list_rules(frontline_store::RuleFilter::default())
        .await?;
    let outcomes: HashMap<String, String> = state
        .store
        .list_outcomes()
        .await?
        .into_iter()
        .map(|o| (o.key.to_string(), o.name.to_string()))
        .collect();
    let mut names = Names::default();
    let mut rejected = rejected;

    // Versions arrive ordered by rule, then version.
    let mut rows: Vec<(String, RuleRow)> = Vec::new();
    for v in &rules {
        let fresh = rows
            .last()
            .is_none_or(|(_, r)| r.id != v.rule_id.to_string());
        if fresh {
            rows.push((
                v.kind.to_string(),
                RuleRow {
                    id: v.rule_id.to_string(),
                    name: String::new(),
                    rule_type: v.rule_type.as_str(),
                    live: None,
                    figures: by_rule.get(&v.rule_id).map(|f| FiguresView::new(f)),
                    versions: Vec::new(),
                    draft: DraftValues::default(),
                    problem: None,
                },
            ));
        }
        let Some((_, row)) = rows.last_mut() else {
            continue;
        };
        row.name = v.name.clone();
        row.draft = draft_of(v);
        if v.status == RuleStatus::Published {
            row.live = Some(v.version);
        }
        row.versions.insert(
            0,
            VersionRow {
                version: v.version,
                status: v.status.as_str(),
                scope: scope_words(state, &mut names, &outcomes, &v.scope).await?,
                expression: v.expression.clone(),
                text: v.text.clone(),
                created: when(v.created_at),
                by: names
                    .opt_person(state, v.created_by)
                    .await?
                    .unwrap_or_else(|| "Frontline".to_owned()),
                published: v.published_at.map(when),
                retired: v.retired_at.map(when),
                can_publish: can_manage && v.status.may_become(RuleStatus::Published),
                can_retire: can_manage && v.status.may_become(RuleStatus::Retired),
            },
        );
    }
    let mut new_rule = DraftValues {
        scope: "organisation".into(),
        rule_type: "guideline".into(),
        ..DraftValues::default()
    };
    let mut new_problem = None;
    let mut kind_refusal = None;
    match rejected.take() {
        Some(Refusal::Rule(Rejected {
            target: Target::NewRule,
            values,
            problem,
        })) => {
            new_rule = values;
            new_problem = Some(problem);
        }
        Some(Refusal::Rule(Rejected {
            target: Target::Rule(id),
            values,
            problem,
        })) => {
            if let Some((_, row)) = rows.iter_mut().find(|(_, r)| r.id == id.to_string()) {
                row.draft = values;
                row.problem = Some(problem);
            } else {
                new_problem = Some(problem);
            }
        }
        Some(Refusal::Kind(refused)) => kind_refusal = Some(refused),
        None => {}
    }
    let mut new_kind = can_manage.then(KindForm::new_kind);
    let mut edits: HashMap<String, KindForm> = HashMap::new();
    if let Some(refused) = kind_refusal.filter(|_| can_manage) {
        match &refused.target {
            KindTarget::Kind(key) => {
                let key = key.clone();
                edits.insert(key, KindForm::refused(refused));
            }
            KindTarget::New => new_kind = Some(KindForm::refused(refused)),
        }
    }
    let sections = kinds
        .iter()
        .map(|k| KindSection {
            key: k.key.to_string(),
            name: k.name.clone(),
            description: k.description.clone(),
            currency: k.currency.clone(),
            facts: k
                .facts
                .iter()
                .map(|f| FactRow {
                    name: f.name.clone(),
                    label: f.label.clone(),
                    type_words: fact_type_words(&f.fact_type, &k.currency),
                })
                .collect(),
            rules: rows
                .extract_if(.., |(kind, _)| kind == k.key.as_str())
                .map(|(_, r)| r)
                .collect(),
            edit: can_manage.then(|| {
                edits
                    .remove(k.key.as_str())
                    .unwrap_or_else(|| KindForm::edit(k))
            }),
        })
        .collect();
    let scopes = if can_manage {
        scope_options(state, &outcomes).await?
    } else {
        Vec::new()
    };
    render(
        status,
        &GuidelinesPage {
            layout: Layout::new(viewer, "Guidelines", "/guidelines"),
            notice,
            days: figures.days,
            day_options: day_options(&[30, 90, 180, 365], figures.days),
            kinds: sections,
            automatic: automatic_facts(),
            can_manage,
            scopes,
            new_rule,
            new_problem,
            new_kind,
        },
    )
}

/// Whom a rule may apply to: everyone, a team, an outcome, or one employee.
async fn scope_options(
    state: &AppState,
    outcomes: &HashMap<String, String>,
) -> Result<Vec<ScopeOption>, AppError> {
    let mut options = vec![ScopeOption {
        value: "organisation".into(),
        label: "Everyone".into(),
    }];
    let mut teams = state.store.list_teams().await?;
    teams.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
    options.extend(teams.iter().map(|t| ScopeOption {
        value: format!("team:{}", t.id),
        label: format!("Team {}", t.name),
    }));
    let mut outcomes: Vec<(&String, &String)> = outcomes.iter().collect();
    outcomes.sort_by(|a, b| a.1.cmp(b.1));
    options.extend(outcomes.into_iter().map(|(key, name)| ScopeOption {
        value: format!("outcome:{key}"),
        label: format!("Outcome {name}"),
    }));
    for role in [Role::Employee, Role::Support] {
        let people = state
            .store
            .list_people(
                PeopleFilter {
                    role: Some(role),
                    text: None,
                },
                PageRequest::first(200),
            )
            .await?;
        options.extend(people.items.iter().map(|p| ScopeOption {
            value: format!("person:{}", p.id),
            label: format!("Only {}", p.name),
        }));
    }
    Ok(options)
}
