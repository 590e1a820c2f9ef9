//! The heartbeat alert, `SlofileHeartbeat`: one per service that asks for a heartbeat, always
//! firing, labelled `service` and `severity: heartbeat` (the one generated alert without an
//! `slo`). Alertmanager's heartbeat route delivers it every `every` to an outside monitor, which
//! alerts when it stops: the whole path from rule evaluation to notification is alive.

use super::format::{Group, Rule, Text};
use super::template::Template;
use crate::compile::{ServicePlan, series};
use std::collections::BTreeMap;

/// The heartbeat's rule group, `slofile:<service>:heartbeat`, when the service has a heartbeat.
pub(super) fn heartbeat_group(service: &ServicePlan) -> Option<Group<'static>> {
    let (labels, annotations) = heartbeat_alert(service)?;
    Some(Group {
        name: heartbeat_group_name(&service.meta.id),
        recording: &[],
        alerts: vec![Rule::Alerting {
            alert: series::HEARTBEAT_ALERT.to_owned(),
            expr: Text(HEARTBEAT_EXPR.to_owned()),
            for_: None,
            labels,
            annotations: annotations
                .iter()
                .map(|(name, template)| (name.clone(), template.source()))
                .collect(),
        }],
    })
}

/// Always one sample, so the alert always fires.
pub(super) const HEARTBEAT_EXPR: &str = "vector(1)";

/// The heartbeat alert's labels and annotations, when the service has a heartbeat.
pub(super) fn heartbeat_alert(
    service: &ServicePlan,
) -> Option<(BTreeMap<String, String>, BTreeMap<String, Template>)> {
    let heartbeat = service.meta.heartbeat.as_ref()?;
    let mut labels = service.meta.labels.clone();
    labels.insert(series::label::SERVICE.to_owned(), service.meta.id.clone());
    labels.insert(
        series::label::SEVERITY.to_owned(),
        series::HEARTBEAT_SEVERITY.to_owned(),
    );
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "summary".to_owned(),
        Template::text(&format!(
            "Heartbeat of {}: the alert path is alive",
            service.meta.title
        )),
    );
    annotations.insert(
        "description".to_owned(),
        Template::text(&format!(
            "This alert always fires. Alertmanager delivers it every {} to the heartbeat monitor, which alerts when none came for {} more: then rule evaluation, Alertmanager or the notification path is broken. It needs no action.",
            heartbeat.every.human(),
            heartbeat.grace.human()
        )),
    );
    Some((labels, annotations))
}

/// `slofile:<service>:heartbeat`.
pub(super) fn heartbeat_group_name(service: &str) -> String {
    format!("slofile:{service}:heartbeat")
}

/// The heartbeat's test: with no input at all, it fires from the first evaluation on.
pub(super) fn heartbeat_test(service: &ServicePlan) -> Option<super::promtool::HeartbeatTest> {
    let (labels, annotations) = heartbeat_alert(service)?;
    let annotations = annotations
        .iter()
        .map(|(name, template)| (name.clone(), template.render(&labels)))
        .collect();
    Some(super::promtool::HeartbeatTest {
        service: service.meta.id.clone(),
        labels,
        annotations,
    })
}
