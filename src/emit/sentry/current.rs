//! Bodies for Sentry's current API: monitors (`detectors`) and alerts (`workflows`).

use super::text::{description, monitor_name, name};
use crate::compile::ServicePlan;
use crate::compile::TierPlan;
use crate::compile::sentry::{
    Alert, Monitor, Priority, SentryApi, UPTIME_DOWNTIME_THRESHOLD, UPTIME_RECOVERY_THRESHOLD,
    Watch, is_pager, search_query, sentry_recipient,
};
use crate::emit::json::number;
use crate::spec::{Channel, ChannelType, SentrySli};
use serde_json::{Map, Value, json};

/// `{"organization", "monitors", "alerts"}`: each alert names its monitors by key, and whoever
/// applies the file sends their Sentry ids as the alert's `detectorIds`.
pub(crate) fn current_document(
    service: &ServicePlan,
    organization: &str,
    monitors: &[Monitor],
) -> Value {
    let bodies: Vec<Value> = monitors
        .iter()
        .map(|monitor| {
            json!({
                "key": monitor.key,
                "project": monitor.project(),
                "body": detector_body(service, monitor),
            })
        })
        .collect();
    let alerts: Vec<Value> = service
        .sentry_alerts()
        .iter()
        .map(|alert| {
            json!({
                "key": alert.slo.slo.id,
                "monitors": alert.monitors,
                "body": workflow_body(service, alert),
            })
        })
        .collect();
    json!({
        "organization": organization,
        "monitors": bodies,
        "alerts": alerts,
    })
}

pub(crate) fn detector_body(service: &ServicePlan, monitor: &Monitor) -> Value {
    let mut body = Map::new();
    body.insert("name".into(), json!(monitor_name(service, monitor, 200)));
    body.insert("description".into(), json!(description(service, monitor)));
    body.insert("enabled".into(), json!(true));
    let environment = monitor.environment();
    match &monitor.watch {
        Watch::FailureRate {
            sli,
            measure,
            window,
            steps,
            ..
        } => {
            body.insert("type".into(), json!("metric_issue"));
            body.insert("config".into(), json!({"detectionType": "static"}));
            body.insert(
                "dataSources".into(),
                json!([span_source(&measure.aggregate(), sli, *window, environment)]),
            );
            // Sentry compares the rate as it comes, a fraction: 0.0672, not 6.72.
            let fraction = |tier: &TierPlan| number(tier.error_threshold);
            let mut conditions: Vec<Value> = steps
                .iter()
                .map(|step| {
                    json!({
                        "type": "gt",
                        "comparison": fraction(step.tier),
                        "conditionResult": step.priority.level(),
                    })
                })
                .collect();
            if let Some(lowest) = steps
                .iter()
                .map(|step| step.tier)
                .min_by_key(|tier| tier.error_threshold)
            {
                conditions.push(
                    json!({"type": "lte", "comparison": fraction(lowest), "conditionResult": 0}),
                );
            }
            body.insert(
                "conditionGroup".into(),
                json!({"logicType": "any", "conditions": conditions}),
            );
        }
        Watch::Latency {
            sli,
            percentile,
            threshold,
            window,
            priority,
            ..
        } => {
            body.insert("type".into(), json!("metric_issue"));
            body.insert("config".into(), json!({"detectionType": "static"}));
            let aggregate = format!("p{percentile}(span.duration)");
            body.insert(
                "dataSources".into(),
                json!([span_source(&aggregate, sli, *window, environment)]),
            );
            let millis = threshold.millis();
            body.insert(
                "conditionGroup".into(),
                json!({
                    "logicType": "any",
                    "conditions": [
                        {"type": "gt", "comparison": millis, "conditionResult": priority.level()},
                        {"type": "lte", "comparison": millis, "conditionResult": 0},
                    ],
                }),
            );
        }
        Watch::Uptime {
            probe,
            interval,
            timeout,
            ..
        } => {
            body.insert("type".into(), json!("uptime_domain_failure"));
            let mut config = json!({
                "downtimeThreshold": UPTIME_DOWNTIME_THRESHOLD,
                "recoveryThreshold": UPTIME_RECOVERY_THRESHOLD,
            });
            if let (Some(environment), Some(config)) = (environment, config.as_object_mut()) {
                config.insert("environment".into(), json!(environment));
            }
            body.insert("config".into(), config);
            body.insert(
                "dataSources".into(),
                json!([{
                    "url": probe.url,
                    "method": probe.method,
                    "intervalSeconds": interval,
                    "timeoutMs": timeout.millis(),
                }]),
            );
        }
    }
    Value::Object(body)
}

/// A data source over the spans dataset, where Sentry keeps transaction durations and statuses.
pub(crate) fn span_source(
    aggregate: &str,
    sli: &SentrySli,
    window: u64,
    environment: Option<&str>,
) -> Value {
    json!({
        "aggregate": aggregate,
        "dataset": "events_analytics_platform",
        "eventTypes": ["trace_item_span"],
        "query": search_query(sli, SentryApi::Current),
        "queryType": 1,
        "timeWindow": window,
        "environment": environment,
    })
}

/// The action filters of an alert: pagers hear of high-priority issues, every other channel of
/// medium ones too; each also hears when an issue it heard of de-escalates or resolves.
pub(crate) fn action_filters<'a>(alert: &Alert<'a>) -> Vec<(Priority, Vec<&'a Channel>)> {
    let (pagers, others): (Vec<&Channel>, Vec<&Channel>) =
        alert.channels.iter().partition(|ch| is_pager(ch));
    [(Priority::High, pagers), (Priority::Medium, others)]
        .into_iter()
        .filter(|(_, channels)| !channels.is_empty())
        .collect()
}

pub(crate) fn workflow_body(service: &ServicePlan, alert: &Alert) -> Value {
    let filters: Vec<Value> = action_filters(alert)
        .into_iter()
        .map(|(priority, channels)| {
            json!({
                // Any one condition notifies: the issue reached the priority, or an issue that
                // did has de-escalated or resolved. As Sentry's migration of metric alerts does.
                "logicType": "any-short",
                "conditions": [
                    {
                        "type": "issue_priority_greater_or_equal",
                        "comparison": priority.level(),
                        "conditionResult": true,
                    },
                    {
                        "type": "issue_priority_deescalating",
                        "comparison": priority.level(),
                        "conditionResult": true,
                    },
                ],
                "actions": channels.iter().map(|ch| workflow_action(ch)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut body = Map::new();
    body.insert(
        "name".into(),
        json!(name(service, alert.slo, "SLO alert", 256)),
    );
    body.insert("enabled".into(), json!(true));
    // Sentry's workflow validator reads `triggers` on create. Monitor issues reach the action
    // filters without a trigger condition, as in alerts made in Sentry's UI.
    body.insert(
        "triggers".into(),
        json!({"logicType": "any-short", "conditions": []}),
    );
    // Every status change of a metric issue is its own notification; throttling could swallow
    // the escalation from medium to high priority.
    body.insert("config".into(), json!({"frequency": 0}));
    body.insert("actionFilters".into(), json!(filters));
    if let Some(environment) = alert.environment {
        body.insert("environment".into(), json!(environment));
    }
    Value::Object(body)
}

pub(crate) fn workflow_action(channel: &Channel) -> Value {
    let display = channel.name.clone().or_else(|| channel.target.clone());
    match channel.kind {
        ChannelType::Slack => json!({
            "type": "slack",
            "integrationId": channel.sentry_integration_id,
            "config": {
                "targetType": "specific",
                "targetIdentifier": "",
                "targetDisplay": channel.target,
            },
            "data": {},
            "status": "active",
        }),
        ChannelType::Pagerduty => json!({
            "type": "pagerduty",
            "integrationId": channel.sentry_integration_id,
            "config": {
                "targetType": "specific",
                "targetIdentifier": channel.target,
                "targetDisplay": display,
            },
            "data": {"priority": "critical"},
            "status": "active",
        }),
        _ => match sentry_recipient(channel) {
            Some((kind, id)) => json!({
                "type": "email",
                "integrationId": null,
                "config": {"targetType": kind, "targetIdentifier": id, "targetDisplay": null},
                "data": {},
                "status": "active",
            }),
            None => json!({
                "type": "email",
                "integrationId": null,
                "config": {"targetType": "issue_owners", "targetIdentifier": "", "targetDisplay": null},
                "data": {"fallthroughType": "ActiveMembers"},
                "status": "active",
            }),
        },
    }
}
