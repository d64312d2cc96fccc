//! # webhook-relay
//!
//! A Cloudflare Worker that receives webhooks, verifies their signatures and relays them to
//! Momento Topics, and lets browsers watch the topics as Server-Sent Events.
//!
//! Everything that decides something is pure and runs natively (`cargo test -p webhook-relay`):
//! - [`config`]: the `RELAY_SOURCES` JSON var — one entry per source;
//! - [`verify`]: each provider's signature scheme;
//! - [`topic`]: topic templates such as `github.{event}`;
//! - [`envelope`]: what is published, and the claim-check for bodies over Momento's 4 KB limit;
//! - [`relay`]: the webhook pipeline (verify → filter → dedupe → publish → record), written
//!   against a small [`relay::Backend`] trait so its ordering is tested without a network;
//! - [`deadline`]: the time budget a webhook request's Momento calls share;
//! - [`reply`], [`route`], [`body`], [`sse`], [`viewer`], [`time`]: HTTP answers, routing, the
//!   body-size limit, SSE frames, the viewer page, timestamps.
//!
//! On `wasm32` only, a small module binds these to `worker`: the fetch handler, env access, the
//! streamed body and the SSE bridge from the topic's long-poll.
//!
//! ```
//! use webhook_relay::config::RelayConfig;
//! use webhook_relay::envelope::Envelope;
//!
//! let config = RelayConfig::parse(
//!     r#"{"github": {"provider": "github", "secrets": ["GITHUB_SECRET"], "topic": "github.{event}"}}"#,
//!     "default-cache",
//! )
//! .unwrap();
//! let source = config.source("github").unwrap();
//! assert_eq!(source.topic.render("github", "github", Some("pull_request")), "github.pull_request");
//! assert!(Envelope::parse(r#"{"id":"wh_1"}"#).is_err()); // an envelope names its source
//! ```
#![warn(missing_docs, unreachable_pub)]

pub mod body;
pub mod config;
pub mod deadline;
pub mod envelope;
pub mod headers;
pub mod relay;
pub mod reply;
pub mod route;
pub mod sse;
pub mod time;
pub mod topic;
pub mod verify;
pub mod viewer;

#[cfg(target_arch = "wasm32")]
mod edge;
