//! DKIM signing of mail Frontline sends (RFC 6376), with lettre's signer: the key is read
//! once at start, checked, and then signs every mail for the domain of the mailbox it is
//! sent from. The key never appears in `Debug` or a log line.

use std::fmt;
use std::sync::Arc;

use lettre::message::dkim::{DkimConfig, DkimSigningAlgorithm, DkimSigningKey};

/// A DKIM private key and its selector (the DNS name `<selector>._domainkey.<domain>` that
/// publishes the public half).
#[derive(Clone)]
pub struct DkimKey {
    selector: String,
    algorithm: DkimSigningAlgorithm,
    /// The key as read: lettre's signing key is not `Clone`, and a config names its domain,
    /// so each mail's config is made from this (microseconds next to an SMTP round trip).
    key: Arc<str>,
}

impl fmt::Debug for DkimKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DkimKey")
            .field("selector", &self.selector)
            .field("algorithm", &self.algorithm)
            .field("key", &"(redacted)")
            .finish()
    }
}

/// Why a DKIM key or selector cannot be used. Never quotes the key.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DkimError(String);

impl DkimKey {
    /// A key from the text of a key file: an RSA key in PKCS#1 PEM (`-----BEGIN RSA PRIVATE
    /// KEY-----`), or an Ed25519 key as the base64 of its 32-byte seed (RFC 8463).
    pub fn parse(selector: &str, key_file: &str) -> Result<DkimKey, DkimError> {
        let selector = selector.trim();
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !selector.split('.').all(label_ok) {
            return Err(DkimError(format!(
                "the DKIM selector {selector:?} is not a DNS name (letters, digits, '-' and '_', \
                 dot-separated)"
            )));
        }
        let text = key_file.trim();
        let algorithm = if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
            DkimSigningAlgorithm::Rsa
        } else if text.contains("-----BEGIN") {
            return Err(DkimError(
                "the DKIM key must be an RSA key in PKCS#1 PEM (BEGIN RSA PRIVATE KEY; convert \
                 with `openssl rsa -in key.pem -traditional`) or an Ed25519 seed in base64"
                    .into(),
            ));
        } else {
            DkimSigningAlgorithm::Ed25519
        };
        DkimSigningKey::new(text, algorithm).map_err(|_| {
            DkimError(match algorithm {
                DkimSigningAlgorithm::Rsa => {
                    "the DKIM key is not a readable RSA private key".into()
                }
                DkimSigningAlgorithm::Ed25519 => {
                    "the DKIM key is not an Ed25519 seed (32 bytes in base64)".into()
                }
            })
        })?;
        Ok(DkimKey {
            selector: selector.to_owned(),
            algorithm,
            key: text.into(),
        })
    }

    pub fn selector(&self) -> &str {
        &self.selector
    }

    /// The signing configuration for mail from `domain` (lettre's default: From, Subject,
    /// To and Date signed, simple/relaxed canonicalisation).
    pub fn config_for(&self, domain: &str) -> DkimConfig {
        let key = DkimSigningKey::new(&self.key, self.algorithm)
            .expect("the key was checked when it was read");
        DkimConfig::default_config(self.selector.clone(), domain.to_owned(), key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032's first test key: a published seed, no secret.
    const SEED: &str = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

    #[test]
    fn a_key_is_checked_when_read_and_never_shown() {
        let key = DkimKey::parse("fl2026", &format!("{SEED}\n")).unwrap();
        let shown = format!("{key:?}");
        assert!(
            !shown.contains(SEED) && shown.contains("redacted"),
            "{shown}"
        );
        for (selector, text) in [
            ("fl 2026", SEED),
            ("", SEED),
            ("fl", "not base64!"),
            (
                "fl",
                "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----",
            ),
            (
                "fl",
                "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
            ),
        ] {
            let error = DkimKey::parse(selector, text).unwrap_err().to_string();
            assert!(!error.contains("MC4CAQ"), "{error}");
        }
    }

    #[test]
    fn a_signed_mail_names_its_selector_and_domain() {
        use crate::{Outgoing, Purpose, build};
        let key = DkimKey::parse("fl2026", SEED).unwrap();
        let mail = Outgoing {
            from: frontline_core::Email::parse("support@example.com").unwrap(),
            from_name: None,
            to: frontline_core::Email::parse("ann@example.org").unwrap(),
            to_name: None,
            subject: "Re: [FL-1] Hello".into(),
            text: "Hi".into(),
            message_id: "fl-1@example.com".into(),
            references: vec![],
            purpose: Purpose::Reply,
            reply_marker: false,
            files: Vec::new(),
            language: None,
        };
        let (_, bytes) = build(&mail, Some(&key.config_for("example.com"))).unwrap();
        let raw = String::from_utf8(bytes).unwrap();
        let signature = raw
            .lines()
            .find(|l| l.starts_with("DKIM-Signature:"))
            .expect("a DKIM-Signature header");
        assert!(signature.contains("a=ed25519-sha256"), "{signature}");
        assert!(raw.contains("s=fl2026"), "{raw}");
        assert!(raw.contains("d=example.com"), "{raw}");
    }
}
