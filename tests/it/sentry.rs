//! The Sentry backend: goldens of `sentry/<service>.json` for both APIs, validation of every body
//! against Sentry's request schemas, the window diagnostics, and the spec checks it relies on.

use crate::common::build::{Build, Built};
use crate::common::{root, run, shipped_specs};
use serde_json::Value;

const NEXUS: &str = "specs/nexus.yaml";
const DEALIX: &str = "specs/dealix.yaml";
const FEATURES: &str = "tests/fixtures/monitors/features.yaml";

/// The Sentry backend's diagnostics of a build, one per line with its help (other backends'
/// diagnostics are theirs to test).
fn sentry_diagnostics(built: &Built) -> String {
    built.diagnostic_lines(|code| code.starts_with("slofile::sentry_"), true)
}

fn sentry_file(input: &str, service: &str, extra: &[&str]) -> String {
    Build::of(&[input])
        .flags(extra)
        .ok()
        .read(&format!("sentry/{service}.json"))
}

#[test]
fn nexus_login_monitors_current_api() {
    let text = sentry_file(NEXUS, "nexus", &[]);
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["organization"], "nexus");
    let aggregates: Vec<(&str, &str)> = file["monitors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let source = &m["body"]["dataSources"][0];
            (
                source["aggregate"].as_str().unwrap(),
                source["query"].as_str().unwrap(),
            )
        })
        .collect();
    // 5xx measured exactly, and the 401s left out on the spans' own status-code field.
    let login =
        r#"is_transaction:true transaction:"POST /api/v2/auth/login" !span.status_code:401"#;
    assert!(
        aggregates.contains(&("http_response_rate(5)", login)),
        "{aggregates:?}"
    );
    assert!(!text.contains("failure_rate()"), "{text}");
    assert!(
        aggregates
            .iter()
            .all(|(_, query)| !query.contains("http.status_code")),
        "{aggregates:?}"
    );
    // Every alert can be created, notifies on resolution, and says medium for 50.
    for alert in file["alerts"].as_array().unwrap() {
        let body = &alert["body"];
        assert_eq!(
            body["triggers"],
            serde_json::json!({"logicType": "any-short", "conditions": []})
        );
        for filter in body["actionFilters"].as_array().unwrap() {
            assert_eq!(filter["logicType"], "any-short");
            let kinds: Vec<&str> = filter["conditions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["type"].as_str().unwrap())
                .collect();
            assert_eq!(
                kinds,
                [
                    "issue_priority_greater_or_equal",
                    "issue_priority_deescalating"
                ]
            );
            assert_eq!(
                filter["conditions"][0]["comparison"],
                filter["conditions"][1]["comparison"]
            );
        }
    }
    assert!(!text.contains("Low priority"), "{text}");
    assert!(
        aggregates.contains(&("p95(span.duration)", login)),
        "{aggregates:?}"
    );
    assert!(text.ends_with("}\n"));
    insta::assert_snapshot!("nexus_current", text);
}

#[test]
fn nexus_login_alert_rules_legacy_api() {
    let text = sentry_file(NEXUS, "nexus", &["--sentry-api", "legacy"]);
    insta::assert_snapshot!("nexus_legacy", text);
}

#[test]
fn every_feature_current_api() {
    insta::assert_snapshot!("features_current", sentry_file(FEATURES, "acme-shop", &[]));
}

#[test]
fn every_feature_legacy_api() {
    let out = Build::of(&[FEATURES])
        .flags(&["--sentry-api", "legacy"])
        .ok();
    insta::assert_snapshot!("features_legacy", out.read("sentry/acme-shop.json"));
    // The uptime monitor and the issue-owner channel have no legacy form: both are reported.
    insta::assert_snapshot!("features_legacy_diagnostics", sentry_diagnostics(&out));
}

#[test]
fn failure_queries_sentry_cannot_measure_exactly_are_warned_about() {
    let out = Build::of(&[FEATURES]).ok();
    let diagnostics = sentry_diagnostics(&out);
    let file: Value = serde_json::from_str(&out.read("sentry/acme-shop.json")).unwrap();
    let search = file["monitors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            m["key"]
                .as_str()
                .unwrap()
                .starts_with("search-errors/failure-rate")
        })
        .expect("a failure-rate monitor of search-errors");
    assert_eq!(
        search["body"]["dataSources"][0]["aggregate"],
        "failure_rate()"
    );
    assert!(
        search["body"]["dataSources"][0]["query"]
            .as_str()
            .unwrap()
            .ends_with(" !span.status_code:429")
    );
    let warned: Vec<&str> = diagnostics
        .lines()
        .filter(|line| line.contains("cannot measure"))
        .collect();
    assert_eq!(warned.len(), 1, "{diagnostics}");
    assert!(warned[0].contains("SLO `search-errors`"), "{diagnostics}");
    assert!(warned[0].contains(" warning "), "{diagnostics}");
    // The legacy API has failure_rate() only: every failure-rate SLO is warned about, and the
    // exclusion stays on the transactions' field.
    let out = Build::of(&[FEATURES])
        .flags(&["--sentry-api", "legacy"])
        .ok();
    let diagnostics = sentry_diagnostics(&out);
    let legacy = out.read("sentry/acme-shop.json");
    assert!(legacy.contains("!http.status_code:429"), "{legacy}");
    assert_eq!(
        diagnostics
            .lines()
            .filter(|line| line.contains("legacy alert rules cannot measure"))
            .count(),
        2,
        "{diagnostics}"
    );
}

#[test]
fn approximated_windows_are_reported() {
    let out = Build::of(&[NEXUS]).ok();
    insta::assert_snapshot!("nexus_window_diagnostics", sentry_diagnostics(&out));
}

#[test]
fn services_without_sentry_slis_get_no_file() {
    let out = Build::of(&[DEALIX]).ok();
    assert!(!out.path().join("sentry").exists());
    let out = Build::of(&[NEXUS, DEALIX]).ok();
    assert!(out.path().join("sentry/nexus.json").is_file());
    assert!(!out.path().join("sentry/dealix.json").exists());
}

#[test]
fn output_does_not_depend_on_input_order() {
    let first = Build::of(&[NEXUS, FEATURES]).ok();
    let second = Build::of(&[FEATURES, NEXUS]).ok();
    for file in ["sentry/nexus.json", "sentry/acme-shop.json"] {
        assert_eq!(first.read(file), second.read(file), "{file}");
    }
}

#[test]
fn explain_names_each_monitor() {
    let output = run(&["explain", NEXUS]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    for line in [
        "monitor  Sentry failure-rate monitor over 1 hour: high priority above 6.72% (page tier over 1 hour)",
        "monitor  Sentry failure-rate monitor over 4 hours: high priority above 2.8% (page tier over 6 hours; 4 hours is the nearest window Sentry allows)",
        "monitor  Sentry p95 monitor over 1 day: medium priority above 1000 ms",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
}

// --- Request schemas ------------------------------------------------------------------------------

/// A schema from `tests/fixtures/corpus/sentry/`, made strict: Sentry ignores unknown keys, so without
/// `additionalProperties: false` a misspelt key would pass unnoticed.
fn request_schema(name: &str) -> jsonschema::Validator {
    let path = root().join("tests/fixtures/corpus/sentry").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let document: Value = serde_json::from_str(&text).unwrap();
    let mut schema = document["schema"].clone();
    make_strict(&mut schema);
    // The schemas come from an OpenAPI 3.0 document, whose schema objects are draft 4 plus
    // `nullable`; none declares `$schema`.
    jsonschema::draft4::new(&schema).unwrap()
}

fn make_strict(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if object.contains_key("properties") {
        object.insert("additionalProperties".into(), Value::Bool(false));
    }
    for key in ["properties", "allOf"] {
        match object.get_mut(key) {
            Some(Value::Object(children)) => children.values_mut().for_each(make_strict),
            Some(Value::Array(children)) => children.iter_mut().for_each(make_strict),
            _ => {}
        }
    }
}

/// Sentry's API takes camelCase and its schemas are written in snake_case.
fn snake_case(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let mut snake = String::new();
                    for ch in key.chars() {
                        if ch.is_ascii_uppercase() {
                            snake.push('_');
                            snake.push(ch.to_ascii_lowercase());
                        } else {
                            snake.push(ch);
                        }
                    }
                    (snake, snake_case(value))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(snake_case).collect()),
        other => other.clone(),
    }
}

fn errors(validator: &jsonschema::Validator, body: &Value) -> Vec<String> {
    validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Every Sentry file that `built` wrote, parsed.
fn sentry_files(built: &Built) -> Vec<(String, Value)> {
    built
        .files("sentry")
        .into_iter()
        .map(|(name, text)| {
            (
                format!("sentry/{name}"),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect()
}

fn inputs() -> Vec<String> {
    let mut inputs = vec![FEATURES.to_owned()];
    inputs.extend(shipped_specs().iter().map(|p| p.display().to_string()));
    inputs
}

#[test]
fn current_bodies_validate_against_the_request_schemas() {
    let detector = request_schema("detector-create.request.json");
    let workflow = request_schema("workflow-create.request.json");
    let mut checked = 0;
    for (file, document) in sentry_files(&Build::of(&inputs()).ok()) {
        for monitor in document["monitors"].as_array().unwrap() {
            let body = snake_case(&monitor["body"]);
            assert_eq!(
                errors(&detector, &body),
                Vec::<String>::new(),
                "{file}: {}",
                monitor["key"]
            );
            checked += 1;
        }
        for alert in document["alerts"].as_array().unwrap() {
            let body = snake_case(&alert["body"]);
            assert_eq!(
                errors(&workflow, &body),
                Vec::<String>::new(),
                "{file}: {}",
                alert["key"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} bodies checked");
}

#[test]
fn legacy_bodies_validate_against_the_alert_rule_schema() {
    // This schema is written in the wire format's camelCase already.
    let rule = request_schema("metric-alert-rule-create.request.json");
    let built = Build::of(&inputs()).flags(&["--sentry-api", "legacy"]).ok();
    let mut checked = 0;
    for (file, document) in sentry_files(&built) {
        for entry in document["alertRules"].as_array().unwrap() {
            assert_eq!(
                errors(&rule, &entry["body"]),
                Vec::<String>::new(),
                "{file}: {}",
                entry["key"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 7, "only {checked} bodies checked");
}

#[test]
fn the_schema_check_catches_broken_bodies() {
    let detector = request_schema("detector-create.request.json");
    let rule = request_schema("metric-alert-rule-create.request.json");
    let file: Value = serde_json::from_str(&sentry_file(NEXUS, "nexus", &[])).unwrap();
    let good = snake_case(&file["monitors"][0]["body"]);
    assert!(detector.is_valid(&good));
    let mut unknown = good.clone();
    unknown["data_source"] = Value::Array(Vec::new());
    assert!(!detector.is_valid(&unknown), "an unknown key must fail");
    let mut nameless = good.clone();
    nameless.as_object_mut().unwrap().remove("name");
    assert!(!detector.is_valid(&nameless), "a missing name must fail");
    let legacy: Value =
        serde_json::from_str(&sentry_file(NEXUS, "nexus", &["--sentry-api", "legacy"])).unwrap();
    let mut window = legacy["alertRules"][0]["body"].clone();
    assert!(rule.is_valid(&window));
    window["timeWindow"] = Value::from(360);
    assert!(
        !rule.is_valid(&window),
        "a 6 h window is not one Sentry allows"
    );
}

// --- Spec checks ----------------------------------------------------------------------------------

fn invalid(name: &str) -> String {
    let path = format!("tests/fixtures/monitors/invalid/{name}.yaml");
    let output = run(&["validate", &path, "--format", "plain"]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{name} should fail validation:\n{stderr}"
    );
    stderr
}

#[test]
fn sentry_sli_without_organization() {
    insta::assert_snapshot!(invalid("sentry-no-organization"));
}

#[test]
fn sentry_slis_in_two_organizations() {
    insta::assert_snapshot!(invalid("sentry-two-organizations"));
}

#[test]
fn sentry_exclude_of_several_filters() {
    insta::assert_snapshot!(invalid("sentry-exclude"));
}

#[test]
fn sentry_sli_naming_a_channel_sentry_cannot_notify() {
    insta::assert_snapshot!(invalid("sentry-channel"));
}

#[test]
fn sentry_integration_id_that_is_not_a_number() {
    insta::assert_snapshot!(invalid("sentry-integration-id"));
}

#[test]
fn sentry_probe_without_project() {
    insta::assert_snapshot!(invalid("sentry-probe-project"));
}
