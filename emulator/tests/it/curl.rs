//! The HTTP API reference's own curl examples, run with the real `curl` against the emulator.

use crate::harness::Emulator;
use std::process::Command;

/// Runs a shell command with `URL` and `TOKEN` set, as a user would paste it; returns stdout.
fn sh(emu: &Emulator, script: &str) -> String {
    let out = Command::new("sh")
        .args(["-c", script])
        .env("URL", &emu.url)
        .env("TOKEN", &emu.token)
        .output()
        .expect("running sh (is curl installed?)");
    assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn reference_curl_examples_publish_and_subscribe() {
    let emu = Emulator::start(&[]);
    let code = " -s -o /dev/null -w '%{http_code}'";
    let query_form = format!(
        "curl{code} -X POST -d 'hello world!' \"$URL/topics/default-cache/example?token=$TOKEN\""
    );
    assert_eq!(sh(&emu, &query_form), "204");
    let header_form =
        format!("curl{code} -X POST -H \"Authorization: $TOKEN\" -d 'hello world!' \"$URL/topics/default-cache/example\"");
    assert_eq!(sh(&emu, &header_form), "204");

    let body = sh(&emu, "curl -s \"$URL/topics/default-cache/example?token=$TOKEN\"");
    let answer: serde_json::Value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{body}: {e}"));
    let item = &answer["items"][0]["item"];
    assert_eq!(item["value"]["text"], "hello world!");
    assert_eq!(item["topic_sequence_number"], 1);
    assert!(item["sequence_page"].as_u64().is_some_and(|p| p > 0), "{answer}");
    assert_eq!(answer["items"][1]["item"]["topic_sequence_number"], 2);
}
