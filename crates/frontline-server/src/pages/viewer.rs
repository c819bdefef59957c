//! Who is looking at a page: the person of the `fl_session` cookie (pages never accept API
//! tokens) and the session's CSRF token, which every form echoes in a hidden `csrf` field.
//! No session, or an expired one, sends the browser to the login page and back.

use axum::extract::FromRequestParts;
use axum::http::{Method, request::Parts};
use frontline_store::StoreError;

use super::layout::PageError;
use crate::auth::{self, Actor, Via};
use crate::authz::{self, Action, Decision, Resource};
use crate::error::AppError;
use crate::state::AppState;

/// The signed-in person looking at a page.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub actor: Actor,
    /// The session's CSRF token: forms carry it, `fetch` sends it as `X-CSRF-Token`.
    pub csrf: String,
}

impl Viewer {
    /// Whether `authz` allows this. Pages ask here and never look at roles themselves.
    pub fn can(&self, action: Action, resource: &Resource) -> bool {
        authz::authorize(&self.actor, action, resource) == Decision::Allow
    }

    /// Refuse a form whose hidden `csrf` field is not this session's token: a cross-site
    /// form can make the browser send the cookie, but cannot read the token.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), PageError> {
        let sent = sent.unwrap_or("");
        if crate::passwords::constant_time_eq(sent.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(PageError::App(AppError::Forbidden(
                "this form has expired or did not come from this site; go back, reload the \
                 page and try again"
                    .into(),
            )))
        }
    }
}

/// Where to come back to after signing in: the page asked for, when it was a GET.
fn next_of(parts: &Parts) -> String {
    if parts.method == Method::GET {
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into())
    } else {
        "/".into()
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let sign_in = || PageError::SignIn {
            next: next_of(parts),
        };
        let Some(cookie) = auth::session_cookie(parts) else {
            return Err(sign_in());
        };
        let session_hash = auth::hash_secret(&cookie);
        let session = match state.store.get_session(&session_hash, state.now()).await {
            Ok(session) => session,
            Err(StoreError::NotFound { .. }) => return Err(sign_in()),
            Err(e) => return Err(e.into()),
        };
        let person = match state.store.get_person(session.person_id).await {
            Ok(person) => person,
            Err(StoreError::NotFound { .. }) => return Err(sign_in()),
            Err(e) => return Err(e.into()),
        };
        tracing::Span::current().record("person_id", tracing::field::display(person.id));
        Ok(Viewer {
            actor: Actor {
                person,
                via: Via::Session {
                    session_hash,
                    session_id: session.id,
                },
            },
            csrf: session.csrf_token,
        })
    }
}

/// The viewer when there is one, for pages that also serve anonymous visitors (login).
pub struct MaybeViewer(pub Option<Viewer>);

impl FromRequestParts<AppState> for MaybeViewer {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Viewer::from_request_parts(parts, state).await {
            Ok(viewer) => Ok(MaybeViewer(Some(viewer))),
            Err(PageError::SignIn { .. }) => Ok(MaybeViewer(None)),
            Err(e) => Err(e),
        }
    }
}
