//! `--alertmanager-format operator`: one prometheus-operator `AlertmanagerConfig` per service,
//! checked against the CRD's schema (`tests/fixtures/alertmanager/`, see its SOURCE), against
//! what the operator's own validation refuses, and against the routes of the one configuration.

use crate::alertmanager::{
    CONFIG, FIXTURES, INHIBIT, INHIBIT_OTHER, alertmanager_files, service_route, yaml,
};
use crate::common::build::Build;
use crate::common::root;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fs;

fn operator_schema() -> Value {
    let path = root().join("tests/fixtures/alertmanager/alertmanagerconfig-v1alpha1.schema.json");
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// Fields of `value` that `schema` does not declare, which Kubernetes would silently prune.
fn undeclared_fields(value: &Value, schema: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(entries) => {
            let Some(properties) = schema["properties"].as_object() else {
                return;
            };
            for (name, item) in entries {
                match properties.get(name) {
                    Some(property) => {
                        undeclared_fields(item, property, &format!("{path}.{name}"), out);
                    }
                    None => out.push(format!("{path}.{name}")),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                undeclared_fields(item, &schema["items"], &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Runs `check` on `route` and every route below it.
fn walk(
    route: &Value,
    path: &str,
    check: &dyn Fn(&Value, &str, &mut Vec<String>),
    out: &mut Vec<String>,
) {
    check(route, path, out);
    for (i, child) in route["routes"].as_array().into_iter().flatten().enumerate() {
        walk(child, &format!("{path}.routes[{i}]"), check, out);
    }
}

/// Every way an object departs from the CRD: schema errors, undeclared fields, nested routes
/// (which the CRD leaves unchecked) against the route schema, and receivers a route names that
/// the object does not define.
fn operator_problems(object: &Value) -> Vec<String> {
    let schema = operator_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut problems: Vec<String> = validator
        .iter_errors(object)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    undeclared_fields(object, &schema, "", &mut problems);
    let route_schema = &schema["properties"]["spec"]["properties"]["route"];
    let route_validator = jsonschema::validator_for(route_schema).unwrap();
    let defined: BTreeSet<&str> = object["spec"]["receivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    let check = |route: &Value, path: &str, out: &mut Vec<String>| {
        out.extend(
            route_validator
                .iter_errors(route)
                .map(|e| format!("{path}{}: {e}", e.instance_path())),
        );
        let mut undeclared = Vec::new();
        undeclared_fields(route, route_schema, path, &mut undeclared);
        // Nested routes are declared as free-form items; they are walked themselves.
        out.extend(undeclared);
        if let Some(receiver) = route["receiver"].as_str()
            && !defined.contains(receiver)
        {
            out.push(format!("{path}: receiver `{receiver}` not defined"));
        }
    };
    // What the operator's own validation refuses.
    if object["spec"]["route"]["receiver"].is_null() {
        problems.push(".spec.route: root route must define a receiver".to_owned());
    }
    walk(
        &object["spec"]["route"],
        ".spec.route",
        &check,
        &mut problems,
    );
    problems
}

/// A route of the operator's, written as the configuration writes it: matchers as text.
fn as_config_route(route: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(matchers) = route["matchers"].as_array() {
        let matchers: Vec<String> = matchers
            .iter()
            .map(|m| {
                format!(
                    "{}{}\"{}\"",
                    m["name"].as_str().unwrap(),
                    m["matchType"].as_str().unwrap(),
                    m["value"].as_str().unwrap()
                )
            })
            .collect();
        out.insert("matchers".into(), json!(matchers));
    }
    for (from, to) in [
        ("receiver", "receiver"),
        ("groupBy", "group_by"),
        ("groupWait", "group_wait"),
        ("groupInterval", "group_interval"),
        ("repeatInterval", "repeat_interval"),
        ("continue", "continue"),
    ] {
        if let Some(value) = route.get(from) {
            out.insert(to.into(), value.clone());
        }
    }
    if let Some(routes) = route["routes"].as_array() {
        out.insert(
            "routes".into(),
            json!(routes.iter().map(as_config_route).collect::<Vec<_>>()),
        );
    }
    Value::Object(out)
}

#[test]
fn operator_objects_match_the_crd_and_route_as_the_config_does() {
    let inputs = [FIXTURES, "specs", "examples", INHIBIT, INHIBIT_OTHER];
    let config = Build::of(&inputs).ok();
    let config = yaml(&config.read(CONFIG));
    let out = Build::of(&inputs)
        .flags(&["--alertmanager-format", "operator"])
        .ok();
    let files = alertmanager_files(out.path());
    assert_eq!(
        files.len(),
        config["route"]["routes"].as_array().unwrap().len()
    );
    for file in &files {
        let service = file.strip_suffix(".yaml").unwrap();
        let text = out.read(&format!("alertmanager/{file}"));
        let object = yaml(&text);
        let problems = operator_problems(&object);
        assert!(problems.is_empty(), "{file}:\n{}", problems.join("\n"));
        assert_eq!(object["apiVersion"], "monitoring.coreos.com/v1alpha1");
        assert_eq!(object["kind"], "AlertmanagerConfig");
        assert_eq!(object["metadata"]["name"], format!("slofile-{service}"));
        assert_eq!(object["metadata"]["labels"]["slofile/service"], service);
        // The same subtree as the configuration's, with the root's grouping and timing on top.
        let mut expected = service_route(&config, service).clone();
        for field in [
            "group_by",
            "group_wait",
            "group_interval",
            "repeat_interval",
        ] {
            expected[field] = config["route"][field].clone();
        }
        if expected.get("receiver").is_none() {
            // Never reached (a child takes every alert), but the operator wants one.
            expected["receiver"] = json!(format!("{service}-no-notification"));
        }
        assert_eq!(
            as_config_route(&object["spec"]["route"]),
            expected,
            "{file}"
        );
        // No secret inline: every one is a key of the service's Secret.
        for secret in ["apiURL", "routingKey", "urlSecret", "authPassword"] {
            for found in find_all(&object, secret) {
                assert_eq!(
                    found,
                    &json!({"name": format!("slofile-{service}"), "key": found["key"]}),
                    "{file}: {secret}"
                );
            }
        }
        assert!(!text.contains(".invalid"), "{file}");
        assert!(!text.contains("\"url\""), "{file}");
    }
}

/// Every value under the key `name`, anywhere in `value`.
fn find_all<'a>(value: &'a Value, name: &str) -> Vec<&'a Value> {
    match value {
        Value::Object(entries) => entries
            .iter()
            .flat_map(|(key, item)| {
                let mut found = if key == name { vec![item] } else { Vec::new() };
                found.extend(find_all(item, name));
                found
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(|item| find_all(item, name)).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn operator_object_of_shop_matches_its_snapshot() {
    let out = Build::of(&[FIXTURES])
        .flags(&["--alertmanager-format", "operator"])
        .ok();
    assert_eq!(
        alertmanager_files(out.path()),
        ["billing.yaml", "ledger.yaml", "shop.yaml"]
    );
    let text = out.read("alertmanager/shop.yaml");
    insta::assert_snapshot!("alertmanager_operator_shop", text);
    let object = yaml(&text);
    let receiver = |name: &str| -> Value {
        object["spec"]["receivers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no receiver {name}"))
    };
    assert_eq!(
        receiver("shop-pagerduty")["pagerdutyConfigs"][0]["routingKey"],
        json!({"name": "slofile-shop", "key": "pagerduty"})
    );
    assert_eq!(
        receiver("shop-incident-bridge")["webhookConfigs"][0]["urlSecret"],
        json!({"name": "slofile-shop", "key": "incident-bridge"})
    );
    // The relay and sender are the Alertmanager's own.
    let email = &receiver("shop-ops-email")["emailConfigs"][0];
    assert!(email.get("smarthost").is_none() && email.get("from").is_none());
    let inhibit = &object["spec"]["inhibitRules"][0];
    assert_eq!(
        inhibit["targetMatch"][2],
        json!({"name": "severity", "value": "page", "matchType": "!="})
    );
}

#[test]
fn the_operator_checker_catches_what_kubernetes_would_refuse_or_prune() {
    let object = json!({
        "apiVersion": "monitoring.coreos.com/v1alpha1",
        "kind": "AlertmanagerConfig",
        "metadata": {"name": "x"},
        "spec": {
            "route": {
                "group_by": ["alertname"],
                "routes": [{
                    "receiver": "missing",
                    "matchers": [{"name": "severity", "value": "page", "matchType": "=="}],
                }],
            },
            "receivers": [{"name": "a", "webhookConfigs": [{"url_secret": {}}]}],
        },
    });
    let problems = operator_problems(&object);
    for expected in [
        ".spec.route: root route must define a receiver",
        ".spec.route.group_by",
        ".spec.receivers[0].webhookConfigs[0].url_secret",
        ".spec.route.routes[0]: receiver `missing` not defined",
    ] {
        assert!(
            problems.iter().any(|p| p == expected),
            "{expected} not in {problems:#?}"
        );
    }
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(".spec.route.routes[0]/matchers/0/matchType")),
        "{problems:#?}"
    );
}
