//! Who is asking. Resolves the actor of a request from an API token
//! (`Authorization: Bearer fl_…`) or a web session cookie, and owns the credential formats:
//! argon2id password hashes, API tokens and session cookies (stored only as SHA-256 hashes,
//! so a leaked database holds no usable credential).
//!
//! Cookie-authenticated requests that change state must carry `X-CSRF-Token` equal to the
//! session's token: a cross-site form can make the browser send the cookie, but cannot read
//! the token. Bearer requests need no such check because browsers never attach them.

use axum::extract::FromRequestParts;
use axum::http::{Method, header, request::Parts};
use frontline_core::{Person, PersonId, Role};
use frontline_store::StoreError;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "fl_session";
/// The header carrying the CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// API tokens start with this, so a leaked one is recognisable (and greppable by scanners).
pub const TOKEN_PREFIX: &str = "fl_";

/// The person making a request, and how they proved it.
#[derive(Clone, Debug)]
pub struct Actor {
    pub person: Person,
    pub via: Via,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    Token,
    /// A web session: its hash (to sign out) and its id (to say "this session" in lists and
    /// keep it when its owner changes their password).
    Session {
        session_hash: String,
        session_id: frontline_core::SessionId,
    },
}

impl Via {
    /// The session this request came through, if any.
    pub fn session_id(&self) -> Option<frontline_core::SessionId> {
        match self {
            Via::Session { session_id, .. } => Some(*session_id),
            Via::Token => None,
        }
    }
}

impl Actor {
    pub fn person_id(&self) -> PersonId {
        self.person.id
    }

    pub fn role(&self) -> Role {
        self.person.role
    }

    /// `admin` counts only for support employees: it is their capability, not a role.
    pub fn is_admin(&self) -> bool {
        self.person.role == Role::Support && self.person.admin
    }

    pub fn is_staff(&self) -> bool {
        self.person.role.is_staff()
    }

    /// "a customer", "an employee"…, for messages.
    pub fn describe(&self) -> &'static str {
        match (self.person.role, self.is_admin()) {
            (Role::Customer, _) => "a customer",
            (Role::Employee, _) => "an employee",
            (Role::Support, false) => "a support employee without admin",
            (Role::Support, true) => "an administrator",
        }
    }

    #[cfg(test)]
    pub fn for_tests(person: Person) -> Self {
        Self {
            person,
            via: Via::Token,
        }
    }
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let actor = if let Some(token) = bearer_token(parts)? {
            let person = state
                .store
                .person_for_token(&hash_secret(&token), state.now())
                .await
                .map_err(|e| match e {
                    StoreError::NotFound { .. } => AppError::Unauthenticated(
                        "the API token is not valid (unknown, revoked or expired)".into(),
                    ),
                    other => other.into(),
                })?;
            Actor {
                person,
                via: Via::Token,
            }
        } else if let Some(cookie) = session_cookie(parts) {
            let session_hash = hash_secret(&cookie);
            let session = state
                .store
                .get_session(&session_hash, state.now())
                .await
                .map_err(|e| match e {
                    StoreError::NotFound { .. } => {
                        AppError::Unauthenticated("the session has expired; sign in again".into())
                    }
                    other => other.into(),
                })?;
            if !is_safe(&parts.method) {
                let sent = parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !crate::passwords::constant_time_eq(
                    sent.as_bytes(),
                    session.csrf_token.as_bytes(),
                ) {
                    return Err(AppError::Forbidden(
                        "send the session's CSRF token in the X-CSRF-Token header".into(),
                    ));
                }
            }
            let person = state.store.get_person(session.person_id).await?;
            Actor {
                person,
                via: Via::Session {
                    session_hash,
                    session_id: session.id,
                },
            }
        } else {
            return Err(AppError::Unauthenticated(
                "sign in, or send an API token as Authorization: Bearer <token>".into(),
            ));
        };
        if let Some(verdict) = state
            .limits
            .api_per_account
            .take(&actor.person.id.to_string())
        {
            if let Some(slot) = parts.extensions.get::<crate::middleware::RateSlot>() {
                slot.set(verdict);
            }
            if !verdict.allowed {
                return Err(AppError::TooManyRequests {
                    retry_after_secs: verdict.retry_after_secs,
                });
            }
        }
        tracing::Span::current().record("person_id", tracing::field::display(actor.person.id));
        Ok(actor)
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn bearer_token(parts: &Parts) -> Result<Option<String>, AppError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or("");
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AppError::Unauthenticated(
            "the Authorization header must be \"Bearer <token>\"".into(),
        ));
    }
    Ok(Some(token.trim().to_owned()))
}

/// The session cookie's value, if the request carries one. Pages resolve their viewer from it.
pub(crate) fn session_cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

/// Check an email and password, rate-limited per client address, per account from that
/// address, and (slowly) per account from everywhere, so someone guessing from another
/// address cannot lock a person out. Unknown emails and accounts without a password are
/// verified against a decoy hash, so the answer takes as long either way and does not reveal
/// which emails exist. Shared by the JSON sign-in and the web login form so both enforce
/// exactly the same rules. Password checks are bounded (see `passwords`): when too many run
/// at once the answer is 503 with `Retry-After`.
pub async fn check_password(
    state: &AppState,
    address: Option<std::net::IpAddr>,
    raw_email: &str,
    password: String,
) -> Result<Person, AppError> {
    let address = address.map(|a| a.to_string()).unwrap_or_default();
    limited(state.limits.login_per_address.check(&address))?;
    let email = frontline_core::Email::parse(raw_email)?;
    account_limits(state, &email, &address)?;

    let person = match state.store.get_person_by_email(&email).await {
        Ok(person) => Some(person),
        Err(StoreError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let stored = match &person {
        Some(p) => state.store.password_hash(p.id).await?,
        None => None,
    };
    let matched = state
        .passwords
        .verify(password, stored)
        .await
        .map_err(AppError::from)?;
    match person.filter(|_| matched) {
        Some(person) => Ok(person),
        None => {
            tracing::info!("sign-in refused");
            Err(AppError::Unauthenticated(
                "the email or password is wrong".into(),
            ))
        }
    }
}

fn limited(verdict: Result<(), u64>) -> Result<(), AppError> {
    verdict.map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs })
}

/// The per-account password-guess limits: per (account, address), so someone guessing from
/// elsewhere cannot lock a person out, and a slow one per account from everywhere.
pub fn account_limits(
    state: &AppState,
    email: &frontline_core::Email,
    address: &str,
) -> Result<(), AppError> {
    let email = email.as_str();
    limited(
        state
            .limits
            .login_per_account_address
            .check(&format!("{email}|{address}")),
    )?;
    limited(state.limits.login_per_account.check(email))
}

/// The shortest and longest password anyone may choose (characters, not bytes). Long
/// passphrases are welcome; the upper bound only keeps one argon2 input reasonable.
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 200;

/// What is wrong with a new password, in words for the form or problem detail; `None` when
/// it is acceptable. The API, the console forms and the CLI all ask here.
pub fn password_problem(password: &str) -> Option<String> {
    let count = password.chars().count();
    (!(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&count))
        .then(|| format!("must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"))
}

/// A session just started: the `Set-Cookie` value and the session's CSRF token.
#[derive(Debug)]
pub struct StartedSession {
    pub set_cookie: String,
    pub csrf_token: String,
    pub expires_at: frontline_core::Timestamp,
}

/// The request's `User-Agent`, kept with a new session so its owner can tell their devices
/// apart in the session list.
pub fn user_agent(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Start a server-side session for `person` (stored by the hash of its cookie).
pub async fn start_session(
    state: &AppState,
    person: &Person,
    user_agent: Option<String>,
) -> Result<StartedSession, AppError> {
    let (cookie, session_hash, csrf_token) = new_session_secret();
    let ttl = jiff::SignedDuration::try_from(state.config.session_ttl)
        .unwrap_or(jiff::SignedDuration::from_hours(12));
    let now = state.now();
    let expires_at = frontline_core::time::truncate(now.saturating_add(ttl).unwrap_or(now));
    state
        .store
        .create_session(frontline_store::NewSession {
            session_hash,
            person_id: person.id,
            csrf_token: csrf_token.clone(),
            expires_at,
            user_agent,
        })
        .await?;
    tracing::info!(person_id = %person.id, "signed in");
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = state.config.session_ttl.as_secs();
    Ok(StartedSession {
        set_cookie: format!(
            "{SESSION_COOKIE}={cookie}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}"
        ),
        csrf_token,
        expires_at,
    })
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
}

/// The stored form of a token or session cookie: lower-case hex SHA-256. A fast hash is
/// enough because these secrets are 256 random bits, unlike passwords.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn random_hex() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// A new API token and its stored hash. Show the token once; keep only the hash.
pub fn new_api_token() -> (String, String) {
    let token = format!("{TOKEN_PREFIX}{}", random_hex());
    let hash = hash_secret(&token);
    (token, hash)
}

/// A new session cookie value, its stored hash, and the session's CSRF token.
pub fn new_session_secret() -> (String, String, String) {
    let cookie = random_hex();
    let hash = hash_secret(&cookie);
    (cookie, hash, random_hex())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_and_stored_hashed() {
        let (token, hash) = new_api_token();
        assert!(token.starts_with(TOKEN_PREFIX));
        assert_eq!(hash, hash_secret(&token));
        assert_eq!(hash.len(), 64);
        assert_ne!(new_api_token().0, token);
    }
}
