//! Alertmanager routing from the escalation matrix and channels of every service.
//!
//! `--alertmanager-format config` (the default) writes `alertmanager/alertmanager.yml`, one
//! configuration for every service of the build (`config.rs`); `--alertmanager-format operator`
//! writes `alertmanager/<service>.yaml`, one prometheus-operator `AlertmanagerConfig` per service
//! (`operator.rs`). Both render the same routing of each service (`routing.rs`): a subtree under
//! `service="<id>"` with the heartbeat's and self-test's routes first, then the escalation
//! matrix; one receiver per Slack, e-mail, PagerDuty and webhook channel, named
//! `<service>-<channel>`; and inhibit rules scoped to the service (`inhibit.rs`).
//!
//! Secrets never appear in the output: the configuration reads them from files, the
//! `AlertmanagerConfig` from a Kubernetes Secret. The SMTP relay and sender are the project's, not
//! a spec's: they come from `--smtp-smarthost` and `--smtp-from` (or `[alertmanager]` in
//! `slofile.toml`) through [`EmitOptions::smtp`], and are placeholders when not given.

use super::{Backend, EmitOptions, Emitted, OutputFile, Sink};
use crate::compile::Plan;
use crate::diagnostics::{Code, Diagnostic};
use crate::spec::{Channel, ServiceMeta, raw::ChannelType};
use std::collections::BTreeMap;

pub mod config;
mod header;
mod heartbeat;
mod inhibit;
mod operator;
mod routing;
pub mod selftest;
mod smtp;

pub use smtp::{Smtp, parse_from, parse_smarthost};

pub struct Alertmanager;

/// How the routing is packaged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum AlertmanagerFormat {
    /// One Alertmanager configuration for every service: `alertmanager/alertmanager.yml`.
    #[default]
    Config,
    /// One prometheus-operator `AlertmanagerConfig` per service: `alertmanager/<service>.yaml`.
    Operator,
}

/// Where a channel's secret is read from when the spec gives no `secret_file`.
pub const DEFAULT_SECRETS_DIR: &str = "/etc/alertmanager/secrets";
/// Placeholder SMTP relay; the spec language has no place for it.
pub const SMTP_SMARTHOST_PLACEHOLDER: &str = "smtp-relay.placeholder.invalid:587";
/// Placeholder sender address.
pub const SMTP_FROM_PLACEHOLDER: &str = "alertmanager@placeholder.invalid";
/// Placeholder SMTP user, for e-mail channels whose password comes from `secret_file`.
pub const SMTP_USERNAME_PLACEHOLDER: &str = "smtp-username-placeholder";

impl Backend for Alertmanager {
    fn name(&self) -> &'static str {
        "alertmanager"
    }

    fn emit(&self, plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let mut emitted = Emitted::default();
        let routings: Vec<routing::ServiceRouting<'_>> = plan
            .services
            .iter()
            .filter(|s| has_routing(&s.meta))
            .map(routing::service_routing)
            .collect();
        if routings.is_empty() {
            return Vec::new();
        }
        match options.alertmanager_format {
            AlertmanagerFormat::Config => {
                emitted.diagnostics.extend(name_clashes(&routings));
                if !emitted.diagnostics.is_empty() {
                    return emitted.diagnostics;
                }
                match config::config(routings, &options.smtp) {
                    Ok(contents) => emitted.files.push(OutputFile {
                        path: config::PATH.to_owned(),
                        contents,
                    }),
                    Err(error) => emitted.diagnostics.push(Diagnostic::error(
                        Code::Io,
                        format!("cannot write the Alertmanager configuration: {error}"),
                    )),
                }
            }
            AlertmanagerFormat::Operator => {
                for routing in routings {
                    emitted.files.push(OutputFile {
                        path: operator::path(&routing.service.meta.id),
                        contents: operator::object(routing),
                    });
                }
            }
        }
        emitted.hand_to(sink)
    }
}

/// Receivers of different services with the same name, which one configuration cannot hold:
/// `<service>-<channel>` of service `a-b` and channel `c` is that of service `a` and channel
/// `b-c`.
fn name_clashes(routings: &[routing::ServiceRouting<'_>]) -> Vec<Diagnostic> {
    let mut owners: BTreeMap<&str, Vec<&routing::ServiceRouting<'_>>> = BTreeMap::new();
    for routing in routings {
        for receiver in &routing.receivers {
            owners.entry(&receiver.name).or_default().push(routing);
        }
    }
    owners
        .into_iter()
        .filter(|(_, services)| services.len() > 1)
        .map(|(name, services)| {
            let ids: Vec<String> = services
                .iter()
                .map(|s| format!("`{}`", s.service.meta.id))
                .collect();
            Diagnostic::error(
                Code::DuplicateId,
                format!(
                    "two Alertmanager receivers would be named `{name}`, of services {}",
                    ids.join(" and ")
                ),
            )
            .at_origin(&services[1].service.meta.origin)
            .with_help("receivers are named <service>-<channel> in the one Alertmanager configuration: rename a channel or a service so that the names differ, or build with --alertmanager-format operator")
        })
        .collect()
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

/// Where a channel's secret lives, in the `config` format.
fn secret_path(service: &str, channel: &Channel) -> String {
    channel
        .secret_file
        .clone()
        .unwrap_or_else(|| format!("{DEFAULT_SECRETS_DIR}/{service}/{}", channel.id))
}

/// Whether a service gets routing: it has an escalation matrix, a channel Alertmanager can
/// notify, or a heartbeat.
pub fn has_routing(meta: &ServiceMeta) -> bool {
    !meta.escalation.is_empty()
        || meta.channels.iter().any(|c| notifies(c.kind))
        || meta.heartbeat.is_some()
}
