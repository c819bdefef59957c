//! Who wrote a message, to whom, and which thread it answers: the address and id headers,
//! read into valid, bounded values.

use frontline_core::{Email, Name};
use mail_parser::{Addr, Address, HeaderName, HeaderValue, Message};

use crate::clean::{bounded_line, clean_id, clean_line};
use crate::parse::{Limits, Unreadable};

/// Who to answer: the first `From` mailbox with an address, else the first `Sender` one.
pub(crate) fn sender(message: &Message<'_>) -> Result<(Email, Option<String>), Unreadable> {
    // The quarantine shows what the From line said, if it said anything.
    let refused = |address: &str| {
        let from = Some(bounded_line(address, 200))
            .filter(|a| !a.is_empty())
            .or_else(|| {
                message
                    .header_raw(HeaderName::From)
                    .map(|raw| bounded_line(raw, 200))
            })
            .filter(|from| !from.is_empty());
        Unreadable::NoSender { from }
    };
    let Some(mailbox) = with_address(message.from()).or_else(|| with_address(message.sender()))
    else {
        return Err(refused(""));
    };
    let address = mailbox.address().unwrap_or_default();
    let email = Email::parse(address).map_err(|_| refused(address))?;
    let name = mailbox
        .name()
        .map(|n| bounded_line(n, Name::MAX_CHARS))
        .filter(|n| !n.is_empty());
    Ok((email, name))
}

fn with_address<'m, 'x>(list: Option<&'m Address<'x>>) -> Option<&'m Addr<'x>> {
    list.and_then(|a| {
        a.iter()
            .find(|a| a.address().is_some_and(|a| !a.trim().is_empty()))
    })
}

/// The distinct valid addresses of each recipient header, at most `max_recipients` of each,
/// and how many the headers listed in all.
pub(crate) fn recipients(message: &Message<'_>, limits: &Limits) -> (Vec<String>, usize) {
    let mut recipients: Vec<String> = Vec::new();
    let mut listed = 0;
    // mail-parser names Delivered-To itself; X-Original-To (Postfix) it does not know.
    for header in [
        HeaderName::To,
        HeaderName::Cc,
        HeaderName::DeliveredTo,
        HeaderName::Other("X-Original-To".into()),
    ] {
        let mut kept = 0;
        for value in message.header_values(header) {
            let addresses: Vec<&str> = match value {
                HeaderValue::Address(a) => a.iter().filter_map(|a| a.address()).collect(),
                HeaderValue::Text(t) => vec![t.as_ref()],
                _ => Vec::new(),
            };
            for address in addresses {
                listed += 1;
                if kept >= limits.max_recipients {
                    continue;
                }
                let Ok(email) = Email::parse(&clean_line(address)) else {
                    continue;
                };
                if !recipients.iter().any(|r| r == email.as_str()) {
                    recipients.push(email.as_str().to_owned());
                    kept += 1;
                }
            }
        }
    }
    (recipients, listed)
}

/// `In-Reply-To` then `References` (newest first), without the message's own id.
pub(crate) fn thread_ids(message: &Message<'_>, message_id: &str) -> Vec<String> {
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
    thread_ids
}
