//! Tokens: where they are read from, what they allow, and the per-token rate limit.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::http::{ApiError, Query};

/// The role of a scope, spelled as in `POST /_emulator/tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Role {
    /// Publish to matching topics.
    #[serde(rename = "publish")]
    Publish,
    /// Subscribe to matching topics.
    #[serde(rename = "subscribe")]
    Subscribe,
    /// Both publish and subscribe.
    #[serde(rename = "publishsubscribe")]
    PublishSubscribe,
    /// `GET /cache/...` on the matching cache.
    #[serde(rename = "cache-read")]
    CacheRead,
    /// `PUT`/`DELETE /cache/...` on the matching cache.
    #[serde(rename = "cache-write")]
    CacheWrite,
}

/// One grant of a disposable token. `cache` and `topic` may be `*`; `topic` defaults to `*` and
/// is ignored by the cache roles.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// What the grant allows.
    pub role: Role,
    /// Cache name or `*`.
    pub cache: String,
    /// Topic name or `*`.
    #[serde(default = "star")]
    pub topic: String,
}

fn star() -> String {
    "*".to_owned()
}

/// What a request needs to be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// `POST /topics/{cache}/{topic}`.
    Publish { cache: &'a str, topic: &'a str },
    /// `GET /topics/{cache}/{topic}`.
    Subscribe { cache: &'a str, topic: &'a str },
    /// `GET /cache/{cache}`.
    CacheRead { cache: &'a str },
    /// `PUT`/`DELETE /cache/{cache}`.
    CacheWrite { cache: &'a str },
}

impl Action<'_> {
    fn describe(&self) -> String {
        match self {
            Action::Publish { cache, topic } => {
                format!("publish to topic {topic:?} in cache {cache:?}")
            }
            Action::Subscribe { cache, topic } => {
                format!("subscribe to topic {topic:?} in cache {cache:?}")
            }
            Action::CacheRead { cache } => format!("read from cache {cache:?}"),
            Action::CacheWrite { cache } => format!("write to cache {cache:?}"),
        }
    }
}

impl Scope {
    fn allows(&self, action: &Action<'_>) -> bool {
        let cache_ok = |c: &str| self.cache == "*" || self.cache == c;
        let topic_ok = |t: &str| self.topic == "*" || self.topic == t;
        match (*action, self.role) {
            (Action::Publish { cache, topic }, Role::Publish | Role::PublishSubscribe)
            | (Action::Subscribe { cache, topic }, Role::Subscribe | Role::PublishSubscribe) => {
                cache_ok(cache) && topic_ok(topic)
            }
            (Action::CacheRead { cache }, Role::CacheRead)
            | (Action::CacheWrite { cache }, Role::CacheWrite) => cache_ok(cache),
            _ => false,
        }
    }
}

/// What a known token may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `None` for the all-access token.
    pub scopes: Option<Vec<Scope>>,
    /// When the token stops working; `None` for never.
    pub expires_at: Option<Instant>,
}

impl Grant {
    /// True for the all-access token (the only one the admin API accepts).
    pub fn is_all_access(&self) -> bool {
        self.scopes.is_none()
    }

    /// 403 unless some scope (or all access) allows `action`.
    pub fn authorize(&self, action: &Action<'_>) -> Result<(), ApiError> {
        match &self.scopes {
            None => Ok(()),
            Some(scopes) if scopes.iter().any(|s| s.allows(action)) => Ok(()),
            Some(_) => Err(ApiError::forbidden(format!(
                "Insufficient permissions: the auth token does not allow you to {}",
                action.describe()
            ))),
        }
    }
}

/// The token found in a request, before it is looked up.
///
/// ```
/// use momento_topics_emulator::auth::extract_token;
/// assert_eq!(extract_token(Some("Bearer abc"), None).unwrap(), "abc");
/// assert_eq!(extract_token(None, Some("abc")).unwrap(), "abc");
/// assert_eq!(extract_token(Some("abc"), Some("abc")).unwrap_err().status.as_u16(), 400);
/// assert_eq!(extract_token(None, None).unwrap_err().status.as_u16(), 401);
/// ```
pub fn extract_token<'a>(
    header: Option<&'a str>,
    query: Option<&'a str>,
) -> Result<&'a str, ApiError> {
    match (header, query) {
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "Both the Authorization header and the token query parameter were provided: only one value must be set",
        )),
        (Some(h), None) => Ok(strip_bearer(h)),
        (None, Some(q)) => Ok(q.trim()),
        (None, None) => Err(ApiError::unauthorized(
            "Missing auth token: set the Authorization header or the token query parameter",
        )),
    }
}

/// The request's token from its `Authorization` header or `token` query parameter.
pub fn request_token<'a>(
    headers: &'a hyper::HeaderMap,
    query: &'a Query,
) -> Result<&'a str, ApiError> {
    let header = match headers.get(hyper::header::AUTHORIZATION) {
        Some(v) => Some(v.to_str().map_err(|_| ApiError::unauthorized("Invalid auth token"))?),
        None => None,
    };
    extract_token(header, query.get("token"))
}

fn strip_bearer(header: &str) -> &str {
    let h = header.trim();
    match h.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => h[7..].trim(),
        _ => h,
    }
}

/// Every token the emulator knows: the all-access one plus those minted by the admin API.
#[derive(Debug)]
pub struct Tokens {
    all_access: String,
    grants: Mutex<HashMap<String, Grant>>,
}

impl Tokens {
    /// Starts with only the all-access token.
    pub fn new(all_access: String) -> Self {
        let mut grants = HashMap::new();
        grants.insert(all_access.clone(), Grant { scopes: None, expires_at: None });
        Tokens { all_access, grants: Mutex::new(grants) }
    }

    /// The all-access token (printed on the start-up line).
    pub fn all_access(&self) -> &str {
        &self.all_access
    }

    /// Mints a new token with the given scopes and expiry.
    pub fn mint(&self, scopes: Vec<Scope>, expires_at: Option<Instant>) -> String {
        let token = generate_token();
        let grant = Grant { scopes: Some(scopes), expires_at };
        self.grants.lock().unwrap().insert(token.clone(), grant);
        token
    }

    /// Looks a token up: 401 when unknown or expired.
    pub fn grant(&self, token: &str) -> Result<Grant, ApiError> {
        let grant = self.grants.lock().unwrap().get(token).cloned();
        match grant {
            None => Err(ApiError::unauthorized("Invalid auth token")),
            Some(Grant { expires_at: Some(at), .. }) if Instant::now() >= at => {
                Err(ApiError::unauthorized("Auth token has expired"))
            }
            Some(grant) => Ok(grant),
        }
    }
}

/// A fresh random token, `emu_` followed by 32 hex digits.
pub fn generate_token() -> String {
    format!("emu_{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// A token bucket per token: `rate` requests per second, bursts of up to `max(rate, 1)`.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

impl RateLimiter {
    /// A limiter allowing `rate` requests per second per token.
    pub fn new(rate: f64) -> Self {
        RateLimiter { rate, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request's worth from `token`'s bucket; 429 when it is empty.
    pub fn check(&self, token: &str) -> Result<(), ApiError> {
        let capacity = self.rate.max(1.0);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap();
        let bucket =
            buckets.entry(token.to_owned()).or_insert(Bucket { tokens: capacity, refilled: now });
        let elapsed = now.duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(capacity);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(ApiError::too_many_requests(format!(
                "Request rate limit exceeded: at most {} requests per second per token",
                self.rate
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn scope(role: Role, cache: &str, topic: &str) -> Scope {
        Scope { role, cache: cache.into(), topic: topic.into() }
    }

    #[test]
    fn scopes_match_roles_caches_and_topics() {
        let grant = Grant {
            scopes: Some(vec![scope(Role::Publish, "c", "t"), scope(Role::CacheRead, "*", "*")]),
            expires_at: None,
        };
        assert!(grant.authorize(&Action::Publish { cache: "c", topic: "t" }).is_ok());
        assert_eq!(
            grant.authorize(&Action::Publish { cache: "c", topic: "u" }).unwrap_err().status,
            403
        );
        assert!(grant.authorize(&Action::Subscribe { cache: "c", topic: "t" }).is_err());
        assert!(grant.authorize(&Action::CacheRead { cache: "any" }).is_ok());
        assert!(grant.authorize(&Action::CacheWrite { cache: "any" }).is_err());
        let both =
            Grant { scopes: Some(vec![scope(Role::PublishSubscribe, "c", "*")]), expires_at: None };
        assert!(both.authorize(&Action::Subscribe { cache: "c", topic: "x" }).is_ok());
    }

    #[test]
    fn unknown_and_expired_tokens_are_rejected() {
        let tokens = Tokens::new("root".into());
        assert!(tokens.grant("root").unwrap().is_all_access());
        assert!(tokens.grant("nope").unwrap_err().message.contains("Invalid"));
        let expired = tokens.mint(vec![], Some(Instant::now()));
        assert!(tokens.grant(&expired).unwrap_err().message.contains("expired"));
        let live = tokens.mint(vec![], Some(Instant::now() + Duration::from_secs(60)));
        assert!(!tokens.grant(&live).unwrap().is_all_access());
    }

    #[test]
    fn bearer_prefix_is_optional_and_case_insensitive() {
        assert_eq!(extract_token(Some("bearer x"), None).unwrap(), "x");
        assert_eq!(extract_token(Some("x"), None).unwrap(), "x");
    }

    #[test]
    fn rate_limiter_buckets_are_per_token() {
        let limiter = RateLimiter::new(1.0);
        assert!(limiter.check("a").is_ok());
        assert_eq!(limiter.check("a").unwrap_err().status, 429);
        assert!(limiter.check("b").is_ok());
    }
}
