//! Webhook signature verification: pure, deterministic, no I/O and no clock.
//!
//! The worker's edge reads the request's headers and body and the current time
//! (`Date.now()`; `SystemTime` panics on wasm32) and hands them to [`Verifier::verify`], which
//! says whether the request is genuine and what it is about. The schemes are those of
//! `webhook-providers.md`: GitHub, Stripe, Slack, Shopify, Standard Webhooks (Svix) and a
//! configurable generic one that also covers shared tokens (GitLab). All HMACs are
//! HMAC-SHA256 over the raw body bytes, computed in the wasm with RustCrypto, and compared in
//! constant time. Several secrets per source allow key rotation.
//!
//! [`sign`] produces valid headers, for tests, the README's `curl` example and senders.
//!
//! ```
//! use webhook_relay::verify::{sign, ProviderKind, Verifier, DEFAULT_TOLERANCE_SECS};
//!
//! let secret = "It's a Secret to Everybody";
//! let body = br#"{"zen":"Keep it logically awesome."}"#;
//! let now = 1_700_000_000;
//! let sent = sign(&ProviderKind::GitHub, secret, body, now, "d-1").unwrap();
//! // Header names are case-insensitive; the closure is where that is handled.
//! let headers = |name: &str| {
//!     sent.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
//! };
//!
//! let verifier =
//!     Verifier::new(ProviderKind::GitHub, vec![secret.into()], DEFAULT_TOLERANCE_SECS).unwrap();
//! let verified = verifier.verify(&headers, body, now).unwrap();
//! assert_eq!(verified.delivery_id.as_deref(), Some("d-1"));
//! assert!(verifier.verify(&headers, b"tampered", now).is_err());
//! ```
#![warn(missing_docs, unreachable_pub)]

mod crypto;
mod error;
mod kind;
mod metadata;
mod providers;
#[cfg(test)]
mod tests;

use std::fmt;

pub use error::VerifyError;
pub use kind::{Encoding, GenericMode, GenericScheme, ProviderKind};

use crypto::Key;
use providers::{Presented, Proof};

/// How far a signed timestamp may be from now, either way, by default: 5 minutes, which is what
/// Stripe, Slack and Standard Webhooks all use.
///
/// ```
/// assert_eq!(webhook_relay::verify::DEFAULT_TOLERANCE_SECS, 300);
/// ```
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

/// Verifies the requests of one webhook source.
///
/// Build one per source when the worker starts (building checks the secrets' formats, so a
/// misconfiguration shows up before the first request) and call [`verify`](Self::verify) for
/// each request. `Debug` shows `[redacted]` in place of every secret.
///
/// ```
/// use webhook_relay::verify::{ProviderKind, Verifier};
///
/// let verifier = Verifier::new(
///     ProviderKind::Stripe,
///     vec!["whsec_new".into(), "whsec_old".into()], // rotation: either may sign
///     300,
/// )
/// .unwrap();
/// let shown = format!("{verifier:?}");
/// assert!(shown.contains("[redacted]") && !shown.contains("whsec_"));
/// ```
#[derive(Clone)]
pub struct Verifier {
    kind: ProviderKind,
    keys: Vec<Key>,
    tolerance_secs: u64,
}

/// What a genuine request says about itself.
///
/// Fields the provider does not supply, or that the body does not contain, are `None`.
///
/// ```
/// use webhook_relay::verify::{sign, ProviderKind, Verifier};
///
/// let secret = "shpss_example_secret";
/// let sent = sign(&ProviderKind::Shopify, secret, b"{}", 0, "wh-1").unwrap();
/// let headers = |name: &str| {
///     sent.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
/// };
/// let verifier = Verifier::new(ProviderKind::Shopify, vec![secret.into()], 300).unwrap();
/// let verified = verifier.verify(&headers, b"{}", 0).unwrap();
/// assert_eq!(verified.event_type.as_deref(), Some("orders/create"));
/// assert_eq!(verified.delivery_id.as_deref(), Some("wh-1"));
/// assert_eq!(verified.timestamp, None); // Shopify signs no timestamp
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The event's name, for routing: GitHub `X-GitHub-Event` (`"ping"` when a hook is
    /// created); Stripe and Standard Webhooks the body's `type`; Slack the body's `event.type`,
    /// else its `type` (`"url_verification"`), or a slash command's `command`, or an
    /// interactive payload's `type`; Shopify `X-Shopify-Topic`; generic its
    /// `event_type_header`.
    pub event_type: Option<String>,
    /// The id to deduplicate on: GitHub `X-GitHub-Delivery` (kept on manual redelivery);
    /// Stripe the body's `id`; Standard Webhooks `webhook-id`/`svix-id`; Shopify
    /// `X-Shopify-Webhook-Id`; Slack the body's `event_id` for event callbacks; generic its
    /// `delivery_id_header`.
    pub delivery_id: Option<String>,
    /// The signed Unix timestamp, for schemes that sign one.
    pub timestamp: Option<i64>,
    /// For Slack's `url_verification`, the challenge to answer with, inline.
    pub challenge: Option<String>,
    /// Which configured secret matched (0 = first). Once no request matches an old secret any
    /// more, it can be removed.
    pub secret_index: usize,
}

impl Verifier {
    /// A verifier for `kind` accepting any of `secrets`, with signed timestamps allowed to be
    /// `tolerance_secs` away from now either way (see [`DEFAULT_TOLERANCE_SECS`]; ignored by
    /// schemes that sign no timestamp).
    ///
    /// Fails, with a 500-class error naming the secret by position, when `secrets` is empty, a
    /// secret is empty, a Standard Webhooks secret is not `whsec_` + base64, or a generic
    /// scheme is unusable.
    ///
    /// ```
    /// use webhook_relay::verify::{ProviderKind, Verifier, VerifyError};
    ///
    /// let kind = ProviderKind::StandardWebhooks;
    /// assert!(Verifier::new(kind.clone(), vec!["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()], 300).is_ok());
    /// let err = Verifier::new(kind.clone(), vec!["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()], 300).unwrap_err();
    /// assert!(matches!(err, VerifyError::InvalidSecret { index: 0, .. }));
    /// assert_eq!(Verifier::new(kind, vec![], 300).unwrap_err(), VerifyError::NoSecrets);
    /// ```
    pub fn new(
        kind: ProviderKind,
        secrets: Vec<String>,
        tolerance_secs: u64,
    ) -> Result<Verifier, VerifyError> {
        providers::check_scheme(&kind)?;
        if secrets.is_empty() {
            return Err(VerifyError::NoSecrets);
        }
        let keys = secrets
            .iter()
            .enumerate()
            .map(|(index, secret)| providers::key(&kind, secret, index))
            .collect::<Result<_, _>>()?;
        Ok(Verifier { kind, keys, tolerance_secs })
    }

    /// The scheme this verifier checks.
    ///
    /// ```
    /// use webhook_relay::verify::{ProviderKind, Verifier};
    /// let verifier = Verifier::new(ProviderKind::Slack, vec!["s".into()], 300).unwrap();
    /// assert_eq!(verifier.kind(), &ProviderKind::Slack);
    /// ```
    pub fn kind(&self) -> &ProviderKind {
        &self.kind
    }

    /// Checks that `body` with `headers` was signed by this source, within the tolerance of
    /// `now_unix_secs`, and says what the request is about.
    ///
    /// `headers` looks a header up by name and **must ignore case** (the Workers `Headers::get`
    /// does); names are passed in their documented spelling, such as `X-Hub-Signature-256` or
    /// `webhook-id`. `body` must be the raw bytes received, never re-serialised JSON.
    ///
    /// The signature is checked before the timestamp, so a timestamp error means the request is
    /// genuine but stale (a replay, or a skewed clock), while anything forged is an
    /// [`InvalidSignature`](VerifyError::InvalidSignature). For Slack's `url_verification`,
    /// answer with [`Verified::challenge`].
    ///
    /// ```
    /// use webhook_relay::verify::{ProviderKind, Verifier, VerifyError};
    ///
    /// // Stripe's scheme with the vector from webhook-providers.md.
    /// let verifier = Verifier::new(
    ///     ProviderKind::Stripe,
    ///     vec!["whsec_test_secret_for_relay_0001".into()],
    ///     300,
    /// )
    /// .unwrap();
    /// let body = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
    /// let headers = |name: &str| {
    ///     name.eq_ignore_ascii_case("stripe-signature").then(|| {
    ///         "t=1700000000,v1=dbd95e88998883e2c2de643f95e672c6fca2fb1f8f5def2be83c475c165269b5"
    ///             .to_owned()
    ///     })
    /// };
    ///
    /// let verified = verifier.verify(&headers, body, 1_700_000_010).unwrap();
    /// assert_eq!(verified.event_type.as_deref(), Some("payment_intent.succeeded"));
    /// assert_eq!(verified.delivery_id.as_deref(), Some("evt_1"));
    ///
    /// let an_hour_later = 1_700_003_600;
    /// let err = verifier.verify(&headers, body, an_hour_later).unwrap_err();
    /// assert!(matches!(err, VerifyError::TimestampTooOld { .. }));
    /// assert_eq!(err.http_status(), 401);
    /// ```
    pub fn verify(
        &self,
        headers: &dyn Fn(&str) -> Option<String>,
        body: &[u8],
        now_unix_secs: i64,
    ) -> Result<Verified, VerifyError> {
        let presented = providers::present(&self.kind, headers)?;
        let secret_index =
            self.matching_secret(&presented, body).ok_or(VerifyError::InvalidSignature)?;
        if let Some(timestamp) = presented.timestamp {
            crypto::check_freshness(timestamp, now_unix_secs, self.tolerance_secs)?;
        }
        Ok(metadata::extract(&self.kind, headers, body, presented, secret_index))
    }

    /// The position of the first secret that signed the request.
    fn matching_secret(&self, presented: &Presented, body: &[u8]) -> Option<usize> {
        self.keys.iter().position(|key| match &presented.proof {
            Proof::Mac { prefix, candidates } => key.signed(prefix.as_bytes(), body, candidates),
            Proof::Token(token) => key.is_token(token.as_bytes()),
        })
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("kind", &self.kind)
            .field("secrets", &self.keys) // each key prints as `[redacted]`
            .field("tolerance_secs", &self.tolerance_secs)
            .finish()
    }
}

/// The headers a sender must attach for `body` to verify under `kind` with `secret`, signed at
/// `now_unix_secs`, as `(name, value)` pairs in the providers' own spelling.
///
/// `delivery_id` goes where the scheme carries one in a header (GitHub, Shopify, Standard
/// Webhooks — where it is signed — and a generic `delivery_id_header`); Stripe and Slack keep
/// theirs in the body, so it is unused there. Schemes that name the event in a header get a
/// sample one (GitHub `push`, Shopify `orders/create`, generic `test`): replace it to exercise
/// routing, as it is not signed. Fails like [`Verifier::new`] when the secret is unusable.
///
/// ```
/// use webhook_relay::verify::{sign, ProviderKind};
///
/// // Slack's published vector from webhook-providers.md: no clock, no randomness.
/// let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
/// let headers = sign(&ProviderKind::Slack, "8f742231b10e8888abcd99yyyzzz85a5", body, 1531420618, "").unwrap();
/// assert_eq!(
///     headers,
///     [
///         ("X-Slack-Request-Timestamp".to_owned(), "1531420618".to_owned()),
///         (
///             "X-Slack-Signature".to_owned(),
///             "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503".to_owned()
///         ),
///     ]
/// );
/// ```
pub fn sign(
    kind: &ProviderKind,
    secret: &str,
    body: &[u8],
    now_unix_secs: i64,
    delivery_id: &str,
) -> Result<Vec<(String, String)>, VerifyError> {
    providers::check_scheme(kind)?;
    let key = providers::key_bytes(kind, secret, 0)?;
    Ok(providers::signed_headers(kind, secret, &key, body, now_unix_secs, delivery_id))
}
