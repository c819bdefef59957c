//! Account links on PostgreSQL: recorded with their mail in one transaction; redeemed by one
//! `UPDATE … WHERE used_at IS NULL AND expires_at > $now RETURNING`, so of two requests with
//! the same link one gets the row and the other `NotFound`, then acted on in the same
//! transaction (same rules and events as SQLite).

use frontline_core::event::{AddressVerified, PasswordSet, PasswordVia, PersonChanged};
use frontline_core::{Email, Name, NewEvent, Payload, Person, PersonId, Role};
use frontline_store::{
    LinkPurpose, NewAccountLink, NewOutbound, Outbound, Redeemed, StoreError, StoreResult, Written,
};
use sqlx::postgres::{PgConnection, Postgres};
use sqlx::{AssertSqlSafe, Transaction};
use uuid::Uuid;

use crate::PgStore;
use crate::error::classify;
use crate::rows::{self, PERSON_COLUMNS, get, parse, to_db};

impl PgStore {
    pub(crate) async fn queue_account_link_impl(
        &self,
        link: NewAccountLink,
        mail: NewOutbound,
    ) -> StoreResult<Outbound> {
        frontline_store::accounts::check_new(&link)?;
        let now = self.clock.now();
        let mut tx = self.pool.begin().await.map_err(classify)?;
        sqlx::query(
            "INSERT INTO account_links (token_hash, purpose, email, person_id, name, password_hash,
                 created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&link.token_hash)
        .bind(link.purpose.as_str())
        .bind(link.email.as_str())
        .bind(link.person_id.map(|p| p.0))
        .bind(link.name.as_ref().map(Name::as_str))
        .bind(link.password_hash.as_deref())
        .bind(to_db(now))
        .bind(to_db(link.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        let mail = NewOutbound {
            mailbox: frontline_store::accounts::account_mailbox(),
            ..mail
        };
        let outbound = mail.pending(None, None, now);
        crate::mail::insert_outbound(&mut tx, &outbound).await?;
        tx.commit().await.map_err(classify)?;
        Ok(outbound)
    }

    pub(crate) async fn purge_account_links_impl(
        &self,
        now: frontline_core::Timestamp,
    ) -> StoreResult<u64> {
        Ok(
            sqlx::query("DELETE FROM account_links WHERE expires_at <= $1")
                .bind(to_db(now))
                .execute(&self.pool)
                .await
                .map_err(classify)?
                .rows_affected(),
        )
    }

    pub(crate) async fn redeem_account_link_impl(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        new_password_hash: Option<String>,
    ) -> StoreResult<Written<Redeemed>> {
        if purpose == LinkPurpose::Reset && new_password_hash.is_none() {
            return Err(frontline_store::accounts::reset_needs_password());
        }
        let now = self.clock.now();
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let row = sqlx::query(
            "UPDATE account_links SET used_at = $3
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
             RETURNING email, person_id, name, password_hash",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(to_db(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?
        .ok_or_else(frontline_store::accounts::no_such_link)?;
        let email = parse(&row, "email", Email::parse)?;
        let person_id = get::<Option<Uuid>>(&row, "person_id")?.map(PersonId);
        let name: Option<String> = get(&row, "name")?;
        let password_hash: Option<String> = get(&row, "password_hash")?;
        // Whichever link of this kind was followed, the others sent to the address are spent.
        sqlx::query(
            "UPDATE account_links SET used_at = $3
             WHERE email = $1 AND purpose = $2 AND used_at IS NULL",
        )
        .bind(email.as_str())
        .bind(purpose.as_str())
        .bind(to_db(now))
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        let (person, created, events) = match purpose {
            LinkPurpose::SignIn => {
                let person = person_by_id(&mut tx, linked(person_id)?).await?;
                (person, false, Vec::new())
            }
            LinkPurpose::VerifyAddress => {
                let person_id = linked(person_id)?;
                let verified: Option<bool> = sqlx::query_scalar(
                    "SELECT verified FROM person_addresses
                      WHERE address = $1 AND person_id = $2 FOR UPDATE",
                )
                .bind(email.as_str())
                .bind(person_id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(classify)?;
                let events = match verified {
                    // Removed since, or its person erased: the link leads nowhere.
                    None => return Err(frontline_store::accounts::no_such_link()),
                    Some(true) => Vec::new(),
                    Some(false) => {
                        sqlx::query(
                            "UPDATE person_addresses SET verified = true
                              WHERE address = $1 AND person_id = $2",
                        )
                        .bind(email.as_str())
                        .bind(person_id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(classify)?;
                        vec![NewEvent::new(
                            Some(person_id),
                            Payload::AddressVerified(AddressVerified {
                                person_id,
                                address: email.clone(),
                            }),
                        )]
                    }
                };
                (person_by_id(&mut tx, person_id).await?, false, events)
            }
            LinkPurpose::Reset => {
                let person = person_by_id(&mut tx, linked(person_id)?).await?;
                let events = set_password(
                    &mut tx,
                    &person,
                    new_password_hash.unwrap_or_default(),
                    PasswordVia::Reset,
                )
                .await?;
                (person, false, events)
            }
            LinkPurpose::SignUp => {
                let hash = password_hash
                    .ok_or_else(|| StoreError::Other("a sign-up link without a password".into()))?;
                let existing = sqlx::query(AssertSqlSafe(format!(
                    // By any address that finds a person (the primary, or a verified
                    // added one), as `get_person_by_email` does.
                    "SELECT {PERSON_COLUMNS}, password_hash FROM people WHERE id = (
                         SELECT id FROM people WHERE email = $1
                         UNION ALL
                         SELECT person_id FROM person_addresses WHERE address = $1 AND verified
                         LIMIT 1)
                     FOR UPDATE"
                )))
                .bind(email.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(classify)?;
                let (person, created, mut events) = match existing {
                    Some(row) => {
                        let person = rows::person(&row)?;
                        let has_password = get::<Option<String>>(&row, "password_hash")?.is_some();
                        if has_password || person.role != Role::Customer {
                            return Err(frontline_store::accounts::has_account(&email));
                        }
                        (person, false, Vec::new())
                    }
                    None => {
                        // Nobody has it, not even as an unverified address, and nobody takes it
                        // while this transaction runs.
                        crate::identity::claim_address(&mut tx, &email).await?;
                        let name = name
                            .as_deref()
                            .map(Name::parse)
                            .transpose()
                            .map_err(|e| StoreError::Other(e.to_string()))?
                            .ok_or_else(|| {
                                StoreError::Other("a sign-up link without a name".into())
                            })?;
                        let person = insert_customer(&mut tx, email, name, now).await?;
                        let event =
                            NewEvent::new(None, Payload::PersonCreated(PersonChanged::of(&person)));
                        (person, true, vec![event])
                    }
                };
                events.extend(set_password(&mut tx, &person, hash, PasswordVia::SignUp).await?);
                (person, created, events)
            }
        };
        let events = self.finish(tx, events).await?;
        Ok(Written {
            value: Redeemed { person, created },
            events,
            replayed: false,
        })
    }
}

fn linked(person_id: Option<PersonId>) -> StoreResult<PersonId> {
    person_id.ok_or_else(|| StoreError::Other("a link without its person".into()))
}

async fn person_by_id(conn: &mut PgConnection, id: PersonId) -> StoreResult<Person> {
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

/// A customer who signed up, as `create_person` makes one (with their first role period).
async fn insert_customer(
    tx: &mut Transaction<'static, Postgres>,
    email: Email,
    name: Name,
    at: frontline_core::Timestamp,
) -> StoreResult<Person> {
    let person = Person::new(
        PersonId::new(),
        email,
        name,
        Role::Customer,
        None,
        false,
        0,
        at,
    );
    sqlx::query(
        "INSERT INTO people (id, email, name, role, title, admin, capacity, available, created_at)
         VALUES ($1, $2, $3, $4, NULL, false, 0, true, $5)",
    )
    .bind(person.id.0)
    .bind(person.email.as_str())
    .bind(person.name.as_str())
    .bind(person.role.as_str())
    .bind(to_db(person.created_at))
    .execute(&mut **tx)
    .await
    .map_err(classify)?;
    crate::history::open_role_period(&mut *tx, &person, person.created_at).await?;
    Ok(person)
}

/// The person's new password, and every credential of theirs ended, as `set_password` does;
/// the events name the person as the actor and say which link set it.
async fn set_password(
    tx: &mut Transaction<'static, Postgres>,
    person: &Person,
    hash: String,
    via: PasswordVia,
) -> StoreResult<Vec<NewEvent>> {
    sqlx::query("UPDATE people SET password_hash = $2 WHERE id = $1")
        .bind(person.id.0)
        .bind(hash)
        .execute(&mut **tx)
        .await
        .map_err(classify)?;
    let set = NewEvent::new(
        Some(person.id),
        Payload::PasswordSet(PasswordSet {
            person_id: person.id,
            via: Some(via),
        }),
    );
    let revoked = crate::credentials::revoke_all(tx, person.id, None).await?;
    let ended = crate::credentials::revoked_event(Some(person.id), person.id, revoked, None);
    Ok(vec![set, ended])
}
