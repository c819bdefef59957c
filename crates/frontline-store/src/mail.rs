//! What the store keeps of mail: mailboxes, one entry per mail received or sent (the
//! Message-IDs that thread replies, and the original bytes of what was received), and the
//! quarantine of mail that could not be read.

use frontline_core::mail::MailboxKey;
use frontline_core::{CaseId, Email, MessageId, Timestamp};
use serde::{Deserialize, Serialize};

/// A received mail to record with the case or message it became.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMail {
    pub mailbox: MailboxKey,
    /// Its `Message-ID` (without brackets): unique per mailbox, so the same mail is written
    /// once however often it arrives.
    pub rfc_message_id: String,
    pub from: Email,
    pub subject: String,
    /// The message exactly as received, kept so staff can read it in full.
    pub raw: Vec<u8>,
}

/// Received or sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailDirection {
    Inbound,
    Outbound,
}

impl MailDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            MailDirection::Inbound => "inbound",
            MailDirection::Outbound => "outbound",
        }
    }
}

impl std::str::FromStr for MailDirection {
    type Err = frontline_core::ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "inbound" => Ok(MailDirection::Inbound),
            "outbound" => Ok(MailDirection::Outbound),
            other => Err(frontline_core::ValueError::new(
                "direction",
                format!("{other:?} is not inbound or outbound"),
            )),
        }
    }
}

/// One mail Frontline received or sent, as the case knows it (without its bytes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailEntry {
    pub mailbox: MailboxKey,
    pub rfc_message_id: String,
    pub direction: MailDirection,
    pub case_id: CaseId,
    /// The case message it became or carried.
    pub message_id: MessageId,
    /// The sender of a received mail, the recipient of a sent one.
    pub address: Email,
    pub subject: String,
    pub at: Timestamp,
}

/// A mail that could not be read, kept whole with the reason until an admin retries or drops
/// it. Operational data, like webhook attempts: no event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuarantinedMail {
    pub id: uuid::Uuid,
    /// The mailbox it came to, when known.
    pub mailbox: Option<MailboxKey>,
    pub reason: String,
    /// What could be read of its sender and subject, for the list (may be empty or garbled).
    pub from: Option<String>,
    pub subject: Option<String>,
    pub size: u64,
    pub received_at: Timestamp,
}

/// A mail to quarantine.
#[derive(Clone, Debug, PartialEq)]
pub struct NewQuarantined {
    pub mailbox: Option<MailboxKey>,
    pub reason: String,
    pub from: Option<String>,
    pub subject: Option<String>,
    pub raw: Vec<u8>,
}

impl NewQuarantined {
    /// What makes two quarantined mails the same: the mailbox and a SHA-256 of the bytes.
    pub fn dedupe_key(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(&self.raw);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}:{hex}",
            self.mailbox.as_ref().map_or("", MailboxKey::as_str)
        )
    }
}

/// The most items the quarantine list returns.
pub const QUARANTINE_LIST_MAX: u32 = 500;
