//! `GET /`: a self-contained page (inline CSS and JS, no external assets) that watches one or
//! more topics through `GET /events/{topic}` and lists each relayed webhook as it arrives.
//!
//! The topics come from `?topic=a,b` or, failing that, the default the page is rendered with
//! (`RELAY_VIEWER_TOPIC`, or the first source's [`sample_topic`](crate::config::Source::sample_topic)).
//! Each webhook is an `<li class="event">` carrying `data-event-id="page:sequence"`,
//! `data-source`, `data-event-type`, `data-topic` and `data-envelope-id`, for tests and scripts.
//! Everything received is inserted with `textContent`, never as HTML.

const TEMPLATE: &str = include_str!("viewer.html");

/// The page's `Content-Security-Policy`: inline script and style only, connections back to the
/// relay only, `data:` images (icons), and never framed by another page (clickjacking).
///
/// ```
/// assert!(webhook_relay::viewer::CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
/// ```
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'unsafe-inline'; \
     style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

/// The page, with `default_topic` (comma-separated topics) as the topic to watch when the URL
/// names none.
///
/// ```
/// let page = webhook_relay::viewer::page("github.push");
/// assert!(page.contains(r#"data-default-topic="github.push""#));
/// assert!(page.starts_with("<!doctype html>"));
/// ```
pub fn page(default_topic: &str) -> String {
    TEMPLATE.replace("{{DEFAULT_TOPIC}}", &escape_attribute(default_topic))
}

/// Escapes `text` for a double-quoted HTML attribute.
///
/// ```
/// assert_eq!(webhook_relay::viewer::escape_attribute(r#"a"<b>&'"#), "a&quot;&lt;b&gt;&amp;&#39;");
/// ```
pub fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_default_topic_stays_inside_its_attribute() {
        let page = page(r#""><script>alert(1)</script>"#);
        assert!(!page.contains("<script>alert(1)"));
        assert!(page.contains(r#"data-default-topic="&quot;&gt;&lt;script&gt;alert(1)"#));
    }

    #[test]
    fn the_policy_allows_data_images_and_forbids_framing() {
        let directives: Vec<&str> = CONTENT_SECURITY_POLICY.split("; ").collect();
        assert_eq!(
            directives,
            [
                "default-src 'self'",
                "script-src 'unsafe-inline'",
                "style-src 'unsafe-inline'",
                "img-src data:",
                "frame-ancestors 'none'",
            ]
        );
    }

    #[test]
    fn the_page_is_self_contained() {
        let page = page("t");
        assert_eq!(page.matches("{{").count(), 0, "every placeholder filled");
        for external in ["src=\"http", "href=\"http", "@import", "url("] {
            assert!(!page.contains(external), "{external}");
        }
        // The hooks the browser test and the README rely on.
        for hook in ["dataset.eventId", "dataset.source", "dataset.eventType", "\"webhook\""] {
            assert!(page.contains(hook), "{hook}");
        }
    }
}
