//! The report as Markdown, for a docs build: `index.md` and one page per service, with the same
//! numbers as the HTML pages (both take their words from [`super::text`]) and the charts as SVG
//! files beside them (`charts/<service>/<chart>.svg`), each with its description as alt text.

use super::model::{Report, ReportRow};
use super::text::{self, Objective};
use crate::emit::OutputFile;
use crate::emit::markdown::escape::{cell, inline};
use std::fmt::Write as _;

fn header(report: &Report, title: &str) -> String {
    format!(
        "# {}\n\n{} to {} ({}); measured to {}; compared with {}.\n\n",
        inline(title),
        report.start,
        report.end,
        inline(&report.time_zone),
        report.measured_to,
        report.previous_period
    )
}

/// Every page of the report and its charts.
pub fn pages(report: &Report) -> Vec<OutputFile> {
    let objectives = text::objectives(report);
    let mut files = vec![OutputFile {
        path: "index.md".to_owned(),
        contents: index(report, &objectives),
    }];
    for service in text::services(report) {
        let mine: Vec<&Objective<'_>> = objectives
            .iter()
            .filter(|objective| objective.service == service)
            .collect();
        let mut charts = Vec::new();
        files.push(OutputFile {
            path: format!("{}.md", text::page(service)),
            contents: service_page(report, service, &mine, &mut charts),
        });
        files.extend(charts);
    }
    files
}

fn index(report: &Report, objectives: &[Objective<'_>]) -> String {
    let title = format!("SLO report {}", report.period);
    let mut out = header(report, &title);
    if objectives.is_empty() {
        out.push_str("No SLO in these specs is measured by Prometheus.\n");
        return out;
    }
    out.push_str("| SLO | Group | Objective | Compliance | Budget spent | Status | Against previous | Policy |\n");
    out.push_str("| --- | --- | ---: | ---: | ---: | --- | ---: | --- |\n");
    for objective in objectives {
        for row in &objective.shown {
            let _ = writeln!(
                out,
                "| [{}]({}.md#{}) | {} | {} | {} | {} | {} | {} | {} |",
                cell(&objective.name()),
                text::page(objective.service),
                super::html::anchor(objective),
                cell(&text::group(row)),
                text::share(Some(row.objective)),
                text::share(row.figures.compliance),
                text::budget_spent(row),
                row.figures.status.as_str(),
                text::trend(row),
                cell(&text::policy(row)),
            );
        }
        if let Some(line) = objective.hidden_line() {
            let _ = writeln!(
                out,
                "| {} | {} | | | | | | |",
                cell(&objective.name()),
                cell(&line)
            );
        }
    }
    out
}

fn service_page(
    report: &Report,
    service: &str,
    objectives: &[&Objective<'_>],
    charts: &mut Vec<OutputFile>,
) -> String {
    let mut out = header(report, &format!("{service}: SLO report {}", report.period));
    out.push_str("[All services](index.md)\n");
    for objective in objectives {
        let _ = write!(
            out,
            "\n<a id=\"{}\"></a>\n\n## {}\n\n",
            super::html::anchor(objective),
            inline(&objective.name())
        );
        if let Some(title) = objective.shown.first().and_then(|row| row.title.as_deref()) {
            let _ = writeln!(out, "{}\n", inline(title));
        }
        for row in &objective.shown {
            out.push_str(&row_section(report, service, row, charts));
        }
        if let Some(line) = objective.hidden_line() {
            let _ = writeln!(out, "{}.\n", inline(&line));
        }
    }
    out
}

fn row_section(
    report: &Report,
    service: &str,
    row: &ReportRow,
    charts: &mut Vec<OutputFile>,
) -> String {
    let mut out = String::new();
    if !row.labels.is_empty() {
        let _ = writeln!(out, "### {}\n", inline(&text::group(row)));
    }
    let previous = row.previous.as_ref();
    out.push_str("| Compliance | Objective | Budget spent | Events | Status | Previous period | Against previous | Policy |\n");
    out.push_str("| ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |\n");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {}: {} ({}) | {} | {} |\n",
        text::share(row.figures.compliance),
        text::share(Some(row.objective)),
        text::budget_spent(row),
        row.figures
            .events
            .map_or_else(|| "–".to_owned(), text::count),
        row.figures.status.as_str(),
        report.previous_period,
        text::share(previous.and_then(|p| p.compliance)),
        previous.map_or("no data", |p| p.status.as_str()),
        text::trend(row),
        cell(&row.policy.as_ref().map_or_else(
            || "–".to_owned(),
            |policy| format!("{}: {}", policy.verdict, policy.message)
        )),
    );
    for (kind, chart) in text::charts(row, &report.days) {
        let path = format!("charts/{service}/{}.svg", text::chart_id(row, kind));
        let _ = writeln!(
            out,
            "![{}]({path})\n",
            inline(&chart.alt).replace(['[', ']'], "")
        );
        charts.push(OutputFile {
            path,
            contents: chart.svg,
        });
    }
    if !row.worst_days.is_empty() {
        out.push_str("Worst days:\n\n| Day | Compliance | Budget spent |\n| --- | ---: | ---: |\n");
        for worst in &row.worst_days {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                worst.date,
                text::share(Some(worst.compliance)),
                text::share(text::spent_on(row, &worst.date))
            );
        }
        out.push('\n');
    }
    if row.incidents.is_empty() {
        out.push_str("No alert of this SLO fired in the period.\n\n");
    } else {
        out.push_str("Incidents:\n\n| Alert | Severity | Start | Lasted | Budget spent |\n| --- | --- | --- | ---: | ---: |\n");
        for incident in &row.incidents {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&incident.alert),
                cell(incident.severity.as_deref().unwrap_or("–")),
                incident.start,
                text::length(incident.duration_seconds),
                text::share(incident.error_budget_spent)
            );
        }
        out.push('\n');
    }
    out
}
