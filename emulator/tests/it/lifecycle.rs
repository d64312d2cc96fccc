//! Start-up line, flags and clean exit on signals.

use crate::harness::Emulator;
use serde_json::json;
use std::process::{Command, Stdio};

#[test]
fn startup_line_has_url_token_and_caches() {
    let emu = Emulator::start(&[]);
    let keys: Vec<&String> = emu.startup.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 3, "{}", emu.startup);
    assert!(emu.url.starts_with("http://127.0.0.1:"), "{}", emu.url);
    assert!(emu.token.starts_with("emu_") && emu.token.len() > 20, "{}", emu.token);
    assert_eq!(emu.startup["caches"], json!(["default-cache"]));
}

#[test]
fn cache_and_token_flags_are_honoured() {
    let emu = Emulator::start(&["--cache", "a", "--cache=b", "--token", "fixed-token"]);
    assert_eq!(emu.token, "fixed-token");
    assert_eq!(emu.startup["caches"], json!(["a", "b"]));
    assert_eq!(emu.publish("a", "t", "x"), 204);
    assert_eq!(emu.publish("b", "t", "x"), 204);
    assert_eq!(emu.publish("default-cache", "t", "x"), 404, "--cache replaces the default");
}

#[test]
fn sigterm_exits_zero() {
    let mut emu = Emulator::start(&[]);
    assert_eq!(emu.publish("default-cache", "t", "x"), 204);
    let status = emu.signal_and_wait("TERM");
    assert!(status.success(), "{status:?}");
}

#[test]
fn sigint_exits_zero() {
    let mut emu = Emulator::start(&[]);
    let status = emu.signal_and_wait("INT");
    assert!(status.success(), "{status:?}");
}

#[test]
fn bad_flags_fail_without_a_startup_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_momento-emulator"))
        .args(["--retention", "zero"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--retention"));
}
