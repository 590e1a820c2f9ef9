//! Tables and charts: the group tables, the error budgets, and the detection charts.

use super::alerts::static_alert_view;
use super::sentences::{Phrasing, objective_short, threshold_text};
use super::view::{
    BudgetRow, BurnExample, Chart, ChartPoint, Exact, GroupRow, GroupTable, IndexService, IndexSlo,
    document_title, route_to, severity_verb,
};
use crate::compile::{ObjectivePlan, Plan, ServicePlan, SloPlan};
use crate::spec::{ServiceMeta, Sli};
use crate::units::{Duration, Ratio};
use crate::wording::sli;
use std::collections::BTreeSet;

/// Burn rates at which the detection chart is drawn, as multiples of the sustainable rate.
pub(super) const CHART_BURN_RATES: &[i128] = &[1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

pub(super) fn group_table(meta: &ServiceMeta, plans: &[&SloPlan]) -> GroupTable {
    let all = |kind: &str| plans.iter().all(|p| p.slo.sli.kind() == kind);
    let percentile_names = |p: &SloPlan| -> Vec<String> {
        p.objectives
            .iter()
            .filter_map(|o| o.objective.name.clone())
            .collect()
    };
    let percentiles = plans
        .first()
        .map(|p| percentile_names(p))
        .unwrap_or_default();
    let layout = if all("latency") && plans.iter().all(|p| percentile_names(p) == percentiles) {
        "percentiles"
    } else {
        "standard"
    };
    let measured = plans
        .iter()
        .any(|p| !matches!(p.slo.sli, Sli::Documentary { .. }));
    let windows: BTreeSet<u64> = plans
        .iter()
        .filter(|p| !p.objectives.is_empty())
        .map(|p| p.slo.window.millis())
        .collect();
    let shared_window = if windows.len() == 1 && layout == "percentiles" {
        windows.first().copied()
    } else {
        None
    };
    let rows: Vec<GroupRow> = plans
        .iter()
        .map(|plan| {
            let slo = &plan.slo;
            let mut target = objective_short(plan, Phrasing::Table { measured });
            if shared_window.is_none() && !plan.objectives.is_empty() {
                target.push_str(&format!(" over {}", slo.window.human()));
            }
            let mut alerts: Vec<String> = plan
                .static_alerts()
                .map(|(a, evaluator)| static_alert_view(meta, slo, a, evaluator).short)
                .collect();
            if let Sli::Documentary {
                alert: Some(alert), ..
            } = &slo.sli
            {
                alerts.push(alert.clone());
            }
            GroupRow {
                title: slo.title.clone(),
                target,
                percentiles: plan
                    .objectives
                    .iter()
                    .filter_map(|o| {
                        o.objective
                            .threshold
                            .filter(|_| o.objective.name.is_some())
                            .map(|t| format!("< {}", threshold_text(slo, t)))
                    })
                    .collect(),
                measurement: sli::source_short(&slo.sli),
                alert: alerts.join("; "),
            }
        })
        .collect();
    GroupTable {
        layout,
        first_column: if all("latency") {
            "Endpoint category"
        } else if all("freshness") {
            "Step"
        } else if plans
            .iter()
            .any(|p| matches!(p.slo.sli, Sli::Probe(_) | Sli::Sentry(_)))
        {
            "SLI"
        } else {
            "Metric"
        },
        target_column: if all("freshness") {
            "Freshness target"
        } else {
            "Target"
        },
        percentiles,
        show_measurement: measured,
        show_alerts: rows.iter().any(|r| !r.alert.is_empty()),
        window: shared_window,
        rows,
    }
}

/// Objectives grouped by (target, window), each with its budget as time; and the one that every
/// SLO with an objective has, if any.
pub(super) fn budgets(service: &ServicePlan) -> (Option<BudgetRow>, Vec<BudgetRow>) {
    let mut rows: Vec<(BudgetRow, BTreeSet<String>)> = Vec::new();
    let measured: BTreeSet<String> = service
        .slos
        .iter()
        .filter(|p| !p.objectives.is_empty())
        .map(|p| p.slo.id.clone())
        .collect();
    for plan in &service.slos {
        let slo = &plan.slo;
        let several = plan.objectives.len() > 1;
        for objective in &plan.objectives {
            let name = match (&objective.objective.name, several) {
                (Some(name), _) => format!("{} ({name})", slo.title),
                (None, true) => format!("{} (success)", slo.title),
                (None, false) => slo.title.clone(),
            };
            let key = (objective.objective.target, slo.window);
            match rows
                .iter_mut()
                .find(|(r, _)| (r.target.0, Duration::from_millis(r.window)) == key)
            {
                Some((row, ids)) => {
                    row.objectives.push(name);
                    ids.insert(slo.id.clone());
                }
                None => rows.push((
                    BudgetRow {
                        target: Exact(objective.objective.target),
                        window: slo.window.millis(),
                        budget: Exact(objective.budget),
                        time: objective.budget_time.millis(),
                        objectives: vec![name],
                    },
                    BTreeSet::from([slo.id.clone()]),
                )),
            }
        }
    }
    let for_each = rows
        .iter()
        .find(|(_, ids)| !measured.is_empty() && *ids == measured)
        .map(|(row, _)| row.clone());
    (for_each, rows.into_iter().map(|(row, _)| row).collect())
}

/// One chart per (burn policy, window) of the SLOs Prometheus evaluates.
pub(super) fn charts(service: &ServicePlan) -> Vec<Chart> {
    let mut charts: Vec<Chart> = Vec::new();
    let mut budgets: Vec<Vec<Ratio>> = Vec::new();
    for plan in &service.slos {
        let slo = &plan.slo;
        let (Some(policy), true) = (&slo.burn_policy, slo.sli.in_prometheus()) else {
            continue;
        };
        let Some(first) = plan.objectives.first() else {
            continue;
        };
        let index = if let Some(index) = charts
            .iter()
            .position(|c| &c.policy == policy && c.window == slo.window.millis())
        {
            index
        } else {
            charts.push(Chart {
                policy: policy.clone(),
                window: slo.window.millis(),
                slos: Vec::new(),
                points: chart_points(&service.meta, first),
                examples: Vec::new(),
            });
            budgets.push(Vec::new());
            charts.len() - 1
        };
        charts[index].slos.push(slo.title.clone());
        for objective in &plan.objectives {
            if !budgets[index].contains(&objective.budget) {
                budgets[index].push(objective.budget);
            }
        }
    }
    for (chart, budgets) in charts.iter_mut().zip(budgets) {
        // Above `1 / budget` the error ratio would exceed 100%: no such burn rate exists.
        let max_burn = budgets
            .iter()
            .filter_map(|b| Ratio::ONE.checked_div(*b).ok())
            .max()
            .unwrap_or(Ratio::ONE);
        chart.points.retain(|p| Ratio::integer(p.rate) <= max_burn);
        let mut examples: Vec<BurnExample> = budgets
            .iter()
            .filter_map(|b| {
                let error_ratio = b.checked_mul(Ratio::integer(10)).ok()?;
                (error_ratio <= Ratio::ONE).then_some(BurnExample {
                    objective: Exact(Ratio::ONE.checked_sub(*b).ok()?),
                    error_ratio: Exact(error_ratio),
                })
            })
            .collect();
        examples.sort_by_key(|e| std::cmp::Reverse(e.objective.0));
        chart.examples = examples;
    }
    charts.retain(|c| !c.points.is_empty());
    charts
}

/// The first tier to fire, and when, at each charted burn rate: the Plan's timing of every tier
/// that becomes an alert.
pub(super) fn chart_points(meta: &ServiceMeta, objective: &ObjectivePlan) -> Vec<ChartPoint> {
    let mut points = Vec::new();
    for &burn in CHART_BURN_RATES {
        let first = objective
            .alerting_tiers()
            .filter_map(|t| Some((t.detection_at_burn(Ratio::integer(burn))?, t)))
            .min_by_key(|(after, _)| *after);
        let Some((after, tier)) = first else {
            continue;
        };
        let hours = Ratio::new(i128::from(after.millis()), 3_600_000)
            .map(|h| h.decimal_with(2))
            .unwrap_or_default();
        let routed = route_to(meta, tier.escalation.as_deref())
            .map(|r| format!(" ({})", r.label))
            .unwrap_or_default();
        points.push(ChartPoint {
            rate: burn,
            burn: format!("{burn}×"),
            hours,
            after: after.millis(),
            alert: format!(
                "{}{routed}: {} of the budget within {}",
                severity_verb(&tier.severity),
                tier.budget_share.percent(),
                tier.long.human()
            ),
        });
    }
    points
}

pub(super) fn index_view(plan: &Plan) -> Vec<IndexService> {
    plan.services
        .iter()
        .map(|service| {
            let meta = &service.meta;
            IndexService {
                id: meta.id.clone(),
                title: document_title(meta),
                name: meta.title.clone(),
                file: format!("{}.md", meta.id),
                owner: meta.owner.clone(),
                source: meta.source.clone(),
                has_groups: service.slos.iter().any(|p| p.slo.group.is_some()),
                slos: service
                    .slos
                    .iter()
                    .map(|p| IndexSlo {
                        title: p.slo.title.clone(),
                        group: p.slo.group.clone(),
                        objective: objective_short(p, Phrasing::Objective),
                        window: (!p.objectives.is_empty()).then_some(p.slo.window.millis()),
                        source: sli::source_short(&p.slo.sli),
                    })
                    .collect(),
            }
        })
        .collect()
}
