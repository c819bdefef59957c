//! Cleaning what a message says before anything else reads it: header values onto one line,
//! ids and file names into safe shapes, body text without control characters, and HTML
//! readied for `mail-parser`'s HTML-to-text. Everything here is total: any input, no panic.

use std::borrow::Cow;

/// A header value on one line: control characters (CR, LF, NUL, …) become spaces and runs of
/// space collapse, so nothing read from a header can start another header or break a page.
/// Bidirectional embeddings, overrides and isolates are dropped: legitimate right-to-left
/// text displays without them, and an unclosed override turns `invoice` U+202E `fdp.exe` into
/// what looks like `invoiceexe.pdf` and reorders the page text around it.
pub(crate) fn clean_line(raw: &str) -> String {
    raw.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(|w| w.replace(is_bidi_control, ""))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// At most `max` characters of a cleaned line, without a space left dangling at the cut.
pub(crate) fn bounded_line(raw: &str, max: usize) -> String {
    let line: String = clean_line(raw).chars().take(max).collect();
    line.trim_end().to_owned()
}

/// A message or content id: no brackets, no whitespace or controls, at most 250 characters.
pub(crate) fn clean_id(raw: &str) -> String {
    raw.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace() && *c != '<' && *c != '>')
        .filter(|c| !is_bidi_control(*c))
        .take(250)
        .collect()
}

pub(crate) fn clean_file_name(raw: &str) -> String {
    let name = clean_line(raw);
    let name = name.rsplit(['/', '\\']).next().unwrap_or("");
    bounded_line(name.trim_start_matches(['.', ' ']), 200)
}

/// Body text as Frontline stores it: `\n` line ends (a lone `\r`, as old Mac clients wrote,
/// is a line end too, not glue between two lines) and no control characters other than
/// newline and tab, which is what `MessageBody` accepts.
pub(crate) fn plain_text(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' => text.push('\n'),
            '\n' | '\t' => text.push(c),
            c if c.is_control() => {}
            c => text.push(c),
        }
    }
    text
}

/// HTML as `mail-parser`'s HTML-to-text needs it to leave scripts and styles out of the text.
///
/// That converter recognises `<script>`, `<style>`, `<head>` and `<template>` only when the
/// tag has no attributes, so the contents of `<style type="text/css">` (common in Apple Mail
/// and newsletter HTML) and `<script type=…>` came out as text. Those tags are rewritten
/// bare. And since it also hides everything after a `<head>` that is never closed, a
/// `</head>` goes before each `<body>`, as a browser would imply it.
pub(crate) fn html_for_text(html: &str) -> Cow<'_, str> {
    const HIDDEN: [&str; 4] = ["script", "style", "head", "template"];
    let bytes = html.as_bytes();
    let ends_name = |at: usize| {
        bytes
            .get(at)
            .is_none_or(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>')
    };
    let starts_with_at = |at: usize, name: &str| {
        bytes
            .get(at..at + name.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(name.as_bytes()))
    };
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    while let Some(found) = bytes[at..].iter().position(|b| *b == b'<') {
        let open = at + found;
        at = open + 1;
        let closing = bytes.get(at) == Some(&b'/');
        let name_at = if closing { at + 1 } else { at };
        if !closing && starts_with_at(name_at, "body") && ends_name(name_at + 4) {
            out.push_str(&html[copied..open]);
            out.push_str("</head>");
            copied = open;
            continue;
        }
        let Some(name) = HIDDEN
            .into_iter()
            .find(|name| starts_with_at(name_at, name) && ends_name(name_at + name.len()))
        else {
            continue;
        };
        let after_name = name_at + name.len();
        if bytes.get(after_name) == Some(&b'>') {
            continue;
        }
        let Some(end) = bytes[after_name..].iter().position(|b| *b == b'>') else {
            break;
        };
        out.push_str(&html[copied..open]);
        out.push_str(if closing { "</" } else { "<" });
        out.push_str(name);
        out.push('>');
        copied = after_name + end + 1;
        at = copied;
    }
    if copied == 0 {
        return Cow::Borrowed(html);
    }
    out.push_str(&html[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_lose_line_breaks_controls_and_bidi_overrides() {
        assert_eq!(clean_line("hi\r\nBcc: x\0\t y"), "hi Bcc: x y");
        assert_eq!(clean_line("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(clean_line("\u{2067} \u{2069}"), "");
        assert_eq!(clean_line("שלום עולם"), "שלום עולם");
        assert_eq!(bounded_line("ab cd", 3), "ab");
    }

    #[test]
    fn file_names_lose_their_path_and_leading_dots() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("..\\..\\win.ini"), "win.ini");
        assert_eq!(clean_file_name(".hidden"), "hidden");
        assert_eq!(clean_file_name("...."), "");
        assert_eq!(clean_file_name("x/. . .\u{202E}"), "");
    }

    #[test]
    fn body_text_keeps_lines_and_loses_controls() {
        assert_eq!(plain_text("a\r\nb\rc\nd"), "a\nb\nc\nd");
        assert_eq!(
            plain_text("nul\0 bell\x07 esc\x1b[2J\ttab"),
            "nul bell esc[2J\ttab"
        );
    }

    #[test]
    fn script_and_style_tags_with_attributes_are_made_bare() {
        assert_eq!(
            html_for_text(
                "<p>a</p><SCRIPT type=\"x\">alert(1)</SCRIPT ><style media=all>b{}</style>"
            ),
            "<p>a</p><script>alert(1)</script><style>b{}</style>"
        );
        assert_eq!(
            html_for_text("<head><title>t</title><body class=x>hi"),
            "<head><title>t</title></head><body class=x>hi"
        );
        assert!(matches!(
            html_for_text("<p>plain</p><scripts x>"),
            Cow::Borrowed(_)
        ));
        assert_eq!(html_for_text("<style x"), "<style x");
    }
}
