//! The text of the preloaded cases: a fixed vocabulary with frequencies known in advance, so a
//! search scenario's figure can be read against how many cases its words find. Case `i` (the
//! `i`-th preloaded, which is roughly case number `i + 1`) says:
//!
//! - **`parcel`** in every case (the subject, "Where is my parcel?"), and **`tracking`** in
//!   every first message: the common words.
//! - one of [`MID`] in its first message, `MID[i % 10]`: each in exactly 10 % of the cases.
//! - the phrase **"tracking number"** in 1 % of them (`i % 100 == 42`); both its words are in
//!   nearly every case on their own (`number` in each customer follow-up), so the phrase is a
//!   filter on positions, not on which cases hold the words.
//! - **`zeppelin`** in 1 case in 100,000 (`i % 100_000 == 0`, so at least one).
//! - the tag `refund` on 25 % (`i % 4 == 0`).
//! - with `--messages-per-case` above one, replies alternating staff and customer. The staff
//!   messages of every third case (`i % 3 == 0`) are internal notes, so those cases stay
//!   `new`; the others become `open` at the first staff reply. `courier status:open
//!   tag:refund` therefore finds `i % 20 == 0 && i % 3 != 0`: 3.3 % of the cases.
//!
//! No filler sentence contains a vocabulary word, and the customers' names and addresses
//! (`c12`, `c12@bench.test`) none either.

/// Mid-frequency words, one per case in turn.
pub const MID: [&str; 10] = [
    "courier", "invoice", "warranty", "voucher", "battery", "charger", "kettle", "blender",
    "toaster", "scooter",
];

/// The subject of every preloaded case (also the `create-case` scenario's, with a number).
pub const SUBJECT: &str = "Where is my parcel?";

/// Whether preloaded case `i` carries the tag `refund`.
pub fn refund_tag(i: u64) -> bool {
    i.is_multiple_of(4)
}

/// Whether staff write internal notes, not public replies, on preloaded case `i`.
pub fn staff_notes_internal(i: u64) -> bool {
    i.is_multiple_of(3)
}

/// The first message of preloaded case `i` (the customer's).
pub fn first_message(i: u64) -> String {
    let mid = MID[(i % MID.len() as u64) as usize];
    let mut body = format!(
        "It should have arrived on Monday with the {mid} I ordered, and the tracking has not moved since."
    );
    if i % 100 == 42 {
        body.push_str(" The tracking number I was given shows nothing at all.");
    }
    if i.is_multiple_of(100_000) {
        body.push_str(" The box was shaped like a zeppelin.");
    }
    body
}

/// Message `j` (1 and up) of preloaded case `i`: odd from staff, even from the customer.
pub fn reply(i: u64, j: u32) -> String {
    match j {
        1 => "Thanks for waiting: we have asked the depot and will write again tomorrow.".into(),
        2 => format!("My order number is {i}, in case you need it."),
        3 => "A new one left our warehouse today; it should reach you within two days.".into(),
        4 => "Thank you, it arrived this morning.".into(),
        j if j % 2 == 1 => "We are still looking into it.".into(),
        _ => "Any news? My order number is the same as before.".into(),
    }
}

/// The `q` of each search scenario, URL-encoded.
pub const Q_COMMON: &str = "parcel";
pub const Q_RARE: &str = "zeppelin";
pub const Q_PHRASE: &str = "%22tracking%20number%22";
pub const Q_FILTERED: &str = "courier%20status:open%20tag:refund";

#[cfg(test)]
mod tests {
    use super::*;

    /// The frequencies the module's comment promises, counted over 100,000 cases of 5
    /// messages (words as whole lower-case words, as both backends' tokenisers cut them).
    #[test]
    fn the_vocabulary_has_the_frequencies_it_promises() {
        let n = 100_000u64;
        let has = |text: &str, word: &str| {
            text.to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == word)
        };
        let mut counts = std::collections::BTreeMap::<&str, u64>::new();
        let mut phrase = 0;
        for i in 0..n {
            let texts: Vec<String> = std::iter::once(format!("{SUBJECT} {}", first_message(i)))
                .chain((1..5).map(|j| reply(i, j)))
                .collect();
            let all = texts.join("\n");
            for &word in MID
                .iter()
                .chain(&["parcel", "tracking", "number", "zeppelin"])
            {
                if has(&all, word) {
                    *counts.entry(word).or_default() += 1;
                }
            }
            phrase += u64::from(all.to_lowercase().contains("tracking number"));
        }
        assert_eq!(counts["parcel"], n);
        assert_eq!(counts["tracking"], n);
        assert_eq!(counts["number"], n);
        for word in MID {
            assert_eq!(counts[word], n / 10, "{word}");
        }
        assert_eq!(phrase, n / 100);
        assert_eq!(counts["zeppelin"], 1);
    }
}
