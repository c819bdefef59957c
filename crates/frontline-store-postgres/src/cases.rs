//! Case writes: opening and routing a case, status changes, assignment, tags, the outcome
//! verdict, and messages. Each is one transaction: lock the case, let `frontline-core` decide
//! (`Case::open`, `change_status`, `assign`, ...), store the new state, apply the load
//! effects (see `queue`), append the events last.
//!
//! Opening a case and adding a message stop short of the append (`open_case_in`,
//! `add_message_in`), so a caller can write its own rows in the same transaction before
//! `seal` appends the events: mail records the message it became that way (see `mail`).
//!
//! Creates with an idempotency key are answered from their record when repeated (see
//! `idempotency`).

use frontline_core::case::{Case, CaseDraft};
use frontline_core::routing::{self, Route};
use frontline_core::time::truncate;
use frontline_core::{
    CaseId, CaseNumber, CaseStatus, Message, MessageId, NewEvent, OutcomeAchieved, PersonId, Role,
    Tags, TeamId, ValueError,
};
use frontline_store::{
    CaseCreated, MessageAdded, NewCase, NewMessage, StoreError, StoreResult, Written,
};
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

use crate::PgStore;
use crate::error::classify;
use crate::events::append;
use crate::idempotency::{prior, remember, replay};
use crate::queue::{
    apply_effects, apply_load, lock_candidates, lock_people, touch_assigned, write_case,
};
use crate::rows::{self, CASE_COLUMNS, parse, to_db};

impl PgStore {
    pub(crate) async fn create_case_impl(
        &self,
        actor: Option<PersonId>,
        new: NewCase,
    ) -> StoreResult<Written<CaseCreated>> {
        match self.create_case_once(actor, new.clone()).await {
            // An identical request committed first: answer from its record.
            Err(StoreError::IdempotencyRace) => self.create_case_once(actor, new).await,
            other => other,
        }
    }

    async fn create_case_once(
        &self,
        actor: Option<PersonId>,
        new: NewCase,
    ) -> StoreResult<Written<CaseCreated>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let begun = self.open_case_in(&mut tx, actor, new).await?;
        let written = self.seal(&mut tx, begun).await?;
        if written.replayed {
            return Ok(written);
        }
        self.commit(tx, &written.events).await?;
        let case = &written.value.case;
        tracing::debug!(case_id = %case.id, owner = ?case.owner_id, "case created");
        Ok(written)
    }

    /// Open a case in the caller's transaction, up to but not including its events: the
    /// caller may write rows of its own first (the mail the case came from, see `mail`), then
    /// `seal` and commit.
    pub(crate) async fn open_case_in(
        &self,
        tx: &mut PgConnection,
        actor: Option<PersonId>,
        new: NewCase,
    ) -> StoreResult<Begun<CaseCreated>> {
        if let Some(key) = &new.idempotency_key
            && let Some(prior) = prior(tx, actor, key).await?
        {
            let (message, case, events) = replay(tx, &prior).await?;
            return Ok(Begun::Replayed(Written {
                value: CaseCreated { case, message },
                events,
                replayed: true,
            }));
        }

        let role = person_role(tx, new.customer_id, "customer").await?;
        if role != Role::Customer {
            return Err(StoreError::Invalid(ValueError::new(
                "customer_id",
                format!("{} is a {role}, not a customer", new.customer_id),
            )));
        }
        let owning_teams = owning_teams(tx, new.outcome_id).await?;
        let candidates = lock_candidates(tx, &owning_teams).await?;
        let route = routing::route(&owning_teams, &candidates);
        let number: i64 = sqlx::query_scalar("SELECT nextval('case_numbers')")
            .fetch_one(&mut *tx)
            .await
            .map_err(classify)?;

        // Stored to the millisecond, so the value returned must be too.
        let at = new.created_at.map_or_else(|| self.clock.now(), truncate);
        let draft = CaseDraft {
            customer_id: new.customer_id,
            outcome_id: new.outcome_id,
            subject: new.subject,
            body: new.body,
            channel: new.channel,
            priority: new.priority,
            tags: new.tags,
        };
        let (case, message, mut effects) =
            Case::open(draft, CaseNumber(number), route.owner_and_team(), actor, at);
        insert_case(tx, &case).await?;
        insert_message(tx, &message).await?;
        crate::search::index_case(tx, case.id).await?;
        effects
            .events
            .extend(crate::voice::read_mood(tx, &case, &message, role).await?);
        effects
            .events
            .extend(crate::files::attach(tx, &case, &message, &new.attachments, actor).await?);
        apply_load(tx, &effects.load, Some(self.clock.now())).await?;
        Ok(Begun::Fresh(Unsealed {
            remember: new.idempotency_key.map(|key| (actor, key, message.id)),
            value: CaseCreated { case, message },
            events: effects.events,
        }))
    }

    /// Append the events of a create begun in `tx` (last, as every write does) and remember
    /// its idempotency key; a replay passes through untouched. The caller commits.
    pub(crate) async fn seal<T>(
        &self,
        tx: &mut PgConnection,
        begun: Begun<T>,
    ) -> StoreResult<Written<T>> {
        let unsealed = match begun {
            Begun::Replayed(written) => return Ok(written),
            Begun::Fresh(unsealed) => unsealed,
        };
        let events = append(tx, &self.channel, self.clock.now(), unsealed.events).await?;
        if let Some((actor, key, message_id)) = &unsealed.remember {
            remember(tx, *actor, key, *message_id, &events).await?;
        }
        Ok(Written {
            value: unsealed.value,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn change_status_impl(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        to: CaseStatus,
    ) -> StoreResult<Written<Case>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let mut case = lock_case(&mut tx, id).await?;
        let at = self.clock.now();
        let effects = case.change_status(to, actor, at)?;
        write_case(&mut tx, &case).await?;
        let events = apply_effects(&mut tx, effects, at, None, &case).await?;
        let events = self.finish(tx, events).await?;
        Ok(Written {
            value: case,
            events,
            replayed: false,
        })
    }

    /// Give the case to `owner`, or hand it back with `None`: then it is routed at once among
    /// its team's current members with room (never back to whoever released it), and waits in
    /// the queue only when nobody has room.
    pub(crate) async fn assign_case_impl(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        owner: Option<PersonId>,
    ) -> StoreResult<Written<Case>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let mut case = lock_case(&mut tx, id).await?;
        if let Some(owner) = owner {
            let role = person_role(&mut tx, owner, "person").await?;
            if !role.is_staff() {
                return Err(StoreError::Invalid(ValueError::new(
                    "owner_id",
                    format!("{owner} is a {role}; cases go to employees or support employees"),
                )));
            }
        }
        let previous_owner = case.owner_id;
        let reroute_team = case.team_id.filter(|_| owner.is_none());
        // Everyone this write may touch is locked up front, in id order (see `queue`).
        let mut people: Vec<PersonId> = previous_owner.into_iter().chain(owner).collect();
        if let Some(team) = reroute_team {
            let members: Vec<Uuid> = sqlx::query_scalar(
                "SELECT person_id FROM memberships WHERE team_id = $1 AND valid_to IS NULL",
            )
            .bind(team.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(classify)?;
            people.extend(members.into_iter().map(PersonId));
        }
        lock_people(&mut tx, &people).await?;

        let at = self.clock.now();
        let effects = case.assign(owner, None, actor, at)?;
        write_case(&mut tx, &case).await?;
        let mut events = apply_effects(&mut tx, effects, at, Some(at), &case).await?;
        if let Some(owner) = owner {
            // Even a re-assignment to the same person counts as their latest assignment.
            touch_assigned(&mut tx, owner, at).await?;
        }
        if let Some(team) = reroute_team
            && case.status.counts_as_load()
        {
            let mut candidates = lock_candidates(&mut tx, &[team]).await?;
            candidates.retain(|c| Some(c.person_id) != previous_owner);
            if let Route::Assigned { person_id, .. } = routing::route(&[team], &candidates) {
                let effects = case.assign(Some(person_id), None, None, at)?;
                write_case(&mut tx, &case).await?;
                events.extend(apply_effects(&mut tx, effects, at, Some(at), &case).await?);
            }
        }
        let events = self.finish(tx, events).await?;
        Ok(Written {
            value: case,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn edit_case_impl(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        edit: frontline_core::CaseEdit,
    ) -> StoreResult<Written<Case>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let new_teams = match edit.outcome_id {
            Some(outcome) => Some(owning_teams(&mut tx, outcome).await.map_err(|e| match e {
                StoreError::NotFound { .. } => {
                    StoreError::Invalid(ValueError::new("outcome", "no such outcome"))
                }
                other => other,
            })?),
            None => None,
        };
        let mut case = lock_case(&mut tx, id).await?;
        let at = self.clock.now();
        let previous_owner = case.owner_id;
        let Some(mut effects) = case.edit(&edit, actor, at)? else {
            tx.commit().await.map_err(classify)?;
            return Ok(Written {
                value: case,
                events: Vec::new(),
                replayed: false,
            });
        };
        let mut routed_to = None;
        // A new outcome its team does not own: the case goes where that outcome is worked.
        if let Some(teams) = new_teams.filter(|teams| {
            !edit.keep_owner
                && case.status.counts_as_load()
                && !case.team_id.is_some_and(|t| teams.contains(&t))
        }) {
            // Everyone this write may touch, locked up front in id order (see `queue`).
            let members: Vec<Uuid> = sqlx::query_scalar(
                "SELECT person_id FROM memberships WHERE team_id = ANY($1) AND valid_to IS NULL",
            )
            .bind(teams.iter().map(|t| t.0).collect::<Vec<_>>())
            .fetch_all(&mut *tx)
            .await
            .map_err(classify)?;
            let people: Vec<PersonId> = previous_owner
                .into_iter()
                .chain(members.into_iter().map(PersonId))
                .collect();
            lock_people(&mut tx, &people).await?;
            let candidates = lock_candidates(&mut tx, &teams).await?;
            let (owner, team) = routing::route(&teams, &candidates).owner_and_team();
            let moved = case.assign(owner, team, None, at)?;
            effects.events.extend(moved.events);
            effects.load.extend(moved.load);
            routed_to = owner;
        }
        write_case(&mut tx, &case).await?;
        if let Some(owner) = routed_to {
            touch_assigned(&mut tx, owner, at).await?;
        }
        crate::search::index_case(&mut tx, case.id).await?;
        let events = apply_effects(&mut tx, effects, at, routed_to.map(|_| at), &case).await?;
        let events = self.finish(tx, events).await?;
        Ok(Written {
            value: case,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn set_outcome_achieved_impl(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        value: OutcomeAchieved,
    ) -> StoreResult<Written<Case>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let mut case = lock_case(&mut tx, id).await?;
        let at = self.clock.now();
        let effects = case.set_outcome_achieved(value, actor, at)?;
        write_case(&mut tx, &case).await?;
        let events = apply_effects(&mut tx, effects, at, None, &case).await?;
        let events = self.finish(tx, events).await?;
        Ok(Written {
            value: case,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn set_tags_impl(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        tags: Tags,
    ) -> StoreResult<Written<Case>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let mut case = lock_case(&mut tx, id).await?;
        let at = self.clock.now();
        let effects = case.set_tags(tags, actor, at)?;
        write_case(&mut tx, &case).await?;
        crate::search::index_case(&mut tx, case.id).await?;
        let events = apply_effects(&mut tx, effects, at, None, &case).await?;
        let events = self.finish(tx, events).await?;
        Ok(Written {
            value: case,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn add_message_impl(
        &self,
        actor: Option<PersonId>,
        new: NewMessage,
    ) -> StoreResult<Written<MessageAdded>> {
        match self.add_message_once(actor, new.clone()).await {
            Err(StoreError::IdempotencyRace) => self.add_message_once(actor, new).await,
            other => other,
        }
    }

    async fn add_message_once(
        &self,
        actor: Option<PersonId>,
        new: NewMessage,
    ) -> StoreResult<Written<MessageAdded>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let begun = self.add_message_in(&mut tx, actor, new).await?;
        let written = self.seal(&mut tx, begun).await?;
        if written.replayed {
            return Ok(written);
        }
        self.commit(tx, &written.events).await?;
        Ok(written)
    }

    /// Add a message in the caller's transaction, up to but not including its events (see
    /// `open_case_in`).
    pub(crate) async fn add_message_in(
        &self,
        tx: &mut PgConnection,
        actor: Option<PersonId>,
        new: NewMessage,
    ) -> StoreResult<Begun<MessageAdded>> {
        if let Some(key) = &new.idempotency_key
            && let Some(prior) = prior(tx, actor, key).await?
        {
            let (message, case, events) = replay(tx, &prior).await?;
            return Ok(Begun::Replayed(Written {
                value: MessageAdded { message, case },
                events,
                replayed: true,
            }));
        }
        let mut case = lock_case(tx, new.case_id).await?;
        let author_role = person_role(tx, new.author_id, "person").await?;
        // Stored to the millisecond, so the value returned must be too.
        let at = new.created_at.map_or_else(|| self.clock.now(), truncate);
        let message = Message {
            id: MessageId::new(),
            case_id: case.id,
            author_id: new.author_id,
            body: new.body,
            visibility: new.visibility,
            created_at: at,
        };
        let mut effects = case.add_message(&message, author_role, at)?;
        insert_message(tx, &message).await?;
        write_case(tx, &case).await?;
        crate::search::index_case(tx, case.id).await?;
        effects
            .events
            .extend(crate::voice::read_mood(tx, &case, &message, author_role).await?);
        effects
            .events
            .extend(crate::files::attach(tx, &case, &message, &new.attachments, actor).await?);
        let events = apply_effects(tx, effects, at, None, &case).await?;
        Ok(Begun::Fresh(Unsealed {
            remember: new.idempotency_key.map(|key| (actor, key, message.id)),
            value: MessageAdded { message, case },
            events,
        }))
    }
}

/// A case or message create written in a transaction that is not committed yet.
pub(crate) enum Begun<T> {
    /// An earlier create with the same idempotency key: its answer, nothing written.
    Replayed(Written<T>),
    /// Written, with the events still to append (`PgStore::seal`).
    Fresh(Unsealed<T>),
}

impl<T> Begun<T> {
    pub(crate) fn value(&self) -> &T {
        match self {
            Begun::Replayed(written) => &written.value,
            Begun::Fresh(unsealed) => &unsealed.value,
        }
    }
}

pub(crate) struct Unsealed<T> {
    value: T,
    events: Vec<NewEvent>,
    /// Who asked, under which idempotency key, and the message the create made.
    remember: Option<(Option<PersonId>, String, MessageId)>,
}

/// A person's role; `NotFound` naming `what` ("customer", "person") when they do not exist.
async fn person_role(conn: &mut PgConnection, id: PersonId, what: &str) -> StoreResult<Role> {
    let row = sqlx::query("SELECT role FROM people WHERE id = $1")
        .bind(id.0)
        .fetch_optional(conn)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found(what))?;
    parse(&row, "role", str::parse)
}

/// The outcome's owning teams in routing preference order; `NotFound` for an unknown outcome.
async fn owning_teams(
    conn: &mut PgConnection,
    outcome_id: frontline_core::OutcomeId,
) -> StoreResult<Vec<TeamId>> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM outcomes WHERE id = $1)")
        .bind(outcome_id.0)
        .fetch_one(&mut *conn)
        .await
        .map_err(classify)?;
    if !exists {
        return Err(StoreError::not_found("outcome"));
    }
    let teams: Vec<Uuid> =
        sqlx::query_scalar("SELECT team_id FROM outcome_teams WHERE outcome_id = $1 ORDER BY rank")
            .bind(outcome_id.0)
            .fetch_all(conn)
            .await
            .map_err(classify)?;
    Ok(teams.into_iter().map(TeamId).collect())
}

/// Read and lock a case for a change; `NotFound` if there is no such case.
pub(crate) async fn lock_case(conn: &mut PgConnection, id: CaseId) -> StoreResult<Case> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1 FOR NO KEY UPDATE");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(conn)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found("case"))?;
    rows::case(&row)
}

pub(crate) async fn insert_case(conn: &mut PgConnection, case: &Case) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO cases (id, number, customer_id, outcome_id, subject, channel, priority,
                            priority_rank, owner_id, team_id, tags, status, outcome_achieved,
                            created_at, updated_at, first_response_at, resolved_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(case.id.0)
    .bind(case.number.0)
    .bind(case.customer_id.0)
    .bind(case.outcome_id.0)
    .bind(case.subject.as_str())
    .bind(case.channel.as_str())
    .bind(case.priority.as_str())
    .bind(rows::priority_rank(case.priority))
    .bind(case.owner_id.map(|p| p.0))
    .bind(case.team_id.map(|t| t.0))
    .bind(case.tags.to_storage())
    .bind(case.status.as_str())
    .bind(case.outcome_achieved.as_str())
    .bind(to_db(case.created_at))
    .bind(to_db(case.updated_at))
    .bind(rows::opt_to_db(case.first_response_at))
    .bind(rows::opt_to_db(case.resolved_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

pub(crate) async fn insert_message(conn: &mut PgConnection, message: &Message) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO messages (id, case_id, author_id, body, visibility, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(message.id.0)
    .bind(message.case_id.0)
    .bind(message.author_id.0)
    .bind(message.body.as_str())
    .bind(message.visibility.as_str())
    .bind(to_db(message.created_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}
