//! Find a case by number, words of its subject, or the customer's name or email. A case
//! number that the viewer may open goes straight to the case. Customers search only their
//! own cases: whether the viewer may read other customers' cases is asked of `authz`.

use askama::Template;
use axum::extract::{Query, State};
use frontline_core::{CaseNumber, PersonId};
use frontline_store::{CaseFilter, PageRequest};
use serde::Deserialize;

use super::layout::{Layout, PageResult, page, see_other};
use super::lookup::{CaseRow, Names};
use super::viewer::Viewer;
use crate::app::AppState;
use crate::authz::{self, Action, Resource};

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    searched: bool,
    results: Vec<CaseRow>,
}

/// `GET /search?q=`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<SearchQuery>,
) -> PageResult {
    authz::require(&viewer.actor, Action::ListCases, &Resource::Org, "cases")?;
    let q = query.q.unwrap_or_default().trim().to_owned();
    let mut results = Vec::new();
    if !q.is_empty() {
        if let Ok(number) = q.parse::<CaseNumber>()
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
        // Someone who may not read an arbitrary customer's case searches their own only.
        let anyone = viewer.can(
            Action::ReadCase,
            &Resource::Case {
                customer_id: PersonId::new(),
            },
        );
        let filter = CaseFilter {
            text: Some(q.clone()),
            customer_id: (!anyone).then_some(viewer.actor.person_id()),
            ..CaseFilter::default()
        };
        let found = state
            .store
            .list_cases(filter, PageRequest::first(50))
            .await?;
        let now = frontline_core::time::now();
        let mut names = Names::default();
        for case in &found.items {
            let resource = Resource::Case {
                customer_id: case.customer_id,
            };
            if viewer.can(Action::ReadCase, &resource) {
                results.push(names.row(&state, case, now).await?);
            }
        }
    }
    page(&SearchPage {
        layout: Layout::new(&viewer, "Find a case", "/search"),
        searched: !q.is_empty(),
        q,
        results,
    })
}
