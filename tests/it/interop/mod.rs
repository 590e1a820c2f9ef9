//! Helpers shared by the OpenSLO, Sloth and convert tests.
#![allow(dead_code)]

use crate::common::build::Built;
use crate::common::{require_tool, run_tool_ok};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Every file a build wrote, through every backend, as one text: a golden.
pub fn golden(built: &Built) -> String {
    let out = built.path();
    let mut files = Vec::new();
    collect_files(out, out, &mut files);
    files.sort();
    if files.is_empty() {
        return "(no files: no backend wrote any)\n".to_owned();
    }
    let mut golden = String::new();
    for file in files {
        golden.push_str(&format!("===== {file}\n{}", built.read(&file)));
    }
    golden
}

/// Paths of the files below `dir`, relative to `base`, with `/` separators.
pub fn collect_files(base: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_files(base, &path, out);
        } else {
            out.push(
                path.strip_prefix(base)
                    .unwrap()
                    .display()
                    .to_string()
                    .replace('\\', "/"),
            );
        }
    }
}

/// What promtool did with one build's output.
#[derive(Debug, Default)]
pub struct Promtool {
    pub rule_files: usize,
    pub test_files: usize,
    /// Test files with at least one test group.
    pub non_empty_tests: usize,
    /// `<service>.windows.test.yml` files, which hold tests whenever they are written.
    pub window_test_files: usize,
    pub timings: Vec<(Duration, String)>,
}

/// `promtool check rules` on every generated rule file and `promtool test rules` on every
/// generated test file of a build, each where it was written.
pub fn promtool_everything(built: &Built, what: &str) -> Promtool {
    let promtool = require_tool("promtool");
    let dir = built.path().join("prometheus");
    let mut result = Promtool::default();
    for (name, text) in built.files("prometheus") {
        let started = Instant::now();
        if name.ends_with(".rules.yml") {
            run_tool_ok(&promtool, &["check", "rules", &name], &dir);
            result.rule_files += 1;
        } else if name.ends_with(".windows.test.yml") {
            let output = run_tool_ok(&promtool, &["test", "rules", &name], &dir);
            assert!(output.contains("SUCCESS"), "{what}: {name}:\n{output}");
            assert!(
                !yaml(&text)["tests"].as_array().unwrap().is_empty(),
                "{what}: {name} is written only with tests in it"
            );
            result.window_test_files += 1;
        } else if name.ends_with(".test.yml") {
            let output = run_tool_ok(&promtool, &["test", "rules", &name], &dir);
            assert!(output.contains("SUCCESS"), "{what}: {name}:\n{output}");
            result.test_files += 1;
            if !yaml(&text)["tests"].as_array().unwrap().is_empty() {
                result.non_empty_tests += 1;
            }
        }
        result
            .timings
            .push((started.elapsed(), format!("{what}: {name}")));
    }
    result
}

pub fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text)
        .unwrap_or_else(|e| panic!("generated YAML does not parse: {e}\n{text}"))
}

/// One generated burn-rate alert, read back from a rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct BurnAlert {
    pub slo: String,
    pub service: String,
    pub severity: String,
    /// The windows of the expression, and the labels that name them, which must agree.
    pub long: String,
    pub short: String,
    /// The error ratio both windows are compared with, as printed.
    pub threshold: String,
    /// `for:`, empty when there is none.
    pub for_: String,
    pub labels: BTreeMap<String, String>,
}

/// The burn-rate alerts of a generated rule file: the rules whose expression compares a long and
/// a short window's error ratio with one threshold.
pub fn burn_alerts(rules: &str) -> Vec<BurnAlert> {
    let mut alerts = Vec::new();
    for group in yaml(rules)["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            if rule.get("alert").is_none() || rule["labels"].get("long_window").is_none() {
                continue;
            }
            let expr = rule["expr"].as_str().unwrap();
            let lines: Vec<&str> = expr.lines().collect();
            let comparison = |line: &str| -> (String, String) {
                let rest = line.strip_prefix("slo:sli_error:ratio_rate").unwrap();
                let window = rest[..rest.find('{').unwrap()].to_owned();
                let threshold = rest.rsplit_once(" > ").unwrap().1.to_owned();
                (window, threshold)
            };
            let (long, threshold) = comparison(lines[0]);
            assert_eq!(lines[1], "and", "{expr}");
            let (short, short_threshold) = comparison(lines[2]);
            assert_eq!(threshold, short_threshold, "one threshold: {expr}");
            let labels: BTreeMap<String, String> = rule["labels"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect();
            assert_eq!(labels["long_window"], long, "{expr}");
            assert_eq!(labels["short_window"], short, "{expr}");
            alerts.push(BurnAlert {
                slo: labels["slo"].clone(),
                service: labels["service"].clone(),
                severity: labels["severity"].clone(),
                long,
                short,
                threshold,
                for_: rule["for"].as_str().unwrap_or_default().to_owned(),
                labels,
            });
        }
    }
    alerts
}
