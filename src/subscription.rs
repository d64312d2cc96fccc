//! [`Subscription`]: a topic as a `futures::Stream`, driven by long-polls.

use crate::client::Inner;
use crate::cursor::{SubscriptionCursor, SubscriptionEvent};
use crate::error::{Error, ErrorKind, Result};
use crate::response::{error_from_response, parse_subscribe_response, RawEntry};
use crate::transport::{self, HttpResponse};
use futures::future::LocalBoxFuture;
use futures::{FutureExt, Stream};
use std::collections::VecDeque;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// A stream of [`SubscriptionEvent`]s from one topic.
///
/// It long-polls from its [`cursor`](Self::cursor); after each answer it polls again at once.
/// An empty answer (the server's own wait ran out) yields [`SubscriptionEvent::Heartbeat`]; when
/// the client's long-poll timeout ends a poll first, it simply polls again. Transient failures
/// (429, 5xx, network, timeouts) are retried forever with jittered exponential backoff capped by
/// the retry policy's `max_delay`, and are visible through [`last_error`](Self::last_error); the
/// stream yields an `Err` and ends on anything a retry cannot fix (401, 403, 404, malformed
/// answers). Dropping the stream aborts the poll in flight.
///
/// The cursor moves one event at a time: after each event, [`cursor`](Self::cursor) resumes
/// exactly after it. Until the first item arrives the stream polls with `sequence_number=0`,
/// whose meaning is the server's: Momento's gRPC API reads it as "latest only", so on such a
/// server messages published between two of those first polls (after an empty answer or a
/// retried failure) are not delivered. Resume from a saved cursor where that matters.
///
/// ```no_run
/// # async fn demo(client: momento_topics_worker::TopicClient) -> momento_topics_worker::Result<()> {
/// use futures::StreamExt;
/// use momento_topics_worker::SubscriptionEvent;
/// let mut subscription = client.subscribe("cache", "topic")?;
/// while let Some(event) = subscription.next().await {
///     match event? {
///         SubscriptionEvent::Item(item) => println!("{}: {:?}", item.topic_sequence_number, item.value),
///         SubscriptionEvent::Discontinuity(gap) => println!("missed up to {}", gap.new_topic_sequence),
///         SubscriptionEvent::Heartbeat => {}
///     }
///     let saved = subscription.cursor().to_token(); // persist to resume later
/// }
/// # Ok(()) }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Subscription {
    inner: Rc<Inner>,
    cursor: SubscriptionCursor,
    /// Entries of the last answer not yet applied: the cursor moves only as events are yielded,
    /// so `cursor()` always resumes right after the last event the caller saw.
    unapplied: VecDeque<RawEntry>,
    in_flight: Option<LocalBoxFuture<'static, Result<HttpResponse>>>,
    consecutive_failures: u32,
    last_error: Option<Error>,
    polls: u64,
    finished: bool,
}

impl Subscription {
    pub(crate) fn new(inner: Rc<Inner>, cursor: SubscriptionCursor) -> Subscription {
        Subscription {
            inner,
            cursor,
            unapplied: VecDeque::new(),
            in_flight: None,
            consecutive_failures: 0,
            last_error: None,
            polls: 0,
            finished: false,
        }
    }

    /// Where the subscription stands. Persist it (e.g. [`SubscriptionCursor::to_token`]) after
    /// handling an event, and resume with `TopicClient::subscribe_from` without repeats.
    ///
    /// ```no_run
    /// # fn demo(s: &momento_topics_worker::Subscription) {
    /// let position = s.cursor().position();
    /// # }
    /// ```
    pub fn cursor(&self) -> &SubscriptionCursor {
        &self.cursor
    }

    /// The most recent transient failure, if the last poll failed and is being retried.
    ///
    /// ```no_run
    /// # fn demo(s: &momento_topics_worker::Subscription) {
    /// if let Some(e) = s.last_error() { println!("reconnecting: {e}"); }
    /// # }
    /// ```
    pub fn last_error(&self) -> Option<&Error> {
        self.last_error.as_ref()
    }

    /// How many polls have failed in a row (0 once one succeeds).
    ///
    /// ```no_run
    /// # fn demo(s: &momento_topics_worker::Subscription) {
    /// assert_eq!(s.consecutive_failures(), 0);
    /// # }
    /// ```
    pub fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }

    /// How many long-polls this stream has started. Each one is a Workers subrequest, so a
    /// long-lived bridge (e.g. SSE) should end after a bounded number and let its client resume.
    ///
    /// ```no_run
    /// # fn demo(s: &momento_topics_worker::Subscription) {
    /// if s.polls() > 40 { /* hand the cursor back and stop */ }
    /// # }
    /// ```
    pub fn polls(&self) -> u64 {
        self.polls
    }

    fn start_poll(&mut self) -> Result<LocalBoxFuture<'static, Result<HttpResponse>>> {
        let request = self.inner.requests.subscribe(
            self.cursor.cache(),
            self.cursor.topic(),
            self.cursor.position(),
        )?;
        let delay = match self.consecutive_failures {
            0 => std::time::Duration::ZERO,
            n => self.inner.retry.backoff(n - 1, transport::random()),
        };
        let timeout = self.inner.long_poll_timeout;
        self.polls += 1;
        Ok(async move {
            transport::sleep(delay).await;
            transport::send(&request, timeout).await
        }
        .boxed_local())
    }

    /// Folds one poll's outcome into the cursor; returns an error only when the stream must end.
    fn handle(&mut self, outcome: Result<HttpResponse>) -> Result<()> {
        let error = match outcome {
            Ok(response) if response.status == 200 => return self.handle_answer(&response.body),
            Ok(response) => error_from_response(response.status, &response.body),
            // Our own long-poll limit: Momento may hold a poll forever; ask again at once.
            Err(e) if e.kind() == ErrorKind::Timeout => {
                self.consecutive_failures = 0;
                return Ok(());
            }
            Err(e) => e,
        };
        if !error.is_retryable() {
            return Err(error);
        }
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        self.last_error = Some(error);
        Ok(())
    }

    fn handle_answer(&mut self, body: &[u8]) -> Result<()> {
        let entries = parse_subscribe_response(body)?;
        self.consecutive_failures = 0;
        self.last_error = None;
        self.unapplied.extend(entries);
        Ok(())
    }

    /// Applies queued entries until one yields an event. An entry that yields a detected gap
    /// stays queued: the cursor then stands at the item, which comes next.
    fn apply_next_entry(&mut self) -> Option<SubscriptionEvent> {
        while let Some(entry) = self.unapplied.front() {
            let (event, consumed) = self.cursor.apply_entry(entry);
            if consumed {
                self.unapplied.pop_front();
            }
            if event.is_some() {
                return event;
            }
        }
        None
    }
}

impl Stream for Subscription {
    type Item = Result<SubscriptionEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(event) = this.apply_next_entry() {
                return Poll::Ready(Some(Ok(event)));
            }
            if this.finished {
                return Poll::Ready(None);
            }
            let poll = match this.in_flight.take() {
                Some(poll) => poll,
                None => match this.start_poll() {
                    Ok(poll) => poll,
                    Err(e) => return this.finish_with(e),
                },
            };
            let mut poll = poll;
            match poll.poll_unpin(cx) {
                Poll::Pending => {
                    this.in_flight = Some(poll);
                    return Poll::Pending;
                }
                Poll::Ready(outcome) => {
                    let answered = matches!(&outcome, Ok(r) if r.status == 200);
                    if let Err(e) = this.handle(outcome) {
                        return this.finish_with(e);
                    }
                    if answered {
                        // An answer with nothing new (empty, or only repeats) is a heartbeat:
                        // the server is alive and this stream is current.
                        let event = this.apply_next_entry().unwrap_or(SubscriptionEvent::Heartbeat);
                        return Poll::Ready(Some(Ok(event)));
                    }
                }
            }
        }
    }
}

impl Subscription {
    fn finish_with(&mut self, error: Error) -> Poll<Option<Result<SubscriptionEvent>>> {
        self.finished = true;
        Poll::Ready(Some(Err(error)))
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("cursor", &self.cursor)
            .field("buffered", &self.unapplied.len())
            .field("polling", &self.in_flight.is_some())
            .field("consecutive_failures", &self.consecutive_failures)
            .field("finished", &self.finished)
            .finish()
    }
}
