//! Asks and their messages. A change locks the ask's row (`FOR UPDATE`), lets the domain
//! (`Ask::apply`) decide, and writes the row, the message and the event in one transaction,
//! so two nodes escalating or two support employees claiming at once serialise.

use frontline_core::ask::{Ask, AskChange, AskFeeling, AskMessage, FeelingWord, NewAskSpec};
use frontline_core::time::truncate;
use frontline_core::{AskId, AskText, CaseId, MessageBody, MessageId, Person, PersonId, Timestamp};
use frontline_store::{AskChanged, AskFilter, StoreError, StoreResult, Written, check_ask_people};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::PgStore;
use crate::error::classify;
use crate::guidelines::from_jsonb;
use crate::query::newest_first;
use crate::rows::{self, PERSON_COLUMNS, get, get_opt_time, get_time, opt_to_db, parse, to_db};

pub(crate) const ASK_COLUMNS: &str = "id, asker_id, kind, urgency, text, case_id, assignee_id, \
     claimed_by, status, created_at, updated_at, first_response_at, resolved_at, escalations, \
     respond_by, feeling_score, feeling_word, felt_at, history";

pub(crate) const ASK_MESSAGE_COLUMNS: &str = "id, ask_id, author_id, body, created_at";

pub(crate) fn ask_row(row: &PgRow) -> StoreResult<Ask> {
    let score: Option<i16> = get(row, "feeling_score")?;
    let feeling = match score {
        None => None,
        Some(score) => Some(AskFeeling {
            score: u8::try_from(score).map_err(|e| crate::error::corrupt("feeling_score", e))?,
            word: parse(row, "feeling_word", FeelingWord::parse)?,
            at: get_time(row, "felt_at")?,
        }),
    };
    let escalations: i32 = get(row, "escalations")?;
    Ok(Ask {
        id: AskId(get(row, "id")?),
        asker_id: PersonId(get(row, "asker_id")?),
        kind: parse(row, "kind", str::parse)?,
        urgency: parse(row, "urgency", str::parse)?,
        text: parse(row, "text", AskText::parse)?,
        case_id: get::<Option<Uuid>>(row, "case_id")?.map(CaseId),
        assignee_id: PersonId(get(row, "assignee_id")?),
        claimed_by: get::<Option<Uuid>>(row, "claimed_by")?.map(PersonId),
        status: parse(row, "status", str::parse)?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        first_response_at: get_opt_time(row, "first_response_at")?,
        resolved_at: get_opt_time(row, "resolved_at")?,
        escalations: u32::try_from(escalations)
            .map_err(|e| crate::error::corrupt("escalations", e))?,
        respond_by: get_opt_time(row, "respond_by")?,
        feeling,
        history: from_jsonb(row, "history")?,
    })
}

pub(crate) fn message_row(row: &PgRow) -> StoreResult<AskMessage> {
    Ok(AskMessage {
        id: MessageId(get(row, "id")?),
        ask_id: AskId(get(row, "ask_id")?),
        author_id: PersonId(get(row, "author_id")?),
        body: parse(row, "body", MessageBody::parse)?,
        created_at: get_time(row, "created_at")?,
    })
}

/// Write the whole row (raising, every change, and import).
pub(crate) async fn upsert_ask(conn: &mut PgConnection, a: &Ask) -> StoreResult<()> {
    let feeling = a.feeling.as_ref();
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO asks ({ASK_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         ON CONFLICT (id) DO UPDATE SET assignee_id = excluded.assignee_id,
             claimed_by = excluded.claimed_by, status = excluded.status,
             updated_at = excluded.updated_at, first_response_at = excluded.first_response_at,
             resolved_at = excluded.resolved_at, escalations = excluded.escalations,
             respond_by = excluded.respond_by, feeling_score = excluded.feeling_score,
             feeling_word = excluded.feeling_word, felt_at = excluded.felt_at,
             history = excluded.history"
    )))
    .bind(a.id.0)
    .bind(a.asker_id.0)
    .bind(a.kind.as_str())
    .bind(a.urgency.as_str())
    .bind(a.text.as_str())
    .bind(a.case_id.map(|c| c.0))
    .bind(a.assignee_id.0)
    .bind(a.claimed_by.map(|p| p.0))
    .bind(a.status.as_str())
    .bind(to_db(a.created_at))
    .bind(to_db(a.updated_at))
    .bind(opt_to_db(a.first_response_at))
    .bind(opt_to_db(a.resolved_at))
    .bind(i32::try_from(a.escalations).unwrap_or(i32::MAX))
    .bind(opt_to_db(a.respond_by))
    .bind(feeling.map(|f| i16::from(f.score)))
    .bind(feeling.map(|f| f.word.as_str()))
    .bind(opt_to_db(feeling.map(|f| f.at)))
    .bind(Json(&a.history))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

pub(crate) async fn insert_message(conn: &mut PgConnection, m: &AskMessage) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO ask_messages (id, ask_id, author_id, body, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(m.id.0)
    .bind(m.ask_id.0)
    .bind(m.author_id.0)
    .bind(m.body.as_str())
    .bind(to_db(m.created_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

/// Raise an ask inside the caller's transaction; the caller appends its event.
pub(crate) async fn raise_in(
    conn: &mut PgConnection,
    spec: NewAskSpec,
    at: Timestamp,
) -> StoreResult<(Ask, frontline_core::NewEvent)> {
    let asker = person(conn, spec.asker_id).await?;
    let assignee = person(conn, spec.assignee_id).await?;
    check_ask_people(&asker, &assignee)?;
    let (ask, event) = Ask::raise(spec, at);
    // An unknown case fails its foreign key: `NotFound` for the case.
    upsert_ask(conn, &ask).await?;
    Ok((ask, event))
}

pub(crate) async fn person(conn: &mut PgConnection, id: PersonId) -> StoreResult<Person> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PERSON_COLUMNS} FROM people WHERE id = $1"
    )))
    .bind(id.0)
    .fetch_optional(conn)
    .await
    .map_err(classify)?
    .ok_or_else(|| StoreError::not_found(format!("person {id}")))?;
    rows::person(&row)
}

fn ask_not_found(id: AskId) -> StoreError {
    StoreError::not_found(format!("ask {id}"))
}

impl PgStore {
    pub(crate) async fn raise_ask_impl(
        &self,
        spec: NewAskSpec,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<Ask>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let at = at.map_or_else(|| self.clock.now(), truncate);
        let (ask, event) = raise_in(&mut tx, spec, at).await?;
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: ask,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn change_ask_impl(
        &self,
        actor: Option<PersonId>,
        id: AskId,
        change: AskChange,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<AskChanged>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ASK_COLUMNS} FROM asks WHERE id = $1 FOR UPDATE"
        )))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?
        .ok_or_else(|| ask_not_found(id))?;
        let current = ask_row(&row)?;
        if let AskChange::Escalate { to: Some(to), .. } = &change {
            let asker = person(&mut tx, current.asker_id).await?;
            let to = person(&mut tx, *to).await?;
            check_ask_people(&asker, &to)?;
        }
        let effects =
            current.apply(actor, change, at.map_or_else(|| self.clock.now(), truncate))?;
        upsert_ask(&mut tx, &effects.ask).await?;
        if let Some(message) = &effects.message {
            insert_message(&mut tx, message).await?;
        }
        let events = self.finish(tx, vec![effects.event]).await?;
        Ok(Written {
            value: AskChanged {
                ask: effects.ask,
                message: effects.message,
            },
            events,
            replayed: false,
        })
    }

    pub(crate) async fn get_ask_impl(&self, id: AskId) -> StoreResult<Ask> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ASK_COLUMNS} FROM asks WHERE id = $1"
        )))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?
        .ok_or_else(|| ask_not_found(id))?;
        ask_row(&row)
    }

    pub(crate) async fn list_ask_messages_impl(&self, id: AskId) -> StoreResult<Vec<AskMessage>> {
        self.get_ask_impl(id).await?;
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {ASK_MESSAGE_COLUMNS} FROM ask_messages WHERE ask_id = $1
             ORDER BY created_at, id"
        )))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(message_row)
        .collect()
    }

    pub(crate) async fn list_asks_impl(
        &self,
        filter: AskFilter,
        limit: u32,
    ) -> StoreResult<Vec<Ask>> {
        let mut query: QueryBuilder<Postgres> =
            QueryBuilder::new(format!("SELECT {ASK_COLUMNS} FROM asks WHERE true"));
        if let Some(id) = filter.asker_id {
            query.push(" AND asker_id = ").push_bind(id.0);
        }
        if let Some(id) = filter.assignee_id {
            query.push(" AND assignee_id = ").push_bind(id.0);
        }
        if let Some(id) = filter.claimed_by {
            query.push(" AND claimed_by = ").push_bind(id.0);
        }
        if let Some(id) = filter.case_id {
            query.push(" AND case_id = ").push_bind(id.0);
        }
        if !filter.statuses.is_empty() {
            // A closed set of fixed words: safe as literals, and the planner sees them.
            let list: Vec<String> = filter
                .statuses
                .iter()
                .map(|s| format!("'{}'", s.as_str()))
                .collect();
            query.push(format_args!(" AND status IN ({})", list.join(", ")));
        }
        if let Some(at) = filter.due_at {
            query
                .push(" AND status = 'open' AND first_response_at IS NULL AND respond_by <= ")
                .push_bind(to_db(at));
        }
        if let Some(since) = filter.since {
            query.push(" AND created_at >= ").push_bind(to_db(since));
        }
        newest_first(
            &mut query,
            "created_at",
            filter.before.map(|(at, id)| (to_db(at), id.0)),
            limit,
        );
        query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?
            .iter()
            .map(ask_row)
            .collect()
    }
}
