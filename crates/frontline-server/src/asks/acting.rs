//! Acting on asks, the use cases behind both the API and the asks pages: raising one (to the
//! asker's support, or a named support employee), loading one the actor may see, and every
//! change after (claim, answer, follow up, resolve, withdraw, reopen, rate).

use frontline_core::ask::{Ask, AskChange, AskKind, FeelingWord, NewAskSpec, Urgency, parse_score};
use frontline_core::{AskId, AskText, MessageBody, Role, Timestamp};
use frontline_store::{AskChanged, StoreError};
use serde::Deserialize;
use utoipa::ToSchema;

use super::support_for;
use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::dates::{DayEdge, parse_at};
use crate::error::{AppError, Fields, Result};
use crate::lookup::{load_case, resolve_person, written};
use crate::state::AppState;

/// An ask to raise.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseBody {
    /// unblock, approval, resource, advice or other.
    pub kind: String,
    /// low, normal (default), high or urgent: sets the response and unblock targets.
    pub urgency: Option<String>,
    /// What you need, in a few sentences.
    pub text: String,
    /// The case it is about (id or number, `FL-1042`), if any.
    pub case: Option<String>,
    /// A support employee (id or email), or `my_support` (default): the least busy support
    /// employee of your teams.
    pub to: Option<String>,
}

/// Raise an ask (shared by the API and the pages).
pub async fn raise(state: &AppState, actor: &Actor, body: RaiseBody) -> Result<Ask> {
    authz::require(actor, Action::RaiseAsk, &Resource::Org, "asks")?;
    let mut fields = Fields::new();
    let kind = fields.check(body.kind.trim().parse::<AskKind>());
    let urgency = fields.check(match body.urgency.as_deref().map(str::trim) {
        None | Some("") => Ok(Urgency::Normal),
        Some(raw) => raw.parse::<Urgency>(),
    });
    let text = fields.check(AskText::parse(&body.text));
    let (kind, urgency, text) = fields.done(|| Some((kind?, urgency?, text?)))?;
    let case_id = match body
        .case
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => None,
        Some(raw) => Some(
            load_case(state, actor, raw, Action::ReadCase)
                .await
                .map_err(|_| AppError::field("case", format!("no case {raw:?}")))?
                .id,
        ),
    };
    let me = actor.person_id();
    let assignee_id = match body.to.as_deref().map(str::trim) {
        None | Some("") | Some("my_support") => support_for(&*state.store, me, me, state.now())
            .await?
            .ok_or_else(|| {
                AppError::field(
                    "to",
                    "nobody supports your teams yet: name a support employee (id or email)",
                )
            })?,
        Some(raw) => {
            let person = resolve_person(state, "to", raw).await?;
            if person.role != Role::Support {
                return Err(AppError::field(
                    "to",
                    format!(
                        "{} is not a support employee; asks go to support employees or to my_support",
                        person.name
                    ),
                ));
            }
            person.id
        }
    };
    let spec = NewAskSpec {
        asker_id: me,
        kind,
        urgency,
        text,
        case_id,
        assignee_id,
    };
    Ok(written(state.store.raise_ask(spec, None).await?))
}

/// Load an ask and check `action` on it; missing and hidden read alike.
pub async fn load_ask(state: &AppState, actor: &Actor, raw: &str, action: Action) -> Result<Ask> {
    let what = format!("ask {raw}");
    let id = raw
        .parse::<AskId>()
        .map_err(|_| AppError::not_found(&what))?;
    let ask = state.store.get_ask(id).await.map_err(|e| match e {
        StoreError::NotFound { .. } => AppError::not_found(&what),
        other => other.into(),
    })?;
    let resource = Resource::Ask {
        asker_id: ask.asker_id,
    };
    authz::require(actor, Action::ReadAsk, &resource, &what)?;
    authz::require(actor, action, &resource, &what)?;
    Ok(ask)
}

/// What a person does to an ask, before it is checked.
#[derive(Debug)]
pub enum Act {
    Claim,
    /// An answer from the support side, or a follow-up from the asker.
    Message(String),
    Resolve(Option<String>),
    Withdraw,
    Reopen(String),
    Rate(i64, String),
}

fn body(field: &str, raw: &str) -> Result<MessageBody> {
    MessageBody::parse(raw).map_err(|e| AppError::field(field, e.reason))
}

/// Do `act` to the ask `raw` (shared by the API and the pages). Authorisation decides the
/// side: the support side claims, answers and resolves; the asker follows up, withdraws,
/// reopens and rates.
pub async fn act(state: &AppState, actor: &Actor, raw: &str, act: Act) -> Result<AskChanged> {
    let me = actor.person_id();
    let peek = load_ask(state, actor, raw, Action::ReadAsk).await?;
    let own = peek.asker_id == me;
    let (action, change) = match act {
        Act::Claim => (Action::WorkAsk, AskChange::Claim),
        Act::Message(text) if own => (
            Action::FollowUpAsk,
            AskChange::FollowUp {
                body: body("body", &text)?,
            },
        ),
        Act::Message(text) => (
            Action::WorkAsk,
            AskChange::Answer {
                body: body("body", &text)?,
            },
        ),
        Act::Resolve(note) => {
            let note = match note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                None => None,
                Some(n) => Some(body("note", n)?),
            };
            (Action::WorkAsk, AskChange::Resolve { note })
        }
        Act::Withdraw => (Action::FollowUpAsk, AskChange::Withdraw),
        Act::Reopen(reason) => {
            if reason.trim().is_empty() {
                return Err(AppError::field(
                    "reason",
                    "say what is still blocking you, so the support employee can act on it",
                ));
            }
            (
                Action::FollowUpAsk,
                AskChange::Reopen {
                    reason: body("reason", &reason)?,
                },
            )
        }
        Act::Rate(score, word) => {
            let score = parse_score(score)?;
            let word = FeelingWord::parse(&word)?;
            (Action::FollowUpAsk, AskChange::Rate { score, word })
        }
    };
    authz::require(
        actor,
        action,
        &Resource::Ask {
            asker_id: peek.asker_id,
        },
        format!("ask {raw}"),
    )?;
    Ok(written(
        state
            .store
            .change_ask(Some(me), peek.id, change, None)
            .await?,
    ))
}

/// The start of the figures' window: `since`, or 90 days ago.
pub fn figures_since(raw: Option<&str>, now: Timestamp) -> Result<Timestamp> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(now - jiff::SignedDuration::from_hours(90 * 24)),
        Some(raw) => parse_at("since", raw, DayEdge::Start),
    }
}
