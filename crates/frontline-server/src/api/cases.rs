//! Cases: open (routed on creation), list with filters, read, and the staff's changes
//! (status, owner, outcome achieved, tags). Customers open and read their own cases only.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use frontline_core::{
    CaseNumber, CaseStatus, Channel, FeelingKind, MessageBody, OutcomeAchieved, PersonId, Priority,
    Subject, Tags, Timestamp, ValueError,
};
use frontline_store::{CaseFilter, NewCase, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::org_history::{DayEdge, parse_at};
use super::{Names, load_case, resolve_outcome, resolve_person, team_id, written};
use crate::app::AppState;
use crate::auth::{Actor, Via};
use crate::authz::case_fields::{self, CaseField};
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Fields, Result};
use crate::extract::{IdempotencyKey, Json, Path, Query};
use crate::paging;
use crate::views::{CasePage, CaseView};

/// Open a case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCaseBody {
    /// One line saying what the customer wants (at most 300 characters).
    pub subject: String,
    /// The customer's first message.
    pub body: String,
    /// The key (or id) of the outcome the customer wants, e.g. `order_arrives`.
    pub outcome: String,
    /// The customer's email or id; required when the caller is not the customer.
    pub customer: Option<String>,
    /// `web`, `email`, `api`, `phone` or `chat`; defaults to `api` for token callers and
    /// `web` for signed-in callers. Staff only: a customer sending it gets 403.
    pub channel: Option<String>,
    /// `low`, `normal` (default), `high` or `urgent`. Staff only: a customer sending it gets
    /// 403 (guideline rules read it).
    pub priority: Option<String>,
    /// Up to 20 tags such as `vip` or `carrier:dhl`. Staff only: a customer sending them gets
    /// 403 (guideline rules read them).
    pub tags: Option<Vec<String>>,
}

#[utoipa::path(
    post,
    path = "/api/v1/cases",
    tag = "cases",
    summary = "Open a case",
    description = "Opens a case with its first message and routes it to the least-loaded \
        available member of a team that owns the outcome (or that team's queue). A retry with \
        the same `Idempotency-Key` returns the first case and writes nothing.",
    request_body = CreateCaseBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "The case, with its owner and team", body = CaseView),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "A customer opening a case for someone else, or setting \
            `priority`, `tags` or `channel` (staff decide those; the detail names the fields)"),
        (status = 422, description = "A field is invalid; each error names its field"),
    ),
)]
pub async fn create_case(
    State(state): State<AppState>,
    actor: Actor,
    IdempotencyKey(idempotency_key): IdempotencyKey,
    Json(body): Json<CreateCaseBody>,
) -> Result<(StatusCode, HeaderMap, axum::Json<CaseView>)> {
    // Who may set which field is decided before any value is looked at, so a customer learns
    // nothing from validation about fields they may not send at all.
    let sent = [
        (body.priority.is_some(), CaseField::Priority),
        (body.tags.is_some(), CaseField::Tags),
        (body.channel.is_some(), CaseField::Channel),
    ];
    case_fields::require_on_open(
        &actor,
        sent.into_iter().filter(|(sent, _)| *sent).map(|(_, f)| f),
    )?;
    let mut fields = Fields::new();
    let subject = fields.check(Subject::parse(&body.subject));
    let message = fields.check(MessageBody::parse(&body.body));
    let channel = match &body.channel {
        Some(raw) => fields.check(raw.parse::<Channel>()),
        None => Some(match actor.via {
            Via::Token => Channel::Api,
            Via::Session { .. } => Channel::Web,
        }),
    };
    let priority = match &body.priority {
        Some(raw) => fields.check(raw.parse::<Priority>()),
        None => Some(Priority::Normal),
    };
    let tags = fields.check(Tags::parse_all(
        body.tags.iter().flatten().map(String::as_str),
    ));
    if actor.is_staff() && body.customer.is_none() {
        fields.push("customer", "is required: name the customer by email or id");
    }
    let (subject, message, channel, priority, tags) =
        fields.done(|| Some((subject?, message?, channel?, priority?, tags?)))?;

    let customer_id = customer_of_new_case(&state, &actor, body.customer.as_deref()).await?;
    authz::require(
        &actor,
        Action::CreateCase,
        &Resource::Case { customer_id },
        "customer",
    )?;
    let outcome = resolve_outcome(&state, "outcome", &body.outcome).await?;

    let seen_before = replay_marker(&state, idempotency_key.is_some()).await?;
    let created = state
        .store
        .create_case(
            Some(actor.person_id()),
            NewCase {
                customer_id,
                outcome_id: outcome.id,
                subject,
                body: message,
                channel,
                priority,
                tags,
                created_at: None,
                idempotency_key,
            },
        )
        .await?;
    let replayed = is_replay(seen_before, &created.events);
    let case = if replayed {
        created.value.case
    } else {
        crate::metrics::case_created();
        written(created).case
    };
    tracing::info!(case_id = %case.id, number = %case.number, replayed, "case opened");
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/cases/{}", case.number)) {
        headers.insert(header::LOCATION, location);
    }
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    let view = Names::default().view(&state, &case).await?;
    Ok((StatusCode::CREATED, headers, axum::Json(view)))
}

/// The newest sequence number before an idempotent write, to tell a replay from a new write.
///
/// The store returns a replayed write with the events of the first one, without saying it
/// was replayed. Events written by this request commit after this read, so they have larger
/// sequence numbers; a replay's events were committed before it.
pub async fn replay_marker(state: &AppState, idempotent: bool) -> Result<Option<i64>> {
    Ok(if idempotent {
        Some(state.store.last_seq().await?)
    } else {
        None
    })
}

/// Whether a write's events all predate `replay_marker`.
pub fn is_replay(seen_before: Option<i64>, events: &[frontline_core::Event]) -> bool {
    seen_before.is_some_and(|before| events.iter().all(|e| e.seq <= before))
}

/// Who a new case is for. A customer opens cases for themselves; naming anyone else is
/// refused without looking them up, so customers cannot probe for other customers.
async fn customer_of_new_case(
    state: &AppState,
    actor: &Actor,
    raw: Option<&str>,
) -> Result<PersonId> {
    if actor.is_staff() {
        let raw = raw.unwrap_or_default();
        return Ok(resolve_person(state, "customer", raw).await?.id);
    }
    let me = &actor.person;
    let is_me = |raw: &str| {
        raw.trim().parse::<PersonId>().ok() == Some(me.id)
            || raw.trim().eq_ignore_ascii_case(me.email.as_str())
    };
    Ok(match raw {
        None => me.id,
        Some(raw) if is_me(raw) => me.id,
        // Someone else: authorisation refuses it.
        Some(_) => PersonId::new(),
    })
}

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

#[utoipa::path(
    get,
    path = "/api/v1/cases",
    tag = "cases",
    summary = "List cases",
    description = "Newest first. Customers see only their own cases.",
    params(CaseQuery),
    responses((status = 200, description = "A page of cases", body = CasePage)),
)]
pub async fn list_cases(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<CaseQuery>,
) -> Result<axum::Json<CasePage>> {
    authz::require(&actor, Action::ListCases, &Resource::Org, "cases")?;
    let limit = paging::limit(query.limit)?;
    let after = match &query.after {
        Some(raw) => Some(
            raw.parse::<CaseNumber>()
                .map_err(|e| AppError::field("after", e.reason))?,
        ),
        None => None,
    };
    let filter = case_filter(&state, &actor, &query).await?;

    let page = state
        .store
        .list_cases(filter, PageRequest { after, limit })
        .await?;
    let mut names = Names::default();
    names.prefetch(&state, &page.items).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for case in &page.items {
        items.push(names.view(&state, case).await?);
    }
    let next = match (page.has_more, page.items.last()) {
        (true, Some(last)) => Some(paging::link(
            "/api/v1/cases",
            &CaseQuery {
                after: Some(last.number.to_string()),
                limit: Some(limit),
                ..query
            },
        )),
        _ => None,
    };
    Ok(axum::Json(CasePage { items, next }))
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

#[utoipa::path(
    get,
    path = "/api/v1/cases/{case}",
    tag = "cases",
    summary = "Read a case",
    params(("case" = String, Path, description = "Case id or number (`FL-1042`)")),
    responses((status = 200, description = "The case", body = CaseView)),
)]
pub async fn get_case(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<CaseView>> {
    let case = load_case(&state, &actor, &raw, Action::ReadCase).await?;
    Ok(axum::Json(Names::default().view(&state, &case).await?))
}
