//! API tokens and web sessions: recording, resolving (with the once-a-minute `last_used_at`
//! touch, which goes through the writer like every write), listing without hashes, revoking.

use frontline_core::event::{CredentialsRevoked, TokenCreated, TokenRevoked};
use frontline_core::{NewEvent, Payload, Person, PersonId, SessionId, Timestamp, TokenId};
use frontline_store::credentials::{MAX_USER_AGENT_CHARS, needs_touch};
use frontline_store::{
    ApiToken, NewSession, NewToken, Revoked, Session, SessionInfo, StoreError, StoreResult, Written,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::reads;
use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

pub(crate) const TOKEN_COLUMNS: &str = "id, person_id, label, created_at, expires_at, last_used_at";

pub(crate) fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        id: rows::parsed(r, "id")?,
        person_id: rows::parsed(r, "person_id")?,
        label: r.get("label")?,
        created_at: rows::ts(r, "created_at")?,
        expires_at: rows::ts_opt(r, "expires_at")?,
        last_used_at: rows::ts_opt(r, "last_used_at")?,
    })
}

pub(crate) fn create_token(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    new: NewToken,
) -> StoreResult<Written<ApiToken>> {
    reads::person(w.conn, new.person_id)?;
    let at = w.now();
    let token = ApiToken {
        id: TokenId::new(),
        person_id: new.person_id,
        label: new.label,
        created_at: at,
        expires_at: new.expires_at,
        last_used_at: None,
    };
    w.conn
        .prepare_cached("INSERT INTO api_tokens (id, token_hash, person_id, label, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .db()?
        .execute(params![token.id.to_string(), new.token_hash, token.person_id.to_string(), token.label, ms(at), token.expires_at.map(ms)])
        .db()?;
    let payload = Payload::TokenCreated(TokenCreated {
        person_id: token.person_id,
        token_id: token.id,
        label: token.label.clone(),
        expires_at: token.expires_at,
    });
    let events = w.append(vec![NewEvent::new(actor, payload)], at)?;
    Ok(Written {
        value: token,
        events,
        replayed: false,
    })
}

/// A live token's id, person and last use; `NotFound` when unknown or expired at `now`.
pub(crate) fn token_by_hash(
    c: &Connection,
    hash: &str,
    now: Timestamp,
) -> StoreResult<(TokenId, PersonId, Option<Timestamp>)> {
    let found = c
        .prepare_cached("SELECT id, person_id, last_used_at FROM api_tokens WHERE token_hash = ?1 AND (expires_at IS NULL OR expires_at > ?2)")
        .db()?
        .query_row(params![hash, ms(now)], |r| {
            Ok((rows::parsed(r, "id")?, rows::parsed(r, "person_id")?, rows::ts_opt(r, "last_used_at")?))
        })
        .optional()
        .db()?;
    found.ok_or_else(|| StoreError::not_found("token"))
}

/// The person of a live token, or `NotFound`; says whether its use should be recorded.
pub(crate) fn person_for_token(
    c: &Connection,
    hash: &str,
    now: Timestamp,
) -> StoreResult<(Person, Option<TokenId>)> {
    let (id, person_id, last_used_at) = token_by_hash(c, hash, now)?;
    let person = reads::person(c, person_id)?;
    Ok((person, needs_touch(last_used_at, now).then_some(id)))
}

/// Record a use at `now`, unless another request already did within the minute.
pub(crate) fn touch_token(w: &mut WriteTx<'_>, id: TokenId, now: Timestamp) -> StoreResult<()> {
    w.conn
        .prepare_cached("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)")
        .db()?
        .execute(params![id.to_string(), ms(now), ms(now) - frontline_store::credentials::LAST_USED_PRECISION_MS])
        .db()
        .map(drop)
}

pub(crate) fn list_tokens(c: &Connection, person_id: PersonId) -> StoreResult<Vec<ApiToken>> {
    let found = c
        .prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE person_id = ?1 ORDER BY created_at DESC, id DESC"
        ))
        .db()?
        .query_map([person_id.to_string()], token_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

pub(crate) fn revoke_token(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    person_id: PersonId,
    token_id: TokenId,
) -> StoreResult<Written<()>> {
    let label: Option<String> = w
        .conn
        .prepare_cached("DELETE FROM api_tokens WHERE id = ?1 AND person_id = ?2 RETURNING label")
        .db()?
        .query_row(params![token_id.to_string(), person_id.to_string()], |r| {
            r.get(0)
        })
        .optional()
        .db()?;
    let label = label.ok_or_else(|| StoreError::not_found(format!("token {token_id}")))?;
    let at = w.now();
    let payload = Payload::TokenRevoked(TokenRevoked {
        person_id,
        token_id,
        label,
    });
    let events = w.append(vec![NewEvent::new(actor, payload)], at)?;
    Ok(Written {
        value: (),
        events,
        replayed: false,
    })
}

pub(crate) fn create_session(w: &mut WriteTx<'_>, session: NewSession) -> StoreResult<SessionId> {
    reads::person(w.conn, session.person_id)?;
    let id = SessionId::new();
    let now = w.now();
    let user_agent = session
        .user_agent
        .map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect::<String>());
    w.conn
        .prepare_cached("INSERT INTO sessions (id, session_hash, person_id, csrf_token, created_at, expires_at, last_used_at, user_agent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?7)")
        .db()?
        .execute(params![id.to_string(), session.session_hash, session.person_id.to_string(), session.csrf_token, ms(now), ms(session.expires_at), user_agent])
        .db()?;
    // Expired sessions are swept here, on the write path, rather than by a timer.
    w.conn
        .prepare_cached("DELETE FROM sessions WHERE expires_at <= ?1")
        .db()?
        .execute([ms(now)])
        .db()?;
    Ok(id)
}

/// The live session for a hash, and whether its use should be recorded.
pub(crate) fn get_session(
    c: &Connection,
    hash: &str,
    now: Timestamp,
) -> StoreResult<(Session, bool)> {
    let found = c
        .prepare_cached("SELECT id, person_id, csrf_token, expires_at, last_used_at FROM sessions WHERE session_hash = ?1 AND expires_at > ?2")
        .db()?
        .query_row(params![hash, ms(now)], |r| {
            Ok((
                Session {
                    id: rows::parsed(r, "id")?,
                    person_id: rows::parsed(r, "person_id")?,
                    csrf_token: r.get("csrf_token")?,
                    expires_at: rows::ts(r, "expires_at")?,
                },
                rows::ts(r, "last_used_at")?,
            ))
        })
        .optional()
        .db()?;
    let (session, last_used_at) = found.ok_or_else(|| StoreError::not_found("session"))?;
    Ok((session, needs_touch(Some(last_used_at), now)))
}

pub(crate) fn touch_session(w: &mut WriteTx<'_>, id: SessionId, now: Timestamp) -> StoreResult<()> {
    w.conn
        .prepare_cached(
            "UPDATE sessions SET last_used_at = ?2 WHERE id = ?1 AND last_used_at <= ?3",
        )
        .db()?
        .execute(params![
            id.to_string(),
            ms(now),
            ms(now) - frontline_store::credentials::LAST_USED_PRECISION_MS
        ])
        .db()
        .map(drop)
}

pub(crate) fn delete_session(w: &mut WriteTx<'_>, hash: &str) -> StoreResult<()> {
    w.conn
        .prepare_cached("DELETE FROM sessions WHERE session_hash = ?1")
        .db()?
        .execute([hash])
        .db()
        .map(drop)
}

pub(crate) fn list_sessions(
    c: &Connection,
    person_id: PersonId,
    now: Timestamp,
) -> StoreResult<Vec<SessionInfo>> {
    let found = c
        .prepare_cached("SELECT id, person_id, created_at, expires_at, last_used_at, user_agent FROM sessions WHERE person_id = ?1 AND expires_at > ?2 ORDER BY created_at DESC, id DESC")
        .db()?
        .query_map(params![person_id.to_string(), ms(now)], |r| {
            Ok(SessionInfo {
                id: rows::parsed(r, "id")?,
                person_id: rows::parsed(r, "person_id")?,
                created_at: rows::ts(r, "created_at")?,
                expires_at: rows::ts(r, "expires_at")?,
                last_used_at: rows::ts(r, "last_used_at")?,
                user_agent: r.get("user_agent")?,
            })
        })
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

pub(crate) fn revoke_session(
    w: &mut WriteTx<'_>,
    person_id: PersonId,
    session_id: SessionId,
) -> StoreResult<()> {
    let deleted = w
        .conn
        .prepare_cached("DELETE FROM sessions WHERE id = ?1 AND person_id = ?2")
        .db()?
        .execute(params![session_id.to_string(), person_id.to_string()])
        .db()?;
    if deleted == 0 {
        return Err(StoreError::not_found(format!("session {session_id}")));
    }
    Ok(())
}

/// End every token and session of the person but `keep_session`; appends
/// `person.credentials_revoked`. Shared by `set_password` so a new password always does it.
pub(crate) fn revoke_credentials(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    person_id: PersonId,
    keep_session: Option<SessionId>,
) -> StoreResult<Written<Revoked>> {
    reads::person(w.conn, person_id)?;
    let tokens = w
        .conn
        .prepare_cached("DELETE FROM api_tokens WHERE person_id = ?1")
        .db()?
        .execute([person_id.to_string()])
        .db()?;
    let keep = keep_session.map(|id| id.to_string());
    let sessions = w
        .conn
        .prepare_cached("DELETE FROM sessions WHERE person_id = ?1 AND (?2 IS NULL OR id <> ?2)")
        .db()?
        .execute(params![person_id.to_string(), keep])
        .db()?;
    let revoked = Revoked {
        tokens: tokens as u64,
        sessions: sessions as u64,
    };
    let at = w.now();
    let payload = Payload::CredentialsRevoked(CredentialsRevoked {
        person_id,
        tokens: revoked.tokens,
        sessions: revoked.sessions,
        kept_session: keep_session.is_some(),
    });
    let events = w.append(vec![NewEvent::new(actor, payload)], at)?;
    Ok(Written {
        value: revoked,
        events,
        replayed: false,
    })
}
