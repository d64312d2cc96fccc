//! Which scheme a source signs with: the part of a source's configuration that is not a secret.

use serde::Deserialize;

/// The signature scheme a webhook source uses.
///
/// Deserialises from the relay's JSON config: the named providers are plain strings
/// (`"github"`, `"stripe"`, `"slack"`, `"shopify"`, `"standard-webhooks"`, also
/// `"standard_webhooks"`), and a generic scheme is an object `{"generic": {...}}` (see
/// [`GenericScheme`] for its fields).
///
/// ```
/// use webhook_relay::verify::{GenericMode, ProviderKind};
///
/// let kind: ProviderKind = serde_json::from_str(r#""standard-webhooks""#).unwrap();
/// assert_eq!(kind, ProviderKind::StandardWebhooks);
///
/// let gitlab: ProviderKind =
///     serde_json::from_str(r#"{"generic": {"header": "X-Gitlab-Token", "mode": "token"}}"#).unwrap();
/// let ProviderKind::Generic(scheme) = gitlab else { unreachable!() };
/// assert_eq!(scheme.mode, GenericMode::Token);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body; no timestamp.
    #[serde(rename = "github")]
    GitHub,
    /// Stripe: `Stripe-Signature: t=<unix>,v1=<hex>…` over `"{t}.{body}"`, keyed with the whole
    /// `whsec_…` string.
    Stripe,
    /// Slack: `X-Slack-Signature: v0=<hex>` over `"v0:{ts}:{body}"`, `ts` from
    /// `X-Slack-Request-Timestamp`.
    Slack,
    /// Shopify: `X-Shopify-Hmac-Sha256: <base64>` over the body; no timestamp.
    Shopify,
    /// Standard Webhooks (Svix, Resend, Clerk, …): `webhook-signature: v1,<base64> …` over
    /// `"{id}.{ts}.{body}"`, keyed with the base64 after `whsec_`; `svix-` headers accepted too.
    #[serde(alias = "standard_webhooks")]
    StandardWebhooks,
    /// Anything else: a configurable HMAC-SHA256 header, or a shared token (GitLab).
    Generic(GenericScheme),
}

impl ProviderKind {
    /// The name this kind has in the JSON config, for logs and metrics.
    ///
    /// ```
    /// use webhook_relay::verify::ProviderKind;
    /// assert_eq!(ProviderKind::StandardWebhooks.name(), "standard-webhooks");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            ProviderKind::GitHub => "github",
            ProviderKind::Stripe => "stripe",
            ProviderKind::Slack => "slack",
            ProviderKind::Shopify => "shopify",
            ProviderKind::StandardWebhooks => "standard-webhooks",
            ProviderKind::Generic(_) => "generic",
        }
    }
}

/// A scheme described by configuration rather than known by name.
///
/// In [`GenericMode::HmacSha256`] (the default) the header carries HMAC-SHA256 of the body, keyed
/// with the secret as UTF-8, after an optional `prefix`, in `encoding`. With `timestamp_header`
/// set, the signed payload is `"{timestamp}.{body}"` and the verifier's tolerance applies.
///
/// In [`GenericMode::Token`] the header simply carries the shared secret (GitLab's
/// `X-Gitlab-Token`). That proves who sent the request but not what they sent: the body is not
/// authenticated, so prefer an HMAC scheme whenever the sender offers one.
///
/// Unknown fields are rejected when deserialising, because a misspelt `timestamp_header` would
/// otherwise silently switch replay protection off.
///
/// ```
/// use webhook_relay::verify::{Encoding, GenericScheme};
///
/// let json = r#"{"header": "X-Signature", "prefix": "sha256=", "encoding": "hex",
///                "timestamp_header": "X-Timestamp"}"#;
/// let scheme: GenericScheme = serde_json::from_str(json).unwrap();
/// assert_eq!(
///     scheme,
///     GenericScheme {
///         prefix: Some("sha256=".into()),
///         timestamp_header: Some("X-Timestamp".into()),
///         ..GenericScheme::hmac_sha256("X-Signature", Encoding::Hex)
///     }
/// );
/// assert!(serde_json::from_str::<GenericScheme>(r#"{"header": "X", "timestmap_header": "T"}"#).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenericScheme {
    /// The header carrying the signature or token.
    pub header: String,
    /// HMAC-SHA256 signature (default) or shared token.
    #[serde(default)]
    pub mode: GenericMode,
    /// Text the header value must start with, such as `sha256=` or `Bearer `; it is stripped
    /// before decoding.
    #[serde(default)]
    pub prefix: Option<String>,
    /// How the signature bytes are written in the header (ignored in token mode).
    #[serde(default)]
    pub encoding: Encoding,
    /// A header holding the Unix timestamp that the sender signed as `"{timestamp}.{body}"`.
    #[serde(default, alias = "timestamp-header")]
    pub timestamp_header: Option<String>,
    /// A header naming the event, copied into [`Verified::event_type`](super::Verified).
    #[serde(default, alias = "event-type-header")]
    pub event_type_header: Option<String>,
    /// A header carrying a per-delivery id, copied into [`Verified::delivery_id`](super::Verified).
    #[serde(default, alias = "delivery-id-header")]
    pub delivery_id_header: Option<String>,
}

impl GenericScheme {
    /// An HMAC-SHA256 scheme on `header`, with no prefix, timestamp or metadata headers.
    ///
    /// ```
    /// use webhook_relay::verify::{Encoding, GenericMode, GenericScheme};
    /// let scheme = GenericScheme::hmac_sha256("X-Signature", Encoding::Base64);
    /// assert_eq!(scheme.mode, GenericMode::HmacSha256);
    /// ```
    pub fn hmac_sha256(header: impl Into<String>, encoding: Encoding) -> Self {
        GenericScheme {
            header: header.into(),
            mode: GenericMode::HmacSha256,
            prefix: None,
            encoding,
            timestamp_header: None,
            event_type_header: None,
            delivery_id_header: None,
        }
    }

    /// A shared-token scheme on `header`, such as GitLab's `X-Gitlab-Token`.
    ///
    /// ```
    /// use webhook_relay::verify::{GenericScheme, ProviderKind};
    /// let gitlab = GenericScheme {
    ///     event_type_header: Some("X-Gitlab-Event".into()),
    ///     delivery_id_header: Some("X-Gitlab-Event-UUID".into()),
    ///     ..GenericScheme::token("X-Gitlab-Token")
    /// };
    /// let _kind = ProviderKind::Generic(gitlab);
    /// ```
    pub fn token(header: impl Into<String>) -> Self {
        GenericScheme {
            mode: GenericMode::Token,
            ..GenericScheme::hmac_sha256(header, Encoding::Hex)
        }
    }
}

/// What a [`GenericScheme`]'s header carries.
///
/// ```
/// use webhook_relay::verify::GenericMode;
/// let mode: GenericMode = serde_json::from_str(r#""hmac-sha256""#).unwrap();
/// assert_eq!(mode, GenericMode::default());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GenericMode {
    /// HMAC-SHA256 of the (optionally timestamped) body, keyed with the secret. Config name
    /// `"hmac-sha256"` (or `"hmac"`).
    #[default]
    #[serde(alias = "hmac")]
    HmacSha256,
    /// The secret itself, compared in constant time. Config name `"token"`.
    Token,
}

/// How a [`GenericScheme`]'s signature bytes are written.
///
/// ```
/// use webhook_relay::verify::Encoding;
/// let encoding: Encoding = serde_json::from_str(r#""base64""#).unwrap();
/// assert_eq!(encoding, Encoding::Base64);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Lower- or upper-case hexadecimal. Config name `"hex"`.
    #[default]
    Hex,
    /// Standard base64 with padding. Config name `"base64"`.
    Base64,
}
