#!/usr/bin/env bash
# The library inside workerd (`wrangler dev`), against the local emulator; plus the live test
# against real Momento when MOMENTO_API_KEY and MOMENTO_CACHE are set.
# The tests start and stop the emulator and wrangler themselves (e2e/src/lib.rs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

export CI=true ARTIFACTS

[ -x "$ROOT/node_modules/.bin/wrangler" ] || { echo "wrangler is missing: run npm ci" >&2; exit 1; }

cargo build -q -p momento-topics-emulator

echo "== workerd: publish-subscribe worker against the emulator =="
cargo test -p e2e-tests --lib --test harness --test workerd 2>&1 | tee "$ARTIFACTS/workerd.txt"

if [ -n "${MOMENTO_API_KEY:-}" ] && [ -n "${MOMENTO_CACHE:-}" ]; then
  echo "== live: publish-subscribe worker against real Momento =="
  cargo test -p e2e-tests --test live -- --ignored 2>&1 | tee "$ARTIFACTS/live.txt"
else
  # Run without --ignored so cargo itself reports the live test as ignored (skipped).
  echo "live test: skipped (set MOMENTO_API_KEY and MOMENTO_CACHE)"
  cargo test -p e2e-tests --test live 2>&1 | tee "$ARTIFACTS/live.txt"
fi
