// GET /?case=ID&n=N&bytes=B runs N iterations of one timing export and answers with its result.
// Date.now() does not advance while the isolate computes (Spectre mitigation), so the timing is
// done from outside by ../workerd-client.mjs. case=noop is the baseline request.
import wasmModule from "../target/pkg-web/hmac_wasm_bench_bg.wasm";
import * as m from "../target/pkg-web/hmac_wasm_bench.js";

m.initSync({ module: wasmModule });

// Reference without wasm: the same importKey + verify per call, from JS (as in ../bench.mjs).
const KEY = new TextEncoder().encode("whsec_0123456789abcdef0123456789");
const HMAC = { name: "HMAC", hash: "SHA-256" };
const body = (len) => Uint8Array.from({ length: len }, (_, i) => 32 + (i % 95));
async function jsImportVerify(n, len) {
  const data = body(len);
  const signer = await crypto.subtle.importKey("raw", KEY, HMAC, false, ["sign"]);
  const tag = await crypto.subtle.sign("HMAC", signer, data);
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const key = await crypto.subtle.importKey("raw", KEY, HMAC, false, ["verify"]);
    ok += (await crypto.subtle.verify("HMAC", key, tag, data)) ? 1 : 0;
  }
  return ok;
}

const CASES = {
  noop: () => m.noop(),
  rc_sign: m.rc_bench_sign,
  rc_verify: m.rc_bench_verify,
  wc_sign: m.wc_bench_sign,
  wc_import_sign: m.wc_bench_import_sign,
  wc_import_verify: m.wc_bench_import_verify,
  wc_helper_verify: m.wc_bench_helper_verify,
  js_import_verify: jsImportVerify,
};

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const fn = CASES[url.searchParams.get("case")];
    if (!fn) return new Response("unknown case", { status: 404 });
    const n = Number(url.searchParams.get("n") ?? 1);
    const bytes = Number(url.searchParams.get("bytes") ?? 1024);
    return new Response(String(await fn(n, bytes)));
  },
};
