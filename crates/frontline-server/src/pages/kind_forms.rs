//! The guidelines page's decision-kind forms, for administrators (`ManageGuidelines`): define
//! a new kind (key, name, description, currency and its facts) and edit a kind. Facts are
//! edited as rows (name, label, type and, for a choice, its comma-separated options); a row
//! without a name is dropped. Each form checks the CSRF token and saves through the same
//! function as the API (`guidelines::save_kind`), so a kind is validated in one place
//! and no change may break a draft or published rule. A refused form comes back in place
//! (422 or 409) with what was typed and the reason, next to the field it is about.

use axum::extract::{Path, State};
use frontline_core::guideline::{DecisionKind, FactDef, FactType};

use super::form::FormData;
use super::guidelines::{Refusal, render_page};
use super::layout::{PageResult, see_other};
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::error::AppError;
use crate::guidelines::{kind_key, load_kind, save_kind};
use crate::state::AppState;

/// Empty fact rows offered after a kind's facts, to add facts.
const BLANK_ROWS: usize = 3;
/// Posted fact rows read at most (a kind has at most 32 facts; `validate` says so).
const MAX_ROWS: usize = 64;

/// The fact types, as form values and in words.
pub const FACT_TYPES: [(&str, &str); 5] = [
    ("number", "Number"),
    ("money", "Money (in the currency)"),
    ("text", "Text"),
    ("bool", "Yes or no"),
    ("choice", "Choice (list its options)"),
];

/// One fact row as the form holds it.
#[derive(Clone, Debug, Default)]
pub struct FactValues {
    pub name: String,
    pub label: String,
    pub fact_type: String,
    /// A choice's options, comma-separated.
    pub options: String,
}

impl FactValues {
    fn blank() -> Self {
        Self {
            fact_type: "number".into(),
            ..Self::default()
        }
    }

    fn is_blank(&self) -> bool {
        self.name.is_empty() && self.label.is_empty() && self.options.is_empty()
    }

    /// Whether this row's type is `value` (for `selected`).
    pub fn is(&self, value: &str) -> bool {
        self.fact_type == value
    }
}

/// What a kind form holds: the kind as saved, or what was typed when refused.
#[derive(Clone, Debug, Default)]
pub struct KindValues {
    pub key: String,
    pub name: String,
    pub description: String,
    pub currency: String,
    pub facts: Vec<FactValues>,
}

/// Why a kind form was refused: a sentence, and the field it is about (`key`, `name`,
/// `description`, `currency` or `facts`) when there is one.
pub struct KindProblem {
    pub message: String,
    pub field: Option<String>,
    pub detail: String,
}

impl KindProblem {
    fn new(error: &AppError) -> Self {
        match error {
            AppError::Invalid { errors, .. } if !errors.is_empty() => {
                let first = &errors[0];
                // A kind's key is `kind` to the value parser and `key` on the form.
                let field = if first.field == "kind" {
                    "key"
                } else {
                    first.field.as_str()
                };
                let what = match field {
                    "key" => "The key",
                    "name" => "The name",
                    "description" => "The description",
                    "currency" => "The currency",
                    _ => "A fact",
                };
                let detail = sentence(&first.detail);
                Self {
                    message: format!("Not saved. {what}: {detail}"),
                    field: Some(field.to_owned()),
                    detail,
                }
            }
            AppError::Conflict(detail) => {
                let detail = sentence(&without_fact_list(detail));
                Self {
                    message: format!("Not saved, because the change would break a rule: {detail}"),
                    field: None,
                    detail,
                }
            }
            other => {
                let detail = sentence(&other.to_problem().detail);
                Self {
                    message: format!("Not saved: {detail}"),
                    field: None,
                    detail,
                }
            }
        }
    }
}

/// A compile error names every fact the kind has left ("unknown fact `amount`; the facts
/// are: …"); beside the form that shows them, the list only gets in the way.
fn without_fact_list(detail: &str) -> String {
    const LIST: &str = "; the facts are: ";
    if let Some(start) = detail.find(LIST)
        && let Some(end) = detail[start..].find(" (line")
    {
        return format!("{}{}", &detail[..start], &detail[start + end..]);
    }
    detail.to_owned()
}

/// `detail` ending with a full stop.
fn sentence(detail: &str) -> String {
    let detail = detail.trim().trim_end_matches('.');
    format!("{detail}.")
}

/// Which kind form a refusal belongs to.
pub enum KindTarget {
    New,
    Kind(String),
}

/// A refused kind form, to show again in place.
pub struct KindRejected {
    pub target: KindTarget,
    pub values: KindValues,
    pub problem: KindProblem,
}

/// A kind form as the page shows it.
pub struct KindForm {
    /// Prefix of the form's element ids.
    pub id: String,
    pub action: String,
    pub is_new: bool,
    /// With `BLANK_ROWS` empty fact rows after the facts.
    pub values: KindValues,
    pub problem: Option<KindProblem>,
    pub types: &'static [(&'static str, &'static str)],
}

impl KindForm {
    fn new(id: String, action: String, is_new: bool, mut values: KindValues) -> Self {
        values
            .facts
            .extend(std::iter::repeat_with(FactValues::blank).take(BLANK_ROWS));
        Self {
            id,
            action,
            is_new,
            values,
            problem: None,
            types: &FACT_TYPES,
        }
    }

    /// The form for a new kind: empty, currency EUR.
    pub fn new_kind() -> Self {
        Self::new_with(KindValues {
            currency: "EUR".into(),
            ..KindValues::default()
        })
    }

    fn new_with(values: KindValues) -> Self {
        Self::new(
            "define-kind".into(),
            "/guidelines/kinds#define-kind".into(),
            true,
            values,
        )
    }

    /// The form editing `kind`.
    pub fn edit(kind: &DecisionKind) -> Self {
        Self::edit_with(kind.key.as_str(), values_of(kind))
    }

    fn edit_with(key: &str, values: KindValues) -> Self {
        Self::new(
            format!("edit-kind-{key}"),
            format!("/guidelines/kinds/{key}#kind-{key}"),
            false,
            values,
        )
    }

    /// The form as refused: what was typed and why.
    pub fn refused(rejected: KindRejected) -> Self {
        let mut form = match &rejected.target {
            KindTarget::New => Self::new_with(rejected.values),
            KindTarget::Kind(key) => Self::edit_with(key, rejected.values),
        };
        form.problem = Some(rejected.problem);
        form
    }

    /// The refusal's detail when it is about `field`.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.problem
            .as_ref()
            .filter(|p| p.field.as_deref() == Some(field))
            .map(|p| p.detail.as_str())
    }
}

fn type_value(fact_type: &FactType) -> &'static str {
    match fact_type {
        FactType::Number => "number",
        FactType::Money => "money",
        FactType::Text => "text",
        FactType::Bool => "bool",
        FactType::Choice { .. } => "choice",
    }
}

pub fn values_of(kind: &DecisionKind) -> KindValues {
    KindValues {
        key: kind.key.to_string(),
        name: kind.name.clone(),
        description: kind.description.clone(),
        currency: kind.currency.clone(),
        facts: kind
            .facts
            .iter()
            .map(|f| FactValues {
                name: f.name.clone(),
                label: f.label.clone(),
                fact_type: type_value(&f.fact_type).to_owned(),
                options: match &f.fact_type {
                    FactType::Choice { options } => options.join(", "),
                    _ => String::new(),
                },
            })
            .collect(),
    }
}

/// What was posted; fact rows `fact-{i}-name`, `-label`, `-type`, `-options`, blank ones left out.
fn values(form: &FormData, key: &str) -> KindValues {
    let facts = (0..MAX_ROWS)
        .map(|i| {
            let field = |part: &str| form.text(&format!("fact-{i}-{part}")).to_owned();
            FactValues {
                name: field("name"),
                label: field("label"),
                fact_type: field("type"),
                options: field("options"),
            }
        })
        .filter(|f| !f.is_blank())
        .collect();
    KindValues {
        key: key.to_owned(),
        name: form.text("name").to_owned(),
        description: form.get("description").unwrap_or("").trim().to_owned(),
        currency: form.text("currency").to_uppercase(),
        facts,
    }
}

/// The facts of the rows that have a name; a row with an empty name is dropped.
fn facts_of(values: &KindValues) -> Result<Vec<FactDef>, AppError> {
    values
        .facts
        .iter()
        .filter(|f| !f.name.is_empty())
        .map(|f| {
            let fact_type = match f.fact_type.as_str() {
                "number" => FactType::Number,
                "money" => FactType::Money,
                "text" => FactType::Text,
                "bool" => FactType::Bool,
                "choice" => FactType::Choice {
                    options: f
                        .options
                        .split(',')
                        .map(str::trim)
                        .filter(|o| !o.is_empty())
                        .map(str::to_owned)
                        .collect(),
                },
                _ => {
                    return Err(AppError::field(
                        "facts",
                        format!("choose the type of {:?}", f.name),
                    ));
                }
            };
            Ok(FactDef {
                name: f.name.clone(),
                label: f.label.clone(),
                fact_type,
            })
        })
        .collect()
}

/// Errors the form shows in place; anything else is the error page.
fn shown_in_place(error: &AppError) -> bool {
    matches!(error, AppError::Invalid { .. } | AppError::Conflict(_))
}

async fn refused(
    state: &AppState,
    viewer: &Viewer,
    target: KindTarget,
    values: KindValues,
    error: AppError,
) -> PageResult {
    if !shown_in_place(&error) {
        return Err(error.into());
    }
    let status = error.status();
    let problem = KindProblem::new(&error);
    render_page(
        state,
        viewer,
        None,
        None,
        Some(Refusal::Kind(KindRejected {
            target,
            values,
            problem,
        })),
        status,
    )
    .await
}

fn manage(viewer: &Viewer) -> Result<(), AppError> {
    authz::require(
        &viewer.actor,
        Action::ManageGuidelines,
        &Resource::Org,
        "guidelines",
    )
}

/// Validate and save through the API's `save_kind`.
async fn save(state: &AppState, viewer: &Viewer, values: &KindValues) -> Result<String, AppError> {
    let facts = facts_of(values)?;
    let saved = save_kind(
        state,
        &viewer.actor,
        &values.key,
        &values.name,
        &values.description,
        &values.currency,
        facts,
    )
    .await?;
    Ok(saved.key.to_string())
}

/// `POST /guidelines/kinds`: define a new decision kind.
pub async fn create_kind(
    State(state): State<AppState>,
    viewer: Viewer,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    manage(&viewer)?;
    let values = values(&form, form.text("key"));
    let key = match kind_key(&values.key) {
        Ok(key) => key,
        Err(e) => return refused(&state, &viewer, KindTarget::New, values, e).await,
    };
    // The API's PUT replaces; this form only creates.
    if state.store.get_decision_kind(&key).await.is_ok() {
        let taken = AppError::field(
            "key",
            format!("a decision kind with the key {key} exists already; edit it instead"),
        );
        return refused(&state, &viewer, KindTarget::New, values, taken).await;
    }
    match save(&state, &viewer, &values).await {
        Ok(key) => Ok(see_other(&format!(
            "/guidelines?done=kind_created#kind-{key}"
        ))),
        Err(e) => refused(&state, &viewer, KindTarget::New, values, e).await,
    }
}

/// `POST /guidelines/kinds/{kind}`: change a decision kind's name, description, currency and
/// facts.
pub async fn update_kind(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    manage(&viewer)?;
    let kind = load_kind(&state, &kind_key(&raw)?).await?;
    let key = kind.key.to_string();
    let values = values(&form, &key);
    match save(&state, &viewer, &values).await {
        Ok(key) => Ok(see_other(&format!(
            "/guidelines?done=kind_saved#kind-{key}"
        ))),
        Err(e) => refused(&state, &viewer, KindTarget::Kind(key), values, e).await,
    }
}
