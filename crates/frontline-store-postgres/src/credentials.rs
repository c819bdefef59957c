//! API tokens and web sessions: recording, resolving (with the once-a-minute `last_used_at`
//! touch), listing without hashes, revoking. Events name credentials by id, never by hash.

use frontline_core::event::{CredentialsRevoked, TokenCreated, TokenRevoked};
use frontline_core::{NewEvent, Payload, Person, PersonId, SessionId, Timestamp, TokenId};
use frontline_store::credentials::{LAST_USED_PRECISION_MS, MAX_USER_AGENT_CHARS, needs_touch};
use frontline_store::{
    ApiToken, NewSession, NewToken, Revoked, Session, SessionInfo, StoreError, StoreResult, Written,
};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::PgStore;
use crate::error::classify;
use crate::rows::{get, get_opt_time, get_time, to_db};

fn token_row(row: &PgRow) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: TokenId(get::<Uuid>(row, "id")?),
        person_id: PersonId(get::<Uuid>(row, "person_id")?),
        label: get(row, "label")?,
        created_at: get_time(row, "created_at")?,
        expires_at: get_opt_time(row, "expires_at")?,
        last_used_at: get_opt_time(row, "last_used_at")?,
    })
}

/// An instant a minute before `at`: uses after it are already recorded.
fn touch_cutoff(at: Timestamp) -> Timestamp {
    frontline_core::time::from_millis(at.as_millisecond() - LAST_USED_PRECISION_MS)
}

/// End every token and session of the person but `keep_session`, inside `tx`; the caller
/// appends `person.credentials_revoked` (`revoked_event`) and commits.
pub(crate) async fn revoke_all(
    tx: &mut Transaction<'static, Postgres>,
    person_id: PersonId,
    keep_session: Option<SessionId>,
) -> StoreResult<Revoked> {
    let tokens = sqlx::query("DELETE FROM api_tokens WHERE person_id = $1")
        .bind(person_id.0)
        .execute(&mut **tx)
        .await
        .map_err(classify)?
        .rows_affected();
    let sessions =
        sqlx::query("DELETE FROM sessions WHERE person_id = $1 AND ($2::uuid IS NULL OR id <> $2)")
            .bind(person_id.0)
            .bind(keep_session.map(|id| id.0))
            .execute(&mut **tx)
            .await
            .map_err(classify)?
            .rows_affected();
    Ok(Revoked { tokens, sessions })
}

pub(crate) fn revoked_event(
    actor: Option<PersonId>,
    person_id: PersonId,
    revoked: Revoked,
    keep_session: Option<SessionId>,
) -> NewEvent {
    NewEvent::new(
        actor,
        Payload::CredentialsRevoked(CredentialsRevoked {
            person_id,
            tokens: revoked.tokens,
            sessions: revoked.sessions,
            kept_session: keep_session.is_some(),
        }),
    )
}

impl PgStore {
    pub(crate) async fn create_token_impl(
        &self,
        actor: Option<PersonId>,
        new: NewToken,
    ) -> StoreResult<Written<ApiToken>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let token = ApiToken {
            id: TokenId::new(),
            person_id: new.person_id,
            label: new.label,
            created_at: self.clock.now(),
            expires_at: new.expires_at,
            last_used_at: None,
        };
        sqlx::query(
            "INSERT INTO api_tokens (id, token_hash, person_id, label, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token.id.0)
        .bind(new.token_hash)
        .bind(token.person_id.0)
        .bind(&token.label)
        .bind(to_db(token.created_at))
        .bind(token.expires_at.map(to_db))
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        let event = NewEvent::new(
            actor,
            Payload::TokenCreated(TokenCreated {
                person_id: token.person_id,
                token_id: token.id,
                label: token.label.clone(),
                expires_at: token.expires_at,
            }),
        );
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: token,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn person_for_token_impl(
        &self,
        token_hash: &str,
        at: Timestamp,
    ) -> StoreResult<Person> {
        let row = sqlx::query(
            "SELECT id, person_id, last_used_at FROM api_tokens
             WHERE token_hash = $1 AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(token_hash)
        .bind(to_db(at))
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found("token"))?;
        let id: Uuid = get(&row, "id")?;
        if needs_touch(get_opt_time(&row, "last_used_at")?, at) {
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $2
                 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)",
            )
            .bind(id)
            .bind(to_db(at))
            .bind(to_db(touch_cutoff(at)))
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        }
        self.get_person_impl(PersonId(get::<Uuid>(&row, "person_id")?))
            .await
    }

    pub(crate) async fn list_tokens_impl(&self, person_id: PersonId) -> StoreResult<Vec<ApiToken>> {
        sqlx::query(
            "SELECT id, person_id, label, created_at, expires_at, last_used_at FROM api_tokens
             WHERE person_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(person_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(token_row)
        .collect()
    }

    pub(crate) async fn revoke_token_impl(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        token_id: TokenId,
    ) -> StoreResult<Written<()>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let row =
            sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND person_id = $2 RETURNING label")
                .bind(token_id.0)
                .bind(person_id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(classify)?
                .ok_or_else(|| StoreError::not_found(format!("token {token_id}")))?;
        let label: String = get(&row, "label")?;
        let event = NewEvent::new(
            actor,
            Payload::TokenRevoked(TokenRevoked {
                person_id,
                token_id,
                label,
            }),
        );
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: (),
            events,
            replayed: false,
        })
    }

    pub(crate) async fn create_session_impl(&self, session: NewSession) -> StoreResult<SessionId> {
        let id = SessionId::new();
        let at = to_db(self.clock.now());
        let user_agent = session
            .user_agent
            .map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect::<String>());
        sqlx::query(
            "INSERT INTO sessions (id, session_hash, person_id, csrf_token, created_at, expires_at,
                                   last_used_at, user_agent)
             VALUES ($1, $2, $3, $4, $5, $6, $5, $7)",
        )
        .bind(id.0)
        .bind(session.session_hash)
        .bind(session.person_id.0)
        .bind(session.csrf_token)
        .bind(at)
        .bind(to_db(session.expires_at))
        .bind(user_agent)
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        // Expired sessions are swept here, on the write path, rather than by a timer.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(id)
    }

    pub(crate) async fn get_session_impl(
        &self,
        session_hash: &str,
        at: Timestamp,
    ) -> StoreResult<Session> {
        let row = sqlx::query(
            "SELECT id, person_id, csrf_token, expires_at, last_used_at FROM sessions
             WHERE session_hash = $1 AND expires_at > $2",
        )
        .bind(session_hash)
        .bind(to_db(at))
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found("session"))?;
        let session = Session {
            id: SessionId(get::<Uuid>(&row, "id")?),
            person_id: PersonId(get::<Uuid>(&row, "person_id")?),
            csrf_token: get(&row, "csrf_token")?,
            expires_at: get_time(&row, "expires_at")?,
        };
        if needs_touch(Some(get_time(&row, "last_used_at")?), at) {
            sqlx::query(
                "UPDATE sessions SET last_used_at = $2 WHERE id = $1 AND last_used_at <= $3",
            )
            .bind(session.id.0)
            .bind(to_db(at))
            .bind(to_db(touch_cutoff(at)))
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        }
        Ok(session)
    }

    pub(crate) async fn delete_session_impl(&self, session_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE session_hash = $1")
            .bind(session_hash)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(())
    }

    pub(crate) async fn list_sessions_impl(
        &self,
        person_id: PersonId,
        at: Timestamp,
    ) -> StoreResult<Vec<SessionInfo>> {
        sqlx::query(
            "SELECT id, person_id, created_at, expires_at, last_used_at, user_agent FROM sessions
             WHERE person_id = $1 AND expires_at > $2 ORDER BY created_at DESC, id DESC",
        )
        .bind(person_id.0)
        .bind(to_db(at))
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(|row| {
            Ok(SessionInfo {
                id: SessionId(get::<Uuid>(row, "id")?),
                person_id: PersonId(get::<Uuid>(row, "person_id")?),
                created_at: get_time(row, "created_at")?,
                expires_at: get_time(row, "expires_at")?,
                last_used_at: get_time(row, "last_used_at")?,
                user_agent: get(row, "user_agent")?,
            })
        })
        .collect()
    }

    pub(crate) async fn revoke_session_impl(
        &self,
        person_id: PersonId,
        session_id: SessionId,
    ) -> StoreResult<()> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE id = $1 AND person_id = $2")
            .bind(session_id.0)
            .bind(person_id.0)
            .execute(&self.pool)
            .await
            .map_err(classify)?
            .rows_affected();
        if deleted == 0 {
            return Err(StoreError::not_found(format!("session {session_id}")));
        }
        Ok(())
    }

    pub(crate) async fn revoke_credentials_impl(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        keep_session: Option<SessionId>,
    ) -> StoreResult<Written<Revoked>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM people WHERE id = $1)")
            .bind(person_id.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(classify)?;
        if !exists {
            return Err(StoreError::not_found(format!("person {person_id}")));
        }
        let revoked = revoke_all(&mut tx, person_id, keep_session).await?;
        let event = revoked_event(actor, person_id, revoked, keep_session);
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: revoked,
            events,
            replayed: false,
        })
    }
}
