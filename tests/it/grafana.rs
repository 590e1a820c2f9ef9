//! The Grafana backend: goldens of the dashboards of `specs/` and a grouped example; the
//! structure Grafana imports; every panel query reads a series the same build's rules record (or
//! `ALERTS`), for every shipped spec and example; every panel query runs in a real Prometheus over
//! backfilled data, and the main panels of the seed dashboards show finite numbers; links from
//! alerts and documents; the ConfigMap format; and the panel reference in `docs/outputs.md`.

use crate::common::build::{Build, Built};
use crate::common::prometheus_server::PrometheusServer;
use crate::common::root;
use promql_parser::parser::{self, Expr};
use promql_parser::util::{ExprVisitor, walk_expr};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The dashboards of a build, by service id.
fn dashboards(built: &Built) -> BTreeMap<String, Value> {
    built
        .files("grafana")
        .into_iter()
        .filter_map(|(name, text)| {
            let service = name.strip_suffix(".json")?.to_owned();
            let json = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("grafana/{name} is not JSON: {e}"));
            Some((service, json))
        })
        .collect()
}

/// Every panel, the children of collapsed rows included, in order.
fn panels(dashboard: &Value) -> Vec<&Value> {
    let mut all = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        all.push(panel);
        if let Some(children) = panel["panels"].as_array() {
            all.extend(children);
        }
    }
    all
}

/// One query of a panel.
struct Query {
    panel: String,
    expr: String,
    /// A constant drawn as a line rather than data.
    reference: bool,
}

/// Every panel query of a dashboard, and the selector each label variable reads its values from.
fn queries(dashboard: &Value) -> Vec<Query> {
    let mut all = Vec::new();
    for panel in panels(dashboard) {
        let overrides = panel["fieldConfig"]["overrides"].as_array();
        for target in panel["targets"].as_array().into_iter().flatten() {
            let ref_id = &target["refId"];
            let reference = overrides.into_iter().flatten().any(|o| {
                o["matcher"]["options"] == *ref_id && o["properties"][0]["id"] == "custom.lineStyle"
            });
            all.push(Query {
                panel: panel["title"].as_str().unwrap().to_owned(),
                expr: target["expr"].as_str().unwrap().to_owned(),
                reference,
            });
        }
    }
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        if variable["type"] == "query" {
            let definition = variable["definition"].as_str().unwrap();
            let inner = definition
                .strip_prefix("label_values(")
                .and_then(|rest| rest.rsplit_once(','))
                .map_or_else(
                    || panic!("not a label_values query: {definition}"),
                    |(selector, _)| selector.to_owned(),
                );
            all.push(Query {
                panel: format!("variable {}", variable["name"]),
                expr: inner,
                reference: false,
            });
        }
    }
    all
}

/// The Grafana variables of a dashboard's label filters.
fn label_variables(dashboard: &Value) -> Vec<String> {
    dashboard["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["type"] == "query")
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect()
}

/// A query as Grafana sends it: the range start as Unix seconds, label variables as regexes.
fn substitute(expr: &str, range_start: i64, variables: &BTreeMap<String, String>) -> String {
    let mut text = expr.replace("${__from:date:seconds}", &range_start.to_string());
    for (name, value) in variables {
        text = text.replace(&format!("${name}"), value);
    }
    text
}

/// A selector: metric name and equality matchers.
#[derive(Debug)]
struct Selector {
    name: String,
    equal: BTreeMap<String, String>,
    regex: BTreeMap<String, String>,
}

struct Selectors(Vec<Selector>);

impl ExprVisitor for Selectors {
    type Error = ();
    fn pre_visit(&mut self, expr: &Expr) -> Result<bool, ()> {
        let vs = match expr {
            Expr::VectorSelector(vs) => vs,
            Expr::MatrixSelector(ms) => &ms.vs,
            _ => return Ok(true),
        };
        let mut selector = Selector {
            name: vs.name.clone().unwrap_or_default(),
            equal: BTreeMap::new(),
            regex: BTreeMap::new(),
        };
        for matcher in &vs.matchers.matchers {
            let op = matcher.op.to_string();
            match op.as_str() {
                "=" => selector
                    .equal
                    .insert(matcher.name.clone(), matcher.value.clone()),
                "=~" => selector
                    .regex
                    .insert(matcher.name.clone(), matcher.value.clone()),
                other => panic!("unexpected matcher {other} in a dashboard query"),
            };
        }
        self.0.push(selector);
        Ok(true)
    }
}

fn selectors(expr: &str) -> Vec<Selector> {
    let parsed = parser::parse(expr).unwrap_or_else(|e| panic!("`{expr}` does not parse: {e}"));
    let mut visitor = Selectors(Vec::new());
    walk_expr(&mut visitor, &parsed).unwrap();
    visitor.0
}

/// One recording rule: its SLO's group (the first, which `:2`, `:3` continue), its series name
/// and its labels.
struct Recorded {
    group: String,
    record: String,
    labels: BTreeMap<String, String>,
}

fn recorded(rules: &str) -> Vec<Recorded> {
    let file: Value = serde_saphyr::from_str(rules).unwrap();
    let mut all = Vec::new();
    for group in file["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            if let Some(record) = rule["record"].as_str() {
                let labels = rule["labels"]
                    .as_object()
                    .map(|l| {
                        l.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default();
                all.push(Recorded {
                    group: crate::common::slo_group(group["name"].as_str().unwrap()).to_owned(),
                    record: record.to_owned(),
                    labels,
                });
            }
        }
    }
    all
}

#[test]
fn dashboards_of_the_specs_and_a_grouped_example() {
    let built = Build::of(&["specs", "examples/tenants-min-events.yaml"]).ok();
    let grafana = built.files("grafana");
    assert_eq!(
        grafana.keys().collect::<Vec<_>>(),
        [
            "dealix.json",
            "example-tenants.json",
            "nexus.json",
            "provisioning.yaml"
        ]
    );
    for (name, text) in grafana {
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn every_service_with_rules_gets_a_dashboard_whose_panels_read_only_recorded_series() {
    let built = Build::of(&["specs", "examples"]).ok();
    let rules = built.files("prometheus");
    let dashboards = dashboards(&built);
    let with_rules: BTreeSet<String> = rules
        .keys()
        .filter_map(|name| name.strip_suffix(".rules.yml").map(str::to_owned))
        .collect();
    assert!(with_rules.len() > 10, "{with_rules:?}");
    assert_eq!(
        dashboards.keys().cloned().collect::<BTreeSet<_>>(),
        with_rules
    );
    for (service, dashboard) in &dashboards {
        let recorded = recorded(&rules[&format!("{service}.rules.yml")]);
        let variables = label_variables(dashboard);
        let mut alerts_seen = false;
        for query in queries(dashboard) {
            let expr = substitute(&query.expr, 0, &BTreeMap::new());
            let found = selectors(&expr);
            assert!(
                query.reference || !found.is_empty(),
                "{service}: `{}` reads no series",
                query.panel
            );
            for selector in found {
                let context = format!("{service}: {} reads `{expr}`", query.panel);
                assert_eq!(
                    selector.equal.get("service"),
                    Some(service),
                    "{context}: not this service"
                );
                for label in selector.regex.keys() {
                    assert!(
                        variables.contains(label),
                        "{context}: `{label}` has no variable"
                    );
                    assert_eq!(selector.regex[label], format!("${label}"), "{context}");
                }
                if selector.name == "ALERTS" {
                    alerts_seen = true;
                    continue;
                }
                let group = selector
                    .equal
                    .get("slo")
                    .map(|slo| format!("slofile:{service}:{slo}"));
                let matches = recorded.iter().any(|rule| {
                    rule.record == selector.name
                        && group.as_ref().is_none_or(|g| *g == rule.group)
                        && selector
                            .equal
                            .iter()
                            .filter(|(k, _)| k.as_str() != "slo" && k.as_str() != "service")
                            .all(|(k, v)| rule.labels.get(k) == Some(v))
                });
                assert!(
                    matches,
                    "{context}: `{}` with {:?} is not recorded by the rules",
                    selector.name, selector.equal
                );
            }
        }
        assert!(alerts_seen, "{service}: no panel shows the alerts");
    }
}

#[test]
fn dashboards_have_the_structure_grafana_imports() {
    // Neither `@grafana/schema` (TypeScript types and CUE-generated interfaces, no validator)
    // nor `grafana-foundation-sdk` (builders, no validator for a whole dashboard) checks a
    // dashboard JSON offline, so this test holds the rules of Grafana's dashboard JSON model
    // that an import depends on.
    let built = Build::of(&["specs", "examples"]).ok();
    let mut uids = BTreeSet::new();
    for (service, dashboard) in dashboards(&built) {
        let top = dashboard.as_object().unwrap();
        for key in ["id", "version", "iteration", "created", "updated"] {
            assert!(
                !top.contains_key(key),
                "{service}: `{key}` changes between imports"
            );
        }
        let uid = top["uid"].as_str().unwrap();
        assert!(uid.len() <= 40 && !uid.is_empty(), "{service}: uid {uid}");
        assert!(
            uid.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{service}: uid {uid}"
        );
        assert!(uids.insert(uid.to_owned()), "{service}: uid {uid} is taken");
        let schema = top["schemaVersion"].as_u64().unwrap();
        assert!(
            (36..=41).contains(&schema),
            "{service}: schemaVersion {schema}"
        );
        assert!(!top["title"].as_str().unwrap().is_empty());
        assert!(top["time"]["from"].as_str().unwrap().starts_with("now-"));

        let variables = top["templating"]["list"].as_array().unwrap();
        assert_eq!(variables[0]["name"], "datasource");
        assert_eq!(variables[0]["type"], "datasource");
        assert_eq!(variables[0]["query"], "prometheus");
        for variable in &variables[1..] {
            assert_eq!(variable["type"], "query", "{service}");
            assert_eq!(variable["multi"], true);
            assert_eq!(variable["includeAll"], true);
            assert_eq!(variable["allValue"], ".*");
            assert_eq!(variable["datasource"]["uid"], "${datasource}");
        }

        // Top-level panels share the grid; the panels of a collapsed row share it when it opens.
        let mut grids: BTreeMap<u64, BTreeSet<(u64, u64)>> = BTreeMap::new();
        let mut in_row: BTreeMap<u64, u64> = BTreeMap::new();
        for row in top["panels"].as_array().unwrap() {
            for child in row["panels"].as_array().into_iter().flatten() {
                in_row.insert(child["id"].as_u64().unwrap(), row["id"].as_u64().unwrap());
            }
        }
        let mut ids = BTreeSet::new();
        for panel in panels(&dashboard) {
            let id = panel["id"].as_u64().unwrap();
            assert!(ids.insert(id), "{service}: panel id {id} twice");
            let kind = panel["type"].as_str().unwrap();
            assert!(
                ["row", "stat", "timeseries", "state-timeline"].contains(&kind),
                "{service}: panel type {kind}"
            );
            let grid = &panel["gridPos"];
            let (x, y, w, h) = (
                grid["x"].as_u64().unwrap(),
                grid["y"].as_u64().unwrap(),
                grid["w"].as_u64().unwrap(),
                grid["h"].as_u64().unwrap(),
            );
            assert!(
                w >= 1 && h >= 1 && x + w <= 24,
                "{service}: panel {id} at {grid}"
            );
            let grid = grids
                .entry(in_row.get(&id).copied().unwrap_or(0))
                .or_default();
            for cx in x..x + w {
                for cy in y..y + h {
                    assert!(grid.insert((cx, cy)), "{service}: panel {id} overlaps");
                }
            }
            if kind == "row" {
                assert!(!panel["title"].as_str().unwrap().is_empty());
                continue;
            }
            assert_eq!(
                panel["datasource"]["uid"], "${datasource}",
                "{service}: {id}"
            );
            let description = panel["description"].as_str().unwrap();
            assert!(
                description.ends_with('.') && description.matches(". ").count() == 0,
                "{service}: panel {id} needs one sentence: {description}"
            );
            let targets = panel["targets"].as_array().unwrap();
            assert!(!targets.is_empty());
            let mut refs = BTreeSet::new();
            for target in targets {
                assert_eq!(target["datasource"]["uid"], "${datasource}");
                assert!(refs.insert(target["refId"].as_str().unwrap().to_owned()));
            }
            for o in panel["fieldConfig"]["overrides"].as_array().unwrap() {
                assert!(refs.contains(o["matcher"]["options"].as_str().unwrap()));
            }
        }
    }
    let provisioning: Value =
        serde_saphyr::from_str(&built.files("grafana")["provisioning.yaml"]).unwrap();
    assert_eq!(provisioning["apiVersion"], 1);
    let provider = &provisioning["providers"][0];
    assert_eq!(provider["type"], "file");
    assert!(
        provider["options"]["path"]
            .as_str()
            .unwrap()
            .starts_with('/')
    );
}

#[test]
fn grafana_setting_links_alerts_and_documents_to_the_slos_row() {
    let built = Build::of(&["examples/tenants-min-events.yaml"]).ok();
    let dashboard = &dashboards(&built)["example-tenants"];
    let uid = dashboard["uid"].as_str().unwrap();
    let rules = &built.files("prometheus")["example-tenants.rules.yml"];
    let url_start = format!("https://grafana.example.com/d/{uid}/");
    let annotation = rules
        .lines()
        .find_map(|line| line.trim().strip_prefix("dashboard: "))
        .expect("alerts carry a dashboard annotation");
    assert!(annotation.starts_with(&url_start), "{annotation}");
    let panel: u64 = annotation
        .rsplit_once("viewPanel=")
        .unwrap()
        .1
        .parse()
        .unwrap();
    let target = panels(dashboard)
        .into_iter()
        .find(|p| p["id"] == panel)
        .expect("the link opens a panel of the dashboard");
    assert!(target["title"].as_str().unwrap().starts_with("Compliance"));
    let document = &built.files("docs")["example-tenants.md"];
    assert!(document.contains(annotation), "{document}");
}

#[test]
fn configmaps_for_the_grafana_sidecar_carry_the_same_dashboard() {
    let plain = Build::of(&["specs/nexus.yaml"]).ok();
    let wrapped = Build::of(&["specs/nexus.yaml"])
        .flags(&["--grafana-format", "configmap"])
        .ok();
    let grafana = wrapped.files("grafana");
    assert_eq!(grafana.keys().collect::<Vec<_>>(), ["nexus.yaml"]);
    let map: Value = serde_saphyr::from_str(&grafana["nexus.yaml"]).unwrap();
    assert_eq!(map["kind"], "ConfigMap");
    assert_eq!(map["metadata"]["labels"]["grafana_dashboard"], "1");
    assert_eq!(map["metadata"]["annotations"]["grafana_folder"], "SLOs");
    let inside = map["data"]["nexus.json"].as_str().unwrap();
    assert_eq!(inside, plain.files("grafana")["nexus.json"]);
}

#[test]
fn builds_are_deterministic_whatever_the_input_order() {
    let forward = Build::of(&["specs/nexus.yaml", "specs/dealix.yaml", "examples"]).ok();
    let backward = Build::of(&["examples", "specs/dealix.yaml", "specs/nexus.yaml"]).ok();
    let grafana = forward.files("grafana");
    assert!(grafana.len() > 10);
    assert_eq!(grafana, backward.files("grafana"));
}

/// The panel titled `title` in the row of the SLO at `position` (from 0).
fn row_panel<'a>(dashboard: &'a Value, position: u64, title: &str) -> &'a Value {
    let ids = 100 * (position + 1)..100 * (position + 2);
    panels(dashboard)
        .into_iter()
        .find(|p| p["title"] == title && ids.contains(&p["id"].as_u64().unwrap()))
        .unwrap_or_else(|| panic!("no panel {title} in row {position}"))
}

/// The values a panel's colour steps start at; the base step starts at `null`.
fn step_values(thresholds: &Value) -> Vec<Value> {
    thresholds["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["value"].clone())
        .collect()
}

fn default_steps(panel: &Value) -> Vec<Value> {
    step_values(&panel["fieldConfig"]["defaults"]["thresholds"])
}

#[test]
fn the_budget_panels_carry_the_error_budget_policys_levels() {
    use serde_json::json;
    let built = Build::of(&["specs"]).ok();
    let dashboards = dashboards(&built);
    // NEXUS: warn below 50%, freeze below 0% of a 3 h 21 m 36 s budget.
    let nexus = &dashboards["nexus"];
    let share = row_panel(nexus, 0, "Error budget left");
    assert_eq!(default_steps(share), [json!(null), json!(0), json!(0.5)]);
    let description = share["description"].as_str().unwrap();
    assert!(
        description.contains("red below 0%, where feature deploys freeze")
            && description.contains("orange below 50%, where the policy warns"),
        "{description}"
    );
    let time = row_panel(nexus, 0, "Error budget left as time");
    assert_eq!(default_steps(time), [json!(null), json!(0), json!(6048)]);
    // Stats draw no lines; the burn-down draws the levels across the time series.
    let burn_down = row_panel(nexus, 0, "Error budget burn-down");
    assert_eq!(
        default_steps(burn_down),
        [json!(null), json!(0), json!(0.5)]
    );
    let custom = &burn_down["fieldConfig"]["defaults"]["custom"];
    assert_eq!(custom["thresholdsStyle"]["mode"], "line+area");

    // Dealix has no policy: the default steps, no lines (its first row is its third SLO's).
    let dealix = &dashboards["dealix"];
    let share = row_panel(dealix, 2, "Error budget left");
    assert_eq!(default_steps(share), [json!(null), json!(0), json!(0.25)]);
    let burn_down = row_panel(dealix, 2, "Error budget burn-down");
    assert_eq!(default_steps(burn_down), [json!(null)]);
    let custom = &burn_down["fieldConfig"]["defaults"]["custom"];
    assert!(custom.get("thresholdsStyle").is_none(), "{custom}");
}

#[test]
fn each_objective_colours_its_budget_time_at_its_own_policy_levels() {
    use serde_json::json;
    let spec = std::fs::read_to_string(root().join("examples/latency-percentiles.yaml")).unwrap();
    let spec = spec.replace(
        "service: example-latency\n",
        "service: example-latency\nerror_budget_policy: {warn_below: 50%, freeze_below: 10%}\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latency.yaml");
    std::fs::write(&path, spec).unwrap();
    let built = Build::of_paths(&[&path]).ok();
    let dashboard = &dashboards(&built)["example-latency"];
    // Budgets over 28 days: p50 50% = 14 days, p95 5% = 1 d 9 h 36 m, p99 1% = 6 h 43 m 12 s.
    let time = row_panel(dashboard, 0, "Error budget left as time");
    assert_eq!(
        default_steps(time),
        [json!(null), json!(120_960), json!(604_800)]
    );
    let overrides: Vec<(String, Vec<Value>)> = time["fieldConfig"]["overrides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let property = &o["properties"][0];
            assert_eq!(property["id"], "thresholds");
            (
                o["matcher"]["options"].as_str().unwrap().to_owned(),
                step_values(&property["value"]),
            )
        })
        .collect();
    assert_eq!(
        overrides,
        [
            (
                "B".to_owned(),
                vec![json!(null), json!(12_096), json!(60_480)]
            ),
            (
                "C".to_owned(),
                vec![json!(null), json!(2_419.2), json!(12_096)]
            ),
        ]
    );
    let description = time["description"].as_str().unwrap();
    assert!(
        description.contains("orange below 7 days or 16 h 48 m or 3 h 21 m 36 s (50%)"),
        "{description}"
    );
}

const REFERENCE_START: &str = "<!-- grafana-panels: start -->\n";
const REFERENCE_END: &str = "<!-- grafana-panels: end -->";
const REFERENCE_SPECS: [&str; 3] = [
    "examples/tenants-min-events.yaml",
    "examples/latency-percentiles.yaml",
    "examples/gauge-time-slices.yaml",
];

#[test]
fn outputs_md_lists_every_panel_as_the_backend_builds_it() {
    let inputs: Vec<PathBuf> = REFERENCE_SPECS.iter().map(|p| root().join(p)).collect();
    let mut report = slofile::diagnostics::Report::default();
    let plan = slofile::plan(&inputs, &mut report).unwrap().unwrap();
    let generated = slofile::emit::grafana::reference::markdown(&plan);
    let path = root().join("docs/outputs.md");
    let docs = std::fs::read_to_string(&path).unwrap();
    let (before, rest) = docs
        .split_once(REFERENCE_START)
        .expect("docs/outputs.md has the panel reference markers");
    let (current, after) = rest.split_once(REFERENCE_END).unwrap();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{before}{REFERENCE_START}{generated}{REFERENCE_END}{after}");
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(
        current, generated,
        "docs/outputs.md is out of date: run `UPDATE_DOCS=1 cargo test --test grafana outputs_md`"
    );
}

// --- A real Prometheus ---------------------------------------------------------------------

/// One series of a promtool test file: its selector text and its values, one per interval.
fn expand(values: &str) -> Vec<Option<f64>> {
    let mut out = Vec::new();
    for token in values.split_whitespace() {
        if token == "_" || token == "stale" {
            out.push(None);
            continue;
        }
        if let Some(count) = token.strip_prefix("_x") {
            out.extend(std::iter::repeat_n(
                None,
                count.parse::<usize>().unwrap() + 1,
            ));
            continue;
        }
        let Some((series, count)) = token.split_once('x') else {
            out.push(Some(token.parse().unwrap()));
            continue;
        };
        let count: usize = count.parse().unwrap();
        // `a+bxn` or `a-bxn`; the sign of `a` itself is not a step.
        let split = series[1..].find(['+', '-']).map(|i| i + 1);
        let (start, step) = match split {
            Some(i) => (
                series[..i].parse::<f64>().unwrap(),
                series[i..].parse::<f64>().unwrap(),
            ),
            None => (series.parse::<f64>().unwrap(), 0.0),
        };
        for n in 0..=count {
            out.push(Some(start + step * n as f64));
        }
    }
    out
}

/// OpenMetrics text for the raw series of every promtool test of a build, laid out so that the
/// last sample is `end`: each series once, from the first test that feeds it.
fn openmetrics_from_tests(tests: &[String], end: i64) -> String {
    let mut series: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    for text in tests {
        let file: Value = serde_saphyr::from_str(text).unwrap();
        for test in file["tests"].as_array().unwrap() {
            assert_eq!(test["interval"], "1m", "the tests step by minutes");
            for input in test["input_series"].as_array().into_iter().flatten() {
                let name = input["series"].as_str().unwrap().to_owned();
                series
                    .entry(name)
                    .or_insert_with(|| expand(input["values"].as_str().unwrap()));
            }
        }
    }
    let mut out = String::new();
    for (name, values) in series {
        let start = end - 60 * (values.len() as i64 - 1);
        for (i, value) in values.iter().enumerate() {
            if let Some(value) = value {
                out.push_str(&format!("{name} {value} {}\n", start + 60 * i as i64));
            }
        }
    }
    out.push_str("# EOF\n");
    out
}

/// A rule file whose groups the server evaluates every second.
fn evaluated_every_second(rules: &str, path: &Path) -> PathBuf {
    let mut out = String::new();
    for line in rules.lines() {
        out.push_str(line);
        out.push('\n');
        if let Some(rest) = line.strip_prefix("- name: ") {
            assert!(rest.starts_with("slofile:"), "{line}");
            out.push_str("  interval: 1s\n");
        }
    }
    assert!(
        out.contains("  interval: 1s\n"),
        "no rule group in:\n{rules}"
    );
    std::fs::write(path, out).unwrap();
    path.to_path_buf()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The numbers of an instant query's answer.
fn numbers(data: &Value) -> Vec<f64> {
    data["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|sample| sample["value"][1].as_str().unwrap().parse::<f64>().unwrap())
        .collect()
}

/// Panels whose queries must show numbers for the seeds; the burn-down needs a range of
/// recorded history and the alerts panel is empty while nothing fires.
fn is_main_panel(title: &str) -> bool {
    [
        "Compliance",
        "Error budget left",
        "Burn rate",
        "Traffic",
        "Within",
        "Good time",
    ]
    .iter()
    .any(|start| title.starts_with(start))
}

#[test]
fn every_panel_query_runs_in_a_real_prometheus_and_the_seed_panels_show_numbers() {
    let built = Build::of(&["specs"]).ok();
    let prometheus = built.files("prometheus");
    let tests: Vec<String> = prometheus
        .iter()
        .filter(|(name, _)| name.ends_with(".test.yml"))
        .map(|(_, text)| text.clone())
        .collect();
    // Raw data ends before the server starts: rules evaluated live append after it.
    let openmetrics = openmetrics_from_tests(&tests, now() - 30);
    let rule_files: Vec<PathBuf> = prometheus
        .iter()
        .filter(|(name, _)| name.ends_with(".rules.yml"))
        .map(|(name, text)| {
            evaluated_every_second(text, &built.path().join(format!("live-{name}")))
        })
        .collect();
    let server = PrometheusServer::start(&openmetrics, &rule_files);

    // Every SLO's budget series is the last its rules record; wait (bounded) until each has
    // been evaluated a few times.
    let dashboards = dashboards(&built);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let at = now();
        let budgets = numbers(&server.query("slo:error_budget_remaining:ratio", at)).len();
        let slos: usize = prometheus
            .iter()
            .filter(|(name, _)| name.ends_with(".rules.yml"))
            .map(|(_, text)| {
                recorded(text)
                    .iter()
                    .filter(|r| r.record == "slo:error_budget_remaining:ratio")
                    .count()
            })
            .sum();
        if budgets >= slos {
            std::thread::sleep(std::time::Duration::from_secs(3));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "only {budgets} of {slos} budget series after 60 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }

    let at = now();
    let mut checked = 0;
    for (service, dashboard) in &dashboards {
        let range_start = at - 28 * 86_400;
        // Every label variable: All, and one real value read the way Grafana reads it.
        let mut settings = vec![BTreeMap::new()];
        let mut one_value = BTreeMap::new();
        for name in label_variables(dashboard) {
            settings[0].insert(name.clone(), ".*".to_owned());
            let selector = queries(dashboard)
                .into_iter()
                .find(|q| q.panel == format!("variable \"{name}\""))
                .unwrap()
                .expr;
            let found = server.query(&selector, at);
            let value = found["result"][0]["metric"][&name]
                .as_str()
                .unwrap_or_else(|| panic!("{service}: no value of `{name}` in {found}"))
                .to_owned();
            one_value.insert(name, value);
        }
        if !one_value.is_empty() {
            settings.push(one_value);
        }
        for variables in &settings {
            for query in queries(dashboard) {
                let expr = substitute(&query.expr, range_start, variables);
                let data = server.query(&expr, at);
                checked += 1;
                if is_main_panel(&query.panel) && !query.reference {
                    let values = numbers(&data);
                    assert!(
                        !values.is_empty(),
                        "{service}: {} shows no data for `{expr}` ({variables:?})",
                        query.panel
                    );
                    assert!(
                        values.iter().all(|v| v.is_finite()),
                        "{service}: {} shows {values:?} for `{expr}`",
                        query.panel
                    );
                }
            }
        }
    }
    assert!(checked > 50, "{checked}");
}

#[test]
fn the_burn_down_panel_is_the_exact_budget_spent_when_traffic_is_uneven() {
    use crate::common::live_data::{Series, gauge, openmetrics_over};
    // One day of recorded 5m rates: quiet nights (1 order a second, 20% failed) and busy days
    // (100 a second, 0.1% failed). An average of the 5m ratios weighs a quiet night as much as a
    // busy hour; the budget spent is the day's failed orders over its orders.
    const AT: i64 = 1_767_312_000; // 2026-01-02T00:00:00Z
    const STEP: i64 = 300;
    let start = AT - 86_400;
    let busy = |t: i64| (8..20).contains(&((t % 86_400) / 3_600));
    let events = move |t: i64| if busy(t) { 100.0 } else { 1.0 };
    let errors = move |t: i64| if busy(t) { 0.1 } else { 0.2 };
    let mut recorded: Vec<Series> = vec![
        gauge(
            "slo:sli_events:rate5m",
            "service=\"uneven\",slo=\"orders\"",
            events,
        ),
        gauge(
            "slo:sli_errors:rate5m",
            "service=\"uneven\",slo=\"orders\"",
            errors,
        ),
    ];
    // The samples start one step into the window, so no sample sits on its edge.
    for series in &mut recorded {
        series.from = start + STEP;
    }
    let server = PrometheusServer::start(&openmetrics_over(&recorded, start, AT), &[]);
    let built = Build::of(&["tests/fixtures/grafana/uneven.yaml"]).ok();
    let dashboard = &dashboards(&built)["uneven"];
    let panel = row_panel(dashboard, 0, "Error budget burn-down");
    let expr = panel["targets"][0]["expr"]
        .as_str()
        .unwrap()
        .replace("${__from:date:seconds}", &start.to_string());
    let shown = numbers(&server.query(&expr, AT));
    assert_eq!(shown.len(), 1, "{expr}");

    let steps = (start + STEP..=AT).step_by(STEP as usize);
    let (failed, all): (f64, f64) = steps
        .clone()
        .map(|t| (errors(t), events(t)))
        .fold((0.0, 0.0), |(f, a), (e, v)| (f + e, a + v));
    let exact = 1.0 - failed / all / 0.01;
    assert!(
        (shown[0] - exact).abs() < 1e-9,
        "burn-down {} != exact {exact}: {expr}",
        shown[0]
    );
    // What the old average of ratios showed is far off: the test tells the two apart.
    let ratios: f64 = steps.map(|t| errors(t) / events(t)).sum();
    let averaged = 1.0 - ratios / 288.0 / 0.01;
    assert!((averaged - exact).abs() > 1.0, "{averaged} vs {exact}");
}
