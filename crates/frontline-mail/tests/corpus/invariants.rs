//! What holds for every parse, whatever the input: the promises the ingest path and every
//! page that echoes mail rely on.

use frontline_core::{Email, Name, Subject};
use frontline_mail::{Inbound, Kind, Limits, MAX_FAILED, Unreadable};

/// Every broken promise of `message`, empty when it keeps them all.
pub fn broken(message: &Inbound, limits: &Limits) -> Vec<String> {
    let mut broken = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            broken.push(what);
        }
    };

    let subject = &message.subject;
    check(!subject.is_empty(), "the subject is empty".into());
    check(
        subject.chars().count() <= Subject::MAX_CHARS,
        format!("the subject has {} characters", subject.chars().count()),
    );
    check(
        one_line(subject),
        format!("the subject {subject:?} is not one clean line"),
    );
    check(
        Subject::parse(subject).is_ok_and(|s| s.as_str() == subject),
        format!("the subject {subject:?} is not a Subject as it stands"),
    );

    check(
        Email::parse(message.from.as_str()).as_ref() == Ok(&message.from),
        format!("from {:?} is not a valid address", message.from),
    );
    if let Some(name) = &message.from_name {
        check(
            !name.is_empty() && name.chars().count() <= Name::MAX_CHARS && one_line(name),
            format!("the sender's name {name:?} is not one clean line of at most 200"),
        );
    }
    if let Some(reply_to) = &message.reply_to {
        check(
            *reply_to != message.from,
            "reply_to repeats from".to_string(),
        );
    }

    check(
        message
            .text
            .chars()
            .all(|c| !c.is_control() || c == '\n' || c == '\t'),
        "the text has control characters other than newline and tab".into(),
    );
    let shown = message.shown();
    check(
        message.text.trim().is_empty() || !shown.is_empty(),
        "the shown text is empty though the text is not".into(),
    );
    check(
        message.text.contains(shown),
        "the shown text is not part of the text".into(),
    );

    check(
        clean_id(&message.message_id),
        format!("message_id {:?} is not a clean id", message.message_id),
    );
    for id in &message.thread_ids {
        check(clean_id(id), format!("thread id {id:?} is not a clean id"));
        check(
            *id != message.message_id,
            "a thread id is the message's own".into(),
        );
    }
    check(
        message.thread_ids.len() <= 100,
        format!("{} thread ids", message.thread_ids.len()),
    );
    check(
        !has_repeats(&message.thread_ids),
        "thread ids repeat".into(),
    );

    // Four headers are read, each kept to `max_recipients`.
    check(
        message.recipients.len() <= 4 * limits.max_recipients,
        format!("{} recipients kept", message.recipients.len()),
    );
    check(
        message.recipients.len() <= message.recipient_count,
        "more recipients kept than listed".into(),
    );
    for recipient in &message.recipients {
        check(
            Email::parse(recipient).is_ok_and(|e| e.as_str() == recipient),
            format!("recipient {recipient:?} is not a valid lower-case address"),
        );
    }
    check(
        !has_repeats(&message.recipients),
        "recipients repeat".into(),
    );

    check(
        message.attachments.len() <= limits.max_attachments,
        format!("{} attachments kept", message.attachments.len()),
    );
    for attachment in &message.attachments {
        let name = &attachment.name;
        check(
            !name.is_empty()
                && name.chars().count() <= 200
                && one_line(name)
                && !name.contains(['/', '\\'])
                && !name.starts_with('.'),
            format!("attachment name {name:?} is not a safe file name"),
        );
        let content_type = &attachment.content_type;
        let token = |t: &str| {
            !t.is_empty()
                && t.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$&-^_.+".contains(&b)
                })
        };
        check(
            content_type
                .split_once('/')
                .is_some_and(|(t, s)| token(t) && token(s)),
            format!("content type {content_type:?} is not lower-case type/subtype"),
        );
        if let Some(id) = &attachment.content_id {
            check(clean_id(id), format!("content id {id:?} is not a clean id"));
        }
    }
    for name in &message.dropped {
        check(
            one_line(name),
            format!("dropped name {name:?} is not one clean line"),
        );
    }

    if let Kind::Bounce { failed } = &message.kind {
        check(
            failed.len() <= MAX_FAILED,
            format!("{} failed addresses", failed.len()),
        );
        for address in failed {
            check(
                Email::parse(address).is_ok_and(|e| e.as_str() == address),
                format!("failed address {address:?} is not a valid lower-case address"),
            );
        }
    }
    broken
}

/// What a refusal must keep: a reason that can be shown on one line.
pub fn broken_refusal(refusal: &Unreadable) -> Vec<String> {
    let shown = refusal.to_string();
    let mut broken = Vec::new();
    if shown.contains(['\r', '\n']) || shown.chars().count() > 400 {
        broken.push(format!("the refusal {shown:?} is not one short line"));
    }
    if let Unreadable::NoSender { from: Some(from) } = refusal
        && (from.is_empty() || !one_line(from) || from.chars().count() > 200)
    {
        broken.push(format!("the refused From {from:?} is not one clean line"));
    }
    broken
}

/// No control characters, no bidirectional overrides, no line breaks or edge spaces.
fn one_line(text: &str) -> bool {
    text.trim() == text
        && !text.chars().any(|c| {
            c.is_control()
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
                || (c.is_whitespace() && c != ' ')
        })
}

fn clean_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= 250
        && !id
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '<' || c == '>')
}

fn has_repeats(items: &[String]) -> bool {
    let mut seen = std::collections::HashSet::new();
    items.iter().any(|i| !seen.insert(i))
}
