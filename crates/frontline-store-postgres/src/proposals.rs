//! Proposals, their evidence, votes and comments. Every write locks the proposal's row
//! (`FOR UPDATE`), so a vote and a decision on one proposal serialise there and the voters a
//! decision names are exactly those who voted before it; the votes' primary key is the
//! backstop against a second vote. The domain decides (`Proposal::raise` / `apply` /
//! `check_vote` / `comment`, `closed_loop::notice`); shipping writes the closed-loop messages,
//! the evidence rows naming them and every event in one transaction.

use frontline_core::closed_loop;
use frontline_core::proposal::{
    CommentBody, EvidenceCase, NewProposal, Proposal, ProposalBody, ProposalComment, ProposalError,
    ProposalTitle, ProposalVote, Reason, Theme, ThemeKey, ThemeLabel, WhatChanged,
};
use frontline_core::time::truncate;
use frontline_core::{
    CaseId, CaseNumber, MessageId, PersonId, ProposalChange, ProposalCommentId, ProposalId,
    ProposalStatus, Timestamp,
};
use frontline_store::{
    ProposalChanged, ProposalFilter, ProposalSummary, StoreError, StoreResult, Written,
};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::PgStore;
use crate::error::{classify, corrupt};
use crate::query::newest_first;
use crate::rows::{
    self, CASE_COLUMNS, MESSAGE_COLUMNS, get, get_opt_time, get_time, get_u32, parse, to_db,
};

const COLUMNS: &str = "id, author_id, title, body, theme_key, theme_label, status, created_at, \
     updated_at, decided_by, decided_at, reason, shipped_by, shipped_at, what_changed";

/// A stored text read back through the domain's parser (a failure names the column).
fn text<T, E: std::fmt::Display>(
    row: &PgRow,
    column: &str,
    parser: impl FnOnce(&str) -> Result<T, E>,
) -> StoreResult<Option<T>> {
    get::<Option<String>>(row, column)?
        .map(|t| parser(&t).map_err(|e| corrupt(column, e)))
        .transpose()
}

/// A proposal row without its evidence cases (`with_cases` adds them).
fn proposal_row(row: &PgRow) -> StoreResult<Proposal> {
    let theme = match (
        text(row, "theme_key", ThemeKey::parse)?,
        text(row, "theme_label", ThemeLabel::parse)?,
    ) {
        (Some(key), Some(label)) => Some(Theme { key, label }),
        _ => None,
    };
    Ok(Proposal {
        id: ProposalId(get(row, "id")?),
        author_id: PersonId(get(row, "author_id")?),
        title: parse(row, "title", ProposalTitle::parse)?,
        body: parse(row, "body", ProposalBody::parse)?,
        cases: Vec::new(),
        theme,
        status: parse(row, "status", str::parse)?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        decided_by: get::<Option<Uuid>>(row, "decided_by")?.map(PersonId),
        decided_at: get_opt_time(row, "decided_at")?,
        reason: text(row, "reason", Reason::parse)?,
        shipped_by: get::<Option<Uuid>>(row, "shipped_by")?.map(PersonId),
        shipped_at: get_opt_time(row, "shipped_at")?,
        what_changed: text(row, "what_changed", WhatChanged::parse)?,
    })
}

async fn with_cases(conn: &mut PgConnection, mut proposal: Proposal) -> StoreResult<Proposal> {
    proposal.cases = sqlx::query(
        "SELECT pc.case_id, c.number, pc.told_message_id
         FROM proposal_cases pc JOIN cases c ON c.id = pc.case_id
         WHERE pc.proposal_id = $1 ORDER BY pc.position",
    )
    .bind(proposal.id.0)
    .fetch_all(conn)
    .await
    .map_err(classify)?
    .iter()
    .map(|r| {
        Ok(EvidenceCase {
            case_id: CaseId(get(r, "case_id")?),
            number: CaseNumber(get(r, "number")?),
            told: get::<Option<Uuid>>(r, "told_message_id")?.map(MessageId),
        })
    })
    .collect::<StoreResult<_>>()?;
    Ok(proposal)
}

async fn load(conn: &mut PgConnection, id: ProposalId, lock: bool) -> StoreResult<Proposal> {
    let sql = format!(
        "SELECT {COLUMNS} FROM proposals WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found(format!("proposal {id}")))?;
    let proposal = proposal_row(&row)?;
    with_cases(conn, proposal).await
}

/// Insert a proposal and its evidence rows (also for imports).
pub(crate) async fn insert(conn: &mut PgConnection, p: &Proposal) -> StoreResult<()> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO proposals ({COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    )))
    .bind(p.id.0)
    .bind(p.author_id.0)
    .bind(p.title.as_str())
    .bind(p.body.as_str())
    .bind(p.theme.as_ref().map(|t| t.key.as_str()))
    .bind(p.theme.as_ref().map(|t| t.label.as_str()))
    .bind(p.status.as_str())
    .bind(to_db(p.created_at))
    .bind(to_db(p.updated_at))
    .bind(p.decided_by.map(|d| d.0))
    .bind(rows::opt_to_db(p.decided_at))
    .bind(p.reason.as_ref().map(Reason::as_str))
    .bind(p.shipped_by.map(|s| s.0))
    .bind(rows::opt_to_db(p.shipped_at))
    .bind(p.what_changed.as_ref().map(WhatChanged::as_str))
    .execute(&mut *conn)
    .await
    .map_err(classify)?;
    for (position, case) in p.cases.iter().enumerate() {
        sqlx::query(
            "INSERT INTO proposal_cases (proposal_id, case_id, position, told_message_id)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(p.id.0)
        .bind(case.case_id.0)
        .bind(position as i32)
        .bind(case.told.map(|m| m.0))
        .execute(&mut *conn)
        .await
        .map_err(classify)?;
    }
    Ok(())
}

async fn update(conn: &mut PgConnection, p: &Proposal) -> StoreResult<()> {
    sqlx::query(
        "UPDATE proposals SET status = $2, updated_at = $3, decided_by = $4, decided_at = $5,
                reason = $6, shipped_by = $7, shipped_at = $8, what_changed = $9
         WHERE id = $1",
    )
    .bind(p.id.0)
    .bind(p.status.as_str())
    .bind(to_db(p.updated_at))
    .bind(p.decided_by.map(|d| d.0))
    .bind(rows::opt_to_db(p.decided_at))
    .bind(p.reason.as_ref().map(Reason::as_str))
    .bind(p.shipped_by.map(|s| s.0))
    .bind(rows::opt_to_db(p.shipped_at))
    .bind(p.what_changed.as_ref().map(WhatChanged::as_str))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

fn vote_row(row: &PgRow) -> StoreResult<ProposalVote> {
    Ok(ProposalVote {
        proposal_id: ProposalId(get(row, "proposal_id")?),
        person_id: PersonId(get(row, "person_id")?),
        created_at: get_time(row, "created_at")?,
    })
}

async fn voters(conn: &mut PgConnection, id: ProposalId) -> StoreResult<Vec<ProposalVote>> {
    sqlx::query(
        "SELECT proposal_id, person_id, created_at FROM proposal_votes
         WHERE proposal_id = $1 ORDER BY created_at, person_id",
    )
    .bind(id.0)
    .fetch_all(conn)
    .await
    .map_err(classify)?
    .iter()
    .map(vote_row)
    .collect()
}

pub(crate) async fn insert_vote(conn: &mut PgConnection, v: &ProposalVote) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO proposal_votes (proposal_id, person_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(v.proposal_id.0)
    .bind(v.person_id.0)
    .bind(to_db(v.created_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

fn comment_row(row: &PgRow) -> StoreResult<ProposalComment> {
    Ok(ProposalComment {
        id: ProposalCommentId(get(row, "id")?),
        proposal_id: ProposalId(get(row, "proposal_id")?),
        author_id: PersonId(get(row, "author_id")?),
        body: parse(row, "body", CommentBody::parse)?,
        created_at: get_time(row, "created_at")?,
    })
}

pub(crate) async fn insert_comment(
    conn: &mut PgConnection,
    c: &ProposalComment,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO proposal_comments (id, proposal_id, author_id, body, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(c.id.0)
    .bind(c.proposal_id.0)
    .bind(c.author_id.0)
    .bind(c.body.as_str())
    .bind(to_db(c.created_at))
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

/// Everything, oldest first, for an export: proposals (with evidence), votes, comments.
pub(crate) async fn all(
    conn: &mut PgConnection,
) -> StoreResult<(Vec<Proposal>, Vec<ProposalVote>, Vec<ProposalComment>)> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM proposals ORDER BY created_at, id"
    )))
    .fetch_all(&mut *conn)
    .await
    .map_err(classify)?;
    let mut proposals = Vec::with_capacity(rows.len());
    for row in &rows {
        let proposal = proposal_row(row)?;
        proposals.push(with_cases(conn, proposal).await?);
    }
    let votes = sqlx::query(
        "SELECT proposal_id, person_id, created_at FROM proposal_votes
         ORDER BY created_at, proposal_id, person_id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(classify)?
    .iter()
    .map(vote_row)
    .collect::<StoreResult<_>>()?;
    let comments = sqlx::query(
        "SELECT id, proposal_id, author_id, body, created_at FROM proposal_comments
         ORDER BY created_at, id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(classify)?
    .iter()
    .map(comment_row)
    .collect::<StoreResult<_>>()?;
    Ok((proposals, votes, comments))
}

impl PgStore {
    pub(crate) async fn raise_proposal_impl(
        &self,
        new: NewProposal,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<Proposal>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let author = crate::asks::person(&mut tx, new.author_id).await?;
        let mut cases = Vec::with_capacity(new.evidence.cases().len());
        for id in new.evidence.cases() {
            let number: Option<i64> = sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(classify)?;
            let number = number.ok_or_else(|| StoreError::not_found(format!("case {id}")))?;
            cases.push((*id, CaseNumber(number)));
        }
        let (proposal, event) = Proposal::raise(
            new,
            &author,
            cases,
            at.map_or_else(|| self.clock.now(), truncate),
        )?;
        insert(&mut tx, &proposal).await?;
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: proposal,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn change_proposal_impl(
        &self,
        actor: PersonId,
        id: ProposalId,
        change: ProposalChange,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<ProposalChanged>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let proposal = load(&mut tx, id, true).await?;
        let by = crate::asks::person(&mut tx, actor).await?;
        let voters: Vec<PersonId> = voters(&mut tx, id)
            .await?
            .into_iter()
            .map(|v| v.person_id)
            .collect();
        let at = at.map_or_else(|| self.clock.now(), truncate);
        let (mut next, event) = proposal.apply(&by, change, &voters, at)?;
        let mut told = Vec::new();
        let mut events = Vec::new();
        if next.status == ProposalStatus::Shipped {
            let shipped = next.clone();
            for evidence in &mut next.cases {
                let row = sqlx::query(AssertSqlSafe(format!(
                    "SELECT {CASE_COLUMNS} FROM cases WHERE id = $1 FOR UPDATE"
                )))
                .bind(evidence.case_id.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(classify)?;
                let mut case = rows::case(&row)?;
                let messages = sqlx::query(AssertSqlSafe(format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages
                     WHERE case_id = $1 AND visibility = 'public' ORDER BY created_at, id"
                )))
                .bind(case.id.0)
                .fetch_all(&mut *tx)
                .await
                .map_err(classify)?
                .iter()
                .map(rows::message)
                .collect::<StoreResult<Vec<_>>>()?;
                let words = closed_loop::customer_words(&case, &messages);
                let (message, event) = closed_loop::notice(&shipped, &case, actor, words, at)?;
                crate::cases::insert_message(&mut tx, &message).await?;
                crate::search::index_case(&mut tx, case.id).await?;
                // The notice answers the case: a new one is new no more.
                let answered = case.answered_by_staff(actor, at);
                crate::queue::write_case(&mut tx, &case).await?;
                sqlx::query(
                    "UPDATE proposal_cases SET told_message_id = $3
                     WHERE proposal_id = $1 AND case_id = $2",
                )
                .bind(id.0)
                .bind(case.id.0)
                .bind(message.id.0)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
                evidence.told = Some(message.id);
                events.push(event);
                events.extend(answered);
                told.push(message);
            }
        }
        update(&mut tx, &next).await?;
        events.push(event);
        let events = self.finish(tx, events).await?;
        Ok(Written {
            value: ProposalChanged {
                proposal: next,
                told,
            },
            events,
            replayed: false,
        })
    }

    pub(crate) async fn set_proposal_vote_impl(
        &self,
        person_id: PersonId,
        id: ProposalId,
        voted: bool,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<u32>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let proposal = load(&mut tx, id, true).await?;
        let voter = crate::asks::person(&mut tx, person_id).await?;
        proposal.check_vote(&voter)?;
        let at = at.map_or_else(|| self.clock.now(), truncate);
        let changed = if voted {
            sqlx::query(
                "INSERT INTO proposal_votes (proposal_id, person_id, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
            )
            .bind(id.0)
            .bind(person_id.0)
            .bind(to_db(at))
            .execute(&mut *tx)
            .await
        } else {
            sqlx::query("DELETE FROM proposal_votes WHERE proposal_id = $1 AND person_id = $2")
                .bind(id.0)
                .bind(person_id.0)
                .execute(&mut *tx)
                .await
        }
        .map_err(classify)?
        .rows_affected();
        if changed == 0 {
            let refused = if voted {
                ProposalError::AlreadyVoted
            } else {
                ProposalError::NotVoted
            };
            return Err(refused.into());
        }
        let row =
            sqlx::query("SELECT count(*) AS votes FROM proposal_votes WHERE proposal_id = $1")
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(classify)?;
        let votes = get_u32(&row, "votes")?;
        let events = self
            .finish(tx, vec![proposal.vote_event(person_id, voted, votes)])
            .await?;
        Ok(Written {
            value: votes,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn comment_proposal_impl(
        &self,
        author_id: PersonId,
        id: ProposalId,
        body: CommentBody,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<ProposalComment>> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // No lock: a comment changes nothing about the proposal, and proposals are never
        // deleted.
        let proposal = load(&mut tx, id, false).await?;
        let author = crate::asks::person(&mut tx, author_id).await?;
        let (comment, event) =
            proposal.comment(&author, body, at.map_or_else(|| self.clock.now(), truncate))?;
        insert_comment(&mut tx, &comment).await?;
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: comment,
            events,
            replayed: false,
        })
    }

    pub(crate) async fn get_proposal_impl(&self, id: ProposalId) -> StoreResult<Proposal> {
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        load(&mut conn, id, false).await
    }

    pub(crate) async fn list_proposals_impl(
        &self,
        filter: ProposalFilter,
        limit: u32,
    ) -> StoreResult<Vec<ProposalSummary>> {
        let mut query: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "SELECT {COLUMNS}, (SELECT count(*) FROM proposal_votes v WHERE v.proposal_id = p.id)
                 AS votes
             FROM proposals p WHERE true"
        ));
        if !filter.statuses.is_empty() {
            // A closed set of fixed words: safe as literals, and the planner sees them.
            let list: Vec<String> = filter
                .statuses
                .iter()
                .map(|s| format!("'{}'", s.as_str()))
                .collect();
            query.push(format_args!(" AND status IN ({})", list.join(", ")));
        }
        if let Some(id) = filter.author_id {
            query.push(" AND author_id = ").push_bind(id.0);
        }
        if let Some(id) = filter.case_id {
            query
                .push(" AND id IN (SELECT proposal_id FROM proposal_cases WHERE case_id = ")
                .push_bind(id.0)
                .push(")");
        }
        newest_first(
            &mut query,
            "created_at",
            filter.before.map(|(at, id)| (to_db(at), id.0)),
            limit,
        );
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        let rows = query
            .build()
            .fetch_all(&mut *conn)
            .await
            .map_err(classify)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let proposal = with_cases(&mut conn, proposal_row(row)?).await?;
            out.push(ProposalSummary {
                proposal,
                votes: get_u32(row, "votes")?,
            });
        }
        Ok(out)
    }

    pub(crate) async fn list_proposal_votes_impl(
        &self,
        id: ProposalId,
    ) -> StoreResult<Vec<ProposalVote>> {
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        load(&mut conn, id, false).await?;
        voters(&mut conn, id).await
    }

    pub(crate) async fn list_proposal_comments_impl(
        &self,
        id: ProposalId,
    ) -> StoreResult<Vec<ProposalComment>> {
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        load(&mut conn, id, false).await?;
        sqlx::query(
            "SELECT id, proposal_id, author_id, body, created_at FROM proposal_comments
             WHERE proposal_id = $1 ORDER BY created_at, id",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(classify)?
        .iter()
        .map(comment_row)
        .collect()
    }
}
