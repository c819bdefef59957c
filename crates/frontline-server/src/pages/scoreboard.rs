//! `/scoreboard`: the outcome scoreboard as a page (one table row per outcome, every number a
//! link to the case search filtered to exactly its cases, a server-rendered SVG per outcome
//! drawing the achieved rate and the time to outcome against the target), the period form,
//! and `/scoreboard.csv`, the same figures as a download. The figures are
//! `scoreboard::load`'s, so the page, the JSON and the CSV never disagree.

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::layout::{Layout, PageResult, page};
use super::viewer::Viewer;
use crate::paging;
use crate::scoreboard::{self, Period, ScoreRow};
use crate::state::AppState;

/// The chart's size in SVG units; it scales to its cell.
const WIDTH: f64 = 220.0;
const BAR: f64 = 12.0;

#[derive(Debug, Default, Deserialize)]
pub struct ScoreboardPageQuery {
    from: Option<String>,
    to: Option<String>,
}

/// A figure and where it leads (no link when there is nothing behind it).
pub struct Figure {
    pub text: String,
    pub href: Option<String>,
}

impl Figure {
    fn linked(text: impl Into<String>, href: &str, count: u32) -> Self {
        Figure {
            text: text.into(),
            href: (count > 0).then(|| href.to_owned()),
        }
    }

    fn plain(text: impl Into<String>) -> Self {
        Figure {
            text: text.into(),
            href: None,
        }
    }
}

/// One outcome's row, with its figures in words and its chart laid out.
pub struct Row {
    pub name: String,
    pub target: String,
    /// In the table's column order: cases, resolved, achieved, rate, median, 90th
    /// percentile, within target, over target, customers, employees.
    pub figures: Vec<Figure>,
    pub chart: Chart,
}

/// Two bars: the achieved rate (of 100 %), and the median time to outcome with the 90th
/// percentile and the target marked on one time scale.
pub struct Chart {
    pub label: String,
    pub rate_width: String,
    pub rate_title: String,
    pub time_width: String,
    pub time_class: &'static str,
    pub time_title: String,
    pub p90_x: Option<String>,
    pub target_x: String,
    pub width: f64,
    pub bar: f64,
    pub time_y: f64,
    pub height: f64,
}

fn f(x: f64) -> String {
    format!("{x:.1}")
}

/// A duration in minutes, in the unit a person reads best.
pub fn duration_text(minutes: u64) -> String {
    match minutes {
        m if m < 120 => format!("{m} min"),
        m if m < 48 * 60 => format!("{:.1} h", m as f64 / 60.0),
        m => format!("{:.1} d", m as f64 / (24.0 * 60.0)),
    }
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".into(), |s| format!("{:.0} %", s * 100.0))
}

fn chart(r: &ScoreRow) -> Chart {
    let rate = r.achieved_rate.unwrap_or(0.0).clamp(0.0, 1.0);
    let target = f64::from(r.target_minutes.max(1));
    let median = r.median_minutes.map(|m| m as f64);
    let p90 = r.p90_minutes.map(|m| m as f64);
    // One scale for the median, the 90th percentile and the target, with a little room.
    let scale_max = p90.unwrap_or(0.0).max(target) * 1.1;
    let x = |minutes: f64| WIDTH * (minutes / scale_max).clamp(0.0, 1.0);
    let rate_title = match r.achieved_rate {
        Some(_) => format!(
            "Achieved {} of {} resolved ({})",
            r.achieved,
            r.resolved,
            percent(r.achieved_rate)
        ),
        None => "Nothing resolved yet".into(),
    };
    let time_title = match (r.median_minutes, r.p90_minutes) {
        (Some(m), Some(p)) => format!(
            "Median {}, 90th percentile {}, target {}",
            duration_text(m),
            duration_text(p),
            duration_text(u64::from(r.target_minutes))
        ),
        _ => format!(
            "No achieved case yet; target {}",
            duration_text(u64::from(r.target_minutes))
        ),
    };
    Chart {
        label: format!("{}: {rate_title}. {time_title}.", r.name),
        rate_width: f(WIDTH * rate),
        rate_title,
        time_width: f(median.map_or(0.0, x)),
        time_class: match median {
            Some(m) if m > target => "sb-late",
            _ => "sb-ontime",
        },
        time_title,
        p90_x: p90.map(|p| f(x(p))),
        target_x: f(x(target)),
        width: WIDTH,
        bar: BAR,
        time_y: BAR + 8.0,
        height: 2.0 * BAR + 8.0,
    }
}

fn row(r: &ScoreRow, min_respondents: u32) -> Row {
    let l = &r.links;
    let time = |m: Option<u64>| m.map_or_else(|| "–".into(), duration_text);
    let figures = vec![
        Figure::linked(r.cases.to_string(), &l.cases, r.cases),
        Figure::linked(r.resolved.to_string(), &l.resolved, r.resolved),
        Figure::linked(r.achieved.to_string(), &l.achieved, r.achieved),
        // The rate's cases are the resolved ones it divides by.
        Figure::linked(percent(r.achieved_rate), &l.resolved, r.resolved),
        Figure::linked(time(r.median_minutes), &l.achieved, r.achieved),
        Figure::linked(time(r.p90_minutes), &l.achieved, r.achieved),
        Figure::linked(
            format!("{} ({})", r.within_target, percent(r.within_target_share)),
            &l.within_target,
            r.within_target,
        ),
        Figure::linked(r.over_target.to_string(), &l.over_target, r.over_target),
        match r.customer_rating {
            Some(mean) => Figure::linked(
                format!("{mean:.2} from {}", r.customer_ratings),
                &l.customer_ratings,
                r.customer_ratings,
            ),
            None => Figure::plain("no ratings"),
        },
        match (r.employee_feeling, &l.employee_feelings) {
            (Some(mean), Some(href)) => Figure {
                text: format!("{mean:.2} from {} people", r.employee_respondents),
                href: Some(href.clone()),
            },
            _ if r.employee_respondents == 0 => Figure::plain("no answers"),
            _ => Figure::plain(format!("fewer than {min_respondents} people answered")),
        },
    ];
    Row {
        name: r.name.clone(),
        target: duration_text(u64::from(r.target_minutes)),
        figures,
        chart: chart(r),
    }
}

#[derive(Template)]
#[template(path = "pages/scoreboard.html")]
struct ScoreboardPage {
    layout: Layout,
    from: String,
    to: String,
    csv: String,
    rows: Vec<Row>,
    total_cases: u32,
    min_respondents: u32,
}

/// `GET /scoreboard?from=&to=`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ScoreboardPageQuery>,
) -> PageResult {
    let period = scoreboard::period(query.from.as_deref(), query.to.as_deref(), state.now())?;
    let board = scoreboard::load(&state, &viewer.actor, period, "/search").await?;
    let day = |t: frontline_core::Timestamp| t.strftime("%Y-%m-%d").to_string();
    page(&ScoreboardPage {
        layout: Layout::new(&viewer, "Outcome scoreboard", "/scoreboard"),
        from: day(period.from),
        to: day(period.to),
        csv: csv_link(period),
        total_cases: board.outcomes.iter().map(|r| r.cases).sum(),
        rows: board
            .outcomes
            .iter()
            .map(|r| row(r, board.min_respondents))
            .collect(),
        min_respondents: board.min_respondents,
    })
}

/// The download of exactly the period shown (the instants, so "now" does not move).
fn csv_link(period: Period) -> String {
    #[derive(serde::Serialize)]
    struct CsvQuery {
        from: String,
        to: String,
    }
    paging::link(
        "/scoreboard.csv",
        &CsvQuery {
            from: period.from.to_string(),
            to: period.to.to_string(),
        },
    )
}

/// `GET /scoreboard.csv?from=&to=`: the download, for a signed-in browser.
pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ScoreboardPageQuery>,
) -> PageResult {
    let period = scoreboard::period(query.from.as_deref(), query.to.as_deref(), state.now())?;
    let board = scoreboard::load(&state, &viewer.actor, period, "/search").await?;
    let (name, body) = scoreboard::csv_file(&board);
    Ok(crate::middleware::csv_download(&name, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_minutes_hours_or_days() {
        assert_eq!(duration_text(45), "45 min");
        assert_eq!(duration_text(119), "119 min");
        assert_eq!(duration_text(150), "2.5 h");
        assert_eq!(duration_text(3 * 24 * 60), "3.0 d");
    }
}
