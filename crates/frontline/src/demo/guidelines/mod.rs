//! The demo's guidelines engine: customer profiles, four decision kinds, rules with a history
//! (the refund guideline was widened a month ago after its deviations were upheld again and
//! again, and a wider draft waits to be back-tested), a few hundred decisions on real demo
//! cases and the reviews of the ones taken with an explanation.
//!
//! Every verdict is computed by the engine itself, as the server would have computed it at
//! the moment of the decision: the rule versions published then, the scopes that apply to the
//! case and its owner, and the automatic facts replayed from the case's plan (its status and
//! tags then, the customer's mood, open cases and refunds in the previous 90 days). The
//! employee's own facts are drawn so that most decisions fall within the guidelines, about a
//! quarter need an explanation, and none is blocked (a blocked decision is never recorded, so
//! its facts are drawn again).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::{Context as _, Result, anyhow};
use frontline_core::guideline::{
    self, AutoFacts, CompiledRule, DecisionKind, Evaluation, FactDef, FactType, Finding,
    RuleStatus, RuleType, Scope, Verdict,
};
use frontline_core::{
    Case, CaseStatus, DecisionKindKey, OutcomeKey, PersonId, RuleId, Tags, Timestamp, time,
};
use frontline_store::{CustomerProfile, NewDecision, NewRuleVersion, ReviewOutcome, Store};
use futures_util::StreamExt as _;
use jiff::SignedDuration;
use serde_json::{Map, Value as Json, json};

use super::names::CustomerSpec;
use super::org::{self, OrgIds};
use super::outcomes::OUTCOMES;
use super::plan::{Action, Author, CasePlan};
use super::retime::Retimer;
use super::rng::Rng;

mod catalogue;
mod decisions;
mod reviews;

use catalogue::*;
use decisions::*;
use reviews::*;

const DAY_MS: i64 = 86_400_000;
const CURRENCY: &str = "EUR";
/// When the kinds were set up, in days before the anchor; the first rules went live on
/// `LIVE_DAYS_AGO` (see `RULES`).
const KINDS_DAYS_AGO: i64 = 88;
const LIVE_DAYS_AGO: i64 = 85;
/// Staff indexes (`org::STAFF`): the CEO and the Head of Customer Care, both admins, write
/// the rules.
const CEO: usize = 0;
const HEAD_OF_CARE: usize = 1;

/// What seeding the guidelines wrote.
#[derive(Clone, Debug, Default)]
pub struct Seeded {
    pub profiles: usize,
    pub kinds: usize,
    pub rules: usize,
    pub rule_versions: usize,
    /// Decisions by verdict.
    pub decisions: BTreeMap<&'static str, usize>,
    /// Reviews by outcome.
    pub reviews: BTreeMap<&'static str, usize>,
}

/// The demo as written so far.
pub struct Input<'a> {
    pub seed: u64,
    pub anchor: Timestamp,
    pub org: &'a OrgIds,
    pub customers: &'a [PersonId],
    pub specs: &'a [CustomerSpec],
    /// When each customer's account was created.
    pub joined: &'a [Timestamp],
    /// Every stored case with its plan, oldest first.
    pub cases: &'a [(CasePlan, Case)],
    pub concurrency: usize,
}

/// Write profiles, kinds, rules, decisions and reviews through `store`, recording when each
/// should have happened in `retimer`.
pub async fn write(
    store: &Arc<dyn Store>,
    input: Input<'_>,
    retimer: &mut Retimer,
) -> Result<Seeded> {
    let mut seeded = Seeded::default();
    let profiles = profiles(&input);
    seeded.profiles =
        write_profiles(store, &profiles, input.joined, input.concurrency, retimer).await?;
    let kinds = write_kinds(&**store, input.org, input.anchor, retimer).await?;
    seeded.kinds = kinds.len();
    let live = write_rules(&**store, input.org, &kinds, input.anchor, retimer).await?;
    seeded.rules = RULES.len();
    seeded.rule_versions = RULES.iter().map(|r| r.versions.len()).sum();

    let planned = plan_decisions(&input, &profiles, &kinds, &live)?;
    let decided = futures_util::stream::iter(planned.iter().map(|p| {
        let store = store.clone();
        let new = NewDecision {
            case_id: input.cases[p.case].1.id,
            kind: kinds[p.kind.index()].key.clone(),
            actor_id: p.actor,
            facts: p.facts.clone(),
            verdict: p.evaluation.verdict,
            explanation: p.explanation.clone(),
            findings: p.evaluation.findings.clone(),
        };
        async move { store.record_decision(new).await }
    }))
    .buffered(input.concurrency.max(1))
    .collect::<Vec<_>>()
    .await;
    let mut reviews = Vec::new();
    for (plan, written) in planned.iter().zip(decided) {
        let written = written.context("could not record a demo decision")?;
        retimer.decision(written.value.id, plan.at);
        retimer.events(&written, plan.at);
        *seeded
            .decisions
            .entry(plan.evaluation.verdict.as_str())
            .or_default() += 1;
        if let Some(review) = &plan.review {
            reviews.push((written.value.id, review));
        }
    }
    let reviewed = futures_util::stream::iter(reviews.iter().map(|(id, review)| {
        let store = store.clone();
        let (id, reviewer, outcome, comment) =
            (*id, review.reviewer, review.outcome, review.comment.clone());
        async move { store.review_decision(id, reviewer, outcome, comment).await }
    }))
    .buffered(input.concurrency.max(1))
    .collect::<Vec<_>>()
    .await;
    for ((id, review), written) in reviews.iter().zip(reviewed) {
        let written = written.context("could not review a demo decision")?;
        retimer.review(*id, review.at);
        retimer.events(&written, review.at);
        *seeded.reviews.entry(review.outcome.as_str()).or_default() += 1;
    }
    Ok(seeded)
}

// ----- customer profiles -----
