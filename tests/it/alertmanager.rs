//! The Alertmanager backend: one configuration for every service, checked by the real `amtool`
//! and a real Alertmanager; and `--alertmanager-format operator`, checked against the
//! `AlertmanagerConfig` schema (`tests/fixtures/alertmanager/`, see its SOURCE).

use crate::common::alertmanager_server::AlertmanagerServer;
use crate::common::build::Build;
use crate::common::{require_tool, root};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

pub(crate) const FIXTURES: &str = "tests/fixtures/cicd/specs";
pub(crate) const CONFIG: &str = "alertmanager/alertmanager.yml";
pub(crate) const INHIBIT: &str = "tests/fixtures/alertmanager/inhibit.yaml";
pub(crate) const INHIBIT_OTHER: &str = "tests/fixtures/alertmanager/inhibit-other.yaml";

pub(crate) fn alertmanager_files(out: &Path) -> Vec<String> {
    let mut files: Vec<String> = fs::read_dir(out.join("alertmanager"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn amtool_check(file: &Path) -> String {
    let amtool = require_tool("amtool");
    let text =
        crate::common::run_tool_ok(&amtool, &["check-config", file.to_str().unwrap()], &root());
    assert!(text.contains("SUCCESS"), "{text}");
    text
}

/// The receivers `amtool` routes an alert with these labels to.
fn routes(file: &Path, labels: &[&str]) -> String {
    let amtool = require_tool("amtool");
    let config = format!("--config.file={}", file.display());
    let mut args = vec!["config", "routes", "test", config.as_str()];
    args.extend(labels);
    let output = std::process::Command::new(amtool)
        .args(&args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A YAML file as JSON.
pub(crate) fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap()
}

/// The route of `service` under the root of a configuration.
pub(crate) fn service_route<'a>(config: &'a Value, service: &str) -> &'a Value {
    let matcher = format!("service=\"{service}\"");
    config["route"]["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|route| route["matchers"] == json!([matcher]))
        .unwrap_or_else(|| panic!("no route of {service}"))
}

#[test]
fn one_config_for_every_service_matches_its_snapshot_and_amtool_accepts_it() {
    let out = Build::of(&[FIXTURES]).ok();
    assert_eq!(alertmanager_files(out.path()), ["alertmanager.yml"]);
    let checked = amtool_check(&out.path().join(CONFIG));
    // Every receiver once: the silent root, and each service's own.
    assert!(checked.contains(" - 12 receivers"), "{checked}");
    assert!(checked.contains(" - 3 inhibit rules"), "{checked}");
    let text = out.read(CONFIG);
    insta::assert_snapshot!("alertmanager_config", text);
    let config = yaml(&text);
    // One root, one subtree per service, the global settings once.
    assert_eq!(config["route"]["receiver"], "unrouted");
    let services: Vec<&Value> = config["route"]["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|route| &route["matchers"][0])
        .collect();
    assert_eq!(
        services,
        [
            "service=\"billing\"",
            "service=\"ledger\"",
            "service=\"shop\""
        ]
    );
    assert_eq!(text.matches("\nglobal:").count(), 1);
    assert_eq!(text.matches("\nroute:").count(), 1);
    assert_eq!(text.matches("smtp_smarthost:").count(), 1);
}

#[test]
fn every_spec_and_example_built_together_is_one_config_amtool_accepts() {
    let inputs = [
        root().join(FIXTURES),
        root().join("specs"),
        root().join("examples"),
        root().join(INHIBIT),
        root().join(INHIBIT_OTHER),
    ];
    let mut report = slofile::diagnostics::Report::default();
    let services = slofile::load_services(&inputs, &mut report).unwrap();
    assert_eq!(report.error_count(), 0);
    let out = Build::of_paths(&inputs).ok();
    assert_eq!(alertmanager_files(out.path()), ["alertmanager.yml"]);
    amtool_check(&out.path().join(CONFIG));
    let config = yaml(&out.read(CONFIG));
    let with_routing: Vec<&str> = services
        .iter()
        .filter(|s| slofile::emit::alertmanager::has_routing(&s.meta))
        .map(|s| s.meta.id.as_str())
        .collect();
    assert!(with_routing.len() >= 8, "{with_routing:?}");
    let receivers: Vec<&str> = config["receivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    let distinct: BTreeSet<&str> = receivers.iter().copied().collect();
    assert_eq!(distinct.len(), receivers.len(), "every receiver once");
    assert_eq!(
        config["route"]["routes"].as_array().unwrap().len(),
        with_routing.len()
    );
    for service in with_routing {
        let route = service_route(&config, service);
        // Each service's routes name its own receivers only.
        let mut named = BTreeSet::new();
        collect_receivers(route, &mut named);
        for receiver in named {
            assert!(
                receiver.starts_with(&format!("{service}-")),
                "{service}: {receiver}"
            );
            assert!(distinct.contains(receiver.as_str()), "{receiver}");
        }
    }
    // Every inhibit rule is scoped to one service, in its source and its target.
    for rule in config["inhibit_rules"].as_array().unwrap() {
        let source = rule["source_matchers"][0].as_str().unwrap();
        assert!(source.starts_with("service=\""), "{rule}");
        assert_eq!(rule["target_matchers"][0], source, "{rule}");
    }
}

fn collect_receivers(route: &Value, out: &mut BTreeSet<String>) {
    if let Some(receiver) = route["receiver"].as_str() {
        out.insert(receiver.to_owned());
    }
    for child in route["routes"].as_array().into_iter().flatten() {
        collect_receivers(child, out);
    }
}

#[test]
fn routing_follows_each_service_s_escalation_matrix() {
    let out = Build::of(&[FIXTURES]).ok();
    let config = out.path().join(CONFIG);
    let cases: &[(&[&str], &str)] = &[
        // P1 notifies PagerDuty and Slack; its SMS channel is outside Alertmanager.
        (
            &["service=shop", "escalation=P1", "severity=page"],
            "shop-pagerduty,shop-slack-oncall",
        ),
        (
            &["service=shop", "escalation=P2", "severity=page"],
            "shop-slack-oncall,shop-incident-bridge",
        ),
        (
            &["service=shop", "escalation=P3", "severity=ticket"],
            "shop-slack-alerts,shop-ops-email",
        ),
        // P4 only shows on a dashboard.
        (
            &["service=shop", "escalation=P4", "severity=ticket"],
            "shop-no-notification",
        ),
        // Without an escalation label: pages as P1, tickets and other severities as the least
        // urgent level that notifies somebody (P3, since P4 notifies nobody).
        (
            &["service=shop", "severity=page"],
            "shop-pagerduty,shop-slack-oncall",
        ),
        (
            &["service=shop", "severity=ticket"],
            "shop-slack-alerts,shop-ops-email",
        ),
        (
            &["service=shop", "severity=warning"],
            "shop-slack-alerts,shop-ops-email",
        ),
        // The same labels of another service go to that service's receivers.
        (
            &["service=billing", "escalation=P1", "severity=page"],
            "billing-billing-slack",
        ),
        (
            &["service=ledger", "severity=page"],
            "ledger-ledger-slack,ledger-audit-hook",
        ),
        // A self-test alert reaches its channel's receiver, in its own service only.
        (
            &[
                "service=billing",
                "alertname=SlofileSelfTest",
                "channel=billing-slack",
            ],
            "billing-billing-slack",
        ),
        // An alert of no service of the build notifies nobody.
        (&["service=catalog", "escalation=P1"], "unrouted"),
        (&["severity=page"], "unrouted"),
    ];
    for (labels, expected) in cases {
        assert_eq!(routes(&config, labels), *expected, "{labels:?}");
    }
}

#[test]
fn secrets_are_read_from_files_and_placeholders_are_invalid_hosts() {
    let out = Build::of(&[FIXTURES]).ok();
    let text = out.read(CONFIG);
    for (field, file) in [
        ("api_url_file", "/etc/alertmanager/secrets/slack-oncall-url"),
        // No `secret_file` in the spec: the documented default path.
        (
            "api_url_file",
            "/etc/alertmanager/secrets/shop/slack-alerts",
        ),
        (
            "routing_key_file",
            "/etc/alertmanager/secrets/pagerduty-routing-key",
        ),
        (
            "auth_password_file",
            "/etc/alertmanager/secrets/smtp-password",
        ),
    ] {
        assert!(
            text.contains(&format!("{field}: {file}\n")),
            "{field}: {file}"
        );
    }
    for inline in [
        "api_url:",
        "routing_key:",
        "service_key:",
        "auth_password:",
        "hooks.slack.com",
    ] {
        assert!(!text.contains(inline), "inline secret field {inline}");
    }
    // What cannot come from a file is a placeholder nobody can resolve by accident: the SMTP
    // relay, sender and user of shop, and the webhook URLs of shop and ledger.
    let placeholders: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.contains(".invalid") || l.contains("placeholder"))
        .collect();
    assert_eq!(placeholders.len(), 5, "{placeholders:#?}");
    assert!(
        text.contains("url: https://webhook-url-from-secret-file.invalid/shop/incident-bridge\n")
    );
    assert!(text.contains("url: https://webhook-url-from-secret-file.invalid/ledger/audit-hook\n"));
    assert!(text.contains("smtp_smarthost: smtp-relay.placeholder.invalid:587\n"));
}

/// The `repeat_interval`s of a route and its descendants, depth first.
fn repeat_intervals(route: &Value, out: &mut Vec<String>) {
    if let Some(interval) = route["repeat_interval"].as_str() {
        out.push(interval.to_owned());
    }
    for child in route["routes"].as_array().into_iter().flatten() {
        repeat_intervals(child, out);
    }
}

#[test]
fn repeat_intervals_follow_response_times() {
    let out = Build::of(&[FIXTURES]).ok();
    let amtool = require_tool("amtool");
    let path = out.path().join(CONFIG);
    let flag = format!("--config.file={}", path.display());
    let tree = crate::common::run_tool_ok(&amtool, &["config", "routes", "show", &flag], &root());
    assert!(tree.contains("{escalation=\"P1\"}"), "{tree}");
    let config = yaml(&out.read(CONFIG));
    assert_eq!(config["route"]["repeat_interval"], "4h");
    assert_eq!(
        config["route"]["group_by"],
        json!(["alertname", "service", "slo"])
    );
    // P1 (5m) and P2 (1h) and P3 (4h) come from `response_time`; P4 has none and inherits 4h.
    // The five self-test routes, one per channel, come first and repeat hourly: a self-test
    // alert resolves within a minute and is never sent twice.
    let mut intervals = Vec::new();
    repeat_intervals(service_route(&config, "shop"), &mut intervals);
    assert_eq!(
        intervals,
        [
            "1h", "1h", "1h", "1h", "1h", "5m", "1h", "4h", "5m", "4h", "4h"
        ]
    );
}

#[test]
fn services_with_nothing_to_route_get_no_file() {
    let out = Build::of(&["tests/fixtures/cicd/changed/catalog.yaml"]).ok();
    assert!(alertmanager_files(out.path()).is_empty());
    let out = Build::of(&["tests/fixtures/cicd/changed/catalog.yaml"])
        .flags(&["--alertmanager-format", "operator"])
        .ok();
    assert!(alertmanager_files(out.path()).is_empty());
}

#[test]
fn receiver_names_that_clash_across_services_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let spec = |service: &str, channel: &str| {
        format!(
            "apiVersion: slofile/v1\nservice: {service}\nchannels:\n  - {{id: {channel}, type: email, target: ops@example.com}}\nslos:\n  - id: up\n    objective: 99%\n    sli:\n      ratio:\n        bad: x_total{{code=\"5\"}}\n        total: x_total\n"
        )
    };
    fs::write(dir.path().join("a.yaml"), spec("a-b", "c")).unwrap();
    fs::write(dir.path().join("b.yaml"), spec("a", "b-c")).unwrap();
    let built = Build::of_paths(&[dir.path()]).expect(1);
    let clash = built
        .diagnostics()
        .into_iter()
        .find(|d| d["code"] == "slofile::duplicate_id")
        .unwrap_or_else(|| panic!("{}", built.said()));
    assert!(
        clash["message"].as_str().unwrap().contains(
            "two Alertmanager receivers would be named `a-b-c`, of services `a` and `a-b`"
        ),
        "{clash}"
    );
    assert!(!built.path().join(CONFIG).exists());
    // Each service in its own AlertmanagerConfig has no such clash.
    Build::of_paths(&[dir.path()])
        .flags(&["--alertmanager-format", "operator"])
        .ok();
}

/// Per-service files written by an earlier build (the layout before the one configuration) are
/// removed by the next build, as is the other format's output when the format changes.
#[test]
fn files_of_an_earlier_layout_or_format_are_removed() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("generated");
    Build::of(&[FIXTURES]).out(&out).ok();
    let manifest_path = out.join(".slofile-manifest");
    let mut manifest = fs::read_to_string(&manifest_path).unwrap();
    for service in ["billing", "ledger", "shop"] {
        let old = format!("alertmanager/{service}.yml");
        fs::write(out.join(&old), "route: {receiver: old}\n").unwrap();
        manifest.push_str(&format!("{old}\n"));
    }
    fs::write(&manifest_path, manifest).unwrap();
    fs::write(out.join("alertmanager/hand-written.yml"), "mine\n").unwrap();

    let built = Build::of(&[FIXTURES]).out(&out).format("human").ok();
    assert!(built.stderr().contains("3 removed"), "{}", built.stderr());
    assert_eq!(
        alertmanager_files(&out),
        ["alertmanager.yml", "hand-written.yml"]
    );

    let built = Build::of(&[FIXTURES])
        .out(&out)
        .flags(&["--alertmanager-format", "operator"])
        .format("human")
        .ok();
    assert!(built.stderr().contains("1 removed"), "{}", built.stderr());
    assert_eq!(
        alertmanager_files(&out),
        [
            "billing.yaml",
            "hand-written.yml",
            "ledger.yaml",
            "shop.yaml"
        ]
    );
}

/// One burn-rate alert as the Prometheus rules label it, in Alertmanager's v2 API form.
fn burn_alert(service: &str, slo: &str, severity: &str, tenant: Option<&str>) -> Value {
    let mut labels = json!({
        "alertname": format!("{}ErrorBudgetBurn", camel(slo)),
        "service": service,
        "slo": slo,
        "severity": severity,
    });
    if let Some(tenant) = tenant {
        labels["tenant"] = tenant.into();
    }
    json!({"labels": labels})
}

fn camel(id: &str) -> String {
    let mut chars = id.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// A real Alertmanager started with the configuration of two services that share an SLO id and
/// its labels: each service's alerts reach that service's receiver, and a page of one inhibits
/// the tickets of its own SLO and group only, never those of the other service.
#[test]
fn a_real_alertmanager_routes_and_inhibits_each_service_on_its_own() {
    let out = Build::of(&[INHIBIT, INHIBIT_OTHER]).ok();
    let config = out.path().join(CONFIG);
    amtool_check(&config);
    let text = fs::read_to_string(&config).unwrap();
    assert!(text.contains("inhibit_rules:"), "{text}");
    assert!(text.contains("- tenant"), "{text}");

    let server = AlertmanagerServer::start(&config);
    let alerts = json!([
        burn_alert("payments", "charge", "page", Some("acme")),
        burn_alert("payments", "charge", "ticket", Some("acme")),
        // Another tenant of the same SLO, and another SLO: not the same incident.
        burn_alert("payments", "charge", "ticket", Some("globex")),
        burn_alert("payments", "refund", "ticket", None),
        // Another service with the same SLO id, tenant and severity: its own incident.
        burn_alert("payouts", "charge", "ticket", Some("acme")),
    ]);
    server.request("POST", "/api/v2/alerts", Some(&alerts.to_string()));

    // The inhibitor sees new alerts asynchronously: wait (boundedly) until it has settled.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let summary = loop {
        let body = server.request("GET", "/api/v2/alerts", None);
        let answer: Value = serde_json::from_str(&body).unwrap();
        let mut summary: Vec<String> = answer
            .as_array()
            .unwrap()
            .iter()
            .map(|alert| {
                let labels = &alert["labels"];
                let receivers: Vec<&str> = alert["receivers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["name"].as_str().unwrap())
                    .collect();
                format!(
                    "{} {} {} {} {} -> {}",
                    labels["service"].as_str().unwrap(),
                    labels["slo"].as_str().unwrap(),
                    labels["tenant"].as_str().unwrap_or("-"),
                    labels["severity"].as_str().unwrap(),
                    alert["status"]["state"].as_str().unwrap(),
                    receivers.join(","),
                )
            })
            .collect();
        summary.sort();
        let settled = summary.len() == 5 && summary.iter().any(|s| s.contains("suppressed"));
        if settled || std::time::Instant::now() > deadline {
            break summary;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(
        summary,
        [
            "payments charge acme page active -> payments-hook",
            "payments charge acme ticket suppressed -> payments-hook",
            "payments charge globex ticket active -> payments-hook",
            "payments refund - ticket active -> payments-hook",
            "payouts charge acme ticket active -> payouts-hook",
        ]
    );
}
