//! People: creating and updating them, and password hashes (a new one ends the person's
//! tokens and sessions, see `credentials`). Events name people by id and never carry a
//! password hash or a token.

use frontline_core::event::{PasswordSet, PersonChanged};
use frontline_core::{Email, NewEvent, Payload, Person, PersonId, ValueError};
use frontline_store::{
    NewPerson, Page, PageRequest, PeopleFilter, PersonUpdate, StoreError, StoreResult, Written,
};
use sqlx::AssertSqlSafe;

use crate::PgStore;
use crate::error::classify;
use crate::rows::{self, PERSON_COLUMNS, contains_pattern, get, to_db};

fn check_capacity(capacity: u32) -> StoreResult<()> {
    if capacity > Person::MAX_CAPACITY {
        return Err(StoreError::Invalid(ValueError::new(
            "capacity",
            format!("at most {} open cases", Person::MAX_CAPACITY),
        )));
    }
    Ok(())
}

fn person_not_found() -> StoreError {
    StoreError::not_found("person")
}

impl PgStore {
    pub(crate) async fn create_person_impl(
        &self,
        actor: Option<PersonId>,
        new: NewPerson,
    ) -> StoreResult<Written<Person>> {
        check_capacity(new.capacity)?;
        let person = Person::new(
            PersonId::new(),
            new.email,
            new.name,
            new.role,
            new.title,
            new.admin,
            new.capacity,
            self.clock.now(),
        );
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // Someone's added address is theirs as much as a primary one.
        crate::identity::claim_address(&mut tx, &person.email).await?;
        sqlx::query(
            "INSERT INTO people (id, email, name, role, title, admin, capacity, available,
                                 created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(person.id.0)
        .bind(person.email.as_str())
        .bind(person.name.as_str())
        .bind(person.role.as_str())
        .bind(person.title.as_deref())
        .bind(person.admin)
        .bind(i64::from(person.capacity))
        .bind(person.available)
        .bind(to_db(person.created_at))
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        crate::history::open_role_period(&mut tx, &person, person.created_at).await?;
        let event = NewEvent::new(actor, Payload::PersonCreated(PersonChanged::of(&person)));
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: person,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn update_person_impl(
        &self,
        actor: Option<PersonId>,
        id: PersonId,
        update: PersonUpdate,
    ) -> StoreResult<Written<Person>> {
        if let Some(capacity) = update.capacity {
            check_capacity(capacity)?;
        }
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // The person as they were, locked, so a role change ends the right period.
        let before = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE id = $1 FOR UPDATE"
        )))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?
        .ok_or_else(person_not_found)?;
        let before = rows::person(&before)?;
        let sql = format!(
            "UPDATE people SET
                 name = COALESCE($2, name),
                 role = COALESCE($3, role),
                 title = CASE WHEN $4 THEN $5 ELSE title END,
                 admin = COALESCE($6, admin),
                 capacity = COALESCE($7, capacity),
                 available = COALESCE($8, available),
                 language = CASE WHEN $9 THEN $10 ELSE language END,
                 time_zone = CASE WHEN $11 THEN $12 ELSE time_zone END
             WHERE id = $1
             RETURNING {PERSON_COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .bind(update.name.as_ref().map(|n| n.as_str()))
            .bind(update.role.map(|r| r.as_str()))
            .bind(update.title.is_some())
            .bind(update.title.clone().flatten())
            .bind(update.admin)
            .bind(update.capacity.map(i64::from))
            .bind(update.available)
            .bind(update.language.is_some())
            .bind(update.language.clone().flatten())
            .bind(update.time_zone.is_some())
            .bind(update.time_zone.clone().flatten())
            .fetch_optional(&mut *tx)
            .await
            .map_err(classify)?
            .ok_or_else(person_not_found)?;
        let person = rows::person(&row)?;
        if person.name != before.name {
            crate::search::index_customer(&mut tx, id).await?;
        }
        let mut events = vec![NewEvent::new(
            actor,
            Payload::PersonUpdated(PersonChanged::of(&person)),
        )];
        // A new role or title ends the current period and opens the next one.
        let at = self.clock.now();
        events.extend(crate::history::change_role(&mut tx, actor, &before, &person, at).await?);
        // More room, or back from away: the person takes queued cases at once.
        events.extend(crate::queue::fill(&mut tx, id, self.clock.now(), None).await?);
        let events = self.finish(tx, events).await?;
        Ok(Written {
            value: person,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn set_password_impl(
        &self,
        actor: Option<PersonId>,
        id: PersonId,
        password_hash: String,
        keep_session: Option<frontline_core::SessionId>,
    ) -> StoreResult<Written<frontline_store::Revoked>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let updated = sqlx::query("UPDATE people SET password_hash = $2 WHERE id = $1")
            .bind(id.0)
            .bind(password_hash)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        if updated.rows_affected() == 0 {
            return Err(person_not_found());
        }
        let event = NewEvent::new(
            actor,
            Payload::PasswordSet(PasswordSet {
                person_id: id,
                via: None,
            }),
        );
        // A new password ends every credential the old one could have minted, in the same
        // transaction: a stolen session or token does not outlive a reset.
        let revoked = crate::credentials::revoke_all(&mut tx, id, keep_session).await?;
        let ended = crate::credentials::revoked_event(actor, id, revoked, keep_session);
        let events = self.finish(tx, vec![event, ended]).await?;
        Ok(Written {
            value: revoked,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn get_person_impl(&self, id: PersonId) -> StoreResult<Person> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)?
            .ok_or_else(person_not_found)?;
        rows::person(&row)
    }

    pub(crate) async fn get_people_impl(&self, ids: Vec<PersonId>) -> StoreResult<Vec<Person>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<uuid::Uuid> = ids.into_iter().map(|id| id.0).collect();
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = ANY($1)");
        sqlx::query(AssertSqlSafe(sql))
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?
            .iter()
            .map(rows::person)
            .collect()
    }

    pub(crate) async fn get_person_by_email_impl(&self, email: &Email) -> StoreResult<Person> {
        // The primary address first, then a verified added one (at most one person has it).
        let sql = format!(
            "(SELECT {PERSON_COLUMNS} FROM people WHERE email = $1)
             UNION ALL
             (SELECT {PERSON_COLUMNS} FROM people WHERE id =
                 (SELECT person_id FROM person_addresses WHERE address = $1 AND verified))
             LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)?
            .ok_or_else(person_not_found)?;
        rows::person(&row)
    }

    pub(crate) async fn password_hash_impl(&self, id: PersonId) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT password_hash FROM people WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)?
            .ok_or_else(person_not_found)?;
        get(&row, "password_hash")
    }

    pub(crate) async fn list_people_impl(
        &self,
        filter: PeopleFilter,
        page: PageRequest<PersonId>,
    ) -> StoreResult<Page<Person>> {
        let limit = page.clamped_limit();
        let text = filter
            .text
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(contains_pattern);
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM people
             WHERE ($1::text IS NULL OR role = $1)
               AND ($2::text IS NULL OR name ILIKE $2 OR email ILIKE $2)
               AND ($3::uuid IS NULL OR id > $3)
             ORDER BY id
             LIMIT $4"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(filter.role.map(|r| r.as_str()))
            .bind(text)
            .bind(page.after.map(|p| p.0))
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        let mut items = rows
            .iter()
            .map(rows::person)
            .collect::<StoreResult<Vec<_>>>()?;
        let has_more = items.len() > limit as usize;
        items.truncate(limit as usize);
        Ok(Page { items, has_more })
    }
}
