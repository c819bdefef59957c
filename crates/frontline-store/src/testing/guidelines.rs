//! Conformance checks for the guidelines engine's reference data: customer profiles and
//! decision kinds; and the fixtures the rule and decision checks share.
//!
//! Times the store stamps (`updated_at`, `created_at`, `published_at`, `decided_at`…) are only
//! compared with each other, never with the test's clock: a database server may keep its own.

use std::future::Future;
use std::sync::Arc;

use frontline_core::guideline::{
    DecisionKind, FactDef, FactType, Finding, RuleStatus, RuleType, Scope, Verdict,
};
use frontline_core::{
    CaseId, DecisionKindKey, Event, EventKind, NewEvent, Payload, PersonId, RuleId, time,
};
use serde_json::{Map, Value as Json, json};

use super::{Org, new_case, org};
use crate::*;

pub fn kind_key(key: &str) -> DecisionKindKey {
    DecisionKindKey::parse(key).unwrap()
}

/// A decision kind with an amount and a reason. `updated_at` is left at the epoch: the store
/// stamps the time of the save.
pub fn decision_kind(key: &str, currency: &str) -> DecisionKind {
    DecisionKind {
        key: kind_key(key),
        name: format!("Kind {key}"),
        description: format!("When an employee grants a {key}."),
        currency: currency.into(),
        facts: vec![
            FactDef {
                name: "amount".into(),
                label: "Amount".into(),
                fact_type: FactType::Money,
            },
            FactDef {
                name: "reason".into(),
                label: "Reason".into(),
                fact_type: FactType::Choice {
                    options: vec!["damaged".into(), "late".into()],
                },
            },
            FactDef {
                name: "repeat".into(),
                label: "Asked before".into(),
                fact_type: FactType::Bool,
            },
        ],
        updated_at: time::from_millis(0),
    }
}

/// A new rule (version 1) of `kind`; principles have no expression.
pub fn new_rule_version(kind: &str, rule_type: RuleType, name: &str) -> NewRuleVersion {
    NewRuleVersion {
        rule_id: None,
        kind: kind_key(kind),
        rule_type,
        scope: Scope::Organisation,
        name: name.into(),
        expression: rule_type
            .has_expression()
            .then(|| "amount <= 200 && customer.tenure_days > 30".to_owned()),
        text: format!("{name}: why it matters."),
    }
}

/// The next version of `rule`, same kind and type.
pub fn next_rule_version(rule: &RuleVersion, name: &str) -> NewRuleVersion {
    NewRuleVersion {
        rule_id: Some(rule.rule_id),
        kind: rule.kind.clone(),
        rule_type: rule.rule_type,
        scope: rule.scope.clone(),
        name: name.into(),
        expression: rule.expression.as_ref().map(|e| format!("({e}) || repeat")),
        text: format!("{name}: revised."),
    }
}

/// Facts as the engine records them: supplied and automatic, numbers whole and fractional
/// (one with all 17 significant digits, as computed facts have: it only survives a JSON round
/// trip with serde_json's `float_roundtrip`), text, booleans and a list.
pub fn recorded_facts(amount: f64) -> Map<String, Json> {
    let facts = json!({
        "amount": amount,
        "reason": "damaged",
        "repeat": false,
        "customer.tenure_days": 28_493.0 / 7.0,
        "customer.open_cases": 2,
        "customer.lifetime_value": 1234.56,
        "customer.sentiment": -0.25,
        "customer.tier": "plus",
        "case.tags": ["vip", "carrier:dhl"],
        "case.priority": "normal",
    });
    facts.as_object().unwrap().clone()
}

/// One finding of each shape: held, not held (with reasons), and a principle.
pub fn sample_findings() -> Vec<Finding> {
    vec![
        Finding {
            rule_id: RuleId::new(),
            version: 3,
            rule_type: RuleType::Guideline,
            name: "Small refunds".into(),
            held: Some(false),
            why: vec![
                "amount 250 EUR is above 200".into(),
                "customer.tier \"plus\" is not \"premium\"".into(),
            ],
            text: "Refund small amounts without asking.".into(),
        },
        Finding {
            rule_id: RuleId::new(),
            version: 1,
            rule_type: RuleType::Policy,
            name: "Refund limit".into(),
            held: Some(true),
            why: Vec::new(),
            text: "Never more than 1000 — ask finance.".into(),
        },
        Finding {
            rule_id: RuleId::new(),
            version: 2,
            rule_type: RuleType::Principle,
            name: "Be fair".into(),
            held: None,
            why: Vec::new(),
            text: "Treat the customer as you would like to be treated.".into(),
        },
    ]
}

/// A decision of `kind` on `case_id`; explained when the verdict asks for it.
pub fn new_decision(
    case_id: CaseId,
    kind: &str,
    actor_id: PersonId,
    verdict: Verdict,
) -> NewDecision {
    NewDecision {
        case_id,
        kind: kind_key(kind),
        actor_id,
        facts: recorded_facts(250.0),
        verdict,
        explanation: (verdict == Verdict::Explain)
            .then(|| "The parcel arrived three weeks late.".to_owned()),
        findings: sample_findings(),
    }
}

/// The appended event is exactly the one the model's helper builds (kind, actor, case,
/// audience, payload), so both backends write the same events.
pub(super) fn assert_event(event: &Event, expected: NewEvent) {
    let got = (
        event.kind,
        event.actor_id,
        event.case_id,
        event.audience,
        event.decoded().expect("the payload decodes"),
    );
    let want = (
        expected.kind(),
        expected.actor_id,
        expected.case_id,
        expected.audience,
        Payload::decode(expected.kind(), expected.payload()).expect("the payload decodes"),
    );
    assert_eq!(got, want, "event {}", event.seq);
}

/// Decisions in list order: `decided_at` descending, then id descending.
pub async fn guidelines_story(store: &dyn Store, o: &Org) {
    store
        .set_customer_profile(
            Some(o.ann.id),
            CustomerProfile {
                person_id: o.carol.id,
                tier: "premium".into(),
                lifetime_value: 4321.5,
                customer_since: time::from_millis(1_500_000_000_123),
            },
        )
        .await
        .unwrap();
    for key in ["refund", "goodwill_credit"] {
        store
            .save_decision_kind(Some(o.ann.id), decision_kind(key, "EUR"))
            .await
            .unwrap();
    }
    let small = store
        .create_rule_version(
            Some(o.ann.id),
            new_rule_version("refund", RuleType::Guideline, "Small refunds"),
        )
        .await
        .unwrap()
        .value;
    store
        .set_rule_status(Some(o.ann.id), small.rule_id, 1, RuleStatus::Published)
        .await
        .unwrap();
    let revised = store
        .create_rule_version(
            Some(o.ben.id),
            next_rule_version(&small, "Small refunds v2"),
        )
        .await
        .unwrap()
        .value;
    store
        .set_rule_status(
            Some(o.ann.id),
            small.rule_id,
            revised.version,
            RuleStatus::Published,
        )
        .await
        .unwrap();
    store
        .create_rule_version(
            Some(o.ben.id),
            next_rule_version(&small, "Small refunds v3"),
        )
        .await
        .unwrap();
    let principle = NewRuleVersion {
        scope: Scope::Outcome {
            outcome: o.outcome.key.clone(),
        },
        ..new_rule_version("goodwill_credit", RuleType::Principle, "Be generous")
    };
    store.create_rule_version(None, principle).await.unwrap();
    let case = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Guidelines"))
        .await
        .unwrap()
        .value
        .case;
    let mut explained = None;
    for verdict in [Verdict::Within, Verdict::Explain, Verdict::Blocked] {
        let decision = store
            .record_decision(new_decision(case.id, "refund", o.ann.id, verdict))
            .await
            .unwrap()
            .value;
        if verdict == Verdict::Explain {
            explained = Some(decision.id);
        }
    }
    store
        .review_decision(
            explained.unwrap(),
            o.sue.id,
            ReviewOutcome::Coach,
            Some("Offer a voucher first next time.".into()),
        )
        .await
        .unwrap();
}

pub async fn customer_profiles_are_set_replaced_and_only_for_customers<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    assert_eq!(store.get_customer_profile(o.carol.id).await.unwrap(), None);
    assert_eq!(
        store.get_customer_profile(PersonId::new()).await.unwrap(),
        None,
        "an unknown person has no profile either"
    );

    let profile = CustomerProfile {
        person_id: o.carol.id,
        tier: "plus".into(),
        lifetime_value: 1234.56,
        customer_since: time::from_millis(1_600_000_000_123),
    };
    let written = store
        .set_customer_profile(Some(o.ann.id), profile.clone())
        .await
        .unwrap();
    assert_eq!(written.value, profile);
    assert_eq!(written.events.len(), 1);
    assert_event(&written.events[0], profile.event(Some(o.ann.id)));
    assert_eq!(written.events[0].kind, EventKind::CustomerProfileSet);
    assert_eq!(
        store.get_customer_profile(o.carol.id).await.unwrap(),
        Some(profile.clone())
    );

    let upgraded = CustomerProfile {
        tier: "premium".into(),
        lifetime_value: 0.0,
        customer_since: time::from_millis(-86_400_000),
        ..profile.clone()
    };
    let written = store
        .set_customer_profile(None, upgraded.clone())
        .await
        .unwrap();
    assert_event(&written.events[0], upgraded.event(None));
    assert_eq!(
        store.get_customer_profile(o.carol.id).await.unwrap(),
        Some(upgraded),
        "setting again replaces"
    );
    assert_eq!(store.get_customer_profile(o.dave.id).await.unwrap(), None);

    let before = store.last_seq().await.unwrap();
    for staff in [o.ann.id, o.sue.id] {
        assert_err!(
            store
                .set_customer_profile(
                    None,
                    CustomerProfile {
                        person_id: staff,
                        ..profile.clone()
                    },
                )
                .await,
            StoreError::Invalid(_)
        );
        assert_eq!(store.get_customer_profile(staff).await.unwrap(), None);
    }
    assert_err!(
        store
            .set_customer_profile(
                None,
                CustomerProfile {
                    person_id: PersonId::new(),
                    ..profile.clone()
                },
            )
            .await,
        StoreError::NotFound { .. }
    );
    assert_eq!(
        store.last_seq().await.unwrap(),
        before,
        "refusals write nothing"
    );
}

pub async fn decision_kinds_are_saved_by_key_and_listed_in_key_order<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    assert!(store.list_decision_kinds().await.unwrap().is_empty());

    let refund = decision_kind("refund", "EUR");
    let written = store
        .save_decision_kind(Some(o.ann.id), refund.clone())
        .await
        .unwrap();
    let saved = written.value;
    assert!(
        saved.updated_at > refund.updated_at,
        "the store stamps the time of the save"
    );
    assert_eq!(
        saved,
        DecisionKind {
            updated_at: saved.updated_at,
            ..refund.clone()
        }
    );
    assert_eq!(written.events.len(), 1);
    assert_eq!(written.events[0].kind, EventKind::DecisionKindSaved);
    assert_event(
        &written.events[0],
        decision_kind_event(&saved, Some(o.ann.id)),
    );
    assert_eq!(store.get_decision_kind(&refund.key).await.unwrap(), saved);

    let credit = store
        .save_decision_kind(None, decision_kind("goodwill_credit", "GBP"))
        .await
        .unwrap()
        .value;
    assert_eq!(
        store.list_decision_kinds().await.unwrap(),
        vec![credit.clone(), saved.clone()],
        "ordered by key"
    );

    let mut changed = decision_kind("refund", "USD");
    changed.name = "Refund (US)".into();
    changed.description = String::new();
    changed.facts.truncate(1);
    changed.facts.push(FactDef {
        name: "weeks_late".into(),
        label: "Weeks late".into(),
        fact_type: FactType::Number,
    });
    let written = store
        .save_decision_kind(Some(o.ben.id), changed.clone())
        .await
        .unwrap();
    let replaced = written.value;
    assert_eq!(
        replaced,
        DecisionKind {
            updated_at: replaced.updated_at,
            ..changed
        }
    );
    assert!(replaced.updated_at >= saved.updated_at);
    assert_event(
        &written.events[0],
        decision_kind_event(&replaced, Some(o.ben.id)),
    );
    assert_eq!(
        store.get_decision_kind(&refund.key).await.unwrap(),
        replaced
    );
    assert_eq!(
        store.list_decision_kinds().await.unwrap(),
        vec![credit, replaced],
        "saving again replaces by key"
    );
    assert_err!(
        store.get_decision_kind(&kind_key("no_such_kind")).await,
        StoreError::NotFound { .. }
    );
}
