//! Feelings over HTTP: the customer's rating (through a signed link without signing in, or
//! signed in), employees' observed and own feelings about a case, the weekly pulse, and the
//! figures: per team and outcome with the observed/stated gap, the CX/EX mirror, and the
//! heroes feed. The use cases live in `crate::feelings`.

use axum::extract::State;
use axum::http::StatusCode;
use frontline_core::feeling::{Emotion, Feeling};
use frontline_core::{CaseNumber, PersonId, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Actor;
use crate::error::{AppError, Result};
use crate::extract::{Json as JsonBody, Path, Query};
use crate::feelings::{
    self, AnswerBody, CaseFeelings, CaseFeelingsBody, FeelingFigures, Hero, Named, RatingBody,
    RatingLink, mirror_params, window,
};
use crate::lookup::load_case;
use crate::state::AppState;

pub const TAG: &str = "feelings";

/// What the holder of a rating link sees of the case: no more than the customer already knows.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedCase {
    #[schema(value_type = String)]
    pub case_number: CaseNumber,
    pub subject: String,
    /// Whether the case has been rated already (a case is rated once).
    pub rated: bool,
}

/// A rating as the customer sent it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingReceipt {
    #[schema(value_type = String)]
    pub case_number: CaseNumber,
    pub score: u8,
    #[schema(value_type = Option<String>)]
    pub emotion: Option<Emotion>,
    pub text: Option<String>,
    #[schema(value_type = String)]
    pub at: Timestamp,
}

fn receipt(number: CaseNumber, f: &Feeling) -> RatingReceipt {
    RatingReceipt {
        case_number: number,
        score: f.score.get(),
        emotion: f.emotion,
        text: f.text.as_ref().map(ToString::to_string),
        at: f.created_at,
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/ratings/{token}",
    tag = TAG,
    summary = "The case a rating link is for (no sign-in: the token is the credential)",
    params(("token" = String, Path, description = "The token of the rating link")),
    responses(
        (status = 200, description = "The case and whether it is rated", body = LinkedCase),
        (status = 404, description = "Not a link this server made"),
        (status = 410, description = "The link has expired"),
    ),
    security(()),
)]
pub async fn linked_case(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<axum::Json<LinkedCase>> {
    let case = feelings::link_case(&state, &token).await?;
    let rated = feelings::rating_of(&state, &case).await?.is_some();
    Ok(axum::Json(LinkedCase {
        case_number: case.number,
        subject: case.subject.to_string(),
        rated,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/ratings/{token}",
    tag = TAG,
    summary = "Rate a resolved case through its link (no sign-in)",
    params(("token" = String, Path, description = "The token of the rating link")),
    request_body = RatingBody,
    responses(
        (status = 201, description = "Thank you: the rating as recorded", body = RatingReceipt),
        (status = 404, description = "Not a link this server made"),
        (status = 409, description = "The case has been rated already"),
        (status = 410, description = "The link has expired"),
        (status = 422, description = "A field is wrong"),
    ),
    security(()),
)]
pub async fn rate_by_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
    JsonBody(body): JsonBody<RatingBody>,
) -> Result<(StatusCode, axum::Json<RatingReceipt>)> {
    let (case, feeling) = feelings::rate_by_link(&state, &token, &body).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(receipt(case.number, &feeling)),
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{case}/rating",
    tag = TAG,
    summary = "Rate your own resolved case (customers, signed in)",
    params(("case" = String, Path, description = "Case id or number")),
    request_body = RatingBody,
    responses(
        (status = 201, description = "The rating as recorded", body = RatingReceipt),
        (status = 409, description = "The case has been rated already"),
        (status = 422, description = "A field is wrong, or the case is not resolved"),
    ),
)]
pub async fn rate_case(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<RatingBody>,
) -> Result<(StatusCode, axum::Json<RatingReceipt>)> {
    let (case, feeling) = feelings::rate_signed_in(&state, &actor, &raw, &body).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(receipt(case.number, &feeling)),
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{case}/rating-link",
    tag = TAG,
    summary = "Make the link that lets the customer rate a resolved case without signing in",
    description = "The link is signed, names the case, and works for 14 days; a case is rated once however many links are made.",
    params(("case" = String, Path, description = "Case id or number")),
    responses(
        (status = 201, description = "The link", body = RatingLink),
        (status = 409, description = "The case is not resolved yet"),
    ),
)]
pub async fn rating_link(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<(StatusCode, axum::Json<RatingLink>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(feelings::issue_link(&state, &actor, &raw).await?),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/cases/{case}/feelings",
    tag = TAG,
    summary = "Feelings on a case: the customer's rating, what employees observed, and your own",
    params(("case" = String, Path, description = "Case id or number")),
    responses((status = 200, description = "The feelings", body = CaseFeelings)),
)]
pub async fn case_feelings(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<CaseFeelings>> {
    let case = load_case(&state, &actor, &raw, crate::authz::Action::ReadCase).await?;
    Ok(axum::Json(
        feelings::case_feelings(&state, &actor, &case).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{case}/feelings",
    tag = TAG,
    summary = "Say how the customer seemed and how the case felt to you (staff)",
    description = "Either or both. Answering again replaces your earlier answer. Your own feeling is never shown to anyone else; it counts only in team figures over at least five people.",
    params(("case" = String, Path, description = "Case id or number")),
    request_body = CaseFeelingsBody,
    responses((status = 201, description = "The feelings recorded", body = Vec<Object>)),
)]
pub async fn record_case_feelings(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<CaseFeelingsBody>,
) -> Result<(StatusCode, axum::Json<Vec<Feeling>>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(feelings::record_case_feelings(&state, &actor, &raw, &body).await?),
    ))
}

/// Your pulse answers and own feelings about cases, newest first (yours alone).
#[derive(Debug, Serialize, ToSchema)]
pub struct MyAnswers {
    /// The current ISO week, e.g. 2026-W48.
    pub week: String,
    pub answered_this_week: bool,
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Feeling>,
}

#[utoipa::path(
    get,
    path = "/api/v1/pulse",
    tag = TAG,
    summary = "Your own pulse answers and case feelings (staff; nobody else can read them)",
    responses((status = 200, description = "Your answers", body = MyAnswers)),
)]
pub async fn my_pulse(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<axum::Json<MyAnswers>> {
    let items = feelings::my_answers(&state, &actor, 100).await?;
    let week = frontline_core::Cadence::Weekly.period_at(state.now()).key;
    let answered_this_week = items
        .iter()
        .any(|f| f.period.as_deref() == Some(week.as_str()));
    Ok(axum::Json(MyAnswers {
        week,
        answered_this_week,
        items,
    }))
}

#[utoipa::path(
    put,
    path = "/api/v1/pulse",
    tag = TAG,
    summary = "Answer this week's pulse: how was your week at work? (staff)",
    description = "One answer per ISO week; answering again replaces it.",
    request_body = AnswerBody,
    responses((status = 200, description = "Your answer", body = Object)),
)]
pub async fn answer_pulse(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<AnswerBody>,
) -> Result<axum::Json<Feeling>> {
    Ok(axum::Json(
        feelings::answer_pulse(&state, &actor, &body).await?,
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WindowQuery {
    /// From this date (`YYYY-MM-DD`, UTC) or instant; default 90 days ago.
    pub since: Option<String>,
    /// Until this date (inclusive) or instant; default now.
    pub until: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/feelings/figures",
    tag = TAG,
    summary = "Feelings per team and outcome: customers' ratings, the observed/stated gap, employees' feelings",
    description = "Employees' figures (own feelings at close and pulses) show a mean only when at least `min_respondents` (5) different people answered; below that only the count of people.",
    params(WindowQuery),
    responses((status = 200, description = "The figures", body = FeelingFigures)),
)]
pub async fn figures(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<WindowQuery>,
) -> Result<axum::Json<FeelingFigures>> {
    let (since, until) = window(query.since.as_deref(), query.until.as_deref(), state.now())?;
    Ok(axum::Json(
        feelings::figures_between(&state, &actor, since, until).await?,
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MirrorQuery {
    /// How many ISO weeks, the current one included: 2 to 52 (default 12).
    #[param(minimum = 2, maximum = 52)]
    pub weeks: Option<u32>,
    /// One team's id (default: every current team).
    pub team: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/feelings/mirror",
    tag = TAG,
    summary = "The CX/EX mirror: customers' and employees' feelings per team per week, with their correlation",
    params(MirrorQuery),
    responses((status = 200, description = "One mirror per team", body = Vec<Object>)),
)]
pub async fn mirror(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<MirrorQuery>,
) -> Result<axum::Json<Vec<Named<frontline_core::feeling::figures::Mirror>>>> {
    let (weeks, team) = mirror_params(query.weeks, query.team.as_deref())?;
    Ok(axum::Json(
        feelings::mirror(&state, &actor, weeks, team).await?,
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HeroesQuery {
    /// Only praise for this employee (person id).
    pub owner: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/api/v1/heroes",
    tag = TAG,
    summary = "Customers' praise, newest first: ratings of 4 or 5 with words, and who earned them",
    params(HeroesQuery),
    responses((status = 200, description = "The praise", body = Vec<Hero>)),
)]
pub async fn heroes(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<HeroesQuery>,
) -> Result<axum::Json<Vec<Hero>>> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::field(
            "limit",
            format!("{limit} is not between 1 and 200"),
        ));
    }
    let owner = match query
        .owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        None => None,
        Some(raw) => Some(
            raw.parse::<PersonId>()
                .map_err(|_| AppError::field("owner", format!("{raw:?} is not a person id")))?,
        ),
    };
    Ok(axum::Json(
        feelings::heroes(&state, &actor, owner, None, limit as usize).await?,
    ))
}
