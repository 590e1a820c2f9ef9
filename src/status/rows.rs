//! The rows of the `status` report.

use crate::live::figures::{Source, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;

/// The burn rate of one alert tier, over its long window, now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurnRate {
    pub severity: String,
    /// The tier's long window, as Prometheus writes it: `1h`.
    pub long_window: String,
    /// The burn rate above which the tier's alert fires (with its short window).
    pub alert_above: f64,
    /// `null` without events in the long window.
    pub burn_rate: Option<f64>,
}

/// An alert of the SLO firing now.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Firing {
    pub alert: String,
    pub severity: Option<String>,
}

/// One line of the report: one objective of one SLO for one group of its `group_by` labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub service: String,
    pub slo: String,
    /// The `group_by` labels of this group; empty for an SLO without `group_by`.
    pub labels: BTreeMap<String, String>,
    /// The target as a ratio: `0.995`.
    pub objective: f64,
    /// The objective's name (`p95`) when the SLO has several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective_name: Option<String>,
    /// The length measured, as Prometheus writes it: `28d`.
    pub window: String,
    /// `rolling`, `this-month`, …
    pub period: String,
    /// The measured span, RFC 3339 in UTC.
    pub start: String,
    pub end: String,
    pub compliance: Option<f64>,
    pub error_budget_remaining: Option<f64>,
    pub error_budget_remaining_seconds: Option<f64>,
    /// Events in the window (probes or time slices for those SLIs); `null` for an
    /// `error_ratio_query`, which gives no counts.
    pub events: Option<f64>,
    pub min_events: Option<u64>,
    pub burn_rates: Vec<BurnRate>,
    pub firing: Vec<Firing>,
    pub status: Verdict,
    pub source: Source,
}
