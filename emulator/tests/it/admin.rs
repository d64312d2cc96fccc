//! The admin API, CORS and the request log.

use crate::harness::{send, Emulator};
use serde_json::json;
use std::time::Duration;

#[test]
fn stats_count_published_and_delivered_items() {
    let emu = Emulator::start(&[]);
    emu.publish("default-cache", "s", "a");
    emu.publish("default-cache", "s", "b");
    emu.subscribe("s", 0, 0);
    emu.subscribe("s", 2, 0);
    assert_eq!(
        emu.stats(),
        json!({"published": 2, "delivered": 3, "subscribers_waiting": 0,
               "faults_injected": {"p500": 0, "p429": 0, "pdrop": 0, "pdrop_after": 0, "delay": 0}})
    );
}

#[test]
fn caches_can_be_created_and_deleted() {
    let emu = Emulator::start(&[]);
    assert_eq!(emu.publish("fresh", "t", "x"), 404);
    assert_eq!(emu.admin("POST", "caches/fresh", "").status, 204);
    assert_eq!(emu.publish("fresh", "t", "x"), 204);
    assert_eq!(emu.admin("DELETE", "caches/fresh", "").status, 204);
    assert_eq!(emu.publish("fresh", "t", "x"), 404);
    let again = emu.admin("DELETE", "caches/fresh", "");
    assert_eq!((again.status, again.text().as_str()), (404, "Cache Not Found"));
}

#[test]
fn admin_needs_the_all_access_token() {
    let emu = Emulator::start(&[]);
    assert_eq!(send(emu.addr, "GET", "/_emulator/stats", &[], b"").status, 401);
    let scoped =
        emu.mint(json!({"scopes": [{"role": "publishsubscribe", "cache": "*", "topic": "*"}]}));
    let resp = send(emu.addr, "GET", "/_emulator/stats", &[("Authorization", &scoped)], b"");
    assert_eq!(resp.status, 403);
    let query = send(emu.addr, "GET", &format!("/_emulator/stats?token={}", emu.token), &[], b"");
    assert_eq!(query.status, 200);
    assert_eq!(emu.admin("GET", "nothing-here", "").status, 404);
}

#[test]
fn token_requests_are_validated() {
    let emu = Emulator::start(&[]);
    for body in [
        r#"{"scopes":[{"role":"superuser","cache":"c"}]}"#,
        "not json",
        r#"{"scopes":[{"role":"publish"}]}"#,
    ] {
        assert_eq!(emu.admin("POST", "tokens", body).status, 400, "{body}");
    }
    let token = emu.mint(json!({"scopes": []}));
    assert!(token.starts_with("emu_"), "{token}");
}

#[test]
fn fault_settings_are_validated_and_replaced_whole() {
    let emu = Emulator::start(&["--fault-429", "0.5"]);
    assert_eq!(emu.admin("PUT", "faults", r#"{"p500":2}"#).status, 400);
    assert_eq!(emu.admin("PUT", "faults", r#"{"delay_ms":[9,1]}"#).status, 400);
    assert_eq!(emu.admin("PUT", "faults", r#"{"bogus":1}"#).status, 400);
    assert_eq!(emu.admin("PUT", "faults", r#"{"p500":0.25}"#).status, 204);
    assert_eq!(
        emu.admin("GET", "faults", "").json(),
        json!({"p500": 0.25, "p429": 0.0, "pdrop": 0.0, "pdrop_after": 0.0, "delay_ms": [0, 0]})
    );
}

#[test]
fn cors_preflight_allows_methods_and_echoes_headers() {
    let emu = Emulator::start(&[]);
    let headers = [
        ("Origin", "http://example.test"),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "authorization,content-type"),
    ];
    let resp = send(emu.addr, "OPTIONS", "/topics/default-cache/t", &headers, b"");
    assert_eq!(resp.status, 204);
    assert_eq!(resp.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        resp.header("access-control-allow-methods"),
        Some("GET, POST, PUT, DELETE, OPTIONS")
    );
    assert_eq!(resp.header("access-control-allow-headers"), Some("authorization,content-type"));
    assert!(resp.header("access-control-max-age").is_some());
    let plain = send(emu.addr, "OPTIONS", "/cache/default-cache", &[], b"");
    assert_eq!(plain.header("access-control-allow-headers"), Some("Authorization, Content-Type"));
}

#[test]
fn cors_header_is_on_successes_and_errors() {
    let emu = Emulator::start(&[]);
    let ok = emu.call("POST", "/topics/default-cache/t", &[("Content-Type", "text/plain")], b"x");
    let unauthorized = send(emu.addr, "GET", "/topics/default-cache/t", &[], b"");
    let not_found = emu.call("GET", "/nowhere", &[], b"");
    for resp in [ok, unauthorized, not_found] {
        assert_eq!(resp.header("access-control-allow-origin"), Some("*"), "{}", resp.status);
    }
}

#[test]
fn request_log_has_one_line_per_request_without_the_token() {
    let emu = Emulator::start_logged(&[]);
    let target = format!("/topics/default-cache/logged?x=1&token={}", emu.token);
    assert_eq!(
        send(emu.addr, "POST", &target, &[("Content-Type", "text/plain")], b"x").status,
        204
    );
    let log = emu.log.as_ref().unwrap();
    let line = std::iter::from_fn(|| log.recv_timeout(Duration::from_secs(20)).ok())
        .find(|l| l.starts_with("POST "))
        .expect("a log line for the publish");
    assert!(line.starts_with("POST /topics/default-cache/logged?x=1 204 "), "{line}");
    assert!(line.ends_with("ms"), "{line}");
    assert!(!line.contains(&emu.token), "{line}");
}
