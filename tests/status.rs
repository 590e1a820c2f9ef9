//! `slofile status` against a real Prometheus whose TSDB is backfilled with series built by the
//! test, so that every figure is known by construction.

mod common;

use common::prometheus_server::PrometheusServer;

/// The harness itself: a backfilled counter reads back with the increase it was built with.
#[test]
fn harness_serves_backfilled_series() {
    let start = 1_767_225_600; // 2026-01-01T00:00:00Z
    let mut text = String::new();
    for step in 0..=48 {
        text.push_str(&format!("demo_total{{job=\"a\"}} {} {}\n", step * 30, start + step * 300));
    }
    text.push_str("# EOF\n");
    let server = PrometheusServer::start(&text, &[]);
    let data = server.query("increase(demo_total[4h])", start + 4 * 3600);
    let value: f64 = data["result"][0]["value"][1].as_str().unwrap().parse().unwrap();
    assert_eq!(value, 48.0 * 30.0, "{data}");
}
