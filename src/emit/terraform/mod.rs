//! Terraform: `terraform/<service>.tf.json`, the service's Sentry and UptimeRobot monitors as
//! resources of the `jianyuan/sentry` and `uptimerobot/uptimerobot` providers, in Terraform's
//! JSON configuration syntax.
//!
//! Terraform is the applier the raw JSON bodies lack: it creates each monitor once, updates it
//! by id, wires the monitors' ids into the alerts (`sentry_alert.monitor_ids` references
//! `${sentry_metric_monitor.<name>.id}`) and deletes what the spec no longer has. The resources
//! render the same planned monitors as the Sentry and UptimeRobot backends; nothing is decided
//! here. Resource names come from the spec's ids, so they stay stable across builds. The files
//! hold no secrets: the providers read their tokens from `SENTRY_AUTH_TOKEN` and
//! `UPTIMEROBOT_API_KEY`.

pub mod document;
pub mod sentry;
pub mod uptimerobot;

use super::json::file_text;
use super::{Backend, EmitOptions, Emitted, OutputFile, Sink};
use crate::compile::sentry::SentryApi;
use crate::compile::{Plan, ServicePlan};
use crate::diagnostics::Diagnostic;
use document::Document;

/// The Terraform backend.
pub struct Terraform;

impl Backend for Terraform {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn emit(&self, plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let mut emitted = Emitted::default();
        for service in &plan.services {
            if let Some(file) = emit_service(service, options.sentry_api, &mut emitted.diagnostics)
            {
                emitted.files.push(file);
            }
        }
        emitted.hand_to(sink)
    }
}

/// The service's file, or none when it has no Sentry or UptimeRobot monitor.
fn emit_service(
    service: &ServicePlan,
    api: SentryApi,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<OutputFile> {
    let mut document = Document::default();
    sentry::add_resources(&mut document, service, api, diagnostics);
    uptimerobot::add_resources(&mut document, service);
    (!document.is_empty()).then(|| OutputFile {
        path: format!("terraform/{}.tf.json", service.meta.id),
        contents: file_text(&document.to_json()),
    })
}
