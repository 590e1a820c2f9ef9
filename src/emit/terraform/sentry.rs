//! Sentry resources of the `jianyuan/sentry` provider, rendered from the planned monitors and
//! alerts (`crate::compile::sentry`), the same ones the JSON bodies render.
//!
//! Current API: `sentry_metric_monitor` and `sentry_uptime_monitor` per monitor, `sentry_alert`
//! per alert with `monitor_ids` referencing them. `--sentry-api legacy`: `sentry_metric_alert`
//! per monitor.

use super::document::{Document, SENTRY, id_reference, resource_name};
use crate::compile::sentry::{
    Alert, Monitor, SentryApi, UPTIME_DOWNTIME_THRESHOLD, UPTIME_RECOVERY_THRESHOLD, Watch,
    search_query, sentry_recipient,
};
use crate::compile::{ServicePlan, SloPlan, TierPlan};
use crate::diagnostics::{Code, Diagnostic};
use crate::emit::json::number;
use crate::emit::sentry::current::action_filters;
use crate::emit::sentry::legacy::{
    LEGACY_DATASET, LEGACY_EVENT_TYPE, legacy_rule, trigger_channels,
};
use crate::emit::sentry::text::{description, monitor_name, name};
use crate::spec::{Channel, ChannelType};
use serde_json::{Map, Value, json};

pub const METRIC_MONITOR: &str = "sentry_metric_monitor";
pub const UPTIME_MONITOR: &str = "sentry_uptime_monitor";
pub const ALERT: &str = "sentry_alert";
pub const METRIC_ALERT: &str = "sentry_metric_alert";

/// The environment of an uptime monitor whose spec names none: the provider requires one, and
/// `production` is the environment Sentry's SDKs report when not told otherwise.
pub const DEFAULT_UPTIME_ENVIRONMENT: &str = "production";

/// The Sentry resources of a service. Notes about the planning itself come from the Sentry
/// backend, which plans the same monitors; this rendering adds only what Terraform cannot say.
pub(crate) fn add_resources(
    document: &mut Document,
    service: &ServicePlan,
    api: SentryApi,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let monitors = service.sentry_monitors(api);
    // Compile reports monitors without an organization as an error, so no plan has them.
    let Some(organization) = service.sentry.organization.as_deref() else {
        return;
    };
    match api {
        SentryApi::Current => {
            for monitor in &monitors {
                let (kind, body) = monitor_resource(service, organization, monitor);
                document.add(
                    SENTRY,
                    kind,
                    resource_name(&service.meta.id, monitor.key),
                    body,
                );
            }
            for alert in service.sentry_alerts() {
                let (body, monitor_ids) = alert_resource(service, organization, &monitors, &alert);
                document.add_referencing(
                    SENTRY,
                    ALERT,
                    resource_name(&service.meta.id, &alert.slo.slo.id),
                    body,
                    ("monitor_ids", monitor_ids),
                );
            }
        }
        SentryApi::Legacy => {
            // Monitors no channel hears of, by SLO: one note per SLO.
            let mut unheard: Vec<(usize, Vec<&str>)> = Vec::new();
            for monitor in &monitors {
                match metric_alert_resource(service, organization, monitor) {
                    Some(body) => {
                        document.add(
                            SENTRY,
                            METRIC_ALERT,
                            resource_name(&service.meta.id, monitor.key),
                            body,
                        );
                    }
                    None => match unheard.last_mut() {
                        Some((slo, keys)) if *slo == monitor.slo_index => {
                            keys.push(monitor.key);
                        }
                        _ => unheard.push((monitor.slo_index, vec![monitor.key])),
                    },
                }
            }
            diagnostics.extend(
                unheard
                    .into_iter()
                    .map(|(slo, keys)| unheard_note(&service.slos[slo], &keys)),
            );
        }
    }
}

/// The resource type a monitor becomes in the current API.
pub(crate) fn monitor_kind(monitor: &Monitor) -> &'static str {
    match monitor.watch {
        Watch::Uptime { .. } => UPTIME_MONITOR,
        _ => METRIC_MONITOR,
    }
}

fn monitor_resource(
    service: &ServicePlan,
    organization: &str,
    monitor: &Monitor,
) -> (&'static str, Value) {
    let mut body = Map::new();
    body.insert("organization".into(), json!(organization));
    body.insert("project".into(), json!(monitor.project()));
    body.insert("name".into(), json!(monitor_name(service, monitor, 200)));
    body.insert("description".into(), json!(description(service, monitor)));
    body.insert("enabled".into(), json!(true));
    let environment = monitor.environment();
    let conditions = match &monitor.watch {
        Watch::FailureRate {
            sli,
            measure,
            window,
            steps,
            ..
        } => {
            span_source(
                &mut body,
                &measure.aggregate(),
                &search_query(sli, SentryApi::Current),
                *window,
                environment,
            );
            // The rate as Sentry computes it, a fraction, like the JSON bodies.
            let fraction = |tier: &TierPlan| number(tier.error_threshold);
            let mut conditions: Vec<Value> = steps
                .iter()
                .map(|step| condition("gt", &fraction(step.tier), step.priority.level()))
                .collect();
            if let Some(lowest) = steps
                .iter()
                .map(|step| step.tier)
                .min_by_key(|tier| tier.error_threshold)
            {
                conditions.push(condition("lte", &fraction(lowest), 0));
            }
            conditions
        }
        Watch::Latency {
            sli,
            percentile,
            threshold,
            window,
            priority,
            ..
        } => {
            let aggregate = format!("p{percentile}(span.duration)");
            span_source(
                &mut body,
                &aggregate,
                &search_query(sli, SentryApi::Current),
                *window,
                environment,
            );
            let millis = json!(threshold.millis());
            vec![
                condition("gt", &millis, priority.level()),
                condition("lte", &millis, 0),
            ]
        }
        Watch::Uptime {
            probe,
            interval,
            timeout,
            ..
        } => {
            body.insert(
                "environment".into(),
                json!(environment.unwrap_or(DEFAULT_UPTIME_ENVIRONMENT)),
            );
            body.insert("url".into(), json!(probe.url));
            body.insert("method".into(), json!(probe.method));
            body.insert("interval_seconds".into(), json!(interval));
            body.insert("timeout_ms".into(), json!(timeout.millis()));
            body.insert(
                "downtime_threshold".into(),
                json!(UPTIME_DOWNTIME_THRESHOLD),
            );
            body.insert(
                "recovery_threshold".into(),
                json!(UPTIME_RECOVERY_THRESHOLD),
            );
            return (UPTIME_MONITOR, Value::Object(body));
        }
    };
    body.insert("issue_detection".into(), json!({"type": "static"}));
    body.insert(
        "condition_group".into(),
        json!({"logic_type": "any", "conditions": conditions}),
    );
    (METRIC_MONITOR, Value::Object(body))
}

fn condition(kind: &str, comparison: &Value, result: u64) -> Value {
    json!({"type": kind, "comparison": comparison, "condition_result": result})
}

/// The spans dataset, where Sentry keeps transaction durations and statuses; `performance` is
/// the provider's name of the query type the JSON bodies give as `1`.
fn span_source(
    body: &mut Map<String, Value>,
    aggregate: &str,
    query: &str,
    window: u64,
    environment: Option<&str>,
) {
    body.insert("aggregate".into(), json!(aggregate));
    body.insert("dataset".into(), json!("events_analytics_platform"));
    body.insert("event_types".into(), json!(["trace_item_span"]));
    body.insert("query".into(), json!(query));
    body.insert("query_type".into(), json!("performance"));
    body.insert("time_window_seconds".into(), json!(window));
    if let Some(environment) = environment {
        body.insert("environment".into(), json!(environment));
    }
}

/// The body of an alert, and the references to its monitors' ids (`monitor_ids`).
fn alert_resource(
    service: &ServicePlan,
    organization: &str,
    monitors: &[Monitor],
    alert: &Alert,
) -> (Value, Vec<String>) {
    let mut monitor_ids: Vec<String> = alert
        .monitors
        .iter()
        .filter_map(|key| monitors.iter().find(|monitor| monitor.key == *key))
        .map(|monitor| {
            id_reference(
                monitor_kind(monitor),
                &resource_name(&service.meta.id, monitor.key),
            )
        })
        .collect();
    // A set in the provider: sorted, so the file reads the same whatever the plan order.
    monitor_ids.sort();
    let filters: Vec<Value> = action_filters(alert)
        .into_iter()
        .map(|(priority, channels)| {
            let level = json!({"comparison": priority.level()});
            json!({
                // Any one condition notifies: the issue reached the priority, or an issue that
                // did has de-escalated or resolved, as in the JSON bodies.
                "logic_type": "any-short",
                "conditions": [
                    {"issue_priority_greater_or_equal": level},
                    {"issue_priority_deescalating": level},
                ],
                "actions": channels.iter().filter_map(|ch| alert_action(ch)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut body = Map::new();
    body.insert("organization".into(), json!(organization));
    body.insert(
        "name".into(),
        json!(name(service, alert.slo, "SLO alert", 256)),
    );
    body.insert("enabled".into(), json!(true));
    // In place here; `Document::add_referencing` puts the references back unescaped.
    body.insert("monitor_ids".into(), json!(monitor_ids));
    // Every status change of a metric issue is its own notification, as in the JSON bodies.
    body.insert("frequency_minutes".into(), json!(0));
    body.insert("action_filters".into(), json!(filters));
    if let Some(environment) = alert.environment {
        body.insert("environment".into(), json!(environment));
    }
    (Value::Object(body), monitor_ids)
}

/// A channel as an action of `sentry_alert`: one attribute named after the action type.
fn alert_action(channel: &Channel) -> Option<Value> {
    // Validation gives Slack and PagerDuty channels a target, and `alert_channels` keeps only
    // those with an integration id: the `?`s below never leave a channel out.
    let integration = channel.sentry_integration_id.as_deref();
    match channel.kind {
        ChannelType::Slack => Some(json!({"slack": {
            "integration_id": integration?,
            "channel_name": channel.target.as_deref()?,
        }})),
        ChannelType::Pagerduty => {
            let service_id = channel.target.as_deref()?;
            Some(json!({"pagerduty": {
                "integration_id": integration?,
                "service_id": service_id,
                "service_name": channel.name.as_deref().unwrap_or(service_id),
                "severity": "critical",
            }}))
        }
        _ => Some(match sentry_recipient(channel) {
            Some((kind, id)) => json!({"email": {"target_type": kind, "target_id": id}}),
            None => json!({"email": {
                "target_type": "issue_owners",
                "fallthrough_type": "ActiveMembers",
            }}),
        }),
    }
}

/// A legacy metric alert rule. The provider needs at least one action per trigger, so a trigger
/// nobody would hear of is left out, and so is a rule without any trigger left. The critical
/// trigger notifies the most channels, so when it goes, all go: no rule loses only it.
fn metric_alert_resource(
    service: &ServicePlan,
    organization: &str,
    monitor: &Monitor,
) -> Option<Value> {
    let rule = legacy_rule(service, monitor)?;
    let channels = &monitor.channels;
    let triggers: Vec<Value> = rule
        .triggers
        .iter()
        .filter_map(|(label, threshold, priority)| {
            let actions: Vec<Value> = trigger_channels(*priority, channels)
                .into_iter()
                .filter_map(metric_alert_action)
                .collect();
            (!actions.is_empty()).then(|| {
                json!({
                    "label": label,
                    "alert_threshold": threshold,
                    "threshold_type": 0,
                    "action": actions,
                })
            })
        })
        .collect();
    if triggers.is_empty() {
        return None;
    }
    let mut body = Map::new();
    body.insert("organization".into(), json!(organization));
    body.insert("project".into(), json!(rule.sli.project));
    body.insert("name".into(), json!(rule.name));
    body.insert("aggregate".into(), json!(rule.aggregate));
    body.insert("dataset".into(), json!(LEGACY_DATASET));
    body.insert("event_types".into(), json!([LEGACY_EVENT_TYPE]));
    body.insert(
        "query".into(),
        json!(search_query(rule.sli, SentryApi::Legacy)),
    );
    body.insert("threshold_type".into(), json!(0));
    body.insert("time_window".into(), json!(rule.window / 60));
    body.insert("trigger".into(), json!(triggers));
    if let Some(environment) = &rule.sli.environment {
        body.insert("environment".into(), json!(environment));
    }
    Some(Value::Object(body))
}

/// A channel as a `trigger.action` block of `sentry_metric_alert`.
fn metric_alert_action(channel: &Channel) -> Option<Value> {
    // Integration ids are numbers in this resource; validation ensures they are digits.
    let integration = || {
        channel
            .sentry_integration_id
            .as_deref()
            .and_then(|id| id.parse::<u64>().ok())
    };
    match channel.kind {
        ChannelType::Slack => Some(json!({
            "type": "slack",
            "target_type": "specific",
            "target_identifier": channel.target.as_deref()?,
            "integration_id": integration()?,
        })),
        ChannelType::Pagerduty => Some(json!({
            "type": "pagerduty",
            "target_type": "specific",
            "target_identifier": channel.target.as_deref()?,
            "integration_id": integration()?,
            "priority": "critical",
        })),
        _ => sentry_recipient(channel).map(
            |(kind, id)| json!({"type": "email", "target_type": kind, "target_identifier": id}),
        ),
    }
}

/// The SLO's legacy rules that no channel would hear of are not in the Terraform file.
fn unheard_note(slo: &SloPlan, keys: &[&str]) -> Diagnostic {
    let keys: Vec<String> = keys.iter().map(|key| format!("`{key}`")).collect();
    Diagnostic::warning(
        Code::SentryUnsupported,
        format!(
            "SLO `{}`: Terraform's sentry_metric_alert needs an action on every trigger and no channel of this SLO gives one, so {} {} left out of the Terraform file",
            slo.slo.id,
            keys.join(", "),
            if keys.len() == 1 { "is" } else { "are" }
        ),
    )
    .at_origin(&slo.slo.origin)
    .with_help("legacy rules notify `sentry` channels with `target: team:<id>` or `user:<id>`, and Slack or PagerDuty channels with a `sentry_integration_id`")
}
