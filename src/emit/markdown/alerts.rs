//! Alerts in the view model: burn-rate tiers with their outcome per objective, static alerts,
//! and missing data.

use super::sentences::objective_label;
use super::view::{
    AlertsView, Exact, MissingDataView, StaticAlertView, TierOutcome, TierView, channel_names,
    labels, route_to, severity_verb,
};
use crate::compile::{Evaluator, LeftOut, ObjectivePlan, SloPlan, TierPlan};
use crate::spec::{AlertSignal, AlertSource, ServiceMeta, Sli, Slo, StaticAlert};
use crate::units::Duration;
use crate::wording::code;
use crate::wording::{above_or_below, static_alert};

/// The policy's tiers, each with its outcome for every objective. Every objective of an SLO
/// plans the same tiers in the same order; only thresholds and times differ.
pub(super) fn tier_views(meta: &ServiceMeta, plan: &SloPlan, sentry: bool) -> Vec<TierView> {
    let Some(first) = plan.objectives.first() else {
        return Vec::new();
    };
    first
        .tiers
        .iter()
        .enumerate()
        .map(|(index, tier)| TierView {
            severity: tier.severity.clone(),
            verb: severity_verb(&tier.severity),
            route: route_to(meta, tier.escalation.as_deref()),
            budget_share: Exact(tier.budget_share),
            long: tier.long.millis(),
            short: tier.short.millis(),
            for_: tier.for_.millis(),
            factor: Exact(tier.factor),
            exhaustion: tier.exhaustion.millis(),
            outcomes: plan
                .objectives
                .iter()
                .filter_map(|o| Some((o, o.tiers.get(index)?)))
                .map(|(objective, tier)| tier_outcome(&plan.slo, objective, tier, sentry))
                .collect(),
        })
        .collect()
}

pub(super) fn tier_outcome(
    slo: &Slo,
    objective: &ObjectivePlan,
    tier: &TierPlan,
    sentry: bool,
) -> TierOutcome {
    // A Sentry monitor has no `for`: it fires as soon as its window crosses the threshold.
    let detection = if sentry {
        tier.detection_at_full_outage
            .millis()
            .saturating_sub(tier.for_.millis())
    } else {
        tier.detection_at_full_outage.millis()
    };
    TierOutcome {
        objective: objective_label(slo, objective),
        fires: tier.left_out.is_none(),
        left_out: tier.left_out.as_ref().map(|l| l.reason(tier)),
        left_out_short: tier.left_out.as_ref().map(|l| match l {
            LeftOut::AboveFullOutage => "it would need more than 100% errors".to_owned(),
            LeftOut::TooFewSamples { .. } => l.reason(tier),
        }),
        error_threshold: Exact(tier.error_threshold),
        budget_burned: objective
            .budget_time
            .scale(tier.budget_share)
            .map(Duration::millis)
            .unwrap_or_default(),
        detection,
    }
}

pub(super) fn alerts_view(meta: &ServiceMeta, plan: &SloPlan) -> AlertsView {
    let slo = &plan.slo;
    let engine = match &slo.sli {
        sli if sli.in_prometheus() => "prometheus",
        Sli::Sentry(_) => "sentry",
        Sli::Probe(_) => "probe",
        _ => "none",
    };
    let external = match &slo.sli {
        Sli::Probe(p) => {
            let channels = if p.channels.is_empty() {
                meta.channels
                    .iter()
                    .filter(|c| c.uptimerobot_contact_id.is_some())
                    .map(|c| c.id.clone())
                    .collect()
            } else {
                p.channels.clone()
            };
            Some(format!(
                "{} checks {} every {}{}",
                p.provider.display_name(),
                p.url,
                p.interval.human(),
                if channels.is_empty() {
                    String::new()
                } else {
                    format!(
                        " and alerts {} when it fails",
                        channel_names(meta, &channels, ", ")
                    )
                }
            ))
        }
        Sli::Sentry(s) if !s.channels.is_empty() => Some(format!(
            "Sentry notifies {}",
            channel_names(meta, &s.channels, ", ")
        )),
        _ => None,
    };
    let documented = match &slo.sli {
        Sli::Documentary {
            alert: Some(alert),
            measured_by,
            ..
        } => Some(match measured_by {
            Some(how) => format!("{alert}, checked by {how} outside slofile"),
            None => format!("{alert}, checked outside slofile"),
        }),
        _ => None,
    };
    let mut alert_labels = slo.labels.clone();
    alert_labels.extend(slo.alert_labels.clone());
    AlertsView {
        engine,
        burn_policy: slo.burn_policy.clone(),
        external,
        documented,
        labels: labels(&alert_labels),
        tiers: match engine {
            "prometheus" | "sentry" => tier_views(meta, plan, engine == "sentry"),
            _ => Vec::new(),
        },
        statics: plan
            .static_alerts()
            .map(|(a, evaluator)| static_alert_view(meta, slo, a, evaluator))
            .collect(),
        missing_data: slo
            .missing_data
            .as_ref()
            .filter(|_| slo.sli.in_prometheus())
            .map(|m| MissingDataView {
                verb: severity_verb(&m.severity),
                for_: m.for_.millis(),
            }),
    }
}

pub(super) fn static_alert_view(
    meta: &ServiceMeta,
    slo: &Slo,
    alert: &StaticAlert,
    evaluator: &Evaluator,
) -> StaticAlertView {
    let threshold = static_alert::threshold_with_unit(slo, alert);
    let sign = if alert.above { ">" } else { "<" };
    let held = static_alert::hold(alert)
        .map(|f| format!(" for {}", f.human()))
        .unwrap_or_default();
    let percentile = alert
        .percentile
        .map(|p| format!("p{}", p.to_decimal()))
        .unwrap_or_default();
    let (short, watched) = match &alert.source {
        AlertSource::Expr(expr) => (
            format!("{} {sign} {threshold}{held}", code(expr)),
            code(expr),
        ),
        AlertSource::Signal(AlertSignal::Compliance) => (
            format!("{sign} {threshold} over {}", slo.window.human()),
            format!(
                "{} over the {} window",
                if matches!(slo.sli, Sli::Probe(_)) {
                    "uptime"
                } else {
                    "compliance"
                },
                slo.window.adjective()
            ),
        ),
        AlertSource::Signal(AlertSignal::Value) => (
            format!("{sign} {threshold}{held}"),
            match &slo.sli {
                Sli::Gauge(g) => format!("the gauge {}", code(&g.query)),
                _ => "the value".to_owned(),
            },
        ),
        AlertSource::Signal(AlertSignal::Percentile) => (
            format!("{percentile} {sign} {threshold}{held}"),
            format!("{percentile} over the last {}", alert.over.human()),
        ),
        AlertSource::Signal(AlertSignal::ErrorRatio) => (
            format!("{sign} {threshold}{held}"),
            format!("the error ratio over the last {}", alert.over.human()),
        ),
    };
    let route = route_to(meta, alert.escalation.as_deref());
    let routed = match &route {
        Some(r) => format!(" → {} ({})", r.severity, alert.severity),
        None => format!(" → {}", alert.severity),
    };
    StaticAlertView {
        id: alert.id.clone(),
        summary: alert.summary.clone(),
        verb: severity_verb(&alert.severity),
        // The threshold as the team wrote it; the alert's own paragraph says who evaluates it.
        short: format!("{short}{routed}"),
        evaluated: *evaluator == Evaluator::Prometheus,
        documentation_only: *evaluator == Evaluator::Documentation,
        not_evaluated: match evaluator {
            Evaluator::Nobody(reason) => Some(reason.clone()),
            _ => None,
        },
        condition: format!(
            "{watched} is {} {threshold}{held}",
            above_or_below(alert.above)
        ),
        route,
    }
}
