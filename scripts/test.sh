#!/usr/bin/env bash
# Every test: native unit/property/integration tests, the wasm client in headless Chrome and
# Firefox, the client and the relay inside workerd, and the relay's viewer in Chromium.
# Installs what it needs first (scripts/setup.sh), so it runs on a fresh machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
ARTIFACTS="$ROOT/target/artifacts"
mkdir -p "$ARTIFACTS"
LOG="$ARTIFACTS/test-output.txt"
: > "$LOG"

suite() { # suite NAME COMMAND...: runs one suite, keeping its output for the summary
  echo "== $1 =="
  shift
  "$@" 2>&1 | tee -a "$LOG"
}

suite "native (library, emulator, relay logic)" cargo test --workspace --exclude e2e-tests
suite "browsers (Chrome, Firefox)" bash scripts/test-browsers.sh
suite "workerd (publish-subscribe example)" bash scripts/test-workerd.sh
suite "workerd + Chromium (webhook relay)" env SKIP_RELAY_UNIT_TESTS=1 bash scripts/test-relay.sh

# One closing line over every suite: cargo's "test result" lines and node's "# pass/# fail".
python3 - "$LOG" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
passed = sum(int(n) for n in re.findall(r"test result: \w+\. (\d+) passed", text))
failed = sum(int(n) for n in re.findall(r"test result: \w+\. \d+ passed; (\d+) failed", text))
skipped = sum(int(n) for n in re.findall(r"test result: .*?(\d+) ignored", text))
passed += sum(int(n) for n in re.findall(r"^# pass (\d+)", text, re.M))
failed += sum(int(n) for n in re.findall(r"^# fail (\d+)", text, re.M))
print(f"all suites: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
PY
