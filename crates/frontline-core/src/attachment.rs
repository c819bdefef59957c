//! Files on messages: what an attachment is, and the name it is kept and served under.
//!
//! The bytes live in the store's blob storage, addressed by their SHA-256; this module only
//! names them. A file is first an *upload* (bytes kept, attached to nothing, swept after a
//! day) and becomes an *attachment* when a message names it, in that message's transaction.
//! Who may read it follows the message: an internal note's files are staff-only.

use serde::{Deserialize, Serialize};

use crate::case::Visibility;
use crate::ids::{AttachmentId, CaseId, MessageId, PersonId};
use crate::time::Timestamp;
use crate::values::ValueError;

/// The longest file name kept, in characters (the extension is kept when cutting).
pub const MAX_FILE_NAME_CHARS: usize = 200;

/// A file name safe to store and to send back in `Content-Disposition`: the last path
/// component only (no `../`, no drive or directory), no control characters, none of the
/// characters Windows refuses, no leading dots (no hidden files), at most
/// `MAX_FILE_NAME_CHARS`. Parsing refuses a name that is empty after cleaning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FileName(String);

impl FileName {
    pub fn parse(raw: &str) -> Result<FileName, ValueError> {
        let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let cleaned: String = last
            .chars()
            .map(|c| match c {
                '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
                c if c.is_control() => '_',
                c => c,
            })
            .collect();
        let trimmed = cleaned
            .trim_matches(|c: char| c.is_whitespace() || c == '.')
            .to_owned();
        if trimmed.is_empty() || trimmed.chars().all(|c| c == '_') {
            return Err(ValueError::new(
                "name",
                format!(
                    "{raw:?} is not a usable file name; send the file's own name, such as photo.jpg"
                ),
            ));
        }
        Ok(FileName(cut(&trimmed)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The extension in lower case, without its dot (`"png"`), if the name has one.
    pub fn extension(&self) -> Option<String> {
        let (stem, ext) = self.0.rsplit_once('.')?;
        (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
    }
}

/// Cut a long name to `MAX_FILE_NAME_CHARS`, keeping a short extension.
fn cut(name: &str) -> String {
    if name.chars().count() <= MAX_FILE_NAME_CHARS {
        return name.to_owned();
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| e.chars().count() <= 10)
        .map(|e| format!(".{e}"))
        .unwrap_or_default();
    let keep = MAX_FILE_NAME_CHARS - ext.chars().count();
    let stem: String = name.chars().take(keep).collect();
    format!("{stem}{ext}")
}

impl TryFrom<String> for FileName {
    type Error = ValueError;
    fn try_from(raw: String) -> Result<Self, ValueError> {
        FileName::parse(&raw)
    }
}

impl From<FileName> for String {
    fn from(name: FileName) -> String {
        name.0
    }
}

impl std::fmt::Display for FileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Types a browser may show in place (from the sandboxed inline path only). Never SVG or
/// HTML: they carry script.
pub fn shown_inline(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "application/pdf"
    )
}

/// Types a preview (thumbnail) is made of.
pub fn has_preview(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// A size in words, for people: `"512 B"`, `"12 KB"`, `"25 MB"`, `"1.5 MB"`. Binary units
/// (1 KB = 1,024 bytes, as file managers count), one decimal at most, and none when it is 0:
/// a limit of 25 MiB reads "25 MB", not "25.0 MB".
pub fn size_in_words(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    // Tenths of the unit, rounded half up, in integers (no float formatting to trim); a size
    // that rounds up to 1024 of a unit reads as 1 of the next.
    let mut tenths = (u128::from(bytes) * 10 + 512) / 1024;
    let mut units = ["KB", "MB", "GB", "TB"].into_iter().peekable();
    let mut unit = units.next().unwrap_or("KB");
    while tenths >= 10 * 1024 {
        let Some(next) = units.next() else { break };
        tenths = (tenths + 512) / 1024;
        unit = next;
    }
    match (tenths / 10, tenths % 10) {
        (whole, 0) => format!("{whole} {unit}"),
        (whole, tenth) => format!("{whole}.{tenth} {unit}"),
    }
}

/// Is this a SHA-256 in lower-case hex, as blobs are named?
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Where an attachment is: on a message (with the message's visibility), or not yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedTo {
    pub case_id: CaseId,
    pub message_id: MessageId,
    pub visibility: Visibility,
    pub at: Timestamp,
}

/// A deleted attachment's tombstone: the bytes are gone, who and why are kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletion {
    pub by: PersonId,
    pub at: Timestamp,
    pub reason: String,
}

/// A file kept by Frontline: an upload, or (with `attached`) an attachment of a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub name: FileName,
    /// Sniffed from the bytes when it was uploaded, never the client's word.
    pub content_type: String,
    pub size: u64,
    /// Lower-case hex; names the bytes in blob storage.
    pub sha256: String,
    pub uploader_id: PersonId,
    pub created_at: Timestamp,
    pub attached: Option<AttachedTo>,
    pub deleted: Option<Deletion>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_without_a_trailing_zero_and_with_one_decimal_when_fractional() {
        use super::size_in_words;
        assert_eq!(size_in_words(0), "0 B");
        assert_eq!(size_in_words(1023), "1023 B");
        assert_eq!(size_in_words(1024), "1 KB");
        assert_eq!(size_in_words(1536), "1.5 KB");
        assert_eq!(size_in_words(25 * 1024 * 1024), "25 MB");
        assert_eq!(size_in_words(50 * 1024 * 1024), "50 MB");
        assert_eq!(size_in_words(3 * 1024 * 1024 / 2), "1.5 MB");
        assert_eq!(size_in_words(48_213), "47.1 KB");
        // Rounded to the nearest tenth: just under 2 MB reads 2 MB, not 2.0 MB.
        assert_eq!(size_in_words(2 * 1024 * 1024 - 1), "2 MB");
        assert_eq!(size_in_words(1024 * 1024 - 1), "1 MB");
        assert_eq!(size_in_words(5 * 1024 * 1024 * 1024), "5 GB");
        assert_eq!(size_in_words(u64::MAX), "16777216 TB");
    }

    use super::*;

    #[test]
    fn a_path_keeps_only_its_last_component() {
        assert_eq!(
            FileName::parse("../../etc/passwd").unwrap().as_str(),
            "passwd"
        );
        assert_eq!(
            FileName::parse("C:\\Users\\ann\\report.pdf")
                .unwrap()
                .as_str(),
            "report.pdf"
        );
    }

    #[test]
    fn names_that_are_nothing_after_cleaning_are_refused() {
        for raw in ["", "   ", "..", "../", "a/..", "\u{0}", "???", "/"] {
            assert!(FileName::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn control_and_reserved_characters_and_leading_dots_go() {
        let name = FileName::parse(".hidden\r\nname\"x\".txt").unwrap();
        assert_eq!(name.as_str(), "hidden__name_x_.txt");
        assert_eq!(name.extension().as_deref(), Some("txt"));
    }

    #[test]
    fn a_long_name_is_cut_keeping_its_extension() {
        let long = format!("{}.jpeg", "é".repeat(500));
        let name = FileName::parse(&long).unwrap();
        assert_eq!(name.as_str().chars().count(), MAX_FILE_NAME_CHARS);
        assert!(name.as_str().ends_with(".jpeg"));
    }

    #[test]
    fn sha256_names_are_lower_case_hex_of_64() {
        assert!(is_sha256_hex(&"a".repeat(64)));
        assert!(!is_sha256_hex(&"A".repeat(64)));
        assert!(!is_sha256_hex("../x"));
    }
}
