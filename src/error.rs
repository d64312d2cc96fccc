//! The crate's one error type.

use std::fmt;

/// What went wrong, coarsely enough to decide what to do about it.
///
/// Mirrors the official SDK's error codes where they exist. New kinds may be added.
///
/// ```
/// use momento_topics_worker::ErrorKind;
/// assert!(ErrorKind::Server.is_retryable());
/// assert!(!ErrorKind::Authentication.is_retryable());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request was malformed: a bad name, an oversize message, bad configuration (HTTP 400).
    InvalidArgument,
    /// The token is missing, invalid or expired (HTTP 401).
    Authentication,
    /// The token does not grant access to this cache or topic (HTTP 403).
    Permission,
    /// The cache (or, for cache reads, the key) does not exist (HTTP 404).
    NotFound,
    /// An account or rate limit was exceeded (HTTP 429).
    LimitExceeded,
    /// The request did not finish within its timeout.
    Timeout,
    /// The service failed (HTTP 5xx).
    Server,
    /// The request never got an HTTP answer (connection refused, reset, DNS...).
    Transport,
    /// The server answered something this client cannot understand.
    Protocol,
}

impl ErrorKind {
    /// Whether the same request may succeed if sent again later.
    ///
    /// Rate limits, timeouts, server and transport failures are transient; everything else
    /// needs a change by the caller first.
    ///
    /// ```
    /// use momento_topics_worker::ErrorKind;
    /// assert!(ErrorKind::LimitExceeded.is_retryable());
    /// assert!(!ErrorKind::NotFound.is_retryable());
    /// ```
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::LimitExceeded
                | ErrorKind::Timeout
                | ErrorKind::Server
                | ErrorKind::Transport
        )
    }

    /// The kind an HTTP error status maps to, per the Momento HTTP API reference.
    ///
    /// ```
    /// use momento_topics_worker::ErrorKind;
    /// assert_eq!(ErrorKind::from_status(403), ErrorKind::Permission);
    /// assert_eq!(ErrorKind::from_status(503), ErrorKind::Server);
    /// ```
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            400 | 413 | 414 | 422 => ErrorKind::InvalidArgument,
            401 => ErrorKind::Authentication,
            403 => ErrorKind::Permission,
            404 => ErrorKind::NotFound,
            408 | 504 => ErrorKind::Timeout,
            429 => ErrorKind::LimitExceeded,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Protocol,
        }
    }

    fn advice(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "fix the request; retrying it unchanged will fail again",
            ErrorKind::Authentication => "check that the API key or token is valid and not expired",
            ErrorKind::Permission => "use a token whose scopes include this cache and topic",
            ErrorKind::NotFound => "create the cache in the Momento console or check its name",
            ErrorKind::LimitExceeded => "slow down or ask Momento support for a higher limit",
            ErrorKind::Timeout => "retry; raise the timeout if this keeps happening",
            ErrorKind::Server => "retry later; the service is having trouble",
            ErrorKind::Transport => "check the endpoint URL and network; retry later",
            ErrorKind::Protocol => "the server's answer was not understood; report this",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Authentication => "authentication failed",
            ErrorKind::Permission => "permission denied",
            ErrorKind::NotFound => "not found",
            ErrorKind::LimitExceeded => "limit exceeded",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Server => "server error",
            ErrorKind::Transport => "transport error",
            ErrorKind::Protocol => "protocol error",
        };
        f.write_str(name)
    }
}

/// An error from this crate: a [`ErrorKind`], a message (the server's own words, verbatim, when
/// it sent some) and, for HTTP errors, the status.
///
/// Messages never contain a token.
///
/// ```
/// use momento_topics_worker::{Error, ErrorKind};
/// let e = Error::from_http_status(404, "Cache Not Found");
/// assert_eq!(e.kind(), ErrorKind::NotFound);
/// assert_eq!(e.message(), "Cache Not Found");
/// assert_eq!(e.status(), Some(404));
/// assert!(!e.is_retryable());
/// assert!(e.to_string().contains("Cache Not Found"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
}

impl Error {
    /// An error of `kind` with a message for the user.
    ///
    /// ```
    /// use momento_topics_worker::{Error, ErrorKind};
    /// let e = Error::new(ErrorKind::Timeout, "publish took longer than 5 s");
    /// assert!(e.is_retryable());
    /// ```
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into(), status: None }
    }

    /// The error for a non-success HTTP answer, keeping the server's message verbatim.
    ///
    /// ```
    /// use momento_topics_worker::{Error, ErrorKind};
    /// assert_eq!(Error::from_http_status(429, "slow down").kind(), ErrorKind::LimitExceeded);
    /// ```
    pub fn from_http_status(status: u16, server_message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::from_status(status),
            message: server_message.into(),
            status: Some(status),
        }
    }

    /// An invalid-argument error, for checks made before any request is sent.
    ///
    /// ```
    /// use momento_topics_worker::{Error, ErrorKind};
    /// assert_eq!(Error::invalid("empty name").kind(), ErrorKind::InvalidArgument);
    /// ```
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// A protocol error: the server answered something that could not be understood.
    ///
    /// ```
    /// use momento_topics_worker::{Error, ErrorKind};
    /// assert_eq!(Error::protocol("bad JSON").kind(), ErrorKind::Protocol);
    /// ```
    pub fn protocol(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Protocol, message)
    }

    /// What kind of failure this is.
    ///
    /// ```
    /// # use momento_topics_worker::{Error, ErrorKind};
    /// assert_eq!(Error::invalid("x").kind(), ErrorKind::InvalidArgument);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message: the server's own words for HTTP errors, else this crate's.
    ///
    /// ```
    /// # use momento_topics_worker::Error;
    /// assert_eq!(Error::invalid("x").message(), "x");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status, when the server answered with an error status.
    ///
    /// ```
    /// # use momento_topics_worker::Error;
    /// assert_eq!(Error::invalid("x").status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Whether sending the same request again later may succeed. See [`ErrorKind::is_retryable`].
    ///
    /// ```
    /// # use momento_topics_worker::Error;
    /// assert!(Error::from_http_status(500, "oops").is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        write!(f, " ({})", self.kind.advice())
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_the_documented_kinds() {
        let cases = [
            (400, ErrorKind::InvalidArgument),
            (401, ErrorKind::Authentication),
            (403, ErrorKind::Permission),
            (404, ErrorKind::NotFound),
            (429, ErrorKind::LimitExceeded),
            (500, ErrorKind::Server),
            (502, ErrorKind::Server),
            (503, ErrorKind::Server),
            (504, ErrorKind::Timeout),
            (302, ErrorKind::Protocol),
        ];
        for (status, kind) in cases {
            assert_eq!(ErrorKind::from_status(status), kind, "status {status}");
        }
    }

    #[test]
    fn only_transient_kinds_are_retryable() {
        let retryable: Vec<_> = [
            ErrorKind::InvalidArgument,
            ErrorKind::Authentication,
            ErrorKind::Permission,
            ErrorKind::NotFound,
            ErrorKind::LimitExceeded,
            ErrorKind::Timeout,
            ErrorKind::Server,
            ErrorKind::Transport,
            ErrorKind::Protocol,
        ]
        .into_iter()
        .filter(|k| k.is_retryable())
        .collect();
        assert_eq!(
            retryable,
            [ErrorKind::LimitExceeded, ErrorKind::Timeout, ErrorKind::Server, ErrorKind::Transport]
        );
    }

    #[test]
    fn display_keeps_server_message_and_says_what_to_do() {
        let e = Error::from_http_status(401, "Token expired");
        assert_eq!(
            e.to_string(),
            "authentication failed (HTTP 401): Token expired (check that the API key or token is valid and not expired)"
        );
    }
}
