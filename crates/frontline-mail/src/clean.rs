//! Cleaning what a message says before anything else reads it: header values onto one line,
//! ids and file names into safe shapes. Everything here is total: any input, no panic.

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
}
