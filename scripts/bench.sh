#!/usr/bin/env bash
# Compile-speed benchmark: synthetic spec trees of 1k, 10k and 50k SLOs (100 SLOs a file), native
# and OpenSLO; wall time of `build` (every backend) and `validate` against a parse-only baseline
# (the same files through the same YAML parser and nothing else), peak RSS and output size.
#
# Needs hyperfine (Debian: `apt-get install hyperfine`), jq and GNU time (/usr/bin/time).
# Usage: scripts/bench.sh [SIZES] (default "1000 10000 50000").
# Environment: RUNS (5; median of that many), FORMATS ("native openslo"), WORK (a temp dir),
# PIN (e.g. `taskset -c 0` to measure on one core).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
sizes="${1:-1000 10000 50000}"
runs="${RUNS:-5}"
formats="${FORMATS:-native openslo}"
pin="${PIN:-}"
work="${WORK:-$(mktemp -d /tmp/slofile-bench.XXXXXX)}"
mkdir -p "$work"
trap '[ -n "${WORK:-}" ] || rm -rf "$work"' EXIT

for tool in hyperfine jq /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done

cargo build --release --quiet --bin slofile --example gen-specs --example parse-only
slofile="$repo/target/release/slofile"
gen="$repo/target/release/examples/gen-specs"
parse="$repo/target/release/examples/parse-only"

# median_ms COMMAND...: the median wall time of RUNS runs, in milliseconds, and the mean CPU time
# (user + system).
median_ms() {
  local json="$work/hyperfine.json"
  hyperfine --style none --warmup 1 --runs "$runs" --export-json "$json" "$*" >/dev/null 2>&1
  jq -r '.results[0] | "\(.median * 1000 | round) \((.user + .system) * 1000 | round)"' "$json"
}

# peak_mib OUT COMMAND...: the median peak RSS of three runs, in MiB; OUT is removed before each
# run, so that every build writes all of its files.
peak_mib() {
  local out="$1"
  shift
  for _ in 1 2 3; do
    rm -rf "$out"
    /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1
  done | sort -n | sed -n 2p | awk '{printf "%.0f", $1 / 1024}'
}

echo "| SLOs | format | input | parse-only | validate | build | build CPU | build / parse | peak RSS build | output |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for format in $formats; do
  for size in $sizes; do
    tree="$work/$format-$size"
    out="$work/out-$format-$size"
    [ -d "$tree" ] || "$gen" --slos "$size" --format "$format" --out "$tree"
    input=$(du -sm "$tree" | cut -f1)
    read -r parse_ms _ < <(median_ms $pin "$parse" "$tree")
    read -r validate_ms _ < <(median_ms $pin "$slofile" validate "$tree")
    # Every run writes a fresh output directory, as a first build does, after the previous
    # run's output is deleted and flushed.
    json="$work/hyperfine.json"
    hyperfine --style none --warmup 1 --runs "$runs" --export-json "$json" \
      --prepare "rm -rf $out && sync" "$pin $slofile build $tree -o $out" >/dev/null 2>&1
    read -r build_ms build_cpu_ms < <(jq -r '.results[0] | "\(.median * 1000 | round) \((.user + .system) * 1000 | round)"' "$json")
    rss=$(peak_mib "$out" $pin "$slofile" build "$tree" -o "$out")
    output=$(du -sm "$out" | cut -f1)
    files=$(find "$out" -type f | wc -l)
    ratio=$(awk -v b="$build_ms" -v p="$parse_ms" 'BEGIN { printf "%.1f×", b / p }')
    echo "| $size | $format | ${input} MB | ${parse_ms} ms | ${validate_ms} ms | ${build_ms} ms | ${build_cpu_ms} ms | $ratio | ${rss} MiB | ${output} MB, $files files |"
  done
done
