//! The voice of the customer as use cases, shared by the API and the pages: the mood alerts a
//! person should see (their cases, their teams' cases), acknowledging one, and the themes
//! drawn from customers' verbatims.
//!
//! Alerts are raised by the store when a customer's message is written (the rules are
//! `frontline_core::mood`); nothing here raises one. Who may read and acknowledge is
//! `authz`'s (`ReadMoodAlerts`, `AcknowledgeMoodAlert` on `Resource::MoodAlert`, `ReadThemes`).

use std::str::FromStr;

use frontline_core::org::in_force;
use frontline_core::themes::{self, Quote, Theme, Trend, VoiceSource};
use frontline_core::{CaseNumber, MessageId, PersonId, TeamId, Timestamp, mood};
use frontline_store::{MoodAlertFilter, MoodAlertItem, VoiceFilter};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::lookup::written;
use crate::state::AppState;

/// Verbatims of each source read for the themes at most (the newest): enough for eight weeks
/// of a busy help desk, bounded so one page view cannot read the whole history.
const MAX_VOICES: u32 = 5_000;

/// Whose alerts to list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// Cases I own.
    Mine,
    /// Cases of the teams I am in or support.
    Team,
    /// Both: what the cockpit shows.
    #[default]
    Both,
    /// Every case.
    All,
}

impl FromStr for Scope {
    type Err = AppError;
    fn from_str(raw: &str) -> Result<Self> {
        match raw.trim() {
            "mine" => Ok(Scope::Mine),
            "team" => Ok(Scope::Team),
            "both" | "" => Ok(Scope::Both),
            "all" => Ok(Scope::All),
            other => Err(AppError::field(
                "scope",
                format!("{other:?} is not one of mine, team, both, all"),
            )),
        }
    }
}

/// An alert as the API and the pages show it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AlertView {
    /// The message that raised it: acknowledge with `POST /api/v1/mood-alerts/{message_id}/acknowledge`.
    #[schema(value_type = String)]
    pub message_id: MessageId,
    #[schema(value_type = String)]
    pub case_number: CaseNumber,
    pub subject: String,
    #[schema(value_type = String)]
    pub customer_id: PersonId,
    #[schema(value_type = Option<String>)]
    pub owner_id: Option<PersonId>,
    #[schema(value_type = Option<String>)]
    pub team_id: Option<TeamId>,
    /// `anger` or `drop`.
    pub reason: String,
    /// The reason in words ("angry words: furious, unacceptable").
    pub why: String,
    /// The message's sentiment, from -1 to 1 (VADER, English).
    pub sentiment: f64,
    /// The customer's words.
    pub quote: String,
    #[schema(value_type = String)]
    pub at: Timestamp,
    #[schema(value_type = Option<String>)]
    pub acknowledged_by: Option<PersonId>,
    #[schema(value_type = Option<String>)]
    pub acknowledged_at: Option<Timestamp>,
    /// Whether the caller may acknowledge it (its case's owner or team).
    pub can_acknowledge: bool,
}

/// The teams a person is in now, and those they support now.
pub struct MyTeams {
    pub member_of: Vec<TeamId>,
    pub supporting: Vec<TeamId>,
}

impl MyTeams {
    pub async fn of(state: &AppState, me: PersonId) -> Result<MyTeams> {
        let now = state.now();
        let mut member_of: Vec<TeamId> = state
            .store
            .list_memberships(None, Some(me))
            .await?
            .iter()
            .filter(|m| in_force(m.from, m.to, now))
            .map(|m| m.team_id)
            .collect();
        member_of.sort();
        member_of.dedup();
        let mut supporting: Vec<TeamId> = state
            .store
            .list_supports(None)
            .await?
            .iter()
            .filter(|l| l.support_id == me && in_force(l.from, l.to, now))
            .map(|l| l.team_id)
            .collect();
        supporting.sort();
        supporting.dedup();
        Ok(MyTeams {
            member_of,
            supporting,
        })
    }

    fn all(&self) -> Vec<TeamId> {
        let mut all: Vec<TeamId> = self
            .member_of
            .iter()
            .chain(&self.supporting)
            .copied()
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// What authorisation needs to know about an alert, for `actor`.
fn resource(item: &MoodAlertItem, teams: &MyTeams) -> Resource {
    Resource::MoodAlert {
        owner_id: item.owner_id,
        on_team: item.team_id.is_some_and(|t| teams.member_of.contains(&t)),
    }
}

fn view(item: MoodAlertItem, actor: &Actor, teams: &MyTeams) -> AlertView {
    let can_acknowledge = item.acknowledged_at.is_none()
        && authz::authorize(actor, Action::AcknowledgeMoodAlert, &resource(&item, teams))
            == authz::Decision::Allow;
    AlertView {
        message_id: item.message_id,
        case_number: item.case_number,
        subject: item.subject.to_string(),
        customer_id: item.customer_id,
        owner_id: item.owner_id,
        team_id: item.team_id,
        reason: item.reason.to_string(),
        why: item.why,
        sentiment: item.sentiment,
        quote: item.quote,
        at: item.at,
        acknowledged_by: item.acknowledged_by,
        acknowledged_at: item.acknowledged_at,
        can_acknowledge,
    }
}

/// Alerts newest first: of `scope`, only those still waiting unless `acknowledged`, on one
/// case if `case` is given, at most `limit`.
pub async fn alerts(
    state: &AppState,
    actor: &Actor,
    scope: Scope,
    acknowledged: bool,
    case: Option<frontline_core::CaseId>,
    limit: u32,
) -> Result<Vec<AlertView>> {
    alerts_since(state, actor, scope, acknowledged, case, limit, None).await
}

/// `alerts`, and with `open_since`, only those raised since then on cases still open: what
/// still needs someone (the cockpit), not the history.
pub async fn alerts_since(
    state: &AppState,
    actor: &Actor,
    scope: Scope,
    acknowledged: bool,
    case: Option<frontline_core::CaseId>,
    limit: u32,
    open_since: Option<frontline_core::Timestamp>,
) -> Result<Vec<AlertView>> {
    authz::require(actor, Action::ReadMoodAlerts, &Resource::Org, "mood alerts")?;
    let me = actor.person_id();
    let teams = MyTeams::of(state, me).await?;
    let (owner_id, team_ids) = match scope {
        Scope::Mine => (Some(me), Vec::new()),
        Scope::Team => (None, teams.all()),
        Scope::Both => (Some(me), teams.all()),
        Scope::All => (None, Vec::new()),
    };
    if scope == Scope::Team && team_ids.is_empty() {
        // In no team: "every team's" would otherwise read as no filter at all.
        return Ok(Vec::new());
    }
    let items = state
        .store
        .list_mood_alerts(
            MoodAlertFilter {
                owner_id,
                team_ids,
                case_id: case,
                message_id: None,
                unacknowledged_only: !acknowledged,
                since: open_since,
                open_cases_only: open_since.is_some(),
            },
            limit,
        )
        .await?;
    Ok(items
        .into_iter()
        .map(|item| view(item, actor, &teams))
        .collect())
}

/// Acknowledge the alert raised by message `raw` (its id). A message that raised no alert,
/// or one the actor may not see, is the same 404; someone neither owning the case nor on its
/// team gets 403; a second acknowledgement 409.
pub async fn acknowledge(state: &AppState, actor: &Actor, raw: &str) -> Result<AlertView> {
    let what = format!("mood alert {raw}");
    let Ok(message_id) = raw.trim().parse::<MessageId>() else {
        return Err(AppError::not_found(&what));
    };
    let teams = MyTeams::of(state, actor.person_id()).await?;
    let item = state
        .store
        .list_mood_alerts(
            MoodAlertFilter {
                message_id: Some(message_id),
                ..MoodAlertFilter::default()
            },
            1,
        )
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::not_found(&what))?;
    authz::require(
        actor,
        Action::AcknowledgeMoodAlert,
        &resource(&item, &teams),
        &what,
    )?;
    let done = written(
        state
            .store
            .acknowledge_mood_alert(actor.person_id(), message_id, None)
            .await?,
    );
    Ok(view(done, actor, &teams))
}

/// The themes as of now, with what they were read from.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Themes {
    #[schema(value_type = String)]
    pub as_of: Timestamp,
    /// The start of the window: two periods of `period_days` before `as_of`.
    #[schema(value_type = String)]
    pub since: Timestamp,
    pub period_days: i64,
    /// Customer messages at or below this sentiment count as verbatims.
    pub low_sentiment: f64,
    /// How many verbatims were read.
    pub verbatims: usize,
    #[schema(value_type = Vec<Object>)]
    pub themes: Vec<Theme>,
}

pub async fn themes(state: &AppState, actor: &Actor) -> Result<Themes> {
    authz::require(actor, Action::ReadThemes, &Resource::Org, "themes")?;
    let now = state.now();
    let since = themes::window_start(now);
    let voices = state
        .store
        .list_voices(VoiceFilter {
            since,
            max_sentiment: mood::LOW_SENTIMENT,
            limit: MAX_VOICES,
        })
        .await?;
    Ok(Themes {
        as_of: now,
        since,
        period_days: themes::PERIOD_DAYS,
        low_sentiment: mood::LOW_SENTIMENT,
        verbatims: voices.len(),
        themes: themes::themes(&voices, now),
    })
}

/// A trend in words, for pages.
pub fn trend_words(trend: Trend) -> &'static str {
    match trend {
        Trend::New => "new",
        Trend::Rising => "rising",
        Trend::Steady => "steady",
        Trend::Falling => "falling",
    }
}

/// Where a quote comes from, in words.
pub fn source_words(quote: &Quote) -> &'static str {
    match quote.source {
        VoiceSource::Rating => "rating",
        VoiceSource::Message => "message",
    }
}
