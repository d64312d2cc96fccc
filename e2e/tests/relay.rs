//! The webhook relay (`examples/webhook-relay`, run by the root `wrangler.toml`) in workerd,
//! against the local emulator. One emulator and one `wrangler dev` serve every test; each test
//! uses its own event names, so its own topics. Requests are signed with the relay's own
//! `verify::sign`, with the sources configured in the root `wrangler.toml`.
//!
//! Tests that inject faults hold the fault lock exclusively (`e2e_tests::fault_scope`), so they
//! never overlap with the others.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::{OnceLock, RwLockReadGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use e2e_tests::{
    encode_segment, http, shared_fixture, unique_name, workspace_root, Emulator, HttpResponse,
};
use e2e_tests::{fault_scope, faults_untouched, FaultScope, WranglerDev};
use serde_json::{json, Value};
use webhook_relay::config::RelayConfig;
use webhook_relay::envelope::{Body, Envelope};
use webhook_relay::verify::{sign, ProviderKind};

const CACHE: &str = "default-cache";

/// Values for the secrets the root `wrangler.toml` names. The Standard Webhooks one must be
/// `whsec_` + base64.
const SECRETS: [(&str, &str); 6] = [
    ("GITHUB_WEBHOOK_SECRET", "e2e-github-secret"),
    ("STRIPE_WEBHOOK_SECRET", "whsec_e2e_stripe_secret"),
    ("SLACK_SIGNING_SECRET", "e2e-slack-signing-secret"),
    ("SHOPIFY_WEBHOOK_SECRET", "shpss_e2e_shopify_secret"),
    ("STANDARD_WEBHOOKS_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    ("GENERIC_WEBHOOK_SECRET", "e2e-generic-secret"),
];

// ----- fixture -------------------------------------------------------------------------------

struct Fixture {
    emulator: Emulator,
    relay: WranglerDev,
    config: RelayConfig,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Result<Fixture, String>> = OnceLock::new();
    shared_fixture(&FIXTURE, start_fixture, "emulator + relay")
}

fn start_fixture() -> Fixture {
    // A short server-side wait: an empty topic answers after 1 s, and SSE responses with
    // `max_polls=1` end about a second after their last event.
    let emulator = Emulator::start(&["--max-wait-ms", "1000"]);
    let mut builder = WranglerDev::builder(&workspace_root().join("wrangler.toml"))
        .var("MOMENTO_BASE_URL", &emulator.url)
        .var("MOMENTO_API_KEY", &emulator.token);
    for (name, value) in SECRETS {
        builder = builder.secret(name, value);
    }
    let relay = builder.start();
    Fixture { emulator, relay, config: root_config() }
}

/// The sources of the root `wrangler.toml`, parsed with the relay's own parser.
fn root_config() -> RelayConfig {
    let toml = std::fs::read_to_string(workspace_root().join("wrangler.toml")).unwrap();
    let json = toml
        .split("RELAY_SOURCES = '''")
        .nth(1)
        .and_then(|rest| rest.split("'''").next())
        .expect("RELAY_SOURCES = '''…''' in wrangler.toml");
    RelayConfig::parse(json, CACHE).expect("the root config parses")
}

/// For tests that leave the faults alone.
fn shared() -> (RwLockReadGuard<'static, ()>, &'static Fixture) {
    (faults_untouched(), fixture())
}

/// Exclusive access for a fault test; faults are cleared when it ends, even on failure.
fn exclusive() -> (FaultScope<'static>, &'static Fixture) {
    let f = fixture();
    (fault_scope(&f.emulator), f)
}

// ----- requests ------------------------------------------------------------------------------

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn secret_of(name: &str) -> &'static str {
    SECRETS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v).expect("a known secret")
}

/// A signed request to `POST /hooks/{source}`.
struct Hook {
    source: &'static str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Hook {
    /// `body` signed at `at` with the source's configured scheme and secret; `overrides`
    /// replace (or add) unsigned headers such as the event name.
    fn signed_at(
        f: &Fixture,
        source: &'static str,
        body: &[u8],
        delivery: &str,
        at: i64,
        overrides: &[(&str, &str)],
    ) -> Hook {
        let config = f.config.source(source).expect("a configured source");
        let secret = secret_of(&config.secrets[0]);
        let mut headers = sign(&config.provider, secret, body, at, delivery).expect("signing");
        headers.push(("Content-Type".into(), "application/json".into()));
        for (name, value) in overrides {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
            headers.push((name.to_string(), value.to_string()));
        }
        Hook { source, headers, body: body.to_vec() }
    }

    fn signed(
        f: &Fixture,
        source: &'static str,
        body: &[u8],
        delivery: &str,
        overrides: &[(&str, &str)],
    ) -> Hook {
        Hook::signed_at(f, source, body, delivery, now(), overrides)
    }

    fn send(&self, f: &Fixture) -> HttpResponse {
        let headers: Vec<(&str, &str)> =
            self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let url = f.relay.url_for(&format!("/hooks/{}", self.source));
        http("POST", &url, &headers, &self.body)
    }
}

/// Every envelope on `topic`, read straight from the emulator (an empty topic takes the
/// emulator's 1 s wait).
fn envelopes_on(f: &Fixture, topic: &str) -> Vec<Envelope> {
    let answer = f.emulator.subscribe_direct(CACHE, topic, 0, 0);
    let items = answer["items"].as_array().unwrap_or_else(|| panic!("items in {answer}"));
    items
        .iter()
        .filter_map(|entry| entry.get("item"))
        .map(|item| {
            let text = item["value"]["text"].as_str().unwrap_or_else(|| panic!("text in {item}"));
            Envelope::parse(text).unwrap_or_else(|e| panic!("an envelope ({e}): {text}"))
        })
        .collect()
}

fn assert_error(resp: &HttpResponse, status: u16, code: &str) {
    assert_eq!(resp.status, status, "{}", resp.text());
    assert_eq!(resp.header("content-type"), Some("application/json"));
    let body = resp.json();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["status"], status);
    for (_, secret) in SECRETS {
        assert!(!resp.text().contains(secret), "the error echoes a secret: {}", resp.text());
    }
}

/// One SSE event: its `event`, `id` and joined `data` lines.
#[derive(Debug, Clone, PartialEq)]
struct SseEvent {
    event: String,
    id: Option<String>,
    data: String,
}

/// `GET /events/{topic}` with `query` and extra headers; the whole stream, parsed. The relay
/// ends the response on its own after `max_polls` polls.
fn sse(f: &Fixture, topic: &str, query: &str, headers: &[(&str, &str)]) -> Vec<SseEvent> {
    let url = f.relay.url_for(&format!("/events/{}?max_polls=1{query}", encode_segment(topic)));
    let resp = http("GET", &url, headers, b"");
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.header("content-type"), Some("text/event-stream; charset=utf-8"));
    let text = resp.text();
    assert!(text.starts_with("retry: 1000\n"), "{text}");
    text.split("\n\n")
        .filter_map(|block| {
            let mut event = SseEvent { event: String::new(), id: None, data: String::new() };
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    event.event = v.to_owned();
                } else if let Some(v) = line.strip_prefix("id: ") {
                    event.id = Some(v.to_owned());
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data.push(v);
                }
            }
            event.data = data.join("\n");
            (!event.event.is_empty()).then_some(event)
        })
        .collect()
}

// ----- every provider ------------------------------------------------------------------------

/// One webhook of `source` whose event is unique to this run, and where it must land.
struct Case {
    source: &'static str,
    hook: Hook,
    topic: String,
    event: String,
    delivery: String,
}

fn cases(f: &Fixture) -> Vec<Case> {
    let id = unique_name("e2e");
    let delivery = |kind: &str| format!("{kind}-{id}");
    let mut cases = Vec::new();

    let event = format!("issues-{id}");
    let body = format!(r#"{{"action":"opened","issue":{{"title":"{id}"}}}}"#);
    let hook =
        Hook::signed(f, "github", body.as_bytes(), &delivery("gh"), &[("X-GitHub-Event", &event)]);
    cases.push(Case {
        source: "github",
        hook,
        topic: format!("github.{event}"),
        event,
        delivery: delivery("gh"),
    });

    let event = format!("invoice-{id}.paid");
    let body = format!(r#"{{"id":"{}","type":"{event}","data":{{}}}}"#, delivery("evt"));
    let hook = Hook::signed(f, "stripe", body.as_bytes(), "", &[]);
    cases.push(Case {
        source: "stripe",
        hook,
        topic: format!("stripe.{event}"),
        event,
        delivery: delivery("evt"),
    });

    let event = format!("app_mention-{id}");
    let body = format!(
        r#"{{"type":"event_callback","event_id":"{}","event":{{"type":"{event}"}}}}"#,
        delivery("Ev")
    );
    let hook = Hook::signed(f, "slack", body.as_bytes(), "", &[]);
    cases.push(Case {
        source: "slack",
        hook,
        topic: format!("slack.{event}"),
        event,
        delivery: delivery("Ev"),
    });

    let event = format!("orders/{id}");
    let body = br#"{"id":820982911946154500,"email":"jon@example.com"}"#;
    let hook = Hook::signed(f, "shopify", body, &delivery("sh"), &[("X-Shopify-Topic", &event)]);
    cases.push(Case {
        source: "shopify",
        hook,
        topic: format!("shopify.orders.{id}"),
        event,
        delivery: delivery("sh"),
    });

    let event = format!("user-{id}.created");
    let body = format!(r#"{{"type":"{event}","data":{{"id":"u_1"}}}}"#);
    let hook = Hook::signed(f, "standard-webhooks", body.as_bytes(), &delivery("msg"), &[]);
    cases.push(Case {
        source: "standard-webhooks",
        hook,
        topic: format!("standard-webhooks.{event}"),
        event,
        delivery: delivery("msg"),
    });

    let event = format!("deploy-{id}");
    let body = format!(r#"{{"deployment":"{id}"}}"#);
    let hook =
        Hook::signed(f, "generic", body.as_bytes(), &delivery("gen"), &[("X-Event-Type", &event)]);
    cases.push(Case {
        source: "generic",
        hook,
        topic: format!("generic.{event}"),
        event,
        delivery: delivery("gen"),
    });
    cases
}

#[test]
fn every_provider_is_published_exactly_once_with_the_right_envelope() {
    let (_lock, f) = shared();
    for case in cases(f) {
        let source = case.source;
        let resp = case.hook.send(f);
        assert_eq!(resp.status, 200, "{source}: {}", resp.text());
        let reply = resp.json();
        assert_eq!(reply["status"], "published", "{source}: {reply}");
        assert_eq!(reply["topic"], case.topic.as_str(), "{source}");
        assert_eq!(reply["claim_check"], false);
        assert_eq!(reply["dedupe_recorded"], true);

        // A redelivery (or a provider's own retry, as Slack marks them) is recognised and not
        // published again.
        let mut retry =
            Hook { source, headers: case.hook.headers.clone(), body: case.hook.body.clone() };
        retry.headers.push(("X-Slack-Retry-Num".into(), "1".into()));
        retry.headers.push(("X-Slack-Retry-Reason".into(), "http_timeout".into()));
        let again = retry.send(f);
        assert_eq!(again.status, 200, "{source}: {}", again.text());
        assert_eq!(again.json()["status"], "duplicate", "{source}");

        let envelopes = envelopes_on(f, &case.topic);
        assert_eq!(envelopes.len(), 1, "{source}: exactly once on {}", case.topic);
        let envelope = &envelopes[0];
        assert_eq!(reply["id"], envelope.id.as_str());
        assert_eq!(envelope.source, source);
        let kind = &f.config.source(source).unwrap().provider;
        assert_eq!(envelope.provider, kind.name());
        assert_eq!(envelope.event_type.as_deref(), Some(case.event.as_str()), "{source}");
        assert_eq!(envelope.delivery_id.as_deref(), Some(case.delivery.as_str()), "{source}");
        assert_eq!(envelope.content_type.as_deref(), Some("application/json"));
        let body = String::from_utf8(case.hook.body.clone()).unwrap();
        assert_eq!(envelope.body, Some(Body::Text(body)), "{source}");
        assert_eq!(envelope.claim_check, None);
        assert!(envelope.received_at.ends_with('Z') && envelope.received_at.len() == 24);
        assert_eq!(
            envelope.headers.get("content-type").map(String::as_str),
            Some("application/json")
        );
        for signature in [
            "x-hub-signature-256",
            "stripe-signature",
            "x-slack-signature",
            "x-shopify-hmac-sha256",
            "webhook-signature",
            "x-signature",
        ] {
            assert!(!envelope.headers.contains_key(signature), "{source} forwarded {signature}");
        }
    }
}

// ----- refusals publish nothing --------------------------------------------------------------

#[test]
fn bad_signatures_stale_timestamps_malformed_and_oversize_bodies_publish_nothing() {
    let (_lock, f) = shared();
    let id = unique_name("refused");

    // A signature made with another secret.
    let event = format!("issues-{id}");
    let mut forged = Hook::signed(f, "github", b"{}", &id, &[("X-GitHub-Event", &event)]);
    let wrong = sign(&ProviderKind::GitHub, "not-the-secret", b"{}", now(), &id).unwrap();
    forged.headers.retain(|(k, _)| k != "X-Hub-Signature-256");
    forged.headers.extend(wrong.into_iter().filter(|(k, _)| k == "X-Hub-Signature-256"));
    assert_error(&forged.send(f), 401, "invalid_signature");

    // No signature at all.
    let url = f.relay.url_for("/hooks/stripe");
    assert_error(
        &http("POST", &url, &[("Content-Type", "application/json")], b"{}"),
        401,
        "missing_header",
    );

    // Genuine but an hour old: a replay.
    let stale_event = format!("charge-{id}.refunded");
    let body = format!(r#"{{"id":"evt_{id}","type":"{stale_event}"}}"#);
    let stale = Hook::signed_at(f, "stripe", body.as_bytes(), "", now() - 3600, &[]);
    assert_error(&stale.send(f), 401, "timestamp_too_old");

    // Genuine but not the JSON its Content-Type claims.
    let malformed_event = format!("issues-{id}-malformed");
    let malformed = Hook::signed(
        f,
        "github",
        b"{\"action\":",
        &format!("m-{id}"),
        &[("X-GitHub-Event", &malformed_event)],
    );
    assert_error(&malformed.send(f), 400, "malformed_request");

    // Over the generic source's 256 KiB limit (refused from Content-Length, before reading).
    let oversize_event = format!("bulk-{id}");
    let limit = f.config.source("generic").unwrap().max_body_bytes;
    let big = vec![b'a'; limit + 1];
    let oversize = Hook::signed(
        f,
        "generic",
        &big,
        &format!("o-{id}"),
        &[("X-Event-Type", &oversize_event), ("Content-Type", "text/plain")],
    );
    let resp = oversize.send(f);
    assert_error(&resp, 413, "payload_too_large");
    assert!(resp.json()["error"]["message"].as_str().unwrap().contains("262144"));

    // Exactly at the limit is fine — and proves the limit is the configured one.
    let at_limit_event = format!("bulk-{id}-ok");
    let exact = vec![b'a'; limit];
    let at_limit = Hook::signed(
        f,
        "generic",
        &exact,
        &format!("e-{id}"),
        &[("X-Event-Type", &at_limit_event), ("Content-Type", "text/plain")],
    );
    let resp = at_limit.send(f);
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json()["claim_check"], true);

    for topic in [
        format!("github.{event}"),
        format!("stripe.{stale_event}"),
        format!("github.{malformed_event}"),
        format!("generic.{oversize_event}"),
    ] {
        assert_eq!(envelopes_on(f, &topic), vec![], "{topic} must stay empty");
    }
}

#[test]
fn unknown_sources_wrong_methods_and_filtered_events() {
    let (_lock, f) = shared();
    assert_error(&http("POST", &f.relay.url_for("/hooks/nope"), &[], b"{}"), 404, "unknown_source");
    let resp = http("GET", &f.relay.url_for("/hooks/github"), &[], b"");
    assert_error(&resp, 405, "method_not_allowed");
    assert_eq!(resp.header("allow"), Some("POST"));
    assert_error(&http("GET", &f.relay.url_for("/nowhere"), &[], b""), 404, "not_found");

    // The github source publishes push, pull_request*, issues*, release and workflow_run only.
    let id = unique_name("star");
    let event = format!("star-{id}");
    let hook = Hook::signed(f, "github", b"{}", &id, &[("X-GitHub-Event", &event)]);
    let resp = hook.send(f);
    assert_eq!(resp.status, 202, "{}", resp.text());
    assert_eq!(resp.json(), json!({"status": "ignored", "event_type": event}));
    assert_eq!(envelopes_on(f, &format!("github.{event}")), vec![]);
}

// ----- inline answers ------------------------------------------------------------------------

#[test]
fn slack_url_verification_gets_its_challenge_and_github_ping_a_pong() {
    let (_lock, f) = shared();
    let challenge = unique_name("challenge");
    let body = format!(r#"{{"token":"t","challenge":"{challenge}","type":"url_verification"}}"#);
    let resp = Hook::signed(f, "slack", body.as_bytes(), "", &[]).send(f);
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json(), json!({ "challenge": challenge }));

    let forged = body.replace("url_verification", "url_verification ");
    let mut hook = Hook::signed(f, "slack", body.as_bytes(), "", &[]);
    hook.body = forged.into_bytes();
    assert_error(&hook.send(f), 401, "invalid_signature");

    let ping = br#"{"zen":"Design for failure.","hook_id":42}"#;
    let resp = Hook::signed(f, "github", ping, &unique_name("ping"), &[("X-GitHub-Event", "ping")])
        .send(f);
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json(), json!({"status": "pong", "source": "github"}));
}

// ----- Momento failures ----------------------------------------------------------------------

#[test]
fn when_momento_fails_the_relay_answers_503_and_the_retry_is_published_once() {
    let (_faults, f) = exclusive();
    let id = unique_name("fault");
    let event = format!("pull_request-{id}");
    let topic = format!("github.{event}");
    let hook =
        Hook::signed(f, "github", br#"{"action":"opened"}"#, &id, &[("X-GitHub-Event", &event)]);

    f.emulator.set_faults(json!({"p500": 1.0}));
    let resp = hook.send(f);
    assert_error(&resp, 503, "publish_unavailable");
    assert_eq!(resp.header("retry-after"), Some("5"));
    let injected = f.emulator.stats()["faults_injected"]["p500"].as_u64().unwrap();
    assert!(injected >= 4, "the relay retried within the request: {injected} faults");
    f.emulator.clear_faults();
    assert_eq!(envelopes_on(f, &topic), vec![], "nothing published while failing");

    // The sender retries the same delivery: published now, once.
    let resp = hook.send(f);
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json()["status"], "published");
    assert_eq!(hook.send(f).json()["status"], "duplicate");
    let envelopes = envelopes_on(f, &topic);
    assert_eq!(envelopes.len(), 1);
    assert_eq!(envelopes[0].delivery_id.as_deref(), Some(id.as_str()));

    // A delivery without an id (a Slack slash command) skips the dedupe lookup, so the faults
    // hit the publish itself: the first attempt and 3 retries, all within the one request.
    let command = format!("/deploy-{id}");
    let body = format!("command=%2Fdeploy-{id}&text=production");
    let slash = Hook::signed(
        f,
        "slack",
        body.as_bytes(),
        "",
        &[("Content-Type", "application/x-www-form-urlencoded")],
    );
    let p500 = || f.emulator.stats()["faults_injected"]["p500"].as_u64().unwrap();
    f.emulator.set_faults(json!({"p500": 1.0}));
    let before = p500();
    assert_error(&slash.send(f), 503, "publish_unavailable");
    assert_eq!(p500() - before, 4, "1 attempt + 3 retries");
    f.emulator.clear_faults();
    let slash_topic = format!("slack.deploy-{id}");
    assert_eq!(envelopes_on(f, &slash_topic), vec![]);
    let resp = slash.send(f);
    assert_eq!(resp.status, 200, "{}", resp.text());
    let envelopes = envelopes_on(f, &slash_topic);
    assert_eq!(envelopes.len(), 1);
    assert_eq!(envelopes[0].event_type.as_deref(), Some(command.as_str()));
}

// ----- claim-check ---------------------------------------------------------------------------

#[test]
fn a_body_over_4_kb_round_trips_through_the_claim_check() {
    let (_lock, f) = shared();
    let id = unique_name("big");
    let event = format!("invoice-{id}.finalized");
    let lines: Vec<String> = (0..200).map(|i| format!(r#"{{"line":{i},"amount":1999}}"#)).collect();
    let body = format!(r#"{{"id":"evt_{id}","type":"{event}","lines":[{}]}}"#, lines.join(","));
    assert!(body.len() > 4096, "{} bytes", body.len());
    let resp = Hook::signed(f, "stripe", body.as_bytes(), "", &[]).send(f);
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json()["claim_check"], true);

    let envelopes = envelopes_on(f, &format!("stripe.{event}"));
    assert_eq!(envelopes.len(), 1);
    let envelope = &envelopes[0];
    assert_eq!(envelope.body, None);
    let claim = envelope.claim_check.as_ref().expect("a claim-check pointer");
    assert_eq!((claim.cache.as_str(), claim.bytes), (CACHE, body.len()));
    assert_eq!(claim.key, format!("claim:{}:{}", envelope.id, &claim.sha256[..16]));

    // Through the relay…
    let url = f.relay.url_for(&format!("/claims/{}/{}", claim.cache, encode_segment(&claim.key)));
    let fetched = http("GET", &url, &[], b"");
    assert_eq!(fetched.status, 200, "{}", fetched.text());
    assert_eq!(fetched.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(fetched.body, body.as_bytes());
    assert!(claim.matches(&fetched.body));
    // …and straight from the Momento cache API.
    let direct = format!("{}/cache/{CACHE}?key={}", f.emulator.url, encode_segment(&claim.key));
    let direct = http("GET", &direct, &[("Authorization", f.emulator.token.as_str())], b"");
    assert_eq!(direct.body, body.as_bytes());

    // The claims endpoint serves claim-checks only: not dedupe records, not other caches.
    let dedupe = f.relay.url_for(&format!(
        "/claims/{CACHE}/{}",
        encode_segment(&format!("dedupe:stripe:id:evt_{id}"))
    ));
    assert_error(&http("GET", &dedupe, &[], b""), 404, "claim_not_found");
    let missing = f.relay.url_for(&format!("/claims/{CACHE}/claim%3Awh_missing"));
    assert_error(&http("GET", &missing, &[], b""), 404, "claim_not_found");
}

// ----- watching ------------------------------------------------------------------------------

#[test]
fn sse_streams_webhooks_and_resumes_after_last_event_id() {
    let (_lock, f) = shared();
    let id = unique_name("sse");
    let event = format!("deploy-{id}");
    let topic = format!("generic.{event}");
    for n in 1..=3 {
        let body = format!(r#"{{"n":{n}}}"#);
        let hook = Hook::signed(
            f,
            "generic",
            body.as_bytes(),
            &format!("{id}-{n}"),
            &[("X-Event-Type", &event)],
        );
        assert_eq!(hook.send(f).status, 200);
    }

    let all = sse(f, &topic, "", &[]);
    let webhooks: Vec<&SseEvent> = all.iter().filter(|e| e.event == "webhook").collect();
    assert_eq!(webhooks.len(), 3, "{all:#?}");
    let deliveries: Vec<String> =
        webhooks.iter().map(|e| Envelope::parse(&e.data).unwrap().delivery_id.unwrap()).collect();
    assert_eq!(deliveries, [1, 2, 3].map(|n| format!("{id}-{n}")));
    let ids: Vec<&str> = webhooks.iter().map(|e| e.id.as_deref().unwrap()).collect();
    let page = ids[0].split(':').next().unwrap();
    assert_eq!(ids, [1, 2, 3].map(|n| format!("{page}:{n}")));

    // A reconnecting EventSource sends the last id it saw: the stream continues right after it.
    let resumed = sse(f, &topic, "", &[("Last-Event-ID", ids[0])]);
    let resumed_ids: Vec<_> =
        resumed.iter().filter(|e| e.event == "webhook").map(|e| e.id.clone().unwrap()).collect();
    assert_eq!(resumed_ids, [ids[1], ids[2]]);
    // The query parameter does the same; the header wins when both are present.
    let by_query = sse(f, &topic, &format!("&last_event_id={}", ids[1]), &[]);
    assert_eq!(by_query.iter().filter(|e| e.event == "webhook").count(), 1);
    let both = sse(f, &topic, &format!("&last_event_id={}", ids[0]), &[("Last-Event-ID", ids[2])]);
    assert_eq!(both.iter().filter(|e| e.event == "webhook").count(), 0, "{both:#?}");

    // After the topic restarts on a new page, resuming reports the gap as its own event.
    f.emulator.evict(CACHE, &topic);
    let body = br#"{"n":4}"#;
    let hook = Hook::signed(f, "generic", body, &format!("{id}-4"), &[("X-Event-Type", &event)]);
    assert_eq!(hook.send(f).status, 200);
    let after_gap = sse(f, &topic, "", &[("Last-Event-ID", ids[2])]);
    let kinds: Vec<&str> = after_gap.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, ["discontinuity", "webhook"], "{after_gap:#?}");
    let gap: Value = serde_json::from_str(&after_gap[0].data).unwrap();
    assert_eq!(gap["last_topic_sequence"], 3);
    let new_page = gap["new_sequence_page"].as_u64().unwrap();
    assert!(new_page > page.parse::<u64>().unwrap());
    assert_eq!(after_gap[1].id.as_deref(), Some(format!("{new_page}:1").as_str()));
    assert_eq!(
        Envelope::parse(&after_gap[1].data).unwrap().delivery_id.as_deref(),
        Some(format!("{id}-4").as_str())
    );

    // A malformed Last-Event-ID is a JSON 400, not a stream.
    let url = f.relay.url_for(&format!("/events/{topic}"));
    assert_error(
        &http("GET", &url, &[("Last-Event-ID", "yesterday")], b""),
        400,
        "malformed_request",
    );
}

#[test]
fn health_and_viewer_pages() {
    let (_lock, f) = shared();
    let health = http("GET", &f.relay.url_for("/healthz"), &[], b"");
    assert_eq!(health.status, 200, "{}", health.text());
    assert_eq!(
        health.json(),
        json!({"status": "ok", "sources": ["github", "stripe", "slack", "shopify", "standard-webhooks", "generic"]})
    );
    let page = http("GET", &f.relay.url_for("/"), &[], b"");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page.text().contains(r#"data-default-topic="github.push""#));
}
