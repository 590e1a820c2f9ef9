//! The report as HTML: `index.html` (every SLO objective and group on one line) and one page per
//! service with the charts, worst days, incidents and the previous period. Each page is one
//! self-contained file: inline CSS and SVG, no script, no web font, nothing fetched from another
//! host. It reads on a phone (the tables scroll sideways, the charts scale) and in print.

use super::model::{Report, ReportRow};
use super::text::{self, Objective};
use crate::emit::OutputFile;
use std::fmt::Write as _;

/// Escapes text for HTML and SVG, in text and in quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
:root{color-scheme:light}\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:62rem;padding:1rem;line-height:1.45;color:#1a1a1a;background:#fff}\
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}h3{font-size:1.05rem;margin-top:1.5rem}\
.meta{color:#555;margin:.2rem 0 1rem}\
.scroll{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;width:100%;font-size:.92rem}\
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e3e3;vertical-align:top}\
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
.status{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.85rem;white-space:nowrap}\
.met{background:#e3f1e4;color:#1b5e20}.breached{background:#fbe3e3;color:#8e1c1c}\
.too_few_events,.no_data{background:#eee;color:#444}\
figure{margin:1rem 0}figcaption{color:#555;font-size:.88rem}\
svg.chart{width:100%;height:auto;display:block}\
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.5rem;margin:.5rem 0}\
.figures div{border:1px solid #e3e3e3;border-radius:.4rem;padding:.4rem .6rem}\
.figures b{display:block;font-size:1.15rem}\
@media print{body{max-width:none;padding:0}h2{break-before:auto}figure,table{break-inside:avoid}a{color:inherit;text-decoration:none}}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

fn header(report: &Report, title: &str) -> String {
    format!(
        "<h1>{}</h1>\n<p class=\"meta\">{} to {} ({}); measured to {}; compared with {}.</p>\n",
        escape(title),
        escape(&report.start),
        escape(&report.end),
        escape(&report.time_zone),
        escape(&report.measured_to),
        escape(&report.previous_period)
    )
}

fn status(row: &ReportRow) -> String {
    let verdict = row.figures.status.as_str();
    format!("<span class=\"status {verdict}\">{verdict}</span>")
}

/// Every page of the report.
pub fn pages(report: &Report) -> Vec<OutputFile> {
    let objectives = text::objectives(report);
    let mut files = vec![OutputFile {
        path: "index.html".to_owned(),
        contents: index(report, &objectives),
    }];
    for service in text::services(report) {
        let mine: Vec<&Objective<'_>> = objectives
            .iter()
            .filter(|objective| objective.service == service)
            .collect();
        files.push(OutputFile {
            path: format!("{}.html", text::page(service)),
            contents: service_page(report, service, &mine),
        });
    }
    files
}

fn index(report: &Report, objectives: &[Objective<'_>]) -> String {
    let mut body = header(report, &format!("SLO report {}", report.period));
    if objectives.is_empty() {
        body.push_str("<p>No SLO in these specs is measured by Prometheus.</p>\n");
        return page(&format!("SLO report {}", report.period), &body);
    }
    body.push_str(
        "<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">SLO</th><th scope=\"col\">Group</th>\
         <th scope=\"col\">Objective</th><th scope=\"col\">Compliance</th><th scope=\"col\">Budget spent</th>\
         <th scope=\"col\">Status</th><th scope=\"col\">Against previous</th><th scope=\"col\">Policy</th></tr></thead>\n<tbody>\n",
    );
    for objective in objectives {
        for row in &objective.shown {
            let _ = writeln!(
                body,
                "<tr><td><a href=\"{}.html#{}\">{}</a></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                escape(&text::page(objective.service)),
                escape(&anchor(objective)),
                escape(&objective.name()),
                escape(&text::group(row)),
                escape(&text::share(Some(row.objective))),
                escape(&text::share(row.figures.compliance)),
                escape(&text::budget_spent(row)),
                status(row),
                escape(&text::trend(row)),
                escape(&text::policy(row)),
            );
        }
        if let Some(line) = objective.hidden_line() {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td colspan=\"7\">{}</td></tr>",
                escape(&objective.name()),
                escape(&line)
            );
        }
    }
    body.push_str("</tbody></table></div>\n");
    page(&format!("SLO report {}", report.period), &body)
}

/// The anchor of an SLO objective on its service's page.
pub fn anchor(objective: &Objective<'_>) -> String {
    match objective.objective_name {
        Some(name) => format!("{}-{name}", objective.slo),
        None => objective.slo.to_owned(),
    }
}

fn service_page(report: &Report, service: &str, objectives: &[&Objective<'_>]) -> String {
    let title = format!("{service}: SLO report {}", report.period);
    let mut body = header(report, &title);
    let _ = writeln!(body, "<p><a href=\"index.html\">All services</a></p>");
    for objective in objectives {
        let _ = writeln!(
            body,
            "<h2 id=\"{}\">{}</h2>",
            escape(&anchor(objective)),
            escape(&objective.name())
        );
        if let Some(title) = objective.shown.first().and_then(|row| row.title.as_deref()) {
            let _ = writeln!(body, "<p>{}</p>", escape(title));
        }
        for row in &objective.shown {
            body.push_str(&row_section(report, row));
        }
        if let Some(line) = objective.hidden_line() {
            let _ = writeln!(body, "<p>{}.</p>", escape(&capitalised(&line)));
        }
    }
    page(&title, &body)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn row_section(report: &Report, row: &ReportRow) -> String {
    let mut out = String::new();
    if !row.labels.is_empty() {
        let _ = writeln!(out, "<h3>{}</h3>", escape(&text::group(row)));
    }
    let previous = row.previous.as_ref();
    let _ = writeln!(
        out,
        "<div class=\"figures\"><div>Compliance<b>{}</b>objective {}</div><div>Budget spent<b>{}</b>{}</div>\
         <div>Status<b>{}</b>{}</div><div>{}<b>{}</b>{}</div></div>",
        escape(&text::share(row.figures.compliance)),
        escape(&text::share(Some(row.objective))),
        escape(&text::budget_spent(row)),
        escape(&events(row.figures.events)),
        status(row),
        escape(&row.policy.as_ref().map_or_else(String::new, |policy| {
            format!("policy: {}", policy.message)
        })),
        escape(&report.previous_period),
        escape(&text::share(previous.and_then(|p| p.compliance))),
        escape(&format!(
            "{}; {}",
            previous.map_or("no data", |p| p.status.as_str()),
            text::trend(row)
        )),
    );
    for (_, chart) in text::charts(row, &report.days) {
        let _ = writeln!(
            out,
            "<figure>\n{}<figcaption>{}</figcaption>\n</figure>",
            chart.svg,
            escape(&chart.alt)
        );
    }
    if !row.worst_days.is_empty() {
        out.push_str("<h4>Worst days</h4>\n<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Day</th><th scope=\"col\">Compliance</th><th scope=\"col\">Budget spent</th></tr></thead><tbody>\n");
        for worst in &row.worst_days {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&worst.date),
                escape(&text::share(Some(worst.compliance))),
                escape(&text::share(text::spent_on(row, &worst.date)))
            );
        }
        out.push_str("</tbody></table></div>\n");
    }
    if row.incidents.is_empty() {
        out.push_str("<p>No alert of this SLO fired in the period.</p>\n");
    } else {
        out.push_str("<h4>Incidents</h4>\n<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Alert</th><th scope=\"col\">Severity</th><th scope=\"col\">Start</th><th scope=\"col\">Lasted</th><th scope=\"col\">Budget spent</th></tr></thead><tbody>\n");
        for incident in &row.incidents {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&incident.alert),
                escape(incident.severity.as_deref().unwrap_or("–")),
                escape(&incident.start),
                escape(&text::length(incident.duration_seconds)),
                escape(&text::share(incident.error_budget_spent))
            );
        }
        out.push_str("</tbody></table></div>\n");
    }
    out
}

fn events(events: Option<f64>) -> String {
    events.map_or_else(String::new, |events| {
        format!("of {} events", text::count(events))
    })
}
