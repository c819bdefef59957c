//! Mail as Frontline reads and writes it. The server's ingest path calls [`parse`] on every
//! raw RFC 5322 message whichever way it arrived (IMAP, an MTA's pipe, an HTTP upload), decides
//! what to do from [`Inbound::kind`] and the threading keys, and writes through the same use
//! cases as the portal.
//!
//! MIME, charsets, transfer encodings and HTML-to-text are `mail-parser`'s (Stalwart's
//! maintained parser, with `full_encoding` for every charset `encoding_rs` knows); this crate
//! adds what a help desk needs on top: limits, who sent it, whether a person wrote it at all
//! (auto-replies, bounces, lists), what to show (quoted history and signatures trimmed), and
//! which case it belongs to.
//!
//! The IO is at the edges and knows nothing of cases or stores: [`Smtp`] sends what [`build`]
//! made, [`Imap`] reads a folder's unread mail as raw bytes and marks a message read only when
//! its caller says it is kept, and [`poll`] keeps one folder read, reconnecting with back-off.
//! Parsing, threading and classifying stay pure.

#![forbid(unsafe_code)]

mod clean;
mod dkim;
mod headers;
mod imap;
mod junk;
mod outbound;
mod parse;
mod phrases;
mod poll;
mod smtp;
mod thread;
mod trim;

pub use dkim::{DkimError, DkimKey};
pub use imap::{Fetched, IdleOutcome, Imap, ImapConfig, ImapError, ImapSession, UNSEEN_BATCH, Uid};
pub use junk::{FailedRecipient, Kind, MAX_FAILED, classify, failed_recipients};
pub use outbound::{BuildError, Outgoing, OutgoingFile, Purpose, build};
pub use parse::{Attachment, Inbound, Limits, Unreadable, parse, summary};
pub use phrases::{Phrases, is_reply_marker};
pub use poll::{PollOptions, poll};
pub use smtp::{POOL_SIZE, Security, SendError, Smtp, SmtpConfig};
pub use thread::{
    case_from_plus_address, case_from_subject, case_subject, message_id_for, reply_subject,
};
pub use trim::{REPLY_ABOVE, trim_reply};
