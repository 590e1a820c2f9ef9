//! `--to slofile`: native specs, one document per service.

use super::{
    Document, clean, insert_nonempty, insert_some, labels_value, number, percent_text, ratio_number,
};
use crate::compile::{ServicePlan, SloPlan};
use crate::spec::model::{ChannelType, KeywordCase};
use crate::spec::validate::{builtin_tiers, is_valid_id, signal_name};
use crate::spec::{AlertSource, RatioSli, ServiceMeta, Sli, Slo, StaticAlert, Threshold, Tier};
use crate::units::Duration;
use serde_json::{Map, Value, json};

pub(super) fn native_service(service: &ServicePlan) -> Document {
    let meta = &service.meta;
    let mut comments = vec![format!(
        "Converted by `slofile convert --to slofile` from {}.",
        meta.source
    )];
    let mut doc = Map::new();
    doc.insert("apiVersion".into(), json!("slofile/v1"));
    doc.insert("service".into(), json!(meta.id));
    if meta.title != meta.id {
        doc.insert("title".into(), json!(meta.title));
    }
    insert_some(&mut doc, "owner", meta.owner.clone());
    insert_some(&mut doc, "description", meta.description.clone());
    let document = clean(serde_json::to_value(&meta.document).unwrap_or(Value::Null));
    if document.as_object().is_some_and(|d| !d.is_empty()) {
        doc.insert("document".into(), document);
    }
    if !meta.labels.is_empty() {
        doc.insert("labels".into(), labels_value(&meta.labels));
    }
    if let Some(grafana) = &meta.grafana {
        doc.insert("grafana".into(), clean(json!(grafana)));
    }
    let channels = native_channels(meta, &mut comments);
    if !channels.is_empty() {
        doc.insert("channels".into(), Value::Array(channels));
    }
    if !meta.escalation.is_empty() {
        let levels = meta
            .escalation
            .iter()
            .map(|level| {
                let mut l = Map::new();
                l.insert("severity".into(), json!(level.severity));
                insert_some(&mut l, "name", level.name.clone());
                l.insert("condition".into(), json!(level.condition));
                l.insert("response".into(), json!(level.response));
                insert_some(
                    &mut l,
                    "response_time",
                    level.response_time.map(Duration::prometheus),
                );
                insert_some(&mut l, "runbook", level.runbook.clone());
                insert_nonempty(&mut l, "channels", &level.channels);
                Value::Object(l)
            })
            .collect();
        doc.insert("escalation".into(), Value::Array(levels));
    }
    let slos: Vec<&Slo> = service.slos.iter().map(|s| &s.slo).collect();
    let (policies, policy_of) = native_policies(&slos);
    if !policies.is_empty() {
        let policies = policies
            .iter()
            .map(|(id, tiers)| {
                let tiers: Vec<Value> = tiers
                    .iter()
                    .map(|t| native_tier(t, &mut comments))
                    .collect();
                json!({"id": id, "tiers": tiers})
            })
            .collect();
        doc.insert("burn_policies".into(), Value::Array(policies));
    }
    let slos = service
        .slos
        .iter()
        .zip(policy_of)
        .map(|(plan, policy)| native_slo(plan, &policy))
        .collect();
    doc.insert("slos".into(), Value::Array(slos));
    insert_nonempty(&mut doc, "monitoring", &meta.monitoring);
    insert_nonempty(&mut doc, "verify", &meta.verify);
    insert_nonempty(&mut doc, "alert_self_test", &meta.alert_self_test);
    insert_some(
        &mut doc,
        "error_budget_policy",
        meta.error_budget_policy.clone(),
    );
    insert_nonempty(&mut doc, "candidates", &meta.candidates);
    Document {
        comments,
        value: Value::Object(doc),
    }
}

pub(super) fn native_channels(meta: &ServiceMeta, comments: &mut Vec<String>) -> Vec<Value> {
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
            clean(serde_json::to_value(&channel).unwrap_or(Value::Null))
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
pub(super) fn native_policies(slos: &[&Slo]) -> (Vec<(String, Vec<Tier>)>, Vec<String>) {
    let mut defined: Vec<(String, Vec<Tier>)> = Vec::new();
    let mut policy_of = Vec::new();
    for slo in slos {
        if slo.tiers.is_empty() {
            policy_of.push("none".to_owned());
            continue;
        }
        if let Some(name) = &slo.burn_policy
            && builtin_tiers(name).is_some_and(|t| t == slo.tiers)
        {
            policy_of.push(name.clone());
            continue;
        }
        if let Some((id, _)) = defined.iter().find(|(_, tiers)| *tiers == slo.tiers) {
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
        while defined.iter().any(|(d, _)| *d == id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        defined.push((id.clone(), slo.tiers.clone()));
        policy_of.push(id);
    }
    (defined, policy_of)
}

pub(super) fn native_tier(tier: &Tier, notes: &mut Vec<String>) -> Value {
    let mut t = Map::new();
    t.insert("severity".into(), json!(tier.severity));
    match (tier.budget_share, tier.factor) {
        (Some(share), _) => t.insert("budget".into(), json!(percent_text(share))),
        // slofile's own factors have at most 6 decimal places.
        (None, Some(factor)) if factor.denom() > 1_000_000 => {
            let rounded = factor.decimal_with(6);
            notes.push(format!(
                "The burn rate {factor} of a {} tier over {} is rounded to {rounded}.",
                tier.severity, tier.long
            ));
            t.insert("factor".into(), number(&rounded))
        }
        (None, Some(factor)) => t.insert("factor".into(), ratio_number(factor)),
        (None, None) => None,
    };
    t.insert("long".into(), json!(tier.long.prometheus()));
    t.insert("short".into(), json!(tier.short.prometheus()));
    t.insert("for".into(), json!(tier.for_.prometheus()));
    insert_some(&mut t, "escalation", tier.escalation.clone());
    if !tier.labels.is_empty() {
        t.insert("labels".into(), labels_value(&tier.labels));
    }
    Value::Object(t)
}

pub(super) fn native_slo(plan: &SloPlan, policy: &str) -> Value {
    let slo = &plan.slo;
    let mut s = Map::new();
    s.insert("id".into(), json!(slo.id));
    if slo.title != slo.id {
        s.insert("title".into(), json!(slo.title));
    }
    insert_some(&mut s, "group", slo.group.clone());
    insert_some(&mut s, "journey", slo.journey.clone());
    insert_some(&mut s, "failure_signal", slo.failure_signal.clone());
    let single = !matches!(slo.sli, Sli::Latency(_));
    if single && let Some(objective) = slo.objectives.iter().find(|o| o.name.is_none()) {
        s.insert("objective".into(), json!(percent_text(objective.target)));
    }
    s.insert("window".into(), json!(slo.window.prometheus()));
    s.insert("sli".into(), native_sli(slo));
    insert_some(&mut s, "min_events", slo.min_events);
    insert_nonempty(&mut s, "group_by", &slo.group_by);
    if !slo.labels.is_empty() {
        s.insert("labels".into(), labels_value(&slo.labels));
    }
    let mut alerting = Map::new();
    if !(policy == "default" && slo.tiers == builtin_tiers("default").unwrap_or_default()) {
        alerting.insert("burn_policy".into(), json!(policy));
    }
    match &slo.missing_data {
        None => {
            alerting.insert("missing_data".into(), json!({"enabled": false}));
        }
        Some(m) if m.for_ == Duration::from_secs(600) && m.severity == "ticket" => {}
        Some(m) => {
            alerting.insert(
                "missing_data".into(),
                json!({"for": m.for_.prometheus(), "severity": m.severity}),
            );
        }
    }
    if !slo.alert_labels.is_empty() {
        alerting.insert("labels".into(), labels_value(&slo.alert_labels));
    }
    insert_some(&mut alerting, "runbook_url", slo.runbook_url.clone());
    insert_some(&mut alerting, "dashboard", slo.dashboard.clone());
    if !alerting.is_empty() {
        s.insert("alerting".into(), Value::Object(alerting));
    }
    if !slo.alerts.is_empty() {
        s.insert(
            "alerts".into(),
            Value::Array(slo.alerts.iter().map(native_alert).collect()),
        );
    }
    insert_some(&mut s, "measurement", slo.measurement.clone());
    insert_nonempty(&mut s, "verify", &slo.verify);
    insert_nonempty(&mut s, "tests", &slo.tests);
    insert_nonempty(&mut s, "notes", &slo.notes);
    Value::Object(s)
}

pub(super) fn native_sli(slo: &Slo) -> Value {
    let percentiles = || -> Vec<Value> {
        slo.objectives
            .iter()
            .filter_map(|o| {
                Some(json!({
                    "percentile": ratio_number(o.percentile?),
                    "threshold": o.threshold?.prometheus(),
                }))
            })
            .collect()
    };
    match &slo.sli {
        Sli::Ratio(RatioSli::Events {
            good,
            events,
            total,
        }) => {
            json!({"ratio": {if *good { "good" } else { "bad" }: events, "total": total}})
        }
        Sli::Ratio(RatioSli::Query(query)) => json!({"ratio": {"error_ratio_query": query}}),
        Sli::Latency(h) => {
            let mut l = Map::new();
            l.insert("histogram".into(), json!(h.histogram));
            // Unlisted buckets stay unlisted: the thresholds are then checked at run time.
            insert_nonempty(&mut l, "buckets", &h.buckets);
            l.insert("percentiles".into(), json!(percentiles()));
            json!({ "latency": l })
        }
        Sli::Freshness {
            from,
            to,
            histogram,
        } => {
            let mut f = Map::new();
            f.insert("from".into(), json!(from));
            f.insert("to".into(), json!(to));
            if let Some(h) = histogram {
                f.insert("histogram".into(), json!(h.histogram));
                insert_nonempty(&mut f, "buckets", &h.buckets);
            }
            let threshold = slo.objectives.iter().find_map(|o| o.threshold);
            insert_some(&mut f, "threshold", threshold.map(Duration::prometheus));
            json!({ "freshness": f })
        }
        Sli::Gauge(g) => {
            let mut m = Map::new();
            m.insert("query".into(), json!(g.query));
            m.insert(
                if g.good_below { "below" } else { "above" }.into(),
                ratio_number(g.threshold),
            );
            m.insert("slice".into(), json!(g.slice.prometheus()));
            insert_some(&mut m, "unit", g.unit.clone());
            json!({ "gauge": m })
        }
        Sli::Probe(p) => {
            let mut m = Map::new();
            m.insert("url".into(), json!(p.url));
            m.insert("interval".into(), json!(p.interval.prometheus()));
            m.insert(
                "provider".into(),
                serde_json::to_value(p.provider).unwrap_or(Value::Null),
            );
            insert_some(&mut m, "metric", p.metric.clone());
            m.insert("method".into(), json!(p.method));
            insert_some(&mut m, "timeout", p.timeout.map(Duration::prometheus));
            insert_nonempty(&mut m, "expected_status", &p.expected_status);
            insert_some(&mut m, "keyword", p.keyword.clone());
            if p.keyword.is_some() && p.keyword_case != KeywordCase::default() {
                m.insert(
                    "keyword_case".into(),
                    serde_json::to_value(p.keyword_case).unwrap_or(Value::Null),
                );
            }
            if !p.follow_redirects {
                m.insert("follow_redirects".into(), json!(false));
            }
            insert_some(
                &mut m,
                "response_time_threshold",
                p.response_time_threshold.map(Duration::prometheus),
            );
            insert_nonempty(&mut m, "channels", &p.channels);
            json!({ "probe": m })
        }
        Sli::Sentry(sentry) => {
            let mut m = Map::new();
            insert_some(&mut m, "organization", sentry.organization.clone());
            m.insert("project".into(), json!(sentry.project));
            m.insert("transaction".into(), json!(sentry.transaction));
            m.insert("failure".into(), json!(sentry.failure));
            insert_some(&mut m, "exclude", sentry.exclude.clone());
            if let Some(latency) = percentiles().into_iter().next() {
                m.insert("latency".into(), latency);
            }
            insert_nonempty(&mut m, "channels", &sentry.channels);
            json!({ "sentry": m })
        }
        Sli::Documentary {
            target,
            duration,
            measured_by,
            alert,
        } => {
            let mut m = Map::new();
            m.insert("target".into(), json!(target));
            insert_some(&mut m, "duration", duration.map(Duration::prometheus));
            m.insert("measured_by".into(), json!(measured_by));
            insert_some(&mut m, "alert", alert.clone());
            json!({ "documentary": m })
        }
    }
}

pub(super) fn native_alert(alert: &StaticAlert) -> Value {
    let mut a = Map::new();
    a.insert("id".into(), json!(alert.id));
    insert_some(&mut a, "summary", alert.summary.clone());
    match &alert.source {
        AlertSource::Signal(signal) => a.insert("signal".into(), json!(signal_name(*signal))),
        AlertSource::Expr(expr) => a.insert("expr".into(), json!(expr)),
    };
    insert_some(&mut a, "percentile", alert.percentile.map(ratio_number));
    let threshold = match &alert.threshold {
        Threshold::Number(r) => ratio_number(*r),
        Threshold::Percent(r) => json!(percent_text(*r)),
        Threshold::Duration(d) => json!(d.prometheus()),
    };
    a.insert(
        if alert.above { "above" } else { "below" }.into(),
        threshold,
    );
    a.insert("over".into(), json!(alert.over.prometheus()));
    insert_some(&mut a, "for", alert.for_.map(Duration::prometheus));
    a.insert("severity".into(), json!(alert.severity));
    insert_some(&mut a, "escalation", alert.escalation.clone());
    Value::Object(a)
}
