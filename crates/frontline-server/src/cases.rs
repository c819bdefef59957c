//! Finding cases: the filters of a case list, checked once for the API (`GET /api/v1/cases`)
//! and the search page, so a figure's link and the list it opens agree.

use frontline_core::{CaseStatus, FeelingKind, OutcomeAchieved, Timestamp, ValueError};
use frontline_store::CaseFilter;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::auth::Actor;
use crate::dates::{DayEdge, parse_at};
use crate::error::{AppError, Fields, Result};
use crate::lookup::{resolve_outcome, resolve_person, team_id};
use crate::state::AppState;

/// Filters and paging of the case list.
#[derive(Clone, Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Comma-separated statuses, e.g. `new,open`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Outcome key or id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Team id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Owner id or email, or `me`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Customer id or email (customers always see only their own cases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Only cases nobody owns (team queues).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unassigned: Option<bool>,
    /// Case number, words of the subject, or the customer's name or email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Created at or after: a day (`2026-09-01`, from its start, UTC) or an RFC 3339 time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_from: Option<String>,
    /// Created at or before: a day (up to its end, UTC) or an RFC 3339 time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_to: Option<String>,
    /// Resolved at or after (a day or a time, as `created_from`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_from: Option<String>,
    /// Resolved at or before (a day or a time, as `created_to`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_to: Option<String>,
    /// `true`: resolved or closed (not reopened since); `false`: not resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<bool>,
    /// Whether the customer's outcome was achieved: `yes`, `no` or `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achieved: Option<String>,
    /// `true`: resolved, taking longer than the outcome's target time; `false`: resolved
    /// within it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_target: Option<bool>,
    /// Cases with a feeling of this kind: `customer` (the customer rated it), `observed` or
    /// `own` (an employee recorded one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feeling: Option<String>,
    /// The `number` of the last case already seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The case list's filters, checked: shared by `GET /api/v1/cases` and the case search page,
/// so a figure's link (the scoreboard's) lists the same cases on both. Customers are always
/// kept to their own cases, whatever the query says.
pub async fn case_filter(state: &AppState, actor: &Actor, query: &CaseQuery) -> Result<CaseFilter> {
    let mut fields = Fields::new();
    let statuses = match &query.status {
        Some(raw) => fields
            .check(
                raw.split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.trim().parse::<CaseStatus>())
                    .collect::<std::result::Result<Vec<_>, _>>(),
            )
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let team = match &query.team {
        Some(raw) => match team_id(raw) {
            Ok(id) => Some(id),
            Err(_) => {
                fields.push("team", "must be a team id");
                None
            }
        },
        None => None,
    };
    let mut date = |field: &str, raw: &Option<String>, edge: DayEdge| -> Option<Timestamp> {
        let raw = raw.as_deref().map(str::trim).filter(|r| !r.is_empty())?;
        match parse_at(field, raw, edge) {
            Ok(at) => Some(at),
            Err(AppError::Invalid { errors, .. }) => {
                for e in errors {
                    fields.push(e.field, e.detail);
                }
                None
            }
            Err(_) => None,
        }
    };
    // The `_to` ends are inclusive (a day up to its last millisecond); the store's bounds
    // are exclusive.
    let created_from = date("created_from", &query.created_from, DayEdge::Start);
    let created_before = date("created_to", &query.created_to, DayEdge::End).map(next_millisecond);
    let resolved_from = date("resolved_from", &query.resolved_from, DayEdge::Start);
    let resolved_before =
        date("resolved_to", &query.resolved_to, DayEdge::End).map(next_millisecond);
    if let (Some(from), Some(before)) = (created_from, created_before)
        && from >= before
    {
        fields.push("created_to", "must not be before created_from");
    }
    if let (Some(from), Some(before)) = (resolved_from, resolved_before)
        && from >= before
    {
        fields.push("resolved_to", "must not be before resolved_from");
    }
    let achieved = match query.achieved.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => fields.check(
            raw.parse::<OutcomeAchieved>()
                .map_err(|e| ValueError::new("achieved", e.reason)),
        ),
    };
    let feeling = match query.feeling.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("pulse") => {
            fields.push(
                "feeling",
                "a pulse answer is not about a case: give customer, observed or own",
            );
            None
        }
        Some(raw) => fields.check(
            raw.parse::<FeelingKind>()
                .map_err(|e| ValueError::new("feeling", e.reason)),
        ),
    };
    fields.finish()?;

    let mut filter = CaseFilter {
        statuses,
        team_id: team,
        unassigned: query.unassigned.unwrap_or(false),
        text: query.q.clone().filter(|q| !q.trim().is_empty()),
        created_from,
        created_before,
        resolved_from,
        resolved_before,
        resolved: query.resolved,
        achieved,
        over_target: query.over_target,
        feeling,
        ..CaseFilter::default()
    };
    if let Some(raw) = query.outcome.as_deref().filter(|o| !o.trim().is_empty()) {
        filter.outcome_id = Some(resolve_outcome(state, "outcome", raw).await?.id);
    }
    if let Some(raw) = &query.owner {
        filter.owner_id = Some(if raw == "me" {
            actor.person_id()
        } else {
            resolve_person(state, "owner", raw).await?.id
        });
    }
    filter.customer_id = if actor.is_staff() {
        match &query.customer {
            Some(raw) => Some(resolve_person(state, "customer", raw).await?.id),
            None => None,
        }
    } else {
        // The filter that keeps customers to their own cases: not optional, not overridable.
        Some(actor.person_id())
    };
    Ok(filter)
}

fn next_millisecond(at: Timestamp) -> Timestamp {
    frontline_core::time::from_millis(at.as_millisecond().saturating_add(1))
}
