//! A raw message into an [`Inbound`]: what the ingest path needs, bounded, with every header
//! value cleaned of what could break a line or a page.

use std::fmt;

use frontline_core::{Email, Subject, Timestamp, time};
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

use crate::junk::{Kind, classify};
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
    pub from_name: Option<String>,
    pub reply_to: Option<Email>,
    /// `To`, `Cc` and `Delivered-To` addresses (lower case), at most `max_recipients` each.
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
    /// Any header value or part that did not decode cleanly (kept as best decoded).
    pub encoding_problems: bool,
    pub kind: Kind,
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
    let message = MessageParser::default()
        .parse(raw)
        .filter(|m| !m.headers().is_empty())
        .ok_or(Unreadable::NotAMessage)?;

    let first_address = |a: Option<&Address<'_>>| {
        a.and_then(|a| a.first())
            .map(|a| (a.address().map(str::to_owned), a.name().map(clean_line)))
    };
    let (from_raw, from_name) = first_address(message.from())
        .or_else(|| first_address(message.sender()))
        .unwrap_or((None, None));
    let from = match from_raw.as_deref().map(Email::parse) {
        Some(Ok(email)) => email,
        Some(Err(_)) => {
            return Err(Unreadable::NoSender {
                from: from_raw.map(|f| clean_line(&f).chars().take(200).collect()),
            });
        }
        None => return Err(Unreadable::NoSender { from: None }),
    };
    let reply_to = first_address(message.reply_to())
        .and_then(|(a, _)| a)
        .and_then(|a| Email::parse(&a).ok())
        .filter(|a| *a != from);

    let mut recipients = Vec::new();
    let mut recipient_count = 0;
    for header in [
        mail_parser::HeaderName::To,
        mail_parser::HeaderName::Cc,
        mail_parser::HeaderName::Other("Delivered-To".into()),
        mail_parser::HeaderName::Other("X-Original-To".into()),
    ] {
        let mut kept = 0;
        for value in message.header_values(header) {
            let addresses: Vec<String> = match value {
                HeaderValue::Address(a) => a
                    .iter()
                    .filter_map(|a| a.address())
                    .map(str::to_owned)
                    .collect(),
                HeaderValue::Text(t) => vec![t.to_string()],
                _ => Vec::new(),
            };
            for address in addresses {
                recipient_count += 1;
                let address = clean_line(&address).to_lowercase();
                if kept < limits.max_recipients
                    && address.contains('@')
                    && address.len() <= 254
                    && !recipients.contains(&address)
                {
                    recipients.push(address);
                    kept += 1;
                }
            }
        }
    }

    let message_id = message
        .message_id()
        .map(clean_id)
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| {
            let digest = Sha256::digest(raw);
            let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
            format!("sha256-{hex}@frontline.invalid")
        });
    let mut thread_ids: Vec<String> = Vec::new();
    let mut add_ids = |value: &HeaderValue<'_>, newest_first: bool| {
        let mut ids: Vec<String> = match value {
            HeaderValue::Text(t) => vec![clean_id(t)],
            HeaderValue::TextList(list) => list.iter().map(|t| clean_id(t)).collect(),
            _ => Vec::new(),
        };
        if newest_first {
            ids.reverse();
        }
        // A hostile References line may list thousands; the newest few are what threads.
        for id in ids.into_iter().take(50) {
            if !id.is_empty() && id != message_id && !thread_ids.contains(&id) {
                thread_ids.push(id);
            }
        }
    };
    add_ids(message.in_reply_to(), false);
    add_ids(message.references(), true);

    let subject = message
        .subject()
        .map(clean_line)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "(no subject)".to_owned());
    let subject: String = subject.chars().take(Subject::MAX_CHARS).collect();
    let date = message
        .date()
        .and_then(|d| jiff::Timestamp::from_second(d.to_timestamp()).ok())
        .map(time::truncate);

    let texts: Vec<String> = (0..message.text_body_count())
        .filter_map(|i| message.body_text(i))
        .map(|t| t.replace("\r\n", "\n"))
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
    let text = texts.join("\n\n");
    let text = strip_controls(&text);

    let mut attachments = Vec::new();
    let mut dropped = Vec::new();
    let mut encoding_problems = message.parts.iter().any(|p| p.is_encoding_problem);
    let mut delivery_status = None;
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
    for (i, part) in message.attachments().enumerate() {
        let content_type = part
            .content_type()
            .map(|ct| {
                format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("octet-stream"))
                    .to_ascii_lowercase()
            })
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        if content_type == "message/delivery-status" {
            delivery_status = Some(String::from_utf8_lossy(part.contents()).into_owned());
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

    let kind = classify(
        message.headers_raw(),
        is_report,
        delivery_status.as_deref(),
        Some(from.as_str()),
    );

    Ok(Inbound {
        message_id,
        thread_ids,
        from,
        from_name: from_name.filter(|n| !n.is_empty()),
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
    })
}

/// A header value on one line: control characters (CR, LF, NUL, …) become spaces and runs of
/// space collapse, so nothing read from a header can start another header or break a page.
fn clean_line(raw: &str) -> String {
    raw.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A message or content id: no brackets, no whitespace or controls, at most 250 characters.
fn clean_id(raw: &str) -> String {
    raw.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace() && *c != '<' && *c != '>')
        .take(250)
        .collect()
}

fn clean_file_name(raw: &str) -> String {
    let name = clean_line(raw);
    let name = name.rsplit(['/', '\\']).next().unwrap_or("");
    name.trim_start_matches('.').chars().take(200).collect()
}

/// Text without control characters other than newline and tab (they pass `MessageBody`).
fn strip_controls(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}
