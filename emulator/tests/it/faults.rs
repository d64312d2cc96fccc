//! Fault injection: 500, 429, dropped connections and delays.

use crate::harness::{exchange, request_bytes, Emulator};
use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn injected_500_does_not_store_the_message() {
    let emu = Emulator::start(&["--max-wait-ms", "200"]);
    assert_eq!(emu.admin("PUT", "faults", r#"{"p500":1}"#).status, 204);
    let resp =
        emu.call("POST", "/topics/default-cache/f", &[("Content-Type", "text/plain")], b"lost");
    assert_eq!(resp.status, 500);
    assert!(resp.text().contains("Injected fault"), "{}", resp.text());
    assert_eq!(emu.admin("PUT", "faults", "{}").status, 204);
    assert_eq!(emu.subscribe("f", 0, 0), json!({"items": []}));
    let stats = emu.stats();
    assert_eq!(stats["published"], 0);
    assert_eq!(stats["faults_injected"]["p500"], 1);
}

#[test]
fn injected_429_from_the_command_line() {
    let emu = Emulator::start(&["--fault-429", "1"]);
    let resp = emu.call("POST", "/topics/default-cache/f", &[("Content-Type", "text/plain")], b"x");
    assert_eq!(resp.status, 429);
    assert_eq!(emu.call("GET", "/cache/default-cache?key=k", &[], b"").status, 429);
    let stats = emu.stats();
    assert_eq!(
        (stats["faults_injected"]["p429"].as_u64(), stats["published"].as_u64()),
        (Some(2), Some(0))
    );
}

#[test]
fn dropped_connection_sends_no_bytes_and_admin_is_never_faulted() {
    let emu = Emulator::start(&["--fault-drop", "1", "--fault-500", "1"]);
    let auth = [("Authorization", emu.token.as_str()), ("Content-Type", "text/plain")];
    let request = request_bytes("POST", "/topics/default-cache/f", &auth, b"x");
    let received = exchange(emu.addr, &request).expect("exchange");
    assert!(received.is_empty(), "got {:?}", String::from_utf8_lossy(&received));
    let stats = emu.stats();
    assert_eq!(stats["faults_injected"]["pdrop"], 1);
    assert_eq!(stats["published"], 0);
}

#[test]
fn drop_after_work_stores_the_message_but_answers_nothing() {
    let emu = Emulator::start(&["--fault-drop-after", "1", "--max-wait-ms", "200"]);
    let auth = [("Authorization", emu.token.as_str()), ("Content-Type", "text/plain")];
    let request = request_bytes("POST", "/topics/default-cache/f", &auth, b"kept");
    let received = exchange(emu.addr, &request).expect("exchange");
    assert!(received.is_empty(), "got {:?}", String::from_utf8_lossy(&received));
    assert_eq!(emu.admin("PUT", "faults", "{}").status, 204);
    let answer = emu.subscribe("f", 0, 0);
    assert_eq!(answer["items"][0]["item"]["value"]["text"], "kept");
    let stats = emu.stats();
    assert_eq!(
        (stats["published"].as_u64(), stats["faults_injected"]["pdrop_after"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn delay_is_applied_and_counted() {
    let emu = Emulator::start(&[]);
    assert_eq!(emu.admin("PUT", "faults", r#"{"delay_ms":[150,150]}"#).status, 204);
    let started = Instant::now();
    assert_eq!(emu.publish("default-cache", "slow", "x"), 204);
    assert!(started.elapsed() >= Duration::from_millis(150), "{:?}", started.elapsed());
    assert_eq!(emu.stats()["faults_injected"]["delay"], 1);
}
