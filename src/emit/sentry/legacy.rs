//! Bodies for Sentry's legacy metric alert rules (`alert-rules`).

use super::text::monitor_name;
use crate::compile::ServicePlan;
use crate::compile::sentry::{
    Monitor, Priority, SentryApi, Watch, is_pager, search_query, sentry_recipient,
};
use crate::emit::json::{clip, number};
use crate::spec::{Channel, ChannelType, SentrySli};
use serde_json::{Map, Value, json};

pub(crate) fn legacy_document(
    service: &ServicePlan,
    organization: &str,
    monitors: &[Monitor],
) -> Value {
    // Uptime monitors have no legacy form; the plan leaves them out and says so.
    let rules: Vec<Value> = monitors
        .iter()
        .filter_map(|monitor| {
            let body = alert_rule_body(service, monitor, &monitor.channels)?;
            Some(json!({"key": monitor.key, "body": body}))
        })
        .collect();
    json!({
        "organization": organization,
        "alertRules": rules,
    })
}

/// What a legacy alert rule is made of, whichever rendering (JSON body or Terraform) writes it.
pub(crate) struct LegacyRule<'p> {
    pub(crate) sli: &'p SentrySli,
    /// In seconds; the API takes minutes.
    pub(crate) window: u64,
    pub(crate) aggregate: String,
    pub(crate) name: String,
    /// Label, threshold and priority of each trigger, critical first.
    pub(crate) triggers: Vec<(&'static str, Value, Priority)>,
}

/// The legacy rule of a monitor; uptime monitors have none.
pub(crate) fn legacy_rule<'p>(
    service: &ServicePlan,
    monitor: &Monitor<'p>,
) -> Option<LegacyRule<'p>> {
    let (sli, window, aggregate, triggers) = match &monitor.watch {
        Watch::FailureRate {
            sli,
            measure,
            window,
            steps,
            ..
        } => {
            // Sentry requires a critical trigger: the highest-priority step is always it.
            // A window with ticket tiers only still needs one: it is labelled critical, and like
            // every low-priority trigger it leaves the pagers out.
            let triggers = steps
                .iter()
                .enumerate()
                .map(|(i, step)| {
                    let label = if i == 0 {
                        "critical"
                    } else {
                        step.priority.legacy_label()
                    };
                    (label, number(step.tier.error_threshold), step.priority)
                })
                .collect::<Vec<_>>();
            (*sli, *window, measure.aggregate(), triggers)
        }
        Watch::Latency {
            sli,
            percentile,
            threshold,
            window,
            priority,
            ..
        } => (
            *sli,
            *window,
            format!("p{percentile}(transaction.duration)"),
            vec![("critical", json!(threshold.millis()), *priority)],
        ),
        Watch::Uptime { .. } => return None,
    };
    // Legacy rules have no description: the name says which tiers they watch.
    let mut name = monitor_name(service, monitor, 256);
    if let Watch::FailureRate { steps, .. } = &monitor.watch {
        let tiers: Vec<String> = steps
            .iter()
            .map(|step| {
                format!(
                    "{} tier over {}",
                    step.tier.severity,
                    step.tier.long.human()
                )
            })
            .collect();
        name = clip(&format!("{name} ({})", tiers.join(", ")), 256);
    }
    Some(LegacyRule {
        sli,
        window,
        aggregate,
        name,
        triggers,
    })
}

pub(crate) fn alert_rule_body(
    service: &ServicePlan,
    monitor: &Monitor,
    channels: &[&Channel],
) -> Option<Value> {
    let rule = legacy_rule(service, monitor)?;
    let triggers: Vec<Value> = rule
        .triggers
        .iter()
        .map(|(label, threshold, priority)| legacy_trigger(label, threshold, *priority, channels))
        .collect();
    let sli = rule.sli;
    let mut body = Map::new();
    body.insert("name".into(), json!(rule.name));
    body.insert("aggregate".into(), json!(rule.aggregate));
    // Self-hosted Sentry from before span monitors keeps transactions in their own dataset.
    body.insert("dataset".into(), json!(LEGACY_DATASET));
    body.insert("eventTypes".into(), json!([LEGACY_EVENT_TYPE]));
    body.insert("queryType".into(), json!(1));
    body.insert("query".into(), json!(search_query(sli, SentryApi::Legacy)));
    body.insert("projects".into(), json!([sli.project]));
    body.insert("thresholdType".into(), json!(0));
    body.insert("timeWindow".into(), json!(rule.window / 60));
    body.insert("triggers".into(), json!(triggers));
    if let Some(environment) = &sli.environment {
        body.insert("environment".into(), json!(environment));
    }
    Some(Value::Object(body))
}

/// The dataset and event type of legacy rules: transactions, as self-hosted Sentry from before
/// span monitors keeps them.
pub(crate) const LEGACY_DATASET: &str = "transactions";
pub(crate) const LEGACY_EVENT_TYPE: &str = "transaction";

/// The channels a legacy trigger of `priority` notifies: all of them at high priority, all but
/// the pagers otherwise.
pub(crate) fn trigger_channels<'c>(
    priority: Priority,
    channels: &[&'c Channel],
) -> Vec<&'c Channel> {
    channels
        .iter()
        .copied()
        .filter(|ch| priority == Priority::High || !is_pager(ch))
        .collect()
}

/// A trigger notifies every channel at high priority, and all but the pagers otherwise.
pub(crate) fn legacy_trigger(
    label: &str,
    threshold: &Value,
    priority: Priority,
    channels: &[&Channel],
) -> Value {
    let actions: Vec<Value> = trigger_channels(priority, channels)
        .into_iter()
        .filter_map(legacy_action)
        .collect();
    json!({"label": label, "alertThreshold": threshold, "actions": actions})
}

pub(crate) fn legacy_action(channel: &Channel) -> Option<Value> {
    // Legacy actions take integration ids as numbers; validation ensures they are digits.
    let integration = |id: &Option<String>| match id.as_deref().map(str::parse::<u64>) {
        Some(Ok(number)) => json!(number),
        _ => json!(id),
    };
    match channel.kind {
        ChannelType::Slack => Some(json!({
            "type": "slack",
            "targetType": "specific",
            "targetIdentifier": channel.target,
            "integrationId": integration(&channel.sentry_integration_id),
        })),
        ChannelType::Pagerduty => {
            // PagerDuty targets are Sentry's numeric service ids.
            let target = match channel.target.as_deref().map(str::parse::<u64>) {
                Some(Ok(number)) => json!(number),
                _ => json!(channel.target),
            };
            Some(json!({
                "type": "pagerduty",
                "targetType": "specific",
                "targetIdentifier": target,
                "integrationId": integration(&channel.sentry_integration_id),
                "priority": "critical",
            }))
        }
        _ => sentry_recipient(channel)
            .map(|(kind, id)| json!({"type": "email", "targetType": kind, "targetIdentifier": id})),
    }
}
