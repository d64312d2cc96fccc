//! The JSON shapes of the Momento Topics HTTP API, shared by the client and the emulator so that
//! the two cannot drift apart.
//!
//! Deserialisation is deliberately lenient where Momento's documentation is silent (see
//! `momento-facts.md`): unknown fields and unknown entry kinds are ignored, `sequence_page` may be
//! missing, and binary values are accepted as any flavour of base64 or as an array of bytes.
//! Serialisation is canonical: standard padded base64, absent fields omitted.

use base64::Engine as _;
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The body of a successful subscribe (long-poll) answer: `{"items":[...]}`.
///
/// ```
/// use momento_topics_worker::wire::SubscribeResponse;
/// let r: SubscribeResponse = serde_json::from_str(r#"{"items":[]}"#).unwrap();
/// assert!(r.items.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeResponse {
    /// Entries in delivery order. An empty list is legal (the server's own wait ran out).
    #[serde(default)]
    pub items: Vec<WireEntry>,
}

/// One entry of `items`: an object with exactly one known key (`item`, `discontinuity` or
/// `heartbeat`), or some kind this client does not know yet, which is kept as "unknown" and
/// skipped by the parser rather than failing the stream.
///
/// ```
/// use momento_topics_worker::wire::WireEntry;
/// let e: WireEntry = serde_json::from_str(r#"{"heartbeat":{}}"#).unwrap();
/// assert!(e.heartbeat.is_some());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireEntry {
    /// A published message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<WireItem>,
    /// A gap in the sequence (missed messages or a new sequence page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discontinuity: Option<WireDiscontinuity>,
    /// A keep-alive with no payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat: Option<WireHeartbeat>,
}

/// A keep-alive entry, `{"heartbeat":{}}`. Any fields inside are ignored.
///
/// ```
/// let h = momento_topics_worker::wire::WireHeartbeat::default();
/// assert_eq!(serde_json::to_string(&h).unwrap(), "{}");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireHeartbeat {}

/// A published message as it appears on the wire.
///
/// ```
/// use momento_topics_worker::wire::WireItem;
/// let i: WireItem = serde_json::from_str(
///     r#"{"topic_sequence_number":7,"value":{"text":"hi"},"publisher_id":"x"}"#).unwrap();
/// assert_eq!(i.topic_sequence_number, 7);
/// assert_eq!(i.sequence_page, None); // missing page tolerated
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireItem {
    /// Position of the message in its sequence page.
    pub topic_sequence_number: u64,
    /// The topic instance the number belongs to; absent on servers older than 2025.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_page: Option<u64>,
    /// The payload.
    pub value: WireValue,
}

/// A gap in the message sequence.
///
/// ```
/// use momento_topics_worker::wire::WireDiscontinuity;
/// let d: WireDiscontinuity = serde_json::from_str(
///     r#"{"last_topic_sequence":100,"new_topic_sequence":104,"new_sequence_page":9}"#).unwrap();
/// assert_eq!(d.new_topic_sequence, 104);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireDiscontinuity {
    /// The last sequence number the server believes the subscriber saw.
    #[serde(default)]
    pub last_topic_sequence: u64,
    /// The sequence number the stream continues from.
    pub new_topic_sequence: u64,
    /// The sequence page the stream continues on; absent means unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_sequence_page: Option<u64>,
}

/// A message payload: `{"text":"..."}` or `{"binary":"<base64>"}`.
///
/// ```
/// use momento_topics_worker::wire::WireValue;
/// let v: WireValue = serde_json::from_str(r#"{"binary":"AAE"}"#).unwrap(); // unpadded
/// assert_eq!(v, WireValue::Binary(vec![0, 1]));
/// assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"binary":"AAE="}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireValue {
    /// UTF-8 text (published as `text/plain` or any non-binary content type).
    Text(String),
    /// Raw bytes (published as `application/octet-stream`).
    Binary(Vec<u8>),
}

#[derive(Serialize, Deserialize)]
struct WireValueObject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    binary: Option<LenientBytes>,
}

impl Serialize for WireValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let object = match self {
            WireValue::Text(t) => WireValueObject { text: Some(t.clone()), binary: None },
            WireValue::Binary(b) => {
                WireValueObject { text: None, binary: Some(LenientBytes(b.clone())) }
            }
        };
        object.serialize(s)
    }
}

impl<'de> Deserialize<'de> for WireValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match WireValueObject::deserialize(d)? {
            WireValueObject { text: Some(t), binary: None } => Ok(WireValue::Text(t)),
            WireValueObject { text: None, binary: Some(b) } => Ok(WireValue::Binary(b.0)),
            WireValueObject { text: Some(_), binary: Some(_) } => {
                Err(de::Error::custom("value has both `text` and `binary`"))
            }
            WireValueObject { text: None, binary: None } => {
                Err(de::Error::custom("value has neither `text` nor `binary`"))
            }
        }
    }
}

/// Bytes that serialise as standard padded base64 and deserialise from standard or URL-safe
/// base64 (padded or not) or from a JSON array of integers 0..=255.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LenientBytes(Vec<u8>);

impl Serialize for LenientBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for LenientBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientBytesVisitor)
    }
}

struct LenientBytesVisitor;

impl<'de> Visitor<'de> for LenientBytesVisitor {
    type Value = LenientBytes;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a base64 string or an array of bytes")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<LenientBytes, E> {
        decode_base64_any(v)
            .map(LenientBytes)
            .ok_or_else(|| E::custom("`binary` is not valid base64"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LenientBytes, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(b) = seq.next_element::<u8>()? {
            bytes.push(b);
        }
        Ok(LenientBytes(bytes))
    }
}

/// Decodes standard or URL-safe base64, with or without padding. `None` if it is neither.
///
/// ```
/// use momento_topics_worker::wire::decode_base64_any;
/// assert_eq!(decode_base64_any("-_8="), Some(vec![0xfb, 0xff]));
/// assert_eq!(decode_base64_any("+/8"), Some(vec![0xfb, 0xff]));
/// assert_eq!(decode_base64_any("!!"), None);
/// ```
pub fn decode_base64_any(s: &str) -> Option<Vec<u8>> {
    use base64::alphabet;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
    let s = s.trim();
    if s.contains(['-', '_']) {
        URL_SAFE.decode(s).ok()
    } else {
        STANDARD.decode(s).ok()
    }
}

/// A JSON error body, `{"message": "..."}`. Momento (and the emulator) send plain text; the
/// client accepts either and keeps the message verbatim.
///
/// ```
/// let e = momento_topics_worker::wire::ErrorBody { message: "Cache Not Found".into() };
/// assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"message":"Cache Not Found"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Human-readable reason, surfaced verbatim by the client.
    pub message: String,
}
