//! Mail out. A staff member's public reply on a case that came by mail is queued in the same
//! transaction as the message (`Store::add_message_with_mail`), threaded onto the customer's
//! mail; the sender task (`sender`) delivers the queue. With no SMTP server configured mail is
//! off: replies stay in Frontline, as before.

use frontline_core::{Case, Message, PersonId, Visibility};
use frontline_store::{MailDirection, NewMessage, NewOutbound, OutboundPurpose};

use crate::error::Result;
use crate::lookup::written;
use crate::state::AppState;

/// Most earlier Message-IDs a reply names in `References` (the newest ones).
const MAX_REFERENCES: usize = 20;

/// Add a message to `case` (as the API and the console do) and, when it is a public reply by
/// staff on a case that came by mail and mail is on, queue it to the customer.
pub async fn add_case_message(
    state: &AppState,
    actor: PersonId,
    case: &Case,
    new: NewMessage,
) -> Result<Message> {
    if let Some(mail) = reply_mail(state, actor, case, &new).await? {
        let mailed = written(
            state
                .store
                .add_message_with_mail(Some(actor), new, mail)
                .await?,
        );
        return Ok(mailed.added.message);
    }
    Ok(written(state.store.add_message(Some(actor), new).await?).message)
}

/// The mail a message becomes, if any.
async fn reply_mail(
    state: &AppState,
    actor: PersonId,
    case: &Case,
    new: &NewMessage,
) -> Result<Option<NewOutbound>> {
    if state.config.smtp.is_none() || new.visibility != Visibility::Public {
        return Ok(None);
    }
    let author = state.store.get_person(actor).await?;
    if !author.role.is_staff() {
        return Ok(None);
    }
    let thread = state.store.list_case_mail(case.id).await?;
    let Some(first) = thread
        .iter()
        .find(|m| m.direction == MailDirection::Inbound)
    else {
        return Ok(None);
    };
    let mailbox = match state.store.get_mailbox(first.mailbox.clone()).await {
        Ok(m) if m.enabled => m,
        Ok(_) | Err(frontline_store::StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let customer = state.store.get_person(case.customer_id).await?;
    let domain = mailbox
        .address
        .as_str()
        .rsplit_once('@')
        .map_or("frontline.invalid", |(_, d)| d)
        .to_owned();
    let references: Vec<String> = thread
        .iter()
        .map(|m| m.rfc_message_id.clone())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .take(MAX_REFERENCES)
        .rev()
        .collect();
    Ok(Some(NewOutbound {
        mailbox: mailbox.key,
        to: customer.email,
        to_name: Some(customer.name.to_string()),
        subject: frontline_mail::reply_subject(case.number, case.subject.as_str()),
        text: new.body.as_str().to_owned(),
        rfc_message_id: frontline_mail::message_id_for(&uuid::Uuid::now_v7().to_string(), &domain),
        references,
        purpose: OutboundPurpose::Reply,
    }))
}
