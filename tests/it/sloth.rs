//! Sloth inputs: every example of Sloth's repository builds or says why not, our burn thresholds
//! equal those in Sloth's own generated rules, and slofile agrees with Sloth's validation tests.

use crate::common::build::{Build, Built};
use crate::common::{require_tool, root, run, run_tool_ok};
use slofile::LoadOptions;
use slofile::compile::Plan;
use slofile::diagnostics::Report;
use slofile::units::Duration;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    root().join("tests/fixtures/corpus/sloth")
}

fn plan_with_period(paths: &[PathBuf], period: &str) -> Plan {
    let mut report = Report::default();
    let options = LoadOptions {
        sloth_period: Duration::parse(period).unwrap(),
    };
    let plan = slofile::plan_with(paths, &options, &mut report).expect("readable");
    plan.unwrap_or_else(|| panic!("{paths:?}: {:#?}", report.diagnostics))
}

/// The error codes of `slofile validate`, and its exit code.
fn validate(paths: &[&Path], extra: &[&str]) -> (i32, Vec<String>) {
    let mut args: Vec<String> = vec!["validate".into(), "--format".into(), "json".into()];
    args.extend(extra.iter().map(std::string::ToString::to_string));
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run(&args);
    let errors = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            (value["severity"] == "error").then(|| value["code"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    (output.status.code().unwrap(), errors)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Builds,
    /// Sloth plugins run Sloth's Go code; slofile says so.
    Plugin,
}

/// Every example of Sloth's repository. `slo-plugin-*` use only Sloth's core `debug` plugin,
/// which shapes nothing slofile writes, so they build; `victoria-metrics.yml` also uses
/// MetricsQL functions, which are not PromQL. `openslo-*` are OpenSLO v1alpha, read as Sloth
/// reads it.
const EXAMPLES: &[(&str, Outcome)] = &[
    ("contrib-denominator-corrected.yaml", Outcome::Plugin),
    ("contrib-slo-plugins.yml", Outcome::Plugin),
    ("getting-started.yml", Outcome::Builds),
    ("home-wifi.yml", Outcome::Builds),
    ("k8s-getting-started.yml", Outcome::Builds),
    ("k8s-home-wifi.yml", Outcome::Builds),
    ("k8s-multifile.yml", Outcome::Builds),
    ("kubernetes-apiserver.yml", Outcome::Builds),
    ("multifile.yml", Outcome::Builds),
    ("no-alerts.yml", Outcome::Builds),
    ("openslo-getting-started.yml", Outcome::Builds),
    ("openslo-kubernetes-apiserver.yml", Outcome::Builds),
    ("plugin-getting-started.yml", Outcome::Plugin),
    ("plugin-k8s-getting-started.yml", Outcome::Plugin),
    ("raw-home-wifi.yml", Outcome::Builds),
    ("slo-plugin-getting-started.yml", Outcome::Builds),
    ("slo-plugin-k8s-getting-started.yml", Outcome::Builds),
    ("victoria-metrics.yml", Outcome::Plugin),
    // Alert windows for other periods: they define no service, and read cleanly.
    ("windows/7d.yaml", Outcome::Builds),
    ("windows/custom-30d.yaml", Outcome::Builds),
];

#[test]
fn every_example_builds_or_says_why() {
    let mut listed: Vec<&str> = EXAMPLES.iter().map(|(f, _)| *f).collect();
    listed.sort_unstable();
    let mut found: Vec<String> = Vec::new();
    for dir in ["", "windows"] {
        for entry in std::fs::read_dir(corpus().join("examples").join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                found.push(if dir.is_empty() {
                    name
                } else {
                    format!("{dir}/{name}")
                });
            }
        }
    }
    found.sort();
    assert_eq!(found, listed, "every example has an expected outcome");

    for (file, outcome) in EXAMPLES {
        let path = corpus().join("examples").join(file);
        match outcome {
            Outcome::Builds => {
                Build::of_paths(&[&path]).ok();
            }
            Outcome::Plugin => {
                let (code, errors) = validate(&[&path], &[]);
                assert_eq!(code, 1, "{file}");
                assert!(
                    errors.contains(&"slofile::unsupported_feature".to_owned()),
                    "{file}: {errors:?}"
                );
            }
        }
    }
}

/// One burn-rate tier of Sloth's generated rules: an SLO id, the short and long windows, and the
/// error-ratio threshold `factor * (1 - objective)`.
#[derive(Debug, Clone, PartialEq)]
struct SlothTier {
    id: String,
    short: String,
    long: String,
    threshold: f64,
}

/// Reads the tiers out of Sloth's alert expressions, which pair a short and a long window, each
/// compared with `(factor * budget)`:
/// `max(slo:sli_error:ratio_rate5m{sloth_id="x", ...} > (14.4 * 0.0009999999999999432)) ...`
fn sloth_tiers(generated: &str) -> Vec<SlothTier> {
    let mut conditions = Vec::new();
    for line in generated.lines() {
        let Some(start) = line.find("slo:sli_error:ratio_rate") else {
            continue;
        };
        let Some(compare) = line.find("> (") else {
            continue;
        };
        let rest = &line[start + "slo:sli_error:ratio_rate".len()..];
        let window = rest[..rest.find('{').unwrap()].to_owned();
        let id_start = line.find("sloth_id=\"").unwrap() + "sloth_id=\"".len();
        let id = line[id_start..id_start + line[id_start..].find('"').unwrap()].to_owned();
        let product = &line[compare + 3..];
        let product = &product[..product.find(')').unwrap()];
        let (factor, budget) = product.split_once(" * ").unwrap();
        let threshold =
            factor.trim().parse::<f64>().unwrap() * budget.trim().parse::<f64>().unwrap();
        conditions.push((id, window, threshold));
    }
    conditions
        .chunks(2)
        .map(|pair| {
            let ((id, short, threshold), (_, long, _)) = (&pair[0], &pair[1]);
            SlothTier {
                id: id.clone(),
                short: short.clone(),
                long: long.clone(),
                threshold: *threshold,
            }
        })
        .collect()
}

fn our_tiers(plan: &Plan) -> Vec<SlothTier> {
    let mut tiers = Vec::new();
    for service in &plan.services {
        for slo in &service.slos {
            for tier in slo
                .objectives
                .iter()
                .flat_map(slofile::compile::ObjectivePlan::alerting_tiers)
            {
                tiers.push(SlothTier {
                    id: slo.slo.id.clone(),
                    short: tier.short.prometheus(),
                    long: tier.long.prometheus(),
                    threshold: tier.error_threshold.to_f64(),
                });
            }
        }
    }
    tiers
}

fn assert_same_thresholds(what: &str, ours: Vec<SlothTier>, sloths: Vec<SlothTier>) {
    assert!(
        !sloths.is_empty() || ours.is_empty(),
        "{what}: Sloth alerts on nothing, we do: {ours:?}"
    );
    let mut ours = ours;
    let mut sloths = sloths;
    let key = |t: &SlothTier| (t.id.clone(), t.long.clone());
    ours.sort_by_key(key);
    sloths.sort_by_key(key);
    assert_eq!(
        ours.len(),
        sloths.len(),
        "{what}: ours {ours:#?}\nSloth's {sloths:#?}"
    );
    for (ours, sloth) in ours.iter().zip(&sloths) {
        assert_eq!(
            (&ours.id, &ours.short, &ours.long),
            (&sloth.id, &sloth.short, &sloth.long),
            "{what}"
        );
        // Sloth computes in floats (its budget of 99.9% is 0.0009999999999999432); ours is exact.
        let relative = (ours.threshold - sloth.threshold).abs() / sloth.threshold;
        assert!(
            relative < 1e-9,
            "{what} {}/{}: ours {} Sloth's {}",
            ours.id,
            ours.long,
            ours.threshold,
            sloth.threshold
        );
    }
}

#[test]
fn thresholds_equal_sloths_for_every_example() {
    let mut compared = 0;
    for (file, outcome) in EXAMPLES {
        if *outcome != Outcome::Builds || file.starts_with("windows/") {
            continue;
        }
        let generated = std::fs::read_to_string(corpus().join("examples/_gen").join(file)).unwrap();
        let plan = plan_with_period(&[corpus().join("examples").join(file)], "30d");
        assert_same_thresholds(file, our_tiers(&plan), sloth_tiers(&generated));
        compared += 1;
    }
    assert_eq!(compared, 13);
}

/// The thresholds in the rules slofile writes, not only in its plan, equal those in Sloth's own
/// generated rules, for every example that builds.
#[test]
fn emitted_thresholds_equal_sloths_for_every_example() {
    let mut compared = 0;
    for (file, outcome) in EXAMPLES {
        if *outcome != Outcome::Builds || file.starts_with("windows/") {
            continue;
        }
        let example = corpus().join("examples").join(file);
        let out = Build::of_paths(&[&example]).ok();
        let mut emitted = Vec::new();
        for (name, text) in out.files("prometheus") {
            if !name.ends_with(".rules.yml") {
                continue;
            }
            for alert in crate::interop::burn_alerts(&text) {
                // Sloth's alerts have no `for:`; neither have these.
                assert_eq!(alert.for_, "", "{file}: {alert:?}");
                emitted.push(SlothTier {
                    id: alert.slo,
                    short: alert.short,
                    long: alert.long,
                    threshold: alert.threshold.parse().unwrap(),
                });
            }
        }
        let generated = std::fs::read_to_string(corpus().join("examples/_gen").join(file)).unwrap();
        assert_same_thresholds(file, emitted, sloth_tiers(&generated));
        compared += 1;
    }
    assert_eq!(compared, 13);
}

/// `promtool check rules` and `promtool test rules` on everything built from Sloth: every example
/// that builds, Sloth's test inputs and the fixture. Sloth's SLIs are error-ratio queries, whose
/// input series slofile cannot synthesise, so the test files hold no tests and say why; the rules
/// are what promtool checks here.
#[test]
fn promtool_checks_everything_built_from_sloth() {
    let mut inputs: Vec<PathBuf> = EXAMPLES
        .iter()
        .filter(|(file, outcome)| *outcome == Outcome::Builds && !file.starts_with("windows/"))
        .map(|(file, _)| corpus().join("examples").join(file))
        .collect();
    for input in [
        "in-base.yaml",
        "in-base-k8s.yaml",
        "in-multifile.yaml",
        "in-multifile-k8s.yaml",
        "in-openslo.yaml",
    ] {
        inputs.push(corpus().join("testdata").join(input));
    }
    inputs.push(root().join("tests/fixtures/sloth/checkout.yaml"));
    let (mut rule_files, mut test_files) = (0, 0);
    for input in &inputs {
        let out = Build::of_paths(&[input]).ok();
        let result = crate::interop::promtool_everything(&out, &input.display().to_string());
        assert!(result.rule_files > 0, "{}: no rules", input.display());
        rule_files += result.rule_files;
        test_files += result.test_files;
    }
    assert_eq!(rule_files, test_files);
    assert!(rule_files >= inputs.len(), "{rule_files} rule files");
}

/// Sloth's integration fixtures: inputs and the rules Sloth generates for them, for other periods
/// and custom alert windows. (`out-base-no-alerts`, `-no-recordings` and `-extra-labels` come from
/// Sloth command-line flags slofile has no use for; the plugin outputs from plugins.)
#[test]
fn thresholds_equal_sloths_for_its_test_fixtures() {
    let testdata = corpus().join("testdata");
    let cases: &[(&[&str], &str, &str)] = &[
        (&["in-base.yaml"], "30d", "out-base.yaml.tpl"),
        (&["in-base.yaml"], "28d", "out-base-28d.yaml.tpl"),
        (&["in-base-k8s.yaml"], "30d", "out-base-k8s.yaml.tpl"),
        (&["in-multifile.yaml"], "30d", "out-multifile.yaml.tpl"),
        (
            &["in-multifile-k8s.yaml"],
            "30d",
            "out-multifile-k8s.yaml.tpl",
        ),
        (&["in-openslo.yaml"], "30d", "out-openslo.yaml.tpl"),
    ];
    for (inputs, period, output) in cases {
        let paths: Vec<PathBuf> = inputs.iter().map(|i| testdata.join(i)).collect();
        let plan = plan_with_period(&paths, period);
        let generated = std::fs::read_to_string(testdata.join(output)).unwrap();
        assert_same_thresholds(output, our_tiers(&plan), sloth_tiers(&generated));
    }
    // Custom windows for a 7-day period, from an AlertWindows resource in the same run.
    let plan = plan_with_period(
        &[
            testdata.join("in-base.yaml"),
            corpus().join("examples/windows/7d.yaml"),
        ],
        "7d",
    );
    let generated =
        std::fs::read_to_string(testdata.join("out-base-custom-windows-7d.yaml.tpl")).unwrap();
    assert_same_thresholds(
        "custom 7d windows",
        our_tiers(&plan),
        sloth_tiers(&generated),
    );
}

#[test]
fn factors_are_sloths_and_printed_exactly() {
    let example = corpus().join("examples/getting-started.yml");
    let factors = |period: &str| -> Vec<String> {
        let plan = plan_with_period(std::slice::from_ref(&example), period);
        plan.services[0].slos[0].objectives[0]
            .tiers
            .iter()
            .map(|t| t.factor.to_decimal())
            .collect()
    };
    assert_eq!(factors("30d"), ["14.4", "6", "3", "1"]);
    assert_eq!(factors("28d"), ["13.44", "5.6", "2.8", "0.933333333333"]);
    let plan = plan_with_period(std::slice::from_ref(&example), "30d");
    let tiers = &plan.services[0].slos[0].slo.tiers;
    // Sloth's alerts have no `for:`.
    assert!(tiers.iter().all(|t| t.for_.millis() == 0));
    let severities: Vec<&str> = tiers.iter().map(|t| t.severity.as_str()).collect();
    assert_eq!(
        severities,
        ["pageteam", "pageteam", "slack", "slack"],
        "from page_alert and ticket_alert labels"
    );
}

#[test]
fn labels_of_the_page_or_the_ticket_go_on_its_tiers_only() {
    let plan = plan_with_period(&[corpus().join("examples/getting-started.yml")], "30d");
    let slo = &plan.services[0].slos[0];
    let labels = |key: &str| -> Vec<Option<&str>> {
        slo.objectives[0]
            .tiers
            .iter()
            .map(|t| t.labels.get(key).map(String::as_str))
            .collect()
    };
    assert_eq!(
        labels("routing_key"),
        [Some("myteam"), Some("myteam"), None, None]
    );
    assert_eq!(
        labels("slack_channel"),
        [None, None, Some("#alerts-myteam"), Some("#alerts-myteam")]
    );
    let shared: Vec<(&str, &str)> = slo
        .slo
        .alert_labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(shared, [("category", "availability")]);

    // An alert's own label wins over the one in `alerting.labels`, as in Sloth; slofile's own
    // label names are refused where they are written.
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("sloth.yaml");
    std::fs::write(
        &spec,
        "version: prometheus/v1\nservice: shop\nslos:\n  - name: checkout\n    objective: 99.9\n    sli:\n      raw:\n        error_ratio_query: sum(rate(errors_total[{{.window}}]))\n    alerting:\n      name: Checkout\n      labels: {team: shop, channel: tickets}\n      page_alert:\n        labels: {channel: pager}\n",
    )
    .unwrap();
    let plan = plan_with_period(std::slice::from_ref(&spec), "30d");
    let tiers = &plan.services[0].slos[0].objectives[0].tiers;
    let channels: Vec<Option<&str>> = tiers
        .iter()
        .map(|t| t.labels.get("channel").map(String::as_str))
        .collect();
    assert_eq!(channels, [Some("pager"), Some("pager"), None, None]);
    std::fs::write(
        &spec,
        "version: prometheus/v1\nservice: shop\nslos:\n  - name: checkout\n    objective: 99.9\n    sli:\n      raw:\n        error_ratio_query: sum(rate(errors_total[{{.window}}]))\n    alerting:\n      name: Checkout\n      ticket_alert:\n        labels: {slo: other}\n",
    )
    .unwrap();
    let output = run(&["validate", "--format", "plain", spec.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("sloth.yaml:12:18") && text.contains("label `slo` is set by slofile itself"),
        "{text}"
    );
}

#[test]
fn sloth_period_option_sets_the_window() {
    let example = corpus().join("examples/getting-started.yml");
    let output = run(&[
        "explain",
        "--sloth-period",
        "28d",
        example.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("99.9% over 28 days"), "{text}");
    assert!(text.contains("13.44× burn"), "{text}");
    let output = run(&[
        "validate",
        "--sloth-period",
        "soon",
        example.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "a bad period is a usage error"
    );
}

#[test]
fn ids_are_service_and_name_and_documents_of_one_service_merge() {
    let plan = plan_with_period(&[corpus().join("testdata/in-multifile.yaml")], "30d");
    let ids: Vec<(String, Vec<String>)> = plan
        .services
        .iter()
        .map(|s| {
            (
                s.meta.id.clone(),
                s.slos.iter().map(|p| p.slo.id.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            (
                "svc01".to_owned(),
                vec!["svc01-slo1".to_owned(), "svc01-slo02".to_owned()]
            ),
            (
                "svc02".to_owned(),
                vec!["svc02-slo1".to_owned(), "svc02-slo02".to_owned()]
            )
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    for (file, slo) in [("a.yaml", "one"), ("b.yaml", "two")] {
        std::fs::write(
            dir.path().join(file),
            format!(
                "version: prometheus/v1\nservice: shop\nslos:\n  - name: {slo}\n    objective: 99\n    sli:\n      raw:\n        error_ratio_query: sum(rate(errors_total[{{{{.window}}}}]))\n    alerting:\n      page_alert: {{disable: true}}\n      ticket_alert: {{disable: true}}\n"
            ),
        )
        .unwrap();
    }
    let plan = plan_with_period(&[dir.path().to_path_buf()], "30d");
    let ids: Vec<&str> = plan.services[0]
        .slos
        .iter()
        .map(|s| s.slo.id.as_str())
        .collect();
    assert_eq!(ids, ["shop-one", "shop-two"]);
}

/// Sloth's own validation fixtures. Sloth's test expects errors from the `bad` directory as a
/// whole; each file of it but one is invalid on its own. `bad-openslo.yaml` is marked bad for its
/// 28-day window, a limit of old Sloth versions: Sloth now reads any count of days (and has
/// alert windows for 28 days), and so does slofile.
#[test]
fn validation_agrees_with_sloths() {
    let dir = corpus().join("testdata/validate");
    for entry in std::fs::read_dir(dir.join("good")).unwrap() {
        let path = entry.unwrap().path();
        let (code, errors) = validate(&[&path], &[]);
        assert_eq!((code, errors), (0, vec![]), "{}", path.display());
    }
    let (code, _) = validate(&[&dir.join("bad")], &[]);
    assert_eq!(code, 1, "the bad specs are invalid together");
    for entry in std::fs::read_dir(dir.join("bad")).unwrap() {
        let path = entry.unwrap().path();
        let (code, errors) = validate(&[&path], &[]);
        if path.ends_with("bad-openslo.yaml") {
            assert_eq!((code, errors), (0, vec![]), "a 28-day window is fine");
            continue;
        }
        assert_eq!(code, 1, "{} is invalid", path.display());
        assert!(!errors.is_empty());
    }
    let duplicates = corpus().join("testdata/validate_with_duplicates");
    for case in ["bad-prom-multi-duplicates.yaml", "k8s", "openslo", "prom"] {
        let (code, errors) = validate(&[&duplicates.join(case)], &[]);
        assert_eq!(code, 1, "{case}");
        assert!(
            errors.iter().all(|e| e == "slofile::duplicate_id"),
            "{case}: {errors:?}"
        );
    }
}

#[test]
fn sloth_problems_are_reported_at_their_nodes() {
    let output = run(&[
        "validate",
        "--format",
        "plain",
        "tests/fixtures/sloth/invalid.yaml",
    ]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stderr));
}

#[test]
fn explain_sloth_inputs() {
    let output = run(&["explain", "tests/fixtures/sloth/checkout.yaml"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}

#[test]
fn golden_build_of_sloth_inputs() {
    insta::assert_snapshot!(
        "build_checkout",
        crate::interop::golden(&Build::of(&["tests/fixtures/sloth/checkout.yaml"]).ok())
    );
    insta::assert_snapshot!(
        "build_getting_started",
        crate::interop::golden(
            &Build::of(&["tests/fixtures/corpus/sloth/examples/getting-started.yml"]).ok()
        )
    );
    insta::assert_snapshot!(
        "build_openslo_getting_started",
        crate::interop::golden(
            &Build::of(&["tests/fixtures/corpus/sloth/examples/openslo-getting-started.yml"]).ok()
        )
    );
}

/// OpenSLO v1alpha, read as Sloth reads it: one SLO per objective with Sloth's ids, the window
/// of `timeWindows`, and no alerts (v1alpha has no alert policies), which an info says.
#[test]
fn openslo_v1alpha_reads_as_sloth_reads_it() {
    let example = corpus().join("examples/openslo-kubernetes-apiserver.yml");
    let plan = plan_with_period(std::slice::from_ref(&example), "28d");
    let slos: Vec<(&str, &str, String, String, usize)> = plan
        .services
        .iter()
        .flat_map(|s| &s.slos)
        .map(|p| {
            (
                p.slo.id.as_str(),
                p.slo.title.as_str(),
                p.slo.window.prometheus(),
                p.slo.objectives[0].target.percent(),
                p.slo.tiers.len(),
            )
        })
        .collect();
    let window = "30d".to_owned();
    assert_eq!(
        slos,
        [
            (
                "k8s-apiserver-requests-availability-openslo-0",
                "Requests Availability",
                window.clone(),
                "99.9%".to_owned(),
                0
            ),
            (
                "k8s-apiserver-requests-latency-openslo-0",
                "Requests Latency: objective 1",
                window.clone(),
                "99%".to_owned(),
                0
            ),
            (
                "k8s-apiserver-requests-latency-openslo-1",
                "Requests Latency: objective 2",
                window,
                "99.9%".to_owned(),
                0
            ),
        ],
        "the window is the spec's, not --sloth-period"
    );
    assert_eq!(plan.services[0].meta.id, "k8s-apiserver");
    let output = run(&["validate", "--format", "json", example.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let infos = String::from_utf8_lossy(&output.stdout)
        .matches("slofile::no_alert_policy")
        .count();
    assert_eq!(infos, 2, "one info per OpenSLO SLO");

    // Weeks are exact; the window rolls, as in Sloth, although `isRolling` is left out.
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("weekly.yaml");
    std::fs::write(
        &spec,
        std::fs::read_to_string(corpus().join("testdata/in-openslo.yaml"))
            .unwrap()
            .replace("count: 30\n      unit: Day", "count: 2\n      unit: Week"),
    )
    .unwrap();
    let plan = plan_with_period(std::slice::from_ref(&spec), "30d");
    assert_eq!(plan.services[0].slos[0].slo.window.prometheus(), "14d");
}

/// An expression's structure, without the parentheses that only group: `(a) / ((b))` and
/// `a / b` read the same.
fn structure(expr: &promql_parser::parser::Expr) -> String {
    use promql_parser::parser::Expr;
    match expr {
        Expr::Paren(paren) => structure(&paren.expr),
        Expr::Binary(binary) => format!(
            "[{} {}{} {}]",
            structure(&binary.lhs),
            binary.op,
            if binary.return_bool() { " bool" } else { "" },
            structure(&binary.rhs)
        ),
        other => other.to_string(),
    }
}

fn parsed_structure(query: &str) -> String {
    let expr = promql_parser::parser::parse(query).unwrap_or_else(|e| panic!("{query}: {e}"));
    structure(&expr)
}

/// `record: expr` of each rule with the given SLO-id label, from one or more YAML documents.
fn recordings(text: &str, id_label: &str, id: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    // Sloth's test outputs are Go templates of the version.
    let text = text.replace("{{ .version }}", "dev");
    for document in text.split("\n---\n") {
        let value = crate::interop::yaml(document);
        // Kubernetes PrometheusRule resources hold the groups in their `spec`.
        let groups = value["groups"]
            .as_array()
            .or_else(|| value["spec"]["groups"].as_array());
        let Some(groups) = groups else {
            continue;
        };
        for rule in groups.iter().flat_map(|g| g["rules"].as_array().unwrap()) {
            if let Some(record) = rule["record"].as_str()
                && rule["labels"][id_label] == id
            {
                found.push((record.to_owned(), rule["expr"].as_str().unwrap().to_owned()));
            }
        }
    }
    found
}

/// The error ratios slofile records, window by window, compute what Sloth's do, and the
/// objectives are Sloth's: for every example that builds, and for Sloth's OpenSLO fixture. slofile
/// records only the windows it alerts on (and 5 minutes), so those are compared; it keeps a
/// negative error ratio (a counter reset) out with `>= 0`, which Sloth does not.
#[test]
fn recorded_error_ratios_and_objectives_equal_sloths() {
    // Grouping parentheses go; those that change the order of operations do not.
    assert_eq!(
        parsed_structure("(1 - ((sum(a)) / (sum(b))))"),
        parsed_structure("1 - sum(a) / sum(b)")
    );
    assert_ne!(
        parsed_structure("(1 - sum(a)) / sum(b)"),
        parsed_structure("1 - sum(a) / sum(b)")
    );
    let mut cases: Vec<(PathBuf, PathBuf)> = EXAMPLES
        .iter()
        .filter(|(file, outcome)| *outcome == Outcome::Builds && !file.starts_with("windows/"))
        .map(|(file, _)| {
            (
                corpus().join("examples").join(file),
                corpus().join("examples/_gen").join(file),
            )
        })
        .collect();
    cases.push((
        corpus().join("testdata/in-openslo.yaml"),
        corpus().join("testdata/out-openslo.yaml.tpl"),
    ));
    let mut compared = 0;
    for (input, generated) in &cases {
        let what = input.display().to_string();
        let generated = std::fs::read_to_string(generated).unwrap();
        let plan = plan_with_period(std::slice::from_ref(input), "30d");
        let out = Build::of_paths(&[input]).ok();
        let ours: String = out
            .files("prometheus")
            .into_iter()
            .filter(|(name, _)| name.ends_with(".rules.yml"))
            .map(|(_, text)| text + "\n---\n")
            .collect();
        for slo in plan.services.iter().flat_map(|s| &s.slos) {
            let id = slo.slo.id.as_str();
            let sloths = recordings(&generated, "sloth_id", id);
            assert!(!sloths.is_empty(), "{what}: Sloth has no SLO `{id}`");
            let mut windows = 0;
            for (record, expr) in recordings(&ours, "slo", id) {
                let Some((_, sloth)) = sloths.iter().find(|(r, _)| *r == record) else {
                    continue;
                };
                if record.starts_with("slo:sli_error:ratio_rate")
                    && !sloth.contains("sum_over_time(slo:")
                {
                    let (ours, sloth) = (parsed_structure(&expr), parsed_structure(sloth));
                    assert!(
                        ours == sloth || ours == format!("[{sloth} >= 0]"),
                        "{what} {id} {record}:\n ours   {ours}\n Sloth's {sloth}"
                    );
                    windows += 1;
                }
                if record == "slo:objective:ratio" {
                    let number = |e: &str| -> f64 {
                        e.trim_start_matches("vector(")
                            .trim_end_matches(')')
                            .parse()
                            .unwrap()
                    };
                    let (ours, sloth) = (number(&expr), number(sloth));
                    assert!((ours - sloth).abs() < 1e-12, "{what} {id}: {ours} {sloth}");
                }
            }
            assert!(windows > 0, "{what} {id}: no error ratio compared");
            compared += 1;
        }
    }
    assert_eq!(compared, 21, "SLOs compared");
}

// `build --compat sloth`: Sloth-shaped rules, compared with Sloth's own generated rules.

/// The rule groups of every YAML document of `text`: a rule file's, or a `PrometheusRule`'s.
fn rule_groups(text: &str) -> Vec<serde_json::Value> {
    let documents: Vec<serde_json::Value> = serde_saphyr::from_multiple(text).unwrap();
    documents
        .into_iter()
        .filter(|d| !d.is_null())
        .flat_map(|d| {
            let groups = if d["kind"] == "PrometheusRule" {
                d["spec"]["groups"].clone()
            } else {
                d["groups"].clone()
            };
            groups.as_array().cloned().unwrap_or_default()
        })
        .collect()
}

/// The groups of the `--compat sloth` rule files of a build.
fn compat_groups(built: &Built) -> Vec<serde_json::Value> {
    built
        .files("prometheus")
        .into_iter()
        .filter(|(name, _)| name.ends_with(".rules.yml"))
        .flat_map(|(_, text)| rule_groups(&text))
        .collect()
}

/// A rule's name and labels, without those that only say who generated it: `cmd`, the extra
/// label of the script that generated Sloth's examples, and `sloth_version`.
fn rule_key(rule: &serde_json::Value) -> (String, Vec<(String, String)>) {
    let name = rule["record"]
        .as_str()
        .or(rule["alert"].as_str())
        .unwrap()
        .to_owned();
    let labels = rule["labels"]
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .filter(|(k, _)| !["cmd", "sloth_version"].contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    (name, labels)
}

/// Sloth's examples that are Sloth specs, with their generated rules.
fn sloth_spec_examples() -> Vec<(&'static str, PathBuf, PathBuf)> {
    EXAMPLES
        .iter()
        .filter(|(file, outcome)| {
            *outcome == Outcome::Builds
                && !file.starts_with("windows/")
                && !file.starts_with("openslo-")
        })
        .map(|(file, _)| {
            (
                *file,
                corpus().join("examples").join(file),
                corpus().join("examples/_gen").join(file),
            )
        })
        .collect()
}

/// Compares the `--compat sloth` build of `inputs` with Sloth's generated rules: the same
/// groups, series, labels and alerts, and error ratios of the same structure. Ours adds the 5m
/// event rates that weigh compliance by traffic, and records only the windows an alert uses.
/// Returns how many of Sloth's rules were compared.
fn compare_with_sloths(what: &str, inputs: &[&Path], args: &[&str], generated: &str) -> usize {
    let out = Build::of_paths(inputs)
        .flags(&["--compat", "sloth"])
        .flags(args)
        .ok();
    // A promtool test file beside each rule file (with the plain format), which promtool runs
    // in `compat_tests_pass_and_pin_sloths_alerts`.
    let files = out.files("prometheus");
    let plain = !args.contains(&"--prometheus-format");
    for name in files.keys().filter(|n| n.ends_with(".rules.yml")) {
        let test = name.replace(".rules.yml", ".test.yml");
        assert_eq!(files.contains_key(&test), plain, "{what}: {test}");
    }
    let ours = compat_groups(&out);
    // Sloth's test outputs are Go templates: of its version, and with Prometheus's template
    // braces quoted.
    let generated = generated
        .replace("{{ .version }}", "dev")
        .replace("{{\"{{", "{{")
        .replace("}}\"}}", "}}");
    let sloths = rule_groups(&generated);
    let names = |groups: &[serde_json::Value]| {
        let mut names: Vec<String> = groups
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&ours), names(&sloths), "{what}: group names");
    let mut compared = 0;
    for sloth in &sloths {
        let name = sloth["name"].as_str().unwrap();
        let id = name.rsplit_once("recordings-").map_or("", |(_, id)| id);
        let alerting = sloths
            .iter()
            .any(|g| g["name"] == format!("sloth-slo-alerts-{id}").as_str());
        let group = ours.iter().find(|g| g["name"] == name).unwrap();
        let ours_rules = group["rules"].as_array().unwrap();
        let sloth_rules = sloth["rules"].as_array().unwrap();
        for rule in sloth_rules {
            let key = rule_key(rule);
            let Some(our) = ours_rules.iter().find(|r| rule_key(r) == key) else {
                // Without alerts, only the 5m and period windows are recorded.
                assert!(
                    !alerting && key.0.starts_with("slo:sli_error:ratio_rate"),
                    "{what} {name}: no {key:?} among ours:\n{ours_rules:#?}"
                );
                continue;
            };
            if key.0.starts_with("slo:sli_error:ratio_rate")
                && !rule["expr"].as_str().unwrap().contains("_over_time")
            {
                assert_eq!(
                    parsed_structure(our["expr"].as_str().unwrap()),
                    parsed_structure(rule["expr"].as_str().unwrap()),
                    "{what} {key:?}"
                );
            }
            if rule.get("alert").is_some() {
                assert_eq!(our["annotations"], rule["annotations"], "{what} {key:?}");
            }
            compared += 1;
        }
        for rule in ours_rules {
            let key = rule_key(rule);
            assert!(
                sloth_rules.iter().any(|r| rule_key(r) == key)
                    || ["slo:sli_errors:rate5m", "slo:sli_events:rate5m"].contains(&key.0.as_str()),
                "{what} {name}: {key:?} is not Sloth's"
            );
        }
    }
    compared
}

/// Every Sloth example, against the rules Sloth generated for it.
#[test]
fn compat_rules_have_sloths_groups_series_labels_and_alerts() {
    let mut compared = 0;
    for (file, input, generated) in sloth_spec_examples() {
        let generated = std::fs::read_to_string(&generated).unwrap();
        compared += compare_with_sloths(file, &[&input], &[], &generated);
    }
    assert_eq!(compared, 264, "rules compared");
}

/// Sloth's own integration tests: each input, with the options of its test, against the output
/// the test expects.
#[test]
fn compat_rules_pass_sloths_integration_fixtures() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("in-base.yaml", &[], "out-base.yaml.tpl"),
        ("in-base-k8s.yaml", &[], "out-base-k8s.yaml.tpl"),
        ("in-multifile.yaml", &[], "out-multifile.yaml.tpl"),
        ("in-multifile-k8s.yaml", &[], "out-multifile-k8s.yaml.tpl"),
        (
            "in-base.yaml",
            &["--sloth-period", "28d"],
            "out-base-28d.yaml.tpl",
        ),
    ];
    let mut compared = 0;
    for (input, args, output) in cases {
        let input = corpus().join("testdata").join(input);
        let generated = std::fs::read_to_string(corpus().join("testdata").join(output)).unwrap();
        compared += compare_with_sloths(output, &[&input], args, &generated);
    }
    assert_eq!(compared, 182, "rules compared");
}

/// Runs `test` (a promtool test file reading `rules.yml`) against `rules`.
fn promtool_test(test: &Path, rules: &str) {
    let promtool = crate::common::require_tool("promtool");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(test, dir.path().join("sloth.test.yml")).unwrap();
    std::fs::write(dir.path().join("rules.yml"), rules).unwrap();
    crate::common::run_tool_ok(&promtool, &["test", "rules", "sloth.test.yml"], dir.path());
}

/// promtool tests written against the rules Sloth generated for two of its examples, an `events`
/// and a `raw` SLI (the page and the ticket firing, a ticket without a page, staying quiet, a page
/// resolving while the ticket stays), pass on Sloth's rules and, unchanged, on ours. Each spec is
/// Sloth's example with the `cmd` label its generation script adds.
#[test]
fn promtool_tests_written_for_sloths_rules_pass_on_ours() {
    for (example, service) in [
        ("getting-started", "myservice"),
        ("raw-home-wifi", "home-wifi"),
    ] {
        let fixtures = root().join("tests/fixtures/sloth-compat");
        let test = fixtures.join(format!("{example}.test.yml"));
        let sloths =
            std::fs::read_to_string(corpus().join(format!("examples/_gen/{example}.yml"))).unwrap();
        promtool_test(&test, &sloths);

        // A relative path: the snapshot holds it.
        let spec = format!("tests/fixtures/sloth-compat/{example}.yml");
        let out = Build::of(&[&spec]).flags(&["--compat", "sloth"]).ok();
        let ours = out.read(&format!("prometheus/{service}.rules.yml"));
        promtool_test(&test, &ours);
        if example == "getting-started" {
            insta::assert_snapshot!("compat_getting_started", ours);
        }
    }
}

/// What stays slofile's: compliance over the period weighted by traffic, under Sloth's series
/// name. A busy error-free half hour then a quiet one with half its requests failing is 0.45%
/// errors on ours; Sloth's average of 5-minute ratios says 22% (Sloth #241), and fails the test.
#[test]
fn period_compliance_is_weighted_by_traffic_where_sloths_is_averaged() {
    let test = root().join("tests/fixtures/sloth-compat/traffic-weighted.test.yml");
    let out = Build::of_paths(&[root().join("tests/fixtures/sloth-compat/getting-started.yml")])
        .flags(&["--compat", "sloth"])
        .ok();
    let ours = out.read("prometheus/myservice.rules.yml");
    promtool_test(&test, &ours);

    let promtool = crate::common::require_tool("promtool");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&test, dir.path().join("sloth.test.yml")).unwrap();
    std::fs::copy(
        corpus().join("examples/_gen/getting-started.yml"),
        dir.path().join("rules.yml"),
    )
    .unwrap();
    let sloths = std::process::Command::new(promtool)
        .args(["test", "rules", "sloth.test.yml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        !sloths.status.success(),
        "Sloth's averaged compliance passes a test of traffic-weighted compliance"
    );
}

/// With `--prometheus-format operator` the same groups come as a `PrometheusRule`, whose rules
/// pass the same tests.
#[test]
fn compat_rules_as_a_prometheus_rule_object() {
    let spec = root().join("tests/fixtures/sloth-compat/getting-started.yml");
    let plain = Build::of_paths(&[&spec]).flags(&["--compat", "sloth"]).ok();
    let operator = Build::of_paths(&[&spec])
        .flags(&["--compat", "sloth", "--prometheus-format", "operator"])
        .ok();
    let text = operator.read("prometheus/myservice.rules.yml");
    let object: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(object["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(object["kind"], "PrometheusRule");
    assert_eq!(
        serde_json::Value::Array(compat_groups(&operator)),
        serde_json::Value::Array(compat_groups(&plain))
    );
    let rule_file =
        serde_saphyr::to_string(&serde_json::json!({ "groups": object["spec"]["groups"] }))
            .unwrap();
    promtool_test(
        &root().join("tests/fixtures/sloth-compat/getting-started.test.yml"),
        &rule_file,
    );
}

/// Sloth names with `_` and `.` build: slofile ids are lower case with dashes, and the names as
/// written stay in Sloth's labels and in the documents. Names Sloth rejects are rejected, each
/// at its node; a key Sloth ignores is a warning with a suggestion.
#[test]
fn sloth_names_as_people_write_them() {
    let fixtures = root().join("tests/fixtures/sloth-compat");
    let plan = plan_with_period(&[fixtures.join("names.yml")], "30d");
    let ids: Vec<(&str, &str)> = plan
        .services
        .iter()
        .flat_map(|s| {
            s.slos
                .iter()
                .map(move |p| (s.meta.id.as_str(), p.slo.id.as_str()))
        })
        .collect();
    assert_eq!(
        ids,
        [
            (
                "example-profile",
                "example-profile-example-profile-availability"
            ),
            ("example-profile", "example-profile-latency-p99"),
        ]
    );

    let out = Build::of_paths(&[fixtures.join("names.yml")])
        .flags(&["--compat", "sloth"])
        .ok();
    let groups = compat_groups(&out);
    let info: Vec<(String, Vec<(String, String)>)> = groups
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap().iter().map(rule_key))
        .filter(|(name, _)| name == "sloth_slo_info")
        .collect();
    let label = |labels: &[(String, String)], name: &str| {
        labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let names: Vec<(String, String, String)> = info
        .iter()
        .map(|(_, l)| {
            (
                label(l, "sloth_service"),
                label(l, "sloth_slo"),
                label(l, "sloth_id"),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            (
                "example.profile".to_owned(),
                "example_profile_availability".to_owned(),
                "example.profile-example_profile_availability".to_owned()
            ),
            (
                "example.profile".to_owned(),
                "Latency.P99".to_owned(),
                "example.profile-Latency.P99".to_owned()
            ),
        ]
    );
    let alerts: Vec<(String, Vec<(String, String)>)> = groups
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap().iter())
        .filter(|r| r.get("alert").is_some())
        .map(rule_key)
        .collect();
    let severities: Vec<(String, String, String)> = alerts
        .iter()
        .map(|(name, l)| {
            (
                name.clone(),
                label(l, "severity"),
                label(l, "sloth_severity"),
            )
        })
        .collect();
    assert_eq!(
        severities,
        [
            (
                "ProfileAvailability".to_owned(),
                "critical".to_owned(),
                "page".to_owned()
            ),
            (
                "ProfileAvailability".to_owned(),
                "warning".to_owned(),
                "ticket".to_owned()
            ),
        ]
    );
    let document = out.read("docs/example-profile.md");
    assert!(
        document.contains("## SLO 1: example_profile_availability"),
        "{document}"
    );
    assert!(document.contains("## SLO 2: Latency.P99"), "{document}");

    // The typo Sloth ignores is a warning, with the key meant.
    let output = run(&[
        "validate",
        "--format",
        "json",
        fixtures.join("names.yml").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let typo: serde_json::Value = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|d| d["code"] == "slofile::unknown_field")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(typo["severity"], "warning", "{typo}");
    assert!(
        typo.to_string().contains("did you mean `description`?"),
        "{typo}"
    );

    // Under --compat sloth the `events` SLO's compliance is weighted by traffic; only the `raw`
    // one's is averaged over time, and only it gets the note.
    let averaged: Vec<String> = out
        .diagnostics()
        .into_iter()
        .filter(|d| d["code"] == "slofile::time_weighted_compliance")
        .map(|d| d["message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(averaged.len(), 1, "{averaged:?}");
    assert!(
        averaged[0].contains("example-profile-latency-p99"),
        "{averaged:?}"
    );

    let bad = fixtures.join("bad-names.yml");
    let (code, errors) = validate(&[&bad], &[]);
    assert_eq!(code, 1);
    assert_eq!(
        errors, ["slofile::invalid_id"; 4],
        "one error per name Sloth rejects"
    );
}

/// Native specs built with `--compat sloth`: Sloth's series named by slofile's ids (one Sloth
/// SLO per percentile objective), and alerts named as slofile's burn alerts that keep the labels
/// slofile's Alertmanager configuration routes on, so a page still reaches the pager.
#[test]
fn compat_rules_of_native_specs() {
    // Relative paths: the snapshot holds them.
    let specs = [
        Path::new("examples/escalation-matrix.yaml"),
        Path::new("examples/latency-percentiles.yaml"),
    ];
    let out = Build::of_paths(&specs).flags(&["--compat", "sloth"]).ok();
    let promtool = crate::common::require_tool("promtool");
    let files = out.files("prometheus");
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        [
            "example-escalation.rules.yml",
            "example-escalation.test.yml",
            "example-escalation.windows.test.yml",
            "example-latency.rules.yml",
            "example-latency.test.yml",
            "example-latency.windows.test.yml"
        ]
    );
    // The rules check, and the generated tests pass on them: several objectives, and a side
    // split by escalation.
    for name in files.keys() {
        let verb = if name.ends_with(".test.yml") {
            "test"
        } else {
            "check"
        };
        crate::common::run_tool_ok(
            &promtool,
            &[verb, "rules", name],
            &out.path().join("prometheus"),
        );
    }
    let groups = compat_groups(&out);
    let alerts: Vec<&serde_json::Value> = groups
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap().iter())
        .filter(|r| r.get("alert").is_some())
        .collect();
    assert!(!alerts.is_empty());
    for alert in &alerts {
        let labels = &alert["labels"];
        for label in ["service", "slo", "severity", "sloth_severity"] {
            assert!(labels[label].is_string(), "{label} on {alert}");
        }
        assert!(
            alert["alert"]
                .as_str()
                .unwrap()
                .ends_with("ErrorBudgetBurn"),
            "{alert}"
        );
    }
    let sloth_ids: Vec<&str> = groups
        .iter()
        .filter_map(|g| {
            g["name"]
                .as_str()?
                .strip_prefix("sloth-slo-meta-recordings-")
        })
        .collect();
    assert_eq!(
        sloth_ids,
        [
            "example-escalation-checkout",
            "example-latency-api-latency-p50",
            "example-latency-api-latency-p95",
            "example-latency-api-latency-p99"
        ]
    );

    // The first page routes to the first escalation level's receivers, as slofile's own would.
    let amtool = crate::common::require_tool("amtool");
    let page = alerts
        .iter()
        .find(|a| a["labels"]["service"] == "example-escalation")
        .unwrap();
    let mut args = vec![
        "config".to_owned(),
        "routes".to_owned(),
        "test".to_owned(),
        "--config.file".to_owned(),
        "alertmanager/alertmanager.yml".to_owned(),
        format!("alertname={}", page["alert"].as_str().unwrap()),
    ];
    for (name, value) in page["labels"].as_object().unwrap() {
        args.push(format!("{name}={}", value.as_str().unwrap()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let receivers = crate::common::run_tool_ok(&amtool, &args, out.path());
    assert!(
        receivers.contains("example-escalation-pager"),
        "{page}: {receivers}"
    );
    insta::assert_snapshot!(
        "compat_escalation_matrix",
        files["example-escalation.rules.yml"]
    );
}

/// Every shipped spec and example builds with `--compat sloth` into rules promtool accepts, and
/// what Sloth's rules cannot hold (static and missing-data alerts, `min_events`) is reported.
#[test]
fn compat_rules_of_every_shipped_spec_pass_promtool_check() {
    let specs = crate::common::shipped_specs();
    let out = Build::of_paths(&specs).flags(&["--compat", "sloth"]).ok();
    let codes: Vec<String> = out
        .diagnostics()
        .into_iter()
        .filter(|d| d["severity"] == "warning")
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    for code in [
        "slofile::alert_not_evaluated",
        "slofile::min_events_ignored",
    ] {
        assert!(codes.iter().any(|c| c == code), "{code}: {codes:?}");
    }
    let files = out.files("prometheus");
    assert!(files.len() >= 10, "{:?}", files.keys());
    let promtool = crate::common::require_tool("promtool");
    let mut args = vec!["check", "rules"];
    args.extend(
        files
            .keys()
            .filter(|name| name.ends_with(".rules.yml"))
            .map(String::as_str),
    );
    crate::common::run_tool_ok(&promtool, &args, &out.path().join("prometheus"));
}

/// `--compat sloth` writes a promtool test file that passes on its rules and holds each tier of
/// Sloth's page and ticket alerts at its edges.
#[test]
fn compat_tests_pass_and_pin_sloths_alerts() {
    let promtool = require_tool("promtool");
    let built = Build::of(&["examples/ratio-bad-events.yaml"])
        .flags(&["--compat", "sloth"])
        .ok();
    let test = built.read("prometheus/example-ratio-bad.test.yml");
    for pinned in [
        "ticket alert CheckoutErrorsErrorBudgetBurn fires: tier 3d/6h at 1.005× its threshold 0.1%: 0.1005% of events fail, after 1h1m, not a minute earlier",
        "ticket alert CheckoutErrorsErrorBudgetBurn stays quiet: tier 3d/6h at 0.995× its threshold 0.1%",
        "page alert CheckoutErrorsErrorBudgetBurn fires: tier 1h/5m at",
    ] {
        assert!(test.contains(pinned), "{pinned}:\n{test}");
    }
    // The bursts, evaluated every five minutes: the 3d/6h tier's take six hours and more.
    let windows = built.read("prometheus/example-ratio-bad.windows.test.yml");
    assert!(windows.contains("evaluation_interval: 5m"), "{windows}");
    for pinned in [
        "a burst that trips only the 6h window of tier 3d/6h stays quiet",
        "a burst that trips only the 3d window of tier 3d/6h stays quiet",
        // Sloth's 6h/30m tier is kept out of the 1h/5m tier's burst by a gap without errors.
        "a burst that trips only the 5m window of tier 1h/5m stays quiet",
        "a burst that trips only the 1h window of tier 1h/5m stays quiet",
    ] {
        assert!(windows.contains(pinned), "{pinned}:\n{windows}");
    }
    let dir = built.path().join("prometheus");
    let output = run_tool_ok(
        &promtool,
        &[
            "test",
            "rules",
            "example-ratio-bad.test.yml",
            "example-ratio-bad.windows.test.yml",
        ],
        &dir,
    );
    assert_eq!(output.matches("SUCCESS").count(), 2, "{output}");
}
