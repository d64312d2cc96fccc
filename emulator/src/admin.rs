//! The admin API under `/_emulator/`: loopback peers only, all-access token only, never faulted.

use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::auth::{request_token, Scope};
use crate::faults::FaultSettings;
use crate::http::{self, read_body, ApiError, ApiResult, Query};
use crate::server::AppState;

/// Admin request bodies are small JSON documents.
const MAX_ADMIN_BODY: usize = 64 * 1024;

/// `POST /_emulator/tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    #[serde(default)]
    scopes: Vec<Scope>,
    /// `None`: never expires. `0`: already expired (handy for testing 401s).
    #[serde(default)]
    expires_in_secs: Option<u64>,
}

#[derive(Debug, Serialize)]
struct TokenResponse {
    token: String,
}

/// Handles a request whose first path segment is `_emulator`.
pub async fn handle(
    state: &AppState,
    peer: SocketAddr,
    req: Request<Incoming>,
    segments: Vec<String>,
) -> ApiResult {
    // A dual-stack listener sees IPv4 loopback as ::ffff:127.0.0.1.
    if !peer.ip().to_canonical().is_loopback() {
        return Err(ApiError::forbidden("The admin API only answers loopback peers"));
    }
    authenticate(state, &req)?;
    let path: Vec<&str> = segments.iter().skip(1).map(String::as_str).collect();
    match (req.method().clone(), path.as_slice()) {
        (Method::POST, ["tokens"]) => mint_token(state, req).await,
        (Method::POST, ["caches", cache]) => create_cache(state, cache),
        (Method::DELETE, ["caches", cache]) => delete_cache(state, cache),
        (Method::POST, ["topics", cache, topic, "evict"]) => evict(state, cache, topic),
        (Method::PUT, ["faults"]) => set_faults(state, req).await,
        (Method::GET, ["faults"]) => Ok(http::json(StatusCode::OK, &state.faults.settings())),
        (Method::GET, ["stats"]) => Ok(http::json(StatusCode::OK, &stats(state))),
        (_, ["tokens" | "faults" | "stats"] | ["caches", _] | ["topics", _, _, "evict"]) => {
            Err(ApiError::method_not_allowed())
        }
        _ => Err(ApiError::not_found("Not Found")),
    }
}

fn authenticate(state: &AppState, req: &Request<Incoming>) -> Result<(), ApiError> {
    let query = Query::parse(req.uri().query())?;
    let grant = state.tokens.grant(request_token(req.headers(), &query)?)?;
    if grant.is_all_access() {
        Ok(())
    } else {
        Err(ApiError::forbidden("The admin API needs the all-access token"))
    }
}

async fn read_json<T: for<'de> Deserialize<'de>>(req: Request<Incoming>) -> Result<T, ApiError> {
    let (parts, body) = req.into_parts();
    let bytes = read_body(body, &parts.headers, MAX_ADMIN_BODY)
        .await
        .map_err(|_| ApiError::bad_request("Could not read the request body (at most 64 KiB)"))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}")))
}

async fn mint_token(state: &AppState, req: Request<Incoming>) -> ApiResult {
    let request: TokenRequest = read_json(req).await?;
    let expires_at = match request.expires_in_secs {
        Some(secs) => {
            Some(Instant::now().checked_add(Duration::from_secs(secs)).ok_or_else(|| {
                ApiError::bad_request("expires_in_secs is too large; leave it out for no expiry")
            })?)
        }
        None => None,
    };
    let token = state.tokens.mint(request.scopes, expires_at);
    Ok(http::json(StatusCode::OK, &TokenResponse { token }))
}

fn create_cache(state: &AppState, cache: &str) -> ApiResult {
    if cache.trim().is_empty() {
        return Err(ApiError::bad_request("The cache name must not be blank"));
    }
    state.store.create_cache(cache);
    Ok(http::no_content())
}

fn delete_cache(state: &AppState, cache: &str) -> ApiResult {
    state.store.delete_cache(cache)?;
    Ok(http::no_content())
}

fn evict(state: &AppState, cache: &str, topic: &str) -> ApiResult {
    state.store.evict(cache, topic)?;
    Ok(http::no_content())
}

async fn set_faults(state: &AppState, req: Request<Incoming>) -> ApiResult {
    let settings: FaultSettings = read_json(req).await?;
    settings.validate().map_err(ApiError::bad_request)?;
    state.faults.replace(settings);
    Ok(http::no_content())
}

fn stats(state: &AppState) -> crate::store::StatsSnapshot {
    state.store.stats.snapshot(state.faults.counts())
}
