//! `--alertmanager-format config`: `alertmanager/alertmanager.yml`, one Alertmanager
//! configuration for every service of the build.
//!
//! One root route groups by `alertname`, `service` and `slo`; under it, each service's subtree
//! matches `service="<id>"` (`routing.rs`). An alert of no service of the build goes to
//! `unrouted`, which notifies nobody: a name without `-`, so no `<service>-<channel>` receiver
//! can take it. Every receiver is listed once, under the `<service>-<channel>` name that shows
//! whose it is; the inhibit rules of every service keep their `service` matchers, so one
//! service's page never silences another's ticket; the global settings are written once.
//!
//! Secrets never appear in the output. Slack, PagerDuty and SMTP secrets are read from files
//! (`api_url_file`, `routing_key_file`, `auth_password_file`): the channel's `secret_file`, or
//! `/etc/alertmanager/secrets/<service>/<channel>` when it has none. What Alertmanager 0.25 cannot
//! read from a file (a webhook URL) and what the spec does not say (the SMTP relay and sender) is a
//! placeholder under `.invalid`, listed in the file's header.

use super::routing::{
    DEFAULT_REPEAT, GROUP_BY, GROUP_INTERVAL_MINUTES, GROUP_WAIT, ReceiverKind, Route,
    ServiceRouting,
};
use super::{
    AlertmanagerFormat, SMTP_FROM_PLACEHOLDER, SMTP_SMARTHOST_PLACEHOLDER,
    SMTP_USERNAME_PLACEHOLDER, Smtp, header, heartbeat, inhibit, secret_path,
};
use crate::spec::Channel;
use crate::spec::raw::ChannelType;
use serde::Serialize;
use std::fmt::Write as _;

/// The file's path under the output directory.
pub const PATH: &str = "alertmanager/alertmanager.yml";

/// The root's receiver: alerts of no service of the build notify nobody.
pub const UNROUTED_RECEIVER: &str = "unrouted";

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

fn webhook_placeholder(service: &str, channel: &Channel) -> String {
    format!(
        "https://webhook-url-from-secret-file.invalid/{service}/{}",
        channel.id
    )
}

/// A receiver as the configuration writes it: secrets from files, placeholders for the rest.
fn receiver(service: &str, name: &str, kind: &ReceiverKind<'_>) -> Receiver {
    let mut receiver = Receiver::named(name.to_owned());
    let channel = match kind {
        ReceiverKind::Silent => return receiver,
        ReceiverKind::Heartbeat => {
            // Without resolved messages: it never resolves while the path is alive.
            receiver.webhook_configs.push(WebhookConfig {
                send_resolved: false,
                url: heartbeat::url_placeholder(service),
            });
            return receiver;
        }
        ReceiverKind::Channel(channel) => channel,
    };
    let target = channel.target.clone().unwrap_or_default();
    match channel.kind {
        ChannelType::Slack => receiver.slack_configs.push(SlackConfig {
            send_resolved: true,
            api_url_file: secret_path(service, channel),
            channel: target,
            title: super::SLACK_TITLE,
            text: super::SLACK_TEXT,
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
            description: super::PAGERDUTY_DESCRIPTION,
        }),
        ChannelType::Webhook => receiver.webhook_configs.push(WebhookConfig {
            send_resolved: true,
            url: webhook_placeholder(service, channel),
        }),
        _ => {}
    }
    receiver
}

/// The configuration of every service in `routings`, which come sorted by service.
pub(super) fn config(routings: Vec<ServiceRouting<'_>>, smtp: &Smtp) -> Result<String, String> {
    let email = routings.iter().any(|routing| {
        routing
            .service
            .meta
            .channels
            .iter()
            .any(|c| c.kind == ChannelType::Email)
    });
    let mut header = String::new();
    let mut line = |text: &str| {
        if text.is_empty() {
            header.push_str("#\n");
        } else {
            let _ = writeln!(header, "# {text}");
        }
    };
    line("Alertmanager configuration of every service of the build, generated by slofile. Do not");
    line("edit: change the specs and run `slofile build`.");
    line("");
    line("Alerts route by their `service` label to the routes of that service; an alert of no");
    line(&format!(
        "service here goes to `{UNROUTED_RECEIVER}`, which notifies nobody. Receivers are named <service>-<channel>."
    ));
    for routing in &routings {
        line("");
        line(&format!("Service `{}`:", routing.service.meta.id));
        for text in header::service_lines(routing, AlertmanagerFormat::Config, smtp) {
            line(&if text.is_empty() {
                text
            } else {
                format!("  {text}")
            });
        }
    }

    let mut receivers = vec![Receiver::named(UNROUTED_RECEIVER.to_owned())];
    let mut routes = Vec::with_capacity(routings.len());
    let mut inhibit_rules = Vec::new();
    for routing in routings {
        let id = &routing.service.meta.id;
        receivers.extend(
            routing
                .receivers
                .iter()
                .map(|r| receiver(id, &r.name, &r.kind)),
        );
        routes.push(routing.route);
        inhibit_rules.extend(routing.inhibit_rules);
    }
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
            receiver: Some(UNROUTED_RECEIVER.to_owned()),
            group_by: GROUP_BY.to_vec(),
            group_wait: Some(GROUP_WAIT),
            group_interval: Some(format!("{GROUP_INTERVAL_MINUTES}m")),
            repeat_interval: Some(DEFAULT_REPEAT.to_owned()),
            routes,
            ..Route::default()
        },
        inhibit_rules,
        receivers,
    };
    let body = serde_saphyr::to_string(&config).map_err(|e| e.to_string())?;
    let newline = if body.ends_with('\n') { "" } else { "\n" };
    Ok(format!("{header}{body}{newline}"))
}
