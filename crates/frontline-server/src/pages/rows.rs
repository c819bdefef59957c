//! Case rows for the pages' lists (portal, cockpit, search), named through the request's
//! `Names` cache.

use crate::error::AppError;
use crate::lookup::Names;
use crate::state::AppState;

/// One case as a row of a list (portal, cockpit, search).
pub struct CaseRow {
    pub number: String,
    pub subject: String,
    /// The status as text (`waiting_on_customer`), for CSS classes and live updates.
    pub status: String,
    pub status_label: &'static str,
    pub priority: String,
    pub customer: String,
    pub owner: Option<String>,
    pub team: Option<String>,
    pub outcome: String,
    /// Time since the last change, coarse ("5 min ago").
    pub updated_age: String,
    pub updated_at: String,
    /// Why the case is where it is in the cockpit ("New: needs a first reply").
    pub reason: &'static str,
    /// When its first service target falls due (the cockpit's lists; `None` elsewhere).
    pub due: Option<DueBadge>,
}

/// "Due in 2 h" or "Late by 40 min" on a row.
pub struct DueBadge {
    /// The instant, for `<time>` and the script's countdown.
    pub iso: String,
    /// "in 2 h 15 min" (counted down by the script) or "40 min" late.
    pub words: String,
    pub late: bool,
}

impl DueBadge {
    pub fn new(due: frontline_core::Timestamp, now: frontline_core::Timestamp) -> DueBadge {
        let late = due <= now;
        let span = if late {
            now.duration_since(due)
        } else {
            due.duration_since(now)
        };
        let words = super::targets::span(span);
        DueBadge {
            iso: due.to_string(),
            words: if late { words } else { format!("in {words}") },
            late,
        }
    }
}

/// A case as a row of a list, its names from the request's cache.
pub async fn case_row(
    names: &mut Names,
    state: &AppState,
    case: &frontline_core::Case,
    now: frontline_core::Timestamp,
) -> Result<CaseRow, AppError> {
    use frontline_core::CaseStatus;
    Ok(CaseRow {
        number: case.number.to_string(),
        subject: case.subject.to_string(),
        status: case.status.to_string(),
        status_label: super::layout::status_label(case.status),
        priority: case.priority.to_string(),
        customer: names.person(state, case.customer_id).await?,
        owner: names.opt_person(state, case.owner_id).await?,
        team: names.opt_team(state, case.team_id).await?,
        outcome: names.outcome(state, case.outcome_id).await?,
        updated_age: super::layout::age(case.updated_at, now),
        updated_at: case.updated_at.to_string(),
        reason: match case.status {
            CaseStatus::New => "New: needs a first reply",
            CaseStatus::Open => "Customer is waiting for you",
            CaseStatus::WaitingOnCustomer => "Waiting on the customer",
            CaseStatus::Resolved => "Resolved",
            CaseStatus::Closed => "Closed",
        },
        due: None,
    })
}
