//! HMAC-SHA256 in a Rust Worker: RustCrypto inside the wasm (synchronous) against the runtime's
//! WebCrypto (`crypto.subtle`, asynchronous), called from Rust.
//!
//! Features pick what goes into the wasm, so one crate gives both the timing build (all
//! features) and the size builds (`rustcrypto` alone, `webcrypto` alone, or neither).
//! `run.sh` drives everything; `bench.mjs` (Node) and `workerd/` (wrangler dev) do the timing.
//!
//! Every timing export computes a checksum over its tags so nothing can be optimised away; the
//! RustCrypto and WebCrypto loops vary the body the same way, so equal checksums also show the
//! two produce the same tags.

use wasm_bindgen::prelude::*;

/// The key every timing export uses (a 32-byte secret, like a typical webhook secret).
#[cfg(feature = "bench")]
const KEY: &[u8; 32] = b"whsec_0123456789abcdef0123456789";

/// A body of `len` bytes, filled with printable bytes the way a JSON payload would be.
#[cfg(feature = "bench")]
fn body(len: u32) -> Vec<u8> {
    (0..len).map(|i| b' ' + (i % 95) as u8).collect()
}

/// Folds a tag into the running checksum (order-dependent, so reordering would show).
#[cfg(feature = "bench")]
fn fold(acc: u32, tag: &[u8]) -> u32 {
    acc.rotate_left(5) ^ u32::from_le_bytes([tag[0], tag[1], tag[2], tag[3]])
}

/// Makes iteration `i`'s body differ from the last one's (the same for every implementation).
#[cfg(feature = "bench")]
fn vary(body: &mut [u8], i: u32) {
    if let Some(first) = body.first_mut() {
        *first = b'0' + (i % 10) as u8;
    }
}

// ---------------------------------------------------------------------------------------------
// RustCrypto: hmac 0.12 + sha2 0.10, no std features (as examples/webhook-relay uses them).

#[cfg(feature = "rustcrypto")]
mod rustcrypto {
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    pub type HmacSha256 = Hmac<Sha256>;

    pub fn keyed(key: &[u8]) -> HmacSha256 {
        <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
    }
}

/// Whether `sig` is the HMAC-SHA256 of `body` under `key` (constant-time comparison).
/// The only export of the `rustcrypto` size build.
#[cfg(feature = "rustcrypto")]
#[wasm_bindgen]
pub fn rc_verify(key: &[u8], body: &[u8], sig: &[u8]) -> bool {
    use hmac::Mac;
    let mut mac = rustcrypto::keyed(key);
    mac.update(body);
    mac.verify_slice(sig).is_ok()
}

/// `n` HMAC-SHA256 tags over a `body_len`-byte body, keying from the raw secret every time
/// (what one request does); returns the checksum of the tags.
#[cfg(all(feature = "rustcrypto", feature = "bench"))]
#[wasm_bindgen]
pub fn rc_bench_sign(n: u32, body_len: u32) -> u32 {
    use hmac::Mac;
    let mut body = body(body_len);
    let mut acc = 0;
    for i in 0..n {
        vary(&mut body, i);
        let mut mac = rustcrypto::keyed(core::hint::black_box(KEY));
        mac.update(core::hint::black_box(&body));
        acc = fold(acc, &mac.finalize().into_bytes());
    }
    acc
}

/// `n` verifications of a correct tag over the same `body_len`-byte body through `rc_verify`;
/// returns how many succeeded (should be `n`).
#[cfg(all(feature = "rustcrypto", feature = "bench"))]
#[wasm_bindgen]
pub fn rc_bench_verify(n: u32, body_len: u32) -> u32 {
    use hmac::Mac;
    let body = body(body_len);
    let mut mac = rustcrypto::keyed(KEY);
    mac.update(&body);
    let tag = mac.finalize().into_bytes();
    let mut ok = 0;
    for _ in 0..n {
        ok += u32::from(rc_verify(core::hint::black_box(KEY), core::hint::black_box(&body), &tag));
    }
    ok
}

// ---------------------------------------------------------------------------------------------
// WebCrypto: crypto.subtle.importKey / sign / verify through web-sys, awaited with
// wasm-bindgen-futures. `globalThis.crypto` is looked up by name so that the same code runs in
// Node (whose global is neither a Window nor a WorkerGlobalScope) and in workerd.

#[cfg(feature = "webcrypto")]
mod webcrypto {
    use js_sys::{Array, Object, Reflect, Uint8Array};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Crypto, CryptoKey, SubtleCrypto};

    pub fn subtle() -> Result<SubtleCrypto, JsValue> {
        let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))?;
        Ok(crypto.unchecked_into::<Crypto>().subtle())
    }

    /// `importKey("raw", key, {name: "HMAC", hash: "SHA-256"}, false, [usage])`.
    pub async fn import(
        subtle: &SubtleCrypto,
        key: &[u8],
        usage: &str,
    ) -> Result<CryptoKey, JsValue> {
        let algorithm = Object::new();
        Reflect::set(&algorithm, &"name".into(), &"HMAC".into())?;
        Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into())?;
        let usages = Array::of1(&JsValue::from_str(usage));
        let promise = subtle.import_key_with_object(
            "raw",
            &Uint8Array::from(key),
            &algorithm,
            false,
            &usages,
        )?;
        Ok(JsFuture::from(promise).await?.unchecked_into())
    }

    /// The tag (an ArrayBuffer, viewed as bytes) of `body` under `key`.
    #[cfg_attr(not(feature = "bench"), allow(dead_code))]
    pub async fn sign(
        subtle: &SubtleCrypto,
        key: &CryptoKey,
        body: &[u8],
    ) -> Result<Uint8Array, JsValue> {
        let buffer = JsFuture::from(subtle.sign_with_str_and_u8_array("HMAC", key, body)?).await?;
        Ok(Uint8Array::new(&buffer))
    }

    pub async fn verify(
        subtle: &SubtleCrypto,
        key: &CryptoKey,
        sig: &[u8],
        body: &[u8],
    ) -> Result<bool, JsValue> {
        let promise = subtle.verify_with_str_and_u8_array_and_u8_array("HMAC", key, sig, body)?;
        Ok(JsFuture::from(promise).await?.is_truthy())
    }
}

/// Whether `sig` is the HMAC-SHA256 of `body` under `key`, through WebCrypto (importKey +
/// verify). The only export of the `webcrypto` size build.
#[cfg(feature = "webcrypto")]
#[wasm_bindgen]
pub async fn wc_verify(key: Vec<u8>, body: Vec<u8>, sig: Vec<u8>) -> Result<bool, JsValue> {
    let subtle = webcrypto::subtle()?;
    let key = webcrypto::import(&subtle, &key, "verify").await?;
    webcrypto::verify(&subtle, &key, &sig, &body).await
}

// A JS helper that does importKey + verify in one promise, so Rust crosses into JS and awaits
// once per verification instead of twice, and builds no algorithm objects itself.
#[cfg(all(feature = "webcrypto", feature = "bench"))]
#[wasm_bindgen(inline_js = "
const HMAC = { name: 'HMAC', hash: 'SHA-256' };
export async function hmac_verify(key, sig, body) {
  const k = await crypto.subtle.importKey('raw', key, HMAC, false, ['verify']);
  return crypto.subtle.verify('HMAC', k, sig, body);
}")]
extern "C" {
    fn hmac_verify(key: &[u8], sig: &[u8], body: &[u8]) -> js_sys::Promise;
}

/// `n` times importKey + verify through the JS helper above (one await from Rust per call);
/// returns how many succeeded (should be `n`).
#[cfg(all(feature = "webcrypto", feature = "bench"))]
#[wasm_bindgen]
pub async fn wc_bench_helper_verify(n: u32, body_len: u32) -> Result<u32, JsValue> {
    let subtle = webcrypto::subtle()?;
    let body = body(body_len);
    let signer = webcrypto::import(&subtle, KEY, "sign").await?;
    let tag = webcrypto::sign(&subtle, &signer, &body).await?.to_vec();
    let mut ok = 0;
    for _ in 0..n {
        let valid = wasm_bindgen_futures::JsFuture::from(hmac_verify(KEY, &tag, &body)).await?;
        ok += u32::from(valid.is_truthy());
    }
    Ok(ok)
}

/// `n` tags through WebCrypto with ONE imported key, each `sign` awaited before the next;
/// returns the checksum of the tags (equal to `rc_bench_sign`'s).
#[cfg(all(feature = "webcrypto", feature = "bench"))]
#[wasm_bindgen]
pub async fn wc_bench_sign(n: u32, body_len: u32) -> Result<u32, JsValue> {
    let subtle = webcrypto::subtle()?;
    let key = webcrypto::import(&subtle, KEY, "sign").await?;
    let mut body = body(body_len);
    let mut acc = 0;
    for i in 0..n {
        vary(&mut body, i);
        let tag = webcrypto::sign(&subtle, &key, &body).await?;
        acc = fold(acc, &tag.to_vec());
    }
    Ok(acc)
}

/// `n` times importKey + sign, each awaited (one request's work when the key is not cached
/// between requests); returns the checksum of the tags (equal to `rc_bench_sign`'s).
#[cfg(all(feature = "webcrypto", feature = "bench"))]
#[wasm_bindgen]
pub async fn wc_bench_import_sign(n: u32, body_len: u32) -> Result<u32, JsValue> {
    let subtle = webcrypto::subtle()?;
    let mut body = body(body_len);
    let mut acc = 0;
    for i in 0..n {
        vary(&mut body, i);
        let key = webcrypto::import(&subtle, KEY, "sign").await?;
        let tag = webcrypto::sign(&subtle, &key, &body).await?;
        acc = fold(acc, &tag.to_vec());
    }
    Ok(acc)
}

/// `n` times importKey + verify of a correct tag over the same body, through the same code as
/// `wc_verify`; returns how many succeeded (should be `n`).
#[cfg(all(feature = "webcrypto", feature = "bench"))]
#[wasm_bindgen]
pub async fn wc_bench_import_verify(n: u32, body_len: u32) -> Result<u32, JsValue> {
    let subtle = webcrypto::subtle()?;
    let body = body(body_len);
    let signer = webcrypto::import(&subtle, KEY, "sign").await?;
    let tag = webcrypto::sign(&subtle, &signer, &body).await?.to_vec();
    let mut ok = 0;
    for _ in 0..n {
        let key = webcrypto::import(&subtle, KEY, "verify").await?;
        ok += u32::from(webcrypto::verify(&subtle, &key, &tag, &body).await?);
    }
    Ok(ok)
}

/// Present in every build so that the empty size build still has one export to keep.
#[wasm_bindgen]
pub fn noop() -> u32 {
    0
}

// ---------------------------------------------------------------------------------------------
// `baseline`: what any async Rust Worker already carries (byte slices passed in, so the
// allocator; a JS promise awaited, so wasm-bindgen-futures), without any HMAC. Size builds with
// it show the marginal cost of each HMAC path in a Worker rather than in an empty module.

/// A non-cryptographic stand-in with `rc_verify`'s signature (so the same glue and allocator).
#[cfg(feature = "baseline")]
#[wasm_bindgen]
pub fn base_bytes(key: &[u8], body: &[u8], sig: &[u8]) -> bool {
    let sum = key.iter().chain(body).fold(0u8, |a, b| a.wrapping_add(*b));
    sig.first() == Some(&sum)
}

/// Awaits a JS promise from Rust, as every async Worker handler does.
#[cfg(feature = "baseline")]
#[wasm_bindgen]
pub async fn base_await(promise: js_sys::Promise) -> Result<JsValue, JsValue> {
    wasm_bindgen_futures::JsFuture::from(promise).await
}
