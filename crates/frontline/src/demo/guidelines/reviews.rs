//! Reviews of the decisions taken with an explanation.

use super::*;

/// About 80 % of the explained decisions older than a week were reviewed by a support
/// employee of the case's team (never the decider): mostly upheld, some coached, a few
/// reversed. Deviations just above the first refund guideline were upheld almost always,
/// which is why it was widened.
pub(super) fn plan_review(
    input: &Input<'_>,
    case: &Case,
    candidate: &Candidate,
    evaluation: &Evaluation,
    facts: &Map<String, Json>,
    now: Timestamp,
) -> Option<PlannedReview> {
    let week_ago = now - SignedDuration::from_hours(24 * 7);
    if evaluation.verdict != Verdict::Explain || candidate.at >= week_ago {
        return None;
    }
    let plan_index = input.cases[candidate.case].0.index;
    let mut rng = Rng::derive(input.seed, "review", plan_index as u64);
    if !rng.chance(0.8) {
        return None;
    }
    let team = case
        .team_id
        .and_then(|t| input.org.team_index.get(&t).copied());
    let supporters: Vec<PersonId> = team
        .map(|t| input.org.supporters[t].clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| *p != candidate.actor)
        .collect();
    let reviewer = if supporters.is_empty() {
        input.org.staff[HEAD_OF_CARE]
    } else {
        *rng.pick(&supporters)
    };
    if reviewer == candidate.actor {
        return None;
    }
    let failed: Vec<&Finding> = evaluation.failed().collect();
    let only = |name: &str| failed.len() == 1 && &*failed[0].name == name;
    let amount = facts.get("amount").and_then(Json::as_f64).unwrap_or(0.0);
    let weights: [f64; 3] = if only(REFUND_ON_THE_SPOT) && failed[0].version == 1 && amount <= 200.0
    {
        [0.94, 0.06, 0.0]
    } else if candidate.kind == Kind::Refund && amount > 250.0 {
        [0.45, 0.35, 0.2]
    } else if failed.iter().any(|f| &*f.name == NOT_A_HABIT) {
        [0.55, 0.35, 0.1]
    } else {
        match candidate.kind {
            Kind::Refund => [0.7, 0.2, 0.1],
            Kind::Goodwill => [0.6, 0.28, 0.12],
            Kind::Replacement => [0.78, 0.14, 0.08],
            Kind::Deadline => [0.62, 0.23, 0.15],
        }
    };
    let outcome = [
        ReviewOutcome::Uphold,
        ReviewOutcome::Coach,
        ReviewOutcome::Reverse,
    ][rng.weighted(&weights)];
    let comment = (outcome != ReviewOutcome::Uphold || rng.chance(0.3))
        .then(|| rng.pick(comments(candidate.kind, outcome)).to_string());
    let latest = now - SignedDuration::from_hours(1);
    let at = (candidate.at + SignedDuration::from_mins(rng.between(90, 5 * 24 * 60))).min(latest);
    Some(PlannedReview {
        reviewer,
        outcome,
        comment,
        at: time::truncate(at),
    })
}

/// What a reviewer writes: always for coaching and reversals, sometimes for upholding.
pub(super) fn comments(kind: Kind, outcome: ReviewOutcome) -> &'static [&'static str] {
    match (outcome, kind) {
        (ReviewOutcome::Uphold, _) => &[
            "Good call.",
            "Agreed, this is exactly the judgement the guideline leaves room for.",
            "Right thing to do; thanks for writing down why.",
            "Fair. The customer's history backs this up.",
        ],
        (ReviewOutcome::Coach, Kind::Refund) => &[
            "Fine this time, but check the order history first: there was a partial refund on it already.",
            "Right outcome. Next time offer store credit first; many customers take it and we keep the sale.",
            "Agree with the outcome; ask for photos before refunding damage of this size next time.",
            "Good instinct, but a replacement would have been cheaper and the customer wanted the item.",
            "OK, but note what you checked in the case so finance can follow it.",
        ],
        (ReviewOutcome::Coach, Kind::Goodwill) => &[
            "Fair, but a smaller credit with a proper apology would have done the job here.",
            "OK this time. Check the account for credit we already gave this month before adding more.",
            "Acceptable. Loop in the team lead when it is this far above the limit.",
        ],
        (ReviewOutcome::Coach, Kind::Replacement) => &[
            "Fine, but open the carrier claim before the replacement ships so we can recover the cost.",
            "OK. Next time check stock at the second warehouse first; it ships a day faster.",
        ],
        (ReviewOutcome::Coach, Kind::Deadline) => &[
            "Fine, but note the new return date in the case so the warehouse accepts the parcel.",
            "OK this time; two weeks would probably have been enough.",
        ],
        (ReviewOutcome::Reverse, Kind::Refund) => &[
            "This should have gone to billing: the charge was correct and the service was used.",
            "The carrier claim was still open, so we would have paid twice. Please check before refunding.",
        ],
        (ReviewOutcome::Reverse, Kind::Goodwill) => &[
            "Too generous for a short delay; the guideline amount was enough. Let's talk in our one-to-one.",
            "The fault was in the customer's own equipment; credit isn't owed here. Let's go through it together.",
        ],
        (ReviewOutcome::Reverse, Kind::Replacement) => &[
            "The first replacement was signed for at the door; this needed an investigation before sending a third.",
        ],
        (ReviewOutcome::Reverse, Kind::Deadline) => &[
            "The window was long over and the item had been used; that is not what the exception is for.",
            "An exchange this far out should have gone to the returns lead first.",
        ],
    }
}
