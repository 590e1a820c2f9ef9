//! OpenSLO v1 inputs: agreement with the OpenSLO tools on the public corpus, the burn-rate
//! contract, references across files, and located diagnostics for everything slofile rejects.

use crate::common::build::Build;
use crate::common::{require_tool, root, run, run_tool_ok};
use slofile::compile::Plan;
use slofile::diagnostics::Report;
use slofile::spec::{GaugeSli, RatioSli, Sli};
use slofile::units::{Duration, Ratio};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn corpus() -> PathBuf {
    root().join("tests/fixtures/corpus/openslo")
}

fn fixture(path: &str) -> PathBuf {
    root().join("tests/fixtures/openslo").join(path)
}

/// `(code, severity, line)` of every diagnostic of `slofile validate --format json`.
fn validate_json(paths: &[&Path]) -> (i32, Vec<(String, String, u64)>) {
    let mut args = vec![
        "validate".to_owned(),
        "--format".to_owned(),
        "json".to_owned(),
    ];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run(&args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let diagnostics = stdout
        .lines()
        .map(|line| {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            (
                value["code"].as_str().unwrap().to_owned(),
                value["severity"].as_str().unwrap().to_owned(),
                value["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    (output.status.code().unwrap(), diagnostics)
}

fn plan_of(paths: &[PathBuf]) -> (Option<Plan>, Report) {
    let mut report = Report::default();
    let plan = slofile::plan(paths, &mut report).expect("inputs are readable");
    (plan, report)
}

fn d(text: &str) -> Duration {
    Duration::parse(text).unwrap()
}

/// Every file of the OpenSLO corpus, with the verdict of the OpenSLO tools (the Go SDK's
/// validation, which `oslo validate` runs) and, for invalid files, the lines where those tools
/// find problems: slofile must report an error on each of them.
///
/// Where the specification, the SDK and oslo disagree:
/// - `go-sdk-v1-examples/slos.yaml` is the SDK's own example, yet it sets `op: gt` on the
///   objective of a `ratioMetric` SLI, which the SDK's rules forbid; oslo rejects the same SLO in
///   `oslo-validate/inputs/validate/v1.yaml` for exactly that. slofile follows the rules: invalid.
/// - oslo also reports `timeZone: America/New_York` as an unknown time zone in `v1.yaml` (and
///   `v2alpha.yaml`). That is an artefact of oslo's build without a time-zone database: the name
///   is a valid IANA zone, and slofile accepts it. Both files are invalid for other reasons.
/// - `alert_policies.yaml` refers to an AlertCondition defined in `alert_conditions.yaml` and to
///   two notification targets no file defines. The SDK validates objects one by one and does not
///   resolve references; slofile resolves them across the files of a run and warns about those
///   it cannot find, since no SLO uses the policies: valid, with warnings.
/// - `services.yaml` defines two Services named `example-service`. The SDK does not compare
///   objects; slofile warns, and would refuse an SLO naming that service as ambiguous.
/// - slofile reads the part of v1alpha that Sloth reads (`SLO` and `Service`). In `v1alpha.yaml`
///   it finds oslo's problems, the name on line 4 and the time-slice objective on line 22 (and
///   reports time slices of a ratio and the `thresholdMetric` indicator as unsupported).
/// - The `v2alpha` files are another OpenSLO version, which oslo checks and slofile refuses as
///   unsupported: invalid either way.
const CORPUS: &[(&str, bool, &[u64])] = &[
    ("go-sdk-v1-examples/alert_conditions.yaml", true, &[]),
    (
        "go-sdk-v1-examples/alert_notification_targets.yaml",
        true,
        &[],
    ),
    ("go-sdk-v1-examples/alert_policies.yaml", true, &[]),
    ("go-sdk-v1-examples/data_sources.yaml", true, &[]),
    ("go-sdk-v1-examples/services.yaml", true, &[]),
    ("go-sdk-v1-examples/slis.yaml", true, &[]),
    ("go-sdk-v1-examples/slos.yaml", false, &[40]),
    (
        "oslo-validate/inputs/validate/invalid-apiversion.yaml",
        false,
        &[1],
    ),
    ("oslo-validate/inputs/validate/mix/1.yaml", false, &[4]),
    ("oslo-validate/inputs/validate/mix/2.yaml", false, &[4]),
    ("oslo-validate/inputs/validate/mix/3.yaml", false, &[1]),
    (
        "oslo-validate/inputs/validate/recursive/1.yaml",
        false,
        &[4],
    ),
    (
        "oslo-validate/inputs/validate/recursive/nested/2.yaml",
        false,
        &[1],
    ),
    (
        "oslo-validate/inputs/validate/recursive/nested/nested2/nested3/3.yaml",
        false,
        &[1],
    ),
    (
        "oslo-validate/inputs/validate/unknown-field.yaml",
        false,
        &[4, 6],
    ),
    // oslo: `op` forbidden (line 40) and the name of the Service at index 2 (line 59).
    ("oslo-validate/inputs/validate/v1.yaml", false, &[40, 59]),
    (
        "oslo-validate/inputs/validate/v1alpha.yaml",
        false,
        &[4, 22],
    ),
    ("oslo-validate/inputs/validate/v2alpha.yaml", false, &[1]),
];

#[test]
fn corpus_agrees_with_oslo_on_every_file() {
    let mut listed: Vec<String> = CORPUS.iter().map(|(p, _, _)| p.to_string()).collect();
    listed.sort();
    let mut found = Vec::new();
    crate::interop::collect_files(&corpus(), &corpus(), &mut found);
    found.retain(|f| f.ends_with(".yaml") || f.ends_with(".yml"));
    found.sort();
    assert_eq!(found, listed, "every corpus file has a verdict in CORPUS");

    for (path, valid, lines) in CORPUS {
        let file = corpus().join(path);
        let (code, diagnostics) = validate_json(&[&file]);
        let errors: Vec<&(String, String, u64)> =
            diagnostics.iter().filter(|d| d.1 == "error").collect();
        if *valid {
            assert_eq!(code, 0, "{path} is valid OpenSLO: {diagnostics:?}");
            assert!(errors.is_empty(), "{path}: {errors:?}");
        } else {
            assert_eq!(code, 1, "{path} is invalid: {diagnostics:?}");
            for line in *lines {
                assert!(
                    errors.iter().any(|e| e.2 == *line),
                    "{path}: oslo finds a problem on line {line}; slofile reports {errors:?}"
                );
            }
        }
    }
}

#[test]
fn oslo_directory_runs_agree() {
    // oslo validates these directories as a whole; so does slofile.
    for dir in ["mix", "recursive"] {
        let path = corpus().join("oslo-validate/inputs/validate").join(dir);
        let (code, diagnostics) = validate_json(&[&path]);
        assert_eq!(code, 1, "{dir}: {diagnostics:?}");
        let files_with_errors = diagnostics.iter().filter(|d| d.1 == "error").count();
        assert_eq!(
            files_with_errors, 3,
            "{dir}: one error in each of its three files"
        );
    }
}

#[test]
fn go_sdk_examples_read_together_resolve_their_references() {
    let dir = corpus().join("go-sdk-v1-examples");
    let others: Vec<PathBuf> = [
        "alert_conditions.yaml",
        "alert_notification_targets.yaml",
        "alert_policies.yaml",
        "data_sources.yaml",
        "services.yaml",
        "slis.yaml",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    let refs: Vec<&Path> = others.iter().map(PathBuf::as_path).collect();
    let (code, diagnostics) = validate_json(&refs);
    assert_eq!(code, 0, "{diagnostics:?}");
    let unresolved: Vec<u64> = diagnostics
        .iter()
        .filter(|d| d.0 == "slofile::unknown_reference")
        .map(|d| d.2)
        .collect();
    // `cpu-usage-breach` now resolves; the two targets no file defines do not.
    assert!(!unresolved.contains(&16), "{diagnostics:?}");
    assert!(
        unresolved.contains(&18) && unresolved.contains(&50),
        "{diagnostics:?}"
    );
}

#[test]
fn burn_rate_conditions_follow_the_contract() {
    let (plan, report) = plan_of(&[fixture("multi-file")]);
    let plan = plan.unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    let service = &plan.services[0];
    assert_eq!(
        service.meta.id, "search",
        "service = the SLO's spec.service"
    );
    let slo = &service.slos[0];
    assert_eq!(
        slo.slo.id, "search-availability",
        "slo = the SLO's metadata.name"
    );
    let tiers: Vec<_> = slo.objectives[0]
        .tiers
        .iter()
        .map(|t| {
            (
                t.severity.as_str(),
                t.factor.to_decimal(),
                t.long.prometheus(),
                t.short.prometheus(),
                t.for_.prometheus(),
                t.error_threshold.to_decimal(),
            )
        })
        .collect();
    // long = lookbackWindow, short = lookbackWindow / 12, factor = threshold, for = alertAfter,
    // severity = the AlertCondition's severity.
    assert_eq!(
        tiers,
        [
            (
                "page",
                "14.4".into(),
                "1h".into(),
                "5m".into(),
                "2m".into(),
                "0.0144".into()
            ),
            (
                "page",
                "6".into(),
                "6h".into(),
                "30m".into(),
                "15m".into(),
                "0.006".into()
            ),
            (
                "ticket",
                "1".into(),
                "3d".into(),
                "6h".into(),
                "1h".into(),
                "0.001".into()
            ),
        ]
    );
    // Each tier routes to its policy's notification targets.
    let meta = &service.meta;
    let escalation: Vec<(&str, Vec<&str>)> = meta
        .escalation
        .iter()
        .map(|e| {
            (
                e.severity.as_str(),
                e.channels.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        escalation,
        [
            ("search-page-fast", vec!["search-oncall"]),
            ("search-page-slow", vec!["search-oncall"]),
            ("search-ticket", vec!["search-channel"])
        ]
    );
    let tier_routes: Vec<Option<&str>> = slo
        .slo
        .tiers
        .iter()
        .map(|t| t.escalation.as_deref())
        .collect();
    assert_eq!(
        tier_routes,
        [
            Some("search-page-fast"),
            Some("search-page-slow"),
            Some("search-ticket")
        ]
    );
    let channels: Vec<(&str, String)> = meta
        .channels
        .iter()
        .map(|c| (c.id.as_str(), format!("{:?}", c.kind)))
        .collect();
    assert_eq!(
        channels,
        [
            ("search-oncall", "Pagerduty".into()),
            ("search-channel", "Slack".into())
        ]
    );
}

#[test]
fn a_lookback_of_three_days_has_a_six_hour_short_window() {
    let (plan, _) = plan_of(&[fixture("scenarios/shop.yaml")]);
    let plan = plan.unwrap();
    let shorts: Vec<(Duration, Duration)> = plan.services[0].slos[0]
        .slo
        .tiers
        .iter()
        .map(|t| (t.long, t.short))
        .collect();
    assert_eq!(
        shorts,
        [(d("1h"), d("5m")), (d("6h"), d("30m")), (d("3d"), d("6h"))]
    );
}

#[test]
fn references_resolve_across_files_and_dangle_at_their_span() {
    let (code, diagnostics) = validate_json(&[&fixture("multi-file")]);
    assert_eq!(code, 0, "{diagnostics:?}");

    // The SLO alone: every reference it makes is an error at the reference.
    let (code, diagnostics) = validate_json(&[&fixture("multi-file/slo.yaml")]);
    assert_eq!(code, 1);
    let dangling: Vec<u64> = diagnostics
        .iter()
        .filter(|d| d.0 == "slofile::unknown_reference" && d.1 == "error")
        .map(|d| d.2)
        .collect();
    assert_eq!(dangling, [9, 17, 18, 19]);
}

#[test]
fn sli_kinds_map_onto_slofile_slis() {
    let (plan, report) = plan_of(&[fixture("sli-kinds.yaml")]);
    let plan = plan.unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    let slos: Vec<_> = plan.services[0]
        .slos
        .iter()
        .map(|s| (&s.slo.id, &s.slo.sli))
        .collect();
    let sli = |id: &str| {
        slos.iter()
            .find(|(i, _)| *i == id)
            .map(|(_, s)| *s)
            .unwrap()
    };

    // Gauges read as they are: a ratio of sums over the window, traffic-weighted.
    assert_eq!(
        sli("queue-success"),
        &Sli::Ratio(RatioSli::Query(
            "sum_over_time((sum(queue_failed_in_last_scrape))[{{window}}:]) / \
             sum_over_time((sum(queue_processed_in_last_scrape))[{{window}}:])"
                .into()
        ))
    );
    // A precomputed success ratio without a window: averaged, then turned into errors.
    assert_eq!(
        sli("wifi-satisfaction"),
        &Sli::Ratio(RatioSli::Query(
            "1 - avg_over_time((avg(client_satisfaction_ratio))[{{window}}:])".into()
        ))
    );
    // `lt` with whole slices: slofile's own gauge.
    assert_eq!(
        sli("consumer-lag"),
        &Sli::Gauge(GaugeSli {
            query: "sum(kafka_consumergroup_lag{consumergroup=\"annotator\"})".into(),
            good_below: true,
            threshold: Ratio::integer(1000),
            slice: d("5m"),
            unit: None,
        })
    );
    // `lte` and a slice target below 1: computed in the query, 1 in a good slice.
    assert_eq!(
        sli("dlq-depth"),
        &Sli::Gauge(GaugeSli {
            query: "avg_over_time(((max(dlq_depth)) <= bool 10)[10m:]) >= bool 0.9".into(),
            good_below: false,
            threshold: Ratio::new(1, 2).unwrap(),
            slice: d("10m"),
            unit: None,
        })
    );
    // Several objectives: one SLO each, named after their display names.
    let ids: Vec<&str> = slos
        .iter()
        .map(|(id, _)| id.as_str())
        .filter(|id| id.starts_with("api-errors"))
        .collect();
    assert_eq!(
        ids,
        [
            "api-errors-internal-slo",
            "api-errors-customer-sla",
            "api-errors-3"
        ]
    );
    // `4w` is 28 days; a 7d window is kept.
    let windows: Vec<String> = plan.services[0]
        .slos
        .iter()
        .take(2)
        .map(|s| s.slo.window.prometheus())
        .collect();
    assert_eq!(windows, ["28d", "7d"]);
}

#[test]
fn an_slo_without_alert_policies_gets_an_info_and_no_tiers() {
    let (plan, report) = plan_of(&[fixture("sli-kinds.yaml")]);
    let plan = plan.unwrap();
    assert!(plan.services[0].slos.iter().all(|s| s.slo.tiers.is_empty()));
    let infos = report
        .diagnostics
        .iter()
        .filter(|d| d.code == slofile::diagnostics::Code::NoAlertPolicy)
        .count();
    assert_eq!(infos, 5, "one per OpenSLO SLO");
}

#[test]
fn counter_selectors_become_counter_ratios() {
    let (plan, _) = plan_of(&[fixture("checkout.yaml")]);
    let plan = plan.unwrap();
    assert_eq!(
        plan.services[0].slos[0].slo.sli,
        Sli::Ratio(RatioSli::Events {
            good: false,
            events: "sum(http_requests_total{job=\"checkout\",code=~\"5..\"})".into(),
            total: "sum(http_requests_total{job=\"checkout\"})".into(),
        })
    );
    // alertWhenNoData turns on the missing-data alert at the condition's severity.
    let missing = plan.services[0].slos[0].slo.missing_data.clone().unwrap();
    assert_eq!((missing.for_, missing.severity.as_str()), (d("2m"), "page"));
}

fn rendered(paths: &[&str]) -> String {
    let mut args = vec!["validate", "--format", "plain"];
    args.extend(paths);
    let output = run(&args);
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn rule_violations_are_all_reported_at_their_nodes() {
    insta::assert_snapshot!(rendered(&["tests/fixtures/openslo/invalid/rules.yaml"]));
}

#[test]
fn unsupported_features_and_dangling_references_are_errors_at_their_nodes() {
    insta::assert_snapshot!(rendered(&[
        "tests/fixtures/openslo/invalid/unsupported.yaml"
    ]));
}

#[test]
fn v1alpha_outside_sloths_subset_is_reported_at_its_nodes() {
    insta::assert_snapshot!(rendered(&["tests/fixtures/openslo/invalid/v1alpha.yaml"]));
}

#[test]
fn explain_openslo_inputs() {
    let output = run(&[
        "explain",
        "tests/fixtures/openslo/multi-file",
        "tests/fixtures/openslo/checkout.yaml",
    ]);
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}

#[test]
fn openslo_and_native_services_build_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let native = dir.path().join("native.yaml");
    std::fs::write(
        &native,
        "apiVersion: slofile/v1\nservice: billing\nslos:\n  - id: invoices\n    objective: 99.9%\n    sli:\n      ratio:\n        bad: invoices_total{state=\"failed\"}\n        total: invoices_total\n",
    )
    .unwrap();
    let (plan, report) = plan_of(&[native, fixture("checkout.yaml")]);
    let plan = plan.unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    let ids: Vec<&str> = plan.services.iter().map(|s| s.meta.id.as_str()).collect();
    assert_eq!(ids, ["billing", "checkout"]);
}

#[test]
fn a_service_defined_natively_and_in_openslo_is_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let native = dir.path().join("native.yaml");
    std::fs::write(
        &native,
        "apiVersion: slofile/v1\nservice: checkout\nslos:\n  - id: other\n    objective: 99.9%\n    sli:\n      ratio:\n        bad: x_total{state=\"failed\"}\n        total: x_total\n",
    )
    .unwrap();
    let (code, diagnostics) = validate_json(&[&native, &fixture("checkout.yaml")]);
    assert_eq!(code, 1);
    assert!(
        diagnostics
            .iter()
            .any(|d| d.0 == "slofile::duplicate_service"),
        "{diagnostics:?}"
    );
}

/// The burn-rate contract, read back from the generated rules: long window = `lookbackWindow`,
/// short window = `lookbackWindow / 12`, threshold = `threshold` × budget, `for` = `alertAfter`,
/// labels `slo` = `metadata.name`, `service` = `spec.service`, `severity` = the condition's.
#[test]
fn generated_rules_follow_the_burn_rate_contract() {
    for (input, service, slo) in [
        (
            "tests/fixtures/openslo/scenarios",
            "shop",
            "checkout-availability",
        ),
        (
            "tests/fixtures/openslo/multi-file",
            "search",
            "search-availability",
        ),
    ] {
        let out = Build::of(&[input]).ok();
        let rules = &out.files("prometheus")[&format!("{service}.rules.yml")];
        let alerts = crate::interop::burn_alerts(rules);
        let alerts: Vec<(&str, &str, &str, &str, &str, &str, &str)> = alerts
            .iter()
            .map(|a| {
                (
                    a.service.as_str(),
                    a.slo.as_str(),
                    a.severity.as_str(),
                    a.long.as_str(),
                    a.short.as_str(),
                    a.threshold.as_str(),
                    a.for_.as_str(),
                )
            })
            .collect();
        // Both inputs: 14.4× over 1h after 2m, 6× over 6h after 15m (pages), 1× over 3d after 1h
        // (a ticket), against a budget of 0.1%.
        assert_eq!(
            alerts,
            [
                (service, slo, "page", "1h", "5m", "0.0144", "2m"),
                (service, slo, "page", "6h", "30m", "0.006", "15m"),
                (service, slo, "ticket", "3d", "6h", "0.001", "1h"),
            ],
            "{input}"
        );
    }
}

/// The promtool scenarios on OpenSLO input (`tests/scenarios/openslo/`): hard outage pages, slow
/// burn tickets, short spike resets, zero traffic quiet. `tests/fixtures/openslo/scenarios` is
/// built with the real binary, and every scenario runs against its rules.
#[test]
fn scenario_suite_on_openslo_input() {
    let promtool = require_tool("promtool");
    let out = Build::of(&["tests/fixtures/openslo/scenarios"]).ok();
    let dir = out.path().join("prometheus");
    let scenarios = root().join("tests/scenarios/openslo");
    let mut tests: Vec<PathBuf> = std::fs::read_dir(&scenarios)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".test.yml"))
        .collect();
    tests.sort();
    let mut ran = Vec::new();
    for test in tests {
        let name = test.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::copy(&test, dir.join(&name)).unwrap();
        let started = Instant::now();
        let output = run_tool_ok(&promtool, &["test", "rules", &name], &dir);
        assert!(output.contains("SUCCESS"), "{name}:\n{output}");
        eprintln!(
            "scenario {:>5.2}s  openslo/{name}",
            started.elapsed().as_secs_f64()
        );
        ran.push(name);
    }
    assert_eq!(
        ran,
        [
            "hard-outage.test.yml",
            "short-spike.test.yml",
            "slow-burn.test.yml",
            "zero-traffic.test.yml",
        ]
    );
}

/// Everything built from OpenSLO: `promtool check rules` on the rules, `promtool test rules` on the
/// generated tests. The fixtures, the OpenSLO that `convert` writes for native specs, and the
/// valid files of the OpenSLO corpus (which define no SLO, so build no rules: the one example
/// with SLOs is invalid, see `CORPUS`).
#[test]
fn promtool_checks_and_tests_everything_built_from_openslo() {
    let mut timings = Vec::new();
    let mut total = crate::interop::Promtool::default();
    let mut add = |result: crate::interop::Promtool| {
        total.rule_files += result.rule_files;
        total.test_files += result.test_files;
        total.non_empty_tests += result.non_empty_tests;
        timings.extend(result.timings);
    };
    for input in [
        "tests/fixtures/openslo/checkout.yaml",
        "tests/fixtures/openslo/multi-file",
        "tests/fixtures/openslo/scenarios",
        "tests/fixtures/openslo/sli-kinds.yaml",
    ] {
        let out = Build::of(&[input]).ok();
        add(crate::interop::promtool_everything(&out, input));
    }
    let converted = tempfile::tempdir().unwrap();
    for native in ["roundtrip/lossy.yaml", "roundtrip/shop.yaml"] {
        let output = run(&[
            "convert",
            "--to",
            "openslo",
            fixture(native).to_str().unwrap(),
        ]);
        assert!(output.status.success(), "convert {native}");
        let file = converted.path().join(native.replace('/', "-"));
        std::fs::write(&file, &output.stdout).unwrap();
        let out = Build::of_paths(&[&file]).ok();
        add(crate::interop::promtool_everything(
            &out,
            &format!("{native} as OpenSLO"),
        ));
    }
    let examples: Vec<String> = CORPUS
        .iter()
        .filter(|(path, valid, _)| *valid && path.starts_with("go-sdk-v1-examples/"))
        .map(|(path, _, _)| corpus().join(path).display().to_string())
        .collect();
    let out = Build::of(&examples).ok();
    add(crate::interop::promtool_everything(&out, "OpenSLO corpus"));

    assert_eq!(
        (total.rule_files, total.test_files),
        (6, 6),
        "one rule and one test file per service"
    );
    // Every one, `sli-kinds.yaml`'s too: its SLOs have no alert policies and are mostly queries,
    // but those of the shape `sum(rate(..)) / sum(rate(..))` get their zero-traffic tests.
    assert_eq!(total.non_empty_tests, 6, "test files that test something");
    timings.sort();
    for (elapsed, what) in timings.iter().rev().take(4) {
        eprintln!("promtool {:>6.2}s  {what}", elapsed.as_secs_f64());
    }
}

#[test]
fn golden_build_of_openslo_inputs() {
    for (name, inputs) in [
        ("shop", &["tests/fixtures/openslo/scenarios"][..]),
        ("search", &["tests/fixtures/openslo/multi-file"][..]),
        ("checkout", &["tests/fixtures/openslo/checkout.yaml"][..]),
        ("pipeline", &["tests/fixtures/openslo/sli-kinds.yaml"][..]),
    ] {
        insta::assert_snapshot!(
            format!("build_{name}"),
            crate::interop::golden(&Build::of(inputs).ok())
        );
    }
}

// ---------------------------------------------------------------------------------------------
// OpenSLO as people write it.

fn as_written(name: &str) -> PathBuf {
    fixture("as-written").join(name)
}

/// The generated files of a build of `inputs`, with the input paths in their headers blanked.
fn golden_without_paths(inputs: &[&Path]) -> String {
    let texts: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let mut golden = crate::interop::golden(&Build::of(&texts).ok());
    for text in &texts {
        golden = golden.replace(text.as_str(), "INPUT");
    }
    golden
}

#[test]
fn kubernetes_resources_of_openslo_com_v1_read_as_openslo_v1() {
    let file = as_written("kubernetes.yaml");
    let (plan, report) = plan_of(std::slice::from_ref(&file));
    let plan = plan.unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    assert!(
        report
            .diagnostics
            .iter()
            .all(|d| !d.is_error() && d.severity != slofile::diagnostics::Severity::Warning),
        "Kubernetes leftovers are read for nothing: {:?}",
        report.diagnostics
    );
    let service = &plan.services[0];
    assert_eq!(service.meta.id, "checkout");
    assert_eq!(service.meta.title, "Checkout");
    let slo = &service.slos[0].slo;
    assert_eq!(slo.id, "checkout-availability");
    assert_eq!(slo.objectives[0].target, Ratio::new(999, 1000).unwrap());
    assert_eq!(slo.tiers.len(), 1, "the referenced alert policy");
    assert_eq!((slo.tiers[0].long, slo.tiers[0].short), (d("1h"), d("5m")));

    // The same objects as `openslo/v1`, without what Kubernetes adds, build the same files.
    let text = std::fs::read_to_string(&file).unwrap();
    let kubernetes_only = [
        "  namespace:",
        "  creationTimestamp:",
        "  generation:",
        "  resourceVersion:",
        "  uid:",
        "status:",
        "  labels:",
        "    app.kubernetes.io/",
    ];
    let mut plain = String::new();
    for line in text.replace("openslo.com/v1", "openslo/v1").lines() {
        if !kubernetes_only.iter().any(|k| line.starts_with(k)) {
            plain.push_str(line);
            plain.push('\n');
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let plain_file = dir.path().join("kubernetes.yaml");
    std::fs::write(&plain_file, plain).unwrap();
    assert_eq!(
        golden_without_paths(&[&file]),
        golden_without_paths(&[&plain_file])
    );
}

#[test]
fn kubernetes_leftovers_stay_errors_in_plain_openslo_v1() {
    let text = std::fs::read_to_string(as_written("kubernetes.yaml"))
        .unwrap()
        .replace("openslo.com/v1", "openslo/v1");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain.yaml");
    std::fs::write(&file, text).unwrap();
    let (code, diagnostics) = validate_json(&[&file]);
    assert_eq!(code, 1);
    let errors: Vec<(&str, u64)> = diagnostics
        .iter()
        .filter(|(_, severity, _)| severity == "error")
        .map(|(code, _, line)| (code.as_str(), *line))
        .collect();
    // `namespace` (6 objects), the other Kubernetes fields of the SLI (4), its prefixed label
    // key and `status` (twice) are not OpenSLO v1.
    assert_eq!(errors.len(), 13, "{errors:?}");
    for at in [9, 18, 19, 20, 21, 22, 38, 44, 58, 64, 76, 90] {
        assert!(
            errors.contains(&("slofile::unknown_field", at)),
            "{at}: {errors:?}"
        );
    }
    assert!(
        errors.contains(&("slofile::invalid_value", 24)),
        "{errors:?}"
    );
}

#[test]
fn a_top_level_list_of_objects_is_read_like_documents() {
    let (plan, report) = plan_of(&[as_written("list.yaml")]);
    let plan = plan.unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    let service = &plan.services[0];
    assert_eq!(service.meta.id, "search");
    assert_eq!(service.meta.description.as_deref(), Some("Product search."));
    assert_eq!(service.slos[0].slo.id, "search-availability");
    assert_eq!(service.slos[0].slo.window, d("7d"));
}

#[test]
fn flow_style_maps_and_folded_queries_read_as_block_style() {
    let (plan, report) = plan_of(&[as_written("flow-and-folded.yaml")]);
    let plan = plan.unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    let slo = &plan.services[0].slos[0].slo;
    assert_eq!(slo.id, "login-availability");
    assert_eq!(slo.title, "Login availability");
    assert_eq!(slo.window, d("28d"));
    assert_eq!(slo.objectives[0].target, Ratio::new(995, 1000).unwrap());
    // In a folded scalar, more-indented lines keep their line breaks: the query is as written.
    let Sli::Ratio(RatioSli::Events { events, total, .. }) = &slo.sli else {
        panic!("a counter ratio: {:?}", slo.sli);
    };
    assert_eq!(
        events,
        "sum by (region) (\n    login_attempts_total{result=\"failure\"}\n)"
    );
    assert_eq!(total, "sum by (region) (login_attempts_total)");
}

#[test]
fn v1alpha_slos_without_time_windows_get_sloths_default_period() {
    let file = as_written("v1alpha-no-window.yaml");
    let (plan, report) = plan_of(std::slice::from_ref(&file));
    let plan = plan.unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    let slo = &plan.services[0].slos[0].slo;
    assert_eq!(slo.id, "my-service-sloth-slo-my-service-0", "Sloth's id");
    assert_eq!(slo.window, d(slofile::spec::sloth::DEFAULT_PERIOD));
    assert_eq!(slo.window, d("30d"));
    let (code, diagnostics) = validate_json(&[&file]);
    assert_eq!(code, 0);
    assert!(
        diagnostics.contains(&("slofile::default_period".into(), "info".into(), 8)),
        "{diagnostics:?}"
    );
    // Keys Sloth ignores stay warnings, with a suggestion.
    assert!(
        diagnostics.contains(&("slofile::unknown_field".into(), "warning".into(), 22)),
        "{diagnostics:?}"
    );
    let text = rendered(&[file.to_str().unwrap()]);
    assert!(text.contains("did you mean `displayName`?"), "{text}");
    assert!(text.contains("Sloth's default period of 30 days"), "{text}");
}

#[test]
fn colliding_slo_ids_say_where_the_first_is() {
    let text = rendered(&["tests/fixtures/openslo/invalid/duplicate-ids.yaml"]);
    assert!(
        text.contains("SLO `api-fast` is also defined in tests/fixtures/openslo/invalid/duplicate-ids.yaml at line 12"),
        "{text}"
    );
    assert!(text.contains("slofile: 1 error(s)"), "{text}");
}

#[test]
fn promtool_checks_and_tests_openslo_as_written() {
    let dir = fixture("as-written");
    let dir = dir.to_str().unwrap();
    let out = Build::of(&[dir]).ok();
    let promtool = crate::interop::promtool_everything(&out, dir);
    assert_eq!(
        (promtool.rule_files, promtool.test_files),
        (4, 4),
        "one rule and one test file per service: checkout, search, login, my-service"
    );
    // All but my-service's, whose queries with `{{.window}}` are used as written.
    assert_eq!(
        promtool.non_empty_tests, 3,
        "test files that test something"
    );
}

/// Forms other tools let through: a number in quotes, and names with upper-case letters (the
/// object's and every reference to it). Each is read as its author meant, with a warning that
/// names the fix; the build is what the same file written to the letter builds.
#[test]
fn numbers_in_quotes_and_upper_case_names_are_read_with_a_warning_each() {
    let dir = "tests/fixtures/openslo/lenient";
    insta::assert_snapshot!(rendered(&[dir]));
    let (plan, report) = plan_of(&[fixture("lenient")]);
    let plan = plan.unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    let warnings = |code: &str| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == slofile::diagnostics::Severity::Warning)
            .filter(|d| d.code.as_str() == code)
            .count()
    };
    // `target` and `threshold`; two names and two references.
    assert_eq!(warnings("slofile::quoted_number"), 2);
    assert_eq!(warnings("slofile::upper_case_name"), 4);
    let service = &plan.services[0];
    let slo = &service.slos[0];
    assert_eq!(slo.slo.objectives[0].target, Ratio::new(99, 100).unwrap());
    let tier = &slo.objectives[0].tiers[0];
    assert_eq!(
        (tier.factor.to_decimal(), tier.long.prometheus()),
        ("14.4".into(), "1h".into())
    );
    let channels: Vec<&str> = service
        .meta
        .channels
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(channels, ["oncallpagerdutyurgent"]);

    let built = Build::of(&[dir]).ok();
    let payments = built.read("alertmanager/alertmanager.yml");
    assert!(payments.contains("receiver: payments-oncallpagerdutyurgent"));
    let promtool = crate::interop::promtool_everything(&built, dir);
    assert_eq!((promtool.rule_files, promtool.test_files), (1, 1));
    // The warnings are warnings: `--deny-warnings` fails the run.
    let output = run(&["validate", dir, "--deny-warnings"]);
    assert_eq!(output.status.code(), Some(1));
}
