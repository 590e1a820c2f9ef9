#!/usr/bin/env bash
# Live-query benchmark: how many queries `status` and `report` ask, and how long they take, for synthetic trees of 1k and 10k SLOs (100 SLOs a service) against a real Prometheus
# whose recorded series cover every window (backfilled by `live-series`). The queries are counted
# by Prometheus itself (`prometheus_http_requests_total`). The synthetic trees have no budget
# policy, so `gate` has nothing to ask here; tests/it/live_queries.rs counts its queries.
#
# Needs promtool and prometheus (Debian: `prometheus`), curl and GNU time (/usr/bin/time).
# Usage: scripts/live-bench.sh [SIZES] (default "1000 10000"). Environment: WORK (a temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
sizes="${1:-1000 10000}"
work="${WORK:-$(mktemp -d /tmp/slofile-live-bench.XXXXXX)}"
mkdir -p "$work"
pid=""
cleanup() {
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  [ -n "${WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

for tool in promtool prometheus curl /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "live-bench: $tool is required" >&2; exit 2; }
done
cargo build --release --quiet --bin slofile --example gen-specs --example live-series
slofile="$repo/target/release/slofile"
# 2026-04-05T00:00:00Z: the instant every command is asked about.
at=1775347200

queries() {
  curl -s "http://127.0.0.1:$port/metrics" |
    awk '/^prometheus_http_requests_total\{.*handler="\/api\/v1\/query(_range)?"/ { n += $NF } END { print n + 0 }'
}

echo "| SLOs | services | command | queries | wall | peak RSS |"
echo "|---:|---:|---|---:|---:|---:|"
for size in $sizes; do
  tree="$work/native-$size"
  [ -d "$tree" ] || "$repo/target/release/examples/gen-specs" --slos "$size" --format native --out "$tree"
  data="$work/data-$size"
  if [ ! -d "$data" ]; then
    # The edges of February and March 2026 (UTC), which `report --period 2026-03` asks about.
    "$repo/target/release/examples/live-series" --at "$at" --also 1769904000 --also 1772323200 \
      --also 1775001600 "$tree" > "$work/recorded-$size.om"
    promtool tsdb create-blocks-from openmetrics --quiet "$work/recorded-$size.om" "$data" >/dev/null
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  printf 'global:\n  evaluation_interval: 1m\nrule_files: []\n' > "$work/prometheus.yml"
  prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$data" \
    --storage.tsdb.retention.time=100y --web.listen-address="127.0.0.1:$port" \
    --log.level=warn >"$work/prometheus.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break
    sleep 0.5
  done
  services=$(find "$tree" -name '*.yaml' | wc -l)
  for command in status "report --period 2026-03"; do
    before=$(queries)
    # shellcheck disable=SC2086
    /usr/bin/time -o "$work/time" -f '%e %M' "$slofile" $command "$tree" \
      --prometheus "http://127.0.0.1:$port" --at "$at" --format json >/dev/null 2>&1 || true
    after=$(queries)
    read -r seconds kib <"$work/time"
    echo "| $size | $services | ${command%% *} | $((after - before)) | ${seconds} s | $((kib / 1024)) MiB |"
  done
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
done
