//! The mail a case sends: each mail in the outbox for the case (replies, and mail that
//! carries no message such as a rating link) with where it stands, so staff can see whether
//! the customer got it. Staff only, like the mail a message came in as.

use axum::extract::State;
use frontline_store::{Outbound, OutboundStatus};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::authz::Action;
use crate::error::Result;
use crate::extract::Path;
use crate::state::AppState;

/// One mail of the outbox as staff see it. Never its text: that is the message.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OutboundView {
    pub id: String,
    /// The message it carries; null for mail about the case that is no message (a rating
    /// link).
    pub message_id: Option<String>,
    pub to: String,
    pub subject: String,
    /// `reply` or `automatic`.
    pub purpose: String,
    /// `pending` (to send, perhaps after failed attempts), `sent` (the mail server took it)
    /// or `failed` (refused for good, or given up).
    pub status: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// What the mail server said last time, if it did not take it.
    pub last_error: Option<String>,
    /// When a pending mail is tried next; null once sent or failed.
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
}

impl From<&Outbound> for OutboundView {
    fn from(o: &Outbound) -> Self {
        Self {
            id: o.id.to_string(),
            message_id: o.message_id.map(|m| m.to_string()),
            to: o.to.to_string(),
            subject: o.subject.clone(),
            purpose: o.purpose.as_str().to_owned(),
            status: o.status.as_str().to_owned(),
            attempts: o.attempts,
            last_error: o.last_error.clone(),
            next_attempt_at: (o.status == OutboundStatus::Pending)
                .then(|| o.next_attempt_at.to_string()),
            created_at: o.created_at.to_string(),
            sent_at: o.sent_at.map(|t| t.to_string()),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OutboundList {
    /// Oldest first.
    pub items: Vec<OutboundView>,
}

#[utoipa::path(
    get,
    path = "/api/v1/cases/{case}/mail",
    tag = "mail",
    summary = "List the mail a case sent",
    description = "Every mail the outbox holds for the case, oldest first, with its delivery \
        state: pending (with its attempts, last error and next attempt), sent, or failed. \
        Staff only.",
    params(("case" = String, Path, description = "Case id or number (`FL-1042`)")),
    responses(
        (status = 200, description = "The case's outbound mail", body = OutboundList),
        (status = 403, description = "A customer asked about their own case: this is for staff"),
        (status = 404, description = "No such case"),
    ),
)]
pub async fn list_case_mail(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<OutboundList>> {
    let case = crate::lookup::load_case(&state, &actor, &raw, Action::ReadInternalNotes).await?;
    let mail = state.store.list_case_outbound(case.id).await?;
    Ok(axum::Json(OutboundList {
        items: mail.iter().map(OutboundView::from).collect(),
    }))
}
