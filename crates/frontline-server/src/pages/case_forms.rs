//! The case workspace's forms: reply or note (with the stale-reply guard), status, owner,
//! outcome achieved, tags. Each checks the form's CSRF token, loads the case through
//! `api::load_case` (the same authorisation as the API), calls one `Store` use case and
//! redirects back (303).
//!
//! The stale-reply guard: the reply form carries `based_on`, the sequence number of the
//! newest public message the author had on screen. If someone else wrote a public message
//! since, the reply is not sent; the author gets a prompt page showing the newer messages,
//! with the draft kept, and can send it anyway (`confirm`) or go back.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use frontline_core::{
    CaseStatus, EventKind, MessageBody, MessageId, OutcomeAchieved, Tags, Visibility,
};
use frontline_store::{EventFilter, NewMessage};

use super::case::{MessageItem, public_message};
use super::form::FormData;
use super::layout::{Layout, PageResult, render, see_other, when};
use super::login::safe_next;
use super::viewer::Viewer;
use crate::authz::{Action, Resource};
use crate::error::AppError;
use crate::lookup::Names;
use crate::lookup::{load_case, resolve_person, written};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/stale_prompt.html")]
struct StalePrompt {
    layout: Layout,
    number: String,
    newer: Vec<MessageItem>,
    draft: String,
    based_on: i64,
}

/// Where to go after a form: the form's `back` field when it is a local path, else the case.
fn back_to(form: &FormData, number: &str) -> String {
    match form.get("back") {
        Some(back) if !back.is_empty() => safe_next(Some(back)),
        _ => format!("/cases/{number}"),
    }
}

/// `POST /cases/{case}/messages`.
pub async fn add_message(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let visibility = match form.text("visibility") {
        "" => Visibility::Public,
        other => other.parse::<Visibility>()?,
    };
    let action = match visibility {
        Visibility::Public => Action::AddPublicMessage,
        Visibility::Internal => Action::AddInternalNote,
    };
    let case = load_case(&state, &viewer.actor, &raw, action).await?;
    let draft = form.get("body").unwrap_or("").to_owned();
    let body = MessageBody::parse(&draft)?;
    let confirmed = form.checked("confirm");
    let based_on = form.text("based_on").parse::<i64>().ok();
    if visibility == Visibility::Public
        && !confirmed
        && let Some(based_on) = based_on
    {
        let newer = newer_public_messages(&state, &viewer, &case, based_on).await?;
        if let Some((newest_seq, newer)) = newer {
            return render(
                StatusCode::CONFLICT,
                &StalePrompt {
                    layout: Layout::new(&viewer, "A newer message arrived", ""),
                    number: case.number.to_string(),
                    newer,
                    draft,
                    based_on: newest_seq,
                },
            );
        }
    }
    let attachments = form_attachments(&form)?;
    crate::attachments::check_for_message(&state, &viewer.actor, &attachments).await?;
    let message = crate::mail::add_case_message(
        &state,
        viewer.actor.person_id(),
        &case,
        NewMessage {
            case_id: case.id,
            author_id: viewer.actor.person_id(),
            body,
            visibility,
            created_at: None,
            idempotency_key: None,
            attachments,
        },
    )
    .await?;
    Ok(see_other(&format!(
        "/cases/{}#m-{}",
        case.number, message.id
    )))
}

/// The upload ids a form's `attachments` field lists (the file input's script fills it,
/// separated by spaces).
pub fn form_attachments(form: &FormData) -> Result<Vec<frontline_core::AttachmentId>, AppError> {
    let raw: Vec<String> = form
        .text("attachments")
        .split([' ', ','])
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    crate::attachments::parse_ids(&raw)
}

/// Public messages by others after `based_on`, with the newest sequence number, or `None`
/// when the author saw everything.
async fn newer_public_messages(
    state: &AppState,
    viewer: &Viewer,
    case: &frontline_core::Case,
    based_on: i64,
) -> Result<Option<(i64, Vec<MessageItem>)>, AppError> {
    let me = viewer.actor.person_id();
    let resource = Resource::Case {
        customer_id: case.customer_id,
    };
    let staff = viewer.can(Action::ReadInternalNotes, &resource);
    let events = state
        .store
        .events_after(
            based_on.max(0),
            200,
            EventFilter {
                visible_to_customer: (!staff).then_some(me),
                case_id: Some(case.id),
                kinds: vec![EventKind::MessageAdded],
            },
        )
        .await?;
    let newer: Vec<(i64, MessageId)> = events
        .iter()
        .filter(|e| e.actor_id != Some(me))
        .filter_map(|e| Some((e.seq, public_message(e)?.message_id)))
        .collect();
    let Some(newest) = newer.iter().map(|(seq, _)| *seq).max() else {
        return Ok(None);
    };
    let ids: Vec<MessageId> = newer.iter().map(|(_, id)| *id).collect();
    let mut names = Names::default();
    let mut items = Vec::new();
    for m in state.store.list_messages(case.id, false).await? {
        if m.visibility != Visibility::Public || !ids.contains(&m.id) {
            continue;
        }
        items.push(MessageItem {
            id: m.id.to_string(),
            author: names.person(state, m.author_id).await?,
            from_customer: m.author_id == case.customer_id,
            mine: false,
            internal: false,
            body: m.body.to_string(),
            at: when(m.created_at),
            at_iso: m.created_at.to_string(),
            mail_from: None,
            original: None,
            delivery: None,
            files: Vec::new(),
        });
    }
    Ok(Some((newest, items)))
}

/// `POST /cases/{case}/status`.
pub async fn change_status(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let case = load_case(&state, &viewer.actor, &raw, Action::ChangeStatus).await?;
    let to = form.text("status").parse::<CaseStatus>()?;
    state
        .store
        .change_status(Some(viewer.actor.person_id()), case.id, to)
        .await
        .map(written)?;
    Ok(see_other(&back_to(&form, &case.number.to_string())))
}

/// `POST /cases/{case}/owner`: `owner` is a person id, `me`, or empty for the team queue.
pub async fn assign(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let case = load_case(&state, &viewer.actor, &raw, Action::AssignCase).await?;
    let owner = match form.text("owner") {
        "" => None,
        "me" => Some(viewer.actor.person_id()),
        other => Some(resolve_person(&state, "owner", other).await?.id),
    };
    state
        .store
        .assign_case(Some(viewer.actor.person_id()), case.id, owner)
        .await
        .map(written)?;
    Ok(see_other(&back_to(&form, &case.number.to_string())))
}

/// `POST /cases/{case}/outcome-achieved`.
pub async fn outcome_achieved(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let case = load_case(&state, &viewer.actor, &raw, Action::SetOutcomeAchieved).await?;
    let value = form.text("outcome_achieved").parse::<OutcomeAchieved>()?;
    state
        .store
        .set_outcome_achieved(Some(viewer.actor.person_id()), case.id, value)
        .await
        .map(written)?;
    Ok(see_other(&back_to(&form, &case.number.to_string())))
}

/// `POST /cases/{case}/tags`: the complete set, comma separated.
pub async fn set_tags(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let case = load_case(&state, &viewer.actor, &raw, Action::SetTags).await?;
    let tags = Tags::parse_all(
        form.text("tags")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty()),
    )?;
    state
        .store
        .set_tags(Some(viewer.actor.person_id()), case.id, tags)
        .await
        .map(written)?;
    Ok(see_other(&back_to(&form, &case.number.to_string())))
}

/// `POST /cases/{case}/edit`: subject, priority and outcome, with a reason.
pub async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let case = load_case(&state, &viewer.actor, &raw, Action::EditCase).await?;
    let edit = crate::cases::case_edit(
        &state,
        Some(form.text("subject")),
        Some(form.text("priority")),
        Some(form.text("outcome")),
        form.text("keep_owner") == "on",
        Some(form.text("reason")),
    )
    .await?;
    state
        .store
        .edit_case(Some(viewer.actor.person_id()), case.id, edit)
        .await
        .map(written)?;
    Ok(see_other(&back_to(&form, &case.number.to_string())))
}
