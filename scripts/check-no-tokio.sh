#!/usr/bin/env bash
# The library must not declare tokio, and its wasm32 tree may only hold `worker`'s featureless
# tokio (I/O traits): no rt, net, time, sync, macros or signal feature.
set -euo pipefail
cd "$(dirname "$0")/.."
if python3 - <<'PY'
import re, sys
manifest = open("Cargo.toml").read().split("[workspace]")[0]
sys.exit(0 if re.search(r"^\s*tokio\s*=", manifest, re.M) else 1)
PY
then
  echo "the library's Cargo.toml declares tokio" >&2; exit 1
fi
tree="$(cargo tree -p momento-topics-worker --target wasm32-unknown-unknown -e features -i tokio 2>/dev/null || true)"
echo "$tree"
echo "$tree" | grep -q "^tokio v" || { echo "cargo tree failed" >&2; exit 1; }
if echo "$tree" | grep -Eq 'tokio feature "(rt|rt-multi-thread|net|time|sync|macros|signal|full)"'; then
  echo "a tokio runtime feature is enabled in the library's wasm32 tree" >&2; exit 1
fi
echo "ok: no tokio declared; wasm32 tree has tokio only as worker's featureless dependency"
