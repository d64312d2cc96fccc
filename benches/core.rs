//! Throughput of the sans-IO core on realistic inputs: parsing a full subscribe answer (100
//! items, Momento's batch size in the emulator), applying it to a cursor, building publish
//! requests. Run with `cargo bench --bench core`; results are recorded in BENCHMARKS.md.
//! A plain `harness = false` timer keeps CI free of a benchmarking framework's compile time.

use momento_topics_worker::{parse_subscribe_response, Credential, Requests, SubscriptionCursor};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn answer(items: u64, value_len: usize, binary: bool) -> Vec<u8> {
    let value = if binary {
        use base64::Engine as _;
        format!(
            r#"{{"binary":"{}"}}"#,
            base64::engine::general_purpose::STANDARD.encode(vec![7u8; value_len])
        )
    } else {
        format!(r#"{{"text":"{}"}}"#, "x".repeat(value_len))
    };
    let entries: Vec<String> = (1..=items)
        .map(|n| format!(r#"{{"item":{{"topic_sequence_number":{n},"sequence_page":1733300000000,"value":{value}}}}}"#))
        .collect();
    format!(r#"{{"items":[{}]}}"#, entries.join(",")).into_bytes()
}

/// Runs `f` repeatedly for about a second and prints the time per call and per byte.
fn bench(name: &str, bytes: usize, mut f: impl FnMut()) {
    for _ in 0..10 {
        f(); // warm-up
    }
    let mut iterations = 0u64;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(1) {
        f();
        iterations += 1;
    }
    let per_call = started.elapsed() / iterations as u32;
    let mib_per_s =
        if bytes > 0 { bytes as f64 / per_call.as_secs_f64() / (1024.0 * 1024.0) } else { 0.0 };
    println!("{name:<48} {per_call:>12.2?}/call  {mib_per_s:>8.1} MiB/s  ({iterations} calls)");
}

fn main() {
    let text = answer(100, 1024, false);
    let binary = answer(100, 1024, true);
    bench("parse 100 text items of 1 KiB", text.len(), || {
        black_box(parse_subscribe_response(black_box(&text)).unwrap());
    });
    bench("parse 100 binary items of 1 KiB (base64)", binary.len(), || {
        black_box(parse_subscribe_response(black_box(&binary)).unwrap());
    });
    bench("parse + apply to cursor, 100 text items", text.len(), || {
        let mut cursor = SubscriptionCursor::new("c", "t").unwrap();
        black_box(cursor.apply_body(black_box(&text)).unwrap());
    });
    let requests = Requests::new(
        Credential::new("https://api.cache.cell-us-east-1-1.prod.a.momentohq.com", "t0ken")
            .unwrap(),
    );
    let payload = "y".repeat(4000);
    bench("build a 4000-byte text publish request", payload.len(), || {
        black_box(
            requests.publish("my-cache", "orders.created", black_box(payload.as_str())).unwrap(),
        );
    });
}
