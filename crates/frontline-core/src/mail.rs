//! Mailboxes: the addresses customers write to. Each names the outcome (hence the teams) its
//! new cases go to, and how its mail reaches Frontline: polled over IMAP, piped in by an MTA
//! (`frontline mail ingest`), or posted by a provider to the inbound URL with the mailbox's
//! token. Secrets never live here: an IMAP password is a reference to an environment variable
//! or a file, read when the poller connects.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::ids::OutcomeId;
use crate::time::Timestamp;
use crate::values::{Email, Name, ValueError, slug};

/// The key of a mailbox, e.g. `support` (in URLs and on the command line).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MailboxKey(String);

impl MailboxKey {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        slug("key", raw, 64, &[]).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MailboxKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MailboxKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// How a mail connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailSecurity {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// Plain, then STARTTLS, which must succeed.
    Starttls,
    /// No TLS: only to a loopback address.
    Plain,
}

impl MailSecurity {
    pub fn as_str(self) -> &'static str {
        match self {
            MailSecurity::Tls => "tls",
            MailSecurity::Starttls => "starttls",
            MailSecurity::Plain => "plain",
        }
    }
}

impl std::str::FromStr for MailSecurity {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "tls" => Ok(MailSecurity::Tls),
            "starttls" => Ok(MailSecurity::Starttls),
            "plain" => Ok(MailSecurity::Plain),
            other => Err(ValueError::new(
                "security",
                format!("{other:?} is not one of tls, starttls, plain"),
            )),
        }
    }
}

/// Where a secret is read from when it is needed: `env:NAME` or `file:/path`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SecretRef {
    Env(String),
    File(String),
}

impl SecretRef {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let raw = raw.trim();
        let bad = || {
            ValueError::new(
                "password_from",
                format!(
                    "{raw:?} is not env:NAME or file:/absolute/path (the password itself is never stored)"
                ),
            )
        };
        if let Some(name) = raw.strip_prefix("env:") {
            let ok = !name.is_empty()
                && name.len() <= 128
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            return ok.then(|| SecretRef::Env(name.to_owned())).ok_or_else(bad);
        }
        if let Some(path) = raw.strip_prefix("file:") {
            let ok = path.starts_with('/') && path.len() <= 1024 && !path.contains('\0');
            return ok.then(|| SecretRef::File(path.to_owned())).ok_or_else(bad);
        }
        Err(bad())
    }

    /// Read the secret now (trailing newline of a file dropped).
    pub fn read(&self) -> Result<String, String> {
        match self {
            SecretRef::Env(name) => std::env::var(name)
                .map_err(|_| format!("the environment variable {name} is not set")),
            SecretRef::File(path) => std::fs::read_to_string(path)
                .map(|s| s.trim_end_matches(['\r', '\n']).to_owned())
                .map_err(|e| format!("could not read {path}: {e}")),
        }
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(name) => write!(f, "env:{name}"),
            SecretRef::File(path) => write!(f, "file:{path}"),
        }
    }
}

impl Serialize for SecretRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// An IMAP account to poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub security: MailSecurity,
    pub username: String,
    pub password_from: SecretRef,
    /// The folder to read, `INBOX` unless set.
    pub folder: String,
}

impl ImapSettings {
    /// Check what a form or request gave: a host name, a port, plain only to loopback.
    pub fn check(&self) -> Result<(), ValueError> {
        let host = self.host.trim();
        if host.is_empty()
            || host.len() > 253
            || host
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '/' || c == '@')
        {
            return Err(ValueError::new(
                "imap.host",
                "must be a host name or IP address, such as imap.example.com",
            ));
        }
        if self.port == 0 {
            return Err(ValueError::new("imap.port", "must be between 1 and 65535"));
        }
        if self.security == MailSecurity::Plain && !is_loopback(host) {
            return Err(ValueError::new(
                "imap.security",
                format!(
                    "plain IMAP is allowed only to a loopback address, not {host}: use tls or starttls"
                ),
            ));
        }
        if self.username.trim().is_empty() || self.username.len() > 320 {
            return Err(ValueError::new("imap.username", "must not be empty"));
        }
        if self.folder.trim().is_empty()
            || self.folder.len() > 200
            || self.folder.chars().any(|c| c.is_control())
        {
            return Err(ValueError::new(
                "imap.folder",
                "must be a folder name such as INBOX",
            ));
        }
        Ok(())
    }
}

/// `localhost` or a loopback IP address: the only places mail may go without TLS.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A mailbox as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mailbox {
    pub key: MailboxKey,
    /// Shown as the sender's name on mail from this address ("ACME Support").
    pub name: Name,
    pub address: Email,
    pub outcome_id: OutcomeId,
    pub imap: Option<ImapSettings>,
    /// Whether mail is read from it and sent from it.
    pub enabled: bool,
    /// The hash of the token the inbound URL takes; never the token.
    #[serde(skip)]
    pub inbound_token_hash: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Mailbox {
    /// The `mailbox.saved` event of this mailbox as stored. Never its token's hash: the log is
    /// readable by every staff member.
    pub fn saved_event(&self, created: bool, actor: Option<crate::PersonId>) -> crate::NewEvent {
        crate::NewEvent::new(
            actor,
            crate::Payload::MailboxSaved(crate::event::MailboxSaved {
                key: self.key.clone(),
                address: self.address.clone(),
                outcome_id: self.outcome_id,
                imap_host: self.imap.as_ref().map(|i| i.host.clone()),
                enabled: self.enabled,
                created,
            }),
        )
    }
}

/// A mailbox to create or change (by key).
#[derive(Clone, Debug, PartialEq)]
pub struct NewMailbox {
    pub key: MailboxKey,
    pub name: Name,
    pub address: Email,
    pub outcome_id: OutcomeId,
    pub imap: Option<ImapSettings>,
    pub enabled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_references_never_values() {
        assert_eq!(
            SecretRef::parse("env:IMAP_PASSWORD").unwrap(),
            SecretRef::Env("IMAP_PASSWORD".into())
        );
        assert_eq!(
            SecretRef::parse("file:/run/secrets/imap")
                .unwrap()
                .to_string(),
            "file:/run/secrets/imap"
        );
        for bad in ["hunter2", "env:", "env:A B", "file:relative", ""] {
            assert!(SecretRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_imap_only_to_loopback() {
        let settings = |host: &str, security| ImapSettings {
            host: host.into(),
            port: 143,
            security,
            username: "support".into(),
            password_from: SecretRef::Env("X".into()),
            folder: "INBOX".into(),
        };
        assert!(settings("127.0.0.1", MailSecurity::Plain).check().is_ok());
        assert!(settings("localhost", MailSecurity::Plain).check().is_ok());
        assert!(settings("[::1]", MailSecurity::Plain).check().is_ok());
        assert!(
            settings("imap.example.com", MailSecurity::Plain)
                .check()
                .is_err()
        );
        assert!(
            settings("imap.example.com", MailSecurity::Tls)
                .check()
                .is_ok()
        );
        assert!(settings("a b", MailSecurity::Tls).check().is_err());
    }
}

/// How Frontline learnt that mail to an address bounces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BounceSource {
    /// A delivery status notification (RFC 3464) came back naming the address.
    Report,
    /// Our mail server refused a mail to it for good (an SMTP 5xx).
    Refused,
}

impl BounceSource {
    pub fn as_str(self) -> &'static str {
        match self {
            BounceSource::Report => "report",
            BounceSource::Refused => "refused",
        }
    }
}

impl std::str::FromStr for BounceSource {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        match s {
            "report" => Ok(BounceSource::Report),
            "refused" => Ok(BounceSource::Refused),
            other => Err(ValueError::new(
                "source",
                format!("{other:?} is not report or refused"),
            )),
        }
    }
}
