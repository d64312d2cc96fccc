//! Server-Sent Events frames for `GET /events/{topic}`, bridged from the topic's long-poll.
//!
//! | topic event | SSE |
//! |---|---|
//! | an envelope | `event: webhook`, `id: {page}:{sequence}`, `data:` the envelope JSON |
//! | any other message | `event: message`, same id, `data:` its text (base64 when binary) |
//! | a discontinuity | `event: discontinuity`, `data: {"last_topic_sequence",…}`, and an id that moves `Last-Event-ID` past the gap |
//! | a heartbeat | the comment `: heartbeat` |
//! | a failure that ends the stream | `event: relay-error`, `data:` the JSON error |
//!
//! A browser's `EventSource` reconnects on its own and sends the last id it saw as
//! `Last-Event-ID`; [`EventId`] turns that back into a resume position, so nothing is repeated
//! and nothing is skipped across reconnects. (`relay-error`, not `error`: `EventSource` already
//! fires `error` for connection failures.)

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use momento_topics_worker::{Discontinuity, SubscriptionEvent, SubscriptionItem, TopicValue};
use serde_json::json;

use crate::envelope::Envelope;
use crate::reply::RelayError;

/// How long a browser waits before reconnecting, sent as the stream's first line.
pub const RETRY_MILLIS: u32 = 1000;

/// An SSE event id: the topic position `sequence_page:topic_sequence_number` of what it carries.
///
/// ```
/// use webhook_relay::sse::EventId;
/// let id: EventId = "1700000000000:42".parse().unwrap();
/// assert_eq!(id, EventId { page: 1_700_000_000_000, sequence: 42 });
/// assert_eq!(id.to_string(), "1700000000000:42");
/// assert!("42".parse::<EventId>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventId {
    /// The sequence page.
    pub page: u64,
    /// The topic sequence number within the page.
    pub sequence: u64,
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.page, self.sequence)
    }
}

impl FromStr for EventId {
    type Err = RelayError;

    fn from_str(text: &str) -> Result<EventId, RelayError> {
        let malformed = || {
            RelayError::Malformed(format!(
                "Last-Event-ID {text:?} is not `page:sequence` (two unsigned integers)"
            ))
        };
        let (page, sequence) = text.trim().split_once(':').ok_or_else(malformed)?;
        let number = |part: &str| {
            part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok()).flatten()
        };
        Ok(EventId {
            page: number(page).ok_or_else(malformed)?,
            sequence: number(sequence).ok_or_else(malformed)?,
        })
    }
}

/// Where to resume from: the `Last-Event-ID` header (sent by a reconnecting `EventSource`) wins
/// over the `last_event_id` query parameter (a starting point in the URL, which the browser
/// keeps sending on every reconnect). Empty values count as absent.
///
/// ```
/// use webhook_relay::sse::{resume_point, EventId};
/// assert_eq!(resume_point(Some("5:9"), Some("5:2")).unwrap(), Some(EventId { page: 5, sequence: 9 }));
/// assert_eq!(resume_point(None, Some("5:2")).unwrap(), Some(EventId { page: 5, sequence: 2 }));
/// assert_eq!(resume_point(Some(""), None).unwrap(), None);
/// assert_eq!(resume_point(Some("x"), None).unwrap_err().status(), 400);
/// ```
pub fn resume_point(
    header: Option<&str>,
    query: Option<&str>,
) -> Result<Option<EventId>, RelayError> {
    match header.filter(|h| !h.trim().is_empty()).or(query.filter(|q| !q.trim().is_empty())) {
        Some(text) => text.parse().map(Some),
        None => Ok(None),
    }
}

/// The stream's opening: the reconnect delay and a comment, so that the browser sees the
/// connection open before the first event arrives.
///
/// ```
/// assert_eq!(webhook_relay::sse::preamble(), "retry: 1000\n: connected\n\n");
/// ```
pub fn preamble() -> String {
    format!("retry: {RETRY_MILLIS}\n: connected\n\n")
}

/// A comment line, ignored by `EventSource` but keeping proxies from closing an idle stream.
///
/// ```
/// assert_eq!(webhook_relay::sse::comment("heartbeat"), ": heartbeat\n\n");
/// assert_eq!(webhook_relay::sse::comment("a\nb"), ": a b\n\n");
/// ```
pub fn comment(text: &str) -> String {
    format!(": {}\n\n", text.replace(['\r', '\n'], " "))
}

/// One event. Each line of `data` becomes its own `data:` line (SSE joins them back with
/// `\n`). Every SSE line ending counts — `\r\n`, a lone `\r` and `\n` — so no data can end a
/// line early and smuggle in an `id:` or `event:` field. The event name loses any CR and LF,
/// and the id is two integers, so neither can break its line either.
///
/// ```
/// use webhook_relay::sse::{frame, EventId};
/// let id = EventId { page: 7, sequence: 1 };
/// assert_eq!(frame("webhook", Some(id), "{}"), "event: webhook\nid: 7:1\ndata: {}\n\n");
/// assert_eq!(frame("message", None, "a\r\nb"), "event: message\ndata: a\ndata: b\n\n");
/// assert_eq!(frame("message", None, "a\rid: 9:0"), "event: message\ndata: a\ndata: id: 9:0\n\n");
/// ```
pub fn frame(event: &str, id: Option<EventId>, data: &str) -> String {
    let mut out = String::with_capacity(data.len() + 64);
    out.push_str("event: ");
    out.extend(event.chars().filter(|c| !matches!(c, '\r' | '\n')));
    out.push('\n');
    if let Some(id) = id {
        out.push_str(&format!("id: {id}\n"));
    }
    for line in lines(data) {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// `text` split at every SSE line ending: `\r\n`, `\r` or `\n`. Like `str::split`, an ending
/// at the very end yields a last, empty line, so the data round-trips exactly (with `\n`).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.find(['\r', '\n']) {
            Some(at) => {
                let skip = if current[at..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&current[at + skip..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// The frame for one subscription event.
///
/// ```
/// use momento_topics_worker::{SubscriptionEvent, SubscriptionItem};
/// use webhook_relay::sse::event_frame;
/// let item = SubscriptionItem { value: "hello".into(), topic_sequence_number: 3, sequence_page: 9 };
/// assert_eq!(event_frame(&SubscriptionEvent::Item(item)), "event: message\nid: 9:3\ndata: hello\n\n");
/// assert_eq!(event_frame(&SubscriptionEvent::Heartbeat), ": heartbeat\n\n");
/// ```
pub fn event_frame(event: &SubscriptionEvent) -> String {
    match event {
        SubscriptionEvent::Item(item) => item_frame(item),
        SubscriptionEvent::Discontinuity(gap) => discontinuity_frame(gap),
        SubscriptionEvent::Heartbeat => comment("heartbeat"),
        // Kinds added to the library later: nothing a browser could act on yet.
        _ => comment("event"),
    }
}

fn item_frame(item: &SubscriptionItem) -> String {
    let id = Some(EventId { page: item.sequence_page, sequence: item.topic_sequence_number });
    match &item.value {
        TopicValue::Text(text) if Envelope::is_envelope(text) => frame("webhook", id, text),
        TopicValue::Text(text) => frame("message", id, text),
        TopicValue::Binary(bytes) => frame("message", id, &BASE64.encode(bytes)),
    }
}

/// The id points just before the stream's new position, so a reconnect resumes after the gap
/// instead of reporting it again. Position 0 has nothing before it: no id then.
fn discontinuity_frame(gap: &Discontinuity) -> String {
    let id = gap
        .new_topic_sequence
        .checked_sub(1)
        .map(|sequence| EventId { page: gap.new_sequence_page, sequence });
    let data = json!({
        "last_topic_sequence": gap.last_topic_sequence,
        "new_topic_sequence": gap.new_topic_sequence,
        "new_sequence_page": gap.new_sequence_page,
    });
    frame("discontinuity", id, &data.to_string())
}

/// The last frame of a stream that ended on an error.
///
/// ```
/// use webhook_relay::reply::RelayError;
/// let text = webhook_relay::sse::error_frame(&RelayError::Upstream("Cache Not Found".into()));
/// assert!(text.starts_with("event: relay-error\ndata: {\"error\":{\"code\":\"publish_rejected\""));
/// ```
pub fn error_frame(error: &RelayError) -> String {
    frame("relay-error", None, &error.clone().into_reply().body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(value: TopicValue, page: u64, seq: u64) -> SubscriptionEvent {
        SubscriptionEvent::Item(SubscriptionItem {
            value,
            topic_sequence_number: seq,
            sequence_page: page,
        })
    }

    #[test]
    fn envelopes_are_webhook_events_with_their_position() {
        let envelope = r#"{"id":"wh_1","source":"gh","provider":"github","received_at":"t"}"#;
        assert_eq!(
            event_frame(&item(envelope.into(), 1_700_000_000_000, 12)),
            format!("event: webhook\nid: 1700000000000:12\ndata: {envelope}\n\n")
        );
    }

    #[test]
    fn other_messages_are_plain_and_binary_is_base64() {
        assert_eq!(
            event_frame(&item("line 1\nline 2".into(), 1, 2)),
            "event: message\nid: 1:2\ndata: line 1\ndata: line 2\n\n"
        );
        assert_eq!(
            event_frame(&item(vec![0u8, 255].into(), 1, 3)),
            "event: message\nid: 1:3\ndata: AP8=\n\n"
        );
        // JSON that is not an envelope is just a message.
        assert!(event_frame(&item(r#"{"hello":1}"#.into(), 1, 4)).starts_with("event: message"));
    }

    #[test]
    fn discontinuities_move_the_id_past_the_gap() {
        let gap = Discontinuity {
            last_topic_sequence: 10,
            new_topic_sequence: 15,
            new_sequence_page: 99,
        };
        assert_eq!(
            event_frame(&SubscriptionEvent::Discontinuity(gap)),
            "event: discontinuity\nid: 99:14\ndata: {\"last_topic_sequence\":10,\
             \"new_sequence_page\":99,\"new_topic_sequence\":15}\n\n"
        );
        let at_zero = Discontinuity { new_topic_sequence: 0, ..gap };
        assert!(!event_frame(&SubscriptionEvent::Discontinuity(at_zero)).contains("id:"));
    }

    #[test]
    fn a_lone_carriage_return_cannot_inject_fields() {
        let hostile = "x\rid: 9:0\revent: webhook";
        let text = frame("message", Some(EventId { page: 1, sequence: 2 }), hostile);
        assert_eq!(
            text,
            "event: message\nid: 1:2\ndata: x\ndata: id: 9:0\ndata: event: webhook\n\n"
        );
        // What an SSE parser sees: every line is one of ours.
        let fields: Vec<&str> = lines(&text).filter(|l| !l.is_empty()).collect();
        assert_eq!(fields.iter().filter(|l| l.starts_with("id:")).count(), 1, "{fields:?}");
        assert_eq!(fields.iter().filter(|l| l.starts_with("event:")).count(), 1, "{fields:?}");
        // The same through a published message.
        assert_eq!(
            event_frame(&item(hostile.into(), 1, 2)),
            "event: message\nid: 1:2\ndata: x\ndata: id: 9:0\ndata: event: webhook\n\n"
        );
    }

    #[test]
    fn every_line_ending_splits_data_and_event_names_stay_on_their_line() {
        assert_eq!(lines("a\r\nb\rc\nd").collect::<Vec<_>>(), ["a", "b", "c", "d"]);
        assert_eq!(lines("a\r\r\nb").collect::<Vec<_>>(), ["a", "", "b"]);
        assert_eq!(lines("\r").collect::<Vec<_>>(), ["", ""]);
        assert_eq!(lines("").collect::<Vec<_>>(), [""]);
        assert_eq!(frame("message", None, "end\r"), "event: message\ndata: end\ndata: \n\n");
        assert_eq!(
            frame("a\rid: 1:1\nb", None, "d"),
            "event: aid: 1:1b\ndata: d\n\n",
            "CR and LF are dropped from the event name"
        );
    }

    #[test]
    fn event_ids_round_trip_and_reject_junk() {
        let id = EventId { page: u64::MAX, sequence: 0 };
        assert_eq!(id.to_string().parse::<EventId>().unwrap(), id);
        for bad in ["", ":", "1:", ":1", "a:1", "1:-1", "1:+1", "1:2:3", "99999999999999999999:1"] {
            assert!(bad.parse::<EventId>().is_err(), "{bad:?}");
        }
        assert_eq!(" 4:5 ".parse::<EventId>().unwrap(), EventId { page: 4, sequence: 5 });
    }

    #[test]
    fn a_resumed_cursor_continues_after_the_event_id() {
        // The contract the edge relies on: the id of an item, given back as Last-Event-ID,
        // resumes right after that item.
        let id: EventId = "9:41".parse().unwrap();
        let cursor = momento_topics_worker::SubscriptionCursor::resume_after(
            "cache",
            "topic",
            id.page,
            id.sequence,
        )
        .unwrap();
        assert_eq!(cursor.position().sequence_number, 42);
        assert_eq!(cursor.position().sequence_page, 9);
    }
}
