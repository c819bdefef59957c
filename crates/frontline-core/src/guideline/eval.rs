//! Evaluating a checked tree, and saying in words why it did not hold.
//!
//! Evaluation borrows every text and list from the facts or the tree, so it allocates nothing;
//! the explanation (only for rules that failed) may allocate freely.

use super::compile::{Arith, Cmp, CompiledExpr, Node, Op, StrFn};
use super::facts::{Facts, Value};

/// A runtime failure. Types were checked at compile time, so only arithmetic can fail (and
/// facts built for another kind's schema, which is a caller's bug reported as an error).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("division by zero")]
    DivisionByZero,
    #[error("a number is out of range")]
    OutOfRange,
    #[error("the facts do not match this rule's decision kind")]
    FactsMismatch,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum V<'a> {
    Num(f64),
    Bool(bool),
    Text(&'a str),
    TextList(&'a [String]),
    NumList(&'a [f64]),
}

type R<'a> = Result<V<'a>, EvalError>;

impl CompiledExpr {
    /// Whether the condition holds for these facts.
    pub fn holds(&self, facts: &Facts) -> Result<bool, EvalError> {
        match eval(&self.root, facts)? {
            V::Bool(b) => Ok(b),
            _ => Err(EvalError::FactsMismatch),
        }
    }

    /// Why the condition does not hold, in words (one line per reason).
    pub fn why_not(&self, facts: &Facts) -> Vec<String> {
        let mut out = Vec::new();
        Explainer { expr: self, facts }.why(&self.root, true, &mut out);
        if out.is_empty() {
            out.push(format!("`{}` does not hold", self.source));
        }
        out
    }
}

fn bool_of(node: &Node, facts: &Facts) -> Result<bool, EvalError> {
    match eval(node, facts)? {
        V::Bool(b) => Ok(b),
        _ => Err(EvalError::FactsMismatch),
    }
}

fn num_of(node: &Node, facts: &Facts) -> Result<f64, EvalError> {
    match eval(node, facts)? {
        V::Num(n) => Ok(n),
        _ => Err(EvalError::FactsMismatch),
    }
}

fn text_of<'a>(node: &'a Node, facts: &'a Facts) -> Result<&'a str, EvalError> {
    match eval(node, facts)? {
        V::Text(t) => Ok(t),
        _ => Err(EvalError::FactsMismatch),
    }
}

/// CEL's logical operators are commutative over errors: `false && error` is false whichever
/// side the error is on.
fn logical(
    l: Result<bool, EvalError>,
    r: impl FnOnce() -> Result<bool, EvalError>,
    and: bool,
) -> Result<bool, EvalError> {
    let decisive = !and;
    match l {
        Ok(v) if v == decisive => Ok(decisive),
        Ok(_) => r(),
        Err(e) => match r() {
            Ok(v) if v == decisive => Ok(decisive),
            _ => Err(e),
        },
    }
}

pub(crate) fn eval<'a>(node: &'a Node, facts: &'a Facts) -> R<'a> {
    Ok(match &node.op {
        Op::Num(n) => V::Num(*n),
        Op::Bool(b) => V::Bool(*b),
        Op::Text(t) => V::Text(t),
        Op::TextList(l) => V::TextList(l),
        Op::NumList(l) => V::NumList(l),
        Op::Fact(i) => match facts.values.get(*i).ok_or(EvalError::FactsMismatch)? {
            Value::Num(n) => V::Num(*n),
            Value::Bool(b) => V::Bool(*b),
            Value::Text(t) => V::Text(t),
            Value::List(l) => V::TextList(l),
        },
        Op::Not(x) => V::Bool(!bool_of(x, facts)?),
        Op::Neg(x) => V::Num(-num_of(x, facts)?),
        Op::And(l, r) => V::Bool(logical(bool_of(l, facts), || bool_of(r, facts), true)?),
        Op::Or(l, r) => V::Bool(logical(bool_of(l, facts), || bool_of(r, facts), false)?),
        Op::Cmp(cmp, l, r) => V::Bool(compare(*cmp, eval(l, facts)?, eval(r, facts)?)?),
        Op::Arith(op, l, r) => {
            let (a, b) = (num_of(l, facts)?, num_of(r, facts)?);
            let n = match op {
                Arith::Add => a + b,
                Arith::Sub => a - b,
                Arith::Mul => a * b,
                Arith::Div if b == 0.0 => return Err(EvalError::DivisionByZero),
                Arith::Div => a / b,
                Arith::Rem if b == 0.0 => return Err(EvalError::DivisionByZero),
                Arith::Rem => a % b,
            };
            if !n.is_finite() {
                return Err(EvalError::OutOfRange);
            }
            V::Num(n)
        }
        Op::Cond(c, t, f) => {
            if bool_of(c, facts)? {
                eval(t, facts)?
            } else {
                eval(f, facts)?
            }
        }
        Op::In(item, list) => V::Bool(match (eval(item, facts)?, eval(list, facts)?) {
            (V::Text(t), V::TextList(l)) => l.iter().any(|x| x == t),
            (V::Num(n), V::NumList(l)) => l.contains(&n),
            _ => return Err(EvalError::FactsMismatch),
        }),
        Op::Size(of) => V::Num(match eval(of, facts)? {
            V::Text(t) => t.chars().count() as f64,
            V::TextList(l) => l.len() as f64,
            V::NumList(l) => l.len() as f64,
            _ => return Err(EvalError::FactsMismatch),
        }),
        Op::Str(f, target, arg) => {
            let (t, a) = (text_of(target, facts)?, text_of(arg, facts)?);
            V::Bool(match f {
                StrFn::Contains => t.contains(a),
                StrFn::StartsWith => t.starts_with(a),
                StrFn::EndsWith => t.ends_with(a),
            })
        }
    })
}

fn compare(cmp: Cmp, l: V<'_>, r: V<'_>) -> Result<bool, EvalError> {
    use std::cmp::Ordering;
    let ord = match (l, r) {
        (V::Num(a), V::Num(b)) => a.partial_cmp(&b),
        (V::Text(a), V::Text(b)) => Some(a.cmp(b)),
        (V::Bool(a), V::Bool(b)) => Some(a.cmp(&b)),
        _ => return Err(EvalError::FactsMismatch),
    };
    Ok(match (cmp, ord) {
        (Cmp::Ne, o) => o != Some(Ordering::Equal),
        (_, None) => false,
        (Cmp::Eq, Some(o)) => o == Ordering::Equal,
        (Cmp::Lt, Some(o)) => o == Ordering::Less,
        (Cmp::Le, Some(o)) => o != Ordering::Greater,
        (Cmp::Gt, Some(o)) => o == Ordering::Greater,
        (Cmp::Ge, Some(o)) => o != Ordering::Less,
    })
}

struct Explainer<'a> {
    expr: &'a CompiledExpr,
    facts: &'a Facts,
}

impl Explainer<'_> {
    fn snippet(&self, node: &Node) -> String {
        let (start, stop) = extent(node);
        let source: &str = &self.expr.source;
        let start = super::compile::char_boundary(source, start as usize);
        // `stop` is the node's last byte; end after the character that byte belongs to.
        let mut end = (stop as usize).saturating_add(1).clamp(start, source.len());
        while !source.is_char_boundary(end) {
            end += 1;
        }
        let text = source[start..end].trim();
        if text.is_empty() {
            self.expr.source.trim().to_owned()
        } else {
            text.to_owned()
        }
    }

    fn show(&self, v: V<'_>, money: bool) -> String {
        match v {
            V::Num(n) if money => format!("{} {}", number(n), self.expr.schema.currency),
            V::Num(n) => number(n),
            V::Bool(b) => b.to_string(),
            V::Text(t) => format!("{t:?}"),
            V::TextList(l) => format!("{l:?}"),
            V::NumList(l) => format!(
                "[{}]",
                l.iter().map(|n| number(*n)).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    /// How a side of a comparison reads: a fact by name and value, a constant by value, an
    /// expression by its source and value.
    fn describe(&self, node: &Node, v: V<'_>) -> String {
        match &node.op {
            Op::Fact(i) => {
                let slot = &self.expr.schema.slots[*i];
                format!("{} {}", slot.name, self.show(v, slot.money))
            }
            Op::Num(_) | Op::Text(_) | Op::Bool(_) | Op::TextList(_) | Op::NumList(_) => {
                self.show(v, false)
            }
            _ => format!("`{}` ({})", self.snippet(node), self.show(v, false)),
        }
    }

    /// Push why `node` is not `want` onto `out`.
    fn why(&self, node: &Node, want: bool, out: &mut Vec<String>) {
        let facts = self.facts;
        let actual = match bool_of(node, facts) {
            Ok(actual) => actual,
            Err(e) => {
                out.push(format!(
                    "`{}` could not be evaluated: {e}",
                    self.snippet(node)
                ));
                return;
            }
        };
        if actual == want {
            return;
        }
        match &node.op {
            Op::Not(x) => self.why(x, !want, out),
            // A conjunction that should hold: every false side is a reason. A disjunction that
            // should not hold: every true side is.
            Op::And(l, r) if want => {
                self.why(l, true, out);
                self.why(r, true, out);
            }
            Op::Or(l, r) if !want => {
                self.why(l, false, out);
                self.why(r, false, out);
            }
            Op::Or(l, r) => {
                let mut sides = Vec::new();
                self.why(l, true, &mut sides);
                self.why(r, true, &mut sides);
                out.push(format!(
                    "none of the alternatives held: {}",
                    sides.join("; ")
                ));
            }
            Op::Cmp(_, l, r) => {
                let (Ok(lv), Ok(rv)) = (eval(l, facts), eval(r, facts)) else {
                    out.push(format!("`{}` could not be evaluated", self.snippet(node)));
                    return;
                };
                let relation = match (lv, rv) {
                    (V::Num(a), V::Num(b)) if a > b => "is above",
                    (V::Num(a), V::Num(b)) if a < b => "is below",
                    (V::Num(_), V::Num(_)) => "is exactly",
                    (V::Text(a), V::Text(b)) if a == b => "is",
                    (V::Text(_), V::Text(_)) if want => "is not",
                    (V::Bool(a), V::Bool(b)) if a == b => "is",
                    _ => "is not",
                };
                out.push(format!(
                    "{} {relation} {}",
                    self.describe(l, lv),
                    self.describe(r, rv)
                ));
            }
            Op::In(item, list) => {
                let (Ok(iv), Ok(lv)) = (eval(item, facts), eval(list, facts)) else {
                    return;
                };
                let relation = if want { "is not one of" } else { "is one of" };
                out.push(format!(
                    "{} {relation} {}",
                    self.describe(item, iv),
                    self.show(lv, false)
                ));
            }
            Op::Fact(i) => {
                out.push(format!("{} is {actual}", self.expr.schema.slots[*i].name));
            }
            Op::Cond(c, t, f) => match bool_of(c, facts) {
                Ok(true) => self.why(t, want, out),
                Ok(false) => self.why(f, want, out),
                Err(_) => out.push(format!("`{}` could not be evaluated", self.snippet(c))),
            },
            _ => out.push(format!("`{}` is {actual}", self.snippet(node))),
        }
    }
}

/// The source range a node covers. The parser places an operator's node at the operator
/// itself (`*` in `a * b`), so the range is the union of the node's and its operands'.
fn extent(node: &Node) -> (u32, u32) {
    let children: Vec<&Node> = match &node.op {
        Op::Not(x) | Op::Neg(x) | Op::Size(x) => vec![x],
        Op::And(l, r)
        | Op::Or(l, r)
        | Op::Cmp(_, l, r)
        | Op::Arith(_, l, r)
        | Op::In(l, r)
        | Op::Str(_, l, r) => vec![l, r],
        Op::Cond(c, t, f) => vec![c, t, f],
        _ => Vec::new(),
    };
    children
        .into_iter()
        .map(extent)
        .fold(node.span, |(a, b), (c, d)| (a.min(c), b.max(d)))
}

/// Numbers as people write them: 250, 12.5, 0.25 (no trailing zeros, no exponent below 1e15).
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let s = format!("{:.4}", n);
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}
