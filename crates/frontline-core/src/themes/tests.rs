use super::*;
use crate::time::from_millis;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn now() -> Timestamp {
    from_millis(400 * DAY_MS)
}

fn voice(number: i64, days_ago: i64, source: VoiceSource, text: &str) -> Voice {
    Voice {
        case_id: CaseId(uuid::Uuid::from_u128(number as u128)),
        case_number: CaseNumber(number),
        source,
        text: text.to_owned(),
        at: from_millis(400 * DAY_MS - days_ago * DAY_MS),
    }
}

fn corpus() -> Vec<Voice> {
    use VoiceSource::{Message, Rating};
    vec![
        voice(
            1001,
            40,
            Rating,
            "The delivery was late again and nobody answered.",
        ),
        voice(
            1002,
            3,
            Message,
            "Still no refund. Late deliveries every single time!",
        ),
        voice(
            1003,
            5,
            Rating,
            "Terrible late delivery, and the courier left the parcel outside.",
        ),
        voice(
            1004,
            9,
            Message,
            "I want my refund now. Three weeks waiting for a refund is unacceptable.",
        ),
        voice(1005, 50, Rating, "Refund took a month."),
        voice(
            1006,
            2,
            Message,
            "The app keeps crashing when I open my invoices.",
        ),
        voice(1007, 20, Message, "Your app crashes at checkout, useless."),
        voice(1008, 100, Rating, "Delivery was late (ancient history)."),
    ]
}

#[test]
fn candidate_phrases_split_at_stopwords_and_punctuation_and_drop_plurals() {
    assert_eq!(
        candidates("Late deliveries every single time! The courier's van, broken."),
        vec![
            vec!["late".to_owned(), "delivery".to_owned()],
            vec!["single".to_owned()],
            vec!["courier".to_owned(), "van".to_owned()],
        ]
    );
}

#[test]
fn sentiment_words_are_trimmed_from_the_ends_of_a_phrase() {
    assert_eq!(
        candidates("terrible customer service"),
        vec![vec!["customer".to_owned(), "service".to_owned()]]
    );
    assert!(candidates("awful, just awful").is_empty());
}

#[test]
fn plurals_are_stripped_simply() {
    assert_eq!(normalise("deliveries"), "delivery");
    assert_eq!(normalise("refunds"), "refund");
    assert_eq!(normalise("boxes"), "box");
    assert_eq!(normalise("addresses"), "address");
    assert_eq!(normalise("status"), "status");
    assert_eq!(normalise("address"), "address");
}

#[test]
fn phrases_sharing_a_head_word_make_one_theme_with_cases_trend_and_quotes() {
    let themes = themes(&corpus(), now());
    let keys: Vec<&str> = themes.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["delivery", "refund", "app"]);

    let delivery = &themes[0];
    assert_eq!(delivery.label, "late delivery");
    assert_eq!(delivery.phrases, ["late delivery", "delivery"]);
    // 1008 is outside the two periods.
    assert_eq!(delivery.count, 3);
    assert_eq!(
        delivery.cases,
        [CaseNumber(1003), CaseNumber(1002), CaseNumber(1001)]
    );
    assert_eq!((delivery.recent, delivery.previous), (2, 1));
    assert_eq!(delivery.trend, Trend::Rising);
    let quoted: Vec<i64> = delivery.quotes.iter().map(|q| q.case_number.0).collect();
    assert_eq!(quoted, [1002, 1003, 1001], "newest first, one per case");

    let refund = &themes[1];
    assert_eq!(refund.count, 3);
    assert_eq!((refund.recent, refund.previous), (2, 1));

    let app = &themes[2];
    assert_eq!(app.count, 2);
    assert_eq!(app.trend, Trend::New);
}

#[test]
fn the_same_voices_in_any_order_give_the_same_themes() {
    let forward = themes(&corpus(), now());
    let mut reversed = corpus();
    reversed.reverse();
    assert_eq!(themes(&reversed, now()), forward);
    let mut rotated = corpus();
    rotated.rotate_left(3);
    assert_eq!(themes(&rotated, now()), forward);
}

#[test]
fn a_phrase_said_in_one_case_only_is_not_a_theme() {
    let one = vec![
        voice(1, 1, VoiceSource::Rating, "Broken zipper on the jacket."),
        voice(1, 2, VoiceSource::Message, "The jacket zipper broke."),
    ];
    assert!(themes(&one, now()).is_empty());
}

#[test]
fn trends_compare_the_two_periods() {
    assert_eq!(Trend::of(3, 0), Trend::New);
    assert_eq!(Trend::of(3, 1), Trend::Rising);
    assert_eq!(Trend::of(1, 1), Trend::Steady);
    assert_eq!(Trend::of(0, 2), Trend::Falling);
    assert_eq!(Trend::of(0, 0), Trend::Steady);
}

#[test]
fn long_quotes_are_cut_at_a_character_boundary() {
    let long = "é".repeat(QUOTE_CHARS + 10);
    let cut = cut(&long);
    assert_eq!(cut.chars().count(), QUOTE_CHARS + 1);
    assert!(cut.ends_with('…'));
}
