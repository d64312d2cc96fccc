#!/bin/sh
# Strips the names section that worker-build keeps (about a fifth of the gzipped .wasm).
# Uses $WASM_OPT_BIN or a wasm-opt on PATH; without either the build goes on unstripped.
set -eu
wasm="$1"
opt="${WASM_OPT_BIN:-$(command -v wasm-opt || true)}"
if [ -z "$opt" ]; then
  echo "strip-wasm-names: no wasm-opt found; leaving $wasm with its names section" >&2
  exit 0
fi
"$opt" "$wasm" --strip-debug -o "$wasm"
