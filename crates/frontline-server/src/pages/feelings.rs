//! Feelings on pages: the rating page a customer reaches by the signed link (no sign-in; the
//! unguessable token in the path is the credential, so the form needs no CSRF token), the
//! rating form customers see on their resolved case, the feelings panel staff see on a case
//! (the customer's rating or the link to send, what colleagues observed, and the one-step
//! "how did the customer seem / how did this case feel to you" form that can also resolve the
//! case), and the weekly pulse.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use frontline_core::feeling::{Emotion, Feeling};
use frontline_core::{Case, CaseStatus};

use super::form::FormData;
use super::layout::{Layout, PageResult, refusal_in_words, render, see_other, when};
use super::viewer::{MaybeViewer, Viewer};
use crate::authz::{Action, Resource};
use crate::error::AppError;
use crate::feelings::{self, AnswerBody, CaseFeelingsBody, RatingBody};
use crate::lookup::Names;
use crate::lookup::load_case;
use crate::state::AppState;

/// What was typed, given back with a refusal so nothing is lost.
#[derive(Debug, Default, Clone)]
pub struct Draft {
    pub score: String,
    pub emotion: String,
    pub text: String,
}

impl Draft {
    fn from_form(form: &FormData, prefix: &str) -> Self {
        Self {
            score: form.text(&format!("{prefix}score")).to_owned(),
            emotion: form.text(&format!("{prefix}emotion")).to_owned(),
            text: form.get(&format!("{prefix}text")).unwrap_or("").to_owned(),
        }
    }

    fn is_blank(&self) -> bool {
        self.score.is_empty() && self.emotion.is_empty() && self.text.trim().is_empty()
    }

    /// A score that is not a number is sent as 0, which the domain refuses in words.
    fn score(&self) -> i64 {
        self.score.parse().unwrap_or(0)
    }

    fn answer(&self) -> AnswerBody {
        AnswerBody {
            score: self.score(),
            emotion: Some(self.emotion.clone()),
            text: Some(self.text.clone()),
        }
    }

    fn rating(&self) -> RatingBody {
        RatingBody {
            score: self.score(),
            emotion: self.emotion.clone(),
            text: Some(self.text.clone()),
        }
    }
}

/// The fixed emotion words, for the forms' choices.
pub fn emotions() -> &'static [Emotion] {
    Emotion::ALL
}

#[derive(Template)]
#[template(path = "pages/rate.html")]
struct RatePage {
    layout: Layout,
    /// Where the form posts.
    action: String,
    case_number: String,
    subject: String,
    draft: Draft,
    problem: Option<String>,
    /// Thanked, or already rated: no form.
    done: Option<String>,
    emotions: &'static [Emotion],
}

fn rate_page(
    layout: Layout,
    action: String,
    case: &Case,
    draft: Draft,
    problem: Option<String>,
    done: Option<String>,
    status: StatusCode,
) -> PageResult {
    render(
        status,
        &RatePage {
            layout,
            action,
            case_number: case.number.to_string(),
            subject: case.subject.to_string(),
            draft,
            problem,
            done,
            emotions: emotions(),
        },
    )
}

fn thanks(f: &Feeling) -> String {
    format!(
        "Thank you. You rated this case {} out of 5{}.",
        f.score.get(),
        f.emotion
            .map(|e| format!(" and felt {e}"))
            .unwrap_or_default()
    )
}

/// `GET /rate/{token}`: the rating form, or why the link no longer works.
pub async fn rate_form(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Path(token): Path<String>,
) -> PageResult {
    let case = feelings::link_case(&state, &token).await?;
    let layout = layout_for(viewer.as_ref(), "Rate your case");
    let done = feelings::rating_of(&state, &case).await?.map(|f| {
        format!(
            "This case has been rated already ({} out of 5). Thank you.",
            f.score.get()
        )
    });
    rate_page(
        layout,
        format!("/rate/{token}"),
        &case,
        Draft::default(),
        None,
        done,
        StatusCode::OK,
    )
}

fn layout_for(viewer: Option<&Viewer>, title: &str) -> Layout {
    match viewer {
        Some(v) => Layout::new(v, title, ""),
        None => Layout::anonymous(title),
    }
}

/// `POST /rate/{token}`.
pub async fn rate_submit(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Path(token): Path<String>,
    form: FormData,
) -> PageResult {
    let draft = Draft::from_form(&form, "");
    let case = feelings::link_case(&state, &token).await?;
    let layout = layout_for(viewer.as_ref(), "Rate your case");
    let action = format!("/rate/{token}");
    match feelings::rate_linked_case(&state, &case, &draft.rating()).await {
        Ok(feeling) => rate_page(
            layout,
            action,
            &case,
            Draft::default(),
            None,
            Some(thanks(&feeling)),
            StatusCode::CREATED,
        ),
        Err(error) => {
            let status = error.status();
            let Some(message) = refusal_in_words(&error) else {
                return Err(error.into());
            };
            rate_page(layout, action, &case, draft, Some(message), None, status)
        }
    }
}

/// `POST /cases/{case}/rating`: a customer rates their own case from its page.
pub async fn rate_own(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let draft = Draft::from_form(&form, "");
    match feelings::rate_signed_in(&state, &viewer.actor, &raw, &draft.rating()).await {
        Ok((case, _)) => Ok(see_other(&format!("/cases/{}?done=rated", case.number))),
        Err(error) => {
            let status = error.status();
            let Some(message) = refusal_in_words(&error) else {
                return Err(error.into());
            };
            let case = load_case(&state, &viewer.actor, &raw, Action::ReadCase).await?;
            rate_page(
                Layout::new(&viewer, "Rate your case", ""),
                format!("/cases/{}/rating", case.number),
                &case,
                draft,
                Some(message),
                None,
                status,
            )
        }
    }
}

pub struct RatingView {
    pub score: u8,
    pub emotion: String,
    pub text: Option<String>,
    pub at: String,
}

impl RatingView {
    fn of(f: &Feeling) -> Self {
        Self {
            score: f.score.get(),
            emotion: f.emotion.map(|e| e.to_string()).unwrap_or_default(),
            text: f.text.as_ref().map(ToString::to_string),
            at: when(f.created_at),
        }
    }
}

pub struct ObservedView {
    pub by: String,
    pub rating: RatingView,
}

/// The feelings panel of a case page.
pub struct FeelingsPanel {
    /// The customer's side: rate the case, or see their rating.
    pub customer_side: bool,
    pub resolved: bool,
    pub rating: Option<RatingView>,
    /// The rating link staff send the customer, while the case is resolved and unrated.
    pub link: Option<String>,
    pub link_expires: String,
    pub observed: Vec<ObservedView>,
    pub mine: Option<RatingView>,
    /// Staff may record observed and own feelings.
    pub can_record: bool,
    /// The form may also resolve the case in the same step.
    pub can_resolve: bool,
    pub emotions: &'static [Emotion],
    /// The empty answer the forms start from.
    pub blank: Draft,
}

/// Load the panel as `viewer` may see it; `None` for people who see neither side.
pub async fn panel(
    state: &AppState,
    viewer: &Viewer,
    case: &Case,
) -> Result<Option<FeelingsPanel>, AppError> {
    let resource = Resource::Case {
        customer_id: case.customer_id,
    };
    let resolved = matches!(case.status, CaseStatus::Resolved | CaseStatus::Closed);
    if viewer.can(Action::RateCase, &resource) {
        let rating = feelings::rating_of(state, case).await?;
        return Ok(Some(FeelingsPanel {
            customer_side: true,
            resolved,
            rating: rating.as_ref().map(RatingView::of),
            link: None,
            link_expires: String::new(),
            observed: Vec::new(),
            mine: None,
            can_record: false,
            can_resolve: false,
            emotions: emotions(),
            blank: Draft::default(),
        }));
    }
    if !viewer.can(Action::ReadFeelings, &Resource::Org) {
        return Ok(None);
    }
    let found = feelings::case_feelings(state, &viewer.actor, case).await?;
    let mut names = Names::default();
    let mut observed = Vec::new();
    for f in &found.observed {
        observed.push(ObservedView {
            by: names.person(state, f.person_id).await?,
            rating: RatingView::of(f),
        });
    }
    let (link, link_expires) =
        if resolved && found.rating.is_none() && viewer.can(Action::IssueRatingLink, &resource) {
            let link = feelings::issue_link(state, &viewer.actor, &case.id.to_string()).await?;
            (Some(link.path), when(link.expires_at))
        } else {
            (None, String::new())
        };
    Ok(Some(FeelingsPanel {
        customer_side: false,
        resolved,
        rating: found.rating.as_ref().map(RatingView::of),
        link,
        link_expires,
        observed,
        mine: found.mine.as_ref().map(RatingView::of),
        can_record: viewer.can(Action::RecordCaseFeeling, &resource),
        can_resolve: case.status.can_become(CaseStatus::Resolved)
            && viewer.can(Action::ChangeStatus, &resource),
        emotions: emotions(),
        blank: Draft::default(),
    }))
}

#[derive(Template)]
#[template(path = "pages/case_feelings_form.html")]
struct CaseFeelingsForm {
    layout: Layout,
    case_number: String,
    subject: String,
    observed: Draft,
    own: Draft,
    resolve: bool,
    can_resolve: bool,
    problem: Option<String>,
    emotions: &'static [Emotion],
}

/// `POST /cases/{case}/feelings`: how the customer seemed and how the case felt, and
/// optionally resolve the case, in one step. Both answers are checked before anything is
/// written; a refusal shows the form again with what was typed.
pub async fn record(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let case = load_case(&state, &viewer.actor, &raw, Action::RecordCaseFeeling).await?;
    let observed = Draft::from_form(&form, "observed_");
    let own = Draft::from_form(&form, "own_");
    let resolve = form.checked("resolve");
    let body = CaseFeelingsBody {
        observed: (!observed.is_blank()).then(|| observed.answer()),
        own: (!own.is_blank()).then(|| own.answer()),
    };
    let outcome: Result<(), AppError> = async {
        // Check the answers first, so resolving never happens beside a refused answer.
        let answers = if resolve && body.observed.is_none() && body.own.is_none() {
            Vec::new()
        } else {
            feelings::case_answers(&viewer.actor, &case, &body)?
        };
        if resolve {
            crate::authz::require(
                &viewer.actor,
                Action::ChangeStatus,
                &Resource::Case {
                    customer_id: case.customer_id,
                },
                format!("case {}", case.number),
            )?;
            state
                .store
                .change_status(
                    Some(viewer.actor.person_id()),
                    case.id,
                    CaseStatus::Resolved,
                )
                .await
                .map(crate::lookup::written)?;
        }
        feelings::write_answers(&state, answers).await?;
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(see_other(&format!(
            "/cases/{}?done={}#feelings",
            case.number,
            if resolve { "resolved-felt" } else { "felt" }
        ))),
        Err(error) => {
            let status = error.status();
            let Some(message) = refusal_in_words(&error) else {
                return Err(error.into());
            };
            let resource = Resource::Case {
                customer_id: case.customer_id,
            };
            render(
                status,
                &CaseFeelingsForm {
                    layout: Layout::new(&viewer, format!("Feelings on {}", case.number), ""),
                    case_number: case.number.to_string(),
                    subject: case.subject.to_string(),
                    observed,
                    own,
                    resolve,
                    can_resolve: case.status.can_become(CaseStatus::Resolved)
                        && viewer.can(Action::ChangeStatus, &resource),
                    problem: Some(message),
                    emotions: emotions(),
                },
            )
        }
    }
}

pub struct PulseRow {
    pub week: String,
    pub score: u8,
    pub emotion: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "pages/pulse.html")]
struct PulsePage {
    layout: Layout,
    week: String,
    answered: Option<PulseRow>,
    history: Vec<PulseRow>,
    draft: Draft,
    problem: Option<String>,
    notice: Option<&'static str>,
    emotions: &'static [Emotion],
}

fn pulse_row(f: &Feeling) -> PulseRow {
    PulseRow {
        week: f.period.clone().unwrap_or_default(),
        score: f.score.get(),
        emotion: f.emotion.map(|e| e.to_string()).unwrap_or_default(),
        text: f.text.as_ref().map(ToString::to_string).unwrap_or_default(),
    }
}

async fn pulse_page(
    state: &AppState,
    viewer: &Viewer,
    draft: Draft,
    problem: Option<String>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let week = frontline_core::Cadence::Weekly.period_at(state.now()).key;
    let history: Vec<PulseRow> = feelings::my_answers(state, &viewer.actor, 100)
        .await?
        .iter()
        .filter(|f| f.period.is_some())
        .map(pulse_row)
        .collect();
    let answered = feelings::this_weeks_pulse(state, &viewer.actor)
        .await?
        .as_ref()
        .map(pulse_row);
    render(
        status,
        &PulsePage {
            layout: Layout::new(viewer, "Pulse", "/pulse"),
            week,
            answered,
            history,
            draft,
            problem,
            notice,
            emotions: emotions(),
        },
    )
}

/// `GET /pulse`.
pub async fn pulse(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    viewer_may_answer(&viewer)?;
    let notice = None;
    pulse_page(
        &state,
        &viewer,
        Draft::default(),
        None,
        notice,
        StatusCode::OK,
    )
    .await
}

fn viewer_may_answer(viewer: &Viewer) -> Result<(), AppError> {
    crate::authz::require(&viewer.actor, Action::AnswerPulse, &Resource::Org, "pulse")
}

/// `POST /pulse`.
pub async fn answer_pulse(
    State(state): State<AppState>,
    viewer: Viewer,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    let draft = Draft::from_form(&form, "");
    match feelings::answer_pulse(&state, &viewer.actor, &draft.answer()).await {
        Ok(_) => {
            pulse_page(
                &state,
                &viewer,
                Draft::default(),
                None,
                Some("Thank you: your answer for this week is saved. Only you see it; your team sees figures from five people or more."),
                StatusCode::OK,
            )
            .await
        }
        Err(error) => {
            let status = error.status();
            let Some(message) = refusal_in_words(&error) else {
                return Err(error.into());
            };
            pulse_page(&state, &viewer, draft, Some(message), None, status).await
        }
    }
}
