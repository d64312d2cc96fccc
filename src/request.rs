//! Requests as plain data: method, URL, headers and body, ready for any HTTP transport.
//!
//! Every check that can fail (names, sizes, TTLs) happens here, before anything is sent.

use crate::credentials::{AuthPlacement, Credential};
use crate::error::{Error, Result};
use crate::names::{encode_component, validate_cache_name, validate_topic_name};
use crate::value::TopicValue;
use base64::Engine as _;
use std::fmt;

/// Momento's hard limit for one topic message, in bytes.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4096;
/// Momento's limit for one cache value, in bytes.
pub const MAX_CACHE_VALUE_BYTES: usize = 5 * 1024 * 1024;
/// Momento's longest cache TTL, in seconds.
pub const MAX_CACHE_TTL_SECONDS: u32 = 24 * 60 * 60;

/// An HTTP method used by the Momento HTTP API.
///
/// ```
/// assert_eq!(momento_topics_worker::Method::Post.as_str(), "POST");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Subscribe, cache get.
    Get,
    /// Publish.
    Post,
    /// Cache set.
    Put,
    /// Cache delete.
    Delete,
}

impl Method {
    /// The method's name on the wire.
    ///
    /// ```
    /// assert_eq!(momento_topics_worker::Method::Delete.as_str(), "DELETE");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One HTTP request, as data. `Debug` hides the token wherever it is.
///
/// ```
/// use momento_topics_worker::{Credential, Requests};
/// let r = Requests::new(Credential::new("http://127.0.0.1:1", "tok").unwrap());
/// let req = r.publish("c", "t", "hi").unwrap();
/// assert_eq!(req.url, "http://127.0.0.1:1/topics/c/t");
/// assert!(!format!("{req:?}").contains("tok"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The full URL, query included (which holds the token under [`AuthPlacement::QueryParameter`]).
    pub url: String,
    /// Header names and values (the `Authorization` header holds the token by default).
    pub headers: Vec<(&'static str, String)>,
    /// The body; empty for GET and DELETE.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The value of the first header named `name` (ASCII case-insensitive).
    ///
    /// ```
    /// # use momento_topics_worker::{Credential, Requests};
    /// let req = Requests::new(Credential::new("http://h", "t").unwrap()).publish("c", "t", "x").unwrap();
    /// assert_eq!(req.header("content-type"), Some("text/plain"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = redact_token(&self.url);
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                (*n, if n.eq_ignore_ascii_case("authorization") { "[redacted]" } else { v })
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &url)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Replaces the value of every `token=` query parameter in `text` (a URL, or a runtime error
/// message quoting one) with `[redacted]`.
pub(crate) fn redact_token(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("token=") {
        let value_start = at + "token=".len();
        out.push_str(&rest[..value_start]);
        out.push_str("[redacted]");
        // Our tokens are percent-encoded: the value ends at the first other character.
        let value_len = rest[value_start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-._~%".contains(c)))
            .unwrap_or(rest.len() - value_start);
        rest = &rest[value_start + value_len..];
    }
    out.push_str(rest);
    out
}

/// Where a subscription poll starts: `sequence_number` and `sequence_page`.
///
/// `0`/`0` means "from the start, discover the page".
///
/// ```
/// use momento_topics_worker::SubscribePosition;
/// assert_eq!(SubscribePosition::default(), SubscribePosition { sequence_number: 0, sequence_page: 0 });
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SubscribePosition {
    /// The next sequence number expected.
    pub sequence_number: u64,
    /// The sequence page that number belongs to (0 when unknown).
    pub sequence_page: u64,
}

/// A cache key: text goes as `key=`, bytes as `key_base64=` (URL-safe, unpadded).
///
/// ```
/// use momento_topics_worker::CacheKey;
/// assert_eq!(CacheKey::from("a"), CacheKey::Text("a".into()));
/// assert_eq!(CacheKey::from(&b"\xff"[..]), CacheKey::Bytes(vec![0xff]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheKey {
    /// A UTF-8 key.
    Text(String),
    /// A binary key.
    Bytes(Vec<u8>),
}

impl From<&str> for CacheKey {
    fn from(s: &str) -> Self {
        CacheKey::Text(s.to_string())
    }
}
impl From<String> for CacheKey {
    fn from(s: String) -> Self {
        CacheKey::Text(s)
    }
}
impl From<&[u8]> for CacheKey {
    fn from(b: &[u8]) -> Self {
        CacheKey::Bytes(b.to_vec())
    }
}
impl From<Vec<u8>> for CacheKey {
    fn from(b: Vec<u8>) -> Self {
        CacheKey::Bytes(b)
    }
}

impl CacheKey {
    fn query(&self) -> Result<String> {
        match self {
            CacheKey::Text(k) if k.is_empty() => Err(Error::invalid("cache key must not be empty")),
            CacheKey::Bytes(k) if k.is_empty() => {
                Err(Error::invalid("cache key must not be empty"))
            }
            CacheKey::Text(k) => Ok(format!("key={}", encode_component(k))),
            CacheKey::Bytes(k) => Ok(format!(
                "key_base64={}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(k)
            )),
        }
    }
}

/// Builds every request of the Momento HTTP API for one credential.
///
/// ```
/// use momento_topics_worker::{AuthPlacement, Credential, Requests, SubscribePosition};
/// let r = Requests::new(Credential::new("http://127.0.0.1:1", "tok").unwrap())
///     .with_auth_placement(AuthPlacement::QueryParameter);
/// let req = r.subscribe("my cache", "t", SubscribePosition { sequence_number: 5, sequence_page: 9 }).unwrap();
/// assert_eq!(req.url, "http://127.0.0.1:1/topics/my%20cache/t?sequence_number=5&sequence_page=9&token=tok");
/// assert_eq!(req.header("authorization"), None);
/// ```
#[derive(Debug, Clone)]
pub struct Requests {
    credential: Credential,
    auth: AuthPlacement,
    max_message_bytes: usize,
}

impl Requests {
    /// Requests authenticated by `credential`, token in the header, 4 KB message limit.
    ///
    /// ```
    /// # use momento_topics_worker::{Credential, Requests};
    /// let r = Requests::new(Credential::new("http://h", "t").unwrap());
    /// assert_eq!(r.max_message_bytes(), 4096);
    /// ```
    pub fn new(credential: Credential) -> Requests {
        Requests {
            credential,
            auth: AuthPlacement::Header,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        }
    }

    /// Chooses where the token goes.
    ///
    /// ```
    /// # use momento_topics_worker::{AuthPlacement, Credential, Requests};
    /// let r = Requests::new(Credential::new("http://h", "t").unwrap()).with_auth_placement(AuthPlacement::Header);
    /// assert_eq!(r.publish("c", "t", "x").unwrap().header("Authorization"), Some("t"));
    /// ```
    pub fn with_auth_placement(mut self, auth: AuthPlacement) -> Requests {
        self.auth = auth;
        self
    }

    /// Changes the largest message [`Requests::publish`] accepts (Momento's limit is 4 KB).
    ///
    /// ```
    /// # use momento_topics_worker::{Credential, Requests};
    /// let r = Requests::new(Credential::new("http://h", "t").unwrap()).with_max_message_bytes(2);
    /// assert!(r.publish("c", "t", "abc").is_err());
    /// ```
    pub fn with_max_message_bytes(mut self, limit: usize) -> Requests {
        self.max_message_bytes = limit;
        self
    }

    /// The largest message accepted by [`Requests::publish`].
    ///
    /// ```
    /// # use momento_topics_worker::{Credential, Requests};
    /// # let r = Requests::new(Credential::new("http://h", "t").unwrap());
    /// assert_eq!(r.max_message_bytes(), momento_topics_worker::DEFAULT_MAX_MESSAGE_BYTES);
    /// ```
    pub fn max_message_bytes(&self) -> usize {
        self.max_message_bytes
    }

    /// The credential requests are made with.
    ///
    /// ```
    /// # use momento_topics_worker::{Credential, Requests};
    /// # let r = Requests::new(Credential::new("http://h", "t").unwrap());
    /// assert_eq!(r.credential().base_url(), "http://h");
    /// ```
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// `POST /topics/{cache}/{topic}` with the value as `text/plain` or
    /// `application/octet-stream`. Fails before any I/O if a name is bad or the value is over
    /// the size limit.
    ///
    /// ```
    /// # use momento_topics_worker::{Credential, Requests, Method};
    /// let r = Requests::new(Credential::new("http://h", "t").unwrap());
    /// let req = r.publish("c", "t", &[1u8, 2][..]).unwrap();
    /// assert_eq!(req.method, Method::Post);
    /// assert_eq!(req.header("Content-Type"), Some("application/octet-stream"));
    /// assert_eq!(req.body, vec![1, 2]);
    /// let err = r.publish("c", "t", "x".repeat(4097)).unwrap_err();
    /// assert!(err.message().contains("4097 bytes"));
    /// ```
    pub fn publish(
        &self,
        cache: &str,
        topic: &str,
        value: impl Into<TopicValue>,
    ) -> Result<HttpRequest> {
        validate_cache_name(cache)?;
        validate_topic_name(topic)?;
        let value = value.into();
        self.check_message_size(value.len())?;
        // Exactly the documented values: how strictly Momento matches them is not documented.
        let (content_type, body) = match value {
            TopicValue::Text(t) => ("text/plain", t.into_bytes()),
            TopicValue::Binary(b) => ("application/octet-stream", b),
        };
        let mut req = self.request(Method::Post, &topic_path(cache, topic), Vec::new());
        req.headers.push(("Content-Type", content_type.to_string()));
        req.body = body;
        Ok(req)
    }

    /// `GET /topics/{cache}/{topic}?sequence_number=N&sequence_page=P`: one long-poll.
    ///
    /// ```
    /// # use momento_topics_worker::{Credential, Requests, SubscribePosition};
    /// let r = Requests::new(Credential::new("http://h", "t").unwrap());
    /// let req = r.subscribe("c", "a/b", SubscribePosition::default()).unwrap();
    /// assert_eq!(req.url, "http://h/topics/c/a%2Fb?sequence_number=0&sequence_page=0");
    /// ```
    pub fn subscribe(
        &self,
        cache: &str,
        topic: &str,
        at: SubscribePosition,
    ) -> Result<HttpRequest> {
        validate_cache_name(cache)?;
        validate_topic_name(topic)?;
        let query = vec![
            format!("sequence_number={}", at.sequence_number),
            format!("sequence_page={}", at.sequence_page),
        ];
        Ok(self.request(Method::Get, &topic_path(cache, topic), query))
    }

    /// `PUT /cache/{cache}?key=K&ttl_seconds=N` with the raw value as body.
    ///
    /// ```
    /// # use momento_topics_worker::{Credential, Requests};
    /// let r = Requests::new(Credential::new("http://h", "t").unwrap());
    /// let req = r.cache_set("c", "k 1", b"v".to_vec(), 60).unwrap();
    /// assert_eq!(req.url, "http://h/cache/c?key=k%201&ttl_seconds=60");
    /// assert!(r.cache_set("c", "k", vec![], 0).is_err());
    /// ```
    pub fn cache_set(
        &self,
        cache: &str,
        key: impl Into<CacheKey>,
        value: Vec<u8>,
        ttl_seconds: u32,
    ) -> Result<HttpRequest> {
        validate_cache_name(cache)?;
        if ttl_seconds == 0 || ttl_seconds > MAX_CACHE_TTL_SECONDS {
            return Err(Error::invalid(format!(
                "cache TTL must be 1..={MAX_CACHE_TTL_SECONDS} seconds, not {ttl_seconds}"
            )));
        }
        if value.len() > MAX_CACHE_VALUE_BYTES {
            return Err(Error::invalid(format!(
                "cache value is {} bytes; Momento's limit is {MAX_CACHE_VALUE_BYTES}",
                value.len()
            )));
        }
        let query = vec![key.into().query()?, format!("ttl_seconds={ttl_seconds}")];
        let mut req = self.request(Method::Put, &cache_path(cache), query);
        req.headers.push(("Content-Type", "application/octet-stream".to_string()));
        req.body = value;
        Ok(req)
    }

    /// `GET /cache/{cache}?key=K`.
    ///
    /// ```
    /// # use momento_topics_worker::{Credential, Requests};
    /// let r = Requests::new(Credential::new("http://h", "t").unwrap());
    /// assert_eq!(r.cache_get("c", &b"\x00"[..]).unwrap().url, "http://h/cache/c?key_base64=AA");
    /// ```
    pub fn cache_get(&self, cache: &str, key: impl Into<CacheKey>) -> Result<HttpRequest> {
        validate_cache_name(cache)?;
        Ok(self.request(Method::Get, &cache_path(cache), vec![key.into().query()?]))
    }

    /// `DELETE /cache/{cache}?key=K`.
    ///
    /// ```
    /// # use momento_topics_worker::{Credential, Requests, Method};
    /// let r = Requests::new(Credential::new("http://h", "t").unwrap());
    /// assert_eq!(r.cache_delete("c", "k").unwrap().method, Method::Delete);
    /// ```
    pub fn cache_delete(&self, cache: &str, key: impl Into<CacheKey>) -> Result<HttpRequest> {
        validate_cache_name(cache)?;
        Ok(self.request(Method::Delete, &cache_path(cache), vec![key.into().query()?]))
    }

    /// Fails with a clear error if a message of `len` bytes is over the limit.
    fn check_message_size(&self, len: usize) -> Result<()> {
        if len > self.max_message_bytes {
            return Err(Error::invalid(format!(
                "message is {len} bytes; the topic limit is {} bytes. Store large payloads in the \
                 cache and publish a pointer (claim-check)",
                self.max_message_bytes
            )));
        }
        Ok(())
    }

    fn request(&self, method: Method, path: &str, mut query: Vec<String>) -> HttpRequest {
        let mut headers = Vec::new();
        match self.auth {
            AuthPlacement::Header => {
                headers.push(("Authorization", self.credential.token().to_string()))
            }
            AuthPlacement::QueryParameter => {
                query.push(format!("token={}", encode_component(self.credential.token())))
            }
        }
        let mut url = format!("{}{}", self.credential.base_url(), path);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
        }
        HttpRequest { method, url, headers, body: Vec::new() }
    }
}

fn topic_path(cache: &str, topic: &str) -> String {
    format!("/topics/{}/{}", encode_component(cache), encode_component(topic))
}

fn cache_path(cache: &str) -> String {
    format!("/cache/{}", encode_component(cache))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn requests() -> Requests {
        Requests::new(Credential::new("https://api.cache.example", "secret-tok").unwrap())
    }

    #[test]
    fn header_auth_is_the_default_and_never_doubles_up() {
        let req = requests().publish("c", "t", "hi").unwrap();
        assert_eq!(req.header("Authorization"), Some("secret-tok"));
        assert!(!req.url.contains("token="));
    }

    #[test]
    fn query_auth_puts_the_token_only_in_the_url() {
        let req = requests()
            .with_auth_placement(AuthPlacement::QueryParameter)
            .publish("c", "t", "hi")
            .unwrap();
        assert_eq!(req.url, "https://api.cache.example/topics/c/t?token=secret-tok");
        assert_eq!(req.header("Authorization"), None);
    }

    #[test]
    fn publish_text_and_binary_set_content_type_and_body() {
        let text = requests().publish("c", "t", String::from("héllo")).unwrap();
        assert_eq!(text.header("content-type"), Some("text/plain"));
        assert_eq!(text.body, "héllo".as_bytes());
        let bin = requests().publish("c", "t", vec![0u8, 255]).unwrap();
        assert_eq!(bin.header("content-type"), Some("application/octet-stream"));
        assert_eq!(bin.body, [0, 255]);
    }

    #[test]
    fn size_guard_allows_exactly_the_limit_and_rejects_one_more() {
        assert!(requests().publish("c", "t", vec![7u8; 4096]).is_ok());
        let err = requests().publish("c", "t", vec![7u8; 4097]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(err.message().starts_with("message is 4097 bytes; the topic limit is 4096 bytes"));
        let custom = requests().with_max_message_bytes(10);
        assert!(custom.publish("c", "t", "0123456789").is_ok());
        assert!(custom.publish("c", "t", "0123456789a").is_err());
    }

    #[test]
    fn bad_names_fail_before_any_request() {
        assert!(requests().publish("", "t", "x").is_err());
        assert!(requests().subscribe("c", " ", SubscribePosition::default()).is_err());
        assert!(requests().cache_get("\n", "k").is_err());
    }

    #[test]
    fn cache_requests_encode_keys_and_check_ttl_and_size() {
        let r = requests();
        assert_eq!(
            r.cache_get("c", "a&b=c").unwrap().url,
            "https://api.cache.example/cache/c?key=a%26b%3Dc"
        );
        assert_eq!(
            r.cache_delete("c", vec![0xfbu8, 0xff]).unwrap().url,
            "https://api.cache.example/cache/c?key_base64=-_8"
        );
        assert!(r.cache_get("c", "").is_err());
        assert!(r.cache_set("c", "k", vec![], MAX_CACHE_TTL_SECONDS + 1).is_err());
        assert!(r.cache_set("c", "k", vec![0; MAX_CACHE_VALUE_BYTES + 1], 10).is_err());
        let set = r.cache_set("c", "k", b"v".to_vec(), MAX_CACHE_TTL_SECONDS).unwrap();
        assert_eq!(set.method, Method::Put);
        assert_eq!(set.body, b"v");
    }

    #[test]
    fn redaction_covers_every_token_parameter_in_any_text() {
        assert_eq!(
            redact_token("Fetch failed: http://h/t?token=abc&x=1 (retry http://h/t?token=def)"),
            "Fetch failed: http://h/t?token=[redacted]&x=1 (retry http://h/t?token=[redacted])"
        );
        assert_eq!(redact_token("no secrets here"), "no secrets here");
        assert_eq!(redact_token("token="), "token=[redacted]");
    }

    #[test]
    fn debug_hides_the_token_in_header_and_query() {
        let r = requests();
        let shown = format!("{:?}", r.publish("c", "t", "x").unwrap());
        assert!(!shown.contains("secret-tok"), "{shown}");
        let q = r.with_auth_placement(AuthPlacement::QueryParameter);
        let shown = format!("{:?}", q.subscribe("c", "t", SubscribePosition::default()).unwrap());
        assert!(!shown.contains("secret-tok"), "{shown}");
        assert!(shown.contains("token=[redacted]"));
    }
}
