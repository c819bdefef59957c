//! Conformance checks for rule versions: numbering per rule, the kind and type a rule keeps,
//! the lifecycle (publishing retires the version published before), and listing.

use std::future::Future;
use std::sync::Arc;

use frontline_core::guideline::{RuleStatus, RuleType, Scope};
use frontline_core::{EventKind, Payload, RuleId};

use super::guidelines::assert_event;
use super::{decision_kind, kind_key, new_rule_version, next_rule_version, org};
use crate::*;

pub async fn rule_versions_are_numbered_per_rule_and_keep_its_kind_and_type<
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
    let new = new_rule_version("refund", RuleType::Guideline, "Small refunds");
    let written = store
        .create_rule_version(Some(o.ann.id), new.clone())
        .await
        .unwrap();
    let first = written.value;
    assert_eq!(first.version, 1);
    assert_eq!(first.status, RuleStatus::Draft);
    assert_eq!(
        (
            &first.kind,
            first.rule_type,
            &first.scope,
            &first.name,
            &first.expression,
            &first.text
        ),
        (
            &new.kind,
            new.rule_type,
            &new.scope,
            &new.name,
            &new.expression,
            &new.text
        )
    );
    assert_eq!(first.created_by, Some(o.ann.id));
    assert_eq!((first.published_at, first.retired_at), (None, None));
    assert_eq!(written.events.len(), 1);
    assert_eq!(written.events[0].kind, EventKind::RuleDrafted);
    assert_event(
        &written.events[0],
        first.event(Payload::RuleDrafted, Some(o.ann.id)),
    );

    let next = NewRuleVersion {
        scope: Scope::Team { team_id: o.team_a },
        ..next_rule_version(&first, "Small refunds for team A")
    };
    let written = store.create_rule_version(None, next.clone()).await.unwrap();
    let second = written.value;
    assert_eq!((second.rule_id, second.version), (first.rule_id, 2));
    assert_eq!(second.scope, next.scope);
    assert_eq!(second.expression, next.expression);
    assert_eq!(second.created_by, None);
    assert_eq!(second.status, RuleStatus::Draft);
    assert!(second.created_at >= first.created_at);
    assert_event(&written.events[0], second.event(Payload::RuleDrafted, None));
    assert_eq!(
        store.get_rule_version(first.rule_id, 1).await.unwrap(),
        first
    );
    assert_eq!(
        store.get_rule_version(first.rule_id, 2).await.unwrap(),
        second
    );
    assert_err!(
        store.get_rule_version(first.rule_id, 3).await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store.get_rule_version(RuleId::new(), 1).await,
        StoreError::NotFound { .. }
    );

    let principle = store
        .create_rule_version(
            Some(o.ben.id),
            new_rule_version("refund", RuleType::Principle, "Be fair"),
        )
        .await
        .unwrap()
        .value;
    assert_ne!(principle.rule_id, first.rule_id);
    assert_eq!(principle.version, 1, "every rule counts its own versions");
    assert_eq!(principle.expression, None);

    let before = store.last_seq().await.unwrap();
    assert_err!(
        store
            .create_rule_version(
                None,
                NewRuleVersion {
                    rule_id: Some(RuleId::new()),
                    ..new.clone()
                }
            )
            .await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .create_rule_version(
                None,
                new_rule_version("no_such_kind", RuleType::Guideline, "Orphan"),
            )
            .await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .create_rule_version(
                None,
                NewRuleVersion {
                    kind: kind_key("goodwill_credit"),
                    ..next_rule_version(&first, "Another kind")
                }
            )
            .await,
        StoreError::Invalid(_)
    );
    assert_err!(
        store
            .create_rule_version(
                None,
                NewRuleVersion {
                    rule_type: RuleType::Policy,
                    ..next_rule_version(&first, "Another type")
                }
            )
            .await,
        StoreError::Invalid(_)
    );
    assert_eq!(
        store.last_seq().await.unwrap(),
        before,
        "refusals write nothing"
    );
    assert_err!(
        store.get_rule_version(first.rule_id, 3).await,
        StoreError::NotFound { .. }
    );

    // Every scope round-trips.
    for scope in [
        Scope::Organisation,
        Scope::Team { team_id: o.team_b },
        Scope::Outcome {
            outcome: o.outcome.key.clone(),
        },
        Scope::Person {
            person_id: o.ben.id,
        },
    ] {
        let rule = store
            .create_rule_version(
                None,
                NewRuleVersion {
                    scope: scope.clone(),
                    ..new_rule_version("goodwill_credit", RuleType::Policy, "Scoped")
                },
            )
            .await
            .unwrap()
            .value;
        assert_eq!(rule.scope, scope);
        assert_eq!(store.get_rule_version(rule.rule_id, 1).await.unwrap(), rule);
    }
}

pub async fn publishing_a_version_retires_the_one_published_before<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    use RuleStatus::{Draft, Published, Retired};
    let o = org(&*store).await;
    store
        .save_decision_kind(None, decision_kind("refund", "EUR"))
        .await
        .unwrap();
    let v1 = store
        .create_rule_version(
            Some(o.ann.id),
            new_rule_version("refund", RuleType::Guideline, "Small refunds"),
        )
        .await
        .unwrap()
        .value;
    let rule_id = v1.rule_id;

    let written = store
        .set_rule_status(Some(o.ann.id), rule_id, 1, Published)
        .await
        .unwrap();
    let published = written.value;
    assert_eq!(published.status, Published);
    assert!(published.published_at.is_some_and(|at| at >= v1.created_at));
    assert_eq!(published.retired_at, None);
    assert_eq!(
        published,
        RuleVersion {
            status: Published,
            published_at: published.published_at,
            ..v1.clone()
        },
        "only the status and its time change"
    );
    assert_eq!(written.events.len(), 1, "nothing was published before");
    assert_event(
        &written.events[0],
        published.event(Payload::RulePublished, Some(o.ann.id)),
    );

    let v2 = store
        .create_rule_version(None, next_rule_version(&v1, "Small refunds v2"))
        .await
        .unwrap()
        .value;
    assert_eq!(
        store.get_rule_version(rule_id, 1).await.unwrap(),
        published,
        "drafting leaves the published version alone"
    );
    let written = store
        .set_rule_status(Some(o.ben.id), rule_id, 2, Published)
        .await
        .unwrap();
    let kinds: Vec<EventKind> = written.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![EventKind::RuleRetired, EventKind::RulePublished]
    );
    assert_eq!(written.events[1].seq, written.events[0].seq + 1);
    let retired = store.get_rule_version(rule_id, 1).await.unwrap();
    assert_eq!(retired.status, Retired);
    assert_eq!(retired.published_at, published.published_at);
    assert!(
        retired
            .retired_at
            .is_some_and(|at| at >= published.published_at.unwrap())
    );
    assert_event(
        &written.events[0],
        retired.event(Payload::RuleRetired, Some(o.ben.id)),
    );
    let current = written.value;
    assert_eq!((current.version, current.status), (2, Published));
    assert_eq!(
        current,
        RuleVersion {
            status: Published,
            published_at: current.published_at,
            ..v2.clone()
        }
    );
    assert_event(
        &written.events[1],
        current.event(Payload::RulePublished, Some(o.ben.id)),
    );
    assert_eq!(store.get_rule_version(rule_id, 2).await.unwrap(), current);

    let v3 = store
        .create_rule_version(None, next_rule_version(&v2, "Small refunds v3"))
        .await
        .unwrap()
        .value;
    let before = store.last_seq().await.unwrap();
    for (version, to) in [
        (1, Published),
        (1, Retired),
        (1, Draft),
        (2, Published),
        (2, Draft),
        (3, Draft),
    ] {
        match store.set_rule_status(None, rule_id, version, to).await {
            Err(StoreError::Conflict { .. }) => {}
            other => panic!("moving version {version} to {to:?}: expected Conflict, got {other:?}"),
        }
    }
    assert_err!(
        store.set_rule_status(None, rule_id, 9, Published).await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .set_rule_status(None, RuleId::new(), 1, Published)
            .await,
        StoreError::NotFound { .. }
    );
    assert_eq!(
        store.last_seq().await.unwrap(),
        before,
        "refusals write nothing"
    );
    assert_eq!(store.get_rule_version(rule_id, 1).await.unwrap(), retired);
    assert_eq!(store.get_rule_version(rule_id, 2).await.unwrap(), current);

    // A draft may be discarded; the published version stays.
    let written = store
        .set_rule_status(None, rule_id, v3.version, Retired)
        .await
        .unwrap();
    assert_eq!(written.events.len(), 1);
    assert_event(
        &written.events[0],
        written.value.event(Payload::RuleRetired, None),
    );
    assert_eq!(written.value.status, Retired);
    assert_eq!(written.value.published_at, None);
    assert!(written.value.retired_at.is_some());
    assert_eq!(store.get_rule_version(rule_id, 2).await.unwrap(), current);

    // Publishing another rule leaves this one alone.
    let other = store
        .create_rule_version(
            None,
            new_rule_version("refund", RuleType::Policy, "Refund limit"),
        )
        .await
        .unwrap()
        .value;
    let written = store
        .set_rule_status(None, other.rule_id, 1, Published)
        .await
        .unwrap();
    assert_eq!(written.events.len(), 1);
    assert_eq!(store.get_rule_version(rule_id, 2).await.unwrap(), current);

    // Retiring the published version leaves the rule with none.
    let written = store
        .set_rule_status(Some(o.ann.id), rule_id, 2, Retired)
        .await
        .unwrap();
    assert_eq!(written.events.len(), 1);
    assert_eq!(written.events[0].kind, EventKind::RuleRetired);
    assert_eq!(written.value.published_at, current.published_at);
    let published = store
        .list_rules(RuleFilter {
            rule_id: Some(rule_id),
            status: Some(Published),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(published.is_empty(), "{published:?}");
}

pub async fn concurrent_publications_leave_one_version_published<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    store
        .save_decision_kind(None, decision_kind("refund", "EUR"))
        .await
        .unwrap();
    let first = store
        .create_rule_version(
            None,
            new_rule_version("refund", RuleType::Guideline, "Raced"),
        )
        .await
        .unwrap()
        .value;
    for i in 2..=6 {
        store
            .create_rule_version(None, next_rule_version(&first, &format!("Raced {i}")))
            .await
            .unwrap();
    }
    let rule_id = first.rule_id;
    let mut tasks = Vec::new();
    for version in 1..=6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .set_rule_status(None, rule_id, version, RuleStatus::Published)
                .await
        }));
    }
    for task in tasks {
        task.await
            .unwrap()
            .expect("each draft is published in its turn");
    }
    let versions = store
        .list_rules(RuleFilter {
            rule_id: Some(first.rule_id),
            ..Default::default()
        })
        .await
        .unwrap();
    let published = versions
        .iter()
        .filter(|v| v.status == RuleStatus::Published)
        .count();
    let retired = versions
        .iter()
        .filter(|v| v.status == RuleStatus::Retired)
        .count();
    assert_eq!((published, retired), (1, 5), "{versions:?}");
}

pub async fn rules_list_by_rule_then_version_and_filter<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    use RuleStatus::{Draft, Published, Retired};
    for key in ["refund", "goodwill_credit"] {
        store
            .save_decision_kind(None, decision_kind(key, "EUR"))
            .await
            .unwrap();
    }
    assert!(
        store
            .list_rules(RuleFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    let create = |new: NewRuleVersion| {
        let store = store.clone();
        async move { store.create_rule_version(None, new).await.unwrap().value }
    };
    let a1 = create(new_rule_version("refund", RuleType::Guideline, "A")).await;
    let a2 = create(next_rule_version(&a1, "A2")).await;
    let b1 = create(new_rule_version("goodwill_credit", RuleType::Policy, "B")).await;
    let c1 = create(new_rule_version("refund", RuleType::Principle, "C")).await;
    let a3 = create(next_rule_version(&a1, "A3")).await;
    let set = |rule: &RuleVersion, to: RuleStatus| {
        let (store, rule_id, version) = (store.clone(), rule.rule_id, rule.version);
        async move {
            store
                .set_rule_status(None, rule_id, version, to)
                .await
                .unwrap()
                .value
        }
    };
    let a2 = set(&a2, Published).await;
    let b1 = set(&b1, Published).await;
    let c1 = set(&c1, Retired).await;

    let list = |filter: RuleFilter| {
        let store = store.clone();
        async move { store.list_rules(filter).await.unwrap() }
    };
    let all = vec![a1.clone(), a2.clone(), a3.clone(), b1.clone(), c1.clone()];
    assert_eq!(
        list(RuleFilter::default()).await,
        all,
        "oldest rule first, then by version"
    );
    assert_eq!(
        list(RuleFilter {
            kind: Some(kind_key("refund")),
            ..Default::default()
        })
        .await,
        vec![a1.clone(), a2.clone(), a3.clone(), c1.clone()]
    );
    assert_eq!(
        list(RuleFilter {
            status: Some(Published),
            ..Default::default()
        })
        .await,
        vec![a2.clone(), b1.clone()]
    );
    assert_eq!(
        list(RuleFilter {
            status: Some(Draft),
            ..Default::default()
        })
        .await,
        vec![a1.clone(), a3.clone()]
    );
    assert_eq!(
        list(RuleFilter {
            status: Some(Retired),
            ..Default::default()
        })
        .await,
        vec![c1.clone()]
    );
    assert_eq!(
        list(RuleFilter {
            rule_id: Some(a1.rule_id),
            ..Default::default()
        })
        .await,
        vec![a1.clone(), a2.clone(), a3.clone()]
    );
    assert_eq!(
        list(RuleFilter {
            kind: Some(kind_key("refund")),
            status: Some(Published),
            rule_id: None,
        })
        .await,
        vec![a2.clone()]
    );
    assert_eq!(
        list(RuleFilter {
            kind: Some(kind_key("refund")),
            status: Some(Draft),
            rule_id: Some(a1.rule_id),
        })
        .await,
        vec![a1.clone(), a3.clone()]
    );
    for empty in [
        RuleFilter {
            kind: Some(kind_key("goodwill_credit")),
            rule_id: Some(a1.rule_id),
            ..Default::default()
        },
        RuleFilter {
            rule_id: Some(RuleId::new()),
            ..Default::default()
        },
        RuleFilter {
            kind: Some(kind_key("no_such_kind")),
            ..Default::default()
        },
    ] {
        assert_eq!(list(empty).await, Vec::new());
    }
}
