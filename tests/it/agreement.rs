//! Every output says the same about which alerts exist, for every shipped spec and example.
//!
//! The alerts are read back from each output's own text, structurally: the Prometheus rule
//! file's alerting rules, the lines of `explain`, the bullets and tables of the Markdown document,
//! the Sentry monitors' conditions and the lines of `diff` against an empty plan. A burn-rate
//! alert is `(SLO, severity, long window)`, counted once per objective it fires for; a static alert
//! is `(SLO, id)`. Any output that describes an alert the rule file leaves out, or misses one it
//! holds, fails here.

use slofile::compile::Plan;
use slofile::diagnostics::Report;
use slofile::emit::{EmitOptions, emit_all};
use slofile::units::Duration;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A burn-rate alert: SLO id, severity, long window (as `Duration::human` prints it).
type Burn = (String, String, String);
/// A static alert: SLO id, alert id.
type Static = (String, String);

#[derive(Debug, Default, PartialEq)]
struct Alerts {
    /// How many alerting rules (one per objective) each burn-rate tier has.
    burn: BTreeMap<Burn, usize>,
    statics: BTreeSet<Static>,
}

impl Alerts {
    fn burn(&mut self, slo: &str, severity: &str, long: &str) {
        *self
            .burn
            .entry((slo.to_owned(), severity.to_owned(), long.to_owned()))
            .or_default() += 1;
    }

    /// Only the alerts of the given SLOs.
    fn of(&self, slos: &BTreeSet<String>) -> Alerts {
        Alerts {
            burn: self
                .burn
                .iter()
                .filter(|((slo, _, _), _)| slos.contains(slo))
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            statics: self
                .statics
                .iter()
                .filter(|(slo, _)| slos.contains(slo))
                .cloned()
                .collect(),
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shipped_specs() -> Vec<PathBuf> {
    let mut specs = Vec::new();
    for dir in ["specs", "examples"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                specs.push(path);
            }
        }
    }
    specs.sort();
    assert!(specs.len() >= 10, "{specs:?}");
    specs
}

fn plan_of(path: &Path) -> Plan {
    let mut report = Report::default();
    let plan = slofile::plan(&[path.to_path_buf()], &mut report).unwrap();
    assert_eq!(
        report.error_count(),
        0,
        "{}: {:?}",
        path.display(),
        report.diagnostics
    );
    plan.unwrap()
}

fn human(prometheus: &str) -> String {
    Duration::parse(prometheus).unwrap().human()
}

/// `page` from `Page`, `ticket` from `tickets`, `sev` from ``Alert `sev` ``.
fn severity(verb: &str) -> String {
    if let Some(rest) = verb.split('`').nth(1) {
        return rest.to_owned();
    }
    let verb = verb.to_lowercase();
    verb.trim_end_matches('s').to_owned()
}

fn from_rules(text: &str) -> Alerts {
    let file: serde_json::Value = serde_saphyr::from_str(text).unwrap();
    let mut alerts = Alerts::default();
    for group in file["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            let Some(name) = rule["alert"].as_str() else {
                continue;
            };
            // The heartbeat is the service's, not an SLO's: no output describes it per SLO.
            if name == "SlofileHeartbeat" {
                continue;
            }
            let labels = &rule["labels"];
            let slo = labels["slo"].as_str().unwrap();
            if let Some(long) = labels["long_window"].as_str() {
                alerts.burn(slo, labels["severity"].as_str().unwrap(), &human(long));
            } else if let Some(id) = rule["annotations"]["description"]
                .as_str()
                .and_then(|d| d.strip_prefix("Static alert `"))
                .and_then(|d| d.split('`').next())
            {
                alerts.statics.insert((slo.to_owned(), id.to_owned()));
            } else {
                // Missing-data and missing-bucket guards watch the data, not the objective; the
                // policy's alerts are compared by `policies_of_rules`.
                assert!(
                    name.ends_with("SliDataMissing")
                        || name.ends_with("HistogramBucketMissing")
                        || name.ends_with("ErrorBudgetPolicy"),
                    "unknown alert {name}"
                );
            }
        }
    }
    alerts
}

/// The error-budget policy's rules each SLO's alerts check: `(slo, rule)`.
fn policies_of_rules(text: &str) -> BTreeSet<(String, String)> {
    let file: serde_json::Value = serde_saphyr::from_str(text).unwrap();
    let mut policies = BTreeSet::new();
    for group in file["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            if rule["alert"]
                .as_str()
                .is_some_and(|name| name.ends_with("ErrorBudgetPolicy"))
            {
                let labels = &rule["labels"];
                policies.insert((
                    labels["slo"].as_str().unwrap().to_owned(),
                    labels["rule"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    policies
}

/// The error-budget policy's rules the document states in each SLO's "Budget policy" section.
fn policies_of_markdown(
    text: &str,
    titles: &BTreeMap<String, String>,
) -> BTreeSet<(String, String)> {
    let mut policies = BTreeSet::new();
    let mut slo: Option<String> = None;
    let mut in_policy = false;
    for line in text.lines() {
        if line.starts_with('#') {
            let heading = line.trim_start_matches('#').trim();
            let heading = heading.split_once(": ").map_or(heading, |(_, title)| title);
            if let Some(id) = titles.get(heading) {
                slo = Some(id.clone());
            }
            in_policy = heading == "Budget policy";
            continue;
        }
        let (Some(id), true, Some(item)) = (&slo, in_policy, line.strip_prefix("- ")) else {
            continue;
        };
        // A rule of a further objective starts with its label.
        let item = item.split_once(": ").map_or(item, |(label, rest)| {
            if label.contains(' ') && !label.starts_with("freeze") && !label.starts_with("warn") {
                rest
            } else {
                item
            }
        });
        let rule = if item.starts_with("freeze feature deploys below") {
            "freeze_below"
        } else if item.starts_with("freeze feature deploys when") {
            "freeze_if_burned"
        } else if item.starts_with("warn below") {
            "warn_below"
        } else {
            continue;
        };
        policies.insert((id.clone(), rule.to_owned()));
    }
    policies
}

fn from_explain(text: &str) -> Alerts {
    let mut alerts = Alerts::default();
    let mut slo = "";
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("  ")
            && !rest.starts_with(' ')
            && let Some((id, _)) = rest.split_once(": ")
        {
            slo = id;
        } else if let Some(rest) = line.strip_prefix("      ")
            && !rest.starts_with(' ')
            && let Some((verb, rest)) = rest.split_once(" when ")
            && let Some(long) = rest
                .split_once(" burns within ")
                .and_then(|(_, r)| r.split_once(" (checked again"))
                .map(|(long, _)| long)
        {
            let verb = verb.split(" (").next().unwrap();
            alerts.burn(slo, &severity(verb), long);
        } else if let Some(rest) = line.strip_prefix("    static alert  ")
            && !rest.contains("not evaluated by any system")
            && !rest.contains("documentation only")
        {
            let id = rest.split(':').next().unwrap();
            alerts.statics.insert((slo.to_owned(), id.to_owned()));
        }
    }
    alerts
}

/// The alerts the Markdown document describes, and the SLOs whose alerts Sentry evaluates.
fn from_markdown(text: &str, titles: &BTreeMap<String, String>) -> (Alerts, BTreeSet<String>) {
    let mut alerts = Alerts::default();
    let mut sentry = BTreeSet::new();
    let mut slo: Option<(String, usize)> = None;
    let mut in_fence = false;
    for line in text.lines() {
        if line.starts_with("```") || line.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if line.starts_with('#') {
            let level = line.chars().take_while(|c| *c == '#').count();
            let heading = line[level..].trim();
            let heading = match heading.split_once(": ") {
                Some((number, title)) if number.starts_with("SLO ") => title,
                _ => heading,
            };
            match titles.get(heading) {
                Some(id) => slo = Some((id.clone(), level)),
                None if slo.as_ref().is_some_and(|(_, l)| level <= *l) => slo = None,
                None => {}
            }
            continue;
        }
        let Some((id, _)) = &slo else {
            continue;
        };
        if line.starts_with("Sentry evaluates this SLO.") {
            sentry.insert(id.clone());
        }
        if let Some(rest) = line.strip_prefix("- **")
            && let Some((verb, rest)) = rest.split_once("**")
        {
            if let Some(long) = rest
                .split_once(" burns within ")
                .filter(|_| !rest.contains("of an objective's"))
                .and_then(|(_, r)| r.split_once(": the error ratio"))
                .map(|(long, _)| long)
            {
                alerts.burn(id, &severity(verb), long);
            } else if let Some((before, _)) = rest.split_once(". Fires when ") {
                let alert = before.split('`').nth(1).unwrap();
                alerts.statics.insert((id.clone(), alert.to_owned()));
            }
        } else if line.starts_with("| ") {
            // The table of a multi-objective SLO: `| objective | Page within 1 hour | … | when |`.
            let cells: Vec<&str> = line.split(" | ").collect();
            if cells.len() == 5
                && let Some((verb, long)) = cells[1].split_once(" within ")
                && !cells[4].starts_with("never")
            {
                alerts.burn(id, &severity(verb), long);
            }
        }
    }
    (alerts, sentry)
}

fn from_diff(text: &str) -> Alerts {
    let mut alerts = Alerts::default();
    let mut slo = "";
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("**SLO `") {
            slo = rest.split('`').next().unwrap();
            continue;
        }
        let Some(item) = line.strip_prefix("- ") else {
            continue;
        };
        // Objectives of a multi-objective SLO prefix their lines with `p95 ≤ 500 ms: `.
        let item = match (item.find("static alert `"), item.find('`')) {
            (Some(start), _) => &item[start..],
            (None, Some(start)) if item.contains(" fires at ") => &item[start..],
            _ => item,
        };
        if let Some(rest) = item.strip_prefix('`')
            && let Some((severity, rest)) = rest.split_once("` ")
            && let Some((windows, _)) = rest.split_once(" fires at ")
        {
            let long = windows.split('/').next().unwrap();
            alerts.burn(slo, severity, &human(long));
        } else if let Some(rest) = item.strip_prefix("static alert `")
            && !rest.contains("(not evaluated by any system")
            && !rest.contains("(documentation only")
        {
            let id = rest.split('`').next().unwrap();
            alerts.statics.insert((slo.to_owned(), id.to_owned()));
        }
    }
    alerts
}

/// The error thresholds of Sentry's failure-rate conditions, by SLO.
fn from_sentry(text: &str) -> BTreeMap<String, Vec<f64>> {
    let file: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut thresholds: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for monitor in file["monitors"].as_array().into_iter().flatten() {
        let key = monitor["key"].as_str().unwrap();
        let (slo, what) = key.split_once('/').unwrap();
        let entry = thresholds.entry(slo.to_owned()).or_default();
        if !what.starts_with("failure-rate") {
            continue;
        }
        for condition in monitor["body"]["conditionGroup"]["conditions"]
            .as_array()
            .unwrap()
        {
            if condition["type"] == "gt" {
                entry.push(condition["comparison"].as_f64().unwrap());
            }
        }
    }
    thresholds
}

#[test]
fn every_output_describes_the_alerts_of_the_rule_files() {
    let mut checked = 0;
    for path in shipped_specs() {
        let plan = plan_of(&path);
        let files = emit_all(&plan, &EmitOptions::default()).files;
        let file = |name: String| {
            files
                .iter()
                .find(|f| f.path == name)
                .map(|f| f.contents.clone())
        };
        let explained = from_explain(&slofile::explain::explain(&plan));
        let empty = Plan {
            services: Vec::new(),
            notes: Vec::new(),
        };
        let diffed = from_diff(&slofile::diff::diff(&empty, &plan).markdown());
        for service in &plan.services {
            let id = &service.meta.id;
            let slos: BTreeSet<String> = service.slos.iter().map(|s| s.slo.id.clone()).collect();
            let prometheus: BTreeSet<String> = service
                .slos
                .iter()
                .filter(|s| s.measure.is_some())
                .map(|s| s.slo.id.clone())
                .collect();
            let rules = file(format!("prometheus/{id}.rules.yml"))
                .map(|text| from_rules(&text))
                .unwrap_or_default();
            let titles = service
                .slos
                .iter()
                .map(|s| (s.slo.title.clone(), s.slo.id.clone()))
                .collect();
            let document = file(format!("docs/{id}.md")).unwrap();
            let (documented, sentry_slos) = from_markdown(&document, &titles);
            // Every rule the policy's alerts check is stated in the document, and the document
            // states no rule of a Prometheus SLO that no alert checks.
            let policy_alerts = file(format!("prometheus/{id}.rules.yml"))
                .map(|text| policies_of_rules(&text))
                .unwrap_or_default();
            let stated: BTreeSet<(String, String)> = policies_of_markdown(&document, &titles)
                .into_iter()
                .filter(|(slo, _)| prometheus.contains(slo))
                .collect();
            assert_eq!(stated, policy_alerts, "Budget policy, {}", path.display());
            let context = format!("{} / {id}", path.display());

            assert_eq!(explained.of(&slos), rules, "explain, {context}");
            assert_eq!(documented.of(&prometheus), rules, "Markdown, {context}");
            assert_eq!(diffed.of(&prometheus), rules, "diff, {context}");

            // Sentry evaluates the SLOs Prometheus does not, each condition at the threshold of a
            // tier every other output describes.
            let sentry = file(format!("sentry/{id}.json"))
                .map(|text| from_sentry(&text))
                .unwrap_or_default();
            for (slo, thresholds) in &sentry {
                assert!(!prometheus.contains(slo), "{context}: {slo} alerts twice");
                assert!(sentry_slos.contains(slo), "{context}: {slo}");
                let plan = service.slos.iter().find(|s| &s.slo.id == slo).unwrap();
                for threshold in thresholds {
                    assert!(
                        plan.objectives.iter().any(|o| o.alerting_tiers().any(|t| {
                            let exact: f64 = t.error_threshold.to_decimal().parse().unwrap();
                            (exact - threshold).abs() < 1e-12
                        })),
                        "{context}: Sentry watches {slo} at {threshold}, which no tier fires at"
                    );
                }
            }
            checked += rules.burn.len() + rules.statics.len();
        }
    }
    assert!(checked > 50, "only {checked} alerts compared");
}

#[test]
fn an_alert_no_system_evaluates_is_never_said_to_fire() {
    let text = "apiVersion: slofile/v1
service: uptime
channels:
  - {id: ops, type: email, target: ops@example.com}
slos:
  - id: api
    objective: 99.5%
    sli:
      probe: {provider: uptimerobot, url: https://example.com/health, interval: 5m}
    alerts:
      - {id: uptime-low, summary: Uptime below 99%, signal: compliance, below: 99%}
      - {id: noted, signal: compliance, below: 98%, documentation_only: true}
";
    let (report, files) = slofile::build_source(
        "uptime.yaml",
        text.as_bytes().to_vec(),
        &slofile::LoadOptions::default(),
    );
    let warnings: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == slofile::diagnostics::Severity::Warning)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(
        warnings[0].code,
        slofile::diagnostics::Code::AlertNotEvaluated
    );
    assert!(warnings[0].message.contains("`api`") && warnings[0].message.contains("`uptime-low`"));
    assert!(warnings[0].help.as_deref().unwrap().contains("`metric`"));
    let document = &files
        .iter()
        .find(|f| f.path == "docs/uptime.md")
        .unwrap()
        .contents;
    for id in ["uptime-low", "noted"] {
        let line = document
            .lines()
            .find(|l| l.starts_with(&format!("- `{id}`")))
            .unwrap_or_else(|| panic!("{document}"));
        assert!(line.contains("Not evaluated by any system yet"), "{line}");
        assert!(!line.to_lowercase().contains("fires"), "{line}");
    }
    assert!(!files.iter().any(|f| f.path.starts_with("prometheus/")));
}

#[test]
fn a_sampled_tier_that_never_holds_min_events_is_left_out_everywhere() {
    let text = "apiVersion: slofile/v1
service: queue
slos:
  - id: dlq
    title: DLQ depth
    objective: 99%
    min_events: 20
    sli:
      gauge: {query: dlq_depth, below: 10, slice: 5m}
";
    let mut report = Report::default();
    let plan = slofile::plan_sources(
        vec![("queue.yaml".to_owned(), text.as_bytes().to_vec())],
        &slofile::LoadOptions::default(),
        &mut report,
    )
    .unwrap();
    // 1 h of 5-minute slices holds 12 samples, fewer than 20; 6 h and 3 d hold enough.
    let left_out: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == slofile::diagnostics::Code::TierCannotFire)
        .collect();
    assert_eq!(left_out.len(), 1, "{left_out:?}");
    assert!(left_out[0].message.contains("1h/5m"), "{left_out:?}");
    let slo = &plan.services[0].slos[0];
    let long: Vec<String> = slo.objectives[0]
        .alerting_tiers()
        .map(|t| t.long.to_string())
        .collect();
    assert_eq!(long, ["6h", "3d"]);
    let windows: Vec<String> = slo
        .recorded_windows()
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    assert_eq!(windows, ["5m", "30m", "6h", "3d"]);

    let files = emit_all(&plan, &EmitOptions::default()).files;
    let rules = from_rules(
        &files[files
            .iter()
            .position(|f| f.path == "prometheus/queue.rules.yml")
            .unwrap()]
        .contents,
    );
    assert_eq!(rules.burn.len(), 2, "{rules:?}");
    assert_eq!(from_explain(&slofile::explain::explain(&plan)), rules);
    let document = &files
        .iter()
        .find(|f| f.path == "docs/queue.md")
        .unwrap()
        .contents;
    let titles = [("DLQ depth".to_owned(), "dlq".to_owned())]
        .into_iter()
        .collect();
    assert_eq!(from_markdown(document, &titles).0, rules);
    assert!(
        document
            .contains("1 hour holds at most 12 time slices of 5 minutes, fewer than min_events 20"),
        "{document}"
    );
}
