//! `/feelings`: the CX/EX mirror (per team, customers' and employees' weekly feelings drawn
//! side by side as a server-rendered SVG, with their correlation), the feelings per team and
//! outcome with the observed/stated gap, and `/heroes`, the feed of customers' praise.

use askama::Template;
use axum::extract::{Query, State};
use frontline_core::feeling::figures::{EmployeeFigure, Gap, Mean, Mirror};
use serde::Deserialize;

use super::layout::{Layout, PageResult, page, when};
use super::viewer::Viewer;
use crate::feelings::{self, Named};
use crate::feelings::{mirror_params, window};
use crate::state::AppState;

const WIDTH: f64 = 400.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 30.0;
const RIGHT: f64 = 22.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

pub struct Point {
    pub x: String,
    pub y: String,
    pub title: String,
}

pub struct Tick {
    pub y: String,
    pub label: u8,
}

pub struct XLabel {
    pub x: String,
    pub label: String,
}

/// One team's mirror, laid out for the template.
pub struct MirrorChart {
    pub team: String,
    /// Polylines: one per run of consecutive weeks with a figure (a hidden or empty week
    /// breaks the line rather than drawing through it).
    pub customer_lines: Vec<String>,
    pub employee_lines: Vec<String>,
    pub customer_points: Vec<Point>,
    pub employee_points: Vec<Point>,
    pub ticks: Vec<Tick>,
    pub x_labels: Vec<XLabel>,
    pub summary: String,
    pub correlation: String,
    /// False when no week has a figure to draw (the chart would be empty).
    pub has_data: bool,
    pub hidden_weeks: usize,
    pub rows: Vec<MirrorRow>,
}

/// The same figures as a table, for screen readers and for reading exact numbers.
pub struct MirrorRow {
    pub week: String,
    pub customer: String,
    pub employee: String,
}

fn f(x: f64) -> String {
    format!("{x:.1}")
}

fn y_of(score: f64) -> f64 {
    let plot = HEIGHT - TOP - BOTTOM;
    TOP + plot * (5.0 - score) / 4.0
}

fn lines(points: &[Option<(f64, f64)>]) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Vec<String> = Vec::new();
    for p in points {
        match p {
            Some((x, y)) => run.push(format!("{},{}", f(*x), f(*y))),
            None => {
                if run.len() > 1 {
                    out.push(run.join(" "));
                }
                run.clear();
            }
        }
    }
    if run.len() > 1 {
        out.push(run.join(" "));
    }
    out
}

fn mean_text(mean: Option<Mean>) -> String {
    mean.map_or_else(
        || "no ratings".into(),
        |m| format!("{:.2} from {} ratings", m.mean, m.count),
    )
}

fn employee_text(e: &EmployeeFigure) -> String {
    match e.mean {
        Some(mean) => format!("{mean:.2} from {} people", e.respondents),
        None if e.respondents == 0 => "no answers".into(),
        None => format!("hidden: {} of 5 people answered", e.respondents),
    }
}

pub fn chart(named: &Named<Mirror>) -> MirrorChart {
    let weeks = &named.figures.weeks;
    let n = weeks.len().max(1);
    let step = (WIDTH - LEFT - RIGHT) / (n.saturating_sub(1).max(1)) as f64;
    let x_of = |i: usize| LEFT + step * i as f64;
    let mut customer = Vec::new();
    let mut employee = Vec::new();
    let mut customer_points = Vec::new();
    let mut employee_points = Vec::new();
    let mut rows = Vec::new();
    for (i, week) in weeks.iter().enumerate() {
        let x = x_of(i);
        customer.push(week.customer.map(|m| (x, y_of(m.mean))));
        employee.push(week.employee.mean.map(|m| (x, y_of(m))));
        if let Some(m) = week.customer {
            customer_points.push(Point {
                x: f(x),
                y: f(y_of(m.mean)),
                title: format!("{}: customers {}", week.week.key, mean_text(Some(m))),
            });
        }
        if let Some(mean) = week.employee.mean {
            employee_points.push(Point {
                x: f(x),
                y: f(y_of(mean)),
                title: format!(
                    "{}: employees {}",
                    week.week.key,
                    employee_text(&week.employee)
                ),
            });
        }
        rows.push(MirrorRow {
            week: week.week.key.clone(),
            customer: mean_text(week.customer),
            employee: employee_text(&week.employee),
        });
    }
    // Label about six weeks so the axis stays readable on a phone.
    let every = n.div_ceil(6).max(1);
    let x_labels = weeks
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0 || *i == n - 1)
        .map(|(i, w)| XLabel {
            x: f(x_of(i)),
            label: w
                .week
                .key
                .split_once('-')
                .map_or(w.week.key.clone(), |(_, wk)| wk.to_owned()),
        })
        .collect();
    let hidden_weeks = weeks
        .iter()
        .filter(|w| w.employee.hidden() && w.employee.respondents > 0)
        .count();
    let correlation = match named.figures.correlation {
        Some(c) => format!(
            "r = {:.2} over {} weeks with both figures ({})",
            c.r,
            c.weeks,
            strength(c.r)
        ),
        None => "not enough weeks with both figures to correlate (3 are needed)".into(),
    };
    let has_data = !customer_points.is_empty() || !employee_points.is_empty();
    MirrorChart {
        team: named.name.clone(),
        has_data,
        customer_lines: lines(&customer),
        employee_lines: lines(&employee),
        customer_points,
        employee_points,
        ticks: (1..=5)
            .map(|s| Tick {
                y: f(y_of(f64::from(s))),
                label: s,
            })
            .collect(),
        x_labels,
        summary: format!(
            "{}: customers' weekly mean rating and employees' weekly mean feeling, 1 to 5, over {} weeks; {}",
            named.name, n, correlation
        ),
        correlation,
        hidden_weeks,
        rows,
    }
}

fn strength(r: f64) -> &'static str {
    match r.abs() {
        a if a >= 0.7 => {
            if r > 0.0 {
                "strong, moving together"
            } else {
                "strong, moving apart"
            }
        }
        a if a >= 0.4 => {
            if r > 0.0 {
                "moderate, moving together"
            } else {
                "moderate, moving apart"
            }
        }
        _ => "weak",
    }
}

pub struct GroupRow {
    pub name: String,
    pub customer: String,
    pub emotions: String,
    pub gap: String,
    pub gap_class: &'static str,
    pub employee: Option<String>,
}

fn gap_text(gap: Option<Gap>) -> (String, &'static str) {
    match gap {
        None => ("no case with both".into(), ""),
        Some(g) => (
            format!(
                "{:+.2} (observed {:.2}, stated {:.2}, {} cases)",
                g.gap, g.observed, g.stated, g.cases
            ),
            if g.gap.abs() >= 1.0 { "gap-wide" } else { "" },
        ),
    }
}

fn group_row<K>(named: &Named<frontline_core::feeling::figures::GroupFeelings<K>>) -> GroupRow {
    let g = &named.figures;
    let (gap, gap_class) = gap_text(g.gap);
    GroupRow {
        name: named.name.clone(),
        customer: mean_text(g.customer),
        emotions: g
            .emotions
            .iter()
            .take(3)
            .map(|(e, n)| format!("{e} ({n})"))
            .collect::<Vec<_>>()
            .join(", "),
        gap,
        gap_class,
        employee: g.employee.as_ref().map(employee_text),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct FeelingsQuery {
    weeks: Option<u32>,
    team: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

pub struct TeamOption {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "pages/feelings.html")]
struct FeelingsPage {
    layout: Layout,
    charts: Vec<MirrorChart>,
    weeks: u32,
    teams: Vec<TeamOption>,
    since: String,
    until: String,
    team_rows: Vec<GroupRow>,
    outcome_rows: Vec<GroupRow>,
    min_respondents: u32,
    chart_width: f64,
    chart_height: f64,
    chart_left: f64,
    chart_right: f64,
    x_label_y: f64,
}

/// `GET /feelings`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<FeelingsQuery>,
) -> PageResult {
    let (weeks, team) = mirror_params(query.weeks, query.team.as_deref())?;
    let mirrors = feelings::mirror(&state, &viewer.actor, weeks, team).await?;
    let (since, until) = window(query.since.as_deref(), query.until.as_deref(), state.now())?;
    let figures = feelings::figures_between(&state, &viewer.actor, since, until).await?;
    let teams = state
        .store
        .list_teams()
        .await?
        .into_iter()
        .filter(|t| t.retired_at.is_none())
        .map(|t| TeamOption {
            selected: Some(t.id) == team,
            id: t.id.to_string(),
            name: t.name.to_string(),
        })
        .collect();
    page(&FeelingsPage {
        layout: Layout::new(&viewer, "Feelings", "/feelings"),
        charts: mirrors.iter().map(chart).collect(),
        weeks: weeks as u32,
        teams,
        since: since.strftime("%Y-%m-%d").to_string(),
        until: (until - jiff::SignedDuration::from_millis(1))
            .strftime("%Y-%m-%d")
            .to_string(),
        team_rows: figures.teams.iter().map(group_row).collect(),
        outcome_rows: figures.outcomes.iter().map(group_row).collect(),
        min_respondents: figures.min_respondents,
        chart_width: WIDTH,
        chart_height: HEIGHT,
        chart_left: LEFT,
        chart_right: WIDTH - RIGHT,
        x_label_y: HEIGHT - 8.0,
    })
}

pub struct HeroRow {
    pub case_number: String,
    pub owner: String,
    pub score: u8,
    pub emotion: String,
    pub quote: String,
    pub at: String,
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "pages/heroes.html")]
struct HeroesPage {
    layout: Layout,
    heroes: Vec<HeroRow>,
}

/// The praise rows for a page (the heroes feed, the cockpit's "praise for you").
pub async fn hero_rows(
    state: &AppState,
    viewer: &Viewer,
    owner: Option<frontline_core::PersonId>,
    since: Option<frontline_core::Timestamp>,
    limit: usize,
) -> Result<Vec<HeroRow>, crate::error::AppError> {
    let me = viewer.actor.person_id();
    Ok(feelings::heroes(state, &viewer.actor, owner, since, limit)
        .await?
        .into_iter()
        .map(|h| HeroRow {
            case_number: h.case_number.to_string(),
            mine: h.owner_id == Some(me),
            owner: h.owner_name.unwrap_or_else(|| "the team".into()),
            score: h.score,
            emotion: h.emotion.map(|e| e.to_string()).unwrap_or_default(),
            quote: h.quote,
            at: when(h.at),
        })
        .collect())
}

/// `GET /heroes`.
pub async fn heroes(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let heroes = hero_rows(&state, &viewer, None, None, 100).await?;
    page(&HeroesPage {
        layout: Layout::new(&viewer, "Heroes", "/heroes"),
        heroes,
    })
}
