//! The back-test page of a rule version: had this version been live over the last `days`
//! days, which recorded verdicts would have been different (before → after), why, and on
//! which case. Computed by `guidelines::run_back_test`, exactly as the API answers it,
//! under the same authorisation (`ReadGuidelines`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::decision_view::{verdict_label, when_text};
use super::guidelines::{DayOption, day_options, parse_days};
use super::layout::{Layout, PageResult, render};
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::error::AppError;
use crate::guidelines::{back_test_days, rule_id, run_back_test};
use crate::state::AppState;

/// Back-test rows shown; the summary still counts them all.
const BACKTEST_ROWS: usize = 500;

pub struct ChangedRow {
    pub case_number: Option<String>,
    pub decided: String,
    pub before: &'static str,
    pub before_label: &'static str,
    pub after: &'static str,
    pub after_label: &'static str,
    pub why: Vec<String>,
}

#[derive(Template)]
#[template(path = "pages/backtest.html")]
struct BackTestPage {
    layout: Layout,
    rule_id: String,
    name: String,
    version: u32,
    status: &'static str,
    expression: Option<String>,
    days: u32,
    day_options: Vec<DayOption>,
    decisions: u32,
    applicable: u32,
    changed_count: usize,
    changed: Vec<ChangedRow>,
    skipped: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct BackTestQuery {
    days: Option<String>,
}

/// `GET /guidelines/rules/{rule}/versions/{version}/backtest?days=90`.
pub async fn back_test(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, version)): Path<(String, String)>,
    Query(query): Query<BackTestQuery>,
) -> PageResult {
    authz::require(
        &viewer.actor,
        Action::ReadGuidelines,
        &Resource::Org,
        "guidelines",
    )?;
    let id = rule_id(&raw)?;
    let version = version
        .parse::<u32>()
        .map_err(|_| AppError::not_found(format!("rule {raw} version {version}")))?;
    let days = back_test_days(parse_days(query.days.as_deref())?)?;
    let (candidate, result) = run_back_test(&state, &viewer.actor, id, version, days).await?;
    let mut numbers: HashMap<frontline_core::CaseId, Option<String>> = HashMap::new();
    let mut changed = Vec::new();
    for c in result.changed.iter().take(BACKTEST_ROWS) {
        let number = match numbers.get(&c.case_id) {
            Some(n) => n.clone(),
            None => {
                let n = match state.store.get_case(c.case_id).await {
                    Ok(case) => Some(case.number.to_string()),
                    Err(frontline_store::StoreError::NotFound { .. }) => None,
                    Err(e) => return Err(e.into()),
                };
                numbers.insert(c.case_id, n.clone());
                n
            }
        };
        changed.push(ChangedRow {
            case_number: number,
            decided: when_text(&c.decided_at),
            before: c.before.as_str(),
            before_label: verdict_label(c.before),
            after: c.after.as_str(),
            after_label: verdict_label(c.after),
            why: c.why.clone(),
        });
    }
    render(
        StatusCode::OK,
        &BackTestPage {
            layout: Layout::new(
                &viewer,
                format!("Back-test: {} v{}", candidate.name, candidate.version),
                "/guidelines",
            ),
            rule_id: candidate.rule_id.to_string(),
            name: candidate.name.clone(),
            version: candidate.version,
            status: candidate.status.as_str(),
            expression: candidate.expression.clone(),
            days: result.days,
            day_options: day_options(&[30, 90, 180, 365, 730], result.days),
            decisions: result.decisions,
            applicable: result.applicable,
            changed_count: result.changed.len(),
            changed,
            skipped: result.skipped,
        },
    )
}
