//! The org history against a small organisation whose answers were worked out by hand:
//!
//! ```text
//! day   0  Orders and Billing founded; Cleo (CEO) supports both; Ann, Sue in Orders;
//!          Bob, Dan in Billing.
//! day 100  Sue promoted to support ("Head of Orders"): leaves Orders for the new Leadership
//!          team, supports Orders and Billing; Cleo now supports Leadership only.
//! day 150  Cat joins Orders.
//! day 200  Returns founded; Sue supports it.
//! day 250  Dan leaves.
//! day 300  Orders retired: Ann moves to Returns, Cat to Billing.
//! ```

use super::history::*;
use super::*;
use crate::time::from_millis;

const DAY: i64 = 86_400_000;

fn day(n: i64) -> Timestamp {
    from_millis(n * DAY)
}

struct World {
    history: OrgHistory,
    ids: HashMap<&'static str, PersonId>,
    teams: HashMap<&'static str, TeamId>,
}

use std::collections::HashMap;

fn world() -> World {
    let mut ids = HashMap::new();
    let mut people = Vec::new();
    for name in ["Ann", "Bob", "Cat", "Cleo", "Dan", "Sue"] {
        let id = PersonId::new();
        ids.insert(name, id);
        people.push(PersonName {
            id,
            name: Name::parse(name).unwrap(),
        });
    }
    let mut teams = HashMap::new();
    let mut team_rows = Vec::new();
    for (name, created, retired) in [
        ("Orders", 0, Some(300)),
        ("Billing", 0, None),
        ("Leadership", 100, None),
        ("Returns", 200, None),
    ] {
        let id = TeamId::new();
        teams.insert(name, id);
        team_rows.push(Team {
            id,
            name: Name::parse(name).unwrap(),
            created_at: day(created),
            retired_at: retired.map(day),
        });
    }
    let p = |n: &str| ids[n];
    let t = |n: &str| teams[n];
    let membership = |who: &str, team: &str, from: i64, to: Option<i64>| Membership {
        person_id: p(who),
        team_id: t(team),
        from: day(from),
        to: to.map(day),
    };
    let support = |who: &str, team: &str, from: i64, to: Option<i64>| SupportLink {
        support_id: p(who),
        team_id: t(team),
        from: day(from),
        to: to.map(day),
    };
    let role =
        |who: &str, role: Role, title: Option<&str>, from: i64, to: Option<i64>| RolePeriod {
            person_id: p(who),
            role,
            title: title.map(str::to_owned),
            from: day(from),
            to: to.map(day),
        };
    let history = OrgHistory {
        people,
        teams: team_rows,
        memberships: vec![
            membership("Ann", "Orders", 0, Some(300)),
            membership("Ann", "Returns", 300, None),
            membership("Sue", "Orders", 0, Some(100)),
            membership("Sue", "Leadership", 100, None),
            membership("Bob", "Billing", 0, None),
            membership("Cat", "Orders", 150, Some(300)),
            membership("Cat", "Billing", 300, None),
            membership("Dan", "Billing", 0, Some(250)),
        ],
        supports: vec![
            support("Cleo", "Orders", 0, Some(100)),
            support("Cleo", "Billing", 0, Some(100)),
            support("Cleo", "Leadership", 100, None),
            support("Sue", "Orders", 100, Some(300)),
            support("Sue", "Billing", 100, None),
            support("Sue", "Returns", 200, None),
        ],
        roles: vec![
            role("Cleo", Role::Support, Some("CEO"), 0, None),
            role("Ann", Role::Employee, None, 0, None),
            role("Bob", Role::Employee, None, 0, None),
            role("Cat", Role::Employee, None, 149, None),
            role("Dan", Role::Employee, None, 0, None),
            role("Sue", Role::Employee, None, 0, Some(100)),
            role("Sue", Role::Support, Some("Head of Orders"), 100, None),
        ],
    };
    World {
        history,
        ids,
        teams,
    }
}

fn names(org: &OrgAsOf) -> Vec<&str> {
    org.people.iter().map(|p| p.name.as_str()).collect()
}

#[test]
fn the_founding_org_has_one_layer_the_ceo_serving_the_front_line() {
    let w = world();
    let org = w.history.as_of(day(50));
    assert_eq!(names(&org), ["Ann", "Bob", "Cleo", "Dan", "Sue"]);
    let teams: Vec<(&str, TeamKind)> = org
        .teams
        .iter()
        .map(|t| (t.name.as_str(), t.kind))
        .collect();
    assert_eq!(
        teams,
        [
            ("Billing", TeamKind::FrontLine),
            ("Orders", TeamKind::FrontLine)
        ]
    );
    assert_eq!(org.layers, 1);
    assert_eq!(org.person(w.ids["Cleo"]).unwrap().level, Some(1));
    assert_eq!(org.person(w.ids["Sue"]).unwrap().level, None);
    assert_eq!(
        org.headcount(),
        Headcount {
            employee: 4,
            support: 1
        }
    );
    // Cleo serves two teams of four people.
    assert_eq!(
        org.span(),
        Span {
            teams: 2.0,
            people: 4.0
        }
    );
    assert_eq!(org.supporters_of(w.ids["Ann"]), [w.ids["Cleo"]]);
}

#[test]
fn a_leadership_team_between_the_ceo_and_the_front_line_makes_two_layers() {
    let w = world();
    let org = w.history.as_of(day(160));
    assert_eq!(names(&org), ["Ann", "Bob", "Cat", "Cleo", "Dan", "Sue"]);
    let leadership = org.team(w.teams["Leadership"]).unwrap();
    assert_eq!(leadership.kind, TeamKind::Support);
    assert_eq!(leadership.members, [w.ids["Sue"]]);
    assert_eq!(leadership.supporters, [w.ids["Cleo"]]);
    let sue = org.person(w.ids["Sue"]).unwrap();
    assert_eq!(
        (sue.role, sue.title.as_deref(), sue.level),
        (Role::Support, Some("Head of Orders"), Some(1))
    );
    assert_eq!(org.person(w.ids["Cleo"]).unwrap().level, Some(2));
    assert_eq!(org.layers, 2);
    assert_eq!(
        org.headcount(),
        Headcount {
            employee: 4,
            support: 2
        }
    );
    // Cleo: 1 team, 1 person (Sue); Sue: 2 teams, 4 people (Ann, Cat, Bob, Dan).
    assert_eq!(
        org.span(),
        Span {
            teams: 1.5,
            people: 2.5
        }
    );
    // The chain an ask climbs: Ann -> Sue -> Cleo.
    assert_eq!(org.supporters_of(w.ids["Ann"]), [w.ids["Sue"]]);
    assert_eq!(org.supporters_of(w.ids["Sue"]), [w.ids["Cleo"]]);
}

#[test]
fn a_retired_team_and_a_leaver_are_gone_from_the_org() {
    let w = world();
    let org = w.history.as_of(day(320));
    assert_eq!(names(&org), ["Ann", "Bob", "Cat", "Cleo", "Sue"]);
    let teams: Vec<&str> = org.teams.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(teams, ["Billing", "Leadership", "Returns"]);
    assert_eq!(org.layers, 2);
    // The instant of retirement already belongs to the retired state.
    let at_retirement = w.history.as_of(day(300));
    assert!(at_retirement.team(w.teams["Orders"]).is_none());
    assert!(
        w.history
            .as_of(day(300) - jiff::SignedDuration::from_millis(1))
            .team(w.teams["Orders"])
            .is_some()
    );
}

#[test]
fn the_diff_over_the_years_names_every_change() {
    let w = world();
    let d = w.history.diff(day(50), day(320));
    let people = |list: &[PersonEntry]| list.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
    assert_eq!(people(&d.joined), ["Cat"]);
    assert_eq!(d.joined[0].teams[0].name, "Billing");
    assert_eq!(people(&d.left), ["Dan"]);
    let moved: Vec<(String, Vec<String>, Vec<String>)> = d
        .moved
        .iter()
        .map(|m| {
            (
                m.name.clone(),
                m.left_teams.iter().map(|t| t.name.clone()).collect(),
                m.joined_teams.iter().map(|t| t.name.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        moved,
        [
            ("Ann".into(), vec!["Orders".into()], vec!["Returns".into()]),
            (
                "Sue".into(),
                vec!["Orders".into()],
                vec!["Leadership".into()]
            ),
        ]
    );
    assert_eq!(d.role_changes.len(), 1);
    let change = &d.role_changes[0];
    assert_eq!(
        (
            change.name.as_str(),
            change.from_role,
            change.from_title.as_deref(),
            change.to_role,
            change.to_title.as_deref()
        ),
        (
            "Sue",
            Role::Employee,
            None,
            Role::Support,
            Some("Head of Orders")
        )
    );
    let teams = |list: &[TeamRef]| list.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    assert_eq!(teams(&d.teams_created), ["Leadership", "Returns"]);
    assert_eq!(teams(&d.teams_retired), ["Orders"]);
    let links = |list: &[SupportChange]| {
        list.iter()
            .map(|s| format!("{}->{}", s.support_name, s.team.name))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        links(&d.supports_added),
        ["Cleo->Leadership", "Sue->Billing", "Sue->Returns"]
    );
    assert_eq!(links(&d.supports_ended), ["Cleo->Billing", "Cleo->Orders"]);
    assert_eq!((d.layers.from, d.layers.to), (1, 2));
    assert_eq!((d.teams.from, d.teams.to), (2, 3));
    assert_eq!(d.headcount.from.total(), 5);
    assert_eq!(
        d.headcount.to,
        Headcount {
            employee: 3,
            support: 2
        }
    );
    assert!(w.history.diff(day(320), day(320)).is_empty());
    // Backwards is answered as asked: what was added forwards was removed.
    let back = w.history.diff(day(320), day(50));
    assert_eq!(people(&back.left), ["Cat"]);
    assert_eq!((back.layers.from, back.layers.to), (2, 1));
}

#[test]
fn the_timeline_has_one_point_per_month_as_of_its_end() {
    let w = world();
    let points = w.history.timeline(day(0), day(320)).unwrap();
    let months: Vec<&str> = points.iter().map(|p| p.month.as_str()).collect();
    assert_eq!(
        months,
        [
            "1970-01", "1970-02", "1970-03", "1970-04", "1970-05", "1970-06", "1970-07", "1970-08",
            "1970-09", "1970-10", "1970-11"
        ]
    );
    // End of January is day 31 minus a millisecond; the last point is as of `to`.
    assert_eq!(points[0].at, from_millis(31 * DAY - 1));
    assert_eq!(points[10].at, day(320));
    let layers: Vec<u32> = points.iter().map(|p| p.layers).collect();
    assert_eq!(layers, [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
    let teams: Vec<u32> = points.iter().map(|p| p.teams).collect();
    // Leadership from day 100 (April 11), Returns from day 200 (July 20), Orders retired on
    // day 300 (October 28).
    assert_eq!(teams, [2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3]);
    assert_eq!(points[3].front_line_teams, 2);
    // Dan left on day 250 (September 8).
    assert_eq!(points[7].headcount.employee, 4);
    assert_eq!(points[8].headcount.employee, 3);
    assert_eq!((points[0].span_teams, points[0].span_people), (2.0, 4.0));
}

#[test]
fn a_timeline_refuses_a_backwards_or_endless_range() {
    let w = world();
    let back = w.history.timeline(day(10), day(5)).unwrap_err();
    assert_eq!(back.field, "to");
    let endless = w.history.timeline(day(0), day(40_000)).unwrap_err();
    assert!(endless.reason.contains("600 months"), "{}", endless.reason);
    let one = w.history.timeline(day(5), day(5)).unwrap();
    assert_eq!(one.len(), 1);
}

#[test]
fn a_ceo_inside_the_team_they_support_does_not_loop() {
    let mut w = world();
    let (cleo, leadership) = (w.ids["Cleo"], w.teams["Leadership"]);
    w.history.memberships.push(Membership {
        person_id: cleo,
        team_id: leadership,
        from: day(100),
        to: None,
    });
    let org = w.history.as_of(day(160));
    assert_eq!(org.layers, 2);
    assert_eq!(org.team(leadership).unwrap().kind, TeamKind::Support);
}

#[test]
fn an_empty_history_is_an_empty_org() {
    let org = OrgHistory::default().as_of(day(1));
    assert!(org.people.is_empty() && org.teams.is_empty());
    assert_eq!(org.layers, 0);
    assert_eq!(org.span(), Span::default());
}

#[test]
fn four_years_of_monthly_points_compute_quickly() {
    // 40 teams, 400 people with two role periods each, moving teams every year.
    let mut history = OrgHistory::default();
    let teams: Vec<TeamId> = (0..40).map(|_| TeamId::new()).collect();
    for (i, id) in teams.iter().enumerate() {
        history.teams.push(Team {
            id: *id,
            name: Name::parse(&format!("Team {i}")).unwrap(),
            created_at: day(0),
            retired_at: None,
        });
    }
    for i in 0..400 {
        let id = PersonId::new();
        history.people.push(PersonName {
            id,
            name: Name::parse(&format!("Person {i}")).unwrap(),
        });
        history.roles.push(RolePeriod {
            person_id: id,
            role: Role::Employee,
            title: None,
            from: day(0),
            to: Some(day(700)),
        });
        history.roles.push(RolePeriod {
            person_id: id,
            role: if i % 10 == 0 {
                Role::Support
            } else {
                Role::Employee
            },
            title: None,
            from: day(700),
            to: None,
        });
        for year in 0..4 {
            let team = teams[(i + year * 7) % teams.len()];
            history.memberships.push(Membership {
                person_id: id,
                team_id: team,
                from: day(year as i64 * 365),
                to: Some(day(year as i64 * 365 + 365)),
            });
            if i % 10 == 0 {
                history.supports.push(SupportLink {
                    support_id: id,
                    team_id: teams[(i / 10 + year) % teams.len()],
                    from: day(year as i64 * 365),
                    to: None,
                });
            }
        }
    }
    let started = std::time::Instant::now();
    let points = history.timeline(day(0), day(4 * 365)).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(points.len(), 48, "1970-01 to 1973-12");
    // Generous even for an unoptimised debug build on a slow machine.
    assert!(elapsed.as_secs_f64() < 2.0, "{elapsed:?}");
}
