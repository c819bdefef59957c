//! The rating link's token: a case id and an expiry, signed with HMAC-SHA256 under a key the
//! store keeps (`Store::signing_key`), so any node verifies any node's links and nothing is
//! stored per link. "Once per case" is the store's rule (a second rating is a conflict), so a
//! token needs no state of its own.
//!
//! Layout, base64url without padding: version (1 byte, 1) · case id (16) · expiry in unix
//! seconds (8, big-endian) · MAC over the first 25 bytes (32). Verification compares MACs in
//! constant time (`Mac::verify_slice`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use frontline_core::{CaseId, Timestamp};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const VERSION: u8 = 1;
const SIGNED_LEN: usize = 1 + 16 + 8;
const TOKEN_LEN: usize = SIGNED_LEN + 32;

/// How long a rating link works after it is made.
pub const LINK_VALID_FOR: std::time::Duration = std::time::Duration::from_secs(14 * 24 * 60 * 60);

/// Why a token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// Not a token we made: wrong length, wrong version or a MAC that does not match.
    Forged,
    /// Ours, for this case, but past its expiry.
    Expired {
        case_id: CaseId,
        expired_at: Timestamp,
    },
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; this cannot fail.
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

/// A token for `case_id` that works until `expires_at` (to the second).
pub fn issue(key: &[u8], case_id: CaseId, expires_at: Timestamp) -> String {
    let mut bytes = Vec::with_capacity(TOKEN_LEN);
    bytes.push(VERSION);
    bytes.extend_from_slice(case_id.0.as_bytes());
    bytes.extend_from_slice(&expires_at.as_second().to_be_bytes());
    let mut m = mac(key);
    m.update(&bytes);
    bytes.extend_from_slice(&m.finalize().into_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The case a token names, if it is genuine and not expired at `now`.
pub fn verify(key: &[u8], token: &str, now: Timestamp) -> Result<CaseId, LinkError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| LinkError::Forged)?;
    if bytes.len() != TOKEN_LEN || bytes[0] != VERSION {
        return Err(LinkError::Forged);
    }
    let (signed, tag) = bytes.split_at(SIGNED_LEN);
    let mut m = mac(key);
    m.update(signed);
    m.verify_slice(tag).map_err(|_| LinkError::Forged)?;
    let id = uuid::Uuid::from_slice(&signed[1..17]).map_err(|_| LinkError::Forged)?;
    let seconds = i64::from_be_bytes(signed[17..25].try_into().map_err(|_| LinkError::Forged)?);
    let expires_at = Timestamp::from_second(seconds).map_err(|_| LinkError::Forged)?;
    let case_id = CaseId(id);
    if now >= expires_at {
        return Err(LinkError::Expired {
            case_id,
            expired_at: expires_at,
        });
    }
    Ok(case_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontline_core::time::from_millis;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_token_names_its_case_until_it_expires() {
        let case = CaseId::new();
        let expires = from_millis(2_000_000_000_000);
        let token = issue(KEY, case, expires);
        assert_eq!(token.len(), 76);
        assert_eq!(
            verify(KEY, &token, from_millis(1_999_999_999_000)),
            Ok(case)
        );
        assert_eq!(
            verify(KEY, &token, expires),
            Err(LinkError::Expired {
                case_id: case,
                expired_at: expires
            })
        );
    }

    #[test]
    fn altered_or_foreign_tokens_are_forged() {
        let case = CaseId::new();
        let token = issue(KEY, case, from_millis(2_000_000_000_000));
        let now = from_millis(0);
        assert_eq!(verify(b"another key", &token, now), Err(LinkError::Forged));
        // Push the expiry out by changing one byte of it: the MAC no longer matches.
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        bytes[20] ^= 0x40;
        let stretched = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(verify(KEY, &stretched, now), Err(LinkError::Forged));
        for junk in ["", "abc", "!!!!", &token[..40]] {
            assert_eq!(verify(KEY, junk, now), Err(LinkError::Forged), "{junk:?}");
        }
    }
}
