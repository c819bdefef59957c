//! How a message sounds, from -1 (angry) to 1 (happy): VADER, a lexicon and rule based scorer
//! for English (negation, intensifiers, capitals, punctuation, emoji). Other languages score
//! near 0, and sarcasm fools it; the score is a signal for a person to look, never a verdict.

use std::sync::LazyLock;

use qsv_vader_sentiment_analysis::SentimentIntensityAnalyzer;

// Building the analyser parses its lexicon (about 3 ms); do it once.
static ANALYZER: LazyLock<SentimentIntensityAnalyzer<'static>> =
    LazyLock::new(SentimentIntensityAnalyzer::new);

/// The compound score of `text`, in [-1, 1]; 0 for empty text.
pub fn score(text: &str) -> f64 {
    if text.trim().is_empty() {
        return 0.0;
    }
    let compound = ANALYZER
        .polarity_scores(text)
        .get("compound")
        .copied()
        .unwrap_or(0.0);
    if compound.is_finite() {
        compound.clamp(-1.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angry_words_score_low_and_thanks_score_high() {
        assert!(
            score("This is the third time my order is late. I am furious and want my money back!")
                < -0.3
        );
        assert!(score("Thank you so much, that was wonderful help!") > 0.5);
        assert_eq!(score("   "), 0.0);
    }
}
