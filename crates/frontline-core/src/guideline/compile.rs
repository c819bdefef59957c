//! From CEL source to a checked tree over the schema's fact slots.
//!
//! The `cel` parser recurses on the shape of its input: a long `a.b.b…` chain overflows the
//! stack while parsing, and a tree as deep as `1+1+…` would overflow any recursive evaluator.
//! So the source is capped at `MAX_SOURCE_BYTES`, parsing runs on a thread with a large stack,
//! and lowering refuses trees deeper than `MAX_DEPTH`, which keeps evaluation shallow.

use std::fmt;
use std::sync::Arc;

use cel::common::ast::{Expr, IdedExpr, LiteralValue, SourceInfo, operators};
use cel::parser::Parser;
use serde::Serialize;

use super::facts::{Schema, Ty};

/// The longest expression accepted (bytes).
pub const MAX_SOURCE_BYTES: usize = 2_000;
/// The deepest expression tree accepted (nested operators and calls).
pub const MAX_DEPTH: usize = 48;
const MAX_NODES: usize = 400;
const PARSER_STACK: usize = 64 << 20;

/// Why an expression was refused, and where (1-based line and column, in characters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message} (line {line}, column {column})")]
pub struct CompileError {
    pub message: String,
    pub line: u32,
    pub column: u32,
}

impl CompileError {
    /// At byte `offset` of `source` (the parser's offsets are bytes), told as a line and a
    /// column in characters, as an editor shows them.
    fn at(source: &str, offset: usize, message: impl Into<String>) -> Self {
        let before = &source[..char_boundary(source, offset)];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Self {
            message: message.into(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

/// The largest character boundary of `source` at or before byte `offset`.
pub(crate) fn char_boundary(source: &str, offset: usize) -> usize {
    let mut at = offset.min(source.len());
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A checked expression, ready to evaluate against facts of the schema it was compiled for.
#[derive(Clone)]
pub struct CompiledExpr {
    pub(crate) root: Node,
    pub(crate) source: Arc<str>,
    pub(crate) schema: Arc<Schema>,
}

impl fmt::Debug for CompiledExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CompiledExpr").field(&self.source).finish()
    }
}

impl CompiledExpr {
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// A node of the checked tree; `span` is its byte range in the source (first and last byte,
/// as the parser gives them), for explanations.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) op: Op,
    pub(crate) span: (u32, u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StrFn {
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Clone, Debug)]
pub(crate) enum Op {
    Num(f64),
    Text(Box<str>),
    Bool(bool),
    TextList(Box<[String]>),
    NumList(Box<[f64]>),
    Fact(usize),
    Not(Box<Node>),
    Neg(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cmp(Cmp, Box<Node>, Box<Node>),
    Arith(Arith, Box<Node>, Box<Node>),
    Cond(Box<Node>, Box<Node>, Box<Node>),
    In(Box<Node>, Box<Node>),
    Size(Box<Node>),
    Str(StrFn, Box<Node>, Box<Node>),
}

/// Parse and check `source` against `schema`. The expression must be a condition (bool).
pub fn compile(source: &str, schema: &Schema) -> Result<CompiledExpr, CompileError> {
    if source.trim().is_empty() {
        return Err(CompileError {
            message: "the expression is empty; write a condition such as `amount <= 200`".into(),
            line: 1,
            column: 1,
        });
    }
    if source.len() > MAX_SOURCE_BYTES {
        return Err(CompileError {
            message: format!(
                "the expression is {} bytes long; at most {MAX_SOURCE_BYTES}",
                source.len()
            ),
            line: 1,
            column: 1,
        });
    }
    let crashed = || CompileError {
        message: "the expression could not be parsed".into(),
        line: 1,
        column: 1,
    };
    let (root, ty) = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("cel-compile".into())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, || lower_source(source, schema))
            .map_err(|_| crashed())?
            .join()
            .map_err(|_| crashed())?
    })?;
    if ty != Ty::Bool {
        return Err(CompileError {
            message: format!(
                "the expression is a {}, but a rule needs a condition (true or false)",
                ty.name()
            ),
            line: 1,
            column: 1,
        });
    }
    Ok(CompiledExpr {
        root,
        source: source.into(),
        schema: Arc::new(schema.clone()),
    })
}

fn lower_source(source: &str, schema: &Schema) -> Result<(Node, Ty), CompileError> {
    let (expr, info) = Parser::new()
        .parse_with_source_info(source)
        .map_err(|errors| super::syntax::describe(source, &errors))?;
    let mut lowering = Lowering {
        schema,
        info: &info,
        source,
        nodes: 0,
    };
    lowering.lower(&expr, 0)
}

struct Lowering<'a> {
    schema: &'a Schema,
    info: &'a SourceInfo,
    source: &'a str,
    nodes: usize,
}

type Lowered = Result<(Node, Ty), CompileError>;

impl Lowering<'_> {
    fn span(&self, e: &IdedExpr) -> (u32, u32) {
        self.info.offset_for(e.id).unwrap_or((0, 0))
    }

    fn error(&self, e: &IdedExpr, message: impl Into<String>) -> CompileError {
        CompileError::at(self.source, self.span(e).0 as usize, message)
    }

    fn node(&self, e: &IdedExpr, op: Op) -> Node {
        Node {
            op,
            span: self.span(e),
        }
    }

    fn lower(&mut self, e: &IdedExpr, depth: usize) -> Lowered {
        if depth > MAX_DEPTH {
            return Err(self.error(
                e,
                format!("the expression is nested too deeply (at most {MAX_DEPTH} levels)"),
            ));
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(self.error(
                e,
                format!("the expression is too large (at most {MAX_NODES} parts)"),
            ));
        }
        match &e.expr {
            Expr::Literal(lit) => self.literal(e, lit),
            Expr::Select(select) if select.test => Err(self.error(
                e,
                "has() is not supported in guidelines: every fact always has a value",
            )),
            Expr::Ident(_) | Expr::Select(_) => self.fact(e),
            Expr::List(list) => self.list(e, &list.elements),
            Expr::Call(call) => {
                let mut args: Vec<&IdedExpr> = Vec::with_capacity(call.args.len() + 1);
                if let Some(target) = &call.target {
                    args.push(target);
                }
                args.extend(call.args.iter());
                self.call(e, &call.func_name, call.target.is_some(), &args, depth)
            }
            Expr::Map(_) | Expr::Struct(_) => {
                Err(self.error(e, "maps and objects are not supported in guidelines"))
            }
            Expr::Comprehension(_) => Err(self.error(
                e,
                "macros such as has(), all() and exists() are not supported in guidelines",
            )),
            Expr::Unspecified => Err(self.error(e, "the expression could not be parsed")),
        }
    }

    fn literal(&self, e: &IdedExpr, lit: &LiteralValue) -> Lowered {
        let (op, ty) = match lit {
            LiteralValue::Boolean(b) => (Op::Bool(**b), Ty::Bool),
            LiteralValue::Int(i) => (Op::Num(**i as f64), Ty::Num),
            LiteralValue::UInt(u) => (Op::Num(**u as f64), Ty::Num),
            LiteralValue::Double(d) => (Op::Num(**d), Ty::Num),
            LiteralValue::String(s) => (Op::Text(s.inner().into()), Ty::Text),
            LiteralValue::Null => {
                return Err(self.error(e, "null is not supported: every fact has a value"));
            }
            LiteralValue::Bytes(_) => {
                return Err(self.error(e, "bytes are not supported in guidelines"));
            }
        };
        Ok((self.node(e, op), ty))
    }

    /// An identifier or a dotted name such as `customer.tenure_days`.
    fn fact(&self, e: &IdedExpr) -> Lowered {
        let mut parts = Vec::new();
        let mut span = self.span(e);
        let mut at = e;
        loop {
            let (start, stop) = self.span(at);
            span = (span.0.min(start), span.1.max(stop));
            match &at.expr {
                Expr::Ident(name) => {
                    parts.push(name.as_str());
                    break;
                }
                Expr::Select(select) if !select.test => {
                    parts.push(select.field.as_str());
                    at = &select.operand;
                }
                _ => return Err(self.error(e, "only facts can have fields, e.g. customer.tier")),
            }
        }
        parts.reverse();
        let name = parts.join(".");
        match self.schema.slot(&name) {
            // The whole dotted name, not just the last `.field` the parser placed it at.
            Some((index, slot)) => Ok((
                Node {
                    op: Op::Fact(index),
                    span,
                },
                slot.ty,
            )),
            None => {
                let known: Vec<&str> = self.schema.names().collect();
                Err(CompileError::at(
                    self.source,
                    span.0 as usize,
                    format!("unknown fact `{name}`; the facts are: {}", known.join(", ")),
                ))
            }
        }
    }

    fn list(&self, e: &IdedExpr, elements: &[IdedExpr]) -> Lowered {
        if elements.is_empty() {
            return Err(self.error(e, "an empty list never contains anything; remove it"));
        }
        let mut texts = Vec::new();
        let mut nums = Vec::new();
        for element in elements {
            match &element.expr {
                Expr::Literal(LiteralValue::String(s)) => texts.push(s.inner().to_owned()),
                Expr::Literal(LiteralValue::Int(i)) => nums.push(**i as f64),
                Expr::Literal(LiteralValue::UInt(u)) => nums.push(**u as f64),
                Expr::Literal(LiteralValue::Double(d)) => nums.push(**d),
                _ => {
                    return Err(self.error(
                        element,
                        "list elements must be constant text or numbers, e.g. [\"gold\", \"premium\"]",
                    ));
                }
            }
        }
        match (texts.is_empty(), nums.is_empty()) {
            (false, true) => Ok((self.node(e, Op::TextList(texts.into())), Ty::TextList)),
            (true, false) => Ok((self.node(e, Op::NumList(nums.into())), Ty::NumList)),
            _ => Err(self.error(e, "a list must hold only text or only numbers")),
        }
    }

    fn expect(
        &mut self,
        e: &IdedExpr,
        depth: usize,
        want: Ty,
        role: &str,
    ) -> Result<Node, CompileError> {
        let (node, ty) = self.lower(e, depth + 1)?;
        if ty != want {
            return Err(self.error(
                e,
                format!("{role} must be a {}, not a {}", want.name(), ty.name()),
            ));
        }
        Ok(node)
    }

    fn arity(
        &self,
        e: &IdedExpr,
        func: &str,
        method: bool,
        given: usize,
        wanted: usize,
    ) -> Result<(), CompileError> {
        if given == wanted {
            return Ok(());
        }
        let skip = usize::from(method);
        Err(self.error(
            e,
            format!(
                "{func} takes {} argument(s), not {}",
                wanted - skip,
                given.saturating_sub(skip)
            ),
        ))
    }

    fn call(
        &mut self,
        e: &IdedExpr,
        func: &str,
        method: bool,
        args: &[&IdedExpr],
        depth: usize,
    ) -> Lowered {
        let b = Box::new;
        let (op, ty) = match func {
            operators::LOGICAL_AND | operators::LOGICAL_OR => {
                self.arity(e, func, method, args.len(), 2)?;
                let l = self.expect(args[0], depth, Ty::Bool, "each side of && and ||")?;
                let r = self.expect(args[1], depth, Ty::Bool, "each side of && and ||")?;
                let op = if func == operators::LOGICAL_AND {
                    Op::And(b(l), b(r))
                } else {
                    Op::Or(b(l), b(r))
                };
                (op, Ty::Bool)
            }
            operators::LOGICAL_NOT => {
                self.arity(e, func, method, args.len(), 1)?;
                (
                    Op::Not(b(self.expect(
                        args[0],
                        depth,
                        Ty::Bool,
                        "what ! negates",
                    )?)),
                    Ty::Bool,
                )
            }
            operators::NEGATE => {
                self.arity(e, func, method, args.len(), 1)?;
                (
                    Op::Neg(b(self.expect(args[0], depth, Ty::Num, "what - negates")?)),
                    Ty::Num,
                )
            }
            operators::EQUALS
            | operators::NOT_EQUALS
            | operators::LESS
            | operators::LESS_EQUALS
            | operators::GREATER
            | operators::GREATER_EQUALS => {
                self.arity(e, func, method, args.len(), 2)?;
                let cmp = match func {
                    operators::EQUALS => Cmp::Eq,
                    operators::NOT_EQUALS => Cmp::Ne,
                    operators::LESS => Cmp::Lt,
                    operators::LESS_EQUALS => Cmp::Le,
                    operators::GREATER => Cmp::Gt,
                    _ => Cmp::Ge,
                };
                let (l, lt) = self.lower(args[0], depth + 1)?;
                let (r, rt) = self.lower(args[1], depth + 1)?;
                if lt != rt {
                    return Err(self.error(
                        e,
                        format!("cannot compare a {} with a {}", lt.name(), rt.name()),
                    ));
                }
                let ordered = matches!(lt, Ty::Num | Ty::Text);
                let equality =
                    matches!(cmp, Cmp::Eq | Cmp::Ne) && matches!(lt, Ty::Num | Ty::Text | Ty::Bool);
                if !(ordered || equality) {
                    return Err(
                        self.error(e, format!("a {} cannot be compared this way", lt.name()))
                    );
                }
                (Op::Cmp(cmp, b(l), b(r)), Ty::Bool)
            }
            operators::ADD
            | operators::SUBSTRACT
            | operators::MULTIPLY
            | operators::DIVIDE
            | operators::MODULO => {
                self.arity(e, func, method, args.len(), 2)?;
                let arith = match func {
                    operators::ADD => Arith::Add,
                    operators::SUBSTRACT => Arith::Sub,
                    operators::MULTIPLY => Arith::Mul,
                    operators::DIVIDE => Arith::Div,
                    _ => Arith::Rem,
                };
                let l = self.expect(args[0], depth, Ty::Num, "arithmetic")?;
                let r = self.expect(args[1], depth, Ty::Num, "arithmetic")?;
                (Op::Arith(arith, b(l), b(r)), Ty::Num)
            }
            operators::CONDITIONAL => {
                self.arity(e, func, method, args.len(), 3)?;
                let c = self.expect(args[0], depth, Ty::Bool, "the condition of ?:")?;
                let (t, tt) = self.lower(args[1], depth + 1)?;
                let (f, ft) = self.lower(args[2], depth + 1)?;
                if tt != ft {
                    return Err(self.error(
                        e,
                        format!(
                            "both branches of ?: must have one type, not {} and {}",
                            tt.name(),
                            ft.name()
                        ),
                    ));
                }
                (Op::Cond(b(c), b(t), b(f)), tt)
            }
            operators::IN => {
                self.arity(e, func, method, args.len(), 2)?;
                let (item, it) = self.lower(args[0], depth + 1)?;
                let (list, lt) = self.lower(args[1], depth + 1)?;
                let fits = matches!((it, lt), (Ty::Text, Ty::TextList) | (Ty::Num, Ty::NumList));
                if !fits {
                    return Err(self.error(
                        e,
                        format!(
                            "`in` needs a value and a list of the same type, not a {} and a {}",
                            it.name(),
                            lt.name()
                        ),
                    ));
                }
                (Op::In(b(item), b(list)), Ty::Bool)
            }
            "size" => {
                self.arity(e, func, method, args.len(), 1)?;
                let (of, ty) = self.lower(args[0], depth + 1)?;
                if !matches!(ty, Ty::Text | Ty::TextList | Ty::NumList) {
                    return Err(self.error(
                        e,
                        format!("size() takes text or a list, not a {}", ty.name()),
                    ));
                }
                (Op::Size(b(of)), Ty::Num)
            }
            "contains" | "startsWith" | "endsWith" if method => {
                self.arity(e, func, method, args.len(), 2)?;
                let f = match func {
                    "contains" => StrFn::Contains,
                    "startsWith" => StrFn::StartsWith,
                    _ => StrFn::EndsWith,
                };
                let target =
                    self.expect(args[0], depth, Ty::Text, "the text a method is called on")?;
                let arg = self.expect(args[1], depth, Ty::Text, "the argument")?;
                (Op::Str(f, b(target), b(arg)), Ty::Bool)
            }
            operators::INDEX | operators::OPT_INDEX | operators::OPT_SELECT => {
                return Err(self.error(e, "indexing is not supported in guidelines"));
            }
            other => {
                return Err(self.error(e, format!(
                    "unknown function `{other}`; guidelines can use size(), contains(), startsWith() and endsWith()"
                )));
            }
        };
        Ok((self.node(e, op), ty))
    }
}
