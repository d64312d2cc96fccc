//! The cache HTTP API used for claim-checks.

use crate::harness::{wait_until, Emulator};
use std::time::{Duration, Instant};

#[test]
fn set_get_delete_round_trip() {
    let emu = Emulator::start(&[]);
    let value: Vec<u8> = (0..=255).collect();
    assert_eq!(
        emu.call("PUT", "/cache/default-cache?key=k1&ttl_seconds=60", &[], &value).status,
        204
    );
    let got = emu.call("GET", "/cache/default-cache?key=k1", &[], b"");
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), Some("application/octet-stream"));
    assert_eq!(got.body, value);
    assert_eq!(emu.call("DELETE", "/cache/default-cache?key=k1", &[], b"").status, 204);
    let miss = emu.call("GET", "/cache/default-cache?key=k1", &[], b"");
    assert_eq!((miss.status, miss.text().as_str()), (404, "Key Not Found"));
    assert_eq!(
        emu.call("DELETE", "/cache/default-cache?key=k1", &[], b"").status,
        204,
        "missing key is fine"
    );
}

#[test]
fn key_base64_is_url_safe_padded_or_not() {
    let emu = Emulator::start(&[]);
    // "abc" in base64 is "YWJj"; the same item is reachable by `key=abc`.
    assert_eq!(
        emu.call("PUT", "/cache/default-cache?key_base64=YWJj&ttl_seconds=60", &[], b"v1").status,
        204
    );
    assert_eq!(emu.call("GET", "/cache/default-cache?key=abc", &[], b"").body, b"v1");
    // Bytes fb ff: URL-safe "-_8", padded "-_8=" (percent-encoded here).
    assert_eq!(
        emu.call("PUT", "/cache/default-cache?key_base64=-_8&ttl_seconds=60", &[], b"v2").status,
        204
    );
    let padded = emu.call("GET", "/cache/default-cache?key_base64=-_8%3D", &[], b"");
    assert_eq!((padded.status, padded.body.as_slice()), (200, &b"v2"[..]));
    assert_eq!(emu.call("GET", "/cache/default-cache?key_base64=!!", &[], b"").status, 400);
}

#[test]
fn ttl_and_key_are_validated() {
    let emu = Emulator::start(&[]);
    for target in [
        "/cache/default-cache?key=k",
        "/cache/default-cache?key=k&ttl_seconds=0",
        "/cache/default-cache?key=k&ttl_seconds=86401",
        "/cache/default-cache?key=k&ttl_seconds=soon",
        "/cache/default-cache?ttl_seconds=60",
        "/cache/default-cache?key=k&key_base64=aw&ttl_seconds=60",
    ] {
        let resp = emu.call("PUT", target, &[], b"v");
        assert_eq!(resp.status, 400, "{target}: {}", resp.text());
    }
    assert_eq!(
        emu.call("PUT", "/cache/default-cache?key=k&ttl_seconds=86400", &[], b"v").status,
        204
    );
    assert_eq!(emu.call("GET", "/cache/default-cache", &[], b"").status, 400);
    assert_eq!(emu.call("DELETE", "/cache/default-cache", &[], b"").status, 400);
}

#[test]
fn unknown_cache_is_404() {
    let emu = Emulator::start(&[]);
    for method in ["PUT", "GET", "DELETE"] {
        let resp = emu.call(method, "/cache/nope?key=k&ttl_seconds=5", &[], b"v");
        assert_eq!((resp.status, resp.text().as_str()), (404, "Cache Not Found"), "{method}");
    }
}

#[test]
fn items_expire_after_their_ttl() {
    let emu = Emulator::start(&[]);
    let set_at = Instant::now();
    assert_eq!(
        emu.call("PUT", "/cache/default-cache?key=short&ttl_seconds=1", &[], b"v").status,
        204
    );
    let long = emu.call("PUT", "/cache/default-cache?key=long&ttl_seconds=600", &[], b"v");
    assert_eq!(long.status, 204);
    assert_eq!(emu.call("GET", "/cache/default-cache?key=short", &[], b"").status, 200);
    // Poll for the expiry itself; the assertion is on when it happened.
    wait_until(
        || emu.call("GET", "/cache/default-cache?key=short", &[], b"").status == 404,
        "expiry",
    );
    assert!(
        set_at.elapsed() >= Duration::from_millis(950),
        "expired too early: {:?}",
        set_at.elapsed()
    );
    assert_eq!(emu.call("GET", "/cache/default-cache?key=long", &[], b"").status, 200);
}

#[test]
fn values_up_to_5_mib_are_accepted() {
    let emu = Emulator::start(&[]);
    let limit = 5 * 1024 * 1024;
    let at_limit = vec![7u8; limit];
    assert_eq!(
        emu.call("PUT", "/cache/default-cache?key=big&ttl_seconds=60", &[], &at_limit).status,
        204
    );
    assert_eq!(emu.call("GET", "/cache/default-cache?key=big", &[], b"").body.len(), limit);
    let over =
        emu.call("PUT", "/cache/default-cache?key=big2&ttl_seconds=60", &[], &vec![7u8; limit + 1]);
    assert_eq!(over.status, 400);
    assert!(over.text().contains(&limit.to_string()), "{}", over.text());
}
