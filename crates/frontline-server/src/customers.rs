//! Customer accounts as use cases, shared by the API and the console: a person's own profile
//! (name, language, time zone), their addresses, the download of all their data, asking to
//! be forgotten, and the administrator's merge and erase; staff creating a customer to open
//! a case for a caller. Authorisation is the caller's (`lookup::load_person` with the
//! action) except where noted.

use frontline_core::org::profile;
use frontline_core::{Email, Name, Person, Role};
use frontline_store::{
    CaseFilter, FeelingFilter, Merged, NewPerson, PageRequest, PersonAddress, PersonUpdate,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Fields, Result};
use crate::lookup::{Names, written};
use crate::state::AppState;
use crate::views::{AddressView, CaseView, MessageView, PersonView};

/// The cases read into one data download, at most (newest first).
pub const MAX_CASES_IN_DOWNLOAD: usize = 2_000;

/// What one changes on one's own profile; `Some("")` clears a language or time zone.
#[derive(Debug, Default)]
pub struct ProfileChange<'a> {
    pub name: Option<&'a str>,
    pub language: Option<&'a str>,
    pub time_zone: Option<&'a str>,
}

/// Change the actor's own name, language and time zone.
pub async fn update_own_profile(
    state: &AppState,
    actor: &Actor,
    change: ProfileChange<'_>,
) -> Result<Person> {
    authz::require(actor, Action::UpdateOwnProfile, &Resource::Org, "me")?;
    let mut fields = Fields::new();
    let name = match change.name {
        Some(raw) => fields.check(Name::parse(raw)).map(Some),
        None => Some(None),
    };
    let language = fields.check(optional(change.language, profile::parse_language));
    let time_zone = fields.check(optional(change.time_zone, profile::parse_time_zone));
    let (name, language, time_zone) = fields.done(|| Some((name?, language?, time_zone?)))?;
    Ok(written(
        state
            .store
            .update_person(
                Some(actor.person_id()),
                actor.person_id(),
                PersonUpdate {
                    name,
                    language,
                    time_zone,
                    ..Default::default()
                },
            )
            .await?,
    ))
}

/// `None`: unchanged; `Some("")`: cleared; else parsed.
fn optional(
    raw: Option<&str>,
    parse: fn(&str) -> std::result::Result<String, frontline_core::ValueError>,
) -> std::result::Result<Option<Option<String>>, frontline_core::ValueError> {
    match raw.map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(raw) => parse(raw).map(|v| Some(Some(v))),
    }
}

/// Give `person` one more address. Staff add trusted (verified) addresses; a customer's own
/// addition is kept unverified, finding nobody (no sign-in, no mail matched to them) until
/// they follow the link mailed to it (`signup::send_address_verification`, through the
/// outbox like every account mail). The caller checked `ManageAddresses` on the person.
pub async fn add_address(
    state: &AppState,
    actor: &Actor,
    person: &Person,
    raw: &str,
) -> Result<PersonAddress> {
    let address = Email::parse(raw).map_err(|e| AppError::field("address", e.reason))?;
    let verified = actor.is_staff();
    if !verified {
        crate::signup::may_mail_link(&address, state)?;
    }
    let added = written(
        state
            .store
            .add_address(Some(actor.person_id()), person.id, address, verified)
            .await?,
    );
    if !added.verified {
        crate::signup::send_address_verification(state, person, &added.address).await?;
    }
    Ok(added)
}

/// Take one of `person`'s added addresses away. The caller checked `ManageAddresses`.
pub async fn remove_address(
    state: &AppState,
    actor: &Actor,
    person: &Person,
    raw: &str,
) -> Result<()> {
    let address = Email::parse(raw).map_err(|_| AppError::not_found(format!("address {raw}")))?;
    written(
        state
            .store
            .remove_address(Some(actor.person_id()), person.id, address)
            .await?,
    );
    Ok(())
}

/// A case in a data download: the case and its public conversation.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CaseData {
    pub case: CaseView,
    pub messages: Vec<MessageView>,
}

/// Everything Frontline keeps about a person that is theirs to take away: their record and
/// profile, addresses, cases with the public conversation (internal notes are the staff's
/// working notes), and the feelings they gave.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonData {
    #[schema(format = DateTime)]
    pub exported_at: String,
    pub person: PersonView,
    pub addresses: Vec<AddressView>,
    pub cases: Vec<CaseData>,
    /// Ratings and other feelings they gave: score, emotion, words, when, about which case.
    #[schema(value_type = Vec<Object>)]
    pub feelings: Vec<frontline_core::Feeling>,
}

/// All of `person`'s data. The caller checked `DownloadData` on the person.
pub async fn data_of(state: &AppState, person: &Person) -> Result<PersonData> {
    let addresses = state.store.list_addresses(person.id).await?;
    let mut cases = Vec::new();
    let mut after = None;
    loop {
        let page = state
            .store
            .list_cases(
                CaseFilter {
                    customer_id: Some(person.id),
                    ..Default::default()
                },
                PageRequest {
                    after,
                    limit: PageRequest::<frontline_core::CaseNumber>::MAX_LIMIT,
                },
            )
            .await?;
        after = page.items.last().map(|c| c.number);
        cases.extend(page.items);
        if !page.has_more || cases.len() >= MAX_CASES_IN_DOWNLOAD {
            break;
        }
    }
    let mut names = Names::default();
    names.prefetch_owners(state, &cases).await?;
    let mut case_data = Vec::with_capacity(cases.len());
    for case in &cases {
        let messages = state.store.list_messages(case.id, false).await?;
        case_data.push(CaseData {
            case: names.view(state, case).await?,
            messages: messages.iter().map(MessageView::from).collect(),
        });
    }
    let feelings = state
        .store
        .list_feelings(
            FeelingFilter {
                person_id: Some(person.id),
                ..Default::default()
            },
            10_000,
        )
        .await?;
    Ok(PersonData {
        exported_at: state.now().to_string(),
        person: PersonView::from(person),
        addresses: addresses.iter().map(AddressView::from).collect(),
        cases: case_data,
        feelings,
    })
}

/// The actor, a customer, asks to be forgotten. Staff see the request on the person and in
/// the people list; an administrator carries it out (`erase`). Not done at once: an open
/// dispute, an invoice or fraud may oblige the organisation to keep data a while, and a
/// person deciding that is accountable for it.
pub async fn request_erasure(state: &AppState, actor: &Actor) -> Result<Person> {
    authz::require(actor, Action::RequestErasure, &Resource::Org, "me")?;
    Ok(written(
        state.store.request_erasure(actor.person_id()).await?,
    ))
}

/// Erase a customer. The caller checked `ErasePerson` on the person. `confirm` must repeat
/// their primary address, so a slip of the id cannot erase someone else.
pub async fn erase(
    state: &AppState,
    actor: &Actor,
    person: &Person,
    confirm: &str,
) -> Result<Person> {
    if !confirm.trim().eq_ignore_ascii_case(person.email.as_str()) {
        return Err(AppError::field(
            "confirm",
            format!(
                "must repeat the customer's address ({}) to confirm the erasure",
                person.email
            ),
        ));
    }
    let erased = written(
        state
            .store
            .erase_person(Some(actor.person_id()), person.id)
            .await?,
    );
    tracing::info!(person_id = %person.id, by = %actor.person_id(), "customer erased");
    Ok(erased)
}

/// Merge the customer named by `duplicate` (an id or address) into `keep`. The caller
/// checked `MergePeople`.
pub async fn merge(
    state: &AppState,
    actor: &Actor,
    keep: &Person,
    duplicate: &str,
) -> Result<Merged> {
    let duplicate = crate::lookup::resolve_person(state, "duplicate", duplicate).await?;
    if duplicate.id == keep.id {
        return Err(AppError::field(
            "duplicate",
            "is the customer being kept: name the other record",
        ));
    }
    let merged = written(
        state
            .store
            .merge_people(Some(actor.person_id()), keep.id, duplicate.id)
            .await?,
    );
    tracing::info!(kept = %keep.id, merged = %duplicate.id, "customers merged");
    Ok(merged)
}

/// Staff make a customer (to open a case for someone who called or walked in): the address
/// must be nobody's yet.
pub async fn create_customer(
    state: &AppState,
    actor: &Actor,
    email: &str,
    name: &str,
) -> Result<Person> {
    authz::require(actor, Action::CreateCustomer, &Resource::Org, "people")?;
    let mut fields = Fields::new();
    let email = fields.check(Email::parse(email));
    let name = fields.check(Name::parse(name));
    let (email, name) = fields.done(|| Some((email?, name?)))?;
    Ok(written(
        state
            .store
            .create_person(
                Some(actor.person_id()),
                NewPerson {
                    email,
                    name,
                    role: Role::Customer,
                    title: None,
                    admin: false,
                    capacity: 0,
                },
            )
            .await?,
    ))
}
