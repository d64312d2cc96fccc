//! The envelope: what the relay publishes for each webhook, as one JSON message.
//!
//! ```json
//! {"id":"wh_3f1c…","source":"github","provider":"github","event_type":"push",
//!  "delivery_id":"72d3162e-…","received_at":"2025-01-01T12:00:00.000Z",
//!  "headers":{"content-type":"application/json","x-github-event":"push"},
//!  "content_type":"application/json","body":{"text":"{\"zen\":\"…\"}"}}
//! ```
//!
//! `body` is `{"text": …}` for UTF-8 bodies and `{"base64": …}` (standard, padded) otherwise. A
//! Momento message holds at most 4 KB, so when the envelope would be larger the body goes to the
//! Momento cache and the envelope carries a pointer instead — a claim-check:
//! `"claim_check":{"cache":"default-cache","key":"claim:wh_3f1c…:9b1d…","bytes":51234,"sha256":"…"}`
//! (the key is the envelope id and 16 hex digits of the body's SHA-256, so two different bodies
//! under one delivery id never share a key).
//! Fetch it with the cache API (`GET /cache/{cache}?key=…`), [`crate::relay::resolve_body`], or
//! the relay's `GET /claims/{cache}/{key}`.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::reply::RelayError;

/// Largest message Momento accepts, and so the largest inline envelope.
pub const MAX_MESSAGE_BYTES: usize = momento_topics_worker::DEFAULT_MAX_MESSAGE_BYTES;

/// Longest `event_type` and `delivery_id` carried in an envelope, in bytes; with the header
/// limits this keeps a claim-checked envelope under [`MAX_MESSAGE_BYTES`].
pub const MAX_META_BYTES: usize = 128;

/// Every claim-check key starts with this, so the claims endpoint can serve nothing else.
pub const CLAIM_KEY_PREFIX: &str = "claim:";
/// Hex digits of the body's SHA-256 in a claim-check key.
pub const CLAIM_KEY_HASH_HEX: usize = 16;

/// A relayed webhook. See the module docs for the JSON form.
///
/// ```
/// use webhook_relay::envelope::{Body, Envelope};
/// let json = r#"{"id":"wh_1","source":"gh","provider":"github","received_at":"2025-01-01T00:00:00.000Z",
///                "body":{"text":"hi"}}"#;
/// let envelope = Envelope::parse(json).unwrap();
/// assert_eq!(envelope.body, Some(Body::Text("hi".into())));
/// assert_eq!(envelope.inline_body().unwrap().unwrap(), b"hi");
/// assert!(envelope.claim_check.is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Unique per delivery, and the same for every retry of a delivery that carries an id: see
    /// [`envelope_id`].
    pub id: String,
    /// The source's configured name.
    pub source: String,
    /// The provider kind (`github`, `stripe`, `slack`, `shopify`, `standard-webhooks`,
    /// `generic`).
    pub provider: String,
    /// The verified event type, when the request names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// The provider's delivery id, when it sends one (the dedupe key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_id: Option<String>,
    /// When the relay received the request (RFC 3339, UTC, milliseconds).
    pub received_at: String,
    /// Selected request headers (see [`crate::headers`]), lower-case names.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The request's `Content-Type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The body, unless it was claim-checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// Where the body is, when it was too large to travel inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_check: Option<ClaimCheck>,
}

/// A body carried inline.
///
/// ```
/// use webhook_relay::envelope::Body;
/// assert_eq!(Body::from_bytes(b"{}"), Body::Text("{}".into()));
/// assert_eq!(Body::from_bytes(&[0xff, 0]), Body::Base64("/wA=".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Body {
    /// A UTF-8 body.
    Text(String),
    /// Any other body, standard base64 with padding.
    Base64(String),
}

impl Body {
    /// Text when `bytes` are UTF-8, else base64.
    ///
    /// ```
    /// # use webhook_relay::envelope::Body;
    /// assert!(matches!(Body::from_bytes("é".as_bytes()), Body::Text(_)));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Body {
        match std::str::from_utf8(bytes) {
            Ok(text) => Body::Text(text.to_owned()),
            Err(_) => Body::Base64(BASE64.encode(bytes)),
        }
    }

    /// The body's bytes, or `None` when its base64 is invalid.
    ///
    /// ```
    /// # use webhook_relay::envelope::Body;
    /// assert_eq!(Body::Base64("/wA=".into()).to_bytes(), Some(vec![0xff, 0]));
    /// assert_eq!(Body::Base64("!".into()).to_bytes(), None);
    /// ```
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Body::Text(text) => Some(text.as_bytes().to_vec()),
            Body::Base64(encoded) => BASE64.decode(encoded).ok(),
        }
    }
}

/// Where a claim-checked body is stored, and how to check it was fetched intact.
///
/// ```
/// use webhook_relay::envelope::ClaimCheck;
/// let claim = ClaimCheck::for_body("default-cache", "wh_1", b"big body");
/// assert_eq!(claim.key, format!("claim:wh_1:{}", &claim.sha256[..16]));
/// assert_eq!(claim.bytes, 8);
/// assert!(claim.matches(b"big body"));
/// assert!(!claim.matches(b"big bodY"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimCheck {
    /// The Momento cache holding the body.
    pub cache: String,
    /// Its key in that cache.
    pub key: String,
    /// The body's length.
    pub bytes: usize,
    /// SHA-256 of the body, lower-case hex.
    pub sha256: String,
}

impl ClaimCheck {
    /// The claim-check for `body` of the envelope `id`, stored in `cache` under
    /// `claim:{id}:{first 16 hex digits of SHA-256(body)}`. The envelope id depends only on the
    /// source and the delivery id, so without the hash a second, different body sent with the
    /// same delivery id would overwrite the first one's claim-check.
    ///
    /// ```
    /// # use webhook_relay::envelope::ClaimCheck;
    /// let claim = ClaimCheck::for_body("c", "wh_2", b"");
    /// assert_eq!(claim.sha256.len(), 64);
    /// assert_eq!(claim.key, "claim:wh_2:e3b0c44298fc1c14"); // SHA-256 of nothing
    /// ```
    pub fn for_body(cache: &str, id: &str, body: &[u8]) -> ClaimCheck {
        let sha256 = hex::encode(Sha256::digest(body));
        ClaimCheck {
            cache: cache.to_owned(),
            key: format!("{CLAIM_KEY_PREFIX}{id}:{}", &sha256[..CLAIM_KEY_HASH_HEX]),
            bytes: body.len(),
            sha256,
        }
    }

    /// Whether `fetched` is the body this claim-check was made for.
    ///
    /// ```
    /// # use webhook_relay::envelope::ClaimCheck;
    /// assert!(ClaimCheck::for_body("c", "i", b"x").matches(b"x"));
    /// ```
    pub fn matches(&self, fetched: &[u8]) -> bool {
        fetched.len() == self.bytes && hex::encode(Sha256::digest(fetched)) == self.sha256
    }
}

/// A message ready to publish, and the cache write that must succeed before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// The envelope's JSON, at most [`MAX_MESSAGE_BYTES`].
    pub message: String,
    /// Set when the body must first be stored under this claim-check.
    pub claim: Option<ClaimCheck>,
}

impl Envelope {
    /// Parses an envelope received from a topic.
    ///
    /// ```
    /// # use webhook_relay::envelope::Envelope;
    /// assert!(Envelope::parse("not json").is_err());
    /// ```
    pub fn parse(json: &str) -> Result<Envelope, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// Whether `text` looks like an envelope (a JSON object with string `id`, `source`,
    /// `provider` and `received_at`) without building one: what the SSE bridge needs to tell
    /// webhooks from other messages, at a fraction of the code a full parse brings into the wasm.
    ///
    /// ```
    /// # use webhook_relay::envelope::Envelope;
    /// assert!(Envelope::is_envelope(r#"{"id":"wh_1","source":"s","provider":"p","received_at":"t","x":[1]}"#));
    /// assert!(!Envelope::is_envelope(r#"{"id":"wh_1"}"#));
    /// assert!(!Envelope::is_envelope("hello"));
    /// ```
    pub fn is_envelope(text: &str) -> bool {
        #[derive(Deserialize)]
        #[allow(dead_code)] // only whether it parses matters
        struct Probe<'a> {
            #[serde(borrow)]
            id: std::borrow::Cow<'a, str>,
            #[serde(borrow)]
            source: std::borrow::Cow<'a, str>,
            #[serde(borrow)]
            provider: std::borrow::Cow<'a, str>,
            #[serde(borrow)]
            received_at: std::borrow::Cow<'a, str>,
        }
        serde_json::from_str::<Probe<'_>>(text).is_ok()
    }

    /// The inline body's bytes: `None` when the body was claim-checked (or absent),
    /// `Some(None)` when its base64 is invalid.
    ///
    /// ```
    /// # use webhook_relay::envelope::{Body, Envelope};
    /// # let mut e = Envelope::parse(r#"{"id":"i","source":"s","provider":"p","received_at":"t"}"#).unwrap();
    /// assert_eq!(e.inline_body(), None);
    /// e.body = Some(Body::Base64("AQI=".into()));
    /// assert_eq!(e.inline_body(), Some(Some(vec![1, 2])));
    /// ```
    pub fn inline_body(&self) -> Option<Option<Vec<u8>>> {
        self.body.as_ref().map(Body::to_bytes)
    }

    /// Serialises the envelope for publishing. When it is over `limit` bytes, the body moves
    /// to a claim-check in `cache` and, should that still be too large (very long header
    /// values), the headers are dropped too. `raw_body` is the request body: `self.body` holds
    /// it, or is `None` when `raw_body` alone is over `limit` — such a body could never travel
    /// inline (its JSON form is at least as long), so it goes straight to a claim-check without
    /// ever being serialised inline.
    ///
    /// ```
    /// use webhook_relay::envelope::{Body, Envelope};
    /// let mut e = Envelope::parse(r#"{"id":"wh_1","source":"s","provider":"p","received_at":"t"}"#).unwrap();
    /// let big = vec![b'x'; 5000];
    /// e.body = Some(Body::from_bytes(&big));
    /// let out = e.into_message(&big, "default-cache", 4096).unwrap();
    /// let claim = out.claim.expect("claim-checked");
    /// assert!(claim.key.starts_with("claim:wh_1:") && claim.bytes == 5000);
    /// assert!(out.message.len() < 4096 && !out.message.contains("xxxx"));
    /// ```
    pub fn into_message(
        mut self,
        raw_body: &[u8],
        cache: &str,
        limit: usize,
    ) -> Result<Outgoing, RelayError> {
        if raw_body.len() <= limit {
            let inline = self.to_json();
            if inline.len() <= limit {
                return Ok(Outgoing { message: inline, claim: None });
            }
        }
        let claim = ClaimCheck::for_body(cache, &self.id, raw_body);
        self.body = None;
        self.claim_check = Some(claim.clone());
        let mut message = self.to_json();
        if message.len() > limit {
            self.headers.clear();
            message = self.to_json();
        }
        if message.len() > limit {
            return Err(RelayError::Config(format!(
                "the envelope is {} bytes even without its body and headers; the message limit \
                 is {limit}",
                message.len()
            )));
        }
        Ok(Outgoing { message, claim: Some(claim) })
    }

    fn to_json(&self) -> String {
        // Strings, maps and numbers only: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The envelope id: `wh_` and 24 hex digits of SHA-256.
///
/// With a delivery id it is derived from `(source, delivery_id)` alone, so a delivery retried
/// after a failure the relay could not see (a lost answer, a dedupe record that could not be
/// written) carries the same id and consumers can drop the repeat. Without one it is derived from
/// the time, a random `nonce` from the edge and the body.
///
/// ```
/// use webhook_relay::envelope::envelope_id;
/// let a = envelope_id("gh", Some("d-1"), 1, 2, b"x");
/// assert_eq!(a, envelope_id("gh", Some("d-1"), 99, 98, b"y"));
/// assert_ne!(a, envelope_id("other", Some("d-1"), 1, 2, b"x"));
/// assert_ne!(envelope_id("gh", None, 1, 2, b"x"), envelope_id("gh", None, 1, 3, b"x"));
/// assert_eq!(a.len(), 27);
/// ```
pub fn envelope_id(
    source: &str,
    delivery_id: Option<&str>,
    received_at_ms: u64,
    nonce: u64,
    body: &[u8],
) -> String {
    let mut hash = Sha256::new();
    hash.update(source.as_bytes());
    hash.update([0]);
    match delivery_id {
        Some(id) => {
            hash.update(b"delivery\0");
            hash.update(id.as_bytes());
        }
        None => {
            hash.update(b"anonymous\0");
            hash.update(received_at_ms.to_be_bytes());
            hash.update(nonce.to_be_bytes());
            hash.update(body);
        }
    }
    let digest = hash.finalize();
    format!("wh_{}", hex::encode(&digest[..12]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::{MAX_HEADERS, MAX_VALUE_BYTES};

    fn sample(body: &[u8]) -> Envelope {
        Envelope {
            id: envelope_id("github", Some("d-1"), 0, 0, body),
            source: "github".into(),
            provider: "github".into(),
            event_type: Some("push".into()),
            delivery_id: Some("d-1".into()),
            received_at: "2025-01-01T00:00:00.000Z".into(),
            headers: BTreeMap::from([("x-github-event".into(), "push".into())]),
            content_type: Some("application/json".into()),
            body: Some(Body::from_bytes(body)),
            claim_check: None,
        }
    }

    #[test]
    fn small_envelopes_travel_whole_and_round_trip() {
        let envelope = sample(br#"{"zen":"Design for failure."}"#);
        let out = envelope.clone().into_message(br#"{"zen":"Design for failure."}"#, "c", 4096);
        let out = out.unwrap();
        assert_eq!(out.claim, None);
        let back = Envelope::parse(&out.message).unwrap();
        assert_eq!(back, envelope);
        assert_eq!(back.inline_body(), Some(Some(br#"{"zen":"Design for failure."}"#.to_vec())));
        let json: serde_json::Value = serde_json::from_str(&out.message).unwrap();
        assert_eq!(json["body"]["text"], r#"{"zen":"Design for failure."}"#);
        assert_eq!(json["event_type"], "push");
    }

    #[test]
    fn binary_bodies_are_base64() {
        let body = [0u8, 159, 146, 150];
        let out = sample(&body).into_message(&body, "c", 4096).unwrap();
        let json: serde_json::Value = serde_json::from_str(&out.message).unwrap();
        assert_eq!(json["body"]["base64"], "AJ+Slg==");
        assert_eq!(Envelope::parse(&out.message).unwrap().inline_body(), Some(Some(body.to_vec())));
    }

    #[test]
    fn the_limit_is_inclusive() {
        let envelope = sample(b"");
        let empty_len = envelope.to_json().len();
        let body = vec![b'a'; 4096 - empty_len];
        let exact = sample(&body).into_message(&body, "c", 4096).unwrap();
        assert_eq!((exact.message.len(), exact.claim), (4096, None));
        let body = vec![b'a'; 4097 - empty_len];
        let over = sample(&body).into_message(&body, "c", 4096).unwrap();
        let claim = over.claim.unwrap();
        assert_eq!(claim.bytes, body.len());
        assert!(claim.matches(&body));
        let back = Envelope::parse(&over.message).unwrap();
        assert_eq!((back.body, back.claim_check), (None, Some(claim)));
        assert_eq!(back.headers.len(), 1, "headers kept when the pointer fits");
    }

    #[test]
    fn a_body_over_the_limit_is_claim_checked_without_an_inline_copy() {
        // The relay leaves `body` empty for such bodies; the raw length alone decides.
        let body = vec![b'x'; 4097];
        let mut envelope = sample(b"");
        envelope.body = None;
        let out = envelope.into_message(&body, "c", 4096).unwrap();
        let claim = out.claim.expect("claim-checked on the raw length");
        assert_eq!(claim.bytes, 4097);
        assert!(claim.matches(&body));
        let back = Envelope::parse(&out.message).unwrap();
        assert_eq!((back.body, back.claim_check), (None, Some(claim)));
    }

    #[test]
    fn claim_keys_differ_for_different_bodies_of_one_delivery() {
        let id = envelope_id("github", Some("d-1"), 0, 0, b"");
        let a = ClaimCheck::for_body("c", &id, b"first body");
        let b = ClaimCheck::for_body("c", &id, b"second body");
        assert_ne!(a.key, b.key);
        assert_eq!(a.key, format!("claim:{id}:{}", &a.sha256[..16]));
        assert_eq!(a.key.len(), "claim:".len() + id.len() + 1 + 16);
        assert_eq!(a.key, ClaimCheck::for_body("other", &id, b"first body").key);
    }

    #[test]
    fn escaping_counts_towards_the_limit() {
        // 2100 quotes are 2100 bytes raw but 4200 once escaped in the JSON envelope.
        let body = vec![b'"'; 2100];
        let out = sample(&body).into_message(&body, "c", 4096).unwrap();
        assert!(out.claim.is_some());
    }

    #[test]
    fn the_largest_possible_metadata_still_fits_as_a_claim_check() {
        let long = |n: usize| "\u{1}".repeat(n); // escapes to \u0001: 6 bytes each
        let mut envelope = sample(b"");
        envelope.source = "s".repeat(64);
        envelope.event_type = Some(long(MAX_META_BYTES));
        envelope.delivery_id = Some(long(MAX_META_BYTES));
        envelope.content_type = Some("t".repeat(256));
        envelope.headers = (0..MAX_HEADERS)
            .map(|i| (format!("x-header-name-{i:02}-padding-padding"), long(MAX_VALUE_BYTES)))
            .collect();
        let body = vec![b'b'; 10_000];
        let out = envelope.into_message(&body, &"c".repeat(255), 4096).unwrap();
        let back = Envelope::parse(&out.message).unwrap();
        assert!(out.message.len() <= 4096);
        assert!(back.headers.is_empty(), "headers dropped as the last resort");
        assert_eq!(back.claim_check.unwrap().bytes, 10_000);
    }

    #[test]
    fn ids_are_stable_per_delivery_and_distinct_otherwise() {
        let a = envelope_id("github", Some("d-1"), 1, 1, b"");
        assert!(a.starts_with("wh_") && a[3..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, envelope_id("github", Some("d-2"), 1, 1, b""));
        // A delivery id cannot collide with an anonymous delivery's inputs.
        assert_ne!(envelope_id("g", Some(""), 0, 0, b""), envelope_id("g", None, 0, 0, b""));
    }
}
