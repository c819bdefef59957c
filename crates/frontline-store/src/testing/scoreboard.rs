//! Conformance checks for the outcome scoreboard: its one read (the cases opened in a period
//! and the customer and own feelings about them, summed per outcome) and the case list
//! filters every figure links to (creation and resolution ranges, resolved, achieved, over
//! target, has a feeling), which must pick exactly the cases the figures count.

use std::future::Future;
use std::sync::Arc;

use frontline_core::feeling::{FeelingKind, FeelingSource, NewFeeling, Score};
use frontline_core::scoreboard::{FeelingTally, ScoreCase};
use frontline_core::{
    Case, CaseStatus, Name, OutcomeAchieved, OutcomeId, OutcomeKey, Person, Timestamp, time,
};

use super::{new_case, org};
use crate::*;

/// `t` moved by `hours` (negative: earlier).
fn shift(t: Timestamp, hours: i64) -> Timestamp {
    time::from_millis(t.as_millisecond() + hours * 3_600_000)
}

/// A case of `outcome` created at `created_at`, resolved now if asked, then marked.
async fn case_at(
    store: &dyn Store,
    customer: &Person,
    outcome: OutcomeId,
    created_at: Timestamp,
    resolve: bool,
    achieved: OutcomeAchieved,
) -> Case {
    let mut new = new_case(customer.id, outcome, "Scoreboard case");
    new.created_at = Some(created_at);
    let case = store.create_case(None, new).await.unwrap().value.case;
    if resolve {
        store
            .change_status(None, case.id, CaseStatus::Resolved)
            .await
            .unwrap();
    }
    if achieved != OutcomeAchieved::Unknown {
        store
            .set_outcome_achieved(None, case.id, achieved)
            .await
            .unwrap();
    }
    store.get_case(case.id).await.unwrap()
}

async fn feel(store: &dyn Store, kind: FeelingKind, by: &Person, case: &Case, score: i64) {
    let source = match kind {
        FeelingKind::Customer => FeelingSource::Portal,
        _ => FeelingSource::Case,
    };
    store
        .record_feeling(
            NewFeeling {
                kind,
                source,
                person_id: by.id,
                case_id: Some(case.id),
                score: Score::new(score).unwrap(),
                emotion: Some(frontline_core::Emotion::Satisfied),
                text: None,
            },
            None,
        )
        .await
        .unwrap();
}

struct Story {
    now: Timestamp,
    first: OutcomeId,
    second: OutcomeId,
    /// In the period, first outcome: achieved within its 2-day target, achieved over it,
    /// resolved not achieved, achieved but still open.
    within: Case,
    over: Case,
    not_achieved: Case,
    open: Case,
    /// Before the period, first outcome: resolved, achieved, rated.
    earlier: Case,
    /// In the period, second outcome: resolved, unknown.
    other: Case,
}

async fn story(store: &dyn Store) -> Story {
    let o = org(store).await;
    let second = store
        .create_outcome(
            None,
            NewOutcome {
                key: OutcomeKey::parse("billing_clear").unwrap(),
                name: Name::parse("My bill is clear, \"really\"").unwrap(),
                success_criteria: "The customer understands the bill.".into(),
                target_minutes: 60,
                team_ids: vec![o.team_b],
            },
        )
        .await
        .unwrap()
        .value
        .id;
    let now = time::now();
    let first = o.outcome.id;
    let (carol, yes, no) = (&o.carol, OutcomeAchieved::Yes, OutcomeAchieved::No);
    let within = case_at(store, carol, first, shift(now, -24), true, yes).await;
    let over = case_at(store, carol, first, shift(now, -72), true, yes).await;
    let not_achieved = case_at(store, carol, first, shift(now, -12), true, no).await;
    let open = case_at(store, carol, first, shift(now, -25), false, yes).await;
    let earlier = case_at(store, carol, first, shift(now, -30 * 24), true, yes).await;
    let other = case_at(
        store,
        &o.dave,
        second,
        shift(now, -5 * 24),
        true,
        OutcomeAchieved::Unknown,
    )
    .await;
    feel(store, FeelingKind::Customer, carol, &within, 5).await;
    feel(store, FeelingKind::Customer, carol, &over, 2).await;
    feel(store, FeelingKind::Customer, carol, &earlier, 1).await;
    feel(store, FeelingKind::Own, &o.ann, &within, 4).await;
    feel(store, FeelingKind::Own, &o.ben, &within, 3).await;
    feel(store, FeelingKind::Own, &o.ann, &not_achieved, 2).await;
    // Neither counts: observations are not the employee's own feeling.
    feel(store, FeelingKind::Observed, &o.ann, &over, 1).await;
    feel(store, FeelingKind::Observed, &o.ann, &other, 1).await;
    Story {
        now,
        first,
        second,
        within,
        over,
        not_achieved,
        open,
        earlier,
        other,
    }
}

fn score_case(case: &Case) -> ScoreCase {
    ScoreCase {
        outcome_id: case.outcome_id,
        created_at: case.created_at,
        resolved_at: case.resolved_at,
        achieved: case.outcome_achieved,
    }
}

pub async fn the_scoreboard_reads_the_periods_cases_and_their_feelings<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let s = story(&*store).await;
    let from = shift(s.now, -10 * 24);
    let until = shift(s.now, 1);
    let mut rows = store.scoreboard_rows(from, until).await.unwrap();
    let key = |c: &ScoreCase| (c.outcome_id, c.created_at);
    rows.cases.sort_by_key(key);
    let mut expected: Vec<ScoreCase> = [&s.within, &s.over, &s.not_achieved, &s.open, &s.other]
        .into_iter()
        .map(score_case)
        .collect();
    expected.sort_by_key(key);
    assert_eq!(rows.cases, expected);
    assert!(rows.cases.iter().any(|c| c.resolved_at.is_none()));

    rows.feelings.sort_by_key(|t| t.kind);
    assert_eq!(
        rows.feelings,
        vec![
            FeelingTally {
                outcome_id: s.first,
                kind: FeelingKind::Customer,
                answers: 2,
                score_sum: 7,
                respondents: 1,
            },
            FeelingTally {
                outcome_id: s.first,
                kind: FeelingKind::Own,
                answers: 3,
                score_sum: 9,
                respondents: 2,
            },
        ]
    );

    // The period's ends: `from` is inclusive, `until` exclusive.
    let at_start = store
        .scoreboard_rows(
            s.over.created_at,
            time::from_millis(s.over.created_at.as_millisecond() + 1),
        )
        .await
        .unwrap();
    assert_eq!(at_start.cases, vec![score_case(&s.over)]);
    let before = store
        .scoreboard_rows(shift(s.over.created_at, -1), s.over.created_at)
        .await
        .unwrap();
    assert!(before.cases.is_empty() && before.feelings.is_empty());
}

pub async fn case_lists_filter_by_period_achievement_target_and_feelings<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let s = story(&*store).await;
    let period = CaseFilter {
        created_from: Some(shift(s.now, -10 * 24)),
        created_before: Some(shift(s.now, 1)),
        ..CaseFilter::default()
    };
    let first = CaseFilter {
        outcome_id: Some(s.first),
        ..period.clone()
    };
    let listed = |filter: CaseFilter| {
        let store = store.clone();
        async move {
            let mut ids: Vec<_> = store
                .list_cases(filter, PageRequest::first(100))
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|c| c.id)
                .collect();
            ids.sort();
            ids
        }
    };
    let ids = |cases: &[&Case]| {
        let mut ids: Vec<_> = cases.iter().map(|c| c.id).collect();
        ids.sort();
        ids
    };
    assert_eq!(
        listed(first.clone()).await,
        ids(&[&s.within, &s.over, &s.not_achieved, &s.open])
    );
    assert_eq!(
        listed(period.clone()).await,
        ids(&[&s.within, &s.over, &s.not_achieved, &s.open, &s.other])
    );
    assert_eq!(
        listed(CaseFilter {
            resolved: Some(true),
            ..first.clone()
        })
        .await,
        ids(&[&s.within, &s.over, &s.not_achieved])
    );
    assert_eq!(
        listed(CaseFilter {
            resolved: Some(false),
            ..first.clone()
        })
        .await,
        ids(&[&s.open])
    );
    assert_eq!(
        listed(CaseFilter {
            resolved: Some(true),
            achieved: Some(OutcomeAchieved::Yes),
            ..first.clone()
        })
        .await,
        ids(&[&s.within, &s.over])
    );
    assert_eq!(
        listed(CaseFilter {
            achieved: Some(OutcomeAchieved::Yes),
            over_target: Some(false),
            ..first.clone()
        })
        .await,
        ids(&[&s.within])
    );
    assert_eq!(
        listed(CaseFilter {
            achieved: Some(OutcomeAchieved::Yes),
            over_target: Some(true),
            ..first.clone()
        })
        .await,
        ids(&[&s.over])
    );
    // Without a period: the earlier case (30 days for a 2-day target) is over target too,
    // and the second outcome's case took 5 days against one hour.
    assert_eq!(
        listed(CaseFilter {
            over_target: Some(true),
            ..CaseFilter::default()
        })
        .await,
        ids(&[&s.over, &s.earlier, &s.other])
    );
    assert_eq!(
        listed(CaseFilter {
            feeling: Some(FeelingKind::Customer),
            ..CaseFilter::default()
        })
        .await,
        ids(&[&s.within, &s.over, &s.earlier])
    );
    assert_eq!(
        listed(CaseFilter {
            feeling: Some(FeelingKind::Own),
            ..first.clone()
        })
        .await,
        ids(&[&s.within, &s.not_achieved])
    );
    let resolved_at = s.within.resolved_at.expect("resolved");
    assert_eq!(
        listed(CaseFilter {
            resolved_from: Some(resolved_at),
            outcome_id: Some(s.second),
            ..CaseFilter::default()
        })
        .await,
        ids(&[&s.other])
    );
    assert!(
        listed(CaseFilter {
            resolved_before: Some(s.within.created_at),
            ..CaseFilter::default()
        })
        .await
        .is_empty()
    );
    assert!(
        listed(CaseFilter {
            created_before: Some(s.earlier.created_at),
            ..CaseFilter::default()
        })
        .await
        .is_empty()
    );
}
