//! The comment lines about one service at the top of a generated file: how its alerts route,
//! where its secrets come from, what to replace when deploying, and which channels Alertmanager
//! does not notify.

use super::routing::ServiceRouting;
use super::{
    AlertmanagerFormat, SMTP_FROM_PLACEHOLDER, SMTP_SMARTHOST_PLACEHOLDER,
    SMTP_USERNAME_PLACEHOLDER, Smtp, heartbeat, inhibit, notifies, operator, receiver_name,
    secret_path,
};
use crate::compile::series::SELFTEST_ALERT;
use crate::spec::raw::ChannelType;

/// The lines about one service, without `# `; an empty line separates paragraphs.
pub(super) fn service_lines(
    routing: &ServiceRouting<'_>,
    format: AlertmanagerFormat,
    smtp: &Smtp,
) -> Vec<String> {
    let meta = &routing.service.meta;
    let id = &meta.id;
    let mut lines = Vec::new();
    if let Some((first, last)) = routing.levels {
        lines.push(format!(
            "Alerts with service=\"{id}\" route by their `escalation` label to the channels of that level;"
        ));
        lines.push(format!(
            "alerts without one route by `severity`: `page` as {}, `ticket` and any other as {}.",
            first.severity, last.severity
        ));
        lines.push("Each level's response time is its repeat_interval.".to_owned());
    } else {
        lines.push(format!(
            "The service has no escalation matrix: alerts with service=\"{id}\" go to every channel"
        ));
        lines.push("Alertmanager can notify.".to_owned());
    }
    let inhibition = inhibit::describe(&routing.inhibit_rules);
    if !inhibition.is_empty() {
        lines.push(String::new());
        lines.extend(inhibition);
    }

    if meta.channels.iter().any(|c| notifies(c.kind)) {
        lines.push(String::new());
        lines.push(format!(
            "`{SELFTEST_ALERT}` alerts (from `slofile selftest`) go to the receiver of their `channel` label only."
        ));
    }
    match format {
        AlertmanagerFormat::Config => config_secrets(routing, smtp, &mut lines),
        AlertmanagerFormat::Operator => operator_secrets(routing, &mut lines),
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
        lines.push(String::new());
        lines.push("Channels of the escalation matrix that Alertmanager does not notify:".into());
        lines.push(format!("  {}", elsewhere.join(", ")));
    }
    lines
}

/// Secret files, and the `.invalid` placeholders of what cannot come from a file.
fn config_secrets(routing: &ServiceRouting<'_>, smtp: &Smtp, lines: &mut Vec<String>) {
    let meta = &routing.service.meta;
    let id = &meta.id;
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
        lines.push(String::new());
        lines.push("Secrets are read from these files at run time and never written here:".into());
        lines.extend(secrets);
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
        lines.push(String::new());
        lines.push("Placeholders (*.invalid) to replace when deploying:".into());
        lines.extend(placeholders);
    }
}

/// The keys of the service's Secret, and what the Alertmanager itself must say.
fn operator_secrets(routing: &ServiceRouting<'_>, lines: &mut Vec<String>) {
    let meta = &routing.service.meta;
    let id = &meta.id;
    let keys: Vec<String> = operator::secret_keys(routing)
        .into_iter()
        .map(|(key, what)| format!("  {key}: {what}"))
        .collect();
    if !keys.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "Secrets are read from the Secret `{}` in this object's namespace, one key each:",
            operator::secret_name(id)
        ));
        lines.extend(keys);
    }
    if meta.channels.iter().any(|c| c.kind == ChannelType::Email) {
        lines.push(String::new());
        lines.push(
            "E-mail goes through the SMTP relay and sender of the Alertmanager's global configuration."
                .into(),
        );
        for channel in meta
            .channels
            .iter()
            .filter(|c| c.kind == ChannelType::Email && c.secret_file.is_some())
        {
            lines.push(format!(
                "Placeholder to replace: {} authUsername ({SMTP_USERNAME_PLACEHOLDER}), the SMTP user.",
                receiver_name(id, &channel.id)
            ));
        }
    }
}
