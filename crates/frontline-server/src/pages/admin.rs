//! Administration pages, for support employees holding `admin` (as `authz` decides): people
//! (create, change, passwords), their team memberships and support links, teams and
//! outcomes. The forms post to `admin_forms`; a short `?done=` word after the redirect picks
//! a fixed confirmation message (never text from the URL).

use askama::Template;
use axum::extract::{Path, Query, State};
use frontline_core::org::in_force;
use frontline_core::{Role, TeamId};
use frontline_store::{PageRequest, PeopleFilter};
use serde::Deserialize;

use super::layout::{Layout, PageResult, page};
use super::org::target_words;
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::lookup::load_person;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct AdminQuery {
    role: Option<String>,
    q: Option<String>,
    done: Option<String>,
}

/// The confirmation shown after a successful form.
fn done_message(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "created" => "The person was created.",
        "saved" => "Changes saved.",
        "password" => "The password was set.",
        "member" => "Added to the team.",
        "member-ended" => "The membership was ended.",
        "support" => "The support link was added.",
        "support-ended" => "The support link was ended.",
        "team" => "The team was created.",
        "outcome" => "The outcome was created.",
        _ => return None,
    })
}

pub struct PersonItem {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub admin: bool,
    pub title: String,
}

pub struct TeamItem {
    pub id: String,
    pub name: String,
}

pub struct OutcomeItem {
    pub name: String,
    pub key: String,
    pub target: String,
}

#[derive(Template)]
#[template(path = "pages/admin.html")]
struct AdminPage {
    layout: Layout,
    notice: Option<&'static str>,
    role: String,
    q: String,
    people: Vec<PersonItem>,
    more: bool,
    teams: Vec<TeamItem>,
    outcomes: Vec<OutcomeItem>,
}

/// `GET /admin`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AdminQuery>,
) -> PageResult {
    authz::require(&viewer.actor, Action::CreatePerson, &Resource::Org, "admin")?;
    let role = query.role.as_deref().unwrap_or("").parse::<Role>().ok();
    let q = query.q.clone().unwrap_or_default().trim().to_owned();
    let found = state
        .store
        .list_people(
            PeopleFilter {
                role,
                text: (!q.is_empty()).then(|| q.clone()),
            },
            PageRequest::first(200),
        )
        .await?;
    let people = found
        .items
        .iter()
        .map(|p| PersonItem {
            id: p.id.to_string(),
            name: p.name.to_string(),
            email: p.email.to_string(),
            role: p.role.to_string(),
            admin: p.admin,
            title: p.title.clone().unwrap_or_default(),
        })
        .collect();
    let mut teams: Vec<TeamItem> = state
        .store
        .list_teams()
        .await?
        .iter()
        .map(|t| TeamItem {
            id: t.id.to_string(),
            name: t.name.to_string(),
        })
        .collect();
    teams.sort_by(|a, b| a.name.cmp(&b.name));
    let mut outcomes: Vec<OutcomeItem> = state
        .store
        .list_outcomes()
        .await?
        .iter()
        .map(|o| OutcomeItem {
            name: o.name.to_string(),
            key: o.key.to_string(),
            target: target_words(o.target_minutes),
        })
        .collect();
    outcomes.sort_by(|a, b| a.name.cmp(&b.name));
    page(&AdminPage {
        layout: Layout::new(&viewer, "Admin", "/admin"),
        notice: done_message(query.done.as_deref()),
        role: role.map(|r| r.to_string()).unwrap_or_default(),
        q,
        people,
        more: found.has_more,
        teams,
        outcomes,
    })
}

pub struct LinkItem {
    pub team_id: String,
    pub team: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "pages/admin_person.html")]
struct PersonPage {
    layout: Layout,
    notice: Option<&'static str>,
    id: String,
    name: String,
    email: String,
    role: String,
    title: String,
    admin: bool,
    capacity: u32,
    available: bool,
    is_support: bool,
    memberships: Vec<LinkItem>,
    supports: Vec<LinkItem>,
    /// Teams the person could join (not a current member) or support.
    join: Vec<TeamItem>,
    support_options: Vec<TeamItem>,
}

/// `GET /admin/people/{person}`.
pub async fn person(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(query): Query<AdminQuery>,
) -> PageResult {
    let person = load_person(&state, &viewer.actor, &raw, Action::UpdatePerson).await?;
    let now = state.now();
    let teams = state.store.list_teams().await?;
    let name_of = |id: TeamId| {
        teams
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.name.to_string())
            .unwrap_or_default()
    };
    let current: Vec<_> = state
        .store
        .list_memberships(None, Some(person.id))
        .await?
        .into_iter()
        .filter(|m| in_force(m.from, m.to, now))
        .collect();
    let links: Vec<_> = state
        .store
        .list_supports(None)
        .await?
        .into_iter()
        .filter(|l| l.support_id == person.id && in_force(l.from, l.to, now))
        .collect();
    let item = |team_id: TeamId, from| LinkItem {
        team_id: team_id.to_string(),
        team: name_of(team_id),
        since: super::layout::when(from),
    };
    let options = |taken: &[TeamId]| {
        let mut v: Vec<TeamItem> = teams
            .iter()
            .filter(|t| !taken.contains(&t.id))
            .map(|t| TeamItem {
                id: t.id.to_string(),
                name: t.name.to_string(),
            })
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    };
    let member_of: Vec<TeamId> = current.iter().map(|m| m.team_id).collect();
    let supporting: Vec<TeamId> = links.iter().map(|l| l.team_id).collect();
    page(&PersonPage {
        layout: Layout::new(&viewer, person.name.to_string(), "/admin"),
        notice: done_message(query.done.as_deref()),
        id: person.id.to_string(),
        name: person.name.to_string(),
        email: person.email.to_string(),
        role: person.role.to_string(),
        title: person.title.clone().unwrap_or_default(),
        admin: person.admin,
        capacity: person.capacity,
        available: person.available,
        is_support: person.role == Role::Support,
        memberships: current.iter().map(|m| item(m.team_id, m.from)).collect(),
        supports: links.iter().map(|l| item(l.team_id, l.from)).collect(),
        join: options(&member_of),
        support_options: options(&supporting),
    })
}
