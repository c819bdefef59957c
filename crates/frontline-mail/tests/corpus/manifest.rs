//! `EXPECTED`, read: one line per message, `name  outcome  check…  # note`.
//!
//! The outcome is `person`, `auto`, `bulk`, `bounce`, `bounce:a@x,b@y` (the failed
//! addresses, in order) or `bounce:60` (how many failed, for long lists), or
//! `unreadable:<kind>` with kind `too-large`, `not-a-message` or `no-sender`. A check is a word or `key=value`, the value in double quotes when it has
//! spaces (`\"`, `\\`, `\n`, `\t` and `\u{…}` escape inside). See `Check::holds` for the keys.

use frontline_mail::{Inbound, Kind, Unreadable};

#[derive(Debug)]
pub struct Entry {
    pub line: usize,
    /// A file in the corpus directory, or `@name` for a generated message.
    pub name: String,
    pub outcome: String,
    pub checks: Vec<Check>,
}

#[derive(Debug)]
pub struct Check {
    pub key: String,
    pub value: Option<String>,
}

pub fn read(text: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let at = |why: String| format!("EXPECTED line {}: {why}", index + 1);
        let mut words = words(line).map_err(at)?.into_iter();
        let Some(name) = words.next() else { continue };
        let outcome = words
            .next()
            .ok_or_else(|| at(format!("{name} has no outcome")))?;
        let checks = words
            .map(|word| match word.split_once('=') {
                Some((key, value)) => Check {
                    key: key.to_owned(),
                    value: Some(value.to_owned()),
                },
                None => Check {
                    key: word,
                    value: None,
                },
            })
            .collect();
        entries.push(Entry {
            line: index + 1,
            name,
            outcome,
            checks,
        });
    }
    Ok(entries)
}

/// The words of a line up to its `#` note; quotes group and are removed.
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.peek() {
            None | Some('#') => return Ok(words),
            Some(_) => {}
        }
        let mut word = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
            if c != '"' {
                word.push(c);
                continue;
            }
            loop {
                match chars.next() {
                    None => return Err(format!("unclosed quote in {line:?}")),
                    Some('"') => break,
                    Some('\\') => word.push(unescape(&mut chars)?),
                    Some(c) => word.push(c),
                }
            }
        }
        words.push(word);
    }
}

fn unescape(chars: &mut impl Iterator<Item = char>) -> Result<char, String> {
    match chars.next() {
        Some('n') => Ok('\n'),
        Some('t') => Ok('\t'),
        Some('"') => Ok('"'),
        Some('\\') => Ok('\\'),
        Some('u') => {
            let hex: String = chars.take_while(|c| *c != '}').skip(1).collect();
            u32::from_str_radix(&hex, 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| format!("bad escape \\u{{{hex}}}"))
        }
        other => Err(format!("unknown escape \\{other:?}")),
    }
}

/// The outcome of a parse in the manifest's words.
pub fn outcome(result: &Result<Inbound, Unreadable>) -> String {
    match result {
        Ok(message) => match &message.kind {
            Kind::Person => "person".into(),
            Kind::AutoReply { .. } => "auto".into(),
            Kind::Bulk { .. } => "bulk".into(),
            Kind::Bounce { failed } if failed.is_empty() => "bounce".into(),
            Kind::Bounce { failed } => format!("bounce:{}", failed.join(",")),
        },
        Err(Unreadable::TooLarge { .. }) => "unreadable:too-large".into(),
        Err(Unreadable::NotAMessage) => "unreadable:not-a-message".into(),
        Err(Unreadable::NoSender { .. }) => "unreadable:no-sender".into(),
    }
}

/// Whether the manifest's `expected` outcome is the `found` one.
pub fn matches(expected: &str, found: &str) -> bool {
    match (
        expected.strip_prefix("bounce:"),
        found.strip_prefix("bounce:"),
    ) {
        (Some(count), Some(failed)) if count.parse::<usize>().is_ok() => {
            failed.split(',').count().to_string() == count
        }
        _ => expected == found,
    }
}

impl Check {
    /// Whether the check holds for `result`; the error says what was found instead.
    pub fn holds(&self, result: &Result<Inbound, Unreadable>) -> Result<(), String> {
        let value = self.value.as_deref().unwrap_or("");
        let expect = |ok: bool, found: &dyn std::fmt::Debug| {
            if ok {
                Ok(())
            } else {
                Err(format!("{}={value:?}, found {found:?}", self.key))
            }
        };
        let number = || -> Result<usize, String> {
            value
                .parse()
                .map_err(|_| format!("{}: {value:?} is not a number", self.key))
        };
        if self.key == "refused-from" {
            let from = match result {
                Err(Unreadable::NoSender { from }) => from.clone(),
                _ => None,
            };
            let want = (value != "none").then(|| value.to_owned());
            return expect(from == want, &from);
        }
        let Ok(m) = result else {
            return Err(format!("{} needs a parsed message", self.key));
        };
        match self.key.as_str() {
            "subject" => expect(m.subject == value, &m.subject),
            "subject-starts" => expect(m.subject.starts_with(value), &m.subject),
            "from" => expect(m.from.as_str() == value, &m.from.as_str()),
            "name" => expect(m.from_name.as_deref() == Some(value), &m.from_name),
            "no-name" => expect(m.from_name.is_none(), &m.from_name),
            "reply-to" => expect(
                m.reply_to.as_ref().map(|r| r.as_str()) == Some(value),
                &m.reply_to,
            ),
            "text" if value == "empty" => expect(m.text.is_empty(), &m.text),
            "text-has" => expect(m.text.contains(value), &m.text),
            "text-lacks" => expect(!m.text.contains(value), &m.text),
            "shown" => expect(m.shown() == value, &m.shown()),
            "shown-has" => expect(m.shown().contains(value), &m.shown()),
            "shown-lacks" => expect(!m.shown().contains(value), &m.shown()),
            // The quoted history or signature was cut from what is shown.
            "trimmed" => expect(m.shown().len() < m.text.trim().len(), &m.shown()),
            "html" => expect(m.html.is_some() == (value != "no"), &m.html.is_some()),
            "attachments" => expect(m.attachments.len() == number()?, &m.attachments),
            "attachment" => expect(
                m.attachments.iter().any(|a| a.name == value),
                &m.attachments,
            ),
            "attachment-bytes" => {
                let sizes: Vec<usize> = m.attachments.iter().map(|a| a.bytes.len()).collect();
                expect(sizes.contains(&number()?), &sizes)
            }
            "inline" => expect(
                m.attachments.iter().filter(|a| a.inline).count() == number()?,
                &m.attachments,
            ),
            "content-type" => expect(
                m.attachments.iter().any(|a| a.content_type == value),
                &m.attachments,
            ),
            "content-id" => expect(
                m.attachments
                    .iter()
                    .any(|a| a.content_id.as_deref() == Some(value)),
                &m.attachments,
            ),
            "dropped" => expect(m.dropped.len() == number()?, &m.dropped.len()),
            "message-id" if value == "derived" => expect(
                m.message_id.starts_with("sha256-") && m.message_id.ends_with("@frontline.invalid"),
                &m.message_id,
            ),
            "message-id" => expect(m.message_id == value, &m.message_id),
            "threads" => expect(m.thread_ids.len() == number()?, &m.thread_ids.len()),
            "thread" => expect(m.thread_ids.iter().any(|t| t == value), &m.thread_ids),
            "first-thread" => expect(
                m.thread_ids.first().map(String::as_str) == Some(value),
                &m.thread_ids,
            ),
            "recipients" => expect(m.recipients.len() == number()?, &m.recipients),
            "recipient" => expect(m.recipients.iter().any(|r| r == value), &m.recipients),
            "listed" => expect(m.recipient_count == number()?, &m.recipient_count),
            "date" if value == "none" => expect(m.date.is_none(), &m.date),
            "date" => expect(
                m.date.map(|d| d.to_string()).as_deref() == Some(value),
                &m.date,
            ),
            "encoding-problems" => expect(
                m.encoding_problems == (value == "yes"),
                &m.encoding_problems,
            ),
            "failed-has" => expect(
                matches!(&m.kind, Kind::Bounce { failed } if failed.iter().any(|f| f == value)),
                &m.kind,
            ),
            "why" => expect(
                match &m.kind {
                    Kind::AutoReply { why } | Kind::Bulk { why } => why == value,
                    _ => false,
                },
                &m.kind,
            ),
            other => Err(format!("unknown check {other:?}")),
        }
    }
}
