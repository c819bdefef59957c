//! The outcome scoreboard as a use case: the period a query asks for, each outcome's score with
//! links to the cases behind every figure, and the CSV export. The API (JSON and CSV) and the
//! page call the same `load`, so the page, the JSON and the CSV never disagree.

use std::time::Instant;

use frontline_core::feeling::figures::MIN_RESPONDENTS;
use frontline_core::scoreboard::{self, OutcomeScore};
use frontline_core::{Outcome, OutcomeId, Timestamp, time};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::cases::CaseQuery;
use crate::dates::{DayEdge, parse_at};
use crate::error::{AppError, Result};
use crate::paging;
use crate::state::AppState;

/// The default period: this many days up to now.
pub const DEFAULT_DAYS: i64 = 90;

/// The longest period (about five years): the read holds one row per case in it.
pub const MAX_DAYS: i64 = 1_830;

/// The cases a scoreboard counts: opened at or after `from` and at or before `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: Timestamp,
    /// Inclusive: the last millisecond counted.
    pub to: Timestamp,
}

impl Period {
    /// The exclusive end the store reads up to.
    pub fn until(&self) -> Timestamp {
        time::from_millis(self.to.as_millisecond().saturating_add(1))
    }
}

/// Parse and check a period (shared with the page): bad dates, `from` after `to` and periods
/// longer than [`MAX_DAYS`] are refused with the field named.
pub fn period(from: Option<&str>, to: Option<&str>, now: Timestamp) -> Result<Period> {
    fn present(raw: Option<&str>) -> Option<&str> {
        raw.map(str::trim).filter(|r| !r.is_empty())
    }
    let to = match present(to) {
        None => now,
        Some(raw) => parse_at("to", raw, DayEdge::End)?,
    };
    let from = match present(from) {
        None => time::from_millis(to.as_millisecond() - DEFAULT_DAYS * 24 * 3_600_000),
        Some(raw) => parse_at("from", raw, DayEdge::Start)?,
    };
    if from > to {
        return Err(AppError::field(
            "from",
            format!("{from} is after to ({to}): the period must start before it ends"),
        ));
    }
    if to.as_millisecond() - from.as_millisecond() > MAX_DAYS * 24 * 3_600_000 {
        return Err(AppError::field(
            "from",
            format!(
                "the period is longer than {MAX_DAYS} days (about five years): choose a later from or an earlier to"
            ),
        ));
    }
    Ok(Period { from, to })
}

/// Where each figure of a row leads: the case list filtered to exactly its cases.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ScoreLinks {
    pub cases: String,
    pub resolved: String,
    /// Also behind the achieved rate, the median and the 90th percentile.
    pub achieved: String,
    pub not_achieved: String,
    pub within_target: String,
    pub over_target: String,
    pub customer_ratings: String,
    /// Cases with an employee's own feeling (only linked when the figure is shown).
    pub employee_feelings: Option<String>,
}

/// One outcome's figures (see `frontline_core::scoreboard` for the definitions).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ScoreRow {
    #[schema(value_type = String)]
    pub outcome_id: OutcomeId,
    pub key: String,
    pub name: String,
    /// The outcome's target time from opening to outcome.
    pub target_minutes: u32,
    /// Opened in the period.
    pub cases: u32,
    /// Of those, resolved or closed now.
    pub resolved: u32,
    /// Resolved with the outcome achieved.
    pub achieved: u32,
    /// Resolved with the outcome not achieved.
    pub not_achieved: u32,
    /// Achieved over resolved, 0 to 1; null when nothing is resolved.
    pub achieved_rate: Option<f64>,
    /// Median time from opening to resolution of the achieved cases, in minutes.
    pub median_minutes: Option<u64>,
    /// 90th percentile (nearest rank) of the same, in minutes.
    pub p90_minutes: Option<u64>,
    /// Achieved cases that took at most the target.
    pub within_target: u32,
    /// Achieved cases that took longer than the target.
    pub over_target: u32,
    /// Within target over achieved, 0 to 1; null with no achieved case.
    pub within_target_share: Option<f64>,
    /// Customers' mean rating (1–5) of these cases; null with none.
    pub customer_rating: Option<f64>,
    pub customer_ratings: u32,
    /// Employees' mean own feeling (1–5) about these cases; null unless at least
    /// `min_respondents` different employees answered.
    pub employee_feeling: Option<f64>,
    /// Different employees who recorded their own feeling about these cases.
    pub employee_respondents: u32,
    pub links: ScoreLinks,
}

/// The scoreboard of one period.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Scoreboard {
    /// The first instant counted.
    #[schema(value_type = String)]
    pub from: Timestamp,
    /// The last instant counted (inclusive).
    #[schema(value_type = String)]
    pub to: Timestamp,
    /// The fewest employees whose feelings are shown together.
    pub min_respondents: u32,
    /// One row per outcome, by name.
    pub outcomes: Vec<ScoreRow>,
}

/// The case-list query behind one figure, relative to `base` (the API's list or the page's).
pub fn links(base: &str, outcome: &Outcome, period: Period, employee_shown: bool) -> ScoreLinks {
    let all = CaseQuery {
        outcome: Some(outcome.key.to_string()),
        created_from: Some(period.from.to_string()),
        created_to: Some(period.to.to_string()),
        ..CaseQuery::default()
    };
    let resolved = || CaseQuery {
        resolved: Some(true),
        ..all.clone()
    };
    let achieved = || CaseQuery {
        achieved: Some("yes".into()),
        ..resolved()
    };
    let link = |q: CaseQuery| paging::link(base, &q);
    ScoreLinks {
        cases: link(all.clone()),
        resolved: link(resolved()),
        achieved: link(achieved()),
        not_achieved: link(CaseQuery {
            achieved: Some("no".into()),
            ..resolved()
        }),
        within_target: link(CaseQuery {
            over_target: Some(false),
            ..achieved()
        }),
        over_target: link(CaseQuery {
            over_target: Some(true),
            ..achieved()
        }),
        customer_ratings: link(CaseQuery {
            feeling: Some("customer".into()),
            ..all.clone()
        }),
        employee_feelings: employee_shown.then(|| {
            link(CaseQuery {
                feeling: Some("own".into()),
                ..all.clone()
            })
        }),
    }
}

fn row(base: &str, outcome: &Outcome, score: &OutcomeScore, period: Period) -> ScoreRow {
    ScoreRow {
        outcome_id: outcome.id,
        key: outcome.key.to_string(),
        name: outcome.name.to_string(),
        target_minutes: score.target_minutes,
        cases: score.cases,
        resolved: score.resolved,
        achieved: score.achieved,
        not_achieved: score.not_achieved,
        achieved_rate: score.achieved_rate,
        median_minutes: score.time_to_outcome.map(|t| t.median_minutes),
        p90_minutes: score.time_to_outcome.map(|t| t.p90_minutes),
        within_target: score.within_target,
        over_target: score.over_target,
        within_target_share: score.within_target_share,
        customer_rating: score.customer.map(|m| m.mean),
        customer_ratings: score.customer.map_or(0, |m| m.count),
        employee_feeling: score.employee.mean,
        employee_respondents: score.employee.respondents,
        links: links(base, outcome, period, score.employee.mean.is_some()),
    }
}

/// Check that `actor` may read the scoreboard, read the period's rows (one store call) and
/// compute it. `base` is the case list the links point at.
pub async fn load(
    state: &AppState,
    actor: &Actor,
    period: Period,
    base: &str,
) -> Result<Scoreboard> {
    authz::require(actor, Action::ReadScoreboard, &Resource::Org, "scoreboard")?;
    let mut outcomes = state.store.list_outcomes().await?;
    outcomes.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()).then(a.id.cmp(&b.id)));
    let started = Instant::now();
    let rows = state
        .store
        .scoreboard_rows(period.from, period.until())
        .await?;
    tracing::debug!(
        cases = rows.cases.len(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "scoreboard rows read"
    );
    let scores = scoreboard::score(&outcomes, &rows);
    Ok(Scoreboard {
        from: period.from,
        to: period.to,
        min_respondents: MIN_RESPONDENTS,
        outcomes: outcomes
            .iter()
            .zip(&scores)
            .map(|(outcome, score)| row(base, outcome, score, period))
            .collect(),
    })
}

/// The CSV header, in column order.
pub const CSV_COLUMNS: [&str; 19] = [
    "outcome_key",
    "outcome",
    "from",
    "to",
    "target_minutes",
    "cases",
    "resolved",
    "achieved",
    "not_achieved",
    "achieved_rate",
    "median_minutes",
    "p90_minutes",
    "within_target",
    "over_target",
    "within_target_share",
    "customer_rating",
    "customer_ratings",
    "employee_feeling",
    "employee_respondents",
];

/// The scoreboard as RFC 4180 CSV.
pub fn to_csv(board: &Scoreboard) -> String {
    let mut out = String::new();
    push_line(&mut out, CSV_COLUMNS.iter().map(|c| (*c).to_owned()));
    let opt = |v: Option<String>| v.unwrap_or_default();
    for r in &board.outcomes {
        push_line(
            &mut out,
            [
                text_cell(&r.key),
                text_cell(&r.name),
                board.from.to_string(),
                board.to.to_string(),
                r.target_minutes.to_string(),
                r.cases.to_string(),
                r.resolved.to_string(),
                r.achieved.to_string(),
                r.not_achieved.to_string(),
                opt(r.achieved_rate.map(|v| v.to_string())),
                opt(r.median_minutes.map(|v| v.to_string())),
                opt(r.p90_minutes.map(|v| v.to_string())),
                r.within_target.to_string(),
                r.over_target.to_string(),
                opt(r.within_target_share.map(|v| v.to_string())),
                opt(r.customer_rating.map(|v| v.to_string())),
                r.customer_ratings.to_string(),
                opt(r.employee_feeling.map(|v| v.to_string())),
                r.employee_respondents.to_string(),
            ],
        );
    }
    out
}

/// Text typed by people: a spreadsheet would run a cell starting with `=`, `+`, `-` or `@`
/// as a formula, so such a cell gets a leading `'` (shown as text, never executed).
fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn push_line(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&quote(&cell));
    }
    out.push_str("\r\n");
}

/// RFC 4180: a field holding a comma, a double quote or a line break is enclosed in double
/// quotes, and each double quote inside is doubled.
fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// The CSV export's file name (after its period) and contents.
pub fn csv_file(board: &Scoreboard) -> (String, String) {
    let name = format!(
        "scoreboard-{}-to-{}.csv",
        board.from.strftime("%Y-%m-%d"),
        board.to.strftime("%Y-%m-%d")
    );
    (name, to_csv(board))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_commas_quotes_and_line_breaks_are_quoted() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a, b"), "\"a, b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        assert_eq!(quote("cr\r\nlf"), "\"cr\r\nlf\"");
        assert_eq!(quote(""), "");
        let mut line = String::new();
        push_line(
            &mut line,
            ["a,b".to_owned(), "c".to_owned(), "\"".to_owned()],
        );
        assert_eq!(line, "\"a,b\",c,\"\"\"\"\r\n");
    }

    #[test]
    fn csv_text_that_a_spreadsheet_would_run_is_kept_as_text() {
        assert_eq!(text_cell("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(text_cell("@here"), "'@here");
        assert_eq!(text_cell("Refund, fast"), "Refund, fast");
    }

    #[test]
    fn a_period_defaults_to_ninety_days_and_refuses_bad_dates() {
        let p = period(None, Some("2026-03-31"), time::now()).unwrap();
        assert_eq!(p.to.to_string(), "2026-03-31T23:59:59.999Z");
        assert_eq!(p.until().to_string(), "2026-04-01T00:00:00Z");
        assert_eq!(
            p.to.as_millisecond() - p.from.as_millisecond(),
            DEFAULT_DAYS * 24 * 3_600_000
        );
        let p = period(Some("2026-03-01"), Some("2026-03-01"), time::now()).unwrap();
        assert_eq!(p.from.to_string(), "2026-03-01T00:00:00Z");
        for (from, to, field) in [
            (Some("yesterday"), None, "from"),
            (None, Some("2026-02-30"), "to"),
            (Some("2026-03-02"), Some("2026-03-01"), "from"),
            (Some("2010-01-01"), Some("2026-01-01"), "from"),
        ] {
            match period(from, to, time::now()) {
                Err(AppError::Invalid { errors, .. }) => assert_eq!(errors[0].field, field),
                other => panic!("{from:?}..{to:?} gave {other:?}"),
            }
        }
    }
}
