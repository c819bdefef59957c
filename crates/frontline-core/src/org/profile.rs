//! A customer's own profile and what happens to a person's identity: their language and time
//! zone, their extra addresses, merging a duplicate into the customer it duplicates, and
//! erasure (personal data replaced by a tombstone, cases and figures kept). Pure: the store
//! applies these values and rewrites in its transaction.

use serde_json::Value;

use crate::event::{EventKind, Payload};
use crate::ids::{CaseId, PersonId};
use crate::values::{Email, Name, ValueError};

/// The longest language tag kept (BCP 47 allows long ones; real tags are short).
pub const MAX_LANGUAGE_CHARS: usize = 35;

/// What an erased customer's messages, verbatims and quotes read as.
pub const ERASED_TEXT: &str = "(erased)";

/// The name an erased customer's files keep (a file name can say who someone is).
pub const ERASED_FILE_NAME: &str = "erased";

/// The reason on the tombstone of a file erased with its customer.
pub const ERASED_FILE_REASON: &str = "The customer was erased.";

pub fn erased_file_name() -> crate::attachment::FileName {
    crate::attachment::FileName::parse(ERASED_FILE_NAME).expect("a valid file name")
}

/// A language tag such as `en`, `fr-CA` or `pt-BR`: a 2–3 letter language, then subtags of
/// 1–8 letters or digits, separated by `-` (`_` is taken for `-`). Lower-cased language,
/// as written otherwise.
pub fn parse_language(raw: &str) -> Result<String, ValueError> {
    let tag = raw.trim().replace('_', "-");
    let fail = |why: &str| Err(ValueError::new("language", why.to_owned()));
    if tag.is_empty() {
        return fail("must not be empty (leave it out to say nothing)");
    }
    if tag.chars().count() > MAX_LANGUAGE_CHARS {
        return fail("is longer than 35 characters");
    }
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or_default();
    if !(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic()) {
        return fail("must start with a 2 or 3 letter language code, as in en or pt-BR");
    }
    if !parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric())) {
        return fail("must be a language tag such as en, fr-CA or pt-BR");
    }
    Ok(match tag.split_once('-') {
        Some((language, rest)) => format!("{}-{rest}", language.to_ascii_lowercase()),
        None => tag.to_ascii_lowercase(),
    })
}

/// An IANA time zone name that this build knows, such as `Europe/Paris`.
pub fn parse_time_zone(raw: &str) -> Result<String, ValueError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(ValueError::new(
            "time_zone",
            "must not be empty (leave it out to say nothing)",
        ));
    }
    match jiff::tz::TimeZone::get(name) {
        Ok(_) => Ok(name.to_owned()),
        Err(_) => Err(ValueError::new(
            "time_zone",
            format!("{name:?} is not an IANA time zone such as Europe/Paris"),
        )),
    }
}

/// The address an erased person's record keeps: unique, and in a domain reserved never to
/// exist (RFC 2606 `.invalid`), so no mail can reach it and no sign-up can take it.
pub fn erased_email(id: PersonId) -> Email {
    Email::parse(&format!("erased-{}@erased.invalid", id.0))
        .expect("a tombstone address is a valid email")
}

/// The address a merged duplicate keeps (its real addresses moved to the kept customer).
pub fn merged_email(id: PersonId) -> Email {
    Email::parse(&format!("merged-{}@merged.invalid", id.0))
        .expect("a tombstone address is a valid email")
}

pub fn erased_name() -> Name {
    Name::parse("Erased customer").expect("a valid name")
}

pub fn merged_name() -> Name {
    Name::parse("Merged customer").expect("a valid name")
}

/// The kinds of event whose payload can carry a person's personal data (name, address,
/// words): what an erasure reads back and rewrites.
pub const KINDS_WITH_PERSONAL_DATA: &[EventKind] = &[
    EventKind::PersonCreated,
    EventKind::PersonUpdated,
    EventKind::AddressAdded,
    EventKind::AddressRemoved,
    EventKind::AddressVerified,
    EventKind::MailBouncing,
    EventKind::MailBounceCleared,
    EventKind::FeelingPraised,
    EventKind::AttachmentAdded,
];

/// The payload of an earlier event with `person`'s personal data replaced by the tombstone's,
/// or `None` when it carries none of theirs. `cases` are the person's cases: a praise quote
/// on one of them is their words. Ids, times, scores and kinds stay: the figures and the
/// history of who did what are kept, anonymously.
pub fn scrub(
    kind: EventKind,
    payload: &Value,
    person: PersonId,
    tombstone: &Email,
    cases: &[CaseId],
) -> Option<Payload> {
    let decoded = Payload::decode(kind, payload).ok()?;
    match decoded {
        Payload::PersonCreated(mut p) | Payload::PersonUpdated(mut p) if p.person_id == person => {
            p.email = tombstone.clone();
            p.name = erased_name();
            Some(if kind == EventKind::PersonCreated {
                Payload::PersonCreated(p)
            } else {
                Payload::PersonUpdated(p)
            })
        }
        Payload::AddressAdded(mut p) if p.person_id == person => {
            p.address = tombstone.clone();
            Some(Payload::AddressAdded(p))
        }
        Payload::AddressVerified(mut p) if p.person_id == person => {
            p.address = tombstone.clone();
            Some(Payload::AddressVerified(p))
        }
        Payload::AddressRemoved(mut p) if p.person_id == person => {
            p.address = tombstone.clone();
            Some(Payload::AddressRemoved(p))
        }
        Payload::MailBouncing(mut p) if p.person_id == person => {
            p.address = tombstone.clone();
            // A server's diagnostic usually repeats the address.
            p.reason = ERASED_TEXT.to_owned();
            Some(Payload::MailBouncing(p))
        }
        Payload::MailBounceCleared(mut p) if p.person_id == person => {
            p.address = tombstone.clone();
            Some(Payload::MailBounceCleared(p))
        }
        Payload::AttachmentAdded(mut p) if p.uploader_id == person => {
            p.name = erased_file_name();
            Some(Payload::AttachmentAdded(p))
        }
        Payload::FeelingPraised(mut p) if cases.contains(&p.case_id) => {
            p.quote = ERASED_TEXT.to_owned();
            Some(Payload::FeelingPraised(p))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_read_loosely_and_checked() {
        assert_eq!(parse_language("EN").unwrap(), "en");
        assert_eq!(parse_language(" pt_BR ").unwrap(), "pt-BR");
        assert_eq!(parse_language("zh-Hant-TW").unwrap(), "zh-Hant-TW");
        for bad in ["", "e", "english", "en--GB", "en-GB!", "12"] {
            assert!(parse_language(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn time_zones_must_be_known_iana_names() {
        assert_eq!(parse_time_zone("Europe/Paris").unwrap(), "Europe/Paris");
        let err = parse_time_zone("Mars/Olympus").unwrap_err();
        assert_eq!(err.field, "time_zone");
        assert!(parse_time_zone("").is_err());
    }

    #[test]
    fn tombstone_addresses_are_unique_and_unreachable() {
        let (a, b) = (PersonId::new(), PersonId::new());
        assert_ne!(erased_email(a), erased_email(b));
        assert!(erased_email(a).as_str().ends_with(".invalid"));
        assert!(merged_email(a).as_str().ends_with(".invalid"));
    }

    #[test]
    fn scrubbing_replaces_the_persons_data_and_nothing_else() {
        let me = PersonId::new();
        let tomb = erased_email(me);
        for payload in Payload::examples() {
            let kind = payload.kind();
            let json = payload.to_json();
            // The examples name other people: nothing of theirs is touched.
            assert_eq!(scrub(kind, &json, me, &tomb, &[]), None, "{kind}");
        }
        let added = Payload::AddressAdded(crate::event::AddressAdded {
            person_id: me,
            address: Email::parse("me@example.com").unwrap(),
            verified: true,
        });
        let Some(Payload::AddressAdded(scrubbed)) =
            scrub(added.kind(), &added.to_json(), me, &tomb, &[])
        else {
            panic!("scrubbed");
        };
        assert_eq!(scrubbed.address, tomb);
        assert!(scrubbed.verified);
    }
}
