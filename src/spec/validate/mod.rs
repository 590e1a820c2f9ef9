//! Semantic checks: everything the schema cannot say. Ids, references, ranges, durations,
//! percentages and PromQL. Every problem in a document is reported, each at its YAML node.
//!
//! [`checker`] holds the checks of single values that every reader shares; [`defaults`] what a
//! spec gets when it says nothing; the other modules check one concern each.

mod alerts;
pub(crate) mod checker;
pub(crate) mod defaults;
mod monitors;
mod service;
mod sli;
mod slo;

// The paths every reader imports: `crate::spec::validate::{Checker, builtin_tiers, ...}`.
pub use alerts::signal_name;
pub(crate) use checker::{Checker, is_valid_id, suggest_id};
pub use defaults::{BUILTIN_POLICIES, builtin_tiers};
pub use service::check_service;

use super::raw::{Defaults, DocumentMeta, RawService, SentrySettings};
use super::yaml_reader::Document;
use super::{Channel, ChannelType, EscalationLevel, Service, ServiceMeta, Tier};
use crate::diagnostics::{Code, Diagnostic, SourceFile};
use crate::units::Duration;
use std::collections::BTreeMap;
use std::sync::Arc;

use defaults::DEFAULT_WINDOW;
use monitors::is_http_url;
use service::check_one_sentry_organization;
use slo::{check_slo, check_tier};

/// Validates one typed native document. Returns the service when it has no errors; warnings are
/// returned either way.
pub fn validate(
    file: &Arc<SourceFile>,
    document: &Document,
    raw: RawService,
    slo_positions: &[usize],
) -> (Option<Service>, Vec<Diagnostic>) {
    // Where each SLO sits in the document; structural checks may have set broken ones aside.
    let slo_pointer = |i: usize| format!("/slos/{}", slo_positions.get(i).copied().unwrap_or(i));
    let mut c = Checker {
        file,
        document,
        diagnostics: Vec::new(),
    };
    c.id("/service", &raw.service, "service");
    c.labels("/labels", &raw.labels);

    let defaults = raw.defaults.clone().unwrap_or_default();
    let default_window = match &defaults.window {
        Some(w) => c.duration("/defaults/window", w),
        None => Duration::parse(DEFAULT_WINDOW).ok(),
    };

    // Channels.
    for (i, channel) in raw.channels.iter().enumerate() {
        let at = format!("/channels/{i}");
        c.id(&format!("{at}/id"), &channel.id, "channel");
        let needs_target = matches!(
            channel.kind,
            ChannelType::Slack | ChannelType::Email | ChannelType::Pagerduty
        );
        if needs_target && channel.target.is_none() {
            c.error(
                Code::MissingField,
                &at,
                format!("channel `{}` needs a `target`", channel.id),
                "say where it goes: the Slack channel, e-mail address or PagerDuty service",
            );
        }
        if channel.kind == ChannelType::Webhook && channel.secret_file.is_none() {
            c.error(
                Code::MissingField,
                &at,
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
            ("uptimerobot_threshold", &channel.uptimerobot_threshold),
            ("uptimerobot_recurrence", &channel.uptimerobot_recurrence),
        ] {
            let pointer = format!("{at}/{field}");
            if let Some(duration) = c.optional_duration(&pointer, text)
                && !duration.millis().is_multiple_of(60_000)
            {
                c.error(
                    Code::InvalidDuration,
                    &pointer,
                    format!("`{field}` {} is not a whole number of minutes", duration.human()),
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
    c.unique(
        raw.channels
            .iter()
            .enumerate()
            .map(|(i, ch)| (format!("/channels/{i}/id"), ch.id.as_str())),
        "channel",
    );
    let channel_ids: Vec<&str> = raw.channels.iter().map(|ch| ch.id.as_str()).collect();

    // Escalation matrix.
    let mut escalation = Vec::new();
    for (i, level) in raw.escalation.iter().enumerate() {
        let at = format!("/escalation/{i}");
        for (j, channel) in level.channels.iter().enumerate() {
            c.reference(
                &format!("{at}/channels/{j}"),
                channel,
                &channel_ids,
                "channel",
            );
        }
        escalation.push(EscalationLevel {
            severity: level.severity.clone(),
            name: level.name.clone(),
            condition: level.condition.clone(),
            response: level.response.clone(),
            response_time: c
                .optional_duration(&format!("{at}/response_time"), &level.response_time),
            runbook: level.runbook.clone(),
            channels: level.channels.clone(),
        });
    }
    c.unique(
        raw.escalation
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("/escalation/{i}/severity"), e.severity.as_str())),
        "escalation severity",
    );
    let severities: Vec<&str> = raw.escalation.iter().map(|e| e.severity.as_str()).collect();

    // Burn policies.
    let mut policies: BTreeMap<String, Vec<Tier>> = BTreeMap::new();
    let mut exhaustion: BTreeMap<String, super::BudgetExhausted> = BTreeMap::new();
    for (i, policy) in raw.burn_policies.iter().enumerate() {
        let at = format!("/burn_policies/{i}");
        c.id(&format!("{at}/id"), &policy.id, "burn policy");
        if BUILTIN_POLICIES.contains(&policy.id.as_str()) || policy.id == "none" {
            c.error(
                Code::DuplicateId,
                &format!("{at}/id"),
                format!("burn policy `{}` is built in", policy.id),
                "choose another id for your own policy",
            );
        }
        if policy.tiers.is_empty() {
            c.error(
                Code::MissingField,
                &format!("{at}/tiers"),
                format!("burn policy `{}` has no tiers", policy.id),
                "add at least one tier, or use `burn_policy: none` to turn burn-rate alerts off",
            );
        }
        let mut tiers = Vec::new();
        for (j, tier) in policy.tiers.iter().enumerate() {
            if let Some(tier) = check_tier(&mut c, &format!("{at}/tiers/{j}"), tier, &severities) {
                tiers.push(tier);
            }
        }
        policies.insert(policy.id.clone(), tiers);
        if let Some(alert) = &policy.budget_exhausted
            && let Some(alert) = super::BudgetExhausted::check(&mut c, &at, alert)
        {
            exhaustion.insert(policy.id.clone(), alert);
        }
    }
    c.unique(
        raw.burn_policies
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("/burn_policies/{i}/id"), p.id.as_str())),
        "burn policy",
    );
    let mut policy_names: Vec<&str> = BUILTIN_POLICIES.to_vec();
    policy_names.extend(raw.burn_policies.iter().map(|p| p.id.as_str()));
    policy_names.push("none");
    if let Some(policy) = &defaults.burn_policy {
        c.reference(
            "/defaults/burn_policy",
            policy,
            &policy_names,
            "burn policy",
        );
    }

    // SLOs.
    // Only when none is written: SLOs set aside as broken have their own errors.
    let written = document
        .json
        .get("slos")
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len);
    if raw.slos.is_empty() && written == 0 {
        c.error(
            Code::MissingField,
            "/slos",
            "the service has no SLOs",
            "add at least one SLO under `slos:`",
        );
    }
    if let Some(grafana) = &raw.grafana {
        if !is_http_url(grafana.url.trim_end_matches('/')) {
            c.error(
                Code::InvalidUrl,
                "/grafana/url",
                format!("`{}` is not an absolute http(s) URL", grafana.url),
                "write Grafana's base URL, e.g. `https://grafana.example.com`",
            );
        }
        if grafana
            .folder
            .as_deref()
            .is_some_and(|f| f.trim().is_empty())
        {
            c.error(
                Code::InvalidValue,
                "/grafana/folder",
                "the Grafana folder is empty",
                "name a folder, e.g. `folder: SLOs`, or leave `folder` out",
            );
        }
    }
    let sentry = raw.sentry.clone().unwrap_or_default();
    let context = SloContext {
        default_window,
        sentry: &sentry,
        channels: &raw.channels,
        defaults: &defaults,
        policies: &policies,
        exhaustion: &exhaustion,
        policy_names: &policy_names,
        channel_ids: &channel_ids,
        severities: &severities,
    };
    let mut slos = Vec::new();
    for (i, raw_slo) in raw.slos.iter().enumerate() {
        if let Some(slo) = check_slo(&mut c, &slo_pointer(i), raw_slo, &context) {
            slos.push(slo);
        }
    }
    c.unique(
        raw.slos
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("{}/id", slo_pointer(i)), s.id.as_str())),
        "SLO",
    );
    check_one_sentry_organization(&mut c, &raw, &sentry, &slo_pointer);
    let slo_ids: Vec<&str> = raw.slos.iter().map(|slo| slo.id.as_str()).collect();
    let k6_gate = raw
        .k6
        .as_ref()
        .and_then(|k6| k6.gate.as_ref())
        .and_then(|gate| super::k6::check_gate(&mut c, "/k6/gate", gate, &slo_ids));

    for (i, row) in raw.monitoring.iter().enumerate() {
        for (j, channel) in row.channels.iter().enumerate() {
            c.reference(
                &format!("/monitoring/{i}/channels/{j}"),
                channel,
                &channel_ids,
                "channel",
            );
        }
    }

    let has_errors = c.diagnostics.iter().any(Diagnostic::is_error);
    let service = (!has_errors).then(|| Service {
        slos,
        meta: ServiceMeta {
            origin: c.origin("/service"),
            title: raw.title.clone().unwrap_or_else(|| raw.service.clone()),
            id: raw.service,
            owner: raw.owner,
            description: raw.description,
            source: file.name.clone(),
            document: raw.document.unwrap_or(DocumentMeta {
                title: None,
                version: None,
                effective: None,
                review: None,
            }),
            labels: raw.labels,
            grafana: raw.grafana,
            channels: raw.channels,
            escalation,
            monitoring: raw.monitoring,
            verify: raw.verify,
            alert_self_test: raw.alert_self_test,
            error_budget_policy: raw.error_budget_policy,
            candidates: raw.candidates,
            k6_gate,
        },
    });
    (service, c.diagnostics)
}

pub(super) struct SloContext<'a> {
    pub(super) default_window: Option<Duration>,
    pub(super) sentry: &'a SentrySettings,
    pub(super) channels: &'a [Channel],
    pub(super) defaults: &'a Defaults,
    pub(super) policies: &'a BTreeMap<String, Vec<Tier>>,
    pub(super) exhaustion: &'a BTreeMap<String, super::BudgetExhausted>,
    pub(super) policy_names: &'a [&'a str],
    pub(super) channel_ids: &'a [&'a str],
    pub(super) severities: &'a [&'a str],
}
