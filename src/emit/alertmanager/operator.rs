//! `--alertmanager-format operator`: `alertmanager/<service>.yaml`, one prometheus-operator
//! `AlertmanagerConfig` (`monitoring.coreos.com/v1alpha1`) per service, for teams that deploy
//! each service's routing with the service.
//!
//! The object holds the service's subtree (`routing.rs`) as its route, its receivers and its
//! inhibit rules, in the operator's camelCase fields with structured matchers. The operator
//! mounts it under the Alertmanager's root route: it adds a `namespace="<object's namespace>"`
//! matcher to the top route, sets its `continue: true`, and prefixes receiver names with
//! `<namespace>/<object>/`. The top route repeats the root's grouping and timing, so alerts are
//! grouped and repeated as in the `config` format.
//!
//! A custom resource cannot read files, and nothing secret may be inline: every secret, the
//! webhook and heartbeat URLs included, is a key of one Kubernetes Secret per service,
//! `slofile-<service>`, in the object's namespace (`secret_keys`). The SMTP relay and sender come
//! from the Alertmanager's own global configuration.

use super::routing::{
    DEFAULT_REPEAT, GROUP_BY, GROUP_INTERVAL_MINUTES, GROUP_WAIT, Matcher, ReceiverKind, Route,
    ServiceRouting,
};
use super::{
    AlertmanagerFormat, PAGERDUTY_DESCRIPTION, SLACK_TEXT, SLACK_TITLE, SMTP_USERNAME_PLACEHOLDER,
    header,
};
use crate::emit::yaml_writer::{comment, to_yaml};
use crate::spec::raw::ChannelType;
use serde::Serialize;
use std::collections::BTreeMap;

/// The Secret key of the heartbeat URL: channel ids have no `.`, so no channel has this key.
pub(super) const HEARTBEAT_KEY: &str = "heartbeat.url";

/// The object's path under the output directory.
pub(super) fn path(service: &str) -> String {
    format!("alertmanager/{service}.yaml")
}

/// The Secret holding the service's secrets: `slofile-<service>`.
pub(super) fn secret_name(service: &str) -> String {
    format!("slofile-{service}")
}

/// The keys of the service's Secret, with what each holds, in receiver order.
pub(super) fn secret_keys(routing: &ServiceRouting<'_>) -> Vec<(String, String)> {
    routing
        .receivers
        .iter()
        .filter_map(|receiver| match &receiver.kind {
            ReceiverKind::Silent => None,
            ReceiverKind::Heartbeat => Some((
                HEARTBEAT_KEY.to_owned(),
                "the heartbeat URL of the monitor".to_owned(),
            )),
            ReceiverKind::Channel(channel) => {
                let what = match channel.kind {
                    ChannelType::Slack => "the Slack webhook URL",
                    ChannelType::Pagerduty => "the PagerDuty routing key",
                    ChannelType::Webhook => "the webhook URL",
                    ChannelType::Email if channel.secret_file.is_some() => "the SMTP password",
                    _ => return None,
                };
                Some((channel.id.clone(), what.to_owned()))
            }
        })
        .collect()
}

#[derive(Serialize)]
struct AlertmanagerConfig {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata,
    spec: Spec,
}

#[derive(Serialize)]
struct Metadata {
    name: String,
    labels: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    route: OperatorRoute,
    receivers: Vec<Receiver>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inhibit_rules: Vec<InhibitRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OperatorRoute {
    #[serde(skip_serializing_if = "Option::is_none")]
    receiver: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    matchers: Vec<OperatorMatcher>,
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
    routes: Vec<OperatorRoute>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OperatorMatcher {
    name: String,
    value: String,
    match_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InhibitRule {
    source_match: Vec<OperatorMatcher>,
    target_match: Vec<OperatorMatcher>,
    equal: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
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

/// A key of a Secret in the object's namespace.
#[derive(Serialize)]
struct SecretKeySelector {
    name: String,
    key: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SlackConfig {
    #[serde(rename = "apiURL")]
    api_url: SecretKeySelector,
    channel: String,
    send_resolved: bool,
    title: &'static str,
    text: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EmailConfig {
    to: String,
    send_resolved: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_username: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_password: Option<SecretKeySelector>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PagerdutyConfig {
    routing_key: SecretKeySelector,
    description: &'static str,
    send_resolved: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WebhookConfig {
    url_secret: SecretKeySelector,
    send_resolved: bool,
}

fn matchers(matchers: Vec<Matcher>) -> Vec<OperatorMatcher> {
    matchers
        .into_iter()
        .map(|m| OperatorMatcher {
            name: m.name,
            value: m.value,
            match_type: m.op,
        })
        .collect()
}

fn route(route: Route) -> OperatorRoute {
    OperatorRoute {
        receiver: route.receiver,
        matchers: matchers(route.matchers),
        group_by: route.group_by,
        group_wait: route.group_wait,
        group_interval: route.group_interval,
        repeat_interval: route.repeat_interval,
        continue_: route.continue_,
        routes: route.routes.into_iter().map(self::route).collect(),
    }
}

fn receiver(service: &str, name: String, kind: &ReceiverKind<'_>) -> Receiver {
    let secret = |key: &str| SecretKeySelector {
        name: secret_name(service),
        key: key.to_owned(),
    };
    let mut receiver = Receiver {
        name,
        slack_configs: Vec::new(),
        email_configs: Vec::new(),
        pagerduty_configs: Vec::new(),
        webhook_configs: Vec::new(),
    };
    let channel = match kind {
        ReceiverKind::Silent => return receiver,
        ReceiverKind::Heartbeat => {
            receiver.webhook_configs.push(WebhookConfig {
                url_secret: secret(HEARTBEAT_KEY),
                send_resolved: false,
            });
            return receiver;
        }
        ReceiverKind::Channel(channel) => channel,
    };
    let target = channel.target.clone().unwrap_or_default();
    match channel.kind {
        ChannelType::Slack => receiver.slack_configs.push(SlackConfig {
            api_url: secret(&channel.id),
            channel: target,
            send_resolved: true,
            title: SLACK_TITLE,
            text: SLACK_TEXT,
        }),
        ChannelType::Email => {
            let auth = channel.secret_file.is_some();
            receiver.email_configs.push(EmailConfig {
                to: target,
                send_resolved: true,
                auth_username: auth.then_some(SMTP_USERNAME_PLACEHOLDER),
                auth_password: auth.then(|| secret(&channel.id)),
            });
        }
        ChannelType::Pagerduty => receiver.pagerduty_configs.push(PagerdutyConfig {
            routing_key: secret(&channel.id),
            description: PAGERDUTY_DESCRIPTION,
            send_resolved: true,
        }),
        ChannelType::Webhook => receiver.webhook_configs.push(WebhookConfig {
            url_secret: secret(&channel.id),
            send_resolved: true,
        }),
        _ => {}
    }
    receiver
}

/// The service's `AlertmanagerConfig`, with its header.
pub(super) fn object(routing: ServiceRouting<'_>) -> String {
    let id = routing.service.meta.id.clone();
    let mut text = String::new();
    text.push_str(&comment(&format!(
        "prometheus-operator AlertmanagerConfig of service `{id}`, generated by slofile. Do not edit:"
    )));
    text.push_str(&comment("change the spec and run `slofile build`."));
    text.push_str("#\n");
    for line in [
        "The operator puts this route under the Alertmanager's root with a `namespace` matcher of",
        "this object's namespace: alerts need that label, unless the Alertmanager sets",
        "`alertmanagerConfigMatcherStrategy: {type: None}`. It names the receivers",
    ] {
        text.push_str(&comment(line));
    }
    text.push_str(&comment(&format!("`<namespace>/slofile-{id}/<receiver>`.")));
    text.push_str("#\n");
    for line in header::service_lines(
        &routing,
        AlertmanagerFormat::Operator,
        &super::Smtp::default(),
    ) {
        if line.is_empty() {
            text.push_str("#\n");
        } else {
            text.push_str(&comment(&line));
        }
    }
    let receivers = routing
        .receivers
        .iter()
        .map(|r| receiver(&id, r.name.clone(), &r.kind))
        .collect();
    let inhibit_rules = routing
        .inhibit_rules
        .into_iter()
        .map(|rule| InhibitRule {
            source_match: matchers(rule.source_matchers),
            target_match: matchers(rule.target_matchers),
            equal: rule.equal,
        })
        .collect();
    let mut top = route(routing.route);
    // The operator wants a receiver on the top route; the children take every alert anyway.
    top.receiver
        .get_or_insert_with(|| super::routing::silent_receiver(&id));
    top.group_by = GROUP_BY.to_vec();
    top.group_wait = Some(GROUP_WAIT);
    top.group_interval = Some(format!("{GROUP_INTERVAL_MINUTES}m"));
    top.repeat_interval = Some(DEFAULT_REPEAT.to_owned());
    let mut labels = BTreeMap::new();
    labels.insert("app.kubernetes.io/managed-by", "slofile".to_owned());
    labels.insert("slofile/service", id.clone());
    text.push_str(&to_yaml(&AlertmanagerConfig {
        api_version: "monitoring.coreos.com/v1alpha1",
        kind: "AlertmanagerConfig",
        metadata: Metadata {
            name: format!("slofile-{id}"),
            labels,
        },
        spec: Spec {
            route: top,
            receivers,
            inhibit_rules,
        },
    }));
    text
}
