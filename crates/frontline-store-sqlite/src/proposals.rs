//! Proposals, their evidence, votes and comments. Writes run in the writer: the proposal and
//! the people are loaded, the domain (`Proposal::raise` / `apply` / `check_vote` / `comment`,
//! `closed_loop::notice`) decides, and the rows and events are written in the job's savepoint,
//! so shipping and the messages it posts on every evidence case commit together.

use frontline_core::closed_loop;
use frontline_core::proposal::{
    CommentBody, EvidenceCase, NewProposal, Proposal, ProposalComment, ProposalError, ProposalVote,
    Reason, Theme, ThemeKey, ThemeLabel, WhatChanged,
};
use frontline_core::{
    CaseNumber, MessageId, PersonId, ProposalChange, ProposalId, ProposalStatus, Timestamp, time,
};
use frontline_store::{
    ProposalChanged, ProposalFilter, ProposalSummary, StoreError, StoreResult, Written,
};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use crate::query::Query;
use crate::reads;
use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;

const COLUMNS: &str = "id, author_id, title, body, theme_key, theme_label, status, created_at, \
     updated_at, decided_by, decided_at, reason, shipped_by, shipped_at, what_changed";

/// A proposal row without its evidence cases (`with_cases` adds them).
fn proposal_row(row: &Row<'_>) -> rusqlite::Result<Proposal> {
    let theme_key: Option<String> = row.get("theme_key")?;
    let theme_label: Option<String> = row.get("theme_label")?;
    let theme = match (theme_key, theme_label) {
        (Some(key), Some(label)) => Some(Theme {
            key: rows::value("theme_key", key, ThemeKey::parse)?,
            label: rows::value("theme_label", label, ThemeLabel::parse)?,
        }),
        _ => None,
    };
    let text = |column: &str| row.get::<_, Option<String>>(column);
    Ok(Proposal {
        id: rows::parsed(row, "id")?,
        author_id: rows::parsed(row, "author_id")?,
        title: rows::value("title", row.get("title")?, |t| {
            frontline_core::proposal::ProposalTitle::parse(t)
        })?,
        body: rows::value("body", row.get("body")?, |b| {
            frontline_core::proposal::ProposalBody::parse(b)
        })?,
        cases: Vec::new(),
        theme,
        status: rows::parsed(row, "status")?,
        created_at: rows::ts(row, "created_at")?,
        updated_at: rows::ts(row, "updated_at")?,
        decided_by: rows::parsed_opt(row, "decided_by")?,
        decided_at: rows::ts_opt(row, "decided_at")?,
        reason: text("reason")?
            .map(|r| rows::value("reason", r, Reason::parse))
            .transpose()?,
        shipped_by: rows::parsed_opt(row, "shipped_by")?,
        shipped_at: rows::ts_opt(row, "shipped_at")?,
        what_changed: text("what_changed")?
            .map(|w| rows::value("what_changed", w, WhatChanged::parse))
            .transpose()?,
    })
}

fn with_cases(conn: &Connection, mut proposal: Proposal) -> StoreResult<Proposal> {
    proposal.cases = conn
        .prepare_cached(
            "SELECT pc.case_id, c.number, pc.told_message_id
             FROM proposal_cases pc JOIN cases c ON c.id = pc.case_id
             WHERE pc.proposal_id = ?1 ORDER BY pc.position",
        )
        .db()?
        .query_map([proposal.id.to_string()], |r| {
            Ok(EvidenceCase {
                case_id: rows::parsed(r, "case_id")?,
                number: CaseNumber(r.get("number")?),
                told: rows::parsed_opt::<MessageId>(r, "told_message_id")?,
            })
        })
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(proposal)
}

pub(crate) fn get(conn: &Connection, id: ProposalId) -> StoreResult<Proposal> {
    let found = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM proposals WHERE id = ?1"))
        .db()?
        .query_row([id.to_string()], proposal_row)
        .optional()
        .db()?
        .ok_or_else(|| StoreError::not_found(format!("proposal {id}")))?;
    with_cases(conn, found)
}

/// Insert a proposal and its evidence rows (also for imports).
pub(crate) fn insert(conn: &Connection, p: &Proposal) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO proposals ({COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
    ))
    .db()?
    .execute(params![
        p.id.to_string(),
        p.author_id.to_string(),
        p.title.as_str(),
        p.body.as_str(),
        p.theme.as_ref().map(|t| t.key.as_str()),
        p.theme.as_ref().map(|t| t.label.as_str()),
        p.status.as_str(),
        ms(p.created_at),
        ms(p.updated_at),
        p.decided_by.map(|d| d.to_string()),
        p.decided_at.map(ms),
        p.reason.as_ref().map(Reason::as_str),
        p.shipped_by.map(|s| s.to_string()),
        p.shipped_at.map(ms),
        p.what_changed.as_ref().map(WhatChanged::as_str),
    ])
    .db()?;
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO proposal_cases (proposal_id, case_id, position, told_message_id)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .db()?;
    for (position, case) in p.cases.iter().enumerate() {
        stmt.execute(params![
            p.id.to_string(),
            case.case_id.to_string(),
            position as i64,
            case.told.map(|m| m.to_string()),
        ])
        .db()?;
    }
    Ok(())
}

fn update(conn: &Connection, p: &Proposal) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE proposals SET status = ?2, updated_at = ?3, decided_by = ?4, decided_at = ?5,
                reason = ?6, shipped_by = ?7, shipped_at = ?8, what_changed = ?9
         WHERE id = ?1",
    )
    .db()?
    .execute(params![
        p.id.to_string(),
        p.status.as_str(),
        ms(p.updated_at),
        p.decided_by.map(|d| d.to_string()),
        p.decided_at.map(ms),
        p.reason.as_ref().map(Reason::as_str),
        p.shipped_by.map(|s| s.to_string()),
        p.shipped_at.map(ms),
        p.what_changed.as_ref().map(WhatChanged::as_str),
    ])
    .db()?;
    Ok(())
}

pub(crate) fn raise(
    w: &mut WriteTx<'_>,
    new: NewProposal,
    at: Option<Timestamp>,
) -> StoreResult<Written<Proposal>> {
    let author = reads::person(w.conn, new.author_id)?;
    let mut cases = Vec::with_capacity(new.evidence.cases().len());
    for id in new.evidence.cases() {
        let case = reads::case(w.conn, *id)?;
        cases.push((case.id, case.number));
    }
    let at = at.map_or_else(|| w.now(), time::truncate);
    let (proposal, event) = Proposal::raise(new, &author, cases, at)?;
    insert(w.conn, &proposal)?;
    let events = w.append(vec![event], at)?;
    Ok(Written {
        value: proposal,
        events,
        replayed: false,
    })
}

pub(crate) fn voters(conn: &Connection, id: ProposalId) -> StoreResult<Vec<ProposalVote>> {
    let found = conn
        .prepare_cached(
            "SELECT proposal_id, person_id, created_at FROM proposal_votes
             WHERE proposal_id = ?1 ORDER BY created_at, person_id",
        )
        .db()?
        .query_map([id.to_string()], vote_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

fn vote_row(row: &Row<'_>) -> rusqlite::Result<ProposalVote> {
    Ok(ProposalVote {
        proposal_id: rows::parsed(row, "proposal_id")?,
        person_id: rows::parsed(row, "person_id")?,
        created_at: rows::ts(row, "created_at")?,
    })
}

pub(crate) fn change(
    w: &mut WriteTx<'_>,
    actor: PersonId,
    id: ProposalId,
    change: ProposalChange,
    at: Option<Timestamp>,
) -> StoreResult<Written<ProposalChanged>> {
    let proposal = get(w.conn, id)?;
    let by = reads::person(w.conn, actor)?;
    let voters: Vec<PersonId> = voters(w.conn, id)?
        .into_iter()
        .map(|v| v.person_id)
        .collect();
    let at = at.map_or_else(|| w.now(), time::truncate);
    let (mut next, event) = proposal.apply(&by, change, &voters, at)?;
    let mut told = Vec::new();
    let mut new_events = Vec::new();
    if next.status == ProposalStatus::Shipped {
        let shipped = next.clone();
        for evidence in &mut next.cases {
            let mut case = reads::case(w.conn, evidence.case_id)?;
            let messages = reads::messages(w.conn, case.id, false)?;
            let words = closed_loop::customer_words(&case, &messages);
            let (message, event) = closed_loop::notice(&shipped, &case, actor, words, at)?;
            crate::cases::insert_message(w, &message)?;
            // The notice answers the case: a new one is new no more.
            let answered = case.answered_by_staff(actor, at);
            crate::cases::update_case(w, &case)?;
            w.conn
                .prepare_cached(
                    "UPDATE proposal_cases SET told_message_id = ?3
                     WHERE proposal_id = ?1 AND case_id = ?2",
                )
                .db()?
                .execute(params![
                    id.to_string(),
                    case.id.to_string(),
                    message.id.to_string()
                ])
                .db()?;
            evidence.told = Some(message.id);
            new_events.push(event);
            new_events.extend(answered);
            told.push(message);
        }
    }
    update(w.conn, &next)?;
    new_events.push(event);
    let events = w.append(new_events, at)?;
    Ok(Written {
        value: ProposalChanged {
            proposal: next,
            told,
        },
        events,
        replayed: false,
    })
}

pub(crate) fn set_vote(
    w: &mut WriteTx<'_>,
    person_id: PersonId,
    id: ProposalId,
    voted: bool,
    at: Option<Timestamp>,
) -> StoreResult<Written<u32>> {
    let proposal = get(w.conn, id)?;
    let voter = reads::person(w.conn, person_id)?;
    proposal.check_vote(&voter)?;
    let at = at.map_or_else(|| w.now(), time::truncate);
    let changed = if voted {
        // The primary key refuses a second vote; two racing votes meet here too.
        w.conn
            .prepare_cached(
                "INSERT INTO proposal_votes (proposal_id, person_id, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
            )
            .db()?
            .execute(params![id.to_string(), person_id.to_string(), ms(at)])
            .db()?
    } else {
        w.conn
            .prepare_cached("DELETE FROM proposal_votes WHERE proposal_id = ?1 AND person_id = ?2")
            .db()?
            .execute(params![id.to_string(), person_id.to_string()])
            .db()?
    };
    if changed == 0 {
        let refused = if voted {
            ProposalError::AlreadyVoted
        } else {
            ProposalError::NotVoted
        };
        return Err(refused.into());
    }
    let votes: u32 = w
        .conn
        .prepare_cached("SELECT count(*) FROM proposal_votes WHERE proposal_id = ?1")
        .db()?
        .query_row([id.to_string()], |r| r.get(0))
        .db()?;
    let events = w.append(vec![proposal.vote_event(person_id, voted, votes)], at)?;
    Ok(Written {
        value: votes,
        events,
        replayed: false,
    })
}

pub(crate) fn insert_vote(conn: &Connection, v: &ProposalVote) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO proposal_votes (proposal_id, person_id, created_at) VALUES (?1, ?2, ?3)",
    )
    .db()?
    .execute(params![
        v.proposal_id.to_string(),
        v.person_id.to_string(),
        ms(v.created_at)
    ])
    .db()?;
    Ok(())
}

pub(crate) fn comment(
    w: &mut WriteTx<'_>,
    author_id: PersonId,
    id: ProposalId,
    body: CommentBody,
    at: Option<Timestamp>,
) -> StoreResult<Written<ProposalComment>> {
    let proposal = get(w.conn, id)?;
    let author = reads::person(w.conn, author_id)?;
    let at = at.map_or_else(|| w.now(), time::truncate);
    let (comment, event) = proposal.comment(&author, body, at)?;
    insert_comment(w.conn, &comment)?;
    let events = w.append(vec![event], at)?;
    Ok(Written {
        value: comment,
        events,
        replayed: false,
    })
}

pub(crate) fn insert_comment(conn: &Connection, c: &ProposalComment) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO proposal_comments (id, proposal_id, author_id, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .db()?
    .execute(params![
        c.id.to_string(),
        c.proposal_id.to_string(),
        c.author_id.to_string(),
        c.body.as_str(),
        ms(c.created_at)
    ])
    .db()?;
    Ok(())
}

fn comment_row(row: &Row<'_>) -> rusqlite::Result<ProposalComment> {
    Ok(ProposalComment {
        id: rows::parsed(row, "id")?,
        proposal_id: rows::parsed(row, "proposal_id")?,
        author_id: rows::parsed(row, "author_id")?,
        body: rows::value("body", row.get("body")?, CommentBody::parse)?,
        created_at: rows::ts(row, "created_at")?,
    })
}

pub(crate) fn comments(conn: &Connection, id: ProposalId) -> StoreResult<Vec<ProposalComment>> {
    get(conn, id)?;
    let found = conn
        .prepare_cached(
            "SELECT id, proposal_id, author_id, body, created_at FROM proposal_comments
             WHERE proposal_id = ?1 ORDER BY created_at, id",
        )
        .db()?
        .query_map([id.to_string()], comment_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(found)
}

pub(crate) fn votes(conn: &Connection, id: ProposalId) -> StoreResult<Vec<ProposalVote>> {
    get(conn, id)?;
    voters(conn, id)
}

pub(crate) fn list(
    conn: &Connection,
    filter: &ProposalFilter,
    limit: u32,
) -> StoreResult<Vec<ProposalSummary>> {
    let mut q = Query::new(format!(
        "SELECT {COLUMNS}, (SELECT count(*) FROM proposal_votes v WHERE v.proposal_id = p.id) AS votes
         FROM proposals p WHERE 1 = 1"
    ));
    if !filter.statuses.is_empty() {
        // A closed set of fixed words: safe as literals, and the planner sees them.
        let list: Vec<String> = filter
            .statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        q.sql += &format!(" AND status IN ({})", list.join(", "));
    }
    if let Some(id) = filter.author_id {
        q.and(" AND author_id = ?#", id.to_string().into());
    }
    if let Some(id) = filter.case_id {
        q.and(
            " AND id IN (SELECT proposal_id FROM proposal_cases WHERE case_id = ?#)",
            id.to_string().into(),
        );
    }
    q.newest_first(
        "created_at",
        filter.before.map(|(at, id)| (ms(at), id.to_string())),
        limit,
    );
    let found: Vec<(Proposal, u32)> = conn
        .prepare_cached(&q.sql)
        .db()?
        .query_map(params_from_iter(q.args), |r| {
            Ok((proposal_row(r)?, r.get::<_, u32>("votes")?))
        })
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    found
        .into_iter()
        .map(|(proposal, votes)| {
            Ok(ProposalSummary {
                proposal: with_cases(conn, proposal)?,
                votes,
            })
        })
        .collect()
}

/// Everything, oldest first, for an export: proposals (with evidence), votes, comments.
pub(crate) fn all(
    conn: &Connection,
) -> StoreResult<(Vec<Proposal>, Vec<ProposalVote>, Vec<ProposalComment>)> {
    let proposals: Vec<Proposal> = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM proposals ORDER BY created_at, id"
        ))
        .db()?
        .query_map([], proposal_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    let proposals = proposals
        .into_iter()
        .map(|p| with_cases(conn, p))
        .collect::<StoreResult<_>>()?;
    let votes = conn
        .prepare(
            "SELECT proposal_id, person_id, created_at FROM proposal_votes
             ORDER BY created_at, proposal_id, person_id",
        )
        .db()?
        .query_map([], vote_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    let comments = conn
        .prepare(
            "SELECT id, proposal_id, author_id, body, created_at FROM proposal_comments
             ORDER BY created_at, id",
        )
        .db()?
        .query_map([], comment_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok((proposals, votes, comments))
}
