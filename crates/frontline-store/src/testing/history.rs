//! Conformance checks for the organisation's history: role and title periods, retiring
//! teams, the one-call history read, and its round trip through export and import.

use std::future::Future;
use std::sync::Arc;

use frontline_core::org::history::TeamKind;
use frontline_core::{EventKind, Name, Role, TeamId, time};

use super::{new_person, org};
use crate::*;

fn at(ms: i64) -> frontline_core::Timestamp {
    time::from_millis(ms)
}

pub async fn role_and_title_changes_keep_their_history<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let eve = store
        .create_person(None, new_person("eve@frontline.test", Role::Employee, 4))
        .await
        .unwrap()
        .value;
    let periods = store.list_role_periods(eve.id).await.unwrap();
    assert_eq!(periods.len(), 1, "creating a person opens the first period");
    assert_eq!(
        (
            periods[0].role,
            periods[0].title.as_deref(),
            periods[0].from,
            periods[0].to
        ),
        (Role::Employee, None, eve.created_at, None)
    );

    // Neither capacity nor availability are history.
    let unchanged = store
        .update_person(
            None,
            eve.id,
            PersonUpdate {
                capacity: Some(6),
                role: Some(Role::Employee),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        unchanged
            .events
            .iter()
            .all(|e| e.kind != EventKind::RoleChanged),
        "the same role is no change"
    );
    assert_eq!(store.list_role_periods(eve.id).await.unwrap().len(), 1);

    let promoted = store
        .update_person(
            Some(eve.id),
            eve.id,
            PersonUpdate {
                role: Some(Role::Support),
                title: Some(Some("Head of Returns".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let kinds: Vec<EventKind> = promoted.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds[..2],
        [EventKind::PersonUpdated, EventKind::RoleChanged]
    );
    let changed = &promoted.events[1];
    let said = decoded!(changed, RoleChanged);
    assert_eq!(said.person_id, eve.id);
    assert_eq!(said.from.role, Role::Employee);
    assert_eq!(said.to.role, Role::Support);
    assert_eq!(said.to.title.as_deref(), Some("Head of Returns"));
    assert_eq!(changed.actor_id, Some(eve.id));

    // A title change alone is a change too.
    store
        .update_person(
            None,
            eve.id,
            PersonUpdate {
                title: Some(Some("Head of Customer Care".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let periods = store.list_role_periods(eve.id).await.unwrap();
    let seen: Vec<(Role, Option<&str>)> = periods
        .iter()
        .map(|p| (p.role, p.title.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (Role::Employee, None),
            (Role::Support, Some("Head of Returns")),
            (Role::Support, Some("Head of Customer Care")),
        ]
    );
    for pair in periods.windows(2) {
        assert_eq!(pair[0].to, Some(pair[1].from), "periods follow each other");
    }
    assert_eq!(periods[2].to, None, "the last period is current");
    assert_err!(
        store
            .list_role_periods(frontline_core::PersonId::new())
            .await,
        StoreError::NotFound { .. }
    );
}

pub async fn retiring_a_team_ends_its_links_and_closes_it<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let team = store
        .create_team(None, Name::parse("Gift wrapping").unwrap())
        .await
        .unwrap()
        .value;
    assert_eq!(team.retired_at, None);
    store
        .add_membership(None, o.ann.id, team.id, at(1_000))
        .await
        .unwrap();
    store
        .add_membership(None, o.ben.id, team.id, at(2_000))
        .await
        .unwrap();
    store
        .add_support(None, o.sue.id, team.id, at(1_500))
        .await
        .unwrap();
    // Before a current link began: refused, nothing changes.
    assert_err!(
        store.retire_team(None, team.id, at(1_999)).await,
        StoreError::Invalid(_)
    );

    let retired = store
        .retire_team(Some(o.sue.id), team.id, at(5_000))
        .await
        .unwrap();
    assert_eq!(retired.value.retired_at, Some(at(5_000)));
    let kinds: Vec<EventKind> = retired.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::MembershipEnded,
            EventKind::MembershipEnded,
            EventKind::SupportEnded,
            EventKind::TeamRetired
        ]
    );
    let last = retired.events.last().unwrap();
    let said = decoded!(last, TeamRetired);
    assert_eq!(said.team_id, team.id);
    assert_eq!(said.members.len(), 2);
    assert_eq!(
        store.get_team(team.id).await.unwrap().retired_at,
        Some(at(5_000))
    );
    assert!(
        store
            .list_teams()
            .await
            .unwrap()
            .iter()
            .any(|t| t.id == team.id && t.retired_at.is_some()),
        "a retired team is still listed, with its retirement"
    );
    let links = store.list_memberships(Some(team.id), None).await.unwrap();
    assert!(links.iter().all(|m| m.to == Some(at(5_000))), "{links:?}");
    let supports = store.list_supports(Some(team.id)).await.unwrap();
    assert_eq!(supports[0].to, Some(at(5_000)));
    // Other teams keep their people.
    assert!(
        store
            .list_memberships(Some(o.team_a), None)
            .await
            .unwrap()
            .iter()
            .all(|m| m.to.is_none())
    );

    assert_err!(
        store.retire_team(None, team.id, at(6_000)).await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .add_membership(None, o.ann.id, team.id, at(6_000))
            .await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store.add_support(None, o.sue.id, team.id, at(6_000)).await,
        StoreError::Conflict { .. }
    );
    // A team that owns an outcome cannot retire: cases would route to nobody.
    let refused = store.retire_team(None, o.team_a, at(6_000)).await;
    match refused {
        Err(StoreError::Conflict { what }) => assert!(what.contains("order_arrives"), "{what}"),
        other => panic!("expected a conflict naming the outcome, got {other:?}"),
    }
    assert_err!(
        store.retire_team(None, TeamId::new(), at(6_000)).await,
        StoreError::NotFound { .. }
    );
}

pub async fn the_org_history_is_read_in_one_call<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let ceo = store
        .create_person(None, new_person("cleo@frontline.test", Role::Support, 2))
        .await
        .unwrap()
        .value;
    let leadership = store
        .create_team(None, Name::parse("Leadership").unwrap())
        .await
        .unwrap()
        .value;
    let now = time::now();
    store
        .add_membership(None, o.sue.id, leadership.id, now)
        .await
        .unwrap();
    store
        .add_support(None, ceo.id, leadership.id, now)
        .await
        .unwrap();
    store
        .add_support(None, o.sue.id, o.team_a, now)
        .await
        .unwrap();

    let history = store.org_history().await.unwrap();
    assert_eq!(history.teams.len(), 3);
    assert_eq!(history.memberships.len(), 4);
    assert_eq!(history.supports.len(), 2);
    // Staff only: Ann, Ben, Sue, Cleo; the customers are no part of the organisation.
    assert_eq!(history.roles.len(), 4);
    assert!(history.roles.iter().all(|r| r.role.is_staff()));
    let mut names: Vec<&str> = history.people.iter().map(|p| p.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["ann", "ben", "cleo", "sue"]);

    let org = history.as_of(time::now());
    assert_eq!(
        org.layers, 2,
        "Cleo -> Leadership (Sue) -> Order arrives right"
    );
    assert_eq!(org.team(leadership.id).unwrap().kind, TeamKind::Support);
    assert_eq!(org.headcount().total(), 4);
    assert_eq!(org.supporters_of(o.ann.id), [o.sue.id]);
    assert_eq!(org.supporters_of(o.sue.id), [ceo.id]);
}

pub async fn org_history_survives_export_and_import<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    store
        .update_person(
            None,
            o.ben.id,
            PersonUpdate {
                role: Some(Role::Support),
                title: Some(Some("Team lead".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let team = store
        .create_team(None, Name::parse("Pop-up shop").unwrap())
        .await
        .unwrap()
        .value;
    store
        .add_membership(None, o.ann.id, team.id, at(10))
        .await
        .unwrap();
    store.retire_team(None, team.id, at(20)).await.unwrap();

    let exported = store.export().await.unwrap();
    assert!(
        exported.windows(2).all(|w| w[0].rank() <= w[1].rank()),
        "export is in import order"
    );
    let periods = exported
        .iter()
        .filter(|r| matches!(r, Record::RolePeriod(_)))
        .count();
    assert_eq!(periods, 6, "five people, Ben twice");
    let target = second().await;
    target.import(exported.clone()).await.unwrap();
    assert_eq!(target.export().await.unwrap(), exported);
    assert_eq!(
        target.org_history().await.unwrap(),
        store.org_history().await.unwrap()
    );

    // An export from before role history (no periods) imports with one period per person.
    let old: Vec<Record> = exported
        .into_iter()
        .filter(|r| !matches!(r, Record::RolePeriod(_)))
        .collect();
    let third = second().await;
    third.import(old).await.unwrap();
    let ben = third.list_role_periods(o.ben.id).await.unwrap();
    assert_eq!(ben.len(), 1);
    assert_eq!(
        (ben[0].role, ben[0].from),
        (Role::Support, o.ben.created_at)
    );
}
