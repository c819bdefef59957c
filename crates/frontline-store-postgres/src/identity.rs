//! A person's addresses, merging a duplicate customer into the one it duplicates, and erasure,
//! on PostgreSQL: each one transaction with its events. What a tombstone holds and how old
//! payloads are scrubbed is decided in `frontline_core::org::profile`.

use frontline_core::event::{
    AddressAdded, AddressRemoved, ErasureRequested, PersonErased, PersonMerged,
};
use frontline_core::org::profile;
use frontline_core::{CaseId, Email, NewEvent, Payload, Person, PersonId, Role, ValueError};
use frontline_store::{Merged, PersonAddress, StoreError, StoreResult, Written};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{AssertSqlSafe, Postgres, Transaction};
use uuid::Uuid;

use crate::PgStore;
use crate::error::classify;
use crate::migrate::LOCK_CLASS;
use crate::rows::{self, PERSON_COLUMNS, get, get_time, parse, to_db};

pub(crate) const ADDRESS_COLUMNS: &str = "address, person_id, verified, added_at";

pub(crate) fn address_row(row: &PgRow) -> StoreResult<PersonAddress> {
    Ok(PersonAddress {
        address: parse(row, "address", Email::parse)?,
        person_id: PersonId(get(row, "person_id")?),
        verified: get(row, "verified")?,
        added_at: get_time(row, "added_at")?,
    })
}

pub(crate) async fn insert_address(conn: &mut PgConnection, a: &PersonAddress) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO person_addresses (address, person_id, verified, added_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(a.address.as_str())
    .bind(a.person_id.0)
    .bind(a.verified)
    .bind(to_db(a.added_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

/// Wait for any other transaction writing this address (as a primary or an added address)
/// and hold it until this one ends. `people.email` and `person_addresses` are kept apart by
/// this lock, not by a constraint, so every transaction that writes an address into either
/// table takes it first: `claim_address` (a person made, an address added) and a merge (the
/// duplicate's primary becomes an added address of the kept customer).
pub(crate) async fn lock_address(conn: &mut PgConnection, address: &Email) -> StoreResult<()> {
    sqlx::query(
        "SELECT pg_advisory_xact_lock(
             $1, hashtext(concat_ws(' ', current_schema(), 'address', $2::text)))",
    )
    .bind(LOCK_CLASS)
    .bind(address.as_str())
    .execute(&mut *conn)
    .await
    .map_err(classify)?;
    Ok(())
}

/// Take the address's lock (`lock_address`), then refuse it if anyone has it already.
pub(crate) async fn claim_address(conn: &mut PgConnection, address: &Email) -> StoreResult<()> {
    lock_address(&mut *conn, address).await?;
    let owner = sqlx::query(
        "SELECT id FROM people WHERE email = $1
         UNION ALL SELECT person_id FROM person_addresses WHERE address = $1 LIMIT 1",
    )
    .bind(address.as_str())
    .fetch_optional(&mut *conn)
    .await
    .map_err(classify)?;
    match owner {
        Some(_) => Err(StoreError::conflict(format!(
            "the address {address} belongs to someone already"
        ))),
        None => Ok(()),
    }
}

async fn person_for_update(conn: &mut PgConnection, id: PersonId) -> StoreResult<Person> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PERSON_COLUMNS} FROM people WHERE id = $1 FOR UPDATE"
    )))
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await
    .map_err(classify)?
    .ok_or_else(|| StoreError::not_found(format!("person {id}")))?;
    rows::person(&row)
}

async fn person(conn: &mut PgConnection, id: PersonId) -> StoreResult<Person> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PERSON_COLUMNS} FROM people WHERE id = $1"
    )))
    .bind(id.0)
    .fetch_one(&mut *conn)
    .await
    .map_err(classify)?;
    rows::person(&row)
}

fn not_a_tombstone(person: &Person) -> StoreResult<()> {
    if person.is_tombstone() {
        return Err(ValueError::new(
            "person",
            format!("{} was erased or merged into someone else", person.id),
        )
        .into());
    }
    Ok(())
}

fn live_customer(person: &Person, field: &'static str) -> StoreResult<()> {
    if person.role != Role::Customer {
        return Err(
            ValueError::new(field, "must be a customer (staff are not merged or erased)").into(),
        );
    }
    not_a_tombstone(person)
}

async fn execute(conn: &mut PgConnection, sql: &'static str, a: Uuid, b: Uuid) -> StoreResult<u64> {
    Ok(sqlx::query(sql)
        .bind(a)
        .bind(b)
        .execute(conn)
        .await
        .map_err(classify)?
        .rows_affected())
}

impl PgStore {
    pub(crate) async fn add_address_impl(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        address: Email,
        verified: bool,
    ) -> StoreResult<Written<PersonAddress>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let found = person_for_update(&mut tx, person_id).await?;
        not_a_tombstone(&found)?;
        claim_address(&mut tx, &address).await?;
        let added = PersonAddress {
            person_id,
            address,
            verified,
            added_at: self.clock.now(),
        };
        insert_address(&mut tx, &added).await?;
        crate::search::index_customer(&mut tx, person_id).await?;
        let event = NewEvent::new(
            actor,
            Payload::AddressAdded(AddressAdded {
                person_id,
                address: added.address.clone(),
                verified,
            }),
        );
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: added,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn remove_address_impl(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        address: Email,
    ) -> StoreResult<Written<()>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let deleted =
            sqlx::query("DELETE FROM person_addresses WHERE address = $1 AND person_id = $2")
                .bind(address.as_str())
                .bind(person_id.0)
                .execute(&mut *tx)
                .await
                .map_err(classify)?
                .rows_affected();
        if deleted == 0 {
            return Err(StoreError::not_found(format!(
                "address {address} of person {person_id}"
            )));
        }
        crate::search::index_customer(&mut tx, person_id).await?;
        let event = NewEvent::new(
            actor,
            Payload::AddressRemoved(AddressRemoved { person_id, address }),
        );
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: (),
            events,
            replayed: false,
        })
    }

    pub(crate) async fn list_addresses_impl(
        &self,
        person_id: PersonId,
    ) -> StoreResult<Vec<PersonAddress>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {ADDRESS_COLUMNS} FROM person_addresses WHERE person_id = $1
             ORDER BY added_at, address"
        )))
        .bind(person_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(address_row)
        .collect()
    }

    pub(crate) async fn merge_people_impl(
        &self,
        actor: Option<PersonId>,
        keep: PersonId,
        duplicate: PersonId,
    ) -> StoreResult<Written<Merged>> {
        if keep == duplicate {
            return Err(
                ValueError::new("duplicate", "must be another customer than the one kept").into(),
            );
        }
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // Locked in id order, so two merges of the same pair cannot deadlock.
        let (first, second) = if keep.0 < duplicate.0 {
            (keep, duplicate)
        } else {
            (duplicate, keep)
        };
        let a = person_for_update(&mut tx, first).await?;
        let b = person_for_update(&mut tx, second).await?;
        let (kept, dup) = if a.id == keep { (a, b) } else { (b, a) };
        live_customer(&kept, "keep")?;
        live_customer(&dup, "duplicate")?;
        // The duplicate's primary address moves from `people` to `person_addresses`: under
        // the lock every writer of an address takes (after the row locks, as in
        // `add_address`, so the two cannot wait on each other in a circle). Its added
        // addresses only change owner, which the lock does not guard.
        lock_address(&mut tx, &dup.email).await?;
        let at = self.clock.now();
        let (k, d) = (keep.0, duplicate.0);
        let cases_moved = execute(
            &mut tx,
            "UPDATE cases SET customer_id = $1 WHERE customer_id = $2",
            k,
            d,
        )
        .await?;
        for sql in [
            "UPDATE messages SET author_id = $1 WHERE author_id = $2",
            "UPDATE feelings SET person_id = $1 WHERE person_id = $2",
            "UPDATE decisions SET customer_id = $1 WHERE customer_id = $2",
            "UPDATE mail_bounces SET person_id = $1 WHERE person_id = $2",
            // The kept customer's own profile wins; the duplicate's moves only where there is
            // none.
            "UPDATE customer_profiles SET person_id = $1 WHERE person_id = $2
               AND NOT EXISTS (SELECT 1 FROM customer_profiles WHERE person_id = $1)",
            // Who may read the moved cases' history: the kept customer from now on.
            "UPDATE events SET customer_id = $1 WHERE customer_id = $2",
        ] {
            execute(&mut tx, sql, k, d).await?;
        }
        sqlx::query("DELETE FROM customer_profiles WHERE person_id = $1")
            .bind(d)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        let moved = execute(
            &mut tx,
            "UPDATE person_addresses SET person_id = $1 WHERE person_id = $2",
            k,
            d,
        )
        .await?;
        sqlx::query(
            "UPDATE people SET email = $2, name = $3, password_hash = NULL, language = NULL,
                    time_zone = NULL, erasure_requested_at = NULL, merged_into = $4
             WHERE id = $1",
        )
        .bind(d)
        .bind(profile::merged_email(duplicate).as_str())
        .bind(profile::merged_name().as_str())
        .bind(k)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        insert_address(
            &mut tx,
            &PersonAddress {
                person_id: keep,
                address: dup.email.clone(),
                verified: true,
                added_at: at,
            },
        )
        .await?;
        let revoked = crate::credentials::revoke_all(&mut tx, duplicate, None).await?;
        let ended = crate::credentials::revoked_event(actor, duplicate, revoked, None);
        let merged = NewEvent::new(
            actor,
            Payload::PersonMerged(PersonMerged {
                kept_id: keep,
                merged_id: duplicate,
                cases_moved,
                addresses_moved: moved + 1,
            }),
        );
        crate::search::index_customer(&mut tx, keep).await?;
        let kept = person(&mut tx, keep).await?;
        let dup = person(&mut tx, duplicate).await?;
        let events = self.finish(tx, vec![ended, merged]).await?;
        Ok(Written {
            value: Merged {
                kept,
                merged: dup,
                cases_moved,
                addresses_moved: moved + 1,
            },
            events,
            replayed: false,
        })
    }

    pub(crate) async fn request_erasure_impl(
        &self,
        person_id: PersonId,
    ) -> StoreResult<Written<Person>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let found = person_for_update(&mut tx, person_id).await?;
        live_customer(&found, "person")?;
        if found.erasure_requested_at.is_some() {
            return Ok(Written {
                value: found,
                events: Vec::new(),
                replayed: true,
            });
        }
        sqlx::query("UPDATE people SET erasure_requested_at = $2 WHERE id = $1")
            .bind(person_id.0)
            .bind(to_db(self.clock.now()))
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        let value = person(&mut tx, person_id).await?;
        let event = NewEvent::new(
            Some(person_id),
            Payload::ErasureRequested(ErasureRequested { person_id }),
        );
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn erase_person_impl(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
    ) -> StoreResult<Written<Person>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let found = person_for_update(&mut tx, person_id).await?;
        if found.erased_at.is_some() {
            return Err(StoreError::conflict(format!(
                "person {person_id} is erased already"
            )));
        }
        live_customer(&found, "person")?;
        let at = self.clock.now();
        let id = person_id.0;
        let tombstone = profile::erased_email(person_id);
        let mut addresses: Vec<String> =
            sqlx::query_scalar("SELECT address FROM person_addresses WHERE person_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await
                .map_err(classify)?;
        addresses.push(found.email.as_str().to_owned());
        let cases: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM cases WHERE customer_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await
            .map_err(classify)?;
        sqlx::query(
            "UPDATE people SET email = $2, name = $3, password_hash = NULL, language = NULL,
                    time_zone = NULL, erasure_requested_at = NULL, erased_at = $4
             WHERE id = $1",
        )
        .bind(id)
        .bind(tombstone.as_str())
        .bind(profile::erased_name().as_str())
        .bind(to_db(at))
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        for sql in [
            "DELETE FROM person_addresses WHERE person_id = $1",
            "DELETE FROM customer_profiles WHERE person_id = $1",
            "DELETE FROM mail_bounces WHERE person_id = $1",
            "UPDATE feelings SET text = NULL WHERE person_id = $1",
            // The mail of their cases: the bytes received hold their words and address.
            "UPDATE mail SET raw = NULL
              WHERE case_id IN (SELECT id FROM cases WHERE customer_id = $1)",
        ] {
            sqlx::query(sql)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
        }
        let messages_erased = sqlx::query("UPDATE messages SET body = $2 WHERE author_id = $1")
            .bind(id)
            .bind(profile::ERASED_TEXT)
            .execute(&mut *tx)
            .await
            .map_err(classify)?
            .rows_affected();
        // Their files: tombstones under a name that says nothing (the bytes go with the next
        // sweep, unless someone else's attachment holds the same bytes); uploads never
        // attached go at once.
        let attachments_erased = sqlx::query(
            "UPDATE attachments SET deleted_at = $2, deleted_by = $3, deletion_reason = $4
              WHERE deleted_at IS NULL
                AND message_id IN (SELECT id FROM messages WHERE author_id = $1)",
        )
        .bind(id)
        .bind(to_db(at))
        .bind(actor.unwrap_or(person_id).0)
        .bind(profile::ERASED_FILE_REASON)
        .execute(&mut *tx)
        .await
        .map_err(classify)?
        .rows_affected();
        sqlx::query(
            "UPDATE attachments SET name = $2
              WHERE uploader_id = $1
                 OR message_id IN (SELECT id FROM messages WHERE author_id = $1)",
        )
        .bind(id)
        .bind(profile::ERASED_FILE_NAME)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        sqlx::query("DELETE FROM attachments WHERE uploader_id = $1 AND message_id IS NULL")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        // Nothing erased may still be found by searching for it.
        crate::search::index_customer(&mut tx, person_id).await?;
        sqlx::query("UPDATE mail SET address = $2 WHERE address = ANY($1)")
            .bind(&addresses)
            .bind(tombstone.as_str())
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        sqlx::query(
            "UPDATE mail_outbox SET recipient = $2, recipient_name = NULL,
                    last_error = CASE WHEN status = 'pending' THEN 'the recipient was erased'
                                      ELSE last_error END,
                    status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,
                    lease_owner = NULL, lease_until = NULL
              WHERE recipient = ANY($1)",
        )
        .bind(&addresses)
        .bind(tombstone.as_str())
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        let cases: Vec<CaseId> = cases.into_iter().map(CaseId).collect();
        // Records merged into this one carried their addresses, now erased with them.
        let merged: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM people WHERE merged_into = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await
            .map_err(classify)?;
        for someone in std::iter::once(person_id).chain(merged.into_iter().map(PersonId)) {
            scrub_events(&mut tx, someone, &tombstone, &cases).await?;
        }
        let revoked = crate::credentials::revoke_all(&mut tx, person_id, None).await?;
        let ended = crate::credentials::revoked_event(actor, person_id, revoked, None);
        let erased = NewEvent::new(
            actor,
            Payload::PersonErased(PersonErased {
                person_id,
                requested_at: found.erasure_requested_at,
                messages_erased,
                attachments_erased,
                tokens: revoked.tokens,
                sessions: revoked.sessions,
            }),
        );
        let value = person(&mut tx, person_id).await?;
        let events = self.finish(tx, vec![ended, erased]).await?;
        Ok(Written {
            value,
            events,
            replayed: false,
        })
    }
}

/// Rewrite the payloads of earlier events that carry the person's data (see
/// `profile::scrub`). Reads only the kinds that can, naming the person or one of their cases.
async fn scrub_events(
    tx: &mut Transaction<'static, Postgres>,
    person: PersonId,
    tombstone: &Email,
    cases: &[CaseId],
) -> StoreResult<()> {
    let kinds: Vec<&str> = profile::KINDS_WITH_PERSONAL_DATA
        .iter()
        .map(|k| k.as_str())
        .collect();
    let found = sqlx::query(
        "SELECT seq, kind, payload FROM events
          WHERE kind = ANY($1)
            AND (strpos(payload::text, $2) > 0
                 OR case_id IN (SELECT id FROM cases WHERE customer_id = $3))",
    )
    .bind(&kinds)
    .bind(person.to_string())
    .bind(person.0)
    .fetch_all(&mut **tx)
    .await
    .map_err(classify)?;
    for row in found {
        let seq: i64 = get(&row, "seq")?;
        let kind = parse(&row, "kind", str::parse)?;
        let payload: serde_json::Value = get(&row, "payload")?;
        if let Some(scrubbed) = profile::scrub(kind, &payload, person, tombstone, cases) {
            sqlx::query("UPDATE events SET payload = $2 WHERE seq = $1")
                .bind(seq)
                .bind(scrubbed.to_json())
                .execute(&mut **tx)
                .await
                .map_err(classify)?;
        }
    }
    Ok(())
}
