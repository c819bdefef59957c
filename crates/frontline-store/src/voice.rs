//! What goes in and out of the store for the voice of the customer: mood alerts raised by
//! customer messages (see `frontline_core::mood`) and the verbatims themes are drawn from
//! (see `frontline_core::themes`).

use frontline_core::mood::MoodReason;
use frontline_core::{CaseId, CaseNumber, MessageId, PersonId, Subject, TeamId, Timestamp};
use serde::{Deserialize, Serialize};

/// Which alerts to list, newest first (the message's `created_at`, then id).
#[derive(Clone, Debug, Default)]
pub struct MoodAlertFilter {
    /// Alerts on cases this person owns, or on cases of any of `team_ids` (either matches).
    /// Neither given: every case.
    pub owner_id: Option<PersonId>,
    pub team_ids: Vec<TeamId>,
    pub case_id: Option<CaseId>,
    /// The alert raised by this message (at most one).
    pub message_id: Option<MessageId>,
    /// Only those nobody has acknowledged yet.
    pub unacknowledged_only: bool,
    /// Raised at or after.
    pub since: Option<Timestamp>,
    /// Only on cases still open (not resolved or closed): what still needs someone.
    pub open_cases_only: bool,
}

/// An alert with what a list shows: the case as it is now (owner and team are read when
/// listed, so an alert follows its case when it moves), the customer's words and who has
/// acknowledged it.
#[derive(Clone, Debug, PartialEq)]
pub struct MoodAlertItem {
    pub message_id: MessageId,
    pub case_id: CaseId,
    pub case_number: CaseNumber,
    pub subject: Subject,
    pub customer_id: PersonId,
    pub owner_id: Option<PersonId>,
    pub team_id: Option<TeamId>,
    pub reason: MoodReason,
    /// The reason in words (`MoodAlert::why`).
    pub why: String,
    pub sentiment: f64,
    /// The message itself.
    pub quote: String,
    pub at: Timestamp,
    pub acknowledged_by: Option<PersonId>,
    pub acknowledged_at: Option<Timestamp>,
}

/// The mood kept on a message row, exported beside the message (messages written before
/// sentiment scoring, and staff messages, have none).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageMood {
    pub message_id: MessageId,
    pub sentiment: f64,
    pub alert: Option<MoodReason>,
    pub why: Option<String>,
    pub acknowledged_by: Option<PersonId>,
    pub acknowledged_at: Option<Timestamp>,
}

/// What themes are drawn from: customers' ratings with words and their messages scoring at or
/// below `max_sentiment`, given at or after `since`, the newest `limit` of each.
#[derive(Clone, Debug)]
pub struct VoiceFilter {
    pub since: Timestamp,
    pub max_sentiment: f64,
    pub limit: u32,
}

/// What both backends say when an alert is acknowledged twice.
pub fn already_acknowledged(number: CaseNumber) -> String {
    format!("the mood alert on {number} has already been acknowledged")
}

/// What both backends say when a message raised no alert.
pub fn no_alert(message_id: MessageId) -> String {
    format!("mood alert {message_id}")
}

/// The order `Store::list_voices` answers in on every backend: oldest first, then case
/// number, source and text.
pub fn sort_voices(voices: &mut [frontline_core::themes::Voice]) {
    voices.sort_by(|a, b| {
        (a.at, a.case_number.0, a.source, &a.text).cmp(&(b.at, b.case_number.0, b.source, &b.text))
    });
}
