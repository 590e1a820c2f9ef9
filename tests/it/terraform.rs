//! The Terraform backend: the files of `terraform/` read together as the one module Terraform
//! makes of them (one `terraform` block, no duplicate blocks or resource addresses, references
//! that resolve within the module), every resource checked against the providers' resource
//! schemas (`tests/fixtures/terraform/`, see its SOURCE), the same monitors as the JSON bodies,
//! and goldens.

use crate::common::build::{Build, Built};
use crate::common::root;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

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
        // Written without fraction or exponent: `1`, never `1.0`.
        "integer" => value.is_i64() || value.is_u64(),
        // `1`, `1.0` and `0.0125` alike.
        "float" => value.is_number(),
        "bool" => value.is_boolean(),
        other => panic!("{path}: schema type `{other}` unknown to the checker"),
    };
    if !fits {
        let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        return vec![format!("{path}: {article} {kind} expected, found {value}")];
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

/// Every problem of the module made of `files` (name to text), as Terraform reads the `*.tf.json`
/// files of one directory together: at most one `required_providers`, at most one `provider`
/// block per provider, no resource address twice, every reference resolving to a resource of
/// the module, the providers of every resource required, and every resource against its schema.
fn check_module(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut defined: BTreeMap<String, String> = BTreeMap::new();
    let mut providers_used = BTreeSet::new();
    let mut required: Vec<(String, Value)> = Vec::new();
    let mut provider_blocks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut referenced = Vec::new();
    for (name, text) in files {
        let file: Value =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
        for key in file.as_object().unwrap().keys() {
            if !["terraform", "provider", "resource"].contains(&key.as_str()) {
                problems.push(format!("{name}: unexpected top-level block `{key}`"));
            }
        }
        if let Some(providers) = file["terraform"].get("required_providers") {
            required.push((name.clone(), providers.clone()));
        }
        for provider in file["provider"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(p, _)| p)
        {
            provider_blocks
                .entry(provider.clone())
                .or_default()
                .push(name.clone());
        }
        for (kind, named) in file["resource"].as_object().into_iter().flatten() {
            let schema = schema(kind);
            providers_used.insert(schema["provider"].as_str().unwrap().to_owned());
            for (resource, body) in named.as_object().unwrap() {
                let address = format!("{kind}.{resource}");
                if let Some(first) = defined.insert(address.clone(), name.clone()) {
                    problems.push(format!("{address}: defined in {first} and in {name}"));
                }
                if !is_identifier(resource) {
                    problems.push(format!("{address}: not a Terraform identifier"));
                }
                problems.extend(check_attributes(body, &schema["attributes"], &address));
            }
        }
        referenced.extend(references(&file["resource"]));
    }
    if required.len() > 1 {
        let names: Vec<&str> = required.iter().map(|(name, _)| name.as_str()).collect();
        problems.push(format!(
            "required_providers in {}: Terraform reports a duplicate required providers configuration",
            names.join(", ")
        ));
    }
    for (provider, names) in &provider_blocks {
        if names.len() > 1 {
            problems.push(format!(
                "provider `{provider}` configured in {}",
                names.join(", ")
            ));
        }
    }
    for reference in referenced {
        let Some(address) = reference.strip_suffix(".id") else {
            problems.push(format!("reference `{reference}` reads something but an id"));
            continue;
        };
        if !defined.contains_key(address) {
            problems.push(format!(
                "reference `{reference}` to no resource of the module"
            ));
        }
    }
    let required_sources: BTreeSet<String> = required
        .iter()
        .flat_map(|(_, providers)| providers.as_object().unwrap().values())
        .map(|provider| provider["source"].as_str().unwrap().to_owned())
        .collect();
    if !defined.is_empty() && required_sources != providers_used {
        problems.push(format!(
            "required providers {required_sources:?}, resources of {providers_used:?}"
        ));
    }
    problems
}

/// A Terraform name: letters, digits, `_` and `-`, starting with a letter or `_`.
fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The files of `terraform/`, by name.
fn module(built: &Built) -> BTreeMap<String, String> {
    built.files("terraform")
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

fn assert_valid(built: &Built) {
    let problems = check_module(&module(built));
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
    // Dealix has an UptimeRobot probe and NEXUS Sentry monitors: both get a file, and the
    // module one `terraform` block.
    assert_eq!(
        files,
        ["dealix.tf.json", "nexus.tf.json", "providers.tf.json"]
    );
    assert_valid(&out);
    for service in ["dealix", "nexus", "providers"] {
        let text = out.read(&format!("terraform/{service}.tf.json"));
        insta::assert_snapshot!(service, text);
    }
}

#[test]
fn alerts_reference_the_monitors_of_their_slo() {
    let out = Build::of(&[SPECS]).format("plain").ok();
    let file: Value = serde_json::from_str(&out.read("terraform/nexus.tf.json")).unwrap();
    let monitors = resource_names(&file, "sentry_metric_monitor");
    assert!(!monitors.is_empty());
    let alert = &file["resource"]["sentry_alert"]["nexus_login-availability"];
    let ids: Vec<&str> = alert["monitor_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    let expected: Vec<String> = monitors
        .iter()
        .filter(|name| name.starts_with("nexus_login-availability_"))
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
    assert_valid(&out);
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
    assert_valid(&out);
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
        ["sentry_uptime_monitor.x.timeout_ms: an integer expected, found \"5000\""]
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
            "a.action_filters[0].conditions[0].issue_priority_deescalating.comparison: an integer expected, found \"high\"",
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
        check_module(&BTreeMap::from([(
            "a.tf.json".to_owned(),
            file.to_string()
        )])),
        ["reference `sentry_metric_monitor.missing.id` to no resource of the module"]
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
    assert_valid(&out);
    let file: Value = serde_json::from_str(&text).unwrap();
    let action =
        &file["resource"]["sentry_alert"]["owners-only_login"]["action_filters"][0]["actions"][0];
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

/// Every spec and example built in one run: the files of `terraform/` make one module that
/// Terraform loads, whose resources the providers accept.
#[test]
fn every_spec_and_example_built_together_is_one_module_the_providers_accept() {
    for api in ["current", "legacy"] {
        let out = Build::of(&[SPECS, "examples", FEATURES, SHARED_IDS])
            .flags(&["--sentry-api", api])
            .format("plain")
            .ok();
        let files = module(&out);
        let problems = check_module(&files);
        assert!(problems.is_empty(), "{api}:\n{}", problems.join("\n"));
        assert!(files.len() >= 6, "{api}: {:?}", files.keys());
        // One `terraform` block, in its own file; the service files hold resources only.
        for (name, text) in &files {
            let file: Value = serde_json::from_str(text).unwrap();
            let blocks: Vec<&String> = file.as_object().unwrap().keys().collect();
            let expected = if name == "providers.tf.json" {
                "terraform"
            } else {
                "resource"
            };
            assert_eq!(blocks, [expected], "{api}: {name}");
        }
    }
}

const SHARED_IDS: &str = "tests/fixtures/monitors/shared-slo-ids.yaml";

#[test]
fn services_sharing_slo_ids_get_resources_of_their_own() {
    let out = Build::of(&[SHARED_IDS]).format("plain").ok();
    assert_valid(&out);
    let files = module(&out);
    let names = |service: &str, kind: &str| {
        let file: Value = serde_json::from_str(&files[&format!("{service}.tf.json")]).unwrap();
        resource_names(&file, kind)
    };
    assert_eq!(names("web-eu", "sentry_alert"), ["web-eu_login"]);
    assert_eq!(names("web-us", "sentry_alert"), ["web-us_login"]);
    assert_eq!(names("web-eu", "uptimerobot_monitor"), ["web-eu_home"]);
    assert_eq!(names("web-us", "uptimerobot_monitor"), ["web-us_home"]);
    let file: Value = serde_json::from_str(&files["web-us.tf.json"]).unwrap();
    for id in file["resource"]["sentry_alert"]["web-us_login"]["monitor_ids"]
        .as_array()
        .unwrap()
    {
        assert!(
            id.as_str()
                .unwrap()
                .starts_with("${sentry_metric_monitor.web-us_login_"),
            "{id}"
        );
    }
}

// The module checker: each way Terraform refuses a directory is caught.

fn uptime_file(names: &[&str], with_terraform: bool) -> String {
    let resources: Map<String, Value> = names
        .iter()
        .map(|name| ((*name).to_owned(), valid_uptime_monitor()))
        .collect();
    let mut file = json!({"resource": {"sentry_uptime_monitor": resources}});
    if with_terraform {
        file["terraform"] = json!({"required_providers": {
            "sentry": {"source": "jianyuan/sentry", "version": "~> 0.15.3"},
        }});
    }
    file.to_string()
}

#[test]
fn the_module_checker_accepts_resources_split_over_files() {
    let files = BTreeMap::from([
        ("a.tf.json".to_owned(), uptime_file(&["a_x"], true)),
        ("b.tf.json".to_owned(), uptime_file(&["b_x"], false)),
    ]);
    assert_eq!(check_module(&files), Vec::<String>::new());
}

#[test]
fn the_module_checker_rejects_what_terraform_refuses() {
    let files = BTreeMap::from([
        ("a.tf.json".to_owned(), uptime_file(&["x"], true)),
        ("b.tf.json".to_owned(), uptime_file(&["x", "5x"], true)),
        (
            "c.tf.json".to_owned(),
            json!({"provider": {"sentry": {}}, "resource": {"sentry_alert": {"c": {
                "organization": "acme", "name": "c", "action_filters": [],
                "frequency_minutes": 0, "monitor_ids": ["${sentry_uptime_monitor.y.id}"],
            }}}})
            .to_string(),
        ),
        (
            "d.tf.json".to_owned(),
            json!({"provider": {"sentry": {}}}).to_string(),
        ),
    ]);
    assert_eq!(
        check_module(&files),
        [
            "sentry_uptime_monitor.x: defined in a.tf.json and in b.tf.json",
            "sentry_uptime_monitor.5x: not a Terraform identifier",
            "required_providers in a.tf.json, b.tf.json: Terraform reports a duplicate required providers configuration",
            "provider `sentry` configured in c.tf.json, d.tf.json",
            "reference `sentry_uptime_monitor.y.id` to no resource of the module",
        ]
    );
    // Resources of a provider the module does not require.
    let files = BTreeMap::from([("a.tf.json".to_owned(), uptime_file(&["x"], false))]);
    assert_eq!(
        check_module(&files),
        ["required providers {}, resources of {\"jianyuan/sentry\"}"]
    );
}

#[test]
fn the_checker_tells_integers_from_floats() {
    let monitor = schema("sentry_metric_monitor");
    let conditions = &monitor["attributes"]["condition_group"]["attributes"]["conditions"];
    // `comparison` is a float: 1, 1.0 and a fraction alike.
    for comparison in ["1", "1.0", "0.0125"] {
        let condition: Value = serde_json::from_str(&format!(
            r#"[{{"type": "gt", "comparison": {comparison}, "condition_result": 75}}]"#
        ))
        .unwrap();
        assert_eq!(
            check_value(&condition, conditions, "c"),
            Vec::<String>::new(),
            "{comparison}"
        );
    }
    // `condition_result` is an integer: 75, never 75.0 or a fraction.
    for result in ["75.0", "7.5", "7e1"] {
        let condition: Value = serde_json::from_str(&format!(
            r#"[{{"type": "gt", "comparison": 1, "condition_result": {result}}}]"#
        ))
        .unwrap();
        assert_eq!(
            check_value(&condition, conditions, "c"),
            [format!(
                "c[0].condition_result: an integer expected, found {}",
                condition[0]["condition_result"]
            )],
            "{result}"
        );
    }
    let mut body = valid_uptime_monitor();
    body["timeout_ms"] = json!(5000.0);
    assert_eq!(
        problems_of(&body),
        ["sentry_uptime_monitor.x.timeout_ms: an integer expected, found 5000.0"]
    );
}

/// The number attributes of every fixture are integers or floats, none left undecided.
#[test]
fn every_number_attribute_is_an_integer_or_a_float() {
    fn kinds(attributes: &Value, out: &mut BTreeSet<String>) {
        for attribute in attributes.as_object().into_iter().flat_map(Map::values) {
            out.insert(attribute["type"].as_str().unwrap().to_owned());
            kinds(&attribute["attributes"], out);
        }
    }
    let mut found = BTreeSet::new();
    for kind in [
        "sentry_alert",
        "sentry_metric_alert",
        "sentry_metric_monitor",
        "sentry_uptime_monitor",
        "uptimerobot_monitor",
    ] {
        kinds(&schema(kind)["attributes"], &mut found);
    }
    assert!(
        found.contains("integer") && found.contains("float"),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|kind| kind.contains("number")),
        "{found:?}"
    );
    let floats = |kind: &str| -> Vec<String> {
        fn walk(attributes: &Value, path: &str, out: &mut Vec<String>) {
            for (name, attribute) in attributes.as_object().into_iter().flatten() {
                if attribute["type"] == "float" {
                    out.push(format!("{path}{name}"));
                }
                walk(&attribute["attributes"], &format!("{path}{name}."), out);
            }
        }
        let mut out = Vec::new();
        walk(&schema(kind)["attributes"], "", &mut out);
        out
    };
    // As the providers declare them (SOURCE): Float64Attribute and TypeFloat.
    assert_eq!(
        floats("sentry_metric_monitor"),
        ["condition_group.conditions.comparison"]
    );
    assert_eq!(
        floats("sentry_metric_alert"),
        [
            "comparison_delta",
            "resolve_threshold",
            "time_window",
            "trigger.alert_threshold",
            "trigger.resolve_threshold",
        ]
    );
    for kind in [
        "sentry_alert",
        "sentry_uptime_monitor",
        "uptimerobot_monitor",
    ] {
        assert!(floats(kind).is_empty(), "{kind}");
    }
}
