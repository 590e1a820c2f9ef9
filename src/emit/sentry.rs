//! Sentry: `sentry/<service>.json`, monitors and alerts for the SLOs measured in Sentry.
//!
//! The current API (the default) gets metric monitors (`POST
//! /api/0/organizations/{org}/projects/{project}/detectors/`, `type: metric_issue`), uptime
//! monitors (`type: uptime_domain_failure`) and alerts (`POST /api/0/organizations/{org}/workflows/`)
//! that connect the monitors to the spec's channels. `--sentry-api legacy` emits metric alert rules
//! (`POST /api/0/organizations/{org}/alert-rules/`) instead, for self-hosted Sentry from before
//! the metric-alert API was deprecated.
//!
//! A Sentry monitor evaluates one window from a fixed set, so every burn-rate tier's long window
//! becomes the nearest window Sentry allows. The monitor's description and an info diagnostic say
//! so; the threshold stays the tier's exact error ratio.

use super::json::{clip, file_text, number};
use super::{Backend, EmitOptions, Emitted, OutputFile, Sink};
use crate::compile::{ObjectivePlan, Plan, ServicePlan, SloPlan, TierPlan};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::spec::{Channel, ChannelType, ProbeProvider, ProbeSli, SentryScope, SentrySli, Sli};
use crate::units::{Duration, Ratio};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Which Sentry API the bodies are for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SentryApi {
    /// Monitors (`detectors`) and alerts (`workflows`).
    #[default]
    Current,
    /// Metric alert rules (`alert-rules`), for self-hosted Sentry that predates monitors.
    Legacy,
}

/// Windows a span monitor may evaluate, in seconds: Sentry offers 5 minutes to 1 day for spans.
pub const SPAN_WINDOWS: &[u64] = &[300, 600, 900, 1800, 3600, 7200, 14_400, 86_400];
/// Windows of legacy metric alert rules, in seconds (the API takes them in minutes).
pub const LEGACY_WINDOWS: &[u64] = &[60, 300, 600, 900, 1800, 3600, 7200, 14_400, 86_400];
/// Check intervals of uptime monitors, in seconds.
pub const UPTIME_INTERVALS: &[u64] = &[60, 300, 600, 1200, 1800, 3600];
/// Used when an objective has no burn-rate tier to take a window from.
const DEFAULT_WINDOW: u64 = 3600;
/// Seconds to wait when a probe gives no timeout: UptimeRobot's default, within Sentry's 1 to 60 s.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;
/// Percentile functions Sentry has for span durations; others cannot be monitored.
const PERCENTILE_FUNCTIONS: &[&str] = &["50", "75", "90", "95", "99", "100"];

/// The allowed window nearest to `wanted`, measured by ratio: 6 h is nearer 4 h (1.5 times) than
/// 1 day (4 times). A tie goes to the longer window, the one less prone to noise.
pub fn nearest_window(wanted: Duration, allowed: &[u64]) -> Option<u64> {
    let wanted = u128::from(wanted.millis());
    allowed.iter().copied().reduce(|best, candidate| {
        let (b, c) = (u128::from(best) * 1000, u128::from(candidate) * 1000);
        // The candidate wins when max(c, w) / min(c, w) < max(b, w) / min(b, w).
        let candidate_distance = c.max(wanted) * b.min(wanted);
        let best_distance = b.max(wanted) * c.min(wanted);
        if candidate_distance < best_distance || (candidate_distance == best_distance && c > b) {
            candidate
        } else {
            best
        }
    })
}

/// The longest allowed check interval that checks at least as often as `wanted`, or the shortest
/// allowed one when `wanted` is shorter still.
pub fn uptime_interval(wanted: Duration) -> u64 {
    UPTIME_INTERVALS
        .iter()
        .rev()
        .copied()
        .find(|&interval| interval * 1000 <= wanted.millis())
        .unwrap_or(UPTIME_INTERVALS[0])
}

/// Sentry issue priority of a monitor condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Priority {
    Low,
    High,
}

impl Priority {
    /// Page tiers are high priority; every other severity is low.
    fn of(severity: &str) -> Priority {
        if severity == "page" {
            Priority::High
        } else {
            Priority::Low
        }
    }

    /// Sentry's `conditionResult`: 75 high, 50 low.
    fn level(self) -> u64 {
        match self {
            Priority::High => 75,
            Priority::Low => 50,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Low => "low",
        }
    }

    fn legacy_label(self) -> &'static str {
        match self {
            Priority::High => "critical",
            Priority::Low => "warning",
        }
    }
}

/// One condition of a failure-rate monitor, set by one burn-rate tier.
struct Step<'p> {
    priority: Priority,
    tier: &'p TierPlan,
}

/// What a monitor watches, whatever the API.
enum Watch<'p> {
    /// `failure_rate()` of the SLI's transaction above tier thresholds.
    FailureRate {
        sli: &'p SentrySli,
        objective: &'p ObjectivePlan,
        window: u64,
        /// Highest priority first.
        steps: Vec<Step<'p>>,
    },
    /// A duration percentile above the objective's threshold.
    Latency {
        sli: &'p SentrySli,
        objective: &'p ObjectivePlan,
        /// `95` for `p95(...)`.
        percentile: String,
        threshold: Duration,
        window: u64,
        priority: Priority,
        /// The tier the window and priority come from.
        tier: Option<&'p TierPlan>,
    },
    /// An uptime check of a probe's URL.
    Uptime {
        probe: &'p ProbeSli,
        scope: &'p SentryScope,
        interval: u64,
    },
}

struct Monitor<'p> {
    /// Stable id within the file, `<slo>/<what>`: alerts name their monitors by it.
    key: String,
    slo: &'p SloPlan,
    watch: Watch<'p>,
}

impl Monitor<'_> {
    fn project(&self) -> &str {
        match &self.watch {
            Watch::FailureRate { sli, .. } | Watch::Latency { sli, .. } => &sli.project,
            Watch::Uptime { scope, .. } => &scope.project,
        }
    }

    fn organization(&self) -> Option<&str> {
        match &self.watch {
            Watch::FailureRate { sli, .. } | Watch::Latency { sli, .. } => {
                sli.organization.as_deref()
            }
            Watch::Uptime { scope, .. } => Some(&scope.organization),
        }
    }

    fn environment(&self) -> Option<&str> {
        match &self.watch {
            Watch::FailureRate { sli, .. } | Watch::Latency { sli, .. } => {
                sli.environment.as_deref()
            }
            Watch::Uptime { scope, .. } => scope.environment.as_deref(),
        }
    }
}

/// The Sentry backend.
pub struct Sentry;

impl Backend for Sentry {
    fn name(&self) -> &'static str {
        "sentry"
    }

    /// What Sentry's current API cannot express of a spec is reported by the compile stage (see
    /// [`problems`]); what is left to say is how this build's options render it: windows
    /// mapped to the nearest one Sentry allows, and what `--sentry-api legacy` leaves out.
    fn emit(&self, plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let mut emitted = Emitted::default();
        for service in &plan.services {
            let mut notes = Vec::new();
            if let Some(file) = emit_service(service, options.sentry_api, &mut notes) {
                emitted.files.push(file);
            }
            let reported = problems(service);
            emitted.diagnostics.extend(notes.into_iter().filter(|note| {
                note.severity == Severity::Info
                    || !reported
                        .iter()
                        .any(|r| r.code == note.code && r.message == note.message)
            }));
        }
        emitted.hand_to(sink)
    }
}

/// The errors and warnings of a service's Sentry monitors with Sentry's current API, the
/// default: percentiles Sentry has no function for, channels it cannot notify. They are facts
/// about the spec, so the compile stage reports them, and `validate` shows them.
pub fn problems(service: &ServicePlan) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    emit_service(service, SentryApi::Current, &mut diagnostics);
    diagnostics.retain(|d| d.severity != Severity::Info);
    diagnostics
}

fn emit_service(
    service: &ServicePlan,
    api: SentryApi,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<OutputFile> {
    let monitors = plan_monitors(service, api, diagnostics);
    if monitors.is_empty() {
        return None;
    }
    // Validation gives every Sentry SLI and Sentry probe an organization.
    let Some(organization) = monitors.iter().find_map(Monitor::organization) else {
        diagnostics.push(
            Diagnostic::error(
                Code::MissingField,
                format!(
                    "service `{}` has Sentry monitors but no Sentry organization",
                    service.meta.id
                ),
            )
            .at_origin(&service.meta.origin)
            .with_help("add `sentry: {organization: <org slug>}` at the top level of the spec"),
        );
        return None;
    };
    let document = match api {
        SentryApi::Current => current_document(service, organization, &monitors, diagnostics),
        SentryApi::Legacy => legacy_document(service, organization, &monitors, diagnostics),
    };
    Some(OutputFile {
        path: format!("sentry/{}.json", service.meta.id),
        contents: file_text(&document),
    })
}

/// One line per Sentry monitor of an SLO, for `slofile explain`.
pub fn describe(service: &ServicePlan, slo: &SloPlan) -> Vec<String> {
    let mut ignored = Vec::new();
    plan_monitors(service, SentryApi::Current, &mut ignored)
        .iter()
        .filter(|monitor| std::ptr::eq(monitor.slo, slo))
        .map(summary)
        .collect()
}

fn summary(monitor: &Monitor) -> String {
    match &monitor.watch {
        Watch::FailureRate { window, steps, .. } => {
            let conditions: Vec<String> = steps
                .iter()
                .map(|step| {
                    format!(
                        "{} priority above {} ({} tier over {}{})",
                        step.priority.word(),
                        step.tier.error_threshold.percent(),
                        step.tier.severity,
                        step.tier.long.human(),
                        approximated_note(step.tier.long, *window)
                    )
                })
                .collect();
            format!(
                "Sentry failure-rate monitor over {}: {}",
                seconds(*window).human(),
                conditions.join("; ")
            )
        }
        Watch::Latency {
            percentile,
            threshold,
            window,
            priority,
            ..
        } => format!(
            "Sentry p{percentile} monitor over {}: {} priority above {} ms",
            seconds(*window).human(),
            priority.word(),
            threshold.millis()
        ),
        Watch::Uptime {
            probe, interval, ..
        } => format!(
            "Sentry uptime monitor of {} every {}",
            probe.url,
            seconds(*interval).human()
        ),
    }
}

fn approximated_note(asked: Duration, window: u64) -> String {
    if asked.millis() == window * 1000 {
        String::new()
    } else {
        format!(
            "; {} is the nearest window Sentry allows",
            seconds(window).human()
        )
    }
}

fn seconds(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

/// Every monitor of a service, in spec order: per SLO, failure rate by window, then latency, then
/// uptime.
fn plan_monitors<'p>(
    service: &'p ServicePlan,
    api: SentryApi,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Monitor<'p>> {
    let windows = match api {
        SentryApi::Current => SPAN_WINDOWS,
        SentryApi::Legacy => LEGACY_WINDOWS,
    };
    let mut monitors = Vec::new();
    for slo in &service.slos {
        match &slo.slo.sli {
            Sli::Sentry(sli) => {
                for objective in &slo.objectives {
                    match (
                        objective.objective.percentile,
                        objective.objective.threshold,
                    ) {
                        (Some(percentile), Some(threshold)) => monitors.extend(latency_monitor(
                            slo,
                            sli,
                            objective,
                            percentile,
                            threshold,
                            windows,
                            diagnostics,
                        )),
                        _ => monitors.extend(failure_rate_monitors(
                            slo,
                            sli,
                            objective,
                            windows,
                            diagnostics,
                        )),
                    }
                }
            }
            Sli::Probe(probe)
                if probe.provider == ProbeProvider::Sentry && api == SentryApi::Legacy =>
            {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::SentryUnsupported,
                        format!(
                            "SLO `{}`: uptime monitors need Sentry's current API, so `--sentry-api legacy` leaves this one out",
                            slo.slo.id
                        ),
                    )
                    .at_origin(&slo.slo.origin)
                    .with_help("build without `--sentry-api legacy`, or create the uptime monitor in Sentry by hand"),
                );
            }
            Sli::Probe(probe) if probe.provider == ProbeProvider::Sentry => {
                if let Some(scope) = &probe.sentry {
                    let interval = uptime_interval(probe.interval);
                    if interval * 1000 != probe.interval.millis() {
                        diagnostics.push(
                            Diagnostic::info(
                                Code::SentryWindow,
                                format!(
                                    "SLO `{}`: Sentry uptime monitors cannot check every {}; this one checks every {}",
                                    slo.slo.id,
                                    probe.interval.human(),
                                    seconds(interval).human()
                                ),
                            )
                            .at_origin(&slo.slo.origin)
                            .with_help("Sentry checks every 1, 5, 10, 20 or 30 minutes, or every hour"),
                        );
                    }
                    monitors.push(Monitor {
                        key: format!("{}/uptime", slo.slo.id),
                        slo,
                        watch: Watch::Uptime {
                            probe,
                            scope,
                            interval,
                        },
                    });
                }
            }
            _ => {}
        }
    }
    monitors
}

/// One monitor per distinct Sentry window: the page tier with the lowest threshold at that window
/// raises a high-priority issue, the lowest other tier a low-priority one.
fn failure_rate_monitors<'p>(
    slo: &'p SloPlan,
    sli: &'p SentrySli,
    objective: &'p ObjectivePlan,
    windows: &[u64],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Monitor<'p>> {
    let mut by_window: BTreeMap<u64, Vec<&TierPlan>> = BTreeMap::new();
    for tier in objective.alerting_tiers() {
        let Some(window) = nearest_window(tier.long, windows) else {
            continue;
        };
        if window * 1000 != tier.long.millis() {
            let threshold = format!(
                "the tier's error ratio of {}",
                tier.error_threshold.percent()
            );
            diagnostics.push(window_note(
                slo, objective, tier, window, windows, &threshold,
            ));
        }
        by_window.entry(window).or_default().push(tier);
    }
    by_window
        .into_iter()
        .map(|(window, tiers)| {
            let lowest = |priority: Priority| {
                tiers
                    .iter()
                    .copied()
                    .filter(|tier| Priority::of(&tier.severity) == priority)
                    .min_by_key(|tier| tier.error_threshold)
            };
            let high = lowest(Priority::High);
            // A low-priority threshold at or above the high one would never add anything.
            let low = lowest(Priority::Low)
                .filter(|low| high.is_none_or(|high| low.error_threshold < high.error_threshold));
            let steps = [(Priority::High, high), (Priority::Low, low)]
                .into_iter()
                .filter_map(|(priority, tier)| tier.map(|tier| Step { priority, tier }))
                .collect();
            Monitor {
                key: format!(
                    "{}/failure-rate-{}",
                    slo.slo.id,
                    seconds(window).prometheus()
                ),
                slo,
                watch: Watch::FailureRate {
                    sli,
                    objective,
                    window,
                    steps,
                },
            }
        })
        .collect()
}

fn window_note(
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

/// The percentile monitor: above the threshold means more than the objective's budget of slow
/// requests, a burn rate above 1, so its window and priority come from the tier with the lowest
/// burn-rate factor.
#[allow(clippy::too_many_arguments)]
fn latency_monitor<'p>(
    slo: &'p SloPlan,
    sli: &'p SentrySli,
    objective: &'p ObjectivePlan,
    percentile: Ratio,
    threshold: Duration,
    windows: &[u64],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Monitor<'p>> {
    let percentile = percentile.to_decimal();
    if !PERCENTILE_FUNCTIONS.contains(&percentile.as_str()) {
        diagnostics.push(
            Diagnostic::warning(
                Code::SentryUnsupported,
                format!(
                    "SLO `{}`: Sentry has no p{percentile} of span durations, so no latency monitor is written",
                    slo.slo.id
                ),
            )
            .at_origin(&objective.objective.origin)
            .with_help("Sentry monitors p50, p75, p90, p95, p99 and p100"),
        );
        return None;
    }
    let tier = objective.alerting_tiers().min_by_key(|tier| tier.factor);
    let window = match tier {
        Some(tier) => {
            let window = nearest_window(tier.long, windows)?;
            if window * 1000 != tier.long.millis() {
                let threshold = format!("p{percentile} above {} ms", threshold.millis());
                diagnostics.push(window_note(
                    slo, objective, tier, window, windows, &threshold,
                ));
            }
            window
        }
        None => DEFAULT_WINDOW,
    };
    Some(Monitor {
        key: format!("{}/p{percentile}-latency", slo.slo.id),
        slo,
        watch: Watch::Latency {
            sli,
            objective,
            percentile,
            threshold,
            window,
            priority: tier.map_or(Priority::Low, |tier| Priority::of(&tier.severity)),
            tier,
        },
    })
}

/// The search query: the SLI's transaction, without the excluded events.
fn search_query(sli: &SentrySli, api: SentryApi) -> String {
    let escaped = sli.transaction.replace('\\', "\\\\").replace('"', "\\\"");
    let mut terms = Vec::new();
    if api == SentryApi::Current {
        // Spans of every operation share the dataset; the transaction's own span is the request.
        terms.push("is_transaction:true".to_owned());
    }
    terms.push(format!("transaction:\"{escaped}\""));
    if let Some(exclude) = &sli.exclude {
        let exclude = exclude.trim();
        terms.push(match exclude.strip_prefix('!') {
            Some(negated) => negated.to_owned(),
            None => format!("!{exclude}"),
        });
    }
    terms.join(" ")
}

fn name(service: &ServicePlan, slo: &SloPlan, what: &str, limit: usize) -> String {
    let name = format!("{}: {}: {what}", service.meta.id, slo.slo.title);
    clip(&name, limit)
}

fn monitor_name(service: &ServicePlan, monitor: &Monitor, limit: usize) -> String {
    let what = match &monitor.watch {
        Watch::FailureRate { window, .. } => {
            format!("failure rate over {}", seconds(*window).human())
        }
        Watch::Latency {
            percentile,
            threshold,
            window,
            ..
        } => format!(
            "p{percentile} above {} ms over {}",
            threshold.millis(),
            seconds(*window).human()
        ),
        Watch::Uptime { probe, .. } => format!("uptime of {}", probe.url),
    };
    name(service, monitor.slo, &what, limit)
}

fn description(service: &ServicePlan, monitor: &Monitor) -> String {
    let slo = &monitor.slo.slo;
    let mut lines = Vec::new();
    match &monitor.watch {
        Watch::FailureRate {
            sli,
            objective,
            window,
            steps,
        } => {
            lines.push(format!(
                "SLO {}/{}: {} of `{}` requests succeed over {} (error budget {}).",
                service.meta.id,
                slo.id,
                objective.objective.target.percent(),
                sli.transaction,
                slo.window.human(),
                objective.budget.percent()
            ));
            for step in steps {
                let tier = step.tier;
                lines.push(format!(
                    "{} priority above {} failures: the {} tier, {} of the budget within {} (burn rate {}).",
                    capitalized(step.priority.word()),
                    tier.error_threshold.percent(),
                    tier.severity,
                    tier.budget_share.percent(),
                    tier.long.human(),
                    tier.factor.significant(4)
                ));
                if tier.long.millis() != window * 1000 {
                    lines.push(format!(
                        "Sentry has no window of {}: this monitor evaluates {}, the nearest one it allows.",
                        tier.long.human(),
                        seconds(*window).human()
                    ));
                }
            }
            lines.push(format!(
                "Sentry's failure_rate() counts every status but ok, cancelled and unknown as a failure, so it may count failures that the SLO's `{}` does not.",
                sli.failure
            ));
            if let Some(exclude) = &sli.exclude {
                lines.push(format!("Left out: `{exclude}`."));
            }
        }
        Watch::Latency {
            sli,
            objective,
            percentile,
            threshold,
            window,
            priority,
            tier,
        } => {
            lines.push(format!(
                "SLO {}/{}: {} of `{}` requests take at most {} ms over {} (p{percentile} objective).",
                service.meta.id,
                slo.id,
                objective.objective.target.percent(),
                sli.transaction,
                threshold.millis(),
                slo.window.human()
            ));
            lines.push(format!(
                "{} priority when p{percentile} is above {} ms over {}: more than {} of requests are slower, so the budget burns faster than the SLO window allows (burn rate above 1).",
                capitalized(priority.word()),
                threshold.millis(),
                seconds(*window).human(),
                objective.budget.percent()
            ));
            if let Some(tier) = tier
                && tier.long.millis() != window * 1000
            {
                lines.push(format!(
                    "The window follows the {} tier over {}; Sentry has no such window and evaluates {}, the nearest one it allows.",
                    tier.severity,
                    tier.long.human(),
                    seconds(*window).human()
                ));
            }
            if let Some(exclude) = &sli.exclude {
                lines.push(format!("Left out: `{exclude}`."));
            }
        }
        Watch::Uptime {
            probe, interval, ..
        } => {
            let target = monitor
                .slo
                .objectives
                .first()
                .map(|objective| format!("{} of checks", objective.objective.target.percent()))
                .unwrap_or_else(|| "checks".to_owned());
            lines.push(format!(
                "SLO {}/{}: {target} of {} {} succeed over {}.",
                service.meta.id,
                slo.id,
                probe.method,
                probe.url,
                slo.window.human()
            ));
            lines.push(format!(
                "Sentry checks every {}; the spec asks for every {}.",
                seconds(*interval).human(),
                probe.interval.human()
            ));
        }
    }
    lines.push("Generated by slofile; edit the spec, not this monitor.".to_owned());
    lines.join("\n")
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The channels an SLO's Sentry alert notifies: those the spec names, else every channel Sentry
/// can notify.
fn alert_channels<'m>(service: &'m ServicePlan, slo: &SloPlan) -> Vec<&'m Channel> {
    let named: &[String] = match &slo.slo.sli {
        Sli::Sentry(sli) => &sli.channels,
        Sli::Probe(probe) => &probe.channels,
        _ => &[],
    };
    let channels: Vec<&Channel> = if named.is_empty() {
        service.meta.channels.iter().collect()
    } else {
        named
            .iter()
            .filter_map(|id| service.meta.channel(id))
            .collect()
    };
    channels
        .into_iter()
        .filter(|ch| ch.sentry_notifiable())
        .collect()
}

/// Pagers only hear about high-priority issues; every other channel hears about all of them.
fn is_pager(channel: &Channel) -> bool {
    channel.kind == ChannelType::Pagerduty
}

/// `team:<id>` or `user:<id>` of a `sentry` channel.
fn sentry_recipient(channel: &Channel) -> Option<(&'static str, &str)> {
    let target = channel.target.as_deref()?;
    let (kind, id) = target.split_once(':')?;
    let kind = match kind {
        "team" => "team",
        "user" => "user",
        _ => return None,
    };
    (!id.is_empty() && id.chars().all(|ch| ch.is_ascii_digit())).then_some((kind, id))
}

/// A `sentry` channel whose target names no team or user: the current API notifies the issue
/// owners instead, which the spec language promises only for channels without a target.
fn recipient_note(service: &ServicePlan, channel: &Channel, api: SentryApi) -> Option<Diagnostic> {
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

fn no_channel_note(slo: &SloPlan) -> Diagnostic {
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

// --- Current API -------------------------------------------------------------------------------

fn current_document(
    service: &ServicePlan,
    organization: &str,
    monitors: &[Monitor],
    diagnostics: &mut Vec<Diagnostic>,
) -> Value {
    let bodies: Vec<Value> = monitors
        .iter()
        .map(|monitor| {
            json!({
                "key": monitor.key,
                "project": monitor.project(),
                "body": detector_body(service, monitor),
            })
        })
        .collect();
    let mut alerts = Vec::new();
    let mut noted = Vec::new();
    for slo in &service.slos {
        let keys: Vec<&str> = monitors
            .iter()
            .filter(|monitor| std::ptr::eq(monitor.slo, slo))
            .map(|monitor| monitor.key.as_str())
            .collect();
        if keys.is_empty() {
            continue;
        }
        let channels = alert_channels(service, slo);
        if channels.is_empty() {
            diagnostics.push(no_channel_note(slo));
            continue;
        }
        for channel in &channels {
            if !noted.contains(&channel.id)
                && let Some(note) = recipient_note(service, channel, SentryApi::Current)
            {
                noted.push(channel.id.clone());
                diagnostics.push(note);
            }
        }
        let environment = monitors
            .iter()
            .find(|monitor| std::ptr::eq(monitor.slo, slo))
            .and_then(Monitor::environment);
        alerts.push(json!({
            "key": slo.slo.id,
            "monitors": keys,
            "body": workflow_body(service, slo, &channels, environment),
        }));
    }
    json!({
        "organization": organization,
        "monitors": bodies,
        "alerts": alerts,
    })
}

fn detector_body(service: &ServicePlan, monitor: &Monitor) -> Value {
    let mut body = Map::new();
    body.insert("name".into(), json!(monitor_name(service, monitor, 200)));
    body.insert("description".into(), json!(description(service, monitor)));
    body.insert("enabled".into(), json!(true));
    let environment = monitor.environment();
    match &monitor.watch {
        Watch::FailureRate {
            sli, window, steps, ..
        } => {
            body.insert("type".into(), json!("metric_issue"));
            body.insert("config".into(), json!({"detectionType": "static"}));
            body.insert(
                "dataSources".into(),
                json!([span_source("failure_rate()", sli, *window, environment)]),
            );
            // Sentry compares failure_rate()'s value as it comes, a fraction: 0.0672, not 6.72.
            let fraction = |tier: &TierPlan| number(tier.error_threshold);
            let mut conditions: Vec<Value> = steps
                .iter()
                .map(|step| {
                    json!({
                        "type": "gt",
                        "comparison": fraction(step.tier),
                        "conditionResult": step.priority.level(),
                    })
                })
                .collect();
            if let Some(lowest) = steps
                .iter()
                .map(|step| step.tier)
                .min_by_key(|tier| tier.error_threshold)
            {
                conditions.push(
                    json!({"type": "lte", "comparison": fraction(lowest), "conditionResult": 0}),
                );
            }
            body.insert(
                "conditionGroup".into(),
                json!({"logicType": "any", "conditions": conditions}),
            );
        }
        Watch::Latency {
            sli,
            percentile,
            threshold,
            window,
            priority,
            ..
        } => {
            body.insert("type".into(), json!("metric_issue"));
            body.insert("config".into(), json!({"detectionType": "static"}));
            let aggregate = format!("p{percentile}(span.duration)");
            body.insert(
                "dataSources".into(),
                json!([span_source(&aggregate, sli, *window, environment)]),
            );
            let millis = threshold.millis();
            body.insert(
                "conditionGroup".into(),
                json!({
                    "logicType": "any",
                    "conditions": [
                        {"type": "gt", "comparison": millis, "conditionResult": priority.level()},
                        {"type": "lte", "comparison": millis, "conditionResult": 0},
                    ],
                }),
            );
        }
        Watch::Uptime {
            probe, interval, ..
        } => {
            body.insert("type".into(), json!("uptime_domain_failure"));
            let mut config = json!({"downtimeThreshold": 3, "recoveryThreshold": 1});
            if let (Some(environment), Some(config)) = (environment, config.as_object_mut()) {
                config.insert("environment".into(), json!(environment));
            }
            body.insert("config".into(), config);
            let timeout = probe
                .timeout
                .unwrap_or(Duration::from_secs(DEFAULT_TIMEOUT_SECS));
            body.insert(
                "dataSources".into(),
                json!([{
                    "url": probe.url,
                    "method": probe.method,
                    "intervalSeconds": interval,
                    "timeoutMs": timeout.millis(),
                }]),
            );
        }
    }
    Value::Object(body)
}

/// A data source over the spans dataset, where Sentry keeps transaction durations and statuses.
fn span_source(aggregate: &str, sli: &SentrySli, window: u64, environment: Option<&str>) -> Value {
    json!({
        "aggregate": aggregate,
        "dataset": "events_analytics_platform",
        "eventTypes": ["trace_item_span"],
        "query": search_query(sli, SentryApi::Current),
        "queryType": 1,
        "timeWindow": window,
        "environment": environment,
    })
}

fn workflow_body(
    service: &ServicePlan,
    slo: &SloPlan,
    channels: &[&Channel],
    environment: Option<&str>,
) -> Value {
    let filter = |priority: Priority, channels: Vec<&&Channel>| {
        json!({
            "logicType": "all",
            "conditions": [{
                "type": "issue_priority_greater_or_equal",
                "comparison": priority.level(),
                "conditionResult": true,
            }],
            "actions": channels.iter().map(|ch| workflow_action(ch)).collect::<Vec<_>>(),
        })
    };
    let (pagers, others): (Vec<&&Channel>, Vec<&&Channel>) =
        channels.iter().partition(|ch| is_pager(ch));
    let mut filters = Vec::new();
    if !pagers.is_empty() {
        filters.push(filter(Priority::High, pagers));
    }
    if !others.is_empty() {
        filters.push(filter(Priority::Low, others));
    }
    let mut body = Map::new();
    body.insert("name".into(), json!(name(service, slo, "SLO alert", 256)));
    body.insert("enabled".into(), json!(true));
    // Every status change of a metric issue is its own notification; throttling could swallow
    // the escalation from low to high priority.
    body.insert("config".into(), json!({"frequency": 0}));
    body.insert("actionFilters".into(), json!(filters));
    if let Some(environment) = environment {
        body.insert("environment".into(), json!(environment));
    }
    Value::Object(body)
}

fn workflow_action(channel: &Channel) -> Value {
    let display = channel.name.clone().or_else(|| channel.target.clone());
    match channel.kind {
        ChannelType::Slack => json!({
            "type": "slack",
            "integrationId": channel.sentry_integration_id,
            "config": {
                "targetType": "specific",
                "targetIdentifier": "",
                "targetDisplay": channel.target,
            },
            "data": {},
            "status": "active",
        }),
        ChannelType::Pagerduty => json!({
            "type": "pagerduty",
            "integrationId": channel.sentry_integration_id,
            "config": {
                "targetType": "specific",
                "targetIdentifier": channel.target,
                "targetDisplay": display,
            },
            "data": {"priority": "critical"},
            "status": "active",
        }),
        _ => match sentry_recipient(channel) {
            Some((kind, id)) => json!({
                "type": "email",
                "integrationId": null,
                "config": {"targetType": kind, "targetIdentifier": id, "targetDisplay": null},
                "data": {},
                "status": "active",
            }),
            None => json!({
                "type": "email",
                "integrationId": null,
                "config": {"targetType": "issue_owners", "targetIdentifier": "", "targetDisplay": null},
                "data": {"fallthroughType": "ActiveMembers"},
                "status": "active",
            }),
        },
    }
}

// --- Legacy API --------------------------------------------------------------------------------

fn legacy_document(
    service: &ServicePlan,
    organization: &str,
    monitors: &[Monitor],
    diagnostics: &mut Vec<Diagnostic>,
) -> Value {
    let mut rules = Vec::new();
    let mut noted = Vec::new();
    // Uptime monitors have no legacy form; `plan_monitors` reports them and leaves them out.
    for monitor in monitors {
        let channels = alert_channels(service, monitor.slo);
        if channels.is_empty() && !noted.contains(&monitor.slo.slo.id) {
            noted.push(monitor.slo.slo.id.clone());
            diagnostics.push(no_channel_note(monitor.slo));
        }
        for channel in &channels {
            if !noted.contains(&channel.id)
                && let Some(note) = recipient_note(service, channel, SentryApi::Legacy)
            {
                noted.push(channel.id.clone());
                diagnostics.push(note);
            }
        }
        if let Some(body) = alert_rule_body(service, monitor, &channels) {
            rules.push(json!({"key": monitor.key, "body": body}));
        }
    }
    json!({
        "organization": organization,
        "alertRules": rules,
    })
}

fn alert_rule_body(
    service: &ServicePlan,
    monitor: &Monitor,
    channels: &[&Channel],
) -> Option<Value> {
    let (sli, window, aggregate, triggers) = match &monitor.watch {
        Watch::FailureRate {
            sli, window, steps, ..
        } => {
            // Sentry requires a critical trigger: the highest-priority step is always it.
            // A window with ticket tiers only still needs one: it is labelled critical, and like
            // every low-priority trigger it leaves the pagers out.
            let triggers = steps
                .iter()
                .enumerate()
                .map(|(i, step)| {
                    let label = if i == 0 {
                        "critical"
                    } else {
                        step.priority.legacy_label()
                    };
                    legacy_trigger(
                        label,
                        number(step.tier.error_threshold),
                        step.priority,
                        channels,
                    )
                })
                .collect::<Vec<_>>();
            (*sli, *window, "failure_rate()".to_owned(), triggers)
        }
        Watch::Latency {
            sli,
            percentile,
            threshold,
            window,
            priority,
            ..
        } => (
            *sli,
            *window,
            format!("p{percentile}(transaction.duration)"),
            vec![legacy_trigger(
                "critical",
                json!(threshold.millis()),
                *priority,
                channels,
            )],
        ),
        Watch::Uptime { .. } => return None,
    };
    // Legacy rules have no description: the name says which tiers they watch.
    let mut name = monitor_name(service, monitor, 256);
    if let Watch::FailureRate { steps, .. } = &monitor.watch {
        let tiers: Vec<String> = steps
            .iter()
            .map(|step| {
                format!(
                    "{} tier over {}",
                    step.tier.severity,
                    step.tier.long.human()
                )
            })
            .collect();
        name = clip(&format!("{name} ({})", tiers.join(", ")), 256);
    }
    let mut body = Map::new();
    body.insert("name".into(), json!(name));
    body.insert("aggregate".into(), json!(aggregate));
    // Self-hosted Sentry from before span monitors keeps transactions in their own dataset.
    body.insert("dataset".into(), json!("transactions"));
    body.insert("eventTypes".into(), json!(["transaction"]));
    body.insert("queryType".into(), json!(1));
    body.insert("query".into(), json!(search_query(sli, SentryApi::Legacy)));
    body.insert("projects".into(), json!([sli.project]));
    body.insert("thresholdType".into(), json!(0));
    body.insert("timeWindow".into(), json!(window / 60));
    body.insert("triggers".into(), json!(triggers));
    if let Some(environment) = &sli.environment {
        body.insert("environment".into(), json!(environment));
    }
    Some(Value::Object(body))
}

/// A trigger notifies every channel at high priority, and all but the pagers otherwise.
fn legacy_trigger(
    label: &str,
    threshold: Value,
    priority: Priority,
    channels: &[&Channel],
) -> Value {
    let actions: Vec<Value> = channels
        .iter()
        .filter(|ch| priority == Priority::High || !is_pager(ch))
        .filter_map(|ch| legacy_action(ch))
        .collect();
    json!({"label": label, "alertThreshold": threshold, "actions": actions})
}

fn legacy_action(channel: &Channel) -> Option<Value> {
    // Legacy actions take integration ids as numbers; validation ensures they are digits.
    let integration = |id: &Option<String>| match id.as_deref().map(str::parse::<u64>) {
        Some(Ok(number)) => json!(number),
        _ => json!(id),
    };
    match channel.kind {
        ChannelType::Slack => Some(json!({
            "type": "slack",
            "targetType": "specific",
            "targetIdentifier": channel.target,
            "integrationId": integration(&channel.sentry_integration_id),
        })),
        ChannelType::Pagerduty => {
            // PagerDuty targets are Sentry's numeric service ids.
            let target = match channel.target.as_deref().map(str::parse::<u64>) {
                Some(Ok(number)) => json!(number),
                _ => json!(channel.target),
            };
            Some(json!({
                "type": "pagerduty",
                "targetType": "specific",
                "targetIdentifier": target,
                "integrationId": integration(&channel.sentry_integration_id),
                "priority": "critical",
            }))
        }
        _ => sentry_recipient(channel)
            .map(|(kind, id)| json!({"type": "email", "targetType": kind, "targetIdentifier": id})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Duration {
        Duration::parse(text).unwrap()
    }

    fn nearest(text: &str, windows: &[u64]) -> String {
        seconds(nearest_window(d(text), windows).unwrap()).prometheus()
    }

    #[test]
    fn allowed_windows_are_kept() {
        for window in ["5m", "10m", "15m", "30m", "1h", "2h", "4h", "1d"] {
            assert_eq!(nearest(window, SPAN_WINDOWS), window);
        }
        assert_eq!(nearest("1m", LEGACY_WINDOWS), "1m");
    }

    #[test]
    fn windows_map_to_the_nearest_by_ratio() {
        // The built-in tiers' long windows.
        assert_eq!(nearest("6h", SPAN_WINDOWS), "4h");
        assert_eq!(nearest("3d", SPAN_WINDOWS), "1d");
        // 3 h is 1.5 times 2 h and 1.33 times 4 h.
        assert_eq!(nearest("3h", SPAN_WINDOWS), "4h");
        // 20 m: 15 m is 1.33 times away, 30 m 1.5 times.
        assert_eq!(nearest("20m", SPAN_WINDOWS), "15m");
        // Beyond either end.
        assert_eq!(nearest("28d", SPAN_WINDOWS), "1d");
        assert_eq!(nearest("1m", SPAN_WINDOWS), "5m");
        assert_eq!(nearest("30s", LEGACY_WINDOWS), "1m");
    }

    #[test]
    fn ties_go_to_the_longer_window() {
        // 3 m is 3 times 1 m and a third of 9 m; 10 m is twice 5 m and half of 20 m.
        assert_eq!(nearest_window(d("3m"), &[60, 540]), Some(540));
        assert_eq!(nearest_window(d("10m"), &[300, 1200]), Some(1200));
    }

    #[test]
    fn no_allowed_windows_means_none() {
        assert_eq!(nearest_window(d("1h"), &[]), None);
    }

    #[test]
    fn uptime_intervals_never_check_less_often() {
        let interval = |text: &str| seconds(uptime_interval(d(text))).prometheus();
        assert_eq!(interval("5m"), "5m");
        assert_eq!(interval("2m"), "1m");
        assert_eq!(interval("15m"), "10m");
        assert_eq!(interval("2h"), "1h");
        assert_eq!(interval("30s"), "1m");
    }

    #[test]
    fn queries_exclude_and_escape() {
        let sli = SentrySli {
            organization: None,
            project: "api".into(),
            transaction: "POST /a \"b\"".into(),
            failure: "http.status_code:5*".into(),
            exclude: Some("http.status_code:401".into()),
            environment: None,
            channels: Vec::new(),
        };
        assert_eq!(
            search_query(&sli, SentryApi::Current),
            r#"is_transaction:true transaction:"POST /a \"b\"" !http.status_code:401"#
        );
        let negated = SentrySli {
            exclude: Some("!has:user".into()),
            ..sli
        };
        assert_eq!(
            search_query(&negated, SentryApi::Legacy),
            r#"transaction:"POST /a \"b\"" has:user"#
        );
    }
}
