//! What to show of a reply: the new text, without the quoted history a mail client appends
//! or the sender's signature. The full text is kept beside it; this only decides the shown
//! part, so a wrong cut hides text but never loses it.

/// The line Frontline puts at the top of every mail it sends (in English; see `phrases` for
/// the others): whatever the customer writes above it is their answer, whatever is below is
/// history. The surest cut there is.
pub const REPLY_ABOVE: &str = "##- Please type your reply above this line -##";

/// The new part of `text`: everything before the first line that starts quoted history or
/// a signature. Returns the whole text (trimmed) when nothing is found, and never an empty
/// string for a text that was not empty (a reply that is only a quote shows the quote).
pub fn trim_reply(text: &str) -> &str {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut offset = 0;
    let mut cut = text.len();
    for (i, line) in lines.iter().enumerate() {
        let bare = line.trim_end_matches(['\r', '\n']);
        let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or("");
        if starts_history(bare, next) {
            cut = offset;
            break;
        }
        offset += line.len();
    }
    let shown = text[..cut].trim_end();
    let shown = shown.trim_start_matches(['\r', '\n']);
    if shown.trim().is_empty() {
        text.trim()
    } else {
        shown
    }
}

fn starts_history(line: &str, next: &str) -> bool {
    let trimmed = line.trim();
    if trimmed.contains(REPLY_ABOVE) || crate::phrases::is_reply_marker(trimmed) {
        return true;
    }
    // The signature delimiter is exactly "-- " (RFC 3676); some clients drop the space.
    if line == "-- " || line == "--" {
        return true;
    }
    // A block of quoted lines (">") is history; one stray ">" in prose is not.
    if trimmed.starts_with('>') && next.starts_with('>') {
        return true;
    }
    let lower = trimmed.to_lowercase();
    const FORWARD_MARKERS: [&str; 5] = [
        "-----original message-----",
        "-----ursprüngliche nachricht-----",
        "-----message d'origine-----",
        "---------- forwarded message",
        "________________________________",
    ];
    if FORWARD_MARKERS.iter().any(|m| lower.starts_with(m)) {
        return true;
    }
    // Outlook's header block: "From: …" directly followed by "Sent:"/"Date:".
    if (lower.starts_with("from:") || lower.starts_with("von:") || lower.starts_with("de :"))
        && ["sent:", "date:", "gesendet:", "envoyé :", "to:"]
            .iter()
            .any(|h| next.to_lowercase().starts_with(h))
    {
        return true;
    }
    if [
        "sent from my ",
        "get outlook for ",
        "von meinem iphone gesendet",
    ]
    .iter()
    .any(|m| lower.starts_with(m))
    {
        return true;
    }
    // "On Tue, 3 Dec 2026, Ann <ann@example.com> wrote:", often wrapped onto two lines.
    let attribution = |l: &str| {
        (l.starts_with("on ") && (l.ends_with("wrote:") || l.ends_with("wrote")))
            || (l.starts_with("am ") && l.contains(" schrieb") && l.ends_with(':'))
            || (l.starts_with("le ") && l.ends_with("a écrit :"))
            || (l.starts_with("el ") && l.ends_with("escribió:"))
    };
    attribution(&lower)
        || (lower.starts_with("on ") && attribution(&format!("{lower} {}", next.to_lowercase())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_style_quotes_are_cut_at_the_attribution() {
        let text = "Thanks, that worked!\n\nOn Tue, 3 Dec 2026 at 10:00, Support <support@example.com> wrote:\n> Try turning it off and on.\n> Regards\n";
        assert_eq!(trim_reply(text), "Thanks, that worked!");
        let wrapped = "Yes please.\r\n\r\nOn Tue, 3 Dec 2026 at 10:00, Support\r\n<support@example.com> wrote:\r\n> quoted\r\n";
        assert_eq!(trim_reply(wrapped), "Yes please.");
    }

    #[test]
    fn outlook_headers_signatures_and_our_marker_cut_too() {
        assert_eq!(
            trim_reply(
                "Still broken.\n\nFrom: Support <s@example.com>\nSent: Monday\nTo: me\n\nold"
            ),
            "Still broken."
        );
        assert_eq!(
            trim_reply("New text\n-----Original Message-----\nold"),
            "New text"
        );
        assert_eq!(trim_reply("Cheers\n-- \nAnn\nACME Ltd"), "Cheers");
        assert_eq!(
            trim_reply(&format!("Here you go\n\n{REPLY_ABOVE}\nYour case FL-1\n")),
            "Here you go"
        );
        assert_eq!(
            trim_reply(
                "Danke!\n\n> ##- Bitte schreiben Sie Ihre Antwort über dieser Zeile -##\n> Hallo"
            ),
            "Danke!"
        );
        assert_eq!(trim_reply("Ok\n\nSent from my iPhone"), "Ok");
        assert_eq!(
            trim_reply("Danke\n\nAm 3. Dez. 2026 um 10:00 schrieb Support:\n> alt"),
            "Danke"
        );
    }

    #[test]
    fn prose_is_left_alone_and_nothing_is_ever_emptied() {
        let prose = "I paid 5 > 3 times.\nOn reflection, it is fine.\nFrom: my point of view, ok.";
        assert_eq!(trim_reply(prose), prose);
        assert_eq!(
            trim_reply("> only a quote\n> nothing else"),
            "> only a quote\n> nothing else"
        );
        assert_eq!(trim_reply(""), "");
    }
}
