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
use crate::diagnostics::{Code, Diagnostic};
use identity::SlothIds;
use serde::Serialize;

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
            let id = &service.meta.id;
            let rules_file = format!("{id}.rules.yml");
            sink(OutputFile {
                path: format!("prometheus/{rules_file}"),
                contents,
            });
            if options.prometheus_format == PrometheusFormat::Rules {
                let tests = crate::emit::prometheus::sloth_test_file(
                    service,
                    &alert_shapes(service),
                    &rule_groups(service),
                    &rules_file,
                );
                sink(OutputFile {
                    path: format!("prometheus/{id}.test.yml"),
                    contents: tests.every_minute,
                });
                if let Some(windows) = tests.windows {
                    sink(OutputFile {
                        path: format!(
                            "prometheus/{}",
                            crate::emit::prometheus::windows_test_file(id)
                        ),
                        contents: windows,
                    });
                }
            } else {
                notes.push(
                    Diagnostic::info(
                        Code::NoPrometheusRules,
                        format!(
                            "service `{id}`: no promtool test file with `--compat sloth --prometheus-format {}`",
                            options.prometheus_format.name()
                        ),
                    )
                    .at_origin(&service.meta.origin)
                    .with_help(
                        "promtool reads only plain rule files; build once more without `--prometheus-format` to get the rule and test files to run in CI",
                    ),
                );
            }
            notes.extend(not_in_sloths_rules(service));
            // A Sloth `events` SLI's compliance is weighted by traffic here (see [`recording`]);
            // the other SLIs without event counts are averaged over time, as in slofile's rules.
            notes.extend(
                service
                    .slos
                    .iter()
                    .filter(|slo| slo.slo.sloth.as_ref().is_none_or(|s| s.events.is_none()))
                    .filter_map(SloPlan::time_weighted_note),
            );
        }
        notes
    }
}

/// The names of the rule groups in file order: promtool evaluates them in this order, so that
/// alerts read the SLI series of the same evaluation.
fn rule_groups(service: &ServicePlan) -> Vec<String> {
    service
        .slos
        .iter()
        .flat_map(|slo| slo_groups(service, slo))
        .map(|group| group.name)
        .collect()
}

/// The alerts of every objective of a service's SLOs, as its tests need them.
fn alert_shapes(service: &ServicePlan) -> Vec<crate::emit::prometheus::SlothAlert<'_>> {
    let mut shapes = Vec::new();
    for slo in service.slos.iter().filter(|s| s.measure.is_some()) {
        for (index, objective) in slo.objectives.iter().enumerate() {
            let ids = SlothIds::new(service, slo, objective);
            shapes.extend(alerts::alert_shapes(&ids, slo, objective, index));
        }
    }
    shapes
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

/// What slofile's own rules have and Sloth's do not: the static,
/// missing-data and missing-bucket alerts, which read slofile's own series; `min_events`.
fn not_in_sloths_rules(service: &ServicePlan) -> Vec<Diagnostic> {
    let mut notes = Vec::new();
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
