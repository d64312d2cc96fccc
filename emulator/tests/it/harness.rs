//! Spawns the real `momento-emulator` binary and talks raw HTTP/1.1 to it over loopback.

use serde_json::Value;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// How long any single test request may take before the test fails instead of hanging.
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// A running emulator; killed (and reaped) on drop.
pub struct Emulator {
    child: Child,
    /// Held open so the emulator's stdout never sees a closed pipe.
    _stdout: BufReader<ChildStdout>,
    /// The start-up line, parsed.
    pub startup: Value,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The all-access token.
    pub token: String,
    /// The socket address from `url`.
    pub addr: SocketAddr,
    /// Stderr lines, when started with [`Emulator::start_logged`].
    pub log: Option<Receiver<String>>,
}

impl Emulator {
    /// Starts the emulator with `args`, discarding its log.
    pub fn start(args: &[&str]) -> Self {
        Self::spawn(args, false)
    }

    /// Starts the emulator with `args`, collecting its stderr lines in `log`.
    pub fn start_logged(args: &[&str]) -> Self {
        Self::spawn(args, true)
    }

    fn spawn(args: &[&str], logged: bool) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_momento-emulator"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if logged { Stdio::piped() } else { Stdio::null() })
            .spawn()
            .expect("spawning momento-emulator");
        let log = logged.then(|| forward_lines(child.stderr.take().unwrap()));
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).expect("reading the start-up line");
        let startup: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("start-up line {line:?}: {e}"));
        let url = startup["url"].as_str().expect("url").to_owned();
        let token = startup["token"].as_str().expect("token").to_owned();
        let addr = url.trim_start_matches("http://").parse().expect("url is http://ip:port");
        Emulator { child, _stdout: stdout, startup, url, token, addr, log }
    }

    /// A request with the all-access token in the `Authorization` header.
    pub fn call(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut all = vec![("Authorization", self.token.as_str())];
        all.extend_from_slice(headers);
        send(self.addr, method, target, &all, body)
    }

    /// Publishes text as `text/plain` with the all-access token; returns the status.
    pub fn publish(&self, cache: &str, topic: &str, text: &str) -> u16 {
        let target = format!("/topics/{cache}/{topic}");
        self.call("POST", &target, &[("Content-Type", "text/plain")], text.as_bytes()).status
    }

    /// Subscribes with the all-access token; panics unless the answer is 200.
    pub fn subscribe(&self, topic: &str, sequence_number: u64, sequence_page: u64) -> Value {
        subscribe_at(self.addr, &self.token, topic, sequence_number, sequence_page)
    }

    /// An admin call with the all-access token and a JSON body.
    pub fn admin(&self, method: &str, path: &str, body: &str) -> Resp {
        self.call(
            method,
            &format!("/_emulator/{path}"),
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    }

    /// `GET /_emulator/stats`.
    pub fn stats(&self) -> Value {
        let resp = self.admin("GET", "stats", "");
        assert_eq!(resp.status, 200, "{}", resp.text());
        resp.json()
    }

    /// Mints a token through the admin API.
    pub fn mint(&self, request: Value) -> String {
        let resp = self.admin("POST", "tokens", &request.to_string());
        assert_eq!(resp.status, 200, "{}", resp.text());
        resp.json()["token"].as_str().unwrap().to_owned()
    }

    /// Polls stats until `subscribers_waiting == n` (the condition we synchronise on).
    pub fn wait_for_waiting_subscribers(&self, n: u64) {
        wait_until(|| self.stats()["subscribers_waiting"] == n, "subscribers_waiting");
    }

    /// Sends `signal` (e.g. `TERM`) and waits for the process to exit.
    pub fn signal_and_wait(&mut self, signal: &str) -> ExitStatus {
        let pid = self.child.id().to_string();
        let status =
            Command::new("kill").args(["-s", signal, &pid]).status().expect("running kill");
        assert!(status.success(), "kill -s {signal} {pid}");
        self.child.wait().expect("waiting for the emulator")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Ignore errors: the process may already have exited (signal tests).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn forward_lines(stderr: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Subscribes with a token over a fresh connection; panics unless the answer is 200.
pub fn subscribe_at(
    addr: SocketAddr,
    token: &str,
    topic: &str,
    sequence_number: u64,
    sequence_page: u64,
) -> Value {
    let target =
        format!("/topics/default-cache/{topic}?sequence_number={sequence_number}&sequence_page={sequence_page}");
    let resp = send(addr, "GET", &target, &[("Authorization", token)], b"");
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.header("content-type"), Some("application/json"));
    resp.json()
}

/// Polls `condition` until it holds; fails the test after 20 s.
pub fn wait_until(mut condition: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        // Pacing for the poll only; correctness never depends on this duration.
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A parsed HTTP response.
#[derive(Debug)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Resp {
    /// The first header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body as UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("JSON body {:?}: {e}", self.text()))
    }
}

/// One request on a fresh connection (`Connection: close`), read to the end.
pub fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let raw = exchange(addr, &request_bytes(method, target, headers, body)).expect("HTTP exchange");
    parse_response(&raw)
}

/// The bytes of an HTTP/1.1 request; `Content-Type` only when given in `headers`.
pub fn request_bytes(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head =
        format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if !body.is_empty() || matches!(method, "POST" | "PUT") {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Writes `request` and returns every byte the server sends before closing. A reset after zero
/// bytes counts as "no bytes" (that is what a dropped connection may look like).
pub fn exchange(addr: SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.write_all(request)?;
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => Ok(received),
        Err(e) if e.kind() == ErrorKind::ConnectionReset => Ok(received),
        Err(e) => Err(e),
    }
}

fn parse_response(raw: &[u8]) -> Resp {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response head");
    let head = std::str::from_utf8(&raw[..split]).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse::<usize>().unwrap());
    if let Some(length) = length {
        assert!(body.len() >= length, "truncated body");
        body.truncate(length);
    }
    Resp { status, headers, body }
}
