//! `slofile gate` against a real Prometheus whose TSDB is backfilled with series built by the
//! test, so that every figure and verdict is known by construction (see `common::live_data`).
//!
//! The shop's policy: warn below 50% of the 28-day budget left, freeze below 0%, freeze when 20%
//! of the budget burned within 24 hours (or since `--since`), `hotfix` exempt. Each tenant places
//! 100 orders per 5-minute step:
//!
//! - tenant 1 fails 0.125% of them: ships;
//! - tenant 2 fails 0.125%, but 12% in the 12 hours before the gate: a recent burn freezes it;
//! - tenant 3 fails 1.5%: the budget is overspent, so it freezes;
//! - tenant 4 places 1/256 orders a step, half failed: too few events, never a freeze;
//! - tenant 5 fails 0.75%: a quarter of the budget left, so it warns.

use crate::common::live_data::{DAY, Series, counter, fake_server, openmetrics};
use crate::common::prometheus_server::PrometheusServer;
use crate::common::run;
use serde_json::Value;
use std::process::Output;

const SHOP: &str = "tests/fixtures/gate/shop.yaml";
/// 2026-02-10T00:00:00Z, on a step: where the gate is evaluated.
const AT: i64 = 1_770_681_600;
const WINDOW: i64 = 28 * DAY;
/// The orders each tenant places per step, and the objective's budget.
const ORDERS: f64 = 100.0;
const BUDGET: f64 = 0.01;
/// Steps of five minutes in the window and in a day.
const WINDOW_STEPS: f64 = (WINDOW / 300) as f64;

/// Tenant 2's failed orders per step: 12% in the 12 hours before the gate.
fn tenant2_failed(t: i64) -> f64 {
    if t > AT - DAY / 2 && t <= AT {
        12.0
    } else {
        0.125
    }
}

fn tenant(
    labels_ok: &'static str,
    labels_failed: &'static str,
    failed: fn(i64) -> f64,
    orders: f64,
) -> [Series; 2] {
    [
        counter("gate_orders_total", labels_ok, move |t| orders - failed(t)),
        counter("gate_orders_total", labels_failed, failed),
    ]
}

fn data() -> Vec<Series> {
    let mut series = Vec::new();
    series.extend(tenant(
        "state=\"ok\",tenant=\"1\"",
        "state=\"failed\",tenant=\"1\"",
        |_| 0.125,
        ORDERS,
    ));
    series.extend(tenant(
        "state=\"ok\",tenant=\"2\"",
        "state=\"failed\",tenant=\"2\"",
        tenant2_failed,
        ORDERS,
    ));
    series.extend(tenant(
        "state=\"ok\",tenant=\"3\"",
        "state=\"failed\",tenant=\"3\"",
        |_| 1.5,
        ORDERS,
    ));
    series.extend(tenant(
        "state=\"ok\",tenant=\"4\"",
        "state=\"failed\",tenant=\"4\"",
        |_| 1.0 / 512.0,
        1.0 / 256.0,
    ));
    series.extend(tenant(
        "state=\"ok\",tenant=\"5\"",
        "state=\"failed\",tenant=\"5\"",
        |_| 0.75,
        ORDERS,
    ));
    series
}

fn gate(url: &str, extra: &[&str]) -> Output {
    let at = AT.to_string();
    let mut args = vec!["gate", SHOP, "--prometheus", url, "--at", &at];
    args.extend(extra);
    run(&args)
}

fn json_rows(url: &str, extra: &[&str]) -> (i32, Vec<Value>) {
    let mut args = extra.to_vec();
    args.extend(["--format", "json"]);
    let output = gate(url, &args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let rows: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "gate {extra:?}: stdout is not JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (
        output.status.code().unwrap(),
        rows.as_array().unwrap().clone(),
    )
}

fn tenant_row<'a>(rows: &'a [Value], tenant: &str) -> &'a Value {
    rows.iter()
        .find(|row| row["labels"]["tenant"] == tenant)
        .unwrap_or_else(|| panic!("no row for tenant {tenant} in {rows:#?}"))
}

#[track_caller]
fn assert_close(actual: &Value, truth: f64, what: &str) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {actual}"));
    assert!(
        (actual - truth).abs() < 1e-9 * truth.abs().max(1.0),
        "{what}: {actual} against the constructed {truth}"
    );
}

/// `2026-02-10T12:45:00Z` for Unix seconds.
fn instant(seconds: i64) -> String {
    let output = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{seconds}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn verdicts_and_figures_equal_the_constructed_truth() {
    let server = PrometheusServer::start(&openmetrics(&data()), &[]);
    let url = server.url.as_str();
    let (code, rows) = json_rows(url, &[]);
    assert_eq!(code, 1, "tenants 2 and 3 freeze: {rows:#?}");
    // One row per tenant of `orders`; `search` has a policy in prose only.
    assert_eq!(rows.len(), 5, "{rows:#?}");
    assert!(rows.iter().all(|row| row["slo"] == "orders"));
    let verdicts: Vec<&str> = rows
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(
        verdicts,
        ["ship", "freeze", "freeze", "too_few_events", "warn"]
    );

    let budget_events = BUDGET * ORDERS * WINDOW_STEPS;
    let day_steps = (DAY / 300) as f64;
    let half_day = day_steps / 2.0;

    let one = tenant_row(&rows, "1");
    assert_close(
        &one["error_budget_remaining"],
        1.0 - 0.125 / 1.0,
        "tenant 1 remaining",
    );
    assert_close(
        &one["burned_since"],
        0.125 * day_steps / budget_events,
        "tenant 1 burned",
    );
    assert_eq!(one["since"], instant(AT - DAY));
    assert_eq!(one["rule"], Value::Null);
    assert_eq!(one["freeze_lifts_at"], Value::Null);

    // Tenant 2: the last 24 hours burned 18 + 1728 failed orders of a budget of 8064.
    let two = tenant_row(&rows, "2");
    let failed_day = 0.125 * half_day + 12.0 * half_day;
    let failed_window = 0.125 * (WINDOW_STEPS - half_day) + 12.0 * half_day;
    assert_close(
        &two["burned_since"],
        failed_day / budget_events,
        "tenant 2 burned",
    );
    assert_close(
        &two["error_budget_remaining"],
        1.0 - failed_window / budget_events,
        "tenant 2 remaining",
    );
    assert_eq!(two["rule"], "freeze_if_burned");
    assert!(two["message"].as_str().unwrap().starts_with(
        "orders, tenant=2: 21.7% of the 28-day budget burned since 2026-02-09T00:00:00Z, over the 20% the policy allows"
    ), "{}", two["message"]);
    // By hand: every 5 minutes the oldest step of the day leaves. At most 20% of 8064 = 1612.8
    // may be left: the 144 quiet steps (18 orders) and then 10 of the 12% steps must leave.
    let allowed = 0.2 * budget_events;
    let mut left = failed_day;
    let mut dropped = 0;
    while left > allowed {
        left -= if dropped < 144 { 0.125 } else { 12.0 };
        dropped += 1;
    }
    assert_eq!(dropped, 154);
    assert_eq!(two["freeze_lifts_at"], instant(AT + dropped * 300));

    // Tenant 3: 12096 failed of a budget of 8064: half the budget overspent.
    let three = tenant_row(&rows, "3");
    assert_close(&three["error_budget_remaining"], -0.5, "tenant 3 remaining");
    assert_eq!(three["rule"], "freeze_below");
    // By hand: the window is read in 896 buckets of 45 minutes (9 steps, 13.5 failed orders);
    // the freeze lifts when 12096 - 13.5 k <= 8064, at k = 299.
    let k = ((1.5 * WINDOW_STEPS - budget_events) / 13.5).ceil() as i64;
    assert_eq!(k, 299);
    assert_eq!(three["freeze_lifts_at"], instant(AT + k * 2700));

    let four = tenant_row(&rows, "4");
    assert_close(&four["events"], WINDOW_STEPS / 256.0, "tenant 4 events");
    assert_eq!(four["rule"], Value::Null);

    let five = tenant_row(&rows, "5");
    assert_close(&five["error_budget_remaining"], 0.25, "tenant 5 remaining");
    assert_eq!(five["rule"], "warn_below");

    // The same verdicts for people, for GitHub and for a pull request.
    for format in ["plain", "github", "markdown"] {
        let output = gate(url, &["--format", format]);
        assert_eq!(output.status.code(), Some(1), "{format}");
        insta::assert_snapshot!(
            format!("gate_{format}"),
            String::from_utf8_lossy(&output.stdout)
        );
    }

    // --since moves the burn: since six hours ago tenant 2 burned 864 orders, 10.7%, and ships.
    let since = (AT - DAY / 4).to_string();
    let (_, rows) = json_rows(url, &["--since", &since, "--where", "tenant=2"]);
    let two = tenant_row(&rows, "2");
    assert_close(
        &two["burned_since"],
        12.0 * day_steps / 4.0 / budget_events,
        "tenant 2 since",
    );
    assert_eq!(two["verdict"], "ship");
    assert_eq!(two["since"], instant(AT - DAY / 4));
    // Since a deploy 13 hours ago the burn is over 20%, and a burn since a deploy does not age out.
    let since = (AT - 13 * 3600).to_string();
    let (code, rows) = json_rows(url, &["--since", &since, "--where", "tenant=2"]);
    assert_eq!(code, 1);
    let two = tenant_row(&rows, "2");
    assert_eq!(two["verdict"], "freeze");
    assert_eq!(two["freeze_lifts_at"], Value::Null);
    assert!(
        two["message"]
            .as_str()
            .unwrap()
            .contains("does not age out"),
        "{}",
        two["message"]
    );

    // A healthy tenant alone ships.
    let (code, rows) = json_rows(url, &["--where", "tenant=1"]);
    assert_eq!((code, rows.len()), (0, 1));

    // An exempt reason passes both freezes, loudly; another reason does not.
    let output = gate(url, &["--reason", "hotfix", "--format", "plain"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.matches("EXEMPT FREEZE").count(), 2, "{stdout}");
    assert!(
        stdout.contains("the freeze is passed because the policy exempts `hotfix`"),
        "{stdout}"
    );
    let (code, rows) = json_rows(url, &["--reason", "feature"]);
    assert_eq!(code, 1);
    assert!(
        tenant_row(&rows, "3")["message"]
            .as_str()
            .unwrap()
            .contains("`feature` is not a reason the policy exempts (exempt: hotfix)")
    );

    // A deploy after the gate's instant is a usage error.
    let output = gate(url, &["--since", &(AT + 60).to_string()]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn bad_servers_give_one_line_and_exit_2() {
    let down = crate::common::live_data::down_url();
    let broken = fake_server(
        "500 Internal Server Error",
        "storage is unavailable",
        std::time::Duration::ZERO,
    );
    for url in [down, broken] {
        let output = gate(&url, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.contains(&url), "names the server: {stderr}");
        assert!(output.stdout.is_empty());
    }
    // Specs that do not compile exit 2 too: 1 means a freeze.
    let output = run(&[
        "gate",
        "tests/invalid/window-zero.yaml",
        "--prometheus",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(output.status.code(), Some(2));
}
