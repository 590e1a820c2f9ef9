//! The panels of one SLO's row, in a fixed order: compliance, budget left (share and time),
//! burn-down, burn rate per objective, traffic, alerts, and for latency and gauge SLIs the share
//! of good events. Which tiers and windows appear comes from the Plan: exactly the tiers that
//! become alerts, over exactly the windows the rules record.

use super::dashboard::{Panel, PanelKind, Step, Target};
use super::policy::Levels;
use super::queries::SloQueries;
use crate::compile::{ObjectivePlan, SloPlan, TierPlan};
use crate::spec::Sli;
use crate::units::{Duration, Ratio};

pub(super) const RED: &str = "red";
pub(super) const ORANGE: &str = "orange";
pub(super) const GREEN: &str = "green";

/// Every panel of the SLO's row.
pub fn slo_panels(q: &SloQueries) -> Vec<Panel> {
    let plan = q.plan;
    let mut panels = vec![compliance(q), budget_share(q), budget_time(q), burn_down(q)];
    for objective in &plan.objectives {
        panels.push(burn_rate(q, objective));
    }
    if counts_events(plan) {
        panels.push(traffic(q));
    }
    panels.push(alerts(q));
    if let Some(panel) = good_share(q) {
        panels.push(panel);
    }
    panels
}

/// Whether the rules record events: every SLI but a raw error-ratio query.
fn counts_events(plan: &SloPlan) -> bool {
    !matches!(plan.slo.sli, Sli::Ratio(crate::spec::RatioSli::Query(_)))
}

/// What one event is, plural.
fn noun(plan: &SloPlan) -> String {
    match &plan.slo.sli {
        Sli::Probe(_) => "probes".to_owned(),
        Sli::Gauge(_) => "time slices".to_owned(),
        _ => plan
            .slo
            .events
            .clone()
            .unwrap_or_else(|| "events".to_owned()),
    }
}

/// `p95` for an objective with a name, else `fallback`.
fn objective_name(objective: &ObjectivePlan, fallback: &str) -> String {
    objective
        .objective
        .name
        .clone()
        .unwrap_or_else(|| fallback.to_owned())
}

fn compliance(q: &SloQueries) -> Panel {
    let window = q.plan.slo.window.human();
    let targets = q
        .plan
        .objectives
        .iter()
        .map(|o| Target {
            steps: vec![
                Step {
                    from: None,
                    color: RED,
                },
                Step {
                    from: Some(o.objective.target),
                    color: GREEN,
                },
            ],
            ..Target::data(q.compliance(o), q.legend(&objective_name(o, "compliance")))
        })
        .collect();
    Panel {
        kind: PanelKind::Stat,
        title: format!("Compliance over {window}"),
        description: format!(
            "The share of good {} over the last {window}, weighted by traffic; green at or above the objective, red below it.",
            noun(q.plan)
        ),
        unit: "percentunit",
        targets,
        steps: Vec::new(),
        threshold_lines: false,
        width: 8,
        height: 5,
    }
}

fn budget_steps() -> Vec<Step> {
    vec![
        Step {
            from: None,
            color: RED,
        },
        Step {
            from: Some(Ratio::ZERO),
            color: ORANGE,
        },
        Step {
            from: Ratio::new(1, 4).ok(),
            color: GREEN,
        },
    ]
}

fn budget_share(q: &SloQueries) -> Panel {
    let window = q.plan.slo.window.human();
    let levels = Levels::of_slo(q.plan);
    let colours = levels.as_ref().map_or_else(
        || "red below 0, orange below 25%".to_owned(),
        |levels| format!("budget policy: {}", levels.share_words()),
    );
    Panel {
        kind: PanelKind::Stat,
        title: "Error budget left".to_owned(),
        description: format!(
            "The share of the error budget of the last {window} not yet spent: 100% is untouched, 0% is spent, below 0 the objective is missed ({colours})."
        ),
        unit: "percentunit",
        targets: q
            .plan
            .objectives
            .iter()
            .map(|o| {
                Target::data(
                    q.budget_remaining(o),
                    q.legend(&objective_name(o, "budget left")),
                )
            })
            .collect(),
        steps: levels.map_or_else(budget_steps, |levels| levels.share_steps()),
        threshold_lines: false,
        width: 8,
        height: 5,
    }
}

fn budget_time(q: &SloQueries) -> Panel {
    let budgets: Vec<String> = q
        .plan
        .objectives
        .iter()
        .map(|o| o.budget_time.human())
        .collect();
    let levels: Vec<Levels> = q
        .plan
        .objectives
        .iter()
        .filter_map(|o| Levels::of(q.plan, o))
        .collect();
    let colours = if levels.is_empty() {
        String::new()
    } else {
        format!("; budget policy: {}", Levels::time_words(&levels))
    };
    // The levels are the same share of each objective's budget, but not the same time: an
    // objective whose levels differ from the first's colours its own value.
    let steps = levels.first().map_or_else(
        || {
            vec![
                Step {
                    from: None,
                    color: RED,
                },
                Step {
                    from: Some(Ratio::ZERO),
                    color: GREEN,
                },
            ]
        },
        Levels::time_steps,
    );
    let targets = q
        .plan
        .objectives
        .iter()
        .map(|o| {
            let own = Levels::of(q.plan, o)
                .map(|l| l.time_steps())
                .filter(|own| *own != steps)
                .unwrap_or_default();
            Target {
                steps: own,
                ..Target::data(
                    q.budget_remaining_time(o),
                    q.legend(&objective_name(o, "time left")),
                )
            }
        })
        .collect();
    Panel {
        kind: PanelKind::Stat,
        title: "Error budget left as time".to_owned(),
        description: format!(
            "How long a total outage could last before the budget is gone, out of {} over the whole window; negative once it is overspent{colours}.",
            budgets.join(" or ")
        ),
        unit: "dtdurations",
        targets,
        steps,
        threshold_lines: false,
        width: 8,
        height: 5,
    }
}

fn burn_down(q: &SloQueries) -> Panel {
    let window = q.plan.slo.window.human();
    let weighing = if matches!(
        q.plan.measure,
        Some(crate::compile::Measure::ErrorRatioQuery(_))
    ) {
        "5-minute error ratios, each weighing the same"
    } else {
        "failed events since then over the budget of the window's events"
    };
    let levels = Levels::of_slo(q.plan);
    let lines = levels.as_ref().map_or_else(String::new, |levels| {
        format!(
            "; the solid lines and bands are the budget policy's levels ({})",
            levels.share_words()
        )
    });
    let mut targets: Vec<Target> = q
        .plan
        .objectives
        .iter()
        .map(|o| Target::data(q.burn_down(o), q.legend(&objective_name(o, "budget left"))))
        .collect();
    targets.push(Target::reference(
        q.ideal_burn_down(),
        format!("ideal: the budget spent evenly over {window}"),
    ));
    Panel {
        kind: PanelKind::TimeSeries,
        title: "Error budget burn-down".to_owned(),
        description: format!(
            "The share of the error budget of {window} left since the start of the time range ({weighing}): above the dashed ideal line the SLO spends less than its budget, below it more{lines}."
        ),
        unit: "percentunit",
        targets,
        threshold_lines: levels.is_some(),
        steps: levels.map_or_else(Vec::new, |levels| levels.share_steps()),
        width: 12,
        height: 8,
    }
}

/// `13.44× over 1h and 5m (page)`.
pub fn tier_legend(tier: &TierPlan) -> String {
    format!(
        "{}× over {} and {} ({})",
        tier.factor, tier.long, tier.short, tier.severity
    )
}

fn burn_rate(q: &SloQueries, objective: &ObjectivePlan) -> Panel {
    let tiers: Vec<&TierPlan> = objective.alerting_tiers().collect();
    let mut windows: Vec<Duration> = tiers.iter().flat_map(|t| [t.long, t.short]).collect();
    if windows.is_empty() {
        windows.push(crate::compile::BASE_WINDOW);
    }
    windows.sort();
    windows.dedup();
    let mut targets: Vec<Target> = windows
        .iter()
        .rev()
        .map(|&w| {
            Target::data(
                q.burn_rate(objective, w),
                q.legend(&format!("burn rate over {w}")),
            )
        })
        .collect();
    for tier in &tiers {
        targets.push(Target::reference(
            SloQueries::constant(tier.factor),
            tier_legend(tier),
        ));
    }
    targets.push(Target::reference(
        SloQueries::constant(Ratio::ONE),
        format!(
            "1× spends the budget in exactly {}",
            q.plan.slo.window.human()
        ),
    ));
    let which = objective
        .objective
        .name
        .as_ref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let alerting = if tiers.is_empty() {
        "no burn-rate alert is set".to_owned()
    } else {
        "a tier alerts when both its long and its short window are above its dashed line".to_owned()
    };
    Panel {
        kind: PanelKind::TimeSeries,
        title: format!("Burn rate{which}"),
        description: format!(
            "How fast the error budget burns, as a multiple of the rate that spends it exactly over the window, per recorded window; {alerting}."
        ),
        unit: "none",
        targets,
        steps: Vec::new(),
        threshold_lines: false,
        width: 12,
        height: 8,
    }
}

fn traffic(q: &SloQueries) -> Panel {
    let noun = noun(q.plan);
    let mut targets = vec![Target::data(q.traffic(), q.legend(&format!("{noun}/s")))];
    let mut description = format!(
        "{} per second over 5 minutes",
        crate::wording::capitalise(&noun)
    );
    if let Some(min) = q.plan.slo.min_events {
        let mut longs: Vec<&TierPlan> = q
            .plan
            .objectives
            .iter()
            .flat_map(ObjectivePlan::alerting_tiers)
            .collect();
        longs.sort_by_key(|t| t.long);
        longs.dedup_by_key(|t| t.long);
        for tier in longs {
            targets.push(Target::reference(
                SloQueries::constant(SloQueries::min_events_rate(min, tier)),
                format!("min_events {min} over {}", tier.long),
            ));
        }
        description.push_str(&format!(
            "; below a dashed line the long window holds fewer than min_events {min} {noun}, so its burn-rate alerts stay quiet"
        ));
    }
    description.push('.');
    Panel {
        kind: PanelKind::TimeSeries,
        title: "Traffic".to_owned(),
        description,
        unit: "short",
        targets,
        steps: Vec::new(),
        threshold_lines: false,
        width: 12,
        height: 8,
    }
}

fn alerts(q: &SloQueries) -> Panel {
    Panel {
        kind: PanelKind::StateTimeline,
        title: "Alerts".to_owned(),
        description: "The SLO's alerts while pending or firing, one line per alert, severity, tier windows and state; an empty panel means none was active.".to_owned(),
        unit: "none",
        targets: vec![Target::data(
            q.alerts(),
            q.legend("{{alertname}} {{severity}} {{long_window}} {{alertstate}}"),
        )],
        steps: vec![Step { from: None, color: RED }],
        threshold_lines: false,
        width: 12,
        height: 8,
    }
}

fn good_share(q: &SloQueries) -> Option<Panel> {
    let (title, description) = match &q.plan.slo.sli {
        Sli::Latency(_)
        | Sli::Freshness {
            histogram: Some(_), ..
        } => (
            "Within the latency thresholds",
            "The share of events at or under each objective's threshold over 5 minutes; below the dashed objective line that objective's budget burns.",
        ),
        Sli::Gauge(_) => (
            "Good time slices",
            "The share of time slices in which the gauge met its threshold, over 5 minutes; below the dashed objective line the budget burns.",
        ),
        _ => return None,
    };
    let mut targets = Vec::new();
    for objective in &q.plan.objectives {
        let what = match objective.objective.threshold {
            Some(threshold) => format!("within {}", threshold.human()),
            None => "good".to_owned(),
        };
        let name = objective
            .objective
            .name
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        targets.push(Target::data(
            q.good_share(objective),
            q.legend(&format!("{what}{name}")),
        ));
    }
    for objective in &q.plan.objectives {
        targets.push(Target::reference(
            SloQueries::constant(objective.objective.target),
            format!(
                "objective {}{}",
                objective.objective.target.percent(),
                objective
                    .objective
                    .name
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ),
        ));
    }
    Some(Panel {
        kind: PanelKind::TimeSeries,
        title: title.to_owned(),
        description: description.to_owned(),
        unit: "percentunit",
        targets,
        steps: Vec::new(),
        threshold_lines: false,
        width: 12,
        height: 8,
    })
}
