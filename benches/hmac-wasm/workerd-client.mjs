// Times the workerd/ Worker from outside: inside workerd, Date.now() and performance.now() stand
// still while the isolate computes, so a request runs n iterations and the client times the
// whole request. Per call = (median request time - median `noop` request time) / n.
//
//   node workerd-client.mjs http://127.0.0.1:PORT WRANGLER_PID
//
// CPU: the utime + stime of every workerd process under WRANGLER_PID (from /proc, 10 ms ticks),
// summed over all the timed runs of a cell, less the noop requests' share, divided by the calls.
// Env as bench.mjs: RUNS, RUN_MS, SIZES.

import { readFileSync, readdirSync, writeFileSync } from "node:fs";

const [base, wranglerPid] = process.argv.slice(2);
const RUNS = Number(process.env.RUNS ?? 7);
const RUN_MS = Number(process.env.RUN_MS ?? 200);
const SIZES = (process.env.SIZES ?? "1024,16384,262144").split(",").map(Number);
const TICK_US = 1e6 / 100; // USER_HZ

const CASES = [
  ["rc_sign", "RustCrypto in wasm: key + sign (sync)"],
  ["rc_verify", "RustCrypto in wasm: `rc_verify` (key + sign + constant-time compare)"],
  ["wc_sign", "WebCrypto from Rust: `sign`, key imported once"],
  ["wc_import_sign", "WebCrypto from Rust: `importKey` + `sign` per call"],
  ["wc_import_verify", "WebCrypto from Rust: `importKey` + `verify` per call"],
  ["wc_helper_verify", "WebCrypto from Rust via a JS helper: `importKey` + `verify`, one await per call"],
  ["js_import_verify", "reference, no wasm: JS `importKey` + `verify` per call"],
];

function stat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { comm: s.slice(s.indexOf("(") + 1, s.lastIndexOf(")")), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

function workerdPids() {
  const all = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map((pid) => [Number(pid), stat(pid)]).filter(([, s]) => s);
  const under = new Set([Number(wranglerPid)]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, s] of all) if (!under.has(pid) && under.has(s.ppid)) (under.add(pid), (grew = true));
  }
  return all.filter(([pid, s]) => under.has(pid) && s.comm === "workerd").map(([pid]) => pid);
}

const pids = workerdPids();
if (pids.length === 0) throw new Error(`no workerd process under pid ${wranglerPid}`);
const cpuTicks = () => pids.reduce((sum, pid) => sum + (stat(pid)?.ticks ?? 0), 0);

async function request(id, n, bytes) {
  const t0 = process.hrtime.bigint();
  const res = await fetch(`${base}/?case=${id}&n=${n}&bytes=${bytes}`);
  const text = await res.text();
  const us = Number(process.hrtime.bigint() - t0) / 1e3;
  if (!res.ok) throw new Error(`${id}: ${res.status} ${text}`);
  return { us, text };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// Warm up the isolate and the connection, then measure the baseline request.
for (let i = 0; i < 20; i++) await request("noop", 0, 0);
const noopRuns = [];
const noopCpu0 = cpuTicks();
for (let i = 0; i < 50; i++) noopRuns.push((await request("noop", 0, 0)).us);
const noopCpuUs = ((cpuTicks() - noopCpu0) * TICK_US) / 50;
const noopUs = median(noopRuns);
process.stderr.write(`noop request: ${noopUs.toFixed(0)} µs wall, ${noopCpuUs.toFixed(0)} µs workerd CPU\n`);

const results = [];
for (const [id, label] of CASES) {
  for (const bytes of SIZES) {
    let n = 4;
    for (;;) {
      const { us } = await request(id, n, bytes);
      if (us - noopUs >= (RUN_MS * 1e3) / 4 || n >= 1 << 20) {
        n = Math.max(4, Math.round((n * RUN_MS * 1e3) / Math.max(1, us - noopUs)));
        break;
      }
      n *= 4;
    }
    const perCall = [];
    const cpu0 = cpuTicks();
    for (let r = 0; r < RUNS; r++) perCall.push(((await request(id, n, bytes)).us - noopUs) / n);
    const cpuUs = ((cpuTicks() - cpu0) * TICK_US - RUNS * noopCpuUs) / (RUNS * n);
    results.push({ id, label, bytes, n, wallUs: perCall, wallMedianUs: median(perCall), cpuUs });
    process.stderr.write(`${id} ${bytes}B n=${n}: wall ${median(perCall).toFixed(2)} µs, cpu ${cpuUs.toFixed(2)} µs\n`);
  }
}

const fmt = (us) => (us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2));
console.log(`workerd (wrangler dev), medians of ${RUNS} requests of ~${RUN_MS} ms; baseline request ${noopUs.toFixed(0)} µs`);
console.log();
console.log(`| per call, µs wall / µs CPU | ${SIZES.map((b) => `${b / 1024} KiB`).join(" | ")} |`);
console.log(`|---|${SIZES.map(() => "---:").join("|")}|`);
for (const [id, label] of CASES) {
  const cells = SIZES.map((bytes) => {
    const r = results.find((x) => x.id === id && x.bytes === bytes);
    return `${fmt(r.wallMedianUs)} / ${fmt(r.cpuUs)}`;
  });
  console.log(`| ${label} | ${cells.join(" | ")} |`);
}
writeFileSync(process.env.OUT ?? "target/results-workerd.json", JSON.stringify({ noopUs, noopCpuUs, runs: RUNS, runMs: RUN_MS, results }, null, 1));
