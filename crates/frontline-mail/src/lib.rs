//! Mail as Frontline reads and writes it. Pure: bytes in, values out, no IO. The server's
//! ingest path calls [`parse`] on every raw RFC 5322 message whichever way it arrived (IMAP,
//! an MTA's pipe, an HTTP upload), decides what to do from [`Inbound::kind`] and the
//! threading keys, and writes through the same use cases as the portal.
//!
//! MIME, charsets, transfer encodings and HTML-to-text are `mail-parser`'s (Stalwart's
//! maintained parser, with `full_encoding` for every charset `encoding_rs` knows); this crate
//! adds what a help desk needs on top: limits, who sent it, whether a person wrote it at all
//! (auto-replies, bounces, lists), what to show (quoted history and signatures trimmed), and
//! which case it belongs to.

#![forbid(unsafe_code)]

mod clean;
mod headers;
mod junk;
mod outbound;
mod parse;
mod smtp;
mod thread;
mod trim;

pub use junk::{Kind, MAX_FAILED, classify};
pub use outbound::{BuildError, Outgoing, Purpose, build};
pub use parse::{Attachment, Inbound, Limits, Unreadable, parse, summary};
pub use smtp::{Security, SendError, Smtp, SmtpConfig};
pub use thread::{case_from_plus_address, case_from_subject, message_id_for, reply_subject};
pub use trim::{REPLY_ABOVE, trim_reply};
