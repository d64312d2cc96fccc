//! Which request headers travel in the envelope.
//!
//! An allow-list, not a deny-list: consumers get the headers that describe a delivery (event
//! names, ids, retry counts, shop domains) and nothing that authenticates one. Signatures and
//! credentials are never copied, even when a source's `forward_headers` asks for them, and
//! neither is a generic source's own signature or token header.

use std::collections::BTreeMap;

/// Headers copied by default, when present (lower-case).
pub const DEFAULT_FORWARDED: &[&str] = &[
    "content-type",
    "user-agent",
    "x-github-event",
    "x-github-delivery",
    "x-github-hook-id",
    "x-github-hook-installation-target-id",
    "x-github-hook-installation-target-type",
    "x-shopify-topic",
    "x-shopify-webhook-id",
    "x-shopify-shop-domain",
    "x-shopify-api-version",
    "x-shopify-triggered-at",
    "x-slack-retry-num",
    "x-slack-retry-reason",
    "webhook-id",
    "webhook-timestamp",
    "svix-id",
    "svix-timestamp",
];

/// Headers that carry a signature or a credential: never copied.
const SENSITIVE: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-hub-signature",
    "x-hub-signature-256",
    "stripe-signature",
    "x-slack-signature",
    "x-shopify-hmac-sha256",
    "webhook-signature",
    "svix-signature",
    "x-gitlab-token",
];

/// Longest header value copied, in bytes; longer values are cut (at a character boundary), so
/// that the envelope of a claim-checked body always fits in one message.
pub const MAX_VALUE_BYTES: usize = 256;

/// Most headers copied. With [`MAX_VALUE_BYTES`] this bounds the headers' share of an envelope.
pub const MAX_HEADERS: usize = 8;

/// Whether `name` (lower-case) carries a signature or a credential.
///
/// ```
/// use webhook_relay::headers::is_sensitive;
/// assert!(is_sensitive("x-hub-signature-256"));
/// assert!(!is_sensitive("x-github-event"));
/// ```
pub fn is_sensitive(name: &str) -> bool {
    SENSITIVE.contains(&name)
}

/// The headers to copy: the defaults and `extra` that are present, minus anything sensitive and
/// minus `secret_header` (a generic source's signature or token header), at most
/// [`MAX_HEADERS`], values cut to [`MAX_VALUE_BYTES`]. Keys are lower-case.
///
/// ```
/// use webhook_relay::headers::select;
/// let lookup = |name: &str| match name {
///     "x-github-event" => Some("push".to_owned()),
///     "x-hub-signature-256" => Some("sha256=...".to_owned()),
///     "x-custom" => Some("yes".to_owned()),
///     _ => None,
/// };
/// let picked = select(&lookup, &["x-custom".to_owned()], None);
/// assert_eq!(picked.get("x-github-event").map(String::as_str), Some("push"));
/// assert_eq!(picked.get("x-custom").map(String::as_str), Some("yes"));
/// assert!(!picked.contains_key("x-hub-signature-256"));
/// ```
pub fn select(
    lookup: &dyn Fn(&str) -> Option<String>,
    extra: &[String],
    secret_header: Option<&str>,
) -> BTreeMap<String, String> {
    let secret = secret_header.map(str::to_ascii_lowercase);
    let names = DEFAULT_FORWARDED.iter().copied().chain(extra.iter().map(String::as_str));
    let mut picked = BTreeMap::new();
    for name in names {
        if picked.len() == MAX_HEADERS {
            break;
        }
        if is_sensitive(name) || secret.as_deref() == Some(name) || picked.contains_key(name) {
            continue;
        }
        if let Some(value) = lookup(name) {
            picked.insert(name.to_owned(), truncate(&value, MAX_VALUE_BYTES).to_owned());
        }
    }
    picked
}

/// `text` cut to at most `max` bytes without splitting a character.
///
/// ```
/// assert_eq!(webhook_relay::headers::truncate("héllo", 2), "h");
/// ```
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup_from<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn copies_delivery_headers_and_never_signatures() {
        let all: Vec<(&str, &str)> = SENSITIVE.iter().map(|name| (*name, "secret-ish")).collect();
        let mut pairs = all.clone();
        pairs.push(("X-Shopify-Topic", "orders/create"));
        pairs.push(("X-Shopify-Shop-Domain", "shop.example"));
        let sensitive: Vec<String> = SENSITIVE.iter().map(|s| s.to_string()).collect();
        let picked = select(&lookup_from(&pairs), &sensitive, None);
        assert_eq!(
            picked.into_iter().collect::<Vec<_>>(),
            [
                ("x-shopify-shop-domain".to_owned(), "shop.example".to_owned()),
                ("x-shopify-topic".to_owned(), "orders/create".to_owned()),
            ]
        );
    }

    #[test]
    fn a_generic_sources_token_header_is_never_copied() {
        let pairs = [("X-My-Token", "hunter2"), ("X-Event", "deploy")];
        let extra = vec!["x-my-token".to_owned(), "x-event".to_owned()];
        let picked = select(&lookup_from(&pairs), &extra, Some("X-My-Token"));
        assert_eq!(picked.keys().collect::<Vec<_>>(), ["x-event"]);
    }

    #[test]
    fn bounds_count_and_length() {
        let long = "é".repeat(200); // 400 bytes
        let pairs: Vec<(&str, &str)> =
            DEFAULT_FORWARDED.iter().map(|name| (*name, long.as_str())).collect();
        let picked = select(&lookup_from(&pairs), &[], None);
        assert_eq!(picked.len(), MAX_HEADERS);
        assert!(picked.values().all(|v| v.len() == MAX_VALUE_BYTES && v.starts_with('é')));
    }
}
