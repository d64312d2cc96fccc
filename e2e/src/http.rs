//! A small blocking HTTP client for tests: every status is a normal answer.

use serde_json::Value;
use std::io::Read;
use std::sync::OnceLock;
use std::time::Duration;

/// Default deadline for a whole exchange (connect, send, read the whole body).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// One answer, read to the end.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// The body as UTF-8 (lossy, so a panic message never hides the body).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics with the body if it isn't.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("status {}, body is not JSON ({e}): {}", self.status, self.text())
        })
    }

    /// The body as NDJSON: one JSON value per non-empty line; panics on a bad line.
    pub fn ndjson(&self) -> Vec<Value> {
        let text = self.text();
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|e| panic!("NDJSON line {line:?}: {e}"))
            })
            .collect()
    }
}

/// Sends one request with a 60 s deadline; panics only when no answer came (connection
/// refused, reset, timeout). Non-2xx statuses are returned like any other.
///
/// ```no_run
/// let resp = e2e_tests::http("GET", "http://127.0.0.1:8787/", &[("Accept", "text/plain")], b"");
/// println!("{} {}", resp.status, resp.text());
/// ```
pub fn http(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
    http_with_timeout(method, url, headers, body, DEFAULT_TIMEOUT)
}

/// [`http`] with a custom deadline for the whole exchange, body included.
pub fn http_with_timeout(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> HttpResponse {
    try_http(method, url, headers, body, timeout)
        .unwrap_or_else(|e| panic!("{method} {url}: no HTTP answer: {e}"))
}

/// [`http_with_timeout`] that returns transport failures as `Err` instead of panicking.
pub fn try_http(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> Result<HttpResponse, String> {
    let mut request = agent().request(method, url).timeout(timeout);
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let outcome = if body.is_empty() && matches!(method, "GET" | "HEAD" | "DELETE" | "OPTIONS") {
        request.call()
    } else {
        request.send_bytes(body)
    };
    let response = match outcome {
        Ok(response) | Err(ureq::Error::Status(_, response)) => response,
        Err(ureq::Error::Transport(e)) => return Err(e.to_string()),
    };
    read_response(response)
}

fn read_response(response: ureq::Response) -> Result<HttpResponse, String> {
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .flat_map(|name| {
            let values: Vec<String> = response.all(&name).into_iter().map(str::to_owned).collect();
            values.into_iter().map(move |v| (name.to_ascii_lowercase(), v))
        })
        .collect();
    let mut body = Vec::new();
    response.into_reader().read_to_end(&mut body).map_err(|e| format!("reading the body: {e}"))?;
    Ok(HttpResponse { status, headers, body })
}

/// One shared agent: no redirects followed, per-operation timeouts.
fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::AgentBuilder::new()
            .redirects(0)
            // A fresh connection per request: a server that closes a connection right after
            // answering (as the emulator may after an error) must not fail the next request.
            .max_idle_connections(0)
            .timeout_connect(DEFAULT_TIMEOUT)
            .timeout_read(DEFAULT_TIMEOUT)
            .timeout_write(DEFAULT_TIMEOUT)
            .build()
    })
}

/// Percent-encodes one URL path segment (everything but unreserved characters).
///
/// ```
/// assert_eq!(e2e_tests::encode_segment("a b/c"), "a%20b%2Fc");
/// ```
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
