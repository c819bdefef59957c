//! Conformance checks for recorded decisions: what recording fills in and appends, reviews
//! (only of explained decisions, only once), and the newest-first list with its filters and
//! cursor.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use frontline_core::guideline::Verdict;
use frontline_core::{Audience, CaseId, DecisionId, EventKind, time};
use serde_json::Map;

use super::guidelines::assert_event;
use super::{decision_kind, kind_key, new_case, new_decision, org};
use crate::*;

fn newest_first(mut decisions: Vec<Decision>) -> Vec<Decision> {
    decisions.sort_by_key(|d| std::cmp::Reverse((d.decided_at, d.id)));
    decisions
}

/// A bit of everything the guidelines engine keeps, for export tests: a profile, two kinds,
/// rules published, retired and drafted, decisions of every verdict, one of them reviewed.
pub async fn decisions_are_recorded_on_cases_for_staff_eyes_only<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    for key in ["refund", "goodwill_credit"] {
        store
            .save_decision_kind(None, decision_kind(key, "EUR"))
            .await
            .unwrap();
    }
    let carols = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Broken vase"))
        .await
        .unwrap()
        .value
        .case;
    let new = new_decision(carols.id, "refund", o.ann.id, Verdict::Explain);
    let written = store.record_decision(new.clone()).await.unwrap();
    let decision = written.value;
    assert_eq!(decision.case_id, carols.id);
    assert_eq!(
        decision.customer_id, o.carol.id,
        "the customer is the case's"
    );
    assert_eq!(decision.kind, new.kind);
    assert_eq!(decision.actor_id, o.ann.id);
    assert_eq!(decision.facts, new.facts, "facts round-trip exactly");
    assert_eq!(decision.verdict, Verdict::Explain);
    assert_eq!(decision.explanation, new.explanation);
    assert_eq!(
        decision.findings, new.findings,
        "findings round-trip exactly"
    );
    assert_eq!(decision.review, None);
    assert_eq!(written.events.len(), 1);
    let event = &written.events[0];
    assert_eq!(event.kind, EventKind::DecisionRecorded);
    assert_eq!(event.case_id, Some(carols.id));
    assert_eq!(event.audience, Audience::Staff);
    assert_event(event, decision.recorded_event());
    assert_eq!(store.get_decision(decision.id).await.unwrap(), decision);

    let for_carol = store
        .events_after(
            0,
            10_000,
            EventFilter {
                visible_to_customer: Some(o.carol.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        for_carol
            .iter()
            .all(|e| e.kind != EventKind::DecisionRecorded),
        "decisions are staff business"
    );
    let on_case = store
        .events_after(
            0,
            10_000,
            EventFilter {
                case_id: Some(carols.id),
                kinds: vec![EventKind::DecisionRecorded],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(on_case, written.events);

    // A bare decision (no facts, findings or explanation) on another customer's case.
    let daves = store
        .create_case(None, new_case(o.dave.id, o.outcome.id, "Late parcel"))
        .await
        .unwrap()
        .value
        .case;
    let bare = NewDecision {
        facts: Map::new(),
        findings: Vec::new(),
        ..new_decision(daves.id, "goodwill_credit", o.ben.id, Verdict::Within)
    };
    let within = store.record_decision(bare).await.unwrap().value;
    assert_eq!(within.customer_id, o.dave.id);
    assert_eq!(within.explanation, None);
    assert!(within.facts.is_empty() && within.findings.is_empty());
    assert_ne!(within.id, decision.id);
    assert_eq!(store.get_decision(within.id).await.unwrap(), within);

    let before = store.last_seq().await.unwrap();
    assert_err!(
        store
            .record_decision(new_decision(
                CaseId::new(),
                "refund",
                o.ann.id,
                Verdict::Within
            ))
            .await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .record_decision(new_decision(
                carols.id,
                "no_such_kind",
                o.ann.id,
                Verdict::Within
            ))
            .await,
        StoreError::NotFound { .. }
    );
    assert_eq!(
        store.last_seq().await.unwrap(),
        before,
        "refusals write nothing"
    );
    assert_err!(
        store.get_decision(DecisionId::new()).await,
        StoreError::NotFound { .. }
    );
}

pub async fn only_explained_decisions_are_reviewed_and_only_once<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    store
        .save_decision_kind(None, decision_kind("refund", "EUR"))
        .await
        .unwrap();
    let case = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Reviewed"))
        .await
        .unwrap()
        .value
        .case;
    let record = |verdict: Verdict| {
        let store = store.clone();
        let new = new_decision(case.id, "refund", o.ann.id, verdict);
        async move { store.record_decision(new).await.unwrap().value }
    };
    let within = record(Verdict::Within).await;
    let blocked = record(Verdict::Blocked).await;
    let explained = record(Verdict::Explain).await;

    let before = store.last_seq().await.unwrap();
    for decision in [&within, &blocked] {
        assert_err!(
            store
                .review_decision(decision.id, o.sue.id, ReviewOutcome::Uphold, None)
                .await,
            StoreError::Conflict { .. }
        );
        assert_eq!(store.get_decision(decision.id).await.unwrap(), *decision);
    }
    assert_err!(
        store
            .review_decision(DecisionId::new(), o.sue.id, ReviewOutcome::Uphold, None)
            .await,
        StoreError::NotFound { .. }
    );
    assert_eq!(
        store.last_seq().await.unwrap(),
        before,
        "refusals write nothing"
    );

    let comment = "Offer a voucher before a refund next time.";
    let written = store
        .review_decision(
            explained.id,
            o.sue.id,
            ReviewOutcome::Coach,
            Some(comment.into()),
        )
        .await
        .unwrap();
    let review = written.value.review.clone().expect("reviewed");
    assert_eq!(review.reviewer_id, o.sue.id);
    assert_eq!(review.outcome, ReviewOutcome::Coach);
    assert_eq!(review.comment.as_deref(), Some(comment));
    assert!(review.reviewed_at >= explained.decided_at);
    assert_eq!(
        written.value,
        Decision {
            review: Some(review.clone()),
            ..explained.clone()
        },
        "a review changes nothing else"
    );
    assert_eq!(written.events.len(), 1);
    let event = &written.events[0];
    assert_eq!(event.kind, EventKind::DecisionReviewed);
    assert_eq!(
        (event.case_id, event.audience),
        (Some(case.id), Audience::Staff)
    );
    assert_event(event, explained.reviewed_event(&review));
    assert_eq!(
        store.get_decision(explained.id).await.unwrap(),
        written.value
    );

    let before = store.last_seq().await.unwrap();
    assert_err!(
        store
            .review_decision(explained.id, o.ann.id, ReviewOutcome::Reverse, None)
            .await,
        StoreError::Conflict { .. }
    );
    assert_eq!(store.last_seq().await.unwrap(), before);
    assert_eq!(
        store.get_decision(explained.id).await.unwrap(),
        written.value,
        "the first review stands"
    );

    for outcome in [ReviewOutcome::Uphold, ReviewOutcome::Reverse] {
        let decision = record(Verdict::Explain).await;
        let reviewed = store
            .review_decision(decision.id, o.ben.id, outcome, None)
            .await
            .unwrap()
            .value;
        let review = reviewed.review.expect("reviewed");
        assert_eq!((review.outcome, review.comment), (outcome, None));
    }
}

pub async fn decisions_list_newest_first_filter_and_page_through_equal_times<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    for key in ["refund", "goodwill_credit"] {
        store
            .save_decision_kind(None, decision_kind(key, "EUR"))
            .await
            .unwrap();
    }
    assert!(
        store
            .list_decisions(DecisionFilter::default(), 100)
            .await
            .unwrap()
            .is_empty()
    );
    let mut cases = Vec::new();
    for customer in [o.carol.id, o.dave.id] {
        let case = store
            .create_case(None, new_case(customer, o.outcome.id, "Decisions"))
            .await
            .unwrap()
            .value
            .case;
        cases.push(case.id);
    }
    let verdicts = [
        Verdict::Within,
        Verdict::Explain,
        Verdict::Explain,
        Verdict::Blocked,
    ];
    let mut explained = Vec::new();
    for i in 0..14 {
        let kind = if i % 3 == 0 {
            "goodwill_credit"
        } else {
            "refund"
        };
        let actor = if i % 5 < 2 { o.ann.id } else { o.ben.id };
        let new = new_decision(cases[i % 2], kind, actor, verdicts[i % 4]);
        let decision = store.record_decision(new).await.unwrap().value;
        if decision.verdict == Verdict::Explain {
            explained.push(decision.id);
        }
    }
    for id in &explained[..3] {
        store
            .review_decision(*id, o.sue.id, ReviewOutcome::Uphold, None)
            .await
            .unwrap();
    }
    let listed = store
        .list_decisions(DecisionFilter::default(), 100)
        .await
        .unwrap();
    assert_eq!(listed.len(), 14);
    assert_eq!(listed, newest_first(listed.clone()));

    // The store stamps decision times itself; to page through runs of equal times, give the
    // decisions chosen times through an export and import into a fresh store.
    let times = [
        1_000, 2_000, 2_000, 2_000, 2_000, 3_000, 3_000, 4_000, 5_000, 5_000, 5_000, 5_000, 5_000,
        6_000,
    ];
    let mut records = store.export().await.unwrap();
    let mut decisions = Vec::new();
    for record in &mut records {
        if let Record::Decision(d) = record {
            d.decided_at = time::from_millis(times[decisions.len()]);
            decisions.push(d.clone());
        }
    }
    assert_eq!(decisions.len(), 14);
    let target = second().await;
    target.import(records).await.unwrap();
    let all = newest_first(decisions);

    let expect = |keep: &dyn Fn(&Decision) -> bool| -> Vec<Decision> {
        all.iter().filter(|d| keep(d)).cloned().collect()
    };
    let list = |filter: DecisionFilter, limit: u32| {
        let target = target.clone();
        async move { target.list_decisions(filter, limit).await.unwrap() }
    };
    assert_eq!(list(DecisionFilter::default(), 100).await, all);
    assert_eq!(list(DecisionFilter::default(), 5).await, all[..5].to_vec());

    let since = time::from_millis(3_000);
    let checks: Vec<(&str, DecisionFilter, Vec<Decision>)> = vec![
        (
            "case",
            DecisionFilter {
                case_id: Some(cases[0]),
                ..Default::default()
            },
            expect(&|d| d.case_id == cases[0]),
        ),
        (
            "kind",
            DecisionFilter {
                kind: Some(kind_key("goodwill_credit")),
                ..Default::default()
            },
            expect(&|d| d.kind.as_str() == "goodwill_credit"),
        ),
        (
            "actor",
            DecisionFilter {
                actor_id: Some(o.ann.id),
                ..Default::default()
            },
            expect(&|d| d.actor_id == o.ann.id),
        ),
        (
            "customer",
            DecisionFilter {
                customer_id: Some(o.dave.id),
                ..Default::default()
            },
            expect(&|d| d.customer_id == o.dave.id),
        ),
        (
            "verdict",
            DecisionFilter {
                verdict: Some(Verdict::Blocked),
                ..Default::default()
            },
            expect(&|d| d.verdict == Verdict::Blocked),
        ),
        (
            "reviewed",
            DecisionFilter {
                reviewed: Some(true),
                ..Default::default()
            },
            expect(&|d| d.review.is_some()),
        ),
        (
            "not reviewed",
            DecisionFilter {
                reviewed: Some(false),
                ..Default::default()
            },
            expect(&|d| d.review.is_none()),
        ),
        (
            "the review queue",
            DecisionFilter {
                verdict: Some(Verdict::Explain),
                reviewed: Some(false),
                ..Default::default()
            },
            expect(&|d| d.verdict == Verdict::Explain && d.review.is_none()),
        ),
        (
            "since (inclusive)",
            DecisionFilter {
                since: Some(since),
                ..Default::default()
            },
            expect(&|d| d.decided_at >= since),
        ),
        (
            "before a cursor",
            DecisionFilter {
                before: Some((all[3].decided_at, all[3].id)),
                ..Default::default()
            },
            all[4..].to_vec(),
        ),
        (
            "everything at once",
            DecisionFilter {
                case_id: Some(cases[1]),
                kind: Some(kind_key("refund")),
                actor_id: Some(o.ben.id),
                customer_id: Some(o.dave.id),
                verdict: Some(Verdict::Explain),
                reviewed: Some(false),
                since: Some(time::from_millis(1_000)),
                before: Some((time::from_millis(7_000), DecisionId(uuid::Uuid::max()))),
            },
            expect(&|d| {
                d.case_id == cases[1]
                    && d.kind.as_str() == "refund"
                    && d.actor_id == o.ben.id
                    && d.verdict == Verdict::Explain
                    && d.review.is_none()
            }),
        ),
    ];
    for (what, filter, expected) in checks {
        assert!(
            !expected.is_empty() && expected.len() < all.len(),
            "{what}: the fixture should make this filter narrow"
        );
        assert_eq!(list(filter, 100).await, expected, "filtered by {what}");
    }
    assert!(
        list(
            DecisionFilter {
                customer_id: Some(o.ann.id),
                ..Default::default()
            },
            100
        )
        .await
        .is_empty()
    );

    // Paging with the cursor neither skips nor repeats, even inside a run of equal times.
    for (limit, filter) in [
        (1, DecisionFilter::default()),
        (2, DecisionFilter::default()),
        (3, DecisionFilter::default()),
        (
            2,
            DecisionFilter {
                kind: Some(kind_key("refund")),
                ..Default::default()
            },
        ),
    ] {
        let expected = match &filter.kind {
            Some(kind) => expect(&|d| d.kind == *kind),
            None => all.clone(),
        };
        let mut paged: Vec<Decision> = Vec::new();
        let mut cursor = None;
        loop {
            let page = list(
                DecisionFilter {
                    before: cursor,
                    ..filter.clone()
                },
                limit,
            )
            .await;
            assert!(page.len() <= limit as usize);
            let Some(last) = page.last() else { break };
            cursor = Some((last.decided_at, last.id));
            paged.extend(page);
            assert!(paged.len() <= all.len(), "paging does not end");
        }
        let ids: HashSet<DecisionId> = paged.iter().map(|d| d.id).collect();
        assert_eq!(ids.len(), paged.len(), "no decision repeats");
        assert_eq!(paged, expected, "pages of {limit}");
    }
}
