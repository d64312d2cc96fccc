#!/usr/bin/env bash
# The webhook relay's tests, in order; fails if any fails:
#   1. unit and doc tests (native),
#   2. end to end in workerd: e2e/tests/relay.rs starts its own emulator and `wrangler dev`,
#   3. the viewer page in headless Chromium (tests/viewer.test.mjs), against an emulator and a
#      `wrangler dev` started here once step 2 has stopped its own (both build into
#      examples/webhook-relay/build, so they never run at the same time).
# Logs and the viewer screenshot go to $ARTIFACTS (default target/artifacts).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
export CI=true ARTIFACTS

[ -x "$ROOT/node_modules/.bin/wrangler" ] && [ -d "$ROOT/node_modules/playwright-core" ] \
  || { echo "wrangler or playwright-core is missing: run npm ci (or scripts/setup.sh)" >&2; exit 1; }

# scripts/test.sh has already run these with the rest of the workspace.
if [ -z "${SKIP_RELAY_UNIT_TESTS:-}" ]; then
  echo "== unit: webhook-relay =="
  cargo test -p webhook-relay 2>&1 | tee "$ARTIFACTS/relay-unit.txt"
fi

echo "== workerd: the relay end to end =="
cargo build -q -p momento-topics-emulator
cargo test -p e2e-tests --test relay 2>&1 | tee "$ARTIFACTS/relay-e2e.txt"

echo "== viewer: headless Chromium =="
start_emulator VIEWER --max-wait-ms 5000
STATE="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
INSPECTOR="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
GITHUB_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
# Secrets in a private env file (not on the command line); it also keeps a developer's
# .dev.vars out of the test.
( umask 077
  {
    echo "MOMENTO_API_KEY=\"$VIEWER_TOKEN\""
    echo "MOMENTO_BASE_URL=\"$VIEWER_URL\""
    echo "GITHUB_WEBHOOK_SECRET=\"$GITHUB_SECRET\""
    echo "STRIPE_WEBHOOK_SECRET=\"whsec_viewer_test\""
    echo "SLACK_SIGNING_SECRET=\"viewer-test\""
    echo "SHOPIFY_WEBHOOK_SECRET=\"viewer-test\""
    echo "STANDARD_WEBHOOKS_SECRET=\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\""
    echo "GENERIC_WEBHOOK_SECRET=\"viewer-test\""
  } > "$STATE/secrets.env" )

setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$PORT" \
  --inspector-port "$INSPECTOR" --persist-to "$STATE/persist" --env-file "$STATE/secrets.env" \
  --show-interactive-dev-session=false > "$ARTIFACTS/wrangler-viewer.log" 2>&1 &
WRANGLER_PID=$!
cleanup() { kill -- "-$WRANGLER_PID" 2>/dev/null || true; rm -rf "$STATE"; stop_children; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

RELAY_URL="http://127.0.0.1:$PORT"
health=""
for _ in $(seq 1 600); do
  kill -0 "$WRANGLER_PID" 2>/dev/null \
    || { tail -n 40 "$ARTIFACTS/wrangler-viewer.log" >&2; echo "wrangler dev exited" >&2; exit 1; }
  health="$(curl -s -o /dev/null -w '%{http_code}' "$RELAY_URL/healthz" || true)"
  [ "$health" = 200 ] && break
  sleep 0.5
done
[ "$health" = 200 ] || { echo "the relay did not become healthy" >&2; exit 1; }

RELAY_URL="$RELAY_URL" RELAY_GITHUB_SECRET="$GITHUB_SECRET" \
  node --test tests/viewer.test.mjs 2>&1 | tee "$ARTIFACTS/relay-viewer.txt"
echo "screenshot: $ARTIFACTS/viewer.png"
