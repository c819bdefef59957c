//! The case timeline in words: one line per event of the case's log ("changed the status
//! from Open to Resolved", "recorded a decision (Refund) outside a guideline (Small refunds),
//! with an explanation"). Payloads are read leniently: a field missing from an old event
//! reads as empty rather than failing the page.

use frontline_core::{CaseStatus, EventKind};

use super::case::is_public;
use super::layout::status_label;
use crate::error::AppError;
use crate::lookup::Names;
use crate::state::AppState;

fn text<'a>(payload: &'a serde_json::Value, key: &str) -> &'a str {
    payload.get(key).and_then(|v| v.as_str()).unwrap_or("")
}

fn status_words(raw: &str) -> &'static str {
    raw.parse::<CaseStatus>().map(status_label).unwrap_or("?")
}

/// A decision kind's name, or its key when it is gone.
async fn kind_name(state: &AppState, key: &str) -> Result<String, AppError> {
    let Ok(key) = frontline_core::DecisionKindKey::parse(key) else {
        return Ok(key.to_owned());
    };
    match state.store.get_decision_kind(&key).await {
        Ok(kind) => Ok(kind.name),
        Err(frontline_store::StoreError::NotFound { .. }) => Ok(key.to_string()),
        Err(e) => Err(e.into()),
    }
}

/// One timeline line in words.
pub async fn describe(
    state: &AppState,
    names: &mut Names,
    event: &frontline_core::Event,
) -> Result<String, AppError> {
    let p = &event.payload;
    Ok(match event.kind {
        EventKind::CaseCreated => format!("opened the case ({})", text(p, "channel")),
        EventKind::CaseAssigned => {
            let owner = text(p, "owner_id").parse().ok();
            let routed = text(p, "by") == "routing";
            match names.opt_person(state, owner).await? {
                Some(name) if routed => format!("routed it to {name}"),
                Some(name) => format!("assigned it to {name}"),
                None => "returned it to the team queue".to_owned(),
            }
        }
        EventKind::CaseStatusChanged => format!(
            "changed the status from {} to {}",
            status_words(text(p, "from")),
            status_words(text(p, "to"))
        ),
        EventKind::CaseOutcomeSet => {
            format!("set outcome achieved to {}", text(p, "outcome_achieved"))
        }
        EventKind::CaseTagsSet => {
            let tags: Vec<&str> = p
                .get("tags")
                .and_then(|t| t.as_array())
                .map(|a| a.iter().filter_map(|t| t.as_str()).collect())
                .unwrap_or_default();
            if tags.is_empty() {
                "removed all tags".to_owned()
            } else {
                format!("set the tags to {}", tags.join(", "))
            }
        }
        EventKind::MessageAdded if is_public(p) => "wrote a message".to_owned(),
        EventKind::MessageAdded => "wrote an internal note".to_owned(),
        EventKind::DecisionRecorded => {
            let kind = kind_name(state, text(p, "kind")).await?;
            let not_held: Vec<&str> = p
                .get("not_held")
                .and_then(|t| t.as_array())
                .map(|a| a.iter().filter_map(|t| t.as_str()).collect())
                .unwrap_or_default();
            match text(p, "verdict") {
                "explain" if not_held.is_empty() => {
                    format!("recorded a decision ({kind}) outside a guideline, with an explanation")
                }
                "explain" => format!(
                    "recorded a decision ({kind}) outside a guideline ({}), with an explanation",
                    not_held.join(", ")
                ),
                _ => format!("recorded a decision ({kind}) within the guidelines"),
            }
        }
        EventKind::DecisionReviewed => {
            let kind = kind_name(state, text(p, "kind")).await?;
            let by = names
                .opt_person(state, text(p, "decided_by").parse().ok())
                .await?
                .unwrap_or_else(|| "someone".to_owned());
            match text(p, "outcome") {
                "uphold" => format!("upheld the decision ({kind}) {by} took"),
                "coach" => format!("coached {by} on their decision ({kind})"),
                "reverse" => format!("reversed the decision ({kind}) {by} took"),
                _ => format!("reviewed the decision ({kind}) {by} took"),
            }
        }
        EventKind::CaseMoodAlert => format!("sounded upset ({})", text(p, "why")),
        EventKind::CaseMoodAlertAcknowledged => "acknowledged the mood alert".to_owned(),
        other => other.as_str().to_owned(),
    })
}
