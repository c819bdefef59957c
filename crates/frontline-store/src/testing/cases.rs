//! Conformance checks for cases: routing and the queue, idempotency, the lifecycle, the
//! conversation, lists and assignment.

use std::future::Future;
use std::sync::Arc;

use frontline_core::{
    CaseNumber, CaseStatus, EventKind, OutcomeAchieved, PersonId, Priority, Tags, Visibility,
};

use super::{new_case, new_message, org, words};
use crate::*;

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
    assert!(
        !first.replayed && again.replayed,
        "the write says it was replayed"
    );
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
    assert!(!other.replayed);

    let msg = || NewMessage {
        idempotency_key: Some("m-1".into()),
        ..new_message(first.value.case.id, o.carol.id, Visibility::Public)
    };
    let m1 = store.add_message(Some(o.carol.id), msg()).await.unwrap();
    let m2 = store.add_message(Some(o.carol.id), msg()).await.unwrap();
    assert_eq!(m1.value.message, m2.value.message);
    assert!(!m1.replayed && m2.replayed);
    assert_eq!(
        store
            .list_messages(first.value.case.id, true)
            .await
            .unwrap()
            .len(),
        2
    );
}

pub async fn identical_keyed_creates_at_once_make_one_case_and_the_rest_are_replays<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    // A client retrying on a timeout while the first try is still running: on PostgreSQL the
    // losers of the race on the key's record retry and are answered from the winner's.
    let attempts: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            let new = NewCase {
                idempotency_key: Some("double-click".into()),
                ..new_case(o.carol.id, o.outcome.id, "Raced")
            };
            let carol = o.carol.id;
            tokio::spawn(async move { store.create_case(Some(carol), new).await })
        })
        .collect();
    let mut cases = Vec::new();
    let mut fresh = 0;
    for attempt in attempts {
        let written = attempt.await.unwrap().expect("every try gets the one case");
        fresh += usize::from(!written.replayed);
        cases.push(written.value.case.id);
    }
    assert_eq!(fresh, 1, "exactly one try wrote");
    cases.dedup();
    assert_eq!(cases.len(), 1, "one case");
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

    let transitions: Vec<(CaseStatus, CaseStatus)> = store
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
            let changed = decoded!(e, CaseStatusChanged);
            (changed.from, changed.to)
        })
        .collect();
    use CaseStatus::{Closed, New, Open, Resolved, WaitingOnCustomer};
    let expected = [
        (New, Open),
        (Open, WaitingOnCustomer),
        (WaitingOnCustomer, Open),
        (Open, Resolved),
        (Resolved, Open),
        (Open, Resolved),
        (Resolved, Closed),
    ];
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
                text: Some(words(&created[4].number.to_string())),
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
                text: Some(words("\"number 1*\"")),
                ..Default::default()
            },
            PageRequest::first(100),
        )
        .await
        .unwrap();
    assert_eq!(
        by_subject.items.len(),
        11,
        "the phrase 'number 1*' matches 1 and 10..=19"
    );
    let by_email = store
        .list_cases(
            CaseFilter {
                text: Some(words("DAVE@customer")),
                ..Default::default()
            },
            PageRequest::first(100),
        )
        .await
        .unwrap();
    assert_eq!(by_email.items.len(), 8);
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

/// A customer's open cases are counted by status: new, open and waiting count; resolved and
/// closed do not; other customers' cases never do.
pub async fn a_customers_open_cases_are_counted<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    assert_eq!(store.count_open_cases(o.carol.id).await.unwrap(), 0);
    let mut ids = Vec::new();
    for subject in ["One", "Two", "Three"] {
        let case = store
            .create_case(None, new_case(o.carol.id, o.outcome.id, subject))
            .await
            .unwrap()
            .value
            .case;
        ids.push(case.id);
    }
    store
        .create_case(None, new_case(o.dave.id, o.outcome.id, "Not Carol's"))
        .await
        .unwrap();
    assert_eq!(store.count_open_cases(o.carol.id).await.unwrap(), 3);
    store
        .change_status(Some(o.ann.id), ids[0], CaseStatus::WaitingOnCustomer)
        .await
        .unwrap();
    store
        .change_status(Some(o.ann.id), ids[1], CaseStatus::Resolved)
        .await
        .unwrap();
    assert_eq!(store.count_open_cases(o.carol.id).await.unwrap(), 2);
    assert_eq!(store.count_open_cases(o.dave.id).await.unwrap(), 1);
    assert_eq!(
        store
            .count_open_cases(frontline_core::PersonId::new())
            .await
            .unwrap(),
        0
    );
}
