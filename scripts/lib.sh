# Shared by the scripts: start emulators, read their start-up line, stop everything on exit.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ARTIFACTS="${ARTIFACTS:-$ROOT/target/artifacts}"
mkdir -p "$ARTIFACTS"
export PATH="$HOME/.cargo/bin:$PATH"
# worker-build downloads these unless told where they are (no internet here): see
# ../shared/reference/toolchain.md. wrangler runs worker-build, so they must be in its environment.
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$HOME/.cargo/bin/wasm-bindgen}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$ROOT/node_modules/binaryen/bin/wasm-opt}"
export ESBUILD_BIN="${ESBUILD_BIN:-$ROOT/node_modules/.bin/esbuild}"
CHILD_PIDS=()

stop_children() {
  for pid in "${CHILD_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap stop_children EXIT INT TERM

# start_emulator NAME [flags...]: runs the emulator in the background and sets NAME_URL and
# NAME_TOKEN from its first stdout line (the fixed start-up line).
start_emulator() {
  local name="$1"; shift
  local out="$ARTIFACTS/emulator-$name.out"
  : > "$out"
  "$ROOT/target/debug/momento-emulator" "$@" > "$out" 2> "$ARTIFACTS/emulator-$name.log" &
  CHILD_PIDS+=("$!")
  local line=""
  for _ in $(seq 1 300); do
    line="$(head -n 1 "$out")"
    [ -n "$line" ] && break
    sleep 0.1
  done
  [ -n "$line" ] || { echo "emulator $name did not start; see $ARTIFACTS/emulator-$name.log" >&2; exit 1; }
  printf -v "${name}_URL" '%s' "$(json_field "$line" url)"
  printf -v "${name}_TOKEN" '%s' "$(json_field "$line" token)"
}

json_field() {
  python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}
