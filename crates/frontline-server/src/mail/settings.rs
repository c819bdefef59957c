//! Mailbox settings as forms and requests give them (checked into a `NewMailbox`, naming
//! every wrong field at once), inbound tokens, and retrying quarantined mail.

use frontline_core::ValueError;
use frontline_core::mail::{ImapSettings, Mailbox, MailboxKey, NewMailbox, SecretRef};
use frontline_core::{Email, Name, OutcomeKey};
use frontline_store::{NewQuarantined, StoreError};

use super::{Ingested, ingest};
use crate::auth::Actor;
use crate::error::{AppError, Fields, Result};
use crate::lookup::written;
use crate::state::AppState;

/// IMAP settings as a form or request gives them, unchecked.
#[derive(Clone, Debug, Default)]
pub struct ImapInput {
    pub host: String,
    pub port: u16,
    pub security: String,
    pub username: String,
    pub password_from: String,
    pub folder: Option<String>,
}

/// A mailbox as a form or request gives it, unchecked.
#[derive(Clone, Debug, Default)]
pub struct MailboxInput {
    pub name: String,
    pub address: String,
    /// An outcome key.
    pub outcome: String,
    pub imap: Option<ImapInput>,
    pub enabled: bool,
}

/// Check a mailbox's settings, naming every wrong field at once.
pub async fn checked_mailbox(
    state: &AppState,
    key: MailboxKey,
    input: MailboxInput,
) -> Result<NewMailbox> {
    let mut fields = Fields::default();
    let name = fields.check(Name::parse(&input.name));
    let address = fields
        .check(Email::parse(&input.address).map_err(|e| ValueError::new("address", e.reason)));
    let outcome = match OutcomeKey::parse(&input.outcome) {
        Ok(k) => match state.store.get_outcome_by_key(&k).await {
            Ok(o) => Some(o),
            Err(StoreError::NotFound { .. }) => {
                fields.push(
                    "outcome",
                    format!("there is no outcome {:?}", input.outcome),
                );
                None
            }
            Err(e) => return Err(e.into()),
        },
        Err(_) => {
            fields.push("outcome", "must be an outcome key such as order_arrives");
            None
        }
    };
    let imap = match input.imap {
        None => None,
        Some(i) => {
            let security = fields.check(i.security.parse());
            let password_from = fields.check(SecretRef::parse(&i.password_from));
            match (security, password_from) {
                (Some(security), Some(password_from)) => {
                    let settings = ImapSettings {
                        host: i.host.trim().to_owned(),
                        port: i.port,
                        security,
                        username: i.username.trim().to_owned(),
                        password_from,
                        folder: i
                            .folder
                            .map(|f| f.trim().to_owned())
                            .filter(|f| !f.is_empty())
                            .unwrap_or_else(|| "INBOX".to_owned()),
                    };
                    fields.check(settings.check()).map(|()| settings)
                }
                _ => None,
            }
        }
    };
    fields.done(|| {
        Some(NewMailbox {
            key,
            name: name?,
            address: address?,
            outcome_id: outcome?.id,
            imap,
            enabled: input.enabled,
        })
    })
}

/// Give a mailbox a new inbound token (the old one stops working); the token, shown once.
pub async fn rotate_token(state: &AppState, actor: &Actor, mailbox: &Mailbox) -> Result<String> {
    let (token, hash) = crate::auth::new_api_token();
    written(
        state
            .store
            .set_mailbox_token(Some(actor.person_id()), mailbox.key.clone(), Some(hash))
            .await?,
    );
    Ok(token)
}

/// Take a quarantined mail through the ingest path again. The item leaves the quarantine
/// first (the same bytes would otherwise be found there again) and comes back, with the new
/// reason, if the mail is quarantined again; on an error it is put back as it was.
pub async fn retry_quarantined(state: &AppState, id: uuid::Uuid) -> Result<Ingested> {
    let (item, bytes) = state.store.get_quarantined(id).await?;
    let Some(key) = item.mailbox.clone() else {
        return Err(AppError::Conflict(
            "this mail came to no known mailbox; download it and deliver it to one".into(),
        ));
    };
    let mailbox = state.store.get_mailbox(key).await?;
    state.store.drop_quarantined(id).await?;
    match ingest(state, &mailbox, bytes.clone()).await {
        Ok(done) => Ok(done),
        Err(e) => {
            state
                .store
                .quarantine_mail(NewQuarantined {
                    mailbox: item.mailbox,
                    reason: item.reason,
                    from: item.from,
                    subject: item.subject,
                    raw: bytes,
                })
                .await?;
            Err(e)
        }
    }
}
