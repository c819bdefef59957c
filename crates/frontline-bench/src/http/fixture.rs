//! The organisation the HTTP benchmark runs against, written straight through the `Store`
//! before the server starts: 3 teams of 10 employees, one outcome per team, customers with API
//! tokens and profiles, a `refund` decision kind with 20 published rules, and `--preload`
//! cases written by many concurrent writers (SQLite commits them in groups), each with
//! `--messages-per-case` messages of the vocabulary in `corpus`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use frontline_core::guideline::{DecisionKind, FactDef, FactType, RuleStatus, RuleType, Scope};
use frontline_core::{
    DecisionKindKey, MessageBody, Name, OutcomeKey, PersonId, Role, Tags, Visibility, time,
};
use frontline_store::testing::{new_case, new_person};
use frontline_store::{CustomerProfile, NewMessage, NewOutcome, NewRuleVersion, Store};
use jiff::SignedDuration;

use super::corpus;

/// What the requests need: who to be, and which cases exist.
pub struct Fixture {
    /// An employee's token (staff see and may act on every case).
    pub staff_token: String,
    /// One token per customer.
    pub customer_tokens: Vec<String>,
    pub outcome_keys: Vec<String>,
    /// The team `list-filtered` filters on.
    pub team_id: String,
    /// Numbers (`FL-…`) of the cases written before the server started.
    pub cases: Vec<String>,
    /// How long writing the preloaded cases and their messages took.
    pub preload_seconds: f64,
    /// Messages written with the preloaded cases (their first ones included).
    pub preload_messages: u64,
    /// The inbound token of the mailbox `bench` (`mail-in` posts to it).
    pub mailbox_token: String,
    /// The employee `staff_token` belongs to.
    pub staff_id: PersonId,
    /// The first customer and the first outcome (the download scenarios' files are on a case
    /// of theirs).
    pub first_customer: PersonId,
    pub first_outcome: frontline_core::OutcomeId,
}

/// Twenty rules of the shapes real organisations write (the micro-benchmark's set); all hold
/// for the facts the `decide` scenario proposes, so every request evaluates all of them.
const RULES: [&str; 20] = [
    "amount <= 200 && customer.tenure_days > 30",
    "amount <= 1000",
    "customer.refunds_90d < 3",
    "!(customer.tier in [\"blocked\", \"fraud_watch\"])",
    "amount <= customer.lifetime_value * 0.5",
    "reason in [\"damaged\", \"late\"] || amount <= 50",
    "customer.open_cases <= 5",
    "case.age_days < 90",
    "case.channel != \"api\"",
    "(customer.tier == \"premium\" ? 500 : 250) >= amount",
    "!repeat || amount <= 100",
    "customer.sentiment > -0.9",
    "size(case.tags) < 15",
    "!(\"legal\" in case.tags)",
    "case.priority in [\"low\", \"normal\", \"high\", \"urgent\"]",
    "amount / 2 + 10 < 1000",
    "customer.tenure_days >= 0 && customer.lifetime_value >= 0",
    "case.outcome.startsWith(\"order\")",
    "amount % 1 >= 0",
    "customer.tier.size() > 0",
];

fn refund_kind() -> anyhow::Result<DecisionKind> {
    Ok(DecisionKind {
        key: DecisionKindKey::parse("refund")?,
        name: "Refund".into(),
        description: String::new(),
        currency: "EUR".into(),
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
                label: "Repeat".into(),
                fact_type: FactType::Bool,
            },
        ],
        updated_at: time::now(),
    })
}

pub async fn write(
    store: Arc<dyn Store>,
    customers: usize,
    preload: u64,
    messages_per_case: u32,
    writers: usize,
) -> anyhow::Result<Fixture> {
    let mut outcomes = Vec::new();
    let mut outcome_keys = Vec::new();
    let mut team_ids = Vec::new();
    let mut staff = Vec::new();
    for t in 0..3 {
        let team = store
            .create_team(None, Name::parse(&format!("Team {t}"))?)
            .await?
            .value;
        for e in 0..10 {
            let person = store
                .create_person(
                    None,
                    new_person(&format!("e{t}-{e}@bench.test"), Role::Employee, 1000),
                )
                .await?
                .value;
            store
                .add_membership(None, person.id, team.id, time::now())
                .await?;
            staff.push(person.id);
        }
        let key = format!("order_{t}");
        let outcome = NewOutcome {
            key: OutcomeKey::parse(&key)?,
            name: Name::parse(&format!("Order {t}"))?,
            success_criteria: String::new(),
            target_minutes: 60,
            team_ids: vec![team.id],
        };
        outcomes.push(store.create_outcome(None, outcome).await?.value.id);
        outcome_keys.push(key);
        team_ids.push(team.id);
    }
    let (staff_token, hash) = frontline_server::new_api_token();
    store
        .create_token(
            None,
            frontline_store::NewToken {
                person_id: staff[0],
                token_hash: hash,
                label: "bench".into(),
                expires_at: None,
            },
        )
        .await?;

    // A mailbox whose mail opens cases of the first outcome.
    store
        .save_mailbox(
            None,
            frontline_core::mail::NewMailbox {
                key: frontline_core::mail::MailboxKey::parse("bench")?,
                name: Name::parse("Bench support")?,
                address: frontline_core::Email::parse("support@bench.example")?,
                outcome_id: outcomes[0],
                imap: None,
                enabled: true,
            },
        )
        .await?;
    let (mailbox_token, hash) = frontline_server::new_api_token();
    store
        .set_mailbox_token(
            None,
            frontline_core::mail::MailboxKey::parse("bench")?,
            Some(hash),
        )
        .await?;

    // Customers, their tokens and profiles, written concurrently (group commit).
    let since = time::truncate(time::now() - SignedDuration::from_hours(24 * 400));
    let mut tasks = tokio::task::JoinSet::new();
    let next = Arc::new(AtomicU64::new(0));
    for _ in 0..writers.clamp(1, 64) {
        let (store, next) = (store.clone(), next.clone());
        tasks.spawn(async move {
            let mut made = Vec::new();
            loop {
                let c = next.fetch_add(1, Ordering::Relaxed) as usize;
                if c >= customers {
                    return anyhow::Ok(made);
                }
                let person = store
                    .create_person(
                        None,
                        new_person(&format!("c{c}@bench.test"), Role::Customer, 0),
                    )
                    .await?
                    .value;
                let (token, hash) = frontline_server::new_api_token();
                store
                    .create_token(
                        None,
                        frontline_store::NewToken {
                            person_id: person.id,
                            token_hash: hash,
                            label: "bench".into(),
                            expires_at: None,
                        },
                    )
                    .await?;
                let profile = CustomerProfile {
                    person_id: person.id,
                    tier: "plus".into(),
                    lifetime_value: 1200.0,
                    customer_since: since,
                };
                store.set_customer_profile(None, profile).await?;
                made.push((c, person.id, token));
            }
        });
    }
    let mut people = Vec::with_capacity(customers);
    while let Some(made) = tasks.join_next().await {
        people.extend(made??);
    }
    people.sort_by_key(|(c, _, _)| *c);
    let customer_ids: Vec<_> = people.iter().map(|(_, id, _)| *id).collect();
    let customer_tokens = people.into_iter().map(|(_, _, token)| token).collect();

    // The refund kind and its 20 published rules (a policy every fifth, as in the micro-benchmark).
    let kind = store.save_decision_kind(None, refund_kind()?).await?.value;
    for (i, source) in RULES.iter().enumerate() {
        let rule = store
            .create_rule_version(
                Some(staff[0]),
                NewRuleVersion {
                    rule_id: None,
                    kind: kind.key.clone(),
                    rule_type: if i % 5 == 1 {
                        RuleType::Policy
                    } else {
                        RuleType::Guideline
                    },
                    scope: Scope::Organisation,
                    name: format!("Rule {i}"),
                    expression: Some((*source).to_owned()),
                    text: "Why this rule exists.".into(),
                },
            )
            .await?
            .value;
        store
            .set_rule_status(
                Some(staff[0]),
                rule.rule_id,
                rule.version,
                RuleStatus::Published,
            )
            .await?;
    }

    let started = Instant::now();
    let cases = preload_cases(
        &store,
        &customer_ids,
        &staff,
        &outcomes,
        preload,
        messages_per_case,
        writers,
    )
    .await?;
    let preload_seconds = started.elapsed().as_secs_f64();
    Ok(Fixture {
        preload_messages: cases.len() as u64 * u64::from(messages_per_case.max(1)),
        staff_token,
        customer_tokens,
        outcome_keys,
        team_id: team_ids[0].to_string(),
        cases,
        preload_seconds,
        mailbox_token,
        staff_id: staff[0],
        first_customer: customer_ids[0],
        first_outcome: outcomes[0],
    })
}

/// `count` routed, durable cases through `Store::create_case`, then each one's further
/// messages through `Store::add_message` (so the search index is built as a deployment builds
/// it, write by write), `writers` cases at a time.
async fn preload_cases(
    store: &Arc<dyn Store>,
    customers: &[PersonId],
    staff: &[PersonId],
    outcomes: &[frontline_core::OutcomeId],
    count: u64,
    messages_per_case: u32,
    writers: usize,
) -> anyhow::Result<Vec<String>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    anyhow::ensure!(
        !customers.is_empty(),
        "--preload needs at least one customer"
    );
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..writers.max(1) {
        let (store, next, done) = (store.clone(), next.clone(), done.clone());
        let (customers, staff, outcomes) = (customers.to_vec(), staff.to_vec(), outcomes.to_vec());
        tasks.spawn(async move {
            let mut numbers = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return anyhow::Ok(numbers);
                }
                let customer = customers[(i % customers.len() as u64) as usize];
                let mut case = new_case(
                    customer,
                    outcomes[(i % outcomes.len() as u64) as usize],
                    corpus::SUBJECT,
                );
                case.body = MessageBody::parse(&corpus::first_message(i))?;
                if corpus::refund_tag(i) {
                    case.tags = Tags::parse_all(["refund"])?;
                }
                let created = store
                    .create_case(None, case)
                    .await
                    .context("preloading a case")?;
                let case = &created.value.case;
                for j in 1..messages_per_case {
                    let from_staff = j % 2 == 1;
                    let author = if from_staff {
                        staff[(i % staff.len() as u64) as usize]
                    } else {
                        customer
                    };
                    let visibility = if from_staff && corpus::staff_notes_internal(i) {
                        Visibility::Internal
                    } else {
                        Visibility::Public
                    };
                    let message = NewMessage {
                        case_id: case.id,
                        author_id: author,
                        body: MessageBody::parse(&corpus::reply(i, j))?,
                        visibility,
                        created_at: None,
                        idempotency_key: None,
                        attachments: Vec::new(),
                    };
                    store
                        .add_message(Some(author), message)
                        .await
                        .context("preloading a message")?;
                }
                numbers.push(case.number.to_string());
                done.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    let progress = (count >= 100_000).then(|| {
        let done = done.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                let n = done.load(Ordering::Relaxed);
                eprintln!(
                    "preloaded {n} / {count} cases in {:.0} s ({:.0}/s)",
                    started.elapsed().as_secs_f64(),
                    n as f64 / started.elapsed().as_secs_f64()
                );
            }
        })
    });
    let mut numbers = Vec::with_capacity(count as usize);
    while let Some(made) = tasks.join_next().await {
        numbers.extend(made??);
    }
    if let Some(progress) = progress {
        progress.abort();
    }
    Ok(numbers)
}
