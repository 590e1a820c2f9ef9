//! The report as an aligned table (for people), JSON (for programs) or Markdown (for a pull
//! request comment or the docs build).

use super::rows::Row;
use crate::live::figures::Verdict;
use crate::units::Duration;
use std::fmt::Write as _;

/// How `status` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    Markdown,
}

/// The report in `format`; `color` applies to the table only.
pub fn render(rows: &[Row], format: ReportFormat, color: bool) -> String {
    match format {
        ReportFormat::Table => table(rows, color),
        ReportFormat::Json => {
            let mut text = serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".to_owned());
            text.push('\n');
            text
        }
        ReportFormat::Markdown => markdown(rows),
    }
}

const HEADERS: [&str; 11] = [
    "SERVICE",
    "SLO",
    "GROUP",
    "OBJECTIVE",
    "WINDOW",
    "COMPLIANCE",
    "BUDGET LEFT",
    "EVENTS",
    "BURN RATES",
    "FIRING",
    "STATUS",
];

/// The cells of one row, as text.
fn cells(row: &Row) -> [String; 11] {
    let slo = match &row.objective_name {
        Some(name) => format!("{} ({name})", row.slo),
        None => row.slo.clone(),
    };
    let group = if row.labels.is_empty() {
        "-".to_owned()
    } else {
        row.labels
            .iter()
            .map(|(label, value)| format!("{label}={value}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let window = if row.period == "rolling" {
        row.window.clone()
    } else {
        format!("{} ({})", row.period, row.window)
    };
    let budget = match (
        row.error_budget_remaining,
        row.error_budget_remaining_seconds,
    ) {
        (Some(share), Some(seconds)) if seconds >= 1.0 => format!(
            "{} ({})",
            percent(share, 1),
            Duration::from_millis((seconds * 1000.0) as u64).rounded()
        ),
        (Some(share), _) => percent(share, 1),
        _ => "-".to_owned(),
    };
    let burn = row
        .burn_rates
        .iter()
        .map(|burn| match burn.burn_rate {
            Some(rate) => format!("{}:{}", burn.long_window, decimals(rate, 2)),
            None => format!("{}:-", burn.long_window),
        })
        .collect::<Vec<_>>()
        .join(" ");
    let firing = row
        .firing
        .iter()
        .map(|firing| firing.alert.clone())
        .collect::<Vec<_>>()
        .join(",");
    [
        row.service.clone(),
        slo,
        group,
        percent(row.objective, 4),
        window,
        row.compliance
            .map_or_else(|| "-".to_owned(), |c| percent(c, 4)),
        budget,
        row.events
            .map_or_else(|| "-".to_owned(), |events| format!("{}", events.round())),
        or_dash(burn),
        or_dash(firing),
        row.status.as_str().to_owned(),
    ]
}

fn table(rows: &[Row], color: bool) -> String {
    if rows.is_empty() {
        return "no SLO measured by Prometheus matches\n".to_owned();
    }
    let all: Vec<[String; 11]> = rows.iter().map(cells).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for cells in &all {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String], status: Option<Verdict>| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(widths).enumerate() {
            let last = index == cells.len() - 1;
            let shown = match status {
                Some(verdict) if last && color => paint(cell, verdict),
                _ => cell.clone(),
            };
            if last {
                text.push_str(&shown);
            } else {
                let pad = width - cell.chars().count();
                let _ = write!(text, "{shown}{}  ", " ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&HEADERS.map(str::to_owned), None);
    for (cells, row) in all.iter().zip(rows) {
        line(cells, Some(row.status));
    }
    out
}

/// ANSI colour for a status: green met, red breached, yellow no verdict.
fn paint(text: &str, verdict: Verdict) -> String {
    let code = match verdict {
        Verdict::Met => "32",
        Verdict::Breached => "31;1",
        Verdict::TooFewEvents | Verdict::NoData => "33",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn markdown(rows: &[Row]) -> String {
    let mut out = String::new();
    let headers = HEADERS.map(|header| match header {
        "SERVICE" | "GROUP" | "OBJECTIVE" | "WINDOW" | "COMPLIANCE" | "EVENTS" | "FIRING"
        | "STATUS" => {
            let mut title = header.to_lowercase();
            title[..1].make_ascii_uppercase();
            title
        }
        "BUDGET LEFT" => "Budget left".to_owned(),
        "BURN RATES" => "Burn rates".to_owned(),
        other => other.to_owned(),
    });
    let _ = writeln!(out, "| {} |", headers.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(headers.len()));
    for row in rows {
        let cells = cells(row).map(|cell| cell.replace('|', "\\|"));
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out
}

fn or_dash(text: String) -> String {
    if text.is_empty() {
        "-".to_owned()
    } else {
        text
    }
}

/// `0.99731` as `99.731%`, with at most `places` decimals and no trailing zeros.
pub(crate) fn percent(value: f64, places: usize) -> String {
    format!("{}%", decimals(value * 100.0, places))
}

/// At most `places` decimals, without trailing zeros: `0.25`, `2`, `-1.5`.
pub(crate) fn decimals(value: f64, places: usize) -> String {
    let text = format!("{value:.places$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    if text == "-0" { "0".to_owned() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(percent(0.995, 4), "99.5%");
        assert_eq!(percent(0.997_312_345, 4), "99.7312%");
        assert_eq!(percent(-2.5, 1), "-250%");
        assert_eq!(decimals(0.0, 2), "0");
        assert_eq!(decimals(-0.0001, 2), "0");
        assert_eq!(decimals(13.4449, 2), "13.44");
    }
}
