//! OpenSLO alerting: burn-rate tiers as AlertPolicy and AlertCondition objects.

use super::{Document, is_exact, ratio_number};
use crate::compile::{ServicePlan, SloPlan};
use crate::spec::{ServiceMeta, Tier};
use crate::units::Duration;
use serde_json::json;

use super::openslo::{Names, metadata, object};
use crate::spec::openslo::shorthand;

/// The alert policies of an SLO's tiers, adding their objects to `alerting` once each.
pub(super) fn openslo_policies(
    service: &ServicePlan,
    plan: &SloPlan,
    names: &mut Names,
    alerting: &mut Vec<Document>,
    notes: &mut Vec<String>,
) -> Vec<String> {
    let slo = &plan.slo;
    let Some(objective) = plan.objectives.first() else {
        return Vec::new();
    };
    let service_id = &service.meta.id;
    let mut refs = Vec::new();
    for (tier, tier_plan) in slo.tiers.iter().zip(&objective.tiers) {
        let mut tier_notes = Vec::new();
        let factor = tier_plan.factor;
        if !is_exact(factor) {
            tier_notes.push(format!(
                "The {} tier's burn rate over {} is {}, rounded to 12 significant digits.",
                tier.severity, tier.long, factor
            ));
        }
        if tier.short.millis() * 12 != tier.long.millis() {
            tier_notes.push(format!(
                "The {} tier over {} has a short window of {}; OpenSLO's is always a twelfth of the lookback window, {}.",
                tier.severity,
                tier.long,
                tier.short,
                Duration::from_millis(tier.long.millis() / 12)
            ));
        }
        let Some(lookback) = shorthand::print(tier.long) else {
            notes.push(format!(
                "The {} tier over {} of SLO `{}` is left out: not whole minutes.",
                tier.severity, tier.long, slo.id
            ));
            continue;
        };
        let alert_after = if tier.for_.millis() == 0 {
            None
        } else {
            let minutes = tier.for_.millis().div_ceil(60_000);
            if minutes * 60_000 != tier.for_.millis() {
                tier_notes.push(format!(
                    "The {} tier's `for: {}` becomes {minutes}m: OpenSLO counts whole minutes.",
                    tier.severity, tier.for_
                ));
            }
            Some(
                shorthand::print(Duration::from_millis(minutes * 60_000))
                    .unwrap_or_else(|| format!("{minutes}m")),
            )
        };
        let targets = tier_targets(&service.meta, tier, names, alerting);
        let mut condition = json!({"kind": "burnrate", "op": "gt", "threshold": ratio_number(factor), "lookbackWindow": lookback});
        if let Some(after) = &alert_after
            && let Some(c) = condition.as_object_mut()
        {
            c.insert("alertAfter".into(), json!(after));
        }
        let key = format!(
            "{} {} {} {:?} {:?}",
            tier.severity, factor, lookback, alert_after, targets
        );
        let base = format!(
            "{service_id}-{}-{lookback}",
            crate::spec::openslo::slug(&tier.severity)
        );
        let (name, new) = names.name(&base, &key);
        if new {
            let mut c_notes = Vec::new();
            alerting.push(Document {
                comments: tier_notes,
                value: object(
                    "AlertCondition",
                    metadata(&name, None, &mut c_notes),
                    json!({
                        "description": format!("Budget burns faster than {}× the sustainable rate over {lookback}", factor),
                        "severity": tier.severity,
                        "condition": condition,
                    }),
                ),
            });
            alerting.push(Document {
                comments: c_notes,
                value: object(
                    "AlertPolicy",
                    json!({"name": name}),
                    json!({
                        "alertWhenBreaching": true,
                        "conditions": [{"conditionRef": name}],
                        "notificationTargets": targets.iter().map(|t| json!({"targetRef": t})).collect::<Vec<_>>(),
                    }),
                ),
            });
        }
        refs.push(name);
    }
    refs
}

/// Notification targets of a tier: the channels of its escalation level (or of the level named
/// like its severity), else Alertmanager's own routing.
pub(super) fn tier_targets(
    meta: &ServiceMeta,
    tier: &Tier,
    names: &mut Names,
    alerting: &mut Vec<Document>,
) -> Vec<String> {
    let level = tier
        .escalation
        .as_deref()
        .and_then(|e| meta.escalation_level(e))
        .or_else(|| meta.escalation_level(&tier.severity));
    let channels: Vec<&crate::spec::Channel> = level
        .map(|l| l.channels.iter().filter_map(|c| meta.channel(c)).collect())
        .unwrap_or_default();
    let mut targets = Vec::new();
    for channel in &channels {
        let kind = serde_json::to_value(channel.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "webhook".to_owned());
        let description = channel.target.clone().or_else(|| channel.name.clone());
        let key = format!("{kind} {description:?}");
        let (name, new) = names.name(&channel.id, &key);
        if new {
            let mut spec = json!({"target": kind});
            if let (Some(d), Some(s)) = (description, spec.as_object_mut()) {
                s.insert("description".into(), json!(d));
            }
            alerting.push(Document {
                comments: Vec::new(),
                value: object("AlertNotificationTarget", json!({"name": name}), spec),
            });
        }
        targets.push(name);
    }
    if targets.is_empty() {
        let (name, new) = names.name(&format!("{}-alertmanager", meta.id), "alertmanager");
        if new {
            alerting.push(Document {
                comments: vec!["Alertmanager routes these alerts on their `service`, `slo` and `severity` labels.".to_owned()],
                value: object(
                    "AlertNotificationTarget",
                    json!({"name": name}),
                    json!({"target": "alertmanager", "description": "Alertmanager, routed on the alert's labels"}),
                ),
            });
        }
        targets.push(name);
    }
    targets
}
