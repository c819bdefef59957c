//! Leaders on the tools in the console: a person's profile (`/people/{person}`) with their
//! customer-time ledger and standard work, the ledger table the organisation page includes,
//! and "My standard work" (`/standard-work`): this period's checklist with tick forms, items
//! proven by activity, the last periods' completion, adding and retiring items.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use frontline_core::standard_work::{Cadence, ItemStatus, Metric, PeriodStatus};
use frontline_core::{Ledger, LedgerGoal, Person, Role, Timestamp};
use serde::Deserialize;

use super::form::FormData;
use super::layout::{Layout, PageResult, render, see_other, when};
use super::viewer::Viewer;
use crate::authz::{Action, Resource};
use crate::error::AppError;
use crate::leaders::{ItemAct, ItemBody, act_on_item, add_item, load_staff};
use crate::leaders::{LedgerRow, LedgerSort, board, checklist_of, ledger_of};
use crate::state::AppState;

/// Minutes in words: "45 min", "4 h", "4 h 5 min".
pub fn minutes_words(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// The goal in words: "4 h with customers in 30 days".
pub fn goal_words(goal: LedgerGoal) -> String {
    format!(
        "{} with customers in {} days",
        minutes_words(goal.minutes),
        goal.days
    )
}

/// Distance in words: "today", "1 day", "12 days", "never served a customer".
pub fn distance_words(ledger: &Ledger) -> String {
    match ledger.distance_days {
        None => "never served a customer".into(),
        Some(0) => "today".into(),
        Some(1) => "1 day".into(),
        Some(d) => format!("{d} days"),
    }
}

/// A count with its noun: "1 session", "3 sessions".
pub fn count_words(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One line of a ledger, ready to show.
pub struct LedgerLine {
    pub id: String,
    pub name: String,
    pub title: String,
    pub layer: u32,
    pub cases: u32,
    pub replies: u32,
    pub minutes: String,
    pub distance: String,
    /// "3 cases worked, 5 public replies" for sentences.
    pub summary: String,
    /// No reply for longer than the goal's period (or never): shown as far.
    pub far: bool,
    pub met: bool,
}

impl LedgerLine {
    pub fn of(row: &LedgerRow) -> Self {
        let l = &row.ledger;
        Self {
            id: row.person_id.to_string(),
            name: row.name.clone(),
            title: row.title.clone().unwrap_or_default(),
            layer: row.layer,
            cases: l.cases_worked,
            replies: l.public_replies,
            minutes: minutes_words(l.minutes_with_customers),
            distance: distance_words(l),
            summary: format!(
                "{}, {}",
                count_words(l.cases_worked, "case worked", "cases worked"),
                count_words(l.public_replies, "public reply", "public replies")
            ),
            far: l.distance_days.is_none_or(|d| d > l.goal.days),
            met: l.goal_met,
        }
    }
}

/// The organisation's ledger as the org page shows it (`templates/pages/ledger_table.html`).
pub struct LedgerTable {
    pub goal: String,
    pub met: usize,
    pub rows: Vec<LedgerLine>,
}

/// Every support employee's ledger, top layer first (the CEO on top).
pub async fn ledger_table(state: &AppState, now: Timestamp) -> Result<LedgerTable, AppError> {
    let board = board(
        &*state.store,
        state.config.ledger_goal,
        now,
        LedgerSort::Layer,
    )
    .await?;
    Ok(LedgerTable {
        goal: goal_words(board.goal),
        met: board.goal_met,
        rows: board.people.iter().map(LedgerLine::of).collect(),
    })
}

/// One period of an item, ready to show.
pub struct PeriodCell {
    pub key: String,
    pub done: bool,
    /// "done", "not done", or "2 of 3 cases worked".
    pub words: String,
}

/// One item of a checklist, ready to show.
pub struct ItemLine {
    pub id: String,
    pub title: String,
    pub cadence: &'static str,
    pub period: String,
    pub done: bool,
    /// Proven by activity: "2 of 3 cases worked"; empty for plain items.
    pub proof: String,
    pub ticked_at: String,
    /// Oldest first, for reading left to right.
    pub history: Vec<PeriodCell>,
    pub rate: String,
}

fn period_words(status: &ItemStatus, period: &PeriodStatus) -> String {
    match (status.item.proof, period.value) {
        (Some(proof), Some(value)) => {
            format!("{value} of {} {}", proof.target, proof.metric.label())
        }
        _ if period.done => "done".into(),
        _ => "not done".into(),
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "no history yet".into(), |r| format!("{:.0}%", r * 100.0))
}

impl ItemLine {
    pub fn of(status: &ItemStatus) -> Self {
        let item = &status.item;
        Self {
            id: item.id.to_string(),
            title: item.title.to_string(),
            cadence: item.cadence.as_str(),
            period: format!(
                "{} ({})",
                item.cadence.current_words(),
                status.current.period.key
            ),
            done: status.current.done,
            proof: if item.proof.is_some() {
                period_words(status, &status.current)
            } else {
                String::new()
            },
            ticked_at: status.current.ticked_at.map(when).unwrap_or_default(),
            history: status
                .history
                .iter()
                .rev()
                .map(|p| PeriodCell {
                    key: p.period.key.clone(),
                    done: p.done,
                    words: period_words(status, p),
                })
                .collect(),
            rate: percent(status.completion_rate),
        }
    }
}

/// A choice of a select.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

fn metric_choices() -> Vec<Choice> {
    Metric::ALL
        .iter()
        .map(|m| Choice {
            value: m.as_str(),
            label: m.label(),
        })
        .collect()
}

fn cadence_choices() -> Vec<Choice> {
    Cadence::ALL
        .iter()
        .map(|c| Choice {
            value: c.as_str(),
            label: match c {
                Cadence::Daily => "Every day",
                Cadence::Weekly => "Every week",
                Cadence::Monthly => "Every month",
            },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "pages/person.html")]
struct ProfilePage {
    layout: Layout,
    name: String,
    title: String,
    role: &'static str,
    goal: String,
    ledger: LedgerLine,
    since: String,
    sessions: String,
    last_served: String,
    has_standard_work: bool,
    items: Vec<ItemLine>,
    rate: String,
    mine: bool,
    admin_link: Option<String>,
}

fn role_words(person: &Person) -> &'static str {
    match person.role {
        Role::Customer => "Customer",
        Role::Employee => "Front-line employee",
        Role::Support => "Support employee",
    }
}

/// `GET /people/{person}`: a staff member's profile with their ledger and standard work (a
/// customer's record is `customer::show`).
pub async fn profile(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    axum::extract::Query(query): axum::extract::Query<super::customer::CustomerQuery>,
) -> PageResult {
    // A customer has no ledger: staff see their record, addresses and cases instead.
    let found = crate::lookup::load_person(&state, &viewer.actor, &raw, Action::ReadPerson).await?;
    if found.role == Role::Customer {
        return super::customer::show(&state, &viewer, found, query).await;
    }
    let person = load_staff(&state, &viewer.actor, &raw, Action::ReadLedger).await?;
    let mine = person.id == viewer.actor.person_id();
    let now = state.now();
    let row = ledger_of(&*state.store, &person, state.config.ledger_goal, now).await?;
    let checklist = if person.role == Role::Support
        && viewer.can(
            Action::ReadStandardWork,
            &Resource::Person {
                person_id: person.id,
            },
        ) {
        Some(checklist_of(&*state.store, &person, now).await?)
    } else {
        None
    };
    let admin_link = viewer
        .can(
            Action::UpdatePerson,
            &Resource::Person {
                person_id: person.id,
            },
        )
        .then(|| format!("/admin/people/{}", person.id));
    render(
        StatusCode::OK,
        &ProfilePage {
            layout: Layout::new(&viewer, person.name.to_string(), "/org"),
            name: person.name.to_string(),
            title: person.title.clone().unwrap_or_default(),
            role: role_words(&person),
            goal: goal_words(row.ledger.goal),
            since: when(row.ledger.since),
            sessions: count_words(row.ledger.sessions, "session", "sessions"),
            last_served: row.ledger.last_served_at.map(when).unwrap_or_default(),
            ledger: LedgerLine::of(&row),
            has_standard_work: checklist.is_some(),
            rate: percent(checklist.as_ref().and_then(|c| c.completion_rate)),
            items: checklist
                .iter()
                .flat_map(|c| c.items.iter().map(ItemLine::of))
                .collect(),
            mine,
            admin_link,
        },
    )
}

#[derive(Template)]
#[template(path = "pages/standard_work.html")]
struct StandardWorkPage {
    layout: Layout,
    notice: Option<&'static str>,
    problem: Option<String>,
    items: Vec<ItemLine>,
    done: usize,
    rate: String,
    cadences: Vec<Choice>,
    metrics: Vec<Choice>,
    draft_title: String,
    draft_cadence: String,
    draft_metric: String,
    draft_target: String,
    ledger: LedgerLine,
    goal: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn done_message(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "added" => "The item was added to your standard work.",
        "ticked" => "Ticked. Well done.",
        "unticked" => "The tick was taken back.",
        "retired" => "The item was retired; its history is kept.",
        _ => return None,
    })
}

/// The form's values, kept when it is shown again with a problem.
#[derive(Default)]
struct Draft {
    title: String,
    cadence: String,
    metric: String,
    target: String,
}

async fn standard_work_page(
    state: &AppState,
    viewer: &Viewer,
    notice: Option<&'static str>,
    problem: Option<String>,
    draft: Draft,
    status: StatusCode,
) -> PageResult {
    let me = &viewer.actor.person;
    crate::authz::require(
        &viewer.actor,
        Action::TickStandardWork,
        &Resource::Person { person_id: me.id },
        "standard work",
    )?;
    let now = state.now();
    let checklist = checklist_of(&*state.store, me, now).await?;
    let row = ledger_of(&*state.store, me, state.config.ledger_goal, now).await?;
    render(
        status,
        &StandardWorkPage {
            layout: Layout::new(viewer, "My standard work", "/standard-work"),
            notice,
            problem,
            done: checklist.done,
            rate: percent(checklist.completion_rate),
            items: checklist.items.iter().map(ItemLine::of).collect(),
            cadences: cadence_choices(),
            metrics: metric_choices(),
            draft_title: draft.title,
            draft_cadence: if draft.cadence.is_empty() {
                "weekly".into()
            } else {
                draft.cadence
            },
            draft_metric: draft.metric,
            draft_target: draft.target,
            goal: goal_words(row.ledger.goal),
            ledger: LedgerLine::of(&row),
        },
    )
}

/// `GET /standard-work`: the signed-in support employee's own checklist.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    standard_work_page(
        &state,
        &viewer,
        done_message(query.done.as_deref()),
        None,
        Draft::default(),
        StatusCode::OK,
    )
    .await
}

/// A refusal in a sentence, for showing beside the form.
fn in_words(error: &AppError) -> Option<String> {
    match error {
        AppError::Invalid { errors, detail } => Some(match errors.first() {
            Some(e) => format!("{}: {}.", e.field, e.detail.trim_end_matches('.')),
            None => detail.clone(),
        }),
        AppError::Conflict(detail) => {
            let mut s = detail.clone();
            if let Some(first) = s.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            if !s.ends_with('.') {
                s.push('.');
            }
            Some(s)
        }
        _ => None,
    }
}

/// `POST /standard-work/items`: add an item to my standard work.
pub async fn create(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let me = viewer.actor.person.clone();
    crate::authz::require(
        &viewer.actor,
        Action::ManageStandardWork,
        &Resource::Person { person_id: me.id },
        "standard work",
    )?;
    let draft = Draft {
        title: form.get("title").unwrap_or("").to_owned(),
        cadence: form.text("cadence").to_owned(),
        metric: form.text("metric").to_owned(),
        target: form.text("target").to_owned(),
    };
    let target = match draft.target.as_str() {
        "" => Ok(None),
        raw => raw
            .parse::<u32>()
            .map(Some)
            .map_err(|_| AppError::field("target", "must be a whole number from 1 to 10,000")),
    };
    let result = match target {
        Ok(target) => {
            let body = ItemBody {
                title: draft.title.clone(),
                cadence: draft.cadence.clone(),
                metric: Some(draft.metric.clone()),
                target,
            };
            add_item(&state, &viewer.actor, &me, body).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other("/standard-work?done=added")),
        Err(error) => {
            let Some(message) = in_words(&error) else {
                return Err(error.into());
            };
            standard_work_page(&state, &viewer, None, Some(message), draft, error.status()).await
        }
    }
}

/// `POST /standard-work/{item}/{tick|untick|retire}` on my own items.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((item, action)): Path<(String, String)>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let (act, done) = match action.as_str() {
        "tick" => (ItemAct::Tick, "ticked"),
        "untick" => (ItemAct::Untick, "unticked"),
        "retire" => (ItemAct::Retire, "retired"),
        _ => {
            return Err(AppError::NotFound("there is no page at this address".into()).into());
        }
    };
    let me = viewer.actor.person_id().to_string();
    match act_on_item(&state, &viewer.actor, &me, &item, act).await {
        Ok(_) => Ok(see_other(&format!("/standard-work?done={done}"))),
        Err(error) => {
            let Some(message) = in_words(&error) else {
                return Err(error.into());
            };
            standard_work_page(
                &state,
                &viewer,
                None,
                Some(message),
                Draft::default(),
                error.status(),
            )
            .await
        }
    }
}
