//! Full-text search: the search box's language, parsed once here, and the one tokeniser both
//! backends index and query with.
//!
//! A query is words, `"quoted phrases"`, `prefix*` words and `-excluded` words, all of which
//! must match somewhere in a case (subject, number, tags, customer, messages), mixed with
//! filters written `key:value` (`status:open tag:refund owner:me before:2026-01-01`). The
//! user's text never reaches a database's query syntax: words are cut into tokens here
//! (lower-cased letters and digits, accents folded), and the backends' expressions are built
//! from those tokens alone, so `"unterminated`, `NEAR(` or `*` are words or nothing, never a
//! syntax error.

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

use crate::values::ValueError;

/// Longer queries are refused: nobody types them, and each term costs a posting-list walk.
pub const MAX_QUERY_CHARS: usize = 500;
/// At most this many words and phrases.
pub const MAX_TERMS: usize = 16;
/// A token longer than this is cut: no real word is longer, and it bounds index entries.
const MAX_TOKEN_CHARS: usize = 64;

/// What the words of a query ask for: every term must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextQuery {
    pub terms: Vec<Term>,
}

/// One word or phrase: its tokens in order, the last one a prefix if `prefix`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub tokens: Vec<String>,
    pub prefix: bool,
    /// Cases containing this term are left out.
    pub excluded: bool,
}

/// The filters the search box understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterKey {
    Status,
    Tag,
    Owner,
    Team,
    Outcome,
    Priority,
    Customer,
    Before,
    After,
    Has,
}

impl FilterKey {
    pub const ALL: [FilterKey; 10] = [
        Self::Status,
        Self::Tag,
        Self::Owner,
        Self::Team,
        Self::Outcome,
        Self::Priority,
        Self::Customer,
        Self::Before,
        Self::After,
        Self::Has,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Tag => "tag",
            Self::Owner => "owner",
            Self::Team => "team",
            Self::Outcome => "outcome",
            Self::Priority => "priority",
            Self::Customer => "customer",
            Self::Before => "before",
            Self::After => "after",
            Self::Has => "has",
        }
    }

    fn parse(key: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(key))
    }
}

/// A `key:value` filter as written; the server resolves the value (a person, a team, a day).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub key: FilterKey,
    pub value: String,
}

/// A parsed search box.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub text: TextQuery,
    pub filters: Vec<Filter>,
}

/// Parse what was typed in the search box (`field` names it in errors).
pub fn parse(field: &'static str, raw: &str) -> Result<Parsed, ValueError> {
    let chars = raw.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(ValueError::new(
            field,
            format!("at most {MAX_QUERY_CHARS} characters, not {chars}: search for fewer words"),
        ));
    }
    let mut parsed = Parsed::default();
    for piece in pieces(raw) {
        match piece {
            Piece::Phrase {
                text,
                excluded,
                prefix,
            } => push_term(&mut parsed.text, &text, prefix, excluded),
            Piece::Word(word) => {
                let (excluded, word) = match word.strip_prefix('-') {
                    Some(rest) if !rest.is_empty() => (true, rest),
                    _ => (false, word.as_str()),
                };
                if let Some((key, value)) = word.split_once(':')
                    && !value.is_empty()
                    && !key.is_empty()
                    && key.chars().all(|c| c.is_ascii_alphabetic())
                {
                    let Some(key) = FilterKey::parse(key) else {
                        return Err(ValueError::new(
                            field,
                            format!(
                                "`{key}:` is not a filter; use one of {}, or quote the words",
                                FilterKey::ALL.map(FilterKey::as_str).join(", ")
                            ),
                        ));
                    };
                    if excluded {
                        return Err(ValueError::new(
                            field,
                            format!("`-{}:` cannot be excluded; drop the `-`", key.as_str()),
                        ));
                    }
                    parsed.filters.push(Filter {
                        key,
                        value: value.trim_matches('"').to_owned(),
                    });
                    continue;
                }
                let prefix = word.ends_with('*');
                push_term(&mut parsed.text, word, prefix, excluded);
            }
        }
    }
    if parsed.text.terms.len() > MAX_TERMS {
        return Err(ValueError::new(
            field,
            format!("at most {MAX_TERMS} words or phrases"),
        ));
    }
    if !parsed.text.terms.is_empty() && parsed.text.terms.iter().all(|t| t.excluded) {
        return Err(ValueError::new(
            field,
            "say what to look for, not only what to leave out (`-word` excludes)",
        ));
    }
    Ok(parsed)
}

fn push_term(text: &mut TextQuery, raw: &str, prefix: bool, excluded: bool) {
    let tokens: Vec<String> = tokens(raw).collect();
    if tokens.is_empty() {
        return;
    }
    text.terms.push(Term {
        tokens,
        prefix,
        excluded,
    });
}

enum Piece {
    Word(String),
    /// `prefix`: `"arrived dam*"` or `"arrived dam"*`, the last word a prefix.
    Phrase {
        text: String,
        excluded: bool,
        prefix: bool,
    },
}

/// Split on white space, keeping `"…"` (and `-"…"`) together; an unterminated quote runs to
/// the end.
fn pieces(raw: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = raw.trim_start();
    while !rest.is_empty() {
        let (excluded, body) = match rest.strip_prefix("-\"") {
            Some(body) => (true, Some(body)),
            None => (false, rest.strip_prefix('"')),
        };
        if let Some(body) = body {
            let end = body.find('"').unwrap_or(body.len());
            let text = body[..end].trim_end();
            let mut after = body.get(end + 1..).unwrap_or("");
            let star_after = after.starts_with('*');
            if star_after {
                after = &after[1..];
            }
            out.push(Piece::Phrase {
                text: text.to_owned(),
                excluded,
                prefix: star_after || text.ends_with('*'),
            });
            rest = after.trim_start();
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        // `key:"two words"`: the quoted value belongs to the filter.
        if let Some(open) = word.find(":\"")
            && !word[open + 2..].contains('"')
            && let Some(close) = rest[open + 2..].find('"')
        {
            let stop = open + 2 + close + 1;
            out.push(Piece::Word(rest[..stop].to_owned()));
            rest = rest[stop..].trim_start();
            continue;
        }
        out.push(Piece::Word(word.to_owned()));
        rest = rest[end..].trim_start();
    }
    out
}

/// The tokens of `text` as both backends index them: runs of letters and digits, lower-cased,
/// accents removed (`Café` is `cafe`), each at most 64 characters.
pub fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(fold)
}

fn fold(token: &str) -> String {
    token
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .take(MAX_TOKEN_CHARS)
        .collect()
}

/// `text` as its tokens joined by spaces: what PostgreSQL's `to_tsvector('simple', …)` is
/// given, so its parser (which keeps `a@b.com` or `1.5` whole) sees what SQLite's `unicode61`
/// tokeniser sees.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for token in tokens(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&token);
    }
    out
}

impl TextQuery {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// An FTS5 `MATCH` expression; `columns` limits every term to those columns.
    pub fn fts5(&self, columns: Option<&[&str]>) -> String {
        let phrase = |t: &Term| {
            let star = if t.prefix { " *" } else { "" };
            let phrase = format!("\"{}\"{star}", t.tokens.join(" "));
            match columns {
                Some(cols) => format!("{{{}}} : {phrase}", cols.join(" ")),
                None => phrase,
            }
        };
        let mut expr = self
            .terms
            .iter()
            .filter(|t| !t.excluded)
            .map(phrase)
            .collect::<Vec<_>>()
            .join(" AND ");
        for t in self.terms.iter().filter(|t| t.excluded) {
            expr = format!("({expr}) NOT {}", phrase(t));
        }
        expr
    }

    /// A PostgreSQL `to_tsquery('simple', …)` text; `weights` (`"AB"`) limits every lexeme to
    /// text of those weights.
    pub fn tsquery(&self, weights: &str) -> String {
        let term = |t: &Term| {
            let last = t.tokens.len() - 1;
            let lexemes = t
                .tokens
                .iter()
                .enumerate()
                .map(|(i, tok)| {
                    let star = if t.prefix && i == last { "*" } else { "" };
                    let marks = format!("{star}{weights}");
                    if marks.is_empty() {
                        format!("'{tok}'")
                    } else {
                        format!("'{tok}':{marks}")
                    }
                })
                .collect::<Vec<_>>()
                .join(" <-> ");
            if t.excluded {
                format!("!({lexemes})")
            } else {
                format!("({lexemes})")
            }
        };
        self.terms.iter().map(term).collect::<Vec<_>>().join(" & ")
    }

    fn matches(&self, token: &str) -> bool {
        self.terms.iter().filter(|t| !t.excluded).any(|t| {
            let last = t.tokens.len() - 1;
            t.tokens.iter().enumerate().any(|(i, q)| {
                if t.prefix && i == last {
                    token.starts_with(q.as_str())
                } else {
                    token == q
                }
            })
        })
    }
}

/// A piece of a case's text around what matched, with the matching words marked (byte ranges
/// into `text`, so a page escapes the text and marks the ranges itself).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<(usize, usize)>,
}

impl Snippet {
    /// The text in pieces, matching words apart: what an API answer or a page shows, each
    /// escaping the text its own way.
    pub fn fragments(&self) -> Vec<Fragment> {
        fragments(&self.text, &self.highlights)
    }
}

/// A piece of a snippet or subject; `hit`: a word the search matched.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Fragment {
    pub text: String,
    #[serde(rename = "match")]
    pub hit: bool,
}

/// `text` in fragments with the words `query` matches marked (a subject in a result list).
pub fn mark(query: &TextQuery, text: &str) -> Vec<Fragment> {
    fragments(text, &hits(query, text))
}

fn fragments(text: &str, ranges: &[(usize, usize)]) -> Vec<Fragment> {
    let mut out = Vec::new();
    let mut at = 0;
    for &(start, end) in ranges {
        if start < at || end > text.len() {
            continue;
        }
        if start > at {
            out.push(Fragment {
                text: text[at..start].to_owned(),
                hit: false,
            });
        }
        out.push(Fragment {
            text: text[start..end].to_owned(),
            hit: true,
        });
        at = end;
    }
    if at < text.len() {
        out.push(Fragment {
            text: text[at..].to_owned(),
            hit: false,
        });
    }
    out
}

/// About this many characters of context make a snippet.
const SNIPPET_CHARS: usize = 180;

/// The best snippet among `texts` (a case's messages, in order): the text with the most
/// matching words, cut around its first match. `None` when no text has a match (the case
/// matched on its subject, number, tags or customer).
pub fn snippet<'a>(query: &TextQuery, texts: impl IntoIterator<Item = &'a str>) -> Option<Snippet> {
    // (distinct words matched, the text, where they are)
    let mut best: Option<(usize, &str, Vec<Range>)> = None;
    for text in texts {
        let hits = hits(query, text);
        if hits.is_empty() {
            continue;
        }
        let mut words: Vec<String> = hits.iter().map(|&(s, e)| fold(&text[s..e])).collect();
        words.sort();
        words.dedup();
        if best.as_ref().is_none_or(|(n, _, _)| words.len() > *n) {
            best = Some((words.len(), text, hits));
        }
    }
    let (_, text, hits) = best?;
    let first = hits[0].0;
    let start = back_chars(text, first, SNIPPET_CHARS / 4);
    let start = word_start(text, start);
    let end = forward_chars(text, start, SNIPPET_CHARS);
    let end = word_end(text, end);
    let lead = if start > 0 { "…" } else { "" };
    let tail = if end < text.len() { "…" } else { "" };
    let body: String = text[start..end]
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let shift = lead.len();
    let highlights = hits
        .into_iter()
        .filter(|&(s, e)| s >= start && e <= end)
        .map(|(s, e)| (s - start + shift, e - start + shift))
        .collect();
    Some(Snippet {
        text: format!("{lead}{body}{tail}"),
        highlights,
    })
}

/// A byte range of a text: where a word is.
type Range = (usize, usize);

/// Byte ranges of the words of `text` that match a wanted term.
fn hits(query: &TextQuery, text: &str) -> Vec<Range> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take()
            && query.matches(&fold(&text[s..i]))
        {
            out.push((s, i));
        }
    }
    out
}

fn back_chars(text: &str, from: usize, n: usize) -> usize {
    text[..from]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

fn forward_chars(text: &str, from: usize, n: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| from + i)
}

/// Move `at` back to the start of the word it falls in, unless that is far.
fn word_start(text: &str, at: usize) -> usize {
    match text[..at].rfind(char::is_whitespace) {
        Some(ws) if at - ws <= 24 => ws + 1,
        _ => at,
    }
}

fn word_end(text: &str, at: usize) -> usize {
    match text[at..].find(char::is_whitespace) {
        Some(ws) if ws <= 24 => at + ws,
        _ => at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(raw: &str) -> Parsed {
        parse("q", raw).unwrap()
    }

    #[test]
    fn words_phrases_prefixes_and_exclusions() {
        assert!(q(r#""arrived dam*""#).text.terms[0].prefix);
        assert!(q(r#""arrived dam"*"#).text.terms[0].prefix);
        let p = q(r#"Parcel "arrived  DAMAGED" refu* -spam"#);
        let t = &p.text.terms;
        assert_eq!(t.len(), 4);
        assert_eq!(t[0].tokens, ["parcel"]);
        assert_eq!(t[1].tokens, ["arrived", "damaged"]);
        assert!(t[2].prefix && t[2].tokens == ["refu"]);
        assert!(t[3].excluded);
        assert_eq!(
            p.text.fts5(None),
            r#"("parcel" AND "arrived damaged" AND "refu" *) NOT "spam""#
        );
        assert_eq!(
            p.text.tsquery("AB"),
            "('parcel':AB) & ('arrived':AB <-> 'damaged':AB) & ('refu':*AB) & !('spam':AB)"
        );
        assert_eq!(
            p.text.fts5(Some(&["head", "public"])),
            r#"({head public} : "parcel" AND {head public} : "arrived damaged" AND {head public} : "refu" *) NOT {head public} : "spam""#
        );
    }

    #[test]
    fn filters_are_taken_out_of_the_words() {
        let p = q("status:open refund tag:vip owner:me customer:\"Ana Lopez\" before:2026-01-01");
        assert_eq!(p.text.terms.len(), 1);
        let keys: Vec<_> = p.filters.iter().map(|f| f.key).collect();
        assert_eq!(
            keys,
            [
                FilterKey::Status,
                FilterKey::Tag,
                FilterKey::Owner,
                FilterKey::Customer,
                FilterKey::Before
            ]
        );
        assert_eq!(p.filters[3].value, "Ana Lopez");
    }

    #[test]
    fn what_looks_like_syntax_is_only_words() {
        for raw in [
            "\"unterminated",
            "NEAR(",
            "*",
            "\"",
            "-",
            ":",
            "re: (",
            "a:",
            "ü\u{202e}x",
        ] {
            let p = parse("q", raw).unwrap_or_else(|e| panic!("{raw}: {}", e.reason));
            for t in &p.text.terms {
                assert!(
                    t.tokens
                        .iter()
                        .all(|t| t.chars().all(char::is_alphanumeric))
                );
            }
        }
        assert_eq!(q("\"unterminated phrase").text.terms[0].tokens.len(), 2);
        assert!(q("*").text.is_empty());
        // A time or a URL is words, not a filter.
        assert_eq!(q("10:30").text.terms[0].tokens, ["10", "30"]);
    }

    #[test]
    fn bad_queries_say_what_to_fix() {
        let e = parse("q", "colour:red").unwrap_err();
        assert!(e.reason.contains("status, tag"), "{}", e.reason);
        assert!(parse("q", "-only -excluded").is_err());
        assert!(parse("q", &"x ".repeat(5_000)).is_err());
        assert!(parse("q", &"w ".repeat(MAX_TERMS + 1)).is_err());
    }

    #[test]
    fn tokens_fold_case_and_accents_and_split_addresses() {
        assert_eq!(
            tokens("Café ÅNGSTRÖM ana@Example.com 1.5kg").collect::<Vec<_>>(),
            ["cafe", "angstrom", "ana", "example", "com", "1", "5kg"]
        );
        assert_eq!(normalise("  Hello,   World! "), "hello world");
    }

    #[test]
    fn a_snippet_marks_the_words_in_the_best_message() {
        let p = q("damaged parcel");
        let s = snippet(
            &p.text,
            [
                "Nothing here.",
                "My parcel arrived.",
                "The PARCEL arrived damaged, box crushed.",
            ],
        )
        .unwrap();
        assert_eq!(s.text, "The PARCEL arrived damaged, box crushed.");
        let marked: Vec<&str> = s.highlights.iter().map(|&(a, b)| &s.text[a..b]).collect();
        assert_eq!(marked, ["PARCEL", "damaged"]);
        assert!(snippet(&p.text, ["nothing"]).is_none());
    }

    #[test]
    fn fragments_put_the_marked_words_apart() {
        let f = mark(&q("refund").text, "Refund, please: refunds*");
        let shown: Vec<(&str, bool)> = f.iter().map(|f| (f.text.as_str(), f.hit)).collect();
        assert_eq!(shown, [("Refund", true), (", please: refunds*", false)]);
        let f = mark(&q("refund*").text, "a refunds");
        assert_eq!(f.len(), 2);
        assert!(f[1].hit);
    }

    #[test]
    fn a_long_message_is_cut_around_its_first_match() {
        let long = format!(
            "{} the refund was sent {}",
            "word ".repeat(200),
            "tail ".repeat(200)
        );
        let s = snippet(&q("refund").text, [long.as_str()]).unwrap();
        assert!(s.text.starts_with('…') && s.text.ends_with('…'));
        assert!(s.text.chars().count() < 200);
        let (a, b) = s.highlights[0];
        assert_eq!(&s.text[a..b], "refund");
    }
}
