//! Customer accounts over the API: one's own profile, addresses, data download and request to
//! be forgotten (`/api/v1/me/…`), staff managing a person's addresses, and the
//! administrator's data download, merge and erase (`/api/v1/people/{person}/…`). The rules
//! live in the `customers` use case, shared with the console.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::customers::{self, PersonData, ProfileChange};
use crate::error::Result;
use crate::extract::{Json, Path};
use crate::lookup::load_person;
use crate::state::AppState;
use crate::views::{AddressView, PersonView};

/// Change your own profile; only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    pub name: Option<String>,
    /// A language tag such as `en` or `pt-BR`; an empty string clears it.
    pub language: Option<String>,
    /// An IANA time zone such as `Europe/Paris`; an empty string clears it.
    pub time_zone: Option<String>,
}

#[utoipa::path(
    patch,
    path = "/api/v1/me",
    tag = "people",
    summary = "Change your name, language or time zone",
    request_body = ProfileBody,
    responses((status = 200, description = "You, after the change", body = PersonView)),
)]
pub async fn update_me(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<ProfileBody>,
) -> Result<axum::Json<PersonView>> {
    let person = customers::update_own_profile(
        &state,
        &actor,
        ProfileChange {
            name: body.name.as_deref(),
            language: body.language.as_deref(),
            time_zone: body.time_zone.as_deref(),
        },
    )
    .await?;
    Ok(axum::Json(PersonView::from(&person)))
}

/// An address to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    pub address: String,
}

async fn me(state: &AppState, actor: &Actor, action: Action) -> Result<frontline_core::Person> {
    load_person(state, actor, &actor.person_id().to_string(), action).await
}

async fn addresses_of(
    state: &AppState,
    person: &frontline_core::Person,
) -> Result<Vec<AddressView>> {
    Ok(state
        .store
        .list_addresses(person.id)
        .await?
        .iter()
        .map(AddressView::from)
        .collect())
}

#[utoipa::path(
    get,
    path = "/api/v1/me/addresses",
    tag = "people",
    summary = "Your addresses besides your primary one",
    responses((status = 200, description = "Oldest first", body = [AddressView])),
)]
pub async fn list_own_addresses(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<axum::Json<Vec<AddressView>>> {
    let person = me(&state, &actor, Action::ManageAddresses).await?;
    Ok(axum::Json(addresses_of(&state, &person).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/me/addresses",
    tag = "people",
    summary = "Add an address of yours",
    description = "A customer's own addition is unverified: a link is mailed to it (it works \
        once, for a day; `POST /api/v1/address-verifications/redeem`), and until it is \
        followed the address finds nobody (sign-in, mail). Staff's own additions are trusted.",
    request_body = AddressBody,
    responses(
        (status = 201, description = "The address", body = AddressView),
        (status = 409, description = "The address is someone's already"),
        (status = 429, description = "Too many links mailed to this address lately"),
    ),
)]
pub async fn add_own_address(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<AddressBody>,
) -> Result<(StatusCode, axum::Json<AddressView>)> {
    let person = me(&state, &actor, Action::ManageAddresses).await?;
    let added = customers::add_address(&state, &actor, &person, &body.address).await?;
    Ok((StatusCode::CREATED, axum::Json(AddressView::from(&added))))
}

#[utoipa::path(
    delete,
    path = "/api/v1/me/addresses/{address}",
    tag = "people",
    summary = "Remove one of your added addresses",
    params(("address" = String, Path, description = "The address")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such added address of yours"),
    ),
)]
pub async fn remove_own_address(
    State(state): State<AppState>,
    actor: Actor,
    Path(address): Path<String>,
) -> Result<Response> {
    let person = me(&state, &actor, Action::ManageAddresses).await?;
    customers::remove_address(&state, &actor, &person, &address).await?;
    Ok(crate::middleware::no_content())
}

#[utoipa::path(
    get,
    path = "/api/v1/people/{person}/addresses",
    tag = "people",
    summary = "A person's addresses besides their primary one (staff)",
    params(("person" = String, Path, description = "Person id")),
    responses((status = 200, description = "Oldest first", body = [AddressView])),
)]
pub async fn list_addresses(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<Vec<AddressView>>> {
    let person = load_person(&state, &actor, &raw, Action::ManageAddresses).await?;
    Ok(axum::Json(addresses_of(&state, &person).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/people/{person}/addresses",
    tag = "people",
    summary = "Add a trusted address to a person (staff)",
    description = "From then on the address finds this person: signing in, and mail from it.",
    params(("person" = String, Path, description = "Person id")),
    request_body = AddressBody,
    responses(
        (status = 201, description = "The address", body = AddressView),
        (status = 409, description = "The address is someone's already"),
    ),
)]
pub async fn add_address(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<AddressBody>,
) -> Result<(StatusCode, axum::Json<AddressView>)> {
    let person = load_person(&state, &actor, &raw, Action::ManageAddresses).await?;
    let added = customers::add_address(&state, &actor, &person, &body.address).await?;
    Ok((StatusCode::CREATED, axum::Json(AddressView::from(&added))))
}

#[utoipa::path(
    delete,
    path = "/api/v1/people/{person}/addresses/{address}",
    tag = "people",
    summary = "Remove one of a person's added addresses (staff)",
    params(
        ("person" = String, Path, description = "Person id"),
        ("address" = String, Path, description = "The address"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such person, or no such added address of theirs"),
    ),
)]
pub async fn remove_address(
    State(state): State<AppState>,
    actor: Actor,
    Path((raw, address)): Path<(String, String)>,
) -> Result<Response> {
    let person = load_person(&state, &actor, &raw, Action::ManageAddresses).await?;
    customers::remove_address(&state, &actor, &person, &address).await?;
    Ok(crate::middleware::no_content())
}

#[utoipa::path(
    get,
    path = "/api/v1/me/data",
    tag = "people",
    summary = "Download all your data",
    description = "Your record and profile, addresses, your cases with their public \
        conversation, and the ratings and feelings you gave, as one JSON document.",
    responses((status = 200, description = "Your data", body = PersonData)),
)]
pub async fn own_data(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<axum::Json<PersonData>> {
    let person = me(&state, &actor, Action::DownloadData).await?;
    Ok(axum::Json(customers::data_of(&state, &person).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/people/{person}/data",
    tag = "people",
    summary = "Download all of a person's data (administrators)",
    params(("person" = String, Path, description = "Person id")),
    responses((status = 200, description = "Their data, as they would download it", body = PersonData)),
)]
pub async fn person_data(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<PersonData>> {
    let person = load_person(&state, &actor, &raw, Action::DownloadData).await?;
    Ok(axum::Json(customers::data_of(&state, &person).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/me/erasure-request",
    tag = "people",
    summary = "Ask to be forgotten (customers)",
    description = "Staff see the request on your record; an administrator erases your \
        personal data. Asking again changes nothing.",
    responses((status = 200, description = "You, with `erasure_requested_at`", body = PersonView)),
)]
pub async fn request_erasure(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<axum::Json<PersonView>> {
    let person = customers::request_erasure(&state, &actor).await?;
    Ok(axum::Json(PersonView::from(&person)))
}

/// Confirm an erasure.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseBody {
    /// The customer's primary address, repeated.
    pub confirm: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/people/{person}/erase",
    tag = "people",
    summary = "Erase a customer's personal data (administrators)",
    description = "Name, addresses, profile, password, tokens and sessions go; the bodies of \
        their messages and the words of their ratings read `(erased)`; the files on their \
        messages are deleted (tombstones; a download is 410); their cases, scores and times \
        stay, anonymously. Appends `person.erased` naming who did it.",
    params(("person" = String, Path, description = "Person id")),
    request_body = EraseBody,
    responses(
        (status = 200, description = "The tombstone", body = PersonView),
        (status = 409, description = "Erased already"),
    ),
)]
pub async fn erase_person(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<EraseBody>,
) -> Result<axum::Json<PersonView>> {
    let person = load_person(&state, &actor, &raw, Action::ErasePerson).await?;
    let erased = customers::erase(&state, &actor, &person, &body.confirm).await?;
    Ok(axum::Json(PersonView::from(&erased)))
}

/// Which record duplicates the one in the path.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The duplicate's id or address: it becomes a tombstone pointing at the kept customer.
    pub duplicate: String,
}

/// What a merge did.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergeView {
    pub kept: PersonView,
    pub merged: PersonView,
    pub cases_moved: u64,
    pub addresses_moved: u64,
}

#[utoipa::path(
    post,
    path = "/api/v1/people/{person}/merge",
    tag = "people",
    summary = "Merge a duplicate customer into this one (administrators)",
    description = "The duplicate's cases, messages, ratings, decisions and addresses move to \
        this customer, who sees the moved cases' history; the duplicate's tokens and \
        sessions end and its record points here (`merged_into`; reading it redirects).",
    params(("person" = String, Path, description = "The customer kept")),
    request_body = MergeBody,
    responses((status = 200, description = "What moved", body = MergeView)),
)]
pub async fn merge_person(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<MergeBody>,
) -> Result<axum::Json<MergeView>> {
    authz::require(&actor, Action::MergePeople, &Resource::Org, "people")?;
    let keep = load_person(&state, &actor, &raw, Action::ReadPerson).await?;
    let merged = customers::merge(&state, &actor, &keep, &body.duplicate).await?;
    Ok(axum::Json(MergeView {
        kept: PersonView::from(&merged.kept),
        merged: PersonView::from(&merged.merged),
        cases_moved: merged.cases_moved,
        addresses_moved: merged.addresses_moved,
    }))
}
