//! Known-answer vectors from `webhook-providers.md` first, then one test per failure mode.

use super::*;

// ----- helpers -----------------------------------------------------------------------------

type Pairs = Vec<(String, String)>;

fn pairs(list: &[(&str, &str)]) -> Pairs {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A case-insensitive lookup over `pairs`, like the Workers `Headers::get`.
fn lookup(pairs: &Pairs) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

fn without(pairs: &Pairs, name: &str) -> Pairs {
    pairs.iter().filter(|(k, _)| !k.eq_ignore_ascii_case(name)).cloned().collect()
}

fn with(pairs: &Pairs, name: &str, value: &str) -> Pairs {
    let mut out = without(pairs, name);
    out.push((name.to_owned(), value.to_owned()));
    out
}

fn verifier(kind: &ProviderKind, secrets: &[&str]) -> Verifier {
    let secrets = secrets.iter().map(|s| s.to_string()).collect();
    Verifier::new(kind.clone(), secrets, DEFAULT_TOLERANCE_SECS).expect("valid config")
}

fn check(
    kind: &ProviderKind,
    secrets: &[&str],
    headers: &Pairs,
    body: &[u8],
    now: i64,
) -> Result<Verified, VerifyError> {
    verifier(kind, secrets).verify(&lookup(headers), body, now)
}

fn signed(kind: &ProviderKind, secret: &str, body: &[u8], now: i64) -> Pairs {
    sign(kind, secret, body, now, "delivery-1").expect("valid secret")
}

// The vectors of webhook-providers.md.
const GITHUB_SECRET: &str = "It's a Secret to Everybody";
const GITHUB_BODY: &[u8] = b"Hello, World!";
const GITHUB_SIGNATURE: &str =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

const STRIPE_SECRET: &str = "whsec_test_secret_for_relay_0001";
const STRIPE_T: i64 = 1_700_000_000;
const STRIPE_BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
const STRIPE_V1: &str = "dbd95e88998883e2c2de643f95e672c6fca2fb1f8f5def2be83c475c165269b5";

const SLACK_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const SLACK_TS: i64 = 1_531_420_618;
const SLACK_BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SLACK_SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

const SHOPIFY_SECRET: &str = "shpss_example_secret";
const SHOPIFY_BODY: &[u8] = br#"{"id":820982911946154500,"email":"jon@example.com"}"#;
const SHOPIFY_SIGNATURE: &str = "DJ38TBUsurM3cmPEdbLcg7Yg9s0Gz6eKBJpzWIIKYNM=";

const STANDARD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const STANDARD_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const STANDARD_TS: i64 = 1_614_265_330;
const STANDARD_BODY: &[u8] = br#"{"test": 2432232314}"#;
const STANDARD_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

/// A second valid Standard Webhooks secret (Svix's own test secret).
const OTHER_STANDARD_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn github_headers() -> Pairs {
    pairs(&[
        ("X-Hub-Signature-256", GITHUB_SIGNATURE),
        ("X-GitHub-Event", "push"),
        ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
    ])
}

fn stripe_headers() -> Pairs {
    pairs(&[("Stripe-Signature", &format!("t={STRIPE_T},v1={STRIPE_V1}"))])
}

fn slack_headers() -> Pairs {
    pairs(&[
        ("X-Slack-Request-Timestamp", &SLACK_TS.to_string()),
        ("X-Slack-Signature", SLACK_SIGNATURE),
    ])
}

fn shopify_headers() -> Pairs {
    pairs(&[
        ("X-Shopify-Hmac-Sha256", SHOPIFY_SIGNATURE),
        ("X-Shopify-Topic", "customers/create"),
        ("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
    ])
}

fn standard_headers() -> Pairs {
    pairs(&[
        ("webhook-id", STANDARD_ID),
        ("webhook-timestamp", &STANDARD_TS.to_string()),
        ("webhook-signature", STANDARD_SIGNATURE),
    ])
}

/// A generic HMAC scheme exercising every option: prefix, hex, timestamp, metadata headers.
fn generic_timestamped() -> ProviderKind {
    ProviderKind::Generic(GenericScheme {
        prefix: Some("sha256=".into()),
        timestamp_header: Some("X-Timestamp".into()),
        event_type_header: Some("X-Event".into()),
        delivery_id_header: Some("X-Delivery".into()),
        ..GenericScheme::hmac_sha256("X-Signature", Encoding::Hex)
    })
}

fn generic_base64() -> ProviderKind {
    ProviderKind::Generic(GenericScheme::hmac_sha256("X-Signature", Encoding::Base64))
}

fn gitlab() -> ProviderKind {
    ProviderKind::Generic(GenericScheme {
        event_type_header: Some("X-Gitlab-Event".into()),
        delivery_id_header: Some("X-Gitlab-Event-UUID".into()),
        ..GenericScheme::token("X-Gitlab-Token")
    })
}

/// Every scheme, each with a secret and a second, different valid secret.
fn every_scheme() -> Vec<(ProviderKind, &'static str, &'static str)> {
    vec![
        (ProviderKind::GitHub, GITHUB_SECRET, "another secret"),
        (ProviderKind::Stripe, STRIPE_SECRET, "whsec_another"),
        (ProviderKind::Slack, SLACK_SECRET, "another secret"),
        (ProviderKind::Shopify, SHOPIFY_SECRET, "another secret"),
        (ProviderKind::StandardWebhooks, STANDARD_SECRET, OTHER_STANDARD_SECRET),
        (generic_timestamped(), "generic secret", "another secret"),
        (generic_base64(), "generic secret", "another secret"),
        (gitlab(), "gitlab-token", "another token"),
    ]
}

/// The schemes that sign a timestamp, with the header that carries it.
fn timestamped_schemes() -> Vec<(ProviderKind, &'static str)> {
    every_scheme()
        .into_iter()
        .filter_map(|(kind, secret, _)| match kind {
            ProviderKind::Stripe
            | ProviderKind::Slack
            | ProviderKind::StandardWebhooks
            | ProviderKind::Generic(GenericScheme { timestamp_header: Some(_), .. }) => {
                Some((kind, secret))
            }
            _ => None,
        })
        .collect()
}

const BODY: &[u8] = br#"{"id":"evt_2","type":"invoice.paid","event_id":"Ev1"}"#;
const NOW: i64 = 1_700_000_000;

// ----- known-answer vectors -----------------------------------------------------------------

#[test]
fn github_published_vector_verifies() {
    let verified =
        check(&ProviderKind::GitHub, &[GITHUB_SECRET], &github_headers(), GITHUB_BODY, NOW)
            .unwrap();
    assert_eq!(verified.event_type.as_deref(), Some("push"));
    assert_eq!(verified.delivery_id.as_deref(), Some("72d3162e-cc78-11e3-81ab-4c9367dc0958"));
    assert_eq!(verified.timestamp, None);
}

#[test]
fn stripe_computed_vector_verifies() {
    let verified = check(
        &ProviderKind::Stripe,
        &[STRIPE_SECRET],
        &stripe_headers(),
        STRIPE_BODY,
        STRIPE_T + 30,
    )
    .unwrap();
    assert_eq!(verified.event_type.as_deref(), Some("payment_intent.succeeded"));
    assert_eq!(verified.delivery_id.as_deref(), Some("evt_1"));
    assert_eq!(verified.timestamp, Some(STRIPE_T));
}

#[test]
fn slack_published_vector_verifies() {
    let verified =
        check(&ProviderKind::Slack, &[SLACK_SECRET], &slack_headers(), SLACK_BODY, SLACK_TS + 5)
            .unwrap();
    // A slash command: the event type is the decoded `command`, and there is no delivery id.
    assert_eq!(verified.event_type.as_deref(), Some("/webhook-collect"));
    assert_eq!(verified.delivery_id, None);
    assert_eq!(verified.challenge, None);
    assert_eq!(verified.timestamp, Some(SLACK_TS));
}

#[test]
fn shopify_computed_vector_verifies() {
    let verified =
        check(&ProviderKind::Shopify, &[SHOPIFY_SECRET], &shopify_headers(), SHOPIFY_BODY, NOW)
            .unwrap();
    assert_eq!(verified.event_type.as_deref(), Some("customers/create"));
    assert_eq!(verified.delivery_id.as_deref(), Some("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"));
}

#[test]
fn standard_webhooks_published_vector_verifies() {
    let verified = check(
        &ProviderKind::StandardWebhooks,
        &[STANDARD_SECRET],
        &standard_headers(),
        STANDARD_BODY,
        STANDARD_TS - 10,
    )
    .unwrap();
    assert_eq!(verified.delivery_id.as_deref(), Some(STANDARD_ID));
    assert_eq!(verified.timestamp, Some(STANDARD_TS));
    assert_eq!(verified.event_type, None, "the vector's body has no `type`");
}

#[test]
fn sign_reproduces_every_vector() {
    let header = |headers: Pairs, name: &str| lookup(&headers)(name).unwrap();
    let github = sign(&ProviderKind::GitHub, GITHUB_SECRET, GITHUB_BODY, NOW, "d").unwrap();
    assert_eq!(header(github, "X-Hub-Signature-256"), GITHUB_SIGNATURE);

    let stripe = sign(&ProviderKind::Stripe, STRIPE_SECRET, STRIPE_BODY, STRIPE_T, "").unwrap();
    assert_eq!(header(stripe, "Stripe-Signature"), format!("t={STRIPE_T},v1={STRIPE_V1}"));

    let slack = sign(&ProviderKind::Slack, SLACK_SECRET, SLACK_BODY, SLACK_TS, "").unwrap();
    assert_eq!(header(slack, "X-Slack-Signature"), SLACK_SIGNATURE);

    let shopify = sign(&ProviderKind::Shopify, SHOPIFY_SECRET, SHOPIFY_BODY, NOW, "").unwrap();
    assert_eq!(header(shopify, "X-Shopify-Hmac-Sha256"), SHOPIFY_SIGNATURE);

    let standard = sign(
        &ProviderKind::StandardWebhooks,
        STANDARD_SECRET,
        STANDARD_BODY,
        STANDARD_TS,
        STANDARD_ID,
    )
    .unwrap();
    assert_eq!(standard, standard_headers());
}

#[test]
fn generic_hmac_matches_the_github_vector_when_configured_like_github() {
    let like_github = ProviderKind::Generic(GenericScheme {
        prefix: Some("sha256=".into()),
        ..GenericScheme::hmac_sha256("X-Hub-Signature-256", Encoding::Hex)
    });
    check(&like_github, &[GITHUB_SECRET], &github_headers(), GITHUB_BODY, NOW).unwrap();
}

#[test]
fn generic_base64_matches_the_shopify_vector_when_configured_like_shopify() {
    let like_shopify = ProviderKind::Generic(GenericScheme::hmac_sha256(
        "X-Shopify-Hmac-Sha256",
        Encoding::Base64,
    ));
    check(&like_shopify, &[SHOPIFY_SECRET], &shopify_headers(), SHOPIFY_BODY, NOW).unwrap();
}

// ----- round trips --------------------------------------------------------------------------

#[test]
fn sign_then_verify_round_trips_for_every_scheme() {
    for (kind, secret, _) in every_scheme() {
        let headers = signed(&kind, secret, BODY, NOW);
        let verified = check(&kind, &[secret], &headers, BODY, NOW)
            .unwrap_or_else(|e| panic!("{}: {e}", kind.name()));
        assert_eq!(verified.secret_index, 0);
    }
}

#[test]
fn header_names_are_looked_up_case_insensitively() {
    for (kind, secret, _) in every_scheme() {
        let shouting: Pairs = signed(&kind, secret, BODY, NOW)
            .into_iter()
            .map(|(k, v)| (k.to_ascii_uppercase(), v))
            .collect();
        check(&kind, &[secret], &shouting, BODY, NOW)
            .unwrap_or_else(|e| panic!("{}: {e}", kind.name()));
    }
}

// ----- wrong secret, tampered body ----------------------------------------------------------

#[test]
fn wrong_secret_is_an_invalid_signature_for_every_scheme() {
    for (kind, secret, other) in every_scheme() {
        let headers = signed(&kind, secret, BODY, NOW);
        let err = check(&kind, &[other], &headers, BODY, NOW).unwrap_err();
        assert_eq!(err, VerifyError::InvalidSignature, "{}", kind.name());
        assert_eq!(err.http_status(), 401);
    }
}

#[test]
fn tampered_body_is_an_invalid_signature_for_every_hmac_scheme() {
    for (kind, secret, _) in every_scheme() {
        if kind == gitlab() {
            continue; // a shared token does not cover the body; see `gitlab_token_ignores_the_body`
        }
        let headers = signed(&kind, secret, BODY, NOW);
        let tampered = br#"{"id":"evt_2","type":"invoice.paid","event_id":"Ev2"}"#;
        let err = check(&kind, &[secret], &headers, tampered, NOW).unwrap_err();
        assert_eq!(err, VerifyError::InvalidSignature, "{}", kind.name());
    }
}

#[test]
fn tampered_signed_timestamp_is_an_invalid_signature() {
    for (kind, secret) in timestamped_schemes() {
        let headers = signed(&kind, secret, BODY, NOW);
        // Re-stamp the request one second later without re-signing.
        let restamped: Pairs = headers
            .iter()
            .map(|(k, v)| (k.clone(), v.replace(&NOW.to_string(), &(NOW + 1).to_string())))
            .collect();
        assert_ne!(restamped, headers, "{}", kind.name());
        let err = check(&kind, &[secret], &restamped, BODY, NOW).unwrap_err();
        assert_eq!(err, VerifyError::InvalidSignature, "{}", kind.name());
    }
}

#[test]
fn tampered_standard_webhooks_id_is_an_invalid_signature() {
    let headers = with(&standard_headers(), "webhook-id", "msg_other");
    let err = check(
        &ProviderKind::StandardWebhooks,
        &[STANDARD_SECRET],
        &headers,
        STANDARD_BODY,
        STANDARD_TS,
    )
    .unwrap_err();
    assert_eq!(err, VerifyError::InvalidSignature);
}

// ----- missing and malformed headers --------------------------------------------------------

#[test]
fn each_missing_required_header_is_named() {
    let cases: Vec<(ProviderKind, &str, &[&str])> = vec![
        (ProviderKind::GitHub, GITHUB_SECRET, &["X-Hub-Signature-256"]),
        (ProviderKind::Stripe, STRIPE_SECRET, &["Stripe-Signature"]),
        (ProviderKind::Slack, SLACK_SECRET, &["X-Slack-Signature", "X-Slack-Request-Timestamp"]),
        (ProviderKind::Shopify, SHOPIFY_SECRET, &["X-Shopify-Hmac-Sha256"]),
        (
            ProviderKind::StandardWebhooks,
            STANDARD_SECRET,
            &["webhook-id", "webhook-timestamp", "webhook-signature"],
        ),
        (generic_timestamped(), "generic secret", &["X-Signature", "X-Timestamp"]),
        (gitlab(), "gitlab-token", &["X-Gitlab-Token"]),
    ];
    for (kind, secret, required) in cases {
        let headers = signed(&kind, secret, BODY, NOW);
        for name in required {
            let err = check(&kind, &[secret], &without(&headers, name), BODY, NOW).unwrap_err();
            assert_eq!(err, VerifyError::MissingHeader(name.to_string()));
            assert_eq!(err.http_status(), 401);
        }
    }
}

#[test]
fn missing_metadata_headers_only_lose_metadata() {
    let optional: Vec<(ProviderKind, &str, &[&str])> = vec![
        (ProviderKind::GitHub, GITHUB_SECRET, &["X-GitHub-Event", "X-GitHub-Delivery"]),
        (ProviderKind::Shopify, SHOPIFY_SECRET, &["X-Shopify-Topic", "X-Shopify-Webhook-Id"]),
        (generic_timestamped(), "generic secret", &["X-Event", "X-Delivery"]),
    ];
    for (kind, secret, names) in optional {
        let mut headers = signed(&kind, secret, BODY, NOW);
        for name in names {
            headers = without(&headers, name);
        }
        let verified = check(&kind, &[secret], &headers, BODY, NOW).unwrap();
        assert_eq!(verified.event_type, None, "{}", kind.name());
        assert_eq!(verified.delivery_id, None, "{}", kind.name());
    }
}

fn assert_malformed(result: Result<Verified, VerifyError>, header: &str) {
    match result {
        Err(VerifyError::MalformedHeader { header: got, .. }) => assert_eq!(got, header),
        other => panic!("expected {header} to be malformed, got {other:?}"),
    }
}

#[test]
fn malformed_headers_are_rejected_with_their_name() {
    let github = |value: &str| {
        let headers = with(&github_headers(), "X-Hub-Signature-256", value);
        check(&ProviderKind::GitHub, &[GITHUB_SECRET], &headers, GITHUB_BODY, NOW)
    };
    // The legacy SHA-1 form, or a bare digest, lacks the `sha256=` prefix.
    assert_malformed(github("sha1=0123"), "X-Hub-Signature-256");
    assert_malformed(github(&GITHUB_SIGNATURE[7..]), "X-Hub-Signature-256");

    let stripe = |value: &str| {
        let headers = pairs(&[("Stripe-Signature", value)]);
        check(&ProviderKind::Stripe, &[STRIPE_SECRET], &headers, STRIPE_BODY, STRIPE_T)
    };
    assert_malformed(stripe(&format!("v1={STRIPE_V1}")), "Stripe-Signature");
    assert_malformed(stripe(&format!("t=,v1={STRIPE_V1}")), "Stripe-Signature");
    assert_malformed(stripe(&format!("t=soon,v1={STRIPE_V1}")), "Stripe-Signature");
    assert_malformed(stripe(&format!("t=-1,v1={STRIPE_V1}")), "Stripe-Signature");
    assert_malformed(stripe(&format!("t={STRIPE_T}")), "Stripe-Signature");
    assert_malformed(stripe(""), "Stripe-Signature");

    let slack = |name: &str, value: &str| {
        let headers = with(&slack_headers(), name, value);
        check(&ProviderKind::Slack, &[SLACK_SECRET], &headers, SLACK_BODY, SLACK_TS)
    };
    assert_malformed(slack("X-Slack-Signature", &SLACK_SIGNATURE[3..]), "X-Slack-Signature");
    assert_malformed(
        slack("X-Slack-Request-Timestamp", "1531420618.5"),
        "X-Slack-Request-Timestamp",
    );
    assert_malformed(
        slack("X-Slack-Request-Timestamp", "99999999999999999999999"),
        "X-Slack-Request-Timestamp",
    );

    let standard = |name: &str, value: &str| {
        let headers = with(&standard_headers(), name, value);
        let kind = ProviderKind::StandardWebhooks;
        check(&kind, &[STANDARD_SECRET], &headers, STANDARD_BODY, STANDARD_TS)
    };
    assert_malformed(standard("webhook-timestamp", " 1614265330"), "webhook-timestamp");
    assert_malformed(
        standard("webhook-signature", "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        "webhook-signature",
    );
    assert_malformed(standard("webhook-signature", "garbage"), "webhook-signature");

    let kind = generic_timestamped();
    let generic = |name: &str, value: &str| {
        let headers = with(&signed(&kind, "generic secret", BODY, NOW), name, value);
        check(&kind, &["generic secret"], &headers, BODY, NOW)
    };
    assert_malformed(generic("X-Signature", "00ff"), "X-Signature");
    assert_malformed(generic("X-Timestamp", "yesterday"), "X-Timestamp");
}

#[test]
fn undecodable_signatures_are_invalid_not_a_panic() {
    let github = with(&github_headers(), "X-Hub-Signature-256", "sha256=zz\u{e9}");
    let err = check(&ProviderKind::GitHub, &[GITHUB_SECRET], &github, GITHUB_BODY, NOW);
    assert_eq!(err.unwrap_err(), VerifyError::InvalidSignature);

    // Right digest, truncated by one byte: valid hex of the wrong length.
    let short = with(&github_headers(), "X-Hub-Signature-256", &GITHUB_SIGNATURE[..69]);
    let err = check(&ProviderKind::GitHub, &[GITHUB_SECRET], &short, GITHUB_BODY, NOW);
    assert_eq!(err.unwrap_err(), VerifyError::InvalidSignature);

    let odd_hex = pairs(&[("Stripe-Signature", &format!("t={STRIPE_T},v1=abc"))]);
    let err = check(&ProviderKind::Stripe, &[STRIPE_SECRET], &odd_hex, STRIPE_BODY, STRIPE_T);
    assert_eq!(err.unwrap_err(), VerifyError::InvalidSignature);

    let shopify = with(&shopify_headers(), "X-Shopify-Hmac-Sha256", "not base64!");
    let err = check(&ProviderKind::Shopify, &[SHOPIFY_SECRET], &shopify, SHOPIFY_BODY, NOW);
    assert_eq!(err.unwrap_err(), VerifyError::InvalidSignature);

    let standard = with(&standard_headers(), "webhook-signature", "v1,***");
    let kind = ProviderKind::StandardWebhooks;
    let err = check(&kind, &[STANDARD_SECRET], &standard, STANDARD_BODY, STANDARD_TS);
    assert_eq!(err.unwrap_err(), VerifyError::InvalidSignature);

    let empty = with(&standard_headers(), "webhook-signature", "v1,");
    let err = check(&kind, &[STANDARD_SECRET], &empty, STANDARD_BODY, STANDARD_TS);
    assert_eq!(err.unwrap_err(), VerifyError::InvalidSignature);
}

// ----- timestamps ---------------------------------------------------------------------------

#[test]
fn stale_timestamps_are_too_old() {
    for (kind, secret) in timestamped_schemes() {
        let headers = signed(&kind, secret, BODY, NOW);
        let err = check(&kind, &[secret], &headers, BODY, NOW + 3600).unwrap_err();
        assert_eq!(
            err,
            VerifyError::TimestampTooOld { age_secs: 3600, tolerance_secs: 300 },
            "{}",
            kind.name()
        );
        assert_eq!(err.http_status(), 401);
    }
}

#[test]
fn future_timestamps_are_rejected() {
    for (kind, secret) in timestamped_schemes() {
        let headers = signed(&kind, secret, BODY, NOW);
        let err = check(&kind, &[secret], &headers, BODY, NOW - 3600).unwrap_err();
        assert_eq!(
            err,
            VerifyError::TimestampInFuture { ahead_secs: 3600, tolerance_secs: 300 },
            "{}",
            kind.name()
        );
        assert_eq!(err.http_status(), 401);
    }
}

#[test]
fn tolerance_bounds_are_inclusive_and_one_second_past_is_rejected() {
    for (kind, secret) in timestamped_schemes() {
        let headers = signed(&kind, secret, BODY, NOW);
        let at = |now| check(&kind, &[secret], &headers, BODY, now);
        assert!(at(NOW + 300).is_ok(), "{}: exactly 300 s old", kind.name());
        assert!(at(NOW - 300).is_ok(), "{}: exactly 300 s ahead", kind.name());
        assert!(
            matches!(at(NOW + 301), Err(VerifyError::TimestampTooOld { age_secs: 301, .. })),
            "{}",
            kind.name()
        );
        assert!(
            matches!(at(NOW - 301), Err(VerifyError::TimestampInFuture { ahead_secs: 301, .. })),
            "{}",
            kind.name()
        );
    }
}

#[test]
fn a_custom_tolerance_is_honoured() {
    let headers = signed(&ProviderKind::Slack, SLACK_SECRET, BODY, NOW);
    let strict = Verifier::new(ProviderKind::Slack, vec![SLACK_SECRET.into()], 10).unwrap();
    assert!(strict.verify(&lookup(&headers), BODY, NOW + 10).is_ok());
    assert_eq!(
        strict.verify(&lookup(&headers), BODY, NOW + 11),
        Err(VerifyError::TimestampTooOld { age_secs: 11, tolerance_secs: 10 })
    );
}

#[test]
fn schemes_without_timestamps_ignore_the_clock() {
    for kind in [ProviderKind::GitHub, ProviderKind::Shopify] {
        let secret = "s";
        let headers = signed(&kind, secret, BODY, NOW);
        for now in [i64::MIN, 0, i64::MAX] {
            check(&kind, &[secret], &headers, BODY, now).unwrap();
        }
    }
}

#[test]
fn extreme_clocks_do_not_overflow() {
    let headers = signed(&ProviderKind::Stripe, STRIPE_SECRET, BODY, 0);
    let err = check(&ProviderKind::Stripe, &[STRIPE_SECRET], &headers, BODY, i64::MAX);
    assert!(matches!(err, Err(VerifyError::TimestampTooOld { .. })));
    let err = check(&ProviderKind::Stripe, &[STRIPE_SECRET], &headers, BODY, i64::MIN);
    assert!(matches!(err, Err(VerifyError::TimestampInFuture { .. })));
    let lenient = Verifier::new(ProviderKind::Stripe, vec![STRIPE_SECRET.into()], u64::MAX);
    assert!(lenient.unwrap().verify(&lookup(&headers), BODY, i64::MIN).is_ok());
}

#[test]
fn a_forged_stale_request_reports_the_signature_not_the_timestamp() {
    let headers = signed(&ProviderKind::Stripe, "whsec_forger", BODY, NOW);
    let err = check(&ProviderKind::Stripe, &[STRIPE_SECRET], &headers, BODY, NOW + 3600);
    assert_eq!(err.unwrap_err(), VerifyError::InvalidSignature);
}

// ----- several signatures, several secrets --------------------------------------------------

#[test]
fn stripe_accepts_any_v1_and_ignores_v0() {
    let wrong = "0".repeat(64);
    let second_matches = format!("t={STRIPE_T},v1={wrong},v1={STRIPE_V1},v0={wrong}");
    let headers = pairs(&[("Stripe-Signature", &second_matches)]);
    check(&ProviderKind::Stripe, &[STRIPE_SECRET], &headers, STRIPE_BODY, STRIPE_T).unwrap();

    // The right digest offered only as `v0` does not count.
    let only_v0 = format!("t={STRIPE_T},v0={STRIPE_V1},v1={wrong}");
    let headers = pairs(&[("Stripe-Signature", &only_v0)]);
    let err = check(&ProviderKind::Stripe, &[STRIPE_SECRET], &headers, STRIPE_BODY, STRIPE_T);
    assert_eq!(err.unwrap_err(), VerifyError::InvalidSignature);
}

#[test]
fn standard_webhooks_accepts_any_v1_and_ignores_other_versions() {
    let wrong = "v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q=";
    let value = format!("v1a,xyz {wrong} {STANDARD_SIGNATURE} v2,abc");
    let headers = with(&standard_headers(), "webhook-signature", &value);
    let kind = ProviderKind::StandardWebhooks;
    check(&kind, &[STANDARD_SECRET], &headers, STANDARD_BODY, STANDARD_TS).unwrap();

    // The right digest under another version does not count.
    let value = format!("{wrong} v2,{}", &STANDARD_SIGNATURE[3..]);
    let headers = with(&standard_headers(), "webhook-signature", &value);
    let err = check(&kind, &[STANDARD_SECRET], &headers, STANDARD_BODY, STANDARD_TS);
    assert_eq!(err.unwrap_err(), VerifyError::InvalidSignature);
}

#[test]
fn a_rotated_secret_matches_and_is_reported_for_every_scheme() {
    for (kind, secret, other) in every_scheme() {
        let headers = signed(&kind, secret, BODY, NOW);
        let verified = check(&kind, &[other, secret], &headers, BODY, NOW)
            .unwrap_or_else(|e| panic!("{}: {e}", kind.name()));
        assert_eq!(verified.secret_index, 1, "{}", kind.name());
    }
}

// ----- Standard Webhooks branding -----------------------------------------------------------

#[test]
fn standard_webhooks_accepts_svix_headers() {
    let svix = pairs(&[
        ("svix-id", STANDARD_ID),
        ("svix-timestamp", &STANDARD_TS.to_string()),
        ("svix-signature", STANDARD_SIGNATURE),
    ]);
    let kind = ProviderKind::StandardWebhooks;
    let verified = check(&kind, &[STANDARD_SECRET], &svix, STANDARD_BODY, STANDARD_TS).unwrap();
    assert_eq!(verified.delivery_id.as_deref(), Some(STANDARD_ID));

    // Headers are read under the branding of the signature header, never mixed.
    let mixed = with(&without(&svix, "svix-id"), "webhook-id", STANDARD_ID);
    let err = check(&kind, &[STANDARD_SECRET], &mixed, STANDARD_BODY, STANDARD_TS);
    assert_eq!(err.unwrap_err(), VerifyError::MissingHeader("svix-id".into()));
}

#[test]
fn standard_webhooks_takes_the_event_type_from_the_body() {
    let body = br#"{"type":"user.created","timestamp":"2024-01-01T00:00:00Z","data":{}}"#;
    let headers = signed(&ProviderKind::StandardWebhooks, STANDARD_SECRET, body, NOW);
    let verified =
        check(&ProviderKind::StandardWebhooks, &[STANDARD_SECRET], &headers, body, NOW).unwrap();
    assert_eq!(verified.event_type.as_deref(), Some("user.created"));
    assert_eq!(verified.delivery_id.as_deref(), Some("delivery-1"));
    assert_eq!(verified.timestamp, Some(NOW));
}

// ----- GitLab-style token mode --------------------------------------------------------------

#[test]
fn gitlab_token_is_compared_exactly() {
    let kind = gitlab();
    let good = pairs(&[
        ("X-Gitlab-Token", "gitlab-token"),
        ("X-Gitlab-Event", "Push Hook"),
        ("X-Gitlab-Event-UUID", "ff0e8e20-0000-4000-8000-000000000000"),
    ]);
    let verified = check(&kind, &["gitlab-token"], &good, BODY, NOW).unwrap();
    assert_eq!(verified.event_type.as_deref(), Some("Push Hook"));
    assert_eq!(verified.delivery_id.as_deref(), Some("ff0e8e20-0000-4000-8000-000000000000"));
    assert_eq!(verified.timestamp, None);

    for wrong in ["gitlab-toke", "gitlab-token ", "GITLAB-TOKEN", "", "gitlab-token-longer"] {
        let headers = with(&good, "X-Gitlab-Token", wrong);
        let err = check(&kind, &["gitlab-token"], &headers, BODY, NOW).unwrap_err();
        assert_eq!(err, VerifyError::InvalidSignature, "{wrong:?}");
    }
}

#[test]
fn gitlab_token_ignores_the_body() {
    // Documented limitation of shared tokens: they authenticate the sender only.
    let headers = pairs(&[("X-Gitlab-Token", "gitlab-token")]);
    check(&gitlab(), &["gitlab-token"], &headers, b"anything", NOW).unwrap();
}

#[test]
fn token_mode_with_a_prefix_strips_it() {
    let bearer = ProviderKind::Generic(GenericScheme {
        prefix: Some("Bearer ".into()),
        ..GenericScheme::token("Authorization")
    });
    let headers = pairs(&[("Authorization", "Bearer t0k3n")]);
    check(&bearer, &["t0k3n"], &headers, BODY, NOW).unwrap();
    let raw = pairs(&[("Authorization", "t0k3n")]);
    assert_malformed(check(&bearer, &["t0k3n"], &raw, BODY, NOW), "Authorization");
    assert_eq!(sign(&bearer, "t0k3n", BODY, NOW, "").unwrap(), headers);
}

// ----- provider metadata --------------------------------------------------------------------

#[test]
fn github_ping_is_recognisable() {
    let body = br#"{"zen":"Design for failure.","hook_id":1}"#;
    let headers =
        with(&signed(&ProviderKind::GitHub, GITHUB_SECRET, body, NOW), "X-GitHub-Event", "ping");
    let verified = check(&ProviderKind::GitHub, &[GITHUB_SECRET], &headers, body, NOW).unwrap();
    assert_eq!(verified.event_type.as_deref(), Some("ping"));
    assert_eq!(verified.delivery_id.as_deref(), Some("delivery-1"));
}

#[test]
fn slack_url_verification_carries_the_challenge() {
    let body = br#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let headers = signed(&ProviderKind::Slack, SLACK_SECRET, body, NOW);
    let verified = check(&ProviderKind::Slack, &[SLACK_SECRET], &headers, body, NOW).unwrap();
    assert_eq!(verified.event_type.as_deref(), Some("url_verification"));
    assert_eq!(
        verified.challenge.as_deref(),
        Some("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    );
    assert_eq!(verified.delivery_id, None);
}

#[test]
fn slack_url_verification_needs_a_valid_signature_too() {
    let body = br#"{"challenge":"c","type":"url_verification"}"#;
    let headers = signed(&ProviderKind::Slack, "not the secret", body, NOW);
    let err = check(&ProviderKind::Slack, &[SLACK_SECRET], &headers, body, NOW);
    assert_eq!(err.unwrap_err(), VerifyError::InvalidSignature);
}

#[test]
fn slack_event_callbacks_use_the_inner_type_and_event_id() {
    let body = br#"{"type":"event_callback","event_id":"Ev08MFMKH6","challenge":"ignored",
        "event":{"type":"app_mention","text":"hi"}}"#;
    let headers = signed(&ProviderKind::Slack, SLACK_SECRET, body, NOW);
    let verified = check(&ProviderKind::Slack, &[SLACK_SECRET], &headers, body, NOW).unwrap();
    assert_eq!(verified.event_type.as_deref(), Some("app_mention"));
    assert_eq!(verified.delivery_id.as_deref(), Some("Ev08MFMKH6"));
    assert_eq!(verified.challenge, None, "only url_verification has a challenge");
}

#[test]
fn slack_interactive_payloads_use_the_payload_type() {
    let body = b"payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%7D%7D";
    let headers = signed(&ProviderKind::Slack, SLACK_SECRET, body, NOW);
    let verified = check(&ProviderKind::Slack, &[SLACK_SECRET], &headers, body, NOW).unwrap();
    assert_eq!(verified.event_type.as_deref(), Some("block_actions"));
}

#[test]
fn unexpected_bodies_only_lose_metadata() {
    let bodies: [&[u8]; 4] = [
        b"not json",
        br#"["an","array"]"#,
        br#"{"id":42,"type":{"nested":true}}"#,
        &[0xff, 0xfe, 0x00],
    ];
    for kind in [ProviderKind::Stripe, ProviderKind::Slack, ProviderKind::StandardWebhooks] {
        let secret = if kind == ProviderKind::StandardWebhooks { STANDARD_SECRET } else { "s" };
        for body in bodies {
            let headers = signed(&kind, secret, body, NOW);
            let verified = check(&kind, &[secret], &headers, body, NOW).unwrap();
            assert_eq!(verified.event_type, None, "{}", kind.name());
            assert_eq!(verified.challenge, None);
        }
    }
}

// ----- configuration ------------------------------------------------------------------------

#[test]
fn configuration_errors_are_500s_and_name_no_secret() {
    let no_secrets = Verifier::new(ProviderKind::GitHub, vec![], 300).unwrap_err();
    assert_eq!(no_secrets, VerifyError::NoSecrets);

    let empty = Verifier::new(ProviderKind::GitHub, vec!["ok".into(), String::new()], 300);
    assert!(matches!(empty.unwrap_err(), VerifyError::InvalidSecret { index: 1, .. }));

    let kind = ProviderKind::StandardWebhooks;
    for bad in [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",         // no prefix
        "whsec_not*base64*at*all",                  // not base64
        "whsec_",                                   // nothing after the prefix
        "sk_live_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", // another kind of key pasted
    ] {
        let err = Verifier::new(kind.clone(), vec![bad.into()], 300).unwrap_err();
        assert!(matches!(err, VerifyError::InvalidSecret { index: 0, .. }), "{bad}");
        assert_eq!(err.http_status(), 500);
        // (For `whsec_` alone the whole "secret" is the prefix the message must name.)
        let key_part = bad.trim_start_matches("whsec_");
        assert!(key_part.is_empty() || !err.to_string().contains(key_part), "{err}");
        assert!(err.to_string().contains("whsec_"), "the message says what to do: {err}");
        assert_eq!(sign(&kind, bad, BODY, NOW, "id").unwrap_err(), err);
    }

    let headless = ProviderKind::Generic(GenericScheme::token(" "));
    let err = Verifier::new(headless, vec!["t".into()], 300).unwrap_err();
    assert!(matches!(err, VerifyError::InvalidConfig(_)));
    assert_eq!(err.http_status(), 500);

    let stamped_token = ProviderKind::Generic(GenericScheme {
        timestamp_header: Some("X-Timestamp".into()),
        ..GenericScheme::token("X-Token")
    });
    let err = Verifier::new(stamped_token.clone(), vec!["t".into()], 300).unwrap_err();
    assert!(matches!(err, VerifyError::InvalidConfig(_)));
    assert_eq!(sign(&stamped_token, "t", BODY, NOW, "").unwrap_err(), err);
}

#[test]
fn debug_never_prints_a_secret() {
    for (kind, secret, other) in every_scheme() {
        let verifier = verifier(&kind, &[secret, other]);
        let shown = format!("{verifier:?} {verifier:#?}");
        assert!(!shown.contains(secret), "{shown}");
        assert!(!shown.contains(other), "{shown}");
        assert_eq!(shown.matches("[redacted]").count(), 4, "{shown}");
    }
    // Nor does the standard secret leak in decoded form, hex or base64 of the key.
    let shown = format!("{:?}", verifier(&ProviderKind::StandardWebhooks, &[STANDARD_SECRET]));
    assert!(!shown.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "{shown}");
}

#[test]
fn every_verification_error_is_a_401_with_a_code() {
    let request_errors = [
        VerifyError::MissingHeader("h".into()),
        VerifyError::MalformedHeader { header: "h".into(), reason: "r" },
        VerifyError::InvalidSignature,
        VerifyError::TimestampTooOld { age_secs: 1, tolerance_secs: 0 },
        VerifyError::TimestampInFuture { ahead_secs: 1, tolerance_secs: 0 },
    ];
    let config_errors = [
        VerifyError::NoSecrets,
        VerifyError::InvalidSecret { index: 0, reason: "r" },
        VerifyError::InvalidConfig("r"),
    ];
    let mut codes: Vec<_> =
        request_errors.iter().chain(&config_errors).map(VerifyError::code).collect();
    assert!(request_errors.iter().all(|e| e.http_status() == 401));
    assert!(config_errors.iter().all(|e| e.http_status() == 500));
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 8, "codes are distinct");
}

#[test]
fn provider_kinds_deserialise_from_config_names() {
    let named = [
        ("github", ProviderKind::GitHub),
        ("stripe", ProviderKind::Stripe),
        ("slack", ProviderKind::Slack),
        ("shopify", ProviderKind::Shopify),
        ("standard-webhooks", ProviderKind::StandardWebhooks),
        ("standard_webhooks", ProviderKind::StandardWebhooks),
    ];
    for (name, kind) in named {
        let parsed: ProviderKind = serde_json::from_str(&format!("\"{name}\"")).unwrap();
        assert_eq!(parsed, kind);
        if !name.contains('_') {
            assert_eq!(kind.name(), name);
        }
    }
    let json = r#"{"generic": {"header": "X-Signature", "prefix": "sha256=", "encoding": "hex",
        "timestamp-header": "X-Timestamp", "event_type_header": "X-Event",
        "delivery_id_header": "X-Delivery"}}"#;
    assert_eq!(serde_json::from_str::<ProviderKind>(json).unwrap(), generic_timestamped());
    let json = r#"{"generic": {"header": "X-Gitlab-Token", "mode": "token",
        "event_type_header": "X-Gitlab-Event", "delivery_id_header": "X-Gitlab-Event-UUID"}}"#;
    assert_eq!(serde_json::from_str::<ProviderKind>(json).unwrap(), gitlab());

    for bad in [r#""gitlab""#, r#""GitHub""#, r#"{"generic": {"header": "X", "secret": "s"}}"#] {
        assert!(serde_json::from_str::<ProviderKind>(bad).is_err(), "{bad}");
    }
}
