//! The demo, seeded into a real SQLite store: the counts, statuses and shape the product's
//! pages and screenshots rely on, and the plan's determinism.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use frontline_core::guideline::{self, CompiledRule, RuleStatus, RuleType, Verdict};
use frontline_core::{CaseStatus, OutcomeKey, Role, Visibility, time};
use frontline_store::{Record, ReviewOutcome, Store};
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
    let (mut profiles, mut kinds, mut rules, mut decisions) = (vec![], vec![], vec![], vec![]);
    let mut people = HashMap::new();
    let mut asks = Vec::new();
    for record in records {
        match record {
            Record::Person {
                person,
                password_hash,
                ..
            } => {
                // Former staff left before today: they cannot sign in.
                let former = history::FORMER_STAFF
                    .iter()
                    .any(|f| person.email.as_str() == org::staff_email(f.1));
                let expected = (!former).then_some("$argon2id$demo-test");
                assert_eq!(password_hash.as_deref(), expected, "{}", person.email);
                *roles.entry(person.role.as_str()).or_insert(0) += 1;
                people.insert(person.id, person.role);
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
            Record::CustomerProfile(p) => profiles.push(p),
            Record::DecisionKind(k) => kinds.push(k),
            Record::Rule(r) => rules.push(r),
            Record::Decision(d) => decisions.push(d),
            Record::Ask(a) => asks.push(a),
            // Everything is dated in the organisation's past, not at the moment of seeding.
            Record::Event(event) => assert!(event.at < before_seeding, "{event:?}"),
            _ => {}
        }
    }
    // Today's staff plus those who left over the four years (4 employees, 1 support).
    assert_eq!(
        roles,
        BTreeMap::from([("customer", 300), ("employee", 29), ("support", 7)])
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
    // The six outcome teams and Leadership (the CEO).
    assert_eq!(supporters_per_team.len(), 7);
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

    check_guidelines(&cases, &people, &profiles, &kinds, &rules, &decisions);
    check_asks(&asks, &people, &summary.asks);
    check_history(&*store).await;
    check_leaders(&*store, &summary.leaders, &messages).await;
    check_feelings(&*store, &summary.feelings, &cases).await;
    check_scoreboard(&*store).await;
    check_proposals(&*store, &summary.proposals, &cases).await;
    check_voice(&*store, &summary.voice, &cases, &messages).await;

    let again = seed(store, &Options::new("x".into())).await.unwrap_err();
    assert!(again.to_string().contains("not empty"), "{again}");
}

/// The guidelines engine's demo data: profiles, kinds, the refund guideline's history, and
/// decisions whose verdicts are exactly what the engine answers for their recorded facts and
/// the rule versions in force when they were taken.
fn check_guidelines(
    cases: &[frontline_core::Case],
    people: &HashMap<frontline_core::PersonId, Role>,
    profiles: &[frontline_store::CustomerProfile],
    kinds: &[frontline_core::guideline::DecisionKind],
    rules: &[frontline_store::RuleVersion],
    decisions: &[frontline_store::Decision],
) {
    let now = time::now();
    assert_eq!(profiles.len(), 300, "every customer has a profile");
    let tier = |t: &str| profiles.iter().filter(|p| p.tier == t).count();
    assert!(
        (180..=240).contains(&tier("standard")),
        "{}",
        tier("standard")
    );
    assert!((40..=80).contains(&tier("plus")), "{}", tier("plus"));
    assert!((15..=45).contains(&tier("premium")), "{}", tier("premium"));
    assert!(
        profiles
            .iter()
            .all(|p| p.customer_since < now && p.lifetime_value > 0.0)
    );

    let keys: HashSet<&str> = kinds.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(
        keys,
        HashSet::from([
            "refund",
            "goodwill_credit",
            "replacement",
            "deadline_exception"
        ])
    );
    let kinds: HashMap<_, _> = kinds.iter().map(|k| (k.key.clone(), k)).collect();
    assert!(
        kinds
            .values()
            .all(|k| k.updated_at < now && k.currency == "EUR")
    );

    let spot: Vec<_> = rules
        .iter()
        .filter(|r| r.name == "Refund on the spot")
        .collect();
    let status: Vec<_> = spot.iter().map(|r| (r.version, r.status)).collect();
    assert_eq!(
        status,
        [
            (1, RuleStatus::Retired),
            (2, RuleStatus::Published),
            (3, RuleStatus::Draft)
        ]
    );
    assert_eq!(spot[0].retired_at, spot[1].published_at, "v2 replaced v1");
    let v1_days = now.duration_since(spot[0].published_at.unwrap()).as_hours() / 24;
    let v2_days = now.duration_since(spot[1].published_at.unwrap()).as_hours() / 24;
    assert!((80..=90).contains(&v1_days) && (25..=35).contains(&v2_days));
    for rule in rules {
        assert!(rule.created_at < now);
        assert!(
            rule.published_at
                .is_none_or(|p| rule.created_at < p && p < now)
        );
        assert!(
            rule.retired_at
                .is_none_or(|r| rule.published_at.unwrap() < r && r < now)
        );
        assert_eq!(
            rule.expression.is_some(),
            rule.rule_type != RuleType::Principle
        );
        assert_eq!(people.get(&rule.created_by.unwrap()), Some(&Role::Support));
    }
    let types: HashSet<_> = rules.iter().map(|r| r.rule_type).collect();
    assert_eq!(types.len(), 3, "guidelines, policies and principles");
    let versions: HashMap<_, _> = rules.iter().map(|r| ((r.rule_id, r.version), r)).collect();

    let by_verdict = |v: Verdict| decisions.iter().filter(|d| d.verdict == v).count();
    let (within, explain) = (by_verdict(Verdict::Within), by_verdict(Verdict::Explain));
    assert!(
        decisions.len() >= 200,
        "a few hundred decisions: {}",
        decisions.len()
    );
    assert_eq!(
        by_verdict(Verdict::Blocked),
        0,
        "blocked decisions are never recorded"
    );
    assert!(within * 10 > decisions.len() * 6, "mostly within: {within}");
    assert!(
        explain * 10 > decisions.len() * 15 / 10,
        "some explained: {explain}"
    );

    let cases: HashMap<_, _> = cases.iter().map(|c| (c.id, c)).collect();
    let mut compiled: HashMap<_, Arc<CompiledRule>> = HashMap::new();
    let mut reviews: HashMap<ReviewOutcome, usize> = HashMap::new();
    for d in decisions {
        let case = cases[&d.case_id];
        assert!(
            d.decided_at > case.created_at && d.decided_at < now,
            "{d:?}"
        );
        assert_eq!(
            (Some(d.actor_id), d.customer_id),
            (case.owner_id, case.customer_id)
        );
        assert_eq!(d.explanation.is_some(), d.verdict == Verdict::Explain);
        if let Some(review) = &d.review {
            assert_eq!(d.verdict, Verdict::Explain);
            assert_ne!(review.reviewer_id, d.actor_id);
            assert_eq!(people.get(&review.reviewer_id), Some(&Role::Support));
            assert!(review.reviewed_at > d.decided_at && review.reviewed_at < now);
            assert!(review.comment.is_some() || review.outcome == ReviewOutcome::Uphold);
            *reviews.entry(review.outcome).or_default() += 1;
        }

        // Re-evaluate the recorded facts against the recorded versions.
        let kind = kinds[&d.kind];
        let schema = kind.schema();
        let facts = schema.recorded(&d.facts).unwrap();
        let rules: Vec<Arc<CompiledRule>> = d
            .findings
            .iter()
            .map(|f| {
                let version = versions[&(f.rule_id, f.version)];
                assert!(
                    version.published_at.is_some_and(|p| p <= d.decided_at)
                        && version.retired_at.is_none_or(|r| d.decided_at < r),
                    "{} v{} was in force when the decision was taken",
                    version.name,
                    version.version
                );
                compiled
                    .entry((f.rule_id, f.version))
                    .or_insert_with(|| {
                        Arc::new(CompiledRule {
                            rule_id: version.rule_id,
                            version: version.version,
                            rule_type: version.rule_type,
                            name: Arc::from(version.name.as_str()),
                            text: Arc::from(version.text.as_str()),
                            expr: version
                                .expression
                                .as_ref()
                                .map(|e| guideline::compile(e, &schema).unwrap()),
                        })
                    })
                    .clone()
            })
            .collect();
        let evaluation = guideline::evaluate(rules.iter().map(|r| &**r), &facts);
        assert_eq!(evaluation.verdict, d.verdict, "{d:?}");
        assert_eq!(evaluation.findings, d.findings, "{d:?}");
        // Every version in force that applies to the case and the decider was evaluated.
        let outcome = OutcomeKey::parse(d.facts["case.outcome"].as_str().unwrap()).unwrap();
        let in_force = rules_in_force(versions.values().copied(), d)
            .filter(|r| r.scope.applies(case.team_id, &outcome, d.actor_id))
            .count();
        assert_eq!(in_force, d.findings.len(), "{d:?}");
    }
    for outcome in [
        ReviewOutcome::Uphold,
        ReviewOutcome::Coach,
        ReviewOutcome::Reverse,
    ] {
        assert!(
            reviews.get(&outcome).copied().unwrap_or(0) > 0,
            "{reviews:?}"
        );
    }
    let reviewed_week_old = decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Explain)
        .filter(|d| now.duration_since(d.decided_at) > SignedDuration::from_hours(24 * 8));
    let (old, reviewed) = reviewed_week_old.fold((0, 0), |(n, r), d| {
        (n + 1, r + usize::from(d.review.is_some()))
    });
    assert!(
        reviewed * 10 >= old * 6,
        "most older deviations are reviewed: {reviewed} of {old}"
    );

    // Earned autonomy: deviations from the first refund guideline were upheld.
    let v1_deviations: Vec<_> = decisions
        .iter()
        .filter(|d| {
            d.findings
                .iter()
                .any(|f| f.rule_id == spot[0].rule_id && f.version == 1 && f.held == Some(false))
        })
        .filter_map(|d| d.review.as_ref())
        .collect();
    let upheld = v1_deviations
        .iter()
        .filter(|r| r.outcome == ReviewOutcome::Uphold)
        .count();
    assert!(v1_deviations.len() >= 5 && upheld * 10 >= v1_deviations.len() * 8);
}

fn rules_in_force<'a>(
    versions: impl Iterator<Item = &'a frontline_store::RuleVersion>,
    d: &'a frontline_store::Decision,
) -> impl Iterator<Item = &'a frontline_store::RuleVersion> {
    versions.filter(move |r| {
        r.kind == d.kind
            && r.published_at.is_some_and(|p| p <= d.decided_at)
            && r.retired_at.is_none_or(|t| d.decided_at < t)
    })
}

/// Asks: employees ask support employees; every status is there, some climbed, many were
/// rated, and every time is in order and in the past.
fn check_asks(
    asks: &[frontline_core::Ask],
    people: &HashMap<frontline_core::PersonId, Role>,
    seeded: &super::asks::Seeded,
) {
    use frontline_core::ask::AskStatus;
    assert!(asks.len() >= 100, "{} asks", asks.len());
    let statuses: HashSet<_> = asks.iter().map(|a| a.status).collect();
    assert_eq!(statuses.len(), AskStatus::ALL.len(), "{statuses:?}");
    assert!(seeded.escalated >= 5 && seeded.rated >= 40, "{seeded:?}");
    let now = time::now();
    for a in asks {
        assert_eq!(people[&a.asker_id], Role::Employee);
        assert_eq!(people[&a.assignee_id], Role::Support);
        assert!(a.created_at <= now);
        if let Some(first) = a.first_response_at {
            assert!(first >= a.created_at && first <= now);
        }
        if let Some(resolved) = a.resolved_at {
            assert!(resolved >= a.first_response_at.unwrap());
        }
        assert!(a.history.windows(2).all(|w| w[0].at <= w[1].at), "{a:?}");
    }
    let resolved = asks.iter().filter(|a| a.status == AskStatus::Resolved);
    let on_target = resolved
        .clone()
        .filter(|a| a.unblocked_on_target() == Some(true));
    assert!(
        on_target.count() * 10 >= resolved.count() * 6,
        "most asks are unblocked on target"
    );
}

/// Four years of org history: today is the organisation of `org::STAFF` under a Leadership
/// team, and the years before show it mutate (layers 1 → 2 → 3 → 2, teams founded and
/// retired, people hired, promoted, moving and leaving).
async fn check_history(store: &dyn Store) {
    use frontline_core::org::history::TeamKind;

    let history = store.org_history().await.unwrap();
    let now = time::now();
    let today = history.as_of(now);
    let headcount = today.headcount();
    assert_eq!((headcount.employee, headcount.support), (25, 6));
    assert_eq!(today.layers, 2, "front line -> leads -> CEO");
    assert_eq!(today.teams.len(), 7);
    let leadership = today
        .teams
        .iter()
        .find(|t| t.name == "Leadership")
        .expect("a Leadership team");
    assert_eq!(leadership.kind, TeamKind::Support);
    assert_eq!(
        leadership.members.len(),
        5,
        "every support employee but the CEO"
    );
    let ceo = today
        .people
        .iter()
        .find(|p| p.title.as_deref() == Some("CEO"))
        .unwrap();
    assert_eq!(leadership.supporters, [ceo.id]);
    assert_eq!(ceo.level, Some(2));
    // An ask climbs from the front line to a lead, and from the lead to the CEO.
    let lena = today
        .people
        .iter()
        .find(|p| p.name == "Lena Fischer")
        .unwrap();
    let leads = today.supporters_of(lena.id);
    assert!(!leads.is_empty() && !leads.contains(&ceo.id));
    assert_eq!(today.supporters_of(leads[0]), [ceo.id]);

    let founded = org::days_before(now, history::FOUNDED_DAYS_AGO);
    let started = std::time::Instant::now();
    let months = history.timeline(founded, now).unwrap();
    eprintln!(
        "timeline of {} months computed in {:?}",
        months.len(),
        started.elapsed()
    );
    assert!(months.len() >= 48);
    let layers: Vec<u32> = months.iter().map(|m| m.layers).collect();
    assert_eq!(layers[0], 1, "founded with the CEO serving the front line");
    assert_eq!(layers.iter().max(), Some(&3), "an operations layer came");
    assert_eq!(*layers.last().unwrap(), 2, "and went again");
    let teams: Vec<u32> = months.iter().map(|m| m.teams).collect();
    assert_eq!(teams[0], 3);
    assert!(
        teams.iter().max().unwrap() > teams.last().unwrap(),
        "teams retired"
    );
    assert!(
        months[0].headcount.total() < headcount.total(),
        "the company grew"
    );

    // Three years ago the catch-all team still worked and three people who later left were
    // on the front line.
    let diff = history.diff(org::days_before(now, 3 * 365), now);
    let retired: Vec<&str> = diff.teams_retired.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(retired, ["Customer questions"]);
    assert!(diff.teams_created.len() >= 5);
    assert!(!diff.left.is_empty() && !diff.joined.is_empty() && !diff.moved.is_empty());
    let promoted = diff
        .role_changes
        .iter()
        .find(|r| r.name == "Ingrid Solberg")
        .expect("Ingrid was promoted");
    assert_eq!(
        (
            promoted.from_role,
            promoted.to_role,
            promoted.to_title.as_deref()
        ),
        (Role::Employee, Role::Support, Some("Head of Billing"))
    );
    // Every team retired over the four years: the catch-all, Operations, Weekend crew.
    let ever_retired = history
        .teams
        .iter()
        .filter(|t| t.retired_at.is_some())
        .count();
    assert_eq!(ever_retired, history::PAST_TEAMS.len());
    // Role periods were moved to their intended dates, like everything else.
    let ingrid = store
        .get_person_by_email(
            &frontline_core::Email::parse(&org::staff_email("ingrid.solberg")).unwrap(),
        )
        .await
        .unwrap();
    let periods = store.list_role_periods(ingrid.id).await.unwrap();
    assert_eq!(periods.len(), 2);
    assert_eq!(periods[0].from, ingrid.created_at);
    assert_eq!(periods[0].to, Some(periods[1].from));
    assert!(now.duration_since(periods[1].from) > SignedDuration::from_hours(24 * 990));
}

/// Leaders on the tools: every support employee served customers in shifts, the ledger comes
/// out varied (some meet the goal, some do not, the CEO's distance is weeks), and everyone
/// keeps standard work whose plain items were ticked in most past periods.
async fn check_leaders(
    store: &dyn Store,
    seeded: &leaders::Seeded,
    messages: &[frontline_core::Message],
) {
    use frontline_core::LedgerGoal;
    use frontline_server::leaders::{LedgerSort, board, checklist_of};

    assert_eq!(
        seeded.replies.len(),
        6,
        "every support employee took shifts: {seeded:?}"
    );
    let now = time::now();
    let ledger = board(store, LedgerGoal::default(), now, LedgerSort::Layer)
        .await
        .unwrap();
    assert_eq!(ledger.people.len(), 6);
    let figures: Vec<_> = ledger
        .people
        .iter()
        .map(|p| {
            let l = &p.ledger;
            (
                &p.name,
                p.layer,
                l.cases_worked,
                l.public_replies,
                l.minutes_with_customers,
                l.distance_days,
            )
        })
        .collect();
    eprintln!("ledger (name, layer, cases, replies, minutes, distance): {figures:?}");
    let ceo = &ledger.people[0];
    assert_eq!(
        ceo.title.as_deref(),
        Some("CEO"),
        "the CEO on top: {ledger:?}"
    );
    let distance = ceo
        .ledger
        .distance_days
        .expect("the CEO served customers once");
    assert!(
        (35..=60).contains(&distance),
        "the CEO's distance shows: {distance}"
    );
    assert!(!ceo.ledger.goal_met);
    let met: Vec<&str> = ledger
        .people
        .iter()
        .filter(|p| p.ledger.goal_met)
        .map(|p| p.name.as_str())
        .collect();
    assert!(
        (2..=4).contains(&met.len()),
        "some meet the goal, some do not: {figures:?}"
    );
    assert!(met.contains(&"Priya Raman"));
    // The ledger is made of real public replies by support employees on cases.
    let support: HashSet<_> = ledger.people.iter().map(|p| p.person_id).collect();
    let public_by_support = messages
        .iter()
        .filter(|m| m.visibility == Visibility::Public && support.contains(&m.author_id))
        .count();
    assert!(public_by_support >= seeded.replies.values().sum::<usize>());

    let (mut plain_done, mut plain_missed) = (0, 0);
    for row in &ledger.people {
        let person = store.get_person(row.person_id).await.unwrap();
        let checklist = checklist_of(store, &person, now).await.unwrap();
        assert!(
            checklist.items.len() >= 2,
            "{} keeps standard work",
            person.name
        );
        for status in &checklist.items {
            assert!(
                status.history.len() >= 2,
                "{} has history",
                status.item.title
            );
            if status.item.proof.is_none() {
                plain_done += status.history.iter().filter(|p| p.done).count();
                plain_missed += status.history.iter().filter(|p| !p.done).count();
            } else {
                assert!(status.history.iter().all(|p| p.value.is_some()));
            }
        }
    }
    assert!(
        plain_done > plain_missed,
        "mostly kept: {plain_done} done, {plain_missed} missed"
    );
    assert!(plain_missed > 0, "but not always");
    assert_eq!(seeded.items, 15);
}

/// Feelings: customers rated resolved cases of their own (some in words, some praise), owners
/// observed and felt, front-line staff answered pulses; the mirror has weeks to correlate, and
/// the four-person team stays below the anonymity threshold in some weeks.
async fn check_feelings(
    store: &dyn Store,
    seeded: &super::feelings::Seeded,
    cases: &[frontline_core::Case],
) {
    use frontline_core::feeling::FeelingKind;
    use frontline_core::feeling::figures::{self, EmployeeAnswer};
    use frontline_core::standard_work::Cadence;
    use frontline_store::FeelingFilter;

    assert!(seeded.ratings > 200, "{seeded:?}");
    assert!(seeded.praise > 20, "{seeded:?}");
    assert!(
        seeded.observed > 300 && seeded.own > 300 && seeded.pulses > 200,
        "{seeded:?}"
    );
    let all = store
        .list_feelings(FeelingFilter::default(), 100_000)
        .await
        .unwrap();
    assert_eq!(
        all.len(),
        seeded.ratings + seeded.observed + seeded.own + seeded.pulses
    );
    let by_id: HashMap<_, _> = cases.iter().map(|c| (c.id, c)).collect();
    let now = time::now();
    for f in &all {
        assert!(f.created_at <= now);
        if f.kind == FeelingKind::Customer {
            let case = by_id[&f.case_id.unwrap()];
            assert_eq!(case.customer_id, f.person_id);
            assert!(case.resolved_at.is_some_and(|r| r <= f.created_at));
        }
    }
    let customer: Vec<_> = all
        .iter()
        .filter(|f| f.kind == FeelingKind::Customer)
        .cloned()
        .collect();
    let scores: std::collections::BTreeSet<u8> = customer.iter().map(|f| f.score.get()).collect();
    assert_eq!(scores.len(), 5, "every score from 1 to 5 is given");
    let observed: Vec<_> = all
        .iter()
        .filter(|f| f.kind == FeelingKind::Observed)
        .cloned()
        .collect();
    let teams = figures::by_team(&customer, &observed, &[]);
    let positive = teams
        .iter()
        .filter(|t| t.gap.is_some_and(|g| g.gap > 0.0))
        .count();
    assert!(
        positive >= teams.len() / 2,
        "employees read customers optimistically"
    );

    // The mirror over the pulses' twelve weeks, with pulses counted for the person's teams.
    let history = store.org_history().await.unwrap();
    let employees: Vec<EmployeeAnswer> = all
        .iter()
        .filter(|f| f.kind == FeelingKind::Pulse)
        .map(|f| EmployeeAnswer {
            person_id: f.person_id,
            teams: history
                .memberships
                .iter()
                .filter(|m| {
                    m.person_id == f.person_id
                        && m.from <= f.created_at
                        && m.to.is_none_or(|t| f.created_at < t)
                })
                .map(|m| m.team_id)
                .collect(),
            score: f.score.get(),
            at: f.created_at,
        })
        .collect();
    let mut weeks = Cadence::Weekly.previous_periods(now, 11);
    weeks.reverse();
    weeks.push(Cadence::Weekly.period_at(now));
    let current: Vec<_> = history
        .teams
        .iter()
        .filter(|t| t.retired_at.is_none())
        .map(|t| t.id)
        .collect();
    let mirror = figures::mirror(&current, &customer, &employees, &weeks);
    let correlated = mirror.iter().filter(|m| m.correlation.is_some()).count();
    assert!(
        correlated >= 3,
        "most teams have weeks to correlate: {correlated}"
    );
    let hidden = mirror
        .iter()
        .flat_map(|m| &m.weeks)
        .filter(|w| w.employee.hidden() && w.employee.respondents > 0)
        .count();
    assert!(hidden > 0, "some team-weeks stay below five people");
}

/// The outcome scoreboard over the demo's default period (the last 90 days): every outcome
/// has cases, resolved and achieved ones with a time to outcome, and customers' ratings show
/// for at least one outcome. Prints how long the one read took.
async fn check_scoreboard(store: &dyn Store) {
    let now = time::now();
    let from = now - SignedDuration::from_hours(24 * 90);
    let until = now + SignedDuration::from_millis(1);
    let started = std::time::Instant::now();
    let rows = store.scoreboard_rows(from, until).await.unwrap();
    eprintln!(
        "scoreboard rows read in {:?}: {} cases, {} feeling tallies",
        started.elapsed(),
        rows.cases.len(),
        rows.feelings.len()
    );
    let outcomes = store.list_outcomes().await.unwrap();
    assert!(outcomes.len() >= 3, "{outcomes:?}");
    let board = frontline_core::scoreboard::score(&outcomes, &rows);
    for (outcome, score) in outcomes.iter().zip(&board) {
        assert!(score.cases > 0, "{} has cases", outcome.key);
        assert!(
            score.resolved > 0 && score.achieved > 0 && score.time_to_outcome.is_some(),
            "{}: {score:?}",
            outcome.key
        );
        assert!(score.within_target + score.over_target == score.achieved);
    }
    assert!(
        board
            .iter()
            .any(|s| s.customer.is_some_and(|m| m.count > 0)),
        "customers' ratings show for at least one outcome"
    );
    let shown = board.iter().filter(|s| s.employee.mean.is_some()).count();
    eprintln!(
        "scoreboard: employees' feelings shown for {shown} of {} outcomes",
        board.len()
    );
}

/// Proposals in every status; votes and comments from real staff; every evidence case of a
/// shipped proposal told exactly once, by a message on that case after its conversation.
async fn check_proposals(
    store: &dyn Store,
    seeded: &super::proposals::Seeded,
    cases: &[frontline_core::Case],
) {
    use frontline_core::ProposalStatus;
    use frontline_store::ProposalFilter;

    let all = store
        .list_proposals(ProposalFilter::default(), 200)
        .await
        .unwrap();
    let statuses: HashSet<_> = all.iter().map(|s| s.proposal.status).collect();
    assert_eq!(
        statuses.len(),
        ProposalStatus::ALL.len(),
        "every status is present: {statuses:?}"
    );
    assert!(all.len() >= 10, "about a dozen: {}", all.len());
    assert_eq!(all.len(), seeded.by_status.values().sum::<usize>());
    assert_eq!(
        all.iter().map(|s| s.votes as usize).sum::<usize>(),
        seeded.votes
    );
    assert!(
        seeded.votes > all.len() && seeded.comments >= all.len(),
        "{seeded:?}"
    );
    let customers: HashMap<_, _> = cases.iter().map(|c| (c.id, c.customer_id)).collect();
    let now = time::now();
    let mut told = 0;
    for summary in &all {
        let p = &summary.proposal;
        assert!(p.created_at < now);
        let staff = store.get_person(p.author_id).await.unwrap();
        assert!(staff.role.is_staff());
        if p.status != ProposalStatus::Shipped {
            assert!(p.cases.iter().all(|c| c.told.is_none()));
            continue;
        }
        assert!(!p.cases.is_empty(), "shipped proposals cite cases");
        for evidence in &p.cases {
            let messages = store.list_messages(evidence.case_id, false).await.unwrap();
            let notices: Vec<_> = messages
                .iter()
                .filter(|m| m.body.as_str().starts_with("You told us"))
                .collect();
            assert_eq!(notices.len(), 1, "{}", evidence.number);
            assert_eq!(Some(notices[0].id), evidence.told);
            assert_eq!(Some(notices[0].author_id), p.shipped_by);
            assert_eq!(
                messages.last().map(|m| m.id),
                evidence.told,
                "after the conversation"
            );
            assert!(customers.contains_key(&evidence.case_id));
            told += 1;
        }
    }
    assert_eq!(told, seeded.told);
    assert!(told > 0);
}

/// Customers' messages carry their sentiment; angry chasers left mood alerts, those on
/// finished cases acknowledged and those on live cases waiting; and customers' verbatims make
/// at least three themes with quotes.
async fn check_voice(
    store: &dyn Store,
    seeded: &super::voice::Seeded,
    cases: &[frontline_core::Case],
    messages: &[frontline_core::Message],
) {
    use frontline_core::{mood, themes};
    use frontline_store::{MoodAlertFilter, VoiceFilter};

    let by_id: HashMap<_, _> = cases.iter().map(|c| (c.id, c)).collect();
    for case in cases.iter().take(60) {
        let from_customer: Vec<_> = messages
            .iter()
            .filter(|m| m.case_id == case.id && m.author_id == case.customer_id)
            .map(|m| m.id)
            .collect();
        let scored: Vec<_> = store
            .list_message_moods(case.id)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.message_id)
            .collect();
        assert_eq!(
            scored, from_customer,
            "every customer message, and only those, is scored"
        );
    }

    assert!(
        seeded.alerts >= 20,
        "angry chasers raise alerts: {seeded:?}"
    );
    assert!(seeded.acknowledged > 0, "{seeded:?}");
    let waiting = store
        .list_mood_alerts(
            MoodAlertFilter {
                unacknowledged_only: true,
                ..MoodAlertFilter::default()
            },
            100_000,
        )
        .await
        .unwrap();
    assert_eq!(waiting.len(), seeded.alerts - seeded.acknowledged);
    let live = waiting
        .iter()
        .filter(|a| by_id[&a.case_id].status.counts_as_load())
        .count();
    assert!(live >= 5, "cockpits show alerts on live cases: {live}");
    assert!(
        waiting
            .iter()
            .all(|a| a.sentiment <= 0.0 && !a.why.is_empty())
    );

    let now = time::now();
    let voices = store
        .list_voices(VoiceFilter {
            since: themes::window_start(now),
            max_sentiment: mood::LOW_SENTIMENT,
            limit: 5_000,
        })
        .await
        .unwrap();
    let found = themes::themes(&voices, now);
    let with_quotes: Vec<_> = found
        .iter()
        .filter(|t| t.count >= 2 && !t.quotes.is_empty())
        .map(|t| t.label.as_str())
        .collect();
    assert!(
        with_quotes.len() >= 3,
        "themes with quotes: {with_quotes:?}"
    );
}
