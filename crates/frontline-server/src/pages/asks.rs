//! Asks in the console. `/asks`: raise an ask, "my asks", and for support employees the inbox
//! (asks with them now), live through the stream. `/asks/{id}`: the ask with its steps and
//! messages, and the actions of whichever side the viewer is on. `/asks/figures`: how every
//! support employee and layer serves asks, open to all staff.
//!
//! Every form goes through `asks::{raise, act}`, exactly as the API.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use frontline_core::Role;
use frontline_core::ask::{Ask, AskKind, AskStatus, Urgency};
use frontline_store::AskFilter;
use serde::Deserialize;

use super::form::FormData;
use super::layout::{Layout, PageResult, age, page, refusal_in_words, render, see_other};
use super::org::everyone;
use super::viewer::Viewer;
use crate::asks::{RaiseBody, raise};
use crate::authz::{self, Action, Resource};
use crate::error::AppError;
use crate::lookup::Names;
use crate::state::AppState;

/// Asks per list.
const LIST: u32 = 50;

/// An ask as a row of a list.
pub struct AskRow {
    pub id: String,
    pub summary: String,
    pub kind: &'static str,
    pub urgency: &'static str,
    pub status: &'static str,
    pub asker: String,
    pub with: String,
    pub raised: String,
    /// "climbs in 12 min", "overdue at the top", "answered"...
    pub clock: String,
    pub late: bool,
    pub escalations: u32,
    /// Resolved, and the asker has not said how it felt.
    pub to_rate: bool,
}

fn summary(ask: &Ask) -> String {
    let first = ask.text.as_str().lines().next().unwrap_or("");
    let mut s: String = first.chars().take(120).collect();
    if first.chars().count() > 120 || ask.text.as_str().lines().nth(1).is_some() {
        s.push('…');
    }
    s
}

pub(super) fn minutes(d: jiff::SignedDuration) -> String {
    let m = d.as_secs().max(0) / 60;
    match m {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} d", m / (24 * 60)),
    }
}

/// Where the ask stands against its clock, in words.
fn clock(ask: &Ask, now: frontline_core::Timestamp) -> (String, bool) {
    match (ask.status, ask.respond_by) {
        (AskStatus::Open, Some(by)) if by > now => (
            format!(
                "climbs in {} if nobody answers",
                minutes(by.duration_since(now))
            ),
            false,
        ),
        (AskStatus::Open, Some(_)) => ("climbing now".into(), true),
        (AskStatus::Open, None) => ("overdue at the top of the support chain".into(), true),
        (AskStatus::Claimed, _) => {
            let left = ask.unblock_by().duration_since(now);
            if left.is_negative() {
                (format!("{} past the unblock target", minutes(-left)), true)
            } else {
                (format!("{} left to unblock", minutes(left)), false)
            }
        }
        (AskStatus::Resolved, _) => match ask.time_to_unblock() {
            Some(took) => (
                format!("unblocked in {}", minutes(took)),
                ask.unblocked_on_target() == Some(false),
            ),
            None => ("resolved".into(), false),
        },
        (AskStatus::Withdrawn, _) => ("withdrawn".into(), false),
    }
}

pub(super) async fn rows(
    state: &AppState,
    names: &mut Names,
    asks: &[Ask],
) -> Result<Vec<AskRow>, AppError> {
    let now = state.now();
    let mut out = Vec::with_capacity(asks.len());
    for ask in asks {
        let (clock, late) = clock(ask, now);
        out.push(AskRow {
            id: ask.id.to_string(),
            summary: summary(ask),
            kind: ask.kind.as_str(),
            urgency: ask.urgency.as_str(),
            status: ask.status.as_str(),
            asker: names.person(state, ask.asker_id).await?,
            with: names.person(state, ask.assignee_id).await?,
            raised: age(ask.created_at, now),
            clock,
            late,
            escalations: ask.escalations,
            to_rate: ask.status == AskStatus::Resolved && ask.feeling.is_none(),
        });
    }
    Ok(out)
}

/// The lists on `/asks`.
pub struct ListsData {
    pub supporter: bool,
    pub inbox: Vec<AskRow>,
    pub mine: Vec<AskRow>,
}

/// The lists served alone, as the live fragment.
#[derive(Template)]
#[template(path = "pages/asks_lists.html")]
struct Lists {
    lists: ListsData,
}

async fn lists(state: &AppState, viewer: &Viewer) -> Result<ListsData, AppError> {
    let me = viewer.actor.person_id();
    let mut names = Names::default();
    let supporter = viewer.can(Action::ReadAllAsks, &Resource::Org);
    let mut inbox = Vec::new();
    if supporter {
        let filter = AskFilter {
            assignee_id: Some(me),
            statuses: vec![AskStatus::Open, AskStatus::Claimed],
            ..AskFilter::default()
        };
        let asks = state.store.list_asks(filter, LIST).await?;
        inbox = rows(state, &mut names, &asks).await?;
    }
    let filter = AskFilter {
        asker_id: Some(me),
        ..AskFilter::default()
    };
    let asks = state.store.list_asks(filter, LIST).await?;
    let mine = rows(state, &mut names, &asks).await?;
    Ok(ListsData {
        supporter,
        inbox,
        mine,
    })
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "pages/asks.html")]
struct AsksPage {
    layout: Layout,
    lists: ListsData,
    kinds: Vec<Choice>,
    urgencies: Vec<Choice>,
    supporters: Vec<Choice>,
    text: String,
    case: String,
    problem: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AsksQuery {
    done: Option<String>,
    /// Prefill the case (from a case page's "Ask for help").
    case: Option<String>,
}

fn choices<T: Copy + PartialEq>(
    all: &[T],
    chosen: T,
    text: impl Fn(T) -> (&'static str, &'static str),
) -> Vec<Choice> {
    all.iter()
        .map(|v| {
            let (value, label) = text(*v);
            Choice {
                value: value.into(),
                label: label.into(),
                selected: *v == chosen,
            }
        })
        .collect()
}

fn kind_label(kind: AskKind) -> (&'static str, &'static str) {
    let label = match kind {
        AskKind::Unblock => "Unblock me",
        AskKind::Approval => "I need an approval",
        AskKind::Resource => "I need a resource",
        AskKind::Advice => "I need advice",
        AskKind::Other => "Something else",
    };
    (kind.as_str(), label)
}

fn urgency_label(urgency: Urgency) -> (&'static str, &'static str) {
    let label = match urgency {
        Urgency::Low => "Low: an answer within a day",
        Urgency::Normal => "Normal: an answer within 4 hours",
        Urgency::High => "High: an answer within the hour",
        Urgency::Urgent => "Urgent: a customer is waiting (15 minutes)",
    };
    (urgency.as_str(), label)
}

struct Draft {
    kind: AskKind,
    urgency: Urgency,
    to: String,
    text: String,
    case: String,
}

async fn asks_page(
    state: &AppState,
    viewer: &Viewer,
    draft: Draft,
    problem: Option<String>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    authz::require(&viewer.actor, Action::RaiseAsk, &Resource::Org, "asks")?;
    let me = viewer.actor.person_id();
    let mut supporters = vec![Choice {
        value: "my_support".into(),
        label: "My support (whoever supports my teams and is least busy)".into(),
        selected: draft.to.is_empty() || draft.to == "my_support",
    }];
    for person in everyone(state, Role::Support).await? {
        if person.id == me {
            continue;
        }
        let label = match &person.title {
            Some(title) => format!("{} ({title})", person.name),
            None => person.name.to_string(),
        };
        supporters.push(Choice {
            selected: draft.to == person.id.to_string(),
            value: person.id.to_string(),
            label,
        });
    }
    render(
        status,
        &AsksPage {
            layout: Layout::new(viewer, "Asks", "/asks"),
            lists: lists(state, viewer).await?,
            kinds: choices(AskKind::ALL, draft.kind, kind_label),
            urgencies: choices(Urgency::ALL, draft.urgency, urgency_label),
            supporters,
            text: draft.text,
            case: draft.case,
            problem,
            notice,
        },
    )
}

/// `GET /asks`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AsksQuery>,
) -> PageResult {
    let notice = match query.done.as_deref() {
        Some("raised") => Some("Your ask is on its way. You will see here when it is answered."),
        _ => None,
    };
    let draft = Draft {
        kind: AskKind::Unblock,
        urgency: Urgency::Normal,
        to: String::new(),
        text: String::new(),
        case: query.case.unwrap_or_default(),
    };
    asks_page(&state, &viewer, draft, None, notice, StatusCode::OK).await
}

/// `GET /asks/live`: the lists alone, for the live refresh.
pub async fn live_fragment(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    authz::require(&viewer.actor, Action::RaiseAsk, &Resource::Org, "asks")?;
    page(&Lists {
        lists: lists(&state, &viewer).await?,
    })
}

/// `POST /asks`.
pub async fn create(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let body = RaiseBody {
        kind: form.text("kind").to_owned(),
        urgency: Some(form.text("urgency").to_owned()),
        text: form.get("text").unwrap_or("").to_owned(),
        case: Some(form.text("case").to_owned()),
        to: Some(form.text("to").to_owned()),
    };
    match raise(&state, &viewer.actor, body).await {
        Ok(ask) => Ok(see_other(&format!("/asks/{}?done=raised", ask.id))),
        Err(error) => {
            let Some(message) = refusal_in_words(&error) else {
                return Err(error.into());
            };
            let draft = Draft {
                kind: form.text("kind").parse().unwrap_or(AskKind::Unblock),
                urgency: form.text("urgency").parse().unwrap_or(Urgency::Normal),
                to: form.text("to").to_owned(),
                text: form.get("text").unwrap_or("").to_owned(),
                case: form.text("case").to_owned(),
            };
            asks_page(&state, &viewer, draft, Some(message), None, error.status()).await
        }
    }
}
