//! Why a request (or a source's configuration) was rejected.

use std::fmt;

/// Why verification failed, or why a [`Verifier`](super::Verifier) could not be built.
///
/// Two families, told apart by [`http_status`](Self::http_status): the request's fault (401:
/// the relay must publish nothing) and the relay's configuration (500: nobody can get in until an
/// operator fixes it). No message ever contains a secret, so `Display` is safe to log and to send
/// back to the caller.
///
/// ```
/// use webhook_relay::verify::VerifyError;
///
/// let err = VerifyError::MissingHeader("X-Hub-Signature-256".into());
/// assert_eq!(err.http_status(), 401);
/// assert_eq!(err.code(), "missing_header");
/// assert!(err.to_string().contains("X-Hub-Signature-256"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// A header the scheme needs is absent.
    MissingHeader(String),
    /// A header is present but cannot be parsed: no expected prefix, a timestamp that is not a
    /// Unix time in seconds, no signature of the accepted version.
    MalformedHeader {
        /// The header's name.
        header: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No presented signature matches any configured secret (this includes signatures that are
    /// not valid hex or base64).
    InvalidSignature,
    /// The signature is genuine but its timestamp is older than the tolerance: a replay, or the
    /// sender's clock is behind.
    TimestampTooOld {
        /// Seconds between the signed timestamp and now.
        age_secs: u64,
        /// The configured tolerance.
        tolerance_secs: u64,
    },
    /// The signature is genuine but its timestamp is further ahead than the tolerance.
    TimestampInFuture {
        /// Seconds between now and the signed timestamp.
        ahead_secs: u64,
        /// The configured tolerance.
        tolerance_secs: u64,
    },
    /// The source has no secrets configured.
    NoSecrets,
    /// A configured secret cannot be used. Identified by position, never by value.
    InvalidSecret {
        /// Position of the secret in the configured list (0 = first).
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The scheme itself is unusable (a generic scheme without a header name, …).
    InvalidConfig(&'static str),
}

impl VerifyError {
    /// The HTTP status to answer with: 401 when the request failed verification, 500 when the
    /// relay's configuration is at fault.
    ///
    /// ```
    /// use webhook_relay::verify::VerifyError;
    /// assert_eq!(VerifyError::InvalidSignature.http_status(), 401);
    /// assert_eq!(VerifyError::NoSecrets.http_status(), 500);
    /// ```
    pub fn http_status(&self) -> u16 {
        if self.is_config_error() {
            500
        } else {
            401
        }
    }

    /// A stable, machine-readable name for the JSON error body and for metrics.
    ///
    /// ```
    /// use webhook_relay::verify::VerifyError;
    /// assert_eq!(VerifyError::InvalidSignature.code(), "invalid_signature");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::MissingHeader(_) => "missing_header",
            VerifyError::MalformedHeader { .. } => "malformed_header",
            VerifyError::InvalidSignature => "invalid_signature",
            VerifyError::TimestampTooOld { .. } => "timestamp_too_old",
            VerifyError::TimestampInFuture { .. } => "timestamp_in_future",
            VerifyError::NoSecrets => "no_secrets",
            VerifyError::InvalidSecret { .. } => "invalid_secret",
            VerifyError::InvalidConfig(_) => "invalid_config",
        }
    }

    fn is_config_error(&self) -> bool {
        matches!(
            self,
            VerifyError::NoSecrets
                | VerifyError::InvalidSecret { .. }
                | VerifyError::InvalidConfig(_)
        )
    }

    pub(super) fn missing(header: &str) -> Self {
        VerifyError::MissingHeader(header.to_owned())
    }

    pub(super) fn malformed(header: &str, reason: &'static str) -> Self {
        VerifyError::MalformedHeader { header: header.to_owned(), reason }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::MissingHeader(header) => write!(
                f,
                "missing header `{header}`: the sender does not use the configured provider's \
                 scheme, or a proxy stripped the header"
            ),
            VerifyError::MalformedHeader { header, reason } => write!(
                f,
                "header `{header}` is malformed ({reason}); check that the sender uses the \
                 configured provider's scheme"
            ),
            VerifyError::InvalidSignature => f.write_str(
                "signature does not match: check that the configured secret is the provider's \
                 current one and that the body reaches the relay unmodified",
            ),
            VerifyError::TimestampTooOld { age_secs, tolerance_secs } => write!(
                f,
                "signed timestamp is {age_secs} s old, beyond the {tolerance_secs} s tolerance: \
                 a replayed request, or the sender's clock is behind"
            ),
            VerifyError::TimestampInFuture { ahead_secs, tolerance_secs } => write!(
                f,
                "signed timestamp is {ahead_secs} s in the future, beyond the {tolerance_secs} s \
                 tolerance: the sender's clock is ahead"
            ),
            VerifyError::NoSecrets => f.write_str(
                "no webhook secret is configured for this source; add at least one (several are \
                 allowed, for key rotation)",
            ),
            VerifyError::InvalidSecret { index, reason } => write!(
                f,
                "webhook secret #{index} (0-based) is unusable: {reason}; fix the source's \
                 configuration"
            ),
            VerifyError::InvalidConfig(reason) => {
                write!(f, "webhook source configuration is invalid: {reason}")
            }
        }
    }
}

impl std::error::Error for VerifyError {}
