//! HTTP answers as data: a status, a few headers and a JSON body.
//!
//! Every error body has the same shape, `{"error":{"code","message","status"}}`, and its message
//! comes from code in this crate or from Momento's error text — never from a secret, and never
//! echoing the request body.

use momento_topics_worker::{Error as TopicError, ErrorKind};
use serde::Serialize;
use serde_json::json;

use crate::verify::VerifyError;

/// Seconds a sender is asked to wait before retrying after a 503.
pub const RETRY_AFTER_SECS: u32 = 5;

/// An HTTP answer: status, extra headers, and a body (JSON unless `content_type` says otherwise).
///
/// ```
/// use webhook_relay::reply::Reply;
/// let reply = Reply::json(200, &serde_json::json!({"status": "published"}));
/// assert_eq!(reply.status, 200);
/// assert_eq!(reply.content_type, "application/json");
/// assert_eq!(reply.body, r#"{"status":"published"}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// Headers besides `Content-Type`, such as `Retry-After` or `Allow`.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: String,
}

impl Reply {
    /// A JSON answer.
    ///
    /// ```
    /// # use webhook_relay::reply::Reply;
    /// assert_eq!(Reply::json(202, &[1, 2]).body, "[1,2]");
    /// ```
    pub fn json(status: u16, value: &impl Serialize) -> Reply {
        // Serialising plain data (maps, strings, numbers) cannot fail.
        let body = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned());
        Reply { status, content_type: "application/json", headers: Vec::new(), body }
    }

    /// The value of header `name` (case-insensitive), if set.
    ///
    /// ```
    /// # use webhook_relay::reply::RelayError;
    /// let reply = RelayError::Unavailable("busy".into()).into_reply();
    /// assert_eq!(reply.header("retry-after"), Some("5"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Why the relay refused or failed a request. Each maps to one status and a stable `code`.
///
/// ```
/// use webhook_relay::reply::RelayError;
/// let err = RelayError::PayloadTooLarge { limit: 1024 };
/// assert_eq!(err.status(), 413);
/// assert_eq!(err.code(), "payload_too_large");
/// let reply = err.into_reply();
/// assert!(reply.body.contains("1024 bytes"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RelayError {
    /// No route for this path (404).
    NotFound,
    /// `POST /hooks/{source}` for a source that is not configured (404).
    UnknownSource(String),
    /// No claim-checked body under this key (404): it expired, or never existed.
    ClaimNotFound,
    /// The path exists but not for this method (405); `allow` lists the methods that work.
    MethodNotAllowed {
        /// Value of the `Allow` header.
        allow: &'static str,
    },
    /// The body is over the source's `max_body_bytes` (413).
    PayloadTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The request cannot be understood (400): a bad `Content-Length`, a body that does not
    /// match its declared JSON content type, a bad `Last-Event-ID`, a bad name.
    Malformed(String),
    /// Signature verification failed (401).
    Unauthorized(VerifyError),
    /// The relay's own configuration is unusable (500); an operator must fix it.
    Config(String),
    /// Momento could not be reached or was busy, even after retries (503 with `Retry-After`):
    /// nothing was published and the sender should retry.
    Unavailable(String),
    /// Momento refused the request for a reason a retry cannot fix (502): a bad key, a missing
    /// cache, missing permissions.
    Upstream(String),
}

impl RelayError {
    /// The HTTP status.
    ///
    /// ```
    /// # use webhook_relay::reply::RelayError;
    /// assert_eq!(RelayError::Unavailable("x".into()).status(), 503);
    /// ```
    pub fn status(&self) -> u16 {
        match self {
            RelayError::NotFound | RelayError::UnknownSource(_) | RelayError::ClaimNotFound => 404,
            RelayError::MethodNotAllowed { .. } => 405,
            RelayError::PayloadTooLarge { .. } => 413,
            RelayError::Malformed(_) => 400,
            RelayError::Unauthorized(e) => e.http_status(),
            RelayError::Config(_) => 500,
            RelayError::Unavailable(_) => 503,
            RelayError::Upstream(_) => 502,
        }
    }

    /// A stable machine-readable code.
    ///
    /// ```
    /// # use webhook_relay::reply::RelayError;
    /// # use webhook_relay::verify::VerifyError;
    /// assert_eq!(RelayError::Unauthorized(VerifyError::InvalidSignature).code(), "invalid_signature");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            RelayError::NotFound => "not_found",
            RelayError::UnknownSource(_) => "unknown_source",
            RelayError::ClaimNotFound => "claim_not_found",
            RelayError::MethodNotAllowed { .. } => "method_not_allowed",
            RelayError::PayloadTooLarge { .. } => "payload_too_large",
            RelayError::Malformed(_) => "malformed_request",
            RelayError::Unauthorized(e) => e.code(),
            RelayError::Config(_) => "invalid_config",
            RelayError::Unavailable(_) => "publish_unavailable",
            RelayError::Upstream(_) => "publish_rejected",
        }
    }

    /// A message for the caller: what went wrong and what to do.
    ///
    /// ```
    /// # use webhook_relay::reply::RelayError;
    /// assert!(RelayError::UnknownSource("gh".into()).message().contains("`gh`"));
    /// ```
    pub fn message(&self) -> String {
        match self {
            RelayError::NotFound => "no such route; see GET / for the viewer".to_owned(),
            RelayError::UnknownSource(name) => {
                format!("no webhook source `{name}` is configured in RELAY_SOURCES")
            }
            RelayError::ClaimNotFound => "no claim-checked body under this key: it expired \
                                             (claim_check_ttl_secs) or never existed"
                .to_owned(),
            RelayError::MethodNotAllowed { allow } => {
                format!("method not allowed here; use {allow}")
            }
            RelayError::PayloadTooLarge { limit } => {
                format!("the body is larger than this source's limit of {limit} bytes")
            }
            RelayError::Malformed(reason) => reason.clone(),
            RelayError::Unauthorized(e) => e.to_string(),
            RelayError::Config(reason) => format!("relay misconfigured: {reason}"),
            RelayError::Unavailable(reason) => format!(
                "could not publish to Momento, nothing was published; retry later ({reason})"
            ),
            RelayError::Upstream(reason) => {
                format!("Momento refused the request, nothing was published ({reason})")
            }
        }
    }

    /// Maps a Momento error: transient ones become 503 (the sender retries), arguments the
    /// relay built itself become 500, and refusals (auth, permissions, missing cache) 502.
    ///
    /// ```
    /// use momento_topics_worker::Error;
    /// use webhook_relay::reply::RelayError;
    /// assert_eq!(RelayError::from_momento(&Error::from_http_status(500, "")).status(), 503);
    /// assert_eq!(RelayError::from_momento(&Error::from_http_status(429, "")).status(), 503);
    /// assert_eq!(RelayError::from_momento(&Error::from_http_status(404, "Cache Not Found")).status(), 502);
    /// assert_eq!(RelayError::from_momento(&Error::invalid("bad topic")).status(), 500);
    /// ```
    pub fn from_momento(error: &TopicError) -> RelayError {
        let text = error.to_string();
        match error.kind() {
            _ if error.is_retryable() => RelayError::Unavailable(text),
            ErrorKind::InvalidArgument => RelayError::Config(text),
            _ => RelayError::Upstream(text),
        }
    }

    /// The full answer: JSON body, plus `Retry-After` on 503 and `Allow` on 405.
    ///
    /// ```
    /// # use webhook_relay::reply::RelayError;
    /// let reply = RelayError::MethodNotAllowed { allow: "POST" }.into_reply();
    /// assert_eq!(reply.header("Allow"), Some("POST"));
    /// assert!(reply.body.starts_with(r#"{"error":{"code":"method_not_allowed""#));
    /// ```
    pub fn into_reply(self) -> Reply {
        let body = json!({
            "error": { "code": self.code(), "message": self.message(), "status": self.status() }
        });
        let mut reply = Reply::json(self.status(), &body);
        match self {
            RelayError::Unavailable(_) => {
                reply.headers.push(("Retry-After", RETRY_AFTER_SECS.to_string()));
            }
            RelayError::MethodNotAllowed { allow } => reply.headers.push(("Allow", allow.into())),
            _ => {}
        }
        reply
    }
}

impl std::fmt::Display for RelayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status(), self.code(), self.message())
    }
}

impl std::error::Error for RelayError {}

impl From<VerifyError> for RelayError {
    /// Request failures are 401s; configuration failures (no secret, bad secret) are 500s.
    fn from(e: VerifyError) -> Self {
        match e.http_status() {
            401 => RelayError::Unauthorized(e),
            _ => RelayError::Config(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(reply: &Reply) -> serde_json::Value {
        serde_json::from_str(&reply.body).expect("JSON body")
    }

    #[test]
    fn every_error_is_json_with_its_status_and_code() {
        let cases = [
            (RelayError::NotFound, 404, "not_found"),
            (RelayError::UnknownSource("x".into()), 404, "unknown_source"),
            (RelayError::ClaimNotFound, 404, "claim_not_found"),
            (RelayError::MethodNotAllowed { allow: "GET" }, 405, "method_not_allowed"),
            (RelayError::PayloadTooLarge { limit: 10 }, 413, "payload_too_large"),
            (RelayError::Malformed("bad".into()), 400, "malformed_request"),
            (RelayError::Unauthorized(VerifyError::InvalidSignature), 401, "invalid_signature"),
            (RelayError::Config("c".into()), 500, "invalid_config"),
            (RelayError::Unavailable("u".into()), 503, "publish_unavailable"),
            (RelayError::Upstream("r".into()), 502, "publish_rejected"),
        ];
        for (error, status, code) in cases {
            let reply = error.into_reply();
            assert_eq!(reply.status, status);
            assert_eq!(reply.content_type, "application/json");
            let body = parsed(&reply);
            assert_eq!(body["error"]["code"], code);
            assert_eq!(body["error"]["status"], status);
            assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
    }

    #[test]
    fn only_unavailable_asks_for_a_retry() {
        let reply = RelayError::Unavailable("server error".into()).into_reply();
        assert_eq!(reply.headers, vec![("Retry-After", "5".to_owned())]);
        assert_eq!(RelayError::Upstream("x".into()).into_reply().headers, vec![]);
    }

    #[test]
    fn verify_config_errors_become_500s_and_request_errors_401s() {
        assert_eq!(RelayError::from(VerifyError::NoSecrets).status(), 500);
        assert_eq!(RelayError::from(VerifyError::NoSecrets).code(), "invalid_config");
        let missing = RelayError::from(VerifyError::MissingHeader("Stripe-Signature".into()));
        assert_eq!((missing.status(), missing.code()), (401, "missing_header"));
    }

    #[test]
    fn momento_errors_map_by_retryability() {
        let timeout = TopicError::new(ErrorKind::Timeout, "publish took longer than 2 s");
        assert_eq!(RelayError::from_momento(&timeout).status(), 503);
        let transport = TopicError::new(ErrorKind::Transport, "connection refused");
        assert_eq!(RelayError::from_momento(&transport).status(), 503);
        let denied = TopicError::from_http_status(403, "Insufficient permissions");
        let mapped = RelayError::from_momento(&denied);
        assert_eq!(mapped.status(), 502);
        assert!(mapped.message().contains("Insufficient permissions"));
    }
}
