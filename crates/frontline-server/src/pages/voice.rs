//! The voice of the customer on pages: the cockpit's live "Mood alerts" panel, the case
//! page's banner for an alert still waiting, the acknowledge form behind both, and `/themes`
//! (what customers keep saying, with a link to propose a change). The use cases are
//! `crate::voice`'s; every quote is the customer's own text and is escaped by the templates.

use askama::Template;
use axum::extract::{Path, Query, State};
use frontline_core::Case;
use frontline_core::themes::Trend;
use serde::Deserialize;

use super::form::FormData;
use super::layout::{Layout, PageResult, age, page, see_other, when};
use super::login::safe_next;
use super::viewer::Viewer;
use crate::authz::{Action, Resource};
use crate::error::AppError;
use crate::lookup::Names;
use crate::state::AppState;
use crate::voice::{self, Scope};

/// Alerts shown on the cockpit at most (the newest).
const COCKPIT_ALERTS: u32 = 20;
/// Alerts older than this leave the cockpit (they stay on the mood page).
const COCKPIT_ALERT_DAYS: i64 = 14;
/// Cases linked under a theme before "and n more".
const THEME_CASES: usize = 12;

/// One alert as a row of the cockpit panel.
pub struct AlertRow {
    pub message_id: String,
    pub number: String,
    pub subject: String,
    pub customer: String,
    pub why: String,
    pub quote: String,
    pub at: String,
    pub age: String,
    pub can_acknowledge: bool,
}

/// The cockpit's panel: waiting alerts on my cases and my teams' cases. `None` for people
/// who may not read alerts (the panel is then left out).
pub async fn cockpit_alerts(
    state: &AppState,
    viewer: &Viewer,
    names: &mut Names,
) -> Result<Option<Vec<AlertRow>>, AppError> {
    if !viewer.can(Action::ReadMoodAlerts, &Resource::Org) {
        return Ok(None);
    }
    let now = state.now();
    // Alerts on resolved cases, or weeks old, need nobody now: the mood page keeps them.
    let fresh_since = now - jiff::SignedDuration::from_hours(24 * COCKPIT_ALERT_DAYS);
    let alerts = voice::alerts_since(
        state,
        &viewer.actor,
        Scope::Both,
        false,
        None,
        COCKPIT_ALERTS,
        Some(fresh_since),
    )
    .await?;
    let mut rows = Vec::with_capacity(alerts.len());
    for alert in alerts {
        rows.push(AlertRow {
            message_id: alert.message_id.to_string(),
            number: alert.case_number.to_string(),
            subject: alert.subject,
            customer: names.person(state, alert.customer_id).await?,
            why: alert.why,
            quote: alert.quote,
            at: alert.at.to_string(),
            age: age(alert.at, now),
            can_acknowledge: alert.can_acknowledge,
        });
    }
    Ok(Some(rows))
}

/// The case page's banner: the case's latest alert, while nobody has acknowledged it.
pub struct MoodBanner {
    pub message_id: String,
    pub number: String,
    pub why: String,
    pub quote: String,
    pub at: String,
    pub can_acknowledge: bool,
}

pub async fn banner(
    state: &AppState,
    viewer: &Viewer,
    case: &Case,
) -> Result<Option<MoodBanner>, AppError> {
    if !viewer.can(Action::ReadMoodAlerts, &Resource::Org) {
        return Ok(None);
    }
    let latest = voice::alerts(state, &viewer.actor, Scope::All, true, Some(case.id), 1)
        .await?
        .into_iter()
        .next();
    Ok(latest
        .filter(|a| a.acknowledged_at.is_none())
        .map(|a| MoodBanner {
            message_id: a.message_id.to_string(),
            number: a.case_number.to_string(),
            why: a.why,
            quote: a.quote,
            at: when(a.at),
            can_acknowledge: a.can_acknowledge,
        }))
}

/// `POST /mood-alerts/{message}/acknowledge`: back to the page the form was on (`back`, a
/// local path), else the cockpit. Acknowledged by someone else meanwhile is what was wanted:
/// back too.
pub async fn acknowledge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    match voice::acknowledge(&state, &viewer.actor, &raw).await {
        Ok(_) | Err(AppError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let back = match form.get("back") {
        Some(back) if !back.is_empty() => safe_next(Some(back)),
        _ => "/cockpit".to_owned(),
    };
    Ok(see_other(&back))
}

pub struct QuoteRow {
    pub number: String,
    pub source: &'static str,
    pub text: String,
    pub at: String,
}

pub struct ThemeRow {
    pub key: String,
    pub label: String,
    pub phrases: String,
    pub count: usize,
    pub recent: usize,
    pub previous: usize,
    pub trend: &'static str,
    pub arrow: &'static str,
    pub quotes: Vec<QuoteRow>,
    pub cases: Vec<String>,
    pub more_cases: usize,
    /// `/proposals/new?theme=KEY&label=LABEL`, query-encoded.
    pub propose: String,
}

#[derive(Template)]
#[template(path = "pages/themes.html")]
struct ThemesPage {
    layout: Layout,
    themes: Vec<ThemeRow>,
    verbatims: usize,
    since: String,
    period_days: i64,
    /// `?key=`: one theme asked for (a proposal's link); `None` lists them all.
    key: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ThemesQuery {
    key: Option<String>,
}

/// `GET /themes`, or `/themes?key=…` for one theme (a proposal links to its theme this way;
/// themes are computed when read, so one may have faded since, and the page says so).
pub async fn themes(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ThemesQuery>,
) -> PageResult {
    let found = voice::themes(&state, &viewer.actor).await?;
    let key = query.key.filter(|k| !k.trim().is_empty());
    let themes = found
        .themes
        .into_iter()
        .filter(|t| key.as_ref().is_none_or(|k| *k == t.key))
        .map(|t| {
            let arrow = match t.trend {
                Trend::New => "★",
                Trend::Rising => "↑",
                Trend::Steady => "→",
                Trend::Falling => "↓",
            };
            let propose = format!(
                "/proposals/new?{}",
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("theme", &t.key)
                    .append_pair("label", &t.label)
                    .finish()
            );
            ThemeRow {
                phrases: t.phrases.join(", "),
                count: t.count,
                recent: t.recent,
                previous: t.previous,
                trend: voice::trend_words(t.trend),
                arrow,
                quotes: t
                    .quotes
                    .iter()
                    .map(|q| QuoteRow {
                        number: q.case_number.to_string(),
                        source: voice::source_words(q),
                        text: q.text.clone(),
                        at: when(q.at),
                    })
                    .collect(),
                more_cases: t.cases.len().saturating_sub(THEME_CASES),
                cases: t
                    .cases
                    .iter()
                    .take(THEME_CASES)
                    .map(ToString::to_string)
                    .collect(),
                propose,
                key: t.key,
                label: t.label,
            }
        })
        .collect();
    page(&ThemesPage {
        layout: Layout::new(&viewer, "Themes", "/themes"),
        themes,
        verbatims: found.verbatims,
        since: when(found.since),
        period_days: found.period_days,
        key,
    })
}
