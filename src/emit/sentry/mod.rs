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
//! [`crate::compile::sentry`] decides the monitors; [`current`], [`legacy`] and the Terraform
//! backend render them.

pub(crate) mod current;
pub(crate) mod legacy;
pub(crate) mod text;

use super::json::file_text;
use super::{Backend, EmitOptions, OutputFile, Sink};
use crate::compile::sentry::{Monitor, SentryApi, Watch, seconds};
use crate::compile::{Plan, ServicePlan};
use crate::diagnostics::Diagnostic;
use crate::units::Duration;
use current::current_document;
use legacy::legacy_document;

/// The Sentry backend.
pub struct Sentry;

impl Backend for Sentry {
    fn name(&self) -> &'static str {
        "sentry"
    }

    /// What Sentry's current API cannot express of a spec is reported by the compile stage; what
    /// is left to say is how this build's API renders it (the planned API's notes): windows
    /// mapped to the nearest one Sentry allows, and what `--sentry-api legacy` leaves out.
    fn emit(&self, plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let mut notes = Vec::new();
        for service in &plan.services {
            if let Some(file) = emit_service(service, options.sentry_api) {
                sink(file);
            }
            notes.extend(service.sentry.api(options.sentry_api).notes.iter().cloned());
        }
        notes
    }
}

fn emit_service(service: &ServicePlan, api: SentryApi) -> Option<OutputFile> {
    let monitors = service.sentry_monitors(api);
    // Compile reports monitors without an organization as an error, so no plan has them.
    let organization = service.sentry.organization.as_deref()?;
    if monitors.is_empty() {
        return None;
    }
    let document = match api {
        SentryApi::Current => current_document(service, organization, &monitors),
        SentryApi::Legacy => legacy_document(service, organization, &monitors),
    };
    Some(OutputFile {
        path: format!("sentry/{}.json", service.meta.id),
        contents: file_text(&document),
    })
}

/// One line per Sentry monitor (current API) of the SLO at `slo` in the service, for `slofile
/// explain`.
pub fn describe(service: &ServicePlan, slo: usize) -> Vec<String> {
    service
        .sentry_monitors(SentryApi::Current)
        .iter()
        .filter(|monitor| monitor.slo_index == slo)
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
