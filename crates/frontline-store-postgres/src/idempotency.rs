//! Idempotent creates. A create with an idempotency key records `(actor, key) -> message id,
//! first_seq..=last_seq` in the same transaction; a repeat by the same actor (nobody is the nil
//! uuid) finds the record and answers with the message, its case as it is now, and the
//! original events, writing nothing. The message id is the subject for both kinds of create
//! (a new case's first message, or an added message), since the case follows from it.

use frontline_core::{Case, Event, Message, MessageId, PersonId};
use frontline_store::{StoreError, StoreResult};
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgConnection;

use crate::error::classify;
use crate::events::{self, idempotency_actor};
use crate::rows::{self, CASE_COLUMNS, MESSAGE_COLUMNS, get, to_db};

/// What an earlier create with the same idempotency key produced.
pub(crate) struct Prior {
    message_id: MessageId,
    first_seq: i64,
    last_seq: i64,
}

pub(crate) async fn prior(
    conn: &mut PgConnection,
    actor: Option<PersonId>,
    key: &str,
) -> StoreResult<Option<Prior>> {
    let Some(row) = sqlx::query(
        "SELECT subject_id, first_seq, last_seq FROM idempotency WHERE actor_id = $1 AND key = $2",
    )
    .bind(idempotency_actor(actor))
    .bind(key)
    .fetch_optional(conn)
    .await
    .map_err(classify)?
    else {
        return Ok(None);
    };
    Ok(Some(Prior {
        message_id: MessageId(get(&row, "subject_id")?),
        first_seq: get(&row, "first_seq")?,
        last_seq: get(&row, "last_seq")?,
    }))
}

/// The stored answer to a repeated create: the message it wrote, its case as it is now, and
/// the events it appended.
pub(crate) async fn replay(
    conn: &mut PgConnection,
    prior: &Prior,
) -> StoreResult<(Message, Case, Vec<Event>)> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(prior.message_id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::Other("an idempotency record names a missing message".into()))?;
    let message = rows::message(&row)?;
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(message.case_id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::Other("an idempotency record names a missing case".into()))?;
    let case = rows::case(&row)?;
    let events = events::between(conn, prior.first_seq, prior.last_seq).await?;
    Ok((message, case, events))
}

pub(crate) async fn remember(
    conn: &mut PgConnection,
    actor: Option<PersonId>,
    key: &str,
    message_id: MessageId,
    events: &[Event],
) -> StoreResult<()> {
    let (Some(first), Some(last)) = (events.first(), events.last()) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO idempotency (actor_id, key, subject_id, first_seq, last_seq, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(idempotency_actor(actor))
    .bind(key)
    .bind(message_id.0)
    .bind(first.seq)
    .bind(last.seq)
    .bind(to_db(frontline_core::time::now()))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}
