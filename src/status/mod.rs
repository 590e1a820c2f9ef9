//! `slofile status`: where every SLO stands, from a live Prometheus.
//!
//! For every SLO of the [`Plan`] that gets Prometheus rules, and every group of its `group_by`
//! labels, the command measures the window (the SLO's rolling window or a calendar period),
//! judges each objective and reports the figures (see [`crate::live::figures`]). The window is
//! measured as every live command measures it ([`crate::live::measure_window`]: exact from raw
//! data, or from the recorded series when they cover it); burn rates are measured over each
//! alerting tier's long window, ending now.
//!
//! Modules: [`command`] (the command line and exit codes), [`rows`] (what a row holds),
//! [`render`] (table, JSON, Markdown).

pub mod command;
pub mod render;
pub mod rows;

use crate::compile::ServicePlan;
use crate::compile::{ObjectivePlan, Plan};
use crate::emit::prometheus::window_queries;
use crate::live::client::{Client, Sample};
use crate::live::figures::{self, Measurement, Verdict};
use crate::live::period::Span;
use crate::live::period::{self, Period, period_name};
use crate::live::service::{
    firing_alerts, measure_windows, of_one_slo, recorded_ratio, service_error_ratios, services_of,
};
use crate::live::{Group, LiveError, Selection, Target, Window, alert_concerns, measure};
use crate::units::Duration;
use rows::{BurnRate, Firing, Row};
use std::collections::BTreeMap;
use std::collections::BTreeSet;

/// What to report on, and when.
#[derive(Debug, Clone)]
pub struct Request {
    pub selection: Selection,
    /// Unix seconds at which to evaluate.
    pub at: i64,
    pub period: Period,
}

/// Every row of the report, in plan order (services by id, SLOs in spec order), groups sorted.
/// Where the recorded series cover the windows, a handful of queries per service answer for all
/// of its SLOs ([`crate::live::service`]).
pub fn status(plan: &Plan, client: &Client, request: &Request) -> Result<Vec<Row>, LiveError> {
    let targets = request.selection.targets(plan)?;
    let span_of = |target: &Target<'_>| request.period.span(request.at, target.slo.slo.window);
    if targets.iter().any(|target| span_of(target).is_none()) {
        return Err(LiveError::Usage(format!(
            "--period {}: the period has not begun at {}",
            period_name(request.period),
            period::format_instant(request.at)
        )));
    }
    let windows = measure_windows(&targets, client, span_of)?;
    let services = services_of(&targets);
    let tier_windows: Vec<(&ServicePlan, BTreeSet<Duration>)> = services
        .iter()
        .map(|service| {
            let windows = targets
                .iter()
                .filter(|target| target.service.meta.id == service.meta.id)
                .flat_map(|target| &target.slo.objectives)
                .flat_map(|objective| objective.alerting_tiers().map(|tier| tier.long))
                .collect();
            (*service, windows)
        })
        .collect();
    let ratios = service_error_ratios(&tier_windows, client, request.at)?;
    let firing = firing_alerts(services, client, request.at)?;
    let mut rows = Vec::new();
    for (target, window) in targets.iter().zip(windows) {
        let (Some(window), Some(span)) = (window, span_of(target)) else {
            continue;
        };
        let burn = match recorded_burn_rates(target, &ratios) {
            Some(burn) => burn,
            None => burn_rates(target, client, request.at)?,
        };
        let alerts: Vec<Sample> = firing
            .get(&target.service.meta.id)
            .map(|samples| {
                of_one_slo(samples, target.slo)
                    .into_iter()
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        rows.extend(slo_rows(target, request, &span, &window, &burn, &alerts));
    }
    Ok(rows)
}

/// The rows of one SLO: one per objective and group.
fn slo_rows(
    target: &Target<'_>,
    request: &Request,
    span: &Span,
    measured: &Window,
    burn: &[Vec<BTreeMap<Group, Measurement>>],
    firing: &[Sample],
) -> Vec<Row> {
    let slo = &target.slo.slo;
    let window = span.window();
    let groups = request
        .selection
        .groups(target.slo, &measured.per_objective);

    let mut rows = Vec::new();
    for (index, objective) in target.slo.objectives.iter().enumerate() {
        for group in &groups {
            let measurement = measured.per_objective[index]
                .get(group)
                .copied()
                .unwrap_or_default();
            let figures = figures::figures(
                measurement,
                objective.budget.to_f64(),
                span.budget_period as f64,
                slo.min_events,
            );
            rows.push(Row {
                service: target.service.meta.id.clone(),
                slo: slo.id.clone(),
                labels: group.clone(),
                objective: objective.objective.target.to_f64(),
                objective_name: objective.objective.name.clone(),
                window: window.prometheus(),
                period: period_name(request.period).to_owned(),
                start: period::format_instant(span.start),
                end: period::format_instant(span.end),
                compliance: figures.compliance,
                error_budget_remaining: figures.error_budget_remaining,
                error_budget_remaining_seconds: figures.error_budget_remaining_seconds,
                events: measurement.events,
                min_events: slo.min_events,
                burn_rates: burn_rows(objective, &burn[index], group),
                firing: firing_for(firing, objective, group),
                status: figures.status,
                source: measured.source,
            });
        }
    }
    rows
}

/// Per objective and alerting tier, each group's error ratio over the tier's long window, from
/// the recorded ratios the alerts evaluate; `None` when one is not recorded (the SLO's rules are
/// not loaded), so that the raw series are asked instead.
fn recorded_burn_rates(
    target: &Target<'_>,
    ratios: &BTreeMap<(String, Duration), Vec<Sample>>,
) -> Option<Vec<Vec<BTreeMap<Group, Measurement>>>> {
    target
        .slo
        .objectives
        .iter()
        .enumerate()
        .map(|(index, objective)| {
            objective
                .alerting_tiers()
                .map(|tier| {
                    let samples = ratios.get(&(target.service.meta.id.clone(), tier.long))?;
                    recorded_ratio(samples, target.slo, index)
                })
                .collect()
        })
        .collect()
}

/// Per objective and alerting tier, each group's error ratio over the tier's long window ending
/// at `at`. Each long window is measured once for all objectives.
fn burn_rates(
    target: &Target<'_>,
    client: &Client,
    at: i64,
) -> Result<Vec<Vec<BTreeMap<Group, Measurement>>>, LiveError> {
    let objectives = target.slo.objectives.len();
    let mut by_window: BTreeMap<Duration, Vec<BTreeMap<Group, Measurement>>> = BTreeMap::new();
    for objective in &target.slo.objectives {
        for tier in objective.alerting_tiers() {
            if by_window.contains_key(&tier.long) {
                continue;
            }
            let Some(queries) = window_queries(target.service, target.slo, tier.long) else {
                continue;
            };
            let seconds = tier.long.millis() as f64 / 1000.0;
            by_window.insert(
                tier.long,
                measure(client, &queries.raw, at, seconds, objectives)?,
            );
        }
    }
    Ok(target
        .slo
        .objectives
        .iter()
        .enumerate()
        .map(|(index, objective)| {
            objective
                .alerting_tiers()
                .map(|tier| {
                    by_window
                        .get(&tier.long)
                        .and_then(|per_objective| per_objective.get(index))
                        .cloned()
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect())
}

fn burn_rows(
    objective: &ObjectivePlan,
    measured: &[BTreeMap<Group, Measurement>],
    group: &Group,
) -> Vec<BurnRate> {
    let budget = objective.budget.to_f64();
    objective
        .alerting_tiers()
        .zip(measured)
        .map(|(tier, per_group)| BurnRate {
            severity: tier.severity.clone(),
            long_window: tier.long.prometheus(),
            alert_above: tier.factor.to_f64(),
            burn_rate: per_group
                .get(group)
                .and_then(|m| m.error_ratio)
                .map(|ratio| ratio / budget),
        })
        .collect()
}

/// The firing alerts of this group and objective: those whose `group_by` labels match, and that
/// carry this objective's name or none.
fn firing_for(alerts: &[Sample], objective: &ObjectivePlan, group: &Group) -> Vec<Firing> {
    let mut firing: Vec<Firing> = alerts
        .iter()
        .filter(|alert| alert_concerns(&alert.labels, objective, group))
        .map(|alert| Firing {
            alert: alert.labels.get("alertname").cloned().unwrap_or_default(),
            severity: alert.labels.get("severity").cloned(),
        })
        .collect();
    firing.sort();
    firing.dedup();
    firing
}

/// The exit code of a report: 1 when any judged objective is breached, else 0.
pub fn breached(rows: &[Row]) -> bool {
    rows.iter().any(|row| row.status == Verdict::Breached)
}
