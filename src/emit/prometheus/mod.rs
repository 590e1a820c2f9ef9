//! The Prometheus backend: recording rules, multiwindow multi-burn-rate alerts, static threshold
//! alerts and missing-data alerts in `prometheus/<service>.rules.yml`, and a `promtool test rules`
//! file that proves them in `prometheus/<service>.test.yml`.
//!
//! # Series
//!
//! Every SLO gets one rule group, so that rulers in Thanos or Mimir can shard by SLO. For each
//! window an alert needs (and always 5m), the group records:
//!
//! - `slo:sli_events:rate<w>`: events per second, from the user's counters, histogram, probe or
//!   gauge; the one place that reads raw series, for windows under an hour (longer windows
//!   average the recorded 5m rates, see `rules.rs`);
//! - `slo:sli_errors:rate<w>`: failed events per second, one series per objective;
//! - `slo:sli_error:ratio_rate<w>`: their ratio, from the two recorded series above.
//!
//! Series carry `service`, `slo`, the SLO's `group_by` labels and the spec's labels. A latency SLO
//! with several percentile objectives records one error series per objective, told apart by an
//! `objective` label (`objective="p95"`); `slo` stays the SLO id, so dashboards select a whole SLO
//! with one matcher. Events are counted once per SLO: they do not depend on the objective.
//!
//! # Compliance over the SLO window
//!
//! `slo:sli_error:ratio_rate<window>` (e.g. `ratio_rate28d`) is the ratio of the sums of the
//! recorded 5m error and event rates over the window: `sum_over_time(errors[28d]) /
//! sum_over_time(events[28d])`. Each 5m rate sample weighs its events by traffic, so a busy hour
//! counts for more than a quiet one, as it should. Two cheaper-looking alternatives are wrong or
//! expensive: averaging the 5m ratios (`avg_over_time(ratio[28d])`) gives a quiet night's single
//! failed request the weight of a busy hour (Sloth #241), and `rate(raw[28d])` re-reads four weeks
//! of every raw series at every evaluation (Pyrra #1440). The sums read one recorded series per
//! SLO. An `error_ratio_query` gives no event counts, so its compliance has to be the time-weighted
//! average of its 5m ratio; slofile says so in an info line.
//!
//! # Zero traffic
//!
//! No traffic means `0 / 0`. Every ratio divides by `(events > 0)` and falls back to `0 * errors`
//! with `or`, so a window without events has an error ratio of exactly 0: no alert fires, and the
//! remaining budget stays a number. Nothing here produces NaN or ±Inf.
//!
//! # Files
//!
//! This file holds the backend and [`SloRules`], what every other file reads; `rules.rs` builds
//! the recording rules, `alerts.rs` the alerting rules, `template.rs` their annotation templates,
//! `format.rs` writes rule files in each `--prometheus-format`, and `promtool/` the test file.

mod alerts;
mod bucket_guard;
mod exhaustion;
pub(crate) mod expr;
mod format;
mod heartbeat;
mod policy;
mod promtool;
mod rules;
mod template;
mod window;

use alerts::{Alert, AlertKind};
pub use format::PrometheusFormat;
use format::rule_file;
pub(crate) use format::{Rule, Text, package};
use template::Template;

pub(crate) use promtool::{SlothAlert, windows_test_file};
pub(crate) use window::{
    MEASURE_LABEL, Measured, WindowQueries, service_error_ratios, service_firing_alerts,
    service_queries, window_queries,
};

use super::{Backend, EmitOptions, OutputFile, Sink};
pub(crate) use crate::compile::measure::{Errors, Measure};
use crate::compile::{ObjectivePlan, Plan, ServicePlan, SloPlan, series};
use crate::diagnostics::{Code, Diagnostic};
use crate::units::Duration;
use expr::ShapeError;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The Prometheus backend.
pub struct Prometheus;

impl Backend for Prometheus {
    fn name(&self) -> &'static str {
        "prometheus"
    }

    /// Rules and tests are most of a build's output: each service's files go as soon as they
    /// are ready.
    fn emit(&self, plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let per_service = crate::parallel::map(&plan.services, |service| {
            let (files, notes) = emit_service(service, options);
            files.into_iter().for_each(sink);
            notes
        });
        per_service.into_iter().flatten().collect()
    }
}

/// The promtool test files of `--compat sloth`'s rules (see `promtool/sloth.rs`).
pub(crate) fn sloth_test_file(
    service: &ServicePlan,
    alerts: &[SlothAlert],
    groups: &[String],
    rules_file: &str,
) -> promtool::TestFiles {
    promtool::sloth_test_file(service, &shape_service(service), alerts, groups, rules_file)
}

/// The rules of every SLO of `service` that Prometheus measures.
fn shape_service(service: &ServicePlan) -> Vec<SloRules<'_>> {
    service
        .slos
        .iter()
        .filter_map(|slo| SloRules::build(service, slo))
        .collect()
}

/// The files of one service; the notes that compliance is averaged over time where it is, and
/// that `--prometheus-format operator` leaves out the test file.
fn emit_service(
    service: &ServicePlan,
    options: &EmitOptions,
) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let slos = shape_service(service);
    if slos.is_empty() && service.meta.heartbeat.is_none() {
        return (files, notes);
    }
    let id = &service.meta.id;
    let rules_file = format!("{id}.rules.yml");
    files.push(OutputFile {
        path: format!("prometheus/{rules_file}"),
        contents: rule_file(service, &slos, options.prometheus_format),
    });
    notes.extend(
        service
            .slos
            .iter()
            .filter_map(crate::compile::SloPlan::time_weighted_note),
    );
    match options.prometheus_format {
        PrometheusFormat::Rules => {
            let tests = promtool::test_file(service, &slos, &rules_file);
            files.push(OutputFile {
                path: format!("prometheus/{id}.test.yml"),
                contents: tests.every_minute,
            });
            if let Some(windows) = tests.windows {
                files.push(OutputFile {
                    path: format!("prometheus/{}", promtool::windows_test_file(id)),
                    contents: windows,
                });
            }
        }
        format @ (PrometheusFormat::Operator
        | PrometheusFormat::Mimir
        | PrometheusFormat::Thanos) => notes.push(
            Diagnostic::info(
                Code::NoPrometheusRules,
                format!(
                    "service `{id}`: no promtool test file with `--prometheus-format {}`",
                    format.name()
                ),
            )
            .at_origin(&service.meta.origin)
            .with_help(
                "promtool reads only plain rule files; build once more without the flag to get the rule and test files to run in CI",
            ),
        ),
    }
    (files, notes)
}

/// The labels of a series or an alert.
pub(crate) type Labels = BTreeMap<String, String>;

/// Everything the rule file and the test file say about one SLO.
pub(crate) struct SloRules<'a> {
    pub service: &'a ServicePlan,
    pub plan: &'a SloPlan,
    pub measure: Measure,
    /// The windows recorded for alerts, ascending; always includes 5m.
    pub windows: Vec<Duration>,
    /// `service`, `slo` and the spec's labels: on every series and alert of this SLO.
    pub labels: BTreeMap<String, String>,
    pub recording: Vec<Rule>,
    pub alerts: Vec<Alert>,
    /// The labels of recorded series, by objective name: shared by the SLO's many rules.
    shared_labels: Vec<(Option<String>, Arc<Labels>)>,
}

impl<'a> SloRules<'a> {
    /// The rules of one SLO, or `None` when Prometheus does not measure it. Every decision is
    /// the Plan's: the measure and its shape, the tiers, the windows, who evaluates each alert.
    fn build(service: &'a ServicePlan, plan: &'a SloPlan) -> Option<SloRules<'a>> {
        let slo = &plan.slo;
        let measure = plan.measure.clone()?;
        let mut labels = service.meta.labels.clone();
        labels.extend(slo.labels.clone());
        labels.insert(series::label::SERVICE.to_owned(), service.meta.id.clone());
        labels.insert(series::label::SLO.to_owned(), slo.id.clone());

        let mut rules = SloRules {
            service,
            plan,
            measure,
            windows: plan.recorded_windows(),
            labels,
            recording: Vec::new(),
            alerts: Vec::new(),
            shared_labels: Vec::new(),
        };
        // The compile stage has shaped every expression; a failure here would be a bug, and
        // leaves the SLO out rather than writing half its rules.
        rules.record().ok()?;
        rules.alert();
        Some(rules)
    }

    fn slo_id(&self) -> &str {
        &self.plan.slo.id
    }

    fn group_by(&self) -> &[String] {
        &self.plan.slo.group_by
    }

    fn has_objective_label(&self) -> bool {
        self.plan
            .objectives
            .iter()
            .any(|o| o.objective.name.is_some())
    }

    /// The matcher set of this SLO's series: `{service="…",slo="…"}`.
    fn slo_matchers(&self) -> Vec<(&str, &str)> {
        vec![
            (series::label::SERVICE, self.service.meta.id.as_str()),
            (series::label::SLO, self.slo_id()),
        ]
    }

    fn objective_matchers<'s>(&'s self, objective: &'s ObjectivePlan) -> Vec<(&'s str, &'s str)> {
        let mut matchers = self.slo_matchers();
        if let Some(name) = &objective.objective.name {
            matchers.push((series::label::OBJECTIVE, name.as_str()));
        }
        matchers
    }

    pub(crate) fn slo_series(&self, name: &str) -> String {
        expr::selector(name, &self.slo_matchers())
    }

    pub(crate) fn objective_series(&self, name: &str, objective: &ObjectivePlan) -> String {
        expr::selector(name, &self.objective_matchers(objective))
    }

    /// `ignoring (objective) group_left` where errors carry an objective label and events do not;
    /// `group_left` keeps the objective label on the result.
    fn objective_matching(&self) -> &'static str {
        if self.has_objective_label() {
            " ignoring (objective) group_left ()"
        } else {
            ""
        }
    }

    /// Labels of a recorded series of an objective.
    pub(crate) fn series_labels(
        &self,
        objective: Option<&ObjectivePlan>,
    ) -> BTreeMap<String, String> {
        let mut labels = self.labels.clone();
        if let Some(name) = objective.and_then(|o| o.objective.name.as_ref()) {
            labels.insert(series::label::OBJECTIVE.to_owned(), name.clone());
        }
        labels
    }

    /// The events-per-second expression for a window, from raw series.
    pub(crate) fn events_expr(&self, window: Duration) -> Result<String, ShapeError> {
        self.measure.events_expr(self.group_by(), window)
    }

    fn errors_expr(&self, index: usize, window: Duration) -> Result<Errors, ShapeError> {
        self.measure.errors_expr(self.group_by(), index, window)
    }
}
