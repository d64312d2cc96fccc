//! Parsing the server's answers: subscribe bodies into entries, error answers into [`Error`]s.

use crate::error::{Error, Result};
use crate::value::TopicValue;
use crate::wire::{ErrorBody, WireEntry};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Longest server error message kept, in bytes; a misbehaving proxy may send whole HTML pages.
const MAX_ERROR_MESSAGE_BYTES: usize = 512;

/// One entry of a subscribe answer, after parsing and before the cursor has placed it.
///
/// `sequence_page` is `None` where the server left it out (servers before 2025): the
/// [`SubscriptionCursor`](crate::SubscriptionCursor) fills in the page it is on.
///
/// ```
/// use momento_topics_worker::{parse_subscribe_response, RawEntry};
/// let entries = parse_subscribe_response(br#"{"items":[{"heartbeat":{}},{"future_kind":{}}]}"#).unwrap();
/// assert_eq!(entries, vec![RawEntry::Heartbeat]); // unknown kinds are skipped
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawEntry {
    /// A message.
    Item {
        /// Its number within the page.
        topic_sequence_number: u64,
        /// Its page, when the server said.
        sequence_page: Option<u64>,
        /// Its payload.
        value: TopicValue,
    },
    /// A gap: the stream continues at `new_topic_sequence` on `new_sequence_page`.
    Discontinuity {
        /// The last number the server thinks was seen.
        last_topic_sequence: u64,
        /// Where the stream continues.
        new_topic_sequence: u64,
        /// The page it continues on, when the server said.
        new_sequence_page: Option<u64>,
    },
    /// A keep-alive.
    Heartbeat,
    /// A message this client cannot read (an unknown value kind, say). The cursor moves past
    /// it and reports it as a one-message discontinuity instead of failing the stream.
    Unreadable {
        /// Its number within the page.
        topic_sequence_number: u64,
        /// Its page, when the server said.
        sequence_page: Option<u64>,
    },
}

/// Parses a `200 OK` subscribe body. Malformed JSON is a [`Protocol`](crate::ErrorKind::Protocol)
/// error, never a panic; unknown entry kinds and unknown fields are skipped, and an item whose
/// value cannot be read becomes [`RawEntry::Unreadable`] rather than failing the answer.
///
/// ```
/// use momento_topics_worker::{parse_subscribe_response, RawEntry, TopicValue};
/// let body = br#"{"items":[{"item":{"sequence_page":3,"topic_sequence_number":1,"value":{"text":"hello world"}}}]}"#;
/// assert_eq!(parse_subscribe_response(body).unwrap(), vec![RawEntry::Item {
///     topic_sequence_number: 1, sequence_page: Some(3), value: TopicValue::Text("hello world".into()),
/// }]);
/// assert!(parse_subscribe_response(b"{").is_err());
/// ```
pub fn parse_subscribe_response(body: &[u8]) -> Result<Vec<RawEntry>> {
    let protocol_error = |e: &dyn std::fmt::Display| {
        Error::protocol(format!("subscribe answer is not the documented JSON: {e}"))
    };
    // serde would also read a struct from a JSON array; only an object is the documented shape.
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(protocol_error(&"expected a JSON object"));
    }
    let response: RawResponse = serde_json::from_slice(body).map_err(|e| protocol_error(&e))?;
    Ok(response.items.iter().filter_map(|raw| parse_entry(raw.get())).collect())
}

/// The answer with each entry left unparsed, so one bad entry cannot spoil the others.
#[derive(Deserialize)]
struct RawResponse<'a> {
    #[serde(borrow, default)]
    items: Vec<&'a RawValue>,
}

/// Just the position of an item whose value could not be read.
#[derive(Deserialize)]
struct ItemPosition {
    item: Position,
}

#[derive(Deserialize)]
struct Position {
    topic_sequence_number: u64,
    #[serde(default)]
    sequence_page: Option<u64>,
}

fn parse_entry(json: &str) -> Option<RawEntry> {
    match serde_json::from_str::<WireEntry>(json) {
        Ok(entry) => entry_from_wire(entry),
        Err(_) => serde_json::from_str::<ItemPosition>(json).ok().map(|p| RawEntry::Unreadable {
            topic_sequence_number: p.item.topic_sequence_number,
            sequence_page: p.item.sequence_page,
        }),
    }
}

fn entry_from_wire(entry: WireEntry) -> Option<RawEntry> {
    if let Some(item) = entry.item {
        return Some(RawEntry::Item {
            topic_sequence_number: item.topic_sequence_number,
            sequence_page: item.sequence_page,
            value: item.value.into(),
        });
    }
    if let Some(d) = entry.discontinuity {
        return Some(RawEntry::Discontinuity {
            last_topic_sequence: d.last_topic_sequence,
            new_topic_sequence: d.new_topic_sequence,
            new_sequence_page: d.new_sequence_page,
        });
    }
    entry.heartbeat.map(|_| RawEntry::Heartbeat)
}

/// Turns a non-2xx answer into an [`Error`] whose message is the server's own, verbatim: a
/// plain-text body as is, a JSON body's `message` field, else the status's reason.
///
/// ```
/// use momento_topics_worker::{error_from_response, ErrorKind};
/// let e = error_from_response(404, b"Cache Not Found");
/// assert_eq!((e.kind(), e.message()), (ErrorKind::NotFound, "Cache Not Found"));
/// let e = error_from_response(400, br#"{"message":"only one value must be set"}"#);
/// assert_eq!(e.message(), "only one value must be set");
/// ```
pub fn error_from_response(status: u16, body: &[u8]) -> Error {
    Error::from_http_status(status, server_message(status, body))
}

fn server_message(status: u16, body: &[u8]) -> String {
    if let Ok(json) = serde_json::from_slice::<ErrorBody>(body) {
        return truncate(json.message);
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return format!("HTTP {status} with an empty body");
    }
    truncate(text.to_string())
}

fn truncate(mut message: String) -> String {
    if message.len() > MAX_ERROR_MESSAGE_BYTES {
        let mut cut = MAX_ERROR_MESSAGE_BYTES;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push('…');
    }
    message
}

/// Checks a publish / cache write answer: any 2xx is success (Momento documents 204).
///
/// ```
/// use momento_topics_worker::check_write_response;
/// assert!(check_write_response(204, b"").is_ok());
/// assert_eq!(check_write_response(403, b"nope").unwrap_err().message(), "nope");
/// ```
pub fn check_write_response(status: u16, body: &[u8]) -> Result<()> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(error_from_response(status, body))
    }
}

/// Interprets a cache get answer: `Some(bytes)` on 200, `None` on a miss (404 "Key Not Found"),
/// an error otherwise (including 404 "Cache Not Found").
///
/// ```
/// use momento_topics_worker::cache_get_result;
/// assert_eq!(cache_get_result(200, b"v".to_vec()).unwrap(), Some(b"v".to_vec()));
/// assert_eq!(cache_get_result(404, b"Key Not Found".to_vec()).unwrap(), None);
/// assert!(cache_get_result(404, b"Cache Not Found".to_vec()).is_err());
/// ```
pub fn cache_get_result(status: u16, body: Vec<u8>) -> Result<Option<Vec<u8>>> {
    match status {
        200 => Ok(Some(body)),
        404 if server_message(status, &body).eq_ignore_ascii_case("Key Not Found") => Ok(None),
        _ => Err(error_from_response(status, &body)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn parses_the_references_discontinuity_example() {
        let body = br#"{"items":[
            {"discontinuity":{"last_topic_sequence":100,"new_topic_sequence":104,"new_sequence_page":1748358253}},
            {"item":{"topic_sequence_number":104,"sequence_page":1748358253,"value":{"text":"hello world"}}}]}"#;
        assert_eq!(
            parse_subscribe_response(body).unwrap(),
            vec![
                RawEntry::Discontinuity {
                    last_topic_sequence: 100,
                    new_topic_sequence: 104,
                    new_sequence_page: Some(1748358253)
                },
                RawEntry::Item {
                    topic_sequence_number: 104,
                    sequence_page: Some(1748358253),
                    value: TopicValue::Text("hello world".into())
                },
            ]
        );
    }

    #[test]
    fn binary_values_in_every_accepted_encoding() {
        for encoded in [r#""+/8=""#, r#""+/8""#, r#""-_8=""#, r#""-_8""#, "[251,255]"] {
            let body = format!(
                r#"{{"items":[{{"item":{{"topic_sequence_number":1,"value":{{"binary":{encoded}}}}}}}]}}"#
            );
            let entries = parse_subscribe_response(body.as_bytes()).unwrap();
            assert_eq!(
                entries,
                vec![RawEntry::Item {
                    topic_sequence_number: 1,
                    sequence_page: None,
                    value: TopicValue::Binary(vec![0xfb, 0xff])
                }],
                "{encoded}"
            );
        }
    }

    #[test]
    fn tolerates_empty_items_unknown_fields_and_kinds() {
        assert_eq!(parse_subscribe_response(br#"{"items":[]}"#).unwrap(), vec![]);
        assert_eq!(parse_subscribe_response(br#"{}"#).unwrap(), vec![]);
        let body = br#"{"extra":1,"items":[{"item":{"topic_sequence_number":2,"value":{"text":"x"},
            "publisher_id":"p","token_id":"t"}},{"mystery":{"a":1}},{}]}"#;
        assert_eq!(parse_subscribe_response(body).unwrap().len(), 1);
    }

    #[test]
    fn malformed_bodies_are_protocol_errors() {
        let bad: [&[u8]; 5] = [b"", b"not json", br#"{"items":{}}"#, br#"[]"#, br#"{"items":[1,"#];
        for body in bad {
            let err = parse_subscribe_response(body).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Protocol, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn an_unreadable_item_keeps_its_position_and_spoils_nothing_else() {
        let unreadable = [
            r#"{"item":{"topic_sequence_number":1,"sequence_page":4,"value":{"json":{}}}}"#,
            r#"{"item":{"topic_sequence_number":1,"sequence_page":4,"value":{"binary":"!!"}}}"#,
            r#"{"item":{"topic_sequence_number":1,"sequence_page":4,"value":{}}}"#,
            r#"{"item":{"topic_sequence_number":1,"sequence_page":4,"value":{"binary":null}}}"#,
        ];
        for entry in unreadable {
            let body = format!(
                r#"{{"items":[{entry},{{"item":{{"topic_sequence_number":2,"sequence_page":4,"value":{{"text":"ok"}}}}}}]}}"#
            );
            let entries = parse_subscribe_response(body.as_bytes()).unwrap();
            assert_eq!(
                entries[0],
                RawEntry::Unreadable { topic_sequence_number: 1, sequence_page: Some(4) },
                "{entry}"
            );
            assert!(matches!(entries[1], RawEntry::Item { topic_sequence_number: 2, .. }));
        }
        // Without a readable number there is no position to report: the entry is skipped.
        let body = br#"{"items":[{"item":{"value":{"text":"x"}}},{"item":{"topic_sequence_number":-1}},7]}"#;
        assert_eq!(parse_subscribe_response(body).unwrap(), vec![]);
    }

    #[test]
    fn error_messages_are_verbatim_bounded_and_never_empty() {
        assert_eq!(error_from_response(500, b"").message(), "HTTP 500 with an empty body");
        assert_eq!(error_from_response(401, b"  Token expired\n").message(), "Token expired");
        let long = error_from_response(502, "é".repeat(400).as_bytes());
        assert!(long.message().len() <= MAX_ERROR_MESSAGE_BYTES + '…'.len_utf8());
        assert_eq!(error_from_response(429, b"x").kind(), ErrorKind::LimitExceeded);
    }
}
