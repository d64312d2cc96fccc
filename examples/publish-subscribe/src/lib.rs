//! The smallest useful Worker on `momento-topics-worker`:
//!
//! - `POST /topics/{topic}` publishes the body (text, or binary when sent as
//!   `application/octet-stream`) and answers 204 only once Momento accepted it.
//! - `GET /topics/{topic}?cursor=…&max=N&until_idle=1` streams the topic as NDJSON, one event per
//!   line, each with the cursor to resume from. It ends after `max` items, at the first idle
//!   poll with `until_idle=1`, or after a bounded number of polls (each is a subrequest).
//!
//! Configuration: secret `MOMENTO_API_KEY`, var `MOMENTO_CACHE`, and `MOMENTO_BASE_URL` or
//! `MOMENTO_ENDPOINT` when the key carries no endpoint (the local emulator, v2 keys).
// A Worker only exists on wasm32; natively the crate is empty so `cargo test --workspace` works.
#![cfg(target_arch = "wasm32")]

use base64::Engine as _;
use futures::{stream, StreamExt};
use momento_topics_worker::{
    Error as TopicError, ErrorKind, Subscription, SubscriptionCursor, SubscriptionEvent,
    TopicClient,
};
use serde_json::json;
use worker::{event, Context, Env, Request, Response, Result, RouteContext, Router};

/// Polls one streamed answer may make before it ends and lets the reader resume.
const MAX_POLLS_PER_REQUEST: u64 = 40;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Router::new()
        .post_async("/topics/:topic", publish)
        .get_async("/topics/:topic", stream_topic)
        .run(req, env)
        .await
}

async fn publish(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let (client, cache) = match client_and_cache(&ctx.env) {
        Ok(pair) => pair,
        Err(e) => return error_response(&e),
    };
    let topic = ctx.param("topic").cloned().unwrap_or_default();
    let is_binary = req
        .headers()
        .get("Content-Type")?
        .is_some_and(|t| t.starts_with("application/octet-stream"));
    let body = req.bytes().await?;
    let outcome = if is_binary {
        client.publish(&cache, &topic, body).await
    } else {
        match String::from_utf8(body) {
            Ok(text) => client.publish(&cache, &topic, text).await,
            Err(_) => Err(TopicError::invalid(
                "the body is not UTF-8; send binary as application/octet-stream",
            )),
        }
    };
    match outcome {
        Ok(()) => Ok(Response::empty()?.with_status(204)),
        Err(e) => error_response(&e),
    }
}

async fn stream_topic(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let (client, cache) = match client_and_cache(&ctx.env) {
        Ok(pair) => pair,
        Err(e) => return error_response(&e),
    };
    let topic = ctx.param("topic").cloned().unwrap_or_default();
    let url = req.inner().url();
    let query = |name: &str| query_param(&url, name);
    let cursor = match query("cursor") {
        Some(token) => SubscriptionCursor::from_token(&token),
        None => SubscriptionCursor::new(&cache, &topic),
    };
    let cursor = match cursor {
        Ok(c) if c.topic() == topic && c.cache() == cache => c,
        Ok(_) => {
            return error_response(&TopicError::invalid("the cursor belongs to another topic"))
        }
        Err(e) => return error_response(&e),
    };
    let limits = Limits {
        max_items: query("max").and_then(|m| m.parse().ok()).unwrap_or(u64::MAX),
        until_idle: query("until_idle").is_some_and(|v| v == "1"),
    };
    let lines = ndjson_lines(client.subscribe_from(cursor), limits);
    let mut response = Response::from_stream(lines)?;
    response.headers_mut().set("Content-Type", "application/x-ndjson")?;
    Ok(response)
}

#[derive(Clone, Copy)]
struct Limits {
    max_items: u64,
    until_idle: bool,
}

/// Turns the subscription into NDJSON lines, ending per `limits`; an error is the last line.
fn ndjson_lines(
    subscription: Subscription,
    limits: Limits,
) -> impl futures::Stream<Item = Result<Vec<u8>>> {
    stream::unfold((subscription, 0u64, false), move |(mut sub, items, done)| async move {
        if done || items >= limits.max_items || sub.polls() > MAX_POLLS_PER_REQUEST {
            return None;
        }
        let (line, items, done) = match sub.next().await? {
            Ok(SubscriptionEvent::Item(item)) => (item_json(&item, &sub), items + 1, false),
            Ok(SubscriptionEvent::Discontinuity(d)) => (
                json!({"discontinuity": {"last_topic_sequence": d.last_topic_sequence,
                    "new_topic_sequence": d.new_topic_sequence, "new_sequence_page": d.new_sequence_page},
                    "cursor": sub.cursor().to_token()}),
                items,
                false,
            ),
            Ok(SubscriptionEvent::Heartbeat) => (
                json!({"heartbeat": {}, "cursor": sub.cursor().to_token()}),
                items,
                limits.until_idle,
            ),
            // Event kinds added by later versions of the library: pass the cursor on.
            Ok(_) => (json!({"cursor": sub.cursor().to_token()}), items, false),
            Err(e) => (json!({"error": error_json(&e)}), items, true),
        };
        let mut bytes = line.to_string().into_bytes();
        bytes.push(b'\n');
        Some((Ok(bytes), (sub, items, done)))
    })
}

fn item_json(
    item: &momento_topics_worker::SubscriptionItem,
    sub: &Subscription,
) -> serde_json::Value {
    let value = match &item.value {
        momento_topics_worker::TopicValue::Text(t) => json!({ "text": t }),
        momento_topics_worker::TopicValue::Binary(b) => {
            json!({ "binary": base64::engine::general_purpose::STANDARD.encode(b) })
        }
    };
    json!({
        "item": { "topic_sequence_number": item.topic_sequence_number,
                  "sequence_page": item.sequence_page, "value": value },
        "cursor": sub.cursor().to_token(),
    })
}

fn client_and_cache(env: &Env) -> std::result::Result<(TopicClient, String), TopicError> {
    let cache =
        env.var("MOMENTO_CACHE").map(|v| v.to_string()).unwrap_or_else(|_| "default-cache".into());
    let client = TopicClient::builder().from_env(env).build()?;
    Ok((client, cache))
}

fn error_json(e: &TopicError) -> serde_json::Value {
    json!({ "kind": format!("{:?}", e.kind()), "message": e.message(), "retryable": e.is_retryable() })
}

/// Bad requests are the caller's (400); everything else is Momento's answer passed on (502/503).
fn error_response(e: &TopicError) -> Result<Response> {
    let status = match e.kind() {
        ErrorKind::InvalidArgument => 400,
        kind if kind.is_retryable() => 503,
        _ => 502,
    };
    Ok(Response::from_json(&json!({ "error": error_json(e) }))?.with_status(status))
}

/// The first value of query parameter `name`, percent-decoded. Parsing the URL by hand keeps the
/// `url` crate's IDNA/Unicode tables (about 100 KB) out of the wasm.
fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1.split('#').next().unwrap_or_default();
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| {
            let value = value.replace('+', " ");
            percent_encoding::percent_decode_str(&value).decode_utf8_lossy().into_owned()
        })
    })
}
