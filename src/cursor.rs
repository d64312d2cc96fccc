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
#[non_exhaustive]
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
    /// Pages this cursor has moved away from (the last few): anything from them is a replay.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    left_pages: Vec<u64>,
}

/// How many left pages a cursor remembers; pages change rarely (evictions, maintenance).
const MAX_LEFT_PAGES: usize = 4;

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
            left_pages: Vec::new(),
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
        for entry in &entries {
            loop {
                let (event, consumed) = self.apply_entry(entry);
                events.extend(event);
                if consumed {
                    break;
                }
            }
        }
        events
    }

    /// Applies one entry and returns at most one event, so that the cursor stands exactly after
    /// that event. `consumed` is false when the entry must be applied again: an item behind an
    /// unannounced gap first yields the gap (cursor at the item), then the item itself.
    ///
    /// ```
    /// use momento_topics_worker::{RawEntry, SubscriptionCursor, SubscriptionEvent, TopicValue};
    /// let mut c = SubscriptionCursor::resume_after("c", "t", 1, 5).unwrap();
    /// let item = RawEntry::Item { topic_sequence_number: 9, sequence_page: Some(1), value: TopicValue::from("x") };
    /// let (gap, consumed) = c.apply_entry(&item);
    /// assert!(matches!(gap, Some(SubscriptionEvent::Discontinuity(_))) && !consumed);
    /// assert_eq!(c.position().sequence_number, 9); // a saved cursor still gets item 9
    /// let (event, consumed) = c.apply_entry(&item);
    /// assert!(event.unwrap().item().is_some() && consumed);
    /// ```
    pub fn apply_entry(&mut self, entry: &RawEntry) -> (Option<SubscriptionEvent>, bool) {
        match entry {
            RawEntry::Item { topic_sequence_number, sequence_page, value } => {
                let page = sequence_page.unwrap_or(self.sequence_page);
                self.apply_item(page, *topic_sequence_number, Some(value))
            }
            RawEntry::Unreadable { topic_sequence_number, sequence_page } => {
                let page = sequence_page.unwrap_or(self.sequence_page);
                self.apply_item(page, *topic_sequence_number, None)
            }
            RawEntry::Discontinuity {
                last_topic_sequence,
                new_topic_sequence,
                new_sequence_page,
            } => {
                let page = new_sequence_page.unwrap_or(self.sequence_page);
                (self.apply_discontinuity(*last_topic_sequence, *new_topic_sequence, page), true)
            }
            RawEntry::Heartbeat => (Some(SubscriptionEvent::Heartbeat), true),
        }
    }

    /// An item (or, with `value` None, a message this client cannot read) at `(page, seq)`.
    fn apply_item(
        &mut self,
        page: u64,
        seq: u64,
        value: Option<&TopicValue>,
    ) -> (Option<SubscriptionEvent>, bool) {
        if self.is_repeat(page, seq) {
            return (None, true);
        }
        if let Some(gap) = self.unannounced_gap(page, seq) {
            self.move_to(page, seq, false);
            return (Some(SubscriptionEvent::Discontinuity(gap)), false);
        }
        self.move_to(page, seq.saturating_add(1), false);
        self.last_delivered = Some(seq);
        let event = match value {
            Some(value) => SubscriptionEvent::Item(SubscriptionItem {
                value: value.clone(),
                topic_sequence_number: seq,
                sequence_page: page,
            }),
            // Skipping it silently would hide a lost message: report a one-message gap.
            None => SubscriptionEvent::Discontinuity(Discontinuity {
                last_topic_sequence: seq.saturating_sub(1),
                new_topic_sequence: seq.saturating_add(1),
                new_sequence_page: page,
            }),
        };
        (Some(event), true)
    }

    /// Moves the next poll to `(page, sequence_number)`. Leaving a page remembers it, so that
    /// anything from it that arrives later is recognised as a replay.
    fn move_to(&mut self, page: u64, sequence_number: u64, forget_delivered: bool) {
        if page != self.sequence_page {
            if self.sequence_page != 0 && !self.left_pages.contains(&self.sequence_page) {
                if self.left_pages.len() == MAX_LEFT_PAGES {
                    self.left_pages.remove(0);
                }
                self.left_pages.push(self.sequence_page);
            }
            self.last_delivered = None;
        }
        if forget_delivered {
            self.last_delivered = None;
        }
        self.sequence_page = page;
        self.sequence_number = sequence_number;
    }

    /// A repeat: on a page this cursor has left, or at or before the last delivered item of the
    /// current page. Pages are not assumed to grow (that is only inferred from Momento's SDKs).
    fn is_repeat(&self, page: u64, seq: u64) -> bool {
        if self.left_pages.contains(&page) {
            return true;
        }
        page == self.sequence_page && self.last_delivered.is_some_and(|last| seq <= last)
    }

    /// A gap the server did not announce: a silent move to another page, or a jump past the
    /// position (or past the last delivered item) on this one.
    fn unannounced_gap(&self, page: u64, seq: u64) -> Option<Discontinuity> {
        let gap = Discontinuity {
            last_topic_sequence: self
                .last_delivered
                .unwrap_or(self.sequence_number.saturating_sub(1)),
            new_topic_sequence: seq,
            new_sequence_page: page,
        };
        if page != self.sequence_page {
            return (self.sequence_page != 0).then_some(gap);
        }
        let expected = match self.last_delivered {
            Some(last) => last.saturating_add(1).max(self.sequence_number),
            // Nothing delivered yet: only a position the server gave us (page known) counts.
            None if self.sequence_page != 0 => self.sequence_number,
            None => return None,
        };
        (seq > expected).then_some(gap)
    }

    /// Follows a discontinuity unless it is a replay: on a page already left, or pointing at or
    /// before what was already delivered on this page. Where the server sends no pages at all
    /// (page 0), numbering can restart on the "same" page: a discontinuity whose last sequence
    /// is at or after the last delivery and whose new one is lower is then followed.
    fn apply_discontinuity(&mut self, last: u64, new: u64, page: u64) -> Option<SubscriptionEvent> {
        let replayed_page = self.left_pages.contains(&page);
        let pages_known = self.sequence_page != 0;
        let replayed_in_page = page == self.sequence_page
            && self
                .last_delivered
                .is_some_and(|delivered| new <= delivered && (pages_known || last < delivered));
        if replayed_page || replayed_in_page {
            return None;
        }
        let restarted = self.last_delivered.is_some_and(|delivered| new <= delivered);
        self.move_to(page, new, restarted);
        Some(SubscriptionEvent::Discontinuity(Discontinuity {
            last_topic_sequence: last,
            new_topic_sequence: new,
            new_sequence_page: page,
        }))
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
    fn items_from_a_page_already_left_are_dropped() {
        let mut c = SubscriptionCursor::resume_after("c", "t", 9, 3).unwrap();
        c.apply(vec![disc(3, 1, 10), item(10, 1)]);
        assert!(c.apply(vec![item(9, 4), disc(3, 4, 9)]).is_empty());
        assert_eq!(c.position(), SubscribePosition { sequence_number: 2, sequence_page: 10 });
    }

    #[test]
    fn pages_are_not_assumed_to_grow() {
        // The review's case: a new page with a smaller number, announced or not.
        let mut c = SubscriptionCursor::resume_after("c", "t", 1000, 5).unwrap();
        let events = c.apply(vec![disc(5, 1, 7), item(7, 1), item(7, 2)]);
        assert_eq!(delivered(&events), [(7, 1), (7, 2)]);
        let mut silent = SubscriptionCursor::resume_after("c", "t", 1000, 5).unwrap();
        let events = silent.apply(vec![item(7, 1)]);
        assert!(matches!(events[0], SubscriptionEvent::Discontinuity(_)));
        assert_eq!(delivered(&events), [(7, 1)]);
    }

    #[test]
    fn numbering_restarting_without_pages_is_followed() {
        let no_page = |seq| RawEntry::Item {
            topic_sequence_number: seq,
            sequence_page: None,
            value: TopicValue::from("v"),
        };
        let mut c = cursor();
        c.apply(vec![no_page(499), no_page(500)]);
        let restart = RawEntry::Discontinuity {
            last_topic_sequence: 500,
            new_topic_sequence: 1,
            new_sequence_page: None,
        };
        let events = c.apply(vec![restart, no_page(1), no_page(2)]);
        assert_eq!(delivered(&events), [(0, 1), (0, 2)]);
    }

    #[test]
    fn a_gap_right_after_a_page_change_is_reported() {
        let mut c = SubscriptionCursor::resume_after("c", "t", 5, 10).unwrap();
        let events = c.apply(vec![disc(10, 1, 6), item(6, 4)]);
        assert_eq!(
            events[1],
            SubscriptionEvent::Discontinuity(Discontinuity {
                last_topic_sequence: 0,
                new_topic_sequence: 4,
                new_sequence_page: 6
            })
        );
        assert_eq!(delivered(&events), [(6, 4)]);
    }

    #[test]
    fn an_unreadable_message_is_a_one_message_gap_and_the_stream_goes_on() {
        let mut c = SubscriptionCursor::resume_after("c", "t", 3, 1).unwrap();
        let unreadable = RawEntry::Unreadable { topic_sequence_number: 2, sequence_page: Some(3) };
        let events = c.apply(vec![unreadable, item(3, 3)]);
        assert_eq!(
            events[0],
            SubscriptionEvent::Discontinuity(Discontinuity {
                last_topic_sequence: 1,
                new_topic_sequence: 3,
                new_sequence_page: 3
            })
        );
        assert_eq!(delivered(&events), [(3, 3)]);
        assert_eq!(c.position().sequence_number, 4);
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
