//! What the HTML and Markdown pages both say: the cells of a row, the trend against the previous
//! period, and which groups a page shows in full. One home for these words, so the two formats
//! carry the same numbers.

use super::model::{Report, ReportRow};
use crate::status::render::{decimals, percent};
use crate::units::Duration;

/// Groups of one SLO objective shown in full, worst first; the others are counted.
pub const GROUPS_SHOWN: usize = 5;

/// The rows of one SLO objective: same service, SLO and objective name.
pub struct Objective<'a> {
    pub service: &'a str,
    pub slo: &'a str,
    pub objective_name: Option<&'a str>,
    /// Worst first: lowest compliance (no data last), then by labels.
    pub shown: Vec<&'a ReportRow>,
    /// The groups not shown, with the count of each status.
    pub hidden: Vec<&'a ReportRow>,
}

impl Objective<'_> {
    /// `checkout/availability`, with `(p95)` for a named objective.
    pub fn name(&self) -> String {
        match self.objective_name {
            Some(name) => format!("{}/{} ({name})", self.service, self.slo),
            None => format!("{}/{}", self.service, self.slo),
        }
    }

    /// `and 37 more groups: 35 met, 2 too_few_events`, or nothing.
    pub fn hidden_line(&self) -> Option<String> {
        if self.hidden.is_empty() {
            return None;
        }
        let mut counts = std::collections::BTreeMap::new();
        for row in &self.hidden {
            *counts.entry(row.figures.status.as_str()).or_insert(0) += 1;
        }
        let counts: Vec<String> = counts
            .into_iter()
            .map(|(status, count)| format!("{count} {status}"))
            .collect();
        Some(format!(
            "and {} more group{}: {}",
            self.hidden.len(),
            if self.hidden.len() == 1 { "" } else { "s" },
            counts.join(", ")
        ))
    }
}

/// The report's SLO objectives in report order, each with its groups worst first.
pub fn objectives(report: &Report) -> Vec<Objective<'_>> {
    let mut found: Vec<Objective<'_>> = Vec::new();
    for row in &report.rows {
        let same = found.last().is_some_and(|last| {
            last.service == row.service
                && last.slo == row.slo
                && last.objective_name == row.objective_name.as_deref()
        });
        if !same {
            found.push(Objective {
                service: &row.service,
                slo: &row.slo,
                objective_name: row.objective_name.as_deref(),
                shown: Vec::new(),
                hidden: Vec::new(),
            });
        }
        if let Some(last) = found.last_mut() {
            last.shown.push(row);
        }
    }
    for objective in &mut found {
        objective.shown.sort_by(|a, b| {
            let compliance = |row: &ReportRow| row.figures.compliance.unwrap_or(f64::INFINITY);
            compliance(a)
                .total_cmp(&compliance(b))
                .then(a.labels.cmp(&b.labels))
        });
        if objective.shown.len() > GROUPS_SHOWN {
            objective.hidden = objective.shown.split_off(GROUPS_SHOWN);
        }
    }
    found
}

/// The services of the report, in report order.
pub fn services(report: &Report) -> Vec<&str> {
    let mut services: Vec<&str> = report.rows.iter().map(|row| row.service.as_str()).collect();
    services.dedup();
    services
}

/// `tenant=a, region=eu`, or `all` for an SLO without groups.
pub fn group(row: &ReportRow) -> String {
    if row.labels.is_empty() {
        return "all".to_owned();
    }
    row.labels
        .iter()
        .map(|(label, value)| format!("{label}={value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A ratio as a percentage to at most three decimals: `99.512%`; `–` when unknown.
pub fn share(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| percent(value, 3))
}

/// The budget spent as a share and as time: `42.5% (1.4 hours)`.
pub fn budget_spent(row: &ReportRow) -> String {
    match (
        row.figures.error_budget_spent,
        row.error_budget_spent_seconds,
    ) {
        (Some(spent), Some(seconds)) if seconds >= 1.0 => format!(
            "{} ({})",
            percent(spent, 1),
            Duration::from_millis((seconds * 1000.0) as u64).rounded()
        ),
        (Some(spent), _) => percent(spent, 1),
        _ => "–".to_owned(),
    }
}

/// The change in compliance from the previous period, in percentage points: `▲ 0.12 pp`, or
/// `no change`.
pub fn trend(row: &ReportRow) -> String {
    let previous = row.previous.as_ref().and_then(|p| p.compliance);
    match (row.figures.compliance, previous) {
        (Some(now), Some(before)) => {
            let points = (now - before) * 100.0;
            let text = decimals(points.abs(), 3);
            if text == "0" {
                "no change".to_owned()
            } else if points > 0.0 {
                format!("▲ {text} pp")
            } else {
                format!("▼ {text} pp")
            }
        }
        _ => "–".to_owned(),
    }
}

/// The policy verdict, or `–` without a policy.
pub fn policy(row: &ReportRow) -> String {
    row.policy
        .as_ref()
        .map_or_else(|| "–".to_owned(), |policy| policy.verdict.clone())
}

/// A count with thousands separated: `8,916,000`.
pub fn count(value: f64) -> String {
    let digits = format!("{}", value.round().max(0.0) as u64);
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// An incident's length: `2 hours`, `25 minutes`.
pub fn length(seconds: i64) -> String {
    Duration::from_secs(seconds.unsigned_abs()).human()
}

/// The file name of a service's page, without extension: the service id is already a safe slug.
pub fn page(service: &str) -> String {
    service.to_owned()
}

/// The share of the period's budget spent on `date`, from the row's days.
pub fn spent_on(row: &ReportRow, date: &str) -> Option<f64> {
    row.daily
        .iter()
        .find(|day| day.date == date)
        .and_then(|day| day.error_budget_spent)
}

/// A row's two charts, each with its kind (`burn`, `daily`) and its id in the page.
pub fn charts(row: &ReportRow, dates: &[String]) -> [(&'static str, super::svg::Chart); 2] {
    [
        (
            "burn",
            super::svg::burn_down(row, &chart_id(row, "burn"), dates),
        ),
        (
            "daily",
            super::svg::daily_compliance(row, &chart_id(row, "daily"), dates),
        ),
    ]
}

/// A chart's id, unique in its page: `availability-p95-tenant-a-burn`.
pub fn chart_id(row: &ReportRow, chart: &str) -> String {
    let mut id = row.slo.clone();
    if let Some(name) = &row.objective_name {
        id.push('-');
        id.push_str(name);
    }
    for value in row.labels.values() {
        id.push('-');
        id.push_str(value);
    }
    id.push('-');
    id.push_str(chart);
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::figures::{Source, Verdict};
    use crate::report::model::PeriodFigures;

    fn row(tenant: usize, compliance: Option<f64>, status: Verdict) -> ReportRow {
        ReportRow {
            service: "shop".to_owned(),
            slo: "orders".to_owned(),
            labels: [("tenant".to_owned(), format!("t{tenant}"))].into(),
            objective: 0.99,
            objective_name: None,
            title: None,
            figures: PeriodFigures {
                period: "2026-03".to_owned(),
                start: String::new(),
                end: String::new(),
                compliance,
                events: Some(100.0),
                status,
                error_budget_spent: None,
            },
            error_budget_spent_seconds: None,
            source: Source::Raw,
            daily: Vec::new(),
            worst_days: Vec::new(),
            incidents: Vec::new(),
            previous: None,
            policy: None,
        }
    }

    #[test]
    fn many_groups_collapse_to_the_worst_and_a_count() {
        let mut rows: Vec<ReportRow> = (0..8)
            .map(|tenant| row(tenant, Some(0.999 - tenant as f64 * 0.001), Verdict::Met))
            .collect();
        rows[1].figures.compliance = Some(0.95);
        rows[1].figures.status = Verdict::Breached;
        rows[7].figures.compliance = None;
        rows[7].figures.status = Verdict::NoData;
        let report = Report {
            period: "2026-03".to_owned(),
            time_zone: "UTC".to_owned(),
            start: String::new(),
            end: String::new(),
            measured_to: String::new(),
            previous_period: "2026-02".to_owned(),
            days: Vec::new(),
            rows,
        };
        let objectives = objectives(&report);
        assert_eq!(objectives.len(), 1);
        let shown: Vec<String> = objectives[0].shown.iter().map(|row| group(row)).collect();
        assert_eq!(
            shown,
            [
                "tenant=t1",
                "tenant=t6",
                "tenant=t5",
                "tenant=t4",
                "tenant=t3"
            ]
        );
        assert_eq!(
            objectives[0].hidden_line().unwrap(),
            "and 3 more groups: 2 met, 1 no_data"
        );
    }

    #[test]
    fn counts_and_trends_read_as_people_write_them() {
        assert_eq!(count(8_916_000.0), "8,916,000");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1_000.0), "1,000");
        let mut now = row(1, Some(0.99766), Verdict::Met);
        assert_eq!(trend(&now), "–");
        now.previous = Some(PeriodFigures {
            compliance: Some(0.999),
            ..now.figures.clone()
        });
        assert_eq!(trend(&now), "▼ 0.134 pp");
        now.figures.compliance = Some(0.999);
        assert_eq!(trend(&now), "no change");
    }
}
