//! A local emulator of the Momento Topics HTTP API (publish, long-poll subscribe) and the cache
//! HTTP API, with tokens, scopes, rate limits and fault injection, for tests.
//!
//! The command line, start-up line and admin API are fixed by `emulator-interface.md`; the
//! choices it leaves open are listed in this crate's README.

pub mod admin;
pub mod auth;
pub mod config;
pub mod faults;
pub mod http;
pub mod public;
pub mod server;
pub mod store;
pub mod topics;

use serde::Serialize;
use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

use config::Config;
use server::AppState;

/// The first line on stdout: `{"url":...,"token":...,"caches":[...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StartupLine {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// The all-access token.
    pub token: String,
    /// The caches that exist at start-up.
    pub caches: Vec<String>,
}

/// The base URL for a bound address; an unspecified address is reported as loopback.
///
/// ```
/// use momento_topics_emulator::base_url;
/// assert_eq!(base_url("0.0.0.0:80".parse().unwrap()), "http://127.0.0.1:80");
/// assert_eq!(base_url("[::1]:8".parse().unwrap()), "http://[::1]:8");
/// ```
pub fn base_url(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => format!("http://127.0.0.1:{}", a.port()),
        SocketAddr::V6(a) if a.ip().is_unspecified() => format!("http://[::1]:{}", a.port()),
        a => format!("http://{a}"),
    }
}

/// Binds, prints the start-up line (flushed), and serves until `shutdown` completes.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
    let listener = TcpListener::bind(config.listen).await?;
    let state = Arc::new(AppState::new(&config));
    let line = StartupLine {
        url: base_url(listener.local_addr()?),
        token: state.tokens.all_access().to_owned(),
        caches: config.caches.clone(),
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", serde_json::to_string(&line)?)?;
    stdout.flush()?;
    drop(stdout);
    eprintln!("momento-emulator listening on {}", line.url);
    server::serve(listener, state, shutdown).await;
    Ok(())
}
