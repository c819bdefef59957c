//! The voice of the customer: the mood of customer messages (scored, and alerted when the
//! domain says so, in the transaction that writes the message, after the case's row lock, so
//! two messages on one case read each other's scores in order), acknowledging alerts, and the
//! verbatims themes are read from.

use frontline_core::mood::{self, MoodReason};
use frontline_core::themes::{Voice, VoiceSource};
use frontline_core::time::truncate;
use frontline_core::{
    Case, CaseId, CaseNumber, Message, MessageId, NewEvent, PersonId, Role, Subject, TeamId,
    Timestamp,
};
use frontline_store::{
    MessageMood, MoodAlertFilter, MoodAlertItem, StoreError, StoreResult, VoiceFilter, Written,
};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::PgStore;
use crate::error::{classify, corrupt};
use crate::query::newest_first;
use crate::rows::{get, get_opt_time, get_time, opt_to_db, parse, to_db};

/// Score `message` (just inserted) if a customer wrote it, store the score and any alert on
/// its row, and return the alert's event for the caller to append with the message's.
pub(crate) async fn read_mood(
    conn: &mut PgConnection,
    case: &Case,
    message: &Message,
    author_role: Role,
) -> StoreResult<Option<NewEvent>> {
    if author_role != Role::Customer {
        return Ok(None);
    }
    let earlier: Vec<f64> = sqlx::query_scalar(
        "SELECT sentiment FROM messages
         WHERE case_id = $1 AND author_id = $2 AND id <> $3 AND sentiment IS NOT NULL
         ORDER BY created_at, id",
    )
    .bind(case.id.0)
    .bind(message.author_id.0)
    .bind(message.id.0)
    .fetch_all(&mut *conn)
    .await
    .map_err(classify)?;
    let Some(reading) = mood::read(message.body.as_str(), author_role, &earlier) else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE messages SET sentiment = $2, mood_alert = $3, mood_alert_why = $4 WHERE id = $1",
    )
    .bind(message.id.0)
    .bind(reading.sentiment)
    .bind(reading.alert.as_ref().map(|a| a.reason.as_str()))
    .bind(reading.alert.as_ref().map(mood::MoodAlert::why))
    .execute(&mut *conn)
    .await
    .map_err(classify)?;
    Ok(reading
        .alert
        .map(|alert| mood::alert_event(case, message, &alert)))
}

const ALERT_COLUMNS: &str = "m.id, m.case_id, c.number, c.subject, c.customer_id, c.owner_id, \
     c.team_id, m.mood_alert, m.mood_alert_why, m.sentiment, m.body, m.created_at, \
     m.mood_acknowledged_by, m.mood_acknowledged_at";

fn alert_row(row: &PgRow) -> StoreResult<MoodAlertItem> {
    Ok(MoodAlertItem {
        message_id: MessageId(get(row, "id")?),
        case_id: CaseId(get(row, "case_id")?),
        case_number: CaseNumber(get(row, "number")?),
        subject: parse(row, "subject", Subject::parse)?,
        customer_id: PersonId(get(row, "customer_id")?),
        owner_id: get::<Option<Uuid>>(row, "owner_id")?.map(PersonId),
        team_id: get::<Option<Uuid>>(row, "team_id")?.map(TeamId),
        reason: parse(row, "mood_alert", str::parse::<MoodReason>)?,
        why: get::<Option<String>>(row, "mood_alert_why")?.unwrap_or_default(),
        sentiment: get::<Option<f64>>(row, "sentiment")?.unwrap_or(0.0),
        quote: get(row, "body")?,
        at: get_time(row, "created_at")?,
        acknowledged_by: get::<Option<Uuid>>(row, "mood_acknowledged_by")?.map(PersonId),
        acknowledged_at: get_opt_time(row, "mood_acknowledged_at")?,
    })
}

const MOOD_COLUMNS: &str = "id, created_at, sentiment, mood_alert, mood_alert_why, \
     mood_acknowledged_by, mood_acknowledged_at";

fn mood_row(row: &PgRow) -> StoreResult<MessageMood> {
    let alert: Option<String> = get(row, "mood_alert")?;
    Ok(MessageMood {
        message_id: MessageId(get(row, "id")?),
        sentiment: get(row, "sentiment")?,
        alert: alert
            .map(|a| a.parse())
            .transpose()
            .map_err(|e| corrupt("mood_alert", e))?,
        why: get(row, "mood_alert_why")?,
        acknowledged_by: get::<Option<Uuid>>(row, "mood_acknowledged_by")?.map(PersonId),
        acknowledged_at: get_opt_time(row, "mood_acknowledged_at")?,
    })
}

/// Every message mood, for export, in the messages' order (created_at, id).
pub(crate) async fn all_moods(conn: &mut PgConnection) -> StoreResult<Vec<MessageMood>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {MOOD_COLUMNS} FROM messages WHERE sentiment IS NOT NULL"
    )))
    .fetch_all(conn)
    .await
    .map_err(classify)?;
    let mut keyed = rows
        .iter()
        .map(|row| Ok((get_time(row, "created_at")?, mood_row(row)?)))
        .collect::<StoreResult<Vec<_>>>()?;
    // Sorted here, not by PostgreSQL, like every export (see `export`).
    keyed.sort_by_key(|(at, m)| (*at, m.message_id));
    Ok(keyed.into_iter().map(|(_, m)| m).collect())
}

/// Import: put an exported mood back on its message.
pub(crate) async fn put_mood(conn: &mut PgConnection, m: &MessageMood) -> StoreResult<()> {
    let changed = sqlx::query(
        "UPDATE messages SET sentiment = $2, mood_alert = $3, mood_alert_why = $4,
             mood_acknowledged_by = $5, mood_acknowledged_at = $6
         WHERE id = $1",
    )
    .bind(m.message_id.0)
    .bind(m.sentiment)
    .bind(m.alert.map(|a| a.as_str()))
    .bind(m.why.as_deref())
    .bind(m.acknowledged_by.map(|p| p.0))
    .bind(opt_to_db(m.acknowledged_at))
    .execute(conn)
    .await
    .map_err(classify)?
    .rows_affected();
    if changed == 0 {
        return Err(StoreError::not_found(format!("message {}", m.message_id)));
    }
    Ok(())
}

impl PgStore {
    pub(crate) async fn list_mood_alerts_impl(
        &self,
        filter: MoodAlertFilter,
        limit: u32,
    ) -> StoreResult<Vec<MoodAlertItem>> {
        let mut query: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "SELECT {ALERT_COLUMNS} FROM messages m JOIN cases c ON c.id = m.case_id
             WHERE m.mood_alert IS NOT NULL"
        ));
        if filter.unacknowledged_only {
            query.push(" AND m.mood_acknowledged_at IS NULL");
        }
        if filter.open_cases_only {
            query.push(" AND c.status NOT IN ('resolved', 'closed')");
        }
        if let Some(id) = filter.case_id {
            query.push(" AND m.case_id = ").push_bind(id.0);
        }
        if let Some(id) = filter.message_id {
            query.push(" AND m.id = ").push_bind(id.0);
        }
        if let Some(since) = filter.since {
            query.push(" AND m.created_at >= ").push_bind(to_db(since));
        }
        if filter.owner_id.is_some() || !filter.team_ids.is_empty() {
            query.push(" AND (false");
            if let Some(owner) = filter.owner_id {
                query.push(" OR c.owner_id = ").push_bind(owner.0);
            }
            if !filter.team_ids.is_empty() {
                let teams: Vec<Uuid> = filter.team_ids.iter().map(|t| t.0).collect();
                query
                    .push(" OR c.team_id = ANY(")
                    .push_bind(teams)
                    .push(")");
            }
            query.push(")");
        }
        newest_first(&mut query, "m.created_at", None, limit);
        query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?
            .iter()
            .map(alert_row)
            .collect()
    }

    pub(crate) async fn acknowledge_mood_alert_impl(
        &self,
        by: PersonId,
        message_id: MessageId,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<MoodAlertItem>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        crate::asks::person(&mut tx, by).await?;
        let missing = || StoreError::not_found(frontline_store::no_alert(message_id));
        let case_id: Uuid = sqlx::query_scalar(
            "SELECT case_id FROM messages WHERE id = $1 AND mood_alert IS NOT NULL",
        )
        .bind(message_id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?
        .ok_or_else(missing)?;
        // The case's lock first, as every case write takes it: of two acknowledgements the
        // second waits here, then sees the first.
        let case = crate::cases::lock_case(&mut tx, CaseId(case_id)).await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS} FROM messages m JOIN cases c ON c.id = m.case_id
             WHERE m.id = $1 AND m.mood_alert IS NOT NULL"
        )))
        .bind(message_id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?
        .ok_or_else(missing)?;
        let item = alert_row(&row)?;
        if item.acknowledged_at.is_some() {
            return Err(StoreError::conflict(frontline_store::already_acknowledged(
                item.case_number,
            )));
        }
        let at = at.map_or_else(|| self.clock.now(), truncate);
        sqlx::query(
            "UPDATE messages SET mood_acknowledged_by = $2, mood_acknowledged_at = $3 WHERE id = $1",
        )
        .bind(message_id.0)
        .bind(by.0)
        .bind(to_db(at))
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        let events = self
            .finish(tx, vec![mood::acknowledged_event(&case, message_id, by)])
            .await?;
        Ok(Written {
            value: MoodAlertItem {
                acknowledged_by: Some(by),
                acknowledged_at: Some(at),
                ..item
            },
            events,
            replayed: false,
        })
    }

    pub(crate) async fn list_message_moods_impl(
        &self,
        case_id: CaseId,
    ) -> StoreResult<Vec<MessageMood>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {MOOD_COLUMNS} FROM messages
             WHERE case_id = $1 AND sentiment IS NOT NULL ORDER BY created_at, id"
        )))
        .bind(case_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(mood_row)
        .collect()
    }

    pub(crate) async fn list_voices_impl(&self, filter: VoiceFilter) -> StoreResult<Vec<Voice>> {
        let limit = filter.limit;
        let voice = |row: &PgRow, source: VoiceSource| -> StoreResult<Voice> {
            Ok(Voice {
                case_id: CaseId(get(row, "case_id")?),
                case_number: CaseNumber(get(row, "number")?),
                source,
                text: get(row, "text")?,
                at: get_time(row, "created_at")?,
            })
        };
        let mut found = sqlx::query(AssertSqlSafe(format!(
            "SELECT f.case_id, c.number, f.text, f.created_at
             FROM feelings f JOIN cases c ON c.id = f.case_id
             WHERE f.kind = 'customer' AND f.text IS NOT NULL AND f.created_at >= $1
             ORDER BY f.created_at DESC, f.id DESC LIMIT {limit}"
        )))
        .bind(to_db(filter.since))
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(|row| voice(row, VoiceSource::Rating))
        .collect::<StoreResult<Vec<_>>>()?;
        let messages = sqlx::query(AssertSqlSafe(format!(
            "SELECT m.case_id, c.number, m.body AS text, m.created_at
             FROM messages m JOIN cases c ON c.id = m.case_id
             WHERE m.sentiment IS NOT NULL AND m.created_at >= $1 AND m.sentiment <= $2
             ORDER BY m.created_at DESC, m.id DESC LIMIT {limit}"
        )))
        .bind(to_db(filter.since))
        .bind(filter.max_sentiment)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(|row| voice(row, VoiceSource::Message))
        .collect::<StoreResult<Vec<_>>>()?;
        found.extend(messages);
        frontline_store::sort_voices(&mut found);
        Ok(found)
    }
}
