//! Topic templates: where a source's webhooks are published, e.g. `github.{event}`.
//!
//! Placeholders are `{event}` (the verified event type), `{source}` (the source's name) and
//! `{provider}` (`github`, `stripe`, …). Values come from senders, so they are sanitised before
//! they become part of a topic name: ASCII letters, digits, `-`, `_` and `.` pass, `/` becomes `.`
//! (Shopify's `orders/create` reads `orders.create`, like GitHub's dotted names; leading and
//! trailing ones are dropped, so Slack's `/deploy` is `deploy`), anything else becomes `_`, and each value is cut to [`MAX_VALUE_BYTES`]. A missing or empty event is
//! `unknown`.

use momento_topics_worker::validate_topic_name;

use crate::config::ConfigError;

/// Longest sanitised placeholder value, in bytes.
pub const MAX_VALUE_BYTES: usize = 64;

/// The value `{event}` takes when a request names no event.
pub const UNKNOWN_EVENT: &str = "unknown";

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Event,
    Source,
    Provider,
}

/// A parsed topic template.
///
/// ```
/// use webhook_relay::topic::TopicTemplate;
/// let t = TopicTemplate::parse("{provider}.{source}.{event}").unwrap();
/// assert_eq!(t.render("shop", "shopify", Some("orders/create")), "shopify.shop.orders.create");
/// assert_eq!(t.render("shop", "shopify", Some("a b?")), "shopify.shop.a_b_");
/// assert_eq!(t.render("shop", "shopify", None), "shopify.shop.unknown");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicTemplate {
    raw: String,
    parts: Vec<Part>,
}

impl TopicTemplate {
    /// Parses `raw`. Literal text must itself be topic-safe (letters, digits, `-`, `_`, `.`), and
    /// only the three placeholders are known, so a typo such as `{evnet}` fails at start-up rather
    /// than publishing to a topic with braces in its name.
    ///
    /// ```
    /// use webhook_relay::topic::TopicTemplate;
    /// assert!(TopicTemplate::parse("github.{event}").is_ok());
    /// let err = TopicTemplate::parse("github.{evnet}").unwrap_err();
    /// assert!(err.to_string().contains("{evnet}"));
    /// assert!(TopicTemplate::parse("").is_err());
    /// assert!(TopicTemplate::parse("a b").is_err());
    /// ```
    pub fn parse(raw: &str) -> Result<TopicTemplate, ConfigError> {
        let mut parts = Vec::new();
        let mut rest = raw;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let end = after.find('}').ok_or_else(|| {
                    ConfigError::new(format!("topic template `{raw}` has an unclosed `{{`"))
                })?;
                parts.push(placeholder(&after[..end], raw)?);
                rest = &after[end + 1..];
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                let literal = &rest[..end];
                if let Some(c) = literal.chars().find(|&c| !is_topic_safe(c)) {
                    return Err(ConfigError::new(format!(
                        "topic template `{raw}` contains {c:?}; use letters, digits, `-`, `_`, \
                         `.` and the placeholders {{event}}, {{source}}, {{provider}}"
                    )));
                }
                parts.push(Part::Literal(literal.to_owned()));
                rest = &rest[end..];
            }
        }
        let template = TopicTemplate { raw: raw.to_owned(), parts };
        // The longest possible rendering must still be a valid topic name.
        let longest = "x".repeat(MAX_VALUE_BYTES);
        validate_topic_name(&template.render(&longest, &longest, Some(&longest)))
            .map_err(|e| ConfigError::new(format!("topic template `{raw}`: {}", e.message())))?;
        Ok(template)
    }

    /// The topic for one request.
    ///
    /// ```
    /// use webhook_relay::topic::TopicTemplate;
    /// let t = TopicTemplate::parse("webhooks.{source}").unwrap();
    /// assert_eq!(t.render("billing", "stripe", Some("charge.failed")), "webhooks.billing");
    /// ```
    pub fn render(&self, source: &str, provider: &str, event: Option<&str>) -> String {
        let mut topic = String::with_capacity(self.raw.len() + 16);
        for part in &self.parts {
            match part {
                Part::Literal(text) => topic.push_str(text),
                Part::Event => topic.push_str(&sanitize(event.unwrap_or_default())),
                Part::Source => topic.push_str(&sanitize(source)),
                Part::Provider => topic.push_str(&sanitize(provider)),
            }
        }
        topic
    }

    /// Whether the topic depends on the event type.
    ///
    /// ```
    /// use webhook_relay::topic::TopicTemplate;
    /// assert!(TopicTemplate::parse("gh.{event}").unwrap().has_event());
    /// assert!(!TopicTemplate::parse("gh").unwrap().has_event());
    /// ```
    pub fn has_event(&self) -> bool {
        self.parts.contains(&Part::Event)
    }

    /// The template as written.
    ///
    /// ```
    /// use webhook_relay::topic::TopicTemplate;
    /// assert_eq!(TopicTemplate::parse("gh.{event}").unwrap().as_str(), "gh.{event}");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

fn placeholder(name: &str, raw: &str) -> Result<Part, ConfigError> {
    match name {
        "event" => Ok(Part::Event),
        "source" => Ok(Part::Source),
        "provider" => Ok(Part::Provider),
        other => Err(ConfigError::new(format!(
            "topic template `{raw}` has an unknown placeholder {{{other}}}; known are {{event}}, \
             {{source}} and {{provider}}"
        ))),
    }
}

fn is_topic_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Makes a sender-supplied value safe inside a topic name (see the module docs).
///
/// ```
/// use webhook_relay::topic::sanitize;
/// assert_eq!(sanitize("pull_request"), "pull_request");
/// assert_eq!(sanitize("orders/create"), "orders.create");
/// assert_eq!(sanitize("/deploy"), "deploy");
/// assert_eq!(sanitize("héllo wörld"), "h_llo_w_rld");
/// assert_eq!(sanitize(""), "unknown");
/// assert_eq!(sanitize(&"a".repeat(100)).len(), 64);
/// ```
pub fn sanitize(value: &str) -> String {
    // Slack's slash commands start with `/`: `slack./deploy` should read `slack.deploy`.
    let clean: String = value
        .trim_matches('/')
        .chars()
        .map(|c| match c {
            '/' => '.',
            c if is_topic_safe(c) => c,
            _ => '_',
        })
        .take(MAX_VALUE_BYTES)
        .collect();
    if clean.is_empty() {
        UNKNOWN_EVENT.to_owned()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_placeholder_and_literal() {
        let t = TopicTemplate::parse("in.{provider}-{source}_{event}.x").unwrap();
        assert_eq!(t.render("gh", "github", Some("push")), "in.github-gh_push.x");
        let literal = TopicTemplate::parse("all-webhooks").unwrap();
        assert_eq!(literal.render("gh", "github", Some("push")), "all-webhooks");
    }

    #[test]
    fn hostile_event_names_cannot_escape_the_template() {
        let t = TopicTemplate::parse("github.{event}").unwrap();
        for (event, topic) in [
            ("../../admin", "github.......admin"),
            ("/", "github.unknown"),
            ("a\nb", "github.a_b"),
            ("{source}", "github._source_"),
            ("%2F", "github._2F"),
            ("", "github.unknown"),
        ] {
            assert_eq!(t.render("gh", "github", Some(event)), topic, "{event:?}");
            assert!(validate_topic_name(&t.render("gh", "github", Some(event))).is_ok());
        }
        let long = t.render("gh", "github", Some(&"é".repeat(200)));
        assert_eq!(long, format!("github.{}", "_".repeat(MAX_VALUE_BYTES)));
    }

    #[test]
    fn rejects_bad_templates_with_the_reason() {
        for (raw, expected) in [
            ("", "must not be empty"),
            ("github.{event", "unclosed"),
            ("github.{}", "unknown placeholder {}"),
            ("github.{Event}", "unknown placeholder {Event}"),
            ("git hub", "contains ' '"),
            ("git}hub", "contains '}'"),
        ] {
            let err = TopicTemplate::parse(raw).unwrap_err().to_string();
            assert!(err.contains(expected), "{raw:?}: {err}");
        }
        let too_long = "x".repeat(200) + ".{event}";
        assert!(TopicTemplate::parse(&too_long).unwrap_err().to_string().contains("255"));
    }
}
