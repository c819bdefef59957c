//! The case timeline in words: one line per event of the case's log ("changed the status
//! from Open to Resolved", "recorded a decision (Refund) outside a guideline (Small refunds),
//! with an explanation"). Payloads are read through `Event::decoded`; one that does not decode
//! reads as its kind's name rather than failing the page.

use frontline_core::event::AssignedBy;
use frontline_core::guideline::{ReviewOutcome, Verdict};
use frontline_core::{DecisionKindKey, FeelingKind, Payload};

use super::layout::status_label;
use crate::error::AppError;
use crate::lookup::Names;
use crate::state::AppState;

/// A decision kind's name, or its key when it is gone.
async fn kind_name(state: &AppState, key: &DecisionKindKey) -> Result<String, AppError> {
    match state.store.get_decision_kind(key).await {
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
    let Ok(payload) = event.decoded() else {
        return Ok(event.kind.as_str().to_owned());
    };
    Ok(match payload {
        Payload::CaseCreated(p) => format!("opened the case ({})", p.channel),
        Payload::CaseAssigned(p) => {
            let routed = p.by == AssignedBy::Routing;
            match names.opt_person(state, p.case.owner_id).await? {
                Some(name) if routed => format!("routed it to {name}"),
                Some(name) => format!("assigned it to {name}"),
                None => "returned it to the team queue".to_owned(),
            }
        }
        Payload::CaseStatusChanged(p) => format!(
            "changed the status from {} to {}",
            status_label(p.from),
            status_label(p.to)
        ),
        Payload::CaseOutcomeSet(p) => {
            format!("set outcome achieved to {}", p.outcome_achieved)
        }
        Payload::CaseTagsSet(p) => {
            if p.tags.is_empty() {
                "removed all tags".to_owned()
            } else {
                let tags: Vec<&str> = p.tags.iter().map(|t| t.as_str()).collect();
                format!("set the tags to {}", tags.join(", "))
            }
        }
        Payload::CaseEdited(p) => {
            let mut changes = Vec::new();
            if let Some(from) = &p.subject_from {
                changes.push(format!("the subject from “{from}” to “{}”", p.case.subject));
            }
            if let Some(from) = p.priority_from {
                changes.push(format!("the priority from {from} to {}", p.case.priority));
            }
            if p.outcome_from.is_some() {
                let to = names.outcome(state, p.outcome_id).await?;
                changes.push(format!("the outcome to {to}"));
            }
            let why = p.reason.map(|r| format!(": {r}")).unwrap_or_default();
            format!("changed {}{why}", changes.join(", "))
        }
        Payload::MessageAdded(p) if p.is_public() => "wrote a message".to_owned(),
        Payload::MessageAdded(_) => "wrote an internal note".to_owned(),
        Payload::DecisionRecorded(p) => {
            let kind = kind_name(state, &p.kind).await?;
            match p.verdict {
                Verdict::Explain if p.not_held.is_empty() => {
                    format!("recorded a decision ({kind}) outside a guideline, with an explanation")
                }
                Verdict::Explain => format!(
                    "recorded a decision ({kind}) outside a guideline ({}), with an explanation",
                    p.not_held.join(", ")
                ),
                _ => format!("recorded a decision ({kind}) within the guidelines"),
            }
        }
        Payload::DecisionReviewed(p) => {
            let kind = kind_name(state, &p.kind).await?;
            let by = names
                .opt_person(state, Some(p.decided_by))
                .await?
                .unwrap_or_else(|| "someone".to_owned());
            match p.outcome {
                ReviewOutcome::Uphold => format!("upheld the decision ({kind}) {by} took"),
                ReviewOutcome::Coach => format!("coached {by} on their decision ({kind})"),
                ReviewOutcome::Reverse => format!("reversed the decision ({kind}) {by} took"),
            }
        }
        Payload::CaseMoodAlert(p) => format!("sounded upset ({})", p.why),
        Payload::CaseMoodAlertAcknowledged(_) => "acknowledged the mood alert".to_owned(),
        Payload::AskRaised(p) => {
            let to = names
                .opt_person(state, Some(p.assignee_id))
                .await?
                .unwrap_or_else(|| "support".to_owned());
            format!("asked {to} for support")
        }
        Payload::AskClaimed(_) => "took on the ask".to_owned(),
        Payload::AskAnswered(_) => "answered the ask".to_owned(),
        Payload::AskFollowedUp(_) => "followed up on the ask".to_owned(),
        Payload::AskResolved(_) => "marked the ask resolved".to_owned(),
        Payload::AskWithdrawn(_) => "withdrew the ask".to_owned(),
        Payload::AskReopened(_) => "reopened the ask".to_owned(),
        Payload::AskRated(_) => "rated the support the ask got".to_owned(),
        Payload::AskEscalated(_) => "moved the unanswered ask up the support chain".to_owned(),
        Payload::AskOverdue(_) => "flagged the ask as overdue".to_owned(),
        Payload::FeelingRecorded(p) => match p.kind {
            FeelingKind::Customer => "rated how the case went".to_owned(),
            FeelingKind::Observed => "noted how the customer seemed to feel".to_owned(),
            FeelingKind::Own => "noted how they felt about the case".to_owned(),
            FeelingKind::Pulse => "answered the weekly pulse".to_owned(),
        },
        Payload::FeelingPraised(_) => "passed the customer's praise on to the team".to_owned(),
        Payload::MailSent(p) if p.message_id.is_some() => {
            format!("emailed the reply to {}", p.to)
        }
        Payload::MailSent(p) => format!("emailed {} ({})", p.to, p.subject),
        Payload::MailFailed(p) => format!("could not email {}: {}", p.to, p.error),
        Payload::CaseTargetWarning(p) => format!(
            "warned that the {} target falls due {}",
            crate::targets::label(p.target).to_lowercase(),
            super::layout::when(p.due)
        ),
        Payload::CaseTargetBreached(p) => format!(
            "noted the {} target was missed (due {}){}",
            crate::targets::label(p.target).to_lowercase(),
            super::layout::when(p.due),
            if p.ask_id.is_some() {
                " and asked the owner's support for help"
            } else {
                ""
            }
        ),
        other => other.kind().as_str().to_owned(),
    })
}
