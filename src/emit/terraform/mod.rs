//! Terraform: `terraform/<service>.tf.json`, the service's Sentry and UptimeRobot monitors as
//! resources of the `jianyuan/sentry` and `uptimerobot/uptimerobot` providers, in Terraform's
//! JSON configuration syntax, and `terraform/providers.tf.json`, the providers they need.
//!
//! The files of `terraform/` are one root module: `cd terraform && terraform init` reads them
//! together. So the `terraform` block with `required_providers` is written once, in
//! `providers.tf.json`, and resource names carry their service
//! ([`document::resource_name`]: `<service>_<key>`), unique across the module.
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
use document::{Document, Provider, providers_json};

/// The Terraform backend.
pub struct Terraform;

impl Backend for Terraform {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn emit(&self, plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let mut emitted = Emitted::default();
        // Of every service's resources; `providers_json` keeps each provider once.
        let mut required: Vec<Provider> = Vec::new();
        for service in &plan.services {
            let document = service_document(service, options.sentry_api, &mut emitted.diagnostics);
            if document.is_empty() {
                continue;
            }
            required.extend(document.providers());
            emitted.files.push(OutputFile {
                path: format!("terraform/{}.tf.json", service.meta.id),
                contents: file_text(&document.to_json()),
            });
        }
        if !required.is_empty() {
            emitted.files.push(OutputFile {
                path: PROVIDERS_FILE.to_owned(),
                contents: file_text(&providers_json(required)),
            });
        }
        emitted.hand_to(sink)
    }
}

/// The module's one `terraform` block, with the providers of every service's resources.
pub const PROVIDERS_FILE: &str = "terraform/providers.tf.json";

/// The service's resources; empty when it has no Sentry or UptimeRobot monitor.
fn service_document(
    service: &ServicePlan,
    api: SentryApi,
    diagnostics: &mut Vec<Diagnostic>,
) -> Document {
    let mut document = Document::default();
    sentry::add_resources(&mut document, service, api, diagnostics);
    uptimerobot::add_resources(&mut document, service);
    document
}
