//! The k6 backend: `k6/<service>.json` for the Dealix seed and the feature fixture, every
//! threshold checked against k6's threshold grammar, and the spec checks of the k6 mapping.
//!
//! k6 itself is not installed where these tests run, so [`parse_threshold`] implements the
//! grammar k6 documents for `options.thresholds`: a metric name with an optional sub-metric
//! `{tag:value,...}`, and expressions `<aggregation> <operator> <number>` whose aggregation must
//! suit the metric's type (`avg`, `min`, `max`, `med`, `p(N)` for trends; `rate` for rates;
//! `count` and `rate` for counters; `value` for gauges) and whose operator is one of `<`, `<=`,
//! `>`, `>=`, `==`, `!=` (and `===`).

use crate::common::build::Build;
use crate::common::run;
use serde_json::{Value, json};

const DEALIX: &str = "specs/dealix.yaml";
const NEXUS: &str = "specs/nexus.yaml";
const FEATURES: &str = "tests/fixtures/monitors/features.yaml";

/// The types of k6's built-in metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MetricType {
    Counter,
    Gauge,
    Rate,
    Trend,
}

fn builtin_type(name: &str) -> Option<MetricType> {
    use MetricType::*;
    Some(match name {
        "checks" | "http_req_failed" => Rate,
        "data_received" | "data_sent" | "http_reqs" | "iterations" | "dropped_iterations" => {
            Counter
        }
        "vus" | "vus_max" => Gauge,
        "http_req_duration"
        | "http_req_blocked"
        | "http_req_connecting"
        | "http_req_sending"
        | "http_req_waiting"
        | "http_req_receiving"
        | "http_req_tls_handshaking"
        | "iteration_duration" => Trend,
        _ => return None,
    })
}

/// A metric's name and its sub-metric tags, as k6 reads a threshold key.
type MetricKey<'a> = (&'a str, Vec<(&'a str, &'a str)>);

/// A metric key: the name and its sub-metric tags.
fn parse_metric(key: &str) -> Result<MetricKey<'_>, String> {
    let Some(open) = key.find('{') else {
        return valid_name(key)
            .then_some((key, Vec::new()))
            .ok_or(format!("bad metric name `{key}`"));
    };
    let (name, rest) = key.split_at(open);
    if !valid_name(name) {
        return Err(format!("bad metric name `{name}`"));
    }
    let inner = rest
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .ok_or(format!("unclosed sub-metric in `{key}`"))?;
    let mut tags = Vec::new();
    for pair in inner.split(',') {
        let (tag, value) = pair
            .split_once(':')
            .ok_or(format!("tag `{pair}` has no `:` in `{key}`"))?;
        let (tag, value) = (tag.trim(), value.trim());
        if tag.is_empty() || value.is_empty() || value.contains(['{', '}']) {
            return Err(format!("bad tag `{pair}` in `{key}`"));
        }
        tags.push((tag, value));
    }
    Ok((name, tags))
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// One threshold expression: the aggregation, operator and value, checked against the type.
fn parse_threshold(expression: &str, kind: MetricType) -> Result<(String, String, f64), String> {
    let text = expression.trim();
    let operators = ["===", "==", "!=", "<=", ">=", "<", ">"];
    let (at, operator) = operators
        .iter()
        .filter_map(|op| text.find(op).map(|at| (at, *op)))
        .min_by_key(|(at, op)| (*at, std::cmp::Reverse(op.len())))
        .ok_or(format!("no operator in `{expression}`"))?;
    let aggregation = text[..at].trim();
    let value_text = text[at + operator.len()..].trim();
    let value: f64 = value_text
        .parse()
        .map_err(|_| format!("`{value_text}` is not a number in `{expression}`"))?;
    let allowed = match (kind, aggregation) {
        (MetricType::Trend, "avg" | "min" | "max" | "med")
        | (MetricType::Rate, "rate")
        | (MetricType::Gauge, "value")
        | (MetricType::Counter, "count" | "rate") => true,
        (MetricType::Trend, p) => p
            .strip_prefix("p(")
            .and_then(|p| p.strip_suffix(')'))
            .and_then(|n| n.parse::<f64>().ok())
            .is_some_and(|n| (0.0..=100.0).contains(&n)),
        _ => false,
    };
    if !allowed {
        return Err(format!(
            "`{aggregation}` is not an aggregation of a {kind:?} in `{expression}`"
        ));
    }
    Ok((aggregation.to_owned(), operator.to_owned(), value))
}

/// Every threshold of a k6 file, checked against the grammar: `(metric key, expression,
/// abortOnFail)`.
fn checked_thresholds(file: &Value) -> Vec<(String, String, bool)> {
    let object = file.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["thresholds"]);
    let mut all = Vec::new();
    for (key, list) in file["thresholds"].as_object().unwrap() {
        let (name, _) = parse_metric(key).unwrap_or_else(|e| panic!("{e}"));
        let kind = builtin_type(name).unwrap_or_else(|| panic!("`{name}` is no k6 metric"));
        for entry in list.as_array().unwrap() {
            let (expression, abort) = match entry {
                Value::String(text) => (text.clone(), false),
                Value::Object(object) => {
                    for field in object.keys() {
                        assert!(
                            ["threshold", "abortOnFail", "delayAbortEval"]
                                .contains(&field.as_str()),
                            "unknown field `{field}` in {entry}"
                        );
                    }
                    (
                        object["threshold"].as_str().unwrap().to_owned(),
                        object["abortOnFail"].as_bool().unwrap(),
                    )
                }
                other => panic!("a threshold is a string or an object, not {other}"),
            };
            parse_threshold(&expression, kind).unwrap_or_else(|e| panic!("{key}: {e}"));
            all.push((key.clone(), expression, abort));
        }
    }
    all
}

fn k6_file(input: &str, service: &str) -> String {
    Build::of(&[input])
        .format("plain")
        .ok()
        .read(&format!("k6/{service}.json"))
}

#[test]
fn dealix_thresholds_enforce_the_smoke_gate_and_the_latency_table() {
    let text = k6_file(DEALIX, "dealix");
    let file: Value = serde_json::from_str(&text).unwrap();
    checked_thresholds(&file);
    let thresholds = &file["thresholds"];
    // The smoke test's gate over every request.
    assert_eq!(thresholds["http_req_duration"], json!(["p(95)<500"]));
    assert_eq!(thresholds["http_req_failed"], json!(["rate<0.01"]));
    // The latency table, one sub-metric per endpoint category; the health endpoint's p95 target
    // is asked by two SLOs and written once.
    for (category, targets) in [
        ("health", ["p(50)<50", "p(95)<200", "p(99)<500"]),
        ("pricing", ["p(50)<100", "p(95)<300", "p(99)<1000"]),
        ("leads", ["p(50)<200", "p(95)<500", "p(99)<2000"]),
        ("ai_agent", ["p(50)<2000", "p(95)<5000", "p(99)<10000"]),
        ("webhooks", ["p(50)<500", "p(95)<2000", "p(99)<5000"]),
    ] {
        let key = format!("http_req_duration{{category:{category}}}");
        let mut got: Vec<&str> = thresholds[&key]
            .as_array()
            .unwrap_or_else(|| panic!("no {key}"))
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, targets, "{key}");
    }
    assert!(text.ends_with("}\n"));
    insta::assert_snapshot!("dealix", text);
}

#[test]
fn feature_thresholds_abort_where_the_spec_asks() {
    let text = k6_file(FEATURES, "acme-shop");
    let file: Value = serde_json::from_str(&text).unwrap();
    let thresholds = checked_thresholds(&file);
    let find = |key: &str, expression: &str| {
        thresholds
            .iter()
            .find(|(k, e, _)| k == key && e == expression)
            .unwrap_or_else(|| panic!("no {key}: {expression} in {thresholds:?}"))
            .2
    };
    // The gate aborts; the Sentry SLO's defaults (its p99 and error budget) do not.
    assert!(find("http_req_duration", "p(95)<800"));
    assert!(find("http_req_failed", "rate<0.005"));
    assert!(!find("http_req_duration{flow:checkout}", "p(99)<2000"));
    assert!(!find("http_req_failed{flow:checkout}", "rate<0.001"));
    // Tags in name order, the explicit error rate instead of the objective's budget.
    assert!(find(
        "http_req_failed{method:POST,name:orders}",
        "rate<0.02"
    ));
    insta::assert_snapshot!("features", text);
}

#[test]
fn services_without_k6_mappings_get_no_file() {
    let out = Build::of(&[NEXUS, DEALIX]).format("plain").ok();
    assert!(out.path().join("k6/dealix.json").is_file());
    assert!(!out.path().join("k6/nexus.json").exists());
}

#[test]
fn the_grammar_check_rejects_what_k6_rejects() {
    use MetricType::*;
    for (expression, kind) in [
        ("p95<500", Trend),
        ("p(95)<500ms", Trend),
        ("rate<1%", Rate),
        ("avg<200", Rate),
        ("value<3", Trend),
        ("count>10", Gauge),
        ("p(95)", Trend),
        ("p(101)<5", Trend),
        ("<5", Trend),
    ] {
        assert!(
            parse_threshold(expression, kind).is_err(),
            "`{expression}` on a {kind:?} must be rejected"
        );
    }
    for (expression, kind) in [
        ("p(99.9) <= 1000", Trend),
        ("med<50", Trend),
        ("rate<0.01", Rate),
        ("count>=1", Counter),
        ("rate>0", Counter),
        ("value!=0", Gauge),
        ("avg===2", Trend),
    ] {
        assert!(
            parse_threshold(expression, kind).is_ok(),
            "`{expression}` on a {kind:?} is valid k6"
        );
    }
    assert!(parse_metric("http_req_duration{category:health}").is_ok());
    assert!(parse_metric("http_req_duration{group:::setup}").is_ok());
    assert!(parse_metric("http_req_duration{category}").is_err());
    assert!(parse_metric("http_req_duration{category:health").is_err());
    assert!(parse_metric("http req").is_err());
}

#[test]
fn k6_mapping_problems_are_all_reported() {
    let output = run(&[
        "validate",
        "tests/fixtures/monitors/invalid/k6-mapping.yaml",
        "--format",
        "plain",
    ]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(
        "k6_mapping_problems",
        String::from_utf8_lossy(&output.stderr)
    );
}
