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
//!
//! [`plan`] decides the monitors; [`current`], [`legacy`] and the Terraform backend render them.

pub(crate) mod current;
pub(crate) mod legacy;
pub(crate) mod plan;
pub(crate) mod text;

use super::json::file_text;
use super::{Backend, EmitOptions, Emitted, OutputFile, Sink};
use crate::compile::{Plan, ServicePlan, SloPlan};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::units::Duration;
use current::current_document;
use legacy::legacy_document;
pub use plan::{
    DEFAULT_TIMEOUT_SECS, LEGACY_WINDOWS, SPAN_WINDOWS, UPTIME_INTERVALS, nearest_window,
    uptime_interval,
};
use plan::{Monitor, Watch, plan_monitors, seconds};

/// Which Sentry API the bodies are for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SentryApi {
    /// Monitors (`detectors`) and alerts (`workflows`).
    #[default]
    Current,
    /// Metric alert rules (`alert-rules`), for self-hosted Sentry that predates monitors.
    Legacy,
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
            // With the current API every error and warning here is one compile reported; only
            // the legacy API needs the current API's list to tell its own apart.
            let reported = match options.sentry_api {
                SentryApi::Current => Vec::new(),
                SentryApi::Legacy => problems(service),
            };
            let current = options.sentry_api == SentryApi::Current;
            emitted.diagnostics.extend(notes.into_iter().filter(|note| {
                note.severity == Severity::Info
                    || !current
                        && !reported
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
