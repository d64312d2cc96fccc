#!/usr/bin/env bash
# The wasm32 client in headless Chrome and Firefox, against two local emulators.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

cargo build -q -p momento-topics-emulator
start_emulator MAIN --retention 50 --max-wait-ms 2000
start_emulator LATEST --start-at-latest --max-wait-ms 2000
export EMULATOR_URL="$MAIN_URL" EMULATOR_TOKEN="$MAIN_TOKEN"
export EMULATOR_LATEST_URL="$LATEST_URL" EMULATOR_LATEST_TOKEN="$LATEST_TOKEN"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=120

run_in() {
  local browser="$1"; shift
  echo "== wasm tests in $browser =="
  env "$@" cargo test --target wasm32-unknown-unknown -p momento-topics-worker --test web \
    2>&1 | tee "$ARTIFACTS/web-$browser.txt"
  grep -q "test result: ok" "$ARTIFACTS/web-$browser.txt"
}

run_in chrome CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
run_in firefox GECKODRIVER="${GECKODRIVER:-$HOME/.cargo/bin/geckodriver}"
