//! Outcome teams, their members (overlapping, with history) and the support employees who
//! serve them. Staff read; support employees with `admin` change.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use frontline_core::{Name, Team, TeamId};
use frontline_store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Actor;
use crate::authz::{self, Action, Resource};
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::lookup::{resolve_person, team_id, written};
use crate::paging;
use crate::state::AppState;
use crate::views::{MembershipPage, MembershipView, SupportPage, SupportView, TeamPage, TeamView};

#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The id of the last item already seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/api/v1/teams",
    tag = "teams",
    summary = "List teams",
    params(PageQuery),
    responses((status = 200, description = "A page of teams, oldest first", body = TeamPage)),
)]
pub async fn list_teams(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<PageQuery>,
) -> Result<axum::Json<TeamPage>> {
    authz::require(&actor, Action::ListTeams, &Resource::Org, "teams")?;
    let limit = paging::limit(query.limit)?;
    let after = match &query.after {
        Some(raw) => Some(
            raw.parse::<TeamId>()
                .map_err(|_| AppError::field("after", "must be a team id"))?,
        ),
        None => None,
    };
    let mut teams = state.store.list_teams().await?;
    teams.sort_by_key(|t| t.id);
    let (page, has_more) = paging::in_memory(teams, |t| t.id, after.as_ref(), limit);
    let next = match (has_more, page.last()) {
        (true, Some(last)) => Some(paging::link(
            "/api/v1/teams",
            &PageQuery {
                after: Some(last.id.to_string()),
                limit: Some(limit),
            },
        )),
        _ => None,
    };
    Ok(axum::Json(TeamPage {
        items: page.iter().map(TeamView::from).collect(),
        next,
    }))
}

/// Create a team.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamBody {
    /// Unique, e.g. "Order arrives right".
    pub name: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/teams",
    tag = "teams",
    summary = "Create a team",
    request_body = CreateTeamBody,
    responses((status = 201, description = "The team", body = TeamView)),
)]
pub async fn create_team(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<CreateTeamBody>,
) -> Result<(StatusCode, axum::Json<TeamView>)> {
    authz::require(&actor, Action::CreateTeam, &Resource::Org, "teams")?;
    let name = Name::parse(&body.name)?;
    let team = written(
        state
            .store
            .create_team(Some(actor.person_id()), name)
            .await?,
    );
    Ok((StatusCode::CREATED, axum::Json(TeamView::from(&team))))
}

/// Load a team from a path and check `action` on it.
async fn load_team(state: &AppState, actor: &Actor, raw: &str, action: Action) -> Result<Team> {
    let what = format!("team {raw}");
    let id = team_id(raw)?;
    authz::require(actor, action, &Resource::Team, &what)?;
    state.store.get_team(id).await.map_err(|e| match e {
        StoreError::NotFound { .. } => AppError::not_found(&what),
        other => other.into(),
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/teams/{team}",
    tag = "teams",
    summary = "Read a team",
    params(("team" = String, Path, description = "Team id")),
    responses((status = 200, description = "The team", body = TeamView)),
)]
pub async fn get_team(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<axum::Json<TeamView>> {
    let team = load_team(&state, &actor, &raw, Action::ReadTeam).await?;
    Ok(axum::Json(TeamView::from(&team)))
}

#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Include ended memberships (the team's history); default: current only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<bool>,
}

fn current(
    history: Option<bool>,
    to: Option<frontline_core::Timestamp>,
    now: frontline_core::Timestamp,
) -> bool {
    history.unwrap_or(false) || to.is_none_or(|to| to > now)
}

#[utoipa::path(
    get,
    path = "/api/v1/teams/{team}/members",
    tag = "teams",
    summary = "List a team's members",
    params(("team" = String, Path, description = "Team id"), HistoryQuery),
    responses((status = 200, description = "Memberships, oldest first", body = MembershipPage)),
)]
pub async fn list_members(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Result<axum::Json<MembershipPage>> {
    let team = load_team(&state, &actor, &raw, Action::ReadTeam).await?;
    let mut members = state.store.list_memberships(Some(team.id), None).await?;
    members.retain(|m| current(query.history, m.to, state.now()));
    members.sort_by_key(|m| (m.from, m.person_id));
    Ok(axum::Json(MembershipPage {
        items: members.iter().map(MembershipView::from).collect(),
        next: None,
    }))
}

/// Add someone to a team, or make someone support it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRefBody {
    /// The person's id or email.
    pub person: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/teams/{team}/members",
    tag = "teams",
    summary = "Add a member",
    description = "People can be in several teams at once; 409 if already a current member.",
    params(("team" = String, Path, description = "Team id")),
    request_body = PersonRefBody,
    responses((status = 201, description = "The membership", body = MembershipView)),
)]
pub async fn add_member(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<PersonRefBody>,
) -> Result<(StatusCode, axum::Json<MembershipView>)> {
    let team = load_team(&state, &actor, &raw, Action::ManageMembers).await?;
    let person = resolve_person(&state, "person", &body.person).await?;
    let membership = written(
        state
            .store
            .add_membership(Some(actor.person_id()), person.id, team.id, state.now())
            .await?,
    );
    Ok((
        StatusCode::CREATED,
        axum::Json(MembershipView::from(&membership)),
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/teams/{team}/members/{person}",
    tag = "teams",
    summary = "End a membership",
    description = "The membership ends now and stays in the team's history.",
    params(
        ("team" = String, Path, description = "Team id"),
        ("person" = String, Path, description = "Person id"),
    ),
    responses((status = 204, description = "Ended")),
)]
pub async fn end_member(
    State(state): State<AppState>,
    actor: Actor,
    Path((raw_team, raw_person)): Path<(String, String)>,
) -> Result<Response> {
    let team = load_team(&state, &actor, &raw_team, Action::ManageMembers).await?;
    let person_id = raw_person
        .parse()
        .map_err(|_| AppError::not_found(format!("membership of {raw_person}")))?;
    written(
        state
            .store
            .end_membership(Some(actor.person_id()), person_id, team.id, state.now())
            .await?,
    );
    Ok(crate::middleware::no_content())
}

#[utoipa::path(
    get,
    path = "/api/v1/teams/{team}/supports",
    tag = "teams",
    summary = "List who supports a team",
    params(("team" = String, Path, description = "Team id"), HistoryQuery),
    responses((status = 200, description = "Support links, oldest first", body = SupportPage)),
)]
pub async fn list_supports(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Result<axum::Json<SupportPage>> {
    let team = load_team(&state, &actor, &raw, Action::ReadTeam).await?;
    let mut links = state.store.list_supports(Some(team.id)).await?;
    links.retain(|s| current(query.history, s.to, state.now()));
    links.sort_by_key(|s| (s.from, s.support_id));
    Ok(axum::Json(SupportPage {
        items: links.iter().map(SupportView::from).collect(),
        next: None,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/teams/{team}/supports",
    tag = "teams",
    summary = "Make a support employee serve a team",
    params(("team" = String, Path, description = "Team id")),
    request_body = PersonRefBody,
    responses((status = 201, description = "The support link", body = SupportView)),
)]
pub async fn add_support(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<PersonRefBody>,
) -> Result<(StatusCode, axum::Json<SupportView>)> {
    let team = load_team(&state, &actor, &raw, Action::ManageSupports).await?;
    let person = resolve_person(&state, "person", &body.person).await?;
    let link = written(
        state
            .store
            .add_support(Some(actor.person_id()), person.id, team.id, state.now())
            .await?,
    );
    Ok((StatusCode::CREATED, axum::Json(SupportView::from(&link))))
}

#[utoipa::path(
    delete,
    path = "/api/v1/teams/{team}/supports/{person}",
    tag = "teams",
    summary = "Stop supporting a team",
    params(
        ("team" = String, Path, description = "Team id"),
        ("person" = String, Path, description = "Support employee's id"),
    ),
    responses((status = 204, description = "Ended")),
)]
pub async fn end_support(
    State(state): State<AppState>,
    actor: Actor,
    Path((raw_team, raw_person)): Path<(String, String)>,
) -> Result<Response> {
    let team = load_team(&state, &actor, &raw_team, Action::ManageSupports).await?;
    let person_id = raw_person
        .parse()
        .map_err(|_| AppError::not_found(format!("support link of {raw_person}")))?;
    written(
        state
            .store
            .end_support(Some(actor.person_id()), person_id, team.id, state.now())
            .await?,
    );
    Ok(crate::middleware::no_content())
}
