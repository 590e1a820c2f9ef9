//! The Terraform backend: every resource of `terraform/<service>.tf.json` checked against the
//! providers' resource schemas (`tests/fixtures/terraform/`, see its SOURCE), references that
//! resolve within the file, the same monitors as the JSON bodies, and goldens.

use crate::common::build::Build;
use crate::common::root;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

const SPECS: &str = "specs";
const FEATURES: &str = "tests/fixtures/monitors/features.yaml";

/// The transcribed schema of a resource type.
fn schema(kind: &str) -> Value {
    let path = root().join(format!("tests/fixtures/terraform/{kind}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("no schema for `{kind}`: {}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(schema["resource"], kind);
    schema
}

/// Every way `body` departs from the schema's `attributes`, one line each.
fn check_attributes(body: &Value, attributes: &Value, path: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(body) = body.as_object() else {
        return vec![format!("{path}: an object expected, found {body}")];
    };
    let Some(attributes) = attributes.as_object() else {
        return vec![format!(
            "{path}: nested schema not transcribed, so it cannot be written"
        )];
    };
    for (name, value) in body {
        let here = format!("{path}.{name}");
        match attributes.get(name) {
            None => problems.push(format!("{here}: unknown attribute")),
            Some(attribute) if attribute["computed"] == true => {
                problems.push(format!("{here}: read-only attribute set"));
            }
            Some(attribute) => problems.extend(check_value(value, attribute, &here)),
        }
    }
    for (name, attribute) in attributes {
        if attribute["required"] == true && !body.contains_key(name) {
            problems.push(format!("{path}.{name}: required attribute missing"));
        }
    }
    problems
}

fn check_value(value: &Value, attribute: &Value, path: &str) -> Vec<String> {
    let kind = attribute["type"].as_str().unwrap();
    if kind == "object" {
        let nested = &attribute["attributes"];
        if attribute["nesting"] == "single" {
            return check_attributes(value, nested, path);
        }
        let Some(items) = value.as_array() else {
            return vec![format!("{path}: a list of objects expected, found {value}")];
        };
        let mut problems = Vec::new();
        if let Some(min) = attribute["min_items"].as_u64()
            && (items.len() as u64) < min
        {
            problems.push(format!("{path}: at least {min} item(s) expected"));
        }
        for (i, item) in items.iter().enumerate() {
            problems.extend(check_attributes(item, nested, &format!("{path}[{i}]")));
        }
        return problems;
    }
    if let Some(element) = kind
        .strip_prefix("list(")
        .or_else(|| kind.strip_prefix("set("))
        .and_then(|rest| rest.strip_suffix(')'))
    {
        let Some(items) = value.as_array() else {
            return vec![format!("{path}: a {kind} expected, found {value}")];
        };
        let mut problems: Vec<String> = items
            .iter()
            .enumerate()
            .flat_map(|(i, item)| check_scalar(item, element, attribute, &format!("{path}[{i}]")))
            .collect();
        let distinct: BTreeSet<String> = items.iter().map(Value::to_string).collect();
        if kind.starts_with("set(") && distinct.len() != items.len() {
            problems.push(format!("{path}: duplicate set elements"));
        }
        return problems;
    }
    if let Some(element) = kind
        .strip_prefix("map(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        let Some(entries) = value.as_object() else {
            return vec![format!("{path}: a {kind} expected, found {value}")];
        };
        return entries
            .iter()
            .flat_map(|(key, item)| {
                check_scalar(item, element, attribute, &format!("{path}.{key}"))
            })
            .collect();
    }
    check_scalar(value, kind, attribute, path)
}

fn check_scalar(value: &Value, kind: &str, attribute: &Value, path: &str) -> Vec<String> {
    let fits = match kind {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "bool" => value.is_boolean(),
        other => panic!("{path}: schema type `{other}` unknown to the checker"),
    };
    if !fits {
        return vec![format!("{path}: a {kind} expected, found {value}")];
    }
    let mut problems = Vec::new();
    if let Some(allowed) = attribute["values"].as_array()
        && !allowed.contains(value)
    {
        problems.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
    if attribute["lowercase"] == true
        && let Some(text) = value.as_str()
        && text != text.to_lowercase()
    {
        problems.push(format!("{path}: must be lower-case, found {value}"));
    }
    problems
}

/// Every problem of a Terraform file: resources against their schemas, references to resources
/// the file does not have, and the providers it must require.
fn check_file(text: &str) -> Vec<String> {
    let file: Value = serde_json::from_str(text).unwrap();
    let mut problems = Vec::new();
    let mut defined = BTreeSet::new();
    let mut providers_used = BTreeSet::new();
    for (kind, named) in file["resource"].as_object().unwrap() {
        let schema = schema(kind);
        providers_used.insert(schema["provider"].as_str().unwrap().to_owned());
        for (name, body) in named.as_object().unwrap() {
            defined.insert(format!("{kind}.{name}"));
            problems.extend(check_attributes(
                body,
                &schema["attributes"],
                &format!("{kind}.{name}"),
            ));
        }
    }
    for reference in references(&file["resource"]) {
        let Some(address) = reference.strip_suffix(".id") else {
            problems.push(format!("reference `{reference}` reads something but an id"));
            continue;
        };
        if !defined.contains(address) {
            problems.push(format!(
                "reference `{reference}` to no resource of this file"
            ));
        }
    }
    let required = file["terraform"]["required_providers"].as_object().unwrap();
    let required_sources: BTreeSet<String> = required
        .values()
        .map(|provider| provider["source"].as_str().unwrap().to_owned())
        .collect();
    if required_sources != providers_used {
        problems.push(format!(
            "required providers {required_sources:?}, resources of {providers_used:?}"
        ));
    }
    problems
}

/// The `${...}` interpolations anywhere in `value`.
fn references(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => {
            let mut found = Vec::new();
            let mut rest = text.as_str();
            while let Some(start) = rest.find("${") {
                let Some(end) = rest[start..].find('}') else {
                    break;
                };
                found.push(rest[start + 2..start + end].to_owned());
                rest = &rest[start + end + 1..];
            }
            found
        }
        Value::Array(items) => items.iter().flat_map(references).collect(),
        Value::Object(entries) => entries.values().flat_map(references).collect(),
        _ => Vec::new(),
    }
}

fn assert_valid(text: &str) {
    let problems = check_file(text);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn resource_names(file: &Value, kind: &str) -> Vec<String> {
    file["resource"][kind]
        .as_object()
        .map(|named| named.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn seed_outputs_match_the_provider_schemas() {
    let out = Build::of(&[SPECS]).format("plain").ok();
    let mut files: Vec<String> = std::fs::read_dir(out.path().join("terraform"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    // Dealix has an UptimeRobot probe and NEXUS Sentry monitors: both get a file.
    assert_eq!(files, ["dealix.tf.json", "nexus.tf.json"]);
    for service in ["dealix", "nexus"] {
        let text = out.read(&format!("terraform/{service}.tf.json"));
        assert_valid(&text);
        insta::assert_snapshot!(service, text);
    }
}

#[test]
fn alerts_reference_the_monitors_of_their_slo() {
    let out = Build::of(&[SPECS]).format("plain").ok();
    let file: Value = serde_json::from_str(&out.read("terraform/nexus.tf.json")).unwrap();
    let monitors = resource_names(&file, "sentry_metric_monitor");
    assert!(!monitors.is_empty());
    let alert = &file["resource"]["sentry_alert"]["login-availability"];
    let ids: Vec<&str> = alert["monitor_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    let expected: Vec<String> = monitors
        .iter()
        .filter(|name| name.starts_with("login-availability_"))
        .map(|name| format!("${{sentry_metric_monitor.{name}.id}}"))
        .collect();
    assert_eq!(ids, expected);
    // Resolution notifies: de-escalation sits beside the priority condition.
    let conditions = &alert["action_filters"][0]["conditions"];
    assert_eq!(
        conditions[0]["issue_priority_greater_or_equal"]["comparison"],
        50
    );
    assert_eq!(
        conditions[1]["issue_priority_deescalating"]["comparison"],
        50
    );
    assert_eq!(alert["frequency_minutes"], 0);
}

/// One planning step, two renderings: the Terraform resources are the JSON bodies' monitors.
#[test]
fn resources_render_the_same_monitors_as_the_json_bodies() {
    let out = Build::of(&[FEATURES]).format("plain").ok();
    let terraform: Value = serde_json::from_str(&out.read("terraform/acme-shop.tf.json")).unwrap();
    let sentry: Value = serde_json::from_str(&out.read("sentry/acme-shop.json")).unwrap();
    let mut from_bodies: Vec<(String, Value)> = sentry["monitors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|monitor| {
            (
                monitor["body"]["name"].as_str().unwrap().to_owned(),
                monitor["body"].clone(),
            )
        })
        .collect();
    let mut from_terraform: Vec<(String, Value)> =
        ["sentry_metric_monitor", "sentry_uptime_monitor"]
            .iter()
            .flat_map(|kind| {
                terraform["resource"][*kind]
                    .as_object()
                    .cloned()
                    .unwrap_or_default()
            })
            .map(|(_, body)| (body["name"].as_str().unwrap().to_owned(), body))
            .collect();
    from_bodies.sort_by(|a, b| a.0.cmp(&b.0));
    from_terraform.sort_by(|a, b| a.0.cmp(&b.0));
    let names = |monitors: &[(String, Value)]| -> Vec<String> {
        monitors.iter().map(|(name, _)| name.clone()).collect()
    };
    assert_eq!(names(&from_bodies), names(&from_terraform));
    assert!(
        from_terraform
            .iter()
            .any(|(_, body)| body.get("url").is_some())
    );
    for ((name, body), (_, resource)) in from_bodies.iter().zip(&from_terraform) {
        assert_eq!(body["description"], resource["description"], "{name}");
        if let Some(source) = body["dataSources"][0].get("aggregate") {
            assert_eq!(source, &resource["aggregate"], "{name}");
            assert_eq!(body["dataSources"][0]["query"], resource["query"], "{name}");
            assert_eq!(
                body["dataSources"][0]["timeWindow"], resource["time_window_seconds"],
                "{name}"
            );
            let conditions = body["conditionGroup"]["conditions"].as_array().unwrap();
            let rendered = resource["condition_group"]["conditions"]
                .as_array()
                .unwrap();
            assert_eq!(conditions.len(), rendered.len(), "{name}");
            for (condition, rendered) in conditions.iter().zip(rendered) {
                assert_eq!(condition["comparison"], rendered["comparison"], "{name}");
                assert_eq!(
                    condition["conditionResult"], rendered["condition_result"],
                    "{name}"
                );
            }
        }
    }
    let uptimerobot: Value = serde_json::from_str(&out.read("uptimerobot/acme-shop.json")).unwrap();
    let probe = &uptimerobot["monitors"][0];
    let resources = terraform["resource"]["uptimerobot_monitor"]
        .as_object()
        .unwrap();
    assert_eq!(
        resources.len(),
        uptimerobot["monitors"].as_array().unwrap().len()
    );
    let resource = resources.values().next().unwrap();
    assert_eq!(resource["name"], probe["friendlyName"]);
    assert_eq!(resource["keyword_case_type"], probe["keywordCaseType"]);
    assert_eq!(resource["follow_redirections"], probe["followRedirections"]);
    assert_eq!(resource["interval"], probe["interval"]);
    // A string in the provider, a number in the v3 API.
    let contact = &resource["assigned_alert_contacts"][0]["alert_contact_id"];
    assert_eq!(
        contact.as_str().unwrap(),
        probe["assignedAlertContacts"][0]["alertContactId"].to_string()
    );
    assert_valid(&out.read("terraform/acme-shop.tf.json"));
}

#[test]
fn uptime_monitors_get_an_environment() {
    let out = Build::of(&[FEATURES]).format("plain").ok();
    let file: Value = serde_json::from_str(&out.read("terraform/acme-shop.tf.json")).unwrap();
    let uptime = file["resource"]["sentry_uptime_monitor"]
        .as_object()
        .unwrap();
    assert!(!uptime.is_empty());
    for monitor in uptime.values() {
        assert!(monitor["environment"].is_string(), "{monitor}");
    }
}

#[test]
fn legacy_api_writes_metric_alerts() {
    let out = Build::of(&[FEATURES])
        .flags(&["--sentry-api", "legacy"])
        .format("plain")
        .ok();
    let text = out.read("terraform/acme-shop.tf.json");
    assert_valid(&text);
    let file: Value = serde_json::from_str(&text).unwrap();
    let kinds: Vec<&String> = file["resource"].as_object().unwrap().keys().collect();
    assert_eq!(kinds, ["sentry_metric_alert", "uptimerobot_monitor"]);
    let legacy: Value = serde_json::from_str(&out.read("sentry/acme-shop.json")).unwrap();
    let rules = legacy["alertRules"].as_array().unwrap();
    let alerts = file["resource"]["sentry_metric_alert"].as_object().unwrap();
    assert!(!alerts.is_empty() && alerts.len() <= rules.len());
    for alert in alerts.values() {
        let rule = rules
            .iter()
            .find(|rule| rule["body"]["name"] == alert["name"])
            .unwrap_or_else(|| panic!("no JSON rule named {}", alert["name"]));
        assert_eq!(rule["body"]["aggregate"], alert["aggregate"]);
        assert_eq!(rule["body"]["query"], alert["query"]);
        assert_eq!(rule["body"]["timeWindow"], alert["time_window"]);
    }
    insta::assert_snapshot!("features_legacy", text);
}

#[test]
fn files_hold_no_credentials() {
    let out = Build::of(&[SPECS, FEATURES]).format("plain").ok();
    for entry in std::fs::read_dir(out.path().join("terraform")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let file: Value = serde_json::from_str(&text).unwrap();
        // No provider block: the providers take their tokens from the environment.
        assert!(file.get("provider").is_none());
        for word in ["token", "api_key", "password", "secret"] {
            assert!(
                !text.to_lowercase().contains(&format!("\"{word}")),
                "{word}"
            );
        }
    }
}

// The checker itself: each kind of problem is caught.

fn valid_uptime_monitor() -> Value {
    json!({
        "organization": "acme", "project": "web", "name": "Shop", "environment": "production",
        "url": "https://shop.example/health", "method": "GET", "interval_seconds": 60,
        "timeout_ms": 5000,
    })
}

fn problems_of(body: &Value) -> Vec<String> {
    check_attributes(
        body,
        &schema("sentry_uptime_monitor")["attributes"],
        "sentry_uptime_monitor.x",
    )
}

#[test]
fn the_checker_accepts_a_valid_resource() {
    assert_eq!(problems_of(&valid_uptime_monitor()), Vec::<String>::new());
}

#[test]
fn the_checker_rejects_an_unknown_attribute() {
    let mut body = valid_uptime_monitor();
    body["intervalSeconds"] = json!(60);
    assert_eq!(
        problems_of(&body),
        ["sentry_uptime_monitor.x.intervalSeconds: unknown attribute"]
    );
}

#[test]
fn the_checker_rejects_a_missing_required_attribute() {
    let mut body = valid_uptime_monitor();
    body.as_object_mut().unwrap().remove("environment");
    assert_eq!(
        problems_of(&body),
        ["sentry_uptime_monitor.x.environment: required attribute missing"]
    );
}

#[test]
fn the_checker_rejects_a_type_mismatch() {
    let mut body = valid_uptime_monitor();
    body["timeout_ms"] = json!("5000");
    assert_eq!(
        problems_of(&body),
        ["sentry_uptime_monitor.x.timeout_ms: a number expected, found \"5000\""]
    );
}

#[test]
fn the_checker_rejects_values_the_provider_does_not_allow() {
    let mut body = valid_uptime_monitor();
    body["interval_seconds"] = json!(120);
    body["id"] = json!("1");
    let problems = problems_of(&body);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("sentry_uptime_monitor.x.interval_seconds: 120 is not one of"));
    assert_eq!(
        problems[1],
        "sentry_uptime_monitor.x.id: read-only attribute set"
    );
}

#[test]
fn the_checker_reads_nested_attributes_and_references() {
    let mut alert = json!({
        "organization": "acme", "name": "a", "frequency_minutes": 0,
        "monitor_ids": ["${sentry_metric_monitor.missing.id}"],
        "action_filters": [{
            "logic_type": "any-short",
            "conditions": [{"issue_priority_deescalating": {"comparison": "high"}}],
            "actions": [{"slack": {"integration_id": "1"}}, {"discord": {"channel_id": "2"}}],
        }],
    });
    let problems = check_attributes(&alert, &schema("sentry_alert")["attributes"], "a");
    assert_eq!(
        problems,
        [
            "a.action_filters[0].conditions[0].issue_priority_deescalating.comparison: a number expected, found \"high\"",
            "a.action_filters[0].actions[0].slack.channel_name: required attribute missing",
            "a.action_filters[0].actions[1].discord: nested schema not transcribed, so it cannot be written",
        ]
    );
    alert["action_filters"] = json!([]);
    let file = json!({
        "terraform": {"required_providers": {"sentry": {"source": "jianyuan/sentry", "version": ">= 0.15.0"}}},
        "resource": {"sentry_alert": {"a": alert}},
    });
    assert_eq!(
        check_file(&file.to_string()),
        ["reference `sentry_metric_monitor.missing.id` to no resource of this file"]
    );
    let tags = json!({"name": "n", "type": "HTTP", "interval": 60, "tags": ["Slofile", "x", "x"]});
    assert_eq!(
        check_attributes(&tags, &schema("uptimerobot_monitor")["attributes"], "u"),
        [
            "u.tags[0]: must be lower-case, found \"Slofile\"",
            "u.tags: duplicate set elements",
        ]
    );
}

#[test]
fn every_schema_fixture_is_readable_by_the_checker() {
    for kind in [
        "sentry_alert",
        "sentry_metric_alert",
        "sentry_metric_monitor",
        "sentry_uptime_monitor",
        "uptimerobot_monitor",
    ] {
        let schema = schema(kind);
        let attributes: &Map<String, Value> = schema["attributes"].as_object().unwrap();
        assert!(attributes.contains_key("id"), "{kind}");
        assert_eq!(attributes["id"]["computed"], true, "{kind}");
    }
}

const OWNERS_ONLY: &str = "tests/fixtures/monitors/issue-owners-only.yaml";

#[test]
fn legacy_rules_nobody_hears_are_left_out_with_one_warning() {
    let out = Build::of(&[OWNERS_ONLY])
        .flags(&["--sentry-api", "legacy"])
        .ok();
    let notes: Vec<Value> = out
        .diagnostics()
        .into_iter()
        .filter(|note| {
            note["message"]
                .as_str()
                .unwrap()
                .contains("sentry_metric_alert needs an action")
        })
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["code"], "slofile::sentry_unsupported");
    assert_eq!(notes[0]["severity"], "warning");
    assert_eq!(notes[0]["line"], 12);
    let message = notes[0]["message"].as_str().unwrap();
    assert!(message.contains("`login/failure-rate-1h`"), "{message}");
    // Nothing left to apply: no file at all.
    assert!(!out.path().join("terraform/owners-only.tf.json").exists());
}

#[test]
fn the_current_api_notifies_issue_owners() {
    let out = Build::of(&[OWNERS_ONLY]).format("plain").ok();
    let text = out.read("terraform/owners-only.tf.json");
    assert_valid(&text);
    let file: Value = serde_json::from_str(&text).unwrap();
    let action = &file["resource"]["sentry_alert"]["login"]["action_filters"][0]["actions"][0];
    assert_eq!(
        action,
        &json!({"email": {"target_type": "issue_owners", "fallthrough_type": "ActiveMembers"}})
    );
}

#[test]
fn output_does_not_depend_on_input_order() {
    let forward = Build::of(&[SPECS, FEATURES]).format("plain").ok();
    let backward = Build::of(&[FEATURES, "specs/nexus.yaml", "specs/dealix.yaml"])
        .format("plain")
        .ok();
    for service in ["acme-shop", "dealix", "nexus"] {
        let path = format!("terraform/{service}.tf.json");
        assert_eq!(forward.read(&path), backward.read(&path), "{path}");
    }
}

#[test]
fn every_shipped_spec_gives_files_the_providers_accept() {
    for api in ["current", "legacy"] {
        let out = Build::of(&[SPECS, "examples", FEATURES])
            .flags(&["--sentry-api", api])
            .format("plain")
            .ok();
        let mut checked = 0;
        for entry in std::fs::read_dir(out.path().join("terraform")).unwrap() {
            let path = entry.unwrap().path();
            let problems = check_file(&std::fs::read_to_string(&path).unwrap());
            assert!(
                problems.is_empty(),
                "{api}: {}:\n{}",
                path.display(),
                problems.join("\n")
            );
            checked += 1;
        }
        assert!(checked >= 4, "{api}: {checked} files");
    }
}
