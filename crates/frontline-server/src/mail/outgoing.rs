//! Mail out. A staff member's public reply on a case that came by mail is queued in the same
//! transaction as the message (`Store::add_message_with_mail`), threaded onto the customer's
//! mail; the sender task (`sender`) delivers the queue. With no SMTP server configured mail is
//! off: replies stay in Frontline, as before.

use frontline_core::mail::Mailbox;
use frontline_core::{Case, Message, Person, PersonId, Visibility};
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
    let Some(thread) = MailThread::of(state, case).await? else {
        return Ok(None);
    };
    let rfc_message_id =
        frontline_mail::message_id_for(&uuid::Uuid::now_v7().to_string(), &thread.domain);
    Ok(Some(NewOutbound {
        mailbox: thread.mailbox.key,
        to: thread.customer.email,
        to_name: Some(thread.customer.name.to_string()),
        subject: frontline_mail::reply_subject(case.number, case.subject.as_str()),
        text: new.body.as_str().to_owned(),
        rfc_message_id,
        references: thread.references,
        purpose: OutboundPurpose::Reply,
    }))
}

/// What every mail to the customer of a case that came by mail is sent with: the mailbox its
/// first mail came to (so the customer's answer goes there), the customer, and the case's
/// mail so far, which the new mail names in `References` to thread onto it.
pub(super) struct MailThread {
    pub mailbox: Mailbox,
    pub customer: Person,
    /// The newest `MAX_REFERENCES` Message-IDs of the case's mail, oldest first.
    pub references: Vec<String>,
    /// The mailbox's domain, for the Message-IDs of mail it sends.
    pub domain: String,
}

impl MailThread {
    /// `None` when the case did not come by mail or its mailbox is gone or disabled: then
    /// nothing goes out by mail and everything stays in Frontline.
    pub async fn of(state: &AppState, case: &Case) -> Result<Option<MailThread>> {
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
        let skip = thread.len().saturating_sub(MAX_REFERENCES);
        let references = thread
            .into_iter()
            .skip(skip)
            .map(|m| m.rfc_message_id)
            .collect();
        Ok(Some(MailThread {
            mailbox,
            customer,
            references,
            domain,
        }))
    }
}
