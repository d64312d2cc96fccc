#!/usr/bin/env bash
# Runs the webhook relay (examples/webhook-relay) locally, from a fresh machine:
#   1. installs the toolchain and npm packages (scripts/setup.sh; reruns take seconds),
#   2. starts the local Momento emulator — or uses real Momento when MOMENTO_API_KEY is set
#      (with MOMENTO_ENDPOINT for v2 keys, and the cache from MOMENTO_CACHE, default
#      "default-cache"),
#   3. writes .dev.vars: the Momento key, and a random secret per webhook source (kept across
#      runs, so senders you configured keep working),
#   4. starts `wrangler dev` on 127.0.0.1:$PORT (default 8787), waits until it answers, and
#      prints the viewer's URL and a ready-to-paste curl that sends a correctly signed GitHub
#      webhook. Then it stays in the foreground with wrangler's log until Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PORT="${PORT:-8787}"
DEV_VARS="$ROOT/.dev.vars"
WRANGLER_LOG="$ARTIFACTS/relay-wrangler.log"
say() { printf '\033[1m[relay]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[relay]\033[0m %s\n' "$*" >&2; exit 1; }

port_in_use() { python3 -c 'import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0)' "$1"; }
random_hex() { python3 -c 'import secrets; print(secrets.token_hex(24))'; }
random_whsec() { python3 -c 'import base64,secrets; print("whsec_" + base64.b64encode(secrets.token_bytes(24)).decode())'; }
# The value of NAME in the existing .dev.vars, if any.
kept() { [ -f "$DEV_VARS" ] && sed -n "s/^$1=\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" "$DEV_VARS" | head -n 1 || true; }
secret() { local value; value="$(kept "$1")"; [ -n "$value" ] && echo "$value" || "$2"; }

bash "$ROOT/scripts/setup.sh"
port_in_use "$PORT" && die "port $PORT is busy; run with PORT=<free port> $0"

if [ -n "${MOMENTO_API_KEY:-}" ]; then
  CACHE="${MOMENTO_CACHE:-default-cache}"
  say "using real Momento (cache \"$CACHE\"); make sure the cache exists"
  momento_lines=("MOMENTO_API_KEY=\"$MOMENTO_API_KEY\"")
  [ -n "${MOMENTO_ENDPOINT:-}" ] && momento_lines+=("MOMENTO_ENDPOINT=\"$MOMENTO_ENDPOINT\"")
else
  CACHE="default-cache"
  say "building and starting the local Momento emulator"
  cargo build -q -p momento-topics-emulator
  start_emulator RELAY --cache "$CACHE"
  say "emulator on $RELAY_URL"
  momento_lines=("MOMENTO_API_KEY=\"$RELAY_TOKEN\"" "MOMENTO_BASE_URL=\"$RELAY_URL\"")
fi

GITHUB_SECRET="$(secret GITHUB_WEBHOOK_SECRET random_hex)"
umask 077
{
  echo "# Written by scripts/run-relay.sh; local only (gitignored). Webhook secrets are kept"
  echo "# across runs; the Momento lines are rewritten each time."
  printf '%s\n' "${momento_lines[@]}"
  echo "RELAY_DEFAULT_CACHE=\"$CACHE\""
  echo "GITHUB_WEBHOOK_SECRET=\"$GITHUB_SECRET\""
  echo "STRIPE_WEBHOOK_SECRET=\"$(secret STRIPE_WEBHOOK_SECRET random_whsec)\""
  echo "SLACK_SIGNING_SECRET=\"$(secret SLACK_SIGNING_SECRET random_hex)\""
  echo "SHOPIFY_WEBHOOK_SECRET=\"$(secret SHOPIFY_WEBHOOK_SECRET random_hex)\""
  echo "STANDARD_WEBHOOKS_SECRET=\"$(secret STANDARD_WEBHOOKS_SECRET random_whsec)\""
  echo "GENERIC_WEBHOOK_SECRET=\"$(secret GENERIC_WEBHOOK_SECRET random_hex)\""
} > "$DEV_VARS"
umask 022
say "wrote $DEV_VARS"

say "starting wrangler dev (the first build takes a minute or two); log: $WRANGLER_LOG"
# Its own process group, so that stopping it also stops workerd.
CI=true setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$PORT" \
  --show-interactive-dev-session=false > "$WRANGLER_LOG" 2>&1 &
WRANGLER_PID=$!
stop_wrangler() { kill -- "-$WRANGLER_PID" 2>/dev/null || true; }
trap 'stop_wrangler; stop_children' EXIT
trap 'stop_wrangler; stop_children; exit 130' INT TERM

URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 600); do
  kill -0 "$WRANGLER_PID" 2>/dev/null || { tail -n 40 "$WRANGLER_LOG" >&2; die "wrangler dev exited"; }
  health="$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz" || true)"
  [ "$health" = 200 ] && break
  sleep 1
done
[ "$health" = 200 ] || { tail -n 40 "$WRANGLER_LOG" >&2; die "the relay did not become healthy"; }

# A GitHub push, signed like GitHub does: HMAC-SHA256 of the exact body with the secret.
DELIVERY="$(python3 -c 'import uuid; print(uuid.uuid4())')"
BODY='{"ref":"refs/heads/main","repository":{"full_name":"octo-org/hello-relay"},"head_commit":{"message":"Hello from the webhook relay"}}'
SIGNATURE="$(python3 -c 'import hashlib,hmac,sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())' "$GITHUB_SECRET" "$BODY")"

cat <<EOF

  The webhook relay is running on $URL

  Viewer (open in a browser):  $URL/?topic=github.push

  Send a signed GitHub push (paste it into another terminal):

curl -sS -X POST '$URL/hooks/github' \\
  -H 'Content-Type: application/json' \\
  -H 'X-GitHub-Event: push' \\
  -H 'X-GitHub-Delivery: $DELIVERY' \\
  -H 'X-Hub-Signature-256: sha256=$SIGNATURE' \\
  --data-binary '$BODY'

  It answers {"status":"published",...}; sent again, {"status":"duplicate",...}.
  Secrets for every source are in .dev.vars; the sources are in wrangler.toml.
  Stop with Ctrl-C.

EOF

tail -n 0 -f "$WRANGLER_LOG" &
CHILD_PIDS+=("$!")
wait "$WRANGLER_PID"
