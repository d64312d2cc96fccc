//! Cache and topic name validation, and percent-encoding of URL parts.
//!
//! Momento only documents names as "URL-safe strings"; its SDKs reject empty and blank names. We
//! also reject control characters (they can never be meant) and names longer than
//! [`MAX_NAME_BYTES`], and percent-encode everything outside RFC 3986's unreserved set so that any
//! other name reaches the server intact.

use crate::error::{Error, Result};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Longest cache or topic name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 255;

/// Everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Checks a cache name, naming the problem if it is unusable.
///
/// ```
/// use momento_topics_worker::validate_cache_name;
/// assert!(validate_cache_name("my-cache").is_ok());
/// let err = validate_cache_name("  ").unwrap_err();
/// assert!(err.message().contains("cache name"));
/// ```
pub fn validate_cache_name(name: &str) -> Result<()> {
    validate_name("cache name", name)
}

/// Checks a topic name, naming the problem if it is unusable.
///
/// ```
/// use momento_topics_worker::validate_topic_name;
/// assert!(validate_topic_name("github.push").is_ok());
/// assert!(validate_topic_name("bad\nname").is_err());
/// ```
pub fn validate_topic_name(name: &str) -> Result<()> {
    validate_name("topic name", name)
}

fn validate_name(what: &str, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid(format!("{what} must not be empty or blank")));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(Error::invalid(format!(
            "{what} is {} bytes long; the limit is {MAX_NAME_BYTES}",
            name.len()
        )));
    }
    if name == "." || name == ".." {
        // URL parsers collapse these path segments: the request would go to another path.
        return Err(Error::invalid(format!("{what} must not be {name:?}")));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(Error::invalid(format!(
            "{what} {name:?} contains the control character {c:?}"
        )));
    }
    Ok(())
}

/// Percent-encodes one path segment or query value (RFC 3986 unreserved characters pass).
///
/// ```
/// use momento_topics_worker::encode_component;
/// assert_eq!(encode_component("a b/c?é"), "a%20b%2Fc%3F%C3%A9");
/// assert_eq!(encode_component("my-cache_1.x~"), "my-cache_1.x~");
/// ```
pub fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn accepts_ordinary_names() {
        for name in ["default-cache", "a", "github.push", "Ünïcödé", &"x".repeat(MAX_NAME_BYTES)]
        {
            assert_eq!(validate_topic_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn rejects_empty_blank_long_and_control_names_with_clear_messages() {
        let cases = [
            ("", "topic name must not be empty or blank"),
            (" \t", "topic name must not be empty or blank"),
            ("a\u{0}b", "control character '\\0'"),
            ("line\nbreak", "control character '\\n'"),
        ];
        for (name, expected) in cases {
            let err = validate_topic_name(name).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument);
            assert!(err.message().contains(expected), "{name:?}: {}", err.message());
        }
        for dots in [".", ".."] {
            assert_eq!(
                validate_cache_name(dots).unwrap_err().message(),
                format!("cache name must not be {dots:?}")
            );
        }
        assert!(validate_topic_name("...").is_ok());
        let long = "x".repeat(MAX_NAME_BYTES + 1);
        let err = validate_cache_name(&long).unwrap_err();
        assert_eq!(err.message(), "cache name is 256 bytes long; the limit is 255");
    }

    #[test]
    fn encodes_reserved_and_non_ascii_characters() {
        assert_eq!(encode_component("a/b"), "a%2Fb");
        assert_eq!(encode_component("%"), "%25");
        assert_eq!(encode_component("k=v&x"), "k%3Dv%26x");
        assert_eq!(encode_component("+"), "%2B");
    }
}
