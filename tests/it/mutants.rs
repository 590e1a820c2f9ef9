//! The mutation check of the generated promtool tests: small changes to the generated alert rules
//! (a threshold scaled by 0.9, 1.1, 0.98 or 1.02, `for` dropped, the long-and-short `and` turned
//! into `or`, a `min_events` guard dropped), each run against the unchanged test file with real
//! `promtool test rules`. A mutant is killed when the tests fail.
//!
//! `./scripts/test.sh` runs a deterministic sample and asserts every sampled mutant is killed;
//! `scripts/mutate-rules.sh` (`SLOFILE_MUTANTS=all`) runs every mutant of every spec and example,
//! prints the score per kind, and fails on a survivor of the kinds the tests must kill.

use crate::common::{require_tool, root, shipped_specs};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// An SLO's rule file and test files, cut to it (see [`cut_rules`]), and the rule file as
/// text.
type Cut = (Value, Arc<Vec<(String, String)>>, Arc<String>);

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

    /// The kinds the generated tests must kill every mutant of: a threshold 10% off, `for`
    /// dropped, `or` for `and`, the guard dropped. The others are scored, not required.
    fn required(self) -> bool {
        matches!(
            self,
            Kind::Scale(90 | 110) | Kind::DropFor | Kind::AndToOr | Kind::DropGuard
        )
    }
}

const SCALES: [u32; 4] = [90, 110, 98, 102];

/// Mutants of a required kind that no input measured as the SLI is measured can tell from the
/// rules they mutate: `(source, alert, kind)`, as the report names them.
///
/// Sloth's page alert ORs its 1h/5m tier with its 6h/30m tier, whose threshold is lower, and the
/// samples of these SLIs are a minute apart. While the 1h window has not filled, the 6h window
/// reads the same samples, and a bad sample in the 5m window is one in the 30m window (at least
/// 1/31 of it, above the 6h/30m threshold): wherever the 1h/5m tier holds, at its threshold or
/// 10% off, the 6h/30m tier holds too, so the alert is the same. Once the 1h window has filled it
/// reads `k` bad of 60 samples (61 in Prometheus 2), and no whole `k` lies between the threshold
/// and the mutant's: for 6.72% (99.5%), 4.03 < k ≤ 4.44 at ×1.1; for 1.344% (99.9%), k < 1 at
/// ×0.9 and ×1.1. (At ×0.9 the gauge's 1h/5m tier has `k = 4`, 6.67%, and its test kills it.)
const EQUIVALENT: &[(&str, &str, Kind)] = &[
    (
        "examples/gauge-time-slices.yaml (--compat sloth): example-gauge.rules.yml",
        "QueueBacklogErrorBudgetBurn severity=page threshold 0.0672",
        Kind::Scale(110),
    ),
    (
        "examples/probe-blackbox.yaml (--compat sloth): example-probe-blackbox.rules.yml",
        "HomepageUpErrorBudgetBurn severity=page threshold 0.01344",
        Kind::Scale(90),
    ),
    (
        "examples/probe-blackbox.yaml (--compat sloth): example-probe-blackbox.rules.yml",
        "HomepageUpErrorBudgetBurn severity=page threshold 0.01344",
        Kind::Scale(110),
    ),
];

impl Mutant {
    /// Whether the mutant is one of the [`EQUIVALENT`] ones.
    fn equivalent(&self) -> bool {
        EQUIVALENT.iter().any(|(source, alert, kind)| {
            self.source == *source && self.alert == *alert && self.kind == *kind
        })
    }
}

struct Mutant {
    /// `spec: service rules file`.
    source: String,
    /// The alert and what tells it from others of its name (and the threshold a scale scales).
    alert: String,
    kind: Kind,
    rules_file: String,
    rules: String,
    /// The test files (`<service>.test.yml` and `<service>.windows.test.yml`, by name) cut to the
    /// SLO's tests, and the rule file cut to its rules, unchanged; shared by its mutants.
    tests: Arc<Vec<(String, String)>>,
    original: Arc<String>,
}

/// A line of an alert expression that compares with a number: `… > 0.0144`, or Sloth's
/// `max(… > 0.0144) without (sloth_window)`. The number's start and its value.
fn threshold_of(line: &str) -> Option<(usize, usize, f64)> {
    for op in [" > ", " < "] {
        let Some(at) = line.rfind(op) else {
            continue;
        };
        let start = at + op.len();
        let rest = &line[start..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')))
            .unwrap_or(rest.len());
        let tail = rest[end..].trim();
        if end == 0 || !(tail.is_empty() || tail.starts_with(')')) {
            continue;
        }
        let value: f64 = rest[..end].parse().ok()?;
        return Some((start, start + end, value));
    }
    None
}

fn scaled(value: f64, percent: u32) -> String {
    format!("{}", value * f64::from(percent) / 100.0)
}

/// The expression with the threshold comparisons that `pick` selects (by index and value)
/// scaled.
fn scale_lines(expr: &str, percent: u32, pick: impl Fn(usize, f64) -> bool) -> String {
    let mut seen = 0;
    expr.lines()
        .map(|line| match threshold_of(line) {
            Some((start, end, value)) => {
                let index = seen;
                seen += 1;
                if pick(index, value) {
                    format!(
                        "{}{}{}",
                        &line[..start],
                        scaled(value, percent),
                        &line[end..]
                    )
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

/// The mutations of one alert rule, each with the threshold it scales, where it scales one.
fn mutations(rule: &Value) -> Vec<(Kind, Option<f64>, Value)> {
    let expr = rule["expr"].as_str().unwrap_or_default();
    let mut out = Vec::new();
    let with_expr = |text: String| {
        let mut changed = rule.clone();
        changed["expr"] = Value::String(text);
        changed
    };
    let lines: Vec<&str> = expr.lines().collect();
    let thresholds: Vec<f64> = lines
        .iter()
        .filter_map(|l| threshold_of(l))
        .map(|(_, _, v)| v)
        .collect();
    // Each threshold value of the alert, every comparison with it scaled.
    let mut values: Vec<f64> = thresholds.iter().copied().filter(|v| *v != 0.0).collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    for value in values {
        for percent in SCALES {
            out.push((
                Kind::Scale(percent),
                Some(value),
                with_expr(scale_lines(expr, percent, |_, v| {
                    v.to_bits() == value.to_bits()
                })),
            ));
        }
    }
    // Each comparison alone, where the alert has several windows.
    if thresholds.len() >= 2 {
        for percent in SCALES {
            for one in 0..thresholds.len() {
                out.push((
                    Kind::ScaleOne(percent),
                    None,
                    with_expr(scale_lines(expr, percent, |i, _| i == one)),
                ));
            }
        }
    }
    // Each `and` between two windows' comparisons.
    for (i, line) in lines.iter().enumerate() {
        let between = i > 0
            && i + 1 < lines.len()
            && threshold_of(lines[i - 1]).is_some()
            && threshold_of(lines[i + 1]).is_some();
        if line.trim() == "and" && between {
            let mut changed: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
            changed[i] = line.replace("and", "or");
            out.push((Kind::AndToOr, None, with_expr(changed.join("\n"))));
        }
    }
    if let Some(text) = drop_guard(expr) {
        out.push((Kind::DropGuard, None, with_expr(text)));
    }
    if rule.get("for").is_some() {
        let mut changed = rule.clone();
        changed.as_object_mut().unwrap().remove("for");
        out.push((Kind::DropFor, None, changed));
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

/// The rule file cut to one SLO's rule groups. Under `--compat sloth` an SLO with several
/// objectives records its SLIs as `sloth_slo="<slo>-<objective>"`, without slofile's `slo`
/// label; a prefix may take in another SLO's groups too, which costs time, not correctness.
fn cut_rules(rules: &Value, slo: &str) -> Value {
    let prefix = format!("{slo}-");
    let of_slo = |rule: &Value| {
        slo_of(rule) == Some(slo)
            || rule["labels"]["sloth_slo"]
                .as_str()
                .is_some_and(|s| s.starts_with(&prefix))
    };
    let groups: Vec<Value> = rules["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["rules"].as_array().unwrap().iter().any(of_slo))
        .cloned()
        .collect();
    let mut cut = rules.clone();
    cut["groups"] = Value::Array(groups);
    cut
}

/// A test file cut to the SLO of `rules` (cut by [`cut_rules`]): its tests (the assertions on its
/// alerts and series) in the groups it shares with others. Other SLOs' rules read none of its
/// series and their tests assert nothing about its alerts (the packing keeps their series apart),
/// so its mutants die or live alike in the whole files and the cut ones, and promtool evaluates a
/// fraction of the rules.
fn cut_tests(rules: &Value, tests: &Value, slo: &str) -> Value {
    let groups = rules["groups"].as_array().unwrap();
    let names: Vec<&str> = groups.iter().filter_map(|g| g["name"].as_str()).collect();
    let alerts: Vec<&str> = groups
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
        .filter_map(|r| r["alert"].as_str())
        .collect();
    let mut cut_tests = tests.clone();
    if let Some(order) = cut_tests.get_mut("group_eval_order") {
        let kept: Vec<Value> = order
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| names.contains(&n.as_str().unwrap_or_default()))
            .cloned()
            .collect();
        *order = Value::Array(kept);
    }
    let mut quoted = vec![format!("slo=\"{slo}\"")];
    quoted.extend(
        groups
            .iter()
            .flat_map(|g| g["rules"].as_array().unwrap())
            .filter_map(|r| r["labels"]["sloth_id"].as_str())
            .map(|id| format!("sloth_id=\"{id}\"")),
    );
    let mut kept_groups = Vec::new();
    for group in tests["tests"].as_array().unwrap() {
        let mut group = group.clone();
        let object = group.as_object_mut().unwrap();
        let mut any = false;
        if let Some(Value::Array(list)) = object.get_mut("alert_rule_test") {
            list.retain(|t| alerts.contains(&t["alertname"].as_str().unwrap_or_default()));
            any |= !list.is_empty();
        }
        if let Some(Value::Array(list)) = object.get_mut("promql_expr_test") {
            list.retain(|t| {
                let expr = t["expr"].as_str().unwrap_or_default();
                quoted.iter().any(|q| expr.contains(q.as_str()))
            });
            any |= !list.is_empty();
        }
        if any {
            kept_groups.push(group);
        }
    }
    cut_tests["tests"] = Value::Array(kept_groups);
    cut_tests
}

/// The SLO a rule belongs to: `slo`, or Sloth's `sloth_slo`.
fn slo_of(rule: &Value) -> Option<&str> {
    let labels = &rule["labels"];
    labels["slo"]
        .as_str()
        .or_else(|| labels["sloth_slo"].as_str())
}

/// The slofile binary whose output is scored: this build's, or `SLOFILE_MUTANTS_BIN` (say, the
/// previous release's, for a before-and-after).
fn slofile_binary() -> PathBuf {
    std::env::var_os("SLOFILE_MUTANTS_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_slofile")),
        PathBuf::from,
    )
}

/// Every mutant of every rule file of `specs`, each built with its flags.
fn mutants(specs: &[(String, Vec<&str>)]) -> Vec<Mutant> {
    let mut all = Vec::new();
    for (spec, flags) in specs {
        let out = tempfile::tempdir().unwrap();
        let output = Command::new(slofile_binary())
            .arg("build")
            .arg(spec)
            .arg("-o")
            .arg(out.path())
            .args(flags)
            .current_dir(root())
            .output()
            .unwrap();
        assert!(output.status.success(), "{spec}: {output:?}");
        let dir = out.path().join("prometheus");
        if !dir.is_dir() {
            continue;
        }
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in &names {
            let Some(stem) = name.strip_suffix(".rules.yml") else {
                continue;
            };
            let test_file = format!("{stem}.test.yml");
            if !names.contains(&test_file) && std::env::var_os("SLOFILE_MUTANTS_BIN").is_some() {
                eprintln!("{spec} {flags:?}: {name} has no test file; its mutants are not counted");
                continue;
            }
            assert!(
                names.contains(&test_file),
                "{spec}: {name} has no test file"
            );
            let test_files: Vec<(String, Value)> = [test_file, format!("{stem}.windows.test.yml")]
                .into_iter()
                .filter(|file| names.contains(file))
                .map(|file| {
                    let tests = serde_saphyr::from_str(&read(&file)).unwrap();
                    (file, tests)
                })
                .collect();
            let file: Value = serde_saphyr::from_str(&read(name)).unwrap();
            let mut cut: BTreeMap<String, Cut> = BTreeMap::new();
            for group in file["groups"].as_array().unwrap() {
                for (r, rule) in group["rules"].as_array().unwrap().iter().enumerate() {
                    let Some(slo) = slo_of(rule) else {
                        continue;
                    };
                    if rule.get("alert").is_none() {
                        continue;
                    }
                    let (rules, tests, original) = cut.entry(slo.to_owned()).or_insert_with(|| {
                        let rules = cut_rules(&file, slo);
                        let tests = test_files
                            .iter()
                            .map(|(name, tests)| {
                                let cut = cut_tests(&rules, tests, slo);
                                (name.clone(), serde_json::to_string_pretty(&cut).unwrap())
                            })
                            .collect();
                        let original = serde_json::to_string_pretty(&rules).unwrap();
                        (rules, Arc::new(tests), Arc::new(original))
                    });
                    let g = rules["groups"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .position(|other| other["name"] == group["name"])
                        .unwrap();
                    for (kind, threshold, changed) in mutations(rule) {
                        let mut mutated = rules.clone();
                        mutated["groups"][g]["rules"][r] = changed;
                        all.push(Mutant {
                            source: format!(
                                "{spec}{}: {name}",
                                if flags.is_empty() {
                                    ""
                                } else {
                                    " (--compat sloth)"
                                }
                            ),
                            alert: match threshold {
                                Some(value) => format!("{} threshold {value}", describe(rule)),
                                None => describe(rule),
                            },
                            kind,
                            rules_file: name.clone(),
                            // JSON is YAML: promtool reads it as the rule file.
                            rules: serde_json::to_string_pretty(&mutated).unwrap(),
                            tests: Arc::clone(tests),
                            original: Arc::clone(original),
                        });
                    }
                }
            }
        }
    }
    all
}

/// Runs the tests against one mutant: whether they fail.
fn killed(promtool: &Path, mutant: &Mutant) -> bool {
    fails(promtool, mutant, &mutant.rules)
}

/// Runs the mutant's cut test file against `rules`: whether it fails.
fn fails(promtool: &Path, mutant: &Mutant, rules: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(&mutant.rules_file), rules).unwrap();
    for (name, tests) in mutant.tests.iter() {
        std::fs::write(dir.path().join(name), tests).unwrap();
    }
    let output = Command::new(promtool)
        .args(["test", "rules"])
        .args(mutant.tests.iter().map(|(name, _)| name))
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

/// Every spec and example, built as it is and with `--compat sloth`; for the suite's sample,
/// the examples as they are.
fn sources(everything: bool) -> Vec<(String, Vec<&'static str>)> {
    let mut specs: Vec<(String, Vec<&str>)> = Vec::new();
    for path in shipped_specs() {
        let relative = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if !everything && !relative.starts_with("examples/") {
            continue;
        }
        specs.push((relative.clone(), Vec::new()));
        if everything {
            specs.push((relative, vec!["--compat", "sloth"]));
        }
    }
    // `SLOFILE_MUTANTS_ONLY=examples/ratio` keeps the sources whose path contains it;
    // `SLOFILE_MUTANTS_BUILDS=native` or `sloth` the builds as they are or with `--compat sloth`.
    if let Ok(only) = std::env::var("SLOFILE_MUTANTS_ONLY") {
        specs.retain(|(spec, _)| spec.contains(&only));
    }
    match std::env::var("SLOFILE_MUTANTS_BUILDS").as_deref() {
        Ok("native") => specs.retain(|(_, flags)| flags.is_empty()),
        Ok("sloth") => specs.retain(|(_, flags)| !flags.is_empty()),
        _ => {}
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
                    if !dead {
                        // As it is found: the whole run takes long.
                        eprintln!(
                            "survived: {}: {}: {}",
                            mutant.source,
                            mutant.alert,
                            mutant.kind.label()
                        );
                    }
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
    let started = Instant::now();
    let mut all = mutants(&sources(everything));
    let total = all.len();
    assert!(
        total > 50 || std::env::var("SLOFILE_MUTANTS_ONLY").is_ok(),
        "only {total} mutants"
    );
    if !everything {
        // A deterministic sample of the required kinds: every 61st mutant of the examples.
        all = all
            .into_iter()
            .enumerate()
            .filter(|(i, m)| i % 61 == 0 && m.kind.required())
            .map(|(_, m)| m)
            .collect();
    }
    // The cut files pass as they are, so a failure is the mutant's doing.
    let mut checked = std::collections::BTreeSet::new();
    for mutant in &all {
        if checked.insert(Arc::as_ptr(&mutant.original)) {
            assert!(
                !fails(&promtool, mutant, &mutant.original),
                "{}: the tests cut to {} fail without a mutation",
                mutant.source,
                mutant.alert
            );
        }
    }
    eprintln!("{} mutants to run", all.len());
    let results = run_all(&promtool, &all);
    let mut score: BTreeMap<Kind, (usize, usize)> = BTreeMap::new();
    for (mutant, dead) in all.iter().zip(&results) {
        let entry = score.entry(mutant.kind).or_default();
        entry.1 += 1;
        entry.0 += usize::from(*dead);
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
    let (equivalent, required): (Vec<&Mutant>, Vec<&Mutant>) = all
        .iter()
        .zip(&results)
        .filter(|(m, dead)| m.kind.required() && !**dead)
        .map(|(m, _)| m)
        .partition(|m| m.equivalent());
    for mutant in &equivalent {
        eprintln!(
            "equivalent, not required: {}: {}: {}",
            mutant.source,
            mutant.alert,
            mutant.kind.label()
        );
    }
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
