//! Credentials: where to send requests and which token to send.
//!
//! Momento has issued several key formats over time (see `momento-facts.md`); all of them come
//! down to an HTTP base URL and a token. Parsing is pure so every format is unit-tested natively.

use crate::error::{Error, Result};
use crate::wire::decode_base64_any;
use serde::Deserialize;
use std::fmt;

/// An HTTP base URL and the token to authenticate with.
///
/// `Debug` never prints the token.
///
/// ```
/// use momento_topics_worker::Credential;
/// let c = Credential::new("http://127.0.0.1:8080/", "secret-token").unwrap();
/// assert_eq!(c.base_url(), "http://127.0.0.1:8080");
/// assert!(!format!("{c:?}").contains("secret-token"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    base_url: String,
    token: String,
}

/// Where the token goes in each request.
///
/// The header is the default: query strings end up in access logs. Momento rejects requests that
/// carry both, so exactly one is ever used.
///
/// ```
/// use momento_topics_worker::AuthPlacement;
/// assert_eq!(AuthPlacement::default(), AuthPlacement::Header);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuthPlacement {
    /// `Authorization: <token>`.
    #[default]
    Header,
    /// `?token=<token>`, for environments that cannot set headers.
    QueryParameter,
}

#[derive(Deserialize)]
struct V1Key {
    endpoint: String,
    api_key: String,
}

#[derive(Deserialize, Default)]
struct JwtClaims {
    /// Key type; `"g"` marks a v2 (global) API key, which carries no endpoint.
    #[serde(default)]
    t: Option<String>,
    /// Legacy tokens: the cache (data plane) endpoint, `cache.<cell>...`.
    #[serde(default)]
    cp: Option<String>,
    /// Legacy tokens: the control plane endpoint, `control.<cell>...`.
    #[serde(default)]
    c: Option<String>,
}

impl Credential {
    /// An explicit base URL (for example the local emulator's) and token.
    ///
    /// ```
    /// use momento_topics_worker::Credential;
    /// assert!(Credential::new("ftp://x", "t").is_err());
    /// assert!(Credential::new("https://api.cache.example.com", "").is_err());
    /// ```
    pub fn new(base_url: impl Into<String>, token: impl Into<String>) -> Result<Credential> {
        let base_url = normalize_base_url(&base_url.into())?;
        let token = validate_token(token.into())?;
        Ok(Credential { base_url, token })
    }

    /// Parses a Momento API key or auth token, finding the endpoint inside it.
    ///
    /// Accepts v1 API keys (base64 JSON with `endpoint` and `api_key`) and legacy JWT auth
    /// tokens (with a `cp` claim). A v2 API key has no endpoint inside: use
    /// [`Credential::from_api_key_and_endpoint`] for it.
    ///
    /// ```
    /// use momento_topics_worker::Credential;
    /// // base64 of {"endpoint":"cell-1.example.com","api_key":"tok"}
    /// let c = Credential::from_api_key("eyJlbmRwb2ludCI6ImNlbGwtMS5leGFtcGxlLmNvbSIsImFwaV9rZXkiOiJ0b2sifQ==").unwrap();
    /// assert_eq!(c.base_url(), "https://api.cache.cell-1.example.com");
    /// assert_eq!(c.token(), "tok");
    /// ```
    pub fn from_api_key(key: &str) -> Result<Credential> {
        let key = key.trim();
        if key.is_empty() {
            return Err(Error::invalid("the Momento API key is empty; set MOMENTO_API_KEY"));
        }
        if let Some(v1) = parse_v1_key(key) {
            return Credential::new(endpoint_to_base_url(&v1.endpoint), v1.api_key);
        }
        let claims = parse_jwt_claims(key).ok_or_else(|| {
            Error::invalid(
                "the Momento API key is neither a v1 key (base64 JSON) nor a JWT; \
                 copy it again from the Momento console",
            )
        })?;
        if let Some(cp) = claims.cp {
            let cell = cp.strip_prefix("cache.").unwrap_or(&cp);
            return Credential::new(endpoint_to_base_url(cell), key);
        }
        if let Some(c) = claims.c {
            let cell = c.strip_prefix("control.").unwrap_or(&c);
            return Credential::new(endpoint_to_base_url(cell), key);
        }
        let kind = if claims.t.as_deref() == Some("g") { "a v2 API key" } else { "a JWT" };
        Err(Error::invalid(format!(
            "this Momento key is {kind} with no endpoint inside; also set MOMENTO_ENDPOINT \
             (e.g. cell-4-us-west-2-1.prod.a.momentohq.com)"
        )))
    }

    /// A key plus an explicit endpoint: a v2 API key with `MOMENTO_ENDPOINT`, or any token with
    /// an endpoint override. The endpoint may be a cell host (`cell-…momentohq.com`), an
    /// `api.cache.` host, or a full `http(s)://` URL.
    ///
    /// ```
    /// use momento_topics_worker::Credential;
    /// let c = Credential::from_api_key_and_endpoint("a.b.c", "cell-4-us-west-2-1.prod.a.momentohq.com").unwrap();
    /// assert_eq!(c.base_url(), "https://api.cache.cell-4-us-west-2-1.prod.a.momentohq.com");
    /// ```
    pub fn from_api_key_and_endpoint(key: &str, endpoint: &str) -> Result<Credential> {
        let key = key.trim();
        let token = match parse_v1_key(key) {
            Some(v1) => v1.api_key,
            None => key.to_string(),
        };
        Credential::new(endpoint_to_base_url(endpoint.trim()), token)
    }

    /// The HTTP base URL, without a trailing slash.
    ///
    /// ```
    /// # use momento_topics_worker::Credential;
    /// assert_eq!(Credential::new("http://h:1", "t").unwrap().base_url(), "http://h:1");
    /// ```
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The token sent with each request. Keep it out of logs.
    ///
    /// ```
    /// # use momento_topics_worker::Credential;
    /// assert_eq!(Credential::new("http://h:1", "t").unwrap().token(), "t");
    /// ```
    pub fn token(&self) -> &str {
        &self.token
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("base_url", &self.base_url)
            .field("token", &"[redacted]")
            .finish()
    }
}

fn parse_v1_key(key: &str) -> Option<V1Key> {
    let json = decode_base64_any(key)?;
    serde_json::from_slice(&json).ok()
}

fn parse_jwt_claims(token: &str) -> Option<JwtClaims> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    serde_json::from_slice(&decode_base64_any(payload)?).ok()
}

fn endpoint_to_base_url(endpoint: &str) -> String {
    if endpoint.contains("://") || endpoint.starts_with("api.cache.") {
        let with_scheme = if endpoint.contains("://") {
            endpoint.to_string()
        } else {
            format!("https://{endpoint}")
        };
        return with_scheme;
    }
    format!("https://api.cache.{endpoint}")
}

fn normalize_base_url(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match host {
        // Paths are appended to it, so a query or fragment would swallow them.
        Some(h) if !h.is_empty() && !h.contains(|c: char| c.is_whitespace() || c == '?' || c == '#') => {
            Ok(url.to_string())
        }
        _ => Err(Error::invalid(format!(
            "the Momento base URL {url:?} must look like https://api.cache.<cell> or http://127.0.0.1:<port>"
        ))),
    }
}

fn validate_token(token: String) -> Result<String> {
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(Error::invalid("the Momento token is empty; set MOMENTO_API_KEY"));
    }
    if token.chars().any(|c| c.is_control() || c == ' ') {
        // Would corrupt the Authorization header; never echo the token itself.
        return Err(Error::invalid("the Momento token contains spaces or control characters"));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn b64url(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    fn jwt(claims: &str) -> String {
        format!("{}.{}.sig", b64url(r#"{"alg":"HS256"}"#), b64url(claims))
    }

    #[test]
    fn v1_key_gives_api_cache_endpoint_and_inner_token() {
        let json =
            r#"{"endpoint":"cell-us-east-1-1.prod.a.momentohq.com","api_key":"inner.jwt.x"}"#;
        let key = base64::engine::general_purpose::STANDARD.encode(json);
        let c = Credential::from_api_key(&key).unwrap();
        assert_eq!(c.base_url(), "https://api.cache.cell-us-east-1-1.prod.a.momentohq.com");
        assert_eq!(c.token(), "inner.jwt.x");
    }

    #[test]
    fn legacy_jwt_uses_its_cache_endpoint_claim() {
        let token = jwt(
            r#"{"sub":"me","cp":"cache.cell-1-ap-southeast-1-1.prod.a.momentohq.com","c":"control.x"}"#,
        );
        let c = Credential::from_api_key(&token).unwrap();
        assert_eq!(c.base_url(), "https://api.cache.cell-1-ap-southeast-1-1.prod.a.momentohq.com");
        assert_eq!(c.token(), token);
    }

    #[test]
    fn v2_key_without_endpoint_says_to_set_momento_endpoint() {
        let err = Credential::from_api_key(&jwt(r#"{"t":"g","id":"x"}"#)).unwrap_err();
        assert!(err.message().contains("v2 API key"), "{}", err.message());
        assert!(err.message().contains("MOMENTO_ENDPOINT"));
        let c = Credential::from_api_key_and_endpoint(
            &jwt(r#"{"t":"g"}"#),
            "cell-4-us-west-2-1.prod.a.momentohq.com",
        )
        .unwrap();
        assert_eq!(c.base_url(), "https://api.cache.cell-4-us-west-2-1.prod.a.momentohq.com");
    }

    #[test]
    fn explicit_endpoints_in_every_spelling() {
        let cases = [
            ("http://127.0.0.1:9000/", "http://127.0.0.1:9000"),
            ("api.cache.cell-x.example", "https://api.cache.cell-x.example"),
            ("cell-x.example", "https://api.cache.cell-x.example"),
        ];
        for (endpoint, base) in cases {
            let c = Credential::from_api_key_and_endpoint("tok", endpoint).unwrap();
            assert_eq!(c.base_url(), base);
        }
    }

    #[test]
    fn malformed_keys_get_clear_errors_without_echoing_them() {
        for key in ["", "not a key at all", "a.b", "%%%.@@@.###"] {
            let err = Credential::from_api_key(key).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidArgument);
            if !key.is_empty() {
                assert!(!err.message().contains(key), "{}", err.message());
            }
        }
        assert!(Credential::new("http://h", "has space").is_err());
        assert!(Credential::new("127.0.0.1:80", "t").is_err());
        assert!(Credential::new("https://", "t").is_err());
        assert!(Credential::new("http://h/?a=b", "t").is_err());
        assert!(Credential::new("http://h#x", "t").is_err());
    }

    #[test]
    fn debug_redacts_the_token() {
        let c = Credential::new("http://h", "super-secret").unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("super-secret"));
        assert!(shown.contains("[redacted]"));
    }
}
