//! The profile half of `/account`: name, language and time zone, one's addresses (a
//! customer's own additions unverified), the download of all one's data, and a customer's
//! request to be forgotten. The forms call the `customers` use case, like `PATCH
//! /api/v1/me`, `/api/v1/me/addresses`, `/api/v1/me/data` and `/api/v1/me/erasure-request`.

use axum::extract::State;
use axum::http::StatusCode;
use frontline_core::Person;

use super::account::page_with;
use super::customer::{AddressLine, address_lines, download};
use super::form::FormData;
use super::layout::{PageResult, refusal_in_words, see_other, when};
use super::viewer::Viewer;
use crate::authz::{Action, Resource};
use crate::customers::{self, ProfileChange};
use crate::error::AppError;
use crate::lookup::load_person;
use crate::state::AppState;

/// What the profile section shows.
pub struct ProfileSection {
    pub name: String,
    pub language: String,
    pub time_zone: String,
    pub addresses: Vec<AddressLine>,
    /// Whether the viewer may ask to be forgotten (customers).
    pub may_ask_erasure: bool,
    pub erasure_requested: Option<String>,
    pub problem: Option<String>,
}

pub async fn section(
    state: &AppState,
    viewer: &Viewer,
    me: &Person,
    problem: Option<String>,
) -> Result<ProfileSection, AppError> {
    Ok(ProfileSection {
        name: me.name.to_string(),
        language: me.language.clone().unwrap_or_default(),
        time_zone: me.time_zone.clone().unwrap_or_default(),
        addresses: address_lines(state, me).await?,
        may_ask_erasure: viewer.can(Action::RequestErasure, &Resource::Org),
        erasure_requested: me.erasure_requested_at.map(when),
        problem,
    })
}

/// The notice for `?done=` after one of these forms.
pub fn notice(done: &str) -> Option<&'static str> {
    match done {
        "profile" => Some("Your profile is saved."),
        "address-added" => Some(
            "The address is added, and a link to confirm it is on its way to it. Until you \
             follow the link, mail from it and signing in with it do not find you.",
        ),
        "address-added-verified" => Some("The address is added."),
        "address-removed" => Some("The address is removed."),
        "forget" => Some(
            "We have your request to be forgotten. An administrator will erase your personal \
             data; until then you can still sign in and download it.",
        ),
        _ => None,
    }
}

/// Show the account page again with the refusal by the profile's forms, or the error page.
async fn refused(state: &AppState, viewer: &Viewer, error: AppError) -> PageResult {
    match refusal_in_words(&error) {
        Some(problem) => {
            let status = if matches!(error, AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            page_with(state, viewer, status, None, None, Some(problem)).await
        }
        None => Err(error.into()),
    }
}

fn back(done: &str) -> PageResult {
    Ok(see_other(&format!("/account?done={done}#profile")))
}

async fn me(
    state: &AppState,
    viewer: &Viewer,
    form: &FormData,
    action: Action,
) -> PageResult<Person> {
    viewer.check_csrf(form.csrf())?;
    let raw = viewer.actor.person_id().to_string();
    Ok(load_person(state, &viewer.actor, &raw, action).await?)
}

/// `POST /account/profile`: name, language, time zone (empty clears the last two).
pub async fn update_profile(
    State(state): State<AppState>,
    viewer: Viewer,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let change = ProfileChange {
        name: Some(form.text("name")),
        language: Some(form.text("language")),
        time_zone: Some(form.text("time_zone")),
    };
    match customers::update_own_profile(&state, &viewer.actor, change).await {
        Ok(_) => back("profile"),
        Err(e) => refused(&state, &viewer, e).await,
    }
}

/// `POST /account/addresses`.
pub async fn add_address(
    State(state): State<AppState>,
    viewer: Viewer,
    form: FormData,
) -> PageResult {
    let person = me(&state, &viewer, &form, Action::ManageAddresses).await?;
    match customers::add_address(&state, &viewer.actor, &person, form.text("address")).await {
        Ok(added) if added.verified => back("address-added-verified"),
        Ok(_) => back("address-added"),
        Err(e) => refused(&state, &viewer, e).await,
    }
}

/// `POST /account/addresses/remove`.
pub async fn remove_address(
    State(state): State<AppState>,
    viewer: Viewer,
    form: FormData,
) -> PageResult {
    let person = me(&state, &viewer, &form, Action::ManageAddresses).await?;
    customers::remove_address(&state, &viewer.actor, &person, form.text("address")).await?;
    back("address-removed")
}

/// `GET /account/data`: all of one's data as a JSON file.
pub async fn data(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let raw = viewer.actor.person_id().to_string();
    let person = load_person(&state, &viewer.actor, &raw, Action::DownloadData).await?;
    let data = customers::data_of(&state, &person).await?;
    download(&data, "frontline-my-data.json")
}

/// `POST /account/forget`: a customer asks to be forgotten (the box must be ticked).
pub async fn forget(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    if !form.checked("confirm") {
        let problem = "Tick the box to confirm that you want us to forget you.".to_owned();
        return page_with(
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            None,
            Some(problem),
        )
        .await;
    }
    customers::request_erasure(&state, &viewer.actor).await?;
    back("forget")
}
