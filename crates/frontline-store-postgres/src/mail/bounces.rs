//! Addresses mail does not reach, on PostgreSQL. Several nodes may mark or clear one address
//! at once (two reports about it, or a report and the customer's mail): the insert does
//! nothing on a conflict and the delete returns what it deleted, so each mark and each
//! clearing is written once, with its one event, whichever node wins.

use frontline_core::Email;
use frontline_store::{MailBounce, NewMailBounce, Record, StoreResult, Written};
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnection, PgRow};

use super::fetch;
use crate::PgStore;
use crate::error::classify;
use crate::events::append;
use crate::rows::{get, get_time, parse, to_db};

const COLUMNS: &str = "address, person_id, since, reason, source";

fn bounce(row: &PgRow) -> StoreResult<MailBounce> {
    Ok(MailBounce {
        address: parse(row, "address", Email::parse)?,
        person_id: frontline_core::PersonId(get(row, "person_id")?),
        since: get_time(row, "since")?,
        reason: get(row, "reason")?,
        source: parse(row, "source", str::parse)?,
    })
}

/// Insert a mark unless the address has one; whether it was inserted.
async fn insert(conn: &mut PgConnection, b: &MailBounce) -> StoreResult<bool> {
    let done = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO mail_bounces ({COLUMNS}) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (address) DO NOTHING"
    )))
    .bind(b.address.as_str())
    .bind(b.person_id.0)
    .bind(to_db(b.since))
    .bind(&b.reason)
    .bind(b.source.as_str())
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(done.rows_affected() == 1)
}

/// Every mark by address in byte order, as SQLite exports them.
pub(super) async fn export_records(conn: &mut PgConnection) -> StoreResult<Vec<Record>> {
    let mut marks = fetch(conn, format!("SELECT {COLUMNS} FROM mail_bounces"))
        .await?
        .iter()
        .map(bounce)
        .collect::<StoreResult<Vec<_>>>()?;
    marks.sort_by(|a, b| {
        a.address
            .as_str()
            .as_bytes()
            .cmp(b.address.as_str().as_bytes())
    });
    Ok(marks.into_iter().map(Record::MailBounce).collect())
}

pub(crate) async fn import_bounce(conn: &mut PgConnection, b: &MailBounce) -> StoreResult<()> {
    insert(conn, b).await.map(|_| ())
}

impl PgStore {
    pub(crate) async fn mark_mail_bouncing_impl(
        &self,
        new: NewMailBounce,
    ) -> StoreResult<Written<MailBounce>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        crate::asks::person(&mut tx, new.person_id).await?;
        let address = new.address.clone();
        let at = self.clock.now();
        let (marked, event) = new.marked(at);
        if !insert(&mut tx, &marked).await? {
            // Marked already (perhaps by another node a moment ago): that mark stands.
            let row = sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM mail_bounces WHERE address = $1"
            )))
            .bind(address.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(classify)?;
            return Ok(Written {
                value: bounce(&row)?,
                events: Vec::new(),
                replayed: true,
            });
        }
        let events = append(&mut tx, &self.channel, at, vec![event]).await?;
        self.commit(tx, &events).await?;
        Ok(Written {
            value: marked,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn clear_mail_bouncing_impl(
        &self,
        address: Email,
    ) -> StoreResult<Option<Written<MailBounce>>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM mail_bounces WHERE address = $1 RETURNING {COLUMNS}"
        )))
        .bind(address.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let marked = bounce(&row)?;
        let at = self.clock.now();
        let events = append(&mut tx, &self.channel, at, vec![marked.cleared()]).await?;
        self.commit(tx, &events).await?;
        Ok(Some(Written {
            value: marked,
            events,
            replayed: false,
        }))
    }

    pub(crate) async fn mail_bounces_impl(
        &self,
        addresses: Vec<Email>,
    ) -> StoreResult<Vec<MailBounce>> {
        let addresses: Vec<String> = addresses.iter().map(|a| a.as_str().to_owned()).collect();
        let mut marks = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM mail_bounces WHERE address = ANY($1)"
        )))
        .bind(&addresses)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(bounce)
        .collect::<StoreResult<Vec<_>>>()?;
        marks.sort_by(|a, b| a.address.as_str().cmp(b.address.as_str()));
        Ok(marks)
    }
}
