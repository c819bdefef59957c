//! Find a case by number, words of its subject, or the customer's name or email, and the case
//! list behind every figure of the scoreboard: the page takes exactly the filters of
//! `GET /api/v1/cases` (`cases::case_filter` checks them for both), so a figure's link
//! lists the same cases on the page as through the API. A case number that the viewer may
//! open goes straight to the case. Customers search only their own cases: whether the viewer
//! may read other customers' cases is asked of `authz`.

use askama::Template;
use axum::extract::{RawQuery, State};
use frontline_core::{CaseNumber, PersonId};
use frontline_store::PageRequest;

use super::layout::{Layout, PageResult, page, see_other};
use super::rows::{CaseRow, case_row};
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::cases::{CaseQuery, case_filter};
use crate::error::AppError;
use crate::lookup::Names;
use crate::paging;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    searched: bool,
    /// What the list is narrowed to, in words ("opened 2026-09-01 to 2026-11-30", …).
    filters: Vec<String>,
    results: Vec<CaseRow>,
    next: Option<String>,
}

/// The query as the API reads it; anything it does not know is refused in words.
fn parse_query(raw: Option<&str>) -> Result<CaseQuery, AppError> {
    serde_urlencoded::from_str::<CaseQuery>(raw.unwrap_or("")).map_err(|e| {
        AppError::field(
            "query",
            format!("this address has a filter the case list does not know: {e}"),
        )
    })
}

/// The filters beyond the search words, in words, for the heading; empty when there are none.
fn describe(query: &CaseQuery) -> Vec<String> {
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let mut out = Vec::new();
    let day = |raw: &str| raw.get(..10).unwrap_or(raw).to_owned();
    if let Some(o) = given(&query.outcome) {
        out.push(format!("outcome {o}"));
    }
    if let Some(s) = given(&query.status) {
        out.push(format!("status {s}"));
    }
    let range = |what: &str, from: Option<&str>, to: Option<&str>| match (from, to) {
        (Some(f), Some(t)) => Some(format!("{what} {} to {}", day(f), day(t))),
        (Some(f), None) => Some(format!("{what} from {}", day(f))),
        (None, Some(t)) => Some(format!("{what} up to {}", day(t))),
        (None, None) => None,
    };
    out.extend(range(
        "opened",
        given(&query.created_from),
        given(&query.created_to),
    ));
    out.extend(range(
        "resolved",
        given(&query.resolved_from),
        given(&query.resolved_to),
    ));
    match query.resolved {
        Some(true) => out.push("resolved".into()),
        Some(false) => out.push("not resolved".into()),
        None => {}
    }
    if let Some(a) = given(&query.achieved) {
        out.push(format!("outcome achieved: {a}"));
    }
    match query.over_target {
        Some(true) => out.push("over the outcome's target time".into()),
        Some(false) => out.push("within the outcome's target time".into()),
        None => {}
    }
    match given(&query.feeling) {
        Some("customer") => out.push("rated by the customer".into()),
        Some("own") => out.push("with an employee's own feeling".into()),
        Some(kind) => out.push(format!("with a feeling of kind {kind}")),
        None => {}
    }
    if let Some(t) = given(&query.team) {
        out.push(format!("team {t}"));
    }
    if let Some(o) = given(&query.owner) {
        out.push(format!("owner {o}"));
    }
    if let Some(c) = given(&query.customer) {
        out.push(format!("customer {c}"));
    }
    if query.unassigned == Some(true) {
        out.push("nobody owns it".into());
    }
    out
}

/// `GET /search?q=` plus any filter of the case list.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    authz::require(&viewer.actor, Action::ListCases, &Resource::Org, "cases")?;
    let query = parse_query(raw.as_deref())?;
    let q = query.q.clone().unwrap_or_default().trim().to_owned();
    let filters = describe(&query);
    let mut results = Vec::new();
    let mut next = None;
    if !q.is_empty() || !filters.is_empty() {
        if filters.is_empty()
            && let Ok(number) = q.parse::<CaseNumber>()
            && let Ok(case) = state.store.get_case_by_number(number).await
            && viewer.can(
                Action::ReadCase,
                &Resource::Case {
                    customer_id: case.customer_id,
                },
            )
        {
            return Ok(see_other(&format!("/cases/{}", case.number)));
        }
        let limit = paging::limit(query.limit)?;
        let after = match &query.after {
            Some(raw) => Some(
                raw.parse::<CaseNumber>()
                    .map_err(|e| AppError::field("after", e.reason))?,
            ),
            None => None,
        };
        let mut filter = case_filter(&state, &viewer.actor, &query).await?;
        // Someone who may not read an arbitrary customer's case searches their own only.
        let anyone = viewer.can(
            Action::ReadCase,
            &Resource::Case {
                customer_id: PersonId::new(),
            },
        );
        if !anyone {
            filter.customer_id = Some(viewer.actor.person_id());
        }
        let found = state
            .store
            .list_cases(filter, PageRequest { after, limit })
            .await?;
        let now = state.now();
        let mut names = Names::default();
        names
            .prefetch_customers_and_owners(&state, &found.items)
            .await?;
        for case in &found.items {
            let resource = Resource::Case {
                customer_id: case.customer_id,
            };
            if viewer.can(Action::ReadCase, &resource) {
                results.push(case_row(&mut names, &state, case, now).await?);
            }
        }
        if found.has_more
            && let Some(last) = found.items.last()
        {
            next = Some(paging::link(
                "/search",
                &CaseQuery {
                    after: Some(last.number.to_string()),
                    ..query
                },
            ));
        }
    }
    page(&SearchPage {
        layout: Layout::new(&viewer, "Find a case", "/search"),
        searched: !q.is_empty() || !filters.is_empty(),
        q,
        filters,
        results,
        next,
    })
}
