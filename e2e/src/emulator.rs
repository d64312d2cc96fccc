//! The local Momento emulator (`momento-emulator`) as a child process.

use crate::http::{encode_segment, http, HttpResponse};
use crate::process::{guarded_command, GuardedChild};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How long the emulator may take to print its start-up line.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// A running emulator; its process is killed on drop.
pub struct Emulator {
    /// `http://127.0.0.1:PORT`: the base URL for the worker's `MOMENTO_BASE_URL`.
    pub url: String,
    /// The all-access token (also accepted by the admin API).
    pub token: String,
    /// The caches that exist at start-up.
    pub caches: Vec<String>,
    /// Where the emulator's stderr (one line per request) is written.
    pub log_path: PathBuf,
    process: GuardedChild,
}

impl Emulator {
    /// Starts the emulator with `args` (see `emulator/README.md`), from `EMULATOR_BIN` or
    /// `<target>/debug/momento-emulator`, and waits for its start-up line.
    ///
    /// ```no_run
    /// let emulator = e2e_tests::Emulator::start(&["--max-wait-ms", "1000"]);
    /// emulator.publish_direct("default-cache", "topic", "hello");
    /// ```
    pub fn start(args: &[&str]) -> Emulator {
        let bin = emulator_bin();
        assert!(
            bin.exists(),
            "{} is missing: run `cargo build -p momento-topics-emulator` or set EMULATOR_BIN",
            bin.display()
        );
        let mut cmd = guarded_command(&bin);
        cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut process = GuardedChild::spawn(cmd, "momento-emulator");
        let log_path = crate::artifacts_dir().join(format!("emulator-{}.log", process.id()));
        let stderr = process.child.stderr.take().expect("piped stderr");
        let log_thread = copy_to_file(stderr, log_path.clone());
        let stdout = process.child.stdout.take().expect("piped stdout");
        let line = match first_line(stdout) {
            Some(line) => line,
            None => {
                process.stop();
                let _ = log_thread.join();
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!("momento-emulator {args:?} printed no start-up line; its stderr:\n{log}");
            }
        };
        let startup: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("emulator start-up line {line:?}: {e}"));
        let field = |name: &str| startup[name].as_str().expect("start-up field").to_owned();
        let caches = startup["caches"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        Emulator { url: field("url"), token: field("token"), caches, log_path, process }
    }

    /// The emulator's process id.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Calls the admin API (`/_emulator/{path}`) with the all-access token and an optional JSON
    /// body; returns the answer whatever its status.
    pub fn admin(&self, method: &str, path: &str, json_body: Option<&Value>) -> HttpResponse {
        let url = format!("{}/_emulator/{}", self.url, path.trim_start_matches('/'));
        let auth = ("Authorization", self.token.as_str());
        match json_body {
            Some(body) => {
                let headers = [auth, ("Content-Type", "application/json")];
                http(method, &url, &headers, body.to_string().as_bytes())
            }
            None => http(method, &url, &[auth], b""),
        }
    }

    /// Replaces the fault settings, e.g. `json!({"p500": 1.0})`; missing fields are 0.
    pub fn set_faults(&self, faults: Value) {
        let resp = self.admin("PUT", "faults", Some(&faults));
        assert_eq!(resp.status, 204, "PUT /_emulator/faults {faults}: {}", resp.text());
    }

    /// Turns every fault off.
    pub fn clear_faults(&self) {
        self.set_faults(json!({}));
    }

    /// `GET /_emulator/stats`: `{"published","delivered","subscribers_waiting","faults_injected"}`.
    pub fn stats(&self) -> Value {
        let resp = self.admin("GET", "stats", None);
        assert_eq!(resp.status, 200, "GET /_emulator/stats: {}", resp.text());
        resp.json()
    }

    /// Drops a topic's messages and moves it to a new sequence page.
    pub fn evict(&self, cache: &str, topic: &str) {
        let path = format!("topics/{}/{}/evict", encode_segment(cache), encode_segment(topic));
        let resp = self.admin("POST", &path, None);
        assert_eq!(resp.status, 204, "evicting {cache}/{topic}: {}", resp.text());
    }

    /// Mints a token. `scopes` is the `scopes` array
    /// (`[{"role":"publish","cache":"c","topic":"*"}]`), or a whole request object
    /// (`{"scopes":[…],"expires_in_secs":N}`).
    pub fn mint_token(&self, scopes: Value) -> String {
        let request = if scopes.is_object() { scopes } else { json!({ "scopes": scopes }) };
        let resp = self.admin("POST", "tokens", Some(&request));
        assert_eq!(resp.status, 200, "POST /_emulator/tokens {request}: {}", resp.text());
        resp.json()["token"].as_str().expect("a token in the answer").to_owned()
    }

    /// Publishes text straight to the emulator (not through a worker); panics unless 204.
    pub fn publish_direct(&self, cache: &str, topic: &str, text: &str) {
        let url = self.topic_url(cache, topic);
        let headers = [("Authorization", self.token.as_str()), ("Content-Type", "text/plain")];
        let resp = http("POST", &url, &headers, text.as_bytes());
        assert_eq!(resp.status, 204, "publishing to {cache}/{topic}: {}", resp.text());
    }

    /// One subscribe poll straight to the emulator; returns the `{"items":[…]}` answer. An empty
    /// topic waits the emulator's `--max-wait-ms` first.
    pub fn subscribe_direct(
        &self,
        cache: &str,
        topic: &str,
        sequence_number: u64,
        sequence_page: u64,
    ) -> Value {
        let url = format!(
            "{}?sequence_number={sequence_number}&sequence_page={sequence_page}",
            self.topic_url(cache, topic)
        );
        let resp = http("GET", &url, &[("Authorization", self.token.as_str())], b"");
        assert_eq!(resp.status, 200, "subscribing to {cache}/{topic}: {}", resp.text());
        resp.json()
    }

    fn topic_url(&self, cache: &str, topic: &str) -> String {
        format!("{}/topics/{}/{}", self.url, encode_segment(cache), encode_segment(topic))
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("url", &self.url)
            .field("log_path", &self.log_path)
            .finish()
    }
}

/// `EMULATOR_BIN`, else `<target>/debug/momento-emulator`.
fn emulator_bin() -> PathBuf {
    match std::env::var_os("EMULATOR_BIN") {
        Some(bin) => PathBuf::from(bin),
        None => crate::target_dir().join("debug/momento-emulator"),
    }
}

/// Reads the first stdout line within [`STARTUP_TIMEOUT`], then keeps draining stdout in the
/// background. `None` if the process closed stdout or stayed silent.
fn first_line(stdout: impl Read + Send + 'static) -> Option<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = tx.send(line);
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    rx.recv_timeout(STARTUP_TIMEOUT).ok().filter(|line| !line.trim().is_empty())
}

/// Copies `from` into a new file at `path`, line by line and flushed, in a background thread.
pub(crate) fn copy_to_file(from: impl Read + Send + 'static, path: PathBuf) -> JoinHandle<()> {
    let mut file = std::fs::File::create(&path)
        .unwrap_or_else(|e| panic!("creating log {}: {e}", path.display()));
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            let _ = writeln!(file, "{line}");
        }
    })
}
