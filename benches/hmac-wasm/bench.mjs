// Times HMAC-SHA256 in Node 20: RustCrypto inside the wasm against WebCrypto called from the wasm,
// plus two JS-only references. Run by run.sh after the wasm-bindgen --target nodejs build.
//
//   node bench.mjs [path/to/pkg-node/hmac_wasm_bench.js]
//
// Env: RUNS (default 7) timed runs per cell, RUN_MS (default 200) target length of one run,
// SIZES (default 1024,16384,262144). Prints a Markdown table (medians of the runs) and writes
// the raw runs as JSON next to the package (results-node.json).
//
// Wall time is process.hrtime around a run of n calls, awaited one by one. CPU time is
// process.cpuUsage() (user + system, every thread of the process) over the same run: Node runs
// WebCrypto's HMAC jobs on its libuv thread pool, so their CPU is on another thread.

import { createRequire } from "node:module";
import { createHmac, webcrypto } from "node:crypto";
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import os from "node:os";

const require = createRequire(import.meta.url);
const pkgPath = resolve(process.argv[2] ?? "target/pkg-node/hmac_wasm_bench.js");
const m = require(pkgPath);

const RUNS = Number(process.env.RUNS ?? 7);
const RUN_MS = Number(process.env.RUN_MS ?? 200);
const SIZES = (process.env.SIZES ?? "1024,16384,262144").split(",").map(Number);

// The same key and body as src/lib.rs (KEY, body()), for the JS-only references.
const KEY = new TextEncoder().encode("whsec_0123456789abcdef0123456789");
const body = (len) => Uint8Array.from({ length: len }, (_, i) => 32 + (i % 95));
const subtle = globalThis.crypto?.subtle ?? webcrypto.subtle;

const HMAC = { name: "HMAC", hash: "SHA-256" };

async function jsImportVerify(n, len) {
  const data = body(len);
  const signer = await subtle.importKey("raw", KEY, HMAC, false, ["sign"]);
  const tag = await subtle.sign("HMAC", signer, data);
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const key = await subtle.importKey("raw", KEY, HMAC, false, ["verify"]);
    ok += (await subtle.verify("HMAC", key, tag, data)) ? 1 : 0;
  }
  return ok;
}

function nodeHmac(n, len) {
  const data = body(len);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    data[0] = 48 + (i % 10);
    const tag = createHmac("sha256", KEY).update(data).digest();
    acc = (((acc << 5) | (acc >>> 27)) ^ tag.readUInt32LE(0)) >>> 0;
  }
  return acc;
}

// [id, label, fn(n, len) -> number | Promise<number>, kind of result]
const CASES = [
  ["rc_sign", "RustCrypto in wasm: key + sign (sync)", m.rc_bench_sign, "checksum"],
  ["rc_verify", "RustCrypto in wasm: `rc_verify` (key + sign + constant-time compare)", m.rc_bench_verify, "count"],
  ["wc_sign", "WebCrypto from Rust: `sign`, key imported once", m.wc_bench_sign, "checksum"],
  ["wc_import_sign", "WebCrypto from Rust: `importKey` + `sign` per call", m.wc_bench_import_sign, "checksum"],
  ["wc_import_verify", "WebCrypto from Rust: `importKey` + `verify` per call", m.wc_bench_import_verify, "count"],
  ["wc_helper_verify", "WebCrypto from Rust via a JS helper: `importKey` + `verify`, one await per call", m.wc_bench_helper_verify, "count"],
  ["js_import_verify", "reference, no wasm: JS `importKey` + `verify` per call", jsImportVerify, "count"],
  ["node_hmac", "reference, no wasm: `node:crypto` `createHmac` (sync)", nodeHmac, "checksum"],
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

async function timed(fn, n, len) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = await fn(n, len);
  const wallNs = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  return { result, wallUs: wallNs / 1e3 / n, cpuUs: (cpu.user + cpu.system) / n };
}

// Correctness first: every implementation gives the same tags (checksums) and verifies.
for (const len of SIZES) {
  const n = 20;
  const sums = CASES.filter((c) => c[3] === "checksum").map(([id, , fn]) => [id, fn(n, len)]);
  const values = await Promise.all(sums.map(([, v]) => v));
  if (new Set(values).size !== 1) {
    throw new Error(`checksums differ at ${len} bytes: ${JSON.stringify(sums.map(([id], i) => [id, values[i]]))}`);
  }
  for (const [id, , fn, kind] of CASES) {
    if (kind === "count" && (await fn(n, len)) !== n) throw new Error(`${id} failed to verify`);
  }
}

const results = [];
for (const [id, label, fn] of CASES) {
  for (const len of SIZES) {
    // Calibrate n so that one run lasts about RUN_MS (this doubles as the warm-up).
    let n = 4;
    for (;;) {
      const { wallUs } = await timed(fn, n, len);
      if (wallUs * n >= RUN_MS * 1e3 / 4 || n >= 1 << 20) {
        n = Math.max(4, Math.round((RUN_MS * 1e3) / wallUs));
        break;
      }
      n *= 4;
    }
    const runs = [];
    for (let r = 0; r < RUNS; r++) runs.push(await timed(fn, n, len));
    const wall = runs.map((x) => x.wallUs);
    const cpu = runs.map((x) => x.cpuUs);
    results.push({ id, label, bytes: len, n, wallUs: wall, cpuUs: cpu, wallMedianUs: median(wall), cpuMedianUs: median(cpu) });
    process.stderr.write(`${id} ${len}B n=${n}: wall ${median(wall).toFixed(2)} µs, cpu ${median(cpu).toFixed(2)} µs\n`);
  }
}

const fmt = (us) => (us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2));
const kib = (b) => `${b / 1024} KiB`;
console.log(`node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores; medians of ${RUNS} runs of ~${RUN_MS} ms`);
console.log();
console.log(`| per call, µs wall / µs CPU | ${SIZES.map(kib).join(" | ")} |`);
console.log(`|---|${SIZES.map(() => "---:").join("|")}|`);
for (const [id, label] of CASES) {
  const cells = SIZES.map((len) => {
    const r = results.find((x) => x.id === id && x.bytes === len);
    return `${fmt(r.wallMedianUs)} / ${fmt(r.cpuMedianUs)}`;
  });
  console.log(`| ${label} | ${cells.join(" | ")} |`);
}

const out = join(dirname(pkgPath), "results-node.json");
writeFileSync(out, JSON.stringify({ node: process.version, cpu: os.cpus()[0].model, runs: RUNS, runMs: RUN_MS, results }, null, 1));
console.error(`raw runs: ${out}`);
