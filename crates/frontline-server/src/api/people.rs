//! People: staff read the organisation and create customers; support employees with `admin`
//! create and change anyone, set passwords and issue tokens for others.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frontline_core::{Email, Name, Person, PersonId, Role};
use frontline_store::{NewPerson, PageRequest, PeopleFilter, PersonUpdate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::me::{CreateTokenBody, issue_token, label};
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Fields, Result};
use crate::extract::{Json, Path, Query};
use crate::lookup::{load_person, written};
use crate::paging;
use crate::state::AppState;
use crate::views::{PersonPage, PersonView, TokenView};

pub const MAX_TITLE_CHARS: usize = 100;

#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// `customer`, `employee` or `support`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Words of the name or email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// The id of the last person already seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/api/v1/people",
    tag = "people",
    summary = "List people",
    params(PeopleQuery),
    responses((status = 200, description = "A page of people", body = PersonPage)),
)]
pub async fn list_people(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<PeopleQuery>,
) -> Result<axum::Json<PersonPage>> {
    authz::require(&actor, Action::ListPeople, &Resource::Org, "people")?;
    let limit = paging::limit(query.limit)?;
    let mut fields = Fields::new();
    let role = match &query.role {
        Some(raw) => fields.check(raw.parse::<Role>()),
        None => None,
    };
    let after = match &query.after {
        Some(raw) => match raw.parse::<PersonId>() {
            Ok(id) => Some(id),
            Err(_) => {
                fields.push("after", "must be a person id");
                None
            }
        },
        None => None,
    };
    fields.finish()?;
    let page = state
        .store
        .list_people(
            PeopleFilter {
                role,
                text: query.q.clone().filter(|q| !q.trim().is_empty()),
            },
            PageRequest { after, limit },
        )
        .await?;
    let next = match (page.has_more, page.items.last()) {
        (true, Some(last)) => Some(paging::link(
            "/api/v1/people",
            &PeopleQuery {
                after: Some(last.id.to_string()),
                limit: Some(limit),
                ..query
            },
        )),
        _ => None,
    };
    let mut items: Vec<PersonView> = page.items.iter().map(PersonView::from).collect();
    with_bounces(&state, &actor, &mut items).await?;
    Ok(axum::Json(PersonPage { items, next }))
}

/// Show staff which of these people's addresses mail does not reach. Staff are those who
/// read the organisation; a customer reading their own record is not told.
async fn with_bounces(state: &AppState, actor: &Actor, people: &mut [PersonView]) -> Result<()> {
    if authz::authorize(actor, Action::ListPeople, &Resource::Org) != authz::Decision::Allow {
        return Ok(());
    }
    let addresses = people
        .iter()
        .filter_map(|p| Email::parse(&p.email).ok())
        .collect();
    let bounces = state.store.mail_bounces(addresses).await?;
    for person in people {
        person.mail_bouncing = bounces
            .iter()
            .find(|b| b.address.as_str() == person.email)
            .map(Into::into);
    }
    Ok(())
}

/// Create a person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePersonBody {
    pub email: String,
    pub name: String,
    /// `customer`, `employee` or `support`.
    pub role: String,
    /// e.g. "CEO" (support employees).
    pub title: Option<String>,
    /// Administer people, teams and outcomes (support employees only).
    pub admin: Option<bool>,
    /// Open cases routing may give this person (default 12 for staff, 0 for customers).
    pub capacity: Option<u32>,
    /// An initial password (at least 10 characters) for web sign-in.
    pub password: Option<String>,
}

fn check_title(fields: &mut Fields, title: &Option<String>) -> Option<Option<String>> {
    match title.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(t) if t.chars().count() <= MAX_TITLE_CHARS => Some(Some(t.to_owned())),
        Some(_) => {
            fields.push(
                "title",
                format!("is longer than {MAX_TITLE_CHARS} characters"),
            );
            None
        }
    }
}

fn check_capacity(fields: &mut Fields, capacity: Option<u32>) -> Option<Option<u32>> {
    match capacity {
        Some(c) if c > Person::MAX_CAPACITY => {
            fields.push(
                "capacity",
                format!("must be at most {}", Person::MAX_CAPACITY),
            );
            None
        }
        other => Some(other),
    }
}

fn check_password(fields: &mut Fields, password: &str) -> Option<String> {
    match crate::auth::password_problem(password) {
        None => Some(password.to_owned()),
        Some(problem) => {
            fields.push("password", problem);
            None
        }
    }
}

/// argon2 is deliberately slow and memory-hungry: hash through the server's bounded pool.
async fn hash_off_thread(state: &AppState, password: String) -> Result<String> {
    Ok(state.passwords.hash(password).await?)
}

#[utoipa::path(
    post,
    path = "/api/v1/people",
    tag = "people",
    summary = "Create a person",
    request_body = CreatePersonBody,
    responses((status = 201, description = "The person", body = PersonView)),
)]
pub async fn create_person(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<CreatePersonBody>,
) -> Result<Response> {
    // Staff make customers (to open a case for a caller); anyone else, a password or a
    // capacity is administration.
    let plain_customer = body.role.trim() == Role::Customer.as_str()
        && body.admin != Some(true)
        && body.password.is_none()
        && body.capacity.is_none();
    let action = if plain_customer {
        Action::CreateCustomer
    } else {
        Action::CreatePerson
    };
    authz::require(&actor, action, &Resource::Org, "people")?;
    let mut fields = Fields::new();
    let email = fields.check(Email::parse(&body.email));
    let name = fields.check(Name::parse(&body.name));
    let role = fields.check(body.role.parse::<Role>());
    let title = check_title(&mut fields, &body.title);
    let capacity = check_capacity(&mut fields, body.capacity);
    let password = match &body.password {
        Some(p) => check_password(&mut fields, p).map(Some),
        None => Some(None),
    };
    if body.admin == Some(true) && role.is_some_and(|r| r != Role::Support) {
        fields.push("admin", "only support employees can be administrators");
    }
    let (email, name, role, title, capacity, password) =
        fields.done(|| Some((email?, name?, role?, title?, capacity?, password?)))?;
    let default_capacity = if role.is_staff() {
        Person::DEFAULT_CAPACITY
    } else {
        0
    };
    let person = written(
        state
            .store
            .create_person(
                Some(actor.person_id()),
                NewPerson {
                    email,
                    name,
                    role,
                    title,
                    admin: body.admin.unwrap_or(false),
                    capacity: capacity.unwrap_or(default_capacity),
                },
            )
            .await?,
    );
    if let Some(password) = password {
        let hash = hash_off_thread(&state, password).await?;
        written(
            state
                .store
                .set_password(Some(actor.person_id()), person.id, hash, None)
                .await?,
        );
    }
    let mut response = (StatusCode::CREATED, axum::Json(PersonView::from(&person))).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/people/{}", person.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[utoipa::path(
    get,
    path = "/api/v1/people/{person}",
    tag = "people",
    summary = "Read a person",
    params(("person" = String, Path, description = "Person id")),
    responses(
        (status = 200, description = "The person", body = PersonView),
        (status = 308, description = "A duplicate merged into another customer: `Location` \
            names the customer kept"),
    ),
)]
pub async fn get_person(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<Response> {
    let person = load_person(&state, &actor, &raw, Action::ReadPerson).await?;
    // A merged duplicate's record lives on in the customer it was merged into: old links
    // (bookmarks, integrations holding the id) follow it there.
    if let Some(kept) = person.merged_into
        && let Ok(location) = HeaderValue::from_str(&format!("/api/v1/people/{kept}"))
    {
        return Ok((
            StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response());
    }
    let mut view = [PersonView::from(&person)];
    with_bounces(&state, &actor, &mut view).await?;
    let [view] = view;
    Ok(axum::Json(view).into_response())
}

/// Change a person; only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePersonBody {
    pub name: Option<String>,
    pub role: Option<String>,
    /// An empty string removes the title.
    pub title: Option<String>,
    pub admin: Option<bool>,
    pub capacity: Option<u32>,
    pub available: Option<bool>,
}

#[utoipa::path(
    patch,
    path = "/api/v1/people/{person}",
    tag = "people",
    summary = "Change a person",
    params(("person" = String, Path, description = "Person id")),
    request_body = UpdatePersonBody,
    responses((status = 200, description = "The person after the change", body = PersonView)),
)]
pub async fn update_person(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<UpdatePersonBody>,
) -> Result<axum::Json<PersonView>> {
    let person = load_person(&state, &actor, &raw, Action::UpdatePerson).await?;
    let mut fields = Fields::new();
    let name = match &body.name {
        Some(n) => fields.check(Name::parse(n)).map(Some),
        None => Some(None),
    };
    let role = match &body.role {
        Some(r) => fields.check(r.parse::<Role>()).map(Some),
        None => Some(None),
    };
    let title = match &body.title {
        Some(_) => check_title(&mut fields, &body.title).map(Some),
        None => Some(None),
    };
    let capacity = check_capacity(&mut fields, body.capacity);
    let final_role = role.flatten().unwrap_or(person.role);
    if body.admin == Some(true) && final_role != Role::Support {
        fields.push("admin", "only support employees can be administrators");
    }
    let (name, role, title, capacity) = fields.done(|| Some((name?, role?, title?, capacity?)))?;
    let updated = written(
        state
            .store
            .update_person(
                Some(actor.person_id()),
                person.id,
                PersonUpdate {
                    name,
                    role,
                    title,
                    admin: body.admin,
                    capacity,
                    available: body.available,
                    ..Default::default()
                },
            )
            .await?,
    );
    Ok(axum::Json(PersonView::from(&updated)))
}

/// Set a person's password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    /// At least 10 characters.
    pub password: String,
    /// Changing your own password from a signed-in session: keep that session (default
    /// `true`). Every other session and every API token of the person ends either way;
    /// setting someone else's password ends all of theirs.
    pub keep_this_session: Option<bool>,
}

#[utoipa::path(
    put,
    path = "/api/v1/people/{person}/password",
    tag = "people",
    summary = "Set a person's password",
    params(("person" = String, Path, description = "Person id")),
    request_body = PasswordBody,
    responses(
        (status = 204, description = "The password is set; the person's API tokens and \
            sessions have ended (but the caller's own session, if kept)"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Not an administrator, or a cookie request without the \
            CSRF token"),
        (status = 404, description = "No such person (or one the caller may not see)"),
        (status = 422, description = "The password is too short"),
    ),
)]
pub async fn set_password(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<PasswordBody>,
) -> Result<Response> {
    let person = load_person(&state, &actor, &raw, Action::SetPassword).await?;
    let mut fields = Fields::new();
    let password = check_password(&mut fields, &body.password);
    let password = fields.done(|| password)?;
    let hash = hash_off_thread(&state, password).await?;
    // Only one's own session can be kept: an administrator resetting someone else's password
    // is ending whatever a thief of theirs holds.
    let keep_session = actor
        .via
        .session_id()
        .filter(|_| person.id == actor.person_id() && body.keep_this_session != Some(false));
    written(
        state
            .store
            .set_password(Some(actor.person_id()), person.id, hash, keep_session)
            .await?,
    );
    Ok(crate::middleware::no_content())
}

#[utoipa::path(
    post,
    path = "/api/v1/people/{person}/tokens",
    tag = "people",
    summary = "Create an API token for a person",
    description = "For integrations acting as that person. The token is shown once.",
    params(("person" = String, Path, description = "Person id")),
    request_body = CreateTokenBody,
    responses((status = 201, description = "The new token, shown once", body = TokenView)),
)]
pub async fn create_token(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<CreateTokenBody>,
) -> Result<(StatusCode, axum::Json<TokenView>)> {
    let person = load_person(&state, &actor, &raw, Action::CreateTokenFor).await?;
    let label = label(&body.label)?;
    let expires_at = super::me::expiry(body.expires_in_days, state.now())?;
    issue_token(&state, &actor, person.id, label, expires_at).await
}

/// A customer's profile, which the guidelines' automatic facts read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// e.g. standard, plus, premium.
    pub tier: String,
    /// What the customer has spent with us.
    pub lifetime_value: f64,
    /// When they became a customer (RFC 3339); default when their record was created.
    pub customer_since: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/people/{person}/profile",
    tag = "people",
    summary = "A customer's profile (tier, lifetime value, customer since)",
    params(("person" = String, Path, description = "Person id")),
    responses((status = 200, description = "The profile; defaults when never set", body = Object)),
)]
pub async fn get_profile(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<frontline_store::CustomerProfile>> {
    let person = load_person(&state, &actor, &raw, Action::ReadPerson).await?;
    if person.role != Role::Customer {
        return Err(AppError::not_found(format!("profile of {raw}")));
    }
    let profile = state.store.get_customer_profile(person.id).await?;
    Ok(axum::Json(profile.unwrap_or(
        frontline_store::CustomerProfile {
            person_id: person.id,
            tier: "standard".into(),
            lifetime_value: 0.0,
            customer_since: person.created_at,
        },
    )))
}

#[utoipa::path(
    put,
    path = "/api/v1/people/{person}/profile",
    tag = "people",
    summary = "Set a customer's profile",
    params(("person" = String, Path, description = "Person id")),
    request_body = ProfileBody,
    responses((status = 200, description = "The profile as saved", body = Object)),
)]
pub async fn put_profile(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<ProfileBody>,
) -> Result<axum::Json<frontline_store::CustomerProfile>> {
    let person = load_person(&state, &actor, &raw, Action::UpdatePerson).await?;
    if person.role != Role::Customer {
        return Err(AppError::field("person", "only customers have a profile"));
    }
    let customer_since = match body.customer_since.as_deref() {
        Some(raw) => raw
            .parse::<frontline_core::Timestamp>()
            .map(frontline_core::time::truncate)
            .map_err(|_| {
                AppError::field(
                    "customer_since",
                    "must be an RFC 3339 time, e.g. 2024-03-01T00:00:00Z",
                )
            })?,
        None => person.created_at,
    };
    let profile = frontline_store::CustomerProfile {
        person_id: person.id,
        tier: body.tier.trim().to_lowercase(),
        lifetime_value: body.lifetime_value,
        customer_since,
    };
    profile.validate()?;
    let saved = written(
        state
            .store
            .set_customer_profile(Some(actor.person_id()), profile)
            .await?,
    );
    Ok(axum::Json(saved))
}
