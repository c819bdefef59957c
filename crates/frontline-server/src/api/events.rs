//! The event log as JSON pages: everything the actor may see, in sequence order, resumable
//! with `?after=SEQ`. Customers get only events addressed to them (their cases' public side).

use axum::extract::State;
use frontline_core::EventKind;
use frontline_store::EventFilter;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::Query;
use crate::lookup::load_case;
use crate::paging;
use crate::state::AppState;
use crate::views::{EventPage, EventView};

#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Return events with a sequence number greater than this (default 0: from the start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// Only events about this case (id or number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// Comma-separated kinds, e.g. `case.created,message.added`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "events",
    summary = "Read the event log",
    params(EventQuery),
    responses(
        (status = 200, description = "A page of events", body = EventPage),
        (status = 404, description = "`case` names a case that does not exist or is not the caller's to see"),
    ),
)]
pub async fn list_events(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<EventQuery>,
) -> Result<axum::Json<EventPage>> {
    authz::require(&actor, Action::ReadEvents, &Resource::Org, "events")?;
    let limit = paging::limit(query.limit)?;
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(AppError::field("after", "must not be negative"));
    }
    let kinds = match &query.kind {
        Some(raw) => raw
            .split(',')
            .filter(|k| !k.trim().is_empty())
            .map(|k| k.trim().parse::<EventKind>())
            .collect::<std::result::Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let case_id = match &query.case {
        Some(raw) => Some(load_case(&state, &actor, raw, Action::ReadCase).await?.id),
        None => None,
    };
    let filter = EventFilter {
        visible_to_customer: (!actor.is_staff()).then(|| actor.person_id()),
        case_id,
        kinds,
    };
    // One extra event tells whether more are waiting without a second query.
    let mut events = state.store.events_after(after, limit + 1, filter).await?;
    let has_more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let last = events.last().map_or(after, |e| e.seq);
    let next = paging::link(
        "/api/v1/events",
        &EventQuery {
            after: Some(last),
            limit: Some(limit),
            ..query
        },
    );
    Ok(axum::Json(EventPage {
        items: events.iter().map(EventView::from).collect(),
        next,
        has_more,
    }))
}
