//! The `cel` parser's errors, said as a rule author would understand them.
//!
//! The parser reports ANTLR's messages (`mismatched input '<EOF>' expecting {…}`), its own
//! internal checks (``Incomplete `ExprContext` ``) and, past its recursion limit, the debug
//! text of an error value. None of that belongs in front of a person writing a guideline, so
//! each error is recognised by its shape and rewritten as a sentence; anything unrecognised
//! becomes a plain "cannot be read here". Positions are the parser's: 1-based line and column
//! in characters.

use cel::parser::{ParseError, ParseErrors};

use super::compile::CompileError;

/// The error to show for a failed parse: the first (in reading order) that says something to
/// the author; the parser's internal complaints only when there is nothing else.
pub(crate) fn describe(source: &str, errors: &ParseErrors) -> CompileError {
    let mut best: Option<(bool, (isize, isize), String)> = None;
    for error in &errors.errors {
        // The recursion limit's error carries character offsets, not a line and column; the
        // whole expression is too deep, so point at its start.
        let pos = if recursion_limit(error) {
            (1, 1)
        } else {
            error.pos
        };
        let (meaningful, message) = sentence(error, at_end(source, pos));
        let candidate = (meaningful, pos, message);
        best = match best {
            None => Some(candidate),
            Some(current) => {
                // Meaningful beats internal; then the earlier position wins.
                let better = (candidate.0 && !current.0)
                    || (candidate.0 == current.0 && candidate.1 < current.1);
                Some(if better { candidate } else { current })
            }
        };
    }
    let (_, (line, column), message) =
        best.unwrap_or((false, (1, 1), "the expression cannot be read".to_owned()));
    CompileError {
        message: format!("syntax error: {message}"),
        line: u32::try_from(line.max(1)).unwrap_or(1),
        // The parser's columns are already 1-based.
        column: u32::try_from(column.max(1)).unwrap_or(1),
    }
}

/// Whether a 1-based (line, column) is past the last character that is not blank: an error
/// there means the expression stopped before it was complete.
fn at_end(source: &str, (line, column): (isize, isize)) -> bool {
    let trimmed = source.trim_end();
    let last_line = trimmed.matches('\n').count() + 1;
    let last_column = trimmed.rsplit('\n').next().map_or(0, |l| l.chars().count());
    let (Ok(line), Ok(column)) = (usize::try_from(line), usize::try_from(column)) else {
        return false;
    };
    line > last_line || (line == last_line && column > last_column)
}

/// Whether this is the parser giving up on an expression nested past its recursion limit
/// (reported directly, or wrapped in the error ANTLR passes on).
fn recursion_limit(error: &ParseError) -> bool {
    let cause = error
        .source
        .as_ref()
        .map(|e| e.to_string())
        .unwrap_or_default();
    error.msg.contains("Recursion limit") || cause.contains("Recursion limit")
}

/// A sentence for one parser error, and whether it says anything beyond "cannot be read".
fn sentence(error: &ParseError, at_end: bool) -> (bool, String) {
    let raw = error.msg.as_str();
    if recursion_limit(error) {
        return (true, "the expression is nested too deeply".to_owned());
    }
    let antlr = raw.strip_prefix("Syntax error: ");
    let said = match antlr {
        // ANTLR complains of whatever it met at the end (`<EOF>`, or the last token); either
        // way the author has stopped too soon.
        Some(msg)
            if at_end
                && !msg.starts_with("token recognition error")
                && !msg.starts_with("missing ") =>
        {
            Some(ends_too_soon())
        }
        Some(msg) => antlr_sentence(msg),
        None => cel_sentence(raw),
    };
    match said {
        Some(message) => (true, message),
        None => (false, "the expression cannot be read here".to_owned()),
    }
}

/// ANTLR's messages: mismatched, extraneous and missing tokens, no viable alternative, and the
/// lexer's unknown characters.
fn antlr_sentence(msg: &str) -> Option<String> {
    if let Some(rest) = msg.strip_prefix("mismatched input ") {
        let token = leading_token(rest)?;
        return Some(unexpected(&token));
    }
    if let Some(rest) = msg.strip_prefix("extraneous input ") {
        let token = leading_token(rest)?;
        return Some(unexpected(&token));
    }
    if let Some(rest) = msg.strip_prefix("missing ") {
        // `missing ')' at 'x'` or `missing {')', ','} at 'x'`.
        let (wanted, at) = rest.rsplit_once(" at ")?;
        let at = leading_token(at)?;
        let place = if at == "<EOF>" {
            "at the end".to_owned()
        } else {
            format!("before {}", quoted(&at))
        };
        return Some(match leading_token(wanted) {
            Some(token) if !wanted.starts_with('{') => {
                format!("{} is missing {place}", quoted(&token))
            }
            _ => format!("something is missing {place}"),
        });
    }
    if let Some(rest) = msg.strip_prefix("no viable alternative at input ") {
        let input = rest.strip_prefix('\'')?.strip_suffix('\'')?;
        let last = input.split_whitespace().last().unwrap_or(input);
        return Some(if input.ends_with("<EOF>") || last.is_empty() {
            ends_too_soon()
        } else {
            format!("{} does not fit here", quoted(last))
        });
    }
    if let Some(rest) = msg.strip_prefix("token recognition error at: ") {
        let text = rest.strip_prefix('\'')?.strip_suffix('\'')?;
        let text_literal = text.starts_with('"') || text.starts_with('\'');
        return Some(if text_literal && text.contains('\\') {
            "this text has an escape sequence that does not exist (write \\\\ for a backslash)"
                .to_owned()
        } else if text_literal {
            "this text is never closed: a quote is missing".to_owned()
        } else {
            format!("{} cannot be used in an expression", quoted(text))
        });
    }
    None
}

/// The `cel` crate's own checks that concern what the author wrote.
fn cel_sentence(msg: &str) -> Option<String> {
    if msg.starts_with("invalid int literal") || msg.starts_with("invalid uint literal") {
        return Some("this number is too large".to_owned());
    }
    if msg.starts_with("invalid double literal") {
        return Some("this is not a number".to_owned());
    }
    if msg.starts_with("invalid string literal") || msg.starts_with("invalid bytes literal") {
        return Some(
            "this text has an escape sequence that does not exist (write \\\\ for a backslash)"
                .to_owned(),
        );
    }
    if let Some(word) = msg.strip_prefix("reserved identifier: ") {
        return Some(format!(
            "{} is a reserved word and cannot be a fact's name",
            quoted(word)
        ));
    }
    if msg.starts_with("unsupported syntax") {
        return Some("optional values (`?`) are not supported".to_owned());
    }
    if msg.starts_with("unexpected character, wanted '||'") {
        return Some("`|` on its own is not an operator; write `||` for or".to_owned());
    }
    if msg.starts_with("unexpected character, wanted '&&'") {
        return Some("`&` on its own is not an operator; write `&&` for and".to_owned());
    }
    if msg.starts_with("invalid argument to has()") || msg.starts_with("argument must be") {
        return Some(
            "macros such as has(), all() and exists() are not supported in guidelines".to_owned(),
        );
    }
    None
}

/// The token an ANTLR message starts with: `'x'` (quotes removed) or `<EOF>`.
fn leading_token(text: &str) -> Option<String> {
    if text.starts_with("'<EOF>'") || text.starts_with("<EOF>") {
        return Some("<EOF>".to_owned());
    }
    let rest = text.strip_prefix('\'')?;
    // The token's text ends at the last quote before the next ` expecting` or the end.
    let body = match rest.find("' expecting") {
        Some(end) => &rest[..end],
        None => rest.rsplit_once('\'').map_or(rest, |(body, _)| body),
    };
    Some(body.to_owned())
}

fn unexpected(token: &str) -> String {
    if token == "<EOF>" {
        ends_too_soon()
    } else {
        format!("{} is not expected here", quoted(token))
    }
}

fn ends_too_soon() -> String {
    "the expression ends too soon: something is missing at the end".to_owned()
}

/// A piece of the author's text in backticks, cut short if long and with ANTLR's escapes
/// (`\n`, `\t`) spelled as what they stand for.
fn quoted(text: &str) -> String {
    let text = text
        .replace("\\n", " ")
        .replace("\\t", " ")
        .replace("\\r", " ");
    let text = text.trim();
    let mut shown: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        shown.push('…');
    }
    format!("`{shown}`")
}
