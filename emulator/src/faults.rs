//! Fault injection for the public API, and the counters the stats endpoint reports.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Fault probabilities and delay range. Also the body of `PUT /_emulator/faults`, where a missing
/// field means zero (the call replaces every setting).
///
/// ```
/// use momento_topics_emulator::faults::FaultSettings;
/// let f: FaultSettings = serde_json::from_str(r#"{"p500":0.5}"#).unwrap();
/// assert_eq!(f, FaultSettings { p500: 0.5, ..FaultSettings::default() });
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSettings {
    /// Probability of answering 500 without doing the work.
    pub p500: f64,
    /// Probability of answering 429 without doing the work.
    pub p429: f64,
    /// Probability of closing the connection without sending a byte.
    pub pdrop: f64,
    /// Probability of doing the work (a publish is stored) and then closing the connection
    /// without an answer: the client cannot tell whether it succeeded. An extension of the
    /// fixed interface, for testing how clients treat ambiguous outcomes.
    pub pdrop_after: f64,
    /// Extra latency drawn uniformly from `[min, max]` milliseconds before anything else.
    pub delay_ms: [u64; 2],
}

impl FaultSettings {
    /// Checks that probabilities are in `0..=1` and the delay range is ordered.
    pub fn validate(&self) -> Result<(), String> {
        let probabilities = [
            ("p500", self.p500),
            ("p429", self.p429),
            ("pdrop", self.pdrop),
            ("pdrop_after", self.pdrop_after),
        ];
        for (name, p) in probabilities {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        if self.delay_ms[0] > self.delay_ms[1] {
            return Err("delay_ms must be [min, max] with min <= max".to_owned());
        }
        Ok(())
    }
}

/// The fault, if any, chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer 500.
    Status500,
    /// Answer 429.
    Status429,
    /// Close the connection without a response.
    Drop,
    /// Do the work, then close the connection without a response.
    DropAfterWork,
}

/// How many faults of each kind were injected, as reported by `GET /_emulator/stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FaultCounts {
    /// Injected 500 answers.
    pub p500: u64,
    /// Injected 429 answers.
    pub p429: u64,
    /// Dropped connections.
    pub pdrop: u64,
    /// Connections dropped after doing the work.
    pub pdrop_after: u64,
    /// Requests that were delayed.
    pub delay: u64,
}

/// The live fault settings plus counters; shared by all connections.
#[derive(Debug, Default)]
pub struct Faults {
    settings: Mutex<FaultSettings>,
    p500: AtomicU64,
    p429: AtomicU64,
    pdrop: AtomicU64,
    pdrop_after: AtomicU64,
    delay: AtomicU64,
}

impl Faults {
    /// Starts with the given settings (from the command line).
    pub fn new(settings: FaultSettings) -> Self {
        Faults { settings: Mutex::new(settings), ..Faults::default() }
    }

    /// Replaces every setting at once.
    pub fn replace(&self, settings: FaultSettings) {
        *self.settings.lock().unwrap() = settings;
    }

    /// The current settings.
    pub fn settings(&self) -> FaultSettings {
        *self.settings.lock().unwrap()
    }

    /// A snapshot of the counters.
    pub fn counts(&self) -> FaultCounts {
        FaultCounts {
            p500: self.p500.load(Ordering::Relaxed),
            p429: self.p429.load(Ordering::Relaxed),
            pdrop: self.pdrop.load(Ordering::Relaxed),
            pdrop_after: self.pdrop_after.load(Ordering::Relaxed),
            delay: self.delay.load(Ordering::Relaxed),
        }
    }

    /// Applies the configured delay (if any), then draws the fault for one request and counts it.
    pub async fn inject(&self) -> Option<Fault> {
        let settings = self.settings();
        if let Some(delay) = draw_delay(settings.delay_ms) {
            self.delay.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(delay).await;
        }
        let fault = draw_fault(&settings)?;
        let counter = match fault {
            Fault::Status500 => &self.p500,
            Fault::Status429 => &self.p429,
            Fault::Drop => &self.pdrop,
            Fault::DropAfterWork => &self.pdrop_after,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        Some(fault)
    }
}

fn draw_delay([min, max]: [u64; 2]) -> Option<Duration> {
    let ms = if max == 0 { 0 } else { fastrand::u64(min..=max) };
    (ms > 0).then(|| Duration::from_millis(ms))
}

/// Independent draws in a fixed order, so a probability of 1 always yields that fault.
fn draw_fault(s: &FaultSettings) -> Option<Fault> {
    let hit = |p: f64| p > 0.0 && fastrand::f64() < p;
    if hit(s.pdrop) {
        Some(Fault::Drop)
    } else if hit(s.p500) {
        Some(Fault::Status500)
    } else if hit(s.p429) {
        Some(Fault::Status429)
    } else if hit(s.pdrop_after) {
        Some(Fault::DropAfterWork)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certain_faults_always_fire_and_are_counted() {
        let faults = Faults::new(FaultSettings { p500: 1.0, ..FaultSettings::default() });
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        assert_eq!(rt.block_on(faults.inject()), Some(Fault::Status500));
        faults.replace(FaultSettings { pdrop: 1.0, p500: 1.0, ..FaultSettings::default() });
        assert_eq!(rt.block_on(faults.inject()), Some(Fault::Drop));
        faults.replace(FaultSettings::default());
        assert_eq!(rt.block_on(faults.inject()), None);
        assert_eq!(faults.counts(), FaultCounts { p500: 1, pdrop: 1, ..FaultCounts::default() });
    }

    #[test]
    fn validation_rejects_out_of_range_values() {
        assert!(FaultSettings { p429: -0.1, ..FaultSettings::default() }.validate().is_err());
        assert!(FaultSettings { delay_ms: [5, 1], ..FaultSettings::default() }.validate().is_err());
        assert!(FaultSettings { delay_ms: [1, 5], ..FaultSettings::default() }.validate().is_ok());
    }
}
