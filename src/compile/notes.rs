//! What compile says about an SLO: tiers that can never fire, PromQL without a usable shape, SLIs
//! measured elsewhere, `min_events` that cannot be enforced, static alerts nobody evaluates, and
//! the note that compliance is averaged over time.

use super::{Evaluator, LeftOut, ObjectivePlan, SloPlan, TierPlan};
use crate::compile::measure::Measure;
use crate::diagnostics::{Code, Diagnostic};
use crate::spec::{Sli, Slo, StaticAlert};

pub(super) fn too_few_samples(slo: &Slo, tier: &TierPlan, left_out: &LeftOut) -> Diagnostic {
    let label = match left_out {
        LeftOut::TooFewSamples {
            samples,
            min_events,
            step,
            noun,
        } => format!(
            "{} holds at most {samples} {noun} of {}, fewer than min_events {min_events}",
            tier.long,
            step.human()
        ),
        LeftOut::AboveFullOutage => left_out.reason(tier),
    };
    Diagnostic::warning(
        Code::TierCannotFire,
        format!(
            "SLO `{}`: the {} tier over {}/{} can never fire, so it is left out",
            slo.id, tier.severity, tier.long, tier.short
        ),
    )
    .at_origin(&slo.origin)
    .with_label(label)
    .with_help("lower `min_events`, or use a longer long window")
}

pub(super) fn shape_error(slo: &Slo, shape: &str) -> Diagnostic {
    Diagnostic::error(Code::PromqlShape, format!("SLO `{}`: {shape}", slo.id))
        .at_origin(&slo.origin)
        .with_help("write plain selectors, or aggregations over them, with no range: slofile adds `rate()` for every window, and the `le` matcher of histograms")
}

pub(super) fn measured_elsewhere(sli: &Sli) -> &'static str {
    match sli {
        Sli::Sentry(_) => "by Sentry",
        Sli::Documentary { .. } => "outside slofile (documentation only)",
        Sli::Probe(_) => "by an external probe without a Prometheus `metric`",
        Sli::Freshness { .. } => "without a lag `histogram`",
        _ => "outside Prometheus",
    }
}

/// An `error_ratio_query` gives no event counts, so `min_events` cannot be enforced. That
/// compliance is then averaged over time is said by the rules that average it
/// ([`SloPlan::time_weighted_note`]).
pub(super) fn compliance_notes(slo: &Slo, measure: &Measure, diagnostics: &mut Vec<Diagnostic>) {
    if measure.counts_events() {
        return;
    }
    if let Some(min) = slo.min_events {
        diagnostics.push(
            Diagnostic::warning(
                Code::MinEventsIgnored,
                format!(
                    "SLO `{}`: min_events {min} cannot be enforced, because an error_ratio_query gives no event counts",
                    slo.id
                ),
            )
            .at_origin(&slo.origin)
            .with_help("give `bad` (or `good`) and `total` counters instead of `error_ratio_query`, or remove `min_events`"),
        );
    }
}

impl SloPlan {
    /// The note that compliance over the SLO window is the average of 5-minute error ratios,
    /// not weighted by traffic: true of the rules of an SLI without event counts. The backends
    /// that write such rules report it; `--compat sloth` weighs a Sloth `events` SLI by traffic.
    pub fn time_weighted_note(&self) -> Option<Diagnostic> {
        if self.measure.as_ref()?.counts_events() {
            return None;
        }
        let slo = &self.slo;
        Some(
            Diagnostic::info(
                Code::TimeWeightedCompliance,
                format!(
                    "SLO `{}`: compliance over {} is the average of 5-minute error ratios, not weighted by traffic",
                    slo.id,
                    slo.window.human()
                ),
            )
            .at_origin(&slo.origin)
            .with_help("give `bad` (or `good`) and `total` counters instead of `error_ratio_query`: every event then weighs the same, and the windows of an hour or more read the recorded 5-minute rates instead of the raw series"),
        )
    }
}

/// Who evaluates a static alert. Only Prometheus evaluates static alerts; one it cannot
/// evaluate, and that the spec does not mark `documentation_only`, gets a warning.
pub(super) fn evaluator(
    slo: &Slo,
    measure: Option<&Measure>,
    alert: &StaticAlert,
    diagnostics: &mut Vec<Diagnostic>,
) -> Evaluator {
    if alert.documentation_only {
        return Evaluator::Documentation;
    }
    let (reason, help) = match measure.map(|m| m.evaluates(alert, &slo.sli)) {
        Some(Ok(())) => return Evaluator::Prometheus,
        Some(Err(reason)) => (
            reason,
            "write the condition as an `expr` on series Prometheus has, or mark the alert `documentation_only: true`".to_owned(),
        ),
        None => (
            format!("its SLI is measured {}", measured_elsewhere(&slo.sli)),
            make_it_real(&slo.sli),
        ),
    };
    diagnostics.push(
        Diagnostic::warning(
            Code::AlertNotEvaluated,
            format!(
                "SLO `{}`: alert `{}` is not evaluated by any system: {reason}",
                slo.id, alert.id
            ),
        )
        .at_origin(&alert.origin)
        .with_label("nothing evaluates this alert")
        .with_help(help),
    );
    Evaluator::Nobody(reason)
}

/// What would let Prometheus evaluate the static alerts of an SLI it does not measure.
pub(super) fn make_it_real(sli: &Sli) -> String {
    let what = match sli {
        Sli::Probe(_) => {
            "give the probe a `metric` (its 0/1 success series from a blackbox exporter, or from an UptimeRobot exporter) so that Prometheus evaluates the alert"
        }
        Sli::Freshness { .. } => {
            "give the freshness SLI a lag `histogram` so that Prometheus evaluates the alert"
        }
        Sli::Sentry(_) => {
            "Sentry monitors watch the burn-rate tiers only; write the condition as an `expr` on a Prometheus series"
        }
        _ => {
            "measure the SLI in Prometheus, or write the condition as an `expr` on a Prometheus series"
        }
    };
    format!("{what}, or mark the alert `documentation_only: true` if it is only documented")
}

pub(super) fn cannot_fire(slo: &Slo, plan: &ObjectivePlan, tier: &TierPlan) -> Diagnostic {
    let which = plan
        .objective
        .name
        .as_ref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    Diagnostic::warning(
        Code::TierCannotFire,
        format!(
            "SLO `{}`{which}: the {} tier over {}/{} can never fire, so it is left out",
            slo.id, tier.severity, tier.long, tier.short
        ),
    )
    .at_origin(&plan.objective.origin)
    .with_label(format!(
        "budget {} × factor {} = {} ≥ 100% errors",
        plan.budget.percent(),
        tier.factor,
        tier.error_threshold.percent()
    ))
    .with_help(
        "a low objective (such as a p50) leaves so much budget that this burn rate needs more than \
         100% errors; use a tier with a smaller budget share or a longer long window, or accept \
         the remaining tiers",
    )
}
