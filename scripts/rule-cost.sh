#!/usr/bin/env bash
# What the generated rules cost Prometheus at every evaluation, measured in a real Prometheus.
#
# One 28-day ratio SLO over 1,000 raw series (500 instances × code 200/500) scraped every 15 s,
# with uneven traffic (see scripts/rule_cost.rs), and beside it Sloth v0.16's rule set for the
# same SLO (raw `rate()` over 5m, 30m, 1h, 2h, 6h, 1d and 3d, a 30-day average of 5m ratios,
# metadata and two multiwindow alerts), measured in the same Prometheus over the same data. The raw data is backfilled with
# `promtool tsdb create-blocks-from openmetrics`, the 5-minute recording rules over the whole
# window with `promtool tsdb create-blocks-from rules`, the other recording rules for the last
# minutes. Then every generated rule, a naive long-window ratio and an average of ratios are
# queried at the end of the window with `stats=all`, which reports the samples each touches.
#
# Needs prometheus and promtool (Debian: `apt-get install prometheus`), curl and jq. Takes about
# 10 minutes and 2 GB of disk on two cores. Usage: scripts/rule-cost.sh [WORK_DIR] (default: a temp dir).
# Environment: INSTANCES (500), SCRAPE (15), PORT (19090), KEEP=1 keeps the work dir.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

instances="${INSTANCES:-500}"
scrape="${SCRAPE:-15}"
port="${PORT:-19090}"
work="${1:-$(mktemp -d /tmp/slofile-rule-cost.XXXXXX)}"
mkdir -p "$work"
url="http://127.0.0.1:$port"
window_days=28
window=$((window_days * 86400))

for tool in prometheus promtool curl jq; do
  command -v "$tool" >/dev/null || { echo "rule-cost: $tool is required" >&2; exit 2; }
done

cargo build --release --quiet --bin slofile --example rule-cost
slofile="$repo/target/release/slofile"
helper="$repo/target/release/examples/rule-cost"

prometheus_pid=""
stop_prometheus() {
  if [ -n "$prometheus_pid" ]; then
    kill "$prometheus_pid" 2>/dev/null || true
    wait "$prometheus_pid" 2>/dev/null || true
    prometheus_pid=""
  fi
}
cleanup() {
  stop_prometheus
  [ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

start_prometheus() {
  prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --storage.tsdb.retention.time=90d --web.listen-address="127.0.0.1:$port" \
    --query.max-samples=2000000000 --query.timeout=30m \
    >>"$work/prometheus.log" 2>&1 &
  prometheus_pid=$!
  for _ in $(seq 1 120); do
    curl -sf "$url/-/ready" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "rule-cost: prometheus did not start; see $work/prometheus.log" >&2
  exit 2
}

# The window ends at a two-hour boundary at least four hours ago (rule backfill stops three
# hours before now); raw data starts two hours earlier, for the first 5-minute rates.
end=$(( ($(date +%s) - 4 * 3600) / 7200 * 7200 ))
start=$(( end - window - 7200 ))
chunks=$(( (end - start) / 7200 ))

# The SLO and its rules.
mkdir -p "$work/spec" "$work/out"
cat >"$work/spec/checkout.yaml" <<'EOF'
apiVersion: slofile/v1
service: checkout
slos:
  - id: requests
    objective: 99.9%
    window: 28d
    sli:
      ratio:
        bad: http_requests_total{code="500"}
        total: http_requests_total
EOF
"$slofile" build "$work/spec" -o "$work/out" >/dev/null 2>&1
rules="$work/out/prometheus/checkout.rules.yml"
cp "$rules" "$work/rules.yml"

# Sloth v0.16's rules for the same SLO (99.9%, its default 30-day window), as `sloth generate`
# writes them (tests/fixtures/corpus/sloth/testdata/out-base.yaml.tpl), less the example labels.
sloth_rules="$work/sloth.rules.yml"
sloth_selector='sloth_id="checkout-requests", sloth_service="checkout", sloth_slo="requests"'
sloth_labels='sloth_id: checkout-requests, sloth_service: checkout, sloth_slo: requests'
{
  echo "groups:"
  echo "- name: sloth-slo-sli-recordings-checkout-requests"
  echo "  rules:"
  for w in 5m 30m 1h 2h 6h 1d 3d; do
    cat <<EOF
  - record: slo:sli_error:ratio_rate$w
    expr: |
      (sum(rate(http_requests_total{code="500"}[$w])))
      /
      (sum(rate(http_requests_total[$w])))
    labels: {$sloth_labels, sloth_window: $w}
EOF
  done
  cat <<EOF
  - record: slo:sli_error:ratio_rate30d
    expr: |
      sum_over_time(slo:sli_error:ratio_rate5m{$sloth_selector}[30d])
      / ignoring (sloth_window)
      count_over_time(slo:sli_error:ratio_rate5m{$sloth_selector}[30d])
    labels: {$sloth_labels, sloth_window: 30d}
- name: sloth-slo-meta-recordings-checkout-requests
  rules:
  - record: slo:objective:ratio
    expr: vector(0.9990000000000001)
    labels: {$sloth_labels}
  - record: slo:error_budget:ratio
    expr: vector(1-0.9990000000000001)
    labels: {$sloth_labels}
  - record: slo:time_period:days
    expr: vector(30)
    labels: {$sloth_labels}
  - record: slo:current_burn_rate:ratio
    expr: |
      slo:sli_error:ratio_rate5m{$sloth_selector}
      / on(sloth_id, sloth_slo, sloth_service) group_left
      slo:error_budget:ratio{$sloth_selector}
    labels: {$sloth_labels}
  - record: slo:period_burn_rate:ratio
    expr: |
      slo:sli_error:ratio_rate30d{$sloth_selector}
      / on(sloth_id, sloth_slo, sloth_service) group_left
      slo:error_budget:ratio{$sloth_selector}
    labels: {$sloth_labels}
  - record: slo:period_error_budget_remaining:ratio
    expr: 1 - slo:period_burn_rate:ratio{$sloth_selector}
    labels: {$sloth_labels}
  - record: sloth_slo_info
    expr: vector(1)
    labels: {$sloth_labels, sloth_mode: cli-gen-prom, sloth_version: v0.16.0, sloth_objective: "99.9"}
- name: sloth-slo-alerts-checkout-requests
  rules:
EOF
  for tier in "page 14.4 5m 1h 6 30m 6h" "ticket 3 2h 1d 1 6h 3d"; do
    read -r severity f1 s1 l1 f2 s2 l2 <<<"$tier"
    cat <<EOF
  - alert: CheckoutRequestsBurn
    expr: |
      (
          max(slo:sli_error:ratio_rate$s1{$sloth_selector} > ($f1 * 0.0009999999999999432)) without (sloth_window)
          and
          max(slo:sli_error:ratio_rate$l1{$sloth_selector} > ($f1 * 0.0009999999999999432)) without (sloth_window)
      )
      or
      (
          max(slo:sli_error:ratio_rate$s2{$sloth_selector} > ($f2 * 0.0009999999999999432)) without (sloth_window)
          and
          max(slo:sli_error:ratio_rate$l2{$sloth_selector} > ($f2 * 0.0009999999999999432)) without (sloth_window)
      )
    labels: {sloth_severity: $severity}
EOF
  done
} >"$sloth_rules"
promtool check rules "$sloth_rules" >/dev/null
printf 'global:\n  scrape_interval: 15s\n  evaluation_interval: 1m\n' >"$work/prometheus.yml"

echo "rule-cost: raw data, $chunks two-hour blocks of $((instances * 2)) series every ${scrape}s" >&2
mkdir -p "$work/tsdb" "$work/chunks"
seq 0 $((chunks - 1)) | xargs -P 2 -I{} sh -c '
  "$0" chunk --index {} --start "$1" --instances "$2" --scrape "$3" >"$4/chunk-{}.om" &&
  promtool tsdb create-blocks-from openmetrics --quiet "$4/chunk-{}.om" "$5" >/dev/null &&
  rm "$4/chunk-{}.om"' "$helper" "$start" "$instances" "$scrape" "$work/chunks" "$work/tsdb"

backfill() { # FROM RULE_FILE...
  local from="$1"
  shift
  rm -rf "$work/backfill"
  promtool tsdb create-blocks-from rules --quiet --url="$url" --start="$from" --end="$end" \
    --eval-interval=60s --output-dir="$work/backfill" "$@" >/dev/null
  stop_prometheus
  mv "$work/backfill"/* "$work/tsdb/"
  start_prometheus
}

base="slo:sli_events:rate5m,slo:sli_errors:rate5m"
"$helper" rules "$rules" --only "$base" --records-file "$work/rules-5m.yml" >/dev/null
"$helper" rules "$rules" --except "$base" --records-file "$work/rules-rest.yml" >"$work/rules.jsonl"
sloth_base="slo:sli_error:ratio_rate5m"
"$helper" rules "$sloth_rules" --only "$sloth_base" --records-file "$work/sloth-5m.yml" >/dev/null
"$helper" rules "$sloth_rules" --except "$sloth_base" --records-file "$work/sloth-rest.yml" >/dev/null
start_prometheus
echo "rule-cost: backfilling the 5-minute rates, slofile's and Sloth's, over $window_days days" >&2
backfill $((end - window - 600)) "$work/rules-5m.yml" "$work/sloth-5m.yml"
echo "rule-cost: backfilling the other recording rules for the last 15 minutes" >&2
backfill $((end - 900)) "$work/rules-rest.yml" "$work/sloth-rest.yml"

# samples EXPR: "totalQueryableSamples value" of EXPR at the end of the window.
samples() {
  curl -sf "$url/api/v1/query" --data-urlencode "query=$1" --data-urlencode "time=$end" \
    --data-urlencode "stats=all" |
    jq -r '[.data.stats.samples.totalQueryableSamples, (.data.result[0].value[1] // "none")] | @tsv'
}

selector='{service="checkout",slo="requests"}'
naive="sum(rate(http_requests_total{code=\"500\"}[${window_days}d])) / sum(rate(http_requests_total[${window_days}d]))"
averaged="avg_over_time((slo:sli_errors:rate5m$selector / slo:sli_events:rate5m$selector)[${window_days}d:1m])"
truth=$("$helper" truth --from $((end - window)) --to "$end" \
  --instances "$instances" --scrape "$scrape" | jq -r '.error_ratio')

report="$work/rule-cost.md"
# cost FILE: a table row per rule of FILE; the sum goes to $total.
cost() {
  total=0
  echo "| rule | kind | samples per evaluation |"
  echo "|---|---|---:|"
  while IFS= read -r rule; do
    kind=$(jq -r .kind <<<"$rule")
    name=$(jq -r .name <<<"$rule")
    expr=$(jq -r .expr <<<"$rule")
    read -r count value < <(samples "$expr")
    total=$((total + count))
    echo "| \`$name\` | $kind | $count |"
    case "$name" in
      "slo:sli_error:ratio_rate${window_days}d") echo "$count $value" >"$work/compliance" ;;
      "slo:sli_error:ratio_rate30d") echo "$count $value" >"$work/sloth-compliance" ;;
    esac
  done < <("$helper" rules "$1")
  echo "| **all rules** | | **$total** |"
  echo
}
{
  echo "slofile:"
  echo
  cost "$rules"
  slofile_total=$total
  echo "Sloth v0.16, the same SLO:"
  echo
  cost "$sloth_rules"
  sloth_total=$total
  read -r compliance_samples compliance_value <"$work/compliance"
  read -r sloth_samples sloth_value <"$work/sloth-compliance"
  read -r naive_samples naive_value < <(samples "$naive")
  read -r averaged_samples averaged_value < <(samples "$averaged")
  echo "| long-window error ratio over ${window_days}d | samples | value | off by |"
  echo "|---|---:|---:|---:|"
  off() { jq -rn --arg v "$1" --arg t "$truth" '(($v|tonumber) - ($t|tonumber)) / ($t|tonumber) * 100 | (.*1000|round)/1000 | tostring + "%"'; }
  echo "| exact (from the generator's counts) | | $truth | |"
  echo "| slofile: \`slo:sli_error:ratio_rate${window_days}d\` | $compliance_samples | $compliance_value | $(off "$compliance_value") |"
  echo "| Sloth: \`slo:sli_error:ratio_rate30d\` (over the ${window_days} days of data) | $sloth_samples | $sloth_value | $(off "$sloth_value") |"
  echo "| naive: \`$naive\` | $naive_samples | $naive_value | $(off "$naive_value") |"
  echo "| average of 5m ratios | $averaged_samples | $averaged_value | $(off "$averaged_value") |"
  echo
  echo "slofile's rule set reads $slofile_total samples per evaluation, Sloth's $sloth_total: 1/$((sloth_total / slofile_total))."
  echo "slofile's long-window compliance touches 1/$((naive_samples / compliance_samples)) of the naive expression's samples."
} >"$report"
cat "$report"
