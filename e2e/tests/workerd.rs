//! The library inside workerd: the `publish-subscribe` example under `wrangler dev`, against the
//! local emulator. One emulator and one wrangler serve every test in this file; each test uses
//! its own topics. Tests that inject faults hold the fault lock exclusively
//! (`e2e_tests::fault_scope`), so they never overlap with the others.
#![cfg(not(target_arch = "wasm32"))]

use base64::Engine as _;
use e2e_tests::{
    encode_segment, http, shared_fixture, unique_name, workspace_root, Emulator, HttpResponse,
};
use e2e_tests::{fault_scope, faults_untouched, FaultScope, WranglerDev};
use momento_topics_worker::RetryPolicy;
use serde_json::{json, Value};
use std::sync::{OnceLock, RwLockReadGuard};

const CACHE: &str = "default-cache";

/// Shared by all tests: started on first use, stopped when the test process exits.
struct Fixture {
    emulator: Emulator,
    worker: WranglerDev,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Result<Fixture, String>> = OnceLock::new();
    shared_fixture(&FIXTURE, start_fixture, "emulator + wrangler")
}

fn start_fixture() -> Fixture {
    // A short server-side wait, so `until_idle=1` ends about a second after the last item.
    let emulator = Emulator::start(&["--max-wait-ms", "1000"]);
    let config = workspace_root().join("examples/publish-subscribe/wrangler.toml");
    let vars = [
        ("MOMENTO_BASE_URL", emulator.url.as_str()),
        ("MOMENTO_API_KEY", emulator.token.as_str()),
        ("MOMENTO_CACHE", CACHE),
    ];
    let worker = WranglerDev::start(&config, &vars);
    Fixture { emulator, worker }
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

impl Fixture {
    fn topic_url(&self, topic: &str) -> String {
        self.worker.url_for(&format!("/topics/{}", encode_segment(topic)))
    }

    fn publish(&self, topic: &str, content_type: &str, body: &[u8]) -> HttpResponse {
        http("POST", &self.topic_url(topic), &[("Content-Type", content_type)], body)
    }

    fn publish_text(&self, topic: &str, text: &str) {
        let resp = self.publish(topic, "text/plain", text.as_bytes());
        assert_eq!(resp.status, 204, "publishing {text:?}: {}", resp.text());
    }

    /// `GET /topics/{topic}?{query}`: the NDJSON lines, checked to carry no error line.
    fn read(&self, topic: &str, query: &str) -> Vec<Value> {
        let resp = http("GET", &format!("{}?{query}", self.topic_url(topic)), &[], b"");
        assert_eq!(resp.status, 200, "GET {topic}?{query}: {}", resp.text());
        assert_eq!(resp.header("content-type"), Some("application/x-ndjson"));
        let lines = resp.ndjson();
        assert!(lines.iter().all(|l| l.get("error").is_none()), "error line in {lines:#?}");
        lines
    }

    /// Everything stored so far: items up to the first idle poll.
    fn read_all(&self, topic: &str) -> Vec<Value> {
        let lines = self.read(topic, "until_idle=1");
        assert!(lines.last().is_some_and(|l| l.get("heartbeat").is_some()), "{lines:#?}");
        lines
    }

    fn stats(&self) -> Value {
        self.emulator.stats()
    }
}

/// The `item` objects among `lines`.
fn items(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter_map(|l| l.get("item")).collect()
}

fn texts(lines: &[Value]) -> Vec<String> {
    let text = |i: &&Value| i["value"]["text"].as_str().expect("a text item").to_owned();
    items(lines).iter().map(text).collect()
}

fn sequence_numbers(lines: &[Value]) -> Vec<u64> {
    items(lines).iter().map(|i| i["topic_sequence_number"].as_u64().expect("a number")).collect()
}

fn cursor(line: &Value) -> String {
    let cursor = line["cursor"].as_str().unwrap_or_else(|| panic!("no cursor in {line}"));
    assert!(!cursor.is_empty());
    cursor.to_owned()
}

fn counter(stats: &Value, path: &str) -> u64 {
    stats.pointer(path).and_then(Value::as_u64).unwrap_or_else(|| panic!("{path} in {stats}"))
}

#[test]
fn text_round_trip_starts_at_sequence_one_on_a_positive_page() {
    let (_lock, f) = shared();
    let topic = unique_name("text");
    f.publish_text(&topic, "hello from workerd");

    let lines = f.read_all(&topic);
    assert_eq!(lines.len(), 2, "one item, then the idle heartbeat: {lines:#?}");
    let item = &lines[0]["item"];
    assert_eq!(item["value"], json!({"text": "hello from workerd"}));
    assert_eq!(item["topic_sequence_number"], 1);
    let page = item["sequence_page"].as_u64().expect("a page number");
    assert!(page > 0, "page {page}");
    cursor(&lines[0]);

    // The emulator holds the very same message on the same page.
    let direct = f.emulator.subscribe_direct(CACHE, &topic, 0, 0);
    assert_eq!(direct["items"][0]["item"]["value"]["text"], "hello from workerd", "{direct}");
    assert_eq!(direct["items"][0]["item"]["sequence_page"], page, "{direct}");
}

#[test]
fn binary_round_trip_is_base64_in_ndjson() {
    let (_lock, f) = shared();
    let topic = unique_name("binary");
    let bytes = [0u8, 0x9f, 0x92, 0x96, 0xff, b'\n', 0x80, 1, 2, 3];
    let resp = f.publish(&topic, "application/octet-stream", &bytes);
    assert_eq!(resp.status, 204, "{}", resp.text());

    let lines = f.read_all(&topic);
    let found = items(&lines);
    assert_eq!(found.len(), 1, "{lines:#?}");
    let encoded = found[0]["value"]["binary"].as_str().expect("a binary value");
    assert_eq!(encoded, base64::engine::general_purpose::STANDARD.encode(bytes));
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).expect("base64");
    assert_eq!(decoded, bytes);
    assert_eq!(found[0]["topic_sequence_number"], 1);
}

#[test]
fn invalid_utf8_sent_as_text_is_rejected() {
    let (_lock, f) = shared();
    let topic = unique_name("not-utf8");
    let resp = f.publish(&topic, "text/plain", &[0xff, 0xfe]);
    assert_eq!(resp.status, 400, "{}", resp.text());
    assert_eq!(resp.json()["error"]["kind"], "InvalidArgument");
    assert_eq!(items(&f.read_all(&topic)).len(), 0);
}

#[test]
fn several_messages_keep_their_order() {
    let (_lock, f) = shared();
    let topic = unique_name("order");
    let sent: Vec<String> = (1..=6).map(|i| format!("message {i}")).collect();
    for text in &sent {
        f.publish_text(&topic, text);
    }

    let lines = f.read(&topic, "max=6");
    assert_eq!(texts(&lines), sent);
    assert_eq!(sequence_numbers(&lines), (1..=6).collect::<Vec<u64>>());
    let pages: Vec<&Value> = items(&lines).iter().map(|i| &i["sequence_page"]).collect();
    assert!(pages.iter().all(|p| *p == pages[0]), "one page: {pages:?}");
}

#[test]
fn resuming_from_a_cursor_returns_only_newer_items() {
    let (_lock, f) = shared();
    let topic = unique_name("resume");
    f.publish_text(&topic, "r1");
    f.publish_text(&topic, "r2");
    let first = f.read(&topic, "max=2");
    assert_eq!(texts(&first), ["r1", "r2"]);
    let after_first = cursor(&first[0]);
    let after_second = cursor(&first[1]);
    assert_ne!(after_first, after_second, "the cursor moves with each item");

    f.publish_text(&topic, "r3");
    f.publish_text(&topic, "r4");
    let resumed = f.read_all_from(&topic, &after_second);
    assert_eq!(texts(&resumed), ["r3", "r4"]);
    assert_eq!(sequence_numbers(&resumed), [3, 4]);

    let from_first = f.read_all_from(&topic, &after_first);
    assert_eq!(texts(&from_first), ["r2", "r3", "r4"]);
}

impl Fixture {
    fn read_all_from(&self, topic: &str, cursor: &str) -> Vec<Value> {
        let lines = self.read(topic, &format!("cursor={}&until_idle=1", encode_segment(cursor)));
        assert!(lines.last().is_some_and(|l| l.get("heartbeat").is_some()), "{lines:#?}");
        lines
    }
}

#[test]
fn oversize_publish_is_rejected_and_nothing_is_stored() {
    let (_lock, f) = shared();
    let topic = unique_name("oversize");
    let resp = f.publish(&topic, "text/plain", "x".repeat(4097).as_bytes());
    assert_eq!(resp.status, 400, "{}", resp.text());
    let error = &resp.json()["error"];
    assert_eq!(error["kind"], "InvalidArgument", "{error}");
    assert_eq!(error["retryable"], false, "{error}");
    let message = error["message"].as_str().expect("a message");
    assert!(message.contains("4097 bytes") && message.contains("4096"), "{message}");

    // Exactly the limit passes, and it is the topic's first message: the oversize one never
    // reached the emulator.
    f.publish_text(&topic, &"y".repeat(4096));
    let lines = f.read_all(&topic);
    assert_eq!(sequence_numbers(&lines), [1]);
    assert_eq!(texts(&lines)[0].len(), 4096);
}

#[test]
fn eviction_appears_as_a_discontinuity_line() {
    let (_lock, f) = shared();
    let topic = unique_name("evict");
    f.publish_text(&topic, "e1");
    f.publish_text(&topic, "e2");
    let before = f.read(&topic, "max=2");
    let old_page = before[1]["item"]["sequence_page"].as_u64().expect("a page");
    let resume = cursor(&before[1]);

    f.emulator.evict(CACHE, &topic);
    f.publish_text(&topic, "e3");
    let lines = f.read_all_from(&topic, &resume);
    assert_eq!(lines.len(), 3, "discontinuity, item, heartbeat: {lines:#?}");
    let gap = &lines[0]["discontinuity"];
    assert_eq!(gap["last_topic_sequence"], 2, "{gap}");
    assert_eq!(gap["new_topic_sequence"], 1, "{gap}");
    let new_page = gap["new_sequence_page"].as_u64().expect("a page");
    assert!(new_page > old_page, "new page {new_page} after {old_page}");
    cursor(&lines[0]);
    let item = &lines[1]["item"];
    assert_eq!(item["value"]["text"], "e3");
    assert_eq!(item["topic_sequence_number"], 1);
    assert_eq!(item["sequence_page"], new_page);
}

#[test]
fn injected_500s_fail_the_publish_with_a_retryable_503_and_store_nothing() {
    let (_faults, f) = exclusive();
    let topic = unique_name("fault-500");
    let before = f.stats();
    f.emulator.set_faults(json!({"p500": 1.0}));

    let resp = f.publish(&topic, "text/plain", b"must arrive once");
    assert_eq!(resp.status, 503, "{}", resp.text());
    let error = &resp.json()["error"];
    assert_eq!(error["retryable"], true, "{error}");
    assert_eq!(error["kind"], "Server", "{error}");

    let after = f.stats();
    assert_eq!(counter(&after, "/published"), counter(&before, "/published"), "{after}");
    let attempts = u64::from(RetryPolicy::default().max_retries) + 1;
    let injected =
        counter(&after, "/faults_injected/p500") - counter(&before, "/faults_injected/p500");
    assert_eq!(injected, attempts, "the worker tries once and retries per the default policy");

    f.emulator.clear_faults();
    assert_eq!(items(&f.read_all(&topic)).len(), 0, "a 5xx stored nothing");
    f.publish_text(&topic, "must arrive once");
    let lines = f.read_all(&topic);
    assert_eq!(texts(&lines), ["must arrive once"]);
    assert_eq!(sequence_numbers(&lines), [1]);
    assert_eq!(counter(&f.stats(), "/published"), counter(&before, "/published") + 1);
}

#[test]
fn with_half_the_publishes_failing_each_message_is_stored_exactly_once() {
    let (_faults, f) = exclusive();
    let topic = unique_name("fault-half");
    let before = f.stats();
    f.emulator.set_faults(json!({"p500": 0.5}));

    let sent: Vec<String> = (1..=20).map(|i| format!("flaky {i}")).collect();
    let mut resent = 0;
    for text in &sent {
        // The worker retries inside the request; a 503 means every attempt failed and nothing
        // was stored, so sending again is the only copy.
        let mut resp = f.publish(&topic, "text/plain", text.as_bytes());
        for _ in 0..5 {
            if resp.status != 503 {
                break;
            }
            assert_eq!(resp.json()["error"]["retryable"], true, "{}", resp.text());
            resent += 1;
            resp = f.publish(&topic, "text/plain", text.as_bytes());
        }
        assert_eq!(resp.status, 204, "publishing {text:?}: {}", resp.text());
    }
    let after = f.stats();
    f.emulator.clear_faults();

    let injected =
        counter(&after, "/faults_injected/p500") - counter(&before, "/faults_injected/p500");
    assert!(injected > 0, "faults were injected: {after}");
    let published = counter(&after, "/published") - counter(&before, "/published");
    assert_eq!(published, 20, "{injected} injected 500s, {resent} publishes sent again");
    let lines = f.read_all(&topic);
    assert_eq!(texts(&lines), sent, "each message once, in order");
    assert_eq!(sequence_numbers(&lines), (1..=20).collect::<Vec<u64>>());
}
