#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine of this kind; each step is skipped
# when what it installs is already there at the right version, so reruns take seconds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

locked_version() { # the version of crate $1 in Cargo.lock
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown && return
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

ensure_apt_packages() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  command -v firefox-esr >/dev/null || command -v firefox >/dev/null || missing+=(firefox-esr)
  command -v curl >/dev/null || missing+=(curl)
  command -v python3 >/dev/null || missing+=(python3)
  [ ${#missing[@]} -eq 0 ] && return
  say "installing ${missing[*]} from Debian"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# cargo_install CRATE BINARY VERSION: installs exactly VERSION unless BINARY already reports it.
cargo_install() {
  local crate="$1" binary="$2" version="$3"
  if command -v "$binary" >/dev/null && "$binary" --version 2>/dev/null | grep -q -- "$version"; then
    return
  fi
  say "cargo install $crate@$version"
  cargo install -q "$crate" --version "=$version"
}

ensure_node_modules() {
  local stamp="node_modules/.package-lock.sha"
  local want; want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return
  say "npm ci (wrangler, workerd, binaryen)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
}

ensure_wasm_target
ensure_apt_packages
cargo_install wasm-bindgen-cli wasm-bindgen "$(locked_version wasm-bindgen)"
cargo_install worker-build worker-build 0.8.7
cargo_install geckodriver geckodriver 0.37.1
ensure_node_modules
say "ready"
