//! Asks in the console. `/asks`: raise an ask, "my asks", and for support employees the inbox
//! (asks with them now), live through the stream. `/asks/{id}`: the ask with its steps and
//! messages, and the actions of whichever side the viewer is on. `/asks/figures`: how every
//! support employee and layer serves asks, open to all staff.
//!
//! Every form goes through `asks::{raise, act}`, exactly as the API.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use frontline_core::ask::{Ask, AskKind, AskStatus, Urgency};
use frontline_core::{Role, time};
use frontline_store::AskFilter;
use serde::Deserialize;

use super::form::FormData;
use super::layout::{Layout, PageResult, age, page, refusal_in_words, render, see_other, when};
use super::org::everyone;
use super::viewer::Viewer;
use crate::asks::{Act, RaiseBody, act, board, figures_since, load_ask, raise};
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

fn minutes(d: jiff::SignedDuration) -> String {
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

async fn rows(state: &AppState, names: &mut Names, asks: &[Ask]) -> Result<Vec<AskRow>, AppError> {
    let now = time::now();
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

pub struct StepRow {
    pub when: String,
    pub what: String,
}

pub struct MessageRow {
    pub author: String,
    pub when: String,
    pub body: String,
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "pages/ask.html")]
struct AskPage {
    layout: Layout,
    row: AskRow,
    text: String,
    case_number: Option<String>,
    raised_at: String,
    unblock_by: String,
    steps: Vec<StepRow>,
    messages: Vec<MessageRow>,
    /// The support side may claim, answer and resolve.
    work: bool,
    claimed_by_me: bool,
    /// The asker's side.
    own: bool,
    active: bool,
    resolved: bool,
    feeling: Option<String>,
    problem: Option<String>,
    notice: Option<&'static str>,
}

fn step_words(what: frontline_core::EventKind, by: &str, to: Option<&str>) -> String {
    use frontline_core::EventKind as K;
    let to = to.unwrap_or("someone");
    match what {
        K::AskRaised => format!("{by} asked {to}"),
        K::AskClaimed => format!("{by} took it"),
        K::AskEscalated => format!("Nobody answered in time: it climbed to {to}"),
        K::AskOverdue => "Overdue at the top of the support chain".to_owned(),
        K::AskResolved => format!("{by} marked it unblocked"),
        K::AskWithdrawn => format!("{by} withdrew it"),
        K::AskReopened => format!("{by} reopened it"),
        K::AskRated => format!("{by} said how the help felt"),
        other => other.as_str().to_owned(),
    }
}

async fn ask_page(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    problem: Option<String>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let ask = load_ask(state, &viewer.actor, raw, Action::ReadAsk).await?;
    let me = viewer.actor.person_id();
    let mut names = Names::default();
    let row = rows(state, &mut names, std::slice::from_ref(&ask))
        .await?
        .remove(0);
    let mut steps = Vec::new();
    for step in &ask.history {
        let by = match step.by {
            Some(id) => names.person(state, id).await?,
            None => "Frontline".to_owned(),
        };
        let to = match step.to {
            Some(id) => Some(names.person(state, id).await?),
            None => None,
        };
        steps.push(StepRow {
            when: when(step.at),
            what: step_words(step.what, &by, to.as_deref()),
        });
    }
    let mut messages = Vec::new();
    for m in state.store.list_ask_messages(ask.id).await? {
        messages.push(MessageRow {
            author: names.person(state, m.author_id).await?,
            when: when(m.created_at),
            body: m.body.to_string(),
            mine: m.author_id == me,
        });
    }
    let case_number = match ask.case_id {
        Some(id) => Some(state.store.get_case(id).await?.number.to_string()),
        None => None,
    };
    let resource = Resource::Ask {
        asker_id: ask.asker_id,
    };
    render(
        status,
        &AskPage {
            layout: Layout::new(viewer, "Ask", "/asks"),
            text: ask.text.to_string(),
            case_number,
            raised_at: when(ask.created_at),
            unblock_by: when(ask.unblock_by()),
            steps,
            messages,
            work: viewer.can(Action::WorkAsk, &resource),
            claimed_by_me: ask.claimed_by == Some(me),
            own: viewer.can(Action::FollowUpAsk, &resource),
            active: ask.status.is_active(),
            resolved: ask.status == AskStatus::Resolved,
            feeling: ask
                .feeling
                .as_ref()
                .map(|f| format!("{} out of 5, \"{}\"", f.score, f.word.as_str())),
            row,
            problem,
            notice,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct AskQuery {
    done: Option<String>,
}

/// `GET /asks/{ask}`.
pub async fn show_ask(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(query): Query<AskQuery>,
) -> PageResult {
    let notice = match query.done.as_deref() {
        Some("raised") => Some("Your ask is on its way."),
        Some("claimed") => Some("It is yours now: the asker sees who took it."),
        Some("message") => Some("Sent."),
        Some("resolved") => Some("Marked unblocked. The asker can say how the help felt."),
        Some("withdrawn") => Some("Withdrawn."),
        Some("reopened") => Some("Reopened: it is back with the support employee."),
        Some("rated") => Some("Thank you: your support employee sees how it felt."),
        _ => None,
    };
    ask_page(&state, &viewer, &raw, None, notice, StatusCode::OK).await
}

/// `POST /asks/{ask}/{action}`: claim, message, resolve, withdraw, reopen, rate.
pub async fn act_on(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, action)): Path<(String, String)>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let (what, done) = match action.as_str() {
        "claim" => (Act::Claim, "claimed"),
        "message" => (
            Act::Message(form.get("body").unwrap_or("").to_owned()),
            "message",
        ),
        "resolve" => (Act::Resolve(Some(form.text("note").to_owned())), "resolved"),
        "withdraw" => (Act::Withdraw, "withdrawn"),
        "reopen" => (Act::Reopen(form.text("reason").to_owned()), "reopened"),
        "rate" => {
            let score = form.text("score").parse::<i64>().unwrap_or(0);
            (Act::Rate(score, form.text("word").to_owned()), "rated")
        }
        _ => return Err(AppError::not_found(format!("ask action {action}")).into()),
    };
    match act(&state, &viewer.actor, &raw, what).await {
        Ok(changed) => Ok(see_other(&format!("/asks/{}?done={done}", changed.ask.id))),
        Err(error) => {
            let Some(message) = refusal_in_words(&error) else {
                return Err(error.into());
            };
            ask_page(&state, &viewer, &raw, Some(message), None, error.status()).await
        }
    }
}

pub struct FigureRow {
    pub name: String,
    pub title: String,
    pub layer: String,
    pub active: usize,
    pub handled: usize,
    pub on_target: String,
    pub first_response: String,
    pub unblock: String,
    pub feeling: String,
    pub words: String,
}

#[derive(Template)]
#[template(path = "pages/ask_figures.html")]
struct FiguresPage {
    layout: Layout,
    since: String,
    people: Vec<FigureRow>,
    layers: Vec<FigureRow>,
    overall: FigureRow,
}

fn figure_row(
    name: String,
    title: String,
    layer: String,
    active: usize,
    f: &frontline_core::ask::AskFigures,
) -> FigureRow {
    let mins = |m: Option<i64>| {
        m.map_or("–".to_owned(), |m| {
            minutes(jiff::SignedDuration::from_mins(m))
        })
    };
    FigureRow {
        name,
        title,
        layer,
        active,
        handled: f.handled,
        on_target: (f.on_target * 100)
            .checked_div(f.handled)
            .map_or("–".into(), |p| format!("{p} %")),
        first_response: mins(f.median_minutes_to_first_response),
        unblock: mins(f.median_minutes_to_unblock),
        feeling: f
            .mean_feeling
            .map_or("–".into(), |m| format!("{m:.1} ({} said)", f.feelings)),
        words: f.words.join(", "),
    }
}

fn layer_name(layer: u32) -> String {
    match layer {
        0 => "outside the layers".into(),
        1 => "1 (serves the front line)".into(),
        n => n.to_string(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct FiguresQuery {
    since: Option<String>,
}

/// `GET /asks/figures`.
pub async fn figures(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<FiguresQuery>,
) -> PageResult {
    authz::require(
        &viewer.actor,
        Action::ReadAskFigures,
        &Resource::Org,
        "asks",
    )?;
    let since = figures_since(query.since.as_deref())?;
    let board = board(&*state.store, since, time::now()).await?;
    let people = board
        .supporters
        .iter()
        .map(|s| {
            figure_row(
                s.name.clone(),
                s.title.clone().unwrap_or_default(),
                layer_name(s.layer),
                s.active,
                &s.figures,
            )
        })
        .collect();
    let layers = board
        .layers
        .iter()
        .map(|l| {
            let active = board
                .supporters
                .iter()
                .filter(|s| s.layer == l.layer)
                .map(|s| s.active)
                .sum();
            figure_row(
                format!("Layer {}", layer_name(l.layer)),
                match l.people {
                    1 => "1 person".to_owned(),
                    n => format!("{n} people"),
                },
                String::new(),
                active,
                &l.figures,
            )
        })
        .collect();
    let active = board.supporters.iter().map(|s| s.active).sum();
    page(&FiguresPage {
        layout: Layout::new(&viewer, "How support serves", "/asks"),
        since: board.since.strftime("%Y-%m-%d").to_string(),
        overall: figure_row(
            "Everyone".into(),
            String::new(),
            String::new(),
            active,
            &board.overall,
        ),
        people,
        layers,
    })
}
