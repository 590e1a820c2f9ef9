//! `slofile status`: where every SLO stands, from a live Prometheus.
//!
//! For every SLO of the [`Plan`] that gets Prometheus rules, and every group of its `group_by`
//! labels, the command measures the window (the SLO's rolling window or a calendar period),
//! judges each objective and reports the figures (see [`figures`]). It is the only command that
//! talks to a server.
//!
//! **Exact from raw data.** The window's figures come from the SLI's own series, shaped by the
//! Prometheus backend ([`window_queries`]), so that they are right even when the recording rules
//! were deployed yesterday. The recorded 5m series are used instead, being far cheaper, only
//! when every group's recorded series already existed at the window's start; each row says which
//! in `source`. Burn rates are measured over each alerting tier's long window, ending now.
//!
//! Modules: [`command`] (the command line and exit codes), [`period`] (instants and calendar windows), [`client`] (HTTP and its errors),
//! [`figures`] (arithmetic and verdicts), [`render`] (table, JSON, Markdown).

pub mod client;
pub mod command;
pub mod figures;
pub mod period;
pub mod render;

use crate::compile::{ObjectivePlan, Plan, ServicePlan, SloPlan};
use crate::emit::prometheus::{Measured, WindowQueries, window_queries};
use crate::units::Duration;
use client::{Client, QueryError, Sample};
use figures::{BurnRate, Firing, Measurement, Row, Source, Verdict};
use period::{Period, Span};
use std::collections::{BTreeMap, BTreeSet};

/// What to report on, and when.
#[derive(Debug, Clone)]
pub struct Request {
    /// Only these SLO ids (or `service/slo`); all when empty.
    pub slos: Vec<String>,
    /// Only groups whose labels have these values; SLOs without such a `group_by` label are left
    /// out.
    pub filters: Vec<(String, String)>,
    /// Unix seconds at which to evaluate.
    pub at: i64,
    pub period: Period,
}

/// A labelled group of an SLO: the values of its `group_by` labels.
type Group = BTreeMap<String, String>;

/// Why there is no report.
#[derive(Debug)]
pub enum StatusError {
    /// The server could not answer.
    Query(QueryError),
    /// The request makes no sense for these specs.
    Usage(String),
}

impl std::fmt::Display for StatusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusError::Query(error) => write!(f, "{error}"),
            StatusError::Usage(message) => f.write_str(message),
        }
    }
}

impl From<QueryError> for StatusError {
    fn from(error: QueryError) -> Self {
        StatusError::Query(error)
    }
}

/// One SLO to report on.
struct Target<'a> {
    service: &'a ServicePlan,
    slo: &'a SloPlan,
}

/// Every row of the report, in plan order (services by id, SLOs in spec order), groups sorted.
pub fn status(plan: &Plan, client: &Client, request: &Request) -> Result<Vec<Row>, StatusError> {
    let targets = targets(plan, request)?;
    let mut rows = Vec::new();
    for target in targets {
        rows.extend(slo_rows(&target, client, request)?);
    }
    Ok(rows)
}

/// The SLOs that Prometheus measures, narrowed by `--slo` and `--where`.
fn targets<'a>(plan: &'a Plan, request: &Request) -> Result<Vec<Target<'a>>, StatusError> {
    let named = |service: &ServicePlan, slo: &SloPlan| {
        request.slos.is_empty()
            || request.slos.iter().any(|wanted| {
                *wanted == slo.slo.id || *wanted == format!("{}/{}", service.meta.id, slo.slo.id)
            })
    };
    for wanted in &request.slos {
        let known = plan.services.iter().any(|service| {
            service.slos.iter().any(|slo| {
                *wanted == slo.slo.id || *wanted == format!("{}/{}", service.meta.id, slo.slo.id)
            })
        });
        if !known {
            return Err(StatusError::Usage(format!(
                "--slo {wanted}: no SLO with this id in the specs"
            )));
        }
    }
    let mut targets = Vec::new();
    for service in &plan.services {
        for slo in &service.slos {
            let grouped_by_filters = request
                .filters
                .iter()
                .all(|(label, _)| slo.slo.group_by.contains(label));
            if named(service, slo)
                && grouped_by_filters
                && window_queries(service, slo, slo.slo.window).is_some()
            {
                targets.push(Target { service, slo });
            }
        }
    }
    Ok(targets)
}

/// The rows of one SLO: one per objective and group.
fn slo_rows(
    target: &Target<'_>,
    client: &Client,
    request: &Request,
) -> Result<Vec<Row>, StatusError> {
    let slo = &target.slo.slo;
    let Some(span) = request.period.span(request.at, slo.window) else {
        return Err(StatusError::Usage(format!(
            "--period {}: the period has not begun at {}",
            period_name(request.period),
            period::format_instant(request.at)
        )));
    };
    let window = span.window();
    let Some(queries) = window_queries(target.service, target.slo, window) else {
        return Ok(Vec::new());
    };
    let seconds = (span.end - span.start) as f64;
    let source = recorded_source(client, &queries, &span, &slo.group_by)?;
    let measured = match source {
        Source::Raw => &queries.raw,
        Source::Recorded => &queries.recorded,
    };
    let window_figures = measure(
        client,
        measured,
        span.end,
        seconds,
        target.slo.objectives.len(),
    )?;
    let burn = burn_rates(target, client, request.at)?;
    let firing = client.query(&queries.firing_alerts, request.at)?;

    let mut groups: BTreeSet<Group> = window_figures
        .iter()
        .flat_map(|per_group| per_group.keys().cloned())
        .collect();
    groups.retain(|group| matches_filters(group, &request.filters));
    // A group the filters name in full gets a row even without data, as does an SLO without any.
    if groups.is_empty() {
        let named: Group = request.filters.iter().cloned().collect();
        if slo.group_by.iter().all(|label| named.contains_key(label)) {
            groups.insert(named);
        } else if slo.group_by.is_empty() || request.filters.is_empty() {
            groups.insert(Group::new());
        }
    }

    let mut rows = Vec::new();
    for (index, objective) in target.slo.objectives.iter().enumerate() {
        for group in &groups {
            let measurement = window_figures[index]
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
                firing: firing_for(&firing, objective, group),
                status: figures.status,
                source,
            });
        }
    }
    Ok(rows)
}

/// `Recorded` when the recorded 5m series of every group present at the window's end were
/// already there at its start; otherwise `Raw`.
fn recorded_source(
    client: &Client,
    queries: &WindowQueries,
    span: &Span,
    group_by: &[String],
) -> Result<Source, StatusError> {
    let at_end = groups_of(client.query(&queries.recorded_groups, span.end)?, group_by);
    if at_end.is_empty() {
        return Ok(Source::Raw);
    }
    let at_start = groups_of(
        client.query(&queries.recorded_groups, span.start)?,
        group_by,
    );
    Ok(if at_end.is_subset(&at_start) {
        Source::Recorded
    } else {
        Source::Raw
    })
}

fn groups_of(samples: Vec<Sample>, group_by: &[String]) -> BTreeSet<Group> {
    samples
        .into_iter()
        .map(|sample| group_of(&sample.labels, group_by))
        .collect()
}

fn group_of(labels: &BTreeMap<String, String>, group_by: &[String]) -> Group {
    group_by
        .iter()
        .map(|label| {
            (
                label.clone(),
                labels.get(label).cloned().unwrap_or_default(),
            )
        })
        .collect()
}

/// Per objective, the measurement of each group over a window ending at `at`.
fn measure(
    client: &Client,
    measured: &Measured,
    at: i64,
    seconds: f64,
    objectives: usize,
) -> Result<Vec<BTreeMap<Group, Measurement>>, StatusError> {
    let mut per_objective = Vec::with_capacity(objectives);
    match measured {
        Measured::Rates { events, errors } => {
            let events = by_labels(client.query(events, at)?);
            for errors in errors {
                let errors = by_labels(client.query(errors, at)?);
                let groups: BTreeSet<&Group> = events.keys().chain(errors.keys()).collect();
                per_objective.push(
                    groups
                        .into_iter()
                        .map(|group| {
                            let measurement = Measurement::from_rates(
                                events.get(group).copied(),
                                errors.get(group).copied(),
                                seconds,
                            );
                            (group.clone(), measurement)
                        })
                        .collect(),
                );
            }
        }
        Measured::Ratio { error_ratio } => {
            for query in error_ratio {
                per_objective.push(
                    by_labels(client.query(query, at)?)
                        .into_iter()
                        .map(|(group, ratio)| (group, Measurement::from_ratio(Some(ratio))))
                        .collect(),
                );
            }
        }
    }
    Ok(per_objective)
}

/// Samples by their labels. The queries sum by the `group_by` labels, so the labels are the group.
fn by_labels(samples: Vec<Sample>) -> BTreeMap<Group, f64> {
    samples
        .into_iter()
        .map(|sample| (sample.labels, sample.value))
        .collect()
}

/// Per objective and alerting tier, each group's error ratio over the tier's long window ending
/// at `at`. Each long window is measured once for all objectives.
fn burn_rates(
    target: &Target<'_>,
    client: &Client,
    at: i64,
) -> Result<Vec<Vec<BTreeMap<Group, Measurement>>>, StatusError> {
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
        .filter(|alert| {
            group
                .iter()
                .all(|(label, value)| alert.labels.get(label) == Some(value))
                && match (&objective.objective.name, alert.labels.get("objective")) {
                    (Some(name), Some(theirs)) => name == theirs,
                    _ => true,
                }
        })
        .map(|alert| Firing {
            alert: alert.labels.get("alertname").cloned().unwrap_or_default(),
            severity: alert.labels.get("severity").cloned(),
        })
        .collect();
    firing.sort();
    firing.dedup();
    firing
}

fn matches_filters(group: &Group, filters: &[(String, String)]) -> bool {
    filters
        .iter()
        .all(|(label, value)| group.get(label) == Some(value))
}

/// The period as written on the command line.
pub fn period_name(period: Period) -> &'static str {
    match period {
        Period::Rolling => "rolling",
        Period::ThisMonth => "this-month",
        Period::LastMonth => "last-month",
        Period::ThisQuarter => "this-quarter",
        Period::LastQuarter => "last-quarter",
        Period::ThisWeek => "this-week",
        Period::LastWeek => "last-week",
    }
}

/// The exit code of a report: 1 when any judged objective is breached, else 0.
pub fn breached(rows: &[Row]) -> bool {
    rows.iter().any(|row| row.status == Verdict::Breached)
}
