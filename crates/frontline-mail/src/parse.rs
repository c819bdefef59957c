//! A raw message into an [`Inbound`]: what the ingest path needs, bounded, with every header
//! value cleaned of what could break a line or a page.

use std::fmt;

use frontline_core::{Email, Subject, Timestamp, time};
use mail_parser::decoders::html::html_to_text;
use mail_parser::{MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

use crate::clean::{bounded_line, clean_file_name, clean_id, html_for_text, plain_text};
use crate::headers::{recipients, sender, thread_ids};
use crate::junk::{FailedRecipient, Kind, classify, failed_recipients};
use crate::trim::trim_reply;

/// How much of a message is read.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The whole raw message; larger ones are refused before parsing.
    pub max_message_bytes: usize,
    /// Recipients kept per address header (a 10,000-recipient `To` keeps the first ones).
    pub max_recipients: usize,
    /// Attachments kept; the rest are named in `Inbound::dropped`.
    pub max_attachments: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // What the common providers accept (Gmail 25 MB, Microsoft 365 25-35 MB).
            max_message_bytes: 25 * 1024 * 1024,
            max_recipients: 100,
            max_attachments: 50,
        }
    }
}

/// Why a message could not be read. The raw message is kept (quarantined) with this reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unreadable {
    TooLarge { bytes: usize, limit: usize },
    NotAMessage,
    NoSender { from: Option<String> },
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unreadable::TooLarge { bytes, limit } => write!(
                f,
                "the message is {bytes} bytes, over the {limit}-byte limit"
            ),
            Unreadable::NotAMessage => f.write_str("this is not an RFC 5322 mail message"),
            Unreadable::NoSender { from: None } => {
                f.write_str("the message has no From address to answer")
            }
            Unreadable::NoSender { from: Some(raw) } => {
                write!(f, "the From address {raw:?} is not an email address")
            }
        }
    }
}

impl std::error::Error for Unreadable {}

/// A file that came with the mail.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name as sent, cleaned of path separators and control characters.
    pub name: String,
    /// `type/subtype`, lower case.
    pub content_type: String,
    /// `Content-ID` of an inline image the HTML refers to (`cid:`), without brackets.
    pub content_id: Option<String>,
    pub inline: bool,
    pub bytes: Vec<u8>,
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("content_id", &self.content_id)
            .field("inline", &self.inline)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// A parsed inbound mail.
#[derive(Clone, Debug)]
pub struct Inbound {
    /// Its `Message-ID` without brackets; for a message without one, a name derived from its
    /// bytes (`sha256-…@frontline.invalid`), so the same message seen twice is still one.
    pub message_id: String,
    /// `In-Reply-To` then `References` (newest first), without brackets, de-duplicated.
    pub thread_ids: Vec<String>,
    pub from: Email,
    /// The display name on one line, at most `Name::MAX_CHARS`.
    pub from_name: Option<String>,
    pub reply_to: Option<Email>,
    /// The valid addresses of `To`, `Cc`, `Delivered-To` and `X-Original-To` (lower case,
    /// distinct), at most `max_recipients` from each header.
    pub recipients: Vec<String>,
    /// How many recipients the headers listed in all.
    pub recipient_count: usize,
    /// The subject on one line, never empty (`(no subject)`), at most `Subject::MAX_CHARS`.
    pub subject: String,
    pub date: Option<Timestamp>,
    /// The whole text: the plain-text parts, or the HTML turned into text when there are none.
    pub text: String,
    /// The HTML as sent, when there was an HTML part. Never rendered as HTML by Frontline.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Names of attachments over `max_attachments`, not kept.
    pub dropped: Vec<String>,
    /// Any part, or the subject, sender's name or text, that did not decode cleanly (kept as
    /// best decoded, with U+FFFD for what could not be).
    pub encoding_problems: bool,
    pub kind: Kind,
    /// For a bounce, each address it reports as failed with what the server said (from its
    /// delivery report; without one, the addresses of `X-Failed-Recipients` and no words).
    /// Empty for any other mail.
    pub failed: Vec<FailedRecipient>,
    /// For a bounce that returns the mail it is about (a `message/rfc822` or
    /// `text/rfc822-headers` part, as RFC 3462 suggests), that mail's Message-ID without
    /// brackets: what tells a report about our own mail from a forged one.
    pub bounced_message_id: Option<String>,
}

impl Inbound {
    /// What to show: the text without quoted history and signature.
    pub fn shown(&self) -> &str {
        trim_reply(&self.text)
    }
}

/// Parse `raw`. Never panics on any input; a message it cannot answer is `Unreadable`.
pub fn parse(raw: &[u8], limits: &Limits) -> Result<Inbound, Unreadable> {
    if raw.len() > limits.max_message_bytes {
        return Err(Unreadable::TooLarge {
            bytes: raw.len(),
            limit: limits.max_message_bytes,
        });
    }
    // mail-parser drops the last header of a message that ends inside its header block
    // (no blank line, no final newline). Such a message has no body, so ending it with a
    // newline changes nothing else and costs one copy of a small message.
    let terminated;
    let input = if !raw.is_empty() && !raw.ends_with(b"\n") && !has_blank_line(raw) {
        terminated = [raw, b"\r\n"].concat();
        &terminated[..]
    } else {
        raw
    };
    let message = MessageParser::default()
        .parse(input)
        .filter(|m| !m.headers().is_empty())
        .ok_or(Unreadable::NotAMessage)?;

    let (from, from_name) = sender(&message)?;
    let reply_to = message
        .reply_to()
        .and_then(|a| a.iter().find_map(|a| a.address()))
        .and_then(|a| Email::parse(a).ok())
        .filter(|a| *a != from);
    let (recipients, recipient_count) = recipients(&message, limits);

    let message_id = message
        .message_id()
        .map(clean_id)
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| {
            let digest = Sha256::digest(raw);
            let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
            format!("sha256-{hex}@frontline.invalid")
        });
    let thread_ids = thread_ids(&message, &message_id);

    let subject = message
        .subject()
        .map(|s| bounded_line(s, Subject::MAX_CHARS))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "(no subject)".to_owned());
    // A field out of range (hour 25, day 0, year 9999) is a broken date, not a real time:
    // mail-parser would still turn it into some instant.
    let date = message
        .date()
        .filter(|d| d.is_valid())
        .and_then(|d| jiff::Timestamp::from_second(d.to_timestamp()).ok())
        .map(time::truncate);

    let mut texts: Vec<String> = (0..message.text_body_count())
        .filter_map(|i| message.text_part(u32::try_from(i).ok()?))
        .filter_map(|part| match &part.body {
            PartType::Text(text) => Some(plain_text(text)),
            PartType::Html(html) => Some(plain_text(&html_to_text(&html_for_text(html)))),
            _ => None,
        })
        .filter(|t| !t.trim().is_empty())
        .collect();
    let html_parts: Vec<String> = message
        .html_bodies()
        .filter_map(|p| match &p.body {
            PartType::Html(h) => Some(h.to_string()),
            _ => None,
        })
        .collect();
    let html = (!html_parts.is_empty()).then(|| html_parts.join("\n"));
    // A multipart whose boundary never appears (or is missing), or a top-level text type
    // mail-parser does not know, comes out as one text "attachment" and no body at all.
    // What the sender wrote is in it, so it is the text.
    let mut text_from_part = None;
    if texts.is_empty() && html.is_none() {
        text_from_part = message.parts.iter().enumerate().find_map(|(i, part)| {
            let broken_multipart = part
                .content_type()
                .is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("multipart"));
            let named = part.attachment_name().is_some()
                || part
                    .content_disposition()
                    .is_some_and(|d| d.is_attachment());
            if named || !(i == 0 || broken_multipart) {
                return None;
            }
            let text = match &part.body {
                PartType::Text(text) => plain_text(text),
                PartType::Binary(bytes) | PartType::InlineBinary(bytes) if broken_multipart => {
                    plain_text(&String::from_utf8_lossy(bytes))
                }
                _ => return None,
            };
            (!text.trim().is_empty()).then_some((i, text))
        });
        texts.extend(text_from_part.as_ref().map(|(_, text)| text.clone()));
    }
    let text = texts.join("\n\n");

    let mut attachments = Vec::new();
    let mut dropped = Vec::new();
    let mut encoding_problems = message.parts.iter().any(|p| p.is_encoding_problem);
    let mut delivery_status = None;
    let mut bounced_message_id = None;
    let mut is_report = false;
    if let Some(ct) = message.root_part().content_type() {
        is_report = ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"));
    }
    let text_part = text_from_part.map(|(i, _)| &message.parts[i]);
    for (i, part) in message.attachments().enumerate() {
        if text_part.is_some_and(|p| std::ptr::eq(p, part)) {
            continue;
        }
        let content_type = part
            .content_type()
            .and_then(|ct| mime_type(ct.ctype(), ct.subtype().unwrap_or("octet-stream")))
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        if content_type == "message/delivery-status" {
            delivery_status = Some(String::from_utf8_lossy(part.contents()).into_owned());
        }
        if is_report && bounced_message_id.is_none() {
            bounced_message_id = match &part.body {
                PartType::Message(returned) => returned.message_id().map(clean_id),
                _ if content_type == "text/rfc822-headers" => MessageParser::default()
                    .parse_headers(part.contents())
                    .and_then(|headers| headers.message_id().map(clean_id)),
                _ => None,
            }
            .filter(|id| !id.is_empty());
        }
        let name = part
            .attachment_name()
            .map(clean_file_name)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("attachment-{}", i + 1));
        if attachments.len() >= limits.max_attachments {
            dropped.push(name);
            continue;
        }
        encoding_problems |= part.is_encoding_problem;
        attachments.push(Attachment {
            name,
            content_type,
            content_id: part.content_id().map(clean_id).filter(|c| !c.is_empty()),
            inline: matches!(part.body, PartType::InlineBinary(_))
                || part.content_disposition().is_some_and(|d| d.is_inline()),
            bytes: part.contents().to_vec(),
        });
    }
    // What did not decode was replaced with U+FFFD: undeclared 8-bit headers, a body in
    // another charset than it says.
    encoding_problems |= [subject.as_str(), from_name.as_deref().unwrap_or(""), &text]
        .iter()
        .any(|s| s.contains(char::REPLACEMENT_CHARACTER));

    let kind = classify(
        message.headers_raw(),
        is_report,
        delivery_status.as_deref(),
        Some(from.as_str()),
    );
    let failed = match &kind {
        Kind::Bounce { failed } => {
            let reported = delivery_status
                .as_deref()
                .map(failed_recipients)
                .unwrap_or_default();
            if reported.is_empty() {
                failed
                    .iter()
                    .map(|address| FailedRecipient {
                        address: address.clone(),
                        diagnostic: None,
                    })
                    .collect()
            } else {
                reported
            }
        }
        _ => Vec::new(),
    };

    Ok(Inbound {
        message_id,
        thread_ids,
        from,
        from_name,
        reply_to,
        recipients,
        recipient_count,
        subject,
        date,
        text,
        html,
        attachments,
        dropped,
        encoding_problems,
        kind,
        failed,
        bounced_message_id,
    })
}

/// `type/subtype` in lower case when both are MIME tokens (RFC 2045): what a download's
/// `Content-Type` may be set to.
fn mime_type(ctype: &str, subtype: &str) -> Option<String> {
    let token = |t: &str| {
        !t.is_empty()
            && t.len() <= 127
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    (token(ctype) && token(subtype)).then(|| format!("{ctype}/{subtype}").to_ascii_lowercase())
}

fn has_blank_line(raw: &[u8]) -> bool {
    raw.windows(2).any(|w| w == b"\n\n") || raw.windows(3).any(|w| w == b"\n\r\n")
}

/// What the quarantine list shows of a mail that could not be taken: its From line and
/// subject as far as they can be read (cleaned, bounded), read from the headers only.
pub fn summary(raw: &[u8], limits: &Limits) -> (Option<String>, Option<String>) {
    if raw.len() > limits.max_message_bytes {
        return (None, None);
    }
    let Some(message) = MessageParser::default().parse_headers(raw) else {
        return (None, None);
    };
    let line = |raw: Option<&str>| {
        raw.map(|r| crate::clean::bounded_line(r, 300))
            .filter(|l| !l.is_empty())
    };
    (
        line(message.header_raw(mail_parser::HeaderName::From)),
        line(message.subject()),
    )
}
