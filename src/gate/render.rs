//! The gate's verdicts for people (one line each), for machines (JSON), for GitHub Actions
//! (workflow annotations) and for a pull-request comment (Markdown).

use super::{GateRow, GateVerdict, percent};

/// How the verdicts print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateFormat {
    Human,
    Plain,
    Json,
    Github,
    Markdown,
}

pub fn render(rows: &[GateRow], format: GateFormat, color: bool) -> String {
    match format {
        GateFormat::Human => lines(rows, color),
        GateFormat::Plain => lines(rows, false),
        GateFormat::Json => {
            let mut text = serde_json::to_string_pretty(rows).unwrap_or_default();
            text.push('\n');
            text
        }
        GateFormat::Github => github(rows),
        GateFormat::Markdown => markdown(rows),
    }
}

/// One line per row, the verdict first; a freeze passed by an exempt reason says so loudly.
fn lines(rows: &[GateRow], color: bool) -> String {
    if rows.is_empty() {
        return "no SLO with budget-policy rules to gate\n".to_owned();
    }
    let mut out = String::new();
    for row in rows {
        let word = match row.verdict {
            GateVerdict::Exempt => "EXEMPT FREEZE".to_owned(),
            verdict => verdict.as_str().to_uppercase(),
        };
        let word = if color {
            paint(&word, row.verdict)
        } else {
            word
        };
        out.push_str(&format!("{word:<13} {}\n", row.message));
    }
    out
}

fn paint(text: &str, verdict: GateVerdict) -> String {
    let code = match verdict {
        GateVerdict::Ship => "32",
        GateVerdict::Warn | GateVerdict::Exempt => "33",
        GateVerdict::Freeze => "31",
        GateVerdict::NoData | GateVerdict::TooFewEvents => "2",
    };
    format!("\u{1b}[{code}m{text:<13}\u{1b}[0m")
}

/// Workflow annotations: a freeze is an error, a warning or an exempt freeze a warning, the rest
/// notices.
fn github(rows: &[GateRow]) -> String {
    let mut out = String::new();
    for row in rows {
        let level = match row.verdict {
            GateVerdict::Freeze => "error",
            GateVerdict::Warn | GateVerdict::Exempt => "warning",
            _ => "notice",
        };
        out.push_str(&format!(
            "::{level} title=slofile gate: {}::{}\n",
            crate::diagnostics::github_property(&format!("{}/{}", row.service, row.slo)),
            crate::diagnostics::github_data(&row.message)
        ));
    }
    out
}

/// A table for a pull-request comment.
fn markdown(rows: &[GateRow]) -> String {
    let mut out = String::from(
        "| SLO | Group | Budget remaining | Burned since | Verdict | Why |\n|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let group = row
            .labels
            .iter()
            .map(|(label, value)| format!("{label}={value}"))
            .collect::<Vec<_>>()
            .join(", ");
        let why = row.message.split_once(": ").map_or("", |(_, why)| why);
        out.push_str(&format!(
            "| {}/{} | {} | {} | {} | {} | {} |\n",
            row.service,
            row.slo,
            cell(&group),
            row.error_budget_remaining.map_or("–".to_owned(), percent),
            row.burned_since.map_or("–".to_owned(), percent),
            row.verdict.as_str(),
            cell(why)
        ));
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
