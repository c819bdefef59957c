//! One ask's page: what was asked, its history step by step, the conversation, and the
//! forms for the next step (claim, answer, follow up, resolve, withdraw, reopen, rate), each
//! through `asks::act`, exactly as the API.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use frontline_core::ask::AskStatus;
use serde::Deserialize;

use super::asks::{AskRow, rows};
use super::form::FormData;
use super::layout::{Layout, PageResult, refusal_in_words, render, see_other, when};
use super::viewer::Viewer;
use crate::asks::{Act, act, load_ask};
use crate::authz::{Action, Resource};
use crate::error::AppError;
use crate::lookup::Names;
use crate::state::AppState;

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
