//! The keys that tie a mail to its case besides `In-Reply-To`/`References`: the case number in
//! the subject (`[FL-1234]`) and a per-case reply address (`support+fl-1234@example.com`).

use frontline_core::CaseNumber;

/// The case a subject names with a `[FL-1234]` tag, the first one if several. Only the
/// bracketed form counts: a customer writing "about FL-1234" in prose has not replied to it.
pub fn case_from_subject(subject: &str) -> Option<CaseNumber> {
    let mut rest = subject;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find(']') else { break };
        let inside = rest[..close].trim();
        let digits = inside
            .strip_prefix(CaseNumber::PREFIX)
            .or_else(|| inside.strip_prefix("fl-"))
            .or_else(|| inside.strip_prefix("Fl-"));
        if let Some(number) = digits
            .filter(|d| !d.is_empty() && d.len() <= 18 && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse().ok())
            .filter(|n: &i64| *n > 0)
        {
            return Some(CaseNumber(number));
        }
    }
    None
}

/// The case a plus-address names: `support+fl-1234@example.com` when the mailbox is
/// `support@example.com`. Anything else (another mailbox, another tag) names none.
pub fn case_from_plus_address(recipient: &str, mailbox: &str) -> Option<CaseNumber> {
    let recipient = recipient.trim().to_ascii_lowercase();
    let mailbox = mailbox.trim().to_ascii_lowercase();
    let (local, domain) = recipient.rsplit_once('@')?;
    let (box_local, box_domain) = mailbox.rsplit_once('@')?;
    if domain != box_domain {
        return None;
    }
    let tag = local.strip_prefix(box_local)?.strip_prefix('+')?;
    let digits = tag.strip_prefix("fl-")?;
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0).map(CaseNumber)
}

/// The subject of mail Frontline sends about case `number`: the case's subject with its tag,
/// as `Re:` when it answers the customer, never tagged twice.
pub fn reply_subject(number: CaseNumber, subject: &str) -> String {
    format!("Re: {}", case_subject(number, subject))
}

/// The subject of mail Frontline sends on its own about case `number` (the rating link, the
/// closed loop): `[FL-n]` and the case's subject, without `Re:` or an earlier tag.
pub fn case_subject(number: CaseNumber, subject: &str) -> String {
    let tag = format!("[{number}]");
    let mut bare = subject.trim();
    loop {
        let lower = bare.to_ascii_lowercase();
        let stripped = ["re:", "aw:", "fwd:", "fw:", "sv:", "antw:"]
            .iter()
            .find(|p| lower.starts_with(*p))
            .map(|p| bare[p.len()..].trim_start());
        match stripped {
            Some(rest) => bare = rest,
            None => break,
        }
    }
    let bare = bare.replace(&tag, "");
    let bare = bare.split_whitespace().collect::<Vec<_>>().join(" ");
    // A header line: no CR/LF may reach it from a customer's subject.
    let bare: String = bare.chars().filter(|c| !c.is_control()).collect();
    format!("{tag} {bare}").trim_end().to_owned()
}

/// The `Message-ID` (without angle brackets) of the mail Frontline sends for one of its
/// messages: derived from the message's id, so a resend after a crash has the same id and a
/// client threads or de-duplicates it.
pub fn message_id_for(message_id: &str, domain: &str) -> String {
    format!("fl-{message_id}@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bracketed_case_number_in_a_subject_names_the_case() {
        assert_eq!(
            case_from_subject("Re: [FL-1234] Late parcel"),
            Some(CaseNumber(1234))
        );
        assert_eq!(case_from_subject("AW: [fl-77] x"), Some(CaseNumber(77)));
        assert_eq!(
            case_from_subject("[ext] [FL-1001] first tag wins"),
            Some(CaseNumber(1001))
        );
        assert_eq!(case_from_subject("about FL-1234 again"), None);
        assert_eq!(case_from_subject("[FL-] [FL-0] [FL-12x] [FL-1"), None);
        assert_eq!(case_from_subject("[FL-99999999999999999999999]"), None);
    }

    #[test]
    fn a_plus_address_of_the_mailbox_names_the_case() {
        assert_eq!(
            case_from_plus_address("Support+FL-1234@Example.com", "support@example.com"),
            Some(CaseNumber(1234))
        );
        assert_eq!(
            case_from_plus_address("support@example.com", "support@example.com"),
            None
        );
        assert_eq!(
            case_from_plus_address("sales+fl-1@example.com", "support@example.com"),
            None
        );
        assert_eq!(
            case_from_plus_address("support+fl-1@other.example", "support@example.com"),
            None
        );
        assert_eq!(
            case_from_plus_address("support+news@example.com", "support@example.com"),
            None
        );
    }

    #[test]
    fn reply_subjects_carry_one_tag_and_one_re() {
        let n = CaseNumber(1042);
        assert_eq!(reply_subject(n, "Late parcel"), "Re: [FL-1042] Late parcel");
        assert_eq!(
            reply_subject(n, "RE: Aw: [FL-1042]  Late\r\nBcc: x@evil.example parcel"),
            "Re: [FL-1042] Late Bcc: x@evil.example parcel"
        );
        assert_eq!(reply_subject(n, ""), "Re: [FL-1042]");
    }

    #[test]
    fn mail_sent_on_frontlines_own_carries_the_tag_without_re() {
        let n = CaseNumber(7);
        assert_eq!(
            case_subject(n, "Re: [FL-7] Late parcel"),
            "[FL-7] Late parcel"
        );
        assert_eq!(case_subject(n, "Late\nparcel"), "[FL-7] Late parcel");
    }
}
