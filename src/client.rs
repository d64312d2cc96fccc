//! The public client: [`TopicClient`], built with [`TopicClientBuilder`].

use crate::credentials::{AuthPlacement, Credential};
use crate::cursor::SubscriptionCursor;
use crate::error::{Error, ErrorKind, Result};
use crate::request::{CacheKey, HttpRequest, Requests, DEFAULT_MAX_MESSAGE_BYTES};
use crate::response::{cache_get_result, check_write_response};
use crate::retry::{outcome_unknown, RetryPolicy};
use crate::subscription::Subscription;
use crate::transport::{self, HttpResponse};
use crate::value::TopicValue;
use futures::stream::{self, StreamExt};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// Default limit for one publish or cache request, like Momento's SDKs.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Default limit for one long-poll. Momento holds polls open until a message arrives, so the
/// client ends each poll itself and polls again from the same position.
pub const DEFAULT_LONG_POLL_TIMEOUT: Duration = Duration::from_secs(55);
/// Default publishes in flight in [`TopicClient::publish_batch`]: Workers allow six open
/// connections per request.
pub const DEFAULT_BATCH_CONCURRENCY: usize = 6;

/// A Momento Topics client for Workers and browsers (wasm32). Cheap to clone.
///
/// ```no_run
/// # async fn demo() -> momento_topics_worker::Result<()> {
/// use momento_topics_worker::TopicClient;
/// let client = TopicClient::builder().base_url("http://127.0.0.1:9000").token("emu_token").build()?;
/// client.publish("default-cache", "example", "hello world!").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TopicClient {
    inner: Rc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) requests: Requests,
    pub(crate) request_timeout: Duration,
    pub(crate) long_poll_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    retry_ambiguous_publishes: bool,
}

/// Configures a [`TopicClient`]. Errors (a malformed key, say) are kept until
/// [`build`](Self::build), so the chain stays fluent.
///
/// ```no_run
/// use momento_topics_worker::{RetryPolicy, TopicClient};
/// use std::time::Duration;
/// let client = TopicClient::builder()
///     .api_key("<v1 API key from the Momento console>")
///     .request_timeout(Duration::from_secs(3))
///     .retry_policy(RetryPolicy::none())
///     .build();
/// ```
#[derive(Default)]
#[must_use]
pub struct TopicClientBuilder {
    credential: Option<Result<Credential>>,
    base_url: Option<String>,
    token: Option<String>,
    auth: AuthPlacement,
    request_timeout: Option<Duration>,
    long_poll_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_message_bytes: Option<usize>,
    retry_ambiguous_publishes: bool,
}

impl std::fmt::Debug for TopicClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopicClientBuilder")
            .field("credential", &self.credential)
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("auth", &self.auth)
            .field("request_timeout", &self.request_timeout)
            .field("long_poll_timeout", &self.long_poll_timeout)
            .field("retry", &self.retry)
            .field("max_message_bytes", &self.max_message_bytes)
            .field("retry_ambiguous_publishes", &self.retry_ambiguous_publishes)
            .finish()
    }
}

impl TopicClientBuilder {
    /// Uses a ready [`Credential`].
    ///
    /// ```no_run
    /// # use momento_topics_worker::{Credential, TopicClient};
    /// let c = Credential::new("http://127.0.0.1:9000", "tok").unwrap();
    /// let client = TopicClient::builder().credential(c).build().unwrap();
    /// ```
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = Some(Ok(credential));
        self
    }

    /// Parses a Momento API key (v1 key or legacy token; see [`Credential::from_api_key`]).
    ///
    /// ```no_run
    /// # use momento_topics_worker::TopicClient;
    /// let err = TopicClient::builder().api_key("not a key").build().unwrap_err();
    /// ```
    pub fn api_key(mut self, key: &str) -> Self {
        self.credential = Some(Credential::from_api_key(key));
        self
    }

    /// A key plus its endpoint: what v2 API keys need (`MOMENTO_ENDPOINT`).
    ///
    /// ```no_run
    /// # use momento_topics_worker::TopicClient;
    /// let client = TopicClient::builder()
    ///     .api_key_and_endpoint("<v2 key>", "cell-4-us-west-2-1.prod.a.momentohq.com")
    ///     .build();
    /// ```
    pub fn api_key_and_endpoint(mut self, key: &str, endpoint: &str) -> Self {
        self.credential = Some(Credential::from_api_key_and_endpoint(key, endpoint));
        self
    }

    /// Reads the credential from a Worker's environment: `MOMENTO_API_KEY` (secret or var),
    /// and optionally `MOMENTO_ENDPOINT` (v2 keys) or `MOMENTO_BASE_URL` (e.g. the local
    /// emulator, used with the key as a plain token).
    ///
    /// ```no_run
    /// # fn demo(env: &worker::Env) -> momento_topics_worker::Result<()> {
    /// let client = momento_topics_worker::TopicClient::builder().from_env(env).build()?;
    /// # Ok(()) }
    /// ```
    pub fn from_env(mut self, env: &worker::Env) -> Self {
        self.credential = Some(credential_from_env(env));
        self
    }

    /// Overrides the HTTP base URL (for example the emulator's `http://127.0.0.1:PORT`).
    /// With [`token`](Self::token) it makes a credential on its own.
    ///
    /// ```no_run
    /// # use momento_topics_worker::TopicClient;
    /// let client = TopicClient::builder().base_url("http://127.0.0.1:9000").token("t").build();
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The token to send, together with [`base_url`](Self::base_url).
    ///
    /// ```no_run
    /// # use momento_topics_worker::TopicClient;
    /// let client = TopicClient::builder().base_url("http://127.0.0.1:9000").token("t").build();
    /// ```
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sends the token as the `token` query parameter instead of the `Authorization` header.
    ///
    /// ```no_run
    /// # use momento_topics_worker::{AuthPlacement, TopicClient};
    /// let b = TopicClient::builder().auth_placement(AuthPlacement::QueryParameter);
    /// ```
    pub fn auth_placement(mut self, auth: AuthPlacement) -> Self {
        self.auth = auth;
        self
    }

    /// Limit for each publish and cache request (default 5 s).
    ///
    /// ```no_run
    /// # use momento_topics_worker::TopicClient;
    /// let b = TopicClient::builder().request_timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Limit for each long-poll before polling again (default 55 s).
    ///
    /// ```no_run
    /// # use momento_topics_worker::TopicClient;
    /// let b = TopicClient::builder().long_poll_timeout(std::time::Duration::from_secs(20));
    /// ```
    pub fn long_poll_timeout(mut self, timeout: Duration) -> Self {
        self.long_poll_timeout = Some(timeout);
        self
    }

    /// How transient failures are retried (default [`RetryPolicy::default`]).
    ///
    /// ```no_run
    /// # use momento_topics_worker::{RetryPolicy, TopicClient};
    /// let b = TopicClient::builder().retry_policy(RetryPolicy { max_retries: 5, ..RetryPolicy::default() });
    /// ```
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Largest message accepted by `publish` (default 4 KB, Momento's limit).
    ///
    /// ```no_run
    /// # use momento_topics_worker::TopicClient;
    /// let b = TopicClient::builder().max_message_bytes(1024);
    /// ```
    pub fn max_message_bytes(mut self, limit: usize) -> Self {
        self.max_message_bytes = Some(limit);
        self
    }

    /// Also retry publishes whose outcome is unknown — timeouts, dropped connections, 504s —
    /// trading possible duplicates for fewer failures (at-least-once). Off by default: then
    /// only failures that prove nothing was stored (429, other 5xx) are retried, and an
    /// unknown outcome is returned as an error saying the message may have been published.
    ///
    /// ```no_run
    /// # use momento_topics_worker::TopicClient;
    /// let b = TopicClient::builder().retry_ambiguous_publishes(true);
    /// ```
    pub fn retry_ambiguous_publishes(mut self, retry: bool) -> Self {
        self.retry_ambiguous_publishes = retry;
        self
    }

    /// Checks the configuration and makes the client.
    ///
    /// ```no_run
    /// # use momento_topics_worker::TopicClient;
    /// let err = TopicClient::builder().build().unwrap_err();
    /// assert!(err.message().contains("MOMENTO_API_KEY"));
    /// ```
    pub fn build(self) -> Result<TopicClient> {
        let credential = self.resolve_credential()?;
        let request_timeout =
            positive("request timeout", self.request_timeout, DEFAULT_REQUEST_TIMEOUT)?;
        let long_poll_timeout =
            positive("long-poll timeout", self.long_poll_timeout, DEFAULT_LONG_POLL_TIMEOUT)?;
        let max_message_bytes = self.max_message_bytes.unwrap_or(DEFAULT_MAX_MESSAGE_BYTES);
        if max_message_bytes == 0 {
            return Err(Error::invalid("max_message_bytes must be at least 1"));
        }
        let requests = Requests::new(credential)
            .with_auth_placement(self.auth)
            .with_max_message_bytes(max_message_bytes);
        let retry = self.retry.unwrap_or_default();
        Ok(TopicClient {
            inner: Rc::new(Inner {
                requests,
                request_timeout,
                long_poll_timeout,
                retry,
                retry_ambiguous_publishes: self.retry_ambiguous_publishes,
            }),
        })
    }

    /// `base_url()` and `token()` override the parts of a parsed credential; together they
    /// make one on their own.
    fn resolve_credential(&self) -> Result<Credential> {
        let parsed = self.credential.clone().transpose()?;
        let base_url =
            self.base_url.clone().or_else(|| parsed.as_ref().map(|c| c.base_url().to_string()));
        let token = self.token.clone().or_else(|| parsed.as_ref().map(|c| c.token().to_string()));
        match (base_url, token) {
            (Some(url), Some(token)) => Credential::new(url, token),
            (None, Some(_)) => Err(Error::invalid(
                "token() needs base_url() too (or use api_key() for a key with an endpoint inside)",
            )),
            _ => Err(Error::invalid(
                "no Momento credential: set MOMENTO_API_KEY, or call api_key(), credential() or \
                 base_url() with token()",
            )),
        }
    }
}

fn positive(what: &str, value: Option<Duration>, default: Duration) -> Result<Duration> {
    match value {
        Some(d) if d.is_zero() => Err(Error::invalid(format!("{what} must be longer than zero"))),
        Some(d) => Ok(d),
        None => Ok(default),
    }
}

fn credential_from_env(env: &worker::Env) -> Result<Credential> {
    let read = |name: &str| -> Option<String> {
        env.secret(name)
            .map(|s| s.to_string())
            .or_else(|_| env.var(name).map(|v| v.to_string()))
            .ok()
            .filter(|v| !v.trim().is_empty())
    };
    let key = read("MOMENTO_API_KEY").ok_or_else(|| {
        Error::invalid("MOMENTO_API_KEY is not set; add it with `wrangler secret put`")
    })?;
    if let Some(base_url) = read("MOMENTO_BASE_URL") {
        return Credential::new(base_url, key);
    }
    match read("MOMENTO_ENDPOINT") {
        Some(endpoint) => Credential::from_api_key_and_endpoint(&key, &endpoint),
        None => Credential::from_api_key(&key),
    }
}

impl TopicClient {
    /// Starts configuring a client.
    ///
    /// ```no_run
    /// let builder = momento_topics_worker::TopicClient::builder();
    /// ```
    pub fn builder() -> TopicClientBuilder {
        TopicClientBuilder::default()
    }

    /// Publishes one message, text (`&str`, `String`) or binary (`&[u8]`, `Vec<u8>`).
    ///
    /// Checks names and the size limit before sending; retries failures that prove nothing was
    /// stored (429, 5xx) per the retry policy; returns non-retryable errors at once. A timeout or
    /// lost connection is returned rather than retried, since the message may have been stored
    /// (opt in with [`TopicClientBuilder::retry_ambiguous_publishes`]). `Ok` means Momento
    /// accepted it.
    ///
    /// ```no_run
    /// # async fn demo(client: momento_topics_worker::TopicClient) -> momento_topics_worker::Result<()> {
    /// client.publish("cache", "topic", "text").await?;
    /// client.publish("cache", "topic", vec![0u8, 1, 2]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn publish(
        &self,
        cache: &str,
        topic: &str,
        value: impl Into<TopicValue>,
    ) -> Result<()> {
        let request = self.inner.requests.publish(cache, topic, value)?;
        let response = self.send_with_retries(&request, self.publish_replay()).await?;
        check_write_response(response.status, &response.body)
    }

    /// Publishes many messages to one topic with at most `concurrency` in flight (0 means
    /// [`DEFAULT_BATCH_CONCURRENCY`]). Returns one result per message, in input order. Messages
    /// are sent in input order but, in flight together, may be sequenced in any order. After an
    /// authentication, permission or not-found error the remaining messages are not sent (each
    /// would fail the same way and cost a subrequest); they get that error too.
    ///
    /// ```no_run
    /// # async fn demo(client: momento_topics_worker::TopicClient) {
    /// let results = client.publish_batch("cache", "topic", ["a", "b", "c"], 2).await;
    /// assert_eq!(results.len(), 3);
    /// # }
    /// ```
    pub async fn publish_batch<I, V>(
        &self,
        cache: &str,
        topic: &str,
        values: I,
        concurrency: usize,
    ) -> Vec<Result<()>>
    where
        I: IntoIterator<Item = V>,
        V: Into<TopicValue>,
    {
        let limit = if concurrency == 0 { DEFAULT_BATCH_CONCURRENCY } else { concurrency };
        let fatal: RefCell<Option<Error>> = RefCell::new(None);
        let fatal = &fatal;
        stream::iter(values.into_iter().map(Into::into))
            .map(|value: TopicValue| async move {
                if let Some(error) = fatal.borrow().clone() {
                    return Err(Error::new(error.kind(), format!("not sent: {}", error.message())));
                }
                let result = self.publish(cache, topic, value).await;
                if let Err(e) = &result {
                    if fails_every_request(e) {
                        fatal.borrow_mut().get_or_insert_with(|| e.clone());
                    }
                }
                result
            })
            .buffered(limit)
            .collect()
            .await
    }

    /// Subscribes to a topic from its start (`sequence_number=0`): whether that replays
    /// retained messages is the server's choice. See [`Subscription`].
    ///
    /// ```no_run
    /// # async fn demo(client: momento_topics_worker::TopicClient) -> momento_topics_worker::Result<()> {
    /// use futures::StreamExt;
    /// let mut subscription = client.subscribe("cache", "topic")?;
    /// while let Some(event) = subscription.next().await {
    ///     println!("{:?}", event?);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn subscribe(&self, cache: &str, topic: &str) -> Result<Subscription> {
        Ok(self.subscribe_from(SubscriptionCursor::new(cache, topic)?))
    }

    /// Resumes a subscription from a saved cursor: nothing delivered before is repeated.
    ///
    /// ```no_run
    /// # async fn demo(client: momento_topics_worker::TopicClient, saved: &str) -> momento_topics_worker::Result<()> {
    /// use momento_topics_worker::SubscriptionCursor;
    /// let subscription = client.subscribe_from(SubscriptionCursor::from_token(saved)?);
    /// # Ok(()) }
    /// ```
    pub fn subscribe_from(&self, cursor: SubscriptionCursor) -> Subscription {
        Subscription::new(self.inner.clone(), cursor)
    }

    /// Stores `value` under `key` for `ttl_seconds` (1 s to 24 h) in the Momento cache.
    ///
    /// ```no_run
    /// # async fn demo(client: momento_topics_worker::TopicClient) -> momento_topics_worker::Result<()> {
    /// client.cache_set("cache", "claim:1", b"big body".to_vec(), 3600).await?;
    /// # Ok(()) }
    /// ```
    pub async fn cache_set(
        &self,
        cache: &str,
        key: impl Into<CacheKey>,
        value: impl Into<Vec<u8>>,
        ttl_seconds: u32,
    ) -> Result<()> {
        let request = self.inner.requests.cache_set(cache, key, value.into(), ttl_seconds)?;
        let response = self.send_with_retries(&request, Replay::Always).await?;
        check_write_response(response.status, &response.body)
    }

    /// Reads `key`: `Some(bytes)`, or `None` on a miss.
    ///
    /// ```no_run
    /// # async fn demo(client: momento_topics_worker::TopicClient) -> momento_topics_worker::Result<()> {
    /// let value: Option<Vec<u8>> = client.cache_get("cache", "claim:1").await?;
    /// # Ok(()) }
    /// ```
    pub async fn cache_get(
        &self,
        cache: &str,
        key: impl Into<CacheKey>,
    ) -> Result<Option<Vec<u8>>> {
        let request = self.inner.requests.cache_get(cache, key)?;
        let response = self.send_with_retries(&request, Replay::Always).await?;
        cache_get_result(response.status, response.body)
    }

    /// Deletes `key` (succeeds whether or not it existed).
    ///
    /// ```no_run
    /// # async fn demo(client: momento_topics_worker::TopicClient) -> momento_topics_worker::Result<()> {
    /// client.cache_delete("cache", "claim:1").await?;
    /// # Ok(()) }
    /// ```
    pub async fn cache_delete(&self, cache: &str, key: impl Into<CacheKey>) -> Result<()> {
        let request = self.inner.requests.cache_delete(cache, key)?;
        let response = self.send_with_retries(&request, Replay::Always).await?;
        check_write_response(response.status, &response.body)
    }

    /// The request factory this client uses, for callers that want to send requests themselves.
    ///
    /// ```no_run
    /// # fn demo(client: momento_topics_worker::TopicClient) {
    /// let request = client.requests().publish("cache", "topic", "x").unwrap();
    /// # }
    /// ```
    pub fn requests(&self) -> &Requests {
        &self.inner.requests
    }

    /// Sends `request`, retrying per the policy. With [`Replay::OnlyIfNotApplied`], outcomes
    /// that leave it unknown whether the server acted (timeouts, lost connections, 504) are
    /// returned instead of retried. Returns the last answer or the last transport error.
    async fn send_with_retries(
        &self,
        request: &HttpRequest,
        replay: Replay,
    ) -> Result<HttpResponse> {
        let mut retry = 0;
        loop {
            let outcome = transport::send(request, self.inner.request_timeout).await;
            let error = match &outcome {
                Ok(response) if (200..300).contains(&response.status) => return outcome,
                Ok(response) => Error::from_http_status(response.status, ""),
                Err(error) => error.clone(),
            };
            if replay == Replay::OnlyIfNotApplied && outcome_unknown(&error) {
                return Err(maybe_applied(error));
            }
            match self.inner.retry.delay_before_retry(retry, &error, transport::random()) {
                Some(delay) => transport::sleep(delay).await,
                None => return outcome,
            }
            retry += 1;
        }
    }

    fn publish_replay(&self) -> Replay {
        if self.inner.retry_ambiguous_publishes {
            Replay::Always
        } else {
            Replay::OnlyIfNotApplied
        }
    }
}

/// Whether a request may be sent again after a failure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Replay {
    /// Idempotent requests (cache get/set/delete), or publishes opted into at-least-once.
    Always,
    /// Publishes: a second copy of a message that was in fact stored is a duplicate.
    OnlyIfNotApplied,
}

/// Errors that every later request with the same credential and cache would get too.
fn fails_every_request(error: &Error) -> bool {
    matches!(error.kind(), ErrorKind::Authentication | ErrorKind::Permission | ErrorKind::NotFound)
}

fn maybe_applied(error: Error) -> Error {
    let message = format!(
        "{} — the message may or may not have been published; it was not retried to avoid a \
         duplicate (see TopicClientBuilder::retry_ambiguous_publishes)",
        error.message()
    );
    match error.status() {
        Some(status) => Error::from_http_status(status, message),
        None => Error::new(error.kind(), message),
    }
}
