//! `slofile status` against a real Prometheus whose TSDB is backfilled with series built by the
//! test, so that every figure is known by construction.
//!
//! The data: 45 days from 2026-01-01 in 5-minute steps. Counters grow by a fixed amount per step
//! (some change rate on 2026-02-01), so the truth over any window is a sum of steps. Amounts are
//! binary fractions, so the counters are exact in floating point. Windows end on a step, and
//! Prometheus 2's ranges include both ends, so `rate` never extrapolates: what limits agreement is
//! only the float arithmetic of rate × seconds and of the ratio (about 1e-15). No recorded series
//! are present unless a test adds them.

use crate::common::live_data::{
    DATA_START, DAY, STEP, Series, counter, fake_server, gauge, openmetrics,
};
use crate::common::prometheus_server::PrometheusServer;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Output;

/// 2026-02-01T00:00:00Z: some series change rate after this instant.
const FEB_1: i64 = DATA_START + 31 * DAY;
/// 2026-02-10T00:00:00Z: where most cases are evaluated.
const AT: i64 = FEB_1 + 9 * DAY;
const WINDOW_28D: i64 = 28 * DAY;

/// Every series of the main data set, by a short name the truths refer to.
fn data_set() -> Vec<(&'static str, Series)> {
    let after_feb = |before: f64, after: f64| move |t: i64| if t > FEB_1 { after } else { before };
    vec![
        // shop/orders, grouped by tenant, 99%, min_events 100.
        // Tenant 1 is within its objective: 0.5% failed, 0.75% since February.
        (
            "ok1",
            counter(
                "shop_orders_total",
                "state=\"ok\",tenant=\"1\"",
                after_feb(99.5, 99.25),
            ),
        ),
        (
            "failed1",
            counter(
                "shop_orders_total",
                "state=\"failed\",tenant=\"1\"",
                after_feb(0.5, 0.75),
            ),
        ),
        // Tenant 2 breaches: 3% failed.
        (
            "ok2",
            counter("shop_orders_total", "state=\"ok\",tenant=\"2\"", |_| 97.0),
        ),
        (
            "failed2",
            counter("shop_orders_total", "state=\"failed\",tenant=\"2\"", |_| {
                3.0
            }),
        ),
        // Tenant 3 has about 31 orders in 28 days, fewer than min_events, and no failure series.
        (
            "ok3",
            counter("shop_orders_total", "state=\"ok\",tenant=\"3\"", |_| {
                1.0 / 256.0
            }),
        ),
        // Tenant 4's counter never moves: no data.
        (
            "ok4",
            counter("shop_orders_total", "state=\"ok\",tenant=\"4\"", |_| 0.0),
        ),
        // shop/checkout-latency: 200 requests a step, 199 within 500 ms, 192 within 100 ms.
        (
            "fast",
            counter(
                "shop_request_duration_seconds_bucket",
                "le=\"0.1\",route=\"checkout\"",
                |_| 192.0,
            ),
        ),
        (
            "within",
            counter(
                "shop_request_duration_seconds_bucket",
                "le=\"0.5\",route=\"checkout\"",
                |_| 199.0,
            ),
        ),
        (
            "second",
            counter(
                "shop_request_duration_seconds_bucket",
                "le=\"1\",route=\"checkout\"",
                |_| 199.75,
            ),
        ),
        (
            "requests",
            counter(
                "shop_request_duration_seconds_bucket",
                "le=\"+Inf\",route=\"checkout\"",
                |_| 200.0,
            ),
        ),
        // shop/queue-depth: below 10 except at every 200th step.
        (
            "depth",
            gauge("shop_queue_depth", "queue=\"emails\"", |t| {
                if ((t - DATA_START) / STEP) % 200 == 0 {
                    12.0
                } else {
                    3.0
                }
            }),
        ),
        // The Sloth and OpenSLO `checkout` specs: 0.05% of requests fail.
        (
            "http_ok",
            counter(
                "http_requests_total",
                "code=\"200\",job=\"checkout\"",
                |_| 999.5,
            ),
        ),
        (
            "http_5xx",
            counter(
                "http_requests_total",
                "code=\"500\",job=\"checkout\"",
                |_| 0.5,
            ),
        ),
        // The Sloth spec's latency SLO: 0.5% of payments slower than 500 ms.
        (
            "pay_fast",
            counter("payment_duration_seconds_bucket", "le=\"0.5\"", |_| 99.5),
        ),
        (
            "pay_all",
            counter("payment_duration_seconds_count", "", |_| 100.0),
        ),
        // The seeds: NEXUS tenant 2 disputes 1.2% of its exchanges, tenant 1 0.16%.
        (
            "nexus_done1",
            counter(
                "nexus_exchanges_total",
                "state=\"completed\",tenant=\"1\"",
                |_| 40.0,
            ),
        ),
        (
            "nexus_disputed1",
            counter(
                "nexus_exchanges_total",
                "state=\"disputed\",tenant=\"1\"",
                |_| 0.0625,
            ),
        ),
        (
            "nexus_done2",
            counter(
                "nexus_exchanges_total",
                "state=\"completed\",tenant=\"2\"",
                |_| 40.0,
            ),
        ),
        (
            "nexus_disputed2",
            counter(
                "nexus_exchanges_total",
                "state=\"disputed\",tenant=\"2\"",
                |_| 0.5,
            ),
        ),
        (
            "dealix_delivered",
            counter(
                "dealix_webhook_deliveries_total",
                "outcome=\"delivered\"",
                |_| 10.0,
            ),
        ),
        (
            "dealix_failed",
            counter(
                "dealix_webhook_deliveries_total",
                "outcome=\"failed\"",
                |_| 0.0625,
            ),
        ),
    ]
}

fn start_server(extra: Vec<Series>) -> (PrometheusServer, Vec<(&'static str, Series)>) {
    let data = data_set();
    let mut all: Vec<Series> = Vec::new();
    for (_, series) in data_set() {
        all.push(series);
    }
    all.extend(extra);
    (PrometheusServer::start(&openmetrics(&all), &[]), data)
}

fn find<'a>(data: &'a [(&'static str, Series)], name: &str) -> &'a Series {
    &data.iter().find(|(n, _)| *n == name).unwrap().1
}

/// Events and error ratio of counters over `(start, end]`.
fn ratio_truth(
    data: &[(&'static str, Series)],
    bad: &[&str],
    total: &[&str],
    start: i64,
    end: i64,
) -> (f64, f64) {
    let sum = |names: &[&str]| -> f64 {
        names
            .iter()
            .map(|n| find(data, n).increase(start, end))
            .sum()
    };
    let events = sum(total);
    (events, sum(bad) / events)
}

fn status(args: &[&str]) -> Output {
    let mut all = vec!["status"];
    all.extend(args);
    crate::common::run(&all)
}

fn json_rows(args: &[&str]) -> (i32, Vec<Value>) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let output = status(&all);
    let code = output.status.code().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let rows: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "status {args:?}: exit {code}, stdout is not JSON ({e}):\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (code, rows.as_array().unwrap().clone())
}

fn row<'a>(rows: &'a [Value], slo: &str, labels: &Value, objective: Option<&str>) -> &'a Value {
    rows.iter()
        .find(|row| {
            row["slo"] == slo
                && row["labels"] == *labels
                && row.get("objective_name").and_then(Value::as_str) == objective
        })
        .unwrap_or_else(|| panic!("no row for {slo} {labels} {objective:?} in {rows:#?}"))
}

#[track_caller]
fn assert_close(actual: &Value, truth: f64, what: &str) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {actual}"));
    let error = ((actual - truth) / truth).abs();
    assert!(
        error < 1e-6,
        "{what}: {actual} against the constructed {truth} (relative error {error:e})"
    );
}

/// `1h` → 3600.
fn seconds(prometheus: &str) -> i64 {
    let (number, unit) = prometheus.split_at(prometheus.len() - 1);
    let number: i64 = number.parse().unwrap();
    number
        * match unit {
            "m" => 60,
            "h" => 3600,
            "d" => DAY,
            other => panic!("unit {other}"),
        }
}

/// The exit code and what the command printed, for snapshots; the server's port is replaced.
fn shown(output: &Output, url: &str) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
    .replace(url, "http://127.0.0.1:PORT")
}

const SHOP: &str = "tests/fixtures/status/shop.yaml";

/// The harness itself: a backfilled counter reads back with the increase it was built with.
#[test]
fn harness_serves_backfilled_series() {
    let text = openmetrics(&[counter("demo_total", "job=\"a\"", |_| 30.0)]);
    let server = PrometheusServer::start(&text, &[]);
    let data = server.query("increase(demo_total[4h])", DATA_START + 4 * 3600);
    let value: f64 = data["result"][0]["value"][1]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((value - 48.0 * 30.0).abs() < 1e-9, "{data}");
}

#[test]
fn figures_equal_the_constructed_truth() {
    let (server, data) = start_server(Vec::new());
    let url = server.url.as_str();
    let at = AT.to_string();
    let (code, rows) = json_rows(&[SHOP, "--prometheus", url, "--at", &at]);
    assert_eq!(code, 1, "tenant 2 breaches: {rows:#?}");

    // Every row has the figures the report promises.
    for row in &rows {
        for key in [
            "service",
            "slo",
            "labels",
            "objective",
            "window",
            "compliance",
            "error_budget_remaining",
            "events",
            "burn_rates",
            "firing",
            "status",
            "source",
        ] {
            assert!(row.get(key).is_some(), "{key} missing in {row}");
        }
        assert_eq!(row["source"], "raw", "no recorded series exist: {row}");
        assert_eq!(row["end"], "2026-02-10T00:00:00Z");
    }

    // The ratio SLO, one row per tenant.
    let start = AT - WINDOW_28D;
    let tenant = |n: &str| serde_json::json!({ "tenant": n });
    let (events, ratio) = ratio_truth(&data, &["failed1"], &["ok1", "failed1"], start, AT);
    let one = row(&rows, "orders", &tenant("1"), None);
    assert_eq!(one["status"], "met");
    assert_close(&one["events"], events, "tenant 1 events");
    assert_close(&one["compliance"], 1.0 - ratio, "tenant 1 compliance");
    assert_close(
        &one["error_budget_remaining"],
        1.0 - ratio / 0.01,
        "tenant 1 budget",
    );
    assert_close(
        &one["error_budget_remaining_seconds"],
        (1.0 - ratio / 0.01) * 0.01 * WINDOW_28D as f64,
        "tenant 1 budget time",
    );
    // Burn rates over each tier's long window, ending at --at.
    let burn_rates = one["burn_rates"].as_array().unwrap();
    assert!(!burn_rates.is_empty());
    for burn in burn_rates {
        let long = seconds(burn["long_window"].as_str().unwrap());
        let (_, ratio) = ratio_truth(&data, &["failed1"], &["ok1", "failed1"], AT - long, AT);
        assert_close(&burn["burn_rate"], ratio / 0.01, "tenant 1 burn rate");
    }

    let two = row(&rows, "orders", &tenant("2"), None);
    assert_eq!(two["status"], "breached");
    assert_close(&two["compliance"], 0.97, "tenant 2 compliance");
    assert_close(&two["error_budget_remaining"], -2.0, "tenant 2 budget");

    let three = row(&rows, "orders", &tenant("3"), None);
    assert_eq!(three["status"], "too_few_events");
    assert_close(&three["events"], 8064.0 / 256.0, "tenant 3 events");
    assert_close(&three["compliance"], 1.0, "tenant 3 compliance");

    let four = row(&rows, "orders", &tenant("4"), None);
    assert_eq!(four["status"], "no_data");
    assert_eq!(four["compliance"], Value::Null);

    // The latency SLO: one row per percentile objective.
    let all = find(&data, "requests").increase(start, AT);
    let p99 = row(
        &rows,
        "checkout-latency",
        &serde_json::json!({}),
        Some("p99"),
    );
    assert_close(&p99["events"], all, "latency events");
    assert_close(&p99["compliance"], 199.0 / 200.0, "p99 compliance");
    assert_eq!(p99["status"], "met");
    let p95 = row(
        &rows,
        "checkout-latency",
        &serde_json::json!({}),
        Some("p95"),
    );
    assert_close(&p95["compliance"], 192.0 / 200.0, "p95 compliance");
    assert_eq!(p95["status"], "met");

    // The gauge: each 5-minute slice of the window is an event, bad at 10 or more.
    let samples = find(&data, "depth").samples(start, AT);
    let bad = samples.iter().filter(|v| **v >= 10.0).count() as f64;
    let queue = row(&rows, "queue-depth", &serde_json::json!({}), None);
    assert_close(&queue["events"], samples.len() as f64, "gauge slices");
    assert_close(
        &queue["compliance"],
        1.0 - bad / samples.len() as f64,
        "gauge compliance",
    );

    // --where keeps the groups asked for, and SLOs grouped by that label only.
    let (code, rows) = json_rows(&[
        SHOP,
        "--prometheus",
        url,
        "--at",
        &at,
        "--where",
        "tenant=1",
    ]);
    assert_eq!(code, 0, "{rows:#?}");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["labels"], tenant("1"));
    let (code, rows) = json_rows(&[
        SHOP,
        "--prometheus",
        url,
        "--at",
        &at,
        "--where",
        "tenant=2",
    ]);
    assert_eq!((code, rows.len()), (1, 1));
    let (code, rows) = json_rows(&[
        SHOP,
        "--prometheus",
        url,
        "--at",
        &at,
        "--where",
        "tenant=9",
    ]);
    assert_eq!(code, 0);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["status"], "no_data");
    assert_eq!(rows[0]["labels"], tenant("9"));

    // --at in the past, as RFC 3339: before February, tenant 1 failed exactly 0.5%.
    let (_, rows) = json_rows(&[
        SHOP,
        "--prometheus",
        url,
        "--at",
        "2026-01-30T00:00:00Z",
        "--slo",
        "orders",
    ]);
    let one = row(&rows, "orders", &tenant("1"), None);
    assert_eq!(one["end"], "2026-01-30T00:00:00Z");
    assert_close(
        &one["compliance"],
        0.995,
        "tenant 1 compliance on 30 January",
    );
    assert_close(
        &one["events"],
        8064.0 * 100.0,
        "tenant 1 events on 30 January",
    );

    // --period this-month: from 1 February to the 10th, 9 days of 288 steps of 100 orders,
    // 0.75 of them failed each step.
    let (_, rows) = json_rows(&[
        SHOP,
        "--prometheus",
        url,
        "--at",
        &at,
        "--period",
        "this-month",
        "--slo",
        "orders",
    ]);
    let one = row(&rows, "orders", &tenant("1"), None);
    assert_eq!(
        (one["start"].as_str(), one["period"].as_str()),
        (Some("2026-02-01T00:00:00Z"), Some("this-month"))
    );
    assert_close(
        &one["events"],
        9.0 * 288.0 * 100.0,
        "tenant 1 events this month",
    );
    assert_close(
        &one["compliance"],
        1.0 - 0.0075,
        "tenant 1 compliance this month",
    );
    let (events, ratio) = ratio_truth(&data, &["failed1"], &["ok1", "failed1"], FEB_1, AT);
    assert_close(&one["events"], events, "tenant 1 events this month");
    assert_close(
        &one["compliance"],
        1.0 - ratio,
        "tenant 1 compliance this month",
    );
    // The budget of a calendar month is spread over the whole month: February has 28 days.
    assert_close(
        &one["error_budget_remaining_seconds"],
        (1.0 - 0.0075 / 0.01) * 0.01 * WINDOW_28D as f64,
        "tenant 1 budget time this month",
    );

    // A Sloth spec (30d by default) and an OpenSLO spec over the same requests.
    let (code, rows) = json_rows(&[
        "tests/fixtures/sloth/checkout.yaml",
        "--prometheus",
        url,
        "--at",
        &at,
    ]);
    assert_eq!(code, 0, "{rows:#?}");
    let availability = row(
        &rows,
        "checkout-requests-availability",
        &serde_json::json!({}),
        None,
    );
    assert_close(
        &availability["compliance"],
        1.0 - 0.0005,
        "Sloth availability",
    );
    assert_eq!(availability["window"], "30d");
    // Sloth's queries carry their own `rate` windows: an error ratio without event counts.
    assert_eq!(availability["events"], Value::Null);
    // An error_ratio_query gives no event counts: its 5m ratio averaged over the window.
    let latency = row(
        &rows,
        "checkout-payment-latency",
        &serde_json::json!({}),
        None,
    );
    assert_close(&latency["compliance"], 0.995, "Sloth latency");
    assert_eq!(latency["events"], Value::Null);
    assert_eq!(latency["status"], "met");
    let (code, rows) = json_rows(&[
        "tests/fixtures/openslo/checkout.yaml",
        "--prometheus",
        url,
        "--at",
        &at,
    ]);
    assert_eq!(code, 0, "{rows:#?}");
    let availability = row(&rows, "checkout-availability", &serde_json::json!({}), None);
    assert_close(
        &availability["compliance"],
        1.0 - 0.0005,
        "OpenSLO availability",
    );
    assert_close(
        &availability["events"],
        28.0 * 288.0 * 1000.0,
        "OpenSLO events",
    );

    // The table, and its exit code.
    let output = status(&[SHOP, "--prometheus", url, "--at", &at]);
    insta::assert_snapshot!("table_shop", shown(&output, url));
    let output = status(&[
        SHOP,
        "--prometheus",
        url,
        "--at",
        &at,
        "--where",
        "tenant=1",
        "--format",
        "markdown",
    ]);
    insta::assert_snapshot!("markdown_tenant_1", shown(&output, url));
    // The seed specs: NEXUS tenant 2 breaches, as its own check would say.
    let output = status(&["specs", "--prometheus", url, "--at", &at]);
    insta::assert_snapshot!("table_seeds", shown(&output, url));
}

/// The recorded 5m series are used only when they existed at the window's start.
#[test]
fn recorded_series_are_used_only_when_they_cover_the_window() {
    let from = DATA_START + 4 * DAY;
    let recorded = |name: &'static str, value: f64| Series {
        from,
        ..gauge(
            name,
            "service=\"shop\",slo=\"orders\",tenant=\"1\"",
            move |_| value,
        )
    };
    // 2% errors in the recorded series, against 0.5-0.75% in the raw ones.
    let (server, _) = start_server(vec![
        recorded("slo:sli_events:rate5m", 1.0),
        recorded("slo:sli_errors:rate5m", 0.02),
    ]);
    let url = server.url.as_str();
    let at = AT.to_string();
    let (_, rows) = json_rows(&[
        SHOP,
        "--prometheus",
        url,
        "--at",
        &at,
        "--where",
        "tenant=1",
    ]);
    assert_eq!(rows[0]["source"], "recorded");
    assert_close(&rows[0]["compliance"], 0.98, "recorded compliance");
    assert_close(&rows[0]["events"], WINDOW_28D as f64, "recorded events");
    // On 25 January the window starts in December, before the recording began.
    let (_, rows) = json_rows(&[
        SHOP,
        "--prometheus",
        url,
        "--at",
        "2026-01-25T00:00:00Z",
        "--where",
        "tenant=1",
    ]);
    assert_eq!(rows[0]["source"], "raw");
    assert_close(&rows[0]["compliance"], 0.995, "raw compliance");
}

#[test]
fn bad_servers_give_one_line_and_exit_2() {
    let now = std::time::Duration::ZERO;
    let down = crate::common::live_data::down_url();
    let cases = [
        ("down", down, "30s"),
        (
            "http_500",
            fake_server("500 Internal Server Error", "storage is unavailable", now),
            "30s",
        ),
        (
            "query_error",
            fake_server(
                "400 Bad Request",
                r#"{"status":"error","errorType":"bad_data","error":"1:1: parse error: unexpected character"}"#,
                now,
            ),
            "30s",
        ),
        (
            "malformed_body",
            fake_server("200 OK", "<html>it works</html>", now),
            "30s",
        ),
        (
            "slow",
            fake_server("200 OK", "{}", std::time::Duration::from_secs(5)),
            "1s",
        ),
    ];
    for (name, url, timeout) in cases {
        let output = status(&[
            SHOP,
            "--prometheus",
            &url,
            "--at",
            "1770681600",
            "--timeout",
            timeout,
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr}");
        assert!(stderr.contains(&url), "{name} names the server: {stderr}");
        assert!(output.stdout.is_empty(), "{name}: nothing on stdout");
        insta::assert_snapshot!(format!("bad_server_{name}"), shown(&output, &url));
    }
}

#[test]
fn the_token_is_sent_and_never_shown() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut request = vec![0u8; 65536];
        let read = stream.read(&mut request).unwrap();
        let _ = stream.write_all(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        String::from_utf8_lossy(&request[..read]).into_owned()
    });
    let output = crate::common::slofile()
        .args([
            "status",
            SHOP,
            "--prometheus",
            &url,
            "--header",
            "X-Scope-OrgID=team-a",
        ])
        .env("SLOFILE_PROMETHEUS_TOKEN", "s3cret-token")
        .output()
        .unwrap();
    let request = seen.join().unwrap().to_lowercase();
    assert!(
        request.contains("authorization: bearer s3cret-token"),
        "{request}"
    );
    assert!(request.contains("x-scope-orgid: team-a"), "{request}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(!stderr.contains("s3cret"), "{stderr}");
    assert!(stderr.contains("HTTP 503"), "{stderr}");
}

#[test]
fn usage_errors_exit_2() {
    let output = crate::common::slofile()
        .args(["status", SHOP])
        .env_remove("SLOFILE_PROMETHEUS_URL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("SLOFILE_PROMETHEUS_URL"));
    for args in [
        vec![
            "status",
            SHOP,
            "--prometheus",
            "http://127.0.0.1:1",
            "--at",
            "yesterday",
        ],
        vec![
            "status",
            SHOP,
            "--prometheus",
            "http://127.0.0.1:1",
            "--where",
            "tenant",
        ],
        vec![
            "status",
            SHOP,
            "--prometheus",
            "http://127.0.0.1:1",
            "--slo",
            "nope",
        ],
        vec!["status", SHOP, "--prometheus", "127.0.0.1:9090"],
        vec!["validate", SHOP, "--format", "table"],
    ] {
        let output = crate::common::run(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
