//! Retry policy: exponential backoff with full jitter and a cap.
//!
//! Pure: the caller passes the attempt number and a random number in `[0, 1)`, so the policy is
//! tested without a clock or an RNG (the transport uses `Math.random()`).

use crate::error::{Error, ErrorKind};
use std::time::Duration;

/// How often and how patiently to retry transient failures.
///
/// Delay before retry `n` (0-based) is `random × min(max_delay, initial_delay × 2ⁿ)` — "full
/// jitter", which spreads retrying clients out best. Non-retryable errors are never retried.
///
/// ```
/// use momento_topics_worker::{Error, ErrorKind, RetryPolicy};
/// use std::time::Duration;
/// let policy = RetryPolicy::default();
/// let transient = Error::from_http_status(503, "busy");
/// assert_eq!(policy.delay_before_retry(0, &transient, 0.5), Some(Duration::from_millis(50)));
/// assert_eq!(policy.delay_before_retry(0, &Error::from_http_status(403, "no"), 0.5), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `max_retries + 1` attempts in all).
    pub max_retries: u32,
    /// The backoff ceiling before jitter for the first retry.
    pub initial_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 3 retries, 100 ms doubling up to 5 s: enough to ride out a blip inside one Worker request.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    ///
    /// ```
    /// # use momento_topics_worker::{Error, RetryPolicy};
    /// assert_eq!(RetryPolicy::none().delay_before_retry(0, &Error::from_http_status(500, ""), 0.1), None);
    /// ```
    pub fn none() -> RetryPolicy {
        RetryPolicy { max_retries: 0, ..RetryPolicy::default() }
    }

    /// The jittered backoff before retry number `retry` (0-based), ignoring the retry limit.
    /// `random` is clamped into `[0, 1]`; NaN and infinities count as 0.
    ///
    /// ```
    /// # use momento_topics_worker::RetryPolicy;
    /// # use std::time::Duration;
    /// let p = RetryPolicy::default();
    /// assert_eq!(p.backoff(3, 1.0), Duration::from_millis(800));
    /// assert_eq!(p.backoff(30, 1.0), Duration::from_secs(5)); // capped
    /// ```
    pub fn backoff(&self, retry: u32, random: f64) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(31));
        let ceiling = self.initial_delay.saturating_mul(factor).min(self.max_delay);
        let random = if random.is_finite() { random.clamp(0.0, 1.0) } else { 0.0 };
        ceiling.mul_f64(random)
    }

    /// How long to wait before retry number `retry` after `error`, or `None` to give up:
    /// the error is not retryable or the retries are used up.
    ///
    /// ```
    /// # use momento_topics_worker::{Error, RetryPolicy};
    /// let p = RetryPolicy { max_retries: 1, ..RetryPolicy::default() };
    /// let e = Error::from_http_status(500, "");
    /// assert!(p.delay_before_retry(0, &e, 0.3).is_some());
    /// assert!(p.delay_before_retry(1, &e, 0.3).is_none());
    /// ```
    pub fn delay_before_retry(&self, retry: u32, error: &Error, random: f64) -> Option<Duration> {
        (error.is_retryable() && retry < self.max_retries).then(|| self.backoff(retry, random))
    }
}

/// Whether the server may have acted on a request that failed with `error`: timeouts, lost
/// connections and 504s leave it unknown, so re-sending a publish after them may duplicate it.
///
/// ```
/// use momento_topics_worker::{outcome_unknown, Error, ErrorKind};
/// assert!(outcome_unknown(&Error::new(ErrorKind::Timeout, "no answer")));
/// assert!(outcome_unknown(&Error::from_http_status(504, "gateway timeout")));
/// assert!(!outcome_unknown(&Error::from_http_status(503, "unavailable")));
/// ```
pub fn outcome_unknown(error: &Error) -> bool {
    matches!(error.kind(), ErrorKind::Timeout | ErrorKind::Transport) || error.status() == Some(504)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn ceilings_double_then_cap() {
        let p = RetryPolicy::default();
        let ceilings: Vec<u128> = (0..8).map(|n| p.backoff(n, 1.0).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    }

    #[test]
    fn jitter_scales_within_the_ceiling() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(2, 0.0), Duration::ZERO);
        assert_eq!(p.backoff(2, 0.25), Duration::from_millis(100));
        assert_eq!(p.backoff(2, 7.0), Duration::from_millis(400)); // clamped
        assert_eq!(p.backoff(2, -1.0), Duration::ZERO);
        assert_eq!(p.backoff(2, f64::NAN), Duration::ZERO);
        assert_eq!(p.backoff(2, f64::INFINITY), Duration::ZERO);
        assert_eq!(p.backoff(u32::MAX, 1.0), p.max_delay);
    }

    #[test]
    fn only_answers_that_prove_nothing_happened_are_known_outcomes() {
        let unknown = [
            Error::new(ErrorKind::Timeout, ""),
            Error::new(ErrorKind::Transport, ""),
            Error::from_http_status(504, ""),
        ];
        assert!(unknown.iter().all(outcome_unknown));
        let known =
            [429, 500, 502, 503, 400, 401, 403, 404].map(|s| Error::from_http_status(s, ""));
        assert!(!known.iter().any(outcome_unknown));
    }

    #[test]
    fn non_retryable_kinds_stop_at_once() {
        let p = RetryPolicy { max_retries: 10, ..RetryPolicy::default() };
        for kind in [
            ErrorKind::InvalidArgument,
            ErrorKind::Authentication,
            ErrorKind::Permission,
            ErrorKind::NotFound,
            ErrorKind::Protocol,
        ] {
            assert_eq!(p.delay_before_retry(0, &Error::new(kind, "x"), 0.5), None, "{kind}");
        }
        for kind in
            [ErrorKind::LimitExceeded, ErrorKind::Timeout, ErrorKind::Server, ErrorKind::Transport]
        {
            assert!(p.delay_before_retry(9, &Error::new(kind, "x"), 0.5).is_some(), "{kind}");
            assert!(p.delay_before_retry(10, &Error::new(kind, "x"), 0.5).is_none(), "{kind}");
        }
    }
}
