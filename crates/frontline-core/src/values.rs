//! Validated values, parsed at the edge ("parse, don't validate"): once a `Subject` or an
//! `Email` exists it is known to be well-formed, so nothing below the edge checks again.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// Why a value was refused, naming the field so an API error can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ValueError {
    pub field: &'static str,
    pub reason: String,
}

impl ValueError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

pub(crate) fn bounded_text(
    field: &'static str,
    raw: &str,
    max_chars: usize,
) -> Result<String, ValueError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ValueError::new(field, "must not be empty"));
    }
    let count = trimmed.chars().count();
    if count > max_chars {
        return Err(ValueError::new(
            field,
            format!("is {count} characters long; the limit is {max_chars}"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ValueError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, ValueError> {
                bounded_text($field, raw, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

text_value!(
    /// A person's or team's display name.
    Name, "name", 200
);
text_value!(
    /// A case subject: one line saying what the customer wants.
    Subject, "subject", 300
);
text_value!(
    /// The text of a message.
    MessageBody, "body", 50_000
);
text_value!(
    /// What an employee asks a support employee for.
    AskText, "text", 4_000
);

/// An email address, lower-cased. Deliberately loose (one `@`, no spaces, a dot in the
/// domain): the only real check of an address is mail reaching it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let email = raw.trim().to_lowercase();
        let fail = |why: &str| Err(ValueError::new("email", why.to_owned()));
        if email.is_empty() {
            return fail("must not be empty");
        }
        if email.len() > 254 {
            return fail("is longer than 254 characters");
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return fail("must not contain spaces");
        }
        let Some((local, domain)) = email.split_once('@') else {
            return fail("must contain an @, as in name@example.com");
        };
        if local.is_empty() || domain.contains('@') {
            return fail("must have exactly one @ with a name before it");
        }
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return fail("must have a domain such as example.com after the @");
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

pub(crate) fn slug(
    field: &'static str,
    raw: &str,
    max: usize,
    extra: &[char],
) -> Result<String, ValueError> {
    let value = raw.trim().to_lowercase();
    if value.is_empty() {
        return Err(ValueError::new(field, "must not be empty"));
    }
    if value.len() > max {
        return Err(ValueError::new(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    if !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(ValueError::new(field, "must start with a letter or digit"));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || extra.contains(c)))
    {
        return Err(ValueError::new(
            field,
            format!("may contain only a-z, 0-9, '_' and '-', not {bad:?}"),
        ));
    }
    Ok(value)
}

/// The key of an outcome, e.g. `order_arrives_right`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct OutcomeKey(String);

impl OutcomeKey {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        slug("outcome", raw, 64, &[]).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OutcomeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OutcomeKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The key of a decision kind, e.g. `refund` or `goodwill_credit`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DecisionKindKey(String);

impl DecisionKindKey {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        slug("kind", raw, 64, &[]).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DecisionKindKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DecisionKindKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A case tag, lower-case, e.g. `vip` or `carrier:dhl`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Tag(String);

impl Tag {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        slug("tags", raw, 40, &[':', '.']).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A case's tags: sorted, without duplicates, at most 20.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Tags(Vec<Tag>);

impl Tags {
    pub const MAX: usize = 20;

    pub fn new(mut tags: Vec<Tag>) -> Result<Self, ValueError> {
        tags.sort();
        tags.dedup();
        if tags.len() > Self::MAX {
            return Err(ValueError::new(
                "tags",
                format!("at most {} tags per case", Self::MAX),
            ));
        }
        Ok(Self(tags))
    }

    pub fn parse_all<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Self, ValueError> {
        Self::new(raw.into_iter().map(Tag::parse).collect::<Result<_, _>>()?)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Tag> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The stored form: tags joined by spaces (tags cannot contain spaces).
    pub fn to_storage(&self) -> String {
        self.0.iter().map(Tag::as_str).collect::<Vec<_>>().join(" ")
    }

    /// Read the stored form back; anything unparsable is dropped rather than failing a read.
    pub fn from_storage(stored: &str) -> Self {
        Self(
            stored
                .split_whitespace()
                .filter_map(|t| Tag::parse(t).ok())
                .collect(),
        )
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new(Vec::<Tag>::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The human-readable case handle, shown as `FL-1042`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseNumber(pub i64);

impl CaseNumber {
    pub const PREFIX: &'static str = "FL-";
    /// The first number handed out, so numbers look established from day one.
    pub const FIRST: i64 = 1001;
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::PREFIX, self.0)
    }
}

impl FromStr for CaseNumber {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let digits = s
            .strip_prefix(Self::PREFIX)
            .or_else(|| s.strip_prefix("fl-"))
            .unwrap_or(s);
        digits
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Self)
            .ok_or_else(|| {
                ValueError::new("number", format!("{s:?} is not a case number like FL-1042"))
            })
    }
}

impl Serialize for CaseNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CaseNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn email_without_at_or_domain_is_refused_with_a_reason() {
        assert!(Email::parse("ada").unwrap_err().reason.contains("@"));
        assert!(
            Email::parse("ada@localhost")
                .unwrap_err()
                .reason
                .contains("domain")
        );
        assert!(Email::parse("a@b@c.com").is_err());
        assert!(Email::parse("a b@c.com").is_err());
    }

    #[test]
    fn subject_must_not_be_blank_or_too_long() {
        assert!(Subject::parse("   ").is_err());
        let long = "x".repeat(Subject::MAX_CHARS + 1);
        assert!(Subject::parse(&long).unwrap_err().reason.contains("limit"));
        assert_eq!(
            Subject::parse(" Parcel late ").unwrap().as_str(),
            "Parcel late"
        );
    }

    #[test]
    fn tags_are_sorted_and_deduplicated() {
        let tags = Tags::parse_all(["vip", "Carrier:DHL", "vip"]).unwrap();
        assert_eq!(tags.to_storage(), "carrier:dhl vip");
        assert_eq!(Tags::from_storage(&tags.to_storage()), tags);
        assert!(Tags::parse_all(["no spaces"]).is_err());
    }

    #[test]
    fn case_numbers_read_with_or_without_prefix() {
        assert_eq!("FL-1042".parse::<CaseNumber>().unwrap(), CaseNumber(1042));
        assert_eq!("1042".parse::<CaseNumber>().unwrap(), CaseNumber(1042));
        assert_eq!(CaseNumber(7).to_string(), "FL-7");
        assert!("FL-x".parse::<CaseNumber>().is_err());
        assert!("-3".parse::<CaseNumber>().is_err());
    }

    #[test]
    fn outcome_keys_are_slugs() {
        assert_eq!(
            OutcomeKey::parse("Order_Arrives").unwrap().as_str(),
            "order_arrives"
        );
        assert!(OutcomeKey::parse("_x").is_err());
        assert!(OutcomeKey::parse("a b").is_err());
    }
}
