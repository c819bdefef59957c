use super::*;
use crate::ids::TeamId;
use crate::time::from_millis;
use crate::values::{Name, OutcomeKey};

const MINUTE: i64 = 60_000;
const T0: i64 = 1_795_597_200_000;

fn outcome(key: &str, target_minutes: u32) -> Outcome {
    Outcome {
        id: OutcomeId::new(),
        key: OutcomeKey::parse(key).unwrap(),
        name: Name::parse(key).unwrap(),
        success_criteria: String::new(),
        target_minutes,
        team_ids: vec![TeamId::new()],
        created_at: from_millis(0),
    }
}

fn case(outcome: &Outcome, took_ms: Option<i64>, achieved: OutcomeAchieved) -> ScoreCase {
    ScoreCase {
        outcome_id: outcome.id,
        created_at: from_millis(T0),
        resolved_at: took_ms.map(|ms| from_millis(T0 + ms)),
        achieved,
    }
}

fn tally(
    outcome: &Outcome,
    kind: FeelingKind,
    answers: u32,
    sum: u64,
    people: u32,
) -> FeelingTally {
    FeelingTally {
        outcome_id: outcome.id,
        kind,
        answers,
        score_sum: sum,
        respondents: people,
    }
}

#[test]
fn figures_per_outcome_match_a_hand_count() {
    use OutcomeAchieved::{No, Unknown, Yes};
    let delivery = outcome("delivery", 60);
    let billing = outcome("billing", 24 * 60);
    let elsewhere = outcome("elsewhere", 10);
    let rows = ScoreboardRows {
        cases: vec![
            case(&delivery, Some(30 * MINUTE), Yes),
            // Exactly on target is within it.
            case(&delivery, Some(60 * MINUTE), Yes),
            case(&delivery, Some(60 * MINUTE + 1), Yes),
            case(&delivery, Some(240 * MINUTE), Yes),
            case(&delivery, Some(10 * MINUTE), No),
            // Marked achieved but still open: not yet an outcome.
            case(&delivery, None, Yes),
            case(&delivery, Some(20 * MINUTE), Unknown),
            // An outcome not asked about is left out.
            case(&elsewhere, Some(MINUTE), Yes),
        ],
        feelings: vec![
            tally(&delivery, FeelingKind::Customer, 3, 11, 3),
            tally(&delivery, FeelingKind::Own, 6, 20, 4),
            tally(&billing, FeelingKind::Own, 5, 17, 5),
        ],
    };
    let board = score(&[delivery.clone(), billing.clone()], &rows);
    assert_eq!(board.len(), 2);

    let d = &board[0];
    assert_eq!(d.outcome_id, delivery.id);
    assert_eq!(d.target_minutes, 60);
    assert_eq!(
        (d.cases, d.resolved, d.achieved, d.not_achieved),
        (7, 6, 4, 1)
    );
    assert_eq!(d.achieved_rate, Some(0.67));
    // Achieved durations: 30, 60, 60 (+1 ms), 240 minutes; nearest rank 2 and 4.
    assert_eq!(
        d.time_to_outcome,
        Some(TimeToOutcome {
            median_minutes: 60,
            p90_minutes: 240
        })
    );
    assert_eq!((d.within_target, d.over_target), (2, 2));
    assert_eq!(d.within_target_share, Some(0.5));
    assert_eq!(
        d.customer,
        Some(Mean {
            mean: 3.67,
            count: 3
        })
    );
    // Four people are fewer than five: the count shows, the mean does not.
    assert_eq!(d.employee.respondents, 4);
    assert_eq!(d.employee.answers, 6);
    assert_eq!(d.employee.mean, None);

    let b = &board[1];
    assert_eq!(
        (b.cases, b.resolved, b.achieved, b.not_achieved),
        (0, 0, 0, 0)
    );
    assert_eq!(b.achieved_rate, None);
    assert_eq!(b.time_to_outcome, None);
    assert_eq!(b.within_target_share, None);
    assert_eq!(b.customer, None);
    assert_eq!(b.employee.mean, Some(3.4));
    assert_eq!(b.employee.respondents, 5);
}

#[test]
fn percentiles_are_nearest_rank_values_that_occurred() {
    let ten: Vec<i64> = (1..=10).collect();
    assert_eq!(nearest_rank(&ten, 50), Some(5));
    assert_eq!(nearest_rank(&ten, 90), Some(9));
    assert_eq!(nearest_rank(&[7], 50), Some(7));
    assert_eq!(nearest_rank(&[7], 90), Some(7));
    let twenty: Vec<i64> = (1..=20).collect();
    assert_eq!(nearest_rank(&twenty, 90), Some(18));
    assert_eq!(nearest_rank(&[], 50), None);
}

#[test]
fn minutes_round_to_the_nearest_and_never_go_negative() {
    assert_eq!(minutes(89_999), 1);
    assert_eq!(minutes(90_000), 2);
    assert_eq!(minutes(-5 * MINUTE), 0);
}

#[test]
fn over_target_is_strictly_longer_than_the_target() {
    let o = outcome("delivery", 60);
    assert_eq!(
        over_target(&case(&o, Some(60 * MINUTE), OutcomeAchieved::Yes), 60),
        Some(false)
    );
    assert_eq!(
        over_target(&case(&o, Some(60 * MINUTE + 1), OutcomeAchieved::No), 60),
        Some(true)
    );
    assert_eq!(over_target(&case(&o, None, OutcomeAchieved::Yes), 60), None);
}
