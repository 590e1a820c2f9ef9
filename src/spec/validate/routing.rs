//! Where alerts go: the service's channels, its escalation matrix, and the monitoring table.

use super::checker::Checker;
use crate::diagnostics::Code;
use crate::spec::raw::{MonitoringSystem, RawEscalationLevel};
use crate::spec::{Channel, ChannelType, EscalationLevel};

/// The service's channels, each on its own, and their ids unique.
pub(super) fn check_channels(c: &mut Checker, channels: &[Channel]) {
    for (i, channel) in channels.iter().enumerate() {
        check_channel(c, &format!("/channels/{i}"), channel);
    }
    c.unique(
        channels
            .iter()
            .enumerate()
            .map(|(i, ch)| (format!("/channels/{i}/id"), ch.id.as_str())),
        "channel",
    );
}

/// One channel at `at`: its id; a target where its kind needs one (a Slack target starting with
/// `#` or `@`); a webhook's secret file; numeric Sentry and UptimeRobot ids; and UptimeRobot
/// delays in whole minutes.
fn check_channel(c: &mut Checker, at: &str, channel: &Channel) {
    c.id(&format!("{at}/id"), &channel.id, "channel");
    let needs_target = matches!(
        channel.kind,
        ChannelType::Slack | ChannelType::Email | ChannelType::Pagerduty
    );
    if needs_target && channel.target.is_none() {
        c.error(
            Code::MissingField,
            at,
            format!("channel `{}` needs a `target`", channel.id),
            "say where it goes: the Slack channel, e-mail address or PagerDuty service",
        );
    }
    if channel.kind == ChannelType::Webhook && channel.secret_file.is_none() {
        c.error(
            Code::MissingField,
            at,
            format!(
                "webhook channel `{}` needs a `secret_file` holding its URL",
                channel.id
            ),
            "webhook URLs are secrets: keep them in a file that Alertmanager reads",
        );
    }
    if let Some(id) = &channel.sentry_integration_id
        && (id.is_empty() || !id.chars().all(|ch| ch.is_ascii_digit()))
    {
        c.error(
            Code::InvalidValue,
            &format!("{at}/sentry_integration_id"),
            format!("Sentry integration id `{id}` is not a number"),
            "copy the integration's numeric id from Sentry (Settings → Integrations → the integration's URL)",
        );
    }
    if let Some(id) = &channel.uptimerobot_contact_id
        && (id.is_empty() || !id.chars().all(|ch| ch.is_ascii_digit()))
    {
        c.error(
            Code::InvalidValue,
            &format!("{at}/uptimerobot_contact_id"),
            format!("UptimeRobot alert contact id `{id}` is not a number"),
            "copy the contact's numeric id from UptimeRobot (My Settings → Alert Contacts, or GET /v3/alert-contacts)",
        );
    }
    for (field, text) in [
        (
            "uptimerobot_threshold",
            channel.uptimerobot_threshold.as_deref(),
        ),
        (
            "uptimerobot_recurrence",
            channel.uptimerobot_recurrence.as_deref(),
        ),
    ] {
        let pointer = format!("{at}/{field}");
        if let Some(duration) = c.optional_duration(&pointer, text)
            && !duration.millis().is_multiple_of(60_000)
        {
            c.error(
                Code::InvalidDuration,
                &pointer,
                format!(
                    "`{field}` {} is not a whole number of minutes",
                    duration.human()
                ),
                "UptimeRobot counts notification delays and repeats in minutes; write e.g. `5m`",
            );
        }
    }
    if channel.kind == ChannelType::Slack
        && channel
            .target
            .as_deref()
            .is_some_and(|t| !t.starts_with(['#', '@']))
    {
        c.error(
            Code::InvalidValue,
            &format!("{at}/target"),
            "a Slack target starts with `#` (channel) or `@` (user)",
            "write e.g. `#alerts`",
        );
    }
}

/// The escalation matrix: each level's channels are channels of the service, its response time a
/// duration, and the severities unique.
pub(super) fn check_escalation(
    c: &mut Checker,
    levels: &[RawEscalationLevel],
    channel_ids: &[&str],
) -> Vec<EscalationLevel> {
    let mut escalation = Vec::new();
    for (i, level) in levels.iter().enumerate() {
        let at = format!("/escalation/{i}");
        for (j, channel) in level.channels.iter().enumerate() {
            c.reference(
                &format!("{at}/channels/{j}"),
                channel,
                channel_ids,
                "channel",
            );
        }
        escalation.push(EscalationLevel {
            severity: level.severity.clone(),
            name: level.name.clone(),
            condition: level.condition.clone(),
            response: level.response.clone(),
            response_time: c.optional_duration(
                &format!("{at}/response_time"),
                level.response_time.as_deref(),
            ),
            runbook: level.runbook.clone(),
            channels: level.channels.clone(),
        });
    }
    c.unique(
        levels
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("/escalation/{i}/severity"), e.severity.as_str())),
        "escalation severity",
    );
    escalation
}

/// The monitoring table: each row's channels are channels of the service.
pub(super) fn check_monitoring(c: &mut Checker, rows: &[MonitoringSystem], channel_ids: &[&str]) {
    for (i, row) in rows.iter().enumerate() {
        for (j, channel) in row.channels.iter().enumerate() {
            c.reference(
                &format!("/monitoring/{i}/channels/{j}"),
                channel,
                channel_ids,
                "channel",
            );
        }
    }
}
