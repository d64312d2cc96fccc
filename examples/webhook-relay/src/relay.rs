//! The webhook pipeline: from a request whose body has been read to the answer.
//!
//! 1. Verify the signature on the raw body (401, or 500 when the source is misconfigured).
//! 2. Check the body against its declared JSON content type (400).
//! 3. Answer Slack's `url_verification` with its challenge, and GitHub's `ping` with `pong`
//!    (published only when the source's `events` names `ping`).
//! 4. Drop events the source's filter does not match (202 `ignored`).
//! 5. Dedupe: a delivery id already recorded is answered 200 `duplicate`.
//! 6. Build the envelope; when it is over 4 KB, store the body as a claim-check first.
//! 7. Publish (the client retries transient failures within the request); on failure answer
//!    503 + `Retry-After` (transient) or 502/500, so the sender retries and nothing is lost.
//! 8. Only then record the delivery id for `dedupe_window_secs`, and answer 200 `published`.
//!
//! The I/O goes through [`Backend`], so the order above — above all "record only after a
//! successful publish" and "publish nothing that was rejected" — is tested natively against an
//! in-memory backend.

use momento_topics_worker::Error as TopicError;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::body::check_declared_type;
use crate::config::Source;
use crate::envelope::{envelope_id, Body, Envelope, MAX_MESSAGE_BYTES, MAX_META_BYTES};
use crate::headers::{self, truncate};
use crate::reply::{RelayError, Reply};
use crate::time::rfc3339_millis;
use crate::verify::{GenericScheme, ProviderKind, Verifier};

/// Delivery ids longer than this are hashed into the dedupe key, keeping keys short.
pub const MAX_DEDUPE_ID_BYTES: usize = 128;

/// The Momento operations the pipeline needs. The Worker implements it with `TopicClient`
/// (whose retry policy retries transient failures); tests implement it in memory.
///
/// Workers run one request per isolate thread, so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Backend {
    /// Publishes `message` (text) to `topic`.
    async fn publish(&self, cache: &str, topic: &str, message: &str) -> Result<(), TopicError>;
    /// Reads `key`; `None` on a miss.
    async fn cache_get(&self, cache: &str, key: &str) -> Result<Option<Vec<u8>>, TopicError>;
    /// Stores `value` under `key` for `ttl_secs`.
    async fn cache_set(
        &self,
        cache: &str,
        key: &str,
        value: &[u8],
        ttl_secs: u32,
    ) -> Result<(), TopicError>;
}

/// A request to `POST /hooks/{source}` whose body has been read within the size limit.
pub struct Webhook<'a> {
    /// Case-insensitive header lookup.
    pub headers: &'a dyn Fn(&str) -> Option<String>,
    /// The raw body.
    pub body: &'a [u8],
    /// When it arrived (Unix milliseconds, from `Date.now()` at the edge).
    pub received_at_ms: u64,
    /// A random number from the edge, for ids of deliveries that carry none.
    pub nonce: u64,
}

/// Runs the pipeline (see the module docs) and returns the answer; never panics on input.
///
/// ```
/// use webhook_relay::config::RelayConfig;
/// use webhook_relay::relay::{handle_webhook, Webhook};
/// # use webhook_relay::relay::Backend;
/// # use momento_topics_worker::Error;
/// # struct Nothing;
/// # impl Backend for Nothing {
/// #     async fn publish(&self, _: &str, _: &str, _: &str) -> Result<(), Error> { unreachable!() }
/// #     async fn cache_get(&self, _: &str, _: &str) -> Result<Option<Vec<u8>>, Error> { unreachable!() }
/// #     async fn cache_set(&self, _: &str, _: &str, _: &[u8], _: u32) -> Result<(), Error> { unreachable!() }
/// # }
/// let config = RelayConfig::parse(
///     r#"{"gh": {"provider": "github", "secrets": ["S"], "topic": "github.{event}"}}"#, "c").unwrap();
/// let source = config.source("gh").unwrap();
/// let verifier = source.verifier(&|_| Some("secret".into())).unwrap();
/// let no_headers = |_: &str| None;
/// let hook = Webhook { headers: &no_headers, body: b"{}", received_at_ms: 0, nonce: 0 };
/// let reply = futures::executor::block_on(handle_webhook(&Nothing, source, &verifier, hook));
/// assert_eq!(reply.status, 401); // unsigned: rejected before any Momento call
/// ```
pub async fn handle_webhook<B: Backend>(
    backend: &B,
    source: &Source,
    verifier: &Verifier,
    hook: Webhook<'_>,
) -> Reply {
    process(backend, source, verifier, &hook).await.unwrap_or_else(RelayError::into_reply)
}

async fn process<B: Backend>(
    backend: &B,
    source: &Source,
    verifier: &Verifier,
    hook: &Webhook<'_>,
) -> Result<Reply, RelayError> {
    let now_secs = i64::try_from(hook.received_at_ms / 1000).unwrap_or(i64::MAX);
    let verified = verifier.verify(hook.headers, hook.body, now_secs)?;
    let content_type = (hook.headers)("content-type");
    check_declared_type(content_type.as_deref(), hook.body)?;
    if let Some(challenge) = verified.challenge {
        return Ok(Reply::json(200, &json!({ "challenge": challenge })));
    }
    let event = verified.event_type.as_deref();
    let delivery_id = verified.delivery_id.as_deref();
    if source.provider == ProviderKind::GitHub && event == Some("ping") {
        if !source.events.names("ping") {
            return Ok(Reply::json(200, &json!({ "status": "pong", "source": source.name })));
        }
    } else if !source.events.matches(event) {
        return Ok(Reply::json(202, &json!({ "status": "ignored", "event_type": event })));
    }

    let dedupe_key = dedupe_key(source, delivery_id);
    if let Some(key) = &dedupe_key {
        let seen = backend.cache_get(&source.cache, key).await.map_err(momento)?;
        if seen.is_some() {
            return Ok(Reply::json(
                200,
                &json!({ "status": "duplicate", "delivery_id": delivery_id }),
            ));
        }
    }

    let envelope = build_envelope(source, hook, event, delivery_id, content_type);
    let id = envelope.id.clone();
    let topic = source.topic.render(&source.name, source.provider.name(), event);
    let outgoing = envelope.into_message(hook.body, &source.cache, MAX_MESSAGE_BYTES)?;
    if let Some(claim) = &outgoing.claim {
        backend
            .cache_set(&claim.cache, &claim.key, hook.body, source.claim_check_ttl_secs)
            .await
            .map_err(momento)?;
    }
    backend.publish(&source.cache, &topic, &outgoing.message).await.map_err(momento)?;

    // Published: from here on the answer is 2xx whatever happens, or the sender would retry
    // and publish a second copy. A failed record only weakens dedupe for this delivery.
    let dedupe_recorded = match &dedupe_key {
        Some(key) => backend
            .cache_set(&source.cache, key, id.as_bytes(), source.dedupe_window_secs)
            .await
            .is_ok(),
        None => false,
    };
    Ok(Reply::json(
        200,
        &json!({
            "status": "published",
            "id": id,
            "topic": topic,
            "cache": source.cache,
            "delivery_id": delivery_id,
            "claim_check": outgoing.claim.is_some(),
            "dedupe_recorded": dedupe_recorded,
        }),
    ))
}

fn momento(error: TopicError) -> RelayError {
    RelayError::from_momento(&error)
}

fn build_envelope(
    source: &Source,
    hook: &Webhook<'_>,
    event: Option<&str>,
    delivery_id: Option<&str>,
    content_type: Option<String>,
) -> Envelope {
    let meta = |value: Option<&str>| value.map(|v| truncate(v, MAX_META_BYTES).to_owned());
    let secret_header = match &source.provider {
        ProviderKind::Generic(GenericScheme { header, .. }) => Some(header.as_str()),
        _ => None,
    };
    Envelope {
        id: envelope_id(&source.name, delivery_id, hook.received_at_ms, hook.nonce, hook.body),
        source: source.name.clone(),
        provider: source.provider.name().to_owned(),
        event_type: meta(event),
        delivery_id: meta(delivery_id),
        received_at: rfc3339_millis(hook.received_at_ms),
        headers: headers::select(hook.headers, &source.forward_headers, secret_header),
        content_type: content_type.map(|t| truncate(&t, headers::MAX_VALUE_BYTES).to_owned()),
        // A body over the message limit can only travel as a claim-check: do not copy (or
        // base64) it into the envelope first; `into_message` goes by its length.
        body: (hook.body.len() <= MAX_MESSAGE_BYTES).then(|| Body::from_bytes(hook.body)),
        claim_check: None,
    }
}

/// The cache key recording that `delivery_id` of `source` was published, or `None` when the
/// request has no delivery id or the source's dedupe window is 0: `dedupe:{source}:id:{id}`, or
/// `dedupe:{source}:h:{sha256 hex}` for ids over [`MAX_DEDUPE_ID_BYTES`]. The two tags keep a
/// literal id that looks like a hash from sharing a key with a hashed long id.
///
/// ```
/// use webhook_relay::config::RelayConfig;
/// use webhook_relay::relay::dedupe_key;
/// let config = RelayConfig::parse(
///     r#"{"gh": {"provider": "github", "secrets": ["S"], "topic": "t"}}"#, "c").unwrap();
/// let gh = config.source("gh").unwrap();
/// assert_eq!(dedupe_key(gh, Some("72d3162e")).as_deref(), Some("dedupe:gh:id:72d3162e"));
/// assert_eq!(dedupe_key(gh, None), None);
/// assert!(dedupe_key(gh, Some(&"x".repeat(500))).unwrap().starts_with("dedupe:gh:h:"));
/// ```
pub fn dedupe_key(source: &Source, delivery_id: Option<&str>) -> Option<String> {
    let id = delivery_id.filter(|id| !id.is_empty())?;
    if source.dedupe_window_secs == 0 {
        return None;
    }
    Some(if id.len() <= MAX_DEDUPE_ID_BYTES {
        format!("dedupe:{}:id:{id}", source.name)
    } else {
        format!("dedupe:{}:h:{}", source.name, hex::encode(Sha256::digest(id.as_bytes())))
    })
}

/// Why an envelope's body could not be had.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolveError {
    /// The envelope has neither a body nor a claim-check, or its base64 is invalid.
    Malformed,
    /// The claim-checked body is gone: its TTL ran out.
    Expired,
    /// The cache returned bytes that do not match the claim-check's length and hash.
    Corrupt,
    /// Momento failed.
    Momento(TopicError),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::Malformed => f.write_str("the envelope carries no readable body"),
            ResolveError::Expired => f.write_str("the claim-checked body has expired"),
            ResolveError::Corrupt => f.write_str("the claim-checked body does not match its hash"),
            ResolveError::Momento(e) => write!(f, "could not read the claim-checked body: {e}"),
        }
    }
}

impl std::error::Error for ResolveError {}

/// The envelope's body: inline, or fetched from its claim-check and checked against its hash.
/// For consumers of the topic written in Rust (use a `TopicClient`-backed [`Backend`]).
///
/// ```
/// use webhook_relay::envelope::{Body, Envelope};
/// use webhook_relay::relay::{resolve_body, ResolveError};
/// # use webhook_relay::relay::Backend;
/// # use momento_topics_worker::Error;
/// # struct Nothing;
/// # impl Backend for Nothing {
/// #     async fn publish(&self, _: &str, _: &str, _: &str) -> Result<(), Error> { unreachable!() }
/// #     async fn cache_get(&self, _: &str, _: &str) -> Result<Option<Vec<u8>>, Error> { Ok(None) }
/// #     async fn cache_set(&self, _: &str, _: &str, _: &[u8], _: u32) -> Result<(), Error> { unreachable!() }
/// # }
/// let mut e = Envelope::parse(r#"{"id":"i","source":"s","provider":"p","received_at":"t"}"#).unwrap();
/// e.body = Some(Body::Text("inline".into()));
/// assert_eq!(futures::executor::block_on(resolve_body(&Nothing, &e)).unwrap(), b"inline");
/// ```
pub async fn resolve_body<B: Backend>(
    backend: &B,
    envelope: &Envelope,
) -> Result<Vec<u8>, ResolveError> {
    if let Some(body) = &envelope.body {
        return body.to_bytes().ok_or(ResolveError::Malformed);
    }
    let claim = envelope.claim_check.as_ref().ok_or(ResolveError::Malformed)?;
    let fetched = backend
        .cache_get(&claim.cache, &claim.key)
        .await
        .map_err(ResolveError::Momento)?
        .ok_or(ResolveError::Expired)?;
    if claim.matches(&fetched) {
        Ok(fetched)
    } else {
        Err(ResolveError::Corrupt)
    }
}

#[cfg(test)]
mod tests;
