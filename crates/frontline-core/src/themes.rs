//! Recurring themes in what customers say: keyphrases drawn from their verbatims (the words of
//! their ratings, and their messages that scored low, see [`crate::mood::LOW_SENTIMENT`]) and
//! grouped, each with how many cases it comes from, its trend, example quotes and the cases.
//!
//! Extraction is RAKE (Rose et al., "Automatic keyword extraction from individual documents",
//! 2010), hand-written here because it is about a hundred lines and no maintained crate does
//! it with the normalisation we need: text is split into candidate phrases at punctuation and
//! stopwords; each word scores its degree (the lengths of the phrases it occurs in, summed)
//! over its frequency, and a phrase the sum of its words' scores. Words are lower-cased and
//! stripped of simple plurals ("deliveries" → "delivery"); sentiment words (VADER's lexicon:
//! "terrible", "awful", "thanks") are trimmed from the ends of a phrase, so "terrible customer service"
//! and "customer service" are the same topic. Phrases are grouped by their **head word**: the
//! phrase's word said in most cases, the last one on a tie (English puts the head noun last),
//! so "late delivery" and "delivery" share "delivery" and "app crash" joins "app" when more
//! cases mention the app than crashes. A group is a theme once at least [`MIN_CASES`] cases
//! say it.
//!
//! Pure and deterministic: the input is sorted before anything is counted, every order has a
//! final tie-break on text, so the same verbatims give the same themes in the same order
//! whatever order they come in. English only, like the sentiment score.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::case::text_enum;
use crate::ids::CaseId;
use crate::values::{CaseNumber, ValueError};

/// The length of each of the two periods a trend compares (this one and the one before).
pub const PERIOD_DAYS: i64 = 28;
/// A theme is recurring once this many distinct cases say it.
pub const MIN_CASES: usize = 2;
/// At most this many themes, the most widespread first.
pub const MAX_THEMES: usize = 20;
/// Example quotes per theme.
pub const MAX_QUOTES: usize = 3;
/// A quote longer than this is cut (at a character boundary) and ends with "…".
pub const QUOTE_CHARS: usize = 280;
/// Longer runs of content words are cut into phrases of at most this many words.
const MAX_PHRASE_WORDS: usize = 3;

text_enum!(
    /// Where a verbatim comes from.
    VoiceSource, "source" {
        Rating => "rating",
        Message => "message",
    }
);

text_enum!(
    /// How a theme moved: cases in the last [`PERIOD_DAYS`] against the period before.
    Trend, "trend" {
        New => "new",
        Rising => "rising",
        Steady => "steady",
        Falling => "falling",
    }
);

/// One thing a customer said about a case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Voice {
    pub case_id: CaseId,
    pub case_number: CaseNumber,
    pub source: VoiceSource,
    pub text: String,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub case_number: CaseNumber,
    pub source: VoiceSource,
    pub text: String,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Theme {
    /// The head word itself ("delivery"): stable from one reading to the next while people
    /// keep saying it.
    pub key: String,
    /// The phrase of the group said in most cases ("late delivery").
    pub label: String,
    /// Every phrase grouped here, most cases first.
    pub phrases: Vec<String>,
    /// Distinct cases over both periods.
    pub count: usize,
    /// Distinct cases in the last [`PERIOD_DAYS`].
    pub recent: usize,
    /// Distinct cases in the [`PERIOD_DAYS`] before that.
    pub previous: usize,
    pub trend: Trend,
    /// Up to [`MAX_QUOTES`], the newest first, one per case.
    pub quotes: Vec<Quote>,
    /// The cases behind the theme, newest number first.
    pub cases: Vec<CaseNumber>,
}

impl Trend {
    pub fn of(recent: usize, previous: usize) -> Trend {
        match (recent, previous) {
            (r, 0) if r > 0 => Trend::New,
            (r, p) if r > p => Trend::Rising,
            (r, p) if r < p => Trend::Falling,
            _ => Trend::Steady,
        }
    }
}

/// The window themes read: the two periods a trend compares, ending at `now`.
pub fn window_start(now: Timestamp) -> Timestamp {
    now.checked_sub(SignedDuration::from_hours(2 * PERIOD_DAYS * 24))
        .unwrap_or(Timestamp::MIN)
}

/// The themes of `voices` as of `now` (voices outside the window are ignored).
pub fn themes(voices: &[Voice], now: Timestamp) -> Vec<Theme> {
    let start = window_start(now);
    let recent_from = now
        .checked_sub(SignedDuration::from_hours(PERIOD_DAYS * 24))
        .unwrap_or(Timestamp::MIN);
    let mut voices: Vec<&Voice> = voices
        .iter()
        .filter(|v| v.at >= start && v.at <= now)
        .collect();
    voices.sort_by(|a, b| {
        (a.at, a.case_number.0, a.source, &a.text).cmp(&(b.at, b.case_number.0, b.source, &b.text))
    });

    let phrases: Vec<Vec<Vec<String>>> = voices.iter().map(|v| candidates(&v.text)).collect();
    // RAKE's word scores over the whole corpus: degree / frequency.
    let mut freq: BTreeMap<&str, f64> = BTreeMap::new();
    let mut degree: BTreeMap<&str, f64> = BTreeMap::new();
    for phrase in phrases.iter().flatten() {
        for word in phrase {
            *freq.entry(word).or_default() += 1.0;
            *degree.entry(word).or_default() += phrase.len() as f64;
        }
    }
    let word_score =
        |w: &str| degree.get(w).copied().unwrap_or(0.0) / freq.get(w).copied().unwrap_or(1.0);
    // In how many cases each word is said: a phrase's head is its most widespread word.
    let mut spread: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for (voice, found) in voices.iter().zip(&phrases) {
        for word in found.iter().flatten() {
            spread.entry(word).or_default().insert(voice.case_number.0);
        }
    }
    let head = |phrase: &[String]| -> Option<String> {
        // On a tie the later word wins: English puts the head noun last ("late delivery").
        phrase
            .iter()
            .enumerate()
            .max_by_key(|(i, w)| (spread.get(w.as_str()).map_or(0, BTreeSet::len), *i))
            .map(|(_, w)| w.clone())
    };

    #[derive(Default)]
    struct Group {
        /// Phrase → the cases saying it.
        phrases: BTreeMap<String, BTreeSet<i64>>,
        /// Summed RAKE scores of every occurrence: the tie-break between equally wide themes.
        score: f64,
        /// Index into `voices` of each case's newest voice.
        newest: BTreeMap<i64, usize>,
        recent: BTreeSet<i64>,
        previous: BTreeSet<i64>,
    }
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for (index, (voice, found)) in voices.iter().zip(&phrases).enumerate() {
        for phrase in found {
            let Some(head) = head(phrase.as_slice()) else {
                continue;
            };
            let group = groups.entry(head).or_default();
            let number = voice.case_number.0;
            group
                .phrases
                .entry(phrase.join(" "))
                .or_default()
                .insert(number);
            group.score += phrase.iter().map(|w| word_score(w.as_str())).sum::<f64>();
            // Voices are sorted oldest first, so the last seen is the newest.
            group.newest.insert(number, index);
            if voice.at >= recent_from {
                group.recent.insert(number);
            } else {
                group.previous.insert(number);
            }
        }
    }

    let mut themes: Vec<(f64, Theme)> = groups
        .into_iter()
        .filter(|(_, g)| g.newest.len() >= MIN_CASES)
        .map(|(key, g)| {
            let mut ranked: Vec<(String, usize)> = g
                .phrases
                .iter()
                .map(|(p, cases)| (p.clone(), cases.len()))
                .collect();
            // Most cases first; then the longer, more specific phrase; then alphabetical.
            ranked.sort_by(|a, b| {
                b.1.cmp(&a.1)
                    .then_with(|| b.0.split(' ').count().cmp(&a.0.split(' ').count()))
                    .then_with(|| a.0.cmp(&b.0))
            });
            let mut newest: Vec<(&Voice, i64)> = g
                .newest
                .iter()
                .map(|(number, index)| (voices[*index], *number))
                .collect();
            newest.sort_by(|a, b| b.0.at.cmp(&a.0.at).then(b.1.cmp(&a.1)));
            let quotes = newest
                .iter()
                .take(MAX_QUOTES)
                .map(|(v, _)| Quote {
                    case_number: v.case_number,
                    source: v.source,
                    text: cut(&v.text),
                    at: v.at,
                })
                .collect();
            let theme = Theme {
                label: ranked[0].0.clone(),
                phrases: ranked.into_iter().map(|(p, _)| p).collect(),
                count: g.newest.len(),
                recent: g.recent.len(),
                previous: g.previous.len(),
                trend: Trend::of(g.recent.len(), g.previous.len()),
                quotes,
                cases: g.newest.keys().rev().map(|n| CaseNumber(*n)).collect(),
                key,
            };
            (g.score, theme)
        })
        .collect();
    themes.sort_by(|(a_score, a), (b_score, b)| {
        b.count
            .cmp(&a.count)
            .then_with(|| b_score.total_cmp(a_score))
            .then_with(|| a.key.cmp(&b.key))
    });
    themes.truncate(MAX_THEMES);
    themes.into_iter().map(|(_, t)| t).collect()
}

fn cut(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((end, _)) => format!("{}…", text[..end].trim_end()),
        None => text.to_owned(),
    }
}

/// RAKE's candidate phrases of one text, normalised, each a list of words: runs of content
/// words between punctuation and stopwords, cut to [`MAX_PHRASE_WORDS`], with sentiment words
/// trimmed from both ends.
pub fn candidates(text: &str) -> Vec<Vec<String>> {
    let mut phrases = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if c == '\'' || c == '’' {
            // "don't" reads as "dont", "customer's" as "customers".
        } else {
            flush_word(&mut word, &mut run, &mut phrases);
            // Spaces and hyphens join words into a phrase; any other mark ends it.
            if !(c.is_whitespace() || c == '-') {
                end_run(&mut run, &mut phrases);
            }
        }
    }
    flush_word(&mut word, &mut run, &mut phrases);
    end_run(&mut run, &mut phrases);
    phrases
}

/// End the word being read: a content word extends the run, a stopword ends it.
fn flush_word(word: &mut String, run: &mut Vec<String>, phrases: &mut Vec<Vec<String>>) {
    if word.is_empty() {
        return;
    }
    let w = normalise(word);
    word.clear();
    if is_delimiter(&w) {
        end_run(run, phrases);
    } else {
        run.push(w);
    }
}

fn end_run(run: &mut Vec<String>, phrases: &mut Vec<Vec<String>>) {
    for chunk in run.chunks(MAX_PHRASE_WORDS) {
        let start = chunk.iter().position(|w| !is_sentiment(w));
        let end = chunk.iter().rposition(|w| !is_sentiment(w));
        if let (Some(start), Some(end)) = (start, end) {
            phrases.push(chunk[start..=end].to_vec());
        }
    }
    run.clear();
}

/// Lower case (already) without a simple English plural.
pub fn normalise(word: &str) -> String {
    let w = word;
    let n = w.chars().count();
    if n > 4 && w.ends_with("ies") {
        return format!("{}y", &w[..w.len() - 3]);
    }
    if w.ends_with("sses") || w.ends_with("xes") || w.ends_with("ches") || w.ends_with("shes") {
        return w[..w.len() - 2].to_owned();
    }
    if n > 3 && w.ends_with('s') && !(w.ends_with("ss") || w.ends_with("us") || w.ends_with("is")) {
        return w[..w.len() - 1].to_owned();
    }
    w.to_owned()
}

fn is_delimiter(word: &str) -> bool {
    word.chars().count() < 3 || word.chars().all(|c| c.is_ascii_digit()) || STOPWORDS.contains(word)
}

/// Whether VADER gives the word a sentiment: such words colour a phrase but are not its topic.
fn is_sentiment(word: &str) -> bool {
    SENTIMENT_WORDS.contains(word)
}

static SENTIMENT_WORDS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    qsv_vader_sentiment_analysis::LEXICON
        .keys()
        .map(|k| normalise(&k.to_lowercase()))
        .collect()
});

static STOPWORDS: LazyLock<HashSet<String>> =
    LazyLock::new(|| STOPWORD_LIST.split_whitespace().map(normalise).collect());

/// English function words (apostrophes dropped, as the tokenizer does), then words every
/// help-desk message uses and no theme is about.
const STOPWORD_LIST: &str = "
    a about above after again against all almost already also although always am among an and
    another any anyone anything are around as at away back be because been before being below
    between both but by came can cannot could did do does doing done down during each either
    else enough even ever every everything few for from further get gets getting give given go
    goes going gone got had has have having he her here hers herself him himself his how however
    i if in into is it its itself just last least less let like made make makes many may me
    might more most much must my myself never next no nobody none nor not nothing now of off
    often on once one only or other others our ours ourselves out over own per quite rather
    really same see seem seems several shall she should since so some someone something still
    such than that the their theirs them themselves then there these they thing things this
    those though through thus to too two under until up upon us very via was way we well were
    what whatever when where whether which while who whom whose why will with within without
    would yet you your yours yourself yourselves
    dont doesnt didnt isnt wasnt arent werent aint cant couldnt wouldnt shouldnt wont havent
    hasnt hadnt im ive id ill youre youve youll theyre theyve thats theres whats lets
    hello hi dear thanks thank please sorry regards cheers yes okay ok
    help case issue problem question time times day days week weeks month months year today
    yesterday tomorrow morning afternoon evening hour hours minute minutes ago soon later again
    said say says told tell asked ask know think want need needed wanted still already another
    lot lots bit same new old first second third anyone anybody everyone
    take takes took taken taking come comes coming keep keeps kept put puts
    three four five six seven eight nine ten
    ";

#[cfg(test)]
mod tests;
