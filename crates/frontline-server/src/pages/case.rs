//! The case workspace: the case's facts and the actions the viewer may take on it, the
//! conversation (public replies, and internal notes for those `authz` lets read them), the
//! reply form with the stale-reply guard's `based_on`, and the case's full timeline read from
//! the event log. Customers get the same page with only what they may see and do; a case they
//! may not see is a 404 like a missing one.
//!
//! The facts, conversation, timeline and recorded decisions are also served together at
//! `/cases/{n}/live`, which the script fetches when the stream reports a change. Staff also
//! get the decision panel (`decide`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use frontline_core::event::MessageAdded;
use frontline_core::{Case, CaseStatus, Event, EventKind, Payload, Role, Visibility};
use frontline_store::{EventFilter, PageRequest, PeopleFilter};
use serde::Deserialize;

use super::case_mail;
use super::decide::{self, Attempt, DecisionPanel};
use super::decision_view::DecisionItem;
use super::layout::{Layout, PageResult, page, render, status_label, when};
use super::timeline;
use super::viewer::Viewer;
use crate::authz::{Action, Resource};
use crate::error::AppError;
use crate::lookup::Names;
use crate::lookup::load_case;
use crate::state::AppState;

/// Events read for one case's timeline; a case with more shows the first ones and says so.
const TIMELINE_LIMIT: u32 = 1000;

pub struct StatusMove {
    pub value: &'static str,
    pub label: &'static str,
}

pub struct Assignee {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

/// The case itself and what the viewer may do to it.
pub struct Facts {
    pub number: String,
    pub subject: String,
    pub status: String,
    pub status_label: &'static str,
    pub priority: String,
    pub channel: String,
    pub customer: String,
    pub owner: Option<String>,
    pub owner_is_me: bool,
    pub team: Option<String>,
    pub outcome: String,
    pub outcome_criteria: String,
    pub outcome_achieved: String,
    pub tags: Vec<String>,
    pub tags_text: String,
    pub created: String,
    pub moves: Vec<StatusMove>,
    pub can_change_status: bool,
    pub can_assign: bool,
    pub can_tag: bool,
    pub can_set_outcome: bool,
    /// Whether the viewer may change the subject, priority and outcome.
    pub can_edit: bool,
    /// The outcomes a case may be moved to (key, name, whether it is the case's), for the
    /// edit form; empty when the viewer may not edit.
    pub outcomes: Vec<(String, String, bool)>,
    pub assignees: Vec<Assignee>,
    /// Service targets, for those who may read them.
    pub targets: Option<super::targets::TargetsFacts>,
}

pub struct MessageItem {
    pub id: String,
    pub author: String,
    pub from_customer: bool,
    pub mine: bool,
    pub internal: bool,
    pub body: String,
    pub at: String,
    pub at_iso: String,
    /// For staff, a message that came by mail: the address it came from (a display name
    /// can claim anything) and where to read the whole mail.
    pub mail_from: Option<String>,
    pub original: Option<String>,
    /// For staff, a reply that went out by mail: where that mail stands.
    pub delivery: Option<case_mail::Delivery>,
    /// The files on the message.
    pub files: Vec<FileItem>,
}

/// A file under a message: a link to download it, a preview for pictures, or the
/// tombstone of a deleted one.
pub struct FileItem {
    pub name: String,
    pub size: String,
    pub url: String,
    pub preview: Option<String>,
    /// "Deleted on 2026-12-07: reason" once staff deleted it.
    pub deleted: Option<String>,
}

/// The files of message `id` among a case's `files`.
pub fn files_of(
    files: &[frontline_core::Attachment],
    id: frontline_core::MessageId,
) -> Vec<FileItem> {
    files
        .iter()
        .filter(|a| a.attached.as_ref().is_some_and(|t| t.message_id == id))
        .map(|a| {
            let view = crate::views::AttachmentView::from(a);
            FileItem {
                name: a.name.to_string(),
                size: frontline_core::attachment::size_in_words(a.size),
                url: view.url.unwrap_or_default(),
                preview: view.preview_url,
                deleted: a
                    .deleted
                    .as_ref()
                    .map(|d| format!("Deleted on {}: {}", d.at.strftime("%Y-%m-%d"), d.reason)),
            }
        })
        .collect()
}

/// The per-file limit in words, for the file input's hint.
pub fn upload_limit(state: &AppState) -> String {
    frontline_core::attachment::size_in_words(state.config.files.max_file_bytes)
}

pub struct Conversation {
    pub items: Vec<MessageItem>,
    /// The sequence number of the newest public message event shown: the reply form sends
    /// it as `based_on` so the server can tell when the author has not seen a newer message.
    pub based_on: i64,
}

pub struct TimelineItem {
    pub at: String,
    pub at_iso: String,
    pub who: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "pages/case.html")]
struct CasePage {
    layout: Layout,
    facts: Facts,
    conversation: Conversation,
    timeline: Vec<TimelineItem>,
    /// The decisions recorded on the case, for those who may read them.
    decisions: Option<Vec<DecisionItem>>,
    /// The decision form, for those who may decide.
    panel: Option<DecisionPanel>,
    can_reply: bool,
    can_note: bool,
    /// Whether the page tells others who is viewing or typing (staff): a customer's page
    /// never asks, so it never gets a 403 every ten seconds.
    shares_presence: bool,
    /// The per-file limit in words, for the file input.
    upload_limit: String,
    /// For staff, while mail to the customer bounces.
    bounce: Option<case_mail::BounceWarning>,
    feelings: Option<super::feelings::FeelingsPanel>,
    mood: Option<super::voice::MoodBanner>,
}

#[derive(Template)]
#[template(path = "pages/case_live.html")]
struct CaseLive {
    layout: Layout,
    facts: Facts,
    conversation: Conversation,
    timeline: Vec<TimelineItem>,
    decisions: Option<Vec<DecisionItem>>,
    mood: Option<super::voice::MoodBanner>,
}

/// Everything the workspace shows, loaded once per request.
pub struct Loaded {
    pub facts: Facts,
    pub conversation: Conversation,
    pub timeline: Vec<TimelineItem>,
    pub decisions: Option<Vec<DecisionItem>>,
}

fn moves_from(status: CaseStatus) -> Vec<StatusMove> {
    let all = [
        (CaseStatus::Open, "open", "Mark open"),
        (
            CaseStatus::WaitingOnCustomer,
            "waiting_on_customer",
            "Wait on customer",
        ),
        (CaseStatus::Resolved, "resolved", "Resolve"),
        (CaseStatus::Closed, "closed", "Close"),
    ];
    all.into_iter()
        .filter(|(to, _, _)| status.can_become(*to))
        .map(|(to, value, label)| StatusMove {
            value,
            // Going back from resolved is a reopening, and people call it that.
            label: if status == CaseStatus::Resolved && to == CaseStatus::Open {
                "Reopen"
            } else {
                label
            },
        })
        .collect()
}

/// Load the case's facts, conversation and timeline as `viewer` may see them.
pub async fn load(state: &AppState, viewer: &Viewer, case: &Case) -> Result<Loaded, AppError> {
    let resource = Resource::Case {
        customer_id: case.customer_id,
    };
    let staff_notes = viewer.can(Action::ReadInternalNotes, &resource);
    let can_assign = viewer.can(Action::AssignCase, &resource);
    let me = viewer.actor.person_id();
    let mut names = Names::default();
    let outcome = state.store.get_outcome(case.outcome_id).await?;

    let mut assignees = Vec::new();
    if can_assign {
        for role in [Role::Employee, Role::Support] {
            let people = state
                .store
                .list_people(
                    PeopleFilter {
                        role: Some(role),
                        text: None,
                    },
                    PageRequest::first(200),
                )
                .await?;
            assignees.extend(people.items.iter().map(|p| Assignee {
                id: p.id.to_string(),
                name: if p.id == me {
                    format!("{} (me)", p.name)
                } else {
                    p.name.to_string()
                },
                selected: Some(p.id) == case.owner_id,
            }));
        }
    }

    let can_edit = viewer.can(Action::EditCase, &resource);
    let outcomes = if can_edit {
        state
            .store
            .list_outcomes()
            .await?
            .into_iter()
            .map(|o| {
                (
                    o.key.to_string(),
                    o.name.to_string(),
                    o.id == case.outcome_id,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut facts = Facts {
        number: case.number.to_string(),
        subject: case.subject.to_string(),
        status: case.status.to_string(),
        status_label: status_label(case.status),
        priority: case.priority.to_string(),
        channel: case.channel.to_string(),
        customer: names.person(state, case.customer_id).await?,
        owner: names.opt_person(state, case.owner_id).await?,
        owner_is_me: case.owner_id == Some(me),
        team: names.opt_team(state, case.team_id).await?,
        outcome: outcome.name.to_string(),
        // Staff read the criteria as written; the customer reads them said to them.
        outcome_criteria: if staff_notes {
            outcome.success_criteria.clone()
        } else {
            outcome.criteria_for_customer()
        },
        outcome_achieved: case.outcome_achieved.to_string(),
        tags: case.tags.iter().map(|t| t.as_str().to_owned()).collect(),
        tags_text: case
            .tags
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        created: when(case.created_at),
        moves: moves_from(case.status),
        can_change_status: viewer.can(Action::ChangeStatus, &resource),
        can_assign,
        can_tag: viewer.can(Action::SetTags, &resource),
        can_set_outcome: viewer.can(Action::SetOutcomeAchieved, &resource),
        can_edit,
        outcomes,
        assignees,
        targets: None,
    };

    let messages = state.store.list_messages(case.id, staff_notes).await?;
    let files = state.store.list_attachments(case.id, staff_notes).await?;
    let mailed = if staff_notes {
        state.store.list_case_mail(case.id).await?
    } else {
        Vec::new()
    };
    let outbox = case_mail::outbox(state, staff_notes, case).await?;
    let mut items = Vec::with_capacity(messages.len());
    for m in &messages {
        // The store already left internal notes out for customers; this keeps it so even if
        // a caller passes the wrong flag.
        if m.visibility == Visibility::Internal && !staff_notes {
            continue;
        }
        items.push(MessageItem {
            id: m.id.to_string(),
            author: names.person(state, m.author_id).await?,
            from_customer: m.author_id == case.customer_id,
            mine: m.author_id == me,
            internal: m.visibility == Visibility::Internal,
            body: m.body.to_string(),
            at: when(m.created_at),
            at_iso: m.created_at.to_string(),
            mail_from: None,
            original: None,
            delivery: case_mail::delivery(&outbox, m.id),
            files: files_of(&files, m.id),
        });
        if let Some(mail) = mailed.iter().find(|e| {
            e.message_id == m.id && e.direction == frontline_store::MailDirection::Inbound
        }) && let Some(item) = items.last_mut()
        {
            item.mail_from = Some(mail.address.to_string());
            item.original = Some(format!(
                "/api/v1/cases/{}/messages/{}/original",
                case.number, m.id
            ));
        }
    }

    let events = state
        .store
        .events_after(
            0,
            TIMELINE_LIMIT,
            EventFilter {
                visible_to_customer: (!staff_notes).then_some(me),
                case_id: Some(case.id),
                kinds: Vec::new(),
            },
        )
        .await?;
    if viewer.can(Action::ReadServiceTargets, &resource) {
        facts.targets = Some(super::targets::facts(state, case, &events).await?);
    }
    let based_on = events
        .iter()
        .filter(|e| public_message(e).is_some())
        .map(|e| e.seq)
        .max()
        .unwrap_or(0);
    let mut timeline = Vec::with_capacity(events.len());
    for event in &events {
        let who = match event.actor_id {
            Some(id) => names.person(state, id).await?,
            None => "Frontline".to_owned(),
        };
        let what = timeline::describe(state, &mut names, event).await?;
        timeline.push(TimelineItem {
            at: when(event.at),
            at_iso: event.at.to_string(),
            who,
            what,
        });
    }
    let decisions = decide::recorded(state, viewer, case, &mut names).await?;
    Ok(Loaded {
        facts,
        conversation: Conversation { items, based_on },
        timeline,
        decisions,
    })
}

/// The `message.added` payload of an event about a public message; `None` for any other
/// event.
pub fn public_message(event: &Event) -> Option<MessageAdded> {
    if event.kind != EventKind::MessageAdded {
        return None;
    }
    match event.decoded() {
        Ok(Payload::MessageAdded(added)) if added.is_public() => Some(added),
        _ => None,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CaseQuery {
    /// The decision kind whose form is open.
    kind: Option<String>,
    /// `decided` after a decision was recorded.
    done: Option<String>,
}

/// `GET /cases/{case}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(query): Query<CaseQuery>,
) -> PageResult {
    let case = load_case(&state, &viewer.actor, &raw, Action::ReadCase).await?;
    let notice = match query.done.as_deref() {
        Some("decided") => Some("The decision was recorded."),
        Some("reviewed") => Some("Your review was recorded; the employee sees it."),
        _ => None,
    };
    workspace(
        &state,
        &viewer,
        &case,
        query.kind.as_deref(),
        None,
        notice,
        StatusCode::OK,
    )
    .await
}

/// The workspace page, with the decision panel open on `kind` or holding a refused attempt.
pub async fn workspace(
    state: &AppState,
    viewer: &Viewer,
    case: &Case,
    kind: Option<&str>,
    attempt: Option<Attempt>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let resource = Resource::Case {
        customer_id: case.customer_id,
    };
    let loaded = load(state, viewer, case).await?;
    let panel = decide::panel(state, viewer, case, kind, attempt, notice).await?;
    let feelings = super::feelings::panel(state, viewer, case).await?;
    let mood = super::voice::banner(state, viewer, case).await?;
    let bounce = case_mail::bounce_warning(state, viewer, case).await?;
    render(
        status,
        &CasePage {
            layout: Layout::new(viewer, format!("{} {}", case.number, case.subject), ""),
            facts: loaded.facts,
            conversation: loaded.conversation,
            timeline: loaded.timeline,
            decisions: loaded.decisions,
            panel,
            can_reply: viewer.can(Action::AddPublicMessage, &resource),
            can_note: viewer.can(Action::AddInternalNote, &resource),
            shares_presence: viewer.can(Action::SharePresence, &resource),
            upload_limit: upload_limit(state),
            bounce,
            feelings,
            mood,
        },
    )
}

/// `GET /cases/{case}/live`: facts, conversation and timeline, for live refresh.
pub async fn live_fragment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> PageResult {
    let case = load_case(&state, &viewer.actor, &raw, Action::ReadCase).await?;
    let loaded = load(&state, &viewer, &case).await?;
    let mood = super::voice::banner(&state, &viewer, &case).await?;
    page(&CaseLive {
        layout: Layout::new(&viewer, case.number.to_string(), ""),
        facts: loaded.facts,
        conversation: loaded.conversation,
        timeline: loaded.timeline,
        decisions: loaded.decisions,
        mood,
    })
}
