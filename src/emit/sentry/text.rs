//! The words of the Sentry monitors and alerts: names and descriptions.

use crate::compile::sentry::{FailureMeasure, Monitor, Watch, seconds};
use crate::compile::{ServicePlan, SloPlan};
use crate::emit::json::clip;

pub(crate) fn name(service: &ServicePlan, slo: &SloPlan, what: &str, limit: usize) -> String {
    let name = format!("{}: {}: {what}", service.meta.id, slo.slo.title);
    clip(&name, limit)
}

pub(crate) fn monitor_name(service: &ServicePlan, monitor: &Monitor, limit: usize) -> String {
    let what = match &monitor.watch {
        Watch::FailureRate { window, .. } => {
            format!("failure rate over {}", seconds(*window).human())
        }
        Watch::Latency {
            percentile,
            threshold,
            window,
            ..
        } => format!(
            "p{percentile} above {} ms over {}",
            threshold.millis(),
            seconds(*window).human()
        ),
        Watch::Uptime { probe, .. } => format!("uptime of {}", probe.url),
    };
    name(service, monitor.slo, &what, limit)
}

pub(crate) fn description(service: &ServicePlan, monitor: &Monitor) -> String {
    let slo = &monitor.slo.slo;
    let mut lines = Vec::new();
    match &monitor.watch {
        Watch::FailureRate {
            sli,
            objective,
            measure,
            window,
            steps,
        } => {
            lines.push(format!(
                "SLO {}/{}: {} of `{}` requests succeed over {} (error budget {}).",
                service.meta.id,
                slo.id,
                objective.objective.target.percent(),
                sli.transaction,
                slo.window.human(),
                objective.budget.percent()
            ));
            for step in steps {
                let tier = step.tier;
                lines.push(format!(
                    "{} priority above {} failures: the {} tier, {} of the budget within {} (burn rate {}).",
                    crate::wording::capitalise(step.priority.word()),
                    tier.error_threshold.percent(),
                    tier.severity,
                    tier.budget_share.percent(),
                    tier.long.human(),
                    tier.factor.significant(4)
                ));
                if tier.long.millis() != window * 1000 {
                    lines.push(format!(
                        "Sentry has no window of {}: this monitor evaluates {}, the nearest one it allows.",
                        tier.long.human(),
                        seconds(*window).human()
                    ));
                }
            }
            lines.push(match measure {
                FailureMeasure::StatusClass(class) => format!(
                    "Failures are `{}`: http_response_rate({class}), the share of {class}xx responses among the requests with a status code.",
                    sli.failure
                ),
                FailureMeasure::FailureRate => format!(
                    "Sentry's failure_rate() counts every status but ok, cancelled and unknown as a failure, so it may count failures that the SLO's `{}` does not.",
                    sli.failure
                ),
            });
            if let Some(exclude) = &sli.exclude {
                lines.push(format!("Left out: `{exclude}`."));
            }
        }
        Watch::Latency {
            sli,
            objective,
            percentile,
            threshold,
            window,
            priority,
            tier,
        } => {
            lines.push(format!(
                "SLO {}/{}: {} of `{}` requests take at most {} ms over {} (p{percentile} objective).",
                service.meta.id,
                slo.id,
                objective.objective.target.percent(),
                sli.transaction,
                threshold.millis(),
                slo.window.human()
            ));
            lines.push(format!(
                "{} priority when p{percentile} is above {} ms over {}: more than {} of requests are slower, so the budget burns faster than the SLO window allows (burn rate above 1).",
                crate::wording::capitalise(priority.word()),
                threshold.millis(),
                seconds(*window).human(),
                objective.budget.percent()
            ));
            if let Some(tier) = tier
                && tier.long.millis() != window * 1000
            {
                lines.push(format!(
                    "The window follows the {} tier over {}; Sentry has no such window and evaluates {}, the nearest one it allows.",
                    tier.severity,
                    tier.long.human(),
                    seconds(*window).human()
                ));
            }
            if let Some(exclude) = &sli.exclude {
                lines.push(format!("Left out: `{exclude}`."));
            }
        }
        Watch::Uptime {
            probe, interval, ..
        } => {
            let target = monitor.slo.objectives.first().map_or_else(
                || "checks".to_owned(),
                |objective| format!("{} of checks", objective.objective.target.percent()),
            );
            lines.push(format!(
                "SLO {}/{}: {target} of {} {} succeed over {}.",
                service.meta.id,
                slo.id,
                probe.method,
                probe.url,
                slo.window.human()
            ));
            lines.push(format!(
                "Sentry checks every {}; the spec asks for every {}.",
                seconds(*interval).human(),
                probe.interval.human()
            ));
        }
    }
    lines.push("Generated by slofile; edit the spec, not this monitor.".to_owned());
    lines.join("\n")
}
