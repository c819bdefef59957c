//! A case's conversation: public messages between customer and staff, and internal notes
//! that only staff ever see.

use axum::extract::State;
use axum::http::StatusCode;
use frontline_core::{MessageBody, MessageId, Visibility};
use frontline_store::NewMessage;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::{IdempotencyKey, Json, Path, Query};
use crate::lookup::load_case;
use crate::paging;
use crate::state::AppState;
use crate::views::{MessagePage, MessageView};

#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MessageQuery {
    /// `public`, `internal` or `all` (staff default: `all`; customers only ever get `public`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    /// The id of the last message already seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/api/v1/cases/{case}/messages",
    tag = "cases",
    summary = "List a case's messages",
    description = "Oldest first. Internal notes are included for staff only.",
    params(("case" = String, Path, description = "Case id or number (`FL-1042`)"), MessageQuery),
    responses((status = 200, description = "A page of messages", body = MessagePage)),
)]
pub async fn list_messages(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Query(query): Query<MessageQuery>,
) -> Result<axum::Json<MessagePage>> {
    let case = load_case(&state, &actor, &raw, Action::ListMessages).await?;
    let limit = paging::limit(query.limit)?;
    let (public, internal) = match query.visibility.as_deref() {
        None if actor.is_staff() => (true, true),
        None => (true, false),
        Some("all") => (true, true),
        Some("public") => (true, false),
        Some("internal") => (false, true),
        Some(other) => {
            return Err(AppError::field(
                "visibility",
                format!("{other:?} is not one of public, internal, all"),
            ));
        }
    };
    if internal {
        let resource = Resource::Case {
            customer_id: case.customer_id,
        };
        authz::require(
            &actor,
            Action::ReadInternalNotes,
            &resource,
            format!("case {raw}"),
        )?;
    }
    let after = match &query.after {
        Some(raw) => Some(
            raw.parse::<MessageId>()
                .map_err(|_| AppError::field("after", "must be a message id"))?,
        ),
        None => None,
    };
    let messages = state.store.list_messages(case.id, internal).await?;
    let files = state.store.list_attachments(case.id, internal).await?;
    let wanted = messages.into_iter().filter(|m| match m.visibility {
        Visibility::Public => public,
        Visibility::Internal => internal,
    });
    let (page, has_more) = paging::in_memory(wanted.collect(), |m| m.id, after.as_ref(), limit);
    let next = match (has_more, page.last()) {
        (true, Some(last)) => Some(paging::link(
            &format!("/api/v1/cases/{raw}/messages"),
            &MessageQuery {
                after: Some(last.id.to_string()),
                limit: Some(limit),
                ..query
            },
        )),
        _ => None,
    };
    Ok(axum::Json(MessagePage {
        items: page
            .iter()
            .map(|m| MessageView::from(m).with_files(&files))
            .collect(),
        next,
    }))
}

/// Add a message to a case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMessageBody {
    pub body: String,
    /// `public` (default: the customer sees it) or `internal` (a note for staff only).
    pub visibility: Option<String>,
    /// The sequence number of the newest event of the conversation the author had seen
    /// (the `seq` of its `message.added` event). If someone else has written publicly since,
    /// the reply is refused with 409 and the newer messages, unless `confirm` is true.
    pub based_on: Option<i64>,
    /// Send even though the conversation moved on since `based_on`.
    pub confirm: Option<bool>,
    /// Ids of the author's uploads (`POST /api/v1/uploads`) to attach: at most 10 files and
    /// 50 MB together unless configured otherwise. An internal note's files are staff-only.
    pub attachments: Option<Vec<String>>,
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{case}/messages",
    tag = "cases",
    summary = "Add a message or internal note",
    description = "A customer's reply reopens a waiting or resolved case; the first public \
        staff reply opens a new one. Retries with the same `Idempotency-Key` write nothing.",
    params(
        ("case" = String, Path, description = "Case id or number (`FL-1042`)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe"),
    ),
    request_body = AddMessageBody,
    responses((status = 201, description = "The message", body = MessageView)),
)]
pub async fn add_message(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    IdempotencyKey(idempotency_key): IdempotencyKey,
    Json(body): Json<AddMessageBody>,
) -> Result<(StatusCode, axum::Json<MessageView>)> {
    let visibility = match &body.visibility {
        Some(v) => v.parse::<Visibility>()?,
        None => Visibility::Public,
    };
    let action = match visibility {
        Visibility::Public => Action::AddPublicMessage,
        Visibility::Internal => Action::AddInternalNote,
    };
    let case = load_case(&state, &actor, &raw, action).await?;
    let text = MessageBody::parse(&body.body)?;
    let attachments =
        crate::attachments::parse_ids(body.attachments.as_deref().unwrap_or_default())?;
    crate::attachments::check_for_message(&state, &actor, &attachments).await?;
    if let (Visibility::Public, Some(based_on), false) =
        (visibility, body.based_on, body.confirm.unwrap_or(false))
    {
        guard_stale_reply(&state, &actor, &case, based_on).await?;
    }
    let message = crate::mail::add_case_message(
        &state,
        actor.person_id(),
        &case,
        NewMessage {
            case_id: case.id,
            author_id: actor.person_id(),
            body: text,
            visibility,
            created_at: None,
            idempotency_key,
            attachments,
        },
    )
    .await?;
    let files = state.store.list_attachments(case.id, true).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(MessageView::from(&message).with_files(&files)),
    ))
}

/// The stale-reply guard: refuse a public reply written against an older conversation when
/// someone else has replied publicly since, and show what they said.
async fn guard_stale_reply(
    state: &AppState,
    actor: &Actor,
    case: &frontline_core::Case,
    based_on: i64,
) -> Result<()> {
    if based_on < 0 {
        return Err(AppError::field(
            "based_on",
            "must be a sequence number (0 or more)",
        ));
    }
    let filter = frontline_store::EventFilter {
        case_id: Some(case.id),
        kinds: vec![frontline_core::EventKind::MessageAdded],
        ..Default::default()
    };
    let events = state.store.events_after(based_on, 200, filter).await?;
    let newer_ids: Vec<MessageId> = events
        .iter()
        .filter(|e| {
            e.audience != frontline_core::Audience::Staff && e.actor_id != Some(actor.person_id())
        })
        .filter_map(|e| match e.decoded() {
            Ok(frontline_core::Payload::MessageAdded(added)) => Some(added.message_id),
            _ => None,
        })
        .collect();
    if newer_ids.is_empty() {
        return Ok(());
    }
    let messages = state.store.list_messages(case.id, false).await?;
    let newer: Vec<MessageView> = messages
        .iter()
        .filter(|m| newer_ids.contains(&m.id))
        .map(MessageView::from)
        .collect();
    let latest = events.last().map_or(based_on, |e| e.seq);
    Err(AppError::StaleReply {
        detail: format!(
            "{} new public message(s) arrived since you started this reply; read them, then send again with \"based_on\": {latest} or \"confirm\": true",
            newer.len()
        ),
        newer: serde_json::to_value(newer).unwrap_or_default(),
    })
}
