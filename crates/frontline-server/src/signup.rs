//! Use case: customers who help themselves (issue 22). Sign-up confirmed by a mailed link,
//! sign-in by a one-time link, password reset by a link. The API (`api::self_service`) and the
//! pages (`pages::accounts`) both call these functions.
//!
//! **Asking never tells whether an address has an account.** Each `request_*` checks only
//! what does not depend on the address's account (the form of the input, the rate limits
//! per client address and per address typed), answers, and does the rest (looking the
//! address up, hashing the password, queueing the mail) in a task after the answer: the
//! answer is the same words after the same work whether the address is known or not.
//!
//! **Links** are 32 random bytes sent base64url in the mail and stored only as their SHA-256
//! (`Store::queue_account_link`); following one is `Store::redeem_account_link`, which marks
//! it used and acts in one transaction, so a link works once. Sign-in links last
//! [`SIGN_IN_TTL`], reset links [`RESET_TTL`], sign-up links [`SIGN_UP_TTL`]. Unknown,
//! forged, used, expired and malformed links get one answer ([`link_gone`]).
//!
//! **The mail** is account mail in the outbox (no case): sent by the sender like any other
//! mail when `--smtp-host` is given, from `--mail-from` or else the first enabled mailbox;
//! listed to administrators on `/admin/mail` either way. Once sent (or failed) its text is
//! replaced, so the token then lives nowhere durable; before that it is in the outbox row
//! only, for at most the link's lifetime.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine;
use frontline_core::{Email, Name, Person};
use frontline_store::{LinkPurpose, NewAccountLink, NewOutbound, OutboundPurpose, StoreError};

use crate::auth::{hash_secret, password_problem};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// How long a sign-in link works.
pub const SIGN_IN_TTL: Duration = Duration::from_secs(15 * 60);
/// How long a password-reset link works.
pub const RESET_TTL: Duration = Duration::from_secs(60 * 60);
/// How long a sign-up's confirmation link works: long enough for a slow inbox.
pub const SIGN_UP_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How long the link that verifies an added address works: as long as a sign-up's.
pub const VERIFY_ADDRESS_TTL: Duration = SIGN_UP_TTL;

/// What following an address's verification link answers.
pub const ADDRESS_VERIFIED: &str =
    "The address is verified: mail from it and signing in with it find your account now.";

/// The one answer to every request for a link, known address or not.
pub const ASKED: &str = "If the address can be used, a mail with a link is on its way to it. \
                         The link works once and for a short time.";

/// The one answer for a link that cannot be followed, whatever the reason.
pub fn link_gone() -> AppError {
    AppError::Gone(
        "this link is unknown, used or expired: ask for a new one (sign-in links work for 15 \
         minutes, reset links for an hour, sign-up and address links for a day, each once)"
            .into(),
    )
}

/// Where each link leads (pages; the API redeems the same tokens).
pub fn link_path(purpose: LinkPurpose) -> &'static str {
    match purpose {
        LinkPurpose::SignUp => "/signup/confirm",
        LinkPurpose::SignIn => "/login/link/use",
        LinkPurpose::Reset => "/reset/new",
        LinkPurpose::VerifyAddress => "/verify-address",
    }
}

fn limited(verdict: std::result::Result<(), u64>) -> Result<()> {
    verdict.map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs })
}

/// The limits every request for a link passes, before anything depends on the address:
/// per client address (as sign-in) and per address typed.
fn check_limits(state: &AppState, address: Option<IpAddr>, email: &Email) -> Result<()> {
    let address = address.map(|a| a.to_string()).unwrap_or_default();
    limited(state.limits.login_per_address.check(&address))?;
    limited(state.limits.links_per_account.check(email.as_str()))
}

/// A new link token (sent) and its hash (stored).
pub fn new_link_token() -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_secret(&token);
    (token, hash)
}

/// The stored hash of a token as received, or `None` when it cannot be one of ours (then
/// nothing is looked up: the answer is the same as for an unknown link).
fn received_hash(token: &str) -> Option<String> {
    let token = token.trim();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    (bytes.len() == 32).then(|| hash_secret(token))
}

/// Someone asks to sign up with `email`. Checks the input and the limits, then answers;
/// the mail is queued afterwards: a confirmation link when the address has no account (or
/// belongs to a customer who wrote by mail and has no password yet), a sign-in link (with a
/// pointer to the reset page) when a customer has one already, nothing for a staff address.
pub async fn request_sign_up(
    state: &AppState,
    address: Option<IpAddr>,
    raw_email: &str,
    raw_name: &str,
    password: String,
) -> Result<()> {
    let email = Email::parse(raw_email)?;
    let name = Name::parse(raw_name).map_err(|e| AppError::field("name", e.to_string()))?;
    if let Some(problem) = password_problem(&password) {
        return Err(AppError::field("password", problem));
    }
    check_limits(state, address, &email)?;
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = sign_up_mail(&state, email, name, password).await {
            tracing::warn!(error = ?e, "could not queue a sign-up mail");
        }
    });
    Ok(())
}

async fn sign_up_mail(state: &AppState, email: Email, name: Name, password: String) -> Result<()> {
    // Hashed on both paths, so the work after the answer does not differ either.
    let password_hash = state
        .passwords
        .hash(password)
        .await
        .map_err(AppError::from)?;
    match known(state, &email).await? {
        // A staff address: no account to make and no sign-in link to send (staff sign in
        // with their password); the asker hears the same words as anyone.
        Some(person) if person.role.is_staff() => {
            tracing::info!(person_id = %person.id, "sign-up with a staff address ignored");
            Ok(())
        }
        Some(person) if state.store.password_hash(person.id).await?.is_some() => {
            // Has an account: no second one, and no word of it to the asker; the owner of
            // the address gets a way in instead.
            queue_link(
                state,
                LinkPurpose::SignIn,
                &person.email,
                Some(&person),
                None,
            )
            .await
        }
        _ => {
            let link = Pending {
                name,
                password_hash,
            };
            queue_link(state, LinkPurpose::SignUp, &email, None, Some(link)).await
        }
    }
}

/// Someone asks for a sign-in link for `email`: mailed when the address is a customer's
/// (staff sign in with their password; their addresses get nothing, and the same answer).
pub async fn request_sign_in_link(
    state: &AppState,
    address: Option<IpAddr>,
    raw_email: &str,
) -> Result<()> {
    request_for_person(state, address, raw_email, LinkPurpose::SignIn).await
}

/// Someone asks to reset the password of `email`: a link is mailed when it has an account.
pub async fn request_password_reset(
    state: &AppState,
    address: Option<IpAddr>,
    raw_email: &str,
) -> Result<()> {
    request_for_person(state, address, raw_email, LinkPurpose::Reset).await
}

async fn request_for_person(
    state: &AppState,
    address: Option<IpAddr>,
    raw_email: &str,
    purpose: LinkPurpose,
) -> Result<()> {
    let email = Email::parse(raw_email)?;
    check_limits(state, address, &email)?;
    let state = state.clone();
    tokio::spawn(async move {
        let queued = match known(&state, &email).await {
            // Staff sign in with their password only: a link in a mailbox is a way in that
            // a customer's account can afford and a staff account (every case) cannot. The
            // asker is told nothing either way.
            Ok(Some(person)) if purpose == LinkPurpose::SignIn && person.role.is_staff() => {
                tracing::info!(person_id = %person.id, "no sign-in link for staff");
                Ok(())
            }
            Ok(Some(person)) => {
                queue_link(&state, purpose, &person.email, Some(&person), None).await
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = queued {
            tracing::warn!(error = ?e, purpose = purpose.as_str(), "could not queue a link");
        }
    });
    Ok(())
}

async fn known(state: &AppState, email: &Email) -> Result<Option<Person>> {
    match state.store.get_person_by_email(email).await {
        Ok(person) => Ok(Some(person)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Whether one more link may be mailed to `address` (and count it): the per-address limit
/// every link passes, so adding addresses cannot be used to flood someone's mailbox. Asked
/// before the address is added, so a refusal leaves nothing behind.
pub fn may_mail_link(address: &Email, state: &AppState) -> Result<()> {
    limited(state.limits.links_per_account.check(address.as_str()))
}

/// Mail `address`, which `person` just added to their account, the link that verifies it
/// (until then it finds nobody). The caller asked `may_mail_link` first.
pub async fn send_address_verification(
    state: &AppState,
    person: &Person,
    address: &Email,
) -> Result<()> {
    queue_link(
        state,
        LinkPurpose::VerifyAddress,
        address,
        Some(person),
        None,
    )
    .await
}

/// Follow an address's verification link. No session starts: the link shows the mailbox is
/// the person's, it does not sign anyone in (the API and the page say so and no more).
pub async fn verify_address(state: &AppState, address: Option<IpAddr>, token: &str) -> Result<()> {
    redeem(state, address, LinkPurpose::VerifyAddress, token, None)
        .await
        .map(|_| ())
}

/// Delete the account links that have expired (the file sweeper calls this every hour): a
/// dead link opens nothing, but its row keeps an address, and a sign-up's a name and a
/// password hash, which are not kept longer than they can be used.
pub async fn purge_expired_links(state: &AppState) {
    match state.store.purge_account_links(state.now()).await {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, "expired account links purged"),
        Err(e) => tracing::warn!(error = %e, "could not purge expired account links"),
    }
}

/// What a sign-up link carries until it is followed.
struct Pending {
    name: Name,
    password_hash: String,
}

async fn queue_link(
    state: &AppState,
    purpose: LinkPurpose,
    to: &Email,
    person: Option<&Person>,
    pending: Option<Pending>,
) -> Result<()> {
    let (token, token_hash) = new_link_token();
    let ttl = match purpose {
        LinkPurpose::SignIn => SIGN_IN_TTL,
        LinkPurpose::Reset => RESET_TTL,
        LinkPurpose::SignUp => SIGN_UP_TTL,
        LinkPurpose::VerifyAddress => VERIFY_ADDRESS_TTL,
    };
    let now = state.now();
    let expires_at = frontline_core::time::truncate(
        now.saturating_add(jiff::SignedDuration::try_from(ttl).unwrap_or_default())
            .unwrap_or(now),
    );
    let name = person
        .map(|p| p.name.to_string())
        .or_else(|| pending.as_ref().map(|p| p.name.to_string()));
    let (subject, text) = mail_text(state, purpose, &token, name.as_deref());
    let domain = state
        .config
        .mail_from
        .as_ref()
        .and_then(|from| from.as_str().rsplit_once('@').map(|(_, d)| d.to_owned()))
        .unwrap_or_else(|| "frontline.invalid".to_owned());
    let mail = NewOutbound {
        mailbox: frontline_store::accounts::account_mailbox(),
        to: to.clone(),
        to_name: name,
        subject,
        text,
        rfc_message_id: format!("fl-account-{}@{domain}", uuid::Uuid::now_v7()),
        references: Vec::new(),
        purpose: OutboundPurpose::Automatic,
    };
    let (name, password_hash) = match pending {
        Some(p) => (Some(p.name), Some(p.password_hash)),
        None => (None, None),
    };
    let link = NewAccountLink {
        token_hash,
        purpose,
        email: to.clone(),
        person_id: person.map(|p| p.id),
        name,
        password_hash,
        expires_at,
    };
    let queued = state.store.queue_account_link(link, mail).await?;
    tracing::info!(id = %queued.id, purpose = purpose.as_str(), "account mail queued");
    state.mail_queued.notify_one();
    Ok(())
}

/// The subject and text of a link's mail. The token appears here and nowhere else.
fn mail_text(
    state: &AppState,
    purpose: LinkPurpose,
    token: &str,
    name: Option<&str>,
) -> (String, String) {
    let base = state.config.public_url.as_deref().unwrap_or("");
    let link = format!("{base}{}?token={token}", link_path(purpose));
    let hello = match name {
        Some(name) => format!("Hello {name},"),
        None => "Hello,".to_owned(),
    };
    let ignore = "If you did not ask for this, ignore this mail: nothing changes.";
    match purpose {
        LinkPurpose::SignUp => (
            "Confirm your address".to_owned(),
            format!(
                "{hello}\n\nplease confirm that this address is yours to finish signing up:\n\n\
                 {link}\n\nThe link works once, for a day. {ignore}"
            ),
        ),
        LinkPurpose::SignIn => (
            "Your sign-in link".to_owned(),
            format!(
                "{hello}\n\nthis link signs you in:\n\n{link}\n\nIt works once, for 15 minutes. \
                 Forgot your password? Choose a new one at {base}/reset. {ignore}"
            ),
        ),
        LinkPurpose::VerifyAddress => (
            "Confirm your new address".to_owned(),
            format!(
                "{hello}\n\nplease confirm that this address is yours, so that your mail from \
                 it reaches your cases and you can sign in with it:\n\n{link}\n\n\
                 The link works once, for a day. {ignore}"
            ),
        ),
        LinkPurpose::Reset => (
            "Choose a new password".to_owned(),
            format!(
                "{hello}\n\nthis link lets you choose a new password:\n\n{link}\n\n\
                 It works once, for an hour. {ignore}"
            ),
        ),
    }
}

/// Follow a link of `purpose` with `token`. A reset needs `new_password`, checked before
/// the link is used (so a too-short password does not spend it). Limited per client address
/// like sign-in, which bounds guessing (hopeless anyway against 256 random bits).
pub async fn redeem(
    state: &AppState,
    address: Option<IpAddr>,
    purpose: LinkPurpose,
    token: &str,
    new_password: Option<String>,
) -> Result<Person> {
    let address = address.map(|a| a.to_string()).unwrap_or_default();
    limited(state.limits.login_per_address.check(&address))?;
    let new_hash = match (purpose, new_password) {
        (LinkPurpose::Reset, Some(password)) => {
            if let Some(problem) = password_problem(&password) {
                return Err(AppError::field("new_password", problem));
            }
            Some(
                state
                    .passwords
                    .hash(password)
                    .await
                    .map_err(AppError::from)?,
            )
        }
        (LinkPurpose::Reset, None) => {
            return Err(AppError::field("new_password", "choose a new password"));
        }
        _ => None,
    };
    let Some(token_hash) = received_hash(token) else {
        tracing::info!(purpose = purpose.as_str(), "malformed link refused");
        return Err(link_gone());
    };
    let redeemed = match state
        .store
        .redeem_account_link(&token_hash, purpose, new_hash)
        .await
    {
        Ok(redeemed) => crate::lookup::written(redeemed),
        Err(StoreError::NotFound { .. }) => {
            tracing::info!(purpose = purpose.as_str(), "link refused");
            return Err(link_gone());
        }
        Err(StoreError::Conflict { .. }) => {
            return Err(AppError::Conflict(
                "this address has an account already: sign in, or ask for a password reset".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let person = redeemed.person;
    if purpose == LinkPurpose::SignIn && person.role.is_staff() {
        // None is queued for staff; one queued before that rule, or for a customer made
        // staff since, does not open a staff session.
        tracing::info!(person_id = %person.id, "sign-in link for staff refused");
        return Err(link_gone());
    }
    match purpose {
        LinkPurpose::SignUp => {
            tracing::info!(person_id = %person.id, created = redeemed.created, "signed up")
        }
        LinkPurpose::Reset => tracing::info!(person_id = %person.id, "password reset by link"),
        LinkPurpose::SignIn => tracing::info!(person_id = %person.id, "signed in by link"),
        LinkPurpose::VerifyAddress => tracing::info!(person_id = %person.id, "address verified"),
    }
    Ok(person)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_are_32_random_bytes_in_base64url_and_stored_hashed() {
        let (token, hash) = new_link_token();
        assert_eq!(token.len(), 43);
        assert_eq!(received_hash(&token), Some(hash.clone()));
        assert_eq!(hash, hash_secret(&token));
        assert_ne!(new_link_token().0, token);
    }

    #[test]
    fn a_token_that_cannot_be_ours_is_not_looked_up() {
        for bad in [
            "",
            "abc",
            "not base64 at all!",
            &"A".repeat(44),
            &"A".repeat(42),
        ] {
            assert_eq!(received_hash(bad), None, "{bad:?}");
        }
    }
}
