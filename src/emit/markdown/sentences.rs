//! Sentences and short phrases about an SLO: its target, its data source, its events.

use crate::compile::{ObjectivePlan, SloPlan};
use crate::spec::{RatioSli, Sli, Slo};
use crate::units::Duration;
use crate::wording::{above_or_below, capitalise};

/// What the events of an SLO are, for "0.5% of requests".
pub(super) fn events_noun(slo: &Slo) -> String {
    if let Some(events) = &slo.events {
        return events.clone();
    }
    match &slo.sli {
        Sli::Latency(_) => "requests".to_owned(),
        Sli::Gauge(g) => format!("{} slices", g.slice.adjective()),
        Sli::Probe(_) => "checks".to_owned(),
        Sli::Sentry(_) => "transactions".to_owned(),
        _ => "events".to_owned(),
    }
}

/// `< 200 ms` for latency objectives, `< 5 seconds` for lag targets.
pub(super) fn threshold_text(slo: &Slo, threshold: Duration) -> String {
    match slo.sli {
        Sli::Latency(_) | Sli::Sentry(_) => threshold.in_millis(),
        _ => threshold.spoken(),
    }
}

pub(super) fn objective_label(slo: &Slo, plan: &ObjectivePlan) -> String {
    match (&plan.objective.name, plan.objective.threshold) {
        (Some(name), Some(threshold)) => format!("{name} < {}", threshold_text(slo, threshold)),
        _ if matches!(slo.sli, Sli::Sentry(_)) => {
            format!("{} success", plan.objective.target.percent())
        }
        _ => plan.objective.target.percent(),
    }
}

pub(super) fn percentile_objectives(slo: &Slo, plan: &SloPlan) -> Vec<String> {
    plan.objectives
        .iter()
        .filter(|o| o.objective.name.is_some())
        .map(|o| objective_label(slo, o))
        .collect()
}

pub(super) fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub(super) fn gauge_bound(slo: &Slo) -> Option<String> {
    match &slo.sli {
        Sli::Gauge(g) => Some(format!(
            "{} {}{}",
            above_or_below(!g.good_below),
            g.threshold,
            g.unit.as_ref().map(|u| format!(" {u}")).unwrap_or_default()
        )),
        _ => None,
    }
}

/// The target in one sentence, as the seed documents phrase it.
pub(super) fn target_sentence(plan: &SloPlan) -> String {
    let slo = &plan.slo;
    let window = format!("over a rolling {}", slo.window.human());
    let main = plan
        .objectives
        .iter()
        .find(|o| o.objective.name.is_none())
        .map(|o| o.objective.target.percent());
    let percentiles = percentile_objectives(slo, plan);
    match &slo.sli {
        Sli::Documentary { target, .. } => target.clone(),
        Sli::Ratio(_) => format!("At least {} success {window}", main.unwrap_or_default()),
        Sli::Probe(_) => format!("At least {} uptime {window}", main.unwrap_or_default()),
        Sli::Sentry(_) => {
            let mut parts = Vec::new();
            if let Some(main) = main {
                parts.push(format!("at least {main} success"));
            }
            parts.extend(
                plan.objectives
                    .iter()
                    .filter(|o| o.objective.name.is_some())
                    .map(|o| {
                        format!(
                            "{} latency below {}",
                            o.objective.name.clone().unwrap_or_default(),
                            o.objective
                                .threshold
                                .map(|t| threshold_text(slo, t))
                                .unwrap_or_default()
                        )
                    }),
            );
            capitalise(&format!("{} {window}", join_words(&parts)))
        }
        Sli::Latency(_) => {
            let shares: Vec<String> = plan
                .objectives
                .iter()
                .map(|o| o.objective.target.percent())
                .collect();
            format!(
                "{} {window}: at least {} of {} at or under each threshold",
                join_words(&percentiles),
                join_words(&shares),
                events_noun(slo)
            )
        }
        Sli::Freshness { from, to, .. } => {
            let threshold = plan
                .objectives
                .first()
                .and_then(|o| o.objective.threshold)
                .map(Duration::spoken)
                .unwrap_or_default();
            format!(
                "Lag from {from} to {to} below {threshold} for at least {} of {} {window}",
                main.unwrap_or_default(),
                events_noun(slo)
            )
        }
        Sli::Gauge(g) => format!(
            "{} in at least {} of {} slices {window}",
            capitalise(&gauge_bound(slo).unwrap_or_default()),
            main.unwrap_or_default(),
            g.slice.adjective()
        ),
    }
}

/// How a short objective is phrased.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Phrasing {
    /// As the seed documents' tables do: an error-rate SLO says `< 0.5% of requests`.
    /// `measured` says whether the table has a measurement column.
    Table { measured: bool },
    /// As an objective: `99.5%`.
    Objective,
}

/// The target of one table row, without its window.
pub(super) fn objective_short(plan: &SloPlan, phrasing: Phrasing) -> String {
    let with_measurement = phrasing != Phrasing::Table { measured: false };
    let slo = &plan.slo;
    let main = plan.objectives.iter().find(|o| o.objective.name.is_none());
    let percentiles = percentile_objectives(slo, plan).join(", ");
    match &slo.sli {
        Sli::Documentary {
            target,
            measured_by,
            ..
        } => match measured_by {
            Some(how) if !with_measurement => format!("{target} ({how})"),
            _ => target.clone(),
        },
        Sli::Ratio(_) if phrasing == Phrasing::Objective => main
            .map(|o| o.objective.target.percent())
            .unwrap_or_default(),
        Sli::Ratio(RatioSli::Events { good: false, .. } | RatioSli::Query(_)) => main
            .map(|o| {
                let noun = slo
                    .events
                    .as_ref()
                    .map(|e| format!(" of {e}"))
                    .unwrap_or_default();
                format!("< {}{noun}", o.budget.percent())
            })
            .unwrap_or_default(),
        Sli::Ratio(RatioSli::Events { good: true, .. }) => main
            .map(|o| format!("≥ {}", o.objective.target.percent()))
            .unwrap_or_default(),
        Sli::Probe(_) => main
            .map(|o| format!("{} uptime", o.objective.target.percent()))
            .unwrap_or_default(),
        Sli::Sentry(_) => {
            let mut parts: Vec<String> = main
                .map(|o| format!("{} success", o.objective.target.percent()))
                .into_iter()
                .collect();
            if !percentiles.is_empty() {
                parts.push(percentiles);
            }
            parts.join(", ")
        }
        Sli::Latency(_) => percentiles,
        Sli::Freshness { .. } => main
            .map(|o| {
                format!(
                    "< {} for {} of {}",
                    o.objective
                        .threshold
                        .map(Duration::spoken)
                        .unwrap_or_default(),
                    o.objective.target.percent(),
                    events_noun(slo)
                )
            })
            .unwrap_or_default(),
        Sli::Gauge(g) => main
            .map(|o| {
                let bound = gauge_bound(slo)
                    .unwrap_or_default()
                    .replacen("below", "<", 1)
                    .replacen("above", ">", 1);
                format!(
                    "{bound} in {} of {} slices",
                    o.objective.target.percent(),
                    g.slice.adjective()
                )
            })
            .unwrap_or_default(),
    }
}
