//! Many SLOs, few queries: where the recorded series cover a span, `status`, `gate` and `report`
//! ask a handful of queries per service, whatever the number of SLOs. Counted by the real
//! Prometheus itself (`prometheus_http_requests_total`).
//!
//! Three services of 25 SLOs, each grouped by two tenants, whose recorded 5m series (and the
//! burn-rate windows' ratios) are backfilled every 6 hours from 2026-01-25 to 2026-04-05: every
//! span asked about starts and ends on a sample, so the recording covers it. No raw series
//! exist, so a figure taken from raw data would show as `no_data`.

use crate::common::prometheus_server::PrometheusServer;
use crate::common::slofile;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

const SERVICES: usize = 3;
const SLOS: usize = 25;
const TENANTS: [&str; 2] = ["a", "b"];
/// 2026-01-25T00:00:00Z to 2026-04-05T00:00:00Z, every 6 hours.
const DATA_START: i64 = 1_769_299_200;
const AT: i64 = DATA_START + 70 * 86_400;
const STEP: i64 = 6 * 3_600;
const EVENTS_PER_SECOND: f64 = 10.0;

/// SLO `i` fails `i % 5` in ten thousand events.
fn error_ratio(slo: usize) -> f64 {
    (slo % 5) as f64 / 10_000.0
}

fn specs(dir: &Path) {
    for service in 0..SERVICES {
        let mut text = format!(
            "apiVersion: slofile/v1\nservice: svc-{service}\nerror_budget_policy:\n  text: Ship while the budget lasts.\n  warn_below: 10%\n  freeze_below: 0%\nslos:\n"
        );
        for slo in 0..SLOS {
            let _ = write!(
                text,
                "  - id: slo-{slo}\n    objective: 99%\n    window: 28d\n    group_by: [tenant]\n    sli:\n      ratio:\n        bad: m_{service}_{slo}_total{{state=\"failed\"}}\n        total: m_{service}_{slo}_total\n"
            );
        }
        std::fs::write(dir.join(format!("svc-{service}.yaml")), text).unwrap();
    }
}

fn recorded() -> String {
    let mut text = String::new();
    let series = [
        ("slo:sli_events:rate5m", None),
        ("slo:sli_errors:rate5m", Some(1.0)),
        ("slo:sli_error:ratio_rate1h", Some(1.0 / EVENTS_PER_SECOND)),
        ("slo:sli_error:ratio_rate6h", Some(1.0 / EVENTS_PER_SECOND)),
        ("slo:sli_error:ratio_rate3d", Some(1.0 / EVENTS_PER_SECOND)),
    ];
    for (name, errors) in series {
        for service in 0..SERVICES {
            for slo in 0..SLOS {
                for tenant in TENANTS {
                    let value = match errors {
                        None => EVENTS_PER_SECOND,
                        Some(scale) => EVENTS_PER_SECOND * error_ratio(slo) * scale,
                    };
                    for t in (DATA_START..=AT).step_by(STEP as usize) {
                        let _ = writeln!(
                            text,
                            "{name}{{service=\"svc-{service}\",slo=\"slo-{slo}\",tenant=\"{tenant}\"}} {value} {t}"
                        );
                    }
                }
            }
        }
    }
    text.push_str("# EOF\n");
    text
}

/// Runs a live command and returns its JSON and how many queries it asked.
fn counted(server: &PrometheusServer, dir: &Path, args: &[&str]) -> (Value, u64) {
    let before = server.queries_answered();
    let output = slofile()
        .args(args)
        .arg(dir)
        .args(["--prometheus", &server.url, "--at", &AT.to_string()])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let asked = server.queries_answered() - before;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (json, asked)
}

#[test]
fn status_gate_and_report_ask_a_few_queries_per_service() {
    let dir = tempfile::tempdir().unwrap();
    specs(dir.path());
    let server = PrometheusServer::start(&recorded(), &[]);
    let rows_expected = SERVICES * SLOS * TENANTS.len();

    // status: per service, coverage at both ends (2), events and failed events together (1), the
    // recorded ratios of every burn-rate window (1) and the firing alerts (1).
    let (rows, asked) = counted(&server, dir.path(), &["status"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), rows_expected);
    for row in rows {
        assert_eq!(row["source"], "recorded", "{row}");
        let slo: usize = row["slo"].as_str().unwrap()[4..].parse().unwrap();
        let compliance = row["compliance"].as_f64().unwrap();
        assert!(
            (compliance - (1.0 - error_ratio(slo))).abs() < 1e-12,
            "{row}"
        );
        let burn = row["burn_rates"][0]["burn_rate"].as_f64().unwrap();
        assert!((burn - error_ratio(slo) / 0.01).abs() < 1e-9, "{row}");
    }
    assert!(
        asked <= 5 * SERVICES as u64,
        "status asked {asked} queries for {} SLOs in {SERVICES} services",
        SERVICES * SLOS
    );

    // gate: the windows, as status measures them (3 per service).
    let (rows, asked) = counted(&server, dir.path(), &["gate"]);
    assert_eq!(rows.as_array().unwrap().len(), rows_expected);
    assert!(asked <= 3 * SERVICES as u64, "gate asked {asked} queries");

    // report: the gate's verdicts (3), this period and the last (6), the tiles (1) and the alerts
    // (1) per service.
    let (rows, asked) = counted(&server, dir.path(), &["report", "--period", "2026-03"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), rows_expected);
    assert!(rows.iter().all(|row| row["source"] == "recorded"));
    assert!(rows.iter().all(|row| row["previous"]["status"] == "met"));
    assert!(
        rows.iter()
            .all(|row| row["policy"]["verdict"] == "ship" || row["policy"]["verdict"] == "warn")
    );
    assert!(
        asked <= 15 * SERVICES as u64,
        "report asked {asked} queries"
    );
}
