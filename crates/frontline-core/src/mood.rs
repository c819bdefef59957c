//! A customer's mood on a case: the sentiment of every customer message, and the live alert
//! that tells the case's owner and team when the customer sounds angry or their mood drops
//! sharply.
//!
//! The score is VADER's compound score (see [`crate::sentiment`]), rounded to 4 decimals so
//! both backends store the same number. **Limits**: VADER is an English lexicon (other
//! languages score near 0 and never alert on the score alone); it does not understand sarcasm
//! ("great, lost again" reads as praise); it looks at most three words back for a negation
//! ("not at all happy" is caught, "not what anyone would call happy" is not); emoji are scored
//! only when they are in its emoji lexicon. The anger lexicon below shares the three-word
//! negation window. An alert is a prompt for a person to look, never a verdict.
//!
//! The rules, decided once here so both backends raise the same alerts:
//! - **anger**: a word of [`ANGER_WORDS`] that no negation in the three words before it
//!   cancels, in a message whose overall score is below 0 (so "the worst is over, thank you"
//!   stays quiet); or a score at or below [`ANGER_SCORE`] whatever the words.
//! - **drop**: a score at or below [`DROP_FLOOR`] and at least [`DROP_MARGIN`] below the mean
//!   of the customer's earlier scores on the case.
//!
//! At most one alert per message; anger wins over a drop, because it is the stronger signal.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::case::{Case, Message, text_enum};
use crate::event::{Audience, NewEvent, Payload};
use crate::ids::PersonId;
use crate::org::Role;
use crate::values::ValueError;

/// A score at or below this alerts as anger, whatever the words.
pub const ANGER_SCORE: f64 = -0.6;
/// A drop alerts only when the new score is at or below this…
pub const DROP_FLOOR: f64 = -0.3;
/// …and at least this far below the mean of the customer's earlier scores on the case.
pub const DROP_MARGIN: f64 = 0.5;
/// Customer messages at or below this score are verbatims for the themes.
pub const LOW_SENTIMENT: f64 = -0.3;
/// How many words before an anger word a negation cancels it (VADER's window too).
const NEGATION_WINDOW: usize = 3;

/// Words that, unnegated in a negative message, show a customer is angry. Small and fixed on
/// purpose: every entry is a word people use when they are angry, rarely otherwise.
pub const ANGER_WORDS: &[&str] = &[
    "angry",
    "appalling",
    "disgraceful",
    "disgusted",
    "disgusting",
    "fed up",
    "furious",
    "fuming",
    "incompetent",
    "infuriating",
    "joke",
    "livid",
    "outrageous",
    "outraged",
    "pathetic",
    "rip off",
    "ridiculous",
    "scam",
    "shameful",
    "sick of",
    "unacceptable",
    "useless",
    "worst",
];

const NEGATIONS: &[&str] = &[
    "not", "no", "never", "nothing", "nobody", "neither", "nor", "without", "hardly", "dont",
    "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "aint", "cant", "cannot", "wont",
    "wouldnt", "shouldnt", "couldnt", "havent", "hasnt", "hadnt",
];

text_enum!(
    /// Why a message raised an alert.
    MoodReason, "reason" {
        Anger => "anger",
        Drop => "drop",
    }
);

/// An alert raised by one customer message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MoodAlert {
    pub reason: MoodReason,
    /// The message's score.
    pub score: f64,
    /// The anger words found, in the order they appear (empty for a drop, or for anger on
    /// the score alone).
    pub words: Vec<String>,
    /// The mean of the customer's earlier scores on the case (a drop only).
    pub baseline: Option<f64>,
}

impl MoodAlert {
    /// The reason in words, as stored and shown: "angry words: furious, unacceptable",
    /// "very negative (-0.72)", "mood dropped from 0.45 to -0.40".
    pub fn why(&self) -> String {
        match (self.reason, self.baseline) {
            (MoodReason::Anger, _) if !self.words.is_empty() => {
                format!("angry words: {}", self.words.join(", "))
            }
            (MoodReason::Anger, _) => format!("very negative ({:.2})", self.score),
            (MoodReason::Drop, Some(baseline)) => {
                format!("mood dropped from {baseline:.2} to {:.2}", self.score)
            }
            (MoodReason::Drop, None) => format!("mood dropped to {:.2}", self.score),
        }
    }
}

impl fmt::Display for MoodAlert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.why())
    }
}

/// What the store keeps about a customer message: its score, and the alert it raised.
#[derive(Clone, Debug, PartialEq)]
pub struct MoodReading {
    pub sentiment: f64,
    pub alert: Option<MoodAlert>,
}

/// The score stored on a message: VADER's compound, rounded to 4 decimals.
pub fn sentiment(text: &str) -> f64 {
    (crate::sentiment::score(text) * 10_000.0).round() / 10_000.0
}

/// Read a message written by someone with `author_role`: `None` unless it is a customer's
/// (staff replies and notes are not the customer's mood). `earlier` are the customer's
/// earlier scores on the case, oldest first.
pub fn read(body: &str, author_role: Role, earlier: &[f64]) -> Option<MoodReading> {
    if author_role != Role::Customer {
        return None;
    }
    let sentiment = sentiment(body);
    Some(MoodReading {
        sentiment,
        alert: assess(body, sentiment, earlier),
    })
}

/// Whether a customer message with this `score` raises an alert (see the module header).
pub fn assess(body: &str, score: f64, earlier: &[f64]) -> Option<MoodAlert> {
    let words = if score < 0.0 {
        anger_words(body)
    } else {
        Vec::new()
    };
    if !words.is_empty() || score <= ANGER_SCORE {
        return Some(MoodAlert {
            reason: MoodReason::Anger,
            score,
            words,
            baseline: None,
        });
    }
    if earlier.is_empty() || score > DROP_FLOOR {
        return None;
    }
    let baseline = earlier.iter().sum::<f64>() / earlier.len() as f64;
    // Compared in whole ten-thousandths, so a drop of exactly the margin counts on every
    // platform despite binary fractions.
    let drop = ((baseline - score) * 10_000.0).round();
    (drop >= DROP_MARGIN * 10_000.0).then(|| MoodAlert {
        reason: MoodReason::Drop,
        score,
        words: Vec::new(),
        baseline: Some((baseline * 10_000.0).round() / 10_000.0),
    })
}

/// The anger words of `text` that no negation shortly before cancels, each once, in order.
pub fn anger_words(text: &str) -> Vec<String> {
    let tokens = tokens(text);
    let mut found: Vec<String> = Vec::new();
    for (at, _) in tokens.iter().enumerate() {
        for entry in ANGER_WORDS {
            let parts: Vec<&str> = entry.split(' ').collect();
            let matches = tokens.len() >= at + parts.len()
                && parts
                    .iter()
                    .enumerate()
                    .all(|(i, part)| tokens[at + i] == *part);
            if !matches || found.iter().any(|f| f == entry) {
                continue;
            }
            let window = &tokens[at.saturating_sub(NEGATION_WINDOW)..at];
            if window.iter().any(|t| NEGATIONS.contains(&t.as_str())) {
                continue;
            }
            found.push((*entry).to_owned());
        }
    }
    found
}

/// Lower-case words; apostrophes are dropped so "don't" and "dont" read the same.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|w| {
            w.chars()
                .filter(|c| *c != '\'' && *c != '’')
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// The `case.mood_alert` event for an alert raised by `message` on `case`: staff only (the
/// customer never learns how they were scored), about the case, naming its owner and team so
/// a cockpit refreshes only for its own.
pub fn alert_event(case: &Case, message: &Message, alert: &MoodAlert) -> NewEvent {
    NewEvent::new(
        Some(message.author_id),
        Payload::CaseMoodAlert(crate::event::CaseMoodAlert {
            number: case.number,
            message_id: message.id,
            owner_id: case.owner_id,
            team_id: case.team_id,
            reason: alert.reason,
            why: alert.why(),
            score: alert.score,
        }),
    )
    .about_case(case.id, Audience::Staff)
}

/// The `case.mood_alert_acknowledged` event: `by` has seen the alert of `message_id`.
pub fn acknowledged_event(
    case: &Case,
    message_id: crate::ids::MessageId,
    by: PersonId,
) -> NewEvent {
    NewEvent::new(
        Some(by),
        Payload::CaseMoodAlertAcknowledged(crate::event::CaseMoodAlertAcknowledged {
            number: case.number,
            message_id,
            owner_id: case.owner_id,
            team_id: case.team_id,
            acknowledged_by: by,
        }),
    )
    .about_case(case.id, Audience::Staff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_customer(body: &str, earlier: &[f64]) -> MoodReading {
        read(body, Role::Customer, earlier).expect("a customer message is read")
    }

    #[test]
    fn angry_words_alert_even_on_the_first_message() {
        let reading = read_customer(
            "This is unacceptable. Third week without my parcel and your service is useless.",
            &[],
        );
        let alert = reading.alert.expect("alert");
        assert_eq!(alert.reason, MoodReason::Anger);
        assert_eq!(alert.words, ["unacceptable", "useless"]);
        assert_eq!(alert.why(), "angry words: unacceptable, useless");
        assert!(reading.sentiment < 0.0);
    }

    #[test]
    fn two_word_anger_phrases_are_found() {
        assert_eq!(
            anger_words("I am sick of waiting, this is a rip off"),
            ["sick of", "rip off"]
        );
    }

    #[test]
    fn a_negated_anger_word_does_not_count() {
        assert!(anger_words("I'm not angry, just a bit confused").is_empty());
        assert!(anger_words("it wasn't really that ridiculous").is_empty());
        // Beyond three words the negation no longer reaches the word (VADER's window too).
        assert_eq!(
            anger_words("no reply and then days later: unacceptable"),
            ["unacceptable"]
        );
    }

    #[test]
    fn an_anger_word_in_a_positive_message_stays_quiet() {
        let reading = read_customer(
            "The worst is over, thank you so much for the great help!",
            &[],
        );
        assert!(reading.sentiment > 0.0);
        assert_eq!(reading.alert, None);
    }

    #[test]
    fn a_very_negative_message_alerts_as_anger_without_lexicon_words() {
        let alert = assess("whatever", -0.75, &[]).expect("alert");
        assert_eq!(alert.reason, MoodReason::Anger);
        assert!(alert.words.is_empty());
        assert_eq!(alert.why(), "very negative (-0.75)");
    }

    #[test]
    fn a_sharp_drop_from_earlier_messages_alerts() {
        let alert = assess("plain words", -0.4, &[0.3, 0.5]).expect("alert");
        assert_eq!(alert.reason, MoodReason::Drop);
        assert_eq!(alert.baseline, Some(0.4));
        assert_eq!(alert.why(), "mood dropped from 0.40 to -0.40");
        // Exactly the margin counts.
        assert!(assess("plain words", -0.3, &[0.2]).is_some());
    }

    #[test]
    fn mild_or_small_changes_do_not_alert() {
        // Mildly negative: above the floor.
        assert_eq!(assess("plain words", -0.2, &[0.6]), None);
        // Below the floor, but the customer was already unhappy: no sharp drop.
        assert_eq!(assess("plain words", -0.45, &[-0.3, -0.2]), None);
        // Below the floor on the first message, without anger: nothing to drop from.
        assert_eq!(assess("plain words", -0.45, &[]), None);
        let mild = read_customer(
            "It's a bit slow, could you check on my order please?",
            &[0.2],
        );
        assert_eq!(mild.alert, None);
    }

    #[test]
    fn staff_messages_are_not_read() {
        assert_eq!(read("This is unacceptable", Role::Employee, &[]), None);
        assert_eq!(read("This is unacceptable", Role::Support, &[]), None);
    }

    #[test]
    fn the_stored_score_has_four_decimals() {
        let s = sentiment("I am very disappointed with the delivery");
        assert_eq!(s, (s * 10_000.0).round() / 10_000.0);
        assert!(s < 0.0);
    }
}
