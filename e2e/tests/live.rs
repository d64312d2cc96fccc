//! Opt-in: the `publish-subscribe` worker in workerd against the real Momento service.
//!
//! ```text
//! MOMENTO_API_KEY=… MOMENTO_CACHE=… cargo test -p e2e-tests --test live -- --ignored
//! ```
//! `MOMENTO_ENDPOINT` is passed on too when set (for keys that carry no endpoint). The key
//! reaches wrangler through a private env file, never its command line.
#![cfg(not(target_arch = "wasm32"))]

use e2e_tests::{encode_segment, http, http_with_timeout, unique_name, workspace_root};
use e2e_tests::{HttpResponse, WranglerDev};
use serde_json::Value;
use std::sync::mpsc;
use std::time::Duration;

/// Long enough for a real long-poll round trip from this machine.
const READ_TIMEOUT: Duration = Duration::from_secs(90);

/// How long to wait for the subscriber after each publish before publishing again.
const ROUND: Duration = Duration::from_secs(3);

fn required(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => value,
        _ => panic!(
            "{name} is not set: this live test needs MOMENTO_API_KEY and MOMENTO_CACHE for a real \
             Momento cache (run it only with both set; scripts/test-workerd.sh does so)"
        ),
    }
}

fn items(resp: &HttpResponse) -> Vec<Value> {
    assert_eq!(resp.status, 200, "{}", resp.text());
    let lines = resp.ndjson();
    assert!(lines.iter().all(|l| l.get("error").is_none()), "error line in {lines:#?}");
    lines.into_iter().filter(|l| l.get("item").is_some()).collect()
}

fn text(line: &Value) -> &str {
    line["item"]["value"]["text"].as_str().unwrap_or_else(|| panic!("a text item: {line}"))
}

fn sequence(line: &Value) -> u64 {
    line["item"]["topic_sequence_number"].as_u64().unwrap_or_else(|| panic!("a number: {line}"))
}

#[test]
#[ignore = "needs MOMENTO_API_KEY and MOMENTO_CACHE (real Momento)"]
fn publish_and_subscribe_through_real_momento() {
    let key = required("MOMENTO_API_KEY");
    let cache = required("MOMENTO_CACHE");
    let config = workspace_root().join("examples/publish-subscribe/wrangler.toml");
    let mut builder = WranglerDev::builder(&config).var("MOMENTO_CACHE", &cache);
    builder = builder.secret("MOMENTO_API_KEY", &key);
    if let Ok(endpoint) = std::env::var("MOMENTO_ENDPOINT") {
        builder = builder.var("MOMENTO_ENDPOINT", &endpoint);
    }
    let worker = builder.start();
    let topic = unique_name("e2e-live");
    let url = worker.url_for(&format!("/topics/{}", encode_segment(&topic)));

    // Subscribe first: the service may deliver only messages published after the first poll
    // (`sequence_number=0` semantics are not documented), so publish until the reader gets one.
    let (tx, rx) = mpsc::channel();
    let reader_url = format!("{url}?max=1");
    std::thread::spawn(move || {
        let _ = tx.send(http_with_timeout("GET", &reader_url, &[], b"", READ_TIMEOUT));
    });
    let mut sent = Vec::new();
    let first = loop {
        assert!(sent.len() < 20, "the subscriber received none of {sent:?}");
        let message = format!("live {}", sent.len() + 1);
        let resp = http("POST", &url, &[("Content-Type", "text/plain")], message.as_bytes());
        assert_eq!(resp.status, 204, "publishing {message:?}: {}", resp.text());
        sent.push(message);
        if let Ok(resp) = rx.recv_timeout(ROUND) {
            break resp;
        }
    };
    let got = items(&first);
    assert_eq!(got.len(), 1, "{}", first.text());
    let index = sent.iter().position(|m| m == text(&got[0])).expect("one of our messages");
    assert!(sequence(&got[0]) >= 1, "{}", got[0]);
    let cursor = got[0]["cursor"].as_str().expect("a cursor").to_owned();

    // Resume from that item's cursor: exactly the later messages, once each, in order.
    let resp = http("POST", &url, &[("Content-Type", "text/plain")], b"live final");
    assert_eq!(resp.status, 204, "{}", resp.text());
    let mut expected: Vec<&str> = sent[index + 1..].iter().map(String::as_str).collect();
    expected.push("live final");
    let query = format!("{url}?cursor={}&max={}", encode_segment(&cursor), expected.len());
    let rest = items(&http_with_timeout("GET", &query, &[], b"", READ_TIMEOUT));
    let texts: Vec<&str> = rest.iter().map(text).collect();
    assert_eq!(texts, expected);
    let numbers: Vec<u64> = rest.iter().map(sequence).collect();
    let consecutive: Vec<u64> = (1..=numbers.len() as u64).map(|i| sequence(&got[0]) + i).collect();
    assert_eq!(numbers, consecutive, "sequence numbers follow the first item's");
}
