//! The UptimeRobot backend: goldens of `uptimerobot/<service>.json` and the probe checks.

use crate::common::build::Build;
use crate::common::run;
use serde_json::Value;

const DEALIX: &str = "specs/dealix.yaml";
const NEXUS: &str = "specs/nexus.yaml";
const FEATURES: &str = "tests/fixtures/monitors/features.yaml";

fn uptimerobot_file(input: &str, service: &str) -> String {
    Build::of(&[input])
        .format("plain")
        .ok()
        .read(&format!("uptimerobot/{service}.json"))
}

#[test]
fn dealix_health_probe() {
    let text = uptimerobot_file(DEALIX, "dealix");
    let file: Value = serde_json::from_str(&text).unwrap();
    let monitor = &file["monitors"][0];
    assert_eq!(monitor["url"], "https://api.dealix.me/api/v1/health");
    assert_eq!(monitor["interval"], 300);
    assert_eq!(monitor["type"], "HTTP");
    // A redirecting health URL is judged by its final answer, and contact ids are numbers.
    assert_eq!(monitor["followRedirections"], true);
    assert_eq!(
        monitor["assignedAlertContacts"][0]["alertContactId"],
        7_001_001
    );
    assert!(monitor.get("keywordCaseType").is_none());
    assert!(text.ends_with("}\n"));
    insta::assert_snapshot!("dealix", text);
}

#[test]
fn keyword_probe_with_delays_and_a_response_time_threshold() {
    let text = uptimerobot_file(FEATURES, "acme-shop");
    let file: Value = serde_json::from_str(&text).unwrap();
    let monitor = &file["monitors"][0];
    assert_eq!(monitor["type"], "KEYWORD");
    assert_eq!(monitor["keywordCaseType"], "CaseSensitive");
    assert_eq!(monitor["followRedirections"], false);
    assert!(monitor["assignedAlertContacts"][0]["alertContactId"].is_u64());
    insta::assert_snapshot!("features", text);
}

#[test]
fn keyword_monitors_match_case_insensitively_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("shop.yaml");
    std::fs::write(
        &spec,
        "apiVersion: slofile/v1\nservice: shop\nslos:\n  - id: home\n    objective: 99%\n    sli:\n      probe: {provider: uptimerobot, url: \"https://shop.test/\", interval: 5m, keyword: ok}\n",
    )
    .unwrap();
    let text = uptimerobot_file(spec.to_str().unwrap(), "shop");
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["monitors"][0]["keywordCaseType"], "CaseInsensitive");
    assert_eq!(file["monitors"][0]["followRedirections"], true);
}

#[test]
fn services_without_uptimerobot_probes_get_no_file() {
    let out = Build::of(&[NEXUS, DEALIX]).format("plain").ok();
    assert!(out.path().join("uptimerobot/dealix.json").is_file());
    assert!(!out.path().join("uptimerobot/nexus.json").exists());
    let out = Build::of(&[NEXUS]).format("plain").ok();
    assert!(!out.path().join("uptimerobot").exists());
}

#[test]
fn explain_names_the_monitor() {
    let output = run(&["explain", DEALIX]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    let line = "monitor  UptimeRobot HTTP monitor of GET https://api.dealix.me/api/v1/health every 5 minutes";
    assert!(text.contains(line), "missing `{line}` in:\n{text}");
}

// --- Spec checks ----------------------------------------------------------------------------------

/// Validates a bad fixture; returns the rendered diagnostics after checking the exit code.
fn validate(name: &str, exit: i32) -> String {
    let path = format!("tests/fixtures/monitors/invalid/{name}.yaml");
    let output = run(&["validate", &path, "--format", "plain"]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(exit), "{name}:\n{stderr}");
    stderr
}

#[test]
fn interval_below_30_seconds_is_an_error() {
    insta::assert_snapshot!(validate("probe-interval-short", 1));
}

#[test]
fn interval_below_the_free_plan_minimum_is_a_warning() {
    insta::assert_snapshot!(validate("probe-interval-free-plan", 0));
}

#[test]
fn interval_of_fractional_seconds_is_an_error() {
    insta::assert_snapshot!(validate("probe-interval-seconds", 1));
}

#[test]
fn relative_url_is_an_error() {
    insta::assert_snapshot!(validate("probe-url", 1));
}

#[test]
fn timeout_above_60_seconds_is_an_error() {
    insta::assert_snapshot!(validate("probe-timeout", 1));
}

#[test]
fn channel_without_alert_contact_is_an_error() {
    insta::assert_snapshot!(validate("probe-contact", 1));
}

#[test]
fn notification_delay_of_fractional_minutes_is_an_error() {
    insta::assert_snapshot!(validate("probe-threshold-minutes", 1));
}

#[test]
fn contact_id_that_is_not_a_number_is_an_error() {
    insta::assert_snapshot!(validate("probe-contact-id", 1));
}

#[test]
fn keyword_case_without_keyword_is_an_error() {
    insta::assert_snapshot!(validate("probe-keyword-case", 1));
}
