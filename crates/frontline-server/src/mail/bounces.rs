//! Customers' addresses that mail does not reach. A delivery report (RFC 3464) naming a
//! customer's address, or our mail server refusing a mail to one for good (a 5xx), marks the
//! address as bouncing, so staff see on the customer and the case that replies will not
//! arrive; the customer's next mail clears it. Only customers' addresses are marked: a report
//! about anyone else's (a staff member's, a stranger's) changes nothing.
//!
//! A report that returns the mail it is about counts only when that mail is on one of our
//! cases (see `mark_reported`).
//!
//! Each mark and each clearing is its own store transaction with its event, separate from
//! the report's ingest or the send's record: a crash in between loses only the mark, which
//! the next bounce makes again.

use frontline_core::mail::BounceSource;
use frontline_core::{Email, Role};
use frontline_mail::Inbound;
use frontline_store::{NewMailBounce, Store, StoreError, StoreResult};

/// The customer `address` belongs to, if it is a customer's.
async fn customer(
    store: &dyn Store,
    address: &Email,
) -> StoreResult<Option<frontline_core::Person>> {
    match store.get_person_by_email(address).await {
        Ok(person) if person.role == Role::Customer => Ok(Some(person)),
        Ok(_) | Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Mark each customer's address a bounce reports as failed; the addresses marked now. A
/// report that returns the mail it is about must be about a mail on one of our cases: a
/// forged report about someone else's mail marks nothing. (One that returns nothing is
/// taken at its word: many servers send only the report.)
pub(super) async fn mark_reported(store: &dyn Store, mail: &Inbound) -> StoreResult<Vec<Email>> {
    let mut marked = Vec::new();
    if let Some(id) = &mail.bounced_message_id
        && store.case_for_mail(vec![id.clone()]).await?.is_none()
    {
        tracing::info!("a bounce about a mail not on any case: no address marked");
        return Ok(marked);
    }
    for failed in &mail.failed {
        let Ok(address) = Email::parse(&failed.address) else {
            continue;
        };
        let Some(person) = customer(store, &address).await? else {
            continue;
        };
        let reason = failed
            .diagnostic
            .clone()
            .unwrap_or_else(|| format!("a bounce without a reason: {}", mail.subject));
        let written = store
            .mark_mail_bouncing(NewMailBounce {
                person_id: person.id,
                address: address.clone(),
                reason,
                source: BounceSource::Report,
            })
            .await?;
        if !written.replayed {
            tracing::info!(person_id = %person.id, seq = written.last_seq(), "address marked as bouncing");
            marked.push(address);
        }
    }
    Ok(marked)
}

/// Mark `to` as bouncing after our mail server refused a mail to it for good.
pub async fn mark_refused(store: &dyn Store, to: &Email, error: &str) -> StoreResult<()> {
    let Some(person) = customer(store, to).await? else {
        return Ok(());
    };
    let written = store
        .mark_mail_bouncing(NewMailBounce {
            person_id: person.id,
            address: to.clone(),
            reason: error.to_owned(),
            source: BounceSource::Refused,
        })
        .await?;
    if !written.replayed {
        tracing::info!(person_id = %person.id, seq = written.last_seq(), "address marked as bouncing");
    }
    Ok(())
}

/// Mail came in from `from`: it works, so any mark on it goes.
pub(super) async fn clear(store: &dyn Store, from: &Email) -> StoreResult<()> {
    if let Some(cleared) = store.clear_mail_bouncing(from.clone()).await? {
        tracing::info!(
            person_id = %cleared.value.person_id,
            seq = cleared.last_seq(),
            "address no longer bouncing"
        );
    }
    Ok(())
}
