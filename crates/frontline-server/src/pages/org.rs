//! The organisation page, as of any date: the inverted org chart (server-rendered SVG) with
//! a month slider, the teams with their members (people in several teams are marked: teams
//! overlap) and supporters, the people, the timeline as a chart, the diff between two chosen
//! dates, the outcomes, and the leaders'
//! customer-time ledger (`leaders::ledger_table`). Everything dated comes from one `Store::org_history` read and
//! `frontline_core::org::history` (the same functions as `GET /api/v1/org…`).
//!
//! `GET /org?as_of=…&from=…&to=…` is the whole page and works without JavaScript (plain GET
//! forms); `GET /org/chart?as_of=…` is the as-of part alone, which the slider fetches and
//! swaps in.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use frontline_core::org::history::{OrgAsOf, OrgDiff, TeamKind, months};
use frontline_core::{OrgHistory, Person, PersonId, Role, TeamId, Timestamp};
use frontline_store::{PageRequest, PeopleFilter};
use jiff::SignedDuration;
use serde::Deserialize;

use super::layout::{Layout, PageResult, page};
use super::org_timeline::{self, TimelineChart};
use super::orgchart::{self, Chart};
use super::viewer::Viewer;
use crate::dates::instant_or;
use crate::error::AppError;
use crate::org_history::{beginning, load_history, timeline};
use crate::state::AppState;

pub struct MemberView {
    pub name: String,
    /// The member's other teams at that date (overlap).
    pub also: Vec<String>,
}

pub struct TeamView {
    pub name: String,
    /// Made only of support employees (e.g. Leadership).
    pub support_team: bool,
    pub members: Vec<MemberView>,
    pub supports: Vec<String>,
}

pub struct PersonRow {
    pub name: String,
    pub role: &'static str,
    pub title: String,
    pub teams: String,
    pub in_several: bool,
    /// e.g. "serves Billing, Returns" for support employees.
    pub serves: String,
}

pub struct OutcomeRow {
    pub name: String,
    pub key: String,
    pub criteria: String,
    pub target: String,
    pub teams: String,
}

/// The figures shown above the chart.
pub struct Summary {
    pub day: String,
    pub teams: usize,
    pub front_line: usize,
    pub employees: u32,
    pub support: u32,
    pub layers: u32,
    pub span_teams: String,
    pub span_people: String,
}

/// Everything that depends on the chosen date (also the slider's fragment).
pub struct AsOf {
    pub summary: Summary,
    pub chart: Chart,
    pub teams: Vec<TeamView>,
    pub people: Vec<PersonRow>,
}

/// The month slider: one stop per month from the first to this one.
pub struct Slider {
    pub max: usize,
    pub value: usize,
    /// Space-separated `YYYY-MM`, one per stop.
    pub months: String,
    /// Space-separated last day of each month (`YYYY-MM-DD`; this month: today).
    pub ends: String,
    pub label: String,
}

pub struct DiffLine {
    pub text: String,
}

pub struct DiffGroup {
    pub title: &'static str,
    pub lines: Vec<DiffLine>,
}

pub struct DiffSection {
    pub from: String,
    pub to: String,
    pub figures: String,
    pub groups: Vec<DiffGroup>,
    pub empty: bool,
}

#[derive(Template)]
#[template(path = "pages/org.html")]
struct OrgPage {
    layout: Layout,
    asof: AsOf,
    slider: Slider,
    timeline: TimelineChart,
    diff: DiffSection,
    customers: usize,
    outcomes: Vec<OutcomeRow>,
    /// Leaders on the tools (`templates/pages/ledger_table.html`).
    ledger: super::leaders::LedgerTable,
}

#[derive(Template)]
#[template(path = "pages/org_asof.html")]
struct AsOfFragment {
    asof: AsOf,
}

#[derive(Debug, Default, Deserialize)]
pub struct OrgQuery {
    as_of: Option<String>,
    from: Option<String>,
    to: Option<String>,
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

/// The UTC day of an instant, as a date input wants it.
fn day(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d").to_string()
}

fn list(names: impl IntoIterator<Item = String>) -> String {
    names.into_iter().collect::<Vec<_>>().join(", ")
}

fn as_of_view(org: &OrgAsOf, customers: usize) -> AsOf {
    let team_name: HashMap<TeamId, &str> =
        org.teams.iter().map(|t| (t.id, t.name.as_str())).collect();
    let person_name: HashMap<PersonId, &str> =
        org.people.iter().map(|p| (p.id, p.name.as_str())).collect();
    let teams_of: HashMap<PersonId, &Vec<TeamId>> =
        org.people.iter().map(|p| (p.id, &p.teams)).collect();
    let name_of = |id: &PersonId| person_name.get(id).copied().unwrap_or("").to_owned();
    let teams = org
        .teams
        .iter()
        .map(|team| TeamView {
            name: team.name.clone(),
            support_team: team.kind == TeamKind::Support,
            members: team
                .members
                .iter()
                .map(|m| MemberView {
                    name: name_of(m),
                    also: teams_of
                        .get(m)
                        .into_iter()
                        .flat_map(|ts| ts.iter())
                        .filter(|t| **t != team.id)
                        .filter_map(|t| team_name.get(t).map(|n| (*n).to_owned()))
                        .collect(),
                })
                .collect(),
            supports: team.supporters.iter().map(name_of).collect(),
        })
        .collect();
    let people = org
        .people
        .iter()
        .map(|p| PersonRow {
            name: p.name.clone(),
            role: role_word(p.role),
            title: p.title.clone().unwrap_or_default(),
            teams: list(
                p.teams
                    .iter()
                    .filter_map(|t| team_name.get(t).map(|n| (*n).to_owned())),
            ),
            in_several: p.teams.len() > 1,
            serves: list(
                p.supports
                    .iter()
                    .filter_map(|t| team_name.get(t).map(|n| (*n).to_owned())),
            ),
        })
        .collect();
    let headcount = org.headcount();
    let span = org.span();
    AsOf {
        summary: Summary {
            day: day(org.at),
            teams: org.teams.len(),
            front_line: org.front_line_teams(),
            employees: headcount.employee,
            support: headcount.support,
            layers: org.layers,
            span_teams: format!("{:.1}", span.teams),
            span_people: format!("{:.1}", span.people),
        },
        chart: orgchart::layout(&orgchart::from_org(org, customers)),
        teams,
        people,
    }
}

fn slider(history: &OrgHistory, at: Timestamp, now: Timestamp) -> Result<Slider, AppError> {
    let start = beginning(history, now);
    let stops = months(start, now).map_err(|e| AppError::field(e.field, e.reason))?;
    let chosen = at.strftime("%Y-%m").to_string();
    let value = stops
        .iter()
        .position(|(m, _)| *m == chosen)
        .unwrap_or(if at < start {
            0
        } else {
            stops.len().saturating_sub(1)
        });
    Ok(Slider {
        max: stops.len().saturating_sub(1),
        value,
        months: list(stops.iter().map(|(m, _)| m.clone())).replace(", ", " "),
        ends: list(stops.iter().map(|(_, end)| day(*end))).replace(", ", " "),
        label: chosen,
    })
}

fn diff_section(diff: &OrgDiff) -> DiffSection {
    let teams = |list: &[frontline_core::org::history::TeamRef]| {
        list.iter()
            .map(|t| t.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let title = |t: &Option<String>| t.as_deref().map(|t| format!(" ({t})")).unwrap_or_default();
    let mut groups = Vec::new();
    let mut group = |title: &'static str, lines: Vec<String>| {
        if !lines.is_empty() {
            groups.push(DiffGroup {
                title,
                lines: lines.into_iter().map(|text| DiffLine { text }).collect(),
            });
        }
    };
    group(
        "Joined",
        diff.joined
            .iter()
            .map(|p| {
                let into = if p.teams.is_empty() {
                    teams(&p.supports)
                } else {
                    teams(&p.teams)
                };
                format!("{}, {}{}: {into}", p.name, p.role, title(&p.title))
            })
            .collect(),
    );
    group(
        "Left",
        diff.left
            .iter()
            .map(|p| format!("{}, {}{}", p.name, p.role, title(&p.title)))
            .collect(),
    );
    group(
        "Moved",
        diff.moved
            .iter()
            .map(|m| {
                let from = teams(&m.left_teams);
                let to = teams(&m.joined_teams);
                match (from.is_empty(), to.is_empty()) {
                    (false, false) => format!("{}: from {from} to {to}", m.name),
                    (true, _) => format!("{}: also joined {to}", m.name),
                    (_, true) => format!("{}: left {from}", m.name),
                }
            })
            .collect(),
    );
    group(
        "Role or title changed",
        diff.role_changes
            .iter()
            .map(|r| {
                format!(
                    "{}: {}{} → {}{}",
                    r.name,
                    r.from_role,
                    title(&r.from_title),
                    r.to_role,
                    title(&r.to_title)
                )
            })
            .collect(),
    );
    group(
        "Teams created",
        diff.teams_created.iter().map(|t| t.name.clone()).collect(),
    );
    group(
        "Teams retired",
        diff.teams_retired.iter().map(|t| t.name.clone()).collect(),
    );
    group(
        "Support added",
        diff.supports_added
            .iter()
            .map(|s| format!("{} now supports {}", s.support_name, s.team.name))
            .collect(),
    );
    group(
        "Support ended",
        diff.supports_ended
            .iter()
            .map(|s| format!("{} no longer supports {}", s.support_name, s.team.name))
            .collect(),
    );
    DiffSection {
        from: day(diff.from),
        to: day(diff.to),
        figures: format!(
            "Layers {} → {}; teams {} → {}; employees {} → {}; support employees {} → {}.",
            diff.layers.from,
            diff.layers.to,
            diff.teams.from,
            diff.teams.to,
            diff.headcount.from.employee,
            diff.headcount.to.employee,
            diff.headcount.from.support,
            diff.headcount.to.support
        ),
        empty: groups.is_empty(),
        groups,
    }
}

/// Customers by then (people are never deleted, so those created by `at`).
async fn customers(state: &AppState, at: Timestamp) -> Result<usize, AppError> {
    let all = everyone(state, Role::Customer).await?;
    Ok(all.iter().filter(|c| c.created_at <= at).count())
}

/// `GET /org`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<OrgQuery>,
) -> PageResult {
    let now = state.now();
    let at = instant_or("as_of", query.as_of.as_deref(), now)?.min(now);
    let to = instant_or("to", query.to.as_deref(), at)?;
    let from = instant_or(
        "from",
        query.from.as_deref(),
        to - SignedDuration::from_hours(365 * 24),
    )?;
    let history = load_history(&state, &viewer.actor).await?;
    let asof = as_of_view(&history.as_of(at), customers(&state, at).await?);
    let customers = customers(&state, now).await?;
    let slider = slider(&history, at, now)?;
    let start = beginning(&history, now);
    let points = timeline(&history, start, now)?;
    let diff = diff_section(&history.diff(from, to));

    let team_name: HashMap<TeamId, String> = history
        .teams
        .iter()
        .map(|t| (t.id, t.name.to_string()))
        .collect();
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
            teams: list(o.team_ids.iter().filter_map(|t| team_name.get(t).cloned())),
        })
        .collect();
    outcomes.sort_by(|a, b| a.name.cmp(&b.name));

    page(&OrgPage {
        layout: Layout::new(&viewer, "Organisation", "/org"),
        asof,
        slider,
        timeline: org_timeline::layout(&points),
        diff,
        customers,
        outcomes,
        ledger: super::leaders::ledger_table(&state, now).await?,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ChartQuery {
    as_of: Option<String>,
}

/// `GET /org/chart?as_of=…`: the as-of part of the page alone, for the slider.
pub async fn chart_fragment(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ChartQuery>,
) -> PageResult {
    let now = state.now();
    let at = instant_or("as_of", query.as_of.as_deref(), now)?.min(now);
    let history = load_history(&state, &viewer.actor).await?;
    page(&AsOfFragment {
        asof: as_of_view(&history.as_of(at), customers(&state, at).await?),
    })
}
