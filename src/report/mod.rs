//! `slofile report`: how a calendar period went, per SLO and group, from a live Prometheus.
//!
//! The period's figures are measured as every live command measures a window
//! ([`crate::live::measure_window`]: exact from raw data, or from the recorded series when they
//! cover it), and judged with the same [`figures`]. The days, the burn-down and the incidents'
//! cost come from the period cut into tiles ([`crate::live::tiles`]), summed as counts; the
//! incidents from Prometheus's `ALERTS` history; the policy verdict from `gate` at the period's end.
//!
//! Modules: [`model`] (what a report holds), [`command`] (the command line), [`html`],
//! [`markdown`] and [`svg`] (the pages and their charts).

pub mod command;
pub mod html;
pub mod markdown;
pub mod model;
pub mod svg;
pub mod text;

use crate::compile::Plan;
use crate::compile::series::label;
use crate::gate::{GateRequest, GateRow};
use crate::live::calendar::{CalendarPeriod, Placed, local_instant, zone_name};
use crate::live::client::{Client, Series};
use crate::live::figures::{self, Measurement, Source};
use crate::live::period::Span;
use crate::live::service::{firing_alert_history, measure_windows, services_of};
use crate::live::tiles::{Tiles, measure_service_tiles, measure_tiles, tile_length};
use crate::live::{Group, LiveError, Selection, Target, Window, alert_concerns};
use jiff::tz::TimeZone;
use model::{DailyFigures, Incident, PeriodFigures, PolicyVerdict, Report, ReportRow, WorstDay};
use std::collections::BTreeMap;

/// How many worst days a row lists.
const WORST_DAYS: usize = 3;

/// What to report on.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub selection: Selection,
    /// Unix seconds: the figures stop here inside a period still running.
    pub at: i64,
    pub period: CalendarPeriod,
    pub zone: TimeZone,
}

/// The report of every selected SLO that Prometheus measures.
pub fn report(plan: &Plan, client: &Client, request: &ReportRequest) -> Result<Report, LiveError> {
    let placed = request
        .period
        .place(&request.zone)
        .map_err(LiveError::Usage)?;
    if placed.start >= request.at {
        return Err(LiveError::Usage(format!(
            "--period {}: the period has not begun at {}",
            placed.name,
            local_instant(request.at, &request.zone)
        )));
    }
    let previous = request
        .period
        .previous()
        .place(&request.zone)
        .map_err(LiveError::Usage)?;
    let measured_to = placed.end.min(request.at);
    let targets = request.selection.targets(plan)?;
    let policies = policy_verdicts(plan, client, request, &targets, measured_to)?;
    let span = span_of(&placed, measured_to);
    let previous_span = span_of(&previous, previous.end);
    // A few queries per service where the recorded series cover the periods.
    let windows = measure_windows(&targets, client, |_| Some(span))?;
    let previous_windows = measure_windows(&targets, client, |_| Some(previous_span))?;
    let length = tile_length(span.end - span.start);
    let tiles = all_tiles(&targets, &windows, client, &span, length)?;
    let alerts = firing_alert_history(
        services_of(&targets),
        client,
        (span.start, span.end, length),
    )?;
    let periods = Periods {
        this: &placed,
        previous: &previous,
        span,
        previous_span,
        zone: &request.zone,
    };
    let mut rows = Vec::new();
    for (((target, window), previous), tiles) in
        targets.iter().zip(windows).zip(previous_windows).zip(tiles)
    {
        let Some(window) = window else {
            continue;
        };
        let alerts: Vec<Series> = alerts
            .get(&target.service.meta.id)
            .into_iter()
            .flatten()
            .filter(|series| series.labels.get(label::SLO) == Some(&target.slo.slo.id))
            .cloned()
            .collect();
        let measured = Measured {
            window,
            previous,
            tiles,
            alerts,
        };
        rows.extend(slo_rows(
            target,
            &measured,
            &request.selection,
            &periods,
            &policies,
        ));
    }
    Ok(Report {
        period: placed.name.clone(),
        time_zone: zone_name(&request.zone),
        start: placed.start_text.clone(),
        end: placed.end_text.clone(),
        measured_to: local_instant(measured_to, &request.zone),
        previous_period: previous.name.clone(),
        days: placed.days.iter().map(|day| day.date.clone()).collect(),
        rows,
    })
}

struct Periods<'a> {
    this: &'a Placed,
    previous: &'a Placed,
    span: Span,
    previous_span: Span,
    zone: &'a TimeZone,
}

/// What Prometheus said about one SLO.
struct Measured {
    window: Window,
    previous: Option<Window>,
    tiles: Option<Tiles>,
    /// The SLO's firing alerts over the period, per series.
    alerts: Vec<Series>,
}

/// Every target's tiles: those whose window came from the recorded series measured together per
/// service, the others one by one from raw data.
fn all_tiles(
    targets: &[Target<'_>],
    windows: &[Option<Window>],
    client: &Client,
    span: &Span,
    length: i64,
) -> Result<Vec<Option<Tiles>>, LiveError> {
    let mut tiles: Vec<Option<Tiles>> = targets.iter().map(|_| None).collect();
    let mut recorded: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, (target, window)) in targets.iter().zip(windows).enumerate() {
        match window {
            Some(window) if window.source == Source::Recorded => recorded
                .entry(target.service.meta.id.as_str())
                .or_default()
                .push(index),
            Some(_) => {
                tiles[index] =
                    measure_tiles(target, client, Source::Raw, span.start, span.end, length)?;
            }
            None => {}
        }
    }
    for indices in recorded.into_values() {
        let batch: Vec<&Target<'_>> = indices.iter().map(|&index| &targets[index]).collect();
        let measured = measure_service_tiles(&batch, client, span.start, span.end, length)?;
        for (index, measured) in indices.into_iter().zip(measured) {
            tiles[index] = Some(measured);
        }
    }
    Ok(tiles)
}

type PolicyKey = (String, String, Group, Option<String>);

/// The gate's verdict at the period's end for every SLO with a budget policy, by service, SLO,
/// group and objective name.
fn policy_verdicts(
    plan: &Plan,
    client: &Client,
    request: &ReportRequest,
    targets: &[Target<'_>],
    at: i64,
) -> Result<BTreeMap<PolicyKey, PolicyVerdict>, LiveError> {
    if !targets
        .iter()
        .any(|target| target.slo.policy_rules().is_some())
    {
        return Ok(BTreeMap::new());
    }
    let gated = crate::gate::gate(
        plan,
        client,
        &GateRequest {
            selection: request.selection.clone(),
            at,
            since: None,
            reason: None,
        },
    )?;
    Ok(gated
        .rows
        .into_iter()
        .map(|row: GateRow| {
            let key = (row.service, row.slo, row.labels, row.objective_name);
            let verdict = PolicyVerdict {
                verdict: row.verdict.as_str().to_owned(),
                rule: row.rule.map(|rule| rule.as_str().to_owned()),
                message: row.message,
            };
            (key, verdict)
        })
        .collect())
}

/// One objective (by its index in the SLO) of one group.
#[derive(Clone, Copy)]
struct Scope<'a> {
    objective: &'a crate::compile::ObjectivePlan,
    index: usize,
    group: &'a Group,
}

fn span_of(placed: &Placed, measured_to: i64) -> Span {
    Span {
        start: placed.start,
        end: measured_to.min(placed.end),
        budget_period: placed.end - placed.start,
    }
}

/// The rows of one SLO: one per objective and group.
fn slo_rows(
    target: &Target<'_>,
    measured: &Measured,
    selection: &Selection,
    periods: &Periods<'_>,
    policies: &BTreeMap<PolicyKey, PolicyVerdict>,
) -> Vec<ReportRow> {
    let slo = &target.slo.slo;
    let (window, previous, tiles, alerts) = (
        &measured.window,
        &measured.previous,
        &measured.tiles,
        &measured.alerts,
    );
    let (span, previous_span) = (periods.span, periods.previous_span);
    let groups = selection.groups(target.slo, &window.per_objective);

    let mut rows = Vec::new();
    for (index, objective) in target.slo.objectives.iter().enumerate() {
        let budget = objective.budget.to_f64();
        for group in &groups {
            let measurement = window.per_objective[index]
                .get(group)
                .copied()
                .unwrap_or_default();
            let this = period_figures(periods.this, &span, measurement, budget, slo.min_events);
            // The share of the budget one failed event (or one failed tile) costs.
            let weight = tiles.as_ref().map_or(0.0, |tiles| {
                if tiles.counts {
                    measurement
                        .events
                        .filter(|events| *events > 0.0)
                        .unwrap_or_else(|| tiles.sum(index, group, span.start, span.end).0)
                } else {
                    ((span.end - span.start) / tiles.length) as f64
                }
            });
            let cost = |errors: f64| (weight > 0.0).then(|| errors / (budget * weight));
            let daily = tiles.as_ref().map_or_else(Vec::new, |tiles| {
                daily_figures(tiles, index, group, periods.this, span.end, &cost)
            });
            let incidents = tiles.as_ref().map_or_else(Vec::new, |tiles| {
                let scope = Scope {
                    objective,
                    index,
                    group,
                };
                incidents(alerts, &scope, tiles, span.start, periods.zone, &cost)
            });
            let previous = previous.as_ref().map(|previous| {
                let measurement = previous.per_objective[index]
                    .get(group)
                    .copied()
                    .unwrap_or_default();
                period_figures(
                    periods.previous,
                    &previous_span,
                    measurement,
                    budget,
                    slo.min_events,
                )
            });
            let key = (
                target.service.meta.id.clone(),
                slo.id.clone(),
                group.clone(),
                objective.objective.name.clone(),
            );
            rows.push(ReportRow {
                service: target.service.meta.id.clone(),
                slo: slo.id.clone(),
                labels: group.clone(),
                objective: objective.objective.target.to_f64(),
                objective_name: objective.objective.name.clone(),
                title: (!slo.title.is_empty()).then(|| slo.title.clone()),
                error_budget_spent_seconds: this
                    .error_budget_spent
                    .map(|spent| spent * budget * span.budget_period as f64),
                figures: this,
                source: window.source,
                worst_days: worst_days(&daily),
                daily,
                incidents,
                previous,
                policy: policies.get(&key).cloned(),
            });
        }
    }
    rows
}

fn period_figures(
    placed: &Placed,
    span: &Span,
    measurement: Measurement,
    budget: f64,
    min_events: Option<u64>,
) -> PeriodFigures {
    let judged = figures::figures(measurement, budget, span.budget_period as f64, min_events);
    PeriodFigures {
        period: placed.name.clone(),
        start: placed.start_text.clone(),
        end: placed.end_text.clone(),
        compliance: judged.compliance,
        events: measurement.events,
        status: judged.status,
        error_budget_spent: judged
            .error_budget_remaining
            .map(|remaining| 1.0 - remaining),
    }
}

/// Each local day measured so far: the ratio of its tiles' sums.
fn daily_figures(
    tiles: &Tiles,
    objective: usize,
    group: &Group,
    placed: &Placed,
    measured_to: i64,
    cost: &dyn Fn(f64) -> Option<f64>,
) -> Vec<DailyFigures> {
    let mut spent_to_date = 0.0;
    placed
        .days
        .iter()
        .filter(|day| day.start < measured_to)
        .map(|day| {
            let (events, errors) = tiles.sum(objective, group, day.start, day.end.min(measured_to));
            let spent = cost(errors);
            spent_to_date += spent.unwrap_or(0.0);
            DailyFigures {
                date: day.date.clone(),
                compliance: (events > 0.0).then(|| 1.0 - errors / events),
                error_budget_spent: spent,
                error_budget_spent_to_date: spent.map(|_| spent_to_date),
                events: tiles.counts.then_some(events),
            }
        })
        .collect()
}

/// The days with failed events, worst first, ties by date.
fn worst_days(daily: &[DailyFigures]) -> Vec<WorstDay> {
    let mut days: Vec<WorstDay> = daily
        .iter()
        .filter_map(|day| {
            let compliance = day.compliance.filter(|compliance| *compliance < 1.0)?;
            Some(WorstDay {
                date: day.date.clone(),
                compliance,
            })
        })
        .collect();
    days.sort_by(|a, b| {
        a.compliance
            .total_cmp(&b.compliance)
            .then(a.date.cmp(&b.date))
    });
    days.truncate(WORST_DAYS);
    days
}

/// The stretches when an alert of this objective and group fired: the tiles at whose end `ALERTS`
/// held a firing sample (within Prometheus's look-back; a resolved alert's series is marked
/// stale, so it leaves at the next step). An incident is so known to a tile's length, and costs
/// the failed events of its tiles.
fn incidents(
    alerts: &[Series],
    scope: &Scope<'_>,
    tiles: &Tiles,
    from: i64,
    zone: &TimeZone,
    cost: &dyn Fn(f64) -> Option<f64>,
) -> Vec<Incident> {
    let Scope {
        objective,
        index,
        group,
    } = *scope;
    let label = |series: &Series, name: &str| series.labels.get(name).cloned();
    let mut found = Vec::new();
    for series in alerts
        .iter()
        .filter(|series| alert_concerns(&series.labels, objective, group))
    {
        // Each step where the alert is present stands for the tile that ends there.
        let mut runs: Vec<(i64, i64)> = Vec::new();
        for &(at, _) in &series.points {
            match runs.last_mut() {
                Some((_, end)) if *end + tiles.length == at => *end = at,
                _ => runs.push(((at - tiles.length).max(from), at)),
            }
        }
        for (start, end) in runs {
            let (_, errors) = tiles.sum(index, group, start, end);
            found.push((
                start,
                Incident {
                    alert: label(series, crate::compile::series::label::ALERTNAME)
                        .unwrap_or_default(),
                    severity: label(series, crate::compile::series::label::SEVERITY),
                    start: local_instant(start, zone),
                    end: local_instant(end, zone),
                    duration_seconds: end - start,
                    error_budget_spent: cost(errors),
                },
            ));
        }
    }
    found.sort_by(|(a, first), (b, second)| {
        a.cmp(b)
            .then_with(|| first.alert.cmp(&second.alert))
            .then_with(|| first.severity.cmp(&second.severity))
    });
    let mut incidents: Vec<Incident> = found.into_iter().map(|(_, incident)| incident).collect();
    incidents.dedup();
    incidents
}
