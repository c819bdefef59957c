use std::sync::Arc;

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::ids::RuleId;

pub(super) fn refund_kind() -> DecisionKind {
    DecisionKind {
        key: crate::DecisionKindKey::parse("refund").unwrap(),
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
                    options: vec!["damaged".into(), "late".into(), "changed_mind".into()],
                },
            },
            FactDef {
                name: "repeat".into(),
                label: "Asked before".into(),
                fact_type: FactType::Bool,
            },
        ],
        updated_at: crate::time::now(),
    }
}

pub(super) fn auto() -> AutoFacts {
    AutoFacts {
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
        case_tags: vec!["vip".into()],
    }
}

fn facts(amount: f64) -> Facts {
    let supplied = json!({"amount": amount, "reason": "damaged", "repeat": false});
    refund_kind()
        .schema()
        .facts(supplied.as_object().unwrap(), &auto())
        .unwrap()
}

fn rule(rule_type: RuleType, source: Option<&str>) -> CompiledRule {
    let schema = refund_kind().schema();
    CompiledRule {
        rule_id: RuleId::new(),
        version: 1,
        rule_type,
        name: Arc::from("rule"),
        text: Arc::from("text"),
        expr: source.map(|s| compile(s, &schema).unwrap()),
    }
}

fn holds(source: &str, amount: f64) -> bool {
    compile(source, &refund_kind().schema())
        .unwrap()
        .holds(&facts(amount))
        .unwrap()
}

fn refused(source: &str) -> CompileError {
    compile(source, &refund_kind().schema()).unwrap_err()
}

#[test]
fn expressions_read_the_facts() {
    assert!(holds("amount <= 200 && customer.tenure_days > 30", 150.0));
    assert!(!holds("amount <= 200 && customer.tenure_days > 30", 250.0));
    assert!(holds("reason in [\"damaged\", \"late\"]", 1.0));
    assert!(holds("\"vip\" in case.tags && size(case.tags) == 1", 1.0));
    assert!(holds("customer.tier.startsWith(\"pl\") && !repeat", 1.0));
    assert!(holds("amount <= customer.lifetime_value * 0.1", 120.0));
    assert!(!holds("amount <= customer.lifetime_value * 0.1", 120.5));
    assert!(holds(
        "(customer.tier == \"premium\" ? 500 : 200) >= amount",
        200.0
    ));
    assert!(holds("amount <= 200.5 && 3 in [1, 2, 3]", 200.5));
    assert!(holds("-customer.sentiment > 0.1", 1.0));
}

#[test]
fn a_failed_rule_says_why_in_words() {
    let expr = compile(
        "amount <= 200 && customer.tenure_days > 30",
        &refund_kind().schema(),
    )
    .unwrap();
    assert_eq!(
        expr.why_not(&facts(250.0)),
        vec!["amount 250 EUR is above 200"]
    );

    let expr = compile(
        "!(customer.tier in [\"plus\", \"premium\"])",
        &refund_kind().schema(),
    )
    .unwrap();
    assert_eq!(
        expr.why_not(&facts(1.0)),
        vec!["customer.tier \"plus\" is one of [\"plus\", \"premium\"]"]
    );

    let expr = compile("repeat || amount < 50", &refund_kind().schema()).unwrap();
    assert_eq!(
        expr.why_not(&facts(75.5)),
        vec!["none of the alternatives held: repeat is false; amount 75.5 EUR is above 50"]
    );

    let expr = compile(
        "amount <= customer.lifetime_value * 0.1",
        &refund_kind().schema(),
    )
    .unwrap();
    assert_eq!(
        expr.why_not(&facts(500.0)),
        vec!["amount 500 EUR is above `customer.lifetime_value * 0.1` (120)"]
    );

    let expr = compile("case.priority == \"urgent\"", &refund_kind().schema()).unwrap();
    assert_eq!(
        expr.why_not(&facts(1.0)),
        vec!["case.priority \"normal\" is not \"urgent\""]
    );
}

#[test]
fn verdicts_follow_the_weakest_rule() {
    let within = rule(RuleType::Guideline, Some("amount <= 200"));
    let policy = rule(RuleType::Policy, Some("amount <= 1000"));
    let principle = rule(RuleType::Principle, None);

    let e = evaluate([&within, &policy, &principle], &facts(100.0));
    assert_eq!(e.verdict, Verdict::Within);
    assert_eq!(e.findings.len(), 3);
    assert_eq!(e.findings[2].held, None);

    let e = evaluate([&within, &policy, &principle], &facts(500.0));
    assert_eq!(e.verdict, Verdict::Explain);
    assert_eq!(e.failed().count(), 1);
    assert_eq!(e.findings[0].why, vec!["amount 500 EUR is above 200"]);

    let e = evaluate([&within, &policy], &facts(5000.0));
    assert_eq!(e.verdict, Verdict::Blocked);
    assert_eq!(e.failed().count(), 2);

    assert_eq!(evaluate([], &facts(1.0)).verdict, Verdict::Within);
}

#[test]
fn a_rule_that_cannot_be_evaluated_does_not_hold() {
    let r = rule(
        RuleType::Policy,
        Some("amount / customer.open_cases * 0 == 0 && 1 / (customer.refunds_90d) > 0"),
    );
    let e = evaluate([&r], &facts(10.0));
    assert_eq!(e.verdict, Verdict::Blocked);
    assert!(
        e.findings[0].why[0].contains("division by zero"),
        "{:?}",
        e.findings[0].why
    );
}

#[test]
fn errors_in_logical_operators_are_absorbed_like_cel() {
    assert!(!holds("1 / customer.refunds_90d > 0 && false", 1.0));
    assert!(holds("true || 1 / customer.refunds_90d > 0", 1.0));
    assert!(holds("1 / customer.refunds_90d > 0 || true", 1.0));
}

#[test]
fn bad_expressions_are_refused_with_a_position() {
    let e = refused("amount <= ");
    assert!(e.message.starts_with("syntax error"), "{e:?}");
    assert_eq!(e.line, 1);

    let e = refused("amount <= 1 && customer.tenure > 3");
    assert!(
        e.message.contains("unknown fact `customer.tenure`"),
        "{e:?}"
    );
    assert_eq!(
        (e.line, e.column),
        (1, 16),
        "points at the start of the name"
    );

    let e = refused("amout <= 200");
    assert!(e.message.contains("unknown fact `amout`"), "{e:?}");
    assert_eq!((e.line, e.column), (1, 1));

    let e = refused("amount <= 200 &&\n  reason > 3");
    assert!(
        e.message.contains("cannot compare a text with a number"),
        "{e:?}"
    );
    assert_eq!(e.line, 2);

    assert!(refused("amount + 1").message.contains("needs a condition"));
    assert!(
        refused("amount <= \"200\"")
            .message
            .contains("cannot compare")
    );
    assert!(
        refused("has(customer.tier)")
            .message
            .contains("not supported")
    );
    assert!(
        refused("[1, 2].exists(x, x > 1)")
            .message
            .contains("not supported")
    );
    assert!(
        refused("{\"a\": 1}[\"a\"] == 1")
            .message
            .contains("not supported")
    );
    assert!(refused("reason in [reason]").message.contains("constant"));
    assert!(
        refused("matches(reason, \"x\")")
            .message
            .contains("unknown function")
    );
    assert!(refused("").message.contains("empty"));
    assert!(
        refused(&"x".repeat(MAX_SOURCE_BYTES + 1))
            .message
            .contains("at most")
    );
}

#[test]
fn pathological_inputs_are_refused_without_crashing() {
    let deep_parens = format!("{}true{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(compile(&deep_parens, &refund_kind().schema()).is_err());

    let sum = format!("{} > 0", vec!["1"; 900].join("+"));
    assert!(refused(&sum).message.contains("nested too deeply"));

    let chain = format!("customer{} > 0", ".b".repeat(990));
    assert!(compile(&chain, &refund_kind().schema()).is_err());

    // The parser folds pairs of `!`, so this may compile; then it must mean `!true`.
    let negations = format!("{}true", "!".repeat(1_901));
    if let Ok(expr) = compile(&negations, &refund_kind().schema()) {
        assert_eq!(expr.holds(&facts(1.0)), Ok(false));
    }

    let ternaries = format!("{}true{}", "true ? ".repeat(300), " : false".repeat(300));
    assert!(compile(&ternaries, &refund_kind().schema()).is_err());

    let list = format!("amount in [{}]", vec!["1"; 990].join(","));
    assert!(compile(&list, &refund_kind().schema()).is_ok());
}

#[test]
fn facts_are_checked_against_the_kind() {
    let schema = refund_kind().schema();
    let bad = |v: serde_json::Value| {
        schema
            .facts(v.as_object().unwrap(), &auto())
            .unwrap_err()
            .reason
    };
    assert!(bad(json!({"amount": 1, "reason": "damaged"})).contains("\"repeat\" is missing"));
    assert!(
        bad(json!({"amount": 1, "reason": "damaged", "repeat": false, "amout": 2}))
            .contains("\"amout\" is not a fact")
    );
    assert!(
        bad(json!({"amount": "lots", "reason": "damaged", "repeat": false}))
            .contains("must be an amount")
    );
    assert!(bad(json!({"amount": -5, "reason": "damaged", "repeat": false})).contains("negative"));
    assert!(
        bad(json!({"amount": 5, "reason": "bored", "repeat": false}))
            .contains("one of damaged, late")
    );
    assert!(
        bad(json!({"amount": {"amount": 5, "currency": "USD"}, "reason": "late", "repeat": false}))
            .contains("in USD")
    );
    let ok = schema
        .facts(json!({"amount": {"amount": "12.5", "currency": "EUR"}, "reason": "late", "repeat": true}).as_object().unwrap(), &auto())
        .unwrap();
    let recorded = schema.to_json(&ok);
    assert_eq!(recorded["amount"], json!(12.5));
    assert_eq!(recorded["customer.tier"], json!("plus"));
    assert_eq!(schema.recorded(&recorded).unwrap(), ok);
}

#[test]
fn kinds_are_validated() {
    let mut kind = refund_kind();
    assert!(kind.validate().is_ok());
    kind.currency = "eur".into();
    assert!(kind.validate().is_err());
    let mut kind = refund_kind();
    kind.facts[1].name = "amount".into();
    assert!(kind.validate().unwrap_err().reason.contains("named twice"));
    let mut kind = refund_kind();
    kind.facts[0].name = "customer".into();
    assert!(kind.validate().is_err());
}

#[test]
fn explanations_must_say_something() {
    assert!(check_explanation("ok").is_err());
    assert!(check_explanation("fine by me").is_err());
    assert!(check_explanation("Customer waited three weeks for the parcel.").is_ok());
}

#[test]
fn rule_status_moves() {
    use RuleStatus::*;
    assert!(Draft.may_become(Published));
    assert!(Published.may_become(Retired));
    assert!(!Retired.may_become(Published));
    assert!(!Published.may_become(Draft));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Any text up to the limit compiles or is refused; whatever compiles evaluates and
    /// explains itself without panicking.
    #[test]
    fn any_input_compiles_or_is_refused_without_panicking(source in "[a-z0-9_.<>=!&|+*/%()\\[\\]\" ?:,-]{0,300}") {
        let schema = refund_kind().schema();
        if let Ok(expr) = compile(&source, &schema) {
            let f = facts(99.0);
            if let Ok(false) = expr.holds(&f) {
                prop_assert!(!expr.why_not(&f).is_empty());
            }
        }
    }

    /// Random well-formed expressions built from the grammar: the same rule over the same
    /// facts always gives the same answer, and a failure always has a reason.
    #[test]
    fn generated_expressions_evaluate_consistently(expr in arb_condition(), amount in 0.0f64..2000.0) {
        let schema = refund_kind().schema();
        let compiled = compile(&expr, &schema);
        prop_assert!(compiled.is_ok(), "{expr}: {:?}", compiled.err());
        let compiled = compiled.unwrap();
        let f = facts(amount);
        let first = compiled.holds(&f);
        prop_assert_eq!(&first, &compiled.holds(&f));
        if first == Ok(false) {
            prop_assert!(!compiled.why_not(&f).is_empty());
        }
    }
}

fn arb_number() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..1000).prop_map(|n| n.to_string()),
        Just("amount".to_owned()),
        Just("customer.tenure_days".to_owned()),
        Just("customer.refunds_90d".to_owned()),
    ]
}

fn arb_condition() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (
            arb_number(),
            prop_oneof!["<", "<=", ">", ">=", "==", "!="],
            arb_number()
        )
            .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
        Just("repeat".to_owned()),
        Just("reason in [\"late\", \"damaged\"]".to_owned()),
        (arb_number(), arb_number()).prop_map(|(a, b)| format!("{a} / {b} > 1")),
    ];
    leaf.prop_recursive(5, 32, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) && ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) || ({b})")),
            inner.clone().prop_map(|a| format!("!({a})")),
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(c, a, b)| format!("({c}) ? ({a}) : ({b})")),
        ]
    })
}
