//! The organisation page: the inverted org chart (server-rendered SVG), the teams with their
//! current members (people in several teams are marked as such: teams overlap) and the
//! support employees serving them, the people directory, the outcomes, and the leaders'
//! customer-time ledger (`leaders::ledger_table`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use frontline_core::org::in_force;
use frontline_core::{Person, PersonId, Role, TeamId};
use frontline_store::{PageRequest, PeopleFilter};

use super::layout::{Layout, PageResult, page};
use super::orgchart::{self, Chart, ChartInput, SupportNode, TeamNode};
use super::viewer::Viewer;
use crate::app::AppState;
use crate::authz::{self, Action, Resource};
use crate::error::AppError;

pub struct MemberView {
    pub name: String,
    /// The member's other current teams (overlap).
    pub also: Vec<String>,
}

pub struct TeamView {
    pub name: String,
    pub members: Vec<MemberView>,
    pub supports: Vec<String>,
}

pub struct PersonRow {
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub title: String,
    pub teams: String,
    pub in_several: bool,
}

pub struct OutcomeRow {
    pub name: String,
    pub key: String,
    pub criteria: String,
    pub target: String,
    pub teams: String,
}

#[derive(Template)]
#[template(path = "pages/org.html")]
struct OrgPage {
    layout: Layout,
    chart: Chart,
    teams: Vec<TeamView>,
    people: Vec<PersonRow>,
    customers: usize,
    outcomes: Vec<OutcomeRow>,
    /// Leaders on the tools (`templates/pages/ledger_table.html`).
    ledger: super::leaders::LedgerTable,
}

/// Every person with `role`, all pages.
pub async fn everyone(state: &AppState, role: Role) -> Result<Vec<Person>, AppError> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = state
            .store
            .list_people(
                PeopleFilter {
                    role: Some(role),
                    text: None,
                },
                PageRequest { after, limit: 200 },
            )
            .await?;
        after = page.items.last().map(|p| p.id);
        all.extend(page.items);
        if !page.has_more || after.is_none() {
            return Ok(all);
        }
    }
}

/// A target time in words.
pub fn target_words(minutes: u32) -> String {
    match minutes {
        m if m % (24 * 60) == 0 => format!("{} d", m / (24 * 60)),
        m if m % 60 == 0 => format!("{} h", m / 60),
        m => format!("{m} min"),
    }
}

fn role_word(role: Role) -> &'static str {
    match role {
        Role::Customer => "Customer",
        Role::Employee => "Employee",
        Role::Support => "Support",
    }
}

/// `GET /org`.
pub async fn show(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    authz::require(
        &viewer.actor,
        Action::ListPeople,
        &Resource::Org,
        "organisation",
    )?;
    authz::require(
        &viewer.actor,
        Action::ListTeams,
        &Resource::Org,
        "organisation",
    )?;
    let now = frontline_core::time::now();
    let employees = everyone(&state, Role::Employee).await?;
    let supports = everyone(&state, Role::Support).await?;
    let customers = everyone(&state, Role::Customer).await?.len();
    let mut teams = state.store.list_teams().await?;
    teams.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
    let team_index: HashMap<TeamId, usize> =
        teams.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    let team_name = |id: &TeamId| {
        team_index
            .get(id)
            .and_then(|&i| teams.get(i))
            .map(|t| t.name.to_string())
            .unwrap_or_default()
    };

    let memberships: Vec<_> = state
        .store
        .list_memberships(None, None)
        .await?
        .into_iter()
        .filter(|m| in_force(m.from, m.to, now))
        .collect();
    let links: Vec<_> = state
        .store
        .list_supports(None)
        .await?
        .into_iter()
        .filter(|s| in_force(s.from, s.to, now))
        .collect();
    let mut teams_of: HashMap<PersonId, Vec<TeamId>> = HashMap::new();
    for m in &memberships {
        teams_of.entry(m.person_id).or_default().push(m.team_id);
    }
    let staff: Vec<&Person> = employees.iter().chain(&supports).collect();
    let name_of: HashMap<PersonId, String> =
        staff.iter().map(|p| (p.id, p.name.to_string())).collect();

    let team_views = teams
        .iter()
        .map(|team| {
            let mut members: Vec<MemberView> = memberships
                .iter()
                .filter(|m| m.team_id == team.id)
                .map(|m| MemberView {
                    name: name_of.get(&m.person_id).cloned().unwrap_or_default(),
                    also: teams_of
                        .get(&m.person_id)
                        .into_iter()
                        .flatten()
                        .filter(|t| **t != team.id)
                        .map(&team_name)
                        .collect(),
                })
                .collect();
            members.sort_by(|a, b| a.name.cmp(&b.name));
            TeamView {
                name: team.name.to_string(),
                members,
                supports: links
                    .iter()
                    .filter(|s| s.team_id == team.id)
                    .filter_map(|s| name_of.get(&s.support_id).cloned())
                    .collect(),
            }
        })
        .collect();

    let mut people: Vec<PersonRow> = staff
        .iter()
        .map(|p| {
            let mine = teams_of.get(&p.id).cloned().unwrap_or_default();
            PersonRow {
                name: p.name.to_string(),
                email: p.email.to_string(),
                role: role_word(p.role),
                title: p.title.clone().unwrap_or_default(),
                teams: mine.iter().map(&team_name).collect::<Vec<_>>().join(", "),
                in_several: mine.len() > 1,
            }
        })
        .collect();
    people.sort_by(|a, b| a.name.cmp(&b.name));

    let mut outcomes: Vec<OutcomeRow> = state
        .store
        .list_outcomes()
        .await?
        .iter()
        .map(|o| OutcomeRow {
            name: o.name.to_string(),
            key: o.key.to_string(),
            criteria: o.success_criteria.clone(),
            target: target_words(o.target_minutes),
            teams: o
                .team_ids
                .iter()
                .map(&team_name)
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    outcomes.sort_by(|a, b| a.name.cmp(&b.name));

    let chart = orgchart::layout(&chart_input(
        customers,
        &teams,
        &teams_of,
        &supports,
        &links,
        &team_index,
    ));
    page(&OrgPage {
        layout: Layout::new(&viewer, "Organisation", "/org"),
        chart,
        teams: team_views,
        people,
        customers,
        outcomes,
        ledger: super::leaders::ledger_table(&state, now).await?,
    })
}

/// The chart's input: the CEO is the support employee titled "CEO".
fn chart_input(
    customers: usize,
    teams: &[frontline_core::Team],
    teams_of: &HashMap<PersonId, Vec<TeamId>>,
    supports: &[Person],
    links: &[frontline_core::SupportLink],
    team_index: &HashMap<TeamId, usize>,
) -> ChartInput {
    let members_of = |id: TeamId| {
        teams_of
            .values()
            .filter(|teams| teams.contains(&id))
            .count()
    };
    let node = |p: &Person| SupportNode {
        name: p.name.to_string(),
        title: p.title.clone(),
        teams: links
            .iter()
            .filter(|l| l.support_id == p.id)
            .filter_map(|l| team_index.get(&l.team_id).copied())
            .collect(),
    };
    let is_ceo = |p: &Person| {
        p.title
            .as_deref()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("ceo"))
    };
    ChartInput {
        customers,
        teams: teams
            .iter()
            .map(|t| TeamNode {
                name: t.name.to_string(),
                members: members_of(t.id),
            })
            .collect(),
        supports: supports.iter().filter(|p| !is_ceo(p)).map(node).collect(),
        ceo: supports.iter().find(|p| is_ceo(p)).map(node),
    }
}
