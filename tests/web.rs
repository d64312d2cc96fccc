//! The wasm32 client against the local emulator, in a real browser (Chrome and Firefox).
//!
//! `scripts/test-browsers.sh` starts the emulator and passes its URL and token at compile time
//! (`EMULATOR_URL`, `EMULATOR_TOKEN`, and `EMULATOR_LATEST_URL` for one started with
//! `--start-at-latest`). Tests run one at a time, so fault settings cannot leak between them.
#![cfg(target_arch = "wasm32")]

use futures::future::{select, Either};
use futures::StreamExt;
use momento_topics_worker::{
    ErrorKind, RetryPolicy, Subscription, SubscriptionCursor, SubscriptionEvent, TopicClient,
    TopicValue,
};
use std::time::Duration;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const URL: &str = compile_time_env(option_env!("EMULATOR_URL"));
const TOKEN: &str = compile_time_env(option_env!("EMULATOR_TOKEN"));
const LATEST_URL: &str = compile_time_env(option_env!("EMULATOR_LATEST_URL"));
const LATEST_TOKEN: &str = compile_time_env(option_env!("EMULATOR_LATEST_TOKEN"));
const CACHE: &str = "default-cache";

/// Empty when not built by the script; `client()` then fails with a message saying so.
const fn compile_time_env(value: Option<&'static str>) -> &'static str {
    match value {
        Some(v) => v,
        None => "",
    }
}

fn client() -> TopicClient {
    client_with(RetryPolicy::default())
}

fn client_with(retry: RetryPolicy) -> TopicClient {
    assert!(!URL.is_empty(), "build through scripts/test-browsers.sh, which sets EMULATOR_URL");
    TopicClient::builder()
        .base_url(URL)
        .token(TOKEN)
        .retry_policy(retry)
        .long_poll_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn unique_topic(prefix: &str) -> String {
    format!("{prefix}-{}", (js_sys::Math::random() * 1e12) as u64)
}

/// The next event, or a test failure after 8 s (a hung stream must not hang CI).
async fn next_event(subscription: &mut Subscription) -> SubscriptionEvent {
    let next = subscription.next();
    let deadline = worker::Delay::from(Duration::from_secs(8));
    match select(next, deadline).await {
        Either::Left((Some(event), _)) => event.expect("stream error"),
        Either::Left((None, _)) => panic!("stream ended"),
        Either::Right(_) => panic!("no event within 8 s"),
    }
}

/// The next `n` items, skipping heartbeats; panics on a discontinuity.
async fn next_items(subscription: &mut Subscription, n: usize) -> Vec<TopicValue> {
    let mut items = Vec::new();
    while items.len() < n {
        match next_event(subscription).await {
            SubscriptionEvent::Item(item) => items.push(item.value),
            SubscriptionEvent::Heartbeat => {}
            SubscriptionEvent::Discontinuity(d) => panic!("unexpected {d:?}"),
            other => panic!("unexpected {other:?}"),
        }
    }
    items
}

async fn admin(method: worker::Method, path: &str, body: Option<&str>) -> String {
    let headers = worker::Headers::new();
    headers.set("Authorization", TOKEN).unwrap();
    headers.set("Content-Type", "application/json").unwrap();
    let mut init = worker::RequestInit::new();
    init.with_method(method).with_headers(headers);
    if let Some(body) = body {
        init.with_body(Some(body.into()));
    }
    let request =
        worker::Request::new_with_init(&format!("{URL}/_emulator/{path}"), &init).unwrap();
    let mut response = worker::Fetch::Request(request).send().await.unwrap();
    assert!(response.status_code() < 300, "admin {path}: {}", response.status_code());
    response.text().await.unwrap()
}

async fn set_faults(json: &str) {
    admin(worker::Method::Put, "faults", Some(json)).await;
}

async fn clear_faults() {
    set_faults(r#"{"p500":0,"p429":0,"pdrop":0,"delay_ms":[0,0]}"#).await;
}

async fn scoped_token(role: &str, topic: &str) -> String {
    let body = format!(
        r#"{{"scopes":[{{"role":"{role}","cache":"{CACHE}","topic":"{topic}"}}],"expires_in_secs":600}}"#
    );
    let answer = admin(worker::Method::Post, "tokens", Some(&body)).await;
    let json: serde_json::Value = serde_json::from_str(&answer).unwrap();
    json["token"].as_str().unwrap().to_string()
}

#[wasm_bindgen_test]
async fn text_and_binary_round_trip_in_order() {
    let (client, topic) = (client(), unique_topic("roundtrip"));
    client.publish(CACHE, &topic, "first").await.unwrap();
    client.publish(CACHE, &topic, vec![0u8, 1, 254, 255]).await.unwrap();
    client.publish(CACHE, &topic, String::from("third é")).await.unwrap();
    let mut subscription = client.subscribe(CACHE, &topic).unwrap();
    let items = next_items(&mut subscription, 3).await;
    assert_eq!(
        items,
        vec![
            TopicValue::from("first"),
            TopicValue::Binary(vec![0, 1, 254, 255]),
            TopicValue::from("third é")
        ]
    );
}

#[wasm_bindgen_test]
async fn live_messages_arrive_with_increasing_sequence_numbers() {
    let (client, topic) = (client(), unique_topic("live"));
    client.publish(CACHE, &topic, "m1").await.unwrap();
    let mut subscription = client.subscribe(CACHE, &topic).unwrap();
    let first = match next_event(&mut subscription).await {
        SubscriptionEvent::Item(item) => item,
        other => panic!("{other:?}"),
    };
    assert_eq!(first.topic_sequence_number, 1, "a fresh topic starts at 1");
    assert!(first.sequence_page > 0);
    client.publish(CACHE, &topic, "m2").await.unwrap();
    let second = loop {
        if let SubscriptionEvent::Item(item) = next_event(&mut subscription).await {
            break item;
        }
    };
    assert_eq!((second.topic_sequence_number, second.sequence_page), (2, first.sequence_page));
}

#[wasm_bindgen_test]
async fn resumes_from_a_saved_cursor_without_repeats() {
    let (client, topic) = (client(), unique_topic("resume"));
    for text in ["a", "b"] {
        client.publish(CACHE, &topic, text).await.unwrap();
    }
    let mut subscription = client.subscribe(CACHE, &topic).unwrap();
    assert_eq!(
        next_items(&mut subscription, 2).await,
        vec![TopicValue::from("a"), TopicValue::from("b")]
    );
    let saved = subscription.cursor().to_token();
    drop(subscription);

    client.publish(CACHE, &topic, "c").await.unwrap();
    let mut resumed = client.subscribe_from(SubscriptionCursor::from_token(&saved).unwrap());
    assert_eq!(next_items(&mut resumed, 1).await, vec![TopicValue::from("c")]);
}

#[wasm_bindgen_test]
async fn empty_answers_become_heartbeats() {
    let (client, topic) = (client(), unique_topic("quiet"));
    let mut subscription = client.subscribe(CACHE, &topic).unwrap();
    assert_eq!(next_event(&mut subscription).await, SubscriptionEvent::Heartbeat);
}

#[wasm_bindgen_test]
async fn discontinuity_after_the_emulator_evicts_the_topic() {
    let (client, topic) = (client(), unique_topic("evict"));
    client.publish(CACHE, &topic, "before").await.unwrap();
    let mut subscription = client.subscribe(CACHE, &topic).unwrap();
    assert_eq!(next_items(&mut subscription, 1).await, vec![TopicValue::from("before")]);
    let old_page = subscription.cursor().position().sequence_page;

    admin(worker::Method::Post, &format!("topics/{CACHE}/{topic}/evict"), None).await;
    client.publish(CACHE, &topic, "after").await.unwrap();
    let gap = loop {
        match next_event(&mut subscription).await {
            SubscriptionEvent::Discontinuity(gap) => break gap,
            SubscriptionEvent::Heartbeat => {}
            other => panic!("expected a discontinuity first, got {other:?}"),
        }
    };
    assert!(gap.new_sequence_page > old_page, "{gap:?}");
    assert_eq!(next_items(&mut subscription, 1).await, vec![TopicValue::from("after")]);
}

#[wasm_bindgen_test]
async fn discontinuity_after_falling_behind_the_retention_ring() {
    // The script starts the emulator with --retention 50.
    let (client, topic) = (client(), unique_topic("behind"));
    client.publish(CACHE, &topic, "0").await.unwrap();
    let mut subscription = client.subscribe(CACHE, &topic).unwrap();
    assert_eq!(next_items(&mut subscription, 1).await, vec![TopicValue::from("0")]);
    let results = client.publish_batch(CACHE, &topic, (1..=60).map(|i| i.to_string()), 6).await;
    assert!(results.iter().all(Result::is_ok));
    let gap = loop {
        match next_event(&mut subscription).await {
            SubscriptionEvent::Discontinuity(gap) => break gap,
            SubscriptionEvent::Heartbeat => {}
            other => panic!("expected a discontinuity first, got {other:?}"),
        }
    };
    assert_eq!(gap.last_topic_sequence, 1);
    assert_eq!(gap.new_topic_sequence, 61 - 50 + 1, "oldest retained of 61 messages");
    let SubscriptionEvent::Item(item) = next_event(&mut subscription).await else {
        panic!("item expected")
    };
    assert_eq!(item.topic_sequence_number, gap.new_topic_sequence);
}

#[wasm_bindgen_test]
async fn http_errors_map_to_their_kinds() {
    let topic = unique_topic("errors");
    let bogus = TopicClient::builder().base_url(URL).token("not-a-real-token").build().unwrap();
    assert_eq!(
        bogus.publish(CACHE, &topic, "x").await.unwrap_err().kind(),
        ErrorKind::Authentication
    );

    let subscribe_only = scoped_token("subscribe", &topic).await;
    let reader = TopicClient::builder().base_url(URL).token(subscribe_only).build().unwrap();
    let denied = reader.publish(CACHE, &topic, "x").await.unwrap_err();
    assert_eq!((denied.kind(), denied.status()), (ErrorKind::Permission, Some(403)));

    let missing = client().publish("no-such-cache", &topic, "x").await.unwrap_err();
    assert_eq!((missing.kind(), missing.message()), (ErrorKind::NotFound, "Cache Not Found"));

    set_faults(r#"{"p429":1.0}"#).await;
    let limited = client_with(RetryPolicy::none()).publish(CACHE, &topic, "x").await;
    clear_faults().await;
    assert_eq!(limited.unwrap_err().kind(), ErrorKind::LimitExceeded);
}

#[wasm_bindgen_test]
async fn subscription_ends_with_the_error_on_permission_and_not_found() {
    let topic = unique_topic("sub-errors");
    let publish_only = scoped_token("publish", &topic).await;
    let writer = TopicClient::builder().base_url(URL).token(publish_only).build().unwrap();
    let mut subscription = writer.subscribe(CACHE, &topic).unwrap();
    let error = subscription.next().await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Permission);
    assert!(subscription.next().await.is_none(), "the stream ends after a non-retryable error");

    let mut missing = client().subscribe("no-such-cache", &topic).unwrap();
    assert_eq!(missing.next().await.unwrap().unwrap_err().kind(), ErrorKind::NotFound);
}

#[wasm_bindgen_test]
async fn transient_faults_are_retried_and_each_message_stored_once() {
    let topic = unique_topic("faults");
    let patient = client_with(RetryPolicy {
        max_retries: 30,
        initial_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
    });
    set_faults(r#"{"p500":0.4,"p429":0.1}"#).await;
    let results = patient.publish_batch(CACHE, &topic, ["a", "b", "c", "d", "e"], 1).await;
    clear_faults().await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let mut subscription = client().subscribe(CACHE, &topic).unwrap();
    let items = next_items(&mut subscription, 5).await;
    assert_eq!(items, ["a", "b", "c", "d", "e"].map(TopicValue::from).to_vec());
    assert_eq!(
        next_event(&mut subscription).await,
        SubscriptionEvent::Heartbeat,
        "no sixth message"
    );
}

#[wasm_bindgen_test]
async fn subscription_recovers_from_server_errors() {
    let (client, topic) = (client(), unique_topic("recover"));
    client.publish(CACHE, &topic, "kept").await.unwrap();
    set_faults(r#"{"p500":0.5}"#).await;
    let mut subscription = client.subscribe(CACHE, &topic).unwrap();
    let items = next_items(&mut subscription, 1).await;
    clear_faults().await;
    assert_eq!(items, vec![TopicValue::from("kept")]);
}

#[wasm_bindgen_test]
async fn timeouts_abort_the_request() {
    let topic = unique_topic("timeout");
    let hasty = TopicClient::builder()
        .base_url(URL)
        .token(TOKEN)
        .request_timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    set_faults(r#"{"delay_ms":[3000,3000]}"#).await;
    let started = js_sys::Date::now();
    let outcome = hasty.publish(CACHE, &topic, "slow").await;
    let waited = js_sys::Date::now() - started;
    clear_faults().await;
    assert_eq!(outcome.unwrap_err().kind(), ErrorKind::Timeout);
    assert!(waited < 2500.0, "gave up after {waited} ms, not at the 200 ms timeout");
}

#[wasm_bindgen_test]
async fn size_guard_fails_before_any_request() {
    // Nothing listens on port 9: any request would fail as a transport error instead.
    let offline = TopicClient::builder().base_url("http://127.0.0.1:9").token("t").build().unwrap();
    let error = offline.publish(CACHE, "t", vec![0u8; 4097]).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    assert!(error.message().contains("4097 bytes"), "{}", error.message());
    let unreachable = offline.publish(CACHE, "t", "small").await.unwrap_err();
    assert_eq!(unreachable.kind(), ErrorKind::Transport);
}

#[wasm_bindgen_test]
async fn batch_publish_returns_one_result_per_message_in_order() {
    let (client, topic) = (client(), unique_topic("batch"));
    let mut values: Vec<TopicValue> = (0..8).map(|i| TopicValue::from(format!("m{i}"))).collect();
    values.insert(3, TopicValue::Binary(vec![1; 5000]));
    let results = client.publish_batch(CACHE, &topic, values, 3).await;
    assert_eq!(results.len(), 9);
    for (i, result) in results.iter().enumerate() {
        assert_eq!(result.is_ok(), i != 3, "result {i}: {result:?}");
    }
    let mut subscription = client.subscribe(CACHE, &topic).unwrap();
    let mut received: Vec<String> = next_items(&mut subscription, 8)
        .await
        .iter()
        .map(|v| v.as_text().unwrap().to_string())
        .collect();
    received.sort();
    assert_eq!(received, (0..8).map(|i| format!("m{i}")).collect::<Vec<_>>());
}

#[wasm_bindgen_test]
async fn cache_set_get_delete() {
    let client = client();
    let key = unique_topic("key");
    assert_eq!(client.cache_get(CACHE, key.as_str()).await.unwrap(), None);
    client.cache_set(CACHE, key.as_str(), b"claim".to_vec(), 60).await.unwrap();
    assert_eq!(client.cache_get(CACHE, key.as_str()).await.unwrap(), Some(b"claim".to_vec()));
    client.cache_set(CACHE, &[0u8, 255][..], b"bin".to_vec(), 60).await.unwrap();
    assert_eq!(client.cache_get(CACHE, &[0u8, 255][..]).await.unwrap(), Some(b"bin".to_vec()));
    client.cache_delete(CACHE, key.as_str()).await.unwrap();
    assert_eq!(client.cache_get(CACHE, key.as_str()).await.unwrap(), None);
}

#[wasm_bindgen_test]
async fn correct_when_sequence_number_zero_means_latest_only() {
    assert!(!LATEST_URL.is_empty(), "scripts/test-browsers.sh sets EMULATOR_LATEST_URL");
    let client = TopicClient::builder().base_url(LATEST_URL).token(LATEST_TOKEN).build().unwrap();
    let topic = unique_topic("latest");
    client.publish(CACHE, &topic, "old").await.unwrap();
    let mut subscription = client.subscribe(CACHE, &topic).unwrap();
    // The first poll parks (no history here); publish while it waits.
    let publisher = client.clone();
    let topic2 = topic.clone();
    let publish = async move {
        worker::Delay::from(Duration::from_millis(300)).await;
        publisher.publish(CACHE, &topic2, "new").await.unwrap();
    };
    let (items, ()) = futures::join!(next_items(&mut subscription, 1), publish);
    assert_eq!(items, vec![TopicValue::from("new")]);
    client.publish(CACHE, &topic, "newer").await.unwrap();
    assert_eq!(next_items(&mut subscription, 1).await, vec![TopicValue::from("newer")]);
}

#[wasm_bindgen_test]
async fn cursor_after_each_event_resumes_right_after_it() {
    let (client, topic) = (client(), unique_topic("per-event"));
    for text in ["1", "2", "3"] {
        client.publish(CACHE, &topic, text).await.unwrap();
    }
    let mut subscription = client.subscribe(CACHE, &topic).unwrap();
    // All three arrive in one answer; the cursor must still only move past what was yielded.
    assert_eq!(next_items(&mut subscription, 1).await, vec![TopicValue::from("1")]);
    let saved = subscription.cursor().clone();
    drop(subscription);
    let mut resumed = client.subscribe_from(saved);
    assert_eq!(
        next_items(&mut resumed, 2).await,
        vec![TopicValue::from("2"), TopicValue::from("3")]
    );
}

async fn subscribers_waiting() -> u64 {
    let stats: serde_json::Value =
        serde_json::from_str(&admin(worker::Method::Get, "stats", None).await).unwrap();
    stats["subscribers_waiting"].as_u64().unwrap()
}

#[wasm_bindgen_test]
async fn dropping_the_stream_aborts_the_long_poll() {
    let (client, topic) = (client(), unique_topic("abort"));
    let mut subscription = client.subscribe(CACHE, &topic).unwrap();
    // Start the poll and leave it parked on the quiet topic (the emulator waits up to 2 s).
    let next = subscription.next();
    let poll_parked = worker::Delay::from(Duration::from_millis(300));
    assert!(matches!(select(next, poll_parked).await, Either::Right(_)), "nothing should arrive");
    assert!(subscribers_waiting().await >= 1);
    let dropped_at = js_sys::Date::now();
    drop(subscription);
    // The emulator stops counting a poll once its connection is gone; without the abort, the
    // poll would stay until the emulator's own 2 s wait ends.
    while subscribers_waiting().await > 0 {
        assert!(js_sys::Date::now() - dropped_at < 1500.0, "the dropped poll was not aborted");
        worker::Delay::from(Duration::from_millis(20)).await;
    }
}

#[wasm_bindgen_test]
fn builder_reports_configuration_errors_clearly() {
    let message =
        |b: momento_topics_worker::TopicClientBuilder| b.build().unwrap_err().message().to_string();
    assert!(message(TopicClient::builder()).contains("MOMENTO_API_KEY"));
    assert!(message(TopicClient::builder().token("t")).contains("token() needs base_url()"));
    assert!(message(TopicClient::builder().api_key("not a key")).contains("neither a v1 key"));
    let zero = TopicClient::builder().base_url(URL).token("t").request_timeout(Duration::ZERO);
    assert_eq!(message(zero), "request timeout must be longer than zero");
    let overridden = TopicClient::builder()
        .credential(
            momento_topics_worker::Credential::new("https://api.cache.example", "t").unwrap(),
        )
        .base_url("http://127.0.0.1:1")
        .build()
        .unwrap();
    assert_eq!(overridden.requests().credential().base_url(), "http://127.0.0.1:1");
}

#[wasm_bindgen_test]
async fn a_publish_whose_outcome_is_unknown_is_not_retried_unless_asked() {
    let topic = unique_topic("ambiguous");
    set_faults(r#"{"pdrop_after":1.0}"#).await;
    let careful = client_with(RetryPolicy { max_retries: 2, ..RetryPolicy::default() });
    let error = careful.publish(CACHE, &topic, "once").await.unwrap_err();
    let eager = TopicClient::builder()
        .base_url(URL)
        .token(TOKEN)
        .retry_policy(RetryPolicy {
            max_retries: 2,
            initial_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .retry_ambiguous_publishes(true)
        .build()
        .unwrap();
    let eager_error = eager.publish(CACHE, &topic, "thrice").await.unwrap_err();
    clear_faults().await;

    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(error.message().contains("may or may not have been published"), "{}", error.message());
    assert_eq!(eager_error.kind(), ErrorKind::Transport);
    assert!(!eager_error.message().contains("may or may not"), "{}", eager_error.message());
    // Both were stored although neither got an answer: that is what "unknown outcome" means.
    // (Copies are not counted: browsers themselves resend a request whose connection closed
    // unanswered, a varying number of times.)
    let mut subscription = client().subscribe(CACHE, &topic).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    while let SubscriptionEvent::Item(item) = next_event(&mut subscription).await {
        seen.insert(item.value.as_text().unwrap().to_string());
    }
    assert_eq!(seen, ["once".to_string(), "thrice".to_string()].into());
}

#[wasm_bindgen_test]
async fn a_batch_stops_sending_after_a_permission_error() {
    let topic = unique_topic("batch-denied");
    let reader = TopicClient::builder()
        .base_url(URL)
        .token(scoped_token("subscribe", &topic).await)
        .build()
        .unwrap();
    let results = reader.publish_batch(CACHE, &topic, ["a", "b", "c"], 1).await;
    let messages: Vec<String> =
        results.iter().map(|r| r.as_ref().unwrap_err().message().to_string()).collect();
    assert!(results.iter().all(|r| r.as_ref().unwrap_err().kind() == ErrorKind::Permission));
    assert!(!messages[0].starts_with("not sent"), "{}", messages[0]);
    assert!(
        messages[1].starts_with("not sent: ") && messages[2].starts_with("not sent: "),
        "{messages:?}"
    );
}
