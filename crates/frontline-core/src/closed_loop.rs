//! The closed loop: when a proposal ships, every customer whose case is in its evidence is
//! told, on that case, that their words led to a change ("You told us …; we changed …").
//!
//! The message is a public message on the case from the support employee who marked the
//! proposal shipped, but not a reply in the conversation: it never moves the case (a closed
//! case stays closed, a new one stays new, no first response is counted), because most cited
//! cases were finished long before the change shipped and the customer is owed the news
//! anyway. Its `message.added` event is addressed to the case's customer like any public
//! message, so it reaches their portal and stream, and names the proposal.

use crate::case::{Case, Message, Visibility};
use crate::event::{Audience, MessageAdded, NewEvent, Payload};
use crate::ids::{MessageId, PersonId};
use crate::proposal::Proposal;
use crate::time::Timestamp;
use crate::values::{MessageBody, ValueError};

/// The longest quote of a customer's words, in characters: enough to recognise them.
pub const QUOTE_CHARS: usize = 160;

/// A short quote of what a customer wrote: whitespace folded to single spaces, cut at a word
/// boundary with an ellipsis when longer than [`QUOTE_CHARS`]. `None` for blank text.
pub fn quote(words: &str) -> Option<String> {
    let folded = words.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.is_empty() {
        return None;
    }
    if folded.chars().count() <= QUOTE_CHARS {
        return Some(folded);
    }
    let cut: String = folded.chars().take(QUOTE_CHARS).collect();
    // Cut at the last space so no word is broken, unless that leaves almost nothing.
    let kept = match cut.rfind(' ') {
        Some(space) if space >= QUOTE_CHARS / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    Some(format!(
        "{}…",
        kept.trim_end_matches([',', ';', ':', '.', ' '])
    ))
}

/// The text a customer reads: their own words (when there are any), what changed, and which
/// proposal it came from.
pub fn message_text(
    proposal: &Proposal,
    case: &Case,
    customer_words: Option<&str>,
) -> Result<MessageBody, ValueError> {
    let told = match customer_words.and_then(quote) {
        Some(quote) => format!("You told us: “{quote}” (case {}).", case.number),
        None => format!("You told us about this in case {}.", case.number),
    };
    let changed = proposal
        .what_changed
        .as_ref()
        .map_or("", |w| w.as_str())
        .trim_end_matches('.');
    MessageBody::parse(&format!(
        "{told}\n\nWe changed: {changed}.\n\nThis change (“{}”) was proposed by our front line \
         because of what you and other customers told us. Thank you for telling us.",
        proposal.title
    ))
}

/// The closed-loop message on one evidence case and its `message.added` event, by `author`
/// (who marked the proposal shipped) at `at`. The case itself does not change.
pub fn notice(
    proposal: &Proposal,
    case: &Case,
    author: PersonId,
    customer_words: Option<&str>,
    at: Timestamp,
) -> Result<(Message, NewEvent), ValueError> {
    let message = Message {
        id: MessageId::new(),
        case_id: case.id,
        author_id: author,
        body: message_text(proposal, case, customer_words)?,
        visibility: Visibility::Public,
        created_at: at,
    };
    let event = NewEvent::new(
        Some(author),
        Payload::MessageAdded(MessageAdded {
            number: case.number,
            message_id: message.id,
            author_id: author,
            visibility: message.visibility,
            proposal_id: Some(proposal.id),
        }),
    )
    .about_case(
        case.id,
        Audience::Customer {
            customer_id: case.customer_id,
        },
    );
    Ok((message, event))
}

/// The first public words the customer wrote on a case, from its messages oldest first.
pub fn customer_words<'a>(case: &Case, messages: &'a [Message]) -> Option<&'a str> {
    messages
        .iter()
        .find(|m| m.author_id == case.customer_id && m.visibility == Visibility::Public)
        .map(|m| m.body.as_str())
}
