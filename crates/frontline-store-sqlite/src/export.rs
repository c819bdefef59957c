//! Export and import: the whole store as `Record`s, in an order that import can replay and
//! that is identical on both backends for identical data.

use frontline_store::{Record, StoreError, StoreResult};
use rusqlite::{Connection, params};

use crate::asks::{self, ASK_COLUMNS};
use crate::decisions::{self, DECISION_COLUMNS};
use crate::guidelines::{self, KIND_COLUMNS, PROFILE_COLUMNS, RULE_COLUMNS};
use crate::leaders::{self, ITEM_COLUMNS, TICK_COLUMNS};
use crate::reads;
use crate::rows::{
    self, CASE_COLUMNS, Db, EVENT_COLUMNS, MESSAGE_COLUMNS, OUTCOME_COLUMNS, PERSON_COLUMNS, ms,
    priority_rank,
};
use crate::writer::WriteTx;

fn all<T>(
    conn: &Connection,
    sql: &str,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    let mut stmt = conn.prepare(sql).db()?;
    let rows = stmt
        .query_map([], map)
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()?;
    Ok(rows)
}

pub(crate) fn export(conn: &Connection) -> StoreResult<Vec<Record>> {
    let mut out = Vec::new();
    let people_sql =
        format!("SELECT {PERSON_COLUMNS}, password_hash, last_assigned_at FROM people ORDER BY id");
    out.extend(all(conn, &people_sql, |r| {
        Ok(Record::Person {
            person: rows::person(r)?,
            password_hash: r.get("password_hash")?,
            last_assigned_at: rows::ts_opt(r, "last_assigned_at")?,
        })
    })?);
    out.extend(all(
        conn,
        "SELECT id, token_hash, person_id, label, created_at, expires_at, last_used_at FROM api_tokens ORDER BY token_hash",
        |r| {
            Ok(Record::Token {
                person_id: rows::parsed(r, "person_id")?,
                token_hash: r.get("token_hash")?,
                label: r.get("label")?,
                created_at: rows::ts(r, "created_at")?,
                id: Some(rows::parsed(r, "id")?),
                expires_at: rows::ts_opt(r, "expires_at")?,
                last_used_at: rows::ts_opt(r, "last_used_at")?,
            })
        },
    )?);
    out.extend(all(
        conn,
        "SELECT name, key FROM signing_keys ORDER BY name",
        |r| {
            let name: String = r.get("name")?;
            let key: Vec<u8> = r.get("key")?;
            Ok(Record::signing_key(&name, &key))
        },
    )?);
    out.extend(
        crate::history::all_role_periods(conn)?
            .into_iter()
            .map(Record::RolePeriod),
    );
    out.extend(
        all(
            conn,
            "SELECT id, name, created_at, retired_at FROM teams ORDER BY id",
            rows::team,
        )?
        .into_iter()
        .map(Record::Team),
    );
    out.extend(
        reads::memberships(conn, None, None)?
            .into_iter()
            .map(Record::Membership),
    );
    out.extend(
        reads::supports(conn, None)?
            .into_iter()
            .map(Record::Support),
    );
    let ids: Vec<frontline_core::OutcomeId> = all(
        conn,
        &format!("SELECT {OUTCOME_COLUMNS} FROM outcomes ORDER BY id"),
        |r| rows::parsed(r, "id"),
    )?;
    for id in ids {
        out.push(Record::Outcome(reads::outcome(conn, id)?));
    }
    out.extend(
        all(
            conn,
            &format!("SELECT {CASE_COLUMNS} FROM cases c ORDER BY c.number"),
            rows::case,
        )?
        .into_iter()
        .map(Record::Case),
    );
    out.extend(
        all(
            conn,
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages ORDER BY created_at, id"),
            rows::message,
        )?
        .into_iter()
        .map(Record::Message),
    );
    out.extend(
        crate::voice::all_moods(conn)?
            .into_iter()
            .map(Record::MessageMood),
    );
    out.extend(
        all(
            conn,
            &format!("SELECT {PROFILE_COLUMNS} FROM customer_profiles ORDER BY person_id"),
            guidelines::profile_row,
        )?
        .into_iter()
        .map(Record::CustomerProfile),
    );
    out.extend(
        all(
            conn,
            &format!("SELECT {KIND_COLUMNS} FROM decision_kinds ORDER BY key"),
            guidelines::kind_row,
        )?
        .into_iter()
        .map(Record::DecisionKind),
    );
    out.extend(
        all(
            conn,
            &format!("SELECT {RULE_COLUMNS} FROM rule_versions ORDER BY rule_id, version"),
            guidelines::rule_row,
        )?
        .into_iter()
        .map(Record::Rule),
    );
    out.extend(
        all(
            conn,
            &format!("SELECT {DECISION_COLUMNS} FROM decisions ORDER BY decided_at, id"),
            decisions::decision_row,
        )?
        .into_iter()
        .map(Record::Decision),
    );
    out.extend(
        all(
            conn,
            &format!("SELECT {ASK_COLUMNS} FROM asks ORDER BY created_at, id"),
            asks::ask_row,
        )?
        .into_iter()
        .map(Record::Ask),
    );
    out.extend(
        all(
            conn,
            "SELECT id, ask_id, author_id, body, created_at FROM ask_messages
             ORDER BY created_at, id",
            asks::message_row,
        )?
        .into_iter()
        .map(Record::AskMessage),
    );
    out.extend(
        all(
            conn,
            &format!("SELECT {ITEM_COLUMNS} FROM standard_work_items ORDER BY id"),
            leaders::item_row,
        )?
        .into_iter()
        .map(Record::StandardWorkItem),
    );
    out.extend(
        all(
            conn,
            &format!("SELECT {TICK_COLUMNS} FROM standard_work_ticks ORDER BY item_id, period"),
            leaders::tick_row,
        )?
        .into_iter()
        .map(Record::StandardWorkTick),
    );
    out.extend(crate::feelings::all(conn)?.into_iter().map(Record::Feeling));
    out.extend(
        all(
            conn,
            &format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY seq"),
            rows::event,
        )?
        .into_iter()
        .map(Record::Event),
    );
    let (proposals, votes, comments) = crate::proposals::all(conn)?;
    out.extend(proposals.into_iter().map(Record::Proposal));
    out.extend(votes.into_iter().map(Record::ProposalVote));
    out.extend(comments.into_iter().map(Record::ProposalComment));
    crate::mail::export(conn, &mut out)?;
    out.extend(
        crate::targets::team_calendars(conn, None)?
            .into_iter()
            .map(Record::TeamCalendar),
    );
    out.extend(
        crate::targets::outcome_targets(conn)?
            .into_iter()
            .map(Record::OutcomeTargets),
    );
    crate::bounces::export(conn, &mut out)?;
    out.extend(
        all(
            conn,
            &format!(
                "SELECT {} FROM person_addresses ORDER BY person_id, added_at, address",
                crate::people::ADDRESS_COLUMNS
            ),
            crate::people::address_row,
        )?
        .into_iter()
        .map(Record::PersonAddress),
    );
    out.extend(
        crate::notifications::all(conn)?
            .into_iter()
            .map(Record::NotificationChoice),
    );
    Ok(out)
}

pub(crate) fn import(w: &mut WriteTx<'_>, mut records: Vec<Record>) -> StoreResult<()> {
    let used: bool = w
        .conn
        .query_row("SELECT EXISTS (SELECT 1 FROM people) OR EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM teams)", [], |r| r.get(0))
        .db()?;
    if used {
        return Err(StoreError::conflict(
            "the database is not empty; import only into a new database",
        ));
    }
    records.sort_by_key(Record::rank);
    let c = w.conn;
    for record in records {
        match record {
            Record::Person { person: p, password_hash, last_assigned_at } => c
                .execute(
                    "INSERT INTO people (id, email, name, role, title, admin, capacity, available, password_hash, created_at, last_assigned_at,
                                         language, time_zone, erasure_requested_at, erased_at, merged_into)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                    params![p.id.to_string(), p.email.as_str(), p.name.as_str(), p.role.as_str(), p.title, p.admin, p.capacity, p.available, password_hash, ms(p.created_at), last_assigned_at.map(ms),
                            p.language, p.time_zone, p.erasure_requested_at.map(ms), p.erased_at.map(ms), p.merged_into.map(|m| m.to_string())],
                )
                .db()?,
            Record::Token { person_id, token_hash, label, created_at, id, expires_at, last_used_at } => c
                .execute(
                    "INSERT INTO api_tokens (id, token_hash, person_id, label, created_at, expires_at, last_used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![id.unwrap_or_default().to_string(), token_hash, person_id.to_string(), label, ms(created_at), expires_at.map(ms), last_used_at.map(ms)],
                )
                .db()?,
            Record::SigningKey { name, key } => c
                .execute(
                    // The imported key wins over one a fresh server made before the import.
                    "INSERT INTO signing_keys (name, key, created_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (name) DO UPDATE SET key = excluded.key",
                    params![name, Record::decode_key(&key)?, ms(frontline_core::time::now())],
                )
                .db()?,
            Record::Team(t) => c
                .execute("INSERT INTO teams (id, name, created_at, retired_at) VALUES (?1, ?2, ?3, ?4)", params![t.id.to_string(), t.name.as_str(), ms(t.created_at), t.retired_at.map(ms)])
                .db()?,
            Record::RolePeriod(r) => {
                crate::history::insert_role_period(c, &r)?;
                1
            }
            Record::Membership(m) => c
                .execute(
                    "INSERT INTO memberships (person_id, team_id, valid_from, valid_to) VALUES (?1, ?2, ?3, ?4)",
                    params![m.person_id.to_string(), m.team_id.to_string(), ms(m.from), m.to.map(ms)],
                )
                .db()?,
            Record::Support(s) => c
                .execute(
                    "INSERT INTO supports (support_id, team_id, valid_from, valid_to) VALUES (?1, ?2, ?3, ?4)",
                    params![s.support_id.to_string(), s.team_id.to_string(), ms(s.from), s.to.map(ms)],
                )
                .db()?,
            Record::Outcome(o) => {
                c.execute(
                    "INSERT INTO outcomes (id, key, name, success_criteria, target_minutes, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![o.id.to_string(), o.key.as_str(), o.name.as_str(), o.success_criteria, o.target_minutes, ms(o.created_at)],
                )
                .db()?;
                for (rank, team) in o.team_ids.iter().enumerate() {
                    c.execute("INSERT INTO outcome_teams (outcome_id, team_id, rank) VALUES (?1, ?2, ?3)", params![o.id.to_string(), team.to_string(), rank as i64])
                        .db()?;
                }
                1
            }
            Record::Case(k) => c
                .execute(
                    "INSERT INTO cases (id, number, customer_id, outcome_id, subject, channel, priority, priority_rank, owner_id, team_id,
                        tags, status, outcome_achieved, created_at, updated_at, first_response_at, resolved_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                    params![
                        k.id.to_string(), k.number.0, k.customer_id.to_string(), k.outcome_id.to_string(), k.subject.as_str(),
                        k.channel.as_str(), k.priority.as_str(), priority_rank(k.priority), k.owner_id.map(|p| p.to_string()),
                        k.team_id.map(|t| t.to_string()), k.tags.to_storage(), k.status.as_str(), k.outcome_achieved.as_str(),
                        ms(k.created_at), ms(k.updated_at), k.first_response_at.map(ms), k.resolved_at.map(ms)
                    ],
                )
                .db()?,
            Record::Message(m) => c
                .execute(
                    "INSERT INTO messages (id, case_id, author_id, body, visibility, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![m.id.to_string(), m.case_id.to_string(), m.author_id.to_string(), m.body.as_str(), m.visibility.as_str(), ms(m.created_at)],
                )
                .db()?,
            Record::CustomerProfile(p) => {
                guidelines::put_profile(c, &p)?;
                1
            }
            Record::DecisionKind(k) => {
                guidelines::put_kind(c, &k)?;
                1
            }
            Record::Rule(r) => {
                guidelines::insert_rule(c, &r)?;
                1
            }
            Record::Decision(d) => {
                decisions::insert_decision(c, &d)?;
                1
            }
            Record::Ask(a) => {
                asks::upsert_ask(c, &a)?;
                1
            }
            Record::AskMessage(m) => {
                asks::insert_message(c, &m)?;
                1
            }
            Record::StandardWorkItem(i) => {
                leaders::upsert_item(c, &i)?;
                1
            }
            Record::StandardWorkTick(t) => {
                leaders::insert_tick(c, &t)?;
                1
            }
            Record::Feeling(f) => {
                crate::feelings::insert(c, &f)?;
                1
            }
            Record::Proposal(p) => {
                crate::proposals::insert(c, &p)?;
                1
            }
            Record::ProposalVote(v) => {
                crate::proposals::insert_vote(c, &v)?;
                1
            }
            Record::ProposalComment(m) => {
                crate::proposals::insert_comment(c, &m)?;
                1
            }
            Record::MessageMood(m) => crate::voice::put_mood(c, &m)?,
            record @ (Record::Mailbox { .. } | Record::Mail { .. } | Record::Quarantined { .. }) => {
                crate::mail::import(c, &record)?;
                1
            }
            Record::Outbound(o) => {
                crate::outbox::import(c, &o)?;
                1
            }
            Record::MailBounce(b) => {
                crate::bounces::import(c, &b)?;
                1
            }
            // The bytes were put on disk before this job (`SqliteStore::import`).
            Record::Attachment { attachment, .. } => {
                crate::files::import_row(c, &attachment)?;
                1
            }
            Record::PersonAddress(a) => {
                crate::people::insert_address(c, &a)?;
                1
            }
            Record::NotificationChoice(choice) => crate::notifications::insert(c, &choice)?,
            Record::TeamCalendar(t) => crate::targets::import_calendar(c, &t)?,
            Record::OutcomeTargets(t) => crate::targets::import_targets(c, &t)?,
            Record::Event(e) => c
                .execute(
                    "INSERT INTO events (seq, at, kind, actor_id, case_id, customer_id, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![e.seq, ms(e.at), e.kind.as_str(), e.actor_id.map(|p| p.to_string()), e.case_id.map(|k| k.to_string()), e.audience.customer_id().map(|p| p.to_string()), e.payload.to_string()],
                )
                .db()?,
        };
    }
    // Exports made before role history carry no periods: start one at each person's creation.
    crate::history::backfill_role_periods(c)?;
    // Load counters are derived state: recount them once here instead of trusting the file.
    c.execute(
        &format!(
            "UPDATE people SET open_cases = (SELECT count(*) FROM cases WHERE owner_id = people.id AND status IN ({}))",
            reads::load_statuses()
        ),
        [],
    )
    .db()?;
    // The search index is derived too: built once from what was loaded.
    crate::search::index_all(c)?;
    crate::followers::skip_to_end(w)?;
    w.reload_counters()
}
