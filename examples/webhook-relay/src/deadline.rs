//! How long a webhook request may spend on Momento.
//!
//! The client's timeout and retries apply to each Momento call, and a webhook makes up to four
//! in a row (dedupe lookup, claim-check write, publish, dedupe record). With [`CALL_TIMEOUT`]
//! and [`CALL_RETRY`] one call can take [`worst_case_call`] = 4 attempts × 2 s + backoffs of at
//! most 0.1 + 0.2 + 0.4 s = 8.7 s, so four of them about 35 s — while GitHub waits 10 s and
//! Slack 3 s for an answer. So all of a request's calls also share one [`BUDGET`] of 8 s,
//! counted from the request's arrival: a call still running when it is spent is abandoned (its
//! fetch aborted) and fails as a timeout — a 503 before or during the publish (the sender
//! retries; a publish cut off mid-flight may have been stored, and its retry then carries the
//! same envelope `id`), and `dedupe_recorded: false` after it.
//!
//! ```
//! use std::time::Duration;
//! use webhook_relay::deadline::{worst_case_call, Deadline, BUDGET, CALL_RETRY, CALL_TIMEOUT};
//! assert_eq!(worst_case_call(CALL_TIMEOUT, &CALL_RETRY), Duration::from_millis(8700));
//! let deadline = Deadline::starting_at(1_000, BUDGET);
//! assert_eq!(deadline.remaining(1_500), Some(Duration::from_millis(7_500)));
//! assert_eq!(deadline.remaining(9_000), None);
//! ```

use std::time::Duration;

use momento_topics_worker::RetryPolicy;

/// Time for all of one webhook request's Momento calls, from the request's arrival: under
/// GitHub's 10 s delivery timeout with room for reading the body and answering.
pub const BUDGET: Duration = Duration::from_secs(8);

/// Timeout of each attempt of a Momento call while handling a webhook.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// Retries of transient failures (5xx, 429; timeouts too, except for a publish) within one call.
pub const CALL_RETRY: RetryPolicy = RetryPolicy {
    max_retries: 3,
    initial_delay: Duration::from_millis(100),
    max_delay: Duration::from_secs(1),
};

/// The longest one call can take on its own: every attempt timing out, every backoff at its
/// ceiling (the jitter only shortens them).
///
/// ```
/// use std::time::Duration;
/// use momento_topics_worker::RetryPolicy;
/// use webhook_relay::deadline::worst_case_call;
/// let none = RetryPolicy::none();
/// assert_eq!(worst_case_call(Duration::from_secs(1), &none), Duration::from_secs(1));
/// ```
pub fn worst_case_call(timeout: Duration, retry: &RetryPolicy) -> Duration {
    let backoffs: Duration = (0..retry.max_retries).map(|n| retry.backoff(n, 1.0)).sum();
    timeout * (retry.max_retries + 1) + backoffs
}

/// The moment a request's [`BUDGET`] runs out, in Unix milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    end_ms: u64,
}

impl Deadline {
    /// A deadline `budget` after `start_ms` (Unix milliseconds).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use webhook_relay::deadline::Deadline;
    /// assert_eq!(Deadline::starting_at(u64::MAX, Duration::from_secs(1)).remaining(0),
    ///            Some(Duration::from_millis(u64::MAX)));
    /// ```
    pub fn starting_at(start_ms: u64, budget: Duration) -> Deadline {
        let budget_ms = u64::try_from(budget.as_millis()).unwrap_or(u64::MAX);
        Deadline { end_ms: start_ms.saturating_add(budget_ms) }
    }

    /// The time left at `now_ms`, or `None` once it has run out.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use webhook_relay::deadline::Deadline;
    /// let d = Deadline::starting_at(0, Duration::from_millis(10));
    /// assert_eq!(d.remaining(10), None);
    /// ```
    pub fn remaining(&self, now_ms: u64) -> Option<Duration> {
        self.end_ms.checked_sub(now_ms).filter(|&ms| ms > 0).map(Duration::from_millis)
    }

    /// The message of the timeout error a call cut off by the deadline fails with.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use webhook_relay::deadline::Deadline;
    /// let text = Deadline::starting_at(0, Duration::from_secs(8)).expired_message();
    /// assert!(text.contains("8000 ms"));
    /// ```
    pub fn expired_message(&self) -> String {
        format!(
            "the request's {} ms budget for Momento calls ran out; the call was abandoned",
            BUDGET.as_millis()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_call_alone_could_outlast_the_senders_so_the_budget_caps_them_all() {
        let call = worst_case_call(CALL_TIMEOUT, &CALL_RETRY);
        assert_eq!(call, Duration::from_millis(4 * 2000 + 100 + 200 + 400));
        // Four calls in a row, without the budget: far beyond GitHub's 10 s.
        assert_eq!(call * 4, Duration::from_millis(34_800));
        // The budget keeps the whole request inside GitHub's 10 s, with 2 s to spare for the
        // body and the answer.
        assert!(BUDGET + Duration::from_secs(2) <= Duration::from_secs(10));
        // A single call still gets a couple of attempts within it.
        assert!(BUDGET >= CALL_TIMEOUT * 2 + CALL_RETRY.backoff(0, 1.0));
    }

    #[test]
    fn remaining_counts_down_to_none() {
        let d = Deadline::starting_at(1_700_000_000_000, BUDGET);
        assert_eq!(d.remaining(1_700_000_000_000), Some(Duration::from_secs(8)));
        assert_eq!(d.remaining(1_700_000_007_999), Some(Duration::from_millis(1)));
        assert_eq!(d.remaining(1_700_000_008_000), None);
        assert_eq!(d.remaining(u64::MAX), None);
        // A clock that went backwards leaves more time, never a panic.
        assert_eq!(d.remaining(1_699_999_999_000), Some(Duration::from_secs(9)));
    }
}
