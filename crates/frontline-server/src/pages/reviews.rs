//! The review queue and "my decisions". Support employees see the decisions taken outside a
//! guideline that nobody has reviewed yet (case, who, kind, facts, the rules not held and why,
//! the explanation) and uphold, coach or reverse them, with a comment to coach or reverse.
//! Nobody reviews their own decision: `authz` refuses it (403), and the page says so in
//! words. Everyone on staff sees their own decisions with how they were judged.
//!
//! The review form goes through `decisions::review`, exactly as the API.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use frontline_core::{CaseId, DecisionId, PersonId};
use frontline_store::Decision;
use serde::Deserialize;

use super::decision_view::{self, DecisionItem, sentence};
use super::form::FormData;
use super::layout::{Layout, PageResult, render, see_other};
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::decisions::{DecisionQuery, ReviewBody, cursor, decision_filter, review as api_review};
use crate::error::AppError;
use crate::lookup::Names;
use crate::state::AppState;

/// Decisions per list and page.
const PAGE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ReviewsQuery {
    /// The queue's next page.
    before: Option<String>,
    /// "My decisions"' next page.
    mine_before: Option<String>,
    done: Option<String>,
}

fn done_message(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "uphold" => "The decision was upheld.",
        "coach" => "The decision was reviewed; your coaching is on its way to the employee.",
        "reverse" => "The decision was reversed; the employee sees your comment.",
        _ => return None,
    })
}

/// A refused review, to show at its decision.
struct Refusal {
    decision: String,
    message: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "pages/reviews.html")]
struct ReviewsPage {
    layout: Layout,
    notice: Option<&'static str>,
    /// A refusal about a decision not in the queue (already reviewed, say).
    problem: Option<String>,
    reviewer: bool,
    queue: Vec<DecisionItem>,
    queue_next: Option<String>,
    mine: Vec<DecisionItem>,
    mine_next: Option<String>,
}

/// `GET /reviews`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ReviewsQuery>,
) -> PageResult {
    render_page(&state, &viewer, &query, None, StatusCode::OK).await
}

async fn page_of(
    state: &AppState,
    viewer: &Viewer,
    query: DecisionQuery,
) -> Result<(Vec<Decision>, Option<String>), AppError> {
    let filter = decision_filter(&viewer.actor, &query)?;
    let mut items = state.store.list_decisions(filter, PAGE + 1).await?;
    let more = items.len() > PAGE as usize;
    items.truncate(PAGE as usize);
    // The cursor goes into a link: encode it once here (the template escapes it for HTML).
    let next = if more {
        items
            .last()
            .map(|last| form_urlencoded::byte_serialize(cursor(last).as_bytes()).collect())
    } else {
        None
    };
    Ok((items, next))
}

async fn case_numbers(
    state: &AppState,
    numbers: &mut HashMap<CaseId, String>,
    decisions: &[Decision],
    rows: &mut [DecisionItem],
) -> Result<(), AppError> {
    for (d, row) in decisions.iter().zip(rows.iter_mut()) {
        row.case_number = match numbers.get(&d.case_id) {
            Some(number) => number.clone(),
            None => {
                let number = state.store.get_case(d.case_id).await?.number.to_string();
                numbers.insert(d.case_id, number.clone());
                number
            }
        };
    }
    Ok(())
}

async fn render_page(
    state: &AppState,
    viewer: &Viewer,
    query: &ReviewsQuery,
    refusal: Option<Refusal>,
    status: StatusCode,
) -> PageResult {
    authz::require(
        &viewer.actor,
        Action::ReadDecisions,
        &Resource::Org,
        "decisions",
    )?;
    let me = viewer.actor.person_id();
    // Whether the viewer reviews decisions at all: asked about a decision someone else took.
    let reviewer = viewer.can(
        Action::ReviewDecision,
        &Resource::Decision {
            decided_by: PersonId::new(),
        },
    );
    let kinds = decision_view::kinds_by_key(state).await?;
    let mut names = Names::default();
    let mut numbers = HashMap::new();

    let (mut queue, mut queue_next) = (Vec::new(), None);
    if reviewer {
        let pending = DecisionQuery {
            review: Some("pending".into()),
            before: query.before.clone(),
            ..DecisionQuery::default()
        };
        let (decisions, next) = page_of(state, viewer, pending).await?;
        queue = decision_view::items(state, &mut names, &kinds, &decisions, me).await?;
        case_numbers(state, &mut numbers, &decisions, &mut queue).await?;
        for (d, row) in decisions.iter().zip(queue.iter_mut()) {
            row.reviewable = viewer.can(
                Action::ReviewDecision,
                &Resource::Decision {
                    decided_by: d.actor_id,
                },
            );
            if !row.reviewable && row.own {
                row.note = Some("You took this decision: another support employee reviews it.");
            }
        }
        queue_next = next;
    }
    let mine_query = DecisionQuery {
        actor: Some("me".into()),
        before: query.mine_before.clone(),
        ..DecisionQuery::default()
    };
    let (decisions, mine_next) = page_of(state, viewer, mine_query).await?;
    let mut mine = decision_view::items(state, &mut names, &kinds, &decisions, me).await?;
    case_numbers(state, &mut numbers, &decisions, &mut mine).await?;

    let mut problem = None;
    if let Some(refusal) = refusal {
        match queue.iter_mut().find(|row| row.id == refusal.decision) {
            Some(row) => {
                row.problem = Some(refusal.message);
                row.comment = refusal.comment;
            }
            None => problem = Some(refusal.message),
        }
    }
    render(
        status,
        &ReviewsPage {
            layout: Layout::new(
                viewer,
                if reviewer { "Reviews" } else { "My decisions" },
                "/reviews",
            ),
            notice: done_message(query.done.as_deref()),
            problem,
            reviewer,
            queue,
            queue_next,
            mine,
            mine_next,
        },
    )
}

/// `POST /reviews/{decision}`: uphold, coach or reverse (the button pressed), with a comment.
pub async fn review(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let comment = form.get("comment").unwrap_or("").to_owned();
    let body = ReviewBody {
        outcome: form.text("outcome").to_owned(),
        comment: Some(comment.trim().to_owned()).filter(|c| !c.is_empty()),
    };
    let error = match api_review(&state, &viewer.actor, &raw, body).await {
        Ok(decision) => {
            let outcome = decision.review.map_or("", |r| r.outcome.as_str());
            // Back to the case when the review was made there; only a case number is
            // accepted, so the redirect cannot be pointed elsewhere.
            let back = form
                .get("return_to")
                .and_then(|n| n.parse::<frontline_core::CaseNumber>().ok());
            return Ok(see_other(&match back {
                Some(number) => format!("/cases/{number}?done=reviewed#d-{}", decision.id),
                None => format!("/reviews?done={outcome}"),
            }));
        }
        Err(error) => error,
    };
    let message = match &error {
        AppError::Forbidden(_) => {
            let own = match raw.parse::<DecisionId>() {
                Ok(id) => state
                    .store
                    .get_decision(id)
                    .await
                    .is_ok_and(|d| d.actor_id == viewer.actor.person_id()),
                Err(_) => false,
            };
            if own {
                "You took this decision yourself, so you cannot review it: another support employee will.".to_owned()
            } else {
                "Only support employees review decisions.".to_owned()
            }
        }
        AppError::Invalid { errors, .. } if errors.iter().any(|e| e.field == "comment") => {
            "Write a comment the employee can learn from: it is needed to coach or reverse."
                .to_owned()
        }
        AppError::Invalid { detail, .. } => sentence(detail),
        AppError::Conflict(detail) => sentence(detail),
        _ => return Err(error.into()),
    };
    let refusal = Refusal {
        decision: raw,
        message,
        comment,
    };
    render_page(
        &state,
        &viewer,
        &ReviewsQuery::default(),
        Some(refusal),
        error.status(),
    )
    .await
}
