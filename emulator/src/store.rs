//! The emulator's data: caches, each holding topics and key/value items, plus the counters that
//! `GET /_emulator/stats` reports. One mutex guards the data; it is never held across an `.await`.

use bytes::Bytes;
use momento_topics_worker::wire::{WireEntry, WireValue};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

use crate::faults::FaultCounts;
use crate::http::ApiError;
use crate::topics::{discontinuity_entry, Cursor, Topic};

/// A subscribe request's position as sent by the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscribeFrom {
    /// `sequence_number`; 0 means "start fresh".
    pub sequence_number: u64,
    /// `sequence_page`; 0 means "whatever is current".
    pub sequence_page: u64,
    /// With a fresh start, skip retained history.
    pub start_at_latest: bool,
}

/// The live counters.
#[derive(Debug, Default)]
pub struct Stats {
    published: AtomicU64,
    delivered: AtomicU64,
    subscribers_waiting: AtomicU64,
}

/// `GET /_emulator/stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    /// Messages stored by publishes.
    pub published: u64,
    /// Items (not discontinuities) handed to subscribers.
    pub delivered: u64,
    /// Subscribe requests currently parked waiting for a message.
    pub subscribers_waiting: u64,
    /// Injected faults per kind.
    pub faults_injected: FaultCounts,
}

impl Stats {
    /// A snapshot combined with the fault counters.
    pub fn snapshot(&self, faults_injected: FaultCounts) -> StatsSnapshot {
        StatsSnapshot {
            published: self.published.load(Ordering::Relaxed),
            delivered: self.delivered.load(Ordering::Relaxed),
            subscribers_waiting: self.subscribers_waiting.load(Ordering::Relaxed),
            faults_injected,
        }
    }

    /// Counts the item entries among `entries` as delivered.
    pub fn count_delivered(&self, entries: &[WireEntry]) {
        let items = entries.iter().filter(|e| e.item.is_some()).count() as u64;
        self.delivered.fetch_add(items, Ordering::Relaxed);
    }

    /// Marks one subscriber as waiting until the guard is dropped (also when the request is
    /// cancelled because the client went away).
    pub fn waiting(self: &Arc<Self>) -> WaitingGuard {
        self.subscribers_waiting.fetch_add(1, Ordering::Relaxed);
        WaitingGuard(Arc::clone(self))
    }
}

/// Decrements `subscribers_waiting` on drop.
#[derive(Debug)]
pub struct WaitingGuard(Arc<Stats>);

impl Drop for WaitingGuard {
    fn drop(&mut self) {
        self.0.subscribers_waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Debug, Clone)]
struct CacheItem {
    value: Bytes,
    expires_at: Instant,
}

#[derive(Debug, Default)]
struct Cache {
    topics: HashMap<String, Topic>,
    items: HashMap<Vec<u8>, CacheItem>,
}

#[derive(Debug)]
struct Data {
    caches: HashMap<String, Cache>,
    /// The last sequence page handed out; pages are unix millis, forced strictly increasing.
    last_page: u64,
}

impl Data {
    fn new_page(&mut self) -> u64 {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        self.last_page = now.max(self.last_page + 1);
        self.last_page
    }

    fn cache(&mut self, cache: &str) -> Result<&mut Cache, ApiError> {
        self.caches.get_mut(cache).ok_or_else(ApiError::cache_not_found)
    }

    /// The topic, created lazily (on a fresh page) in an existing cache.
    fn topic(
        &mut self,
        cache: &str,
        topic: &str,
        retention: usize,
    ) -> Result<&mut Topic, ApiError> {
        if !self.cache(cache)?.topics.contains_key(topic) {
            let page = self.new_page();
            self.cache(cache)?.topics.insert(topic.to_owned(), Topic::new(page, retention));
        }
        Ok(self.cache(cache)?.topics.get_mut(topic).expect("inserted above"))
    }
}

/// Caches, topics and items.
#[derive(Debug)]
pub struct Store {
    data: Mutex<Data>,
    retention: usize,
    /// Shared with waiting subscribers' guards.
    pub stats: Arc<Stats>,
}

impl Store {
    /// A store with the given caches, keeping `retention` messages per topic.
    pub fn new(caches: &[String], retention: usize) -> Self {
        let caches = caches.iter().map(|c| (c.clone(), Cache::default())).collect();
        Store {
            data: Mutex::new(Data { caches, last_page: 0 }),
            retention,
            stats: Arc::new(Stats::default()),
        }
    }

    fn data(&self) -> std::sync::MutexGuard<'_, Data> {
        // A panic while holding the lock cannot leave the maps inconsistent, so carry on.
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True when the cache exists.
    pub fn has_cache(&self, cache: &str) -> bool {
        self.data().caches.contains_key(cache)
    }

    /// Creates a cache; creating an existing one is a no-op.
    pub fn create_cache(&self, cache: &str) {
        self.data().caches.entry(cache.to_owned()).or_default();
    }

    /// Deletes a cache with its topics and items, waking its subscribers (who then get a 404).
    pub fn delete_cache(&self, cache: &str) -> Result<(), ApiError> {
        let removed = self.data().caches.remove(cache).ok_or_else(ApiError::cache_not_found)?;
        removed.topics.values().for_each(Topic::wake_all);
        Ok(())
    }

    /// Stores a message; returns its sequence number.
    pub fn publish(&self, cache: &str, topic: &str, value: WireValue) -> Result<u64, ApiError> {
        let seq = self.data().topic(cache, topic, self.retention)?.publish(value);
        self.stats.published.fetch_add(1, Ordering::Relaxed);
        Ok(seq)
    }

    /// Drops a topic's messages and moves it to a new, larger page.
    pub fn evict(&self, cache: &str, topic: &str) -> Result<u64, ApiError> {
        let mut data = self.data();
        let page = data.new_page();
        data.topic(cache, topic, self.retention)?.evict(page);
        Ok(page)
    }

    /// Turns the client's position into a cursor. A fresh start (`sequence_number` 0) begins at
    /// the oldest retained message, or after the newest with `start_at_latest`; it is prefixed
    /// with a discontinuity only when the client named a page that is no longer current.
    pub fn resolve(
        &self,
        cache: &str,
        topic: &str,
        from: SubscribeFrom,
    ) -> Result<(Cursor, Option<WireEntry>), ApiError> {
        let mut data = self.data();
        let t = data.topic(cache, topic, self.retention)?;
        let stale_page = from.sequence_page != 0 && from.sequence_page != t.page();
        if from.sequence_number != 0 {
            let page = if from.sequence_page == 0 { t.page() } else { from.sequence_page };
            return Ok((Cursor { page, seq: from.sequence_number }, None));
        }
        let seq = if from.start_at_latest { t.next_seq() } else { t.first_available() };
        let prefix = stale_page.then(|| discontinuity_entry(t.discontinuity(0, seq)));
        Ok((Cursor { page: t.page(), seq }, prefix))
    }

    /// The topic's wake-up handle, to be armed before [`Store::collect`] so no publish is missed.
    pub fn notify(&self, cache: &str, topic: &str) -> Result<Arc<Notify>, ApiError> {
        Ok(self.data().topic(cache, topic, self.retention)?.notify())
    }

    /// What a subscriber at `cursor` should receive now (empty: wait).
    pub fn collect(
        &self,
        cache: &str,
        topic: &str,
        cursor: Cursor,
    ) -> Result<Vec<WireEntry>, ApiError> {
        Ok(self.data().topic(cache, topic, self.retention)?.collect(cursor))
    }

    /// Sets a key until `expires_at`.
    pub fn cache_set(
        &self,
        cache: &str,
        key: Vec<u8>,
        value: Bytes,
        expires_at: Instant,
    ) -> Result<(), ApiError> {
        let mut data = self.data();
        let items = &mut data.cache(cache)?.items;
        // Sweep expired items now and then so a long soak does not grow without bound.
        if items.len() >= 1024 && items.len().is_power_of_two() {
            let now = Instant::now();
            items.retain(|_, item| item.expires_at > now);
        }
        items.insert(key, CacheItem { value, expires_at });
        Ok(())
    }

    /// Gets a live key; `Ok(None)` on a miss or an expired item.
    pub fn cache_get(&self, cache: &str, key: &[u8]) -> Result<Option<Bytes>, ApiError> {
        let mut data = self.data();
        let items = &mut data.cache(cache)?.items;
        match items.get(key) {
            Some(item) if item.expires_at > Instant::now() => Ok(Some(item.value.clone())),
            Some(_) => {
                items.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// Deletes a key (missing keys are fine).
    pub fn cache_delete(&self, cache: &str, key: &[u8]) -> Result<(), ApiError> {
        self.data().cache(cache)?.items.remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn store() -> Store {
        Store::new(&["c".to_owned()], 10)
    }

    fn fresh(sequence_page: u64) -> SubscribeFrom {
        SubscribeFrom { sequence_number: 0, sequence_page, start_at_latest: false }
    }

    #[test]
    fn pages_strictly_increase_across_evictions() {
        let s = store();
        let (first, _) = s.resolve("c", "t", fresh(0)).unwrap();
        let p2 = s.evict("c", "t").unwrap();
        let p3 = s.evict("c", "t").unwrap();
        assert!(first.page < p2 && p2 < p3);
        assert!(first.page > 1_600_000_000_000, "pages look like unix millis: {}", first.page);
    }

    #[test]
    fn fresh_start_replays_history_or_starts_at_latest() {
        let s = store();
        s.publish("c", "t", WireValue::Text("a".into())).unwrap();
        let (cursor, prefix) = s.resolve("c", "t", fresh(0)).unwrap();
        assert_eq!((cursor.seq, prefix), (1, None));
        let latest = SubscribeFrom { start_at_latest: true, ..fresh(0) };
        assert_eq!(s.resolve("c", "t", latest).unwrap().0.seq, 2);
    }

    #[test]
    fn a_stale_page_on_a_fresh_start_is_announced() {
        let s = store();
        let (cursor, _) = s.resolve("c", "t", fresh(0)).unwrap();
        s.evict("c", "t").unwrap();
        let (_, prefix) = s.resolve("c", "t", fresh(cursor.page)).unwrap();
        assert_eq!(prefix.unwrap().discontinuity.unwrap().new_topic_sequence, 1);
    }

    #[test]
    fn unknown_caches_are_404_and_items_expire() {
        let s = store();
        assert_eq!(
            s.publish("nope", "t", WireValue::Text("a".into())).unwrap_err().message,
            "Cache Not Found"
        );
        let past = Instant::now() - Duration::from_millis(1);
        s.cache_set("c", b"k".to_vec(), Bytes::from_static(b"v"), past).unwrap();
        assert_eq!(s.cache_get("c", b"k").unwrap(), None);
        let later = Instant::now() + Duration::from_secs(60);
        s.cache_set("c", b"k".to_vec(), Bytes::from_static(b"v"), later).unwrap();
        assert_eq!(s.cache_get("c", b"k").unwrap().as_deref(), Some(&b"v"[..]));
        s.delete_cache("c").unwrap();
        assert!(!s.has_cache("c"));
    }
}
