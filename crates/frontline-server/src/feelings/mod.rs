//! Feelings as use cases, shared by the API and the pages: customers rating a case (through a
//! signed link without signing in, or in the portal), employees saying how the customer seemed
//! and how the case felt to them, the weekly pulse, and the figures built on them (per team
//! and outcome, the CX/EX mirror, the heroes feed).
//!
//! Privacy is decided in two places only: `authz` (who may call what) and
//! `frontline_core::feeling::figures` (employees' answers only as figures over enough people).
//! Nothing here returns one employee's own answer to anyone but that employee.

mod results;
pub mod token;

pub use results::{
    FeelingFigures, Hero, Named, figures_between, heroes, mirror, mirror_params, window,
};

use std::sync::Arc;

use frontline_core::feeling::{
    Emotion, Feeling, FeelingKind, FeelingSource, NewFeeling, Score, Verbatim,
};
use frontline_core::standard_work::Cadence;
use frontline_core::{Case, CaseStatus, PersonId, Timestamp, time};
use frontline_store::{FeelingFilter, RATING_LINK_KEY};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Fields, Result};
use crate::lookup::{load_case, written};
use crate::state::AppState;
use token::LinkError;

/// Most feelings a figure reads at once; the window is narrowed rather than read unbounded.
pub(crate) const MAX_READ: u32 = 50_000;

/// A customer's rating, as sent by the rating page, the portal or the API.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    /// 1 (awful) to 5 (great).
    pub score: i64,
    /// The word closest to how you feel: delighted, relieved, satisfied, indifferent,
    /// confused, disappointed, frustrated or angry.
    pub emotion: String,
    /// Anything you want to tell us (optional, up to 2,000 characters).
    pub text: Option<String>,
}

/// One employee answer: a score, and optionally a word and a comment.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// 1 (awful) to 5 (great).
    pub score: i64,
    /// One of the fixed emotion words (optional).
    pub emotion: Option<String>,
    /// For your own feeling: what got in the way. For the pulse: anything to add. Optional.
    pub text: Option<String>,
}

/// What an employee says at or after the close of a case, in one step: how the customer
/// seemed, and how the case felt to them. Either may be left out, not both.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseFeelingsBody {
    /// How the customer seemed to you during the case.
    pub observed: Option<AnswerBody>,
    /// How did this case feel, and what got in the way? Seen by you alone; counted only in
    /// team figures over at least five people.
    pub own: Option<AnswerBody>,
}

/// A link to send a customer so they can rate a case without signing in.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingLink {
    /// The path of the rating page (prefix it with this server's address).
    pub path: String,
    pub token: String,
    #[schema(value_type = String)]
    pub expires_at: Timestamp,
}

fn emotion(fields: &mut Fields, raw: Option<&str>, required: bool) -> Option<Option<Emotion>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None if required => {
            fields.push("emotion", "choose the word closest to how you feel");
            None
        }
        None => Some(None),
        Some(raw) => fields.check(raw.parse::<Emotion>()).map(Some),
    }
}

fn parse_answer(
    body: &AnswerBody,
    kind: FeelingKind,
    source: FeelingSource,
    person_id: PersonId,
    case: Option<&Case>,
    prefix: &str,
) -> (Option<NewFeeling>, Vec<crate::error::FieldError>) {
    let mut fields = Fields::new();
    let score = fields.check(Score::new(body.score));
    let emotion = emotion(&mut fields, body.emotion.as_deref(), false);
    let text = fields.check(Verbatim::parse_optional(body.text.as_deref()));
    let errors = fields
        .into_errors()
        .into_iter()
        .map(|mut e| {
            if !prefix.is_empty() {
                e.field = format!("{prefix}.{}", e.field);
            }
            e
        })
        .collect::<Vec<_>>();
    let new = (|| {
        Some(NewFeeling {
            kind,
            source,
            person_id,
            case_id: case.map(|c| c.id),
            score: score?,
            emotion: emotion?,
            text: text?,
        })
    })();
    (new.filter(|_| errors.is_empty()), errors)
}

fn parse_rating(body: &RatingBody, case: &Case, source: FeelingSource) -> Result<NewFeeling> {
    let mut fields = Fields::new();
    let score = fields.check(Score::new(body.score));
    let emotion = emotion(&mut fields, Some(&body.emotion), true);
    let text = fields.check(Verbatim::parse_optional(body.text.as_deref()));
    fields.done(|| {
        Some(NewFeeling {
            kind: FeelingKind::Customer,
            source,
            person_id: case.customer_id,
            case_id: Some(case.id),
            score: score?,
            emotion: emotion?,
            text: text?,
        })
    })
}

/// The key that signs rating links, read (or created) once per process.
async fn rating_key(state: &AppState) -> Result<Arc<Vec<u8>>> {
    state
        .rating_key
        .get_or_try_init(|| async {
            let candidate: [u8; 32] = rand::random();
            let key = state
                .store
                .signing_key(RATING_LINK_KEY, candidate.to_vec())
                .await?;
            Ok::<_, AppError>(Arc::new(key))
        })
        .await
        .cloned()
}

fn resolved(case: &Case) -> bool {
    matches!(case.status, CaseStatus::Resolved | CaseStatus::Closed)
}

/// Make the rating link of a resolved case (staff), valid for [`token::LINK_VALID_FOR`].
pub async fn issue_link(state: &AppState, actor: &Actor, raw: &str) -> Result<RatingLink> {
    let case = load_case(state, actor, raw, Action::IssueRatingLink).await?;
    if !resolved(&case) {
        return Err(AppError::Conflict(format!(
            "case {} is {}; its rating link can be made once it is resolved",
            case.number,
            case.status.as_str().replace('_', " ")
        )));
    }
    Ok(link_for(&rating_key(state).await?, &case, state.now()))
}

/// The rating link of a resolved `case`, made now, for whoever tells the customer (the
/// rating mail): no actor, since Frontline sends it on its own.
pub async fn link_of(state: &AppState, case: &Case) -> Result<RatingLink> {
    Ok(link_for(&rating_key(state).await?, case, state.now()))
}

/// The link of `case`, made at `now`.
pub fn link_for(key: &[u8], case: &Case, now: Timestamp) -> RatingLink {
    let expires_at = time::truncate(
        now + jiff::SignedDuration::try_from(token::LINK_VALID_FOR).unwrap_or_default(),
    );
    let token = token::issue(key, case.id, expires_at);
    RatingLink {
        path: format!("/rate/{token}"),
        token,
        expires_at,
    }
}

/// The case a rating link is for. A link we did not make is a 404; an expired one a 410
/// saying how to rate anyway.
pub async fn link_case(state: &AppState, token: &str) -> Result<Case> {
    let key = rating_key(state).await?;
    let case_id = match token::verify(&key, token, state.now()) {
        Ok(case_id) => case_id,
        Err(LinkError::Forged) => {
            return Err(AppError::NotFound(
                "this rating link is not valid: check that it was copied whole".into(),
            ));
        }
        Err(LinkError::Expired { expired_at, .. }) => {
            return Err(AppError::Gone(format!(
                "this rating link expired on {}; sign in to the portal to rate the case",
                expired_at.strftime("%Y-%m-%d")
            )));
        }
    };
    state
        .store
        .get_case(case_id)
        .await
        .map_err(|_| AppError::NotFound("this rating link's case no longer exists".into()))
}

/// Whether the case has been rated already, and the rating if so (staff and the customer).
pub async fn rating_of(state: &AppState, case: &Case) -> Result<Option<Feeling>> {
    Ok(state
        .store
        .list_feelings(
            FeelingFilter {
                kinds: vec![FeelingKind::Customer],
                case_id: Some(case.id),
                ..FeelingFilter::default()
            },
            1,
        )
        .await?
        .pop())
}

/// Rate through a link, without signing in.
pub async fn rate_by_link(
    state: &AppState,
    token: &str,
    body: &RatingBody,
) -> Result<(Case, Feeling)> {
    let case = link_case(state, token).await?;
    let feeling = rate_linked_case(state, &case, body).await?;
    Ok((case, feeling))
}

/// Rate `case`, already found through its link by `link_case` (the rating page needs the
/// case to answer a refusal, so it verifies the link once and rates with this).
pub async fn rate_linked_case(state: &AppState, case: &Case, body: &RatingBody) -> Result<Feeling> {
    let new = parse_rating(body, case, FeelingSource::Link)?;
    Ok(written(state.store.record_feeling(new, None).await?))
}

/// Rate one's own case, signed in (the portal, or the API with a customer's token).
pub async fn rate_signed_in(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    body: &RatingBody,
) -> Result<(Case, Feeling)> {
    let case = load_case(state, actor, raw, Action::RateCase).await?;
    let new = parse_rating(body, &case, FeelingSource::Portal)?;
    let feeling = written(state.store.record_feeling(new, None).await?);
    Ok((case, feeling))
}

/// Record what an employee says about a case: observed, own, or both (validated together, so
/// nothing is written when either is wrong).
pub async fn record_case_feelings(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    body: &CaseFeelingsBody,
) -> Result<Vec<Feeling>> {
    let case = load_case(state, actor, raw, Action::RecordCaseFeeling).await?;
    let answers = case_answers(actor, &case, body)?;
    write_answers(state, answers).await
}

/// The answers in a case-feelings body, checked but not yet written (so a page can refuse
/// before it changes anything else in the same step).
pub fn case_answers(
    actor: &Actor,
    case: &Case,
    body: &CaseFeelingsBody,
) -> Result<Vec<NewFeeling>> {
    if body.observed.is_none() && body.own.is_none() {
        return Err(AppError::field(
            "observed",
            "say how the customer seemed, how the case felt to you, or both",
        ));
    }
    let me = actor.person_id();
    let mut errors = Vec::new();
    let mut answers = Vec::new();
    for (answer, kind, prefix) in [
        (&body.observed, FeelingKind::Observed, "observed"),
        (&body.own, FeelingKind::Own, "own"),
    ] {
        if let Some(answer) = answer {
            let (new, mut errs) =
                parse_answer(answer, kind, FeelingSource::Case, me, Some(case), prefix);
            errors.append(&mut errs);
            answers.extend(new);
        }
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    Ok(answers)
}

pub async fn write_answers(state: &AppState, answers: Vec<NewFeeling>) -> Result<Vec<Feeling>> {
    let mut recorded = Vec::new();
    for new in answers {
        recorded.push(written(state.store.record_feeling(new, None).await?));
    }
    Ok(recorded)
}

/// Answer this week's pulse (again: the newest answer counts).
pub async fn answer_pulse(state: &AppState, actor: &Actor, body: &AnswerBody) -> Result<Feeling> {
    authz::require(actor, Action::AnswerPulse, &Resource::Org, "pulse")?;
    let (new, errors) = parse_answer(
        body,
        FeelingKind::Pulse,
        FeelingSource::Pulse,
        actor.person_id(),
        None,
        "",
    );
    let new = new.ok_or_else(|| AppError::fields(errors))?;
    Ok(written(state.store.record_feeling(new, None).await?))
}

/// An employee's own answers: their pulses and own feelings, newest first. Only ever for the
/// person asking.
pub async fn my_answers(state: &AppState, actor: &Actor, limit: u32) -> Result<Vec<Feeling>> {
    authz::require(actor, Action::AnswerPulse, &Resource::Org, "pulse")?;
    Ok(state
        .store
        .list_feelings(
            FeelingFilter {
                kinds: vec![FeelingKind::Pulse, FeelingKind::Own],
                person_id: Some(actor.person_id()),
                ..FeelingFilter::default()
            },
            limit,
        )
        .await?)
}

/// This week's pulse answer of the person, if any.
pub async fn this_weeks_pulse(state: &AppState, actor: &Actor) -> Result<Option<Feeling>> {
    let week = Cadence::Weekly.period_at(state.now());
    Ok(state
        .store
        .list_feelings(
            FeelingFilter {
                kinds: vec![FeelingKind::Pulse],
                person_id: Some(actor.person_id()),
                since: Some(week.start),
                ..FeelingFilter::default()
            },
            1,
        )
        .await?
        .pop())
}

/// What a case's page shows of feelings: the customer's rating and what employees observed
/// (both about the customer), and the viewer's own feeling about the case, never others'.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CaseFeelings {
    #[schema(value_type = Option<Object>)]
    pub rating: Option<Feeling>,
    #[schema(value_type = Vec<Object>)]
    pub observed: Vec<Feeling>,
    /// Yours only.
    #[schema(value_type = Option<Object>)]
    pub mine: Option<Feeling>,
}

pub async fn case_feelings(state: &AppState, actor: &Actor, case: &Case) -> Result<CaseFeelings> {
    authz::require(actor, Action::ReadFeelings, &Resource::Org, "feelings")?;
    let all = state
        .store
        .list_feelings(
            FeelingFilter {
                case_id: Some(case.id),
                ..FeelingFilter::default()
            },
            500,
        )
        .await?;
    let me = actor.person_id();
    let mut out = CaseFeelings::default();
    for f in all {
        match f.kind {
            FeelingKind::Customer => out.rating = Some(f),
            FeelingKind::Observed => out.observed.push(f),
            FeelingKind::Own if f.person_id == me => out.mine = Some(f),
            FeelingKind::Own | FeelingKind::Pulse => {}
        }
    }
    Ok(out)
}
