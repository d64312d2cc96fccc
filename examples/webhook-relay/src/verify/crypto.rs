//! HMAC, constant-time comparison, signature decoding and the freshness window.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Encoding, VerifyError};

type HmacSha256 = Hmac<Sha256>;

/// A raw HMAC-SHA256 tag.
pub(super) type Tag = [u8; 32];

/// A configured secret in the form verification needs; it never hands its bytes back out.
#[derive(Clone)]
pub(super) enum Key {
    /// Pre-keyed: cloning this per request skips re-deriving the padded key blocks.
    Mac(HmacSha256),
    /// SHA-256 of a shared token. Comparing digests rather than the tokens keeps the comparison
    /// fixed-length, so its timing does not even reveal the token's length.
    Token(Tag),
}

impl Key {
    pub(super) fn mac(key: &[u8]) -> Self {
        Key::Mac(keyed(key))
    }

    pub(super) fn token(token: &[u8]) -> Self {
        Key::Token(Sha256::digest(token).into())
    }

    /// Whether any of `candidates` is this key's tag over `prefix` then `body`.
    pub(super) fn signed(&self, prefix: &[u8], body: &[u8], candidates: &[Vec<u8>]) -> bool {
        match self {
            Key::Mac(mac) => {
                let expected = tag(mac, prefix, body);
                candidates.iter().any(|c| bool::from(c.as_slice().ct_eq(&expected)))
            }
            Key::Token(_) => false,
        }
    }

    /// Whether `presented` is this shared token.
    pub(super) fn is_token(&self, presented: &[u8]) -> bool {
        match self {
            Key::Token(digest) => {
                let presented: Tag = Sha256::digest(presented).into();
                bool::from(presented.ct_eq(digest))
            }
            Key::Mac(_) => false,
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// HMAC-SHA256 of `prefix` then `body` under `key` (any length is valid for HMAC).
pub(super) fn sign_bytes(key: &[u8], prefix: &[u8], body: &[u8]) -> Tag {
    tag(&keyed(key), prefix, body)
}

fn keyed(key: &[u8]) -> HmacSha256 {
    <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

fn tag(mac: &HmacSha256, prefix: &[u8], body: &[u8]) -> Tag {
    // Feeding the prefix and the body separately avoids copying a large body.
    let mut mac = mac.clone();
    mac.update(prefix);
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// The bytes of a presented signature, or `None` when it is not valid in `encoding` (which
/// then simply matches nothing).
pub(super) fn decode(encoding: Encoding, text: &str) -> Option<Vec<u8>> {
    match encoding {
        Encoding::Hex => hex::decode(text).ok(),
        Encoding::Base64 => BASE64.decode(text).ok(),
    }
}

pub(super) fn encode(encoding: Encoding, tag: &Tag) -> String {
    match encoding {
        Encoding::Hex => hex::encode(tag),
        Encoding::Base64 => BASE64.encode(tag),
    }
}

pub(super) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    BASE64.decode(text).ok()
}

/// A Unix time in seconds written as plain ASCII digits. Signs, spaces and fractions are
/// refused because the sender signed the digits exactly as written.
pub(super) fn parse_unix_secs(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Accepts `timestamp` within `tolerance_secs` of `now` on either side, bounds included.
pub(super) fn check_freshness(
    timestamp: i64,
    now: i64,
    tolerance_secs: u64,
) -> Result<(), VerifyError> {
    let age = i128::from(now) - i128::from(timestamp);
    let tolerance = i128::from(tolerance_secs);
    let saturate = |secs: i128| u64::try_from(secs.unsigned_abs()).unwrap_or(u64::MAX);
    if age > tolerance {
        Err(VerifyError::TimestampTooOld { age_secs: saturate(age), tolerance_secs })
    } else if -age > tolerance {
        Err(VerifyError::TimestampInFuture { ahead_secs: saturate(age), tolerance_secs })
    } else {
        Ok(())
    }
}
