//! Customers who help themselves: the one-time links of sign-up, sign-in and password reset.
//! A link is kept only as the SHA-256 of its token (the token is in the mail), is used once,
//! and not after it expires. Queueing a link writes the link and its mail in one transaction;
//! redeeming it does what the link is for in one transaction (see `Store::redeem_account_link`).

use frontline_core::{Email, Name, PersonId, Timestamp};
use serde::{Deserialize, Serialize};

/// What a link does when it is followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    /// Confirms the address of a sign-up: the account exists from then on.
    SignUp,
    /// Signs its person in.
    SignIn,
    /// Lets its person choose a new password.
    Reset,
    /// Shows that an address its person added is theirs: the address finds them from then
    /// on (`person_addresses.verified`).
    VerifyAddress,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::SignUp => "sign_up",
            LinkPurpose::SignIn => "sign_in",
            LinkPurpose::Reset => "reset",
            LinkPurpose::VerifyAddress => "verify_address",
        }
    }
}

impl std::str::FromStr for LinkPurpose {
    type Err = frontline_core::ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sign_up" => Ok(LinkPurpose::SignUp),
            "sign_in" => Ok(LinkPurpose::SignIn),
            "reset" => Ok(LinkPurpose::Reset),
            "verify_address" => Ok(LinkPurpose::VerifyAddress),
            other => Err(frontline_core::ValueError::new(
                "purpose",
                format!("{other:?} is not one of sign_up, sign_in, reset, verify_address"),
            )),
        }
    }
}

/// A link to record with its mail.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAccountLink {
    /// Lower-case hex SHA-256 of the token.
    pub token_hash: String,
    pub purpose: LinkPurpose,
    /// The address the link was sent to.
    pub email: Email,
    /// The person it is for: required for sign-in, reset and address verification, `None`
    /// for a sign-up.
    pub person_id: Option<PersonId>,
    /// A sign-up's name and argon2 password hash, what the account is made of once the
    /// address is confirmed.
    pub name: Option<Name>,
    pub password_hash: Option<String>,
    pub expires_at: Timestamp,
}

/// What following a link did.
#[derive(Clone, Debug, PartialEq)]
pub struct Redeemed {
    /// The person now signed in (or whose password was reset).
    pub person: frontline_core::Person,
    /// A sign-up made a new person (rather than giving a password to a customer who had
    /// written by mail before).
    pub created: bool,
}

/// Refuse a link that lacks what its purpose needs (both backends ask here).
pub fn check_new(link: &NewAccountLink) -> crate::StoreResult<()> {
    let missing = match link.purpose {
        LinkPurpose::SignIn | LinkPurpose::Reset | LinkPurpose::VerifyAddress
            if link.person_id.is_none() =>
        {
            Some("person_id")
        }
        LinkPurpose::SignUp if link.name.is_none() => Some("name"),
        LinkPurpose::SignUp if link.password_hash.is_none() => Some("password_hash"),
        _ => None,
    };
    match missing {
        Some(field) => Err(frontline_core::ValueError::new(
            field,
            format!("a {} link needs it", link.purpose.as_str()),
        )
        .into()),
        None => Ok(()),
    }
}

/// The `mailbox` every account mail is queued under.
pub fn account_mailbox() -> frontline_core::mail::MailboxKey {
    frontline_core::mail::MailboxKey::parse(crate::ACCOUNT_MAILBOX)
        .expect("the account mailbox key is a valid key")
}

/// The one answer for a link that is unknown, used, expired or of another purpose.
pub fn no_such_link() -> crate::StoreError {
    crate::StoreError::not_found("link (unknown, used or expired)")
}

/// A reset link followed without the new password.
pub fn reset_needs_password() -> crate::StoreError {
    frontline_core::ValueError::new("new_password", "a reset link needs the new password").into()
}

/// A sign-up confirmed for an address that has an account (or is staff's).
pub fn has_account(email: &Email) -> crate::StoreError {
    crate::StoreError::conflict(format!(
        "{email} has an account already: sign in, or ask for a password reset"
    ))
}
