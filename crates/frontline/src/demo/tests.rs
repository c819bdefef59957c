//! The demo, seeded into a real SQLite store: the counts, statuses and shape the product's
//! pages and screenshots rely on, and the plan's determinism.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use frontline_core::{CaseStatus, Role, Visibility, time};
use frontline_store::{Record, Store};
use frontline_store_sqlite::SqliteStore;
use jiff::SignedDuration;

use super::*;

#[test]
fn the_same_seed_plans_the_same_cases_on_any_day() {
    let customers = names::customers(DEFAULT_SEED, 300);
    let now = time::now();
    let later = now + SignedDuration::from_hours(24 * 40 + 7);
    let by_index = |mut plans: Vec<CasePlan>| {
        plans.sort_by_key(|p| p.index);
        plans
    };
    let a = by_index(plan_cases(DEFAULT_SEED, 500, &customers, now));
    assert_eq!(a, by_index(plan_cases(DEFAULT_SEED, 500, &customers, now)));
    let b = by_index(plan_cases(DEFAULT_SEED, 500, &customers, later));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (x.customer, x.outcome, &x.subject, x.status),
            (y.customer, y.outcome, &y.subject, y.status)
        );
        assert_eq!(x.steps.len(), y.steps.len());
    }
    let other = by_index(plan_cases(DEFAULT_SEED + 1, 500, &customers, now));
    assert_ne!(
        a[0].subject.clone() + &a[1].subject,
        other[0].subject.clone() + &other[1].subject
    );
}

#[test]
fn planned_conversations_are_in_order_and_never_in_the_future() {
    let customers = names::customers(DEFAULT_SEED, 300);
    // Just after midnight UTC is the hardest case: today has almost no room.
    for now in [time::now(), time::from_millis(1_767_225_720_000)] {
        let plans = plan_cases(DEFAULT_SEED, 2000, &customers, now);
        let oldest = now - SignedDuration::from_hours(24 * DAYS);
        let mut statuses = HashSet::new();
        for plan in &plans {
            assert!(
                plan.created_at >= oldest && plan.created_at < now,
                "case {}",
                plan.index
            );
            let mut previous = plan.created_at;
            for step in &plan.steps {
                assert!(
                    step.at > previous && step.at < now,
                    "case {}: step out of order",
                    plan.index
                );
                previous = step.at;
            }
            statuses.insert(plan.status);
        }
        assert_eq!(
            statuses.len(),
            CaseStatus::ALL.len(),
            "every status is planned"
        );
        assert!(
            plans.windows(2).all(|w| w[0].created_at <= w[1].created_at),
            "oldest first"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_seeds_a_realistic_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("demo.db")).unwrap());
    let before_seeding = time::now();
    let summary = seed(store.clone(), &Options::new("$argon2id$demo-test".into()))
        .await
        .unwrap();
    eprintln!("seeded in {:?}: {summary:?}", summary.elapsed);
    assert_eq!(summary.cases, 2000);

    let records = store.export().await.unwrap();
    let mut roles = BTreeMap::new();
    let (mut cases, mut messages, mut memberships, mut supports) = (vec![], vec![], vec![], vec![]);
    for record in records {
        match record {
            Record::Person {
                person,
                password_hash,
                ..
            } => {
                assert_eq!(password_hash.as_deref(), Some("$argon2id$demo-test"));
                *roles.entry(person.role.as_str()).or_insert(0) += 1;
                if person.email.as_str() == "ceo@frontline.example" {
                    assert_eq!(
                        (person.title.as_deref(), person.admin, person.role),
                        (Some("CEO"), true, Role::Support)
                    );
                }
            }
            Record::Case(case) => cases.push(case),
            Record::Message(message) => messages.push(message),
            Record::Membership(m) => memberships.push(m),
            Record::Support(s) => supports.push(s),
            // Everything is dated in the organisation's past, not at the moment of seeding.
            Record::Event(event) => assert!(event.at < before_seeding, "{event:?}"),
            _ => {}
        }
    }
    assert_eq!(
        roles,
        BTreeMap::from([("customer", 300), ("employee", 25), ("support", 6)])
    );
    assert_eq!(cases.len(), 2000);
    assert!(
        messages.len() > 6000,
        "conversations have several messages: {}",
        messages.len()
    );
    assert!(
        messages
            .iter()
            .any(|m| m.visibility == Visibility::Internal),
        "internal notes exist"
    );

    let statuses: HashSet<_> = cases.iter().map(|c| c.status).collect();
    assert_eq!(
        statuses.len(),
        CaseStatus::ALL.len(),
        "every status is present: {statuses:?}"
    );
    let done = cases
        .iter()
        .filter(|c| matches!(c.status, CaseStatus::Resolved | CaseStatus::Closed));
    let achieved = done
        .clone()
        .filter(|c| c.outcome_achieved != frontline_core::OutcomeAchieved::Unknown);
    assert!(
        achieved.count() * 10 > done.count() * 8,
        "most finished cases record the outcome"
    );
    assert!(
        cases
            .iter()
            .all(|c| c.owner_id.is_some() || c.status == CaseStatus::New)
    );
    assert!(cases.iter().any(|c| !c.tags.is_empty()));

    let current: Vec<_> = memberships.iter().filter(|m| m.to.is_none()).collect();
    let mut teams_per_person: HashMap<_, usize> = HashMap::new();
    for m in &current {
        *teams_per_person.entry(m.person_id).or_default() += 1;
    }
    assert!(
        teams_per_person.values().filter(|n| **n >= 2).count() >= 5,
        "teams overlap"
    );
    assert!(
        memberships.iter().any(|m| m.to.is_some()),
        "the org has a history"
    );
    let mut supporters_per_team: HashMap<_, usize> = HashMap::new();
    for s in supports.iter().filter(|s| s.to.is_none()) {
        *supporters_per_team.entry(s.team_id).or_default() += 1;
    }
    assert_eq!(supporters_per_team.len(), 6);
    assert!(supporters_per_team.values().all(|n| (1..=2).contains(n)));

    // Conversations: the opening message at the case's creation, then strictly later ones.
    let created: HashMap<_, _> = cases.iter().map(|c| (c.id, c.created_at)).collect();
    let mut last = HashMap::new();
    for m in &messages {
        let opened = created[&m.case_id];
        assert!(m.created_at >= opened && m.created_at <= time::now());
        if let Some(previous) = last.insert(m.case_id, m.created_at) {
            assert!(m.created_at >= previous, "messages are in order");
        }
    }
    let oldest = cases.iter().map(|c| c.created_at).min().unwrap();
    assert!(time::now().duration_since(oldest) > SignedDuration::from_hours(24 * 80));

    let again = seed(store, &Options::new("x".into())).await.unwrap_err();
    assert!(again.to_string().contains("not empty"), "{again}");
}
