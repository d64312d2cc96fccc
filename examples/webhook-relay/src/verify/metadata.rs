//! What a verified request says about itself: event type, delivery id, Slack's challenge.
//!
//! Only ever called after the signature checked out, so the body parsed here is authenticated
//! (the relay never parses an attacker's JSON). Extraction is best effort: a body that is not
//! the expected shape yields `None`s, never an error, because the request itself is genuine.

use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde_json::Value;

use super::providers::{
    Headers, Presented, GITHUB_DELIVERY, GITHUB_EVENT, SHOPIFY_TOPIC, SHOPIFY_WEBHOOK_ID,
};
use super::{ProviderKind, Verified};

/// The top-level JSON fields any provider keeps its metadata in. Each is a `Value` so that an
/// unexpected type in one field (Shopify-style numeric ids, say) loses only that field.
#[derive(Default, Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: Option<Value>,
    id: Option<Value>,
    event: Option<Value>,
    event_id: Option<Value>,
    challenge: Option<Value>,
}

impl Envelope {
    fn parse(json: &[u8]) -> Self {
        serde_json::from_slice(json).unwrap_or_default()
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_owned)
}

/// A header's value, with an empty one counted as absent.
fn header(headers: Headers<'_>, name: &str) -> Option<String> {
    headers(name).filter(|value| !value.is_empty())
}

pub(super) fn extract(
    kind: &ProviderKind,
    headers: Headers<'_>,
    body: &[u8],
    presented: Presented,
    secret_index: usize,
) -> Verified {
    let mut verified =
        Verified { timestamp: presented.timestamp, secret_index, ..Verified::default() };
    match kind {
        ProviderKind::GitHub => {
            verified.event_type = header(headers, GITHUB_EVENT);
            verified.delivery_id = header(headers, GITHUB_DELIVERY);
        }
        ProviderKind::Stripe => {
            let envelope = Envelope::parse(body);
            verified.event_type = text(envelope.kind.as_ref());
            verified.delivery_id = text(envelope.id.as_ref());
        }
        ProviderKind::Slack => slack(body, &mut verified),
        ProviderKind::Shopify => {
            verified.event_type = header(headers, SHOPIFY_TOPIC);
            verified.delivery_id = header(headers, SHOPIFY_WEBHOOK_ID);
        }
        ProviderKind::StandardWebhooks => {
            verified.event_type = text(Envelope::parse(body).kind.as_ref());
            verified.delivery_id = presented.signed_id;
        }
        ProviderKind::Generic(scheme) => {
            let named = |name: &Option<String>| name.as_deref().and_then(|n| header(headers, n));
            verified.event_type = named(&scheme.event_type_header);
            verified.delivery_id = named(&scheme.delivery_id_header);
        }
    }
    verified
}

/// Slack sends JSON for the Events API and forms for slash commands and interactivity.
fn slack(body: &[u8], verified: &mut Verified) {
    if body.trim_ascii_start().starts_with(b"{") {
        slack_json(body, verified);
    } else {
        slack_form(body, verified);
    }
}

fn slack_json(body: &[u8], verified: &mut Verified) {
    let envelope = Envelope::parse(body);
    let outer = text(envelope.kind.as_ref());
    if outer.as_deref() == Some("url_verification") {
        verified.challenge = text(envelope.challenge.as_ref());
    }
    // Every Events API delivery has the outer type `event_callback`; routes need the inner one.
    let inner = text(envelope.event.as_ref().and_then(|event| event.get("type")));
    verified.event_type = inner.or(outer);
    verified.delivery_id = text(envelope.event_id.as_ref());
}

fn slack_form(body: &[u8], verified: &mut Verified) {
    let Ok(form) = std::str::from_utf8(body) else {
        return;
    };
    for (key, value) in form.split('&').filter_map(|pair| pair.split_once('=')) {
        match key {
            "command" => verified.event_type = form_value(value),
            // Interactivity posts its JSON in a `payload` field; its `type` names the action.
            "payload" => {
                if let Some(json) = form_value(value) {
                    verified.event_type = text(Envelope::parse(json.as_bytes()).kind.as_ref());
                }
            }
            _ => {}
        }
    }
}

/// Decodes an `application/x-www-form-urlencoded` value.
fn form_value(raw: &str) -> Option<String> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8().ok().map(|value| value.into_owned())
}
