//! The harness itself, without wrangler: the emulator wrapper and process clean-up.
#![cfg(not(target_arch = "wasm32"))]

use e2e_tests::{http, unique_name, wait_until, Emulator};
use serde_json::json;
use std::path::Path;

const CACHE: &str = "default-cache";

#[test]
fn emulator_wrapper_drives_the_admin_api() {
    let emulator = Emulator::start(&["--max-wait-ms", "200"]);
    assert!(emulator.url.starts_with("http://127.0.0.1:"), "{}", emulator.url);
    assert_eq!(emulator.caches, [CACHE]);
    let topic = unique_name("harness");

    emulator.publish_direct(CACHE, &topic, "one");
    assert_eq!(emulator.stats()["published"], 1);
    let answer = emulator.subscribe_direct(CACHE, &topic, 0, 0);
    let item = &answer["items"][0]["item"];
    assert_eq!(item["value"]["text"], "one", "{answer}");
    let page = item["sequence_page"].as_u64().expect("a page");

    emulator.set_faults(json!({"p500": 1.0}));
    let url = format!("{}/topics/{CACHE}/{topic}", emulator.url);
    let auth = ("Authorization", emulator.token.as_str());
    let resp = http("POST", &url, &[auth, ("Content-Type", "text/plain")], b"two");
    assert_eq!(resp.status, 500, "{}", resp.text());
    emulator.clear_faults();
    assert_eq!(emulator.stats()["published"], 1);

    emulator.evict(CACHE, &topic);
    let answer = emulator.subscribe_direct(CACHE, &topic, 2, page);
    let gap = &answer["items"][0]["discontinuity"];
    assert_eq!(gap["last_topic_sequence"], 1, "{answer}");
    assert!(gap["new_sequence_page"].as_u64().expect("a page") > page, "{answer}");

    let publisher = emulator.mint_token(json!([{"role": "publish", "cache": CACHE}]));
    let with = |token: &str, method: &str| {
        let headers = [("Authorization", token), ("Content-Type", "text/plain")];
        http(method, &url, &headers, if method == "POST" { b"three" } else { b"" }).status
    };
    assert_eq!(with(&publisher, "POST"), 204);
    assert_eq!(with(&publisher, "GET"), 403);
    assert!(emulator.log_path.exists());
}

#[test]
fn dropping_the_emulator_stops_its_process() {
    let emulator = Emulator::start(&[]);
    let proc_dir = format!("/proc/{}", emulator.pid());
    assert!(Path::new(&proc_dir).exists());
    drop(emulator);
    wait_until(|| !Path::new(&proc_dir).exists(), "the emulator process to be gone");
}

#[test]
#[should_panic(expected = "printed no start-up line")]
fn a_bad_flag_fails_with_the_emulators_own_message() {
    Emulator::start(&["--no-such-flag"]);
}
