//! Cases: open (routed on creation), list with filters, read, and the staff's changes
//! (status, owner, outcome achieved, tags). Customers open and read their own cases only.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use frontline_core::{Channel, MessageBody, PersonId, Priority, Subject, Tags};
use frontline_store::NewCase;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{Actor, Via};
use crate::authz::case_fields::{self, CaseField};
use crate::authz::{self, Action, Resource};
use crate::cases::{CaseQuery, case_filter, find};
use crate::error::{Fields, Result};
use crate::extract::{IdempotencyKey, Json, Path, Query};
use crate::lookup::{Names, load_case, resolve_outcome, resolve_person, written};
use crate::paging;
use crate::state::AppState;
use crate::views::{CasePage, CaseView, TotalView};

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
    /// Ids of uploads (`POST /api/v1/uploads`) to attach to the first message.
    pub attachments: Option<Vec<String>>,
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
    let attachments =
        crate::attachments::parse_ids(body.attachments.as_deref().unwrap_or_default())?;
    crate::attachments::check_for_message(&state, &actor, &attachments).await?;

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
                attachments,
            },
        )
        .await?;
    let replayed = created.replayed;
    let case = written(created).case;
    if !replayed {
        crate::metrics::case_created();
    }
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

#[utoipa::path(
    get,
    path = "/api/v1/cases",
    tag = "cases",
    summary = "List cases",
    description = "Newest first, or best match first when `q` has words. `q` searches every \
        word of a case (staff: internal notes too) and takes filters such as `status:open \
        tag:refund owner:me`; `count=true` adds the total. Customers see only their own cases.",
    params(CaseQuery),
    responses((status = 200, description = "A page of cases", body = CasePage)),
)]
pub async fn list_cases(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<CaseQuery>,
) -> Result<axum::Json<CasePage>> {
    authz::require(&actor, Action::ListCases, &Resource::Org, "cases")?;
    let filter = case_filter(&state, &actor, &query).await?;
    let found = find(&state, filter, &query, query.count == Some(true)).await?;
    let mut names = Names::default();
    names.prefetch_owners(&state, &found.page.items).await?;
    let mut items = Vec::with_capacity(found.page.items.len());
    for case in &found.page.items {
        let view = names.view(&state, case).await?;
        items.push(view.with_snippet(found.snippets.get(&case.id)));
    }
    let next = found.next.map(|q| paging::link("/api/v1/cases", &q));
    let total = found.total.map(|t| TotalView {
        count: t.count,
        exact: t.exact,
    });
    Ok(axum::Json(CasePage { items, next, total }))
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
