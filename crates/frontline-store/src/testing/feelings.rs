//! Conformance checks for feelings: who may say what (the domain's rules reach callers as
//! `Invalid`), a case rated once (also when two ratings race), observations, own feelings and
//! pulses replaced rather than duplicated, the list's filters and order, the events (no score
//! on an employee's own answer), and signing keys created once.

use std::future::Future;
use std::sync::Arc;

use frontline_core::feeling::{Emotion, FeelingKind, FeelingSource, NewFeeling, Score, Verbatim};
use frontline_core::{Case, CaseStatus, EventKind, Person, Timestamp, time};

use super::{Org, new_case, org};
use crate::*;

/// 2026-11-25 (a Wednesday, ISO week 48) 09:00 UTC plus `m` minutes.
fn at(m: i64) -> Timestamp {
    time::from_millis(1_795_597_200_000 + m * 60_000)
}

fn answer(kind: FeelingKind, by: &Person, case: Option<&Case>, score: i64) -> NewFeeling {
    NewFeeling {
        kind,
        source: match kind {
            FeelingKind::Customer => FeelingSource::Link,
            FeelingKind::Pulse => FeelingSource::Pulse,
            _ => FeelingSource::Case,
        },
        person_id: by.id,
        case_id: case.map(|c| c.id),
        score: Score::new(score).unwrap(),
        emotion: Some(Emotion::Relieved),
        text: Some(Verbatim::parse("Quick and kind, thank you").unwrap()),
    }
}

async fn resolved_case(store: &dyn Store, o: &Org, subject: &str) -> Case {
    let case = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, subject))
        .await
        .unwrap()
        .value
        .case;
    store
        .change_status(None, case.id, CaseStatus::Resolved)
        .await
        .unwrap()
        .value
}

/// A story for the export test: a rating with praise, an observation, an own feeling, a pulse.
pub async fn feelings_story(store: &dyn Store, o: &Org) {
    let case = resolved_case(store, o, "Feelings story").await;
    for (kind, by, case) in [
        (FeelingKind::Customer, &o.carol, Some(&case)),
        (FeelingKind::Observed, &o.ann, Some(&case)),
        (FeelingKind::Own, &o.ann, Some(&case)),
        (FeelingKind::Pulse, &o.ann, None),
    ] {
        store
            .record_feeling(answer(kind, by, case, 4), Some(at(0)))
            .await
            .unwrap();
    }
}

pub async fn feelings_follow_who_may_say_what_and_replace_rather_than_repeat<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let case = resolved_case(&*store, &o, "Rated once").await;
    let open = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Still open"))
        .await
        .unwrap()
        .value
        .case;

    let rating = store
        .record_feeling(
            answer(FeelingKind::Customer, &o.carol, Some(&case), 5),
            Some(at(0)),
        )
        .await
        .unwrap();
    assert_eq!(rating.value.team_id, case.team_id);
    assert_eq!(rating.value.owner_id, case.owner_id);
    assert_eq!(rating.value.created_at, at(0));
    let kinds: Vec<_> = rating.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [EventKind::FeelingRecorded, EventKind::FeelingPraised]
    );
    assert_eq!(
        store.get_case(case.id).await.unwrap().status,
        CaseStatus::Resolved,
        "a rating changes nothing on the case"
    );

    // Once per case; nobody else's; not before it is resolved; not a missing case.
    let again = store
        .record_feeling(
            answer(FeelingKind::Customer, &o.carol, Some(&case), 1),
            None,
        )
        .await;
    match again {
        Err(StoreError::Conflict { what }) => {
            assert!(what.contains("already been rated"), "{what}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_err!(
        store
            .record_feeling(answer(FeelingKind::Customer, &o.dave, Some(&case), 1), None)
            .await,
        StoreError::Invalid(_)
    );
    assert_err!(
        store
            .record_feeling(
                answer(FeelingKind::Customer, &o.carol, Some(&open), 1),
                None
            )
            .await,
        StoreError::Invalid(_)
    );
    let mut missing = answer(FeelingKind::Observed, &o.ann, Some(&case), 3);
    missing.case_id = Some(frontline_core::CaseId::new());
    assert_err!(
        store.record_feeling(missing, None).await,
        StoreError::NotFound { .. }
    );

    // An observation and an own feeling are replaced by the next answer; so is a pulse
    // within its week, while the next week's is a new answer.
    for (kind, case, first, second) in [
        (FeelingKind::Observed, Some(&case), at(1), at(2)),
        (FeelingKind::Own, Some(&case), at(1), at(2)),
        (FeelingKind::Pulse, None, at(1), at(60 * 24 * 2)),
    ] {
        store
            .record_feeling(answer(kind, &o.ann, case, 2), Some(first))
            .await
            .unwrap();
        let second = store
            .record_feeling(answer(kind, &o.ann, case, 4), Some(second))
            .await
            .unwrap();
        let kept = store
            .list_feelings(
                FeelingFilter {
                    kinds: vec![kind],
                    person_id: Some(o.ann.id),
                    ..FeelingFilter::default()
                },
                10,
            )
            .await
            .unwrap();
        assert_eq!(kept, vec![second.value], "{kind} replaced");
        if kind == FeelingKind::Own {
            let said = decoded!(second.events[0], FeelingRecorded);
            assert_eq!(said.reading, None, "own answers stay private");
        }
    }
    let next_week = store
        .record_feeling(
            answer(FeelingKind::Pulse, &o.ann, None, 3),
            Some(at(60 * 24 * 7)),
        )
        .await
        .unwrap()
        .value;
    assert_eq!(next_week.period.as_deref(), Some("2026-W49"));

    // Newest first, with filters and a cursor.
    let everything = store
        .list_feelings(FeelingFilter::default(), 100)
        .await
        .unwrap();
    assert_eq!(everything.len(), 5);
    assert!(
        everything
            .windows(2)
            .all(|w| (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id))
    );
    assert_eq!(everything[0].id, next_week.id);
    let on_case = store
        .list_feelings(
            FeelingFilter {
                case_id: Some(case.id),
                ..FeelingFilter::default()
            },
            100,
        )
        .await
        .unwrap();
    assert_eq!(
        on_case.len(),
        3,
        "the rating, the observation and the own feeling"
    );
    let in_window = store
        .list_feelings(
            FeelingFilter {
                since: Some(at(1)),
                until: Some(at(60 * 24 * 7)),
                team_id: case.team_id,
                ..FeelingFilter::default()
            },
            100,
        )
        .await
        .unwrap();
    assert_eq!(
        in_window.len(),
        2,
        "the observation and own feeling at 2 minutes"
    );
    let older = store
        .list_feelings(
            FeelingFilter {
                before: Some((everything[1].created_at, everything[1].id)),
                ..FeelingFilter::default()
            },
            100,
        )
        .await
        .unwrap();
    assert_eq!(older, everything[2..].to_vec());

    // Praise of one owner's cases: a high rating with words, not a low one, not words-less.
    let plain = resolved_case(&*store, &o, "Rated without words").await;
    let mut wordless = answer(FeelingKind::Customer, &o.carol, Some(&plain), 5);
    wordless.text = None;
    store.record_feeling(wordless, Some(at(3))).await.unwrap();
    let low = resolved_case(&*store, &o, "Rated low").await;
    store
        .record_feeling(
            answer(FeelingKind::Customer, &o.carol, Some(&low), 2),
            Some(at(4)),
        )
        .await
        .unwrap();
    let praise = |owner| FeelingFilter {
        kinds: vec![FeelingKind::Customer],
        owner_id: owner,
        praise: true,
        ..FeelingFilter::default()
    };
    let owner = case.owner_id.expect("routed to an owner");
    let found = store.list_feelings(praise(Some(owner)), 10).await.unwrap();
    assert_eq!(found, vec![rating.value.clone()], "only the praise");
    let nobody = store
        .list_feelings(praise(Some(o.carol.id)), 10)
        .await
        .unwrap();
    assert!(nobody.is_empty(), "nobody else's");
}

pub async fn concurrent_ratings_of_one_case_leave_one<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let case = resolved_case(&*store, &o, "Raced").await;
    let attempts = (1..=6).map(|score| {
        let store = store.clone();
        let new = answer(
            FeelingKind::Customer,
            &o.carol,
            Some(&case),
            (score % 5) + 1,
        );
        tokio::spawn(async move { store.record_feeling(new, None).await })
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
    let ratings = store
        .list_feelings(
            FeelingFilter {
                kinds: vec![FeelingKind::Customer],
                ..FeelingFilter::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(ratings.len(), 1);
}

pub async fn signing_keys_are_kept_from_the_first_request<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let first = store.signing_key("rating-link", vec![1; 32]).await.unwrap();
    assert_eq!(first, vec![1; 32]);
    let again = store.signing_key("rating-link", vec![2; 32]).await.unwrap();
    assert_eq!(again, first, "the stored key wins");
    let other = store.signing_key("other", vec![3; 32]).await.unwrap();
    assert_eq!(other, vec![3; 32]);
}
