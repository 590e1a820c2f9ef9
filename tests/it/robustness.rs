//! Bad input is the normal case in a pull request: it must get a located, coded diagnostic and
//! exit code 1, never a panic, a hang or a half-written output directory. This suite checks the
//! bad-input corpus against `build`, the input budgets, that hostile text comes out escaped in
//! every output, and the whole pipeline against random spec-shaped input.

use crate::common::build::Build;
use crate::common::{require_tool, root, run, run_tool_ok, snapshot_dir};
use proptest::prelude::*;
use serde_json::{Value, json};
use slofile::LoadOptions;
use slofile::diagnostics::{Format, render};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The bad-input corpus: `tests/invalid/`, one kind of mistake a file. `tests/it/spec.rs` snapshots
/// each diagnostic; here `build` must refuse each file without creating the output directory.
#[test]
fn build_refuses_every_bad_input_and_writes_nothing() {
    let mut files: Vec<_> = std::fs::read_dir(root().join("tests/invalid"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 60,
        "the corpus needs at least 60 cases, has {}",
        files.len()
    );
    let temp = tempfile::tempdir().unwrap();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let out = temp.path().join(&name);
        let built = Build::of(&[format!("tests/invalid/{name}")])
            .format("human")
            .out(&out)
            .expect(1);
        let text = built.stderr();
        assert!(
            text.contains("slofile::"),
            "{name}: no diagnostic code:\n{text}"
        );
        assert!(!text.contains("panicked"), "{name}:\n{text}");
        assert!(!out.exists(), "{name}: build created {}", out.display());
    }
}

/// Writes `text` to a temporary spec file and validates it, returning the exit code and stderr.
/// How long budgets take to refuse input is measured by the benchmarks, not asserted here.
fn validate_text(text: &[u8]) -> (Option<i32>, String) {
    let temp = tempfile::tempdir().unwrap();
    let path = temp.path().join("spec.yaml");
    std::fs::write(&path, text).unwrap();
    let output = run(&["validate", "--format", "plain", path.to_str().unwrap()]);
    (output.status.code(), stderr(&output))
}

fn assert_budget_error(what: &str, (code, text): &(Option<i32>, String)) {
    assert_eq!(*code, Some(1), "{what}:\n{}", head(text));
    assert!(
        text.contains("slofile::input_budget"),
        "{what}: expected an input budget error:\n{}",
        head(text)
    );
    assert!(text.contains("help:"), "{what}:\n{}", head(text));
}

fn head(text: &str) -> String {
    text.chars().take(2000).collect()
}

#[test]
fn an_alias_bomb_is_rejected_by_the_alias_budget() {
    // Ten levels of ten aliases each would expand to 10^10 nodes.
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let previous = format!("*a{}", level - 1);
        text.push_str(&format!(
            "a{level}: &a{level} [{}]\n",
            [previous.as_str(); 10].join(", ")
        ));
    }
    let result = validate_text(text.as_bytes());
    // The budget stops it before expansion; how fast that is, is a benchmark (BENCHMARKS.md), not
    // a timed test that a loaded machine could fail.
    assert_budget_error("alias bomb", &result);
}

#[test]
fn files_over_the_size_budget_are_not_read() {
    let mut text = b"apiVersion: slofile/v1\n".to_vec();
    text.resize(9 * 1024 * 1024, b'#');
    assert_budget_error("9 MiB file", &validate_text(&text));
}

#[test]
fn deep_nesting_is_rejected() {
    let depth = 200;
    let text = format!("a: {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    assert_budget_error("200 nested lists", &validate_text(text.as_bytes()));
    let mut text = String::new();
    for level in 0..depth {
        text.push_str(&" ".repeat(level));
        text.push_str("k:\n");
    }
    assert_budget_error("200 nested mappings", &validate_text(text.as_bytes()));
}

#[test]
fn too_many_nodes_are_rejected() {
    let text = format!("a: [{}0]\n", "0,".repeat(1_000_001));
    assert_budget_error("a million nodes", &validate_text(text.as_bytes()));
}

#[test]
fn too_many_documents_are_rejected() {
    let text = "---\na: 1\n".repeat(1001);
    assert_budget_error("1001 documents", &validate_text(text.as_bytes()));
}

/// PromQL nested thousands of levels deep overflowed the stack, and a chain of 100,000 terms
/// took minutes; both are refused before parsing now, at the query's node.
#[test]
fn deep_and_long_promql_is_rejected_at_its_node() {
    let spec = |bad: &str| {
        format!(
            "apiVersion: slofile/v1\nservice: deep\nslos:\n  - id: x\n    objective: 99%\n    sli:\n      ratio:\n        bad: '{bad}'\n        total: up\n"
        )
    };
    for (what, query) in [
        ("a chain of 5000 terms", vec!["up"; 5000].join("+")),
        ("a chain of 100000 terms", vec!["up"; 100_000].join("+")),
        (
            "5000 nested parentheses",
            format!("{}up{}", "(".repeat(5000), ")".repeat(5000)),
        ),
        ("5000 unary minus", format!("{}up", "-".repeat(5000))),
    ] {
        let result = validate_text(spec(&query).as_bytes());
        assert_budget_error(what, &result);
        assert!(
            result.1.contains(":8:14"),
            "{what}: not at the query:\n{}",
            head(&result.1)
        );
    }
    // Just within the budget, the deepest query still parses on every thread.
    let deepest = format!(
        "{}up{}",
        "(".repeat(slofile::promql::MAX_QUERY_DEPTH),
        ")".repeat(slofile::promql::MAX_QUERY_DEPTH)
    );
    let (code, text) = validate_text(spec(&deepest).as_bytes());
    assert_eq!(code, Some(0), "{}", head(&text));
}

/// A machine-written spec may hold everything on one line; a diagnostic far along it used to
/// crash the renderer (it cannot pad past column 65,535). It is shown without its snippet now.
#[test]
fn diagnostics_far_along_a_line_render() {
    let filler = "a".repeat(70_000);
    let text = format!(
        "{{apiVersion: slofile/v1, service: shop, title: \"{filler}\", slos: [{{id: x, objective: 101%, sli: {{ratio: {{bad: e_total, total: r_total}}}}}}]}}\n"
    );
    let (code, stderr) = validate_text(text.as_bytes());
    assert_eq!(code, Some(1), "{}", head(&stderr));
    assert!(
        stderr.contains("slofile::objective_range"),
        "{}",
        head(&stderr)
    );
    assert!(stderr.contains(":1:70"), "{}", head(&stderr));
    assert!(
        stderr.len() < 2000,
        "the snippet was printed: {}",
        head(&stderr)
    );
}

const HOSTILE: &str = "tests/fixtures/robustness/hostile-strings.yaml";

/// Quotes, backslashes, newlines, braces and template syntax come out as data in every output:
/// the tools that read each file accept it, and the text reads back exactly.
#[test]
fn hostile_text_comes_out_escaped_in_every_output() {
    let promtool = require_tool("promtool");
    let amtool = require_tool("amtool");
    let built = Build::of(&[HOSTILE]).ok();
    let out = built.path();

    // Prometheus: promtool reads the rules and passes the generated tests, and the label and
    // the user's selectors read back exactly.
    let prometheus = out.join("prometheus");
    run_tool_ok(
        &promtool,
        &["check", "rules", "hostile.rules.yml"],
        &prometheus,
    );
    run_tool_ok(
        &promtool,
        &["test", "rules", "hostile.test.yml"],
        &prometheus,
    );
    let rules_text = std::fs::read_to_string(prometheus.join("hostile.rules.yml")).unwrap();
    let rules: Value = serde_saphyr::from_str(&rules_text).unwrap();
    let team = "a\"b\\c\nd {{ $value }} ' `";
    let (mut recording, mut user_selectors) = (0, 0);
    for group in rules["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            let expr = rule["expr"].as_str().unwrap();
            promql_parser::parser::parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
            // The user's label value, escaped once for PromQL: `/a"b\c`.
            if expr.contains(r#"path="/a\"b\\c""#) {
                user_selectors += 1;
            }
            if rule.get("record").is_some() {
                recording += 1;
                assert_eq!(rule["labels"]["team"], team, "{rule}");
            }
        }
    }
    assert!(recording > 0 && user_selectors > 0);

    // Alertmanager: amtool accepts the configuration.
    run_tool_ok(
        &amtool,
        &["check-config", "alertmanager/alertmanager.yml"],
        out,
    );

    // Sentry and UptimeRobot: valid JSON holding the text as written.
    let sentry: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sentry/hostile.json")).unwrap())
            .unwrap();
    assert!(
        sentry.to_string().contains(r#"POST /login?a=\"b\"\\c"#),
        "the transaction name must survive: {sentry}"
    );
    let uptimerobot: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("uptimerobot/hostile.json")).unwrap(),
    )
    .unwrap();
    assert!(
        uptimerobot
            .to_string()
            .contains(r#"https://example.com/a?b=\"c\"&d=\\e"#),
        "the URL must survive: {uptimerobot}"
    );

    // Markdown: the title stays one heading line, and every table row keeps its columns.
    let doc = std::fs::read_to_string(out.join("docs/hostile.md")).unwrap();
    assert!(
        doc.starts_with("# Title \"quoted\" \\ back\\slash new | line {{ .Value }} `tick` $x #c\n"),
        "{}",
        head(&doc)
    );
    let mut columns = None;
    for line in doc.lines() {
        if line.starts_with('|') {
            // A cell's `|` is escaped, so only unescaped ones separate columns.
            let separators = line.matches('|').count() - line.matches("\\|").count();
            let expected = *columns.get_or_insert(separators);
            if line.starts_with("|---") {
                columns = Some(separators);
            } else {
                assert_eq!(separators, expected, "a table row broke: {line}");
            }
        } else {
            columns = None;
        }
    }
}

/// `build_source`, the fuzzing entry point, produces what `build` writes.
#[test]
fn the_in_memory_pipeline_matches_build() {
    for spec in [
        "specs/nexus.yaml",
        "examples/escalation-matrix.yaml",
        HOSTILE,
    ] {
        let built = Build::of(&[spec]).ok();
        let bytes = std::fs::read(root().join(spec)).unwrap();
        let (report, files) = slofile::build_source(spec, bytes, &LoadOptions::default());
        assert_eq!(report.error_count(), 0);
        assert!(!files.is_empty());
        for file in &files {
            let written = built.read(&file.path);
            assert!(written == file.contents, "{spec}: {} differs", file.path);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Random spec-shaped input.

/// A valid spec to start from: every SLI kind, alerts, policies, channels and escalation.
fn base_spec() -> Value {
    json!({
        "apiVersion": "slofile/v1",
        "service": "shop",
        "title": "Shop",
        "labels": {"team": "core"},
        "defaults": {"window": "28d"},
        "sentry": {"organization": "org"},
        "channels": [
            {"id": "pager", "type": "pagerduty", "target": "primary"},
            {"id": "mail", "type": "email", "target": "ops@example.com", "uptimerobot_contact_id": "1"}
        ],
        "escalation": [
            {"severity": "P1", "condition": "Down", "response": "Now", "response_time": "5m", "channels": ["pager"]},
            {"severity": "P2", "condition": "Slow", "response": "Soon", "response_time": "1h", "channels": ["mail"]}
        ],
        "burn_policies": [{"id": "fast", "tiers": [
            {"severity": "page", "budget": "2%", "long": "1h", "short": "5m", "for": "2m", "escalation": "P1"},
            {"severity": "ticket", "budget": "10%", "long": "1d", "short": "2h", "for": "1h"}
        ]}],
        "slos": [
            {"id": "errors", "objective": "99.9%", "window": "30d", "min_events": 10, "group_by": ["tenant"],
             "sli": {"ratio": {"bad": "http_requests_total{code=~\"5..\"}", "total": "http_requests_total"}},
             "alerting": {"burn_policy": "fast"},
             "alerts": [{"id": "spike", "above": "5%", "over": "5m", "for": "5m", "severity": "page"}]},
            {"id": "good", "objective": "99.5%",
             "sli": {"ratio": {"good": "sum(jobs_total{outcome=\"ok\"})", "total": "sum(jobs_total)"}}},
            {"id": "latency", "sli": {"latency": {"histogram": "req_seconds_bucket{job=\"api\"}",
             "buckets": [0.1, 0.5, 1], "percentiles": [{"percentile": 99, "threshold": "500ms"}]}}},
            {"id": "queue", "objective": "99%", "sli": {"gauge": {"query": "max(queue_depth)", "below": 100, "slice": "1m"}}},
            {"id": "lag", "objective": "99%", "sli": {"freshness": {"from": "a", "to": "b",
             "histogram": "lag_seconds_bucket", "buckets": [1, 5, 30], "threshold": "30s"}}},
            {"id": "page", "objective": "99.5%", "sli": {"probe": {"provider": "uptimerobot",
             "url": "https://example.com/", "interval": "5m", "channels": ["mail"]}}},
            {"id": "up", "objective": "99.9%", "sli": {"probe": {"provider": "blackbox",
             "url": "https://example.com/", "interval": "1m", "metric": "probe_success{job=\"b\"}"}}},
            {"id": "login", "objective": "99.5%", "sli": {"sentry": {"project": "api",
             "transaction": "POST /login", "failure": "http.status_code:5*"}}},
            {"id": "rto", "sli": {"documentary": {"target": "< 1 hour"}}}
        ]
    })
}

/// Values that test every check: edge numbers, odd durations and percentages, PromQL that does
/// or does not parse, and text that needs escaping.
fn odd_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(1e300)),
        Just(json!(100)),
        Just(json!([])),
        Just(json!({})),
        Just(json!([1, "a", null])),
        Just(json!({"ratio": {}})),
        prop::sample::select(vec![
            "0%",
            "100%",
            "101%",
            "-5%",
            "99.99999999999999999999%",
            "1e3",
            "NaN",
            ".inf",
            "0s",
            "-5m",
            "5",
            "1h30m",
            "30m1h",
            "99999999999999999999d",
            "5y",
            "28d",
            "1ms",
            "",
            " ",
            "P1",
            "page",
            "ticket",
            "none",
            "default",
            "workbook",
            "sum(rate(x[5m]))",
            "x{",
            "x{a=~\"(\"}",
            "{a=~\".*\"}",
            "up or",
            "{{window}}",
            "rate(x[{{window}}])",
            "a\"b\\c\nd",
            "../../etc/passwd",
            "ÄÖÜ",
            "\u{0}",
            "#a",
            "&a",
            "*a",
        ])
        .prop_map(Value::from),
        "[a-z_{}\\[\\]()=~\"\\\\ .%0-9-]{0,24}".prop_map(Value::from),
    ]
}

/// Keys a spec may or may not take, anywhere.
fn odd_key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "id",
        "objective",
        "window",
        "sli",
        "ratio",
        "bad",
        "good",
        "total",
        "latency",
        "histogram",
        "buckets",
        "percentiles",
        "percentile",
        "threshold",
        "gauge",
        "below",
        "above",
        "slice",
        "probe",
        "provider",
        "url",
        "interval",
        "sentry",
        "alerting",
        "burn_policy",
        "alerts",
        "over",
        "for",
        "severity",
        "escalation",
        "labels",
        "group_by",
        "min_events",
        "tiers",
        "budget",
        "factor",
        "long",
        "short",
        "channels",
        "title",
        "x",
    ])
    .prop_map(str::to_owned)
}

#[derive(Debug, Clone)]
enum Edit {
    /// Replace the value at a path (indices pick children modulo their count).
    Set(Vec<usize>, Value),
    /// Remove the child at a path.
    Remove(Vec<usize>),
    /// Insert a key into the mapping at a path.
    Insert(Vec<usize>, String, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    let path = prop::collection::vec(0usize..16, 0..5);
    prop_oneof![
        (path.clone(), odd_value()).prop_map(|(p, v)| Edit::Set(p, v)),
        path.clone().prop_map(Edit::Remove),
        (path, odd_key(), odd_value()).prop_map(|(p, k, v)| Edit::Insert(p, k, v)),
    ]
}

/// Follows `path` (indices taken modulo each node's children) as far as it goes.
fn walk<'a>(node: &'a mut Value, path: &[usize]) -> &'a mut Value {
    let Some((&step, rest)) = path.split_first() else {
        return node;
    };
    let len = match &*node {
        Value::Object(map) => map.len(),
        Value::Array(items) => items.len(),
        _ => 0,
    };
    if len == 0 {
        return node;
    }
    match node {
        Value::Object(map) => walk(map.values_mut().nth(step % len).unwrap(), rest),
        Value::Array(items) => walk(&mut items[step % len], rest),
        other => other,
    }
}

fn apply(spec: &mut Value, edit: &Edit) {
    match edit {
        Edit::Set(path, value) => *walk(spec, path) = value.clone(),
        Edit::Remove(path) if !path.is_empty() => {
            let (last, parent) = path.split_last().unwrap();
            match walk(spec, parent) {
                Value::Object(map) if !map.is_empty() => {
                    let key = map.keys().nth(last % map.len()).cloned().unwrap();
                    map.shift_remove(&key);
                }
                Value::Array(items) if !items.is_empty() => {
                    let len = items.len();
                    items.remove(last % len);
                }
                _ => {}
            }
        }
        Edit::Remove(_) => {}
        Edit::Insert(path, key, value) => {
            if let Value::Object(map) = walk(spec, path) {
                map.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Text-level damage after serialising: a byte changed, a line dropped, or a tab or a YAML
/// indicator put in.
#[derive(Debug, Clone)]
enum Damage {
    None,
    Byte(usize, u8),
    DropLine(usize),
    Insert(usize, &'static str),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => Just(Damage::None),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Damage::Byte(at, byte)),
        1 => any::<usize>().prop_map(Damage::DropLine),
        1 => (any::<usize>(), prop::sample::select(vec![
            "\t", ": ", "- ", "&x ", "*x", "---\n", "{", "[", "\"", "'", "#", "\u{feff}", "!!binary ",
        ])).prop_map(|(at, text)| Damage::Insert(at, text)),
    ]
}

fn damaged(text: &str, damage: &Damage) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    match damage {
        Damage::None => {}
        Damage::Byte(at, byte) => {
            let at = at % bytes.len().max(1);
            if let Some(slot) = bytes.get_mut(at) {
                *slot = *byte;
            }
        }
        Damage::DropLine(line) => {
            let lines: Vec<&str> = text.lines().collect();
            let drop = line % lines.len().max(1);
            let kept: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, l)| *l)
                .collect();
            bytes = kept.join("\n").into_bytes();
        }
        Damage::Insert(at, inserted) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, inserted.bytes());
        }
    }
    bytes
}

fn check_outcome(name: &str, bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let text_len = bytes.len();
    let (report, files) = slofile::build_source(name, bytes.clone(), &LoadOptions::default());
    let errors = report.error_count();
    prop_assert!(
        files.is_empty() || errors == 0,
        "files emitted despite {errors} errors"
    );
    for diagnostic in &report.diagnostics {
        if diagnostic.is_error() {
            prop_assert!(diagnostic.help.is_some(), "no help: {}", diagnostic.message);
        }
        if let (Some(file), Some(span)) = (&diagnostic.file, diagnostic.span) {
            prop_assert!(
                span.offset + span.len <= file.text.len().max(text_len),
                "span {:?} outside the file: {}",
                span,
                diagnostic.message
            );
        }
    }
    let all: Vec<&slofile::diagnostics::Diagnostic> = report.diagnostics.iter().collect();
    for format in [Format::Human, Format::Plain, Format::Json, Format::Github] {
        prop_assert!(!render(&all, format, true).is_empty() || all.is_empty());
    }
    // The same input gives the same output.
    let (again, files_again) = slofile::build_source(name, bytes, &LoadOptions::default());
    prop_assert_eq!(files, files_again);
    let messages = |r: &slofile::diagnostics::Report| {
        r.diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
    };
    prop_assert_eq!(messages(&report), messages(&again));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The whole pipeline on a valid spec with random edits and damage: never a panic, errors
    /// always located with help, files only without errors, and the same answer twice.
    #[test]
    fn random_spec_shaped_input_is_handled(
        edits in prop::collection::vec(edit(), 0..6),
        damage in damage(),
    ) {
        let mut spec = base_spec();
        for edit in &edits {
            apply(&mut spec, edit);
        }
        let text = serde_saphyr::to_string(&spec).unwrap_or_default();
        check_outcome("random.yaml", damaged(&text, &damage))?;
    }
}

#[test]
fn the_random_base_spec_is_valid() {
    let text = serde_saphyr::to_string(&base_spec()).unwrap();
    let (report, files) =
        slofile::build_source("base.yaml", text.into_bytes(), &LoadOptions::default());
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for expected in [
        "prometheus/shop.rules.yml",
        "alertmanager/alertmanager.yml",
        "sentry/shop.json",
        "uptimerobot/shop.json",
        "docs/shop.md",
    ] {
        assert!(
            paths.contains(&expected),
            "{expected} missing from {paths:?}"
        );
    }
}

/// `build` writes files while later services are still being generated. An error only a backend
/// finds, after other services' files were staged, must still leave the previous output exactly
/// as it was, with no temporary file behind.
#[test]
fn a_backend_error_after_files_were_staged_leaves_the_previous_output() {
    let ok = Build::of(&["specs"]).ok();
    let out = ok.path();
    let before = snapshot_dir(out);
    assert!(before.len() > 5, "{before:?}");

    let built = Build::of(&[
        "specs",
        "examples",
        "tests/fixtures/prometheus/invalid/shapes.yaml",
    ])
    .format("human")
    .out(out)
    .expect(1);
    let text = built.stderr();
    assert!(text.contains("slofile::promql_shape"), "{text}");
    assert_eq!(snapshot_dir(out), before);
}
