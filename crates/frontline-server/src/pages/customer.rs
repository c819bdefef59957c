//! A customer as staff see them (`/people/{person}` when the person is a customer): their
//! record, profile, addresses (staff add trusted ones and remove them), their cases, a
//! request to be forgotten; for administrators the data download, the merge of a duplicate
//! into them and erasure, each behind a confirmation. Every form goes through the
//! `customers` use case, like the API.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use frontline_core::{Person, Role};
use frontline_store::{CaseFilter, PageRequest};

use super::form::FormData;
use super::layout::{Layout, PageResult, refusal_in_words, render, see_other, when};
use super::rows::{CaseRow, case_row};
use super::viewer::Viewer;
use crate::authz::{Action, Resource};
use crate::customers;
use crate::error::AppError;
use crate::lookup::{Names, load_person};
use crate::state::AppState;

/// One added address, in words.
pub struct AddressLine {
    pub address: String,
    pub verified: bool,
    pub added: String,
}

pub async fn address_lines(
    state: &AppState,
    person: &Person,
) -> Result<Vec<AddressLine>, AppError> {
    Ok(state
        .store
        .list_addresses(person.id)
        .await?
        .iter()
        .map(|a| AddressLine {
            address: a.address.to_string(),
            verified: a.verified,
            added: when(a.added_at),
        })
        .collect())
}

#[derive(Template)]
#[template(path = "pages/customer.html")]
struct CustomerPage {
    layout: Layout,
    id: String,
    name: String,
    email: String,
    since: String,
    language: String,
    time_zone: String,
    erasure_requested: Option<String>,
    erased: Option<String>,
    addresses: Vec<AddressLine>,
    cases: Vec<CaseRow>,
    may_manage_addresses: bool,
    may_download: bool,
    may_merge: bool,
    may_erase: bool,
    notice: Option<&'static str>,
    problem: Option<String>,
}

/// `?done=` after one of the page's forms.
#[derive(Debug, Default, serde::Deserialize)]
pub struct CustomerQuery {
    done: Option<String>,
}

/// `GET /people/{person}` for a customer (the staff profile handler hands customers here).
pub async fn show(
    state: &AppState,
    viewer: &Viewer,
    person: Person,
    query: CustomerQuery,
) -> PageResult {
    if let Some(kept) = person.merged_into {
        // The duplicate lives on in the customer it was merged into.
        return Ok(see_other(&format!("/people/{kept}")));
    }
    let notice = match query.done.as_deref() {
        Some("address-added") => Some("The address is added: it finds this customer from now on."),
        Some("address-removed") => Some("The address is removed."),
        Some("merged") => {
            Some("The duplicate is merged into this customer: its cases are here now.")
        }
        Some("erased") => {
            Some("The customer's personal data is erased. Their cases stay, anonymously.")
        }
        _ => None,
    };
    page(state, viewer, &person, StatusCode::OK, notice, None).await
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    person: &Person,
    status: StatusCode,
    notice: Option<&'static str>,
    problem: Option<String>,
) -> PageResult {
    let resource = Resource::Person {
        person_id: person.id,
    };
    let found = state
        .store
        .list_cases(
            CaseFilter {
                customer_id: Some(person.id),
                ..CaseFilter::default()
            },
            PageRequest::first(50),
        )
        .await?;
    let now = state.now();
    let mut names = Names::default();
    names
        .prefetch_customers_and_owners(state, &found.items)
        .await?;
    let mut cases = Vec::with_capacity(found.items.len());
    for case in &found.items {
        cases.push(case_row(&mut names, state, case, now).await?);
    }
    let live = !person.is_tombstone();
    render(
        status,
        &CustomerPage {
            layout: Layout::new(viewer, person.name.to_string(), "/search"),
            id: person.id.to_string(),
            name: person.name.to_string(),
            email: person.email.to_string(),
            since: when(person.created_at),
            language: person.language.clone().unwrap_or_default(),
            time_zone: person.time_zone.clone().unwrap_or_default(),
            erasure_requested: person.erasure_requested_at.map(when),
            erased: person.erased_at.map(when),
            addresses: address_lines(state, person).await?,
            cases,
            may_manage_addresses: live && viewer.can(Action::ManageAddresses, &resource),
            may_download: viewer.can(Action::DownloadData, &resource),
            may_merge: live && viewer.can(Action::MergePeople, &Resource::Org),
            may_erase: live && viewer.can(Action::ErasePerson, &resource),
            notice,
            problem,
        },
    )
}

/// Load the customer a form is about, checking the CSRF token and `action`.
async fn customer_for(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    form: &FormData,
    action: Action,
) -> PageResult<Person> {
    viewer.check_csrf(form.csrf())?;
    let person = load_person(state, &viewer.actor, raw, action).await?;
    if person.role != Role::Customer {
        return Err(AppError::not_found(format!("customer {raw}")).into());
    }
    Ok(person)
}

/// Show the page again with the refusal in words, or the error page.
async fn refused(
    state: &AppState,
    viewer: &Viewer,
    person: &Person,
    error: AppError,
) -> PageResult {
    match refusal_in_words(&error) {
        Some(problem) => {
            let status = if matches!(error, AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            page(state, viewer, person, status, None, Some(problem)).await
        }
        None => Err(error.into()),
    }
}

fn back(person: &Person, done: &str) -> PageResult {
    Ok(see_other(&format!("/people/{}?done={done}", person.id)))
}

/// `POST /people/{person}/addresses`: staff add a trusted address.
pub async fn add_address(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    let person = customer_for(&state, &viewer, &raw, &form, Action::ManageAddresses).await?;
    match customers::add_address(&state, &viewer.actor, &person, form.text("address")).await {
        Ok(_) => back(&person, "address-added"),
        Err(e) => refused(&state, &viewer, &person, e).await,
    }
}

/// `POST /people/{person}/addresses/remove`.
pub async fn remove_address(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    let person = customer_for(&state, &viewer, &raw, &form, Action::ManageAddresses).await?;
    customers::remove_address(&state, &viewer.actor, &person, form.text("address")).await?;
    back(&person, "address-removed")
}

/// `POST /people/{person}/merge`: merge the duplicate named in the form into this customer.
pub async fn merge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    crate::authz::require(&viewer.actor, Action::MergePeople, &Resource::Org, "people")?;
    let person = customer_for(&state, &viewer, &raw, &form, Action::ReadPerson).await?;
    if !form.checked("confirm") {
        let problem = "Tick the box to confirm: a merge cannot be undone.".to_owned();
        return page(
            &state,
            &viewer,
            &person,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(problem),
        )
        .await;
    }
    match customers::merge(&state, &viewer.actor, &person, form.text("duplicate")).await {
        Ok(_) => back(&person, "merged"),
        Err(e) => refused(&state, &viewer, &person, e).await,
    }
}

/// `POST /people/{person}/erase`: the administrator types the customer's address to confirm.
pub async fn erase(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    let person = customer_for(&state, &viewer, &raw, &form, Action::ErasePerson).await?;
    match customers::erase(&state, &viewer.actor, &person, form.text("confirm")).await {
        Ok(_) => back(&person, "erased"),
        Err(e) => refused(&state, &viewer, &person, e).await,
    }
}

/// A JSON download of a person's data, as a file.
pub fn download(data: &customers::PersonData, name: &str) -> PageResult {
    let body = serde_json::to_vec_pretty(data)
        .map_err(|e| AppError::Internal(format!("could not encode the data: {e}")))?;
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /people/{person}/data`: an administrator downloads a customer's data.
pub async fn data(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> PageResult {
    let person = load_person(&state, &viewer.actor, &raw, Action::DownloadData).await?;
    let data = customers::data_of(&state, &person).await?;
    download(&data, &format!("frontline-data-{}.json", person.id))
}
