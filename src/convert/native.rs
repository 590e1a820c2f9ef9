//! `--to slofile`: native specs, one document per service.
//!
//! The writer builds the spec language's own raw types ([`RawService`] and below) and serialises
//! them, so that the output is written with the very keys the reader accepts: a key renamed in
//! [`crate::spec::raw`] is renamed here too. Defaults the plan has resolved are written where
//! leaving them out would read back differently, and left out where the reader's default is the
//! same value, to keep the output close to what a person would write.

use super::{Document, percent_text};
use crate::compile::{ServicePlan, SloPlan};
use crate::spec::raw::{
    Alerting, BudgetExhaustedAlert, BurnPolicy, BurnTier, Channel, ChannelType, DocumentMeta,
    DocumentarySli, FreshnessSli, K6Mapping, K6Settings, KeywordCase, LatencySli,
    PercentileObjective, Quantity, RawEscalationLevel, RawGaugeSli, RawK6Gate, RawMissingData,
    RawProbeSli, RawRatioSli, RawSentrySli, RawService, RawSli, RawSlo, RawStaticAlert,
    SentrySettings,
};
use crate::spec::validate::{builtin_tiers, is_valid_id};
use crate::spec::{
    AlertSource, BudgetExhausted, K6Thresholds, RatioSli, ServiceMeta, Sli, Slo, StaticAlert,
    Threshold, Tier,
};
use crate::units::{Duration, Ratio};
use serde_json::Value;

pub(super) fn native_service(service: &ServicePlan) -> Document {
    let meta = &service.meta;
    let mut comments = vec![format!(
        "Converted by `slofile convert --to slofile` from {}.",
        meta.source
    )];
    let channels = native_channels(meta, &mut comments);
    let slos: Vec<&Slo> = service.slos.iter().map(|s| &s.slo).collect();
    let (policies, policy_of) = native_policies(&slos);
    let burn_policies = policies
        .iter()
        .map(|(id, tiers, exhausted)| BurnPolicy {
            id: id.clone(),
            tiers: tiers
                .iter()
                .map(|t| native_tier(t, &mut comments))
                .collect(),
            budget_exhausted: exhausted.as_ref().map(|alert| BudgetExhaustedAlert {
                severity: Some(alert.severity.clone()),
                for_: Some(alert.for_.prometheus()),
            }),
        })
        .collect();
    let raw = RawService {
        api_version: "slofile/v1".into(),
        service: meta.id.clone(),
        title: (meta.title != meta.id).then(|| meta.title.clone()),
        owner: meta.owner.clone(),
        description: meta.description.clone(),
        document: document_meta(&meta.document),
        labels: meta.labels.clone(),
        // Validation folds `defaults` into every SLO, which states its window and policy itself.
        defaults: None,
        sentry: sentry_settings(service),
        k6: meta.k6_gate.as_ref().map(|gate| K6Settings {
            gate: Some(RawK6Gate {
                slos: gate.slos.clone(),
                tags: gate.thresholds.tags.clone(),
                latency: k6_latency(&gate.thresholds),
                error_rate: gate.thresholds.error_rate.map(percent_quantity),
                abort_on_fail: gate.thresholds.abort_on_fail,
            }),
        }),
        grafana: meta.grafana.clone(),
        channels,
        escalation: meta
            .escalation
            .iter()
            .map(|level| RawEscalationLevel {
                severity: level.severity.clone(),
                name: level.name.clone(),
                condition: level.condition.clone(),
                response: level.response.clone(),
                response_time: level.response_time.map(Duration::prometheus),
                runbook: level.runbook.clone(),
                channels: level.channels.clone(),
            })
            .collect(),
        burn_policies,
        slos: service
            .slos
            .iter()
            .zip(policy_of)
            .map(|(plan, policy)| native_slo(plan, &policy))
            .collect(),
        monitoring: meta.monitoring.clone(),
        verify: meta.verify.clone(),
        alert_self_test: meta.alert_self_test.clone(),
        heartbeat: meta
            .heartbeat
            .as_ref()
            .map(|h| crate::spec::raw::RawHeartbeat {
                every: h.every.prometheus(),
                grace: Some(h.grace.prometheus()),
                channels: h.channels.clone(),
            }),
        error_budget_policy: meta.error_budget_policy.as_ref().map(native_policy),
        candidates: meta.candidates.clone(),
    };
    Document {
        comments,
        value: serde_json::to_value(&raw).unwrap_or(Value::Null),
    }
}

/// The document metadata, or none when every field is unset.
fn document_meta(document: &DocumentMeta) -> Option<DocumentMeta> {
    let DocumentMeta {
        title,
        version,
        effective,
        review,
    } = document;
    [title, version, effective, review]
        .iter()
        .any(|field| field.is_some())
        .then(|| document.clone())
}

/// The service's `sentry` settings, which validation folds into each Sentry SLI (written there)
/// and each Sentry uptime probe. A probe's scope is their only trace, so they come from it.
fn sentry_settings(service: &ServicePlan) -> Option<SentrySettings> {
    service.slos.iter().find_map(|plan| match &plan.slo.sli {
        Sli::Probe(probe) => probe.sentry.as_ref().map(|scope| SentrySettings {
            organization: Some(scope.organization.clone()),
            project: Some(scope.project.clone()),
            environment: scope.environment.clone(),
        }),
        _ => None,
    })
}

pub(super) fn native_channels(meta: &ServiceMeta, comments: &mut Vec<String>) -> Vec<Channel> {
    let mut placeholders = Vec::new();
    let channels = meta
        .channels
        .iter()
        .map(|channel| {
            let mut channel = channel.clone();
            let needs_target = matches!(
                channel.kind,
                ChannelType::Slack | ChannelType::Email | ChannelType::Pagerduty
            );
            if needs_target && channel.target.is_none() {
                let placeholder = match channel.kind {
                    ChannelType::Slack => format!("#{}", channel.id),
                    _ => channel.id.clone(),
                };
                placeholders.push(format!("`{}` (target `{placeholder}`)", channel.id));
                channel.target = Some(placeholder);
            }
            if channel.kind == ChannelType::Webhook && channel.secret_file.is_none() {
                let placeholder = format!("secrets/{}.url", channel.id);
                placeholders.push(format!("`{}` (secret_file `{placeholder}`)", channel.id));
                channel.secret_file = Some(placeholder);
            }
            channel
        })
        .collect();
    if !placeholders.is_empty() {
        comments.push(format!(
            "The source does not say where these channels deliver; the values are placeholders to replace: {}.",
            placeholders.join(", ")
        ));
    }
    channels
}
/// Burn policies of the service: built-in ones by name, the others defined once per distinct
/// set of tiers. Returns the definitions and each SLO's policy id.
/// A burn policy as the converted spec defines it: its id, tiers and budget-exhaustion alert.
type DefinedPolicy = (String, Vec<Tier>, Option<BudgetExhausted>);

/// The burn policies the SLOs need, and each SLO's policy name. Built-in policies have no
/// budget-exhaustion alert, so an SLO with one gets a defined policy.
pub(super) fn native_policies(slos: &[&Slo]) -> (Vec<DefinedPolicy>, Vec<String>) {
    let mut defined: Vec<DefinedPolicy> = Vec::new();
    let mut policy_of = Vec::new();
    for slo in slos {
        if slo.tiers.is_empty() {
            policy_of.push("none".to_owned());
            continue;
        }
        if let Some(name) = &slo.burn_policy
            && slo.budget_exhausted.is_none()
            && builtin_tiers(name).is_some_and(|t| t == slo.tiers)
        {
            policy_of.push(name.clone());
            continue;
        }
        if let Some((id, _, _)) = defined
            .iter()
            .find(|(_, tiers, exhausted)| *tiers == slo.tiers && *exhausted == slo.budget_exhausted)
        {
            policy_of.push(id.clone());
            continue;
        }
        // A name made of several OpenSLO alert policies ("fast, slow") reads better as the SLO's.
        let from_name = slo
            .burn_policy
            .as_deref()
            .filter(|name| !name.contains(','))
            .map(crate::spec::openslo::slug)
            .unwrap_or_default();
        let base = if is_valid_id(&from_name)
            && !["default", "workbook", "none"].contains(&from_name.as_str())
        {
            from_name
        } else {
            format!("{}-burn", slo.id).chars().take(63).collect()
        };
        let mut id = base.clone();
        let mut n = 2;
        while defined.iter().any(|(d, _, _)| *d == id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        defined.push((id.clone(), slo.tiers.clone(), slo.budget_exhausted.clone()));
        policy_of.push(id);
    }
    (defined, policy_of)
}

pub(super) fn native_tier(tier: &Tier, notes: &mut Vec<String>) -> BurnTier {
    let (budget, factor) = match (tier.budget_share, tier.factor) {
        (Some(share), _) => (Some(percent_quantity(share)), None),
        // slofile's own factors have at most 6 decimal places.
        (None, Some(factor)) if factor.denom() > 1_000_000 => {
            let rounded = factor.decimal_with(6);
            notes.push(format!(
                "The burn rate {factor} of a {} tier over {} is rounded to {rounded}.",
                tier.severity, tier.long
            ));
            (None, Some(number(&rounded)))
        }
        (None, Some(factor)) => (None, Some(ratio_quantity(factor))),
        (None, None) => (None, None),
    };
    BurnTier {
        severity: tier.severity.clone(),
        budget,
        factor,
        long: tier.long.prometheus(),
        short: tier.short.prometheus(),
        for_: Some(tier.for_.prometheus()),
        escalation: tier.escalation.clone(),
        labels: tier.labels.clone(),
    }
}

pub(super) fn native_slo(plan: &SloPlan, policy: &str) -> RawSlo {
    let slo = &plan.slo;
    let single = !matches!(slo.sli, Sli::Latency(_));
    let objective = slo
        .objectives
        .iter()
        .find(|o| o.name.is_none())
        .filter(|_| single)
        .map(|o| percent_quantity(o.target));
    let burn_policy = (!(policy == "default"
        && slo.tiers == builtin_tiers("default").unwrap_or_default()))
    .then(|| policy.to_owned());
    let missing_data = match &slo.missing_data {
        None => Some(RawMissingData {
            enabled: false,
            for_: None,
            severity: None,
        }),
        Some(m) if m.for_ == Duration::from_secs(600) && m.severity == "ticket" => None,
        Some(m) => Some(RawMissingData {
            enabled: true,
            for_: Some(m.for_.prometheus()),
            severity: Some(m.severity.clone()),
        }),
    };
    let alerting = Alerting {
        burn_policy,
        missing_data,
        labels: slo.alert_labels.clone(),
        runbook_url: slo.runbook_url.clone(),
        dashboard: slo.dashboard.clone(),
    };
    let alerting_is_empty = alerting.burn_policy.is_none()
        && alerting.missing_data.is_none()
        && alerting.labels.is_empty()
        && alerting.runbook_url.is_none()
        && alerting.dashboard.is_none();
    RawSlo {
        id: slo.id.clone(),
        title: (slo.title != slo.id).then(|| slo.title.clone()),
        group: slo.group.clone(),
        journey: slo.journey.clone(),
        failure_signal: slo.failure_signal.clone(),
        events: slo.events.clone(),
        objective,
        window: Some(slo.window.prometheus()),
        sli: native_sli(slo),
        min_events: slo.min_events,
        group_by: slo.group_by.clone(),
        labels: slo.labels.clone(),
        alerting: (!alerting_is_empty).then_some(alerting),
        alerts: slo.alerts.iter().map(native_alert).collect(),
        measurement: slo.measurement.clone(),
        verify: slo.verify.clone(),
        tests: slo.tests.clone(),
        notes: slo.notes.clone(),
        // Written with every default resolved: the same thresholds read back.
        k6: slo.k6.as_ref().map(|k6| K6Mapping {
            tags: k6.tags.clone(),
            latency: k6_latency(k6),
            error_rate: k6.error_rate.map(percent_quantity),
            abort_on_fail: k6.abort_on_fail,
        }),
        error_budget_policy: slo.error_budget_policy.as_ref().map(native_policy),
    }
}

fn k6_latency(thresholds: &K6Thresholds) -> Vec<PercentileObjective> {
    thresholds
        .latency
        .iter()
        .map(|(percentile, threshold)| PercentileObjective {
            percentile: ratio_quantity(*percentile),
            threshold: threshold.prometheus(),
        })
        .collect()
}

pub(super) fn native_sli(slo: &Slo) -> RawSli {
    let percentiles = || -> Vec<PercentileObjective> {
        slo.objectives
            .iter()
            .filter_map(|o| {
                Some(PercentileObjective {
                    percentile: ratio_quantity(o.percentile?),
                    threshold: o.threshold?.prometheus(),
                })
            })
            .collect()
    };
    // Unlisted buckets stay unlisted: the thresholds are then checked at run time.
    let buckets = |buckets: &Vec<f64>| (!buckets.is_empty()).then(|| buckets.clone());
    match &slo.sli {
        Sli::Ratio(RatioSli::Events {
            good,
            events,
            total,
        }) => RawSli::Ratio(RawRatioSli {
            bad: (!good).then(|| events.clone()),
            good: good.then(|| events.clone()),
            total: Some(total.clone()),
            error_ratio_query: None,
        }),
        Sli::Ratio(RatioSli::Query(query)) => RawSli::Ratio(RawRatioSli {
            bad: None,
            good: None,
            total: None,
            error_ratio_query: Some(query.clone()),
        }),
        Sli::Latency(h) => RawSli::Latency(LatencySli {
            histogram: h.histogram.clone(),
            buckets: buckets(&h.buckets),
            percentiles: percentiles(),
        }),
        Sli::Freshness {
            from,
            to,
            histogram,
        } => RawSli::Freshness(FreshnessSli {
            from: from.clone(),
            to: to.clone(),
            histogram: histogram.as_ref().map(|h| h.histogram.clone()),
            buckets: histogram.as_ref().and_then(|h| buckets(&h.buckets)),
            threshold: slo
                .objectives
                .iter()
                .find_map(|o| o.threshold)
                .map(Duration::prometheus)
                .unwrap_or_default(),
        }),
        Sli::Gauge(g) => {
            let threshold = Some(ratio_quantity(g.threshold));
            RawSli::Gauge(RawGaugeSli {
                query: g.query.clone(),
                below: if g.good_below {
                    threshold.clone()
                } else {
                    None
                },
                above: if g.good_below { None } else { threshold },
                slice: Some(g.slice.prometheus()),
                unit: g.unit.clone(),
            })
        }
        Sli::Probe(p) => RawSli::Probe(RawProbeSli {
            url: p.url.clone(),
            interval: p.interval.prometheus(),
            provider: p.provider,
            metric: p.metric.clone(),
            method: Some(p.method.clone()),
            timeout: p.timeout.map(Duration::prometheus),
            expected_status: p.expected_status.clone(),
            keyword: p.keyword.clone(),
            keyword_case: (p.keyword.is_some() && p.keyword_case != KeywordCase::default())
                .then_some(p.keyword_case),
            // `true` is the reader's default; `false` must be written to read back.
            follow_redirects: (!p.follow_redirects).then_some(false),
            response_time_threshold: p.response_time_threshold.map(Duration::prometheus),
            channels: p.channels.clone(),
        }),
        Sli::Sentry(sentry) => RawSli::Sentry(RawSentrySli {
            organization: sentry.organization.clone(),
            project: sentry.project.clone(),
            transaction: sentry.transaction.clone(),
            failure: sentry.failure.clone(),
            exclude: sentry.exclude.clone(),
            environment: sentry.environment.clone(),
            latency: percentiles().into_iter().next(),
            channels: sentry.channels.clone(),
        }),
        Sli::Documentary {
            target,
            duration,
            measured_by,
            alert,
        } => RawSli::Documentary(DocumentarySli {
            target: target.clone(),
            duration: duration.map(Duration::prometheus),
            measured_by: measured_by.clone(),
            alert: alert.clone(),
        }),
    }
}

pub(super) fn native_alert(alert: &StaticAlert) -> RawStaticAlert {
    let threshold = Some(match &alert.threshold {
        Threshold::Number(r) => ratio_quantity(*r),
        Threshold::Percent(r) => percent_quantity(*r),
        Threshold::Duration(d) => Quantity::Text(d.prometheus()),
    });
    let (signal, expr) = match &alert.source {
        AlertSource::Signal(signal) => (Some(*signal), None),
        AlertSource::Expr(expr) => (None, Some(expr.clone())),
    };
    RawStaticAlert {
        id: alert.id.clone(),
        summary: alert.summary.clone(),
        signal,
        expr,
        percentile: alert.percentile.map(ratio_quantity),
        above: if alert.above { threshold.clone() } else { None },
        below: if alert.above { None } else { threshold },
        over: Some(alert.over.prometheus()),
        for_: alert.for_.map(Duration::prometheus),
        severity: Some(alert.severity.clone()),
        escalation: alert.escalation.clone(),
        documentation_only: alert.documentation_only,
    }
}

/// A bare number for an exact decimal; [`Quantity`] writes it without a `.0` when it is whole.
fn number(decimal: &str) -> Quantity {
    decimal
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map_or_else(|| Quantity::Text(decimal.to_owned()), Quantity::Number)
}

fn ratio_quantity(ratio: Ratio) -> Quantity {
    number(&ratio.to_decimal())
}

fn percent_quantity(ratio: Ratio) -> Quantity {
    Quantity::Text(percent_text(ratio))
}

/// A policy as written: prose alone stays a string; rules keep their prose as `text`.
fn native_policy(policy: &crate::spec::BudgetPolicy) -> crate::spec::raw::RawBudgetPolicy {
    use crate::spec::raw::{RawBudgetPolicy, RawBudgetRules, RawBurnLimit};
    let Some(rules) = &policy.rules else {
        return RawBudgetPolicy::Text(policy.text.clone().unwrap_or_default());
    };
    RawBudgetPolicy::Rules(RawBudgetRules {
        text: policy.text.clone(),
        warn_below: rules.warn_below.map(percent_quantity),
        freeze_below: rules.freeze_below.map(percent_quantity),
        freeze_if_burned: rules.freeze_if_burned.as_ref().map(|limit| RawBurnLimit {
            share: percent_quantity(limit.share),
            within: limit.within.prometheus(),
        }),
        exempt: rules.exempt.clone(),
    })
}
