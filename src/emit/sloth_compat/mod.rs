//! `build --compat sloth`: Prometheus rules shaped as Sloth v0.16 writes them, in place of
//! slofile's own at the same path (`prometheus/<service>.rules.yml`), so that what is built on
//! Sloth's output keeps working: its Grafana dashboards, Alertmanager routes on its labels, and
//! promtool tests written against its rules.
//!
//! Per SLO objective, three groups, as Sloth writes them (each far below the 20 rules a Mimir
//! ruler accepts per group):
//!
//! - `sloth-slo-sli-recordings-<sloth_id>`: `slo:sli_error:ratio_rate<w>` for every window the
//!   Plan records, and for the SLO period (see [`recording`]);
//! - `sloth-slo-meta-recordings-<sloth_id>`: `slo:objective:ratio`, `slo:error_budget:ratio`,
//!   `slo:time_period:days`, `slo:current_burn_rate:ratio`, `slo:period_burn_rate:ratio`,
//!   `slo:period_error_budget_remaining:ratio` and `sloth_slo_info`;
//! - `sloth-slo-alerts-<sloth_id>`: the page alert, ORing its tiers, and the ticket alert (see
//!   [`alerts`]); no group when no tier alerts.
//!
//! Every series carries the service's and the SLO's labels and Sloth's `sloth_id`,
//! `sloth_service` and `sloth_slo` ([`identity`]); SLI series also `sloth_window`.
//!
//! What stays slofile's: the Plan decides the alerts, windows and thresholds, so thresholds are
//! printed exactly (`0.0144`, not `(14.4 * 0.0009999999999999432)`) and only the windows an alert
//! uses are recorded; where the SLI counts events, compliance over the period is weighted by
//! traffic (Sloth averages 5-minute ratios, Sloth #241), under Sloth's series name.

mod alerts;
mod identity;
mod recording;

use super::prometheus::{PrometheusFormat, Rule, package};
use super::yaml_writer::comment;
use super::{Backend, EmitOptions, OutputFile, Sink};
use crate::compile::{Measure, Plan, ServicePlan, SloPlan};
use crate::diagnostics::{Code, Diagnostic, Origin};
use identity::SlothIds;
use serde::Serialize;
use std::sync::Arc;

/// Whose conventions the Prometheus rules follow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Compat {
    /// slofile's own series, alerts and promtool tests.
    #[default]
    Slofile,
    /// Sloth v0.16's recorded series, labels, groups and alerts.
    Sloth,
}

/// The backends of a build: with `--compat sloth`, Sloth-shaped rules replace the Prometheus
/// backend's own.
pub fn select(backends: Vec<Box<dyn Backend>>, compat: Compat) -> Vec<Box<dyn Backend>> {
    match compat {
        Compat::Slofile => backends,
        Compat::Sloth => backends
            .into_iter()
            .map(|backend| -> Box<dyn Backend> {
                if backend.name() == SlothRules.name() {
                    Box::new(SlothRules)
                } else {
                    backend
                }
            })
            .collect(),
    }
}

/// The Sloth-compatible Prometheus backend.
pub struct SlothRules;

impl Backend for SlothRules {
    fn name(&self) -> &'static str {
        "prometheus"
    }

    fn emit(&self, plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let mut notes = Vec::new();
        for service in &plan.services {
            let Some(contents) = rule_file(service, options.prometheus_format) else {
                continue;
            };
            sink(OutputFile {
                path: format!("prometheus/{}.rules.yml", service.meta.id),
                contents,
            });
            notes.extend(not_in_sloths_rules(service));
        }
        notes
    }
}

/// The Plan's notes, as they hold for the rules written: with `--compat sloth` a Sloth `events`
/// SLI's compliance is weighted by traffic (see [`recording`]), so the note that it is averaged
/// over time, true of slofile's own rules, goes.
pub fn plan_notes(plan: &Plan, compat: Compat) -> Vec<Diagnostic> {
    if compat == Compat::Slofile {
        return plan.notes.clone();
    }
    let weighted: Vec<&Origin> = plan
        .services
        .iter()
        .flat_map(|service| &service.slos)
        .filter(|slo| slo.slo.sloth.as_ref().is_some_and(|s| s.events.is_some()))
        .map(|slo| &slo.slo.origin)
        .collect();
    let about_weighted = |note: &Diagnostic| {
        weighted.iter().any(|origin| {
            note.span == Some(origin.span)
                && note
                    .file
                    .as_ref()
                    .is_some_and(|file| Arc::ptr_eq(file, &origin.file))
        })
    };
    plan.notes
        .iter()
        .filter(|note| !(note.code == Code::TimeWeightedCompliance && about_weighted(note)))
        .cloned()
        .collect()
}

/// A rule group as Sloth names it.
#[derive(Serialize)]
struct Group {
    name: String,
    rules: Vec<Rule>,
}

/// The rule file of one service, or `None` when Prometheus measures none of its SLOs.
pub fn rule_file(service: &ServicePlan, format: PrometheusFormat) -> Option<String> {
    let mut groups = Vec::new();
    for slo in &service.slos {
        groups.extend(slo_groups(service, slo));
    }
    if groups.is_empty() {
        return None;
    }
    let mut out = comment(&format!(
        "Generated by slofile from {} in Sloth's conventions (--compat sloth). Do not edit: change the spec and run `slofile build --compat sloth`.",
        service.meta.source
    ));
    out.push_str(&comment(
        "Per SLO: Sloth's SLI, metadata and alert groups. Thresholds are exact; compliance over the period is weighted by traffic where the SLI counts events.",
    ));
    out.push_str(&package(service, groups, format));
    Some(out)
}

/// The groups of one SLO: three per objective, as Sloth writes them.
fn slo_groups(service: &ServicePlan, slo: &SloPlan) -> Vec<Group> {
    let Some(measure) = &slo.measure else {
        return Vec::new();
    };
    let mut groups = Vec::new();
    for (index, objective) in slo.objectives.iter().enumerate() {
        let ids = SlothIds::new(service, slo, objective);
        // The compile stage shaped every expression; a failure here would be a bug, and leaves
        // the objective out rather than writing half its rules.
        let Ok(sli) = recording::sli_rules(&ids, slo, measure, index) else {
            continue;
        };
        groups.push(Group {
            name: format!("sloth-slo-sli-recordings-{}", ids.id),
            rules: sli,
        });
        groups.push(Group {
            name: format!("sloth-slo-meta-recordings-{}", ids.id),
            rules: recording::meta_rules(&ids, slo, objective),
        });
        let alerts = alerts::alert_rules(&ids, slo, objective);
        if !alerts.is_empty() {
            groups.push(Group {
                name: format!("sloth-slo-alerts-{}", ids.id),
                rules: alerts,
            });
        }
    }
    groups
}

/// What slofile's own rules have and Sloth's do not: the promtool test file; the static,
/// missing-data and missing-bucket alerts, which read slofile's own series; `min_events`.
fn not_in_sloths_rules(service: &ServicePlan) -> Vec<Diagnostic> {
    let mut notes = vec![
        Diagnostic::info(
            Code::NoPrometheusRules,
            format!(
                "service `{}`: no promtool test file with `--compat sloth`",
                service.meta.id
            ),
        )
        .at_origin(&service.meta.origin)
        .with_help(
            "the generated tests assert slofile's own series and alerts; keep the promtool tests written for Sloth's rules, which pass on these, or build once more without the flag to get slofile's tests",
        ),
    ];
    for slo in service.slos.iter().filter(|s| s.measure.is_some()) {
        let mut left_out: Vec<String> = slo
            .prometheus_alerts()
            .map(|alert| format!("static alert `{}`", alert.id))
            .collect();
        if slo.slo.missing_data.is_some() {
            left_out.push("the missing-data alert".to_owned());
        }
        for guard in slo.bucket_guards() {
            left_out.push(format!(
                "the missing-bucket alert at {}",
                guard.threshold.human()
            ));
        }
        if let (Some(min), true) = (
            slo.slo.min_events,
            slo.measure.as_ref().is_some_and(Measure::counts_events),
        ) {
            notes.push(
                Diagnostic::warning(
                    Code::MinEventsIgnored,
                    format!(
                        "SLO `{}`: min_events {min} is not enforced by Sloth-compatible rules",
                        slo.slo.id
                    ),
                )
                .at_origin(&slo.slo.origin)
                .with_help(
                    "Sloth's alerts have no minimum of events; build without `--compat sloth` to keep quiet periods from paging",
                ),
            );
        }
        if left_out.is_empty() {
            continue;
        }
        notes.push(
            Diagnostic::warning(
                Code::AlertNotEvaluated,
                format!(
                    "SLO `{}`: {} {} not in Sloth-compatible rules",
                    slo.slo.id,
                    left_out.join(", "),
                    if left_out.len() > 1 { "are" } else { "is" }
                ),
            )
            .at_origin(&slo.slo.origin)
            .with_help(
                "Sloth's rules have burn-rate alerts only; build without `--compat sloth` to evaluate these alerts",
            ),
        );
    }
    notes
}
