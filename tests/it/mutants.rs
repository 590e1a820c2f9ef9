//! The mutation check of the generated promtool tests: small changes to the generated alert rules
//! (a threshold scaled by 0.9, 1.1, 0.98 or 1.02, `for` dropped, the long-and-short `and` turned
//! into `or`, a `min_events` guard dropped), each run against the unchanged test file with real
//! `promtool test rules`. A mutant is killed when the tests fail.
//!
//! `./scripts/test.sh` runs a deterministic sample and asserts every sampled mutant is killed;
//! `scripts/mutate-rules.sh` (`SLOFILE_MUTANTS=all`) runs every mutant of every spec and example,
//! prints the score per kind, and fails on a survivor of the kinds the tests must kill.

use crate::common::build::Build;
use crate::common::{require_tool, root, shipped_specs};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

/// One mutation of one alert rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Every comparison with the alert's threshold, scaled by `num / 100`.
    Scale(u32),
    /// The long or the short window's comparison alone scaled (burn-rate alerts).
    ScaleOne(u32),
    DropFor,
    AndToOr,
    DropGuard,
}

impl Kind {
    fn label(self) -> String {
        match self {
            Kind::Scale(p) => format!("threshold ×{}", f64::from(p) / 100.0),
            Kind::ScaleOne(p) => format!("one window's threshold ×{}", f64::from(p) / 100.0),
            Kind::DropFor => "`for` dropped".to_owned(),
            Kind::AndToOr => "long `and` short → `or`".to_owned(),
            Kind::DropGuard => "min_events guard dropped".to_owned(),
        }
    }

    /// The kinds the generated tests must kill every mutant of.
    fn required(self) -> bool {
        !matches!(self, Kind::Scale(98 | 102) | Kind::ScaleOne(98 | 102))
    }
}

const SCALES: [u32; 4] = [90, 110, 98, 102];

struct Mutant {
    /// `spec: service rules file`.
    source: String,
    /// The alert and what tells it from others of its name.
    alert: String,
    kind: Kind,
    dir: PathBuf,
    test_file: String,
    rules_file: String,
    rules: String,
}

/// A line of an alert expression that compares with a number: `… > 0.0144`.
fn threshold_of(line: &str) -> Option<(usize, f64)> {
    let trimmed = line.trim_end();
    let at = trimmed.rfind(' ')?;
    let number = &trimmed[at + 1..];
    let before = trimmed[..at].trim_end();
    if !(before.ends_with(" >") || before.ends_with(" <") || before.ends_with(")>")) {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    Some((at + 1, value))
}

fn scaled(value: f64, percent: u32) -> String {
    format!("{}", value * f64::from(percent) / 100.0)
}

/// The expression with the threshold comparisons that `pick` selects scaled.
fn scale_lines(expr: &str, percent: u32, pick: impl Fn(usize) -> bool) -> String {
    let mut seen = 0;
    expr.lines()
        .map(|line| match threshold_of(line) {
            Some((at, value)) => {
                let index = seen;
                seen += 1;
                if pick(index) {
                    format!("{}{}", &line[..at], scaled(value, percent))
                } else {
                    line.to_owned()
                }
            }
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The expression without its `min_events` guard: the trailing `and … >= N`.
fn drop_guard(expr: &str) -> Option<String> {
    let lines: Vec<&str> = expr.lines().collect();
    let last = lines.last()?;
    let (head, tail) = last.rsplit_once(" >= ")?;
    if tail.parse::<u64>().is_err() || !head.contains("sum_over_time") || lines.len() < 3 {
        return None;
    }
    let and = lines[lines.len() - 2];
    and.starts_with("and")
        .then(|| lines[..lines.len() - 2].join("\n"))
}

/// The mutations of one alert rule.
fn mutations(rule: &Value) -> Vec<(Kind, Value)> {
    let expr = rule["expr"].as_str().unwrap_or_default();
    let mut out = Vec::new();
    let with_expr = |text: String| {
        let mut changed = rule.clone();
        changed["expr"] = Value::String(text);
        changed
    };
    let thresholds: Vec<f64> = expr
        .lines()
        .filter_map(threshold_of)
        .map(|(_, v)| v)
        .collect();
    if thresholds.iter().any(|v| *v != 0.0) {
        for percent in SCALES {
            out.push((
                Kind::Scale(percent),
                with_expr(scale_lines(expr, percent, |_| true)),
            ));
        }
    }
    let burn = thresholds.len() == 2 && expr.contains("\nand\n");
    if burn {
        for percent in SCALES {
            for one in 0..2 {
                out.push((
                    Kind::ScaleOne(percent),
                    with_expr(scale_lines(expr, percent, |i| i == one)),
                ));
            }
        }
        out.push((
            Kind::AndToOr,
            with_expr(expr.replacen("\nand\n", "\nor\n", 1)),
        ));
    }
    if let Some(text) = drop_guard(expr) {
        out.push((Kind::DropGuard, with_expr(text)));
    }
    if rule.get("for").is_some() {
        let mut changed = rule.clone();
        changed.as_object_mut().unwrap().remove("for");
        out.push((Kind::DropFor, changed));
    }
    out
}

/// How an alert is told apart from the others of its name in reports.
fn describe(rule: &Value) -> String {
    let labels = &rule["labels"];
    let mut text = rule["alert"].as_str().unwrap_or_default().to_owned();
    for key in [
        "severity",
        "long_window",
        "short_window",
        "objective",
        "rule",
    ] {
        if let Some(value) = labels.get(key).and_then(Value::as_str) {
            text.push_str(&format!(" {key}={value}"));
        }
    }
    text
}

/// Every mutant of every rule file of `specs` built with `flags`, the files kept in `keep`.
fn mutants(
    specs: &[(String, Vec<&str>)],
    keep: &mut Vec<crate::common::build::Built>,
) -> Vec<Mutant> {
    let mut all = Vec::new();
    for (spec, flags) in specs {
        let built = Build::of(&[spec]).flags(flags).ok();
        let dir = built.path().join("prometheus");
        let files = built.files("prometheus");
        for (name, text) in &files {
            let Some(stem) = name.strip_suffix(".rules.yml") else {
                continue;
            };
            let test_file = format!("{stem}.test.yml");
            assert!(
                files.contains_key(&test_file),
                "{spec}: {name} has no test file"
            );
            let file: Value = serde_saphyr::from_str(text).unwrap();
            for (g, group) in file["groups"].as_array().unwrap().iter().enumerate() {
                for (r, rule) in group["rules"].as_array().unwrap().iter().enumerate() {
                    if rule.get("alert").is_none() {
                        continue;
                    }
                    for (kind, changed) in mutations(rule) {
                        let mut mutated = file.clone();
                        mutated["groups"][g]["rules"][r] = changed;
                        all.push(Mutant {
                            source: format!("{spec}: {name}"),
                            alert: describe(rule),
                            kind,
                            dir: dir.clone(),
                            test_file: test_file.clone(),
                            rules_file: name.clone(),
                            // JSON is YAML: promtool reads it as the rule file.
                            rules: serde_json::to_string_pretty(&mutated).unwrap(),
                        });
                    }
                }
            }
        }
        keep.push(built);
    }
    all
}

/// Runs the tests against one mutant: whether they fail.
fn killed(promtool: &Path, mutant: &Mutant) -> bool {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(&mutant.rules_file), &mutant.rules).unwrap();
    std::fs::copy(
        mutant.dir.join(&mutant.test_file),
        dir.path().join(&mutant.test_file),
    )
    .unwrap();
    let output = Command::new(promtool)
        .args(["test", "rules", &mutant.test_file])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        !text.contains("error loading rules") && !text.contains("yaml:"),
        "{} {}: the mutant does not load:\n{text}",
        mutant.source,
        mutant.kind.label()
    );
    !output.status.success()
}

/// Every spec and example; with `--compat sloth`, the Sloth specs of the corpus too.
fn sources() -> Vec<(String, Vec<&'static str>)> {
    let mut specs: Vec<(String, Vec<&str>)> = shipped_specs()
        .iter()
        .map(|p| {
            let relative = p
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (relative, Vec::new())
        })
        .collect();
    // `SLOFILE_MUTANTS_ONLY=examples/ratio` keeps the sources whose path contains it.
    if let Ok(only) = std::env::var("SLOFILE_MUTANTS_ONLY") {
        specs.retain(|(spec, _)| spec.contains(&only));
    }
    specs.sort();
    specs
}

/// Runs `mutants` over the cores, and returns each with whether it was killed.
fn run_all(promtool: &Path, mutants: &[Mutant]) -> Vec<bool> {
    let results = Mutex::new(vec![false; mutants.len()]);
    let next = Mutex::new(0usize);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = {
                        let mut next = next.lock().unwrap();
                        let index = *next;
                        *next += 1;
                        index
                    };
                    let Some(mutant) = mutants.get(index) else {
                        return;
                    };
                    let dead = killed(promtool, mutant);
                    results.lock().unwrap()[index] = dead;
                }
            });
        }
    });
    results.into_inner().unwrap()
}

#[test]
fn generated_tests_kill_mutated_alerts() {
    let promtool = require_tool("promtool");
    let everything = std::env::var("SLOFILE_MUTANTS").is_ok_and(|v| v == "all");
    let mut keep = Vec::new();
    let started = Instant::now();
    let mut all = mutants(&sources(), &mut keep);
    let total = all.len();
    assert!(
        total > 100 || std::env::var("SLOFILE_MUTANTS_ONLY").is_ok(),
        "only {total} mutants"
    );
    if !everything {
        // A deterministic sample: every 23rd mutant of the examples, whose test files run in well
        // under a second each, and of the required kinds.
        all = all
            .into_iter()
            .enumerate()
            .filter(|(i, m)| i % 23 == 0 && m.source.starts_with("examples/") && m.kind.required())
            .map(|(_, m)| m)
            .collect();
    }
    let results = run_all(&promtool, &all);
    let mut score: BTreeMap<Kind, (usize, usize)> = BTreeMap::new();
    let mut survivors = Vec::new();
    for (mutant, dead) in all.iter().zip(&results) {
        let entry = score.entry(mutant.kind).or_default();
        entry.1 += 1;
        if *dead {
            entry.0 += 1;
        } else {
            survivors.push(format!(
                "{}: {}: {}",
                mutant.source,
                mutant.alert,
                mutant.kind.label()
            ));
        }
    }
    let killed: usize = score.values().map(|(k, _)| k).sum();
    eprintln!(
        "{killed} of {} mutants killed ({} generated) in {:.1}s",
        all.len(),
        total,
        started.elapsed().as_secs_f64()
    );
    for (kind, (dead, count)) in &score {
        eprintln!("  {:<32} {dead:>4} / {count:<4}", kind.label());
    }
    for survivor in &survivors {
        eprintln!("survived: {survivor}");
    }
    let required: Vec<&Mutant> = all
        .iter()
        .zip(&results)
        .filter(|(m, dead)| m.kind.required() && !**dead)
        .map(|(m, _)| m)
        .collect();
    assert!(
        required.is_empty(),
        "{} mutants the generated tests must kill survived: {:?}",
        required.len(),
        required
            .iter()
            .map(|m| format!("{}: {}: {}", m.source, m.alert, m.kind.label()))
            .collect::<Vec<_>>()
    );
}
