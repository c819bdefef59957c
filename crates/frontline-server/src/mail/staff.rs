//! Staff notifications by mail: the arms of the mail follower (`notices`) that tell staff of
//! what concerns them. Who is told of what is decided in one place,
//! `frontline_core::notify`; here each notification is kept only if its person had chosen
//! that kind by mail when the event happened (`Store::get_notification_preferences` as of
//! the event, nothing by default: so a late or repeated handling decides the same) and queued
//! in the outbox to their address (`Store::queue_staff_mail`: on no case, sent from the
//! system sender, never threaded onto a customer's mail).
//!
//! **Exactly once**, as for the follower's other mail: the Message-ID is made from the
//! event's sequence number and the person (`fl-ev-{seq}-{person}@{domain}`), which the outbox
//! keeps once, so an event handled again queues nothing new. It names the person rather than
//! a position in a list, so a choice changed between two handlings cannot shift one
//! notification onto another's Message-ID.

use frontline_core::notify::{self, Facts, Notification, NotificationKind, Regarding};
use frontline_core::{Event, Payload, Person};
use frontline_store::{NewOutbound, OutboundPurpose, STAFF_MAILBOX, StoreError};

use crate::error::Result;
use crate::state::AppState;

/// Queue the staff notifications `event` causes; how many were queued now.
pub(super) async fn queue_staff_notices(state: &AppState, event: &Event) -> Result<usize> {
    // A payload this build cannot read causes no mail; the log keeps it for whoever can.
    let Ok(payload) = event.decoded() else {
        return Ok(0);
    };
    let facts = if notify::needs_facts(&payload) {
        match facts_of(state, event, &payload).await? {
            Some(facts) => facts,
            None => return Ok(0),
        }
    } else {
        Facts::default()
    };
    let mut queued = 0;
    for notification in notify::notifications(event.actor_id, event.case_id, &payload, &facts) {
        if queue_one(state, event, notification).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// What a message's event does not say: the case's owner now and whether the author is
/// staff. `None` when the case or author is gone (nobody to tell).
async fn facts_of(state: &AppState, event: &Event, payload: &Payload) -> Result<Option<Facts>> {
    let (Some(case_id), Payload::MessageAdded(added)) = (event.case_id, payload) else {
        return Ok(None);
    };
    let case = match state.store.get_case(case_id).await {
        Ok(case) => case,
        Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let author = match state.store.get_person(added.author_id).await {
        Ok(author) => author,
        Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(Some(Facts {
        case_owner: case.owner_id,
        author_is_staff: author.role.is_staff(),
    }))
}

/// Queue one notification if its person is staff and chose its kind by mail. True when it
/// was queued now (false: not wanted, nothing to say, or queued before).
async fn queue_one(state: &AppState, event: &Event, notification: Notification) -> Result<bool> {
    let person = match state.store.get_person(notification.person).await {
        Ok(person) if person.role.is_staff() => person,
        Ok(_) | Err(StoreError::NotFound { .. }) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    // The choice in force when it happened, however late the follower is.
    let chosen = state
        .store
        .get_notification_preferences(person.id, Some(event.seq))
        .await?;
    if !chosen.wants_email(notification.kind) {
        return Ok(false);
    }
    let Some((subject, text)) = words(state, &person, &notification).await? else {
        return Ok(false);
    };
    let domain = system_domain(state).await?;
    let mail = NewOutbound {
        mailbox: frontline_core::mail::MailboxKey::parse(STAFF_MAILBOX)
            .expect("the staff placeholder is a key"),
        to: person.email.clone(),
        to_name: Some(person.name.to_string()),
        subject,
        text,
        rfc_message_id: format!("fl-ev-{}-{}@{domain}", event.seq, person.id),
        references: Vec::new(),
        purpose: OutboundPurpose::Automatic,
    };
    match state.store.queue_staff_mail(mail).await {
        Ok(outbound) => {
            tracing::info!(
                seq = event.seq,
                person_id = %person.id,
                kind = notification.kind.as_str(),
                id = %outbound.id,
                "staff notification queued"
            );
            state.mail_queued.notify_one();
            Ok(true)
        }
        // Queued when this event was handled before (the cursor had not moved yet).
        Err(StoreError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The domain of the system sender (`--mail-from`, else the first enabled mailbox by key, as
/// the sender picks it), for Message-IDs.
async fn system_domain(state: &AppState) -> Result<String> {
    let address = match &state.config.mail_from {
        Some(from) => Some(from.clone()),
        None => state
            .store
            .list_mailboxes()
            .await?
            .into_iter()
            .filter(|m| m.enabled)
            .min_by(|a, b| a.key.cmp(&b.key))
            .map(|m| m.address),
    };
    Ok(address
        .as_ref()
        .and_then(|a| a.as_str().rsplit_once('@'))
        .map_or("frontline.invalid", |(_, domain)| domain)
        .to_owned())
}

/// The subject and text of a notification, or `None` when what it is about is gone.
async fn words(
    state: &AppState,
    person: &Person,
    notification: &Notification,
) -> Result<Option<(String, String)>> {
    let base = state.config.public_url.as_deref();
    let (subject, what, path) = match notification.regarding {
        Regarding::Case { case_id, .. } => {
            let case = match state.store.get_case(case_id).await {
                Ok(case) => case,
                Err(StoreError::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let (headline, what) = match notification.kind {
                NotificationKind::CustomerReplied => (
                    "The customer replied",
                    format!(
                        "The customer replied on your case {} ({}).",
                        case.number, case.subject
                    ),
                ),
                _ => (
                    "New case assigned to you",
                    format!("The case {} ({}) is now yours.", case.number, case.subject),
                ),
            };
            let subject = format!("[{}] {headline}: {}", case.number, case.subject);
            (subject, what, format!("/cases/{}", case.number))
        }
        Regarding::Ask { ask_id, case_id } => {
            let ask = match state.store.get_ask(ask_id).await {
                Ok(ask) => ask,
                Err(StoreError::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let asker = state.store.get_person(ask.asker_id).await?;
            let case = match case_id.or(ask.case_id) {
                Some(case_id) => Some(state.store.get_case(case_id).await?),
                None => None,
            };
            let about = case
                .as_ref()
                .map(|case| format!(" about the case {} ({})", case.number, case.subject))
                .unwrap_or_default();
            let tag = case
                .as_ref()
                .map(|case| format!("[{}] ", case.number))
                .unwrap_or_default();
            let subject = format!(
                "{tag}{} asks you for help: {} ({} urgency)",
                asker.name,
                ask.kind.as_str(),
                ask.urgency.as_str()
            );
            let what = format!(
                "{} asks you for help{about}: {}, {} urgency.",
                asker.name,
                ask.kind.as_str(),
                ask.urgency.as_str()
            );
            (subject, what, format!("/asks/{}", ask.id))
        }
    };
    let open = base
        .map(|base| format!("\n\nOpen it: {base}{path}"))
        .unwrap_or_default();
    let change = base
        .map(|base| format!(" Change that on your account page: {base}/account#notifications"))
        .unwrap_or_else(|| " Change that on your account page.".to_owned());
    let why = match notification.kind {
        NotificationKind::Assigned => "when a case is assigned to you",
        NotificationKind::CustomerReplied => "when a customer replies on a case you own",
        NotificationKind::AskToMe => "when someone asks you for help",
    };
    let text = format!(
        "Hello {name},\n\n{what}{open}\n\n-- \nYou get this mail because you asked to be told \
         by mail {why}.{change}\n",
        name = person.name,
    );
    Ok(Some((subject, text)))
}
