//! The Grafana backend: one dashboard per service with Prometheus rules in
//! `grafana/<service>.json`, and `grafana/provisioning.yaml`, a file provider that loads them.
//!
//! Each SLO gets a row of panels (see [`panels`]) whose queries read only the series the
//! service's recording rules write, or `ALERTS` (see [`queries`]): names come from
//! [`crate::compile::series`], windows and tiers from the Plan, so a dashboard cannot query a
//! series its rules do not record. The `uid`, panel ids and links are
//! [`crate::compile::dashboard`]'s, which alerts and documents link to.
//!
//! With `--grafana-format configmap` each dashboard is instead a Kubernetes ConfigMap,
//! `grafana/<service>.yaml`, which the Grafana sidecar of prometheus-operator setups loads; no
//! provisioning file is needed then.

pub mod dashboard;
pub mod panels;
mod policy;
pub mod provisioning;
pub mod queries;
pub mod reference;
pub mod variables;

use super::{Backend, EmitOptions, OutputFile, Sink};
use crate::compile::{Plan, ServicePlan, SloPlan};
use crate::diagnostics::Diagnostic;

/// How the dashboards are packaged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum GrafanaFormat {
    /// Dashboard JSON files and a file provider for Grafana's provisioning.
    #[default]
    Dashboards,
    /// One ConfigMap per dashboard, labelled `grafana_dashboard: "1"` for the Grafana sidecar.
    Configmap,
}

/// The Grafana backend.
pub struct Grafana;

/// The SLOs of a service that get a row, with their index in the service: those with rules.
pub fn dashboard_slos(service: &ServicePlan) -> Vec<(usize, &SloPlan)> {
    service
        .slos
        .iter()
        .enumerate()
        .filter(|(_, plan)| plan.slo.sli.in_prometheus())
        .collect()
}

impl Backend for Grafana {
    fn name(&self) -> &'static str {
        "grafana"
    }

    /// Dashboards are large: each goes to the sink as soon as it is written, services spread over
    /// the cores.
    fn emit(&self, plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let written = crate::parallel::map(&plan.services, |service| {
            let slos = dashboard_slos(service);
            if slos.is_empty() {
                return false;
            }
            let id = &service.meta.id;
            let text = dashboard::file_text(service, &slos);
            sink(match options.grafana_format {
                GrafanaFormat::Dashboards => OutputFile {
                    path: format!("grafana/{id}.json"),
                    contents: text,
                },
                GrafanaFormat::Configmap => OutputFile {
                    path: format!("grafana/{id}.yaml"),
                    contents: provisioning::config_map(service, &text),
                },
            });
            true
        });
        let with_dashboards: Vec<&ServicePlan> = plan
            .services
            .iter()
            .zip(written)
            .filter_map(|(service, written)| written.then_some(service))
            .collect();
        if !with_dashboards.is_empty() && options.grafana_format == GrafanaFormat::Dashboards {
            sink(OutputFile {
                path: "grafana/provisioning.yaml".to_owned(),
                contents: provisioning::provisioning_file(&with_dashboards),
            });
        }
        // Dashboards have nothing to say that the rules have not said.
        Vec::new()
    }
}
