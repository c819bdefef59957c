//! `PUT /api/v1/cases/{case}/presence`: "I am viewing / typing on this case" (or "gone").
//! Clients repeat it while the page is open; silence expires it (see `crate::presence`).

use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::authz::Action;
use crate::error::Result;
use crate::extract::{Json, Path};
use crate::lookup::load_case;
use crate::presence::{PresenceSnapshot, PresenceState};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceBody {
    /// `viewing`, `typing`, or `gone` (leaving now).
    pub state: PresenceState,
}

#[utoipa::path(
    put,
    path = "/api/v1/cases/{case}/presence",
    tag = "events",
    summary = "Say you are viewing or typing on a case",
    description = "Ephemeral: never written to the event log. Repeat at least every 30 s \
        while present; staff streams receive `presence` events with everyone on the case.",
    params(("case" = String, Path, description = "Case id or number (`FL-1042`)")),
    request_body = PresenceBody,
    responses((status = 200, description = "Everyone on the case now", body = PresenceSnapshot)),
)]
pub async fn share_presence(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<PresenceBody>,
) -> Result<axum::Json<PresenceSnapshot>> {
    let case = load_case(&state, &actor, &raw, Action::SharePresence).await?;
    let presence = state.presence();
    presence
        .announce(
            &*state.store,
            case.id,
            case.number,
            actor.person_id(),
            actor.person.name.as_str(),
            body.state,
        )
        .await?;
    let snapshot = presence.snapshot(case.id).unwrap_or(PresenceSnapshot {
        case_id: case.id,
        number: case.number,
        people: Vec::new(),
    });
    Ok(axum::Json(snapshot))
}
