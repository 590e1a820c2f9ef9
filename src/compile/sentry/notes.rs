//! What planning Sentry's monitors says about a spec: the warnings compile reports, and the
//! notes of each API's rendering.

use super::SentryApi;
use super::query::sentry_recipient;
use super::windows::seconds;
use crate::compile::{ObjectivePlan, ServicePlan, SloPlan, TierPlan};
use crate::diagnostics::{Code, Diagnostic};
use crate::spec::{Channel, ChannelType, SentrySli};
use crate::units::Duration;

/// The spec's `failure` query is not what the monitor measures: say so, not only in the
/// monitor's description.
pub(crate) fn inexact_failure_note(slo: &SloPlan, sli: &SentrySli, api: SentryApi) -> Diagnostic {
    let (why, help) = match api {
        SentryApi::Current => (
            format!("Sentry cannot measure `{}` exactly", sli.failure),
            "failures measured exactly are one status class: `http.status_code:5*` (or 4*, 3*) becomes http_response_rate(5)",
        ),
        SentryApi::Legacy => (
            format!(
                "legacy alert rules cannot measure `{}` exactly",
                sli.failure
            ),
            "build for Sentry's current API (without `--sentry-api legacy`), which measures a status class exactly with http_response_rate",
        ),
    };
    Diagnostic::warning(
        Code::SentryUnsupported,
        format!(
            "SLO `{}`: {why}; its monitors use failure_rate(), which counts every span status but ok, cancelled and unknown as a failure",
            slo.slo.id
        ),
    )
    .at_origin(&slo.slo.origin)
    .with_help(help)
}

pub(crate) fn window_note(
    slo: &SloPlan,
    objective: &ObjectivePlan,
    tier: &TierPlan,
    window: u64,
    windows: &[u64],
    threshold: &str,
) -> Diagnostic {
    let allowed: Vec<String> = windows.iter().map(|&w| seconds(w).human()).collect();
    let which = objective
        .objective
        .name
        .as_ref()
        .map(|name| format!(" ({name})"))
        .unwrap_or_default();
    Diagnostic::info(
        Code::SentryWindow,
        format!(
            "SLO `{}`{which}: Sentry has no window of {}; the {} tier is watched over {}, the nearest one it allows",
            slo.slo.id,
            tier.long.human(),
            tier.severity,
            seconds(window).human()
        ),
    )
    .at_origin(&objective.objective.origin)
    .with_help(format!(
        "a Sentry monitor evaluates one window out of {}; the threshold stays {threshold}",
        allowed.join(", "),
    ))
}

/// A `sentry` channel whose target names no team or user: the current API notifies the issue
/// owners instead, which the spec language promises only for channels without a target.
pub(crate) fn recipient_note(
    service: &ServicePlan,
    channel: &Channel,
    api: SentryApi,
) -> Option<Diagnostic> {
    if channel.kind != ChannelType::Sentry || sentry_recipient(channel).is_some() {
        return None;
    }
    let (target, fallback) = match (&channel.target, api) {
        (None, SentryApi::Current) => return None,
        (None, SentryApi::Legacy) => (
            "has no target".to_owned(),
            "legacy alert rules cannot notify issue owners, so it is left out",
        ),
        (Some(target), SentryApi::Current) => (
            format!("target `{target}` is not `team:<id>` or `user:<id>`"),
            "the alert notifies the issue owners instead",
        ),
        (Some(target), SentryApi::Legacy) => (
            format!("target `{target}` is not `team:<id>` or `user:<id>`"),
            "legacy alert rules leave it out",
        ),
    };
    Some(
        Diagnostic::warning(
            Code::SentryUnsupported,
            format!("channel `{}` {target}; {fallback}", channel.id),
        )
        .at_origin(&service.meta.origin)
        .with_help("Sentry notifies teams and users by numeric id: write e.g. `target: team:4501`"),
    )
}

pub(crate) fn no_channel_note(slo: &SloPlan) -> Diagnostic {
    Diagnostic::warning(
        Code::SentryUnsupported,
        format!(
            "SLO `{}`: no channel Sentry can notify, so its Sentry monitors open issues but no alert is written",
            slo.slo.id
        ),
    )
    .at_origin(&slo.slo.origin)
    .with_help(
        "add a channel of type `sentry` (team:<id> or user:<id>), or a Slack or PagerDuty channel with a `sentry_integration_id`",
    )
}

/// Sentry has span-duration functions for some percentiles only.
pub(crate) fn unsupported_percentile(
    slo: &SloPlan,
    objective: &ObjectivePlan,
    percentile: &str,
) -> Diagnostic {
    Diagnostic::warning(
        Code::SentryUnsupported,
        format!(
            "SLO `{}`: Sentry has no p{percentile} of span durations, so no latency monitor is written",
            slo.slo.id
        ),
    )
    .at_origin(&objective.objective.origin)
    .with_help("Sentry monitors p50, p75, p90, p95, p99 and p100")
}

/// Uptime monitors exist in Sentry's current API only.
pub(crate) fn legacy_uptime(slo: &SloPlan) -> Diagnostic {
    Diagnostic::warning(
        Code::SentryUnsupported,
        format!(
            "SLO `{}`: uptime monitors need Sentry's current API, so `--sentry-api legacy` leaves this one out",
            slo.slo.id
        ),
    )
    .at_origin(&slo.slo.origin)
    .with_help("build without `--sentry-api legacy`, or create the uptime monitor in Sentry by hand")
}

/// A probe's interval that Sentry cannot check at.
pub(crate) fn interval_note(slo: &SloPlan, asked: Duration, interval: u64) -> Diagnostic {
    Diagnostic::info(
        Code::SentryWindow,
        format!(
            "SLO `{}`: Sentry uptime monitors cannot check every {}; this one checks every {}",
            slo.slo.id,
            asked.human(),
            seconds(interval).human()
        ),
    )
    .at_origin(&slo.slo.origin)
    .with_help("Sentry checks every 1, 5, 10, 20 or 30 minutes, or every hour")
}

/// Monitors without an organization to live in; validation gives every Sentry SLI and Sentry
/// probe one, so this guards the plan rather than the spec.
pub(crate) fn no_organization(service: &ServicePlan) -> Diagnostic {
    Diagnostic::error(
        Code::MissingField,
        format!(
            "service `{}` has Sentry monitors but no Sentry organization",
            service.meta.id
        ),
    )
    .at_origin(&service.meta.origin)
    .with_help("add `sentry: {organization: <org slug>}` at the top level of the spec")
}
