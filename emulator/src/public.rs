//! The public API: `/topics/{cache}/{topic}` (publish, subscribe) and `/cache/{cache}` (items).
//!
//! Order of checks, so that a test can predict which error wins: route (404/405), injected
//! faults, token (400/401), rate limit (429), scope (403), cache (404), then the request itself.

use base64::Engine as _;
use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::{Method, Request, StatusCode};
use momento_topics_worker::wire::{SubscribeResponse, WireValue};
use std::time::{Duration, Instant};

use crate::auth::{request_token, Action};
use crate::faults::Fault;
use crate::http::{self, read_body, ApiError, ApiResult, BodyError, Query};
use crate::server::{AppState, Outcome};
use crate::store::SubscribeFrom;

/// Largest cache value, as on the real service.
pub const MAX_CACHE_VALUE_BYTES: usize = 5 * 1024 * 1024;

/// Longest cache TTL: 24 hours.
pub const MAX_TTL_SECONDS: u64 = 86_400;

enum Route {
    Publish { cache: String, topic: String },
    Subscribe { cache: String, topic: String },
    CacheSet { cache: String },
    CacheGet { cache: String },
    CacheDelete { cache: String },
}

impl Route {
    fn parse(method: &Method, segments: Vec<String>) -> Result<Route, ApiError> {
        let mut segments = segments.into_iter();
        let (kind, first, second, rest) =
            (segments.next(), segments.next(), segments.next(), segments.next());
        match (kind.as_deref(), first, second, rest) {
            (Some("topics"), Some(cache), Some(topic), None) => match *method {
                Method::POST => Ok(Route::Publish { cache, topic }),
                Method::GET => Ok(Route::Subscribe { cache, topic }),
                _ => Err(ApiError::method_not_allowed()),
            },
            (Some("cache"), Some(cache), None, None) => match *method {
                Method::PUT => Ok(Route::CacheSet { cache }),
                Method::GET => Ok(Route::CacheGet { cache }),
                Method::DELETE => Ok(Route::CacheDelete { cache }),
                _ => Err(ApiError::method_not_allowed()),
            },
            _ => Err(ApiError::not_found("Not Found")),
        }
    }

    fn cache(&self) -> &str {
        match self {
            Route::Publish { cache, .. }
            | Route::Subscribe { cache, .. }
            | Route::CacheSet { cache }
            | Route::CacheGet { cache }
            | Route::CacheDelete { cache } => cache,
        }
    }

    fn action(&self) -> Action<'_> {
        match self {
            Route::Publish { cache, topic } => Action::Publish { cache, topic },
            Route::Subscribe { cache, topic } => Action::Subscribe { cache, topic },
            Route::CacheGet { cache } => Action::CacheRead { cache },
            Route::CacheSet { cache } | Route::CacheDelete { cache } => {
                Action::CacheWrite { cache }
            }
        }
    }
}

/// Handles a request whose first path segment is `topics` or `cache`.
pub async fn handle(state: &AppState, req: Request<Incoming>, segments: Vec<String>) -> Outcome {
    let route = match Route::parse(req.method(), segments) {
        Ok(route) => route,
        Err(e) => return Outcome::Respond(e.into_response()),
    };
    match state.faults.inject().await {
        Some(Fault::Drop) => return Outcome::Drop,
        Some(Fault::DropAfterWork) => {
            // The answer is thrown away: whatever was done stays done.
            let _ = admit_and_run(state, req, route).await;
            return Outcome::Drop;
        }
        Some(Fault::Status500) => {
            drain(req).await;
            return respond_err(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Injected fault: internal server error",
            );
        }
        Some(Fault::Status429) => {
            drain(req).await;
            return respond_err(StatusCode::TOO_MANY_REQUESTS, "Injected fault: too many requests");
        }
        None => {}
    }
    Outcome::Respond(admit_and_run(state, req, route).await.unwrap_or_else(ApiError::into_response))
}

/// Reads and discards the body (up to the cache value limit), so that the connection can carry
/// the client's next request: answering with a body still unread makes the server close it,
/// racing clients that reuse pooled connections.
async fn drain(req: Request<Incoming>) {
    let (parts, body) = req.into_parts();
    let _ = read_body(body, &parts.headers, MAX_DRAIN_BYTES).await;
}

/// The largest body any public request may carry (a cache value).
const MAX_DRAIN_BYTES: usize = 5 * 1024 * 1024;

fn respond_err(status: StatusCode, message: &str) -> Outcome {
    Outcome::Respond(ApiError::new(status, message).into_response())
}

async fn admit_and_run(state: &AppState, req: Request<Incoming>, route: Route) -> ApiResult {
    let query = Query::parse(req.uri().query())?;
    admit(state, &req, &query, &route)?;
    match route {
        Route::Publish { cache, topic } => publish(state, req, &cache, &topic).await,
        Route::Subscribe { cache, topic } => subscribe(state, &query, &cache, &topic).await,
        Route::CacheSet { cache } => cache_set(state, req, &query, &cache).await,
        Route::CacheGet { cache } => cache_get(state, &query, &cache),
        Route::CacheDelete { cache } => cache_delete(state, &query, &cache),
    }
}

/// Token, rate limit, scope and cache checks.
fn admit(
    state: &AppState,
    req: &Request<Incoming>,
    query: &Query,
    route: &Route,
) -> Result<(), ApiError> {
    let token = request_token(req.headers(), query)?;
    let grant = state.tokens.grant(token)?;
    if let Some(limiter) = &state.limiter {
        limiter.check(token)?;
    }
    grant.authorize(&route.action())?;
    if !state.store.has_cache(route.cache()) {
        return Err(ApiError::cache_not_found());
    }
    Ok(())
}

async fn publish(state: &AppState, req: Request<Incoming>, cache: &str, topic: &str) -> ApiResult {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| http::media_type(v.to_str().unwrap_or("")))
        .ok_or_else(|| {
            ApiError::bad_request("Missing Content-Type header: use text/plain for text or application/octet-stream for binary")
        })?;
    let limit = state.max_message_bytes;
    let (parts, body) = req.into_parts();
    let bytes = read_body(body, &parts.headers, limit)
        .await
        .map_err(|e| body_error(e, limit, "Message"))?;
    let value = if content_type == "application/octet-stream" {
        WireValue::Binary(bytes.to_vec())
    } else {
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
            ApiError::bad_request(
                "Message is not valid UTF-8 text: publish binary data as application/octet-stream",
            )
        })?;
        WireValue::Text(text)
    };
    state.store.publish(cache, topic, value)?;
    Ok(http::no_content())
}

fn body_error(e: BodyError, limit: usize, what: &str) -> ApiError {
    match e {
        BodyError::TooLarge => {
            ApiError::bad_request(format!("{what} too large: the limit is {limit} bytes"))
        }
        BodyError::Io(e) => ApiError::bad_request(format!("Could not read the request body: {e}")),
    }
}

async fn subscribe(state: &AppState, query: &Query, cache: &str, topic: &str) -> ApiResult {
    let from = SubscribeFrom {
        sequence_number: query.get_u64("sequence_number")?.unwrap_or(0),
        sequence_page: query.get_u64("sequence_page")?.unwrap_or(0),
        start_at_latest: state.start_at_latest,
    };
    let deadline = tokio::time::Instant::now() + state.max_wait;
    let items = wait_for_entries(state, cache, topic, from, deadline).await?;
    state.store.stats.count_delivered(&items);
    Ok(http::json(StatusCode::OK, &SubscribeResponse { items }))
}

/// Long-poll: answers as soon as there is at least one entry, or empty at `deadline`. The wake-up
/// handle is armed before each check, so a publish between the check and the wait is not lost.
async fn wait_for_entries(
    state: &AppState,
    cache: &str,
    topic: &str,
    from: SubscribeFrom,
    deadline: tokio::time::Instant,
) -> Result<Vec<momento_topics_worker::wire::WireEntry>, ApiError> {
    let store = &state.store;
    let (cursor, prefix) = store.resolve(cache, topic, from)?;
    if let Some(prefix) = prefix {
        let mut entries = vec![prefix];
        entries.extend(store.collect(cache, topic, cursor)?);
        entries.truncate(crate::topics::MAX_ITEMS_PER_RESPONSE);
        return Ok(entries);
    }
    let mut waiting = None;
    loop {
        let notify = store.notify(cache, topic)?;
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let entries = store.collect(cache, topic, cursor)?;
        if !entries.is_empty() {
            return Ok(entries);
        }
        waiting.get_or_insert_with(|| store.stats.waiting());
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep_until(deadline) => return Ok(Vec::new()),
        }
    }
}

/// The key from `key=` (UTF-8 bytes) or `key_base64=` (URL-safe base64, padded or not).
fn cache_key(query: &Query) -> Result<Vec<u8>, ApiError> {
    let key = match (query.get("key"), query.get("key_base64")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request("Set only one of key and key_base64"))
        }
        (Some(k), None) => k.as_bytes().to_vec(),
        (None, Some(b)) => decode_key_base64(b)?,
        (None, None) => {
            return Err(ApiError::bad_request(
                "Missing key: set the key or key_base64 query parameter",
            ))
        }
    };
    if key.is_empty() {
        return Err(ApiError::bad_request("The key must not be empty"));
    }
    Ok(key)
}

fn decode_key_base64(b: &str) -> Result<Vec<u8>, ApiError> {
    let unpadded = b.trim().trim_end_matches('=');
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(unpadded)
        .map_err(|_| ApiError::bad_request("key_base64 is not valid URL-safe base64"))
}

async fn cache_set(
    state: &AppState,
    req: Request<Incoming>,
    query: &Query,
    cache: &str,
) -> ApiResult {
    let key = cache_key(query)?;
    let ttl = match query.get_u64("ttl_seconds") {
        Ok(Some(ttl)) if (1..=MAX_TTL_SECONDS).contains(&ttl) => ttl,
        Ok(None) => return Err(ApiError::bad_request("Missing ttl_seconds query parameter")),
        _ => {
            return Err(ApiError::bad_request(format!(
                "ttl_seconds must be between 1 and {MAX_TTL_SECONDS}"
            )))
        }
    };
    let (parts, body) = req.into_parts();
    let value = read_body(body, &parts.headers, MAX_CACHE_VALUE_BYTES)
        .await
        .map_err(|e| body_error(e, MAX_CACHE_VALUE_BYTES, "Value"))?;
    state.store.cache_set(cache, key, value, Instant::now() + Duration::from_secs(ttl))?;
    Ok(http::no_content())
}

fn cache_get(state: &AppState, query: &Query, cache: &str) -> ApiResult {
    match state.store.cache_get(cache, &cache_key(query)?)? {
        Some(value) => Ok(http::with_body(StatusCode::OK, "application/octet-stream", value)),
        None => Err(ApiError::not_found("Key Not Found")),
    }
}

fn cache_delete(state: &AppState, query: &Query, cache: &str) -> ApiResult {
    state.store.cache_delete(cache, &cache_key(query)?)?;
    Ok(http::no_content())
}
