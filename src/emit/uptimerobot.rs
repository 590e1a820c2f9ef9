//! UptimeRobot: `uptimerobot/<service>.json`, `{"monitors": [...]}` with one body for UptimeRobot's
//! v3 API (`POST /v3/monitors`) per probe SLI with `provider: uptimerobot`.

use super::json::{clip, file_text};
use super::sentry::DEFAULT_TIMEOUT_SECS;
use super::{Backend, EmitOptions, Emitted, OutputFile, Sink};
use crate::compile::{Plan, ServicePlan, SloPlan};
use crate::diagnostics::Diagnostic;
use crate::spec::{Channel, ProbeProvider, ProbeSli, Sli};
use crate::units::Duration;
use serde_json::{Map, Value, json};

/// The status classes UptimeRobot counts as up unless told otherwise.
const DEFAULT_SUCCESS_CODES: &[&str] = &["2xx", "3xx"];

/// The UptimeRobot backend.
pub struct UptimeRobot;

impl Backend for UptimeRobot {
    fn name(&self) -> &'static str {
        "uptimerobot"
    }

    fn emit(&self, plan: &Plan, _options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let mut emitted = Emitted::default();
        for service in &plan.services {
            let monitors: Vec<Value> = service
                .slos
                .iter()
                .filter_map(|slo| probe(slo).map(|probe| monitor_body(service, slo, probe)))
                .collect();
            if !monitors.is_empty() {
                emitted.files.push(OutputFile {
                    path: format!("uptimerobot/{}.json", service.meta.id),
                    contents: file_text(&json!({"monitors": monitors})),
                });
            }
        }
        emitted.hand_to(sink)
    }
}

/// The SLO's probe, when UptimeRobot runs it.
fn probe(slo: &SloPlan) -> Option<&ProbeSli> {
    match &slo.slo.sli {
        Sli::Probe(probe) if probe.provider == ProbeProvider::Uptimerobot => Some(probe),
        _ => None,
    }
}

/// One line for the SLO's UptimeRobot monitor, if it has one, for `slofile explain`.
pub fn describe(slo: &SloPlan) -> Vec<String> {
    probe(slo)
        .map(|probe| {
            let kind = match &probe.keyword {
                Some(keyword) => format!("KEYWORD monitor (body must contain `{keyword}`)"),
                None => "HTTP monitor".to_owned(),
            };
            format!(
                "UptimeRobot {kind} of {} {} every {}",
                probe.method,
                probe.url,
                probe.interval.human()
            )
        })
        .into_iter()
        .collect()
}

fn monitor_body(service: &ServicePlan, slo: &SloPlan, probe: &ProbeSli) -> Value {
    let mut body = Map::new();
    let name = format!("{}: {}", service.meta.title, slo.slo.title);
    body.insert("friendlyName".into(), json!(clip(&name, 250)));
    body.insert("url".into(), json!(probe.url));
    body.insert("interval".into(), json!(probe.interval.millis() / 1000));
    let timeout = probe
        .timeout
        .map_or(DEFAULT_TIMEOUT_SECS, |t| t.millis() / 1000);
    body.insert("timeout".into(), json!(timeout));
    body.insert("httpMethodType".into(), json!(probe.method));
    let codes: Vec<String> = if probe.expected_status.is_empty() {
        DEFAULT_SUCCESS_CODES
            .iter()
            .map(|&code| code.to_owned())
            .collect()
    } else {
        probe
            .expected_status
            .iter()
            .map(|code| code.to_lowercase())
            .collect()
    };
    body.insert("successHttpResponseCodes".into(), json!(codes));
    body.insert(
        "assignedAlertContacts".into(),
        json!(
            contacts(service, probe)
                .iter()
                .map(|ch| contact(ch))
                .collect::<Vec<_>>()
        ),
    );
    body.insert(
        "tagNames".into(),
        json!(["slofile", service.meta.id, slo.slo.id]),
    );
    match &probe.keyword {
        Some(keyword) => {
            body.insert("type".into(), json!("KEYWORD"));
            // UptimeRobot alerts when the keyword is missing: the body must contain it.
            body.insert("keywordType".into(), json!("ALERT_NOT_EXISTS"));
            body.insert("keywordValue".into(), json!(keyword));
        }
        None => {
            body.insert("type".into(), json!("HTTP"));
        }
    }
    if let Some(slow) = probe.response_time_threshold {
        body.insert("responseTimeThreshold".into(), json!(slow.millis()));
    }
    Value::Object(body)
}

/// The channels the probe names, else every channel with an UptimeRobot alert contact.
fn contacts<'m>(service: &'m ServicePlan, probe: &ProbeSli) -> Vec<&'m Channel> {
    let channels: Vec<&Channel> = if probe.channels.is_empty() {
        service.meta.channels.iter().collect()
    } else {
        probe
            .channels
            .iter()
            .filter_map(|id| service.meta.channel(id))
            .collect()
    };
    channels
        .into_iter()
        .filter(|ch| ch.uptimerobot_contact_id.is_some())
        .collect()
}

fn contact(channel: &Channel) -> Value {
    // Validation checks both are whole minutes; absent means at once and never again.
    let minutes = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| Duration::parse(t).ok())
            .map_or(0, |d| d.millis() / 60_000)
    };
    json!({
        "alertContactId": channel.uptimerobot_contact_id,
        "threshold": minutes(&channel.uptimerobot_threshold),
        "recurrence": minutes(&channel.uptimerobot_recurrence),
    })
}
