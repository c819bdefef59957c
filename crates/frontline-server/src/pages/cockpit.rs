//! The front-line cockpit: my cases ordered by what needs me now, my teams' queues (the
//! teams I am in, and the teams I support), and the mood alerts waiting on my cases and my
//! teams' cases (`pages::voice`). The work area and the alerts are one fragment, served
//! alone at `/cockpit/work` so the script can refresh them when a case arrives or changes or
//! a customer sounds upset.

use std::cmp::Reverse;
use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use frontline_core::org::in_force;
use frontline_core::{Case, CaseId, CaseStatus, TeamId, Timestamp};
use frontline_store::{CaseCount, CaseFilter, PageRequest};

use super::layout::{Layout, PageResult, page};
use super::mirror::{HeroRow, hero_rows};
use super::rows::{CaseRow, DueBadge, case_row};
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::cases::COUNT_CAP;
use crate::error::AppError;
use crate::feelings;
use crate::lookup::Names;
use crate::state::AppState;

/// Statuses that still need work.
const ACTIVE: [CaseStatus; 3] = [
    CaseStatus::New,
    CaseStatus::Open,
    CaseStatus::WaitingOnCustomer,
];

pub struct Queue {
    pub team: String,
    /// The first `QUEUE_SHOWN` cases, in the order to take them.
    pub cases: Vec<CaseRow>,
    /// How many wait in all: "297", or "more than 10,000".
    pub total: String,
    /// The whole queue, page by page, when more wait than are shown.
    pub all: Option<String>,
}

/// How many cases of each queue the cockpit shows; the queue's own page shows the rest.
const QUEUE_SHOWN: u32 = 20;
/// Cases on a page of a whole queue.
const QUEUE_PAGE: u32 = 50;

pub struct Work {
    pub mine: Vec<CaseRow>,
    pub queues: Vec<Queue>,
    /// The ids of the teams shown, space separated: the script refreshes only for events
    /// about them, about me, or about a case on screen.
    pub team_ids: String,
    /// Waiting mood alerts on my cases and my teams' cases (`None`: not for this viewer).
    pub alerts: Option<Vec<super::voice::AlertRow>>,
}

#[derive(Template)]
#[template(path = "pages/cockpit.html")]
struct CockpitPage {
    layout: Layout,
    work: Work,
    /// Customers' praise of my cases in the last 30 days, newest first.
    praise: Vec<HeroRow>,
    /// False until I answer this week's pulse (the cockpit reminds me).
    pulse_answered: bool,
}

#[derive(Template)]
#[template(path = "pages/cockpit_work.html")]
struct WorkFragment {
    layout: Layout,
    work: Work,
}

/// The order of "needs me now": the ball in my court first (new cases needing a first
/// reply, then customers waiting on me), then by priority, then whoever has waited longest.
pub fn needs_me_order(cases: &mut [Case]) {
    cases.sort_by_key(|c| {
        let court = match c.status {
            CaseStatus::New => 0,
            CaseStatus::Open => 1,
            _ => 2,
        };
        (court, Reverse(c.priority), c.updated_at)
    });
}

/// Sort by what falls due first (the target sweep's due times), keeping `needs_me_order`
/// among cases due at the same time and for those with nothing due (after the others).
pub fn due_order(cases: &mut [Case], dues: &HashMap<CaseId, Timestamp>) {
    needs_me_order(cases);
    cases.sort_by_key(|c| match dues.get(&c.id) {
        Some(due) => (0, Some(*due)),
        None => (1, None),
    });
}

/// Rows for `cases` in due order, each with its due badge.
async fn rows_by_due(
    state: &AppState,
    names: &mut Names,
    cases: &mut [Case],
    now: Timestamp,
) -> Result<Vec<CaseRow>, AppError> {
    rows_with_due(state, names, cases, now, true).await
}

/// Rows for `cases` with their due badges, sorted by `due_order` when `sort` (a queue comes
/// from the store in its order already).
async fn rows_with_due(
    state: &AppState,
    names: &mut Names,
    cases: &mut [Case],
    now: Timestamp,
    sort: bool,
) -> Result<Vec<CaseRow>, AppError> {
    let dues: HashMap<CaseId, Timestamp> = state
        .store
        .case_due(cases.iter().map(|c| c.id).collect())
        .await?
        .into_iter()
        .collect();
    if sort {
        due_order(cases, &dues);
    }
    names.prefetch_customers_and_owners(state, cases).await?;
    let mut rows = Vec::with_capacity(cases.len());
    for case in cases.iter() {
        let mut row = case_row(names, state, case, now).await?;
        row.due = dues.get(&case.id).map(|due| DueBadge::new(*due, now));
        rows.push(row);
    }
    Ok(rows)
}

async fn load_work(state: &AppState, viewer: &Viewer) -> Result<Work, AppError> {
    authz::require(&viewer.actor, Action::ListTeams, &Resource::Org, "cockpit")?;
    let me = viewer.actor.person_id();
    let now = state.now();
    let mut names = Names::default();

    let mut mine = state
        .store
        .list_cases(
            CaseFilter {
                statuses: ACTIVE.to_vec(),
                owner_id: Some(me),
                ..CaseFilter::default()
            },
            PageRequest::first(200),
        )
        .await?
        .items;
    let mine_rows = rows_by_due(state, &mut names, &mut mine, now).await?;

    let mut team_ids: Vec<TeamId> = state
        .store
        .list_memberships(None, Some(me))
        .await?
        .iter()
        .filter(|m| in_force(m.from, m.to, now))
        .map(|m| m.team_id)
        .collect();
    for link in state.store.list_supports(None).await? {
        if link.support_id == me && in_force(link.from, link.to, now) {
            team_ids.push(link.team_id);
        }
    }
    team_ids.sort();
    team_ids.dedup();
    let team_list = team_ids
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let mut queues = Vec::with_capacity(team_ids.len());
    for team_id in team_ids {
        let mut queued = state.store.list_queue(team_id, 0, QUEUE_SHOWN).await?.items;
        let rows = rows_with_due(state, &mut names, &mut queued, now, false).await?;
        let total = state
            .store
            .count_cases(queue_filter(team_id), COUNT_CAP)
            .await?;
        queues.push(Queue {
            team: names.team(state, team_id).await?,
            cases: rows,
            total: count_words(total),
            all: (total.count > u64::from(QUEUE_SHOWN))
                .then(|| format!("/cockpit/queues/{team_id}")),
        });
    }
    queues.sort_by(|a, b| a.team.cmp(&b.team));
    let alerts = super::voice::cockpit_alerts(state, viewer, &mut names).await?;
    Ok(Work {
        mine: mine_rows,
        queues,
        team_ids: team_list,
        alerts,
    })
}

/// `GET /cockpit`.
pub async fn show(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    // Someone with no team queues to see (a customer) works from their own cases.
    if !viewer.can(Action::ListTeams, &Resource::Org) {
        return Ok(super::layout::see_other("/portal"));
    }
    let work = load_work(&state, &viewer).await?;
    let me = viewer.actor.person_id();
    let month_ago = state.now() - jiff::SignedDuration::from_hours(24 * 30);
    let praise = hero_rows(&state, &viewer, Some(me), Some(month_ago), 3).await?;
    let pulse_answered = !viewer.can(Action::AnswerPulse, &Resource::Org)
        || feelings::this_weeks_pulse(&state, &viewer.actor)
            .await?
            .is_some();
    page(&CockpitPage {
        layout: Layout::new(&viewer, "Cockpit", "/cockpit"),
        work,
        praise,
        pulse_answered,
    })
}

/// `GET /cockpit/work`: the work area alone, for live refresh.
pub async fn work_fragment(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let work = load_work(&state, &viewer).await?;
    page(&WorkFragment {
        layout: Layout::new(&viewer, "Cockpit", "/cockpit"),
        work,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontline_core::{
        CaseId, CaseNumber, Channel, OutcomeAchieved, OutcomeId, PersonId, Priority, Subject, Tags,
        time,
    };

    fn case(number: i64, status: CaseStatus, priority: Priority, updated_ms: i64) -> Case {
        Case {
            id: CaseId::new(),
            number: CaseNumber(number),
            customer_id: PersonId::new(),
            outcome_id: OutcomeId::new(),
            subject: Subject::parse("s").expect("subject"),
            channel: Channel::Web,
            priority,
            owner_id: None,
            team_id: None,
            tags: Tags::default(),
            status,
            outcome_achieved: OutcomeAchieved::Unknown,
            created_at: time::from_millis(0),
            updated_at: time::from_millis(updated_ms),
            first_response_at: None,
            resolved_at: None,
        }
    }

    #[test]
    fn new_cases_come_first_then_urgent_then_longest_waiting() {
        let mut cases = vec![
            case(1, CaseStatus::WaitingOnCustomer, Priority::Urgent, 0),
            case(2, CaseStatus::Open, Priority::Normal, 50),
            case(3, CaseStatus::Open, Priority::Normal, 10),
            case(4, CaseStatus::Open, Priority::Urgent, 90),
            case(5, CaseStatus::New, Priority::Low, 99),
        ];
        needs_me_order(&mut cases);
        let order: Vec<i64> = cases.iter().map(|c| c.number.0).collect();
        assert_eq!(order, vec![5, 4, 3, 2, 1]);
    }

    #[test]
    fn what_falls_due_first_comes_first_then_needs_me_order() {
        let mut cases = vec![
            case(1, CaseStatus::New, Priority::Low, 99),
            case(2, CaseStatus::Open, Priority::Normal, 50),
            case(3, CaseStatus::Open, Priority::Normal, 10),
            case(4, CaseStatus::Open, Priority::Urgent, 90),
            case(5, CaseStatus::Open, Priority::Normal, 0),
        ];
        let dues: HashMap<CaseId, Timestamp> = [
            (cases[1].id, time::from_millis(2_000)),
            (cases[2].id, time::from_millis(1_000)),
            (cases[4].id, time::from_millis(1_000)),
        ]
        .into_iter()
        .collect();
        due_order(&mut cases, &dues);
        let order: Vec<i64> = cases.iter().map(|c| c.number.0).collect();
        // 5 and 3 fall due together (the longer waiting first), then 2; nothing due: 1 (new),
        // then 4.
        assert_eq!(order, vec![5, 3, 2, 1, 4]);
    }
}

/// The cases a team's queue holds: open, nobody owns them.
fn queue_filter(team_id: TeamId) -> CaseFilter {
    CaseFilter {
        statuses: ACTIVE.to_vec(),
        team_id: Some(team_id),
        unassigned: true,
        ..CaseFilter::default()
    }
}

/// `297`, or `more than 10,000`.
fn count_words(total: CaseCount) -> String {
    if total.exact {
        total.count.to_string()
    } else {
        format!("more than {}", total.count)
    }
}

#[derive(Template)]
#[template(path = "pages/queue.html")]
struct QueuePage {
    layout: Layout,
    team: String,
    total: String,
    /// The position of the first case shown (1-based) and of the last.
    from: u32,
    to: u32,
    cases: Vec<CaseRow>,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct QueueQuery {
    offset: Option<u32>,
}

/// `GET /cockpit/queues/{team}`: a whole team queue, page by page, in the order to take it.
pub async fn queue(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Path(raw): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<QueueQuery>,
) -> PageResult {
    authz::require(&viewer.actor, Action::ListTeams, &Resource::Org, "queues")?;
    let team_id = crate::lookup::team_id(&raw)?;
    let mut names = Names::default();
    let team = names.team(&state, team_id).await?;
    let offset = query.offset.unwrap_or(0);
    let mut found = state.store.list_queue(team_id, offset, QUEUE_PAGE).await?;
    let now = state.now();
    let cases = rows_with_due(&state, &mut names, &mut found.items, now, false).await?;
    let total = state
        .store
        .count_cases(queue_filter(team_id), COUNT_CAP)
        .await?;
    let link = |offset: u32| format!("/cockpit/queues/{team_id}?offset={offset}");
    page(&QueuePage {
        layout: Layout::new(&viewer, format!("{team} queue"), "/cockpit"),
        team,
        total: count_words(total),
        from: offset + 1,
        to: offset + cases.len() as u32,
        previous: (offset > 0).then(|| link(offset.saturating_sub(QUEUE_PAGE))),
        next: found.has_more.then(|| link(offset + QUEUE_PAGE)),
        cases,
    })
}
