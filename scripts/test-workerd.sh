#!/usr/bin/env bash
# The library inside workerd (`wrangler dev`), against the local emulator; plus the live test
# against real Momento when MOMENTO_API_KEY and MOMENTO_CACHE are set.
# The tests start and stop the emulator and wrangler themselves (e2e/src/lib.rs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# worker-build (run by wrangler) downloads these unless told where the registry copies are.
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$HOME/.cargo/bin/wasm-bindgen}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$ROOT/node_modules/binaryen/bin/wasm-opt}"
export ESBUILD_BIN="${ESBUILD_BIN:-$ROOT/node_modules/.bin/esbuild}"
export CI=true ARTIFACTS

[ -x "$ROOT/node_modules/.bin/wrangler" ] || { echo "wrangler is missing: run npm ci" >&2; exit 1; }

cargo build -q -p momento-topics-emulator

echo "== workerd: publish-subscribe worker against the emulator =="
cargo test -p e2e-tests --lib --test harness --test workerd 2>&1 | tee "$ARTIFACTS/workerd.txt"

if [ -n "${MOMENTO_API_KEY:-}" ] && [ -n "${MOMENTO_CACHE:-}" ]; then
  echo "== live: publish-subscribe worker against real Momento =="
  cargo test -p e2e-tests --test live -- --ignored 2>&1 | tee "$ARTIFACTS/live.txt"
else
  echo "live test: skipped (set MOMENTO_API_KEY and MOMENTO_CACHE)"
fi
