//! The administration forms. Each checks the CSRF token, asks `authz` (the same actions as
//! the API: `CreatePerson`, `UpdatePerson`, `SetPassword`, `ManageMembers`, `ManageSupports`,
//! `CreateTeam`, `CreateOutcome`), calls one `Store` use case and redirects with a `done`
//! word. Refused values answer the HTML error page naming the field.

use axum::extract::{Path, State};
use frontline_core::{Email, Name, OutcomeKey, Person, Role, TeamId};
use frontline_store::{NewOutcome, NewPerson, PersonUpdate};

use super::form::FormData;
use super::layout::{PageResult, see_other};
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Fields};
use crate::lookup::{load_person, team_id, written};
use crate::state::AppState;

fn optional_text(form: &FormData, name: &str) -> Option<String> {
    Some(form.text(name).to_owned()).filter(|t| !t.is_empty())
}

fn capacity(form: &FormData, fields: &mut Fields) -> Option<u32> {
    match form.text("capacity") {
        "" => Some(Person::DEFAULT_CAPACITY),
        raw => match raw.parse::<u32>() {
            Ok(n) if n <= Person::MAX_CAPACITY => Some(n),
            _ => {
                fields.push(
                    "capacity",
                    format!("must be a whole number from 0 to {}", Person::MAX_CAPACITY),
                );
                None
            }
        },
    }
}

/// `POST /admin/people`.
pub async fn create_person(
    State(state): State<AppState>,
    viewer: Viewer,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    authz::require(
        &viewer.actor,
        Action::CreatePerson,
        &Resource::Org,
        "people",
    )?;
    let mut fields = Fields::new();
    let email = fields.check(Email::parse(form.text("email")));
    let name = fields.check(Name::parse(form.text("name")));
    let role = fields.check(form.text("role").parse::<Role>());
    let capacity = capacity(&form, &mut fields);
    let (email, name, role, capacity) = fields.done(|| Some((email?, name?, role?, capacity?)))?;
    let person = written(
        state
            .store
            .create_person(
                Some(viewer.actor.person_id()),
                NewPerson {
                    email,
                    name,
                    role,
                    title: optional_text(&form, "title"),
                    admin: form.checked("admin"),
                    capacity: if role.is_staff() { capacity } else { 0 },
                },
            )
            .await?,
    );
    Ok(see_other(&format!(
        "/admin/people/{}?done=created",
        person.id
    )))
}

/// `POST /admin/people/{person}`.
pub async fn update_person(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let person = load_person(&state, &viewer.actor, &raw, Action::UpdatePerson).await?;
    let mut fields = Fields::new();
    let name = fields.check(Name::parse(form.text("name")));
    let role = fields.check(form.text("role").parse::<Role>());
    let capacity = capacity(&form, &mut fields);
    let (name, role, capacity) = fields.done(|| Some((name?, role?, capacity?)))?;
    state
        .store
        .update_person(
            Some(viewer.actor.person_id()),
            person.id,
            PersonUpdate {
                name: Some(name),
                role: Some(role),
                title: Some(optional_text(&form, "title")),
                admin: Some(form.checked("admin")),
                capacity: Some(capacity),
                available: Some(form.checked("available")),
                ..Default::default()
            },
        )
        .await
        .map(written)?;
    Ok(see_other(&format!(
        "/admin/people/{}?done=saved",
        person.id
    )))
}

/// `POST /admin/people/{person}/password`.
pub async fn set_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let person = load_person(&state, &viewer.actor, &raw, Action::SetPassword).await?;
    let password = form.get("password").unwrap_or("").to_owned();
    if let Some(problem) = crate::auth::password_problem(&password) {
        return Err(AppError::field("password", problem).into());
    }
    // argon2 is deliberately slow and memory-hungry: through the server's bounded pool.
    let hash = state
        .passwords
        .hash(password)
        .await
        .map_err(AppError::from)?;
    // Every token and session of the person ends; an administrator setting their own password
    // keeps the session they are using (the page would sign them out otherwise).
    let keep_session = (person.id == viewer.actor.person_id())
        .then(|| viewer.actor.via.session_id())
        .flatten();
    state
        .store
        .set_password(
            Some(viewer.actor.person_id()),
            person.id,
            hash,
            keep_session,
        )
        .await
        .map(written)?;
    Ok(see_other(&format!(
        "/admin/people/{}?done=password",
        person.id
    )))
}

/// The team a membership or support form names.
fn form_team(form: &FormData) -> Result<TeamId, AppError> {
    team_id(form.text("team")).map_err(|_| AppError::field("team", "choose a team"))
}

/// Which dated link of a person's a form changes, and how.
#[derive(Clone, Copy)]
enum LinkChange {
    AddMembership,
    EndMembership,
    AddSupport,
    EndSupport,
}

/// The four membership / support-link forms differ only in the store call and the message.
async fn change_link(
    state: AppState,
    viewer: Viewer,
    raw: String,
    form: FormData,
    change: LinkChange,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let action = match change {
        LinkChange::AddMembership | LinkChange::EndMembership => Action::ManageMembers,
        LinkChange::AddSupport | LinkChange::EndSupport => Action::ManageSupports,
    };
    authz::require(&viewer.actor, action, &Resource::Team, "team")?;
    let person = load_person(&state, &viewer.actor, &raw, Action::ReadPerson).await?;
    let team = form_team(&form)?;
    let (actor, now, store) = (Some(viewer.actor.person_id()), state.now(), &state.store);
    let done = match change {
        LinkChange::AddMembership => {
            store
                .add_membership(actor, person.id, team, now)
                .await
                .map(written)?;
            "member"
        }
        LinkChange::EndMembership => {
            store
                .end_membership(actor, person.id, team, now)
                .await
                .map(written)?;
            "member-ended"
        }
        LinkChange::AddSupport => {
            store
                .add_support(actor, person.id, team, now)
                .await
                .map(written)?;
            "support"
        }
        LinkChange::EndSupport => {
            store
                .end_support(actor, person.id, team, now)
                .await
                .map(written)?;
            "support-ended"
        }
    };
    Ok(see_other(&format!(
        "/admin/people/{}?done={done}",
        person.id
    )))
}

/// `POST /admin/people/{person}/memberships`.
pub async fn add_membership(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    change_link(state, viewer, raw, form, LinkChange::AddMembership).await
}

/// `POST /admin/people/{person}/memberships/end`.
pub async fn end_membership(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    change_link(state, viewer, raw, form, LinkChange::EndMembership).await
}

/// `POST /admin/people/{person}/supports`.
pub async fn add_support(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    change_link(state, viewer, raw, form, LinkChange::AddSupport).await
}

/// `POST /admin/people/{person}/supports/end`.
pub async fn end_support(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    change_link(state, viewer, raw, form, LinkChange::EndSupport).await
}

/// `POST /admin/teams`.
pub async fn create_team(
    State(state): State<AppState>,
    viewer: Viewer,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    authz::require(&viewer.actor, Action::CreateTeam, &Resource::Org, "teams")?;
    let name = Name::parse(form.text("name"))?;
    state
        .store
        .create_team(Some(viewer.actor.person_id()), name)
        .await
        .map(written)?;
    Ok(see_other("/admin?done=team"))
}

/// `POST /admin/outcomes`.
pub async fn create_outcome(
    State(state): State<AppState>,
    viewer: Viewer,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    authz::require(
        &viewer.actor,
        Action::CreateOutcome,
        &Resource::Org,
        "outcomes",
    )?;
    let mut fields = Fields::new();
    let key = fields.check(OutcomeKey::parse(form.text("key")));
    let name = fields.check(Name::parse(form.text("name")));
    let target_minutes = match form.text("target_hours").parse::<u32>() {
        Ok(hours) if (1..=24 * 365).contains(&hours) => Some(hours * 60),
        _ => {
            fields.push("target_hours", "must be a whole number of hours, 1 or more");
            None
        }
    };
    let mut team_ids = Vec::new();
    for raw in form.all("teams") {
        match team_id(raw) {
            Ok(id) => team_ids.push(id),
            Err(_) => fields.push("teams", "choose teams from the list"),
        }
    }
    let (key, name, target_minutes) = fields.done(|| Some((key?, name?, target_minutes?)))?;
    state
        .store
        .create_outcome(
            Some(viewer.actor.person_id()),
            NewOutcome {
                key,
                name,
                success_criteria: form.text("success_criteria").to_owned(),
                target_minutes,
                team_ids,
            },
        )
        .await
        .map(written)?;
    Ok(see_other("/admin?done=outcome"))
}
