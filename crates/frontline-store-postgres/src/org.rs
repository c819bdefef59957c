//! The organisation: teams, and dated memberships and support links (ended, never deleted, so
//! the history stays).

use frontline_core::event::{
    MembershipAdded, MembershipEnded, SupportAdded, SupportEnded, TeamCreated,
};
use frontline_core::time::truncate;
use frontline_core::{
    Membership, Name, NewEvent, Payload, PersonId, Role, SupportLink, Team, TeamId, Timestamp,
    ValueError,
};
use frontline_store::{StoreError, StoreResult, Written};
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgRow;

use crate::PgStore;
use crate::error::classify;
use crate::history::TEAM_COLUMNS;
use crate::rows::{self, get, get_opt_time, get_time, parse, to_db};

/// Memberships and support links share a shape; this names the table and its person column.
#[derive(Clone, Copy)]
enum Link {
    Membership,
    Support,
}

impl Link {
    fn table(self) -> &'static str {
        match self {
            Link::Membership => "memberships",
            Link::Support => "supports",
        }
    }
    fn person_column(self) -> &'static str {
        match self {
            Link::Membership => "person_id",
            Link::Support => "support_id",
        }
    }
    /// `membership.added` or `support.added`.
    fn added(self, person_id: PersonId, team_id: TeamId, from: Timestamp) -> Payload {
        match self {
            Link::Membership => Payload::MembershipAdded(MembershipAdded {
                person_id,
                team_id,
                from,
            }),
            Link::Support => Payload::SupportAdded(SupportAdded {
                support_id: person_id,
                team_id,
                from,
            }),
        }
    }
    /// `membership.ended` or `support.ended`.
    fn ended(self, person_id: PersonId, team_id: TeamId, to: Timestamp) -> Payload {
        match self {
            Link::Membership => Payload::MembershipEnded(MembershipEnded {
                person_id,
                team_id,
                to,
            }),
            Link::Support => Payload::SupportEnded(SupportEnded {
                support_id: person_id,
                team_id,
                to,
            }),
        }
    }
    fn current_missing(self) -> StoreError {
        StoreError::not_found(match self {
            Link::Membership => "current membership",
            Link::Support => "current support link",
        })
    }
}

/// `(person, team, from, to)` of a membership or support row.
type LinkRow = (PersonId, TeamId, Timestamp, Option<Timestamp>);

fn link_row(row: &PgRow, person_column: &str) -> StoreResult<LinkRow> {
    Ok((
        PersonId(get(row, person_column)?),
        TeamId(get(row, "team_id")?),
        get_time(row, "valid_from")?,
        get_opt_time(row, "valid_to")?,
    ))
}

fn membership((person_id, team_id, from, to): LinkRow) -> Membership {
    Membership {
        person_id,
        team_id,
        from,
        to,
    }
}

fn support((support_id, team_id, from, to): LinkRow) -> SupportLink {
    SupportLink {
        support_id,
        team_id,
        from,
        to,
    }
}

impl PgStore {
    pub(crate) async fn create_team_impl(
        &self,
        actor: Option<PersonId>,
        name: Name,
    ) -> StoreResult<Written<Team>> {
        let team = Team {
            id: TeamId::new(),
            name,
            created_at: self.clock.now(),
            retired_at: None,
        };
        let mut tx = self.pool.begin().await.map_err(classify)?;
        sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(team.id.0)
            .bind(team.name.as_str())
            .bind(to_db(team.created_at))
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        let event = NewEvent::new(
            actor,
            Payload::TeamCreated(TeamCreated {
                team_id: team.id,
                name: team.name.clone(),
            }),
        );
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: team,
            events,
            replayed: false,
        })
    }

    /// By name (byte order, as on every backend), then id.
    pub(crate) async fn list_teams_impl(&self) -> StoreResult<Vec<Team>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {TEAM_COLUMNS} FROM teams ORDER BY name COLLATE \"C\", id"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .iter()
        .map(rows::team)
        .collect()
    }

    pub(crate) async fn get_team_impl(&self, id: TeamId) -> StoreResult<Team> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {TEAM_COLUMNS} FROM teams WHERE id = $1"
        )))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found("team"))?;
        rows::team(&row)
    }

    /// Start a membership or support link. Unknown person or team: `NotFound` (foreign
    /// keys); already current: `Conflict` (the partial unique index).
    async fn add_link(
        &self,
        link: Link,
        actor: Option<PersonId>,
        person_id: PersonId,
        team_id: TeamId,
        from: Timestamp,
    ) -> StoreResult<Written<LinkRow>> {
        // Stored to the millisecond, so the value returned must be too.
        let from = truncate(from);
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // A retired team takes nobody new; the share lock waits for a retirement in flight.
        let team = sqlx::query(AssertSqlSafe(format!(
            "SELECT {TEAM_COLUMNS} FROM teams WHERE id = $1 FOR SHARE"
        )))
        .bind(team_id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?;
        if let Some(row) = team {
            frontline_store::history::refuse_retired(&rows::team(&row)?)?;
        }
        if let Link::Support = link {
            let row = sqlx::query("SELECT role FROM people WHERE id = $1")
                .bind(person_id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(classify)?
                .ok_or_else(|| StoreError::not_found("person"))?;
            let role: Role = parse(&row, "role", str::parse)?;
            if role != Role::Support {
                return Err(StoreError::Invalid(ValueError::new(
                    "support_id",
                    format!("{person_id} is a {role}; only support employees support teams"),
                )));
            }
        }
        let sql = format!(
            "INSERT INTO {} ({}, team_id, valid_from) VALUES ($1, $2, $3)",
            link.table(),
            link.person_column()
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(person_id.0)
            .bind(team_id.0)
            .bind(to_db(from))
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        let mut events = vec![NewEvent::new(actor, link.added(person_id, team_id, from))];
        if let Link::Membership = link {
            // A new team may have cases waiting that this person has room for.
            events.extend(crate::queue::fill(&mut tx, person_id, self.clock.now(), None).await?);
        }
        let events = self.finish(tx, events).await?;
        Ok(Written {
            value: (person_id, team_id, from, None),
            events,
            replayed: false,
        })
    }

    /// End the current link at `to`. `NotFound` if none is current.
    async fn end_link(
        &self,
        link: Link,
        actor: Option<PersonId>,
        person_id: PersonId,
        team_id: TeamId,
        to: Timestamp,
    ) -> StoreResult<Written<LinkRow>> {
        let to = truncate(to);
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let sql = format!(
            "UPDATE {table} SET valid_to = $3
             WHERE {person} = $1 AND team_id = $2 AND valid_to IS NULL
             RETURNING {person}, team_id, valid_from, valid_to",
            table = link.table(),
            person = link.person_column()
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(person_id.0)
            .bind(team_id.0)
            .bind(to_db(to))
            .fetch_optional(&mut *tx)
            .await
            .map_err(classify)?
            .ok_or_else(|| link.current_missing())?;
        let ended = link_row(&row, link.person_column())?;
        let event = NewEvent::new(actor, link.ended(person_id, team_id, to));
        let events = self.finish(tx, vec![event]).await?;
        Ok(Written {
            value: ended,
            events,
            replayed: false,
        })
    }

    /// By person, team and start (the same order on every backend).
    async fn list_links(
        &self,
        link: Link,
        team_id: Option<TeamId>,
        person_id: Option<PersonId>,
    ) -> StoreResult<Vec<LinkRow>> {
        let sql = format!(
            "SELECT {person}, team_id, valid_from, valid_to FROM {table}
             WHERE ($1::uuid IS NULL OR team_id = $1) AND ($2::uuid IS NULL OR {person} = $2)
             ORDER BY {person}, team_id, valid_from, valid_to NULLS FIRST",
            table = link.table(),
            person = link.person_column()
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(team_id.map(|t| t.0))
            .bind(person_id.map(|p| p.0))
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?
            .iter()
            .map(|row| link_row(row, link.person_column()))
            .collect()
    }

    pub(crate) async fn add_membership_impl(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        team_id: TeamId,
        from: Timestamp,
    ) -> StoreResult<Written<Membership>> {
        let w = self
            .add_link(Link::Membership, actor, person_id, team_id, from)
            .await?;
        Ok(Written {
            value: membership(w.value),
            events: w.events,
            replayed: false,
        })
    }

    pub(crate) async fn end_membership_impl(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        team_id: TeamId,
        to: Timestamp,
    ) -> StoreResult<Written<Membership>> {
        let w = self
            .end_link(Link::Membership, actor, person_id, team_id, to)
            .await?;
        Ok(Written {
            value: membership(w.value),
            events: w.events,
            replayed: false,
        })
    }

    pub(crate) async fn list_memberships_impl(
        &self,
        team_id: Option<TeamId>,
        person_id: Option<PersonId>,
    ) -> StoreResult<Vec<Membership>> {
        let rows = self
            .list_links(Link::Membership, team_id, person_id)
            .await?;
        Ok(rows.into_iter().map(membership).collect())
    }

    pub(crate) async fn add_support_impl(
        &self,
        actor: Option<PersonId>,
        support_id: PersonId,
        team_id: TeamId,
        from: Timestamp,
    ) -> StoreResult<Written<SupportLink>> {
        let w = self
            .add_link(Link::Support, actor, support_id, team_id, from)
            .await?;
        Ok(Written {
            value: support(w.value),
            events: w.events,
            replayed: false,
        })
    }

    pub(crate) async fn end_support_impl(
        &self,
        actor: Option<PersonId>,
        support_id: PersonId,
        team_id: TeamId,
        to: Timestamp,
    ) -> StoreResult<Written<SupportLink>> {
        let w = self
            .end_link(Link::Support, actor, support_id, team_id, to)
            .await?;
        Ok(Written {
            value: support(w.value),
            events: w.events,
            replayed: false,
        })
    }

    pub(crate) async fn list_supports_impl(
        &self,
        team_id: Option<TeamId>,
    ) -> StoreResult<Vec<SupportLink>> {
        let rows = self.list_links(Link::Support, team_id, None).await?;
        Ok(rows.into_iter().map(support).collect())
    }
}
