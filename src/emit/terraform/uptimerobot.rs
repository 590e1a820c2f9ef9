//! `uptimerobot_monitor` resources of the `uptimerobot/uptimerobot` provider, rendered from the
//! planned monitors (`crate::emit::uptimerobot::plan_monitors`), the same ones the v3 JSON bodies
//! render.

use super::document::{Document, UPTIMEROBOT, resource_name};
use crate::compile::ServicePlan;
use crate::emit::uptimerobot::{Contact, HeartbeatMonitor, Monitor, plan_heartbeat, plan_monitors};
use serde_json::{Map, Value, json};

pub const MONITOR: &str = "uptimerobot_monitor";

pub(crate) fn add_resources(document: &mut Document, service: &ServicePlan) {
    for (slo, monitor) in plan_monitors(service) {
        document.add(
            UPTIMEROBOT,
            MONITOR,
            resource_name(&service.meta.id, &slo.slo.id),
            monitor_resource(&monitor),
        );
    }
    if let Some(heartbeat) = plan_heartbeat(service) {
        document.add(
            UPTIMEROBOT,
            MONITOR,
            resource_name(&service.meta.id, HEARTBEAT_RESOURCE),
            heartbeat_resource(&heartbeat),
        );
    }
}

/// The heartbeat monitor's resource name; not an SLO id, which has no `_`.
const HEARTBEAT_RESOURCE: &str = "slofile_heartbeat";

/// The heartbeat monitor: the provider omits `url`, which UptimeRobot makes and the state keeps
/// (`uptimerobot_monitor.<name>.url`, the URL the Alertmanager heartbeat receiver posts to).
fn heartbeat_resource(monitor: &HeartbeatMonitor) -> Value {
    let mut body = Map::new();
    body.insert("name".into(), json!(monitor.name));
    body.insert("type".into(), json!("HEARTBEAT"));
    body.insert("interval".into(), json!(monitor.interval_secs));
    body.insert("grace_period".into(), json!(monitor.grace_secs));
    body.insert(
        "assigned_alert_contacts".into(),
        json!(contacts_json(&monitor.contacts)),
    );
    let tags: Vec<String> = monitor.tags.iter().map(|tag| tag.to_lowercase()).collect();
    body.insert("tags".into(), json!(tags));
    Value::Object(body)
}

/// Alert contacts as the provider takes them.
fn contacts_json(contacts: &[Contact]) -> Vec<Value> {
    contacts
        .iter()
        .map(|contact| {
            json!({
                // A string in the provider, a number in the v3 API.
                "alert_contact_id": contact.id.to_string(),
                "threshold": contact.threshold_minutes,
                "recurrence": contact.recurrence_minutes,
            })
        })
        .collect()
}

fn monitor_resource(monitor: &Monitor) -> Value {
    let mut body = Map::new();
    body.insert("name".into(), json!(monitor.name));
    body.insert("url".into(), json!(monitor.url));
    body.insert("interval".into(), json!(monitor.interval_secs));
    body.insert("timeout".into(), json!(monitor.timeout_secs));
    body.insert("http_method_type".into(), json!(monitor.method));
    body.insert(
        "follow_redirections".into(),
        json!(monitor.follow_redirects),
    );
    body.insert(
        "success_http_response_codes".into(),
        json!(monitor.success_codes),
    );
    body.insert(
        "assigned_alert_contacts".into(),
        json!(contacts_json(&monitor.contacts)),
    );
    // The provider takes lower-case tags only; spec ids are lower-case already.
    let tags: Vec<String> = monitor.tags.iter().map(|tag| tag.to_lowercase()).collect();
    body.insert("tags".into(), json!(tags));
    match &monitor.keyword {
        Some(keyword) => {
            body.insert("type".into(), json!("KEYWORD"));
            // UptimeRobot alerts when the keyword is missing: the body must contain it.
            body.insert("keyword_type".into(), json!("ALERT_NOT_EXISTS"));
            body.insert("keyword_value".into(), json!(keyword.value));
            body.insert("keyword_case_type".into(), json!(keyword.case_type()));
        }
        None => {
            body.insert("type".into(), json!("HTTP"));
        }
    }
    if let Some(slow) = monitor.response_time_threshold_ms {
        body.insert("response_time_threshold".into(), json!(slow));
    }
    Value::Object(body)
}
