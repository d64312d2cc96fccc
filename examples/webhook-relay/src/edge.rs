//! The Worker (wasm32 only): binds the pure modules to `worker` — the fetch handler, env access,
//! the streamed request body, `Date.now()`, and the SSE bridge from a topic's long-poll.
//!
//! Env (vars, secrets or `.dev.vars`): `RELAY_SOURCES` (a JSON string),
//! `RELAY_DEFAULT_CACHE`, `RELAY_VIEWER_TOPIC`, each source's secrets, and the client's
//! `MOMENTO_API_KEY` with `MOMENTO_BASE_URL` (emulator) or `MOMENTO_ENDPOINT` (v2 keys).

use std::time::Duration;

use futures::future::{select, Either};
use futures::Future;
use futures::{stream, Stream, StreamExt};
use momento_topics_worker::{
    Error as TopicError, ErrorKind, RetryPolicy, Subscription, SubscriptionCursor,
    SubscriptionEvent, TopicClient,
};
use serde_json::json;
use worker::{console_error, event, js_sys, Context, Date, Delay, Env, Headers, Request, Response};

use crate::body::{check_content_length, BodyBuffer};
use crate::config::RelayConfig;
use crate::deadline::{self, Deadline};
use crate::envelope::CLAIM_KEY_PREFIX;
use crate::relay::{handle_webhook, Backend, Webhook};
use crate::reply::{RelayError, Reply};
use crate::route::{route, Route};
use crate::sse;

/// Cache used when a source names none, unless `RELAY_DEFAULT_CACHE` says otherwise.
const DEFAULT_CACHE: &str = "default-cache";
/// Per Momento call (each attempt) outside webhooks: `/claims` and `/healthz`. Webhooks use
/// [`deadline::CALL_TIMEOUT`] and, on top, the request's [`deadline::BUDGET`] (the arithmetic is
/// in [`crate::deadline`]).
const REQUEST_TIMEOUT: Duration = deadline::CALL_TIMEOUT;
/// Transient failures (5xx, 429, timeouts, network) are retried this often within a call.
const RETRY: RetryPolicy = deadline::CALL_RETRY;
/// Long-polls per SSE response by default, and the most `?max_polls=` may ask for. Each poll is
/// a subrequest, which Workers cap per request; the browser reconnects with `Last-Event-ID`.
const MAX_POLLS: u64 = 25;
/// Polls allowed past the limit while events keep coming, before the response ends anyway.
const EXTRA_POLLS: u64 = 5;
/// A comment is sent when nothing else was for this long, so idle streams stay open and the
/// poll budget is checked even while a long-poll is held open.
const KEEPALIVE: Duration = Duration::from_secs(15);

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    match serve(req, &env).await {
        Ok(response) => Ok(response),
        Err(error) => {
            if error.status() >= 500 {
                console_error!("{error}");
            }
            respond(error.into_reply())
        }
    }
}

async fn serve(req: Request, env: &Env) -> Result<Response, RelayError> {
    match route(req.method().as_ref(), &req.path())? {
        Route::Viewer => viewer(env),
        Route::Health => health(env),
        Route::Hook { source } => hook(req, env, &source).await,
        Route::Events { topic } => events(&req, env, &topic),
        Route::Claim { cache, key } => claim(env, &cache, &key).await,
    }
}

// ----- env -----------------------------------------------------------------------------------

/// A string from the env. In workers-rs 0.8 `secret` and `var` read the same string bindings
/// (secrets, `[vars]`, `.dev.vars`, `--var`); asking for a secret first states the intent.
fn read(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .or_else(|_| env.var(name))
        .ok()
        .map(|value| value.to_string())
        .filter(|value| !value.trim().is_empty())
}

fn default_cache(env: &Env) -> String {
    read(env, "RELAY_DEFAULT_CACHE").unwrap_or_else(|| DEFAULT_CACHE.to_owned())
}

fn load_config(env: &Env) -> Result<RelayConfig, RelayError> {
    let json = read(env, "RELAY_SOURCES")
        .or_else(|| {
            env.object_var::<serde_json::Value>("RELAY_SOURCES").ok().map(|v| v.to_string())
        })
        .ok_or_else(|| {
            RelayError::Config("RELAY_SOURCES is not set; see the relay's README".to_owned())
        })?;
    Ok(RelayConfig::parse(&json, &default_cache(env))?)
}

fn client(env: &Env, request_timeout: Duration) -> Result<TopicClient, RelayError> {
    TopicClient::builder()
        .from_env(env)
        .request_timeout(request_timeout)
        .retry_policy(RETRY)
        .build()
        .map_err(|e| RelayError::from_momento(&e))
}

fn query(req: &Request, name: &str) -> Option<String> {
    crate::route::query_param(&req.inner().url(), name)
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

// ----- responses -----------------------------------------------------------------------------

fn respond(reply: Reply) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", reply.content_type)?;
    headers.set("Cache-Control", "no-store")?;
    for (name, value) in &reply.headers {
        headers.set(name, value)?;
    }
    Ok(Response::from_bytes(reply.body.into_bytes())?
        .with_status(reply.status)
        .with_headers(headers))
}

fn internal(error: worker::Error) -> RelayError {
    RelayError::Config(format!("the Workers runtime failed: {error}"))
}

fn viewer(env: &Env) -> Result<Response, RelayError> {
    let default_topic = read(env, "RELAY_VIEWER_TOPIC")
        .or_else(|| load_config(env).ok()?.sources().first().map(|source| source.sample_topic()));
    let page = crate::viewer::page(default_topic.as_deref().unwrap_or_default());
    let headers = Headers::new();
    let set = |name: &str, value: &str| headers.set(name, value).map_err(internal);
    set("Content-Type", "text/html; charset=utf-8")?;
    set("Cache-Control", "no-store")?;
    set("Content-Security-Policy", crate::viewer::CONTENT_SECURITY_POLICY)?;
    Ok(Response::from_bytes(page.into_bytes()).map_err(internal)?.with_headers(headers))
}

fn health(env: &Env) -> Result<Response, RelayError> {
    let config = load_config(env)?;
    client(env, REQUEST_TIMEOUT)?; // a missing or malformed Momento key is unhealthy
    let sources: Vec<&str> = config.sources().iter().map(|s| s.name.as_str()).collect();
    respond(Reply::json(200, &json!({ "status": "ok", "sources": sources }))).map_err(internal)
}

// ----- POST /hooks/{source} ------------------------------------------------------------------

/// The Momento side of the pipeline. Every call is also bounded by the request's deadline, so
/// that the up to four calls of one webhook end within [`deadline::BUDGET`] of its arrival.
struct Momento {
    client: TopicClient,
    deadline: Deadline,
}

impl Momento {
    /// Runs `call` until it ends or the deadline passes; a call cut off is dropped, which
    /// aborts its fetch, and fails as a timeout (503, outcome unknown for a publish).
    async fn within<T>(
        &self,
        call: impl Future<Output = momento_topics_worker::Result<T>>,
    ) -> momento_topics_worker::Result<T> {
        let expired = || TopicError::new(ErrorKind::Timeout, self.deadline.expired_message());
        let Some(left) = self.deadline.remaining(Date::now().as_millis()) else {
            return Err(expired());
        };
        match select(Box::pin(call), Box::pin(Delay::from(left))).await {
            Either::Left((result, _)) => result,
            Either::Right(((), _)) => Err(expired()),
        }
    }
}

impl Backend for Momento {
    async fn publish(
        &self,
        cache: &str,
        topic: &str,
        message: &str,
    ) -> momento_topics_worker::Result<()> {
        self.within(self.client.publish(cache, topic, message)).await
    }

    async fn cache_get(
        &self,
        cache: &str,
        key: &str,
    ) -> momento_topics_worker::Result<Option<Vec<u8>>> {
        self.within(self.client.cache_get(cache, key)).await
    }

    async fn cache_set(
        &self,
        cache: &str,
        key: &str,
        value: &[u8],
        ttl_secs: u32,
    ) -> momento_topics_worker::Result<()> {
        self.within(self.client.cache_set(cache, key, value.to_vec(), ttl_secs)).await
    }
}

async fn hook(mut req: Request, env: &Env, name: &str) -> Result<Response, RelayError> {
    // The sender's clock started before this: count the budget from the request's arrival.
    let deadline = Deadline::starting_at(Date::now().as_millis(), deadline::BUDGET);
    let config = load_config(env)?;
    let source = config.source(name).ok_or_else(|| RelayError::UnknownSource(name.into()))?;
    let verifier = source.verifier(&|secret| read(env, secret))?;
    let backend = Momento { client: client(env, deadline::CALL_TIMEOUT)?, deadline };
    check_content_length(header(&req, "content-length").as_deref(), source.max_body_bytes)?;
    let body = read_body(&mut req, source.max_body_bytes).await?;
    let headers = req.headers();
    let lookup = |name: &str| headers.get(name).ok().flatten();
    let webhook = Webhook {
        headers: &lookup,
        body: &body,
        received_at_ms: Date::now().as_millis(),
        nonce: (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64, // 2^53
    };
    let reply = handle_webhook(&backend, source, &verifier, webhook).await;
    if reply.status >= 500 {
        console_error!("POST /hooks/{name}: {} {}", reply.status, reply.body);
    }
    respond(reply).map_err(internal)
}

/// Reads the body chunk by chunk, refusing it (413) as soon as it crosses `limit`.
async fn read_body(req: &mut Request, limit: usize) -> Result<Vec<u8>, RelayError> {
    let Ok(mut chunks) = req.stream() else {
        return Ok(Vec::new()); // no body at all
    };
    let mut buffer = BodyBuffer::new(limit);
    while let Some(chunk) = chunks.next().await {
        let chunk =
            chunk.map_err(|e| RelayError::Malformed(format!("the body could not be read: {e}")))?;
        buffer.push(&chunk)?;
    }
    Ok(buffer.into_bytes())
}

// ----- GET /claims/{cache}/{key} -------------------------------------------------------------

async fn claim(env: &Env, cache: &str, key: &str) -> Result<Response, RelayError> {
    let config = load_config(env)?;
    // Only claim-checks, and only in the relay's caches: never dedupe records or other data.
    if !key.starts_with(CLAIM_KEY_PREFIX) || !config.uses_cache(cache) {
        return Err(RelayError::ClaimNotFound);
    }
    let client = client(env, REQUEST_TIMEOUT)?;
    let bytes = client
        .cache_get(cache, key)
        .await
        .map_err(|e| RelayError::from_momento(&e))?
        .ok_or(RelayError::ClaimNotFound)?;
    let content_type = match std::str::from_utf8(&bytes) {
        Ok(_) => "text/plain; charset=utf-8",
        Err(_) => "application/octet-stream",
    };
    let headers = Headers::new();
    let set = |name: &str, value: &str| headers.set(name, value).map_err(internal);
    set("Content-Type", content_type)?;
    set("X-Content-Type-Options", "nosniff")?; // never rendered as HTML from our origin
    set("Cache-Control", "private, max-age=60")?;
    Ok(Response::from_bytes(bytes).map_err(internal)?.with_headers(headers))
}

// ----- GET /events/{topic} -------------------------------------------------------------------

fn events(req: &Request, env: &Env, topic: &str) -> Result<Response, RelayError> {
    let config = load_config(env)?;
    let default_cache = default_cache(env);
    let cache = query(req, "cache").unwrap_or_else(|| default_cache.clone());
    if cache != default_cache && !config.uses_cache(&cache) {
        return Err(RelayError::Malformed(format!(
            "cache `{cache}` is not used by any configured source"
        )));
    }
    let resume = sse::resume_point(
        header(req, "last-event-id").as_deref(),
        query(req, "last_event_id").as_deref(),
    )?;
    let max_polls = query(req, "max_polls")
        .and_then(|n| n.parse::<u64>().ok())
        .map_or(MAX_POLLS, |n| n.clamp(1, MAX_POLLS));
    let cursor = match resume {
        Some(id) => SubscriptionCursor::resume_after(&cache, topic, id.page, id.sequence),
        None => SubscriptionCursor::new(&cache, topic),
    }
    .map_err(|e| RelayError::Malformed(e.message().to_owned()))?;
    let subscription = client(env, REQUEST_TIMEOUT)?.subscribe_from(cursor);

    let headers = Headers::new();
    let set = |name: &str, value: &str| headers.set(name, value).map_err(internal);
    set("Content-Type", "text/event-stream; charset=utf-8")?;
    set("Cache-Control", "no-store")?;
    let response = Response::from_stream(sse_stream(subscription, max_polls)).map_err(internal)?;
    Ok(response.with_headers(headers))
}

fn sse_stream(
    subscription: Subscription,
    max_polls: u64,
) -> impl Stream<Item = worker::Result<Vec<u8>>> {
    let bridge = Bridge { subscription, max_polls, finished: false };
    let frames = stream::unfold(bridge, |mut bridge| async move {
        let chunk = bridge.next_chunk().await?;
        Some((chunk, bridge))
    });
    stream::once(async { sse::preamble() }).chain(frames).map(|text| Ok(text.into_bytes()))
}

/// Turns a subscription into SSE text, ending the response once its poll budget is spent.
struct Bridge {
    subscription: Subscription,
    max_polls: u64,
    finished: bool,
}

impl Bridge {
    /// The next piece of the response, or `None` to end it.
    ///
    /// The response ends at the first idle moment (a heartbeat, or a keepalive tick) after
    /// `max_polls` polls, so that a poll's answer is never cut in half; and after
    /// `max_polls + EXTRA_POLLS` whatever happens. Racing `next()` with a timer is safe: an
    /// unfinished poll stays inside the subscription and is resumed by the next call.
    async fn next_chunk(&mut self) -> Option<String> {
        if self.finished {
            return None;
        }
        if self.subscription.polls() >= self.max_polls + EXTRA_POLLS {
            return self.finish(String::new());
        }
        let tick = Delay::from(KEEPALIVE);
        let next = self.subscription.next();
        let (text, idle) = match select(next, Box::pin(tick)).await {
            Either::Left((Some(Ok(event)), _)) => {
                let idle = event == SubscriptionEvent::Heartbeat;
                (sse::event_frame(&event), idle)
            }
            Either::Left((Some(Err(error)), _)) => {
                let error = RelayError::from_momento(&error);
                return self.finish(sse::error_frame(&error));
            }
            Either::Left((None, _)) => return None,
            Either::Right(((), _)) => (sse::comment("keepalive"), true),
        };
        if idle && self.subscription.polls() >= self.max_polls {
            return self.finish(text);
        }
        Some(text)
    }

    fn finish(&mut self, mut text: String) -> Option<String> {
        self.finished = true;
        text.push_str(&sse::comment("poll budget used; reconnect with Last-Event-ID"));
        Some(text)
    }
}
