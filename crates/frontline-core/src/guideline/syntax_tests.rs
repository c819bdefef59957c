//! Expression errors as a rule author reads them: the line and column of the mistake (1-based,
//! in characters, counting leading blanks), and a sentence rather than the parser's internals.

use super::tests::refund_kind;
use super::*;

fn refused(source: &str) -> CompileError {
    compile(source, &refund_kind().schema()).unwrap_err()
}

/// (source, line, column, words the message must contain)
const POSITIONED: &[(&str, u32, u32, &str)] = &[
    // At the start.
    ("<= 200", 1, 1, "`<=` is not expected here"),
    ("if amount <= 200", 1, 1, "`if` is a reserved word"),
    ("é <= 2", 1, 1, "`é` cannot be used"),
    // Leading spaces count.
    ("  <= 200", 1, 3, "`<=` is not expected here"),
    ("   amount = 200", 1, 11, "`=` cannot be used"),
    ("   amout <= 200", 1, 4, "unknown fact `amout`"),
    // In the middle.
    ("amount = 200", 1, 8, "`=` cannot be used"),
    (
        "amount <= 200 && && reason == \"late\"",
        1,
        18,
        "`&&` is not expected here",
    ),
    (
        "amount <= 200 reason",
        1,
        15,
        "`reason` is not expected here",
    ),
    ("amount <= 200 & repeat", 1, 15, "`&` cannot be used"),
    ("reason == \"late", 1, 11, "never closed"),
    ("reason == \"\\q\"", 1, 11, "escape sequence"),
    ("amount <= 99999999999999999999999", 1, 11, "too large"),
    (
        "amount <= 1 && customer.tenure > 3",
        1,
        16,
        "unknown fact `customer.tenure`",
    ),
    // Characters, not bytes.
    (
        "\"é\" == reason && amout <= 1",
        1,
        18,
        "unknown fact `amout`",
    ),
    // At the end.
    ("amount <= ", 1, 11, "ends too soon"),
    ("amount <", 1, 9, "ends too soon"),
    ("amount <= 200 &&", 1, 17, "ends too soon"),
    ("amount.", 1, 8, "ends too soon"),
    ("-", 1, 2, "ends too soon"),
    ("(amount <= 200", 1, 15, "`)` is missing at the end"),
    ("amount <= 200)", 1, 14, "`)` is not expected here"),
    // Over several lines.
    ("amount <=\n", 2, 1, "ends too soon"),
    ("amount <= 200\n  && reason ==", 2, 15, "ends too soon"),
    ("amount <= 200 &&\n\n   reason in [", 3, 15, "ends too soon"),
    ("   \n  amount <=", 2, 12, "ends too soon"),
    (
        "amount <= 200 &&\n  reason = \"late\"",
        2,
        10,
        "`=` cannot be used",
    ),
    (
        "amount <= 200 &&\n    amout > 1",
        2,
        5,
        "unknown fact `amout`",
    ),
    // A type error points at the operator.
    (
        "amount <= 200 &&\n  reason > 3",
        2,
        10,
        "cannot compare a text with a number",
    ),
];

#[test]
fn errors_point_at_the_mistake_by_line_and_column() {
    for (source, line, column, words) in POSITIONED {
        let e = refused(source);
        assert_eq!(
            (e.line, e.column),
            (*line, *column),
            "{source:?}: {}",
            e.message
        );
        assert!(e.message.contains(words), "{source:?}: {}", e.message);
    }
}

/// Broken expressions of every kind the parser reports: none may show its internals.
const BROKEN: &[&str] = &[
    "amount <= ",
    "amount <",
    "<= 200",
    "amount <= 200 &&",
    "amount <= 200 && && reason == \"late\"",
    "amount <= 200\n  && (reason == \"late\"",
    "(amount <= 200",
    "amount <= 200)",
    "amount <= 200 reason",
    "amount = 200",
    "amount =< 200",
    "amount <= 200 & repeat",
    "amount <= 200 | repeat",
    "amount # 200",
    "amount <= 200 @",
    "reason == \"late",
    "reason == 'late",
    "reason == \"\\q\"",
    "amount <= 99999999999999999999999",
    "amount <= 1e",
    "customer.",
    "[1, 2",
    "reason in [\"a\", ]]",
    "size(",
    "amount <= 200 ? ",
    "!",
    "-",
    "if amount <= 200",
    "amount <= 200;",
    "amount.?x",
    "amount <= 200 && has(1)",
    "amount <= 200 && [1].all(x, )",
    "a.b(",
    "amount[",
    "amount <= 200 &&& repeat",
    ")(",
    "\"\"\"",
    "amount <= 0x",
    "amount <= 1u",
    "1 ? 2",
];

#[test]
fn no_error_shows_the_parsers_internals() {
    let deep = format!("{}true{}", "(".repeat(10_000), ")".repeat(10_000));
    let chain = format!("customer{} > 0", ".b".repeat(990));
    let sources = BROKEN.iter().map(|s| (*s).to_owned()).chain([deep, chain]);
    for source in sources {
        let Err(e) = compile(&source, &refund_kind().schema()) else {
            continue;
        };
        let shown = e.to_string();
        for internal in [
            "Error(",
            "ParseError",
            "ExprContext",
            "Context",
            "{",
            "UNKNOWN",
            "<EOF>",
        ] {
            assert!(
                !shown.contains(internal),
                "{source:?} shows {internal:?}: {shown}"
            );
        }
        // The position is inside the text (or just after its last character).
        let lines: Vec<&str> = source.split('\n').collect();
        assert!(e.line >= 1 && e.column >= 1, "{source:?}: {e:?}");
        let line = lines
            .get(e.line as usize - 1)
            .unwrap_or_else(|| panic!("{source:?}: {e:?}"));
        assert!(
            e.column as usize <= line.chars().count() + 1,
            "{source:?}: {e:?}"
        );
    }
}

#[test]
fn an_expression_nested_past_the_parsers_limit_is_too_deep_from_its_start() {
    let deep = format!("{}true{}", "(".repeat(990), ")".repeat(990));
    let e = refused(&deep);
    assert!(e.message.contains("nested too deeply"), "{}", e.message);
    assert_eq!((e.line, e.column), (1, 1));
}

#[test]
fn a_message_quotes_at_most_a_short_piece_of_the_source() {
    let long = format!("amount <= 200 {}", "x".repeat(300));
    let e = refused(&long);
    assert!(e.message.chars().count() < 120, "{}", e.message);
    assert!(e.message.contains('…'), "{}", e.message);
}

#[test]
fn explanations_quote_the_source_after_accented_text() {
    let schema = refund_kind().schema();
    let expr = compile("reason != \"dégât\" && amount * 2 <= 200", &schema).unwrap();
    let supplied = serde_json::json!({"amount": 150, "reason": "late", "repeat": false});
    let facts = schema
        .facts(supplied.as_object().unwrap(), &super::tests::auto())
        .unwrap();
    assert_eq!(expr.holds(&facts), Ok(false));
    let why = expr.why_not(&facts).join(" ");
    assert!(why.contains("`amount * 2`"), "{why}");
}
