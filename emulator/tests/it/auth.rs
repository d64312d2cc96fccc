//! Token placement, validity, scopes and the rate limit.

use crate::harness::{send, Emulator};
use serde_json::json;

const PUBLISH: &str = "/topics/default-cache/auth";

fn publish_with(emu: &Emulator, target: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut all = vec![("Content-Type", "text/plain")];
    all.extend_from_slice(headers);
    let resp = send(emu.addr, "POST", target, &all, b"x");
    (resp.status, resp.text())
}

#[test]
fn token_in_header_raw_or_bearer_or_in_query_is_accepted() {
    let emu = Emulator::start(&[]);
    let bearer = format!("Bearer {}", emu.token);
    assert_eq!(publish_with(&emu, PUBLISH, &[("Authorization", &emu.token)]).0, 204);
    assert_eq!(publish_with(&emu, PUBLISH, &[("Authorization", &bearer)]).0, 204);
    assert_eq!(publish_with(&emu, &format!("{PUBLISH}?token={}", emu.token), &[]).0, 204);
}

#[test]
fn both_header_and_query_token_is_400() {
    let emu = Emulator::start(&[]);
    let (status, body) = publish_with(
        &emu,
        &format!("{PUBLISH}?token={}", emu.token),
        &[("Authorization", &emu.token)],
    );
    assert_eq!(status, 400);
    assert!(body.contains("only one value must be set"), "{body}");
}

#[test]
fn missing_or_unknown_token_is_401() {
    let emu = Emulator::start(&[]);
    let (status, body) = publish_with(&emu, PUBLISH, &[]);
    assert_eq!(status, 401);
    assert!(body.contains("Missing auth token"), "{body}");
    let (status, body) = publish_with(&emu, PUBLISH, &[("Authorization", "emu_not_a_real_token")]);
    assert_eq!((status, body.as_str()), (401, "Invalid auth token"));
}

#[test]
fn expired_token_is_401_saying_expired() {
    let emu = Emulator::start(&[]);
    let scopes = json!([{"role": "publishsubscribe", "cache": "default-cache", "topic": "*"}]);
    let expired = emu.mint(json!({"scopes": scopes, "expires_in_secs": 0}));
    let (status, body) = publish_with(&emu, PUBLISH, &[("Authorization", &expired)]);
    assert_eq!(status, 401);
    assert!(body.contains("expired"), "{body}");
    let live = emu.mint(json!({"scopes": scopes, "expires_in_secs": 3600}));
    assert_eq!(publish_with(&emu, PUBLISH, &[("Authorization", &live)]).0, 204);
}

#[test]
fn wrong_scope_is_403_and_right_scope_passes() {
    let emu = Emulator::start(&["--max-wait-ms", "100"]);
    let subscriber = emu.mint(
        json!({"scopes": [{"role": "subscribe", "cache": "default-cache", "topic": "auth"}]}),
    );
    let (status, body) = publish_with(&emu, PUBLISH, &[("Authorization", &subscriber)]);
    assert_eq!(status, 403);
    assert!(body.contains("Insufficient permissions"), "{body}");
    let sub = send(emu.addr, "GET", PUBLISH, &[("Authorization", &subscriber)], b"");
    assert_eq!(sub.status, 200);
    let other_topic = send(
        emu.addr,
        "GET",
        "/topics/default-cache/other",
        &[("Authorization", &subscriber)],
        b"",
    );
    assert_eq!(other_topic.status, 403);

    let publisher =
        emu.mint(json!({"scopes": [{"role": "publish", "cache": "default-cache", "topic": "*"}]}));
    assert_eq!(
        publish_with(&emu, "/topics/default-cache/anything", &[("Authorization", &publisher)]).0,
        204
    );
    let sub = send(emu.addr, "GET", PUBLISH, &[("Authorization", &publisher)], b"");
    assert_eq!(sub.status, 403);
    // Scope is checked before the cache exists, as a scoped token cannot see other caches.
    assert_eq!(
        publish_with(&emu, "/topics/other-cache/t", &[("Authorization", &publisher)]).0,
        403
    );
}

#[test]
fn cache_roles_split_reads_from_writes() {
    let emu = Emulator::start(&[]);
    let reader = emu.mint(json!({"scopes": [{"role": "cache-read", "cache": "default-cache"}]}));
    let writer = emu.mint(json!({"scopes": [{"role": "cache-write", "cache": "default-cache"}]}));
    let put = "/cache/default-cache?key=k&ttl_seconds=60";
    assert_eq!(send(emu.addr, "PUT", put, &[("Authorization", &reader)], b"v").status, 403);
    assert_eq!(send(emu.addr, "PUT", put, &[("Authorization", &writer)], b"v").status, 204);
    let get = "/cache/default-cache?key=k";
    assert_eq!(send(emu.addr, "GET", get, &[("Authorization", &writer)], b"").status, 403);
    let read = send(emu.addr, "GET", get, &[("Authorization", &reader)], b"");
    assert_eq!((read.status, read.body.as_slice()), (200, &b"v"[..]));
    assert_eq!(send(emu.addr, "DELETE", get, &[("Authorization", &reader)], b"").status, 403);
    assert_eq!(send(emu.addr, "DELETE", get, &[("Authorization", &writer)], b"").status, 204);
    assert_eq!(publish_with(&emu, PUBLISH, &[("Authorization", &writer)]).0, 403);
}

#[test]
fn rate_limit_answers_429_per_token() {
    let emu = Emulator::start(&["--rate-limit", "1"]);
    let answers: Vec<(u16, String)> =
        (0..5).map(|_| publish_with(&emu, PUBLISH, &[("Authorization", &emu.token)])).collect();
    assert_eq!(answers[0].0, 204);
    let limited = answers.iter().find(|(status, _)| *status == 429);
    let (_, body) = limited.unwrap_or_else(|| panic!("no 429 in {answers:?}"));
    assert!(body.contains("rate limit"), "{body}");
    // Another token has its own bucket, and the admin API is never limited.
    let other =
        emu.mint(json!({"scopes": [{"role": "publish", "cache": "default-cache", "topic": "*"}]}));
    assert_eq!(publish_with(&emu, PUBLISH, &[("Authorization", &other)]).0, 204);
    assert_eq!(emu.admin("GET", "stats", "").status, 200);
}
