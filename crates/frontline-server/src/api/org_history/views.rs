//! What the org-history API sends: plain structs with OpenAPI schemas, built from the
//! domain's snapshots, diffs and monthly points (the wire format is chosen here).

use frontline_core::RolePeriod;
use frontline_core::org::history::{
    Headcount, MonthPoint, OrgAsOf, OrgDiff, PersonEntry, SupportChange, TeamKind, TeamRef,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::time;

#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct HeadcountView {
    pub employee: u32,
    pub support: u32,
}

impl From<Headcount> for HeadcountView {
    fn from(h: Headcount) -> Self {
        Self {
            employee: h.employee,
            support: h.support,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrgTeamView {
    pub id: Uuid,
    pub name: String,
    /// `front_line`, or `support` for a team made only of support employees.
    pub kind: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Member ids, by name.
    pub members: Vec<Uuid>,
    /// Ids of the support employees serving the team, by name.
    pub supporters: Vec<Uuid>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrgPersonView {
    pub id: Uuid,
    pub name: String,
    /// `employee` or `support`.
    pub role: String,
    pub title: Option<String>,
    /// Teams the person is a member of.
    pub teams: Vec<Uuid>,
    /// Teams the person supports.
    pub supports: Vec<Uuid>,
    /// Support level: 1 serves the front line directly, 2 serves those who do, and so on.
    pub level: Option<u32>,
}

/// The organisation at one instant.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrgView {
    #[schema(format = DateTime)]
    pub as_of: String,
    /// Support employees on the longest chain from a front-line team to the top (the CEO
    /// serving the front line directly: 1).
    pub layers: u32,
    pub headcount: HeadcountView,
    /// Average number of teams a supporting support employee serves.
    pub span_teams: f64,
    /// Average number of people in the teams a supporting support employee serves.
    pub span_people: f64,
    /// Teams in force, by name.
    pub teams: Vec<OrgTeamView>,
    /// People in the organisation (a staff role and at least one team), by name.
    pub people: Vec<OrgPersonView>,
}

impl From<&OrgAsOf> for OrgView {
    fn from(org: &OrgAsOf) -> Self {
        let span = org.span();
        Self {
            as_of: time(org.at),
            layers: org.layers,
            headcount: org.headcount().into(),
            span_teams: span.teams,
            span_people: span.people,
            teams: org
                .teams
                .iter()
                .map(|t| OrgTeamView {
                    id: t.id.0,
                    name: t.name.clone(),
                    kind: kind_text(t.kind).into(),
                    created_at: time(t.created_at),
                    members: t.members.iter().map(|p| p.0).collect(),
                    supporters: t.supporters.iter().map(|p| p.0).collect(),
                })
                .collect(),
            people: org
                .people
                .iter()
                .map(|p| OrgPersonView {
                    id: p.id.0,
                    name: p.name.clone(),
                    role: p.role.to_string(),
                    title: p.title.clone(),
                    teams: p.teams.iter().map(|t| t.0).collect(),
                    supports: p.supports.iter().map(|t| t.0).collect(),
                    level: p.level,
                })
                .collect(),
        }
    }
}

pub fn kind_text(kind: TeamKind) -> &'static str {
    match kind {
        TeamKind::FrontLine => "front_line",
        TeamKind::Support => "support",
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TeamRefView {
    pub id: Uuid,
    pub name: String,
}

fn team_refs(teams: &[TeamRef]) -> Vec<TeamRefView> {
    teams
        .iter()
        .map(|t| TeamRefView {
            id: t.id.0,
            name: t.name.clone(),
        })
        .collect()
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DiffPersonView {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub title: Option<String>,
    pub teams: Vec<TeamRefView>,
    pub supports: Vec<TeamRefView>,
}

fn people(list: &[PersonEntry]) -> Vec<DiffPersonView> {
    list.iter()
        .map(|p| DiffPersonView {
            id: p.id.0,
            name: p.name.clone(),
            role: p.role.to_string(),
            title: p.title.clone(),
            teams: team_refs(&p.teams),
            supports: team_refs(&p.supports),
        })
        .collect()
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MoveView {
    pub id: Uuid,
    pub name: String,
    pub left_teams: Vec<TeamRefView>,
    pub joined_teams: Vec<TeamRefView>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RoleChangeView {
    pub id: Uuid,
    pub name: String,
    pub from_role: String,
    pub from_title: Option<String>,
    pub to_role: String,
    pub to_title: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SupportChangeView {
    pub support_id: Uuid,
    pub support_name: String,
    pub team: TeamRefView,
}

fn support_changes(list: &[SupportChange]) -> Vec<SupportChangeView> {
    list.iter()
        .map(|s| SupportChangeView {
            support_id: s.support_id.0,
            support_name: s.support_name.clone(),
            team: TeamRefView {
                id: s.team.id.0,
                name: s.team.name.clone(),
            },
        })
        .collect()
}

#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct CountChangeView {
    pub from: u32,
    pub to: u32,
}

#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct HeadcountChangeView {
    pub from: HeadcountView,
    pub to: HeadcountView,
}

/// What changed between two instants; every list is sorted by name.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DiffView {
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: String,
    /// In the organisation at `to`, not at `from` (as of `to`).
    pub joined: Vec<DiffPersonView>,
    /// In the organisation at `from`, not at `to` (as of `from`).
    pub left: Vec<DiffPersonView>,
    /// In the organisation at both, in different teams.
    pub moved: Vec<MoveView>,
    /// In the organisation at both, with a different role or title.
    pub role_changes: Vec<RoleChangeView>,
    pub teams_created: Vec<TeamRefView>,
    pub teams_retired: Vec<TeamRefView>,
    pub supports_added: Vec<SupportChangeView>,
    pub supports_ended: Vec<SupportChangeView>,
    pub layers: CountChangeView,
    pub teams: CountChangeView,
    pub headcount: HeadcountChangeView,
}

impl From<&OrgDiff> for DiffView {
    fn from(d: &OrgDiff) -> Self {
        Self {
            from: time(d.from),
            to: time(d.to),
            joined: people(&d.joined),
            left: people(&d.left),
            moved: d
                .moved
                .iter()
                .map(|m| MoveView {
                    id: m.id.0,
                    name: m.name.clone(),
                    left_teams: team_refs(&m.left_teams),
                    joined_teams: team_refs(&m.joined_teams),
                })
                .collect(),
            role_changes: d
                .role_changes
                .iter()
                .map(|r| RoleChangeView {
                    id: r.id.0,
                    name: r.name.clone(),
                    from_role: r.from_role.to_string(),
                    from_title: r.from_title.clone(),
                    to_role: r.to_role.to_string(),
                    to_title: r.to_title.clone(),
                })
                .collect(),
            teams_created: team_refs(&d.teams_created),
            teams_retired: team_refs(&d.teams_retired),
            supports_added: support_changes(&d.supports_added),
            supports_ended: support_changes(&d.supports_ended),
            layers: CountChangeView {
                from: d.layers.from,
                to: d.layers.to,
            },
            teams: CountChangeView {
                from: d.teams.from,
                to: d.teams.to,
            },
            headcount: HeadcountChangeView {
                from: d.headcount.from.into(),
                to: d.headcount.to.into(),
            },
        }
    }
}

/// The organisation in one month, as of the end of the month (the last one: as of `to`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MonthView {
    /// `YYYY-MM`.
    pub month: String,
    #[schema(format = DateTime)]
    pub as_of: String,
    pub layers: u32,
    /// Teams in force, front-line and support.
    pub teams: u32,
    pub front_line_teams: u32,
    pub span_teams: f64,
    pub span_people: f64,
    pub headcount: HeadcountView,
}

impl From<&MonthPoint> for MonthView {
    fn from(p: &MonthPoint) -> Self {
        Self {
            month: p.month.clone(),
            as_of: time(p.at),
            layers: p.layers,
            teams: p.teams,
            front_line_teams: p.front_line_teams,
            span_teams: p.span_teams,
            span_people: p.span_people,
            headcount: p.headcount.into(),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TimelineView {
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: String,
    pub months: Vec<MonthView>,
}

/// A person's role and title over a period; `to: null` means current.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RolePeriodView {
    pub role: String,
    pub title: Option<String>,
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: Option<String>,
}

impl From<&RolePeriod> for RolePeriodView {
    fn from(p: &RolePeriod) -> Self {
        Self {
            role: p.role.to_string(),
            title: p.title.clone(),
            from: time(p.from),
            to: p.to.map(time),
        }
    }
}
