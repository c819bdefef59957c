//! The hostile-mail corpus (issue 21): every message in `tests/corpus/` and every generated
//! one named in `tests/corpus/EXPECTED` is parsed; none may panic or take long, each must end
//! as its manifest says, and each parsed message must keep the promises in `invariants`.
//! Then proptest feeds arbitrary bytes, mutated corpus messages and messages assembled from
//! pieces of mail syntax to the same checks.

#[path = "corpus/generated.rs"]
mod generated;
#[path = "corpus/invariants.rs"]
mod invariants;
#[path = "corpus/manifest.rs"]
mod manifest;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use frontline_mail::{Inbound, Limits, Unreadable, parse};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;

/// What one parse may take in a debug build. Every case takes well under a second; a
/// runaway one (quadratic in some count) takes minutes, and a busy machine not ten times
/// longer.
const BUDGET: Duration = Duration::from_secs(5);

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// The committed messages, by file name, sorted.
static CORPUS: LazyLock<Vec<(String, Vec<u8>)>> = LazyLock::new(|| {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus_dir())
        .expect("the corpus directory")
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "eml"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("a corpus file"))
        })
        .collect();
    files.sort();
    files
});

/// Parse, turning a panic into an error that names the message.
fn parse_named(
    name: &str,
    raw: &[u8],
    limits: &Limits,
) -> Result<Result<Inbound, Unreadable>, String> {
    catch_unwind(AssertUnwindSafe(|| parse(raw, limits))).map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("{name}: parse panicked: {why}")
    })
}

fn promises_broken(result: &Result<Inbound, Unreadable>, limits: &Limits) -> Vec<String> {
    match result {
        Ok(message) => invariants::broken(message, limits),
        Err(refusal) => invariants::broken_refusal(refusal),
    }
}

#[test]
fn every_corpus_message_ends_as_the_manifest_says_and_keeps_every_promise() {
    let text = std::fs::read_to_string(corpus_dir().join("EXPECTED")).expect("EXPECTED");
    let entries = manifest::read(&text).unwrap_or_else(|e| panic!("{e}"));
    let limits = Limits::default();
    let mut failures = Vec::new();

    let listed: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    for (i, name) in listed.iter().enumerate() {
        if listed[..i].contains(name) {
            failures.push(format!("{name} is in EXPECTED twice"));
        }
    }
    for (name, _) in CORPUS.iter() {
        if !listed.contains(&name.as_str()) {
            failures.push(format!("{name} is in the corpus but not in EXPECTED"));
        }
    }
    for name in generated::NAMES {
        if !listed.contains(&format!("@{name}").as_str()) {
            failures.push(format!("@{name} is generated but not in EXPECTED"));
        }
    }

    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    let started = Instant::now();
    for entry in &entries {
        let name = &entry.name;
        let raw = match name.strip_prefix('@') {
            Some(generated) => generated::build(generated),
            None => CORPUS
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, raw)| raw.clone()),
        };
        let Some(raw) = raw else {
            failures.push(format!("EXPECTED line {}: no message {name}", entry.line));
            continue;
        };
        let parse_started = Instant::now();
        let result = match parse_named(name, &raw, &limits) {
            Ok(result) => result,
            Err(panicked) => {
                failures.push(panicked);
                continue;
            }
        };
        let took = parse_started.elapsed();
        if name.starts_with('@') {
            eprintln!("{name}: {} bytes parsed in {took:.2?}", raw.len());
        }
        if took > BUDGET {
            failures.push(format!("{name}: parsing took {took:.2?}, over {BUDGET:?}"));
        }

        let outcome = manifest::outcome(&result);
        let kind = outcome.split(':').next().unwrap_or_default().to_owned();
        *outcomes.entry(kind).or_default() += 1;
        if !manifest::matches(&entry.outcome, &outcome) {
            failures.push(format!("{name}: expected {}, got {outcome}", entry.outcome));
        }
        for check in &entry.checks {
            if let Err(why) = check.holds(&result) {
                failures.push(format!("{name}: {why}"));
            }
        }
        for broken in promises_broken(&result, &limits) {
            failures.push(format!("{name}: {broken}"));
        }
    }
    eprintln!(
        "{} messages ({} committed, {} generated) in {:.2?}: {outcomes:?}",
        entries.len(),
        CORPUS.len(),
        generated::NAMES.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_same_message_id_twice_is_one_message_id() {
    let id_of = |name: &str| {
        let (_, raw) = CORPUS.iter().find(|(n, _)| n == name).expect(name);
        parse(raw, &Limits::default()).expect(name).message_id
    };
    assert_eq!(
        id_of("duplicate-message-id-a.eml"),
        id_of("duplicate-message-id-b.eml")
    );
    // Without a Message-ID the name comes from the bytes: the same bytes, the same name.
    assert_eq!(
        id_of("missing-date-and-message-id.eml"),
        id_of("missing-date-and-message-id.eml")
    );
}

/// Small limits, so that fuzzed messages reach the dropping of recipients and attachments.
const TIGHT: Limits = Limits {
    max_message_bytes: 64 * 1024,
    max_recipients: 3,
    max_attachments: 2,
};

fn holds_for_any(raw: &[u8]) -> Result<(), TestCaseError> {
    for limits in [Limits::default(), TIGHT] {
        let result = parse_named("fuzzed", raw, &limits).map_err(TestCaseError::fail)?;
        let broken = promises_broken(&result, &limits);
        prop_assert!(broken.is_empty(), "{}", broken.join("\n"));
    }
    Ok(())
}

/// Pieces of mail syntax, so that mutations build structure and not only noise.
const FRAGMENTS: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"\r",
    b"\r\n\r\n",
    b"\0",
    b"\xff\xfe",
    b"\xc3",
    b": ",
    b"=?utf-8?q?a=0D=0Ab?=",
    b"=?utf-8?B?",
    b"?=",
    b"=?",
    b"=\r\n",
    b"=ZZ",
    b"--b\r\n",
    b"--b--\r\n",
    b"Content-Type: multipart/mixed; boundary=b\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n",
    b"Content-Type: message/rfc822\r\n\r\n",
    b"Content-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; a@b.c\r\nAction: failed\r\n\r\n",
    b"Content-Type: text/html\r\n\r\n<script type=x>",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"Content-Disposition: attachment; filename*=utf-8''%E2%80%AE..%2Fx\r\n",
    b"From: =?utf-8?q?A=0D=0AB?= <a@example.org>\r\n",
    b"From: <>\r\n",
    b"Sender: s@example.org\r\n",
    b"To: a@example.org, b@example.org, c@example.org, d@example.org\r\n",
    b"Subject: \t\x01\r\n",
    b"Message-ID: <a b@c>\r\n",
    b"References: <x@y> <z@w>\r\n",
    b"Date: Mon, 31 Feb 2026 25:61:61 +2500\r\n",
    b"Auto-Submitted: auto-replied\r\n",
    b"X-Failed-Recipients: a@example.org\r\n",
    b"<head><body>",
];

#[derive(Clone, Debug)]
enum Edit {
    Flip(Index, u8),
    Delete(Index, usize),
    Insert(Index, Vec<u8>),
    Fragment(Index, Index),
    Duplicate(Index, usize),
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(at, b)| Edit::Flip(at, b)),
        (any::<Index>(), 1..200usize).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
        (any::<Index>(), any::<Index>()).prop_map(|(at, f)| Edit::Fragment(at, f)),
        (any::<Index>(), 1..400usize).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(raw: &mut Vec<u8>, edit: &Edit) {
    let at = |index: &Index, len: usize| index.index(len + 1);
    match edit {
        Edit::Flip(i, byte) if !raw.is_empty() => {
            let i = i.index(raw.len());
            raw[i] = *byte;
        }
        Edit::Flip(..) => {}
        Edit::Delete(i, n) => {
            let start = at(i, raw.len());
            let end = (start + n).min(raw.len());
            raw.drain(start..end);
        }
        Edit::Insert(i, bytes) => {
            let start = at(i, raw.len());
            raw.splice(start..start, bytes.iter().copied());
        }
        Edit::Fragment(i, which) => {
            let start = at(i, raw.len());
            let fragment = FRAGMENTS[which.index(FRAGMENTS.len())];
            raw.splice(start..start, fragment.iter().copied());
        }
        Edit::Duplicate(i, n) => {
            let start = at(i, raw.len());
            let end = (start + n).min(raw.len());
            let copy = raw[start..end].to_vec();
            raw.splice(end..end, copy);
        }
        Edit::Truncate(i) => {
            let len = at(i, raw.len());
            raw.truncate(len);
        }
    }
}

/// 256 cases run in a few seconds in a debug build; `PROPTEST_CASES=100000` hunts longer.
/// Failures are kept beside the corpus, to be replayed first on the next run.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/corpus/proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic_and_keep_every_promise(
        raw in prop::collection::vec(any::<u8>(), 0..2048)
    ) {
        holds_for_any(&raw)?;
    }

    #[test]
    fn mutated_corpus_messages_never_panic_and_keep_every_promise(
        which in any::<Index>(),
        edits in prop::collection::vec(edit(), 1..12),
    ) {
        let (_, original) = &CORPUS[which.index(CORPUS.len())];
        let mut raw = original.clone();
        for edit in &edits {
            apply(&mut raw, edit);
        }
        holds_for_any(&raw)?;
    }

    #[test]
    fn messages_built_from_mail_syntax_never_panic_and_keep_every_promise(
        pieces in prop::collection::vec((any::<Index>(), prop::collection::vec(any::<u8>(), 0..8)), 0..60)
    ) {
        let mut raw = b"From: a@example.org\r\n".to_vec();
        for (fragment, noise) in &pieces {
            raw.extend_from_slice(FRAGMENTS[fragment.index(FRAGMENTS.len())]);
            raw.extend_from_slice(noise);
        }
        holds_for_any(&raw)?;
    }
}
