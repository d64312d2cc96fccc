//! One topic: its retention ring, sequence numbering and page, and the pure part of subscribing
//! (what a subscriber at a given cursor should receive right now).

use momento_topics_worker::wire::{WireDiscontinuity, WireEntry, WireItem, WireValue};
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::Notify;

/// Most entries returned by one subscribe answer; the client polls again for the rest.
pub const MAX_ITEMS_PER_RESPONSE: usize = 100;

/// Where a subscriber stands: the next sequence number it expects, on a given page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The sequence page the subscriber believes is current.
    pub page: u64,
    /// The next sequence number it expects on that page.
    pub seq: u64,
}

#[derive(Debug, Clone)]
struct Stored {
    seq: u64,
    value: WireValue,
}

/// A topic's retained messages and numbering. Sequence numbers start at 1 on every page.
#[derive(Debug)]
pub struct Topic {
    page: u64,
    next_seq: u64,
    retention: usize,
    ring: VecDeque<Stored>,
    notify: Arc<Notify>,
}

impl Topic {
    /// A fresh, empty topic on `page`, keeping at most `retention` (at least 1) messages.
    pub fn new(page: u64, retention: usize) -> Self {
        Topic {
            page,
            next_seq: 1,
            retention: retention.max(1),
            ring: VecDeque::new(),
            notify: Arc::new(Notify::new()),
        }
    }

    /// The current sequence page.
    pub fn page(&self) -> u64 {
        self.page
    }

    /// The sequence number the next publish will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The oldest sequence number a subscriber can still receive on the current page (the next one
    /// to be published when nothing is retained).
    pub fn first_available(&self) -> u64 {
        self.ring.front().map_or(self.next_seq, |s| s.seq)
    }

    /// Woken (via `notify_waiters`) on every publish and eviction.
    pub fn notify(&self) -> Arc<Notify> {
        Arc::clone(&self.notify)
    }

    /// Stores a message, drops the oldest beyond retention, wakes subscribers; returns its number.
    pub fn publish(&mut self, value: WireValue) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.ring.len() == self.retention {
            self.ring.pop_front();
        }
        self.ring.push_back(Stored { seq, value });
        self.notify.notify_waiters();
        seq
    }

    /// Drops every message and restarts numbering on `new_page`; wakes subscribers so that they
    /// see the discontinuity at once.
    pub fn evict(&mut self, new_page: u64) {
        self.ring.clear();
        self.next_seq = 1;
        self.page = new_page;
        self.notify.notify_waiters();
    }

    /// Wakes subscribers without changing anything (used when the topic's cache goes away).
    pub fn wake_all(&self) {
        self.notify.notify_waiters();
    }

    /// The entries a subscriber at `cursor` should receive now: a discontinuity if the cursor is
    /// on another page, behind the ring or ahead of the topic, then up to
    /// [`MAX_ITEMS_PER_RESPONSE`] items. Empty when the subscriber must wait.
    pub fn collect(&self, cursor: Cursor) -> Vec<WireEntry> {
        let (discontinuity, start) = self.realign(cursor);
        let mut entries: Vec<WireEntry> =
            discontinuity.map(discontinuity_entry).into_iter().collect();
        let room = MAX_ITEMS_PER_RESPONSE - entries.len();
        entries.extend(self.items_from(start, room));
        entries
    }

    /// Where the subscriber really continues, and the discontinuity that tells it so.
    fn realign(&self, cursor: Cursor) -> (Option<WireDiscontinuity>, u64) {
        let first = self.first_available();
        let target = if cursor.page != self.page || cursor.seq < first {
            first
        } else if cursor.seq > self.next_seq {
            // Ahead of the topic (it cannot have seen these): send it back rather than hang.
            self.next_seq
        } else {
            return (None, cursor.seq);
        };
        (Some(self.discontinuity(cursor.seq, target)), target)
    }

    /// A discontinuity from a subscriber that expected `expected` to `new` on the current page.
    pub fn discontinuity(&self, expected: u64, new: u64) -> WireDiscontinuity {
        WireDiscontinuity {
            last_topic_sequence: expected.saturating_sub(1),
            new_topic_sequence: new,
            new_sequence_page: Some(self.page),
        }
    }

    fn items_from(&self, start: u64, limit: usize) -> impl Iterator<Item = WireEntry> + '_ {
        let skip =
            usize::try_from(start.saturating_sub(self.first_available())).unwrap_or(usize::MAX);
        self.ring.iter().skip(skip).take(limit).map(|s| WireEntry {
            item: Some(WireItem {
                topic_sequence_number: s.seq,
                sequence_page: Some(self.page),
                value: s.value.clone(),
            }),
            ..WireEntry::default()
        })
    }
}

/// Wraps a discontinuity in an entry.
pub fn discontinuity_entry(d: WireDiscontinuity) -> WireEntry {
    WireEntry { discontinuity: Some(d), ..WireEntry::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> WireValue {
        WireValue::Text(s.to_owned())
    }

    fn seqs(entries: &[WireEntry]) -> Vec<u64> {
        entries.iter().filter_map(|e| e.item.as_ref()).map(|i| i.topic_sequence_number).collect()
    }

    #[test]
    fn numbering_starts_at_one_and_items_carry_the_page() {
        let mut t = Topic::new(77, 10);
        assert_eq!(t.publish(text("a")), 1);
        assert_eq!(t.publish(text("b")), 2);
        let got = t.collect(Cursor { page: 77, seq: 1 });
        assert_eq!(seqs(&got), [1, 2]);
        assert_eq!(got[0].item.as_ref().unwrap().sequence_page, Some(77));
        assert!(t.collect(Cursor { page: 77, seq: 3 }).is_empty());
    }

    #[test]
    fn falling_behind_the_ring_reports_a_discontinuity() {
        let mut t = Topic::new(5, 3);
        for i in 0..5 {
            t.publish(text(&i.to_string()));
        }
        let got = t.collect(Cursor { page: 5, seq: 1 });
        let d = got[0].discontinuity.unwrap();
        assert_eq!(
            (d.last_topic_sequence, d.new_topic_sequence, d.new_sequence_page),
            (0, 3, Some(5))
        );
        assert_eq!(seqs(&got), [3, 4, 5]);
    }

    #[test]
    fn a_new_page_reports_a_discontinuity_even_when_empty() {
        let mut t = Topic::new(5, 3);
        t.publish(text("a"));
        t.evict(9);
        let got = t.collect(Cursor { page: 5, seq: 2 });
        assert_eq!(got.len(), 1);
        let d = got[0].discontinuity.unwrap();
        assert_eq!(
            (d.last_topic_sequence, d.new_topic_sequence, d.new_sequence_page),
            (1, 1, Some(9))
        );
        assert!(t.collect(Cursor { page: 9, seq: 1 }).is_empty());
    }

    #[test]
    fn a_cursor_ahead_of_the_topic_is_sent_back() {
        let mut t = Topic::new(5, 3);
        t.publish(text("a"));
        let got = t.collect(Cursor { page: 5, seq: 10 });
        assert_eq!(got[0].discontinuity.unwrap().new_topic_sequence, 2);
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn answers_are_capped() {
        let mut t = Topic::new(1, 1000);
        for _ in 0..250 {
            t.publish(text("x"));
        }
        let got = t.collect(Cursor { page: 1, seq: 1 });
        assert_eq!(got.len(), MAX_ITEMS_PER_RESPONSE);
        assert_eq!(seqs(&t.collect(Cursor { page: 1, seq: 201 })).len(), 50);
    }
}
