//! Micro-benchmarks of the pure hot paths: guideline evaluation (20 applicable rules, the
//! issue's < 2 µs target), routing, the case lifecycle, sentiment scoring and SSE event
//! encoding. Run: `cargo bench -p frontline-bench --bench micro` (figures in BENCHMARKS.md).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use frontline_core::guideline::{
    self, AutoFacts, CompiledRule, DecisionKind, FactDef, FactType, RuleType,
};
use frontline_core::routing::{self, Candidate};
use frontline_core::{
    Audience, CaseStatus, DecisionKindKey, Event, EventKind, PersonId, RuleId, TeamId, time,
};
use serde_json::json;

fn refund_kind() -> DecisionKind {
    DecisionKind {
        key: DecisionKindKey::parse("refund").unwrap(),
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
    }
}

/// Twenty rules of the shapes real organisations write: thresholds, tiers, lists, arithmetic
/// on automatic facts, a ternary. All hold for the facts below, the common case.
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

fn guidelines(c: &mut Criterion) {
    let kind = refund_kind();
    let schema = kind.schema();
    let rules: Vec<CompiledRule> = RULES
        .iter()
        .enumerate()
        .map(|(i, source)| CompiledRule {
            rule_id: RuleId::new(),
            version: 1,
            rule_type: if i % 5 == 1 {
                RuleType::Policy
            } else {
                RuleType::Guideline
            },
            name: Arc::from(format!("rule {i}")),
            text: Arc::from("why"),
            expr: Some(guideline::compile(source, &schema).expect(source)),
        })
        .collect();
    let auto = AutoFacts {
        customer_tenure_days: 400.0,
        customer_lifetime_value: 1200.0,
        customer_open_cases: 1.0,
        customer_refunds_90d: 0.0,
        customer_tier: "plus".into(),
        customer_sentiment: -0.2,
        case_age_days: 3.0,
        case_outcome: "order_arrives".into(),
        case_priority: "normal".into(),
        case_channel: "email".into(),
        case_status: "open".into(),
        case_tags: vec!["vip".into(), "carrier:dhl".into()],
    };
    let supplied = json!({"amount": 120, "reason": "damaged", "repeat": false});
    let facts = schema.facts(supplied.as_object().unwrap(), &auto).unwrap();
    assert_eq!(
        guideline::evaluate(&rules, &facts).verdict,
        guideline::Verdict::Within
    );

    c.bench_function("guidelines/evaluate 20 rules, all hold", |b| {
        b.iter(|| guideline::evaluate(black_box(&rules), black_box(&facts)))
    });
    let over = json!({"amount": 900, "reason": "damaged", "repeat": true});
    let over = schema.facts(over.as_object().unwrap(), &auto).unwrap();
    c.bench_function(
        "guidelines/evaluate 20 rules, several fail (with reasons)",
        |b| b.iter(|| guideline::evaluate(black_box(&rules), black_box(&over))),
    );
    c.bench_function("guidelines/facts from JSON + evaluate 20 rules", |b| {
        b.iter(|| {
            let facts = schema
                .facts(black_box(supplied.as_object().unwrap()), &auto)
                .unwrap();
            guideline::evaluate(&rules, &facts)
        })
    });
    c.bench_function("guidelines/compile one rule", |b| {
        b.iter(|| guideline::compile(black_box(RULES[0]), &schema))
    });
}

fn routing_and_lifecycle(c: &mut Criterion) {
    let teams: Vec<TeamId> = (0..3).map(|_| TeamId::new()).collect();
    let candidates: Vec<Candidate> = (0..30)
        .map(|i| Candidate {
            person_id: PersonId::new(),
            team_id: teams[i % 3],
            open_cases: (i * 7 % 12) as u32,
            capacity: 12,
            available: i % 9 != 0,
            last_assigned_at: Some(time::from_millis(1_700_000_000_000 + i as i64 * 1000)),
        })
        .collect();
    c.bench_function("routing/route among 30 candidates in 3 teams", |b| {
        b.iter(|| routing::route(black_box(&teams), black_box(&candidates)))
    });
    c.bench_function("lifecycle/can_become over every pair", |b| {
        let all = [
            CaseStatus::New,
            CaseStatus::Open,
            CaseStatus::WaitingOnCustomer,
            CaseStatus::Resolved,
            CaseStatus::Closed,
        ];
        b.iter(|| {
            let mut n = 0;
            for from in all {
                for to in all {
                    n += usize::from(black_box(from).can_become(black_box(to)));
                }
            }
            n
        })
    });
}

fn sentiment(c: &mut Criterion) {
    let message = "This is the third time my parcel is late. I am really disappointed, \
                   please just refund me or send a new one today.";
    frontline_core::sentiment::score("warm up the lexicon");
    c.bench_function("sentiment/score a 25-word message", |b| {
        b.iter(|| frontline_core::sentiment::score(black_box(message)))
    });
    // What the store adds to every customer message it writes: the score plus the alert rules.
    let earlier = [0.42, 0.1, 0.35];
    c.bench_function("mood/read a 25-word customer message", |b| {
        b.iter(|| {
            frontline_core::mood::read(
                black_box(message),
                frontline_core::Role::Customer,
                black_box(&earlier),
            )
        })
    });
}

fn themes(c: &mut Criterion) {
    use frontline_core::themes::{Voice, VoiceSource};
    let now = time::now();
    let texts = [
        "The delivery was late again and the courier never called.",
        "Still no refund after three weeks, this is unacceptable.",
        "The invoice shows the old price and the refund is missing.",
        "Late delivery, and the parcel was left outside in the rain.",
        "Your app keeps crashing at checkout.",
    ];
    let voices: Vec<Voice> = (0..500)
        .map(|i| Voice {
            case_id: frontline_core::CaseId::new(),
            case_number: frontline_core::CaseNumber(1001 + i),
            source: if i % 3 == 0 {
                VoiceSource::Rating
            } else {
                VoiceSource::Message
            },
            text: texts[i as usize % texts.len()].to_owned(),
            at: now - jiff::SignedDuration::from_hours(i % (55 * 24)),
        })
        .collect();
    c.bench_function("themes/extract and group 500 verbatims", |b| {
        b.iter(|| frontline_core::themes::themes(black_box(&voices), now))
    });
}

fn event_encoding(c: &mut Criterion) {
    let event = Event {
        seq: 123_456,
        at: time::now(),
        kind: EventKind::MessageAdded,
        actor_id: Some(PersonId::new()),
        case_id: Some(frontline_core::CaseId::new()),
        audience: Audience::Customer {
            customer_id: PersonId::new(),
        },
        payload: frontline_core::Payload::MessageAdded(frontline_core::event::MessageAdded {
            number: frontline_core::CaseNumber(1042),
            message_id: frontline_core::MessageId::new(),
            author_id: PersonId::new(),
            visibility: frontline_core::Visibility::Public,
            proposal_id: None,
        })
        .to_json(),
    };
    c.bench_function("stream/encode one SSE frame", |b| {
        b.iter(|| frontline_server::hub::Shared::new(black_box(event.clone())))
    });
}

/// A realistic office calendar: Berlin, two spans a day on weekdays, German public holidays
/// for three years; a case opened Friday afternoon.
fn service_targets(c: &mut Criterion) {
    use frontline_core::calendar::{BusinessTime, Calendar, CalendarSpec, CalendarVersions};
    use frontline_core::targets::{self, Happening, Moment, Target, TargetKind};
    use jiff::SignedDuration;

    let day = vec!["08:00-12:30".to_owned(), "13:00-18:00".to_owned()];
    let hours = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        .iter()
        .map(|d| ((*d).to_owned(), day.clone()))
        .collect();
    let holidays = (2026..=2028)
        .flat_map(|y| {
            [
                (1, 1),
                (4, 3),
                (5, 1),
                (10, 3),
                (12, 24),
                (12, 25),
                (12, 26),
                (12, 31),
            ]
            .into_iter()
            .map(move |(m, d)| jiff::civil::date(y, m, d))
        })
        .collect();
    let calendar = Calendar::new(CalendarSpec {
        time_zone: "Europe/Berlin".into(),
        hours,
        holidays,
    })
    .unwrap();
    let opened: jiff::Timestamp = "2026-12-18T15:30:00Z".parse().unwrap();
    let sixteen_hours = SignedDuration::from_hours(16);
    c.bench_function(
        "targets/due time of 16 business hours (office calendar)",
        |b| b.iter(|| calendar.due_after(black_box(opened), black_box(sixteen_hours))),
    );
    let versions = CalendarVersions::single(calendar.clone());
    let at = |h: i64| opened + SignedDuration::from_hours(h);
    let history = [
        Happening {
            at: opened,
            moment: Moment::Opened,
        },
        Happening {
            at: at(1),
            moment: Moment::StaffReply,
        },
        Happening {
            at: at(1),
            moment: Moment::Status(CaseStatus::Open),
        },
        Happening {
            at: at(2),
            moment: Moment::Status(CaseStatus::WaitingOnCustomer),
        },
        Happening {
            at: at(20),
            moment: Moment::CustomerMessage,
        },
        Happening {
            at: at(20),
            moment: Moment::Status(CaseStatus::Open),
        },
        Happening {
            at: at(70),
            moment: Moment::StaffReply,
        },
    ];
    let all: Vec<Target> = [
        (TargetKind::FirstResponse, 60),
        (TargetKind::NextResponse, 240),
        (TargetKind::Resolution, 960),
    ]
    .into_iter()
    .map(|(kind, business_minutes)| Target {
        kind,
        priority: None,
        business_minutes,
        pause_while_waiting: true,
        warn_at_percent: 75,
    })
    .collect();
    let now = at(80);
    c.bench_function("targets/read a case's 3 targets (7 happenings)", |b| {
        b.iter(|| {
            for t in &all {
                black_box(targets::read(
                    t,
                    &versions as &dyn BusinessTime,
                    black_box(&history),
                    now,
                ));
            }
        })
    });
}

criterion_group!(
    benches,
    service_targets,
    guidelines,
    routing_and_lifecycle,
    sentiment,
    event_encoding,
    themes
);
criterion_main!(benches);
