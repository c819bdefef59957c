//! Conformance checks for the organisation: people, credentials, teams, memberships, support
//! links and outcomes.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use frontline_core::{EventKind, Name, OutcomeKey, PersonId, Role, TeamId, time};

use super::{new_person, org};
use crate::*;

pub async fn people_are_created_found_and_unique_by_email<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let written = store
        .create_person(None, new_person("Ada@Example.com", Role::Employee, 3))
        .await
        .unwrap();
    let ada = written.value;
    assert_eq!(ada.email.as_str(), "ada@example.com");
    assert_eq!(written.events.len(), 1);
    assert_eq!(written.events[0].kind, EventKind::PersonCreated);
    assert_eq!(store.get_person(ada.id).await.unwrap(), ada);
    assert_eq!(store.get_person_by_email(&ada.email).await.unwrap(), ada);
    assert_err!(
        store
            .create_person(None, new_person("ada@example.com", Role::Customer, 0))
            .await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store.get_person(PersonId::new()).await,
        StoreError::NotFound { .. }
    );
    let grace = store
        .create_person(None, new_person("grace@example.com", Role::Customer, 0))
        .await
        .unwrap()
        .value;
    let mut found = store
        .get_people(vec![grace.id, PersonId::new(), ada.id, grace.id])
        .await
        .unwrap();
    found.sort_by_key(|p| p.email.as_str().to_owned());
    assert_eq!(found, vec![ada.clone(), grace], "the known ones, each once");
    assert!(store.get_people(Vec::new()).await.unwrap().is_empty());
    assert_err!(
        store
            .get_person_by_email(&Email::parse("x@y.z").unwrap())
            .await,
        StoreError::NotFound { .. }
    );

    let update = PersonUpdate {
        capacity: Some(9),
        title: Some(Some("Lead".into())),
        available: Some(false),
        ..Default::default()
    };
    let updated = store
        .update_person(None, ada.id, update)
        .await
        .unwrap()
        .value;
    assert_eq!(
        (
            updated.capacity,
            updated.title.as_deref(),
            updated.available
        ),
        (9, Some("Lead"), false)
    );
    assert_eq!(store.get_person(ada.id).await.unwrap(), updated);
    assert_err!(
        store
            .update_person(None, PersonId::new(), PersonUpdate::default())
            .await,
        StoreError::NotFound { .. }
    );

    assert_eq!(store.password_hash(ada.id).await.unwrap(), None);
    store
        .set_password(None, ada.id, "$argon2id$fake".into(), None)
        .await
        .unwrap();
    assert_eq!(
        store.password_hash(ada.id).await.unwrap().as_deref(),
        Some("$argon2id$fake")
    );
    assert_err!(
        store
            .set_password(None, PersonId::new(), "x".into(), None)
            .await,
        StoreError::NotFound { .. }
    );
}

pub async fn memberships_overlap_and_keep_their_history<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let ben_teams = store.list_memberships(None, Some(o.ben.id)).await.unwrap();
    assert_eq!(ben_teams.len(), 2, "ben is in two teams at once");
    assert_err!(
        store
            .add_membership(None, o.ben.id, o.team_b, time::now())
            .await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .add_membership(None, PersonId::new(), o.team_b, time::now())
            .await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .add_membership(None, o.ben.id, TeamId::new(), time::now())
            .await,
        StoreError::NotFound { .. }
    );

    let left_at = time::from_millis(5_000);
    let ended = store
        .end_membership(None, o.ben.id, o.team_b, left_at)
        .await
        .unwrap();
    assert_eq!(ended.value.to, Some(left_at));
    assert_eq!(ended.events[0].kind, EventKind::MembershipEnded);
    assert_err!(
        store
            .end_membership(None, o.ben.id, o.team_b, left_at)
            .await,
        StoreError::NotFound { .. }
    );

    let history = store.list_memberships(Some(o.team_b), None).await.unwrap();
    assert_eq!(history.len(), 1, "an ended membership is kept");
    assert_eq!(history[0].to, Some(left_at));
    // Rejoining starts a new period; the old one stays.
    store
        .add_membership(None, o.ben.id, o.team_b, time::from_millis(9_000))
        .await
        .unwrap();
    assert_eq!(
        store
            .list_memberships(Some(o.team_b), None)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(store.list_teams().await.unwrap().len(), 2);
    assert_err!(
        store
            .create_team(None, Name::parse("Billing is clear").unwrap())
            .await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store.get_team(TeamId::new()).await,
        StoreError::NotFound { .. }
    );
}

pub async fn only_support_employees_support_teams<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    assert_err!(
        store
            .add_support(None, o.ann.id, o.team_a, time::now())
            .await,
        StoreError::Invalid(_)
    );
    let link = store
        .add_support(None, o.sue.id, o.team_a, time::from_millis(1))
        .await
        .unwrap()
        .value;
    assert_eq!(link.to, None);
    assert_err!(
        store
            .add_support(None, o.sue.id, o.team_a, time::now())
            .await,
        StoreError::Conflict { .. }
    );
    store
        .add_support(None, o.sue.id, o.team_b, time::from_millis(1))
        .await
        .unwrap();
    assert_eq!(
        store.list_supports(Some(o.team_a)).await.unwrap(),
        vec![link]
    );
    store
        .end_support(None, o.sue.id, o.team_a, time::from_millis(2))
        .await
        .unwrap();
    assert_eq!(store.list_supports(None).await.unwrap().len(), 2);
    assert_err!(
        store
            .end_support(None, o.sue.id, o.team_a, time::now())
            .await,
        StoreError::NotFound { .. }
    );
}

pub async fn outcomes_are_owned_by_existing_teams<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    assert_eq!(store.get_outcome(o.outcome.id).await.unwrap(), o.outcome);
    assert_eq!(
        store.get_outcome_by_key(&o.outcome.key).await.unwrap(),
        o.outcome
    );
    let both = NewOutcome {
        key: OutcomeKey::parse("billing_clear").unwrap(),
        name: Name::parse("My bill is clear").unwrap(),
        success_criteria: String::new(),
        target_minutes: 60,
        team_ids: vec![o.team_b, o.team_a],
    };
    let created = store
        .create_outcome(None, both.clone())
        .await
        .unwrap()
        .value;
    assert_eq!(
        created.team_ids,
        vec![o.team_b, o.team_a],
        "owning teams keep their order"
    );
    assert_err!(
        store.create_outcome(None, both.clone()).await,
        StoreError::Conflict { .. }
    );
    let orphan = NewOutcome {
        key: OutcomeKey::parse("x").unwrap(),
        team_ids: vec![TeamId::new()],
        ..both
    };
    assert_err!(
        store.create_outcome(None, orphan).await,
        StoreError::NotFound { .. }
    );
    assert_eq!(store.list_outcomes().await.unwrap().len(), 2);
    assert_err!(
        store
            .get_outcome_by_key(&OutcomeKey::parse("nope").unwrap())
            .await,
        StoreError::NotFound { .. }
    );
}

pub async fn people_list_pages_and_filters<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let mut all = Vec::new();
    let mut page = PageRequest::first(2);
    loop {
        let got = store
            .list_people(PeopleFilter::default(), page.clone())
            .await
            .unwrap();
        all.extend(got.items.iter().map(|p| p.id));
        if !got.has_more {
            break;
        }
        page.after = got.items.last().map(|p| p.id);
    }
    assert_eq!(all.len(), 5);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 5);
    let customers = store
        .list_people(
            PeopleFilter {
                role: Some(Role::Customer),
                ..Default::default()
            },
            PageRequest::first(50),
        )
        .await
        .unwrap();
    assert_eq!(customers.items.len(), 2);
    let found = store
        .list_people(
            PeopleFilter {
                text: Some("SUE@".into()),
                ..Default::default()
            },
            PageRequest::first(50),
        )
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![o.sue.id]
    );
}
