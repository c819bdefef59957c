//! Mail Frontline sends: built with lettre's builder (RFC 2047 subjects, quoted-printable
//! bodies, folded headers), with the headers that make every client thread it and every
//! autoresponder leave it alone.

use frontline_core::Email;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::phrases::Phrases;

/// Why the mail is sent, which decides the headers that keep machines from answering it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A person's reply to the customer: threaded, answerable.
    Reply,
    /// Sent by Frontline on its own (rating link, "we changed it", sign-in link,
    /// notifications): `Auto-Submitted: auto-generated`, so autoresponders stay quiet.
    Automatic,
}

/// One mail to build.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub from: Email,
    pub from_name: Option<String>,
    pub to: Email,
    pub to_name: Option<String>,
    pub subject: String,
    /// The text; an HTML part is made from it (escaped), so both parts say the same.
    pub text: String,
    /// Without brackets (see `message_id_for`).
    pub message_id: String,
    /// The Message-IDs this answers, oldest first, without brackets: `In-Reply-To` is the
    /// last, `References` all of them.
    pub references: Vec<String>,
    pub purpose: Purpose,
    /// Put the "type your reply above this line" marker on top, for mail the customer may
    /// answer.
    pub reply_marker: bool,
    /// Files sent with it, in order (the message's attachments).
    pub files: Vec<OutgoingFile>,
    /// The recipient's language (a BCP 47 tag), for the words Frontline adds (the reply
    /// marker); automatic mail, all of whose words are Frontline's, also says it in
    /// `Content-Language`.
    pub language: Option<String>,
}

/// A file a mail carries.
#[derive(Clone, Debug)]
pub struct OutgoingFile {
    /// Shown to the recipient; lettre encodes it (RFC 2231) as needed.
    pub name: String,
    /// As sniffed when it was uploaded; `application/octet-stream` when lettre cannot read it.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A mail that could not be built: an address or id lettre refuses.
#[derive(Debug, thiserror::Error)]
#[error("could not build the mail: {0}")]
pub struct BuildError(String);

/// The RFC 5322 bytes of `mail`, and the envelope (sender, recipient) to send them with.
pub fn build(
    mail: &Outgoing,
    dkim: Option<&lettre::message::dkim::DkimConfig>,
) -> Result<(lettre::address::Envelope, Vec<u8>), BuildError> {
    let mailbox = |name: &Option<String>, email: &Email| -> Result<Mailbox, BuildError> {
        let address = email
            .as_str()
            .parse()
            .map_err(|e| BuildError(format!("{email}: {e}")))?;
        Ok(Mailbox::new(name.as_deref().map(one_line), address))
    };
    let id = |raw: &str| format!("<{}>", clean_id(raw));
    let mut builder = lettre::Message::builder()
        .from(mailbox(&mail.from_name, &mail.from)?)
        .to(mailbox(&mail.to_name, &mail.to)?)
        .subject(one_line(&mail.subject))
        .message_id(Some(id(&mail.message_id)))
        .date_now();
    if let Some(last) = mail.references.last() {
        builder = builder.in_reply_to(id(last)).references(
            mail.references
                .iter()
                .rev()
                .take(20)
                .rev()
                .map(|r| id(r))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    let phrases = Phrases::for_language(mail.language.as_deref());
    if mail.purpose == Purpose::Automatic {
        // RFC 3834, and Exchange's own way of saying "no out-of-office notes to this". A
        // person's reply carries neither: it may be answered by anyone, machines included.
        builder = builder
            .raw_header(raw("Auto-Submitted", "auto-generated"))
            .raw_header(raw("X-Auto-Response-Suppress", "All"));
        if mail.language.is_some() {
            builder = builder.raw_header(raw("Content-Language", phrases.language));
        }
    }

    let text = if mail.reply_marker {
        format!("{}\n\n{}", phrases.reply_above, mail.text)
    } else {
        mail.text.clone()
    };
    let html = html_of(&text);
    let body = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(text),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(html),
        );
    let body = if mail.files.is_empty() {
        body
    } else {
        // multipart/mixed: the text (both forms) first, then each file as an attachment.
        mail.files
            .iter()
            .fold(MultiPart::mixed().multipart(body), |mixed, file| {
                let content_type = ContentType::parse(&file.content_type)
                    .unwrap_or_else(|_| ContentType::parse("application/octet-stream").unwrap());
                mixed.singlepart(
                    Attachment::new(one_line(&file.name)).body(file.bytes.clone(), content_type),
                )
            })
    };
    let mut message = builder
        .multipart(body)
        .map_err(|e| BuildError(e.to_string()))?;
    if let Some(config) = dkim {
        message.sign(config);
    }
    Ok((message.envelope().clone(), message.formatted()))
}

/// The text as HTML: escaped, paragraphs kept. Nothing from the text is markup.
fn html_of(text: &str) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.4\">",
    );
    for paragraph in text.split("\n\n") {
        html.push_str("<p>");
        for (i, line) in paragraph.lines().enumerate() {
            if i > 0 {
                html.push_str("<br>");
            }
            for c in line.chars() {
                match c {
                    '&' => html.push_str("&amp;"),
                    '<' => html.push_str("&lt;"),
                    '>' => html.push_str("&gt;"),
                    '"' => html.push_str("&quot;"),
                    '\'' => html.push_str("&#39;"),
                    c => html.push(c),
                }
            }
        }
        html.push_str("</p>");
    }
    html.push_str("</body></html>");
    html
}

fn one_line(raw: &str) -> String {
    raw.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn clean_id(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_graphic() && *c != '<' && *c != '>')
        .take(250)
        .collect()
}

fn raw(name: &'static str, value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kind, Limits, parse};

    fn mail(purpose: Purpose) -> Outgoing {
        Outgoing {
            from: Email::parse("support@example.com").unwrap(),
            from_name: Some("ACME Support".into()),
            to: Email::parse("ann@example.org").unwrap(),
            to_name: Some("Ann\r\nBcc: evil@example.net".into()),
            subject: "Re: [FL-1042] Zürich <script>\r\nBcc: evil@example.net".into(),
            text: "Hello Ann,\n\nit ships today <b>&</b>.".into(),
            message_id: "fl-0193-abc@example.com".into(),
            references: vec![
                "first@mail.example.org".into(),
                "<second@mail.example.org>".into(),
            ],
            purpose,
            reply_marker: true,
            files: Vec::new(),
            language: None,
        }
    }

    #[test]
    fn a_built_reply_threads_and_reads_back_as_written() {
        let (envelope, bytes) = build(&mail(Purpose::Reply), None).unwrap();
        assert_eq!(envelope.to().len(), 1);
        let raw = String::from_utf8_lossy(&bytes);
        assert!(!raw.contains("\nBcc:"), "{raw}");
        let back = parse(&bytes, &Limits::default()).unwrap();
        assert_eq!(back.message_id, "fl-0193-abc@example.com");
        assert_eq!(
            back.thread_ids,
            ["second@mail.example.org", "first@mail.example.org"]
        );
        assert_eq!(
            back.subject,
            "Re: [FL-1042] Zürich <script> Bcc: evil@example.net"
        );
        assert_eq!(back.from.as_str(), "support@example.com");
        assert!(back.text.contains("it ships today <b>&</b>."));
        assert!(
            back.html
                .as_deref()
                .unwrap()
                .contains("&lt;b&gt;&amp;&lt;/b&gt;")
        );
        assert!(back.text.starts_with(crate::REPLY_ABOVE));
        // A reply is a person's mail; if it ever comes back to us it is one too.
        assert_eq!(back.kind, Kind::Person);
        assert!(!raw.contains("Auto-Submitted"));
    }

    #[test]
    fn files_go_as_attachments_and_read_back_byte_for_byte() {
        let pdf = b"%PDF-1.4\n\x00\xff binary \r\n bytes".to_vec();
        let mail = Outgoing {
            files: vec![
                OutgoingFile {
                    name: "Rechnung März.pdf".into(),
                    content_type: "application/pdf".into(),
                    bytes: pdf.clone(),
                },
                OutgoingFile {
                    name: "a\r\nBcc: evil@example.net.txt".into(),
                    content_type: "not a type".into(),
                    bytes: b"plain".to_vec(),
                },
            ],
            ..mail(Purpose::Reply)
        };
        let (_, bytes) = build(&mail, None).unwrap();
        let raw = String::from_utf8_lossy(&bytes);
        assert!(!raw.contains("\nBcc:"), "{raw}");
        let back = parse(&bytes, &Limits::default()).unwrap();
        assert!(back.text.contains("it ships today"), "{}", back.text);
        assert_eq!(back.attachments.len(), 2, "{:?}", back.attachments);
        assert_eq!(back.attachments[0].name, "Rechnung März.pdf");
        assert_eq!(back.attachments[0].content_type, "application/pdf");
        assert_eq!(back.attachments[0].bytes, pdf);
        assert_eq!(back.attachments[1].content_type, "application/octet-stream");
        assert_eq!(back.attachments[1].bytes, b"plain");
    }

    #[test]
    fn the_marker_is_in_the_recipients_language_and_automatic_mail_names_it() {
        let german = Outgoing {
            language: Some("de-CH".into()),
            ..mail(Purpose::Automatic)
        };
        let (_, bytes) = build(&german, None).unwrap();
        let raw = String::from_utf8_lossy(&bytes);
        assert!(raw.contains("Content-Language: de"), "{raw}");
        let back = parse(&bytes, &Limits::default()).unwrap();
        assert!(
            back.text
                .starts_with("##- Bitte schreiben Sie Ihre Antwort über dieser Zeile -##"),
            "{}",
            back.text
        );
        // A person's reply: the marker is translated, the language not claimed for their text.
        let (_, bytes) = build(
            &Outgoing {
                purpose: Purpose::Reply,
                ..german
            },
            None,
        )
        .unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("Content-Language"));
    }

    #[test]
    fn automatic_mail_says_so_and_reads_back_as_automatic() {
        let (_, bytes) = build(&mail(Purpose::Automatic), None).unwrap();
        let raw = String::from_utf8_lossy(&bytes);
        assert!(raw.contains("Auto-Submitted: auto-generated"), "{raw}");
        assert!(raw.contains("X-Auto-Response-Suppress: All"), "{raw}");
        let back = parse(&bytes, &Limits::default()).unwrap();
        assert!(
            matches!(back.kind, Kind::AutoReply { .. }),
            "{:?}",
            back.kind
        );
    }
}
