//! The HTTP/1.1 server: accepting connections, routing, CORS, dropped connections and the
//! one-line-per-request log.

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

use crate::auth::{RateLimiter, Tokens};
use crate::config::Config;
use crate::faults::Faults;
use crate::http::{self, path_segments, redacted_target, ApiError, HttpResponse};
use crate::store::Store;
use crate::{admin, public};

/// Everything a request handler can reach.
#[derive(Debug)]
pub struct AppState {
    /// Caches, topics, items and counters.
    pub store: Store,
    /// Known tokens.
    pub tokens: Tokens,
    /// Fault settings and counters.
    pub faults: Faults,
    /// Per-token limit on the public API, if any.
    pub limiter: Option<RateLimiter>,
    /// How long a subscribe waits for a message.
    pub max_wait: Duration,
    /// Whether `sequence_number=0` skips history.
    pub start_at_latest: bool,
    /// Largest publish body.
    pub max_message_bytes: usize,
}

impl AppState {
    /// State for a configuration; generates the all-access token when none is given.
    pub fn new(config: &Config) -> Self {
        let token = config.token.clone().unwrap_or_else(crate::auth::generate_token);
        AppState {
            store: Store::new(&config.caches, config.retention),
            tokens: Tokens::new(token),
            faults: Faults::new(config.faults),
            limiter: config.rate_limit.map(RateLimiter::new),
            max_wait: config.max_wait,
            start_at_latest: config.start_at_latest,
            max_message_bytes: config.max_message_bytes,
        }
    }
}

/// What to do with a request.
#[derive(Debug)]
pub enum Outcome {
    /// Send this response.
    Respond(HttpResponse),
    /// Close the connection without sending anything (an injected fault).
    Drop,
}

/// Returned to hyper to make it abort the connection: hyper writes nothing for a service error.
#[derive(Debug)]
pub struct DroppedConnection;

impl fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DroppedConnection {}

/// Accepts connections until `shutdown` completes, then returns (in-flight requests are abandoned).
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => spawn_connection(stream, peer, Arc::clone(&state)),
                Err(e) => {
                    // Typically EMFILE: back off briefly instead of spinning on the error.
                    eprintln!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
}

fn spawn_connection(stream: TcpStream, peer: SocketAddr, state: Arc<AppState>) {
    // Long-poll answers are small and latency matters more than batching.
    let _ = stream.set_nodelay(true);
    tokio::spawn(async move {
        let service = service_fn(move |req| {
            let state = Arc::clone(&state);
            async move { handle(&state, peer, req).await }
        });
        // Errors here are client disconnects or our own injected drops; nothing to report.
        let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
    });
}

/// One request, end to end: routing, CORS and the log line.
pub async fn handle(
    state: &AppState,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<HttpResponse, DroppedConnection> {
    let mut log = RequestLog::start(&req);
    let outcome = route(state, peer, req).await;
    log.status = Some(match &outcome {
        Outcome::Respond(r) => r.status().as_u16().to_string(),
        Outcome::Drop => "dropped".to_owned(),
    });
    drop(log);
    match outcome {
        Outcome::Respond(mut response) => {
            http::add_cors(&mut response);
            Ok(response)
        }
        Outcome::Drop => Err(DroppedConnection),
    }
}

/// Writes the request's log line when dropped, so a long-poll abandoned by its client (hyper
/// drops the handler) is logged too, as `cancelled`.
struct RequestLog {
    method: Method,
    target: String,
    started: Instant,
    status: Option<String>,
}

impl RequestLog {
    fn start(req: &Request<Incoming>) -> Self {
        RequestLog {
            method: req.method().clone(),
            target: redacted_target(req.uri().path(), req.uri().query()),
            started: Instant::now(),
            status: None,
        }
    }
}

impl Drop for RequestLog {
    fn drop(&mut self) {
        let status = self.status.as_deref().unwrap_or("cancelled");
        let ms = self.started.elapsed().as_secs_f64() * 1000.0;
        eprintln!("{} {} {status} {ms:.1}ms", self.method, self.target);
    }
}

async fn route(state: &AppState, peer: SocketAddr, req: Request<Incoming>) -> Outcome {
    if req.method() == Method::OPTIONS {
        return Outcome::Respond(http::preflight(req.headers()));
    }
    let segments = match path_segments(req.uri().path()) {
        Ok(s) => s,
        Err(e) => return Outcome::Respond(e.into_response()),
    };
    match segments.first().map(String::as_str) {
        Some("topics" | "cache") => public::handle(state, req, segments).await,
        Some("_emulator") => Outcome::Respond(
            admin::handle(state, peer, req, segments).await.unwrap_or_else(ApiError::into_response),
        ),
        _ => Outcome::Respond(ApiError::not_found("Not Found").into_response()),
    }
}
