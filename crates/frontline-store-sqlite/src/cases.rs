//! Case writes: opening (with routing), status changes, assignment, tags, outcome, messages,
//! and the queue refill that runs whenever someone's open load drops. The rules come from
//! `frontline_core`; this module loads state, asks, and persists the answer.

use frontline_core::case::{CaseDraft, Effects};
use frontline_core::mood::{self, MoodAlert, MoodReading};
use frontline_core::routing::{self, Candidate};
use frontline_core::{
    Case, CaseEdit, CaseId, CaseNumber, CaseStatus, Event, Message, MessageId, NewEvent,
    OutcomeAchieved, PersonId, Role, Tags, TeamId, Timestamp, ValueError,
};
use frontline_store::{
    CaseCreated, MessageAdded, NewCase, NewMessage, StoreError, StoreResult, Written,
};
use rusqlite::{OptionalExtension, params};

use crate::reads;
use crate::rows::{self, CASE_COLUMNS, Db, ms, priority_rank};
use crate::writer::WriteTx;

/// The actor column of the idempotency table: `''` stands for "no actor" (system writes).
fn actor_key(actor: Option<PersonId>) -> String {
    actor.map(|a| a.to_string()).unwrap_or_default()
}

/// A previous write with the same (actor, key): its subject id and the events it appended.
fn remembered(
    w: &WriteTx<'_>,
    actor: Option<PersonId>,
    key: &str,
) -> StoreResult<Option<(String, Vec<Event>)>> {
    let found: Option<(String, i64, i64)> = w
        .conn
        .prepare_cached("SELECT subject_id, first_seq, last_seq FROM idempotency WHERE actor_id = ?1 AND key = ?2")
        .db()?
        .query_row(params![actor_key(actor), key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
        .db()?;
    match found {
        Some((subject, first, last)) => {
            Ok(Some((subject, reads::events_between(w.conn, first, last)?)))
        }
        None => Ok(None),
    }
}

fn remember(
    w: &WriteTx<'_>,
    actor: Option<PersonId>,
    key: Option<String>,
    subject: &str,
    events: &[Event],
    at: Timestamp,
) -> StoreResult<()> {
    let (Some(key), Some(first), Some(last)) = (key, events.first(), events.last()) else {
        return Ok(());
    };
    w.conn
        .prepare_cached("INSERT INTO idempotency (actor_id, key, subject_id, first_seq, last_seq, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .db()?
        .execute(params![actor_key(actor), key, subject, first.seq, last.seq, ms(at)])
        .db()?;
    Ok(())
}

fn parse_id<T: std::str::FromStr>(text: &str) -> StoreResult<T> {
    text.parse()
        .map_err(|_| StoreError::Other(format!("corrupt id {text:?} in the idempotency table")))
}

fn insert_case(w: &WriteTx<'_>, case: &Case) -> StoreResult<()> {
    w.conn
        .prepare_cached(
            "INSERT INTO cases (id, number, customer_id, outcome_id, subject, channel, priority, priority_rank,
                owner_id, team_id, tags, status, outcome_achieved, created_at, updated_at, first_response_at, resolved_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )
        .db()?
        .execute(params![
            case.id.to_string(),
            case.number.0,
            case.customer_id.to_string(),
            case.outcome_id.to_string(),
            case.subject.as_str(),
            case.channel.as_str(),
            case.priority.as_str(),
            priority_rank(case.priority),
            case.owner_id.map(|p| p.to_string()),
            case.team_id.map(|t| t.to_string()),
            case.tags.to_storage(),
            case.status.as_str(),
            case.outcome_achieved.as_str(),
            ms(case.created_at),
            ms(case.updated_at),
            case.first_response_at.map(ms),
            case.resolved_at.map(ms),
        ])
        .db()?;
    Ok(())
}

/// Write back every mutable column of a case.
pub(crate) fn update_case(w: &WriteTx<'_>, case: &Case) -> StoreResult<()> {
    w.conn
        .prepare_cached(
            "UPDATE cases SET owner_id = ?2, team_id = ?3, tags = ?4, status = ?5, outcome_achieved = ?6,
                updated_at = ?7, first_response_at = ?8, resolved_at = ?9, priority = ?10, priority_rank = ?11,
                subject = ?12, outcome_id = ?13
             WHERE id = ?1",
        )
        .db()?
        .execute(params![
            case.id.to_string(),
            case.owner_id.map(|p| p.to_string()),
            case.team_id.map(|t| t.to_string()),
            case.tags.to_storage(),
            case.status.as_str(),
            case.outcome_achieved.as_str(),
            ms(case.updated_at),
            case.first_response_at.map(ms),
            case.resolved_at.map(ms),
            case.priority.as_str(),
            priority_rank(case.priority),
            case.subject.as_str(),
            case.outcome_id.to_string(),
        ])
        .db()?;
    Ok(())
}

/// Insert a message nobody reads the mood of (a staff message written by another use case).
pub(crate) fn insert_message(w: &WriteTx<'_>, m: &Message) -> StoreResult<()> {
    insert_message_read(w, m, None)
}

/// Insert a case message with its mood reading (`None`: not a customer's), so the row is
/// written once; the alert it raised, if any, joins `events`.
fn insert_customer_message(
    w: &WriteTx<'_>,
    case: &Case,
    m: &Message,
    mood: Option<MoodReading>,
    events: &mut Vec<NewEvent>,
) -> StoreResult<()> {
    insert_message_read(w, m, mood.as_ref())?;
    if let Some(alert) = mood.and_then(|r| r.alert) {
        events.push(mood::alert_event(case, m, &alert));
    }
    Ok(())
}

fn insert_message_read(
    w: &WriteTx<'_>,
    m: &Message,
    mood: Option<&MoodReading>,
) -> StoreResult<()> {
    let alert = mood.and_then(|r| r.alert.as_ref());
    w.conn
        .prepare_cached(
            "INSERT INTO messages (id, case_id, author_id, body, visibility, created_at,
                sentiment, mood_alert, mood_alert_why)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .db()?
        .execute(params![
            m.id.to_string(),
            m.case_id.to_string(),
            m.author_id.to_string(),
            m.body.as_str(),
            m.visibility.as_str(),
            ms(m.created_at),
            mood.map(|r| r.sentiment),
            alert.map(|a| a.reason.as_str()),
            alert.map(MoodAlert::why),
        ])
        .db()?;
    crate::search::index_case(w.conn, m.case_id)
}

fn touch_assigned(w: &WriteTx<'_>, person: PersonId, at: Timestamp) -> StoreResult<()> {
    w.conn
        .prepare_cached("UPDATE people SET last_assigned_at = ?2 WHERE id = ?1")
        .db()?
        .execute(params![person.to_string(), ms(at)])
        .db()?;
    Ok(())
}

/// Apply load changes and append events; then offer each person whose load dropped the next
/// queued case. Returns every event appended, in order.
fn apply(
    w: &mut WriteTx<'_>,
    effects: Effects,
    at: Timestamp,
    released: Option<CaseId>,
) -> StoreResult<Vec<Event>> {
    apply_load(w, &effects.load)?;
    let freed: Vec<PersonId> = effects.freed().collect();
    let mut events = w.append(effects.events, at)?;
    for person in freed {
        events.extend(refill_except(w, person, at, released)?);
    }
    Ok(events)
}

fn apply_load(w: &WriteTx<'_>, load: &[(PersonId, i32)]) -> StoreResult<()> {
    let mut stmt = w
        .conn
        .prepare_cached("UPDATE people SET open_cases = max(open_cases + ?2, 0) WHERE id = ?1")
        .db()?;
    for (person, delta) in load {
        stmt.execute(params![person.to_string(), delta]).db()?;
    }
    Ok(())
}

/// Give `person` queued cases from their teams while they have room: most urgent, then oldest.
pub(crate) fn refill(
    w: &mut WriteTx<'_>,
    person: PersonId,
    at: Timestamp,
) -> StoreResult<Vec<Event>> {
    refill_except(w, person, at, None)
}

/// `refill`, passing over `released`: a case its owner just handed back to the queue.
/// The query names the queue index: left to itself, SQLite walks `cases_by_owner` for
/// `owner_id IS NULL`, which is every unowned case ever closed as well as the queue.
fn refill_except(
    w: &mut WriteTx<'_>,
    person: PersonId,
    at: Timestamp,
    released: Option<CaseId>,
) -> StoreResult<Vec<Event>> {
    let released = released.map(|c| c.to_string()).unwrap_or_default();
    let mut events = Vec::new();
    loop {
        let room: Option<(u32, u32, bool, String)> = w
            .conn
            .prepare_cached(
                "SELECT open_cases, capacity, available, role FROM people WHERE id = ?1",
            )
            .db()?
            .query_row([person.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
            .db()?;
        let Some((open, capacity, available, role)) = room else {
            return Ok(events);
        };
        if !available || open >= capacity || role == Role::Customer.as_str() {
            return Ok(events);
        }
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases c INDEXED BY cases_queue
             WHERE c.owner_id IS NULL AND c.status IN ({}) AND c.team_id IN
                (SELECT team_id FROM memberships WHERE person_id = ?1 AND valid_to IS NULL)
               AND c.id <> ?2
             ORDER BY c.priority_rank DESC, c.created_at, c.id LIMIT 1",
            reads::load_statuses()
        );
        let next = w
            .conn
            .prepare_cached(&sql)
            .db()?
            .query_row([person.to_string(), released.clone()], rows::case)
            .optional()
            .db()?;
        let Some(mut case) = next else {
            return Ok(events);
        };
        let effects = case.assign(Some(person), None, None, at)?;
        update_case(w, &case)?;
        touch_assigned(w, person, at)?;
        apply_load(w, &effects.load)?;
        events.extend(w.append(effects.events, at)?);
    }
}

fn candidates(w: &WriteTx<'_>, teams: &[TeamId]) -> StoreResult<Vec<Candidate>> {
    let mut stmt = w
        .conn
        .prepare_cached(
            "SELECT p.id, m.team_id, p.open_cases, p.capacity, p.available, p.last_assigned_at
             FROM memberships m JOIN people p ON p.id = m.person_id
             WHERE m.team_id = ?1 AND m.valid_to IS NULL AND p.role IN ('employee', 'support')",
        )
        .db()?;
    let mut all = Vec::new();
    for team in teams {
        let rows = stmt
            .query_map([team.to_string()], |r| {
                Ok(Candidate {
                    person_id: rows::parsed(r, "id")?,
                    team_id: rows::parsed(r, "team_id")?,
                    open_cases: r.get("open_cases")?,
                    capacity: r.get("capacity")?,
                    available: r.get("available")?,
                    last_assigned_at: rows::ts_opt(r, "last_assigned_at")?,
                })
            })
            .db()?;
        for row in rows {
            all.push(row.db()?);
        }
    }
    Ok(all)
}

/// `mood` is the first message's reading, taken before the job (see `SqliteStore::create_case`).
pub(crate) fn create_case(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    new: NewCase,
    mood: Option<MoodReading>,
) -> StoreResult<Written<CaseCreated>> {
    if let Some(key) = new.idempotency_key.as_deref()
        && let Some((subject, events)) = remembered(w, actor, key)?
    {
        let case = reads::case(w.conn, parse_id(&subject)?)?;
        let first = reads::messages(w.conn, case.id, true)?.into_iter().next();
        let message = first.ok_or_else(|| {
            StoreError::Other(format!("case {} has no first message", case.number))
        })?;
        return Ok(Written {
            value: CaseCreated { case, message },
            events,
            replayed: true,
        });
    }
    let customer = reads::person(w.conn, new.customer_id)?;
    if customer.role != Role::Customer {
        return Err(
            ValueError::new("customer", format!("{} is not a customer", customer.email)).into(),
        );
    }
    let outcome = reads::outcome(w.conn, new.outcome_id)?;
    let route = routing::route(&outcome.team_ids, &candidates(w, &outcome.team_ids)?);
    let now = w.now();
    let at = new.created_at.map_or(now, frontline_core::time::truncate);
    let draft = CaseDraft {
        customer_id: customer.id,
        outcome_id: outcome.id,
        subject: new.subject,
        body: new.body,
        channel: new.channel,
        priority: new.priority,
        tags: new.tags,
    };
    let number = CaseNumber(w.take_case_number());
    let (case, message, mut effects) = Case::open(draft, number, route.owner_and_team(), actor, at);
    insert_case(w, &case)?;
    insert_customer_message(w, &case, &message, mood, &mut effects.events)?;
    crate::files::attach(
        w,
        &case,
        &message,
        &new.attachments,
        actor,
        &mut effects.events,
    )?;
    let events = apply(w, effects, at, None)?;
    if let Some(owner) = case.owner_id {
        touch_assigned(w, owner, now)?;
    }
    remember(
        w,
        actor,
        new.idempotency_key,
        &case.id.to_string(),
        &events,
        now,
    )?;
    Ok(Written {
        value: CaseCreated { case, message },
        events,
        replayed: false,
    })
}

/// Load a case, let `change` mutate it under the domain rules, persist it and its effects.
fn mutate(
    w: &mut WriteTx<'_>,
    id: CaseId,
    change: impl FnOnce(&mut Case, Timestamp) -> StoreResult<Effects>,
) -> StoreResult<Written<Case>> {
    let mut case = reads::case(w.conn, id)?;
    let at = w.now();
    let effects = change(&mut case, at)?;
    update_case(w, &case)?;
    let released = case.owner_id.is_none().then_some(case.id);
    let events = apply(w, effects, at, released)?;
    Ok(Written {
        value: case,
        events,
        replayed: false,
    })
}

pub(crate) fn change_status(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    id: CaseId,
    to: CaseStatus,
) -> StoreResult<Written<Case>> {
    mutate(w, id, |case, at| Ok(case.change_status(to, actor, at)?))
}

pub(crate) fn assign(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    id: CaseId,
    owner: Option<PersonId>,
) -> StoreResult<Written<Case>> {
    if let Some(owner) = owner {
        let person = reads::person(w.conn, owner)?;
        if !person.role.is_staff() {
            return Err(ValueError::new(
                "owner",
                format!("{} is a customer; cases are owned by staff", person.email),
            )
            .into());
        }
    }
    let previous_owner = reads::case(w.conn, id)?.owner_id;
    let mut written = mutate(w, id, |case, at| Ok(case.assign(owner, None, actor, at)?))?;
    let at = w.now();
    match owner {
        Some(owner) => touch_assigned(w, owner, at)?,
        // Handed back: route it at once to a colleague with room, else it waits in the queue.
        None => {
            if let Some(rerouted) = reroute(w, &written.value, previous_owner, at)? {
                written.value = rerouted.value;
                written.events.extend(rerouted.events);
            }
        }
    }
    Ok(written)
}

/// Route a queued case among its team's members, except whoever just released it.
fn reroute(
    w: &mut WriteTx<'_>,
    case: &Case,
    released_by: Option<PersonId>,
    at: Timestamp,
) -> StoreResult<Option<Written<Case>>> {
    let Some(team) = case.team_id else {
        return Ok(None);
    };
    if !case.status.counts_as_load() {
        return Ok(None);
    }
    let mut pool = candidates(w, &[team])?;
    pool.retain(|c| Some(c.person_id) != released_by);
    let routing::Route::Assigned { person_id, .. } = routing::route(&[team], &pool) else {
        return Ok(None);
    };
    let mut case = case.clone();
    let effects = case.assign(Some(person_id), None, None, at)?;
    update_case(w, &case)?;
    touch_assigned(w, person_id, at)?;
    let events = apply(w, effects, at, None)?;
    Ok(Some(Written {
        value: case,
        events,
        replayed: false,
    }))
}

pub(crate) fn set_outcome_achieved(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    id: CaseId,
    value: OutcomeAchieved,
) -> StoreResult<Written<Case>> {
    mutate(w, id, |case, at| {
        Ok(case.set_outcome_achieved(value, actor, at)?)
    })
}

pub(crate) fn edit(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    id: CaseId,
    edit: CaseEdit,
) -> StoreResult<Written<Case>> {
    let outcome = match edit.outcome_id {
        Some(outcome) => Some(reads::outcome(w.conn, outcome).map_err(|e| match e {
            StoreError::NotFound { .. } => {
                StoreError::Invalid(ValueError::new("outcome", "no such outcome"))
            }
            other => other,
        })?),
        None => None,
    };
    let mut case = reads::case(w.conn, id)?;
    let at = w.now();
    let Some(mut effects) = case.edit(&edit, actor, at)? else {
        return Ok(Written {
            value: case,
            events: Vec::new(),
            replayed: false,
        });
    };
    let mut routed_to = None;
    // A new outcome its team does not own: the case goes where that outcome is worked.
    if let Some(outcome) = outcome.filter(|o| {
        !edit.keep_owner
            && case.status.counts_as_load()
            && !case.team_id.is_some_and(|t| o.team_ids.contains(&t))
    }) {
        let route = routing::route(&outcome.team_ids, &candidates(w, &outcome.team_ids)?);
        let (owner, team) = route.owner_and_team();
        let moved = case.assign(owner, team, None, at)?;
        effects.events.extend(moved.events);
        effects.load.extend(moved.load);
        routed_to = owner;
    }
    update_case(w, &case)?;
    if let Some(owner) = routed_to {
        touch_assigned(w, owner, at)?;
    }
    crate::search::index_case(w.conn, id)?;
    let released = case.owner_id.is_none().then_some(case.id);
    let events = apply(w, effects, at, released)?;
    Ok(Written {
        value: case,
        events,
        replayed: false,
    })
}

pub(crate) fn set_tags(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    id: CaseId,
    tags: Tags,
) -> StoreResult<Written<Case>> {
    let written = mutate(w, id, |case, at| Ok(case.set_tags(tags, actor, at)?))?;
    crate::search::index_case(w.conn, id)?;
    Ok(written)
}

pub(crate) fn add_message(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    new: NewMessage,
) -> StoreResult<Written<MessageAdded>> {
    if let Some(key) = new.idempotency_key.as_deref()
        && let Some((subject, events)) = remembered(w, actor, key)?
    {
        let message = reads::message(w.conn, parse_id::<MessageId>(&subject)?)?;
        let case = reads::case(w.conn, message.case_id)?;
        return Ok(Written {
            value: MessageAdded { message, case },
            events,
            replayed: true,
        });
    }
    let author = reads::person(w.conn, new.author_id)?;
    let mut case = reads::case(w.conn, new.case_id)?;
    let now = w.now();
    let at = new.created_at.map_or(now, frontline_core::time::truncate);
    let message = Message {
        id: MessageId::new(),
        case_id: case.id,
        author_id: author.id,
        body: new.body,
        visibility: new.visibility,
        created_at: at,
    };
    let mut effects = case.add_message(&message, author.role, at)?;
    let mood = crate::voice::reply_mood(w, &case, &message, author.role)?;
    insert_customer_message(w, &case, &message, mood, &mut effects.events)?;
    crate::files::attach(
        w,
        &case,
        &message,
        &new.attachments,
        actor,
        &mut effects.events,
    )?;
    update_case(w, &case)?;
    let events = apply(w, effects, at, None)?;
    remember(
        w,
        actor,
        new.idempotency_key,
        &message.id.to_string(),
        &events,
        now,
    )?;
    Ok(Written {
        value: MessageAdded { message, case },
        events,
        replayed: false,
    })
}
