//! `slofile report` against a real Prometheus backfilled with 70 days of series built by the test,
//! including March 2026, when Berlin's clocks went forward (29 March had 23 hours).
//!
//! The shop's `checkout` SLO (99.5%, by tenant) over 5-minute steps:
//! - tenant a places 1,000 orders a step and fails 1 of them (0.1%), except during the outage of
//!   14 March 2026 from 10:00 to 12:00 UTC, when 500 of each step's orders fail; a page alert
//!   fired then, and its `ALERTS` samples are backfilled too (Prometheus does not write alert
//!   history from backfilled data);
//! - tenant b places 500 orders a step and fails 5 (1%): the budget is overspent twice.
//!
//! Every figure is a sum of steps, so the test computes the truth by hand. Prometheus 2's ranges
//! include both ends and the periods end on steps, so `rate` never extrapolates.

use crate::common::live_data::{STEP, Series, counter, openmetrics_over};
use crate::common::prometheus_server::PrometheusServer;
use crate::common::{root, slofile};
use serde_json::Value;
use std::path::Path;

const SHOP: &str = "tests/fixtures/report/shop.yaml";
/// 2026-01-25T00:00:00Z: the data's first sample.
const DATA_START: i64 = 1_769_299_200;
const DATA_END: i64 = DATA_START + 70 * 86_400;
/// Where the report is asked: 2026-04-05T00:00:00Z.
const AT: &str = "2026-04-05T00:00:00Z";
/// March 2026 in Berlin: 2026-03-01T00:00+01:00 to 2026-04-01T00:00+02:00.
const MARCH_BERLIN: (i64, i64) = (1_772_319_600, 1_774_994_400);
/// March 2026 in UTC.
const MARCH_UTC: (i64, i64) = (1_772_323_200, 1_772_323_200 + 31 * 86_400);
/// February 2026 in Berlin: 2026-02-01T00:00+01:00 to 2026-03-01T00:00+01:00.
const FEBRUARY_BERLIN: (i64, i64) = (1_769_900_400, 1_772_319_600);
/// The outage: 2026-03-14 from 10:00 to 12:00 UTC (11:00 to 13:00 in Berlin).
const OUTAGE: (i64, i64) = (1_773_482_400, 1_773_489_600);
const BUDGET: f64 = 0.005;

fn failed_a(t: i64) -> f64 {
    if t > OUTAGE.0 && t <= OUTAGE.1 {
        500.0
    } else {
        1.0
    }
}

const ORDERS_A: f64 = 1000.0;
const ORDERS_B: f64 = 500.0;
const FAILED_B: f64 = 5.0;

fn data() -> String {
    let series: Vec<Series> = vec![
        counter("report_orders_total", "state=\"ok\",tenant=\"a\"", |t| {
            ORDERS_A - failed_a(t)
        }),
        counter(
            "report_orders_total",
            "state=\"failed\",tenant=\"a\"",
            failed_a,
        ),
        counter("report_orders_total", "state=\"ok\",tenant=\"b\"", |_| {
            ORDERS_B - FAILED_B
        }),
        counter(
            "report_orders_total",
            "state=\"failed\",tenant=\"b\"",
            |_| FAILED_B,
        ),
    ];
    let mut text = openmetrics_over(&series, DATA_START, DATA_END);
    text.truncate(text.len() - "# EOF\n".len());
    // The page alert's history: firing at every step of the outage.
    for t in steps(OUTAGE.0, OUTAGE.1) {
        text.push_str(&format!(
            "ALERTS{{alertname=\"ErrorBudgetBurn\",alertstate=\"firing\",long_window=\"1h\",service=\"shop\",severity=\"page\",short_window=\"5m\",slo=\"checkout\",tenant=\"a\"}} 1 {t}\n"
        ));
    }
    text.push_str("# EOF\n");
    text
}

/// The steps in `(start, end]`.
fn steps(start: i64, end: i64) -> impl Iterator<Item = i64> {
    (start + STEP..=end).step_by(STEP as usize)
}

fn sum(start: i64, end: i64, per_step: impl Fn(i64) -> f64) -> f64 {
    steps(start, end).map(per_step).sum()
}

fn report(url: &str, args: &[&str]) -> std::process::Output {
    slofile()
        .current_dir(root())
        .args(["report", SHOP, "--prometheus", url, "--at", AT])
        .args(args)
        .output()
        .unwrap()
}

fn json(url: &str, args: &[&str]) -> Vec<Value> {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let output = report(url, &args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str::<Value>(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
        .as_array()
        .unwrap()
        .clone()
}

fn tenant<'a>(rows: &'a [Value], tenant: &str) -> &'a Value {
    rows.iter()
        .find(|row| row["labels"]["tenant"] == tenant)
        .unwrap_or_else(|| panic!("no row for tenant {tenant}: {rows:#?}"))
}

fn close(value: &Value, expected: f64, what: &str) {
    let value = value
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {value} is not a number"));
    assert!(
        (value - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{what}: {value} != {expected}"
    );
}

#[test]
fn a_month_from_a_real_prometheus() {
    let server = PrometheusServer::start(&data(), &[]);
    let url = server.url.clone();

    // March in Berlin: 31 days less the hour the clocks skipped.
    let rows = json(
        &url,
        &["--period", "2026-03", "--timezone", "Europe/Berlin"],
    );
    assert_eq!(rows.len(), 2, "{rows:#?}");
    let a = tenant(&rows, "a");
    assert_eq!(a["service"], "shop");
    assert_eq!(a["slo"], "checkout");
    assert_eq!(a["period"], "2026-03");
    assert_eq!(a["start"], "2026-03-01T00:00:00+01:00");
    assert_eq!(a["end"], "2026-04-01T00:00:00+02:00");
    close(&a["objective"], 0.995, "objective");
    let (start, end) = MARCH_BERLIN;
    let events = sum(start, end, |_| ORDERS_A);
    let failed = sum(start, end, failed_a);
    close(&a["events"], events, "events of a");
    close(
        &Value::from(events),
        8916.0 * 1000.0,
        "steps in March in Berlin",
    );
    close(&a["compliance"], 1.0 - failed / events, "compliance of a");
    close(
        &a["error_budget_spent"],
        failed / events / BUDGET,
        "budget spent by a",
    );
    close(
        &a["error_budget_spent_seconds"],
        failed / events * (end - start) as f64,
        "budget spent by a, as time",
    );
    assert_eq!(a["status"], "met");

    // Days: 31 local days; 29 March has 23 hours.
    let daily = a["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 31);
    let day = |date: &str| {
        daily
            .iter()
            .find(|day| day["date"] == date)
            .unwrap_or_else(|| panic!("no {date}"))
    };
    close(
        &day("2026-03-29")["events"],
        276.0 * 1000.0,
        "events on 29 March",
    );
    close(
        &day("2026-03-30")["events"],
        288.0 * 1000.0,
        "events on 30 March",
    );
    // 14 March in Berlin is 13 March 23:00 UTC to 14 March 23:00 UTC.
    let (day_start, day_end) = (OUTAGE.0 - 11 * 3600, OUTAGE.0 + 13 * 3600);
    let outage_day =
        1.0 - sum(day_start, day_end, failed_a) / sum(day_start, day_end, |_| ORDERS_A);
    close(
        &day("2026-03-14")["compliance"],
        outage_day,
        "compliance on 14 March",
    );
    close(
        &day("2026-03-02")["compliance"],
        0.999,
        "compliance on 2 March",
    );
    // The day's spend is its failed orders over the period's budget; they add up to the period's.
    let spent: f64 = daily
        .iter()
        .map(|day| day["error_budget_spent"].as_f64().unwrap())
        .sum();
    close(
        &Value::from(spent),
        failed / events / BUDGET,
        "sum of the days' spend",
    );
    close(
        &daily[30]["error_budget_spent_to_date"],
        failed / events / BUDGET,
        "spent to date on the last day",
    );
    assert_eq!(a["worst_days"][0]["date"], "2026-03-14");
    close(&a["worst_days"][0]["compliance"], outage_day, "worst day");
    assert!(a["worst_days"].as_array().unwrap().len() <= 3);

    // The incident, to the 5-minute tile: from the tile the alert started in to the last step it
    // was present at. The backfill writes no stale marker, so Prometheus's look-back keeps the
    // alert one step past its last sample.
    let incidents = a["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    let incident = &incidents[0];
    assert_eq!(incident["alert"], "ErrorBudgetBurn");
    assert_eq!(incident["severity"], "page");
    assert_eq!(incident["start"], "2026-03-14T11:00:00+01:00");
    assert_eq!(incident["end"], "2026-03-14T13:05:00+01:00");
    assert_eq!(incident["duration_seconds"], 2 * 3600 + 300);
    close(
        &incident["error_budget_spent"],
        sum(OUTAGE.0, OUTAGE.1 + STEP, failed_a) / (BUDGET * events),
        "the incident's cost",
    );

    // February, beside it.
    let previous = &a["previous"];
    assert_eq!(previous["period"], "2026-02");
    assert_eq!(previous["start"], "2026-02-01T00:00:00+01:00");
    let (feb_start, feb_end) = FEBRUARY_BERLIN;
    close(
        &previous["events"],
        sum(feb_start, feb_end, |_| ORDERS_A),
        "February's events",
    );
    close(&previous["compliance"], 0.999, "February's compliance");
    close(&previous["error_budget_spent"], 0.2, "February's spend");
    assert_eq!(previous["status"], "met");

    // Tenant b overspends in both months, and no alert of its fired.
    let b = tenant(&rows, "b");
    assert_eq!(b["status"], "breached");
    close(&b["compliance"], 0.99, "compliance of b");
    close(&b["error_budget_spent"], 2.0, "budget spent by b");
    close(
        &b["previous"]["error_budget_spent"],
        2.0,
        "February's spend by b",
    );
    assert_eq!(b["incidents"], Value::Array(vec![]));
    assert_eq!(b["worst_days"].as_array().unwrap().len(), 3);

    // The policy verdict is the gate's at the period's end.
    let gate = slofile()
        .current_dir(root())
        .args(["gate", SHOP, "--prometheus", &url, "--format", "json"])
        .args(["--at", "2026-03-31T22:00:00Z"])
        .output()
        .unwrap();
    let gate: Value = serde_json::from_slice(&gate.stdout).unwrap();
    for row in gate.as_array().unwrap() {
        let ours = tenant(&rows, row["labels"]["tenant"].as_str().unwrap());
        assert_eq!(ours["policy"]["verdict"], row["verdict"], "{row}");
        assert_eq!(ours["policy"]["message"], row["message"]);
    }
    assert_eq!(b["policy"]["verdict"], "freeze");

    // In UTC the month starts an hour later and has all its hours.
    let utc = json(&url, &["--period", "2026-03"]);
    let a_utc = tenant(&utc, "a");
    assert_eq!(a_utc["start"], "2026-03-01T00:00:00+00:00");
    assert_eq!(a_utc["end"], "2026-04-01T00:00:00+00:00");
    close(
        &a_utc["events"],
        sum(MARCH_UTC.0, MARCH_UTC.1, |_| ORDERS_A),
        "UTC events",
    );
    assert_eq!(a_utc["incidents"][0]["start"], "2026-03-14T10:00:00+00:00");
    // `last-month` on 5 April is March.
    let relative = json(
        &url,
        &["--period", "last-month", "--timezone", "Europe/Berlin"],
    );
    assert_eq!(relative, rows);

    // The pages carry the same numbers in HTML and Markdown.
    let html = tempfile::tempdir().unwrap();
    let markdown = tempfile::tempdir().unwrap();
    for (dir, format) in [(&html, "html"), (&markdown, "markdown")] {
        let output = report(
            &url,
            &[
                "--period",
                "2026-03",
                "--timezone",
                "Europe/Berlin",
                "--format",
                format,
                "-o",
                dir.path().to_str().unwrap(),
            ],
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let page = std::fs::read_to_string(html.path().join("shop.html")).unwrap();
    let md = std::fs::read_to_string(markdown.path().join("shop.md")).unwrap();
    let compliance = format!("{}%", trimmed(outage_day * 100.0, 3));
    for number in [
        format!("{}%", trimmed((1.0 - failed / events) * 100.0, 3)),
        format!("{}%", trimmed(failed / events / BUDGET * 100.0, 1)),
        compliance.clone(),
        "2026-03-14T11:00:00+01:00".to_owned(),
        "99.9%".to_owned(),
    ] {
        assert!(page.contains(&number), "HTML lacks {number}");
        assert!(md.contains(&number), "Markdown lacks {number}");
    }
    let charts: Vec<_> = std::fs::read_dir(markdown.path().join("charts/shop"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(charts.len(), 4, "{charts:?}");
    for chart in &charts {
        assert!(md.contains(&format!("(charts/shop/{chart})")), "{chart}");
    }
    insta::assert_snapshot!("report_shop_html", page);
    insta::assert_snapshot!(
        "report_index_markdown",
        std::fs::read_to_string(markdown.path().join("index.md")).unwrap()
    );

    // The same data and `--at` give the same bytes.
    let again = tempfile::tempdir().unwrap();
    let output = report(
        &url,
        &[
            "--period",
            "2026-03",
            "--timezone",
            "Europe/Berlin",
            "-o",
            again.path().to_str().unwrap(),
        ],
    );
    assert!(output.status.success());
    for name in ["index.html", "shop.html"] {
        assert_eq!(
            std::fs::read(html.path().join(name)).unwrap(),
            std::fs::read(again.path().join(name)).unwrap(),
            "{name}"
        );
    }

    check_pages_in_chromium(html.path());

    // A period that has not begun, a zone that does not exist, and a bad period.
    for (args, says) in [
        (vec!["--period", "2026-05"], "has not begun"),
        (vec!["--timezone", "Mars/Olympus"], "not a time zone"),
        (vec!["--period", "2026-13"], "expected last-month"),
    ] {
        let output = report(&url, &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
}

/// At most `places` decimals without trailing zeros, as the pages print shares.
fn trimmed(value: f64, places: usize) -> String {
    let text = format!("{value:.places$}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Opens every page in headless Chromium at a phone's width and a desktop's: each chart is
/// drawn (its pixels are not all one colour), fits the page's width, and the page loads nothing.
fn check_pages_in_chromium(dir: &Path) {
    crate::common::chromium::check_pages(dir);
}

#[test]
fn a_server_that_cannot_answer_gives_one_line_and_writes_nothing() {
    let down = crate::common::live_data::down_url();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("review");
    let output = slofile()
        .current_dir(root())
        .args(["report", SHOP, "--prometheus", &down, "--at", AT])
        .args(["--period", "2026-03", "-o", target.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("slofile: "), "{stderr}");
    assert!(
        !target.exists(),
        "a failed report wrote {}",
        target.display()
    );
}

#[test]
fn a_report_never_writes_over_a_build() {
    let built = crate::common::build::Build::of(&[SHOP]).ok();
    let before = built.files("prometheus");
    let output = slofile()
        .current_dir(root())
        .args([
            "report",
            SHOP,
            "--prometheus",
            "http://127.0.0.1:1",
            "--at",
            AT,
        ])
        .args(["--period", "2026-03", "-o", built.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("holds a build's output"), "{stderr}");
    assert_eq!(built.files("prometheus"), before);
    assert!(!built.path().join("index.html").exists());
}
