//! Pyrra inputs: every example of Pyrra's repository builds or says why not; each indicator kind
//! alerts over Pyrra's windows with Pyrra's factors, `for` durations, severities and absent
//! alert; the rules pass promtool; Kubernetes leftovers are read and other objects skipped; what
//! Pyrra gets wrong or ignores is diagnosed; `convert` writes native and OpenSLO specs from Pyrra.

use crate::common::build::Build;
use crate::common::{require_tool, root, run, run_tool_ok};
use slofile::compile::Plan;
use slofile::convert::{Target, convert};
use slofile::diagnostics::Report;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn fixture(path: &str) -> PathBuf {
    root().join("tests/fixtures/pyrra").join(path)
}

fn corpus() -> PathBuf {
    root().join("tests/fixtures/corpus/pyrra/examples")
}

fn plan_of(paths: &[PathBuf]) -> Plan {
    let mut report = Report::default();
    let plan = slofile::plan(paths, &mut report).expect("readable");
    plan.unwrap_or_else(|| panic!("{paths:?}: {:#?}", report.diagnostics))
}

/// The codes and severities `slofile validate` reports for `paths`, and its exit code.
fn validate(paths: &[&Path]) -> (i32, Vec<(String, String)>) {
    let mut args: Vec<String> = vec!["validate".into(), "--format".into(), "json".into()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run(&args);
    let diagnostics = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            Some((
                value["severity"].as_str()?.to_owned(),
                value["code"].as_str()?.to_owned(),
            ))
        })
        .collect();
    (output.status.code().unwrap(), diagnostics)
}

/// Every example of Pyrra's repository, and what slofile makes of it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Builds,
    /// Groups by `service`, the label slofile gives every series of a service.
    GroupsByService,
}

const EXAMPLES: &[(&str, Outcome)] = &[
    ("caddy-response-latency.yaml", Outcome::Builds),
    ("docker-compose/pyrra/prometheus-http.yaml", Outcome::Builds),
    ("mimir/example-slo.yaml", Outcome::Builds),
    ("nginx.yaml", Outcome::Builds),
    ("parca-grpc-queryrange-errors.yaml", Outcome::Builds),
    ("prometheus-http.yaml", Outcome::Builds),
    ("prometheus-operator.yaml", Outcome::Builds),
    ("prometheus-probe-success.yaml", Outcome::Builds),
    ("pyrra-connect-errors.yaml", Outcome::GroupsByService),
    ("pyrra-connect-latency.yaml", Outcome::GroupsByService),
    ("pyrra-filesystem-errors.yaml", Outcome::Builds),
    ("pyrra-kubernetes-errors.yaml", Outcome::Builds),
    ("thanos-grpc.yaml", Outcome::Builds),
    ("thanos-http.yaml", Outcome::Builds),
];

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

#[test]
fn every_example_builds_or_says_why() {
    let mut files = Vec::new();
    yaml_files(&corpus(), &mut files);
    files.sort();
    let mut manifests = 0;
    for file in &files {
        let relative = file
            .strip_prefix(corpus())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        // The manifests of Pyrra's Kubernetes and OpenShift deployments all build.
        let outcome = if relative.contains("/manifests/slos/") {
            manifests += 1;
            Outcome::Builds
        } else {
            EXAMPLES
                .iter()
                .find(|(name, _)| *name == relative)
                .unwrap_or_else(|| panic!("{relative} is not listed in EXAMPLES"))
                .1
        };
        let (code, diagnostics) = validate(&[file]);
        let errors: Vec<&str> = diagnostics
            .iter()
            .filter(|(severity, _)| severity == "error")
            .map(|(_, code)| code.as_str())
            .collect();
        match outcome {
            Outcome::Builds => assert!(code == 0 && errors.is_empty(), "{relative}: {errors:?}"),
            Outcome::GroupsByService => {
                assert_eq!(code, 1, "{relative}");
                assert_eq!(errors, ["slofile::invalid_value"], "{relative}");
            }
        }
    }
    assert_eq!(manifests, 28, "Pyrra's Kubernetes and OpenShift SLOs");
    assert_eq!(files.len(), EXAMPLES.len() + 28);
}

/// One tier as `(severity, long, short, for, factor, error threshold)`.
type Row = (String, String, String, String, String, String);

fn tiers(plan: &Plan, slo: &str) -> (Vec<Row>, Option<(String, String)>) {
    let slo = plan
        .services
        .iter()
        .flat_map(|s| &s.slos)
        .find(|s| s.slo.id == slo)
        .unwrap_or_else(|| panic!("no SLO {slo}"));
    assert_eq!(slo.objectives.len(), 1);
    let rows = slo.objectives[0]
        .tiers
        .iter()
        .map(|t| {
            (
                t.severity.clone(),
                t.long.prometheus(),
                t.short.prometheus(),
                t.for_.prometheus(),
                t.factor.to_decimal(),
                t.error_threshold.to_decimal(),
            )
        })
        .collect();
    let missing = slo
        .slo
        .missing_data
        .as_ref()
        .map(|m| (m.for_.prometheus(), m.severity.clone()));
    (rows, missing)
}

fn row(severity: &str, long: &str, short: &str, for_: &str, factor: &str, threshold: &str) -> Row {
    (
        severity.into(),
        long.into(),
        short.into(),
        for_.into(),
        factor.into(),
        threshold.into(),
    )
}

/// Pyrra's table (`Windows` in `slo/rules.go`, commit 1ba95afb): over 28 days the windows are
/// 1h/5m, 6h/30m, 1d/2h and 4d/6h, held 2m, 15m, 1h and 3h, with factors 14, 7, 2 and 1, the
/// first two `critical` and the others `warning`; other windows scale every duration, rounded to
/// the minute. The expected rows below are Pyrra's own: the 28-day and 14-day rows are those of
/// Pyrra's tests (`slo/rules_test.go`), the 7-day and 30-day rows its arithmetic worked by hand.
/// The absent alert waits `14 × budget × long` (whole seconds) plus the first `for`, to the minute.
#[test]
fn ratio_alerts_as_pyrra() {
    let plan = plan_of(&[fixture("kinds.yaml")]);
    let (rows, missing) = tiers(&plan, "api-errors");
    assert_eq!(
        rows,
        [
            row("critical", "1h", "5m", "2m", "14", "0.014"),
            row("critical", "6h", "30m", "15m", "7", "0.007"),
            row("warning", "1d", "2h", "1h", "2", "0.002"),
            row("warning", "4d", "6h", "3h", "1", "0.001"),
        ]
    );
    // 14 × 0.001 × 3600 s = 50.4 s → 50 s, + 2m = 2m50s → 3m.
    assert_eq!(missing, Some(("3m".into(), "critical".into())));
}

#[test]
fn latency_alerts_as_pyrra() {
    let plan = plan_of(&[fixture("kinds.yaml")]);
    let (rows, missing) = tiers(&plan, "api-latency");
    assert_eq!(
        rows,
        [
            row("critical", "30m", "3m", "1m", "14", "0.14"),
            row("critical", "3h", "15m", "8m", "7", "0.07"),
            row("warning", "12h", "1h", "30m", "2", "0.02"),
            row("warning", "2d", "3h", "1h30m", "1", "0.01"),
        ]
    );
    // 14 × 0.01 × 1800 s = 252 s, + 1m = 5m12s → 5m.
    assert_eq!(missing, Some(("5m".into(), "critical".into())));
}

#[test]
fn latency_native_alerts_as_pyrra() {
    let plan = plan_of(&[fixture("kinds.yaml")]);
    let (rows, missing) = tiers(&plan, "rpc-latency");
    assert_eq!(
        rows,
        [
            row("critical", "15m", "1m", "1m", "14", "0.07"),
            row("critical", "1h30m", "8m", "4m", "7", "0.035"),
            row("warning", "6h", "30m", "15m", "2", "0.01"),
            row("warning", "1d", "1h30m", "45m", "1", "0.005"),
        ]
    );
    // 14 × 0.005 × 900 s = 63 s, + 1m = 2m3s → 2m.
    assert_eq!(missing, Some(("2m".into(), "critical".into())));
}

#[test]
fn bool_gauge_alerts_as_pyrra_with_its_severities() {
    let plan = plan_of(&[fixture("kinds.yaml")]);
    let (rows, missing) = tiers(&plan, "probe-success");
    // 30 days: 1h is 30/28 h = 64.29 min → 64m; 5m is 5.36 min → 5m; and so on.
    assert_eq!(
        rows,
        [
            row("page", "1h4m", "5m", "2m", "14", "0.14"),
            row("critical", "6h26m", "32m", "16m", "7", "0.07"),
            row("warning", "1d1h43m", "2h9m", "1h4m", "2", "0.02"),
            row("warning", "4d6h51m", "6h26m", "3h13m", "1", "0.01"),
        ]
    );
    // 14 × 0.01 × 3840 s = 537.6 s → 537 s, + 2m = 10m57s → 11m.
    assert_eq!(missing, Some(("11m".into(), "warning".into())));
}

/// The rules read as Pyrra's: the same SLI arithmetic, both windows above `factor × budget`, the
/// labels Pyrra copies; and promtool proves the alerts fire and stay quiet.
#[test]
fn rules_pass_promtool_and_compute_what_pyrra_computes() {
    let promtool = require_tool("promtool");
    let built = Build::of_paths(&[fixture("kinds.yaml")]).ok();
    let prometheus = built.path().join("prometheus");
    let rules = std::fs::read_to_string(prometheus.join("shop.rules.yml")).unwrap();
    for expected in [
        // ratio: errors over total, as Pyrra's burn rate.
        r#"rate(http_requests_total{code=~"5..",job="shop-api"}[5m])"#,
        // latency: the bucket at `le` (and Prometheus 3's spelling of it) against all requests.
        r#"http_request_duration_seconds_bucket{job="shop-api",le=~"0\\.50*"}"#,
        // latencyNative: Pyrra's histogram_fraction, per method.
        r#"1 - histogram_fraction(0, 0.2, sum by (method)(rate(connect_server_requests_duration_seconds{job="shop-rpc"}[5m])))"#,
        // bool_gauge: the share of 0 samples.
        r#"sum(count_over_time(probe_success{job="blackbox"}[5m])) - sum(sum_over_time(probe_success{job="blackbox"}[5m]))"#,
        // The fastest ratio tier: both windows above 14 × 0.001.
        r#"slo:sli_error:ratio_rate1h{service="shop",slo="api-errors"} > 0.014"#,
        r#"slo:sli_error:ratio_rate5m{service="shop",slo="api-errors"} > 0.014"#,
        // Pyrra's labels: `pyrra.dev/team` on every rule, the selector's `job` on the alerts.
        "team: checkout",
        "job: shop-api",
        "runbook_url: https://runbooks.example.com/shop/latency",
    ] {
        assert!(rules.contains(expected), "missing {expected} in:\n{rules}");
    }
    // Pyrra's `prometheus: k8s` selects its PrometheusRule; it labels no rule.
    assert!(!rules.contains("prometheus: k8s"));
    run_tool_ok(
        &promtool,
        &["check", "rules", "shop.rules.yml"],
        &prometheus,
    );
    let tested = run_tool_ok(&promtool, &["test", "rules", "shop.test.yml"], &prometheus);
    assert!(tested.contains("SUCCESS"), "{tested}");
}

/// A latency SLO over a milliseconds histogram keeps Pyrra's arithmetic (all requests minus the
/// fast ones), with `le` matched as Prometheus 2 and 3 store it, as Pyrra does; promtool agrees.
#[test]
fn latency_in_milliseconds_matches_both_le_spellings() {
    let promtool = require_tool("promtool");
    let built = Build::of_paths(&[fixture("gaps.yaml")]).ok();
    let prometheus = built.path().join("prometheus");
    let rules = std::fs::read_to_string(prometheus.join("shop.rules.yml")).unwrap();
    for expected in [
        r#"sum(rate(checkout_duration_milliseconds_bucket{job="checkout",le=~"0\\.30*"}[5m]))"#,
        r#"sum(rate(checkout_duration_milliseconds_count{job="checkout"}[5m]))"#,
        // latencyNative over milliseconds: compared with 300, not Pyrra's 0.3.
        r#"1 - histogram_fraction(0, 300, sum(rate(search_duration_milliseconds{job="search"}[5m])))"#,
    ] {
        assert!(rules.contains(expected), "missing {expected} in:\n{rules}");
    }
    let tested = run_tool_ok(&promtool, &["test", "rules", "shop.test.yml"], &prometheus);
    assert!(tested.contains("SUCCESS"), "{tested}");
}

#[test]
fn kubernetes_leftovers_are_read_and_other_objects_skipped() {
    let (code, diagnostics) = validate(&[&fixture("manifests.yaml")]);
    assert_eq!(code, 0, "{diagnostics:?}");
    assert_eq!(
        diagnostics,
        [
            ("info".to_owned(), "slofile::foreign_object".to_owned()),
            ("info".to_owned(), "slofile::foreign_object".to_owned()),
        ]
    );
    let plan = plan_of(&[fixture("manifests.yaml")]);
    let (rows, _) = tiers(&plan, "shop-api-errors");
    assert_eq!(rows.len(), 4);
}

/// `kubectl get slo -o yaml` prints a `List`: its SLOs are read, with everything the API server
/// adds to them, and its other items skipped.
#[test]
fn a_kubectl_list_is_read() {
    let (code, diagnostics) = validate(&[&fixture("list.yaml")]);
    assert_eq!(code, 0, "{diagnostics:?}");
    assert_eq!(
        diagnostics,
        [("info".to_owned(), "slofile::foreign_object".to_owned())]
    );
    let plan = plan_of(&[fixture("list.yaml")]);
    let ids: Vec<(&str, &str)> = plan
        .services
        .iter()
        .flat_map(|s| {
            s.slos
                .iter()
                .map(move |slo| (s.meta.id.as_str(), slo.slo.id.as_str()))
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("monitoring", "prometheus-api-query"),
            ("monitoring", "prometheus-rule-evaluation-failures")
        ]
    );
    // 7 days, as Pyrra's table scales it; `absent: false` turns the absent alert off.
    let (rows, missing) = tiers(&plan, "prometheus-api-query");
    assert_eq!(rows[0], row("critical", "15m", "1m", "1m", "14", "0.14"));
    assert_eq!(missing, Some(("3m".into(), "critical".into())));
    let (rows, missing) = tiers(&plan, "prometheus-rule-evaluation-failures");
    assert_eq!(rows[3], row("warning", "2d", "3h", "1h30m", "1", "0.0001"));
    assert_eq!(missing, None);
}

/// What Pyrra gets wrong or ignores, each a located warning with help.
#[test]
fn pyrra_gaps_are_diagnosed() {
    let relative = "tests/fixtures/pyrra/gaps.yaml";
    let output = run(&["validate", "--format", "plain", relative]);
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{text}");
    insta::assert_snapshot!(text);
}

/// What a plan means for the alerts: SLIs, objectives, and every tier and missing-data alert.
fn essence(plan: &Plan) -> String {
    let mut out = String::new();
    for service in &plan.services {
        let _ = writeln!(out, "service {}", service.meta.id);
        for slo in &service.slos {
            let s = &slo.slo;
            let _ = writeln!(
                out,
                "  slo {} window {} sli {:?} missing {:?}",
                s.id, s.window, s.sli, s.missing_data
            );
            for objective in &slo.objectives {
                let _ = writeln!(out, "    objective {}", objective.objective.target);
                for t in &objective.tiers {
                    let _ = writeln!(
                        out,
                        "      {} {}/{} for {} factor {} threshold {}",
                        t.severity,
                        t.long,
                        t.short,
                        t.for_,
                        t.factor.significant(11),
                        t.error_threshold.significant(11)
                    );
                }
            }
        }
    }
    out
}

fn read_back(text: &str) -> Plan {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("converted.yaml");
    std::fs::write(&file, text).unwrap();
    let mut report = Report::default();
    let plan = slofile::plan(&[file], &mut report).expect("readable");
    plan.unwrap_or_else(|| panic!("does not read back: {:#?}\n{text}", report.diagnostics))
}

#[test]
fn converts_to_native_specs_that_compile_to_the_same_plan() {
    let original = plan_of(&[fixture("kinds.yaml")]);
    let text = convert(&original, Target::Slofile);
    assert_eq!(essence(&read_back(&text)), essence(&original), "{text}");
    assert_eq!(essence(&original).matches(" factor ").count(), 16);
}

#[test]
fn converts_to_openslo() {
    // Relative, as the converted file's header names its source.
    let original = plan_of(&[PathBuf::from("tests/fixtures/pyrra/kinds.yaml")]);
    let text = convert(&original, Target::Openslo);
    let back = read_back(&text);
    let slos = |plan: &Plan| -> Vec<String> {
        plan.services
            .iter()
            .flat_map(|s| &s.slos)
            .map(|s| format!("{} {:?}", s.slo.id, s.objectives[0].objective.target))
            .collect()
    };
    assert_eq!(slos(&back), slos(&original), "{text}");
    insta::assert_snapshot!(text);
}

/// A short window builds what Pyrra builds for it: Pyrra's table scaled and rounded to the minute,
/// and no `for` where Pyrra's rounds to 0s. The shortest window whose windows are all a minute or
/// more is 2d19h12m; under it Pyrra writes rates over `[0s]`, which Prometheus rejects, and
/// slofile's error names that window (`tests/invalid/pyrra-window-6h.yaml`).
#[test]
fn the_shortest_window_alerts_as_pyrra() {
    let plan = plan_of(&[fixture("shortest-window.yaml")]);
    let (rows, missing) = tiers(&plan, "batch-errors");
    assert_eq!(
        rows,
        [
            row("critical", "6m", "1m", "0s", "14", "0.14"),
            row("critical", "36m", "3m", "2m", "7", "0.07"),
            row("warning", "2h24m", "12m", "6m", "2", "0.02"),
            row("warning", "9h36m", "36m", "18m", "1", "0.01"),
        ]
    );
    // 14 × 0.01 × 360 s = 50.4 s → 50 s, + 0s → 1m.
    assert_eq!(missing, Some(("1m".into(), "critical".into())));
    let promtool = require_tool("promtool");
    let built = Build::of_paths(&[fixture("shortest-window.yaml")]).ok();
    let prometheus = built.path().join("prometheus");
    run_tool_ok(
        &promtool,
        &["check", "rules", "jobs.rules.yml"],
        &prometheus,
    );
    let tested = run_tool_ok(&promtool, &["test", "rules", "jobs.test.yml"], &prometheus);
    assert!(tested.contains("SUCCESS"), "{tested}");
}
