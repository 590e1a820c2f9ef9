//! Alertmanager routing: `alertmanager/<service>.yml`, a complete configuration built from the
//! service's escalation matrix and channels.
//!
//! The route tree matches `service`, then the `escalation` label (P1–P4) that the Prometheus
//! rules put on alerts mapped to an escalation level, then `severity` for alerts without one:
//! `page` goes to the most urgent level (the first of the matrix that notifies a channel
//! Alertmanager can reach), `ticket` and anything else to the least urgent one. Each level's
//! `response_time` becomes its `repeat_interval`. Every Slack, e-mail, PagerDuty and webhook
//! channel becomes one receiver; a level with several channels notifies each through child routes
//! with `continue: true`. A service without a matrix sends every alert to every such channel.
//! A firing burn-rate page inhibits the lower burn-rate tiers of the same SLO and group
//! (`alertmanager/inhibit.rs`).
//!
//! Secrets never appear in the output. Slack, PagerDuty and SMTP secrets are read from files
//! (`api_url_file`, `routing_key_file`, `auth_password_file`): the channel's `secret_file`, or
//! `/etc/alertmanager/secrets/<service>/<channel>` when it has none. What Alertmanager 0.25 cannot
//! read from a file (a webhook URL) and what the spec does not say is a placeholder under
//! `.invalid`, listed in the file's header. The SMTP relay and sender are the project's, not a
//! spec's: they come from `--smtp-smarthost` and `--smtp-from` (or `[alertmanager]` in
//! `slofile.toml`) through [`EmitOptions::smtp`], and are placeholders when not given.

use super::{Backend, EmitOptions, Emitted, OutputFile, Sink};
use crate::compile::{Plan, ServicePlan};
use crate::diagnostics::{Code, Diagnostic};
use crate::spec::{Channel, EscalationLevel, ServiceMeta, raw::ChannelType};
use crate::units::Duration;
use serde::Serialize;
use std::fmt::Write as _;

mod heartbeat;
mod inhibit;
pub mod selftest;
mod smtp;

pub use smtp::{Smtp, parse_from, parse_smarthost};

pub struct Alertmanager;

/// Where a channel's secret is read from when the spec gives no `secret_file`.
pub const DEFAULT_SECRETS_DIR: &str = "/etc/alertmanager/secrets";
/// Placeholder SMTP relay, when `--smtp-smarthost` is not given.
pub const SMTP_SMARTHOST_PLACEHOLDER: &str = "smtp-relay.placeholder.invalid:587";
/// Placeholder sender address, when `--smtp-from` is not given.
pub const SMTP_FROM_PLACEHOLDER: &str = "alertmanager@placeholder.invalid";
/// Placeholder SMTP user, for e-mail channels whose password comes from `secret_file`.
pub const SMTP_USERNAME_PLACEHOLDER: &str = "smtp-username-placeholder";

const GROUP_WAIT: &str = "30s";
const GROUP_INTERVAL_MINUTES: u64 = 5;
const DEFAULT_REPEAT: &str = "4h";

impl Backend for Alertmanager {
    fn name(&self) -> &'static str {
        "alertmanager"
    }

    fn emit(&self, plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let mut emitted = Emitted::default();
        for service in plan.services.iter().filter(|s| has_routing(&s.meta)) {
            match config(service, &options.smtp) {
                Ok(contents) => emitted.files.push(OutputFile {
                    path: format!("alertmanager/{}.yml", service.meta.id),
                    contents,
                }),
                Err(error) => emitted.diagnostics.push(
                    Diagnostic::error(
                        Code::Io,
                        format!(
                            "cannot write the Alertmanager configuration of `{}`: {error}",
                            service.meta.id
                        ),
                    )
                    .at_origin(&service.meta.origin),
                ),
            }
        }
        emitted.hand_to(sink)
    }
}

#[derive(Serialize)]
struct Config {
    global: Global,
    route: Route,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inhibit_rules: Vec<inhibit::InhibitRule>,
    receivers: Vec<Receiver>,
}

#[derive(Serialize)]
struct Global {
    resolve_timeout: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    smtp_smarthost: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    smtp_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    smtp_require_tls: Option<bool>,
}

#[derive(Serialize, Default)]
struct Route {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    matchers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    receiver: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    group_by: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_wait: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repeat_interval: Option<String>,
    #[serde(rename = "continue", skip_serializing_if = "std::ops::Not::not")]
    continue_: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routes: Vec<Route>,
}

#[derive(Serialize)]
struct Receiver {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    slack_configs: Vec<SlackConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    email_configs: Vec<EmailConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pagerduty_configs: Vec<PagerdutyConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    webhook_configs: Vec<WebhookConfig>,
}

impl Receiver {
    fn named(name: String) -> Receiver {
        Receiver {
            name,
            slack_configs: Vec::new(),
            email_configs: Vec::new(),
            pagerduty_configs: Vec::new(),
            webhook_configs: Vec::new(),
        }
    }
}

#[derive(Serialize)]
struct SlackConfig {
    send_resolved: bool,
    api_url_file: String,
    channel: String,
    title: &'static str,
    text: &'static str,
}

#[derive(Serialize)]
struct EmailConfig {
    send_resolved: bool,
    to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_username: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_password_file: Option<String>,
}

#[derive(Serialize)]
struct PagerdutyConfig {
    send_resolved: bool,
    routing_key_file: String,
    description: &'static str,
}

#[derive(Serialize)]
struct WebhookConfig {
    send_resolved: bool,
    url: String,
}

const SLACK_TITLE: &str = "[{{ .Status | toUpper }}] {{ .CommonLabels.service }}/{{ .CommonLabels.slo }}: {{ .CommonLabels.alertname }}";
const SLACK_TEXT: &str = "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ end }}";
const PAGERDUTY_DESCRIPTION: &str =
    "{{ .CommonLabels.service }}/{{ .CommonLabels.slo }}: {{ .CommonLabels.alertname }}";

/// Whether Alertmanager can notify a channel of this kind.
pub fn notifies(kind: ChannelType) -> bool {
    matches!(
        kind,
        ChannelType::Slack | ChannelType::Email | ChannelType::Pagerduty | ChannelType::Webhook
    )
}

/// The receiver of a channel: `<service>-<channel>`.
pub fn receiver_name(service: &str, channel: &str) -> String {
    format!("{service}-{channel}")
}

fn silent_receiver(service: &str) -> String {
    format!("{service}-no-notification")
}

/// An Alertmanager matcher `name="value"`, with the value escaped as Alertmanager parses it.
fn matcher(name: &str, value: &str) -> String {
    let escaped = value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("{name}=\"{escaped}\"")
}

/// A level's repeat interval: its response time, but no shorter than the group interval,
/// since Alertmanager only notifies on group-interval ticks anyway.
fn repeat_interval(level: &EscalationLevel) -> Option<String> {
    level.response_time.map(|time| {
        Duration::from_millis(time.millis().max(GROUP_INTERVAL_MINUTES * 60_000)).prometheus()
    })
}

/// Where a channel's secret lives.
fn secret_path(service: &str, channel: &Channel) -> String {
    channel
        .secret_file
        .clone()
        .unwrap_or_else(|| format!("{DEFAULT_SECRETS_DIR}/{service}/{}", channel.id))
}

fn webhook_placeholder(service: &str, channel: &Channel) -> String {
    format!(
        "https://webhook-url-from-secret-file.invalid/{service}/{}",
        channel.id
    )
}

fn receiver(service: &str, channel: &Channel) -> Receiver {
    let mut receiver = Receiver::named(receiver_name(service, &channel.id));
    let target = channel.target.clone().unwrap_or_default();
    match channel.kind {
        ChannelType::Slack => receiver.slack_configs.push(SlackConfig {
            send_resolved: true,
            api_url_file: secret_path(service, channel),
            channel: target,
            title: SLACK_TITLE,
            text: SLACK_TEXT,
        }),
        ChannelType::Email => receiver.email_configs.push(EmailConfig {
            send_resolved: true,
            to: target,
            auth_username: channel
                .secret_file
                .as_ref()
                .map(|_| SMTP_USERNAME_PLACEHOLDER),
            auth_password_file: channel.secret_file.clone(),
        }),
        ChannelType::Pagerduty => receiver.pagerduty_configs.push(PagerdutyConfig {
            send_resolved: true,
            routing_key_file: secret_path(service, channel),
            description: PAGERDUTY_DESCRIPTION,
        }),
        ChannelType::Webhook => receiver.webhook_configs.push(WebhookConfig {
            send_resolved: true,
            url: webhook_placeholder(service, channel),
        }),
        _ => {}
    }
    receiver
}

/// Whether a service gets a configuration: it has an escalation matrix, or at least a channel
/// Alertmanager can notify.
pub fn has_routing(meta: &ServiceMeta) -> bool {
    !meta.escalation.is_empty()
        || meta.channels.iter().any(|c| notifies(c.kind))
        || meta.heartbeat.is_some()
}

/// A route that notifies every one of `receivers`: directly when there is one, through child
/// routes with `continue: true` when there are several, and the silent receiver when none.
fn fan_out(
    service: &str,
    receivers: Vec<String>,
    matchers: Vec<String>,
    repeat_interval: Option<String>,
) -> Route {
    let mut route = Route {
        matchers,
        repeat_interval,
        ..Route::default()
    };
    let count = receivers.len();
    match count {
        0 => route.receiver = Some(silent_receiver(service)),
        1 => route.receiver = receivers.into_iter().next(),
        _ => {
            route.routes = receivers
                .into_iter()
                .enumerate()
                .map(|(i, name)| Route {
                    receiver: Some(name),
                    continue_: i + 1 < count,
                    ..Route::default()
                })
                .collect();
        }
    }
    route
}

/// The route that notifies every Alertmanager channel of `level`.
fn level_route(service: &ServicePlan, level: &EscalationLevel, matchers: Vec<String>) -> Route {
    let id = &service.meta.id;
    let receivers = level
        .channels
        .iter()
        .filter_map(|c| service.meta.channel(c))
        .filter(|c| notifies(c.kind))
        .map(|c| receiver_name(id, &c.id))
        .collect();
    fan_out(id, receivers, matchers, repeat_interval(level))
}

/// Whether any channel of `level` is one Alertmanager notifies.
fn reaches_somebody(service: &ServicePlan, level: &EscalationLevel) -> bool {
    level
        .channels
        .iter()
        .filter_map(|c| service.meta.channel(c))
        .any(|c| notifies(c.kind))
}

/// The most and the least urgent levels of the matrix, counting only levels that notify somebody
/// through Alertmanager (a level that only shows on a dashboard would swallow pages and tickets).
fn page_and_ticket_levels(service: &ServicePlan) -> Option<(&EscalationLevel, &EscalationLevel)> {
    let escalation = &service.meta.escalation;
    let mut notifying = escalation.iter().filter(|l| reaches_somebody(service, l));
    let first = notifying.next().or(escalation.first())?;
    let last = notifying.next_back().unwrap_or(first);
    Some((first, last))
}

/// Routes by `escalation`, then by `severity` for alerts without one.
fn escalation_routes(
    service: &ServicePlan,
    (first, last): (&EscalationLevel, &EscalationLevel),
) -> Vec<Route> {
    let mut routes: Vec<Route> = service
        .meta
        .escalation
        .iter()
        .map(|level| level_route(service, level, vec![matcher("escalation", &level.severity)]))
        .collect();
    routes.push(level_route(
        service,
        first,
        vec![matcher("severity", "page")],
    ));
    routes.push(level_route(
        service,
        last,
        vec![matcher("severity", "ticket")],
    ));
    // Any other severity, such as one a spec names itself, still reaches somebody.
    routes.push(level_route(service, last, Vec::new()));
    routes
}

fn config(service: &ServicePlan, smtp: &Smtp) -> Result<String, String> {
    let meta = &service.meta;
    let id = &meta.id;
    let levels = page_and_ticket_levels(service);
    let service_matcher = vec![matcher("service", id)];
    let service_route = match levels {
        Some(levels) => Route {
            matchers: service_matcher,
            routes: escalation_routes(service, levels),
            ..Route::default()
        },
        // Without a matrix, every alert of the service goes to every channel.
        None => fan_out(
            id,
            meta.channels
                .iter()
                .filter(|c| notifies(c.kind))
                .map(|c| receiver_name(id, &c.id))
                .collect(),
            service_matcher,
            None,
        ),
    };

    let mut receivers = vec![Receiver::named(silent_receiver(id))];
    receivers.extend(heartbeat::receiver(service));
    receivers.extend(
        meta.channels
            .iter()
            .filter(|c| notifies(c.kind))
            .map(|c| receiver(id, c)),
    );
    let email = meta.channels.iter().any(|c| c.kind == ChannelType::Email);
    let config = Config {
        global: Global {
            resolve_timeout: "5m",
            smtp_smarthost: email.then(|| {
                smtp.smarthost
                    .clone()
                    .unwrap_or_else(|| SMTP_SMARTHOST_PLACEHOLDER.to_owned())
            }),
            smtp_from: email.then(|| {
                smtp.from
                    .clone()
                    .unwrap_or_else(|| SMTP_FROM_PLACEHOLDER.to_owned())
            }),
            smtp_require_tls: email.then_some(true),
        },
        route: Route {
            receiver: Some(silent_receiver(id)),
            group_by: vec!["alertname", "service", "slo"],
            group_wait: Some(GROUP_WAIT),
            group_interval: Some(format!("{GROUP_INTERVAL_MINUTES}m")),
            repeat_interval: Some(DEFAULT_REPEAT.to_owned()),
            routes: heartbeat::route(service)
                .into_iter()
                .chain(selftest::routes(service))
                .chain([service_route])
                .collect(),
            ..Route::default()
        },
        inhibit_rules: inhibit::inhibit_rules(service),
        receivers,
    };
    let body = serde_saphyr::to_string(&config).map_err(|e| e.to_string())?;
    let newline = if body.ends_with('\n') { "" } else { "\n" };
    let mut header = header(service, levels, smtp);
    let inhibition = inhibit::describe(&config.inhibit_rules);
    if !inhibition.is_empty() {
        header.push_str("#\n");
        for line in inhibition {
            let _ = writeln!(header, "# {line}");
        }
    }
    Ok(format!("{header}{body}{newline}"))
}

/// The comment at the top: how routing works, where secrets come from, what to replace.
fn header(
    service: &ServicePlan,
    levels: Option<(&EscalationLevel, &EscalationLevel)>,
    smtp: &Smtp,
) -> String {
    let meta = &service.meta;
    let id = &meta.id;
    let mut out = String::new();
    let mut line = |text: &str| {
        if text.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {text}");
        }
    };
    line(&format!(
        "Alertmanager configuration of service `{id}`, generated by slofile. Do not edit: change the"
    ));
    line("spec and run `slofile build`.");
    line("");
    if let Some((first, last)) = levels {
        line(&format!(
            "Alerts with service=\"{id}\" route by their `escalation` label to the channels of that level;"
        ));
        line(&format!(
            "alerts without one route by `severity`: `page` as {}, `ticket` and any other as {}.",
            first.severity, last.severity
        ));
        line("Each level's response time is its repeat_interval.");
    } else {
        line(&format!(
            "The service has no escalation matrix: alerts with service=\"{id}\" go to every channel"
        ));
        line("Alertmanager can notify.");
    }

    if meta.channels.iter().any(|c| notifies(c.kind)) {
        line("");
        line(&format!(
            "`{}` alerts (from `slofile selftest`) go to the receiver of their `channel` label only.",
            crate::compile::series::SELFTEST_ALERT
        ));
    }

    let secrets: Vec<String> = meta
        .channels
        .iter()
        .filter(|c| matches!(c.kind, ChannelType::Slack | ChannelType::Pagerduty))
        .map(|c| format!("  {}: {}", c.id, secret_path(id, c)))
        .chain(
            meta.channels
                .iter()
                .filter(|c| c.kind == ChannelType::Email)
                .filter_map(|c| {
                    Some(format!(
                        "  {}: {} (SMTP password)",
                        c.id,
                        c.secret_file.as_ref()?
                    ))
                }),
        )
        .collect();
    if !secrets.is_empty() {
        line("");
        line("Secrets are read from these files at run time and never written here:");
        for secret in &secrets {
            line(secret);
        }
    }

    let mut placeholders = Vec::new();
    if meta.channels.iter().any(|c| c.kind == ChannelType::Email) {
        if smtp.smarthost.is_none() {
            placeholders.push(format!(
                "  global.smtp_smarthost ({SMTP_SMARTHOST_PLACEHOLDER}): your SMTP relay (--smtp-smarthost)"
            ));
        }
        if smtp.from.is_none() {
            placeholders.push(format!(
                "  global.smtp_from ({SMTP_FROM_PLACEHOLDER}): the sender address (--smtp-from)"
            ));
        }
    }
    for channel in meta
        .channels
        .iter()
        .filter(|c| c.kind == ChannelType::Email && c.secret_file.is_some())
    {
        placeholders.push(format!(
            "  {}: auth_username ({SMTP_USERNAME_PLACEHOLDER}), the SMTP user",
            receiver_name(id, &channel.id)
        ));
    }
    for channel in meta
        .channels
        .iter()
        .filter(|c| c.kind == ChannelType::Webhook)
    {
        placeholders.push(format!(
            "  {}: url, with the URL in {}",
            receiver_name(id, &channel.id),
            secret_path(id, channel)
        ));
        placeholders.push(
            "    (Alertmanager 0.25 cannot read a webhook URL from a file; later releases take url_file)"
                .to_owned(),
        );
    }
    if meta.heartbeat.is_some() {
        placeholders.push(format!(
            "  {}: url ({}), the heartbeat URL of the monitor",
            heartbeat::receiver_name(id),
            heartbeat::url_placeholder(id)
        ));
    }
    if !placeholders.is_empty() {
        line("");
        line("Placeholders (*.invalid) to replace when deploying:");
        for placeholder in &placeholders {
            line(placeholder);
        }
    }

    let elsewhere: Vec<String> = meta
        .escalation
        .iter()
        .flat_map(|level| {
            level
                .channels
                .iter()
                .filter_map(|c| meta.channel(c))
                .filter(|c| !notifies(c.kind))
                // The kind as specs spell it: `sms`, `dashboard`.
                .map(move |c| {
                    let kind = format!("{:?}", c.kind).to_lowercase();
                    format!("{} ({kind}, {})", c.id, level.severity)
                })
        })
        .collect();
    if !elsewhere.is_empty() {
        line("");
        line("Channels of the escalation matrix that Alertmanager does not notify:");
        line(&format!("  {}", elsewhere.join(", ")));
    }
    out
}
