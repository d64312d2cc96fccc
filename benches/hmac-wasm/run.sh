#!/usr/bin/env bash
# HMAC-SHA256 in a Rust Worker: RustCrypto inside the wasm vs the runtime's WebCrypto.
# Builds this crate (not a workspace member), times both in Node 20 and in workerd
# (`wrangler dev`), and measures the wasm size of each. Results: BENCHMARKS.md at the root.
#
#   benches/hmac-wasm/run.sh            everything (about 3 minutes on 2 cores, once built)
#   WORKERD=0 benches/hmac-wasm/run.sh  skip workerd
#   TIMING=0 benches/hmac-wasm/run.sh   sizes only
#   RUNS=9 RUN_MS=300 SIZES=1024,16384,262144 ...   timing knobs (bench.mjs, workerd-client.mjs)
#
# Everything it writes is under benches/hmac-wasm/target/ (ignored by git).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$HERE"

export PATH="$HOME/.cargo/bin:$PATH"
WASM_BINDGEN="${WASM_BINDGEN_BIN:-$HOME/.cargo/bin/wasm-bindgen}"
WASM_OPT="${WASM_OPT_BIN:-$ROOT/node_modules/binaryen/bin/wasm-opt}"
WRANGLER="$ROOT/node_modules/.bin/wrangler"
# Rust's wasm32 target enables these by default; wasm-opt must be told.
WASM_FEATURES=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue)
OUT="$HERE/target"
WASM="$OUT/wasm32-unknown-unknown/release/hmac_wasm_bench.wasm"
JOBS="${JOBS:-1}"   # the machine has 2 cores and other builds may be running
export RUNS="${RUNS:-9}" RUN_MS="${RUN_MS:-300}"   # as in BENCHMARKS.md

build() { # build FEATURE-ARGS...
  nice cargo build -q --release --target wasm32-unknown-unknown -j "$JOBS" "$@"
}

echo "== toolchain"
rustc --version
"$WASM_BINDGEN" --version
"$WASM_OPT" --version
node --version

if [ "${TIMING:-1}" != 0 ]; then
  echo "== timing build (all features)"
  build
  "$WASM_BINDGEN" --target nodejs --out-dir "$OUT/pkg-node" "$WASM"
  "$WASM_BINDGEN" --target web --out-dir "$OUT/pkg-web" "$WASM"

  echo "== Node $(node --version): WebCrypto is Node's (OpenSSL), a stand-in for workerd's (BoringSSL)"
  node bench.mjs "$OUT/pkg-node/hmac_wasm_bench.js" | tee "$OUT/results-node.md"

  if [ "${WORKERD:-1}" != 0 ]; then
    echo "== workerd via wrangler dev (timed from outside)"
    PORT="${PORT:-8799}"
    CI=true WRANGLER_SEND_METRICS=false FORCE_COLOR=0 "$WRANGLER" dev -c workerd/wrangler.toml \
      --ip 127.0.0.1 --port "$PORT" --inspector-port "$((PORT + 600))" \
      --persist-to "$OUT/wrangler-state" --show-interactive-dev-session=false \
      > "$OUT/wrangler.log" 2>&1 &
    WRANGLER_PID=$!
    trap 'kill "$WRANGLER_PID" 2>/dev/null || true' EXIT
    for _ in $(seq 1 600); do
      grep -q "Ready on" "$OUT/wrangler.log" && break
      kill -0 "$WRANGLER_PID" 2>/dev/null || { cat "$OUT/wrangler.log"; exit 1; }
      sleep 0.1
    done
    grep -q "Ready on" "$OUT/wrangler.log" || { echo "wrangler did not start; see $OUT/wrangler.log" >&2; exit 1; }
    OUT="$OUT/results-workerd.json" node workerd-client.mjs "http://127.0.0.1:$PORT" "$WRANGLER_PID" \
      | tee "$OUT/results-workerd.md"
    kill "$WRANGLER_PID" 2>/dev/null || true
    wait "$WRANGLER_PID" 2>/dev/null || true
    trap - EXIT
  fi
fi

echo "== size builds: one export each (plus a no-op), wasm-bindgen --target web, wasm-opt -Oz"
# none / rustcrypto / webcrypto: each path alone in an otherwise empty module.
# baseline(+...): the same on top of what an async Worker carries anyway (allocator, byte-slice
# glue, wasm-bindgen-futures), so the difference is each path's marginal cost in a Worker.
SIZES_MD="$OUT/sizes.md"
{
  echo "| build | .wasm raw bytes | .wasm \`gzip -9\` | JS glue \`gzip -9\` |"
  echo "|---|---:|---:|---:|"
} > "$SIZES_MD"
for variant in none rustcrypto webcrypto baseline baseline,rustcrypto baseline,webcrypto; do
  if [ "$variant" = none ]; then build --no-default-features; else build --no-default-features --features "$variant"; fi
  dir="$OUT/size-${variant/,/+}"
  rm -rf "$dir"
  "$WASM_BINDGEN" --target web --out-dir "$dir" "$WASM"
  "$WASM_OPT" "${WASM_FEATURES[@]}" -Oz --strip-debug --strip-producers \
    "$dir/hmac_wasm_bench_bg.wasm" -o "$dir/opt.wasm"
  raw=$(wc -c < "$dir/opt.wasm")
  gz=$(gzip -9c "$dir/opt.wasm" | wc -c)
  js=$(gzip -9c "$dir/hmac_wasm_bench.js" | wc -c)
  echo "| ${variant/,/ + } | $raw | $gz | $js |" >> "$SIZES_MD"
done
cat "$SIZES_MD"
