//! The Prometheus backend: goldens of every generated rule and test file, real `promtool check
//! rules` and `promtool test rules` on all of them, structural checks of every rule (labels,
//! PromQL, numbers), the operator format, diagnostics, and the hand-written scenario suite in
//! `tests/scenarios/`.

use crate::common::build::{Build, Built};
use crate::common::{require_tool, root, run_tool_ok, shipped_specs, slo_group};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The files directly in `dir` whose names end with `suffix`, sorted.
fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

/// The backend's own specs: one per feature, each small.
fn fixtures() -> Vec<PathBuf> {
    files_ending(&root().join("tests/fixtures/prometheus"), ".yaml")
}

/// Every spec whose Prometheus output is checked: the fixtures, `specs/` and `examples/`.
fn all_specs() -> Vec<PathBuf> {
    let mut specs = fixtures();
    specs.extend(shipped_specs());
    specs
}

/// A spec's path as the binary sees it from the repository root, so that generated headers are
/// the same on every machine.
fn relative(spec: &Path) -> String {
    spec.strip_prefix(root())
        .unwrap_or(spec)
        .to_string_lossy()
        .replace('\\', "/")
}

const OWN_CODES: &[&str] = &[
    "slofile::no_prometheus_rules",
    "slofile::promql_shape",
    "slofile::min_events_ignored",
    "slofile::time_weighted_compliance",
    "slofile::tier_cannot_fire",
    "slofile::invalid_value",
    "slofile::alert_not_evaluated",
];

/// This backend's diagnostics of a build: `file:line:col severity code: message`, one a line.
fn own_diagnostics(built: &Built) -> String {
    built.diagnostic_lines(|code| OWN_CODES.contains(&code), false)
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text)
        .unwrap_or_else(|e| panic!("generated YAML does not parse: {e}\n{text}"))
}

/// Every rule of every rule file generated from every spec, with the file it came from.
fn all_rules() -> Vec<(String, Value)> {
    let mut rules = Vec::new();
    for spec in all_specs() {
        let built = Build::of(&[relative(&spec)]).ok();
        for (name, text) in built.files("prometheus") {
            if !name.ends_with(".rules.yml") {
                continue;
            }
            let file = yaml(&text);
            for group in file["groups"].as_array().unwrap() {
                for rule in group["rules"].as_array().unwrap() {
                    rules.push((format!("{}: {name}", relative(&spec)), rule.clone()));
                }
            }
        }
    }
    rules
}

#[test]
fn goldens_of_every_rule_and_test_file() {
    let specs = all_specs();
    assert!(specs.len() >= 5, "the fixtures are missing");
    for spec in specs {
        let built = Build::of(&[relative(&spec)]).ok();
        let path = relative(&spec);
        let stem = path
            .trim_start_matches("tests/fixtures/prometheus/")
            .trim_end_matches(".yaml")
            .trim_end_matches(".yml")
            .replace('/', "__");
        for (name, text) in built.files("prometheus") {
            insta::assert_snapshot!(format!("{stem}__{name}"), text);
        }
    }
}

#[test]
fn promtool_checks_and_tests_everything_generated() {
    let promtool = require_tool("promtool");
    let mut timings = Vec::new();
    let mut tested = 0;
    for spec in all_specs() {
        let built = Build::of(&[relative(&spec)]).ok();
        let dir = built.path().join("prometheus");
        for name in built.files("prometheus").keys() {
            let started = Instant::now();
            if name.ends_with(".rules.yml") {
                run_tool_ok(&promtool, &["check", "rules", name], &dir);
            } else if name.ends_with(".test.yml") {
                let output = run_tool_ok(&promtool, &["test", "rules", name], &dir);
                assert!(output.contains("SUCCESS"), "{name}:\n{output}");
                tested += 1;
            }
            timings.push((started.elapsed(), format!("{}: {name}", relative(&spec))));
        }
    }
    assert!(tested >= 5, "only {tested} test files ran");
    timings.sort();
    for (elapsed, what) in timings.iter().rev().take(8) {
        eprintln!("promtool {:>6.2}s  {what}", elapsed.as_secs_f64());
    }
}

#[test]
fn every_alert_names_service_slo_and_severity() {
    let mut alerts = 0;
    for (file, rule) in all_rules() {
        if rule.get("alert").is_none() {
            continue;
        }
        alerts += 1;
        // The heartbeat is the one alert without an `slo`: `severity: heartbeat` instead.
        let heartbeat = rule["alert"] == "SlofileHeartbeat";
        if heartbeat {
            assert_eq!(rule["labels"]["severity"], "heartbeat", "{file}: {rule}");
            assert!(rule["labels"].get("slo").is_none(), "{file}: {rule}");
        }
        let required: &[&str] = if heartbeat {
            &["service", "severity"]
        } else {
            &["service", "slo", "severity"]
        };
        for &label in required {
            let value = rule["labels"][label].as_str().unwrap_or_default();
            assert!(
                !value.is_empty(),
                "{file}: alert {} has no {label}",
                rule["alert"]
            );
        }
        let annotations = &rule["annotations"];
        assert!(annotations["summary"].is_string(), "{file}: {rule}");
        assert!(annotations["description"].is_string(), "{file}: {rule}");
    }
    assert!(alerts > 20, "only {alerts} alerts");
}

#[test]
fn every_expression_parses_and_every_burn_alert_is_one_tier() {
    for (file, rule) in all_rules() {
        let expr = rule["expr"].as_str().unwrap();
        promql_parser::parser::parse(expr)
            .unwrap_or_else(|e| panic!("{file}: `{expr}` does not parse: {e}"));
        if rule["labels"]["long_window"].is_string() {
            // One tier per rule, never several tiers ORed together.
            assert!(!expr.contains(" or "), "{file}: {expr}");
            let long = rule["labels"]["long_window"].as_str().unwrap();
            let short = rule["labels"]["short_window"].as_str().unwrap();
            assert!(
                expr.contains(&format!("ratio_rate{long}{{")),
                "{file}: {expr}"
            );
            assert!(
                expr.contains(&format!("ratio_rate{short}{{")),
                "{file}: {expr}"
            );
        }
    }
}

/// A float artefact such as `0.0009999999999999432`: six nines, or six zeros then a digit,
/// after a decimal point.
fn float_artefact(text: &str) -> Option<&str> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|number| number.contains('.'))
        .find(|number| {
            let fraction = number.split('.').nth(1).unwrap_or_default();
            fraction.contains("999999") || fraction.trim_end_matches('0').contains("000000")
        })
}

#[test]
fn no_float_artefacts() {
    assert_eq!(
        float_artefact("x > 0.0009999999999999432"),
        Some("0.0009999999999999432")
    );
    assert_eq!(
        float_artefact("x > 0.1000000000000001"),
        Some("0.1000000000000001")
    );
    assert_eq!(float_artefact("x > 0.0672 and y * 3600 >= 20"), None);
    for (file, rule) in all_rules() {
        let text = serde_json::to_string(&rule).unwrap();
        assert_eq!(float_artefact(&text), None, "{file}: {text}");
    }
}

#[test]
fn builds_are_deterministic() {
    let specs: Vec<String> = fixtures().iter().map(|s| relative(s)).collect();
    let forward: Vec<&str> = specs.iter().map(String::as_str).collect();
    let backward: Vec<&str> = forward.iter().rev().copied().collect();
    let first = Build::of(&forward).ok().files("prometheus");
    let second = Build::of(&backward).ok().files("prometheus");
    assert!(!first.is_empty());
    assert_eq!(first, second);
}

#[test]
fn operator_format_wraps_the_same_groups() {
    let spec = "tests/fixtures/prometheus/checkout.yaml";
    let plain = Build::of(&[spec]).ok();
    let operator = Build::of(&[spec])
        .flags(&["--prometheus-format", "operator"])
        .ok();
    let files = operator.files("prometheus");
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["checkout.rules.yml"],
        "promtool cannot run tests against a PrometheusRule, so there is no test file"
    );
    assert!(
        own_diagnostics(&operator)
            .contains("no promtool test file with `--prometheus-format operator`"),
        "{}",
        own_diagnostics(&operator)
    );
    let object = yaml(&files["checkout.rules.yml"]);
    assert_eq!(object["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(object["kind"], "PrometheusRule");
    assert_eq!(object["metadata"]["name"], "slofile-checkout");
    let rules = yaml(&plain.files("prometheus")["checkout.rules.yml"]);
    assert_eq!(object["spec"]["groups"], rules["groups"]);

    // The groups inside are a valid rule file.
    let promtool = require_tool("promtool");
    let dir = operator.path().join("prometheus");
    let extracted = dir.join("extracted.rules.yml");
    std::fs::write(&extracted, serde_json::to_string(&object["spec"]).unwrap()).unwrap();
    run_tool_ok(&promtool, &["check", "rules", "extracted.rules.yml"], &dir);
}

/// Each SLO's rules in groups of its own, cut every 20 rules (`:2`, `:3` continue the first).
#[test]
fn groups_per_slo_with_a_header() {
    let built = Build::of(&["tests/fixtures/prometheus/search.yaml"]).ok();
    let text = &built.files("prometheus")["search.rules.yml"];
    assert!(text.starts_with(
        "# Generated by slofile from tests/fixtures/prometheus/search.yaml. Do not edit"
    ));
    let file = yaml(text);
    let names: Vec<&str> = file["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "slofile:search:query-latency",
            "slofile:search:query-latency:2",
            "slofile:search:query-latency:3",
            "slofile:search:index-freshness",
            "slofile:search:index-freshness:2",
            "slofile:search:search-errors"
        ]
    );
}

/// The rules of one SLO, by recorded or alert name.
fn rules_of(built: &Built, file: &str, slo: &str) -> Vec<Value> {
    let file = yaml(&built.files("prometheus")[file]);
    file["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| slo_group(g["name"].as_str().unwrap()).ends_with(&format!(":{slo}")))
        .flat_map(|g| g["rules"].as_array().unwrap().clone())
        .collect()
}

/// The expressions of one SLO's recording rules, by recorded name (the last one of a name wins).
fn recorded(built: &Built, file: &str, slo: &str) -> BTreeMap<String, String> {
    rules_of(built, file, slo)
        .iter()
        .filter_map(|r| {
            Some((
                r["record"].as_str()?.to_owned(),
                r["expr"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

#[test]
fn compliance_is_a_ratio_of_sums_of_recorded_rates() {
    let built = Build::of(&["tests/fixtures/prometheus/checkout.yaml"]).ok();
    let rules = rules_of(&built, "checkout.rules.yml", "payments");
    let window = rules
        .iter()
        .find(|r| r["record"] == "slo:sli_error:ratio_rate30d")
        .unwrap();
    let expr = window["expr"].as_str().unwrap();
    assert!(
        expr.contains("sum_over_time(slo:sli_errors:rate5m{"),
        "{expr}"
    );
    assert!(
        expr.contains("sum_over_time(slo:sli_events:rate5m{"),
        "{expr}"
    );
    // Not an average of ratios (Sloth #241), not a rate over the raw counters (Pyrra #1440).
    assert!(!expr.contains("avg_over_time"), "{expr}");
    assert!(!expr.contains("checkout_payments_total"), "{expr}");
    // Raw series are read once per window shorter than an hour, by the events and errors rules
    // only; the windows of an hour or more average the recorded 5m rates.
    for rule in &rules {
        let expr = rule["expr"].as_str().unwrap();
        let reads_raw = expr.contains("checkout_payments_total");
        let record = rule["record"].as_str().unwrap_or_default();
        let counted =
            record.starts_with("slo:sli_events:") || record.starts_with("slo:sli_errors:");
        let minutes = record.ends_with('m');
        assert_eq!(reads_raw, counted && minutes, "{rule}");
        if counted && !minutes {
            assert!(expr.starts_with("avg_over_time(slo:sli_"), "{rule}");
            assert!(expr.contains(":rate5m{"), "{rule}");
        }
    }
}

#[test]
fn ratio_slis_get_rate_inserted_and_group_labels_kept() {
    let built = Build::of(&["tests/fixtures/prometheus/checkout.yaml"]).ok();
    let exprs = recorded(&built, "checkout.rules.yml", "api-availability");
    assert_eq!(
        exprs["slo:sli_events:rate5m"],
        r#"sum(rate(http_requests_total{job="checkout"}[5m]))"#
    );
    // `good` counts good events: errors are all events minus them, never below zero, and all
    // events when the good series are gone.
    assert_eq!(
        exprs["slo:sli_errors:rate5m"],
        "clamp_min(slo:sli_events:rate5m{service=\"checkout\",slo=\"api-availability\"} - on () \
         sum(rate(http_requests_total{code!~\"5..\",job=\"checkout\"}[5m])), 0)\nor on ()\n\
         slo:sli_events:rate5m{service=\"checkout\",slo=\"api-availability\"}"
    );
    // Windows of an hour or more average the recorded 5m rates instead of reading raw series.
    assert_eq!(
        exprs["slo:sli_events:rate1h"],
        r#"avg_over_time(slo:sli_events:rate5m{service="checkout",slo="api-availability"}[1h])"#
    );
    let payments = recorded(&built, "checkout.rules.yml", "payments");
    // The spec already sums by the group label: kept as written, with rate() inside.
    assert_eq!(
        payments["slo:sli_events:rate5m"],
        "sum by (tenant) (rate(checkout_payments_total[5m]))"
    );
}

#[test]
fn latency_objectives_are_series_of_their_own() {
    let built = Build::of(&["tests/fixtures/prometheus/search.yaml"]).ok();
    let rules = rules_of(&built, "search.rules.yml", "query-latency");
    let errors: Vec<&Value> = rules
        .iter()
        .filter(|r| r["record"] == "slo:sli_errors:rate5m")
        .collect();
    let objectives: Vec<&str> = errors
        .iter()
        .map(|r| r["labels"]["objective"].as_str().unwrap())
        .collect();
    assert_eq!(objectives, ["p50", "p95", "p99"]);
    for rule in &errors {
        assert_eq!(rule["labels"]["slo"], "query-latency");
    }
    let p95 = errors[1]["expr"].as_str().unwrap();
    assert!(p95.contains(r#"le=~"0\\.50*""#), "{p95}");
    let events = rules
        .iter()
        .find(|r| r["record"] == "slo:sli_events:rate5m")
        .unwrap();
    assert!(events["expr"].as_str().unwrap().contains(r#"le="+Inf""#));
    assert!(events["labels"].get("objective").is_none());
    // The p50 page tiers cannot fire and are left out; its ticket tier alerts.
    let p50_alerts: Vec<&str> = rules
        .iter()
        .filter(|r| r["alert"].is_string() && r["labels"]["objective"] == "p50")
        .map(|r| r["labels"]["long_window"].as_str().unwrap())
        .collect();
    assert_eq!(p50_alerts, ["3d"]);
}

#[test]
fn latency_without_buckets_gets_one_bucket_guard_per_threshold() {
    let built = Build::of(&["examples/latency-without-buckets.yaml"]).ok();
    let rules = rules_of(
        &built,
        "example-latency-unlisted.rules.yml",
        "search-latency",
    );
    let guards: Vec<&Value> = rules
        .iter()
        .filter(|r| r["alert"] == "SearchLatencyHistogramBucketMissing")
        .collect();
    let boundaries: Vec<&str> = guards
        .iter()
        .map(|r| r["labels"]["le"].as_str().unwrap())
        .collect();
    assert_eq!(boundaries, ["0.3", "1"]);
    let one = guards[1]["expr"].as_str().unwrap();
    // `1` and Prometheus 3's `1.0`; quiet while the whole histogram is absent.
    assert_eq!(
        one,
        "absent(http_request_duration_seconds_bucket{job=\"search\",le=~\"1(\\\\.0+)?\"})\nand on ()\ncount(http_request_duration_seconds_bucket{job=\"search\",le=\"+Inf\"})"
    );
    // Routed like the missing-data alert.
    for guard in &guards {
        assert_eq!(guard["for"], "15m");
        assert_eq!(guard["labels"]["severity"], "ticket");
        let description = guard["annotations"]["description"].as_str().unwrap();
        assert!(description.contains("Add a bucket at"), "{description}");
    }
    // The generated tests drop each threshold's bucket in turn.
    let tests = &built.files("prometheus")["example-latency-unlisted.test.yml"];
    assert!(tests.contains("no bucket at 300 ms: its missing-bucket alert fires after 15 minutes"));
    assert!(
        tests.contains("no bucket at 1 second: its missing-bucket alert fires after 15 minutes")
    );

    // With `buckets` listed, validation checks the thresholds and no guard is generated.
    let listed = Build::of(&["examples/latency-percentiles.yaml"]).ok();
    let rules = rules_of(&listed, "example-latency.rules.yml", "api-latency");
    assert!(rules.iter().all(|r| {
        !r["alert"]
            .as_str()
            .unwrap_or("")
            .ends_with("HistogramBucketMissing")
    }));
}

#[test]
fn burn_alerts_carry_tier_labels_escalation_and_links() {
    let built = Build::of(&["tests/fixtures/prometheus/checkout.yaml"]).ok();
    let alerts: Vec<Value> = rules_of(&built, "checkout.rules.yml", "payments")
        .into_iter()
        .filter(|r| r["alert"] == "PaymentsErrorBudgetBurn")
        .collect();
    assert_eq!(alerts.len(), 2);
    let page = &alerts[0];
    assert_eq!(page["for"], "2m");
    assert_eq!(page["labels"]["escalation"], "P1");
    assert_eq!(page["labels"]["channel"], "payments-oncall");
    assert_eq!(page["labels"]["long_window"], "1h");
    assert_eq!(page["labels"]["short_window"], "5m");
    assert_eq!(
        page["annotations"]["runbook_url"],
        "https://runbooks.example.com/checkout/payments"
    );
    assert_eq!(
        page["annotations"]["dashboard"],
        "https://grafana.example.com/d/checkout"
    );
    let expr = page["expr"].as_str().unwrap();
    assert!(expr.contains("> 0.0144\nand\n"), "{expr}");
    // min_events: the long window must hold 50 events, counted from the recorded 5m rates at
    // every fifth minute.
    assert!(
        expr.ends_with(
            "sum_over_time(slo:sli_events:rate5m{service=\"checkout\",slo=\"payments\"}[1h:5m]) * 300 >= 50"
        ),
        "{expr}"
    );
    let ticket = &alerts[1];
    assert_eq!(ticket["labels"]["severity"], "ticket");
    assert_eq!(ticket["labels"]["escalation"], "P3");
    assert_eq!(ticket["for"], "30m");
}

#[test]
fn static_alerts_never_take_a_generated_alert_name() {
    let built = Build::of(&["tests/fixtures/prometheus/checkout.yaml"]).ok();
    let names: Vec<String> = rules_of(&built, "checkout.rules.yml", "api-availability")
        .iter()
        .filter_map(|r| r["alert"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        names,
        [
            "ApiAvailabilityErrorBudgetBurn",
            "ApiAvailabilityErrorBudgetBurn",
            "ApiAvailabilityErrorBudgetBurn",
            "ApiAvailabilityErrorBudgetBurnStatic",
            "ApiAvailabilitySliDataMissing",
        ]
    );
}

#[test]
fn hostile_strings_stay_data() {
    let built = Build::of(&["tests/fixtures/prometheus/hostile.yaml"]).ok();
    let rules = rules_of(&built, "hostile.rules.yml", "weird");
    let title = "Weird \"title\" with \\ and {{ .Value }} and\nnewline: yes {";
    let info = rules.iter().find(|r| r["record"] == "slo:info").unwrap();
    assert_eq!(info["labels"]["title"], title);
    assert_eq!(
        info["labels"]["note"],
        "a \"quoted\" {{ $labels.x }} value\nwith a newline # and no comment"
    );
    let alert = rules.iter().find(|r| r["alert"].is_string()).unwrap();
    // Annotations and alert labels are Go templates: text from the spec cannot open an action.
    let summary = alert["annotations"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("Weird \"title\" with \\ and {{ \"{\" }}{{ \"{\" }} .Value }}"),
        "{summary}"
    );
    assert_eq!(
        alert["labels"]["team_note"],
        "{{ \"{\" }}{{ \"{\" }} oops }} {{ \"{\" }}"
    );
    // The selectors keep the spec's escaped label values.
    let events = rules
        .iter()
        .find(|r| r["record"] == "slo:sli_events:rate5m")
        .unwrap();
    assert_eq!(
        events["expr"],
        r#"sum(rate(requests_total{path="/a\"b\\c{{x}}"}[5m]))"#
    );
    // The generated tests expect the text as Prometheus renders it (and promtool agrees, in
    // `promtool_checks_and_tests_everything_generated`).
    let tests = &built.files("prometheus")["hostile.test.yml"];
    assert!(tests.contains(r#"summary: "Weird \"title\" with \\ and {{ .Value }} and\nnewline: yes {: error budget burn rate above 13.44 over 1h and 5m""#), "{tests}");
}

#[test]
fn diagnostics_of_the_fixtures() {
    let mut all = String::new();
    for spec in fixtures() {
        all.push_str(&own_diagnostics(&Build::of(&[relative(&spec)]).ok()));
    }
    insta::assert_snapshot!("fixture_diagnostics", all);
}

#[test]
fn promql_the_backend_cannot_use_is_an_error() {
    let built = Build::of(&["tests/fixtures/prometheus/invalid/shapes.yaml"]).expect(1);
    insta::assert_snapshot!("shape_errors", own_diagnostics(&built));
    assert!(
        built.files("prometheus").is_empty(),
        "nothing is written on errors"
    );
}

#[test]
fn slis_measured_elsewhere_get_no_rules_and_say_so() {
    let built = Build::of(&["tests/fixtures/prometheus/ops.yaml"]).ok();
    for slo in ["login", "rpo"] {
        assert!(
            own_diagnostics(&built)
                .lines()
                .any(|l| l.contains("info slofile::no_prometheus_rules")
                    && l.contains(&format!("`{slo}`"))),
            "{}",
            own_diagnostics(&built)
        );
        assert!(rules_of(&built, "ops.rules.yml", slo).is_empty());
    }
    // A service with nothing for Prometheus gets no files.
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("docs-only.yaml");
    std::fs::write(
        &spec,
        "apiVersion: slofile/v1\nservice: docs-only\nslos:\n  - id: rto\n    sli:\n      documentary: {target: 1 hour, measured_by: drills}\n",
    )
    .unwrap();
    let built = Build::of(&[spec.to_str().unwrap()]).ok();
    assert!(built.files("prometheus").is_empty());
}

#[test]
fn zero_traffic_rules_divide_by_guarded_denominators() {
    for (file, rule) in all_rules() {
        let Some(record) = rule["record"].as_str() else {
            continue;
        };
        let expr = rule["expr"].as_str().unwrap();
        if record.starts_with("slo:sli_error:ratio_rate") && expr.contains("slo:sli_events") {
            assert!(expr.contains(" > 0)\nor\n0 * "), "{file}: {record}: {expr}");
        }
    }
}

/// The hand-written scenarios: each `tests/scenarios/<service>.yaml` is built with the real
/// binary, and every `tests/scenarios/<service>/*.test.yml` runs against its rules.
#[test]
fn scenario_suite() {
    let promtool = require_tool("promtool");
    let scenarios = root().join("tests/scenarios");
    let mut ran = Vec::new();
    for spec in files_ending(&scenarios, ".yaml") {
        let service = spec.file_stem().unwrap().to_string_lossy().into_owned();
        let built = Build::of(&[relative(&spec)]).ok();
        let dir = built.path().join("prometheus");
        for test in files_ending(&scenarios.join(&service), ".test.yml") {
            let name = test.file_name().unwrap().to_string_lossy().into_owned();
            std::fs::copy(&test, dir.join(&name)).unwrap();
            let started = Instant::now();
            let output = run_tool_ok(&promtool, &["test", "rules", &name], &dir);
            assert!(output.contains("SUCCESS"), "{name}:\n{output}");
            eprintln!(
                "scenario {:>5.2}s  {service}/{name}",
                started.elapsed().as_secs_f64()
            );
            ran.push(format!("{service}/{name}"));
        }
    }
    assert_eq!(
        ran,
        [
            "orders/hard-outage.test.yml",
            "orders/short-outage.test.yml",
            "orders/slow-burn.test.yml",
            "orders/zero-traffic.test.yml",
            "signups/low-traffic.test.yml",
            "tenants/per-tenant.test.yml",
        ]
    );
}

#[test]
fn budget_exhaustion_alerts_only_where_a_policy_asks() {
    let built = Build::of(&["tests/fixtures/prometheus/exhaustion.yaml"]).ok();
    let rules = rules_of(&built, "wallet.rules.yml", "transfers");
    let alert = rules
        .iter()
        .find(|r| r["alert"] == "TransfersErrorBudgetExhausted")
        .unwrap();
    // Compliance below the objective, with min_events counted from the recorded 5m rates.
    assert_eq!(
        alert["expr"],
        "slo:sli_error:ratio_rate30d{service=\"wallet\",slo=\"transfers\"} > 0.005\nand\n\
         sum_over_time(slo:sli_events:rate5m{service=\"wallet\",slo=\"transfers\"}[30d:5m]) * 300 >= 200"
    );
    assert_eq!(alert["for"], "30m");
    assert_eq!(alert["labels"]["severity"], "ticket");
    // One per percentile objective, each on its own compliance.
    let latency = rules_of(&built, "wallet.rules.yml", "balance-latency");
    let exhausted: Vec<&Value> = latency
        .iter()
        .filter(|r| r["alert"] == "BalanceLatencyErrorBudgetExhausted")
        .collect();
    assert_eq!(exhausted.len(), 2);
    assert_eq!(exhausted[1]["labels"]["objective"], "p99");
    assert!(
        exhausted[1]["expr"]
            .as_str()
            .unwrap()
            .ends_with("objective=\"p99\"} > 0.01")
    );
    // The generated test proves it fires (see promtool_checks_and_tests_everything_generated).
    // Just above the budget it fires after 35m and not a minute earlier; just below, never.
    let test = &built.files("prometheus")["wallet.test.yml"];
    assert!(test.contains("the error budget is exhausted at 1.006× the budget 0.5% (0.503% of events fail) after 35m, not a minute earlier"), "{test}");
    assert!(test.contains("the error budget is not exhausted at 0.994× the budget 0.5%"));
    // Built-in policies leave it off.
    let built = Build::of(&["tests/fixtures/prometheus/checkout.yaml"]).ok();
    assert!(!built.files("prometheus")["checkout.rules.yml"].contains("ErrorBudgetExhausted"));
}

/// The groups of a rule file in any format: plain and Thanos files hold them at the top,
/// `PrometheusRule` objects under `spec`, Mimir files beside their `namespace`.
fn groups_of(file: &Value) -> &Vec<Value> {
    file.get("groups")
        .or_else(|| file["spec"].get("groups"))
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no groups in {file}"))
}

/// Mimir and Cortex reject groups of more than 20 rules by default
/// (`ruler_max_rules_per_rule_group`). Every spec, in every format, fits; and an SLO cut into
/// several groups keeps its rules in order, so that a rule reads only series recorded before it.
#[test]
fn no_group_has_more_than_twenty_rules_and_rules_read_only_earlier_series() {
    let specs: Vec<String> = all_specs().iter().map(|s| relative(s)).collect();
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let mut split = 0;
    for format in ["rules", "operator", "mimir", "thanos"] {
        let built = Build::of(&specs)
            .flags(&["--prometheus-format", format])
            .ok();
        for (name, text) in built.files("prometheus") {
            if !name.ends_with(".rules.yml") {
                continue;
            }
            let file = yaml(&text);
            // Per SLO (a group's name without its `:N` part): the series recorded so far.
            let mut recorded: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let all_recorded: Vec<String> = groups_of(&file)
                .iter()
                .flat_map(|g| g["rules"].as_array().unwrap())
                .filter_map(|r| r["record"].as_str().map(str::to_owned))
                .collect();
            for group in groups_of(&file) {
                let rules = group["rules"].as_array().unwrap();
                let group_name = group["name"].as_str().unwrap();
                assert!(
                    rules.len() <= 20,
                    "{format} {name}: group {group_name} has {} rules",
                    rules.len()
                );
                let slo = slo_group(group_name);
                if slo != group_name {
                    split += 1;
                }
                let seen = recorded.entry(slo.to_owned()).or_default();
                for rule in rules {
                    let expr = rule["expr"].as_str().unwrap();
                    for series in &all_recorded {
                        let reads = expr.match_indices(series.as_str()).any(|(at, _)| {
                            !expr[at + series.len()..].starts_with(|c: char| {
                                c.is_ascii_alphanumeric() || c == '_' || c == ':'
                            })
                        });
                        if reads && rule["record"].as_str() != Some(series) {
                            assert!(
                                seen.contains(series),
                                "{format} {name}: a rule of {group_name} reads {series} before it is recorded"
                            );
                        }
                    }
                    if let Some(record) = rule["record"].as_str() {
                        seen.push(record.to_owned());
                    }
                }
            }
        }
    }
    // Not vacuous: some SLOs need more than one group.
    assert!(split > 0, "no SLO was cut into several groups");
}

/// `mimirtool rules load` reads a `namespace` per file; Thanos Ruler reads each group's
/// `partial_response_strategy`. Both hold exactly the plain file's groups, and promtool reads
/// neither, so neither comes with a test file.
#[test]
fn mimir_and_thanos_formats_hold_the_plain_groups() {
    let spec = "tests/fixtures/prometheus/checkout.yaml";
    let plain = Build::of(&[spec]).ok();
    let plain_groups = groups_of(&yaml(&plain.files("prometheus")["checkout.rules.yml"])).clone();

    let mimir = Build::of(&[spec])
        .flags(&["--prometheus-format", "mimir"])
        .ok();
    let files = mimir.files("prometheus");
    assert_eq!(files.keys().collect::<Vec<_>>(), ["checkout.rules.yml"]);
    assert!(
        own_diagnostics(&mimir).contains("no promtool test file with `--prometheus-format mimir`"),
        "{}",
        own_diagnostics(&mimir)
    );
    let file = yaml(&files["checkout.rules.yml"]);
    assert_eq!(file["namespace"], "checkout");
    assert_eq!(
        file.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["namespace", "groups"]
    );
    assert_eq!(groups_of(&file), &plain_groups);

    let thanos = Build::of(&[spec])
        .flags(&["--prometheus-format", "thanos"])
        .ok();
    let files = thanos.files("prometheus");
    assert_eq!(files.keys().collect::<Vec<_>>(), ["checkout.rules.yml"]);
    assert!(
        own_diagnostics(&thanos)
            .contains("no promtool test file with `--prometheus-format thanos`"),
        "{}",
        own_diagnostics(&thanos)
    );
    let mut groups = groups_of(&yaml(&files["checkout.rules.yml"])).clone();
    for group in &mut groups {
        let strategy = group
            .as_object_mut()
            .unwrap()
            .remove("partial_response_strategy");
        assert_eq!(strategy, Some(Value::from("abort")), "{group}");
    }
    assert_eq!(groups, plain_groups);
}
