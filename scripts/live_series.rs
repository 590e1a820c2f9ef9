//! Writes, as OpenMetrics for `promtool tsdb create-blocks-from openmetrics`, the recorded series
//! that a build of the given specs would record, as if its rules had run for a whole SLO window
//! before `--at`: the 5m event and failed-event rates at the window's start, at each `--also`
//! instant (the edges of the calendar periods a report asks about) and at `--at`, and each
//! alerting tier's error ratio at `--at`. For the live-query benchmark (`scripts/live-bench.sh`).
//!
//! ```text
//! cargo run --release --example live-series -- --at 1775347200 --also 1772323200 specs/ > recorded.om
//! ```

use slofile::compile::series::{self, label};
use slofile::compile::{BASE_WINDOW, Measure};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut at = None;
    let mut also: Vec<i64> = Vec::new();
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--at" {
            at = args.next().and_then(|value| value.parse::<i64>().ok());
        } else if arg == "--also" {
            also.extend(args.next().and_then(|value| value.parse::<i64>().ok()));
        } else {
            paths.push(PathBuf::from(arg));
        }
    }
    let Some(at) = at else {
        eprintln!("live-series: --at UNIX_SECONDS is required");
        return ExitCode::from(2);
    };
    let mut report = slofile::diagnostics::Report::default();
    let Ok(Some(plan)) = slofile::plan(&paths, &mut report) else {
        eprintln!("live-series: the specs do not compile");
        return ExitCode::from(2);
    };
    // One family at a time: OpenMetrics wants a family's samples together.
    let mut families = std::collections::BTreeMap::<String, String>::new();
    for service in &plan.services {
        for slo in &service.slos {
            if slo.measure.is_none() || matches!(slo.measure, Some(Measure::ErrorRatioQuery(_))) {
                continue;
            }
            let start = at - (slo.slo.window.millis() / 1000) as i64;
            let mut times: Vec<i64> = also.iter().copied().chain([start, at]).collect();
            times.sort_unstable();
            times.dedup();
            let mut labels = format!(
                "{}=\"{}\",{}=\"{}\"",
                label::SERVICE,
                service.meta.id,
                label::SLO,
                slo.slo.id
            );
            for group in &slo.slo.group_by {
                let _ = write!(labels, ",{group}=\"g1\"");
            }
            let mut sample = |name: String, labels: &str, value: f64, times: &[i64]| {
                let text = families.entry(name.clone()).or_default();
                for t in times {
                    let _ = writeln!(text, "{name}{{{labels}}} {value} {t}");
                }
            };
            sample(series::events_rate(BASE_WINDOW), &labels, 10.0, &times);
            for objective in &slo.objectives {
                let labels = match &objective.objective.name {
                    Some(name) => format!("{labels},{}=\"{name}\"", label::OBJECTIVE),
                    None => labels.clone(),
                };
                sample(series::errors_rate(BASE_WINDOW), &labels, 0.001, &times);
                let windows: std::collections::BTreeSet<_> =
                    objective.alerting_tiers().map(|tier| tier.long).collect();
                for window in windows {
                    sample(series::error_ratio(window), &labels, 0.0001, &[at]);
                }
            }
        }
    }
    let mut out = String::new();
    for text in families.values() {
        out.push_str(text);
    }
    out.push_str("# EOF\n");
    print!("{out}");
    ExitCode::SUCCESS
}
