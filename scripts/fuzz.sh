#!/usr/bin/env bash
# Fuzzes slofile with cargo-fuzz (libFuzzer). Needs a nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`). Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] (default 300).
#
#   build_source  the whole pipeline on one in-memory file; seeded with every spec in the
#                 repository and the shared OpenSLO and Sloth corpus
#   promql_check  slofile's fast PromQL check against promql-parser, query by query
#
# Crashes land in fuzz/artifacts/<target>/; rerun one with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
# FUZZ_TIMEOUT (seconds, default 30) is the per-input limit; it is wall time, so keep it generous
# when the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"

seeds=fuzz/corpus/build_source
mkdir -p "$seeds" fuzz/corpus/promql_check
find specs examples tests/invalid tests/fixtures \
  -name '*.yaml' -o -name '*.yml' 2>/dev/null | while read -r file; do
  cp "$file" "$seeds/$(echo "$file" | tr '/' '_')"
done
# PromQL seeds: every query-like line of the specs.
grep -rhoE '(bad|good|total|query|expr|histogram|metric|error_ratio_query): .+' specs examples \
  | sed -E 's/^[a-z_]+: //' | sort -u | while read -r query; do
  printf '%s' "$query" > "fuzz/corpus/promql_check/$(printf '%s' "$query" | sha1sum | cut -c1-16)"
done

cd fuzz
cargo +nightly fuzz run build_source -O -- -dict=spec.dict -max_total_time="$seconds" \
  -timeout="${FUZZ_TIMEOUT:-30}" -rss_limit_mb=2048 -print_final_stats=1
cargo +nightly fuzz run promql_check -O -- -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-30}" \
  -print_final_stats=1
