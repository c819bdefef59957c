//! The asks figures page: per support employee and per layer, how fast asks were taken on
//! and resolved and how the askers rated the help (`asks::board`, as the API answers it).

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::asks::minutes;
use super::layout::{Layout, PageResult, page};
use super::viewer::Viewer;
use crate::asks::{board, figures_since};
use crate::authz::{self, Action, Resource};
use crate::state::AppState;

pub struct FigureRow {
    pub name: String,
    pub title: String,
    pub layer: String,
    pub active: usize,
    pub handled: usize,
    pub on_target: String,
    pub first_response: String,
    pub unblock: String,
    pub feeling: String,
    pub words: String,
}

#[derive(Template)]
#[template(path = "pages/ask_figures.html")]
struct FiguresPage {
    layout: Layout,
    since: String,
    people: Vec<FigureRow>,
    layers: Vec<FigureRow>,
    overall: FigureRow,
}

fn figure_row(
    name: String,
    title: String,
    layer: String,
    active: usize,
    f: &frontline_core::ask::AskFigures,
) -> FigureRow {
    let mins = |m: Option<i64>| {
        m.map_or("–".to_owned(), |m| {
            minutes(jiff::SignedDuration::from_mins(m))
        })
    };
    FigureRow {
        name,
        title,
        layer,
        active,
        handled: f.handled,
        on_target: (f.on_target * 100)
            .checked_div(f.handled)
            .map_or("–".into(), |p| format!("{p} %")),
        first_response: mins(f.median_minutes_to_first_response),
        unblock: mins(f.median_minutes_to_unblock),
        feeling: f
            .mean_feeling
            .map_or("–".into(), |m| format!("{m:.1} ({} said)", f.feelings)),
        words: f.words.join(", "),
    }
}

fn layer_name(layer: u32) -> String {
    match layer {
        0 => "outside the layers".into(),
        1 => "1 (serves the front line)".into(),
        n => n.to_string(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct FiguresQuery {
    since: Option<String>,
}

/// `GET /asks/figures`.
pub async fn figures(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<FiguresQuery>,
) -> PageResult {
    authz::require(
        &viewer.actor,
        Action::ReadAskFigures,
        &Resource::Org,
        "asks",
    )?;
    let since = figures_since(query.since.as_deref(), state.now())?;
    let board = board(&*state.store, since, state.now()).await?;
    let people = board
        .supporters
        .iter()
        .map(|s| {
            figure_row(
                s.name.clone(),
                s.title.clone().unwrap_or_default(),
                layer_name(s.layer),
                s.active,
                &s.figures,
            )
        })
        .collect();
    let layers = board
        .layers
        .iter()
        .map(|l| {
            let active = board
                .supporters
                .iter()
                .filter(|s| s.layer == l.layer)
                .map(|s| s.active)
                .sum();
            figure_row(
                format!("Layer {}", layer_name(l.layer)),
                match l.people {
                    1 => "1 person".to_owned(),
                    n => format!("{n} people"),
                },
                String::new(),
                active,
                &l.figures,
            )
        })
        .collect();
    let active = board.supporters.iter().map(|s| s.active).sum();
    page(&FiguresPage {
        layout: Layout::new(&viewer, "How support serves", "/asks"),
        since: board.since.strftime("%Y-%m-%d").to_string(),
        overall: figure_row(
            "Everyone".into(),
            String::new(),
            String::new(),
            active,
            &board.overall,
        ),
        people,
        layers,
    })
}
