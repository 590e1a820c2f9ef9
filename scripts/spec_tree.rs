//! Synthetic spec trees for benchmarks and the output-identity test: `slos` SLOs, `per_file` to a
//! file (one service per file), in the native format or as OpenSLO objects.
//!
//! Native services mix every SLI kind (ratio with bad or good events, latency percentiles, gauge
//! time slices, freshness, Sentry transactions, UptimeRobot and blackbox probes), static alerts,
//! channels and an escalation matrix, so that every backend has work. OpenSLO services carry a
//! Service object, a shared DataSource and AlertPolicy, and per SLO either an inline or a
//! referenced SLI. The output is a pure function of the arguments.

use std::fmt::Write as _;
use std::path::Path;

/// The spec language of a tree.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Native,
    OpenSlo,
}

/// Writes `slos` SLOs under `out`, `per_file` to a file, 20 files to a team directory.
pub fn generate(out: &Path, slos: usize, per_file: usize, format: Format) -> std::io::Result<()> {
    std::fs::create_dir_all(out)?;
    let files = slos.div_ceil(per_file);
    for file in 0..files {
        let first = file * per_file;
        let count = per_file.min(slos - first);
        // Team directories, as a large repository would have them.
        let dir = out.join(format!("team-{:03}", file / 20));
        std::fs::create_dir_all(&dir)?;
        let text = match format {
            Format::Native => native_service(file, count),
            Format::OpenSlo => openslo_service(file, count),
        };
        std::fs::write(dir.join(format!("svc-{file:05}.yaml")), text)?;
    }
    Ok(())
}

const OBJECTIVES: [&str; 5] = ["99.9%", "99.5%", "99%", "99.95%", "95%"];
const WINDOWS: [&str; 3] = ["28d", "30d", "7d"];

fn native_service(file: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 600);
    let service = format!("svc-{file:05}");
    let _ = write!(
        out,
        "# yaml-language-server: $schema=../../schema/slofile.schema.json
apiVersion: slofile/v1
service: {service}
title: Service {file}
owner: team-{team}
description: |
  Synthetic service {file} for benchmarks.
labels:
  team: team-{team}
defaults:
  window: 28d
sentry:
  organization: bench
channels:
  - {{id: pager, type: pagerduty, target: {service}-primary, secret_file: /etc/alertmanager/secrets/pd}}
  - {{id: slack, type: slack, target: \"#{service}\", secret_file: /etc/alertmanager/secrets/slack, sentry_integration_id: \"4242\"}}
  - {{id: email, type: email, target: {service}@example.com, uptimerobot_contact_id: \"{contact}\"}}
escalation:
  - {{severity: P1, name: Critical, condition: Down, response: Immediate, response_time: 5m, channels: [pager, slack]}}
  - {{severity: P2, name: Major, condition: Fast burn, response: Within 1 hour, response_time: 1h, channels: [pager, slack]}}
  - {{severity: P3, name: Minor, condition: Slow burn, response: Within 4 hours, response_time: 4h, channels: [slack]}}
  - {{severity: P4, name: Low, condition: Anything else, response: Next business day, response_time: 1d, channels: [email]}}
burn_policies:
  - id: routed
    tiers:
      - {{severity: page, budget: 2%, long: 1h, short: 5m, for: 2m, escalation: P1}}
      - {{severity: page, budget: 5%, long: 6h, short: 30m, for: 15m, escalation: P2}}
      - {{severity: ticket, budget: 10%, long: 3d, short: 6h, for: 1h, escalation: P3}}
  # Windows that Sentry monitors can evaluate.
  - id: sentry
    tiers:
      - {{severity: page, budget: 2%, long: 1h, short: 5m, for: 2m}}
      - {{severity: ticket, budget: 10%, long: 1d, short: 2h, for: 1h}}
slos:
",
        team = file / 20,
        contact = 1_000_000 + file,
    );
    for index in 0..count {
        native_slo(&mut out, &service, index);
    }
    out
}

fn native_slo(out: &mut String, service: &str, index: usize) {
    let objective = OBJECTIVES[index % OBJECTIVES.len()];
    let window = WINDOWS[index % WINDOWS.len()];
    let metric = format!("{}_op{index}", service.replace('-', "_"));
    let _ = write!(
        out,
        "  - id: op-{index:03}\n    title: Operation {index}\n    journey: Users call operation {index} of {service}.\n"
    );
    match index % 10 {
        0..=3 => {
            let _ = write!(
                out,
                "    objective: {objective}
    window: {window}
    sli:
      ratio:
        bad: {metric}_requests_total{{job=\"{service}\",code=~\"5..\"}}
        total: {metric}_requests_total{{job=\"{service}\"}}
"
            );
            if index % 4 == 1 {
                out.push_str("    min_events: 20\n    group_by: [tenant]\n");
            }
            if index % 4 == 2 {
                out.push_str("    alerting: {burn_policy: routed}\n");
                out.push_str(
                    "    alerts:\n      - {id: error-spike, summary: 5xx above 5%, above: 5%, over: 5m, for: 5m, severity: page, escalation: P1}\n",
                );
            }
        }
        4 => {
            let _ = write!(
                out,
                "    objective: {objective}
    sli:
      ratio:
        good: sum({metric}_jobs_total{{outcome=\"ok\"}})
        total: sum({metric}_jobs_total)
"
            );
        }
        5 => {
            let _ = write!(
                out,
                "    sli:
      latency:
        histogram: {metric}_duration_seconds_bucket{{job=\"{service}\"}}
        buckets: [0.1, 0.25, 0.5, 1, 2.5]
        percentiles:
          - {{percentile: 99, threshold: 250ms}}
          - {{percentile: 99.9, threshold: 1s}}
"
            );
        }
        6 => {
            let _ = write!(
                out,
                "    objective: {objective}
    sli:
      gauge:
        query: max({metric}_queue_depth)
        below: 100
        slice: 1m
        unit: jobs
"
            );
        }
        7 => {
            let _ = write!(
                out,
                "    objective: 99%
    sli:
      freshness:
        from: Event received
        to: Event exported
        histogram: {metric}_lag_seconds_bucket
        buckets: [1, 5, 30, 60, 300]
        threshold: 30s
"
            );
        }
        8 => {
            let _ = write!(
                out,
                "    objective: 99.5%
    sli:
      sentry:
        project: {service}-api
        transaction: POST /api/op/{index}
        failure: \"http.status_code:5*\"
        latency: {{percentile: 95, threshold: 800ms}}
        channels: [slack]
    alerting: {{burn_policy: sentry}}
"
            );
        }
        _ if index % 20 == 19 => {
            let _ = write!(
                out,
                "    objective: 99.9%
    sli:
      probe:
        provider: blackbox
        url: https://{service}.example.com/op/{index}/health
        interval: 1m
        metric: probe_success{{job=\"blackbox\",instance=\"https://{service}.example.com/op/{index}/health\"}}
"
            );
        }
        _ => {
            let _ = write!(
                out,
                "    objective: 99.5%
    window: 30d
    sli:
      probe:
        provider: uptimerobot
        url: https://{service}.example.com/op/{index}/health
        interval: 5m
        timeout: 30s
        keyword: \"ok\"
        channels: [email]
"
            );
        }
    }
}

fn openslo_service(file: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 900);
    let service = format!("svc-{file:05}");
    let _ = write!(
        out,
        "apiVersion: openslo/v1
kind: Service
metadata:
  name: {service}
  displayName: Service {file}
spec:
  description: Synthetic service {file} for benchmarks.
---
apiVersion: openslo/v1
kind: DataSource
metadata:
  name: {service}-prom
spec:
  type: Prometheus
  connectionDetails:
    url: http://prometheus:9090
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: {service}-fast-burn
spec:
  alertWhenBreaching: true
  conditions:
    - kind: AlertCondition
      metadata:
        name: {service}-fast
      spec:
        severity: page
        condition:
          kind: burnrate
          op: gt
          threshold: 14.4
          lookbackWindow: 1h
          alertAfter: 2m
  notificationTargets:
    - targetRef: {service}-pager
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: {service}-pager
spec:
  target: pagerduty
"
    );
    for index in 0..count {
        openslo_slo(&mut out, &service, index);
    }
    out
}

fn openslo_slo(out: &mut String, service: &str, index: usize) {
    let target = ["0.999", "0.995", "0.99", "0.9995", "0.95"][index % 5];
    let metric = format!("{}_op{index}", service.replace('-', "_"));
    let name = format!("{service}-op-{index:03}");
    let ratio = format!(
        "ratioMetric:
        counter: true
        bad:
          metricSource:
            metricSourceRef: {service}-prom
            spec:
              query: sum({metric}_requests_total{{code=~\"5..\"}})
        total:
          metricSource:
            metricSourceRef: {service}-prom
            spec:
              query: sum({metric}_requests_total)"
    );
    let indicator = if index.is_multiple_of(2) {
        // A separate SLI object, referenced by name.
        let _ = write!(
            out,
            "---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: {name}-errors
spec:
  {}
",
            ratio.replace("\n    ", "\n")
        );
        format!("indicatorRef: {name}-errors")
    } else {
        format!("indicator:\n    metadata:\n      name: {name}-inline\n    spec:\n      {ratio}")
    };
    let _ = write!(
        out,
        "---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: {name}
  displayName: Operation {index}
spec:
  service: {service}
  description: Requests to operation {index} that succeed.
  {indicator}
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 28d
      isRolling: true
  objectives:
    - displayName: Good
      target: {target}
  alertPolicies:
    - alertPolicyRef: {service}-fast-burn
"
    );
}
