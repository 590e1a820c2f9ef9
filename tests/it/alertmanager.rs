//! The Alertmanager backend, checked by the real `amtool`.

use crate::common::build::Build;
use crate::common::{require_tool, root};
use std::fs;
use std::path::{Path, PathBuf};

const FIXTURES: &str = "tests/fixtures/cicd/specs";

fn alertmanager_files(out: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(out.join("alertmanager"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn amtool_check(file: &Path) {
    let amtool = require_tool("amtool");
    let text =
        crate::common::run_tool_ok(&amtool, &["check-config", file.to_str().unwrap()], &root());
    assert!(text.contains("SUCCESS"), "{text}");
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

#[test]
fn fixture_configs_match_snapshots_and_amtool_accepts_them() {
    let out = Build::of(&[FIXTURES]).ok();
    let files = alertmanager_files(out.path());
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["billing.yml", "ledger.yml", "shop.yml"]);
    for file in &files {
        amtool_check(file);
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(
            format!("alertmanager_{name}"),
            fs::read_to_string(file).unwrap()
        );
    }
}

#[test]
fn every_shipped_service_with_routing_gets_a_config_amtool_accepts() {
    // The real specs in `specs/`, and the fixtures, which cover every kind of channel.
    let mut inputs = vec![root().join(FIXTURES)];
    if root().join("specs").is_dir() {
        inputs.push(root().join("specs"));
    }
    for input in inputs {
        let mut report = slofile::diagnostics::Report::default();
        let services = slofile::load_services(std::slice::from_ref(&input), &mut report).unwrap();
        assert_eq!(report.error_count(), 0, "{}", input.display());
        let out = Build::of_paths(&[&input]).ok();
        let with_matrix: Vec<String> = services
            .iter()
            .filter(|s| slofile::emit::alertmanager::has_routing(&s.meta))
            .map(|s| format!("{}.yml", s.meta.id))
            .collect();
        let files = alertmanager_files(out.path());
        let names: Vec<String> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let mut expected = with_matrix.clone();
        expected.sort();
        assert_eq!(
            names, expected,
            "one file per service with an escalation matrix"
        );
        for file in &files {
            amtool_check(file);
        }
    }
}

#[test]
fn routing_follows_the_escalation_matrix() {
    let out = Build::of(&[FIXTURES]).ok();
    let shop = out.path().join("alertmanager/shop.yml");
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
        // Other services' alerts are not this file's business.
        (
            &["service=billing", "escalation=P1"],
            "shop-no-notification",
        ),
    ];
    for (labels, expected) in cases {
        assert_eq!(routes(&shop, labels), *expected, "{labels:?}");
    }
}

#[test]
fn secrets_are_read_from_files_and_placeholders_are_invalid_hosts() {
    let out = Build::of(&[FIXTURES]).ok();
    let shop = fs::read_to_string(out.path().join("alertmanager/shop.yml")).unwrap();
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
            shop.contains(&format!("{field}: {file}\n")),
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
        assert!(!shop.contains(inline), "inline secret field {inline}");
    }
    // What cannot come from a file is a placeholder nobody can resolve by accident.
    let placeholders: Vec<&str> = shop
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.contains(".invalid") || l.contains("placeholder"))
        .collect();
    assert_eq!(placeholders.len(), 4, "{placeholders:#?}");
    assert!(
        shop.contains("url: https://webhook-url-from-secret-file.invalid/shop/incident-bridge\n")
    );
    assert!(shop.contains("smtp_smarthost: smtp-relay.placeholder.invalid:587\n"));
}

#[test]
fn repeat_intervals_follow_response_times() {
    let out = Build::of(&[FIXTURES]).ok();
    let amtool = require_tool("amtool");
    let shop = out.path().join("alertmanager/shop.yml");
    let config = format!("--config.file={}", shop.display());
    let tree = crate::common::run_tool_ok(&amtool, &["config", "routes", "show", &config], &root());
    assert!(tree.contains("{escalation=\"P1\"}"), "{tree}");
    let text = fs::read_to_string(&shop).unwrap();
    // P1 (5m) and P2 (1h) and P3 (4h) come from `response_time`; P4 has none and inherits 4h.
    // The five self-test routes, one per channel, come first and repeat hourly: a self-test
    // alert resolves within a minute and is never sent twice.
    let intervals: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            l.trim()
                .trim_start_matches("- ")
                .strip_prefix("repeat_interval: ")
        })
        .collect();
    assert_eq!(
        intervals,
        [
            "4h", "1h", "1h", "1h", "1h", "1h", "5m", "1h", "4h", "5m", "4h", "4h"
        ]
    );
    assert!(text.contains("  group_by:\n  - alertname\n  - service\n  - slo\n"));
}

#[test]
fn without_a_matrix_every_alert_goes_to_every_channel() {
    let out = Build::of(&[FIXTURES]).ok();
    let ledger = out.path().join("alertmanager/ledger.yml");
    for labels in [
        &["service=ledger", "severity=page"][..],
        &["service=ledger", "severity=ticket"],
    ] {
        assert_eq!(
            routes(&ledger, labels),
            "ledger-ledger-slack,ledger-audit-hook"
        );
    }
}

#[test]
fn services_with_nothing_to_route_get_no_file() {
    let out = Build::of(&["tests/fixtures/cicd/changed/catalog.yaml"]).ok();
    assert!(alertmanager_files(out.path()).is_empty());
}

/// One burn-rate alert as the Prometheus rules label it, in Alertmanager's v2 API form.
fn burn_alert(slo: &str, severity: &str, tenant: Option<&str>) -> serde_json::Value {
    let mut labels = serde_json::json!({
        "alertname": format!("{}ErrorBudgetBurn", camel(slo)),
        "service": "payments",
        "slo": slo,
        "severity": severity,
    });
    if let Some(tenant) = tenant {
        labels["tenant"] = tenant.into();
    }
    serde_json::json!({"labels": labels})
}

fn camel(id: &str) -> String {
    let mut chars = id.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[test]
fn a_firing_page_inhibits_the_tickets_of_its_own_slo_and_group_only() {
    let out = Build::of(&["tests/fixtures/alertmanager/inhibit.yaml"]).ok();
    let config = out.path().join("alertmanager/payments.yml");
    amtool_check(&config);
    let text = fs::read_to_string(&config).unwrap();
    assert!(text.contains("inhibit_rules:"), "{text}");
    assert!(text.contains("- tenant"), "{text}");

    let server = crate::common::alertmanager_server::AlertmanagerServer::start(&config);
    let alerts = serde_json::json!([
        burn_alert("charge", "page", Some("acme")),
        burn_alert("charge", "ticket", Some("acme")),
        // Another tenant of the same SLO, and another SLO: not the same incident.
        burn_alert("charge", "ticket", Some("globex")),
        burn_alert("refund", "ticket", None),
    ]);
    server.request("POST", "/api/v2/alerts", Some(&alerts.to_string()));

    // The inhibitor sees new alerts asynchronously: wait (boundedly) until it has settled.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let summary = loop {
        let body = server.request("GET", "/api/v2/alerts", None);
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
        let mut summary: Vec<String> = answer
            .as_array()
            .unwrap()
            .iter()
            .map(|alert| {
                let labels = &alert["labels"];
                format!(
                    "{} {} {} {}",
                    labels["slo"].as_str().unwrap(),
                    labels["tenant"].as_str().unwrap_or("-"),
                    labels["severity"].as_str().unwrap(),
                    alert["status"]["state"].as_str().unwrap(),
                )
            })
            .collect();
        summary.sort();
        let settled = summary.len() == 4 && summary.iter().any(|s| s.ends_with("suppressed"));
        if settled || std::time::Instant::now() > deadline {
            break summary;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(
        summary,
        [
            "charge acme page active",
            "charge acme ticket suppressed",
            "charge globex ticket active",
            "refund - ticket active",
        ]
    );
}
