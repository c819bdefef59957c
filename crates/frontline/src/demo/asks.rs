//! The demo's asks: three months of front-line employees asking their support for help, most
//! answered in time, some climbing the support chain, a few withdrawn, with how the help felt;
//! the newest still open, so inboxes and clocks have something live. Every ask is written
//! through the store as it happened (its own times), and "my support" is found exactly as the
//! server finds it.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};
use frontline_core::ask::{AskChange, AskKind, FeelingWord, NewAskSpec, Urgency};
use frontline_core::{AskText, Case, MessageBody, PersonId, Timestamp};
use frontline_store::Store;
use jiff::SignedDuration;

use super::plan::CasePlan;
use super::retime::Retimer;
use super::rng::Rng;

/// How many asks, over how many days before the anchor.
const ASKS: usize = 140;
const DAYS: i64 = 90;

const TEXTS: &[(AskKind, &str)] = &[
    (
        AskKind::Approval,
        "May I refund the full order? It is above my guideline, but the parcel was lost twice.",
    ),
    (
        AskKind::Approval,
        "Can I waive the restocking fee for a customer who has been with us for eight years?",
    ),
    (
        AskKind::Approval,
        "I'd like to send a replacement by express at our cost: the customer needs it for a wedding on Saturday.",
    ),
    (
        AskKind::Unblock,
        "The refund button is greyed out for this order and I can't see why.",
    ),
    (
        AskKind::Unblock,
        "The carrier portal rejects my login since this morning; I have three customers waiting on tracking.",
    ),
    (
        AskKind::Unblock,
        "Billing shows two active subscriptions for one customer and I can't cancel either.",
    ),
    (
        AskKind::Resource,
        "We keep getting the same router question: could we get a short setup video to send customers?",
    ),
    (
        AskKind::Resource,
        "I need read access to the warehouse system to see where returns are stuck.",
    ),
    (
        AskKind::Advice,
        "A customer is threatening to go public about a late delivery. How would you handle it?",
    ),
    (
        AskKind::Advice,
        "How do we explain the new pricing to customers on the old plan without it sounding like a trick?",
    ),
    (
        AskKind::Other,
        "Two of us are off sick on Friday; can someone from another team cover the chat?",
    ),
];

const ANSWERS: &[&str] = &[
    "Yes, go ahead: that is exactly the judgement we want you to make.",
    "Done: I've fixed it on my side, try again now.",
    "I've asked finance and they agree. Go ahead and tell the customer today.",
    "Good call asking. Offer the replacement and note it on the case.",
    "I've given you access; it may take ten minutes to show up.",
    "Call them back yourself and say what we will do and by when; that calms things most.",
];

const FOLLOW_UPS: &[&str] = &[
    "Thanks, trying now.",
    "The customer is still on the line, anything I can do meanwhile?",
    "That worked, thank you!",
];

const GOOD_WORDS: &[&str] = &["relieved", "heard", "supported", "quick", "trusted"];
const MIXED_WORDS: &[&str] = &["okay", "slow", "fine"];
const BAD_WORDS: &[&str] = &["ignored", "frustrated", "stuck"];

/// What was written, for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    pub by_status: BTreeMap<&'static str, usize>,
    pub escalated: usize,
    pub rated: usize,
}

pub struct Input<'a> {
    pub seed: u64,
    pub anchor: Timestamp,
    /// Front-line employees who may ask.
    pub askers: &'a [PersonId],
    pub cases: &'a [(CasePlan, Case)],
}

fn after(at: Timestamp, minutes: i64) -> Timestamp {
    at + SignedDuration::from_mins(minutes)
}

fn text<T>(raw: &str, parse: impl Fn(&str) -> Result<T, frontline_core::ValueError>) -> Result<T> {
    parse(raw).map_err(|e| anyhow::anyhow!("demo text {raw:?}: {}", e.reason))
}

/// Write the asks, oldest first (so loads and "least busy" evolve as they would have).
pub async fn write(store: &dyn Store, input: Input<'_>, retimer: &mut Retimer) -> Result<Seeded> {
    let mut seeded = Seeded::default();
    let mut rng = Rng::derive(input.seed, "asks", 0);
    let mut starts: Vec<i64> = (0..ASKS).map(|_| rng.between(10, DAYS * 24 * 60)).collect();
    // A few from the last hours, so some are still open and on the clock.
    starts.extend([25, 70, 140, 300]);
    starts.sort_unstable_by(|a, b| b.cmp(a));
    // Who supports whom is read as the organisation stands now: in the scratch store the
    // org's own rows are stamped with the moment of seeding until the retimer moves them, so
    // an earlier "as of" would find nobody. The few moves of the last 90 days are ignored.
    let org_time = frontline_core::time::now();
    for (index, minutes_ago) in starts.into_iter().enumerate() {
        let mut rng = Rng::derive(input.seed, "ask", index as u64);
        let asker = *rng.pick(input.askers);
        let at = input.anchor - SignedDuration::from_mins(minutes_ago);
        let Some(assignee) =
            frontline_server::asks::support_for(store, asker, asker, org_time).await?
        else {
            continue;
        };
        let (kind, words) = *rng.pick(TEXTS);
        let urgency = Urgency::ALL[rng.weighted(&[0.15, 0.5, 0.25, 0.1])];
        let case_id = match kind {
            AskKind::Approval | AskKind::Unblock | AskKind::Advice if !input.cases.is_empty() => {
                let (_, case) = rng.pick(input.cases);
                (case.created_at < at).then_some(case.id)
            }
            _ => None,
        };
        let raised = store
            .raise_ask(
                NewAskSpec {
                    asker_id: asker,
                    kind,
                    urgency,
                    text: text(words, AskText::parse)?,
                    case_id,
                    assignee_id: assignee,
                },
                Some(at),
            )
            .await
            .context("could not raise a demo ask")?;
        retimer.events(&raised, at);
        let ask = raised.value;
        let window = urgency.respond_within().as_secs() / 60;
        let unblock = urgency.unblock_within().as_secs() / 60;
        let change = |by: Option<PersonId>, change: AskChange, when: Timestamp| {
            let id = ask.id;
            async move {
                let written = store
                    .change_ask(by, id, change, Some(when))
                    .await
                    .context("could not change a demo ask")?;
                anyhow::Ok((written, when))
            }
        };
        let mut steps = Vec::new();
        let now = input.anchor;
        // Who answers: usually the first supporter in time; sometimes nobody, and it climbs.
        let climbs = rng.chance(0.12);
        let mut helper = assignee;
        let mut t = at;
        if climbs && after(at, window) < now {
            t = after(at, window);
            let to = frontline_server::asks::support_for(store, assignee, asker, org_time).await?;
            steps.push(change(None, AskChange::Escalate { from_step: 0, to }, t).await?);
            seeded.escalated += 1;
            helper = to.unwrap_or(assignee);
        }
        let respond = (window as f64 * rng.unit() * 0.9).max(1.0) as i64;
        let answer_at = after(t, respond);
        if answer_at >= now || rng.chance(0.04) {
            // Still waiting (the newest), or never answered and then withdrawn.
            if answer_at < now && rng.chance(0.6) {
                steps.push(change(Some(asker), AskChange::Withdraw, answer_at).await?);
            }
            for (written, when) in steps {
                retimer.events(&written, when);
            }
            continue;
        }
        steps.push(
            change(
                Some(helper),
                AskChange::Answer {
                    body: text(rng.pick::<&str>(ANSWERS), MessageBody::parse)?,
                },
                answer_at,
            )
            .await?,
        );
        if rng.chance(0.35) {
            let follow = after(answer_at, rng.between(2, 30));
            if follow < now {
                steps.push(
                    change(
                        Some(asker),
                        AskChange::FollowUp {
                            body: text(rng.pick::<&str>(FOLLOW_UPS), MessageBody::parse)?,
                        },
                        follow,
                    )
                    .await?,
                );
            }
        }
        // Most are unblocked within the target; some take far longer.
        let on_target = rng.chance(0.8);
        let took = if on_target {
            rng.between(respond + 1, unblock.max(respond + 2))
        } else {
            rng.between(unblock + 1, unblock * 3)
        };
        let resolved_at = after(at, took);
        if resolved_at < now {
            steps.push(change(Some(helper), AskChange::Resolve { note: None }, resolved_at).await?);
            if rng.chance(0.75) {
                let felt = after(resolved_at, rng.between(5, 240));
                if felt < now {
                    let (score, words) = match (on_target, climbs) {
                        (true, false) => (rng.between(4, 5), GOOD_WORDS),
                        (true, true) => (rng.between(3, 4), MIXED_WORDS),
                        (false, _) => (rng.between(1, 3), BAD_WORDS),
                    };
                    steps.push(
                        change(
                            Some(asker),
                            AskChange::Rate {
                                score: u8::try_from(score).unwrap_or(3),
                                word: text(rng.pick::<&str>(words), FeelingWord::parse)?,
                            },
                            felt,
                        )
                        .await?,
                    );
                    seeded.rated += 1;
                }
            }
        }
        for (written, when) in steps {
            retimer.events(&written, when);
        }
    }
    for ask in store
        .list_asks(frontline_store::AskFilter::default(), 10_000)
        .await?
    {
        *seeded.by_status.entry(ask.status.as_str()).or_default() += 1;
    }
    Ok(seeded)
}
