//! # momento-topics-worker
//!
//! Momento Topics from Cloudflare Workers in Rust, over Momento's HTTP API, with no async
//! runtime: publish text or binary messages and subscribe as a [`futures::Stream`] that
//! long-polls, resumes without repeats, surfaces discontinuities and retries transient failures.
//!
//! The crate reads top-down:
//! - a **sans-IO protocol core**, pure functions and state machines that run anywhere and are
//!   unit-tested natively: [`wire`] types (shared with the local emulator), name validation,
//!   [`Credential`] parsing, [`Requests`] (requests as data), response parsing, the
//!   [`SubscriptionCursor`] and the [`RetryPolicy`];
//! - on `wasm32` only, a thin transport over `worker::Fetch` and the public `TopicClient`.
//!
//! ```
//! use momento_topics_worker::{Credential, Requests, SubscriptionCursor};
//! let requests = Requests::new(Credential::new("http://127.0.0.1:9000", "token")?);
//! let publish = requests.publish("my-cache", "example", "hello world!")?;
//! assert_eq!(publish.url, "http://127.0.0.1:9000/topics/my-cache/example");
//! let cursor = SubscriptionCursor::new("my-cache", "example")?;
//! let poll = requests.subscribe(cursor.cache(), cursor.topic(), cursor.position())?;
//! assert!(poll.url.ends_with("?sequence_number=0&sequence_page=0"));
//! # Ok::<(), momento_topics_worker::Error>(())
//! ```
#![warn(missing_docs, unreachable_pub)]

mod credentials;
mod cursor;
mod error;
mod names;
mod request;
mod response;
mod retry;
mod value;
pub mod wire;

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod subscription;
#[cfg(target_arch = "wasm32")]
mod transport;

#[cfg(target_arch = "wasm32")]
pub use client::{
    TopicClient, TopicClientBuilder, DEFAULT_BATCH_CONCURRENCY, DEFAULT_LONG_POLL_TIMEOUT,
    DEFAULT_REQUEST_TIMEOUT,
};
pub use credentials::{AuthPlacement, Credential};
pub use cursor::{Discontinuity, SubscriptionCursor, SubscriptionEvent, SubscriptionItem};
pub use error::{Error, ErrorKind, Result};
pub use names::{encode_component, validate_cache_name, validate_topic_name, MAX_NAME_BYTES};
pub use request::{
    CacheKey, HttpRequest, Method, Requests, SubscribePosition, DEFAULT_MAX_MESSAGE_BYTES,
    MAX_CACHE_TTL_SECONDS, MAX_CACHE_VALUE_BYTES,
};
pub use response::{
    cache_get_result, check_write_response, error_from_response, parse_subscribe_response, RawEntry,
};
pub use retry::{outcome_unknown, RetryPolicy};
#[cfg(target_arch = "wasm32")]
pub use subscription::Subscription;
pub use value::TopicValue;
