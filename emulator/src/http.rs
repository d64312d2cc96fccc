//! HTTP plumbing shared by the public and admin APIs: errors, responses, CORS, paths, query
//! strings and bounded body reads.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use percent_encoding::percent_decode_str;
use serde::Serialize;
use std::fmt;

/// The response type of every handler.
pub type HttpResponse = Response<Full<Bytes>>;

/// The content type of every error body (errors are plain text, like the real service's).
pub const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

/// How far past its limit an oversized body is still read (and discarded), so that the client
/// finishes sending and can read the 400 instead of seeing a reset connection.
const DRAIN_ALLOWANCE: usize = 16 * 1024 * 1024;

/// An error answer: a status and a plain-text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body, sent verbatim as `text/plain`.
    pub message: String,
}

impl ApiError {
    /// An error with any status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into() }
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404 with any message.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 404 `Cache Not Found`, the real service's wording.
    pub fn cache_not_found() -> Self {
        Self::not_found("Cache Not Found")
    }

    /// 429.
    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, message)
    }

    /// 405 for a known path with the wrong method.
    pub fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
    }

    /// The error as a response.
    pub fn into_response(self) -> HttpResponse {
        text(self.status, self.message)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

/// A result whose error is an answer too.
pub type ApiResult = Result<HttpResponse, ApiError>;

/// A plain-text response.
pub fn text(status: StatusCode, body: impl Into<String>) -> HttpResponse {
    with_body(status, TEXT_PLAIN, Bytes::from(body.into()))
}

/// A JSON response.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> HttpResponse {
    let body = serde_json::to_vec(value).expect("serialising our own types cannot fail");
    with_body(status, "application/json", Bytes::from(body))
}

/// A response with a body of the given content type.
pub fn with_body(status: StatusCode, content_type: &'static str, body: Bytes) -> HttpResponse {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// 204 with no body.
pub fn no_content() -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// Adds the CORS header every response carries, so browsers can read errors too.
pub fn add_cors(response: &mut HttpResponse) {
    let headers = response.headers_mut();
    headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    // Lets browser code read the error body's type.
    headers.insert("access-control-expose-headers", HeaderValue::from_static("Content-Type"));
}

/// The answer to a CORS preflight: 204 allowing our methods and the requested headers.
pub fn preflight(request_headers: &HeaderMap) -> HttpResponse {
    let mut response = no_content();
    let allow_headers = request_headers
        .get("access-control-request-headers")
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("Authorization, Content-Type"));
    let headers = response.headers_mut();
    headers.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"),
    );
    headers.insert("access-control-allow-headers", allow_headers);
    headers.insert("access-control-max-age", HeaderValue::from_static("86400"));
    response
}

/// Splits a path into percent-decoded segments, ignoring the leading slash.
///
/// ```
/// use momento_topics_emulator::http::path_segments;
/// assert_eq!(path_segments("/topics/my%20cache/a%2Fb").unwrap(), ["topics", "my cache", "a/b"]);
/// ```
pub fn path_segments(path: &str) -> Result<Vec<String>, ApiError> {
    path.trim_start_matches('/').split('/').map(decode_component).collect()
}

fn decode_component(raw: &str) -> Result<String, ApiError> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ApiError::bad_request("Path is not valid UTF-8 after percent-decoding"))
}

/// A parsed query string. `+` means a space, as in HTML forms; use `%2B` for a plus sign.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses `a=1&b=2`; pairs that are not valid UTF-8 after decoding are a 400.
    ///
    /// ```
    /// use momento_topics_emulator::http::Query;
    /// let q = Query::parse(Some("key=a%2Bb+c&ttl_seconds=5")).unwrap();
    /// assert_eq!(q.get("key"), Some("a+b c"));
    /// assert_eq!(q.get("missing"), None);
    /// ```
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                Ok((decode_query_part(k)?, decode_query_part(v)?))
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(Query { pairs })
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first value of `name` as an unsigned integer; 400 when it is not one.
    pub fn get_u64(&self, name: &str) -> Result<Option<u64>, ApiError> {
        self.get(name)
            .map(|v| {
                v.trim().parse().map_err(|_| {
                    ApiError::bad_request(format!("{name} must be a non-negative integer"))
                })
            })
            .transpose()
    }
}

fn decode_query_part(raw: &str) -> Result<String, ApiError> {
    decode_component(&raw.replace('+', " ")).map_err(|_| {
        ApiError::bad_request("Query string is not valid UTF-8 after percent-decoding")
    })
}

/// The request target for the log: the path and query with every `token` parameter removed.
///
/// ```
/// use momento_topics_emulator::http::redacted_target;
/// assert_eq!(redacted_target("/t/c/x", Some("token=s3cret&sequence_number=2")), "/t/c/x?sequence_number=2");
/// assert_eq!(redacted_target("/t/c/x", Some("token=s3cret")), "/t/c/x");
/// ```
pub fn redacted_target(path: &str, query: Option<&str>) -> String {
    let kept: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let key = p.split_once('=').map_or(*p, |(k, _)| k);
            decode_query_part(key).map_or(true, |k| k != "token")
        })
        .collect();
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Longer than the limit.
    TooLarge,
    /// The connection failed while reading.
    Io(hyper::Error),
}

/// Reads a whole body of at most `limit` bytes. Oversized bodies are still drained (up to a
/// generous allowance) so the client gets to read the error answer.
pub async fn read_body(
    mut body: Incoming,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Bytes, BodyError> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit.saturating_add(DRAIN_ALLOWANCE)) {
        return Err(BodyError::TooLarge);
    }
    let mut buf = Vec::with_capacity(declared.unwrap_or(0).min(limit));
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(BodyError::Io)?.into_data() else { continue };
        total = total.saturating_add(data.len());
        if total > limit.saturating_add(DRAIN_ALLOWANCE) {
            return Err(BodyError::TooLarge);
        }
        if total <= limit {
            buf.extend_from_slice(&data);
        }
    }
    if total > limit {
        return Err(BodyError::TooLarge);
    }
    Ok(Bytes::from(buf))
}

/// The media type of a `Content-Type` value, lower-cased and without parameters.
///
/// ```
/// use momento_topics_emulator::http::media_type;
/// assert_eq!(media_type("Application/Octet-Stream; x=y"), "application/octet-stream");
/// ```
pub fn media_type(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_order_and_other_parameters() {
        assert_eq!(
            redacted_target("/p", Some("a=1&token=x&b=2&%74oken=y")),
            "/p?a=1&b=2",
            "percent-encoded names are redacted too"
        );
        assert_eq!(redacted_target("/p", None), "/p");
    }

    #[test]
    fn bad_numbers_are_400() {
        let q = Query::parse(Some("sequence_number=abc")).unwrap();
        assert_eq!(q.get_u64("sequence_number").unwrap_err().status, StatusCode::BAD_REQUEST);
        assert_eq!(Query::parse(Some("n=7")).unwrap().get_u64("n").unwrap(), Some(7));
    }

    #[test]
    fn invalid_utf8_in_the_path_is_400() {
        assert_eq!(path_segments("/topics/%FF").unwrap_err().status, StatusCode::BAD_REQUEST);
    }
}
