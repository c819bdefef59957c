//! Staff notifications on PostgreSQL: each person's choice (`notification_preferences`, one
//! row per person who chose) and notification mail queued in the outbox, as on SQLite.

use frontline_core::notify::NotificationKind;
use frontline_core::{PersonId, Role};
use frontline_store::{
    NewOutbound, NotificationChoice, Outbound, Preferences, StoreError, StoreResult, Written,
    check_notified_role, notification_already_queued, notifications_event,
};
use sqlx::postgres::PgConnection;
use sqlx::types::Json;

use crate::PgStore;
use crate::error::classify;
use crate::events::append;
use crate::rows::{get, get_time, parse, to_db};

/// The person's role; `lock` holds it (FOR SHARE) until the transaction ends.
async fn role_of(conn: &mut PgConnection, person_id: PersonId, lock: bool) -> StoreResult<Role> {
    let sql = if lock {
        "SELECT role FROM people WHERE id = $1 FOR SHARE"
    } else {
        "SELECT role FROM people WHERE id = $1"
    };
    let row = sqlx::query(sql)
        .bind(person_id.0)
        .fetch_optional(conn)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found(format!("person {person_id}")))?;
    parse(&row, "role", str::parse)
}

/// Keep one choice as it is (a new one, or an imported one).
pub(crate) async fn insert(
    conn: &mut PgConnection,
    choice: &NotificationChoice,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO notification_choices (person_id, seq, email, chosen_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(choice.person_id.0)
    .bind(choice.seq)
    .bind(Json(&choice.email))
    .bind(to_db(choice.chosen_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

/// Every choice, by person and sequence number, for an export.
pub(crate) async fn all(conn: &mut PgConnection) -> StoreResult<Vec<NotificationChoice>> {
    sqlx::query(
        "SELECT person_id, seq, email, chosen_at FROM notification_choices
         ORDER BY person_id, seq",
    )
    .fetch_all(conn)
    .await
    .map_err(classify)?
    .iter()
    .map(|row| {
        Ok(NotificationChoice {
            person_id: PersonId(get(row, "person_id")?),
            seq: get(row, "seq")?,
            email: get::<Json<Vec<NotificationKind>>>(row, "email")?.0,
            chosen_at: get_time(row, "chosen_at")?,
        })
    })
    .collect()
}

impl PgStore {
    pub(crate) async fn get_notification_preferences_impl(
        &self,
        person_id: PersonId,
        as_of: Option<i64>,
    ) -> StoreResult<Preferences> {
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        if !role_of(&mut conn, person_id, false).await?.is_staff() {
            return Ok(Preferences::default());
        }
        let email: Option<Json<Vec<NotificationKind>>> = sqlx::query_scalar(
            "SELECT email FROM notification_choices WHERE person_id = $1 AND seq <= $2
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(person_id.0)
        .bind(as_of.unwrap_or(i64::MAX))
        .fetch_optional(&mut *conn)
        .await
        .map_err(classify)?;
        Ok(email
            .map(|Json(kinds)| Preferences::email(kinds))
            .unwrap_or_default())
    }

    pub(crate) async fn set_notification_preferences_impl(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        preferences: Preferences,
    ) -> StoreResult<Written<Preferences>> {
        let preferences = Preferences::email(preferences.email);
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // FOR SHARE: the role cannot change under us before the choice is written.
        check_notified_role(person_id, role_of(&mut tx, person_id, true).await?)?;
        let at = self.clock.now();
        let events = append(
            &mut tx,
            &self.channel,
            at,
            vec![notifications_event(actor, person_id, &preferences)],
        )
        .await?;
        let choice = NotificationChoice {
            person_id,
            seq: events.last().map_or(0, |e| e.seq),
            email: preferences.email.clone(),
            chosen_at: at,
        };
        insert(&mut tx, &choice).await?;
        self.commit(tx, &events).await?;
        Ok(Written {
            value: preferences,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn queue_staff_mail_impl(&self, mail: NewOutbound) -> StoreResult<Outbound> {
        let outbound = mail.notification(self.clock.now());
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let queued: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM mail_outbox WHERE mailbox = $1 AND rfc_message_id = $2)",
        )
        .bind(outbound.mailbox.as_str())
        .bind(&outbound.rfc_message_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(classify)?;
        if queued {
            return Err(notification_already_queued(&outbound));
        }
        // Two nodes queueing the same at once both pass the check; the unique constraint
        // refuses the second.
        crate::mail::insert_outbound(&mut tx, &outbound)
            .await
            .map_err(|e| match e {
                StoreError::Conflict { .. } => notification_already_queued(&outbound),
                other => other,
            })?;
        tx.commit().await.map_err(classify)?;
        Ok(outbound)
    }
}
