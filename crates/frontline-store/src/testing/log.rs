//! Conformance checks for the event log (gap-free under concurrency, filtered by audience),
//! export and import, and ephemeral broadcasts.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use frontline_core::{CaseStatus, Event, EventKind, NewEvent, Payload, Visibility, time};

use super::{
    asks_story, feelings_story, guidelines_story, new_case, new_message, next_rule_version, org,
    standard_work_story, voice_story,
};
use crate::*;

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

pub async fn export_then_import_reproduces_the_store<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    store
        .set_password(None, o.ann.id, "$argon2id$x".into(), None)
        .await
        .unwrap();
    let expiring = NewToken {
        person_id: o.ann.id,
        token_hash: "h".into(),
        label: "cli".into(),
        expires_at: Some(time::from_millis(time::now().as_millisecond() + 86_400_000)),
    };
    store.create_token(None, expiring).await.unwrap();
    store.person_for_token("h", time::now()).await.unwrap();
    let rating_key = store.signing_key("rating-link", vec![7; 32]).await.unwrap();
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
    guidelines_story(&*store, &o).await;
    asks_story(&*store, &o).await;
    standard_work_story(&*store, &o).await;
    feelings_story(&*store, &o).await;
    super::proposals_story(&*store, &o).await;
    voice_story(&*store, &o).await;
    let exported = store.export().await.unwrap();
    assert!(
        exported.windows(2).all(|w| w[0].rank() <= w[1].rank()),
        "export is in import order"
    );
    for (rank, what) in [
        (8, "customer profiles"),
        (9, "decision kinds"),
        (10, "rule versions"),
        (11, "decisions"),
        (12, "asks"),
        (13, "ask messages"),
        (14, "standard work items"),
        (15, "standard work ticks"),
        (17, "proposals"),
        (18, "proposal votes"),
        (19, "proposal comments"),
    ] {
        assert!(
            exported.iter().any(|r| r.rank() == rank),
            "the export holds {what}"
        );
    }
    // Every event the stories wrote reads as its kind's payload, and writing that payload
    // again gives the stored JSON exactly.
    for record in &exported {
        if let Record::Event(event) = record {
            let payload = event
                .decoded()
                .unwrap_or_else(|e| panic!("seq {}: {e}", event.seq));
            assert_eq!(payload.to_json(), event.payload, "seq {}", event.seq);
        }
    }
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
    assert_eq!(
        target.person_for_token("h", time::now()).await.unwrap().id,
        o.ann.id
    );
    let tokens = store.list_tokens(o.ann.id).await.unwrap();
    assert!(tokens[0].expires_at.is_some() && tokens[0].last_used_at.is_some());
    assert_eq!(target.list_tokens(o.ann.id).await.unwrap(), tokens);
    // Rating links signed before the export still verify after the import.
    assert_eq!(
        target
            .signing_key("rating-link", vec![9; 32])
            .await
            .unwrap(),
        rating_key
    );
    assert_eq!(
        target.get_customer_profile(o.carol.id).await.unwrap(),
        store.get_customer_profile(o.carol.id).await.unwrap()
    );
    assert_eq!(
        target.list_decision_kinds().await.unwrap(),
        store.list_decision_kinds().await.unwrap()
    );
    let rules = store.list_rules(RuleFilter::default()).await.unwrap();
    assert_eq!(
        target.list_rules(RuleFilter::default()).await.unwrap(),
        rules
    );
    let decisions = store
        .list_decisions(DecisionFilter::default(), 100)
        .await
        .unwrap();
    assert!(decisions.iter().any(|d| d.review.is_some()));
    assert_eq!(
        target
            .list_decisions(DecisionFilter::default(), 100)
            .await
            .unwrap(),
        decisions
    );
    assert_eq!(
        target
            .list_standard_work_items(Some(o.sue.id), true)
            .await
            .unwrap(),
        store
            .list_standard_work_items(Some(o.sue.id), true)
            .await
            .unwrap()
    );
    assert_err!(target.import(exported).await, StoreError::Conflict { .. });
    // The imported store goes on working: numbers and sequences continue.
    let next = target
        .create_case(None, new_case(o.carol.id, o.outcome.id, "After import"))
        .await
        .unwrap();
    assert_eq!(next.events[0].seq, store.last_seq().await.unwrap() + 1);
    let versions = rules
        .iter()
        .filter(|r| r.rule_id == rules[0].rule_id)
        .count();
    let drafted = target
        .create_rule_version(None, next_rule_version(&rules[0], "After import"))
        .await
        .unwrap()
        .value;
    assert_eq!(drafted.version as usize, versions + 1, "versions continue");
}

/// Every kind of payload survives this backend's log: written (by import, the one way to
/// append an arbitrary event), read back by `events_after` and by `export`, it is the JSON
/// that was written and decodes to the payload that was written.
pub async fn every_event_kind_round_trips_through_the_log<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let at = time::from_millis(1_775_000_000_000);
    let examples = Payload::examples();
    let records = examples
        .iter()
        .zip(1..)
        .map(|(payload, seq)| {
            Record::Event(Event::from_new(
                seq,
                at,
                NewEvent::new(None, payload.clone()),
            ))
        })
        .collect();
    store.import(records).await.unwrap();
    let read = store
        .events_after(0, 1000, EventFilter::default())
        .await
        .unwrap();
    assert_eq!(read.len(), examples.len());
    for (event, payload) in read.iter().zip(&examples) {
        assert_eq!(event.kind, payload.kind());
        assert_eq!(
            event.payload,
            payload.to_json(),
            "{} reads back as written",
            event.kind
        );
        assert_eq!(&event.decoded().unwrap(), payload, "{}", event.kind);
    }
    let exported: Vec<Event> = store
        .export()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|record| match record {
            Record::Event(event) => Some(event),
            _ => None,
        })
        .collect();
    assert_eq!(exported, read);
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
