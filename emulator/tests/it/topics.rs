//! Publish and long-poll subscribe.

use crate::harness::{subscribe_at, Emulator};
use momento_topics_worker::wire::{SubscribeResponse, WireValue};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn page_of(answer: &Value) -> u64 {
    answer["items"][0]["item"]["sequence_page"].as_u64().expect("an item with a page")
}

fn texts(answer: &Value) -> Vec<String> {
    let parsed: SubscribeResponse = serde_json::from_value(answer.clone()).unwrap();
    parsed
        .items
        .into_iter()
        .filter_map(|e| e.item)
        .map(|i| match i.value {
            WireValue::Text(t) => t,
            WireValue::Binary(b) => panic!("unexpected binary {b:?}"),
        })
        .collect()
}

#[test]
fn publish_then_subscribe_returns_numbered_items_on_one_page() {
    let emu = Emulator::start(&[]);
    assert_eq!(emu.publish("default-cache", "basic", "one"), 204);
    assert_eq!(emu.publish("default-cache", "basic", "two"), 204);
    let answer = emu.subscribe("basic", 0, 0);
    assert_eq!(texts(&answer), ["one", "two"]);
    let items = answer["items"].as_array().unwrap();
    assert_eq!(items[0]["item"]["topic_sequence_number"], 1);
    assert_eq!(items[1]["item"]["topic_sequence_number"], 2);
    let page = page_of(&answer);
    assert!(page > 1_600_000_000_000, "page looks like unix millis: {page}");
    assert_eq!(items[1]["item"]["sequence_page"], page);
    // Resuming from the second message returns only it.
    assert_eq!(texts(&emu.subscribe("basic", 2, page)), ["two"]);
}

#[test]
fn binary_publish_round_trips_as_padded_base64() {
    let emu = Emulator::start(&[]);
    let payload = [0u8, 1, 2, 255, 254];
    let resp = emu.call(
        "POST",
        "/topics/default-cache/bin",
        &[("Content-Type", "application/octet-stream")],
        &payload,
    );
    assert_eq!(resp.status, 204);
    let answer = emu.subscribe("bin", 0, 0);
    assert_eq!(answer["items"][0]["item"]["value"], json!({"binary": "AAEC//4="}));
    let parsed: SubscribeResponse = serde_json::from_value(answer).unwrap();
    assert_eq!(parsed.items[0].item.as_ref().unwrap().value, WireValue::Binary(payload.to_vec()));
}

#[test]
fn any_other_content_type_is_text() {
    let emu = Emulator::start(&[]);
    let resp = emu.call(
        "POST",
        "/topics/default-cache/json",
        &[("Content-Type", "application/json")],
        b"{\"a\":1}",
    );
    assert_eq!(resp.status, 204);
    assert_eq!(texts(&emu.subscribe("json", 0, 0)), ["{\"a\":1}"]);
}

#[test]
fn path_segments_are_percent_decoded() {
    let emu = Emulator::start(&[]);
    assert_eq!(emu.publish("default-cache", "my%20topic", "spaced"), 204);
    let answer = emu.call("GET", "/topics/default%2Dcache/%6Dy%20topic", &[], b"").json();
    assert_eq!(texts(&answer), ["spaced"]);
}

#[test]
fn missing_content_type_is_400() {
    let emu = Emulator::start(&[]);
    let resp = emu.call("POST", "/topics/default-cache/t", &[], b"hi");
    assert_eq!(resp.status, 400);
    assert!(resp.text().contains("Content-Type"), "{}", resp.text());
    assert_eq!(resp.header("content-type"), Some("text/plain; charset=utf-8"));
}

#[test]
fn oversize_message_is_400_naming_the_limit_and_not_stored() {
    let emu = Emulator::start(&["--max-message-bytes", "16", "--max-wait-ms", "100"]);
    let resp = emu.call(
        "POST",
        "/topics/default-cache/big",
        &[("Content-Type", "text/plain")],
        &[b'x'; 17],
    );
    assert_eq!(resp.status, 400);
    assert!(resp.text().contains("16 bytes"), "{}", resp.text());
    assert_eq!(emu.subscribe("big", 0, 0)["items"], json!([]));
    assert_eq!(
        emu.publish("default-cache", "big", "sixteen bytes..."),
        204,
        "exactly the limit is fine"
    );
}

#[test]
fn default_limit_is_4096_bytes() {
    let emu = Emulator::start(&[]);
    let at_limit = "x".repeat(4096);
    assert_eq!(emu.publish("default-cache", "limit", &at_limit), 204);
    let over = emu.call(
        "POST",
        "/topics/default-cache/limit",
        &[("Content-Type", "text/plain")],
        &[b'x'; 4097],
    );
    assert_eq!(over.status, 400);
    assert!(over.text().contains("4096"));
}

#[test]
fn invalid_utf8_text_is_400() {
    let emu = Emulator::start(&[]);
    let resp = emu.call(
        "POST",
        "/topics/default-cache/t",
        &[("Content-Type", "text/plain")],
        &[0xff, 0xfe],
    );
    assert_eq!(resp.status, 400);
    assert!(resp.text().contains("UTF-8"), "{}", resp.text());
}

#[test]
fn unknown_cache_is_404_for_publish_and_subscribe() {
    let emu = Emulator::start(&[]);
    let publish = emu.call("POST", "/topics/nope/t", &[("Content-Type", "text/plain")], b"x");
    assert_eq!((publish.status, publish.text().as_str()), (404, "Cache Not Found"));
    let subscribe = emu.call("GET", "/topics/nope/t", &[], b"");
    assert_eq!((subscribe.status, subscribe.text().as_str()), (404, "Cache Not Found"));
}

#[test]
fn long_poll_wakes_when_a_message_is_published() {
    let emu = Emulator::start(&["--max-wait-ms", "30000"]);
    let (addr, token) = (emu.addr, emu.token.clone());
    let started = Instant::now();
    let waiter = std::thread::spawn(move || subscribe_at(addr, &token, "wake", 1, 0));
    emu.wait_for_waiting_subscribers(1);
    assert_eq!(emu.publish("default-cache", "wake", "ping"), 204);
    let answer = waiter.join().unwrap();
    assert_eq!(texts(&answer), ["ping"]);
    assert_eq!(answer["items"][0]["item"]["topic_sequence_number"], 1);
    assert!(started.elapsed() < Duration::from_secs(25), "woke long before max wait");
    assert_eq!(emu.stats()["subscribers_waiting"], 0);
}

#[test]
fn max_wait_answers_empty_items() {
    let emu = Emulator::start(&["--max-wait-ms", "300"]);
    let started = Instant::now();
    let answer = emu.subscribe("quiet", 1, 0);
    assert_eq!(answer, json!({"items": []}));
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn start_at_latest_skips_history() {
    let emu = Emulator::start(&["--start-at-latest", "--max-wait-ms", "30000"]);
    assert_eq!(emu.publish("default-cache", "latest", "old"), 204);
    let (addr, token) = (emu.addr, emu.token.clone());
    let waiter = std::thread::spawn(move || subscribe_at(addr, &token, "latest", 0, 0));
    emu.wait_for_waiting_subscribers(1);
    assert_eq!(emu.publish("default-cache", "latest", "new"), 204);
    let answer = waiter.join().unwrap();
    assert_eq!(texts(&answer), ["new"]);
    assert_eq!(answer["items"][0]["item"]["topic_sequence_number"], 2);
}

#[test]
fn by_default_sequence_number_zero_replays_history() {
    let emu = Emulator::start(&[]);
    assert_eq!(emu.publish("default-cache", "history", "old"), 204);
    let answer = emu.call("GET", "/topics/default-cache/history", &[], b"").json();
    assert_eq!(texts(&answer), ["old"]);
}

#[test]
fn evict_reports_a_discontinuity_to_a_new_larger_page() {
    let emu = Emulator::start(&[]);
    emu.publish("default-cache", "ev", "a");
    emu.publish("default-cache", "ev", "b");
    let old_page = page_of(&emu.subscribe("ev", 0, 0));
    assert_eq!(emu.admin("POST", "topics/default-cache/ev/evict", "").status, 204);
    emu.publish("default-cache", "ev", "c");
    let answer = emu.subscribe("ev", 3, old_page);
    let d = &answer["items"][0]["discontinuity"];
    assert_eq!(d["last_topic_sequence"], 2);
    assert_eq!(d["new_topic_sequence"], 1);
    let new_page = d["new_sequence_page"].as_u64().unwrap();
    assert!(new_page > old_page, "{new_page} > {old_page}");
    let item = &answer["items"][1]["item"];
    assert_eq!(
        (item["topic_sequence_number"].as_u64(), item["sequence_page"].as_u64()),
        (Some(1), Some(new_page))
    );
    assert_eq!(item["value"]["text"], "c");
}

#[test]
fn evict_wakes_a_waiting_subscriber_with_the_discontinuity() {
    let emu = Emulator::start(&["--max-wait-ms", "30000"]);
    emu.publish("default-cache", "evw", "a");
    let page = page_of(&emu.subscribe("evw", 0, 0));
    let (addr, token) = (emu.addr, emu.token.clone());
    let waiter = std::thread::spawn(move || subscribe_at(addr, &token, "evw", 2, page));
    emu.wait_for_waiting_subscribers(1);
    assert_eq!(emu.admin("POST", "topics/default-cache/evw/evict", "").status, 204);
    let answer = waiter.join().unwrap();
    let items = answer["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{answer}");
    assert_eq!(items[0]["discontinuity"]["last_topic_sequence"], 1);
    assert_eq!(items[0]["discontinuity"]["new_topic_sequence"], 1);
    assert!(items[0]["discontinuity"]["new_sequence_page"].as_u64().unwrap() > page);
}

#[test]
fn falling_behind_a_small_retention_reports_a_discontinuity() {
    let emu = Emulator::start(&["--retention", "3"]);
    for i in 1..=5 {
        assert_eq!(emu.publish("default-cache", "ring", &format!("m{i}")), 204);
    }
    let all = emu.subscribe("ring", 0, 0);
    assert_eq!(texts(&all), ["m3", "m4", "m5"], "only the ring is replayed");
    let page = page_of(&all);
    let answer = emu.subscribe("ring", 1, page);
    let d = &answer["items"][0]["discontinuity"];
    assert_eq!(
        (d["last_topic_sequence"].as_u64(), d["new_topic_sequence"].as_u64()),
        (Some(0), Some(3))
    );
    assert_eq!(d["new_sequence_page"], page);
    assert_eq!(texts(&answer), ["m3", "m4", "m5"]);
}

#[test]
fn answers_are_capped_at_100_items() {
    let emu = Emulator::start(&[]);
    for i in 0..120 {
        assert_eq!(emu.publish("default-cache", "many", &i.to_string()), 204);
    }
    let first = emu.subscribe("many", 0, 0);
    assert_eq!(first["items"].as_array().unwrap().len(), 100);
    let rest = emu.subscribe("many", 101, page_of(&first));
    assert_eq!(rest["items"].as_array().unwrap().len(), 20);
    assert_eq!(rest["items"][0]["item"]["topic_sequence_number"], 101);
}

#[test]
fn bad_sequence_number_is_400() {
    let emu = Emulator::start(&[]);
    let resp = emu.call("GET", "/topics/default-cache/t?sequence_number=-1", &[], b"");
    assert_eq!(resp.status, 400);
}

#[test]
fn abandoned_long_poll_stops_counting_and_is_logged_as_cancelled() {
    let emu = Emulator::start_logged(&["--max-wait-ms", "30000"]);
    let auth = [("Authorization", emu.token.as_str())];
    let request = crate::harness::request_bytes(
        "GET",
        "/topics/default-cache/gone?sequence_number=1",
        &auth,
        b"",
    );
    let mut stream = std::net::TcpStream::connect(emu.addr).unwrap();
    std::io::Write::write_all(&mut stream, &request).unwrap();
    emu.wait_for_waiting_subscribers(1);
    drop(stream);
    emu.wait_for_waiting_subscribers(0);
    let log = emu.log.as_ref().unwrap();
    let line = std::iter::from_fn(|| log.recv_timeout(Duration::from_secs(20)).ok())
        .find(|l| l.starts_with("GET /topics/default-cache/gone"))
        .expect("a log line for the abandoned subscribe");
    assert!(line.contains(" cancelled "), "{line}");
}

#[test]
fn unknown_routes_are_404_and_wrong_methods_405() {
    let emu = Emulator::start(&[]);
    assert_eq!(emu.call("GET", "/topics/default-cache", &[], b"").status, 404);
    assert_eq!(emu.call("GET", "/topics/default-cache/t/extra", &[], b"").status, 404);
    assert_eq!(emu.call("PATCH", "/topics/default-cache/t", &[], b"").status, 405);
    assert_eq!(emu.call("POST", "/cache/default-cache?key=k", &[], b"").status, 405);
}
