//! Find cases by any word in them (the search box's language, `frontline_core::search`), and
//! the case list behind every figure of the scoreboard: the page takes exactly the filters of
//! `GET /api/v1/cases` and reads through the same `cases::find`, so a figure's link lists the
//! same cases on the page as through the API. A case number that the viewer may open goes
//! straight to the case. Customers search only their own cases (and never internal notes):
//! whether the viewer may read other customers' cases is asked of `authz`.

use askama::Template;
use axum::extract::{RawQuery, State};
use frontline_core::search::{self, Fragment};
use frontline_core::{CaseNumber, PersonId};

use super::layout::{Layout, PageResult, page, see_other};
use super::rows::{CaseRow, case_row};
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::cases::{CaseQuery, case_filter, find};
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
    results: Vec<Hit>,
    next: Option<String>,
    /// "23 cases", "1 case", "more than 10,000 cases".
    count: String,
    /// The viewer may find any customer's cases (and internal notes): the help lists the
    /// filters about people and teams.
    everyone: bool,
    /// Links to the same search in the other order, when the words make order a choice.
    best_first: Option<(bool, String, String)>,
}

/// A case found, its subject and snippet in pieces with the matched words apart.
struct Hit {
    row: CaseRow,
    subject: Vec<Fragment>,
    snippet: Vec<Fragment>,
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
    if let Some(t) = given(&query.tag) {
        out.push(format!("tagged {t}"));
    }
    if let Some(p) = given(&query.priority) {
        out.push(format!("priority {p}"));
    }
    if given(&query.has).is_some() {
        out.push("with a file".into());
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
    let mut count = String::new();
    let mut best_first = None;
    // Someone who may not read an arbitrary customer's case searches their own only.
    let everyone = viewer.can(
        Action::ReadCase,
        &Resource::Case {
            customer_id: PersonId::new(),
        },
    );
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
        let mut filter = case_filter(&state, &viewer.actor, &query).await?;
        if !everyone {
            filter.customer_id = Some(viewer.actor.person_id());
        }
        let words = filter.text.clone();
        let found = find(&state, filter, &query, true).await?;
        let now = state.now();
        let mut names = Names::default();
        names
            .prefetch_customers_and_owners(&state, &found.page.items)
            .await?;
        for case in &found.page.items {
            let resource = Resource::Case {
                customer_id: case.customer_id,
            };
            if viewer.can(Action::ReadCase, &resource) {
                let row = case_row(&mut names, &state, case, now).await?;
                let subject = match &words {
                    Some(w) => search::mark(w, case.subject.as_str()),
                    None => vec![Fragment {
                        text: case.subject.to_string(),
                        hit: false,
                    }],
                };
                let snippet = found
                    .snippets
                    .get(&case.id)
                    .map(|s| s.fragments())
                    .unwrap_or_default();
                results.push(Hit {
                    row,
                    subject,
                    snippet,
                });
            }
        }
        next = found.next.map(|q| paging::link("/search", &q));
        if let Some(total) = found.total {
            let n = total.count;
            count = match (total.exact, n) {
                (false, _) => format!("more than {} cases", thousands(n)),
                (true, 1) => "1 case".to_owned(),
                (true, _) => format!("{} cases", thousands(n)),
            };
        }
        if words.is_some() {
            let relevance = query.sort.as_deref() != Some("newest");
            let order = |sort: &str| {
                paging::link(
                    "/search",
                    &CaseQuery {
                        sort: Some(sort.to_owned()),
                        after: None,
                        offset: None,
                        ..query.clone()
                    },
                )
            };
            best_first = Some((relevance, order("relevance"), order("newest")));
        }
    }
    page(&SearchPage {
        layout: Layout::new(&viewer, "Find a case", "/search"),
        searched: !q.is_empty() || !filters.is_empty(),
        q,
        filters,
        results,
        next,
        count,
        everyone,
        best_first,
    })
}

/// `12345` as `12,345`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
