//! What a report holds: one [`ReportRow`] per objective and group, with the names `status` uses
//! where the figure is the same. `--format json` prints the rows as they are.

use crate::live::figures::{Source, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;

/// The whole report: the period, and every row in plan order (services by id, SLOs in spec order,
/// groups sorted).
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// `2026-11`.
    pub period: String,
    /// The time zone's name: `Europe/Berlin`.
    pub time_zone: String,
    /// RFC 3339 with the zone's offset.
    pub start: String,
    pub end: String,
    /// Where the figures stop: the period's end, or `--at` inside a period still running.
    pub measured_to: String,
    pub previous_period: String,
    /// Every local date of the period: `2026-03-01`, …
    pub days: Vec<String>,
    pub rows: Vec<ReportRow>,
}

/// One objective of one SLO for one group of its `group_by` labels, over the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRow {
    pub service: String,
    pub slo: String,
    /// The `group_by` labels of this group; empty for an SLO without `group_by`.
    pub labels: BTreeMap<String, String>,
    /// The target as a ratio: `0.995`.
    pub objective: f64,
    /// The objective's name (`p95`) when the SLO has several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective_name: Option<String>,
    /// The SLO's title, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(flatten)]
    pub figures: PeriodFigures,
    /// The share of the period's error budget as time: `error_budget_spent × (1 − objective) ×
    /// the period's length`.
    pub error_budget_spent_seconds: Option<f64>,
    pub source: Source,
    /// One entry per local day of the period measured so far.
    pub daily: Vec<DailyFigures>,
    /// The days with failed events, worst first (at most three).
    pub worst_days: Vec<WorstDay>,
    /// When a page or ticket alert of this SLO fired, from Prometheus's `ALERTS`.
    pub incidents: Vec<Incident>,
    /// The same figures for the period before.
    pub previous: Option<PeriodFigures>,
    /// The budget policy's verdict at the period's end, for an SLO with a policy.
    pub policy: Option<PolicyVerdict>,
}

/// The figures of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodFigures {
    /// `2026-11`.
    pub period: String,
    /// RFC 3339 with the zone's offset.
    pub start: String,
    pub end: String,
    pub compliance: Option<f64>,
    /// Events in the period; `null` for an SLI that gives no counts.
    pub events: Option<f64>,
    pub status: Verdict,
    /// The share of the period's error budget spent: 1 is all of it, above 1 overspent.
    pub error_budget_spent: Option<f64>,
}

/// One local day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyFigures {
    /// `2026-03-29`.
    pub date: String,
    /// `null` on a day without events.
    pub compliance: Option<f64>,
    /// The share of the period's budget spent on this day.
    pub error_budget_spent: Option<f64>,
    /// The share spent from the period's start to this day's end: the burn-down is 1 minus this.
    pub error_budget_spent_to_date: Option<f64>,
    pub events: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorstDay {
    pub date: String,
    pub compliance: f64,
}

/// A stretch of time when one alert of the SLO fired, to the tile's resolution (5 minutes for a
/// month).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub alert: String,
    pub severity: Option<String>,
    /// RFC 3339 with the zone's offset.
    pub start: String,
    pub end: String,
    pub duration_seconds: i64,
    /// The share of the period's budget spent while it fired.
    pub error_budget_spent: Option<f64>,
}

/// What the budget policy says at the period's end (`slofile gate`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyVerdict {
    pub verdict: String,
    pub rule: Option<String>,
    pub message: String,
}
