//! UptimeRobot: `uptimerobot/<service>.json`, `{"monitors": [...]}` with one body for UptimeRobot's
//! v3 API (`POST /v3/monitors`) per probe SLI with `provider: uptimerobot`.
//!
//! [`plan_monitors`] decides every field once; the JSON bodies here and the Terraform resources
//! (`super::terraform`) are two renderings of the same [`Monitor`]s.

use super::json::{clip, file_text};
use super::{Backend, EmitOptions, Emitted, OutputFile, Sink};
use crate::compile::{Plan, ServicePlan, SloPlan};
use crate::diagnostics::Diagnostic;
use crate::spec::{Channel, KeywordCase, ProbeProvider, ProbeSli, Sli};
use crate::units::Duration;
use serde_json::{Map, Value, json};

/// The status classes UptimeRobot counts as up unless told otherwise.
const DEFAULT_SUCCESS_CODES: &[&str] = &["2xx", "3xx"];
/// UptimeRobot's limit on a monitor's name.
const NAME_LIMIT: usize = 250;

/// The UptimeRobot backend.
pub struct UptimeRobot;

impl Backend for UptimeRobot {
    fn name(&self) -> &'static str {
        "uptimerobot"
    }

    fn emit(&self, plan: &Plan, _options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let mut emitted = Emitted::default();
        for service in &plan.services {
            let mut monitors: Vec<Value> = plan_monitors(service)
                .iter()
                .map(|(_, monitor)| monitor_body(monitor))
                .collect();
            monitors.extend(plan_heartbeat(service).as_ref().map(heartbeat_body));
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

/// One planned UptimeRobot monitor, every value as UptimeRobot takes it.
pub(crate) struct Monitor<'p> {
    /// `<service title>: <SLO title>`, at most 250 characters.
    pub(crate) name: String,
    pub(crate) url: &'p str,
    /// `None` for an HTTP monitor.
    pub(crate) keyword: Option<Keyword<'p>>,
    pub(crate) interval_secs: u64,
    pub(crate) timeout_secs: u64,
    pub(crate) method: &'p str,
    pub(crate) follow_redirects: bool,
    /// Lower-case status codes and classes, e.g. `2xx`.
    pub(crate) success_codes: Vec<String>,
    pub(crate) contacts: Vec<Contact>,
    pub(crate) tags: Vec<String>,
    pub(crate) response_time_threshold_ms: Option<u64>,
}

/// What a KEYWORD monitor looks for: UptimeRobot alerts when the body lacks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Keyword<'p> {
    pub(crate) value: &'p str,
    pub(crate) case: KeywordCase,
}

impl Keyword<'_> {
    /// UptimeRobot's `keywordCaseType`.
    pub(crate) fn case_type(&self) -> &'static str {
        match self.case {
            KeywordCase::Insensitive => "CaseInsensitive",
            KeywordCase::Sensitive => "CaseSensitive",
        }
    }
}

/// An alert contact of a monitor; delays in minutes, 0 meaning at once and never again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Contact {
    pub(crate) id: u64,
    pub(crate) threshold_minutes: u64,
    pub(crate) recurrence_minutes: u64,
}

/// Every UptimeRobot monitor of a service with its SLO, in spec order.
pub(crate) fn plan_monitors(service: &ServicePlan) -> Vec<(&SloPlan, Monitor<'_>)> {
    service
        .slos
        .iter()
        .filter_map(|slo| probe(slo).map(|probe| (slo, plan_monitor(service, slo, probe))))
        .collect()
}

fn plan_monitor<'p>(
    service: &'p ServicePlan,
    slo: &'p SloPlan,
    probe: &'p ProbeSli,
) -> Monitor<'p> {
    let success_codes = if probe.expected_status.is_empty() {
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
    Monitor {
        name: clip(
            &format!("{}: {}", service.meta.title, slo.slo.title),
            NAME_LIMIT,
        ),
        url: &probe.url,
        keyword: probe.keyword.as_deref().map(|value| Keyword {
            value,
            case: probe.keyword_case,
        }),
        interval_secs: probe.interval.millis() / 1000,
        // Compile resolves the timeout of every probe.
        timeout_secs: slo.probe_timeout.map_or(0, |t| t.millis() / 1000),
        method: &probe.method,
        follow_redirects: probe.follow_redirects,
        success_codes,
        contacts: contacts(service, probe)
            .into_iter()
            .filter_map(contact)
            .collect(),
        tags: vec![
            "slofile".to_owned(),
            service.meta.id.clone(),
            slo.slo.id.clone(),
        ],
        response_time_threshold_ms: probe
            .response_time_threshold
            .map(super::super::units::Duration::millis),
    }
}

/// The heartbeat monitor of a service that asks for one: UptimeRobot expects Alertmanager's
/// delivery of `SlofileHeartbeat` every `every`, and alerts the heartbeat's channels when none
/// came for `grace` more.
pub(crate) struct HeartbeatMonitor {
    pub(crate) name: String,
    pub(crate) interval_secs: u64,
    pub(crate) grace_secs: u64,
    pub(crate) contacts: Vec<Contact>,
    pub(crate) tags: Vec<String>,
}

pub(crate) fn plan_heartbeat(service: &ServicePlan) -> Option<HeartbeatMonitor> {
    let heartbeat = service.meta.heartbeat.as_ref()?;
    let channels: Vec<&Channel> = if heartbeat.channels.is_empty() {
        service.meta.channels.iter().collect()
    } else {
        heartbeat
            .channels
            .iter()
            .filter_map(|id| service.meta.channel(id))
            .collect()
    };
    Some(HeartbeatMonitor {
        name: clip(
            &format!("{}: alert path heartbeat", service.meta.title),
            NAME_LIMIT,
        ),
        interval_secs: heartbeat.every.millis() / 1000,
        grace_secs: heartbeat.grace.millis() / 1000,
        contacts: channels.into_iter().filter_map(contact).collect(),
        tags: vec![
            "slofile".to_owned(),
            service.meta.id.clone(),
            "heartbeat".to_owned(),
        ],
    })
}

/// The body of `POST /v3/monitors` for the heartbeat; UptimeRobot makes its URL.
fn heartbeat_body(monitor: &HeartbeatMonitor) -> Value {
    let mut body = Map::new();
    body.insert("type".into(), json!("HEARTBEAT"));
    body.insert("friendlyName".into(), json!(monitor.name));
    body.insert("interval".into(), json!(monitor.interval_secs));
    body.insert("gracePeriod".into(), json!(monitor.grace_secs));
    body.insert(
        "assignedAlertContacts".into(),
        json!(contacts_json(&monitor.contacts)),
    );
    body.insert("tagNames".into(), json!(monitor.tags));
    Value::Object(body)
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
                Some(keyword) if probe.keyword_case == KeywordCase::Sensitive => {
                    format!("KEYWORD monitor (body must contain `{keyword}`, case-sensitive)")
                }
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

/// The body of `POST /v3/monitors`.
fn monitor_body(monitor: &Monitor) -> Value {
    let mut body = Map::new();
    body.insert("friendlyName".into(), json!(monitor.name));
    body.insert("url".into(), json!(monitor.url));
    body.insert("interval".into(), json!(monitor.interval_secs));
    body.insert("timeout".into(), json!(monitor.timeout_secs));
    body.insert("httpMethodType".into(), json!(monitor.method));
    body.insert("followRedirections".into(), json!(monitor.follow_redirects));
    body.insert(
        "successHttpResponseCodes".into(),
        json!(monitor.success_codes),
    );
    body.insert(
        "assignedAlertContacts".into(),
        json!(contacts_json(&monitor.contacts)),
    );
    body.insert("tagNames".into(), json!(monitor.tags));
    match &monitor.keyword {
        Some(keyword) => {
            body.insert("type".into(), json!("KEYWORD"));
            // UptimeRobot alerts when the keyword is missing: the body must contain it.
            body.insert("keywordType".into(), json!("ALERT_NOT_EXISTS"));
            body.insert("keywordValue".into(), json!(keyword.value));
            body.insert("keywordCaseType".into(), json!(keyword.case_type()));
        }
        None => {
            body.insert("type".into(), json!("HTTP"));
        }
    }
    if let Some(slow) = monitor.response_time_threshold_ms {
        body.insert("responseTimeThreshold".into(), json!(slow));
    }
    Value::Object(body)
}

/// Alert contacts as the v3 API takes them.
fn contacts_json(contacts: &[Contact]) -> Vec<Value> {
    contacts
        .iter()
        .map(|contact| {
            json!({
                "alertContactId": contact.id,
                "threshold": contact.threshold_minutes,
                "recurrence": contact.recurrence_minutes,
            })
        })
        .collect()
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

/// The channel's contact. Validation ensures the id is digits and the delays whole minutes;
/// absent delays mean at once and never again.
fn contact(channel: &Channel) -> Option<Contact> {
    let minutes = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| Duration::parse(t).ok())
            .map_or(0, |d| d.millis() / 60_000)
    };
    Some(Contact {
        id: channel.uptimerobot_contact_id.as_deref()?.parse().ok()?,
        threshold_minutes: minutes(&channel.uptimerobot_threshold),
        recurrence_minutes: minutes(&channel.uptimerobot_recurrence),
    })
}
