//! The `Store` contract, executable. Every backend runs every check here through
//! `conformance_tests!`, so SQLite and PostgreSQL are held to exactly the same behaviour,
//! error classification included.

use std::collections::HashSet;
use std::sync::Arc;

use frontline_core::{
    CaseNumber, CaseStatus, Channel, Email, EventKind, MessageBody, Name, OutcomeAchieved,
    OutcomeKey, Person, PersonId, Priority, Role, Subject, Tags, TeamId, Visibility, time,
};

use crate::*;

/// Generates one `#[tokio::test]` per check. `$factory` is an async fn returning
/// `Option<Arc<dyn Store>>` (a fresh, empty store; `None` skips, e.g. no PostgreSQL here).
#[macro_export]
macro_rules! conformance_tests {
    ($factory:path) => {
        $crate::conformance_tests!(@tests $factory;
            people_are_created_found_and_unique_by_email,
            memberships_overlap_and_keep_their_history,
            only_support_employees_support_teams,
            outcomes_are_owned_by_existing_teams,
            new_cases_go_to_the_least_loaded_member_and_queue_when_everyone_is_full,
            a_freed_slot_takes_the_most_urgent_queued_case,
            creating_with_the_same_idempotency_key_returns_the_first_case,
            the_lifecycle_is_enforced_and_every_transition_is_an_event,
            internal_notes_are_kept_apart_from_the_conversation,
            the_event_log_is_gap_free_and_filtered_by_audience,
            concurrent_writes_keep_the_log_gap_free,
            case_lists_page_stably_and_filter,
            tokens_and_sessions_resolve_to_their_person,
            assigning_checks_the_new_owner,
            people_list_pages_and_filters,
            export_then_import_reproduces_the_store,
            broadcasts_reach_every_subscriber_and_are_bounded,
            webhooks_are_created_listed_and_found,
            deliveries_advance_the_cursor_and_failures_are_recorded,
            disabling_a_webhook_appends_its_event,
            delivery_attempts_list_newest_first,
            one_node_at_a_time_holds_a_webhook_lease,
        );
    };
    (@tests $factory:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(store) = $factory().await else { return };
                $crate::testing::$name(store, || async { $factory().await.expect("second store") }).await;
            }
        )*
    };
}

/// A small organisation: two overlapping teams, an outcome owned by the first, two employees
/// with capacity 2, a support employee, two customers.
pub struct Org {
    pub team_a: TeamId,
    pub team_b: TeamId,
    pub outcome: frontline_core::Outcome,
    pub ann: Person,
    pub ben: Person,
    pub sue: Person,
    pub carol: Person,
    pub dave: Person,
}

pub fn new_person(email: &str, role: Role, capacity: u32) -> NewPerson {
    NewPerson {
        email: Email::parse(email).unwrap(),
        name: Name::parse(email.split('@').next().unwrap()).unwrap(),
        role,
        title: None,
        admin: false,
        capacity,
    }
}

pub fn new_case(customer: PersonId, outcome: frontline_core::OutcomeId, subject: &str) -> NewCase {
    NewCase {
        customer_id: customer,
        outcome_id: outcome,
        subject: Subject::parse(subject).unwrap(),
        body: MessageBody::parse("Please help.").unwrap(),
        channel: Channel::Web,
        priority: Priority::Normal,
        tags: Tags::default(),
        created_at: None,
        idempotency_key: None,
    }
}

pub fn new_message(
    case_id: frontline_core::CaseId,
    author: PersonId,
    vis: Visibility,
) -> NewMessage {
    NewMessage {
        case_id,
        author_id: author,
        body: MessageBody::parse("A reply.").unwrap(),
        visibility: vis,
        created_at: None,
        idempotency_key: None,
    }
}

pub async fn org(store: &dyn Store) -> Org {
    let team_a = store
        .create_team(None, Name::parse("Order arrives right").unwrap())
        .await
        .unwrap()
        .value
        .id;
    let team_b = store
        .create_team(None, Name::parse("Billing is clear").unwrap())
        .await
        .unwrap()
        .value
        .id;
    let person = |email: &'static str, role, cap| async move {
        store
            .create_person(None, new_person(email, role, cap))
            .await
            .unwrap()
            .value
    };
    let ann = person("ann@frontline.test", Role::Employee, 2).await;
    let ben = person("ben@frontline.test", Role::Employee, 2).await;
    let sue = person("sue@frontline.test", Role::Support, 5).await;
    let carol = person("carol@customer.test", Role::Customer, 0).await;
    let dave = person("dave@customer.test", Role::Customer, 0).await;
    let since = time::from_millis(0);
    for p in [&ann, &ben] {
        store
            .add_membership(None, p.id, team_a, since)
            .await
            .unwrap();
    }
    store
        .add_membership(None, ben.id, team_b, since)
        .await
        .unwrap();
    let outcome = store
        .create_outcome(
            None,
            NewOutcome {
                key: OutcomeKey::parse("order_arrives").unwrap(),
                name: Name::parse("My order arrives right").unwrap(),
                success_criteria: "The customer has the right items.".into(),
                target_minutes: 2 * 24 * 60,
                team_ids: vec![team_a],
            },
        )
        .await
        .unwrap()
        .value;
    Org {
        team_a,
        team_b,
        outcome,
        ann,
        ben,
        sue,
        carol,
        dave,
    }
}

macro_rules! assert_err {
    ($result:expr, $pattern:pat) => {
        match $result {
            Err(e) => assert!(matches!(e, $pattern), "unexpected error: {e:?}"),
            Ok(v) => panic!("expected an error, got {v:?}"),
        }
    };
}

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
        .set_password(None, ada.id, "$argon2id$fake".into())
        .await
        .unwrap();
    assert_eq!(
        store.password_hash(ada.id).await.unwrap().as_deref(),
        Some("$argon2id$fake")
    );
    assert_err!(
        store.set_password(None, PersonId::new(), "x".into()).await,
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

pub async fn new_cases_go_to_the_least_loaded_member_and_queue_when_everyone_is_full<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let mut owners = Vec::new();
    let mut numbers = Vec::new();
    for i in 0..5 {
        let created = store
            .create_case(
                Some(o.carol.id),
                new_case(o.carol.id, o.outcome.id, &format!("Case {i}")),
            )
            .await
            .unwrap();
        let case = created.value.case;
        assert_eq!(case.status, CaseStatus::New);
        assert_eq!(case.team_id, Some(o.team_a));
        assert_eq!(created.events[0].kind, EventKind::CaseCreated);
        owners.push(case.owner_id);
        numbers.push(case.number);
    }
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "case numbers increase: {numbers:?}"
    );
    assert!(numbers[0] >= CaseNumber(CaseNumber::FIRST));
    // Capacity 2 each: the first four alternate between ann and ben, the fifth waits.
    let assigned: Vec<_> = owners[..4].iter().map(|o| o.expect("assigned")).collect();
    assert_eq!(assigned.iter().filter(|p| **p == o.ann.id).count(), 2);
    assert_eq!(assigned.iter().filter(|p| **p == o.ben.id).count(), 2);
    assert_ne!(
        assigned[0], assigned[1],
        "the tie goes to whoever waited longest"
    );
    assert_eq!(
        owners[4], None,
        "nobody has room: the case waits in the queue"
    );
    assert_eq!(store.open_load(o.ann.id).await.unwrap(), 2);
    assert_eq!(store.open_load(o.ben.id).await.unwrap(), 2);
    let queue = store
        .list_cases(
            CaseFilter {
                team_id: Some(o.team_a),
                unassigned: true,
                ..Default::default()
            },
            PageRequest::first(50),
        )
        .await
        .unwrap();
    assert_eq!(queue.items.len(), 1);
    assert_err!(
        store
            .create_case(None, new_case(PersonId::new(), o.outcome.id, "x"))
            .await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .create_case(
                None,
                new_case(o.carol.id, frontline_core::OutcomeId::new(), "x")
            )
            .await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .create_case(None, new_case(o.ann.id, o.outcome.id, "x"))
            .await,
        StoreError::Invalid(_)
    );
}

pub async fn a_freed_slot_takes_the_most_urgent_queued_case<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let mut cases = Vec::new();
    for i in 0..4 {
        cases.push(
            store
                .create_case(
                    None,
                    new_case(o.carol.id, o.outcome.id, &format!("Case {i}")),
                )
                .await
                .unwrap()
                .value
                .case,
        );
    }
    let normal = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Queued normal"))
        .await
        .unwrap()
        .value
        .case;
    let urgent = store
        .create_case(
            None,
            NewCase {
                priority: Priority::Urgent,
                ..new_case(o.dave.id, o.outcome.id, "Queued urgent")
            },
        )
        .await
        .unwrap()
        .value
        .case;
    assert_eq!((normal.owner_id, urgent.owner_id), (None, None));

    let anns = cases.iter().find(|c| c.owner_id == Some(o.ann.id)).unwrap();
    let resolved = store
        .change_status(Some(o.ann.id), anns.id, CaseStatus::Resolved)
        .await
        .unwrap();
    let kinds: Vec<_> = resolved.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [EventKind::CaseStatusChanged, EventKind::CaseAssigned]
    );
    let urgent = store.get_case(urgent.id).await.unwrap();
    assert_eq!(
        urgent.owner_id,
        Some(o.ann.id),
        "the urgent case jumps the queue"
    );
    assert_eq!(store.get_case(normal.id).await.unwrap().owner_id, None);
    assert_eq!(
        store.open_load(o.ann.id).await.unwrap(),
        2,
        "the freed slot is filled at once"
    );

    // Taking someone off routing leaves their slot free for the queue only when they return.
    store
        .update_person(
            None,
            o.ben.id,
            PersonUpdate {
                available: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let bens = cases.iter().find(|c| c.owner_id == Some(o.ben.id)).unwrap();
    store
        .change_status(Some(o.ben.id), bens.id, CaseStatus::Resolved)
        .await
        .unwrap();
    assert_eq!(store.get_case(normal.id).await.unwrap().owner_id, None);
    assert_eq!(store.open_load(o.ben.id).await.unwrap(), 1);
}

pub async fn creating_with_the_same_idempotency_key_returns_the_first_case<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let keyed = || NewCase {
        idempotency_key: Some("retry-1".into()),
        ..new_case(o.carol.id, o.outcome.id, "Once")
    };
    let first = store.create_case(Some(o.carol.id), keyed()).await.unwrap();
    let seq = store.last_seq().await.unwrap();
    let again = store.create_case(Some(o.carol.id), keyed()).await.unwrap();
    assert_eq!(again.value, first.value);
    assert_eq!(
        again.events, first.events,
        "a retry reports the original events"
    );
    assert_eq!(
        store.last_seq().await.unwrap(),
        seq,
        "a retry writes nothing"
    );
    assert_eq!(
        store
            .open_load(first.value.case.owner_id.unwrap())
            .await
            .unwrap(),
        1
    );
    // The key belongs to its actor: another actor with the same key makes a new case.
    let other = store
        .create_case(
            Some(o.dave.id),
            NewCase {
                customer_id: o.dave.id,
                ..keyed()
            },
        )
        .await
        .unwrap();
    assert_ne!(other.value.case.id, first.value.case.id);

    let msg = || NewMessage {
        idempotency_key: Some("m-1".into()),
        ..new_message(first.value.case.id, o.carol.id, Visibility::Public)
    };
    let m1 = store.add_message(Some(o.carol.id), msg()).await.unwrap();
    let m2 = store.add_message(Some(o.carol.id), msg()).await.unwrap();
    assert_eq!(m1.value.message, m2.value.message);
    assert_eq!(
        store
            .list_messages(first.value.case.id, true)
            .await
            .unwrap()
            .len(),
        2
    );
}

pub async fn the_lifecycle_is_enforced_and_every_transition_is_an_event<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let case = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Lifecycle"))
        .await
        .unwrap()
        .value
        .case;
    let owner = case.owner_id.unwrap();
    assert_err!(
        store
            .change_status(Some(owner), case.id, CaseStatus::Closed)
            .await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .change_status(Some(owner), frontline_core::CaseId::new(), CaseStatus::Open)
            .await,
        StoreError::NotFound { .. }
    );

    let reply = store
        .add_message(Some(owner), new_message(case.id, owner, Visibility::Public))
        .await
        .unwrap();
    assert_eq!(reply.value.case.status, CaseStatus::Open);
    assert!(reply.value.case.first_response_at.is_some());
    store
        .change_status(Some(owner), case.id, CaseStatus::WaitingOnCustomer)
        .await
        .unwrap();
    let back = store
        .add_message(
            Some(o.carol.id),
            new_message(case.id, o.carol.id, Visibility::Public),
        )
        .await
        .unwrap();
    assert_eq!(back.value.case.status, CaseStatus::Open);
    let resolved = store
        .change_status(Some(owner), case.id, CaseStatus::Resolved)
        .await
        .unwrap()
        .value;
    assert!(resolved.resolved_at.is_some());
    assert_eq!(store.open_load(owner).await.unwrap(), 0);
    let reopened = store
        .add_message(
            Some(o.carol.id),
            new_message(case.id, o.carol.id, Visibility::Public),
        )
        .await
        .unwrap();
    assert_eq!(
        reopened.value.case.status,
        CaseStatus::Open,
        "a customer reply reopens"
    );
    assert_eq!(store.open_load(owner).await.unwrap(), 1);
    store
        .change_status(Some(owner), case.id, CaseStatus::Resolved)
        .await
        .unwrap();
    store
        .change_status(Some(owner), case.id, CaseStatus::Closed)
        .await
        .unwrap();
    assert_err!(
        store
            .add_message(
                Some(o.carol.id),
                new_message(case.id, o.carol.id, Visibility::Public)
            )
            .await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .set_outcome_achieved(Some(owner), case.id, OutcomeAchieved::Yes)
            .await,
        StoreError::Conflict { .. }
    );

    let transitions: Vec<(String, String)> = store
        .events_after(
            0,
            1000,
            EventFilter {
                case_id: Some(case.id),
                kinds: vec![EventKind::CaseStatusChanged],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.payload["from"].as_str().unwrap().to_owned(),
                e.payload["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("new", "open"),
        ("open", "waiting_on_customer"),
        ("waiting_on_customer", "open"),
        ("open", "resolved"),
        ("resolved", "open"),
        ("open", "resolved"),
        ("resolved", "closed"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(transitions, expected);

    let other = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Tags"))
        .await
        .unwrap()
        .value
        .case;
    let tagged = store
        .set_tags(
            Some(owner),
            other.id,
            Tags::parse_all(["vip", "late"]).unwrap(),
        )
        .await
        .unwrap()
        .value;
    assert_eq!(store.get_case(other.id).await.unwrap().tags, tagged.tags);
    let achieved = store
        .set_outcome_achieved(Some(owner), other.id, OutcomeAchieved::Yes)
        .await
        .unwrap()
        .value;
    assert_eq!(
        store.get_case(other.id).await.unwrap().outcome_achieved,
        achieved.outcome_achieved
    );
    assert_eq!(
        store.get_case_by_number(other.number).await.unwrap(),
        achieved
    );
    assert_err!(
        store.get_case_by_number(CaseNumber(1)).await,
        StoreError::NotFound { .. }
    );
}

pub async fn internal_notes_are_kept_apart_from_the_conversation<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let case = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Notes"))
        .await
        .unwrap()
        .value
        .case;
    let note = store
        .add_message(
            Some(o.ann.id),
            new_message(case.id, o.ann.id, Visibility::Internal),
        )
        .await
        .unwrap();
    assert_eq!(
        note.value.case.status,
        CaseStatus::New,
        "a note is not a response"
    );
    assert_eq!(store.list_messages(case.id, false).await.unwrap().len(), 1);
    let all = store.list_messages(case.id, true).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].visibility, Visibility::Internal);
    assert!(all[0].created_at <= all[1].created_at);
    assert_err!(
        store
            .add_message(
                None,
                new_message(frontline_core::CaseId::new(), o.ann.id, Visibility::Public)
            )
            .await,
        StoreError::NotFound { .. }
    );
    let carols = store
        .events_after(
            0,
            100,
            EventFilter {
                visible_to_customer: Some(o.carol.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        carols.iter().all(|e| e.seq != note.events[0].seq),
        "the customer never sees the note's event"
    );
}

pub async fn the_event_log_is_gap_free_and_filtered_by_audience<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    assert_eq!(store.last_seq().await.unwrap(), 0);
    let mut doorbell = store.subscribe();
    let o = org(&*store).await;
    let carols = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Carol's"))
        .await
        .unwrap();
    let daves = store
        .create_case(None, new_case(o.dave.id, o.outcome.id, "Dave's"))
        .await
        .unwrap();
    let all = store
        .events_after(0, 10_000, EventFilter::default())
        .await
        .unwrap();
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=all.len() as i64).collect::<Vec<_>>(),
        "gap-free from 1"
    );
    assert_eq!(store.last_seq().await.unwrap(), all.len() as i64);
    assert!(all.windows(2).all(|w| w[0].at <= w[1].at));
    doorbell.changed().await.unwrap();
    assert_eq!(*doorbell.borrow_and_update(), all.len() as i64);

    let tail = store
        .events_after(all.len() as i64 - 2, 10, EventFilter::default())
        .await
        .unwrap();
    assert_eq!(tail.len(), 2);
    assert_eq!(
        store
            .events_after(0, 3, EventFilter::default())
            .await
            .unwrap()
            .len(),
        3
    );
    let for_carol = store
        .events_after(
            0,
            1000,
            EventFilter {
                visible_to_customer: Some(o.carol.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(for_carol.len(), 1);
    assert_eq!(for_carol[0].case_id, Some(carols.value.case.id));
    assert_eq!(for_carol[0], carols.events[0]);
    let by_case = store
        .events_after(
            0,
            1000,
            EventFilter {
                case_id: Some(daves.value.case.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(by_case, daves.events);
    let teams = store
        .events_after(
            0,
            1000,
            EventFilter {
                kinds: vec![EventKind::TeamCreated],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(teams.len(), 2);
}

pub async fn concurrent_writes_keep_the_log_gap_free<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let before = store.last_seq().await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..64 {
        let store = store.clone();
        let (customer, outcome) = (o.carol.id, o.outcome.id);
        tasks.push(tokio::spawn(async move {
            store
                .create_case(None, new_case(customer, outcome, &format!("Parallel {i}")))
                .await
                .unwrap()
        }));
    }
    let mut seen = HashSet::new();
    for t in tasks {
        for e in t.await.unwrap().events {
            assert!(seen.insert(e.seq), "sequence {} handed out twice", e.seq);
        }
    }
    let after = store
        .events_after(before, 10_000, EventFilter::default())
        .await
        .unwrap();
    let seqs: Vec<i64> = after.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        ((before + 1)..=(before + after.len() as i64)).collect::<Vec<_>>()
    );
    assert_eq!(seen.len(), after.len());
    // Loads equal a recount: 4 slots, 64 cases.
    assert_eq!(
        store.open_load(o.ann.id).await.unwrap() + store.open_load(o.ben.id).await.unwrap(),
        4
    );
}

pub async fn case_lists_page_stably_and_filter<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let mut created = Vec::new();
    for i in 0..23 {
        let customer = if i % 3 == 0 { o.dave.id } else { o.carol.id };
        created.push(
            store
                .create_case(
                    None,
                    new_case(customer, o.outcome.id, &format!("Refund number {i}")),
                )
                .await
                .unwrap()
                .value
                .case,
        );
    }
    let mut seen = Vec::new();
    let mut page = PageRequest::first(5);
    loop {
        let got = store
            .list_cases(CaseFilter::default(), page.clone())
            .await
            .unwrap();
        assert!(got.items.len() <= 5);
        seen.extend(got.items.iter().map(|c| c.number));
        if !got.has_more {
            break;
        }
        page.after = got.items.last().map(|c| c.number);
    }
    let mut expected: Vec<_> = created.iter().map(|c| c.number).collect();
    expected.reverse();
    assert_eq!(seen, expected, "newest first, each case exactly once");

    let daves = store
        .list_cases(
            CaseFilter {
                customer_id: Some(o.dave.id),
                ..Default::default()
            },
            PageRequest::first(100),
        )
        .await
        .unwrap();
    assert_eq!(daves.items.len(), 8);
    let anns = store
        .list_cases(
            CaseFilter {
                owner_id: Some(o.ann.id),
                ..Default::default()
            },
            PageRequest::first(100),
        )
        .await
        .unwrap();
    assert_eq!(anns.items.len(), 2);
    let new = store
        .list_cases(
            CaseFilter {
                statuses: vec![CaseStatus::New],
                outcome_id: Some(o.outcome.id),
                ..Default::default()
            },
            PageRequest::first(100),
        )
        .await
        .unwrap();
    assert_eq!(new.items.len(), 23);
    let none = store
        .list_cases(
            CaseFilter {
                statuses: vec![CaseStatus::Closed],
                ..Default::default()
            },
            PageRequest::first(100),
        )
        .await
        .unwrap();
    assert!(none.items.is_empty() && !none.has_more);

    let by_number = store
        .list_cases(
            CaseFilter {
                text: Some(created[4].number.to_string()),
                ..Default::default()
            },
            PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(
        by_number.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![created[4].id]
    );
    let by_subject = store
        .list_cases(
            CaseFilter {
                text: Some("number 1".into()),
                ..Default::default()
            },
            PageRequest::first(100),
        )
        .await
        .unwrap();
    assert_eq!(
        by_subject.items.len(),
        11,
        "'number 1' matches 1 and 10..=19"
    );
    let by_email = store
        .list_cases(
            CaseFilter {
                text: Some("DAVE@customer".into()),
                ..Default::default()
            },
            PageRequest::first(100),
        )
        .await
        .unwrap();
    assert_eq!(by_email.items.len(), 8);
}

pub async fn tokens_and_sessions_resolve_to_their_person<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    store
        .create_token(Some(o.sue.id), o.ann.id, "hash-1".into(), "cli".into())
        .await
        .unwrap();
    assert_eq!(store.person_for_token("hash-1").await.unwrap().id, o.ann.id);
    assert_err!(
        store.person_for_token("hash-2").await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .create_token(None, o.ann.id, "hash-1".into(), "dup".into())
            .await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .create_token(None, PersonId::new(), "hash-3".into(), "x".into())
            .await,
        StoreError::NotFound { .. }
    );

    let now = time::now();
    let expires_at = time::from_millis(now.as_millisecond() + 3_600_000);
    let session = NewSession {
        session_hash: "s-1".into(),
        person_id: o.carol.id,
        csrf_token: "c".into(),
        expires_at,
    };
    store.create_session(session).await.unwrap();
    let got = store.get_session("s-1", now).await.unwrap();
    assert_eq!(
        (got.person_id, got.csrf_token.as_str(), got.expires_at),
        (o.carol.id, "c", expires_at)
    );
    assert_err!(
        store.get_session("s-1", expires_at).await,
        StoreError::NotFound { .. }
    );
    store.delete_session("s-1").await.unwrap();
    assert_err!(
        store.get_session("s-1", now).await,
        StoreError::NotFound { .. }
    );
}

pub async fn assigning_checks_the_new_owner<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let case = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Assign me"))
        .await
        .unwrap()
        .value
        .case;
    let first = case.owner_id.unwrap();
    assert_err!(
        store
            .assign_case(Some(o.sue.id), case.id, Some(o.dave.id))
            .await,
        StoreError::Invalid(_)
    );
    assert_err!(
        store
            .assign_case(Some(o.sue.id), case.id, Some(PersonId::new()))
            .await,
        StoreError::NotFound { .. }
    );
    let taken = store
        .assign_case(Some(o.sue.id), case.id, Some(o.sue.id))
        .await
        .unwrap();
    assert_eq!(taken.value.owner_id, Some(o.sue.id));
    assert_eq!(taken.events[0].kind, EventKind::CaseAssigned);
    assert_eq!(store.open_load(first).await.unwrap(), 0);
    assert_eq!(store.open_load(o.sue.id).await.unwrap(), 1);
    // Handing a case back re-routes it at once among the team's members with room, never back
    // to whoever released it; with nobody free it waits in the queue.
    let released = store
        .assign_case(Some(o.sue.id), case.id, None)
        .await
        .unwrap();
    let rerouted = released.value;
    assert!(rerouted.owner_id == Some(o.ann.id) || rerouted.owner_id == Some(o.ben.id));
    assert_eq!(rerouted.team_id, Some(o.team_a));
    assert_eq!(
        released
            .events
            .iter()
            .filter(|e| e.kind == EventKind::CaseAssigned)
            .count(),
        2
    );
    assert_eq!(store.get_case(case.id).await.unwrap(), rerouted);
    assert_eq!(store.open_load(o.sue.id).await.unwrap(), 0);
    let holder = rerouted.owner_id.unwrap();
    store
        .update_person(
            None,
            o.ann.id,
            PersonUpdate {
                available: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .update_person(
            None,
            o.ben.id,
            PersonUpdate {
                available: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let queued = store
        .assign_case(Some(holder), case.id, None)
        .await
        .unwrap()
        .value;
    assert_eq!((queued.owner_id, queued.team_id), (None, Some(o.team_a)));
    assert_eq!(store.open_load(holder).await.unwrap(), 0);
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

pub async fn export_then_import_reproduces_the_store<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    store
        .set_password(None, o.ann.id, "$argon2id$x".into())
        .await
        .unwrap();
    store
        .create_token(None, o.ann.id, "h".into(), "cli".into())
        .await
        .unwrap();
    store
        .add_support(None, o.sue.id, o.team_a, time::from_millis(3))
        .await
        .unwrap();
    for i in 0..6 {
        let case = store
            .create_case(
                None,
                new_case(o.carol.id, o.outcome.id, &format!("Export {i}")),
            )
            .await
            .unwrap()
            .value
            .case;
        if let Some(owner) = case.owner_id {
            store
                .add_message(
                    Some(owner),
                    new_message(case.id, owner, Visibility::Internal),
                )
                .await
                .unwrap();
            store
                .change_status(Some(owner), case.id, CaseStatus::Resolved)
                .await
                .unwrap();
        }
    }
    let exported = store.export().await.unwrap();
    assert!(
        exported.windows(2).all(|w| w[0].rank() <= w[1].rank()),
        "export is in import order"
    );
    let target = second().await;
    target.import(exported.clone()).await.unwrap();
    assert_eq!(target.export().await.unwrap(), exported);
    assert_eq!(
        target.last_seq().await.unwrap(),
        store.last_seq().await.unwrap()
    );
    for p in [o.ann.id, o.ben.id] {
        assert_eq!(
            target.open_load(p).await.unwrap(),
            store.open_load(p).await.unwrap()
        );
    }
    assert_eq!(target.person_for_token("h").await.unwrap().id, o.ann.id);
    assert_err!(target.import(exported).await, StoreError::Conflict { .. });
    // The imported store goes on working: numbers and sequences continue.
    let next = target
        .create_case(None, new_case(o.carol.id, o.outcome.id, "After import"))
        .await
        .unwrap();
    assert_eq!(next.events[0].seq, store.last_seq().await.unwrap() + 1);
}

pub async fn broadcasts_reach_every_subscriber_and_are_bounded<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let mut first = store.broadcasts();
    let mut second = store.broadcasts();
    store.broadcast("hello".into()).await.unwrap();
    for rx in [&mut first, &mut second] {
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv()).await;
        assert_eq!(got.expect("delivered within 5 s").unwrap(), "hello");
    }
    assert_err!(
        store.broadcast("x".repeat(MAX_BROADCAST_BYTES + 1)).await,
        StoreError::Invalid(_)
    );
    assert_eq!(
        store.last_seq().await.unwrap(),
        0,
        "broadcasts are not events"
    );
}

mod webhooks;
pub use webhooks::*;
