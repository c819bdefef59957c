//! What the case page shows staff about mail to the customer: the delivery state of each
//! reply that went out by mail, beside its message, and a warning by the reply box while
//! mail to the customer's address bounces. Customers see neither.

use frontline_core::{Case, MessageId};
use frontline_store::{Outbound, OutboundStatus};

use super::layout::when;
use super::viewer::Viewer;
use crate::authz::{Action, Resource};
use crate::error::AppError;
use crate::state::AppState;

/// Where a mailed message stands.
pub struct Delivery {
    /// `pending`, `sent` or `failed`: the badge's class.
    pub status: &'static str,
    pub text: String,
}

impl Delivery {
    fn of(mail: &Outbound) -> Delivery {
        let to = mail.to.as_str();
        match mail.status {
            OutboundStatus::Sent => Delivery {
                status: "sent",
                text: format!(
                    "mailed to {to}{}",
                    mail.sent_at
                        .map(|at| format!(" on {}", when(at)))
                        .unwrap_or_default()
                ),
            },
            OutboundStatus::Failed => Delivery {
                status: "failed",
                text: format!(
                    "mail to {to} failed: {}",
                    mail.last_error.as_deref().unwrap_or("no reason given")
                ),
            },
            OutboundStatus::Pending if mail.attempts == 0 => Delivery {
                status: "pending",
                text: format!("mail to {to} waiting to be sent"),
            },
            OutboundStatus::Pending => Delivery {
                status: "pending",
                text: format!(
                    "mail to {to} not sent yet after {} attempt{}; next try {}{}",
                    mail.attempts,
                    if mail.attempts == 1 { "" } else { "s" },
                    when(mail.next_attempt_at),
                    mail.last_error
                        .as_deref()
                        .map(|e| format!(" (last error: {e})"))
                        .unwrap_or_default()
                ),
            },
        }
    }
}

/// The case's outbound mail, for those who read internal notes; empty for anyone else.
pub async fn outbox(
    state: &AppState,
    staff_notes: bool,
    case: &Case,
) -> Result<Vec<Outbound>, AppError> {
    if !staff_notes {
        return Ok(Vec::new());
    }
    Ok(state.store.list_case_outbound(case.id).await?)
}

/// The delivery state of the newest mail that carried `message_id`, if any did.
pub fn delivery(outbox: &[Outbound], message_id: MessageId) -> Option<Delivery> {
    outbox
        .iter()
        .rev()
        .find(|o| o.message_id == Some(message_id))
        .map(Delivery::of)
}

/// Mail to the customer's address bounces.
pub struct BounceWarning {
    pub address: String,
    pub since: String,
    pub since_iso: String,
    pub reason: String,
}

/// The warning by the reply box, for staff, while the customer's address bounces.
pub async fn bounce_warning(
    state: &AppState,
    viewer: &Viewer,
    case: &Case,
) -> Result<Option<BounceWarning>, AppError> {
    let resource = Resource::Case {
        customer_id: case.customer_id,
    };
    if !viewer.can(Action::ReadInternalNotes, &resource) {
        return Ok(None);
    }
    let customer = state.store.get_person(case.customer_id).await?;
    let bounces = state.store.mail_bounces(vec![customer.email]).await?;
    Ok(bounces.into_iter().next().map(|b| BounceWarning {
        address: b.address.to_string(),
        since: when(b.since),
        since_iso: b.since.to_string(),
        reason: b.reason,
    }))
}
