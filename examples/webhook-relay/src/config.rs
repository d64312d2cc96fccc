//! The relay's configuration: the `RELAY_SOURCES` JSON var, one entry per webhook source.
//!
//! ```json
//! {
//!   "github": {
//!     "provider": "github",
//!     "secrets": ["GITHUB_WEBHOOK_SECRET", "GITHUB_WEBHOOK_SECRET_OLD"],
//!     "topic": "github.{event}",
//!     "events": ["push", "pull_request*", "issues"],
//!     "cache": "default-cache",
//!     "tolerance_secs": 300,
//!     "max_body_bytes": 1048576,
//!     "dedupe_window_secs": 86400,
//!     "claim_check_ttl_secs": 3600,
//!     "forward_headers": ["x-github-hook-id"]
//!   }
//! }
//! ```
//!
//! `secrets` holds the **names** of Worker secrets (or vars), never the values; any of them may
//! sign (key rotation). Only `provider`, `secrets` and `topic` are required. Unknown fields are
//! errors, so a typo cannot silently switch a check off. The object's order is kept: the first
//! source gives the viewer its default topic.

use std::fmt;

use serde::de::{Deserializer, Error as _, MapAccess, Visitor};
use serde::Deserialize;

use momento_topics_worker::{validate_cache_name, MAX_CACHE_TTL_SECONDS, MAX_CACHE_VALUE_BYTES};

use crate::headers;
use crate::reply::RelayError;
use crate::topic::TopicTemplate;
use crate::verify::{ProviderKind, Verifier, DEFAULT_TOLERANCE_SECS};

/// Default `max_body_bytes`: 1 MiB, far above real webhooks (GitHub caps payloads at 25 MB but
/// typical ones are a few KB) and far below the Workers request limit.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest `max_body_bytes` accepted: the largest value a Momento cache item can hold (5 MiB),
/// since a body over 4 KB is stored there as a claim-check. A larger limit would let bodies in
/// that could never be stored — a 500 on every retry instead of a 413.
pub const MAX_BODY_BYTES_LIMIT: usize = MAX_CACHE_VALUE_BYTES;
/// Default `dedupe_window_secs`: 24 h, the longest TTL a Momento cache item can have.
pub const DEFAULT_DEDUPE_WINDOW_SECS: u32 = MAX_CACHE_TTL_SECONDS;
/// Default `claim_check_ttl_secs`: 1 h for consumers to fetch a large body.
pub const DEFAULT_CLAIM_CHECK_TTL_SECS: u32 = 3600;
/// Longest source name, in bytes.
pub const MAX_SOURCE_NAME_BYTES: usize = 64;

/// A configuration problem, named without ever quoting a secret's value.
///
/// ```
/// use webhook_relay::config::RelayConfig;
/// let err = RelayConfig::parse(r#"{"gh": {"provider": "github"}}"#, "c").unwrap_err();
/// assert!(err.to_string().contains("source `gh`"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(String);

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> ConfigError {
        ConfigError(message.into())
    }

    /// The message.
    ///
    /// ```
    /// use webhook_relay::config::RelayConfig;
    /// assert!(RelayConfig::parse("[]", "c").unwrap_err().message().contains("JSON object"));
    /// ```
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl From<ConfigError> for RelayError {
    fn from(e: ConfigError) -> Self {
        RelayError::Config(e.0)
    }
}

/// Which event types a source publishes. Entries are exact names or prefixes ending in `*`
/// (`"pull_request*"`, `"payment_intent.*"`); `"*"` alone matches everything, including requests
/// that name no event. No filter at all publishes everything.
///
/// ```
/// use webhook_relay::config::EventFilter;
/// let filter = EventFilter::new(vec!["push".into(), "payment_intent.*".into()]).unwrap();
/// assert!(filter.matches(Some("push")));
/// assert!(filter.matches(Some("payment_intent.succeeded")));
/// assert!(!filter.matches(Some("pushed")));
/// assert!(!filter.matches(None));
/// assert!(EventFilter::all().matches(None));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    patterns: Option<Vec<String>>,
}

impl EventFilter {
    /// A filter that lets everything through.
    ///
    /// ```
    /// # use webhook_relay::config::EventFilter;
    /// assert!(EventFilter::all().matches(Some("anything")));
    /// ```
    pub fn all() -> EventFilter {
        EventFilter { patterns: None }
    }

    /// A filter of `patterns`; an empty pattern, or a `*` anywhere but at the end, is an error.
    ///
    /// ```
    /// # use webhook_relay::config::EventFilter;
    /// assert!(EventFilter::new(vec!["a*b".into()]).is_err());
    /// assert!(EventFilter::new(vec!["".into()]).is_err());
    /// ```
    pub fn new(patterns: Vec<String>) -> Result<EventFilter, ConfigError> {
        for pattern in &patterns {
            let stem = pattern.strip_suffix('*').unwrap_or(pattern);
            if pattern.is_empty() || stem.contains('*') {
                return Err(ConfigError::new(format!(
                    "event pattern {pattern:?} is invalid: use an exact name or a prefix ending \
                     in `*`"
                )));
            }
        }
        Ok(EventFilter { patterns: Some(patterns) })
    }

    /// Whether `event` (None when the request names no event) is published.
    ///
    /// ```
    /// # use webhook_relay::config::EventFilter;
    /// let f = EventFilter::new(vec!["*".into()]).unwrap();
    /// assert!(f.matches(None));
    /// ```
    pub fn matches(&self, event: Option<&str>) -> bool {
        let Some(patterns) = &self.patterns else {
            return true;
        };
        patterns.iter().any(|pattern| match (pattern.strip_suffix('*'), event) {
            (Some(""), _) => true,
            (Some(prefix), Some(event)) => event.starts_with(prefix),
            (None, Some(event)) => event == pattern,
            (_, None) => false,
        })
    }

    /// Whether `event` is listed by its exact name (wildcards do not count). GitHub's `ping` is
    /// only published when a filter names it like this.
    ///
    /// ```
    /// # use webhook_relay::config::EventFilter;
    /// assert!(EventFilter::new(vec!["ping".into()]).unwrap().names("ping"));
    /// assert!(!EventFilter::new(vec!["*".into()]).unwrap().names("ping"));
    /// ```
    pub fn names(&self, event: &str) -> bool {
        self.patterns.iter().flatten().any(|pattern| pattern == event)
    }

    /// The first exact name in the filter, if any.
    ///
    /// ```
    /// # use webhook_relay::config::EventFilter;
    /// let f = EventFilter::new(vec!["pull*".into(), "push".into()]).unwrap();
    /// assert_eq!(f.first_exact(), Some("push"));
    /// ```
    pub fn first_exact(&self) -> Option<&str> {
        self.patterns.iter().flatten().map(String::as_str).find(|p| !p.ends_with('*'))
    }
}

/// One configured webhook source, validated.
///
/// ```
/// use webhook_relay::config::RelayConfig;
/// let config = RelayConfig::parse(
///     r#"{"billing": {"provider": "stripe", "secrets": ["STRIPE_SECRET"], "topic": "stripe.{event}",
///                     "events": ["invoice.*"], "max_body_bytes": 65536}}"#,
///     "default-cache",
/// )
/// .unwrap();
/// let source = config.source("billing").unwrap();
/// assert_eq!(source.cache, "default-cache");
/// assert_eq!(source.max_body_bytes, 65536);
/// assert_eq!(source.tolerance_secs, 300);
/// assert!(source.events.matches(Some("invoice.paid")));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The name in `POST /hooks/{name}`.
    pub name: String,
    /// The signature scheme.
    pub provider: ProviderKind,
    /// Names of the Worker secrets holding the signing secrets (first = current).
    pub secrets: Vec<String>,
    /// The Momento cache for the topic, dedupe records and claim-checks.
    pub cache: String,
    /// Where webhooks are published.
    pub topic: TopicTemplate,
    /// Which events are published; the others are answered 202 `ignored`.
    pub events: EventFilter,
    /// How far a signed timestamp may be from now, either way.
    pub tolerance_secs: u64,
    /// Larger bodies are refused with 413.
    pub max_body_bytes: usize,
    /// How long a delivery id is remembered after its publish; 0 turns dedupe off.
    pub dedupe_window_secs: u32,
    /// How long a claim-checked body stays in the cache.
    pub claim_check_ttl_secs: u32,
    /// Extra request headers to copy into the envelope (lower-case), besides the defaults.
    pub forward_headers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    provider: ProviderKind,
    secrets: Vec<String>,
    topic: String,
    #[serde(default)]
    cache: Option<String>,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    tolerance_secs: Option<u64>,
    #[serde(default)]
    max_body_bytes: Option<usize>,
    #[serde(default)]
    dedupe_window_secs: Option<u32>,
    #[serde(default)]
    claim_check_ttl_secs: Option<u32>,
    #[serde(default)]
    forward_headers: Vec<String>,
}

impl Source {
    fn from_raw(name: String, raw: RawSource, default_cache: &str) -> Result<Source, ConfigError> {
        check_source_name(&name)?;
        let context = |e: ConfigError| ConfigError::new(format!("source `{name}`: {e}"));
        let cache = raw.cache.unwrap_or_else(|| default_cache.to_owned());
        validate_cache_name(&cache).map_err(|e| context(ConfigError::new(e.message())))?;
        if raw.secrets.is_empty() || raw.secrets.iter().any(|s| s.trim().is_empty()) {
            return Err(context(ConfigError::new(
                "`secrets` must list at least one non-empty secret name",
            )));
        }
        if let Some(position) = raw.secrets.iter().position(|s| !is_binding_name(s)) {
            // Never quote it: this is where a secret's value lands when it is pasted in place
            // of its name.
            return Err(context(ConfigError::new(format!(
                "`secrets[{position}]` is not a binding name (letters, digits and `_`, not \
                 starting with a digit); `secrets` lists the NAMES of Worker secrets, never \
                 their values"
            ))));
        }
        let source = Source {
            topic: TopicTemplate::parse(&raw.topic).map_err(context)?,
            events: match raw.events {
                Some(patterns) => EventFilter::new(patterns).map_err(context)?,
                None => EventFilter::all(),
            },
            tolerance_secs: raw.tolerance_secs.unwrap_or(DEFAULT_TOLERANCE_SECS),
            max_body_bytes: in_range(
                "max_body_bytes",
                raw.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
                1,
                MAX_BODY_BYTES_LIMIT,
            )
            .map_err(context)?,
            dedupe_window_secs: in_range(
                "dedupe_window_secs",
                raw.dedupe_window_secs.unwrap_or(DEFAULT_DEDUPE_WINDOW_SECS),
                0,
                MAX_CACHE_TTL_SECONDS,
            )
            .map_err(context)?,
            claim_check_ttl_secs: in_range(
                "claim_check_ttl_secs",
                raw.claim_check_ttl_secs.unwrap_or(DEFAULT_CLAIM_CHECK_TTL_SECS),
                1,
                MAX_CACHE_TTL_SECONDS,
            )
            .map_err(context)?,
            forward_headers: forward_headers(raw.forward_headers).map_err(context)?,
            provider: raw.provider,
            secrets: raw.secrets,
            cache,
            name: name.clone(),
        };
        Ok(source)
    }

    /// Builds the source's verifier, reading each secret by name through `secret` (the Worker's
    /// env). A secret that is not set is a 500 naming the secret by its position in `secrets`:
    /// a name can be a secret value pasted in by mistake, so it is never shown.
    ///
    /// ```
    /// use webhook_relay::config::RelayConfig;
    /// let config = RelayConfig::parse(
    ///     r#"{"gh": {"provider": "github", "secrets": ["NEW", "OLD"], "topic": "gh"}}"#, "c").unwrap();
    /// let source = config.source("gh").unwrap();
    /// let env = |name: &str| (name == "NEW").then(|| "s3cret".to_owned());
    /// let err = source.verifier(&env).unwrap_err();
    /// assert_eq!(err.status(), 500);
    /// assert!(err.message().contains("`secrets[1]`") && !err.message().contains("OLD"));
    /// ```
    pub fn verifier(
        &self,
        secret: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Verifier, RelayError> {
        let values = self
            .secrets
            .iter()
            .enumerate()
            .map(|(position, name)| {
                secret(name).filter(|value| !value.is_empty()).ok_or_else(|| {
                    RelayError::Config(format!(
                        "the secret named by `secrets[{position}]` of source `{}` is not set; add \
                         it with `wrangler secret put <that name>` (or to .dev.vars when running \
                         locally)",
                        self.name
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Verifier::new(self.provider.clone(), values, self.tolerance_secs)?)
    }

    /// The topic the viewer shows for this source: its template rendered with the first exact
    /// event of its filter (or `unknown` when it has none and the template needs one).
    ///
    /// ```
    /// use webhook_relay::config::RelayConfig;
    /// let config = RelayConfig::parse(
    ///     r#"{"gh": {"provider": "github", "secrets": ["S"], "topic": "github.{event}", "events": ["push"]}}"#,
    ///     "c").unwrap();
    /// assert_eq!(config.sources()[0].sample_topic(), "github.push");
    /// ```
    pub fn sample_topic(&self) -> String {
        self.topic.render(&self.name, self.provider.name(), self.events.first_exact())
    }
}

fn in_range<T: PartialOrd + fmt::Display + Copy>(
    field: &str,
    value: T,
    min: T,
    max: T,
) -> Result<T, ConfigError> {
    if value < min || value > max {
        return Err(ConfigError::new(format!("`{field}` must be in {min}..={max}, not {value}")));
    }
    Ok(value)
}

fn check_source_name(name: &str) -> Result<(), ConfigError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_SOURCE_NAME_BYTES
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(ConfigError::new(format!(
            "source name {name:?} must be 1 to {MAX_SOURCE_NAME_BYTES} letters, digits, `-` or \
             `_` (it is a URL path segment)"
        )))
    }
}

/// Whether `name` can be a Worker binding: `^[A-Za-z_][A-Za-z0-9_]*$`.
fn is_binding_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `message` (a serde error) without the string values it quotes: `invalid type: string
/// "whsec_…", expected a sequence` becomes `invalid type: string, expected a sequence`. A value
/// in `RELAY_SOURCES` may be a secret pasted into the wrong place, and error messages reach HTTP
/// bodies and logs. So does an unknown variant (a value too); other backticked names (fields,
/// expected variants) stay.
fn without_quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        // Skip to the closing quote (serde quotes strings with Rust escapes).
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => break,
                _ => {}
            }
        }
        if out.ends_with(' ') {
            out.pop();
        }
    }
    const VARIANT: &str = "unknown variant `";
    if let Some(start) = out.find(VARIANT) {
        let value = start + VARIANT.len();
        if let Some(len) = out[value..].find('`') {
            out.replace_range(start + VARIANT.len() - 2..value + len + 1, "");
        }
    }
    out
}

fn forward_headers(names: Vec<String>) -> Result<Vec<String>, ConfigError> {
    names
        .into_iter()
        .map(|name| {
            let lower = name.to_ascii_lowercase();
            let token = !lower.is_empty()
                && lower.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !token {
                return Err(ConfigError::new(format!("{name:?} is not a header name")));
            }
            if headers::is_sensitive(&lower) {
                return Err(ConfigError::new(format!(
                    "header `{name}` carries credentials or signatures and is never forwarded"
                )));
            }
            Ok(lower)
        })
        .collect()
}

/// All configured sources, in the order they were written.
///
/// ```
/// use webhook_relay::config::RelayConfig;
/// let config = RelayConfig::parse(
///     r#"{"b": {"provider": "shopify", "secrets": ["S"], "topic": "t"},
///         "a": {"provider": "slack", "secrets": ["S"], "topic": "t", "cache": "other"}}"#,
///     "default-cache",
/// )
/// .unwrap();
/// let names: Vec<&str> = config.sources().iter().map(|s| s.name.as_str()).collect();
/// assert_eq!(names, ["b", "a"]);
/// assert!(config.source("c").is_none());
/// assert!(config.uses_cache("other") && !config.uses_cache("nope"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayConfig {
    sources: Vec<Source>,
}

impl RelayConfig {
    /// Parses `RELAY_SOURCES`. Sources without a `cache` use `default_cache`.
    ///
    /// ```
    /// use webhook_relay::config::RelayConfig;
    /// let err = RelayConfig::parse(r#"{"gh": {"provider": "gitlab", "secrets": ["S"], "topic": "t"}}"#, "c")
    ///     .unwrap_err();
    /// assert!(err.message().starts_with("source `gh`: unknown variant, expected one of `github`"));
    /// ```
    pub fn parse(json: &str, default_cache: &str) -> Result<RelayConfig, ConfigError> {
        let entries: Ordered = serde_json::from_str(json).map_err(|e| {
            let message = without_quoted_values(&e.to_string());
            if message.starts_with("source `") {
                ConfigError::new(message)
            } else {
                ConfigError::new(format!(
                    "RELAY_SOURCES must be a JSON object of source name → source ({message})"
                ))
            }
        })?;
        let sources = entries
            .0
            .into_iter()
            .map(|(name, raw)| Source::from_raw(name, raw, default_cache))
            .collect::<Result<_, _>>()?;
        Ok(RelayConfig { sources })
    }

    /// The source called `name`.
    ///
    /// ```
    /// # use webhook_relay::config::RelayConfig;
    /// assert!(RelayConfig::parse("{}", "c").unwrap().source("gh").is_none());
    /// ```
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// Every source, in configuration order.
    ///
    /// ```
    /// # use webhook_relay::config::RelayConfig;
    /// assert!(RelayConfig::parse("{}", "c").unwrap().sources().is_empty());
    /// ```
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Whether some source uses `cache`: the read endpoints only serve such caches.
    ///
    /// ```
    /// # use webhook_relay::config::RelayConfig;
    /// assert!(!RelayConfig::parse("{}", "c").unwrap().uses_cache("c"));
    /// ```
    pub fn uses_cache(&self, cache: &str) -> bool {
        self.sources.iter().any(|s| s.cache == cache)
    }
}

/// A JSON object's sources in document order (`serde_json::Map` would sort them), parsed in
/// one pass: errors name their source.
struct Ordered(Vec<(String, RawSource)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut entries: Vec<(String, RawSource)> = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    let in_source = |e: &dyn fmt::Display| {
                        // The parser appends the position to the final error; drop the inner one.
                        let text = without_quoted_values(&e.to_string());
                        let text = text.split(" at line ").next().unwrap_or_default().to_owned();
                        A::Error::custom(format!("source `{name}`: {text}"))
                    };
                    let raw = map.next_value::<RawSource>().map_err(|e| in_source(&e))?;
                    if entries.iter().any(|(seen, _)| *seen == name) {
                        return Err(in_source(&"configured twice"));
                    }
                    entries.push((name, raw));
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{GenericMode, GenericScheme};

    const ALL_SIX: &str = r#"{
        "github":   {"provider": "github", "secrets": ["GH", "GH_OLD"], "topic": "github.{event}",
                     "events": ["push", "issues"], "forward_headers": ["X-GitHub-Hook-ID"]},
        "stripe":   {"provider": "stripe", "secrets": ["ST"], "topic": "stripe.{event}",
                     "tolerance_secs": 600, "dedupe_window_secs": 0},
        "slack":    {"provider": "slack", "secrets": ["SL"], "topic": "slack.{event}"},
        "shopify":  {"provider": "shopify", "secrets": ["SH"], "topic": "shopify.{event}",
                     "cache": "shop-cache", "claim_check_ttl_secs": 60},
        "svix":     {"provider": "standard-webhooks", "secrets": ["SW"], "topic": "{source}"},
        "gitlab":   {"provider": {"generic": {"header": "X-Gitlab-Token", "mode": "token",
                                              "event_type_header": "X-Gitlab-Event"}},
                     "secrets": ["GL"], "topic": "gitlab.{event}", "max_body_bytes": 4096}
    }"#;

    #[test]
    fn parses_all_six_providers_with_defaults_and_overrides() {
        let config = RelayConfig::parse(ALL_SIX, "default-cache").unwrap();
        let names: Vec<_> = config.sources().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["github", "stripe", "slack", "shopify", "svix", "gitlab"]);

        let github = config.source("github").unwrap();
        assert_eq!(github.provider, ProviderKind::GitHub);
        assert_eq!(github.secrets, ["GH", "GH_OLD"]);
        assert_eq!(github.cache, "default-cache");
        assert_eq!(github.topic.as_str(), "github.{event}");
        assert_eq!(github.tolerance_secs, 300);
        assert_eq!(github.max_body_bytes, 1024 * 1024);
        assert_eq!(github.dedupe_window_secs, 86_400);
        assert_eq!(github.claim_check_ttl_secs, 3600);
        assert_eq!(github.forward_headers, ["x-github-hook-id"]);
        assert_eq!(github.sample_topic(), "github.push");

        let stripe = config.source("stripe").unwrap();
        assert_eq!((stripe.tolerance_secs, stripe.dedupe_window_secs), (600, 0));
        let shopify = config.source("shopify").unwrap();
        assert_eq!((shopify.cache.as_str(), shopify.claim_check_ttl_secs), ("shop-cache", 60));
        assert_eq!(config.source("svix").unwrap().provider, ProviderKind::StandardWebhooks);
        assert_eq!(config.source("svix").unwrap().sample_topic(), "svix");

        let gitlab = config.source("gitlab").unwrap();
        let ProviderKind::Generic(GenericScheme { mode, header, .. }) = &gitlab.provider else {
            panic!("generic expected");
        };
        assert_eq!((*mode, header.as_str()), (GenericMode::Token, "X-Gitlab-Token"));
        assert_eq!(gitlab.max_body_bytes, 4096);
        assert!(config.uses_cache("shop-cache") && config.uses_cache("default-cache"));
    }

    #[test]
    fn names_the_source_and_field_of_each_mistake() {
        let source = |body: &str| format!(r#"{{"gh": {{{body}}}}}"#);
        let cases = [
            (r#""provider":"github","secrets":["S"]"#, "missing field `topic`"),
            (r#""provider":"github","secrets":[],"topic":"t""#, "at least one"),
            (r#""provider":"github","secrets":[" "],"topic":"t""#, "at least one"),
            (r#""provider":"github","secrets":["S"],"topic":"t","secret":"x""#, "unknown field"),
            (r#""provider":"github","secrets":["S"],"topic":"t{x}""#, "unknown placeholder"),
            (r#""provider":"github","secrets":["S"],"topic":"t","events":["a*b"]"#, "\"a*b\""),
            (r#""provider":"github","secrets":["S"],"topic":"t","max_body_bytes":0"#, "1..="),
            (
                r#""provider":"github","secrets":["S"],"topic":"t","dedupe_window_secs":86401"#,
                "`dedupe_window_secs` must be in 0..=86400, not 86401",
            ),
            (r#""provider":"github","secrets":["S"],"topic":"t","claim_check_ttl_secs":0"#, "1..="),
            (r#""provider":"github","secrets":["S"],"topic":"t","cache":" ""#, "cache name"),
            (
                r#""provider":"github","secrets":["S"],"topic":"t","forward_headers":["Stripe-Signature"]"#,
                "never forwarded",
            ),
            (
                r#""provider":"github","secrets":["S"],"topic":"t","forward_headers":["a b"]"#,
                "not a header name",
            ),
        ];
        for (body, expected) in cases {
            let err = RelayConfig::parse(&source(body), "c").unwrap_err().to_string();
            assert!(err.starts_with("source `gh`: "), "{body}: {err}");
            assert!(err.contains(expected), "{body}: {err}");
        }
    }

    #[test]
    fn rejects_bad_documents_and_names() {
        assert!(RelayConfig::parse("not json", "c").unwrap_err().message().contains("JSON object"));
        let twice = r#"{"a": {"provider":"github","secrets":["S"],"topic":"t"},
                        "a": {"provider":"github","secrets":["S"],"topic":"t"}}"#;
        let err = RelayConfig::parse(twice, "c").unwrap_err();
        assert!(err.message().starts_with("source `a`: configured twice at line 2"), "{err}");
        for name in ["", "a/b", "a b", "é", &"x".repeat(65)] {
            let json =
                format!(r#"{{"{name}": {{"provider":"github","secrets":["S"],"topic":"t"}}}}"#);
            let err = RelayConfig::parse(&json, "c").unwrap_err();
            assert!(err.message().contains("URL path segment"), "{name:?}: {err}");
        }
    }

    #[test]
    fn verifier_reads_every_secret_by_name() {
        let config = RelayConfig::parse(ALL_SIX, "c").unwrap();
        let github = config.source("github").unwrap();
        let env = |name: &str| match name {
            "GH" => Some("new".to_owned()),
            "GH_OLD" => Some("old".to_owned()),
            _ => None,
        };
        assert!(github.verifier(&env).is_ok());
        let only_new = |name: &str| (name == "GH").then(|| "new".to_owned());
        let err = github.verifier(&only_new).unwrap_err();
        assert_eq!(err.code(), "invalid_config");
        assert_eq!(
            err.message(),
            "relay misconfigured: the secret named by `secrets[1]` of source `github` is not set; add it with \
             `wrangler secret put <that name>` (or to .dev.vars when running locally)"
        );
        let empty = |_: &str| Some(String::new());
        assert!(github.verifier(&empty).is_err(), "an empty secret counts as unset");
    }

    #[test]
    fn a_malformed_secret_value_is_a_500_that_does_not_show_it() {
        let config = RelayConfig::parse(ALL_SIX, "c").unwrap();
        let svix = config.source("svix").unwrap();
        let err = svix.verifier(&|_| Some("not-a-whsec-secret".to_owned())).unwrap_err();
        assert_eq!(err.status(), 500);
        assert!(!err.message().contains("not-a-whsec-secret"));
    }

    #[test]
    fn a_secret_value_in_place_of_its_name_is_never_shown() {
        let value = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let with_secrets = |secrets: &str| {
            format!(r#"{{"gh": {{"provider": "github", "secrets": {secrets}, "topic": "t"}}}}"#)
        };
        let shown = |err: &RelayError| {
            let reply = err.clone().into_reply();
            assert_eq!((reply.status, err.code()), (500, "invalid_config"));
            reply.body.contains(value) || err.message().contains(value)
        };

        // Not a binding name (`+`, `/`, `=`, a leading digit): refused when parsed, by position.
        for bad in ["s3cr3t+/==", "0a1b2c3d4e5f", "whsec_abc def"] {
            let err =
                RelayConfig::parse(&with_secrets(&format!(r#"["OK", "{bad}"]"#)), "c").unwrap_err();
            assert!(err.message().starts_with("source `gh`: `secrets[1]` is not a binding name"));
            assert!(!err.message().contains(bad), "{err}");
            assert!(!RelayError::from(err).into_reply().body.contains(bad));
        }

        // A string where a list belongs: serde's type error would quote it.
        let err = RelayConfig::parse(&with_secrets(&format!("{value:?}")), "c").unwrap_err();
        assert!(
            err.message().starts_with("source `gh`: invalid type: string, expected a sequence"),
            "the quoted value is dropped: {err}"
        );
        assert!(!shown(&err.into()));

        // Looks like a binding name, so it parses; not being set must not show it either.
        let config = RelayConfig::parse(&with_secrets(&format!(r#"["{value}"]"#)), "c").unwrap();
        let err = config.source("gh").unwrap().verifier(&|_| None).unwrap_err();
        assert!(err.message().contains("`secrets[0]`"), "{err:?}");
        assert!(!shown(&err));

        // A value anywhere else is not quoted either.
        let err = RelayConfig::parse(
            &format!(r#"{{"gh": {{"provider": "github", "secrets": ["S"], "topic": "t", "events": "{value}"}}}}"#),
            "c",
        )
        .unwrap_err();
        assert!(err.message().starts_with("source `gh`: invalid type: string, expected a seq"));
        let err = RelayConfig::parse(
            &format!(r#"{{"gh": {{"provider": "{value}", "secrets": ["S"], "topic": "t"}}}}"#),
            "c",
        )
        .unwrap_err();
        assert!(err.message().starts_with("source `gh`: unknown variant, expected one of"));
        assert!(!err.message().contains(value), "{err}");
        let err = RelayConfig::parse(&format!("{value:?}"), "c").unwrap_err();
        assert!(!err.message().contains(value), "{err}");
        assert!(err.message().contains("JSON object"), "{err}");
    }

    #[test]
    fn binding_names_and_quoted_values() {
        for good in ["A", "_", "GITHUB_WEBHOOK_SECRET", "a1_b2"] {
            assert!(is_binding_name(good), "{good}");
        }
        for bad in ["", "1A", "A-B", "A B", "é", "A=", "a.b"] {
            assert!(!is_binding_name(bad), "{bad}");
        }
        assert_eq!(
            without_quoted_values(r#"invalid value: string "a\"b \\ c", expected x"#),
            "invalid value: string, expected x"
        );
        assert_eq!(without_quoted_values("unknown field `x`"), "unknown field `x`");
        assert_eq!(without_quoted_values(r#"open "never closed"#), "open");
        assert_eq!(
            without_quoted_values("unknown variant `s3cret`, expected one of `a`, `b`"),
            "unknown variant, expected one of `a`, `b`"
        );
    }

    #[test]
    fn max_body_bytes_stops_at_what_a_claim_check_can_store() {
        let with_max = |n: usize| {
            format!(
                r#"{{"gh": {{"provider":"github","secrets":["S"],"topic":"t","max_body_bytes":{n}}}}}"#
            )
        };
        let max = RelayConfig::parse(&with_max(MAX_CACHE_VALUE_BYTES), "c").unwrap();
        assert_eq!(max.source("gh").unwrap().max_body_bytes, 5 * 1024 * 1024);
        let err = RelayConfig::parse(&with_max(MAX_CACHE_VALUE_BYTES + 1), "c").unwrap_err();
        assert_eq!(
            err.message(),
            "source `gh`: `max_body_bytes` must be in 1..=5242880, not 5242881"
        );
        assert!(RelayConfig::parse(&with_max(100 * 1024 * 1024), "c").is_err());
    }

    #[test]
    fn event_filters_match_exact_prefix_and_wildcard() {
        let f = EventFilter::new(vec!["push".into(), "pull_request*".into()]).unwrap();
        assert!(f.matches(Some("push")));
        assert!(f.matches(Some("pull_request")));
        assert!(f.matches(Some("pull_request_review")));
        assert!(!f.matches(Some("issues")));
        assert!(!f.matches(Some("Push")));
        assert!(!f.matches(None));
        assert!(f.names("push") && !f.names("pull_request"));
        assert_eq!(EventFilter::all().first_exact(), None);
    }
}
