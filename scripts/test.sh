#!/usr/bin/env bash
# The whole test suite. Installs what the tests need when it is missing (promtool and amtool, and
# chromium for the report's pages, from Debian's packages), then runs formatting, lint and every
# test.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} for the tests"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
promtool --version | head -n 1
amtool --version 2>&1 | head -n 1
chromium --version 2>/dev/null | head -n 1

# A cold build in CI gains nothing from incremental compilation, which only costs there.
if [ "${CI:-}" = "true" ]; then
  export CARGO_INCREMENTAL=0
fi

cargo fmt --check
# clippy checks every target, the benchmark helpers in scripts/ among them; the tests need only
# the library's unit tests and the one integration-test binary (no doc tests: the crate has none).
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked --lib --test it
