//! End-to-end test harness: Workers running in workerd (`wrangler dev`) against the local
//! Momento emulator, driven from native Rust tests.
//!
//! - [`Emulator`] spawns `momento-emulator`, reads its start-up line and wraps its admin API.
//! - [`WranglerDev`] runs `wrangler dev` for any `wrangler.toml` (build included) and waits for
//!   its `Ready on …` line.
//! - [`http`] is a small blocking client that treats every status as a normal answer.
//! - [`wait_until`] polls a real condition with a deadline.
//!
//! Every child runs in its own process group behind a guard: the whole group is killed when the
//! handle is dropped, and also when the test process dies without dropping it (a `static`
//! fixture, a crash, Ctrl-C), because the guard notices its stdin pipe closing.
//!
//! ```no_run
//! use e2e_tests::{http, workspace_root, Emulator, WranglerDev};
//! let emulator = Emulator::start(&["--max-wait-ms", "1000"]);
//! let config = workspace_root().join("examples/publish-subscribe/wrangler.toml");
//! let worker = WranglerDev::start(
//!     &config,
//!     &[("MOMENTO_BASE_URL", &emulator.url), ("MOMENTO_API_KEY", &emulator.token)],
//! );
//! let resp = http("POST", &format!("{}/topics/demo", worker.url), &[], b"hi");
//! assert_eq!(resp.status, 204, "{}", resp.text());
//! ```
#![cfg(not(target_arch = "wasm32"))]
#![warn(missing_docs)]

mod emulator;
mod faults;
mod http;
mod process;
mod wrangler;

pub use emulator::Emulator;
pub use faults::{fault_scope, faults_untouched, FaultScope};
pub use http::{encode_segment, http, http_with_timeout, try_http, HttpResponse};
pub use wrangler::{WranglerBuilder, WranglerDev};

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long [`wait_until`] polls before failing the test.
pub const WAIT_DEADLINE: Duration = Duration::from_secs(30);

/// The fixture shared by every test of one test binary: started by the first test that asks,
/// once even if starting fails, so that every test reports the same error instead of retrying.
///
/// ```no_run
/// use std::sync::OnceLock;
/// static CELL: OnceLock<Result<String, String>> = OnceLock::new();
/// let fixture: &String = e2e_tests::shared_fixture(&CELL, || "started".to_string(), "demo");
/// ```
pub fn shared_fixture<T>(
    cell: &'static std::sync::OnceLock<Result<T, String>>,
    start: impl FnOnce() -> T,
    what: &str,
) -> &'static T {
    let started = cell.get_or_init(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(start)).map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        })
    });
    match started {
        Ok(fixture) => fixture,
        Err(why) => panic!("the shared {what} fixture failed to start: {why}"),
    }
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().expect("e2e/ has a parent").to_path_buf()
}

/// Cargo's target directory: `CARGO_TARGET_DIR` if set (a relative one from the workspace
/// root), else `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// Where logs are kept: `ARTIFACTS` if set (as in `scripts/lib.sh`), else
/// `<target>/artifacts`. Created on first use.
pub fn artifacts_dir() -> PathBuf {
    let dir = match std::env::var_os("ARTIFACTS") {
        Some(dir) => PathBuf::from(dir),
        None => target_dir().join("artifacts"),
    };
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    dir
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A name no other test in this run uses: `prefix-<pid>-<counter>-<millis>`, for topics.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format!("{prefix}-{}-{n}-{millis}", std::process::id())
}

/// Polls `condition` until it holds; panics with `what` after [`WAIT_DEADLINE`].
pub fn wait_until(condition: impl FnMut() -> bool, what: &str) {
    wait_until_within(WAIT_DEADLINE, condition, what);
}

/// Polls `condition` until it holds; panics with `what` after `deadline`.
pub fn wait_until_within(deadline: Duration, mut condition: impl FnMut() -> bool, what: &str) {
    let end = Instant::now() + deadline;
    while !condition() {
        assert!(Instant::now() < end, "timed out after {deadline:?} waiting for {what}");
        // Pacing between polls only; correctness never depends on this duration.
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Strips ANSI escape sequences (colours) from a log line.
pub fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            // CSI: parameters, then one final byte in '@'..='~'.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_ansi_removes_colour_codes() {
        let line =
            "\u{1b}[32m[wrangler:info]\u{1b}[0m Ready on \u{1b}[1mhttp://127.0.0.1:1\u{1b}[22m";
        assert_eq!(strip_ansi(line), "[wrangler:info] Ready on http://127.0.0.1:1");
    }

    #[test]
    fn unique_names_differ() {
        assert_ne!(unique_name("t"), unique_name("t"));
    }

    #[test]
    fn wait_until_returns_once_the_condition_holds() {
        let mut calls = 0;
        wait_until(
            || {
                calls += 1;
                calls == 3
            },
            "three calls",
        );
        assert_eq!(calls, 3);
    }

    #[test]
    #[should_panic(expected = "timed out after")]
    fn wait_until_panics_at_the_deadline() {
        wait_until_within(Duration::from_millis(50), || false, "never");
    }
}
