//! The subscription cursor: which position to poll next, and which entries are new.
//!
//! A pure state machine in the style of quinn-proto: [`SubscriptionCursor::position`] says what
//! to ask for, [`SubscriptionCursor::apply`] takes what the server answered and returns the
//! events to deliver. It never delivers the same `(sequence_page, topic_sequence_number)` twice,
//! never skips an item the server sent, and surfaces every gap as a [`Discontinuity`] — including
//! gaps the server did not announce.

use crate::error::{Error, Result};
use crate::names::{validate_cache_name, validate_topic_name};
use crate::request::SubscribePosition;
use crate::response::{parse_subscribe_response, RawEntry};
use crate::value::TopicValue;
use serde::{Deserialize, Serialize};

/// A message received from a topic.
///
/// ```
/// use momento_topics_worker::{SubscriptionItem, TopicValue};
/// let item = SubscriptionItem { value: TopicValue::from("hi"), topic_sequence_number: 1, sequence_page: 7 };
/// assert_eq!(item.value.as_text(), Some("hi"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionItem {
    /// The payload.
    pub value: TopicValue,
    /// Its number within its sequence page.
    pub topic_sequence_number: u64,
    /// The topic instance it belongs to.
    pub sequence_page: u64,
}

/// A gap in the stream: messages after `last_topic_sequence` up to `new_topic_sequence` were
/// not (and will not be) delivered, or the topic started a new sequence page.
///
/// ```
/// use momento_topics_worker::Discontinuity;
/// let d = Discontinuity { last_topic_sequence: 100, new_topic_sequence: 104, new_sequence_page: 9 };
/// assert_eq!(d.new_topic_sequence - d.last_topic_sequence - 1, 3); // three messages missed
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Discontinuity {
    /// The last sequence number received (as the server or the cursor knows it).
    pub last_topic_sequence: u64,
    /// Where the stream continues.
    pub new_topic_sequence: u64,
    /// The page the stream continues on.
    pub new_sequence_page: u64,
}

/// What a subscription yields.
///
/// ```
/// use momento_topics_worker::SubscriptionEvent;
/// let e = SubscriptionEvent::Heartbeat;
/// assert!(e.item().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionEvent {
    /// A message.
    Item(SubscriptionItem),
    /// A gap in the stream; what follows continues from its new position.
    Discontinuity(Discontinuity),
    /// The server is alive; nothing to deliver.
    Heartbeat,
}

impl SubscriptionEvent {
    /// The message, if this event is one.
    ///
    /// ```
    /// # use momento_topics_worker::{SubscriptionEvent, SubscriptionItem, TopicValue};
    /// let e = SubscriptionEvent::Item(SubscriptionItem { value: "x".into(), topic_sequence_number: 1, sequence_page: 1 });
    /// assert_eq!(e.item().unwrap().topic_sequence_number, 1);
    /// ```
    pub fn item(&self) -> Option<&SubscriptionItem> {
        match self {
            SubscriptionEvent::Item(item) => Some(item),
            _ => None,
        }
    }
}

/// Where a subscription stands: its topic, the next position to poll and the last item
/// delivered. Serialisable (serde, or [`to_token`](Self::to_token)) so a worker can persist it —
/// in a Durable Object, a KV entry, an SSE `Last-Event-ID` — and resume without repeats.
///
/// ```
/// use momento_topics_worker::{SubscriptionCursor, SubscribePosition};
/// let mut cursor = SubscriptionCursor::new("cache", "topic").unwrap();
/// assert_eq!(cursor.position(), SubscribePosition { sequence_number: 0, sequence_page: 0 });
/// let events = cursor.apply_body(br#"{"items":[{"item":{"topic_sequence_number":1,"sequence_page":5,"value":{"text":"a"}}}]}"#).unwrap();
/// assert_eq!(events.len(), 1);
/// assert_eq!(cursor.position(), SubscribePosition { sequence_number: 2, sequence_page: 5 });
/// // The same answer again (a retried poll) yields nothing new.
/// assert!(cursor.apply_body(br#"{"items":[{"item":{"topic_sequence_number":1,"sequence_page":5,"value":{"text":"a"}}}]}"#).unwrap().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionCursor {
    cache: String,
    topic: String,
    /// The next poll's `sequence_number`.
    sequence_number: u64,
    /// The next poll's `sequence_page` (0 until the server names one).
    sequence_page: u64,
    /// The last item delivered on `sequence_page`, if any: items at or before it are repeats.
    #[serde(default)]
    last_delivered: Option<u64>,
}

impl SubscriptionCursor {
    /// A cursor at the start of `topic`: the first poll asks for `sequence_number=0`.
    ///
    /// ```
    /// # use momento_topics_worker::SubscriptionCursor;
    /// assert!(SubscriptionCursor::new("", "t").is_err());
    /// ```
    pub fn new(cache: &str, topic: &str) -> Result<SubscriptionCursor> {
        validate_cache_name(cache)?;
        validate_topic_name(topic)?;
        Ok(SubscriptionCursor {
            cache: cache.to_string(),
            topic: topic.to_string(),
            sequence_number: 0,
            sequence_page: 0,
            last_delivered: None,
        })
    }

    /// A cursor that resumes after the item `(sequence_page, topic_sequence_number)` was
    /// delivered — for example from an SSE `Last-Event-ID` of `page:sequence`.
    ///
    /// ```
    /// # use momento_topics_worker::{SubscriptionCursor, SubscribePosition};
    /// let c = SubscriptionCursor::resume_after("c", "t", 9, 41).unwrap();
    /// assert_eq!(c.position(), SubscribePosition { sequence_number: 42, sequence_page: 9 });
    /// ```
    pub fn resume_after(
        cache: &str,
        topic: &str,
        sequence_page: u64,
        topic_sequence_number: u64,
    ) -> Result<SubscriptionCursor> {
        let mut cursor = SubscriptionCursor::new(cache, topic)?;
        cursor.sequence_page = sequence_page;
        cursor.sequence_number = topic_sequence_number.saturating_add(1);
        cursor.last_delivered = Some(topic_sequence_number);
        Ok(cursor)
    }

    /// The cache name.
    ///
    /// ```
    /// # use momento_topics_worker::SubscriptionCursor;
    /// assert_eq!(SubscriptionCursor::new("c", "t").unwrap().cache(), "c");
    /// ```
    pub fn cache(&self) -> &str {
        &self.cache
    }

    /// The topic name.
    ///
    /// ```
    /// # use momento_topics_worker::SubscriptionCursor;
    /// assert_eq!(SubscriptionCursor::new("c", "t").unwrap().topic(), "t");
    /// ```
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The parameters of the next poll. Call it before each request; it changes only in
    /// [`apply`](Self::apply).
    ///
    /// ```
    /// # use momento_topics_worker::SubscriptionCursor;
    /// assert_eq!(SubscriptionCursor::new("c", "t").unwrap().position().sequence_number, 0);
    /// ```
    pub fn position(&self) -> SubscribePosition {
        SubscribePosition {
            sequence_number: self.sequence_number,
            sequence_page: self.sequence_page,
        }
    }

    /// The last item delivered, as `(sequence_page, topic_sequence_number)`.
    ///
    /// ```
    /// # use momento_topics_worker::SubscriptionCursor;
    /// assert_eq!(SubscriptionCursor::new("c", "t").unwrap().last_delivered(), None);
    /// assert_eq!(SubscriptionCursor::resume_after("c", "t", 3, 4).unwrap().last_delivered(), Some((3, 4)));
    /// ```
    pub fn last_delivered(&self) -> Option<(u64, u64)> {
        self.last_delivered.map(|seq| (self.sequence_page, seq))
    }

    /// Parses a `200 OK` subscribe body and applies it. See [`apply`](Self::apply).
    ///
    /// ```
    /// # use momento_topics_worker::SubscriptionCursor;
    /// let mut c = SubscriptionCursor::new("c", "t").unwrap();
    /// assert!(c.apply_body(b"<html>").is_err());
    /// assert_eq!(c.position().sequence_number, 0); // unchanged by a bad answer
    /// ```
    pub fn apply_body(&mut self, body: &[u8]) -> Result<Vec<SubscriptionEvent>> {
        Ok(self.apply(parse_subscribe_response(body)?))
    }

    /// Applies one answer's entries in order and returns the events to deliver: new items,
    /// discontinuities (announced or detected), heartbeats. Repeats are dropped.
    ///
    /// ```
    /// use momento_topics_worker::{RawEntry, SubscriptionCursor, SubscriptionEvent, Discontinuity};
    /// let mut c = SubscriptionCursor::resume_after("c", "t", 1, 100).unwrap();
    /// let events = c.apply(vec![RawEntry::Discontinuity {
    ///     last_topic_sequence: 100, new_topic_sequence: 104, new_sequence_page: Some(2) }]);
    /// assert_eq!(events, vec![SubscriptionEvent::Discontinuity(Discontinuity {
    ///     last_topic_sequence: 100, new_topic_sequence: 104, new_sequence_page: 2 })]);
    /// assert_eq!(c.position().sequence_number, 104);
    /// ```
    pub fn apply(&mut self, entries: Vec<RawEntry>) -> Vec<SubscriptionEvent> {
        let mut events = Vec::with_capacity(entries.len());
        for entry in entries {
            match entry {
                RawEntry::Item { topic_sequence_number, sequence_page, value } => {
                    let page = sequence_page.unwrap_or(self.sequence_page);
                    self.apply_item(page, topic_sequence_number, value, &mut events);
                }
                RawEntry::Discontinuity {
                    last_topic_sequence,
                    new_topic_sequence,
                    new_sequence_page,
                } => {
                    let page = new_sequence_page.unwrap_or(self.sequence_page);
                    self.apply_discontinuity(
                        last_topic_sequence,
                        new_topic_sequence,
                        page,
                        &mut events,
                    );
                }
                RawEntry::Heartbeat => events.push(SubscriptionEvent::Heartbeat),
            }
        }
        events
    }

    fn apply_item(
        &mut self,
        page: u64,
        seq: u64,
        value: TopicValue,
        events: &mut Vec<SubscriptionEvent>,
    ) {
        if self.is_repeat(page, seq) {
            return;
        }
        if let Some(gap) = self.unannounced_gap(page, seq) {
            events.push(SubscriptionEvent::Discontinuity(gap));
        }
        self.sequence_page = page;
        self.sequence_number = seq.saturating_add(1);
        self.last_delivered = Some(seq);
        events.push(SubscriptionEvent::Item(SubscriptionItem {
            value,
            topic_sequence_number: seq,
            sequence_page: page,
        }));
    }

    /// An item is a repeat if it is at or before the last delivered one on the same page, or on
    /// an older page: pages look like creation timestamps and only grow, so anything on an older
    /// page comes from a replayed answer.
    fn is_repeat(&self, page: u64, seq: u64) -> bool {
        if page == self.sequence_page {
            return self.last_delivered.is_some_and(|last| seq <= last);
        }
        self.sequence_page != 0 && page < self.sequence_page
    }

    /// A gap the server did not announce: a jump within the page after something was delivered
    /// there, or a silent move to a new page.
    fn unannounced_gap(&self, page: u64, seq: u64) -> Option<Discontinuity> {
        let gap = Discontinuity {
            last_topic_sequence: self.sequence_number.saturating_sub(1),
            new_topic_sequence: seq,
            new_sequence_page: page,
        };
        if page != self.sequence_page {
            return (self.sequence_page != 0).then_some(gap);
        }
        let expected_next = self.last_delivered.map(|last| last.saturating_add(1))?;
        let jumped_past_position = seq > expected_next && seq > self.sequence_number;
        jumped_past_position.then_some(gap)
    }

    fn apply_discontinuity(
        &mut self,
        last: u64,
        new: u64,
        page: u64,
        events: &mut Vec<SubscriptionEvent>,
    ) {
        let stale_page = self.sequence_page != 0 && page < self.sequence_page;
        let behind_delivered =
            page == self.sequence_page && self.last_delivered.is_some_and(|l| new <= l);
        if stale_page || behind_delivered {
            // Points back at what was already delivered (a replayed answer): nothing is missing.
            return;
        }
        if page != self.sequence_page {
            self.last_delivered = None;
        }
        self.sequence_page = page;
        self.sequence_number = new;
        events.push(SubscriptionEvent::Discontinuity(Discontinuity {
            last_topic_sequence: last,
            new_topic_sequence: new,
            new_sequence_page: page,
        }));
    }

    /// A compact, URL-safe string form of the cursor (JSON inside), for storage.
    ///
    /// ```
    /// # use momento_topics_worker::SubscriptionCursor;
    /// let c = SubscriptionCursor::resume_after("c", "t", 9, 41).unwrap();
    /// assert_eq!(SubscriptionCursor::from_token(&c.to_token()).unwrap(), c);
    /// ```
    pub fn to_token(&self) -> String {
        use base64::Engine as _;
        let json = serde_json::to_vec(self).expect("a cursor always serialises");
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads a cursor written by [`to_token`](Self::to_token).
    ///
    /// ```
    /// # use momento_topics_worker::SubscriptionCursor;
    /// assert!(SubscriptionCursor::from_token("garbage").is_err());
    /// ```
    pub fn from_token(token: &str) -> Result<SubscriptionCursor> {
        let json = crate::wire::decode_base64_any(token)
            .ok_or_else(|| Error::invalid("subscription cursor token is not base64"))?;
        let cursor: SubscriptionCursor = serde_json::from_slice(&json)
            .map_err(|e| Error::invalid(format!("subscription cursor token is damaged: {e}")))?;
        validate_cache_name(&cursor.cache)?;
        validate_topic_name(&cursor.topic)?;
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(page: u64, seq: u64) -> RawEntry {
        RawEntry::Item {
            topic_sequence_number: seq,
            sequence_page: Some(page),
            value: TopicValue::from("v"),
        }
    }

    fn disc(last: u64, new: u64, page: u64) -> RawEntry {
        RawEntry::Discontinuity {
            last_topic_sequence: last,
            new_topic_sequence: new,
            new_sequence_page: Some(page),
        }
    }

    fn delivered(events: &[SubscriptionEvent]) -> Vec<(u64, u64)> {
        events
            .iter()
            .filter_map(|e| e.item())
            .map(|i| (i.sequence_page, i.topic_sequence_number))
            .collect()
    }

    fn cursor() -> SubscriptionCursor {
        SubscriptionCursor::new("c", "t").unwrap()
    }

    #[test]
    fn advances_past_items_and_drops_repeats() {
        let mut c = cursor();
        let events = c.apply(vec![item(5, 1), item(5, 2), item(5, 2), item(5, 1)]);
        assert_eq!(delivered(&events), [(5, 1), (5, 2)]);
        assert_eq!(c.position(), SubscribePosition { sequence_number: 3, sequence_page: 5 });
    }

    #[test]
    fn follows_the_references_discontinuity_example() {
        let mut c = SubscriptionCursor::resume_after("c", "t", 3, 100).unwrap();
        let events = c.apply(vec![disc(100, 104, 1748358253), item(1748358253, 104)]);
        assert_eq!(
            events[0],
            SubscriptionEvent::Discontinuity(Discontinuity {
                last_topic_sequence: 100,
                new_topic_sequence: 104,
                new_sequence_page: 1748358253
            })
        );
        assert_eq!(delivered(&events), [(1748358253, 104)]);
        assert_eq!(
            c.position(),
            SubscribePosition { sequence_number: 105, sequence_page: 1748358253 }
        );
    }

    #[test]
    fn a_discontinuity_to_a_new_page_accepts_low_numbers_there() {
        let mut c = SubscriptionCursor::resume_after("c", "t", 10, 500).unwrap();
        let events = c.apply(vec![disc(500, 1, 11), item(11, 1), item(11, 2)]);
        assert_eq!(delivered(&events), [(11, 1), (11, 2)]);
    }

    #[test]
    fn server_resuming_at_last_plus_one_after_a_discontinuity_loses_nothing() {
        // One Momento client resumes at last + 1; items the server still sends are delivered.
        let mut c = SubscriptionCursor::resume_after("c", "t", 3, 100).unwrap();
        let events = c.apply(vec![disc(100, 104, 3), item(3, 101), item(3, 104)]);
        assert_eq!(delivered(&events), [(3, 101), (3, 104)]);
    }

    #[test]
    fn surfaces_unannounced_gaps_and_silent_page_changes() {
        let mut c = cursor();
        let events = c.apply(vec![item(5, 1), item(5, 4), item(6, 1)]);
        let gaps: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                SubscriptionEvent::Discontinuity(d) => Some(*d),
                _ => None,
            })
            .collect();
        assert_eq!(
            gaps,
            [
                Discontinuity {
                    last_topic_sequence: 1,
                    new_topic_sequence: 4,
                    new_sequence_page: 5
                },
                Discontinuity {
                    last_topic_sequence: 4,
                    new_topic_sequence: 1,
                    new_sequence_page: 6
                },
            ]
        );
        assert_eq!(delivered(&events), [(5, 1), (5, 4), (6, 1)]);
    }

    #[test]
    fn first_answer_may_start_anywhere_without_a_gap() {
        let mut c = cursor();
        let events = c.apply(vec![item(9, 57)]);
        assert_eq!(events.len(), 1);
    }

    #[test]
    fn items_from_an_older_page_are_dropped() {
        let mut c = SubscriptionCursor::resume_after("c", "t", 10, 3).unwrap();
        assert!(c.apply(vec![item(9, 4)]).is_empty());
    }

    #[test]
    fn missing_pages_mean_the_current_one() {
        let mut c = SubscriptionCursor::resume_after("c", "t", 7, 1).unwrap();
        let events = c.apply(vec![RawEntry::Item {
            topic_sequence_number: 2,
            sequence_page: None,
            value: TopicValue::from("x"),
        }]);
        assert_eq!(delivered(&events), [(7, 2)]);
    }

    #[test]
    fn heartbeats_pass_through_without_moving_the_cursor() {
        let mut c = cursor();
        assert_eq!(c.apply(vec![RawEntry::Heartbeat]), vec![SubscriptionEvent::Heartbeat]);
        assert_eq!(c.position(), SubscribePosition::default());
    }

    #[test]
    fn a_replayed_discontinuity_is_not_repeated() {
        let mut c = cursor();
        c.apply(vec![item(2, 5), item(2, 6)]);
        assert!(c.apply(vec![disc(4, 5, 2), item(2, 5), item(2, 6)]).is_empty());
    }

    #[test]
    fn token_round_trip_and_damage_detection() {
        let mut c = cursor();
        c.apply(vec![item(4, 9)]);
        let restored = SubscriptionCursor::from_token(&c.to_token()).unwrap();
        assert_eq!(restored, c);
        assert!(SubscriptionCursor::from_token("e30").is_err()); // "{}"
    }
}
