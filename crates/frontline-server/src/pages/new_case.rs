//! "New case for a customer" (`/cases/new`): staff open a case for someone who called,
//! walked in or chatted. Pick the customer by address or id (or create them by giving a
//! name), choose the outcome, the channel (`phone` or `chat`) and write their first message;
//! the case routes as any other. Attachments arrive with the attachment store (a separate
//! piece of work): the form is where its upload input goes.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use frontline_core::{Channel, MessageBody, Person, PersonId, Priority, Role, Subject, Tags};
use frontline_store::{NewCase, StoreError};

use super::form::FormData;
use super::layout::{Layout, PageResult, render, see_other};
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Fields};
use crate::lookup::written;
use crate::state::AppState;

/// The channels a case opened by staff came through.
const CHANNELS: [(Channel, &str); 2] = [(Channel::Phone, "Phone"), (Channel::Chat, "Chat")];

struct OutcomeChoice {
    key: String,
    name: String,
    checked: bool,
}

struct ChannelChoice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "pages/staff_new_case.html")]
struct StaffNewCasePage {
    layout: Layout,
    customer: String,
    customer_name: String,
    name: String,
    outcomes: Vec<OutcomeChoice>,
    channels: Vec<ChannelChoice>,
    subject: String,
    body: String,
    errors: Vec<String>,
    upload_limit: String,
    /// Uploads already made, kept when the form is shown again.
    upload_ids: String,
}

/// `?customer=` from a customer's page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct NewCaseQuery {
    customer: Option<String>,
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    form: &FormData,
    customer: String,
    errors: Vec<String>,
) -> PageResult {
    authz::require(
        &viewer.actor,
        Action::CreateCustomer,
        &Resource::Org,
        "cases",
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
            checked: o.key.as_str() == chosen,
        })
        .collect();
    outcomes.sort_by(|a, b| a.name.cmp(&b.name));
    let channel = form.text("channel");
    // Whom the address or id names now, so staff see they picked the right person.
    let customer_name = match find(state, &customer).await {
        Ok(Some(p)) if p.role == Role::Customer => p.name.to_string(),
        _ => String::new(),
    };
    render(
        status,
        &StaffNewCasePage {
            layout: Layout::new(viewer, "New case for a customer", "/cockpit"),
            customer,
            customer_name,
            name: form.text("name").to_owned(),
            outcomes,
            channels: CHANNELS
                .iter()
                .map(|(c, label)| ChannelChoice {
                    value: c.as_str(),
                    label,
                    selected: c.as_str() == channel,
                })
                .collect(),
            subject: form.text("subject").to_owned(),
            body: form.get("body").unwrap_or("").to_owned(),
            errors,
            upload_limit: super::case::upload_limit(state),
            upload_ids: form.text("attachments").to_owned(),
        },
    )
}

/// The person an address or id names, if anyone.
async fn find(state: &AppState, raw: &str) -> Result<Option<Person>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let found = match raw.parse::<PersonId>() {
        Ok(id) => state.store.get_person(id).await,
        Err(_) => match frontline_core::Email::parse(raw) {
            Ok(email) => state.store.get_person_by_email(&email).await,
            Err(_) => return Ok(None),
        },
    };
    match found {
        Ok(person) => Ok(Some(person)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// `GET /cases/new`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewCaseQuery>,
) -> PageResult {
    let customer = match query.customer.as_deref().map(str::trim) {
        // An id from the customer's page reads better as their address.
        Some(raw) => match find(&state, raw).await? {
            Some(p) if p.role == Role::Customer => p.email.to_string(),
            _ => raw.to_owned(),
        },
        None => String::new(),
    };
    let form = FormData::default();
    form_page(&state, &viewer, StatusCode::OK, &form, customer, Vec::new()).await
}

/// `POST /cases/new`: wrong fields show the form again with what was typed; an unknown
/// address with a name makes the customer first.
pub async fn create(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    authz::require(
        &viewer.actor,
        Action::CreateCustomer,
        &Resource::Org,
        "cases",
    )?;
    let raw_customer = form.text("customer").trim().to_owned();
    let mut fields = Fields::new();
    let subject = fields.check(Subject::parse(form.text("subject")));
    let body = fields.check(MessageBody::parse(form.get("body").unwrap_or("")));
    let channel = match CHANNELS
        .iter()
        .find(|(c, _)| c.as_str() == form.text("channel"))
    {
        Some((c, _)) => Some(*c),
        None => {
            fields.push("channel", "choose phone or chat");
            None
        }
    };
    let outcome = match form.text("outcome") {
        "" => {
            fields.push("outcome", "choose what the customer wants to achieve");
            None
        }
        key => crate::lookup::resolve_outcome(&state, "outcome", key)
            .await
            .map_err(|_| fields.push("outcome", "choose one of the outcomes listed"))
            .ok(),
    };
    let existing = find(&state, &raw_customer).await?;
    let name = form.text("name").trim();
    match &existing {
        Some(p) if p.role != Role::Customer => {
            fields.push("customer", "is a staff member's address: name a customer");
        }
        Some(p) if p.is_tombstone() => {
            fields.push(
                "customer",
                "was erased or merged: name the customer as they are now",
            );
        }
        Some(_) => {}
        None if raw_customer.is_empty() => {
            fields.push(
                "customer",
                "give the customer's address (or pick them from their page)",
            );
        }
        None if raw_customer.parse::<PersonId>().is_ok() => {
            fields.push("customer", "no customer has this id");
        }
        None => {
            if let Err(e) = frontline_core::Email::parse(&raw_customer) {
                fields.push("customer", e.reason);
            } else if name.is_empty() {
                fields.push(
                    "name",
                    "is needed for a new customer: nobody has this address yet",
                );
            } else if let Err(e) = frontline_core::Name::parse(name) {
                fields.push("name", e.reason);
            }
        }
    }
    let (subject, body, channel, outcome) =
        match fields.done(|| Some((subject?, body?, channel?, outcome?))) {
            Ok(values) => values,
            Err(AppError::Invalid { errors, .. }) => {
                let messages = errors
                    .iter()
                    .map(|e| format!("{}: {}", field_label(&e.field), e.detail))
                    .collect();
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return form_page(&state, &viewer, status, &form, raw_customer, messages).await;
            }
            Err(other) => return Err(other.into()),
        };
    let attachments = super::case_forms::form_attachments(&form)?;
    crate::attachments::check_for_message(&state, &viewer.actor, &attachments).await?;
    let customer = match existing {
        Some(person) => person,
        None => {
            crate::customers::create_customer(&state, &viewer.actor, &raw_customer, name).await?
        }
    };
    authz::require(
        &viewer.actor,
        Action::CreateCase,
        &Resource::Case {
            customer_id: customer.id,
        },
        "customer",
    )?;
    let created = state
        .store
        .create_case(
            Some(viewer.actor.person_id()),
            NewCase {
                customer_id: customer.id,
                outcome_id: outcome.id,
                subject,
                body,
                channel,
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
    tracing::info!(case_id = %case.id, number = %case.number, channel = %channel, "case opened by staff for a customer");
    Ok(see_other(&format!("/cases/{}", case.number)))
}

/// The form's words for a field.
fn field_label(field: &str) -> &str {
    match field {
        "customer" => "Customer",
        "name" => "Name",
        "subject" => "Subject",
        "body" => "Their message",
        "channel" => "Channel",
        "outcome" => "What they want to achieve",
        other => other,
    }
}
