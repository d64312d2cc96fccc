//! Routing, as a pure function of method and path, so that 404 and 405 answers are JSON like
//! every other error (the `worker` router answers them in plain text).
//!
//! | route | methods |
//! |---|---|
//! | `/` | GET, HEAD — the viewer page |
//! | `/healthz` | GET, HEAD |
//! | `/hooks/{source}` | POST |
//! | `/events/{topic}` | GET — Server-Sent Events |
//! | `/claims/{cache}/{key}` | GET — a claim-checked body |

use percent_encoding::percent_decode_str;

use crate::reply::RelayError;

/// What a request asks for. Path segments are percent-decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `GET /`: the viewer page.
    Viewer,
    /// `GET /healthz`.
    Health,
    /// `POST /hooks/{source}`.
    Hook {
        /// The source's name.
        source: String,
    },
    /// `GET /events/{topic}`.
    Events {
        /// The topic to bridge.
        topic: String,
    },
    /// `GET /claims/{cache}/{key}`.
    Claim {
        /// The cache named by the claim-check.
        cache: String,
        /// The claim-check's key.
        key: String,
    },
}

const READ: &str = "GET, HEAD";

/// Resolves `method` and `path` to a route, or the 404/405 to answer.
///
/// ```
/// use webhook_relay::route::{route, Route};
/// assert_eq!(route("POST", "/hooks/github").unwrap(), Route::Hook { source: "github".into() });
/// assert_eq!(route("GET", "/events/github.push").unwrap(), Route::Events { topic: "github.push".into() });
/// assert_eq!(route("GET", "/hooks/github").unwrap_err().status(), 405);
/// assert_eq!(route("GET", "/nope").unwrap_err().status(), 404);
/// ```
pub fn route(method: &str, path: &str) -> Result<Route, RelayError> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (route, allow) = match segments.as_slice() {
        [""] => (Route::Viewer, READ),
        ["healthz"] => (Route::Health, READ),
        ["hooks", source] => (Route::Hook { source: decode(source)? }, "POST"),
        ["events", topic] => (Route::Events { topic: decode(topic)? }, "GET"),
        ["claims", cache, key] => {
            (Route::Claim { cache: decode(cache)?, key: decode(key)? }, "GET")
        }
        _ => return Err(RelayError::NotFound),
    };
    if allow.split(", ").any(|m| m == method) {
        Ok(route)
    } else {
        Err(RelayError::MethodNotAllowed { allow })
    }
}

/// The first value of query parameter `name` in `url`, form-decoded (`+` is a space), or
/// `None`. Parsing by hand keeps the `url` crate — its parser and IDNA tables, about 100 KB —
/// out of the wasm (never call `worker::Request::url()`; see BENCHMARKS.md).
///
/// ```
/// use webhook_relay::route::query_param;
/// let url = "http://relay/events/t?cache=my%20cache&last_event_id=5%3A9&flag#frag";
/// assert_eq!(query_param(url, "cache").as_deref(), Some("my cache"));
/// assert_eq!(query_param(url, "last_event_id").as_deref(), Some("5:9"));
/// assert_eq!(query_param(url, "flag").as_deref(), Some(""));
/// assert_eq!(query_param(url, "frag"), None);
/// ```
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or_default();
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| {
            let value = value.replace('+', " ");
            percent_decode_str(&value).decode_utf8_lossy().into_owned()
        })
    })
}

fn decode(segment: &str) -> Result<String, RelayError> {
    match percent_decode_str(segment).decode_utf8() {
        Ok(text) if !text.is_empty() => Ok(text.into_owned()),
        _ => Err(RelayError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_with_its_methods() {
        assert_eq!(route("GET", "/").unwrap(), Route::Viewer);
        assert_eq!(route("HEAD", "/").unwrap(), Route::Viewer);
        assert_eq!(route("GET", "/healthz").unwrap(), Route::Health);
        assert_eq!(
            route("GET", "/claims/default-cache/claim%3Awh_1").unwrap(),
            Route::Claim { cache: "default-cache".into(), key: "claim:wh_1".into() }
        );
        assert_eq!(
            route("GET", "/events/my%20topic").unwrap(),
            Route::Events { topic: "my topic".into() }
        );
    }

    #[test]
    fn wrong_methods_name_the_right_ones() {
        let cases = [
            ("POST", "/", "GET, HEAD"),
            ("DELETE", "/healthz", "GET, HEAD"),
            ("GET", "/hooks/github", "POST"),
            ("PUT", "/hooks/github", "POST"),
            ("POST", "/events/t", "GET"),
            ("DELETE", "/claims/c/k", "GET"),
        ];
        for (method, path, allow) in cases {
            assert_eq!(route(method, path), Err(RelayError::MethodNotAllowed { allow }));
        }
    }

    #[test]
    fn query_params_take_the_first_value_and_decode_it() {
        let url = "http://h/p?a=1&a=2&b=x+y%2Bz&c=%ff";
        assert_eq!(query_param(url, "a").as_deref(), Some("1"));
        assert_eq!(query_param(url, "b").as_deref(), Some("x y+z"));
        assert_eq!(query_param(url, "c").as_deref(), Some("\u{fffd}"));
        assert_eq!(query_param("http://h/p", "a"), None);
        assert_eq!(query_param("http://h/p?", "a"), None);
    }

    #[test]
    fn unknown_or_empty_paths_are_404() {
        for path in ["/hooks", "/hooks/", "/hooks/a/b", "/events/", "/claims/c", "/x", "/%ff"] {
            assert_eq!(route("POST", path), Err(RelayError::NotFound), "{path}");
        }
        assert_eq!(route("POST", "/hooks/%ff"), Err(RelayError::NotFound));
    }
}
