//! The customer portal: my cases (live), and opening a new case by choosing the outcome I
//! want. The case list is one template fragment, served alone at `/portal/cases` so the
//! script can refresh it when the stream says something changed.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use frontline_core::{Channel, MessageBody, Priority, Subject, Tags};
use frontline_store::{CaseFilter, NewCase, PageRequest};

use super::form::FormData;
use super::layout::{Layout, PageResult, page, render, see_other};
use super::rows::{CaseRow, case_row};
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Fields};
use crate::lookup::Names;
use crate::lookup::written;
use crate::state::AppState;

/// The case list of the portal, as its own fragment.
#[derive(Template)]
#[template(path = "pages/portal_cases.html")]
struct CasesFragment {
    cases: Vec<CaseRow>,
}

#[derive(Template)]
#[template(path = "pages/portal.html")]
struct PortalPage {
    layout: Layout,
    cases: Vec<CaseRow>,
}

/// The viewer's own cases, newest first (the filter that keeps customers to their own cases
/// is fixed here, as in the API).
async fn own_cases(state: &AppState, viewer: &Viewer) -> Result<Vec<CaseRow>, AppError> {
    authz::require(&viewer.actor, Action::ListCases, &Resource::Org, "cases")?;
    let filter = CaseFilter {
        customer_id: Some(viewer.actor.person_id()),
        ..CaseFilter::default()
    };
    let found = state
        .store
        .list_cases(filter, PageRequest::first(100))
        .await?;
    let now = state.now();
    let mut names = Names::default();
    names
        .prefetch_customers_and_owners(state, &found.items)
        .await?;
    let mut rows = Vec::with_capacity(found.items.len());
    for case in &found.items {
        rows.push(case_row(&mut names, state, case, now).await?);
    }
    Ok(rows)
}

/// `GET /portal`.
pub async fn my_cases(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let cases = own_cases(&state, &viewer).await?;
    page(&PortalPage {
        layout: Layout::new(&viewer, "My cases", "/portal"),
        cases,
    })
}

/// `GET /portal/cases`: the list alone, for live refresh.
pub async fn cases_fragment(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let cases = own_cases(&state, &viewer).await?;
    page(&CasesFragment { cases })
}

/// One outcome to choose from.
struct OutcomeChoice {
    key: String,
    name: String,
    criteria: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "pages/new_case.html")]
struct NewCasePage {
    layout: Layout,
    outcomes: Vec<OutcomeChoice>,
    subject: String,
    body: String,
    errors: Vec<String>,
    /// The file input's per-file limit in words, and the uploads kept from a form shown
    /// again.
    upload_limit: String,
    upload_ids: String,
}

async fn new_case_page(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    form: &FormData,
    errors: Vec<String>,
) -> PageResult {
    authz::require(
        &viewer.actor,
        Action::ListOutcomes,
        &Resource::Org,
        "outcomes",
    )?;
    let chosen = form.text("outcome");
    let mut outcomes: Vec<OutcomeChoice> = state
        .store
        .list_outcomes()
        .await?
        .iter()
        .map(|o| OutcomeChoice {
            key: o.key.to_string(),
            name: o.name.to_string(),
            // The portal is the customer's: the criteria are said to them.
            criteria: o.criteria_for_customer(),
            checked: o.key.as_str() == chosen,
        })
        .collect();
    outcomes.sort_by(|a, b| a.name.cmp(&b.name));
    render(
        status,
        &NewCasePage {
            layout: Layout::new(viewer, "Open a case", "/portal/new"),
            outcomes,
            subject: form.text("subject").to_owned(),
            body: form.get("body").unwrap_or("").to_owned(),
            errors,
            upload_limit: super::case::upload_limit(state),
            upload_ids: form.text("attachments").to_owned(),
        },
    )
}

/// `GET /portal/new`.
pub async fn new_case(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    new_case_page(
        &state,
        &viewer,
        StatusCode::OK,
        &FormData::default(),
        Vec::new(),
    )
    .await
}

/// `POST /portal/cases`: open a case for myself; wrong fields show the form again with what
/// was typed.
pub async fn create(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let customer_id = viewer.actor.person_id();
    authz::require(
        &viewer.actor,
        Action::CreateCase,
        &Resource::Case { customer_id },
        "customer",
    )?;
    let mut fields = Fields::new();
    let subject = fields.check(Subject::parse(form.text("subject")));
    let body = fields.check(MessageBody::parse(form.get("body").unwrap_or("")));
    let outcome = match form.text("outcome") {
        "" => {
            fields.push("outcome", "choose what you want to achieve");
            None
        }
        key => match crate::lookup::resolve_outcome(&state, "outcome", key).await {
            Ok(outcome) => Some(outcome),
            Err(_) => {
                fields.push("outcome", "choose one of the outcomes listed");
                None
            }
        },
    };
    let attachments = super::case_forms::form_attachments(&form)?;
    crate::attachments::check_for_message(&state, &viewer.actor, &attachments).await?;
    let parsed = fields.done(|| Some((subject?, body?, outcome?)));
    let (subject, body, outcome) = match parsed {
        Ok(values) => values,
        Err(AppError::Invalid { errors, .. }) => {
            let messages = errors
                .iter()
                .map(|e| format!("{}: {}", field_label(&e.field), e.detail))
                .collect();
            return new_case_page(
                &state,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                messages,
            )
            .await;
        }
        Err(other) => return Err(other.into()),
    };
    let created = state
        .store
        .create_case(
            Some(customer_id),
            NewCase {
                customer_id,
                outcome_id: outcome.id,
                subject,
                body,
                channel: Channel::Web,
                priority: Priority::Normal,
                tags: Tags::default(),
                created_at: None,
                idempotency_key: None,
                attachments,
            },
        )
        .await?;
    crate::metrics::case_created();
    let case = written(created).case;
    tracing::info!(case_id = %case.id, number = %case.number, "case opened from the portal");
    Ok(see_other(&format!("/cases/{}", case.number)))
}

/// The form's words for a field.
fn field_label(field: &str) -> &str {
    match field {
        "subject" => "Subject",
        "body" => "Message",
        "outcome" => "What you want to achieve",
        other => other,
    }
}
