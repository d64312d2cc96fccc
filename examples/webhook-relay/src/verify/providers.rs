//! Each provider's headers: what a request presents, and what a sender must send.
//!
//! Parsing and signing live side by side so that the signed payload of each scheme is written
//! exactly once (the `*_prefix` functions) and both directions agree by construction.

use super::crypto::{self, Key, Tag};
use super::{Encoding, GenericMode, GenericScheme, ProviderKind, VerifyError};

/// Case-insensitive header lookup supplied by the caller.
pub(super) type Headers<'a> = &'a dyn Fn(&str) -> Option<String>;

pub(super) const GITHUB_SIGNATURE: &str = "X-Hub-Signature-256";
pub(super) const GITHUB_EVENT: &str = "X-GitHub-Event";
pub(super) const GITHUB_DELIVERY: &str = "X-GitHub-Delivery";
pub(super) const STRIPE_SIGNATURE: &str = "Stripe-Signature";
pub(super) const SLACK_SIGNATURE: &str = "X-Slack-Signature";
pub(super) const SLACK_TIMESTAMP: &str = "X-Slack-Request-Timestamp";
pub(super) const SHOPIFY_SIGNATURE: &str = "X-Shopify-Hmac-Sha256";
pub(super) const SHOPIFY_TOPIC: &str = "X-Shopify-Topic";
pub(super) const SHOPIFY_WEBHOOK_ID: &str = "X-Shopify-Webhook-Id";

/// The three Standard Webhooks headers under one branding.
struct StandardNames {
    id: &'static str,
    timestamp: &'static str,
    signature: &'static str,
}

const UNBRANDED: StandardNames = StandardNames {
    id: "webhook-id",
    timestamp: "webhook-timestamp",
    signature: "webhook-signature",
};

const SVIX: StandardNames =
    StandardNames { id: "svix-id", timestamp: "svix-timestamp", signature: "svix-signature" };

const STANDARD_SECRET_PREFIX: &str = "whsec_";

/// Event types put on signed requests for providers that carry the event in a header; the body
/// is the caller's, so body-typed providers get whatever type the body declares.
const SAMPLE_GITHUB_EVENT: &str = "push";
const SAMPLE_SHOPIFY_TOPIC: &str = "orders/create";
const SAMPLE_GENERIC_EVENT: &str = "test";

/// What a request offers as proof of origin.
pub(super) enum Proof {
    /// Bytes signed before the body, and every decodable signature offered (any may match).
    Mac { prefix: String, candidates: Vec<Vec<u8>> },
    /// A shared token.
    Token(String),
}

/// A request's proof plus the signed facts that come with it.
pub(super) struct Presented {
    pub(super) proof: Proof,
    pub(super) timestamp: Option<i64>,
    /// Standard Webhooks' id is part of the signed payload, so it is kept from the very header
    /// that was verified rather than looked up again.
    pub(super) signed_id: Option<String>,
}

impl Presented {
    fn mac(prefix: String, candidates: Vec<Vec<u8>>, timestamp: Option<i64>) -> Self {
        Presented { proof: Proof::Mac { prefix, candidates }, timestamp, signed_id: None }
    }
}

/// Rejects schemes that can never verify anything, before any secret is looked at.
pub(super) fn check_scheme(kind: &ProviderKind) -> Result<(), VerifyError> {
    let ProviderKind::Generic(scheme) = kind else {
        return Ok(());
    };
    if scheme.header.trim().is_empty() {
        return Err(VerifyError::InvalidConfig("a generic scheme needs a non-empty `header`"));
    }
    if scheme.mode == GenericMode::Token && scheme.timestamp_header.is_some() {
        return Err(VerifyError::InvalidConfig(
            "token mode signs nothing a timestamp could be bound to; remove `timestamp_header` \
             or use mode \"hmac-sha256\"",
        ));
    }
    Ok(())
}

/// Turns one configured secret into a key, checking the provider's secret format.
pub(super) fn key(kind: &ProviderKind, secret: &str, index: usize) -> Result<Key, VerifyError> {
    let bytes = key_bytes(kind, secret, index)?;
    Ok(match kind {
        ProviderKind::Generic(GenericScheme { mode: GenericMode::Token, .. }) => Key::token(&bytes),
        _ => Key::mac(&bytes),
    })
}

/// The HMAC key (or token) bytes of one configured secret.
pub(super) fn key_bytes(
    kind: &ProviderKind,
    secret: &str,
    index: usize,
) -> Result<Vec<u8>, VerifyError> {
    if secret.is_empty() {
        return Err(VerifyError::InvalidSecret { index, reason: "it is empty" });
    }
    match kind {
        ProviderKind::StandardWebhooks => standard_key(secret, index),
        // Stripe's key is the whole `whsec_…` string, undecoded; the others use UTF-8 as is.
        _ => Ok(secret.as_bytes().to_vec()),
    }
}

fn standard_key(secret: &str, index: usize) -> Result<Vec<u8>, VerifyError> {
    let invalid = |reason| VerifyError::InvalidSecret { index, reason };
    let encoded = secret.strip_prefix(STANDARD_SECRET_PREFIX).ok_or(invalid(
        "a Standard Webhooks secret must start with `whsec_` followed by base64; copy it \
         whole from the sender's dashboard",
    ))?;
    match crypto::decode_base64(encoded) {
        Some(key) if !key.is_empty() => Ok(key),
        _ => Err(invalid(
            "the part after `whsec_` of a Standard Webhooks secret must be non-empty base64",
        )),
    }
}

/// Reads the proof a request presents under `kind`.
pub(super) fn present(kind: &ProviderKind, headers: Headers<'_>) -> Result<Presented, VerifyError> {
    match kind {
        ProviderKind::GitHub => github(headers),
        ProviderKind::Stripe => stripe(headers),
        ProviderKind::Slack => slack(headers),
        ProviderKind::Shopify => shopify(headers),
        ProviderKind::StandardWebhooks => standard(headers),
        ProviderKind::Generic(scheme) => generic(scheme, headers),
    }
}

fn required(headers: Headers<'_>, name: &str) -> Result<String, VerifyError> {
    headers(name).ok_or_else(|| VerifyError::missing(name))
}

fn strip<'v>(value: &'v str, header: &str, prefix: &str) -> Result<&'v str, VerifyError> {
    value
        .strip_prefix(prefix)
        .ok_or_else(|| VerifyError::malformed(header, "the value lacks its expected prefix"))
}

fn timestamp(header: &str, raw: &str) -> Result<i64, VerifyError> {
    crypto::parse_unix_secs(raw)
        .ok_or_else(|| VerifyError::malformed(header, "not a Unix timestamp in seconds"))
}

/// Decodes what can be decoded: an undecodable signature cannot match, which is an
/// `InvalidSignature`, not a parse error.
fn decodable<'s>(encoding: Encoding, texts: impl IntoIterator<Item = &'s str>) -> Vec<Vec<u8>> {
    texts.into_iter().filter_map(|text| crypto::decode(encoding, text)).collect()
}

fn github(headers: Headers<'_>) -> Result<Presented, VerifyError> {
    let value = required(headers, GITHUB_SIGNATURE)?;
    let hex = strip(&value, GITHUB_SIGNATURE, "sha256=")?;
    Ok(Presented::mac(String::new(), decodable(Encoding::Hex, [hex]), None))
}

fn stripe_prefix(t: &str) -> String {
    format!("{t}.")
}

fn stripe(headers: Headers<'_>) -> Result<Presented, VerifyError> {
    let value = required(headers, STRIPE_SIGNATURE)?;
    let mut t = None;
    let mut v1 = Vec::new();
    // Like Stripe's own libraries: skip items that are not `key=value`, take every `v1`, and
    // ignore other schemes (`v0` is a test-mode signature with a different key).
    for (key, val) in value.split(',').filter_map(|item| item.trim().split_once('=')) {
        match key {
            "t" if t.is_none() => t = Some(val),
            "v1" => v1.push(val),
            _ => {}
        }
    }
    let t = t.ok_or_else(|| VerifyError::malformed(STRIPE_SIGNATURE, "no `t=` timestamp"))?;
    let ts = timestamp(STRIPE_SIGNATURE, t)?;
    if v1.is_empty() {
        return Err(VerifyError::malformed(
            STRIPE_SIGNATURE,
            "no `v1=` signature (only v1 is accepted)",
        ));
    }
    Ok(Presented::mac(stripe_prefix(t), decodable(Encoding::Hex, v1), Some(ts)))
}

fn slack_prefix(ts: &str) -> String {
    format!("v0:{ts}:")
}

fn slack(headers: Headers<'_>) -> Result<Presented, VerifyError> {
    let value = required(headers, SLACK_SIGNATURE)?;
    let hex = strip(&value, SLACK_SIGNATURE, "v0=")?;
    let raw_ts = required(headers, SLACK_TIMESTAMP)?;
    let ts = timestamp(SLACK_TIMESTAMP, &raw_ts)?;
    Ok(Presented::mac(slack_prefix(&raw_ts), decodable(Encoding::Hex, [hex]), Some(ts)))
}

fn shopify(headers: Headers<'_>) -> Result<Presented, VerifyError> {
    let value = required(headers, SHOPIFY_SIGNATURE)?;
    Ok(Presented::mac(String::new(), decodable(Encoding::Base64, [value.as_str()]), None))
}

fn standard_prefix(id: &str, ts: &str) -> String {
    format!("{id}.{ts}.")
}

fn standard(headers: Headers<'_>) -> Result<Presented, VerifyError> {
    // The branding is chosen by the signature header, and the id and timestamp are then read
    // under the same branding, so a request never mixes two senders' headers.
    let (names, value) = match (headers(UNBRANDED.signature), headers(SVIX.signature)) {
        (Some(value), _) => (&UNBRANDED, value),
        (None, Some(value)) => (&SVIX, value),
        (None, None) => return Err(VerifyError::missing(UNBRANDED.signature)),
    };
    let id = required(headers, names.id)?;
    let raw_ts = required(headers, names.timestamp)?;
    let ts = timestamp(names.timestamp, &raw_ts)?;
    let v1: Vec<&str> = value
        .split(' ')
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .map(|(_, signature)| signature)
        .collect();
    if v1.is_empty() {
        return Err(VerifyError::malformed(
            names.signature,
            "no `v1,` signature (only v1 is accepted)",
        ));
    }
    Ok(Presented {
        proof: Proof::Mac {
            prefix: standard_prefix(&id, &raw_ts),
            candidates: decodable(Encoding::Base64, v1),
        },
        timestamp: Some(ts),
        signed_id: Some(id),
    })
}

fn generic_prefix(ts: Option<&str>) -> String {
    ts.map(|ts| format!("{ts}.")).unwrap_or_default()
}

fn generic(scheme: &GenericScheme, headers: Headers<'_>) -> Result<Presented, VerifyError> {
    let value = required(headers, &scheme.header)?;
    let value = match &scheme.prefix {
        Some(prefix) => strip(&value, &scheme.header, prefix)?,
        None => &value,
    };
    if scheme.mode == GenericMode::Token {
        return Ok(Presented {
            proof: Proof::Token(value.to_owned()),
            timestamp: None,
            signed_id: None,
        });
    }
    let (raw_ts, ts) = match &scheme.timestamp_header {
        Some(name) => {
            let raw = required(headers, name)?;
            let ts = timestamp(name, &raw)?;
            (Some(raw), Some(ts))
        }
        None => (None, None),
    };
    let candidates = decodable(scheme.encoding, [value]);
    Ok(Presented::mac(generic_prefix(raw_ts.as_deref()), candidates, ts))
}

/// Everything a sender must send for `body` to verify under `kind`, signed with `secret` at
/// `now`. `key` is what [`key_bytes`] made of `secret`.
pub(super) fn signed_headers(
    kind: &ProviderKind,
    secret: &str,
    key: &[u8],
    body: &[u8],
    now: i64,
    delivery_id: &str,
) -> Vec<(String, String)> {
    let ts = now.to_string();
    let hmac = |prefix: &str| -> Tag { crypto::sign_bytes(key, prefix.as_bytes(), body) };
    let pairs: Vec<(&str, String)> = match kind {
        ProviderKind::GitHub => vec![
            (GITHUB_SIGNATURE, format!("sha256={}", crypto::encode(Encoding::Hex, &hmac("")))),
            (GITHUB_EVENT, SAMPLE_GITHUB_EVENT.to_owned()),
            (GITHUB_DELIVERY, delivery_id.to_owned()),
        ],
        ProviderKind::Stripe => {
            let signature = crypto::encode(Encoding::Hex, &hmac(&stripe_prefix(&ts)));
            vec![(STRIPE_SIGNATURE, format!("t={ts},v1={signature}"))]
        }
        ProviderKind::Slack => vec![
            (SLACK_TIMESTAMP, ts.clone()),
            (
                SLACK_SIGNATURE,
                format!("v0={}", crypto::encode(Encoding::Hex, &hmac(&slack_prefix(&ts)))),
            ),
        ],
        ProviderKind::Shopify => vec![
            (SHOPIFY_SIGNATURE, crypto::encode(Encoding::Base64, &hmac(""))),
            (SHOPIFY_TOPIC, SAMPLE_SHOPIFY_TOPIC.to_owned()),
            (SHOPIFY_WEBHOOK_ID, delivery_id.to_owned()),
        ],
        ProviderKind::StandardWebhooks => {
            let tag = hmac(&standard_prefix(delivery_id, &ts));
            vec![
                (UNBRANDED.id, delivery_id.to_owned()),
                (UNBRANDED.timestamp, ts.clone()),
                (UNBRANDED.signature, format!("v1,{}", crypto::encode(Encoding::Base64, &tag))),
            ]
        }
        ProviderKind::Generic(scheme) => {
            let proof = match scheme.mode {
                GenericMode::Token => secret.to_owned(),
                GenericMode::HmacSha256 => {
                    let signed_ts = scheme.timestamp_header.as_ref().map(|_| ts.as_str());
                    crypto::encode(scheme.encoding, &hmac(&generic_prefix(signed_ts)))
                }
            };
            let prefix = scheme.prefix.as_deref().unwrap_or_default();
            let mut pairs = vec![(scheme.header.as_str(), format!("{prefix}{proof}"))];
            if let Some(name) = &scheme.timestamp_header {
                pairs.push((name, ts.clone()));
            }
            if let Some(name) = &scheme.event_type_header {
                pairs.push((name, SAMPLE_GENERIC_EVENT.to_owned()));
            }
            if let Some(name) = &scheme.delivery_id_header {
                pairs.push((name, delivery_id.to_owned()));
            }
            pairs
        }
    };
    pairs.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
}
