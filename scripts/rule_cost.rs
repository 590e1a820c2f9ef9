//! Helpers of `scripts/rule-cost.sh`, which measures what the generated rules cost Prometheus.
//!
//! ```text
//! rule-cost chunk  --index I --start UNIX [--instances N] [--scrape SECONDS] > chunk.om
//! rule-cost truth  --start UNIX --from UNIX --to UNIX [--instances N] [--scrape SECONDS]
//! rule-cost rules  RULES.yml [--only NAME,...] [--except NAME,...] [--records-file OUT.yml]
//! ```
//!
//! `chunk` writes two hours of `http_requests_total{instance,code}` counters as OpenMetrics,
//! for `promtool tsdb create-blocks-from openmetrics` (which parses its whole input once per
//! two-hour block, so the data goes in two-hour files). Traffic is uneven on purpose: 16 hours a
//! day of 100 requests per scrape and instance with 1 error in every 2,000, and 8 hours of 1
//! request per scrape with 1 error in 10. Averaging error ratios over time weighs both periods
//! alike; a traffic-weighted ratio does not. `truth` prints the exact error ratio between two
//! times. `rules` prints a rules file's rules as JSON lines (`kind`, `name`, `expr`), and with
//! `--records-file` writes a rules file holding only the selected recording rules.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

const CHUNK_SECONDS: i64 = 2 * 3600;

struct Traffic {
    instances: usize,
    scrape: i64,
}

impl Traffic {
    /// Requests and errors of one instance in the scrape interval ending at `t`.
    fn increment(&self, t: i64) -> (u64, u64) {
        let step = t / self.scrape;
        let hour = t.rem_euclid(86_400) / 3600;
        if hour < 8 {
            // Night: little traffic, many errors.
            (1, u64::from(step % 10 == 0))
        } else {
            (100, u64::from(step % 20 == 0))
        }
    }

    /// Requests and errors of one instance from `start` (exclusive) to `t` (inclusive).
    fn counted(&self, start: i64, t: i64) -> (u64, u64) {
        let (mut requests, mut errors) = (0, 0);
        let mut at = start + self.scrape;
        while at <= t {
            let (r, e) = self.increment(at);
            requests += r;
            errors += e;
            at += self.scrape;
        }
        (requests, errors)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("chunk") => chunk(&args[1..]),
        Some("truth") => truth(&args[1..]),
        Some("rules") => rules(&args[1..]),
        _ => Err("usage: rule-cost chunk|truth|rules ... (see the source)".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rule-cost: {message}");
            ExitCode::from(2)
        }
    }
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn number(args: &[String], name: &str, default: Option<i64>) -> Result<i64, String> {
    match flag(args, name) {
        Some(text) => text.parse().map_err(|e| format!("{name}: {e}")),
        None => default.ok_or(format!("{name} is required")),
    }
}

fn traffic(args: &[String]) -> Result<Traffic, String> {
    Ok(Traffic {
        instances: usize::try_from(number(args, "--instances", Some(500))?)
            .map_err(|e| e.to_string())?,
        scrape: number(args, "--scrape", Some(15))?.max(1),
    })
}

fn chunk(args: &[String]) -> Result<(), String> {
    let traffic = traffic(args)?;
    let start = number(args, "--start", None)?;
    let index = number(args, "--index", None)?;
    let from = start + index * CHUNK_SECONDS;
    let to = from + CHUNK_SECONDS;
    let mut out = String::with_capacity(64 << 20);
    out.push_str("# TYPE http_requests counter\n");
    // Scrapes at `from` and after, up to `to` exclusive: the next chunk starts there. The
    // counters at the first one count everything since `start`.
    let mut t = from + (traffic.scrape - from.rem_euclid(traffic.scrape)) % traffic.scrape;
    let (base_requests, base_errors) = traffic.counted(start, t);
    let mut requests = vec![base_requests; traffic.instances];
    let mut errors = vec![base_errors; traffic.instances];
    let mut first = true;
    while t < to {
        let (r, e) = if first { (0, 0) } else { traffic.increment(t) };
        first = false;
        for instance in 0..traffic.instances {
            requests[instance] += r;
            errors[instance] += e;
            let _ = writeln!(
                out,
                "http_requests_total{{instance=\"i{instance:04}\",code=\"200\"}} {} {t}",
                requests[instance] - errors[instance]
            );
            let _ = writeln!(
                out,
                "http_requests_total{{instance=\"i{instance:04}\",code=\"500\"}} {} {t}",
                errors[instance]
            );
        }
        t += traffic.scrape;
    }
    out.push_str("# EOF\n");
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| e.to_string())
}

fn truth(args: &[String]) -> Result<(), String> {
    let traffic = traffic(args)?;
    let start = number(args, "--start", None)?;
    let from = number(args, "--from", None)?;
    let to = number(args, "--to", None)?;
    let (requests_to, errors_to) = traffic.counted(start, to);
    let (requests_from, errors_from) = traffic.counted(start, from);
    let requests = (requests_to - requests_from) * traffic.instances as u64;
    let errors = (errors_to - errors_from) * traffic.instances as u64;
    println!(
        "{}",
        json!({
            "requests": requests,
            "errors": errors,
            "error_ratio": errors as f64 / requests as f64,
        })
    );
    Ok(())
}

fn rules(args: &[String]) -> Result<(), String> {
    let path = args.first().ok_or("rules: a rules file is required")?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let file: Value = serde_saphyr::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let names = |flag_name: &str| -> Option<Vec<String>> {
        flag(args, flag_name).map(|list| list.split(',').map(str::to_owned).collect())
    };
    let (only, except) = (names("--only"), names("--except"));
    let mut kept_groups = Vec::new();
    for group in file["groups"].as_array().into_iter().flatten() {
        let mut kept = Vec::new();
        for rule in group["rules"].as_array().into_iter().flatten() {
            let (kind, name) = match (rule["record"].as_str(), rule["alert"].as_str()) {
                (Some(record), _) => ("record", record),
                (None, Some(alert)) => ("alert", alert),
                _ => continue,
            };
            println!(
                "{}",
                json!({"kind": kind, "name": name, "expr": rule["expr"], "group": group["name"]})
            );
            let selected = kind == "record"
                && only.as_ref().is_none_or(|o| o.iter().any(|n| n == name))
                && except.as_ref().is_none_or(|e| !e.iter().any(|n| n == name));
            if selected {
                kept.push(rule.clone());
            }
        }
        if !kept.is_empty() {
            let mut group = group.clone();
            group["rules"] = Value::Array(kept);
            kept_groups.push(group);
        }
    }
    if let Some(out) = flag(args, "--records-file") {
        let file = BTreeMap::from([("groups", Value::Array(kept_groups))]);
        let text = serde_saphyr::to_string(&file).map_err(|e| e.to_string())?;
        std::fs::write(&out, text).map_err(|e| format!("{out}: {e}"))?;
    }
    Ok(())
}
