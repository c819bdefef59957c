//! Conformance checks for leaders on the tools: the staff activity the ledger reads (public
//! replies only, staff only, by person and time from `since`; resolutions of owned cases;
//! reviews; asks handled), each person's last public reply ever, and standard-work items and
//! ticks (who may own them, one tick per period, proven items never ticked, retiring, the
//! events, racing ticks).

use std::future::Future;
use std::sync::Arc;

use frontline_core::ask::{AskChange, AskKind, NewAskSpec, Urgency};
use frontline_core::guideline::Verdict;
use frontline_core::standard_work::{Cadence, ItemTitle, Metric, NewStandardWorkItem, Proof};
use frontline_core::{AskText, CaseStatus, EventKind, Role, Timestamp, Visibility, time};

use super::{Org, decision_kind, new_case, new_decision, new_message, org};
use crate::*;

/// 2026-11-25 (a Wednesday) 09:00 UTC plus `m` minutes.
fn at(m: i64) -> Timestamp {
    time::from_millis(1_795_597_200_000 + m * 60_000)
}

fn item(person: frontline_core::PersonId, title: &str, cadence: Cadence) -> NewStandardWorkItem {
    NewStandardWorkItem {
        person_id: person,
        title: ItemTitle::parse(title).unwrap(),
        cadence,
        proof: None,
    }
}

/// A story for the export test: an item ticked in two weeks, a proven one, a retired one.
pub async fn standard_work_story(store: &dyn Store, o: &Org) {
    let walk = store
        .create_standard_work_item(
            Some(o.sue.id),
            item(o.sue.id, "Walk the front-line cockpit", Cadence::Weekly),
            Some(at(-20_000)),
        )
        .await
        .unwrap()
        .value;
    for day in [-10_080, 0] {
        store
            .tick_standard_work(o.sue.id, walk.id, Some(at(day)))
            .await
            .unwrap();
    }
    let mut proven = item(o.sue.id, "Work 3 cases", Cadence::Monthly);
    proven.proof = Some(Proof::new(Metric::CasesWorked, 3).unwrap());
    store
        .create_standard_work_item(Some(o.sue.id), proven, Some(at(-20_000)))
        .await
        .unwrap();
    let old = store
        .create_standard_work_item(
            None,
            item(o.sue.id, "Read every complaint", Cadence::Daily),
            Some(at(-30_000)),
        )
        .await
        .unwrap()
        .value;
    store
        .retire_standard_work_item(None, old.id, Some(at(-25_000)))
        .await
        .unwrap();
}

async fn reply(
    store: &dyn Store,
    case: frontline_core::CaseId,
    author: &frontline_core::Person,
    vis: Visibility,
    when: Timestamp,
) {
    let mut message = new_message(case, author.id, vis);
    message.created_at = Some(when);
    store.add_message(Some(author.id), message).await.unwrap();
}

pub async fn staff_activity_reads_public_replies_of_staff_by_person_and_time<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let mut first = new_case(o.carol.id, o.outcome.id, "Where is my parcel?");
    first.created_at = Some(at(-60));
    let first = store.create_case(None, first).await.unwrap().value.case;
    let mut second = new_case(o.dave.id, o.outcome.id, "Wrong colour");
    second.created_at = Some(at(-60));
    let second = store.create_case(None, second).await.unwrap().value.case;

    // Before the window: counted for "last reply ever" only.
    reply(&*store, first.id, &o.sue, Visibility::Public, at(-30)).await;
    // In the window (from at(0)): Sue twice on the first case, once on the second, an
    // internal note (never counted), Ann once, the customer once (never counted).
    reply(&*store, first.id, &o.sue, Visibility::Public, at(10)).await;
    reply(&*store, second.id, &o.sue, Visibility::Public, at(5)).await;
    reply(&*store, first.id, &o.sue, Visibility::Public, at(25)).await;
    reply(&*store, first.id, &o.sue, Visibility::Internal, at(40)).await;
    reply(&*store, first.id, &o.ann, Visibility::Public, at(12)).await;
    reply(&*store, first.id, &o.carol, Visibility::Public, at(15)).await;

    let support = store
        .staff_activity(ActivityFilter {
            person_id: None,
            role: Some(Role::Support),
            since: at(0),
        })
        .await
        .unwrap();
    let sues: Vec<(frontline_core::CaseId, Timestamp)> = support
        .replies
        .iter()
        .map(|r| {
            assert_eq!(r.person_id, o.sue.id);
            (r.case_id, r.at)
        })
        .collect();
    assert_eq!(
        sues,
        [(second.id, at(5)), (first.id, at(10)), (first.id, at(25))],
        "public only, from `since`, in time order"
    );

    let staff = store
        .staff_activity(ActivityFilter {
            person_id: None,
            role: None,
            since: at(0),
        })
        .await
        .unwrap();
    assert_eq!(
        staff.replies.len(),
        4,
        "staff only: the customer's message is not a reply"
    );
    assert!(
        staff
            .replies
            .windows(2)
            .all(|w| (w[0].person_id, w[0].at) <= (w[1].person_id, w[1].at)),
        "ordered by person, then time"
    );
    let anns = store
        .staff_activity(ActivityFilter {
            person_id: Some(o.ann.id),
            role: None,
            since: at(-1000),
        })
        .await
        .unwrap();
    assert_eq!(anns.replies.len(), 1);
    assert_eq!(anns.replies[0].person_id, o.ann.id);
    assert_eq!(anns.of(o.ann.id).replies.len(), 1);
    assert!(anns.of(o.sue.id).replies.is_empty());

    let mut last = store
        .last_public_replies(None, Some(Role::Support))
        .await
        .unwrap();
    assert_eq!(
        last,
        [(o.sue.id, at(25))],
        "the internal note is not serving"
    );
    last = store.last_public_replies(None, None).await.unwrap();
    last.sort();
    let mut expected = vec![(o.sue.id, at(25)), (o.ann.id, at(12))];
    expected.sort();
    assert_eq!(
        last, expected,
        "customers and people who never replied are absent"
    );
    assert_eq!(
        store
            .last_public_replies(Some(o.ben.id), None)
            .await
            .unwrap(),
        []
    );
}

pub async fn staff_activity_counts_owned_resolutions_reviews_and_asks_handled<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let before = time::now();
    let case = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Refund please"))
        .await
        .unwrap()
        .value
        .case;
    store
        .assign_case(None, case.id, Some(o.sue.id))
        .await
        .unwrap();
    let resolved = store
        .change_status(Some(o.sue.id), case.id, CaseStatus::Resolved)
        .await
        .unwrap()
        .value;
    // A case resolved and reopened is not a resolution.
    let reopened = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Still broken"))
        .await
        .unwrap()
        .value
        .case;
    store
        .assign_case(None, reopened.id, Some(o.sue.id))
        .await
        .unwrap();
    store
        .change_status(Some(o.sue.id), reopened.id, CaseStatus::Resolved)
        .await
        .unwrap();
    store
        .change_status(Some(o.sue.id), reopened.id, CaseStatus::Open)
        .await
        .unwrap();

    store
        .save_decision_kind(None, decision_kind("refund", "EUR"))
        .await
        .unwrap();
    let decision = store
        .record_decision(new_decision(case.id, "refund", o.ann.id, Verdict::Explain))
        .await
        .unwrap()
        .value;
    let reviewed = store
        .review_decision(decision.id, o.sue.id, ReviewOutcome::Coach, None)
        .await
        .unwrap()
        .value;

    let ask = store
        .raise_ask(
            NewAskSpec {
                asker_id: o.ann.id,
                kind: AskKind::Approval,
                urgency: Urgency::Normal,
                text: AskText::parse("May I refund 300 EUR?").unwrap(),
                case_id: None,
                assignee_id: o.sue.id,
            },
            None,
        )
        .await
        .unwrap()
        .value;
    store
        .change_ask(Some(o.sue.id), ask.id, AskChange::Claim, None)
        .await
        .unwrap();
    let done = store
        .change_ask(
            Some(o.sue.id),
            ask.id,
            AskChange::Resolve { note: None },
            None,
        )
        .await
        .unwrap()
        .value
        .ask;

    let activity = store
        .staff_activity(ActivityFilter {
            person_id: Some(o.sue.id),
            role: Some(Role::Support),
            since: before,
        })
        .await
        .unwrap();
    assert_eq!(
        activity.resolutions,
        [PersonResolution {
            person_id: o.sue.id,
            case_id: case.id,
            at: resolved.resolved_at.unwrap(),
        }]
    );
    assert_eq!(
        activity.reviews,
        [PersonAct {
            person_id: o.sue.id,
            at: reviewed.review.unwrap().reviewed_at,
        }]
    );
    assert_eq!(
        activity.asks_resolved,
        [PersonAct {
            person_id: o.sue.id,
            at: done.resolved_at.unwrap(),
        }]
    );
    let later = store
        .staff_activity(ActivityFilter {
            person_id: None,
            role: None,
            since: time::from_millis(time::now().as_millisecond() + 3_600_000),
        })
        .await
        .unwrap();
    assert_eq!(later, StaffActivity::default(), "nothing after `since`");
    let employees = store
        .staff_activity(ActivityFilter {
            person_id: None,
            role: Some(Role::Employee),
            since: before,
        })
        .await
        .unwrap();
    assert!(employees.reviews.is_empty() && employees.resolutions.is_empty());
}

pub async fn standard_work_belongs_to_support_employees_and_is_ticked_once_a_period<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    assert_err!(
        store
            .create_standard_work_item(None, item(o.ann.id, "Walk", Cadence::Daily), None)
            .await,
        StoreError::Invalid(_)
    );
    assert_err!(
        store
            .create_standard_work_item(
                None,
                item(frontline_core::PersonId::new(), "Walk", Cadence::Daily),
                None
            )
            .await,
        StoreError::NotFound { .. }
    );
    let written = store
        .create_standard_work_item(
            Some(o.sue.id),
            item(o.sue.id, "Walk the front-line cockpit", Cadence::Weekly),
            Some(at(-100)),
        )
        .await
        .unwrap();
    let walk = written.value;
    assert_eq!(written.events.len(), 1);
    assert_eq!(written.events[0].kind, EventKind::StandardWorkItemCreated);
    assert_eq!(written.events[0].actor_id, Some(o.sue.id));
    assert_eq!(walk.created_at, at(-100));
    assert_eq!(store.get_standard_work_item(walk.id).await.unwrap(), walk);

    // Wednesday and Friday of one ISO week are one period.
    let ticked = store
        .tick_standard_work(o.sue.id, walk.id, Some(at(0)))
        .await
        .unwrap();
    assert_eq!(ticked.value.period, "2026-W48");
    assert_eq!(ticked.value.ticked_by, o.sue.id);
    assert_eq!(ticked.events[0].kind, EventKind::StandardWorkTicked);
    let friday = at(2 * 24 * 60);
    assert_err!(
        store
            .tick_standard_work(o.sue.id, walk.id, Some(friday))
            .await,
        StoreError::Conflict { .. }
    );
    // The week before is another period.
    let last_week = at(-7 * 24 * 60);
    store
        .tick_standard_work(o.sue.id, walk.id, Some(last_week))
        .await
        .unwrap();
    let ticks = store
        .list_standard_work_ticks(o.sue.id, at(-30 * 24 * 60))
        .await
        .unwrap();
    let periods: Vec<&str> = ticks.iter().map(|t| t.period.as_str()).collect();
    assert_eq!(periods, ["2026-W47", "2026-W48"], "oldest period first");
    assert_eq!(
        store
            .list_standard_work_ticks(o.sue.id, at(-3 * 24 * 60))
            .await
            .unwrap()
            .len(),
        1,
        "periods starting at or after `since`"
    );

    let unticked = store
        .untick_standard_work(o.sue.id, walk.id, Some(friday))
        .await
        .unwrap();
    assert_eq!(unticked.events[0].kind, EventKind::StandardWorkUnticked);
    assert_err!(
        store
            .untick_standard_work(o.sue.id, walk.id, Some(friday))
            .await,
        StoreError::Conflict { .. }
    );
    store
        .tick_standard_work(o.sue.id, walk.id, Some(friday))
        .await
        .unwrap();

    let mut proven = item(o.sue.id, "Work 3 cases", Cadence::Monthly);
    proven.proof = Some(Proof::new(Metric::CasesWorked, 3).unwrap());
    let proven = store
        .create_standard_work_item(None, proven, Some(at(-50)))
        .await
        .unwrap()
        .value;
    assert_eq!(
        store.get_standard_work_item(proven.id).await.unwrap().proof,
        Some(Proof::new(Metric::CasesWorked, 3).unwrap())
    );
    assert_err!(
        store.tick_standard_work(o.sue.id, proven.id, None).await,
        StoreError::Invalid(_)
    );
    assert_err!(
        store
            .tick_standard_work(o.sue.id, frontline_core::StandardWorkItemId::new(), None)
            .await,
        StoreError::NotFound { .. }
    );

    let listed = store
        .list_standard_work_items(Some(o.sue.id), false)
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|i| i.id).collect::<Vec<_>>(),
        [walk.id, proven.id],
        "oldest first"
    );
    let retired = store
        .retire_standard_work_item(Some(o.sue.id), walk.id, Some(at(100)))
        .await
        .unwrap();
    assert_eq!(retired.value.retired_at, Some(at(100)));
    assert_eq!(retired.events[0].kind, EventKind::StandardWorkItemRetired);
    assert_err!(
        store.retire_standard_work_item(None, walk.id, None).await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .tick_standard_work(o.sue.id, walk.id, Some(at(7 * 24 * 60)))
            .await,
        StoreError::Conflict { .. }
    );
    assert_eq!(
        store
            .list_standard_work_items(Some(o.sue.id), false)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .list_standard_work_items(Some(o.sue.id), true)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        store
            .list_standard_work_items(Some(o.ann.id), true)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .list_standard_work_ticks(o.sue.id, at(-30 * 24 * 60))
            .await
            .unwrap()
            .len(),
        2,
        "retiring keeps the ticks"
    );
}

pub async fn concurrent_ticks_of_one_period_leave_one_tick<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let walk = store
        .create_standard_work_item(None, item(o.sue.id, "Walk", Cadence::Daily), Some(at(-10)))
        .await
        .unwrap()
        .value;
    let attempts = (0..8).map(|i| {
        let store = store.clone();
        let sue = o.sue.id;
        tokio::spawn(async move { store.tick_standard_work(sue, walk.id, Some(at(i))).await })
    });
    let mut ok = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(ok, 1);
    let ticked = store
        .events_after(
            0,
            100,
            EventFilter {
                kinds: vec![EventKind::StandardWorkTicked],
                ..EventFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ticked.len(), 1, "one event for the one tick");
}
