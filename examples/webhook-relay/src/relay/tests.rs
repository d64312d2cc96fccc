//! The pipeline against an in-memory Momento: every provider, every refusal, every failure
//! point, and the order of the Momento calls.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

use futures::executor::block_on;
use momento_topics_worker::{Error as TopicError, ErrorKind};
use serde_json::Value;

use super::*;
use crate::config::RelayConfig;
use crate::envelope::CLAIM_KEY_PREFIX;
use crate::verify::sign;

// ----- an in-memory backend ------------------------------------------------------------------

/// Which operation a scripted failure applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Publish,
    Get,
    Set,
}

/// `(cache, key)` → `(value, ttl_secs)`.
type Cache = HashMap<(String, String), (Vec<u8>, u32)>;

#[derive(Default)]
struct Memory {
    published: RefCell<Vec<(String, String, String)>>,
    cache: RefCell<Cache>,
    /// Every call in order, e.g. `get dedupe:gh:id:d-1`.
    log: RefCell<Vec<String>>,
    failures: RefCell<VecDeque<(Op, TopicError)>>,
}

impl Memory {
    fn fail_next(&self, op: Op, error: TopicError) {
        self.failures.borrow_mut().push_back((op, error));
    }

    fn failure(&self, op: Op) -> Result<(), TopicError> {
        let mut failures = self.failures.borrow_mut();
        match failures.front() {
            Some((next, _)) if *next == op => Err(failures.pop_front().unwrap().1),
            _ => Ok(()),
        }
    }

    fn published(&self) -> Vec<(String, String, String)> {
        self.published.borrow().clone()
    }

    fn log(&self) -> Vec<String> {
        self.log.borrow().clone()
    }
}

impl Backend for Memory {
    async fn publish(&self, cache: &str, topic: &str, message: &str) -> Result<(), TopicError> {
        self.log.borrow_mut().push(format!("publish {topic}"));
        self.failure(Op::Publish)?;
        assert!(message.len() <= MAX_MESSAGE_BYTES, "over Momento's limit");
        self.published.borrow_mut().push((cache.into(), topic.into(), message.into()));
        Ok(())
    }

    async fn cache_get(&self, cache: &str, key: &str) -> Result<Option<Vec<u8>>, TopicError> {
        self.log.borrow_mut().push(format!("get {key}"));
        self.failure(Op::Get)?;
        Ok(self.cache.borrow().get(&(cache.into(), key.into())).map(|(v, _)| v.clone()))
    }

    async fn cache_set(
        &self,
        cache: &str,
        key: &str,
        value: &[u8],
        ttl_secs: u32,
    ) -> Result<(), TopicError> {
        self.log.borrow_mut().push(format!("set {key} ttl={ttl_secs}"));
        self.failure(Op::Set)?;
        self.cache.borrow_mut().insert((cache.into(), key.into()), (value.to_vec(), ttl_secs));
        Ok(())
    }
}

// ----- fixtures ------------------------------------------------------------------------------

const NOW_MS: u64 = 1_700_000_000_123;
const NOW: i64 = 1_700_000_000;

const CONFIG: &str = r#"{
    "github":  {"provider": "github", "secrets": ["GH"], "topic": "github.{event}",
                "events": ["push", "issues"]},
    "stripe":  {"provider": "stripe", "secrets": ["ST"], "topic": "stripe.{event}"},
    "slack":   {"provider": "slack", "secrets": ["SL"], "topic": "slack.{event}"},
    "shopify": {"provider": "shopify", "secrets": ["SH"], "topic": "shopify.{event}",
                "claim_check_ttl_secs": 120},
    "svix":    {"provider": "standard-webhooks", "secrets": ["SW"], "topic": "svix.{event}"},
    "custom":  {"provider": {"generic": {"header": "X-Signature", "prefix": "sha256=",
                 "timestamp_header": "X-Timestamp", "event_type_header": "X-Event",
                 "delivery_id_header": "X-Delivery"}},
                "secrets": ["CU"], "topic": "custom.{event}", "dedupe_window_secs": 60},
    "nodedupe": {"provider": "github", "secrets": ["GH"], "topic": "nd.{event}",
                "dedupe_window_secs": 0},
    "pings":   {"provider": "github", "secrets": ["GH"], "topic": "pings.{event}",
                "events": ["ping"]}
}"#;

fn secret(name: &str) -> Option<String> {
    Some(
        match name {
            "GH" => "gh-secret",
            "ST" => "whsec_stripe_test",
            "SL" => "slack-signing-secret",
            "SH" => "shpss_shop_secret",
            "SW" => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "CU" => "custom-secret",
            _ => return None,
        }
        .to_owned(),
    )
}

fn config() -> RelayConfig {
    RelayConfig::parse(CONFIG, "default-cache").unwrap()
}

/// A request to `source`: `body` signed at `now` with the source's secret, plus `extra` headers
/// (which replace signed ones of the same name).
struct Request {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn signed(source: &str, body: &[u8], delivery: &str, extra: &[(&str, &str)]) -> Request {
    let config = config();
    let source = config.source(source).unwrap();
    let secret = secret(&source.secrets[0]).unwrap();
    let mut headers = sign(&source.provider, &secret, body, NOW, delivery).unwrap();
    for (name, value) in extra {
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        headers.push((name.to_string(), value.to_string()));
    }
    Request { headers, body: body.to_vec() }
}

fn send(memory: &Memory, source: &str, request: &Request) -> (u16, Value, Reply) {
    let config = config();
    let source = config.source(source).unwrap();
    let verifier = source.verifier(&secret).unwrap();
    let lookup = |name: &str| {
        request.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
    };
    let hook = Webhook { headers: &lookup, body: &request.body, received_at_ms: NOW_MS, nonce: 7 };
    let reply = block_on(handle_webhook(memory, source, &verifier, hook));
    let json: Value = serde_json::from_str(&reply.body).expect("JSON reply");
    (reply.status, json, reply)
}

fn only_envelope(memory: &Memory) -> (String, Envelope) {
    let published = memory.published();
    assert_eq!(published.len(), 1, "exactly one message: {published:?}");
    let (cache, topic, message) = published.into_iter().next().unwrap();
    assert_eq!(cache, "default-cache");
    (topic, Envelope::parse(&message).expect("an envelope"))
}

const JSON: (&str, &str) = ("Content-Type", "application/json");

// ----- every provider ------------------------------------------------------------------------

#[test]
fn github_push_is_published_once_with_its_envelope() {
    let memory = Memory::default();
    let body = br#"{"ref":"refs/heads/main","zen":"Keep it logically awesome."}"#;
    let request =
        signed("github", body, "72d3162e-cc78", &[JSON, ("User-Agent", "GitHub-Hookshot/1")]);
    let (status, reply, _) = send(&memory, "github", &request);

    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["status"], "published");
    assert_eq!(reply["topic"], "github.push");
    assert_eq!(reply["delivery_id"], "72d3162e-cc78");
    assert_eq!(reply["claim_check"], false);
    assert_eq!(reply["dedupe_recorded"], true);
    let (topic, envelope) = only_envelope(&memory);
    assert_eq!(topic, "github.push");
    assert_eq!(reply["id"], envelope.id.as_str());
    assert_eq!(envelope.source, "github");
    assert_eq!(envelope.provider, "github");
    assert_eq!(envelope.event_type.as_deref(), Some("push"));
    assert_eq!(envelope.delivery_id.as_deref(), Some("72d3162e-cc78"));
    assert_eq!(envelope.received_at, "2023-11-14T22:13:20.123Z");
    assert_eq!(envelope.content_type.as_deref(), Some("application/json"));
    assert_eq!(envelope.body, Some(Body::Text(String::from_utf8(body.to_vec()).unwrap())));
    assert_eq!(
        envelope.headers.into_iter().collect::<Vec<_>>(),
        [
            ("content-type".into(), "application/json".into()),
            ("user-agent".into(), "GitHub-Hookshot/1".into()),
            ("x-github-delivery".into(), "72d3162e-cc78".into()),
            ("x-github-event".into(), "push".into()),
        ]
    );
    assert_eq!(
        memory.log(),
        [
            "get dedupe:github:id:72d3162e-cc78",
            "publish github.push",
            "set dedupe:github:id:72d3162e-cc78 ttl=86400",
        ]
    );
}

#[test]
fn every_provider_reaches_its_topic_with_event_and_delivery_id() {
    // (source, body, topic, event type, delivery id)
    type Case = (&'static str, &'static [u8], &'static str, &'static str, &'static str);
    let cases: [Case; 6] = [
        ("github", br#"{"action":"opened"}"#, "github.push", "push", "gh-1"),
        (
            "stripe",
            br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#,
            "stripe.payment_intent.succeeded",
            "payment_intent.succeeded",
            "evt_1",
        ),
        (
            "slack",
            br#"{"type":"event_callback","event_id":"Ev01","event":{"type":"app_mention"}}"#,
            "slack.app_mention",
            "app_mention",
            "Ev01",
        ),
        (
            "shopify",
            br#"{"id":820982911946154500}"#,
            "shopify.orders.create",
            "orders/create",
            "sh-1",
        ),
        (
            "svix",
            br#"{"type":"user.created","data":{}}"#,
            "svix.user.created",
            "user.created",
            "msg_1",
        ),
        ("custom", b"plain text body", "custom.test", "test", "cu-1"),
    ];
    for (source, body, topic, event, delivery) in cases {
        let memory = Memory::default();
        let request = signed(source, body, delivery, &[]);
        let (status, reply, _) = send(&memory, source, &request);
        assert_eq!(status, 200, "{source}: {reply}");
        let (published_topic, envelope) = only_envelope(&memory);
        assert_eq!(published_topic, topic, "{source}");
        assert_eq!(envelope.source, source);
        assert_eq!(envelope.event_type.as_deref(), Some(event), "{source}");
        assert_eq!(envelope.delivery_id.as_deref(), Some(delivery), "{source}");
        assert_eq!(envelope.inline_body(), Some(Some(body.to_vec())), "{source}");
        let signatures = ["x-hub-signature-256", "stripe-signature", "x-slack-signature"];
        let leaked = ["x-shopify-hmac-sha256", "webhook-signature", "x-signature"];
        for name in signatures.iter().chain(&leaked) {
            assert!(!envelope.headers.contains_key(*name), "{source} leaked {name}");
        }
    }
}

#[test]
fn binary_bodies_travel_as_base64() {
    let memory = Memory::default();
    let body = [0x1f, 0x8b, 0x08, 0x00, 0xff];
    let request = signed("github", &body, "bin-1", &[("Content-Type", "application/octet-stream")]);
    assert_eq!(send(&memory, "github", &request).0, 200);
    let (_, envelope) = only_envelope(&memory);
    assert_eq!(envelope.body, Some(Body::Base64("H4sIAP8=".into())));
}

// ----- refusals publish nothing --------------------------------------------------------------

#[test]
fn a_bad_signature_is_401_before_any_momento_call() {
    let memory = Memory::default();
    let mut request = signed("github", b"{}", "d-1", &[]);
    request.body = b"{\"tampered\":true}".to_vec();
    let (status, reply, _) = send(&memory, "github", &request);
    assert_eq!((status, reply["error"]["code"].as_str()), (401, Some("invalid_signature")));
    assert!(memory.log().is_empty());
}

#[test]
fn a_missing_signature_is_401() {
    let memory = Memory::default();
    let request = Request { headers: vec![], body: b"{}".to_vec() };
    let (status, reply, _) = send(&memory, "stripe", &request);
    assert_eq!((status, reply["error"]["code"].as_str()), (401, Some("missing_header")));
    assert!(reply["error"]["message"].as_str().unwrap().contains("Stripe-Signature"));
    assert!(memory.log().is_empty());
}

#[test]
fn a_stale_timestamp_is_401_for_every_timestamped_provider() {
    for source in ["stripe", "slack", "svix", "custom"] {
        let memory = Memory::default();
        let config = config();
        let src = config.source(source).unwrap();
        let an_hour_ago = NOW - 3600;
        let body = br#"{"id":"evt_old","type":"x"}"#;
        let headers =
            sign(&src.provider, &secret(&src.secrets[0]).unwrap(), body, an_hour_ago, "d").unwrap();
        let (status, reply, _) = send(&memory, source, &Request { headers, body: body.to_vec() });
        assert_eq!(status, 401, "{source}");
        assert_eq!(reply["error"]["code"], "timestamp_too_old", "{source}");
        assert!(memory.log().is_empty(), "{source}");
    }
}

#[test]
fn a_genuine_but_malformed_json_body_is_400() {
    let memory = Memory::default();
    let request = signed("github", b"{not json", "d-1", &[JSON]);
    let (status, reply, _) = send(&memory, "github", &request);
    assert_eq!((status, reply["error"]["code"].as_str()), (400, Some("malformed_request")));
    assert!(memory.log().is_empty());
}

#[test]
fn a_forged_malformed_body_is_401_not_400() {
    let memory = Memory::default();
    let mut request = signed("github", b"{}", "d-1", &[JSON]);
    request.body = b"{not json".to_vec();
    assert_eq!(send(&memory, "github", &request).0, 401);
}

#[test]
fn error_bodies_never_contain_a_secret() {
    let memory = Memory::default();
    let request = signed("custom", b"x", "d", &[("X-Signature", "sha256=00")]);
    let (_, _, reply) = send(&memory, "custom", &request);
    for secret in ["custom-secret", "gh-secret", "whsec_"] {
        assert!(!reply.body.contains(secret));
    }
}

// ----- inline answers and filters ------------------------------------------------------------

#[test]
fn slack_url_verification_is_answered_inline_and_not_published() {
    let memory = Memory::default();
    let body = br#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let (status, reply, raw) = send(&memory, "slack", &signed("slack", body, "", &[JSON]));
    assert_eq!(status, 200);
    assert_eq!(raw.body, r#"{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}"#);
    assert_eq!(reply["challenge"], "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    assert!(memory.log().is_empty());
}

#[test]
fn github_ping_is_answered_unless_the_filter_names_it() {
    let memory = Memory::default();
    let ping = br#"{"zen":"Anything added dilutes everything else.","hook_id":1}"#;
    let request = signed("github", ping, "p-1", &[("X-GitHub-Event", "ping")]);
    let (status, reply, _) = send(&memory, "github", &request);
    assert_eq!((status, reply["status"].as_str()), (200, Some("pong")));
    assert!(memory.log().is_empty());

    let request = signed("pings", ping, "p-1", &[("X-GitHub-Event", "ping")]);
    let (status, reply, _) = send(&memory, "pings", &request);
    assert_eq!((status, reply["topic"].as_str()), (200, Some("pings.ping")));
    assert_eq!(memory.published().len(), 1);
}

#[test]
fn filtered_out_events_are_202_ignored_and_not_published() {
    let memory = Memory::default();
    let request = signed("github", b"{}", "d-1", &[("X-GitHub-Event", "star")]);
    let (status, reply, _) = send(&memory, "github", &request);
    assert_eq!(status, 202);
    assert_eq!(reply, serde_json::json!({"status": "ignored", "event_type": "star"}));
    assert!(memory.log().is_empty());
}

// ----- dedupe --------------------------------------------------------------------------------

#[test]
fn a_redelivery_is_a_duplicate_and_published_once() {
    let memory = Memory::default();
    let request = signed("github", b"{}", "same-id", &[]);
    assert_eq!(send(&memory, "github", &request).1["status"], "published");
    let (status, reply, _) = send(&memory, "github", &request);
    assert_eq!((status, reply["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(reply["delivery_id"], "same-id");
    assert_eq!(memory.published().len(), 1);
}

#[test]
fn slack_retries_dedupe_on_the_event_id() {
    let memory = Memory::default();
    let body = br#"{"type":"event_callback","event_id":"Ev42","event":{"type":"message"}}"#;
    assert_eq!(send(&memory, "slack", &signed("slack", body, "", &[])).0, 200);
    let retry = signed(
        "slack",
        body,
        "",
        &[("X-Slack-Retry-Num", "1"), ("X-Slack-Retry-Reason", "http_timeout")],
    );
    let (status, reply, _) = send(&memory, "slack", &retry);
    assert_eq!((status, reply["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(memory.published().len(), 1);
}

#[test]
fn the_dedupe_window_is_the_records_ttl_and_zero_turns_it_off() {
    let memory = Memory::default();
    send(&memory, "custom", &signed("custom", b"x", "c-1", &[]));
    assert_eq!(memory.log().last().unwrap(), "set dedupe:custom:id:c-1 ttl=60");

    let memory = Memory::default();
    let request = signed("nodedupe", b"{}", "n-1", &[]);
    assert_eq!(send(&memory, "nodedupe", &request).1["dedupe_recorded"], false);
    assert_eq!(send(&memory, "nodedupe", &request).1["status"], "published");
    assert_eq!(memory.published().len(), 2);
    assert_eq!(memory.log(), ["publish nd.push", "publish nd.push"]);
}

#[test]
fn deliveries_without_an_id_are_never_deduped() {
    let memory = Memory::default();
    // A Slack slash command (a form) carries no event_id.
    let body = b"command=%2Fdeploy&text=prod";
    let request = signed("slack", body, "", &[]);
    assert_eq!(send(&memory, "slack", &request).0, 200);
    assert_eq!(send(&memory, "slack", &request).0, 200);
    assert_eq!(memory.published().len(), 2);
    let ids: Vec<String> =
        memory.published().iter().map(|(_, _, m)| Envelope::parse(m).unwrap().id).collect();
    assert_eq!(ids[0], ids[1], "same time, nonce and body: same id (the edge varies the nonce)");
}

// ----- Momento failures ----------------------------------------------------------------------

#[test]
fn a_transient_publish_failure_is_503_and_the_retry_publishes_once() {
    let memory = Memory::default();
    memory.fail_next(Op::Publish, TopicError::from_http_status(500, "Injected fault"));
    let request = signed("github", b"{}", "retry-me", &[]);
    let (status, reply, raw) = send(&memory, "github", &request);
    assert_eq!((status, reply["error"]["code"].as_str()), (503, Some("publish_unavailable")));
    assert_eq!(raw.header("Retry-After"), Some("5"));
    assert!(memory.published().is_empty());
    assert!(!memory.log().iter().any(|op| op.starts_with("set")), "no dedupe record");

    let (status, reply, _) = send(&memory, "github", &request);
    assert_eq!((status, reply["status"].as_str()), (200, Some("published")));
    let (status, reply, _) = send(&memory, "github", &request);
    assert_eq!((status, reply["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(memory.published().len(), 1);
}

#[test]
fn rate_limits_and_timeouts_are_503_too() {
    for error in [
        TopicError::from_http_status(429, "slow down"),
        TopicError::new(ErrorKind::Timeout, "publish took longer than 2 s"),
        TopicError::new(ErrorKind::Transport, "connection refused"),
    ] {
        let memory = Memory::default();
        memory.fail_next(Op::Publish, error);
        assert_eq!(send(&memory, "github", &signed("github", b"{}", "d", &[])).0, 503);
    }
}

#[test]
fn a_refused_publish_is_502_and_never_2xx() {
    let memory = Memory::default();
    memory.fail_next(Op::Publish, TopicError::from_http_status(403, "Insufficient permissions"));
    let (status, reply, raw) = send(&memory, "github", &signed("github", b"{}", "d", &[]));
    assert_eq!((status, reply["error"]["code"].as_str()), (502, Some("publish_rejected")));
    assert!(reply["error"]["message"].as_str().unwrap().contains("Insufficient permissions"));
    assert_eq!(raw.header("Retry-After"), None);
}

#[test]
fn a_failed_dedupe_lookup_is_503_and_publishes_nothing() {
    let memory = Memory::default();
    memory.fail_next(Op::Get, TopicError::from_http_status(500, "Injected fault"));
    assert_eq!(send(&memory, "github", &signed("github", b"{}", "d", &[])).0, 503);
    assert_eq!(memory.log(), ["get dedupe:github:id:d"]);
}

#[test]
fn a_failed_dedupe_record_still_answers_200() {
    let memory = Memory::default();
    // The dedupe lookup succeeds, the publish succeeds, then the record fails.
    memory.fail_next(Op::Set, TopicError::from_http_status(500, "Injected fault"));
    let (status, reply, _) = send(&memory, "github", &signed("github", b"{}", "d", &[]));
    assert_eq!((status, reply["dedupe_recorded"].as_bool()), (200, Some(false)));
    assert_eq!(memory.published().len(), 1);
}

// ----- claim-check ---------------------------------------------------------------------------

fn big_body() -> Vec<u8> {
    let filler = "x".repeat(6000);
    format!(r#"{{"id":9,"note":"{filler}"}}"#).into_bytes()
}

#[test]
fn a_large_body_is_claim_checked_before_the_pointer_is_published() {
    let memory = Memory::default();
    let body = big_body();
    let (status, reply, _) = send(&memory, "shopify", &signed("shopify", &body, "big-1", &[]));
    assert_eq!((status, reply["claim_check"].as_bool()), (200, Some(true)));
    let (_, envelope) = only_envelope(&memory);
    let claim = envelope.claim_check.clone().expect("a pointer");
    assert_eq!(envelope.body, None);
    assert_eq!(claim.cache, "default-cache");
    assert_eq!(claim.key, format!("{CLAIM_KEY_PREFIX}{}:{}", envelope.id, &claim.sha256[..16]));
    assert_eq!(claim.bytes, body.len());
    assert_eq!(
        memory.log(),
        [
            "get dedupe:shopify:id:big-1".to_owned(),
            format!("set {} ttl=120", claim.key),
            "publish shopify.orders.create".to_owned(),
            "set dedupe:shopify:id:big-1 ttl=86400".to_owned(),
        ]
    );
    assert_eq!(block_on(resolve_body(&memory, &envelope)), Ok(body));
}

#[test]
fn a_failed_claim_check_write_is_503_and_publishes_nothing() {
    let memory = Memory::default();
    memory.fail_next(Op::Set, TopicError::from_http_status(503, "busy"));
    let (status, _, _) = send(&memory, "shopify", &signed("shopify", &big_body(), "big-2", &[]));
    assert_eq!(status, 503);
    assert!(memory.published().is_empty());
}

#[test]
fn resolving_reports_expired_corrupt_and_malformed_claims() {
    let memory = Memory::default();
    let body = big_body();
    send(&memory, "shopify", &signed("shopify", &body, "big-3", &[]));
    let (_, envelope) = only_envelope(&memory);
    let key = envelope.claim_check.as_ref().unwrap().key.clone();

    memory.cache.borrow_mut().insert(("default-cache".into(), key.clone()), (b"other".to_vec(), 1));
    assert_eq!(block_on(resolve_body(&memory, &envelope)), Err(ResolveError::Corrupt));
    memory.cache.borrow_mut().remove(&("default-cache".into(), key));
    assert_eq!(block_on(resolve_body(&memory, &envelope)), Err(ResolveError::Expired));
    let bare = Envelope { claim_check: None, ..envelope };
    assert_eq!(block_on(resolve_body(&memory, &bare)), Err(ResolveError::Malformed));
}

#[test]
fn the_dedupe_key_hashes_long_delivery_ids() {
    let config = config();
    let github = config.source("github").unwrap();
    let long = "d".repeat(MAX_DEDUPE_ID_BYTES + 1);
    let key = dedupe_key(github, Some(&long)).unwrap();
    let hash = hex::encode(Sha256::digest(long.as_bytes()));
    assert_eq!(key, format!("dedupe:github:h:{hash}"));
    assert_eq!(dedupe_key(github, Some("")), None);
    let exact = "d".repeat(MAX_DEDUPE_ID_BYTES);
    assert_eq!(dedupe_key(github, Some(&exact)).unwrap(), format!("dedupe:github:id:{exact}"));
}

#[test]
fn a_literal_id_that_looks_hashed_never_shares_a_key_with_a_hashed_long_id() {
    let config = config();
    let github = config.source("github").unwrap();
    let long = "d".repeat(MAX_DEDUPE_ID_BYTES + 1);
    let hashed = dedupe_key(github, Some(&long)).unwrap();
    let hash = hex::encode(Sha256::digest(long.as_bytes()));
    // The old scheme used `dedupe:{source}:sha256:{hash}` for both kinds.
    for literal in [format!("sha256:{hash}"), format!("h:{hash}")] {
        let key = dedupe_key(github, Some(&literal)).unwrap();
        assert_ne!(key, hashed, "{literal}");
        assert_eq!(key, format!("dedupe:github:id:{literal}"));
    }
}

#[test]
fn a_body_over_the_message_limit_is_not_inlined_into_the_envelope() {
    let memory = Memory::default();
    let body = vec![b'y'; MAX_MESSAGE_BYTES + 1];
    let (status, reply, _) = send(&memory, "shopify", &signed("shopify", &body, "big-4", &[]));
    assert_eq!((status, reply["claim_check"].as_bool()), (200, Some(true)));
    let (_, envelope) = only_envelope(&memory);
    let message = &memory.published()[0].2;
    assert!(message.len() <= MAX_MESSAGE_BYTES && !message.contains("yyyy"));
    let claim = envelope.claim_check.expect("claim-checked");
    assert_eq!((claim.bytes, claim.matches(&body)), (MAX_MESSAGE_BYTES + 1, true));
}
