//! The demo's proposals: a dozen ideas from the front line, each backed by real demo cases of
//! the outcome it is about (and often a theme), in every status: open and collecting votes,
//! adopted and waiting to ship, declined with a reason, withdrawn, and shipped, whose
//! customers were told on their cases (the closed loop writes those messages, as in
//! production). Votes and comments come from real demo staff; support employees decide.
//!
//! Times: evidence is taken from finished cases whose conversations ended at least three weeks
//! before the anchor, and every step happens after the one before, so each closed-loop
//! message comes after the rest of its case's conversation and everything is in the past.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};
use frontline_core::proposal::{
    CommentBody, Evidence, NewProposal, ProposalBody, ProposalTitle, Reason, Theme, WhatChanged,
};
use frontline_core::{Case, CaseStatus, PersonId, ProposalChange, ProposalStatus, Role, Timestamp};
use frontline_store::{Store, Written};
use jiff::SignedDuration;

use super::org::STAFF;
use super::outcomes::OUTCOMES;
use super::plan::CasePlan;
use super::retime::Retimer;
use super::rng::Rng;

/// One proposal of the story and where it ends up.
struct Idea {
    title: &'static str,
    body: &'static str,
    /// The outcome whose cases are the evidence; `None`: a theme only.
    outcome: Option<&'static str>,
    theme: Option<(&'static str, &'static str)>,
    status: ProposalStatus,
    /// Why it was adopted or declined.
    reason: &'static str,
    /// What changed, for the shipped ones.
    what_changed: &'static str,
}

const IDEAS: &[Idea] = &[
    Idea {
        title: "Call customers back before the courier gives up",
        body: "When a parcel is stuck for two days we wait for the customer to chase us. Call them first, with what we know and when we will know more.",
        outcome: Some("order_arrives"),
        theme: Some(("late-parcels", "Parcels arrive late and nobody calls")),
        status: ProposalStatus::Shipped,
        reason: "Every team sees this weekly, and calling first costs less than the chasing.",
        what_changed: "when your parcel is stuck for two days, we now call you first with what we know",
    },
    Idea {
        title: "Show the split-parcel notice in the order confirmation",
        body: "Customers think half their order is lost when it comes in two parcels. Say so in the confirmation email, with both tracking numbers.",
        outcome: Some("order_arrives"),
        theme: Some(("split-orders", "Half my order is missing")),
        status: ProposalStatus::Open,
        reason: "",
        what_changed: "",
    },
    Idea {
        title: "Explain pro-rata charges on the first invoice",
        body: "The first invoice after a plan change looks wrong to almost everyone. One plain line explaining the pro-rata part would save a case each time.",
        outcome: Some("charged_correctly"),
        theme: Some(("unexpected-charges", "Charged more than expected")),
        status: ProposalStatus::Adopted,
        reason: "Cheap to do and it removes a whole kind of case; billing will word it with us.",
        what_changed: "",
    },
    Idea {
        title: "Refund within 3 days, not 14",
        body: "Refunds that take two weeks turn a solved case into an angry one. The bank transfer itself takes a day; the wait is our batch.",
        outcome: Some("charged_correctly"),
        theme: Some(("slow-refunds", "The refund is taking forever")),
        status: ProposalStatus::Shipped,
        reason: "The batch was a habit, not a rule. Finance agrees to a daily run.",
        what_changed: "refunds now leave us the next working day instead of in a fortnightly batch",
    },
    Idea {
        title: "Send a router restart guide before the engineer visit",
        body: "A third of engineer visits end with 'restart it properly'. Send the two-minute guide when the visit is booked.",
        outcome: Some("back_online"),
        theme: None,
        status: ProposalStatus::Adopted,
        reason: "Saves visits and days of waiting for customers. The network team writes the guide.",
        what_changed: "",
    },
    Idea {
        title: "Prepaid return labels in every parcel",
        body: "Customers print labels at the library to send things back. Put a prepaid label in the box.",
        outcome: Some("easy_return"),
        theme: Some(("return-labels", "No printer for the return label")),
        status: ProposalStatus::Shipped,
        reason: "Labels cost less than the cases about them.",
        what_changed: "every parcel now comes with a prepaid return label, so you no longer need a printer",
    },
    Idea {
        title: "Let customers reset two-factor by video call",
        body: "Locked-out customers wait days for a letter. A short video call with ID would get them back in the same day.",
        outcome: Some("account_access"),
        theme: Some(("locked-out", "Locked out of my account")),
        status: ProposalStatus::Withdrawn,
        reason: "",
        what_changed: "",
    },
    Idea {
        title: "A five-minute setup video for the most asked questions",
        body: "The same three setup questions make up most product-help cases. A short video we can send would answer them better than a long email.",
        outcome: Some("product_help"),
        theme: Some(("setup-questions", "How do I set it up?")),
        status: ProposalStatus::Open,
        reason: "",
        what_changed: "",
    },
    Idea {
        title: "One owner per case: no hand-offs between teams",
        body: "Customers tell us they explained their problem three times. Whoever takes a case keeps it and pulls in colleagues instead of passing it on.",
        outcome: None,
        theme: Some(("passed-around", "I had to explain it three times")),
        status: ProposalStatus::Open,
        reason: "",
        what_changed: "",
    },
    Idea {
        title: "Weekend cover for billing questions",
        body: "Billing cases opened on Friday evening wait until Monday. A small weekend rota would answer them.",
        outcome: Some("charged_correctly"),
        theme: None,
        status: ProposalStatus::Declined,
        reason: "Weekend billing cases are few, and the invoice explanation we adopted should cut them further. Let us look again in three months.",
        what_changed: "",
    },
    Idea {
        title: "Text customers when an outage is known",
        body: "During an outage customers open cases to learn what we already know. A text to the affected area would tell them first.",
        outcome: Some("back_online"),
        theme: Some(("outage-news", "Nobody told me there was an outage")),
        status: ProposalStatus::Adopted,
        reason: "The network team has the affected areas already; this is mostly wiring.",
        what_changed: "",
    },
    Idea {
        title: "Extend the return window to 60 days for loyal customers",
        body: "Long-standing customers are surprised to be refused a return on day 31.",
        outcome: Some("easy_return"),
        theme: None,
        status: ProposalStatus::Declined,
        reason: "The 30-day window is a legal and supplier term we cannot change alone; exceptions stay a guideline decision on the case.",
        what_changed: "",
    },
];

const COMMENTS: &[&str] = &[
    "Happens to me several times a week.",
    "Yes please. I had two of these yesterday.",
    "Could we try it with one team first?",
    "The customers I talk to ask for exactly this.",
    "Worth checking with the warehouse what it costs.",
    "This would have saved me an hour on Monday.",
    "Agree, and let us measure the cases before and after.",
];

/// What the demo wrote.
#[derive(Clone, Debug, Default)]
pub struct Seeded {
    pub by_status: BTreeMap<ProposalStatus, usize>,
    pub votes: usize,
    pub comments: usize,
    /// Closed-loop messages: one per evidence case of a shipped proposal.
    pub told: usize,
}

pub struct Input<'a> {
    pub seed: u64,
    pub anchor: Timestamp,
    pub staff: &'a [PersonId],
    pub cases: &'a [(CasePlan, Case)],
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

/// Move `at` on by a random number of minutes and return it: steps happen one after another.
fn later(at: &mut Timestamp, rng: &mut Rng, low_mins: i64, high_mins: i64) -> Timestamp {
    *at += SignedDuration::from_mins(rng.between(low_mins, high_mins));
    *at
}

/// Write the demo's proposals through the store, each step at its own time.
pub async fn write(store: &dyn Store, input: Input<'_>, retimer: &mut Retimer) -> Result<Seeded> {
    let (mut employees, mut supporters) = (Vec::new(), Vec::new());
    for (spec, id) in STAFF.iter().zip(input.staff) {
        match spec.role {
            Role::Support => supporters.push(*id),
            _ => employees.push(*id),
        }
    }
    let everyone: Vec<PersonId> = employees.iter().chain(&supporters).copied().collect();
    // Evidence: finished cases whose conversation ended three weeks ago or more.
    let settled = input.anchor - hours(21 * 24);
    let mut last_words = std::collections::HashMap::new();
    for (_, case) in input.cases {
        if matches!(case.status, CaseStatus::Resolved | CaseStatus::Closed) {
            let messages = store
                .list_messages(case.id, true)
                .await
                .context("could not read a demo case's messages")?;
            if let Some(last) = messages.last().map(|m| m.created_at)
                && last < settled
            {
                last_words.insert(case.id, last);
            }
        }
    }
    let mut seeded = Seeded::default();
    for (index, idea) in IDEAS.iter().enumerate() {
        let mut rng = Rng::derive(input.seed, "proposals", index as u64);
        let mut evidence = Vec::new();
        if let Some(key) = idea.outcome {
            let outcome = OUTCOMES.iter().position(|o| o.key == key).unwrap_or(0);
            let candidates: Vec<&Case> = input
                .cases
                .iter()
                .filter(|(plan, case)| plan.outcome == outcome && last_words.contains_key(&case.id))
                .map(|(_, case)| case)
                .collect();
            let wanted = rng.between(2, 4) as usize;
            while evidence.len() < wanted.min(candidates.len()) {
                let case = candidates[rng.below(candidates.len())];
                if !evidence.iter().any(|c: &&Case| c.id == case.id) {
                    evidence.push(case);
                }
            }
        }
        let theme = idea
            .theme
            .map(|(key, label)| Theme::parse(key, Some(label)))
            .transpose()?;
        // A small demo (`--cases 1`) may have no finished case of the idea's outcome, and a
        // proposal needs evidence: leave that idea out rather than fail the whole seeding.
        if evidence.is_empty() && theme.is_none() {
            continue;
        }
        let ended = evidence
            .iter()
            .filter_map(|c| last_words.get(&c.id).copied())
            .max()
            .unwrap_or(settled);
        // Open ones are recent; decided ones leave room for votes, a decision and shipping.
        let raised_at = if idea.status == ProposalStatus::Open {
            input.anchor - hours(rng.between(5 * 24, 9 * 24))
        } else {
            ended.max(settled - hours(rng.between(0, 3 * 24))) + hours(rng.between(2, 48))
        };
        let author = employees[rng.below(employees.len())];
        let new = NewProposal {
            author_id: author,
            title: ProposalTitle::parse(idea.title)?,
            body: ProposalBody::parse(idea.body)?,
            evidence: Evidence::new(evidence.iter().map(|c| c.id).collect(), theme)?,
        };
        let raised = store
            .raise_proposal(new, Some(raised_at))
            .await
            .with_context(|| format!("could not raise the demo proposal {:?}", idea.title))?;
        retimer.events(&raised, raised_at);
        let id = raised.value.id;

        // Votes and comments over the following days, before any decision.
        let mut at = raised_at;
        let mut voters: Vec<PersonId> = Vec::new();
        for _ in 0..rng.between(2, 9) {
            let voter = everyone[rng.below(everyone.len())];
            if voter == author || voters.contains(&voter) {
                continue;
            }
            let when = later(&mut at, &mut rng, 20, 8 * 60);
            let written = store
                .set_proposal_vote(voter, id, true, Some(when))
                .await
                .context("could not vote on a demo proposal")?;
            retimer.events(&written, when);
            voters.push(voter);
            seeded.votes += 1;
        }
        for _ in 0..rng.between(1, 3) {
            let by = everyone[rng.below(everyone.len())];
            let comment: &&str = rng.pick(COMMENTS);
            let when = later(&mut at, &mut rng, 20, 8 * 60);
            let written = store
                .comment_proposal(by, id, CommentBody::parse(comment)?, Some(when))
                .await
                .context("could not comment on a demo proposal")?;
            retimer.events(&written, when);
            seeded.comments += 1;
        }

        // Not the CEO: the ledger's story is the CEO's distance from customers, and shipping
        // writes to customers. The Head of Customer Care (next in line) ships and so tells
        // the customers.
        let deciders = &supporters[1..];
        let decider = deciders[rng.below(deciders.len())];
        let shipper = supporters[1];
        let reason = || Reason::parse(idea.reason);
        let decisions: Vec<(PersonId, ProposalChange)> = match idea.status {
            ProposalStatus::Open => Vec::new(),
            ProposalStatus::Withdrawn => vec![(author, ProposalChange::Withdraw)],
            ProposalStatus::Declined => {
                vec![(decider, ProposalChange::Decline { reason: reason()? })]
            }
            ProposalStatus::Adopted => vec![(decider, ProposalChange::Adopt { reason: reason()? })],
            ProposalStatus::Shipped => vec![
                (decider, ProposalChange::Adopt { reason: reason()? }),
                (
                    shipper,
                    ProposalChange::Ship {
                        what_changed: WhatChanged::parse(idea.what_changed)?,
                    },
                ),
            ],
        };
        for (by, change) in decisions {
            let when = later(&mut at, &mut rng, 24 * 60, 5 * 24 * 60);
            let written: Written<_> = store
                .change_proposal(by, id, change, Some(when))
                .await
                .with_context(|| format!("could not decide the demo proposal {:?}", idea.title))?;
            retimer.events(&written, when);
            seeded.told += written.value.told.len();
        }
        *seeded.by_status.entry(idea.status).or_default() += 1;
    }
    Ok(seeded)
}
