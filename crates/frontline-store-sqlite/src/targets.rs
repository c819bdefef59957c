//! Team calendars and outcome targets.

use frontline_core::calendar::CalendarSpec;
use frontline_core::event::{CalendarSet, OutcomeTargetsSet};
use frontline_core::targets::Target;
use frontline_core::{NewEvent, OutcomeId, Payload, PersonId, TeamId, Timestamp};
use frontline_store::{OutcomeTargets, StoreResult, TeamCalendar, Written};
use rusqlite::{Connection, Row, params};

use crate::reads;
use crate::rows::{self, Db, ms, to_json};
use crate::writer::WriteTx;

pub(crate) fn set_team_calendar(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    team_id: TeamId,
    valid_from: Timestamp,
    calendar: CalendarSpec,
) -> StoreResult<Written<TeamCalendar>> {
    reads::team(w.conn, team_id)?;
    let value = TeamCalendar {
        team_id,
        valid_from,
        calendar,
        set_at: w.now(),
        set_by: actor,
    };
    put_calendar(w.conn, &value)?;
    let payload = Payload::CalendarSet(CalendarSet {
        team_id,
        valid_from,
        calendar: value.calendar.clone(),
    });
    let events = w.append(vec![NewEvent::new(actor, payload)], value.set_at)?;
    Ok(Written {
        value,
        events,
        replayed: false,
    })
}

fn put_calendar(conn: &Connection, c: &TeamCalendar) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO team_calendars (team_id, valid_from, spec, set_at, set_by)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (team_id, valid_from) DO UPDATE
         SET spec = excluded.spec, set_at = excluded.set_at, set_by = excluded.set_by",
    )
    .db()?
    .execute(params![
        c.team_id.to_string(),
        ms(c.valid_from),
        to_json(&c.calendar)?,
        ms(c.set_at),
        c.set_by.map(|p| p.to_string()),
    ])
    .db()?;
    Ok(())
}

fn calendar_row(r: &Row<'_>) -> rusqlite::Result<TeamCalendar> {
    Ok(TeamCalendar {
        team_id: rows::parsed(r, "team_id")?,
        valid_from: rows::ts(r, "valid_from")?,
        calendar: rows::json(r, "spec")?,
        set_at: rows::ts(r, "set_at")?,
        set_by: rows::parsed_opt(r, "set_by")?,
    })
}

pub(crate) fn team_calendars(
    conn: &Connection,
    team_id: Option<TeamId>,
) -> StoreResult<Vec<TeamCalendar>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT team_id, valid_from, spec, set_at, set_by FROM team_calendars
             WHERE ?1 IS NULL OR team_id = ?1 ORDER BY team_id, valid_from",
        )
        .db()?;
    let rows = stmt
        .query_map([team_id.map(|t| t.to_string())], calendar_row)
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()?;
    Ok(rows)
}

pub(crate) fn set_outcome_targets(
    w: &mut WriteTx<'_>,
    actor: Option<PersonId>,
    outcome_id: OutcomeId,
    targets: Vec<Target>,
) -> StoreResult<Written<OutcomeTargets>> {
    reads::outcome(w.conn, outcome_id)?;
    let value = OutcomeTargets {
        outcome_id,
        targets,
        set_at: w.now(),
    };
    put_targets(w.conn, &value)?;
    let payload = Payload::OutcomeTargetsSet(OutcomeTargetsSet {
        outcome_id,
        targets: value.targets.clone(),
    });
    let events = w.append(vec![NewEvent::new(actor, payload)], value.set_at)?;
    Ok(Written {
        value,
        events,
        replayed: false,
    })
}

fn put_targets(conn: &Connection, t: &OutcomeTargets) -> StoreResult<()> {
    if t.targets.is_empty() {
        conn.prepare_cached("DELETE FROM outcome_targets WHERE outcome_id = ?1")
            .db()?
            .execute([t.outcome_id.to_string()])
            .db()?;
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO outcome_targets (outcome_id, targets, set_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (outcome_id) DO UPDATE SET targets = excluded.targets, set_at = excluded.set_at",
    )
    .db()?
    .execute(params![
        t.outcome_id.to_string(),
        to_json(&t.targets)?,
        ms(t.set_at)
    ])
    .db()?;
    Ok(())
}

pub(crate) fn outcome_targets(conn: &Connection) -> StoreResult<Vec<OutcomeTargets>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT outcome_id, targets, set_at FROM outcome_targets ORDER BY outcome_id",
        )
        .db()?;
    let rows = stmt
        .query_map([], |r| {
            Ok(OutcomeTargets {
                outcome_id: rows::parsed(r, "outcome_id")?,
                targets: rows::json(r, "targets")?,
                set_at: rows::ts(r, "set_at")?,
            })
        })
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()?;
    Ok(rows)
}

pub(crate) fn import_calendar(conn: &Connection, c: &TeamCalendar) -> StoreResult<usize> {
    put_calendar(conn, c)?;
    Ok(1)
}

pub(crate) fn import_targets(conn: &Connection, t: &OutcomeTargets) -> StoreResult<usize> {
    put_targets(conn, t)?;
    Ok(1)
}

pub(crate) fn record_alarm(
    w: &mut WriteTx<'_>,
    case_id: frontline_core::CaseId,
    alarm: frontline_core::targets::Alarm,
    ask: Option<frontline_core::ask::NewAskSpec>,
) -> StoreResult<Written<Option<frontline_core::ask::Ask>>> {
    let case = reads::case(w.conn, case_id)?;
    let sql = format!(
        "SELECT {} FROM events INDEXED BY events_by_case WHERE case_id = ?1 AND kind = ?2",
        rows::EVENT_COLUMNS
    );
    let earlier = w
        .conn
        .prepare_cached(&sql)
        .db()?
        .query_map(
            params![case_id.to_string(), alarm.event_kind().as_str()],
            rows::event,
        )
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let recorded = earlier
        .iter()
        .any(|e| e.decoded().is_ok_and(|payload| alarm.recorded_by(&payload)));
    if recorded {
        return Ok(Written {
            value: None,
            events: Vec::new(),
            replayed: true,
        });
    }
    let (ask, mut events) = match ask {
        Some(spec) => {
            let raised = crate::asks::raise(w, spec, None)?;
            (Some(raised.value), raised.events)
        }
        None => (None, Vec::new()),
    };
    let at = w.now();
    events.extend(w.append(vec![alarm.event(&case, ask.as_ref().map(|a| a.id))], at)?);
    Ok(Written {
        value: ask,
        events,
        replayed: false,
    })
}

pub(crate) fn set_case_due(
    w: &mut WriteTx<'_>,
    dues: Vec<(frontline_core::CaseId, Option<Timestamp>)>,
) -> StoreResult<()> {
    for (case_id, due) in dues {
        let id = case_id.to_string();
        match due {
            Some(at) => {
                reads::case(w.conn, case_id)?;
                w.conn
                    .prepare_cached(
                        "INSERT INTO case_due (case_id, due_at) VALUES (?1, ?2)
                         ON CONFLICT (case_id) DO UPDATE SET due_at = excluded.due_at",
                    )
                    .db()?
                    .execute(params![id, ms(at)])
                    .db()?;
            }
            None => {
                w.conn
                    .prepare_cached("DELETE FROM case_due WHERE case_id = ?1")
                    .db()?
                    .execute([id])
                    .db()?;
            }
        }
    }
    Ok(())
}

pub(crate) fn case_due(
    conn: &Connection,
    ids: &[frontline_core::CaseId],
) -> StoreResult<Vec<(frontline_core::CaseId, Timestamp)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = to_json(&ids.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    conn.prepare_cached(
        "SELECT case_id, due_at FROM case_due WHERE case_id IN (SELECT value FROM json_each(?1))",
    )
    .db()?
    .query_map([ids], |r| {
        let id: String = r.get(0)?;
        let at: i64 = r.get(1)?;
        Ok((id, at))
    })
    .db()?
    .map(|row| {
        let (id, at) = row.db()?;
        let id = id
            .parse()
            .map_err(|e| frontline_store::StoreError::Other(format!("case_due.case_id: {e}")))?;
        Ok((id, frontline_core::time::from_millis(at)))
    })
    .collect()
}
