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
//!   gauge; the one place that reads raw series;
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

mod bucket_guard;
pub(crate) mod promql;
mod promtool;
mod window;

pub(crate) use window::{Measured, WindowQueries, window_queries};

/// The `le` matcher of a bucket boundary and PromQL string literals, for other outputs that
/// select histogram buckets.
pub(crate) use promql::{le_regex, string_literal};

use super::{Backend, EmitOptions, OutputFile, Sink};
pub(crate) use crate::compile::measure::{Errors, Measure};
use crate::compile::{BASE_WINDOW, ObjectivePlan, Plan, ServicePlan, SloPlan, TierPlan, series};
use crate::diagnostics::{Code, Diagnostic};
use crate::spec::{AlertSignal, AlertSource, Sli, StaticAlert};
use crate::units::{Duration, Ratio};
use promql::ShapeError;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How the rules are packaged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum PrometheusFormat {
    /// A plain Prometheus rule file, for `rule_files:`.
    #[default]
    Rules,
    /// A prometheus-operator `PrometheusRule` object (`monitoring.coreos.com/v1`).
    Operator,
}

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

/// The rules of every SLO of `service` that Prometheus measures.
fn shape_service(service: &ServicePlan) -> Vec<SloRules<'_>> {
    service
        .slos
        .iter()
        .filter_map(|slo| SloRules::build(service, slo))
        .collect()
}

/// The files of one service, and the note that `--prometheus-format operator` leaves out the
/// test file.
fn emit_service(
    service: &ServicePlan,
    options: &EmitOptions,
) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let slos = shape_service(service);
    if slos.is_empty() {
        return (files, notes);
    }
    let id = &service.meta.id;
    let rules_file = format!("{id}.rules.yml");
    files.push(OutputFile {
        path: format!("prometheus/{rules_file}"),
        contents: rule_file(service, &slos, options.prometheus_format),
    });
    match options.prometheus_format {
        PrometheusFormat::Rules => files.push(OutputFile {
            path: format!("prometheus/{id}.test.yml"),
            contents: promtool::test_file(service, &slos, &rules_file),
        }),
        PrometheusFormat::Operator => notes.push(
            Diagnostic::info(
                Code::NoPrometheusRules,
                format!("service `{id}`: no promtool test file with `--prometheus-format operator`"),
            )
            .at_origin(&service.meta.origin)
            .with_help(
                "promtool cannot read a PrometheusRule object; build once more without the flag to get the rule and test files to run in CI",
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

/// Suffixes of the generated alerts' names: `ExchangeCompletionErrorBudgetBurn`.
pub(crate) const BURN_ALERT: &str = "ErrorBudgetBurn";
const MISSING_ALERT: &str = "SliDataMissing";

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
        promql::selector(name, &self.slo_matchers())
    }

    pub(crate) fn objective_series(&self, name: &str, objective: &ObjectivePlan) -> String {
        promql::selector(name, &self.objective_matchers(objective))
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

    fn record(&mut self) -> Result<(), ShapeError> {
        let window = self.plan.slo.window;
        if let Measure::ErrorRatioQuery(query) = self.measure.clone() {
            for w in self.windows.clone() {
                let text = query.replace("{{window}}", &w.prometheus());
                promql::parse(&text)?;
                // A comparison filter drops the NaN of windows without traffic.
                self.push_record(series::error_ratio(w), format!("({text}) >= 0"), None);
            }
            if !self.windows.contains(&window) {
                let base = self.slo_series(&series::error_ratio(BASE_WINDOW));
                self.push_record(
                    series::error_ratio(window),
                    format!("avg_over_time({base}[{window}])"),
                    None,
                );
            }
        } else {
            let on = promql::on_clause(self.group_by());
            let matching = self.objective_matching();
            for &w in &self.windows.clone() {
                self.push_record(series::events_rate(w), self.events_expr(w)?, None);
                let events = self.slo_series(&series::events_rate(w));
                for (index, objective) in self.plan.objectives.iter().enumerate() {
                    let expr = match self.errors_expr(index, w)? {
                        Errors::Bad(bad) => format!("{bad}\nor {on}\n0 * {events}"),
                        // Without good events (a total outage can remove the series) every
                        // event failed.
                        Errors::Good(good) => {
                            format!("clamp_min({events} - {on} {good}, 0)\nor {on}\n{events}")
                        }
                    };
                    self.push_record(series::errors_rate(w), expr, Some(objective));
                }
                for objective in &self.plan.objectives {
                    let errors = self.objective_series(&series::errors_rate(w), objective);
                    self.push_record(
                        series::error_ratio(w),
                        format!("{errors}\n/{matching} ({events} > 0)\nor\n0 * {errors}"),
                        Some(objective),
                    );
                }
            }
            if !self.windows.contains(&window) {
                let events = self.slo_series(&series::events_rate(BASE_WINDOW));
                for objective in &self.plan.objectives {
                    let errors =
                        self.objective_series(&series::errors_rate(BASE_WINDOW), objective);
                    self.push_record(
                        series::error_ratio(window),
                        format!(
                            "sum_over_time({errors}[{window}])\n/{matching} (sum_over_time({events}[{window}]) > 0)\nor\n0 * {errors}"
                        ),
                        Some(objective),
                    );
                }
            }
        }
        self.record_metadata();
        Ok(())
    }

    fn record_metadata(&mut self) {
        let slo = &self.plan.slo;
        let window = slo.window;
        let mut info = self.labels.clone();
        info.insert(series::label::TITLE.to_owned(), slo.title.clone());
        info.insert(series::label::WINDOW.to_owned(), window.prometheus());
        self.recording.push(Rule::recording(
            series::INFO,
            "vector(1)".to_owned(),
            Arc::new(info),
        ));
        self.push_record(
            series::WINDOW_SECONDS.to_owned(),
            format!("vector({})", window.as_ratio_secs().to_decimal()),
            None,
        );
        for objective in &self.plan.objectives {
            self.push_record(
                series::OBJECTIVE_RATIO.to_owned(),
                format!("vector({})", objective.objective.target.to_decimal()),
                Some(objective),
            );
            self.push_record(
                series::ERROR_BUDGET_RATIO.to_owned(),
                format!("vector({})", objective.budget.to_decimal()),
                Some(objective),
            );
            let ratio = self.objective_series(&series::error_ratio(window), objective);
            self.push_record(
                series::ERROR_BUDGET_REMAINING.to_owned(),
                format!("1 - {ratio} / {}", objective.budget.to_decimal()),
                Some(objective),
            );
        }
    }

    fn push_record(&mut self, name: String, expr: String, objective: Option<&ObjectivePlan>) {
        let key = objective.and_then(|o| o.objective.name.clone());
        let labels =
            if let Some((_, labels)) = self.shared_labels.iter().find(|(name, _)| *name == key) {
                Arc::clone(labels)
            } else {
                let labels = Arc::new(self.series_labels(objective));
                self.shared_labels.push((key, Arc::clone(&labels)));
                labels
            };
        self.recording.push(Rule::recording(&name, expr, labels));
    }

    fn alert(&mut self) {
        let mut alerts = Vec::new();
        for (index, objective) in self.plan.objectives.iter().enumerate() {
            for tier in objective.alerting_tiers() {
                alerts.push(self.burn_alert(index, objective, tier));
            }
        }
        // The Plan says which static alerts Prometheus evaluates; their expressions take shape.
        alerts.extend(
            self.plan
                .prometheus_alerts()
                .filter_map(|alert| self.static_alert(alert).ok()),
        );
        if let Some(missing) = self.missing_data_alert() {
            alerts.push(missing);
        }
        // Compile shaped the histogram's selector with the same `le` matchers (see
        // `Measure::errors_expr`), so the guards always take shape here.
        alerts.extend(self.bucket_guard_alerts().unwrap_or_default());
        self.alerts = alerts;
    }

    fn alert_name(&self, suffix: &str) -> String {
        format!("{}{suffix}", camel_case(self.slo_id()))
    }

    /// `{Slo}{Alert}`, kept apart from the names of the generated alerts, which tests and routes
    /// select by name.
    fn static_alert_name(&self, id: &str) -> String {
        let name = camel_case(id);
        if [BURN_ALERT, MISSING_ALERT, bucket_guard::BUCKET_ALERT].contains(&name.as_str()) {
            self.alert_name(&format!("{name}Static"))
        } else {
            self.alert_name(&name)
        }
    }

    /// Labels every alert of this SLO carries, before its own.
    fn alert_labels(
        &self,
        severity: &str,
        escalation: Option<&String>,
    ) -> BTreeMap<String, String> {
        let mut labels = self.labels.clone();
        labels.extend(self.plan.slo.alert_labels.clone());
        labels.insert(series::label::SEVERITY.to_owned(), severity.to_owned());
        if let Some(escalation) = escalation {
            labels.insert(series::label::ESCALATION.to_owned(), escalation.clone());
        }
        labels
    }

    fn links(&self, annotations: &mut BTreeMap<String, Template>) {
        let slo = &self.plan.slo;
        if let Some(url) = &slo.runbook_url {
            annotations.insert("runbook_url".to_owned(), Template::text(url));
        }
        if let Some(url) = &slo.dashboard {
            annotations.insert("dashboard".to_owned(), Template::text(url));
        }
    }

    /// `title (p95)` for objectives with names.
    fn title(&self, objective: &ObjectivePlan) -> String {
        match &objective.objective.name {
            Some(name) => format!("{} ({name})", self.plan.slo.title),
            None => self.plan.slo.title.clone(),
        }
    }

    /// ` for tenant={{ $labels.tenant }}` on grouped SLOs.
    fn group_suffix(&self, template: &mut Template) {
        for (i, label) in self.group_by().iter().enumerate() {
            template.push_text(if i == 0 { " for " } else { ", " });
            template.push_text(&format!("{label}="));
            template.push_label(label);
        }
    }

    /// `99.5%`, or `95% of events within 500 ms`, and the window.
    fn describe_objective(&self, objective: &ObjectivePlan) -> String {
        let target = objective.objective.target.percent();
        let window = self.plan.slo.window.human();
        match objective.objective.threshold {
            Some(threshold) => format!(
                "{target} of {} within {} over {window}",
                self.measure.noun(),
                threshold.human()
            ),
            None => format!("{target} over {window}"),
        }
    }

    /// What a failed event is: `failed`, `took longer than 500 ms`.
    fn failing(&self, objective: &ObjectivePlan) -> String {
        match (&self.measure, objective.objective.threshold) {
            (Measure::Histogram { .. }, Some(threshold)) => {
                format!("took longer than {}", threshold.human())
            }
            (
                Measure::Gauge {
                    good_below,
                    threshold,
                    ..
                },
                _,
            ) => {
                let unit = match &self.plan.slo.sli {
                    Sli::Gauge(gauge) => gauge
                        .unit
                        .clone()
                        .map(|u| format!(" {u}"))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                let side = if *good_below {
                    "at or above"
                } else {
                    "at or below"
                };
                format!("had the gauge {side} {threshold}{unit}")
            }
            _ => "failed".to_owned(),
        }
    }

    fn burn_alert(&self, index: usize, objective: &ObjectivePlan, tier: &TierPlan) -> Alert {
        let slo = &self.plan.slo;
        let threshold = tier.error_threshold.to_decimal();
        let ratio = |w: Duration| self.objective_series(&series::error_ratio(w), objective);
        let mut expr = format!(
            "{} > {threshold}\nand\n{} > {threshold}",
            ratio(tier.long),
            ratio(tier.short)
        );
        if let (Some(min), false) = (
            slo.min_events,
            matches!(self.measure, Measure::ErrorRatioQuery(_)),
        ) {
            let matching = if self.has_objective_label() {
                " ignoring (objective)"
            } else {
                ""
            };
            expr.push_str(&format!(
                "\nand{matching}\n{} * {} >= {min}",
                self.slo_series(&series::events_rate(tier.long)),
                tier.long.as_ratio_secs().to_decimal()
            ));
        }
        let mut labels = self.alert_labels(&tier.severity, tier.escalation.as_ref());
        // Validation keeps slofile's own label names out of a tier's labels.
        labels.extend(tier.labels.clone());
        labels.insert(
            series::label::LONG_WINDOW.to_owned(),
            tier.long.prometheus(),
        );
        labels.insert(
            series::label::SHORT_WINDOW.to_owned(),
            tier.short.prometheus(),
        );
        if let Some(name) = &objective.objective.name {
            labels.insert(series::label::OBJECTIVE.to_owned(), name.clone());
        }

        let mut summary = Template::text(&format!(
            "{}: error budget burn rate above {} over {} and {}",
            self.title(objective),
            tier.factor,
            tier.long,
            tier.short
        ));
        self.group_suffix(&mut summary);
        let description = Template::text(&format!(
            "More than {} of {} {} over both the last {} and {}, against an objective of {}. At this burn rate {} of the error budget ({}) is spent within {}, and all of it within {}.",
            tier.error_threshold.percent(),
            self.measure.noun(),
            self.failing(objective),
            tier.long.human(),
            tier.short.human(),
            self.describe_objective(objective),
            tier.budget_share.percent(),
            objective.budget_time.human(),
            tier.long.human(),
            tier.exhaustion.human(),
        ));
        let mut annotations = BTreeMap::new();
        annotations.insert("summary".to_owned(), summary);
        annotations.insert("description".to_owned(), description);
        self.links(&mut annotations);
        Alert {
            name: self.alert_name(BURN_ALERT),
            expr,
            for_: tier.for_,
            labels,
            annotations,
            kind: AlertKind::Burn {
                objective: index,
                tier: Box::new(tier.clone()),
            },
        }
    }

    fn static_alert(&self, alert: &StaticAlert) -> Result<Alert, String> {
        let slo = &self.plan.slo;
        let compare = if alert.above { ">" } else { "<" };
        let side = if alert.above { "above" } else { "below" };
        let value = alert.threshold.value().to_decimal();
        // Signals of the SLI keep its `group_by` labels; other expressions may not.
        let grouped = matches!(
            alert.source,
            AlertSource::Signal(
                AlertSignal::ErrorRatio | AlertSignal::Compliance | AlertSignal::Percentile
            )
        );
        let (expr, what) = match (&alert.source, &self.measure) {
            (AlertSource::Expr(expr), _) => {
                promql::parse(expr).map_err(|e| e.clone())?;
                (format!("({expr}) {compare} {value}"), format!("`{expr}`"))
            }
            (
                AlertSource::Signal(AlertSignal::ErrorRatio),
                Measure::Counters { .. } | Measure::ErrorRatioQuery(_),
            ) => (
                format!(
                    "{} {compare} {value}",
                    self.slo_series(&series::error_ratio(alert.over))
                ),
                format!("the error ratio over {}", alert.over.human()),
            ),
            (AlertSource::Signal(AlertSignal::Value), Measure::Gauge { query, .. }) => (
                format!("({query}) {compare} {value}"),
                "the gauge".to_owned(),
            ),
            (AlertSource::Signal(AlertSignal::Percentile), Measure::Histogram { buckets, .. }) => {
                let percentile = alert
                    .percentile
                    .ok_or_else(|| "a percentile alert needs `percentile`".to_owned())?;
                let quantile = percentile
                    .checked_div(Ratio::integer(100))
                    .map_err(|_| "percentile out of range".to_owned())?;
                let mut by = vec!["le".to_owned()];
                by.extend(self.group_by().iter().cloned());
                (
                    format!(
                        "histogram_quantile({quantile}, sum{}(rate({buckets}[{}]))) {compare} {value}",
                        promql::by_clause(&by),
                        alert.over
                    ),
                    format!("p{} over {}", percentile.to_decimal(), alert.over.human()),
                )
            }
            (AlertSource::Signal(AlertSignal::Compliance), _) => {
                let selector = match alert.percentile.and_then(|p| {
                    self.plan
                        .objectives
                        .iter()
                        .find(|o| o.objective.percentile == Some(p))
                }) {
                    Some(objective) => {
                        self.objective_series(&series::error_ratio(slo.window), objective)
                    }
                    None => self.slo_series(&series::error_ratio(slo.window)),
                };
                (
                    format!("1 - {selector} {compare} {value}"),
                    format!("compliance over {}", slo.window.human()),
                )
            }
            (AlertSource::Signal(signal), _) => {
                return Err(format!(
                    "the `{}` signal of a {} SLI is not in Prometheus",
                    crate::spec::validate::signal_name(*signal),
                    slo.sli.kind()
                ));
            }
        };
        let threshold = alert.threshold.human();
        let summary = match &alert.summary {
            Some(summary) => format!("{}: {summary}", slo.title),
            None => format!("{}: {what} is {side} {threshold}", slo.title),
        };
        let held = alert
            .for_
            .filter(|d| d.millis() > 0)
            .map(|d| format!(" for {}", d.human()))
            .unwrap_or_default();
        let mut annotations = BTreeMap::new();
        let mut summary = Template::text(&summary);
        if grouped {
            self.group_suffix(&mut summary);
        }
        annotations.insert("summary".to_owned(), summary);
        annotations.insert(
            "description".to_owned(),
            Template::text(&format!(
                "Static alert `{}` of {}: {what} has been {side} {threshold}{held}.",
                alert.id, slo.title
            )),
        );
        self.links(&mut annotations);
        Ok(Alert {
            name: self.static_alert_name(&alert.id),
            expr,
            for_: alert.for_.unwrap_or_default(),
            labels: self.alert_labels(&alert.severity, alert.escalation.as_ref()),
            annotations,
            kind: AlertKind::Static,
        })
    }

    fn missing_data_alert(&self) -> Option<Alert> {
        let slo = &self.plan.slo;
        let missing = slo.missing_data.as_ref()?;
        let expr = match &self.measure {
            // Error counters may be absent for good reasons; only when every series the query
            // reads is gone is the SLI missing.
            Measure::ErrorRatioQuery(query) => {
                let parsed = promql::parse_shared(&query.replace("{{window}}", "5m")).ok()?;
                let mut absents: Vec<String> = Vec::new();
                for selector in promql::selectors(&parsed) {
                    let absent = format!("absent({selector})");
                    if !absents.contains(&absent) {
                        absents.push(absent);
                    }
                }
                absents.join(" and on ()\n")
            }
            _ => format!(
                "absent({})",
                self.slo_series(&series::events_rate(BASE_WINDOW))
            ),
        };
        let mut annotations = BTreeMap::new();
        annotations.insert(
            "summary".to_owned(),
            Template::text(&format!("{}: no SLI data", slo.title)),
        );
        annotations.insert(
            "description".to_owned(),
            Template::text(&format!(
                "The series that measure {} have been absent for {}, so its burn-rate alerts cannot fire. Check that they are still scraped and that their names and labels match the spec.",
                slo.title,
                missing.for_.human()
            )),
        );
        self.links(&mut annotations);
        Some(Alert {
            name: self.alert_name(MISSING_ALERT),
            expr,
            for_: missing.for_,
            labels: self.alert_labels(&missing.severity, None),
            annotations,
            kind: AlertKind::MissingData,
        })
    }

    fn group(&self) -> Group<'_> {
        Group {
            name: format!("slofile:{}:{}", self.service.meta.id, self.slo_id()),
            recording: &self.recording,
            alerts: self.alerts.iter().map(Alert::rule).collect(),
        }
    }
}

/// `exchange-completion` → `ExchangeCompletion`.
pub(crate) fn camel_case(id: &str) -> String {
    id.split('-')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// What kind of alert, for the test generator.
#[derive(Debug, Clone)]
pub(crate) enum AlertKind {
    Burn {
        objective: usize,
        tier: Box<TierPlan>,
    },
    Static,
    MissingData,
    /// A histogram without a bucket at `threshold` (see `bucket_guard.rs`).
    BucketMissing {
        threshold: Duration,
    },
}

/// One alerting rule, with its label values and annotations as they appear once fired.
#[derive(Debug, Clone)]
pub(crate) struct Alert {
    pub name: String,
    pub expr: String,
    pub for_: Duration,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, Template>,
    pub kind: AlertKind,
}

impl Alert {
    fn rule(&self) -> Rule {
        Rule::Alerting {
            alert: self.name.clone(),
            expr: Text(self.expr.clone()),
            for_: (self.for_.millis() > 0).then(|| self.for_.prometheus()),
            // Prometheus expands templates in alert labels too.
            labels: self
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), escape_template(v)))
                .collect(),
            annotations: self
                .annotations
                .iter()
                .map(|(k, v)| (k.clone(), v.source()))
                .collect(),
        }
    }
}

/// An annotation: text and `$labels` references. Prometheus expands annotations as Go templates,
/// so text from specs is escaped and can never open a template action.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Template(Vec<Piece>);

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Label(String),
}

impl Template {
    fn text(text: &str) -> Template {
        Template(vec![Piece::Text(text.to_owned())])
    }

    fn push_text(&mut self, text: &str) {
        self.0.push(Piece::Text(text.to_owned()));
    }

    fn push_label(&mut self, label: &str) {
        self.0.push(Piece::Label(label.to_owned()));
    }

    /// The template as Prometheus reads it.
    pub(crate) fn source(&self) -> String {
        self.0
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => escape_template(text),
                Piece::Label(label) => format!("{{{{ $labels.{label} }}}}"),
            })
            .collect()
    }

    /// The text once expanded for a series with these labels.
    pub(crate) fn render(&self, labels: &BTreeMap<String, String>) -> String {
        self.0
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.clone(),
                Piece::Label(label) => labels.get(label).cloned().unwrap_or_default(),
            })
            .collect()
    }
}

/// Escapes text for a Go template: every `{` becomes an action printing `{`, so no `{{` of the
/// text, and no `{` next to a template action, can open an action.
fn escape_template(text: &str) -> String {
    text.replace('{', "{{ \"{\" }}")
}

/// A rule as written to YAML.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum Rule {
    Recording {
        record: String,
        expr: Text,
        #[serde(skip_serializing_if = "no_labels")]
        labels: Arc<Labels>,
    },
    Alerting {
        alert: String,
        expr: Text,
        #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
        for_: Option<String>,
        labels: BTreeMap<String, String>,
        annotations: BTreeMap<String, String>,
    },
}

fn no_labels(labels: &Arc<Labels>) -> bool {
    labels.is_empty()
}

impl Rule {
    fn recording(name: &str, expr: String, labels: Arc<Labels>) -> Rule {
        Rule::Recording {
            record: name.to_owned(),
            expr: Text(expr),
            labels,
        }
    }
}

/// A PromQL expression: a literal block when it spans lines, so it reads as written.
#[derive(Debug, Clone)]
pub(crate) struct Text(pub String);

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::emit::yaml::Literal(&self.0).serialize(serializer)
    }
}

/// A rule group: the recording rules, which the SLO keeps, and then its alerts. Output runs to
/// tens of megabytes, so the recording rules are borrowed, not copied.
struct Group<'a> {
    name: String,
    recording: &'a [Rule],
    alerts: Vec<Rule>,
}

impl Serialize for Group<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Rules<'a>(&'a Group<'a>);
        impl Serialize for Rules<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.recording.iter().chain(&self.0.alerts))
            }
        }
        use serde::ser::SerializeStruct;
        let mut group = serializer.serialize_struct("Group", 2)?;
        group.serialize_field("name", &self.name)?;
        group.serialize_field("rules", &Rules(self))?;
        group.end()
    }
}

#[derive(Serialize)]
struct RuleFile<G> {
    groups: G,
}

#[derive(Serialize)]
struct PrometheusRule<G> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata,
    spec: RuleFile<G>,
}

#[derive(Serialize)]
struct Metadata {
    name: String,
    labels: BTreeMap<String, String>,
}

/// Serialises generated YAML. Block scalars are chosen explicitly (see [`Text`]); everything
/// else is a plain or quoted scalar, so label values with quotes, newlines or `#` stay data.
pub(crate) fn to_yaml<T: Serialize>(value: &T) -> String {
    crate::emit::yaml::to_string(value)
        .unwrap_or_else(|error| format!("# cannot serialise: {error}\n"))
}

/// `# ` comment lines; control characters in the text cannot end the comment early.
pub(crate) fn comment(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("# {clean}\n")
}

fn rule_file(service: &ServicePlan, slos: &[SloRules], format: PrometheusFormat) -> String {
    let groups: Vec<Group> = slos.iter().map(SloRules::group).collect();
    let mut out = comment(&format!(
        "Generated by slofile from {}. Do not edit: change the spec and run `slofile build`.",
        service.meta.source
    ));
    out.push_str(&comment(
        "One group per SLO. Recorded series: slo:sli_events:rate<w>, slo:sli_errors:rate<w> and slo:sli_error:ratio_rate<w> per window, compliance over the SLO window, and budget metadata.",
    ));
    out.push_str(&package(service, groups, format));
    out
}

/// Rule groups (any list of `{name, rules}`) as a plain rule file or a `PrometheusRule` object:
/// the one home of both formats, for every renderer of Prometheus rules.
pub(crate) fn package<G: Serialize>(
    service: &ServicePlan,
    groups: G,
    format: PrometheusFormat,
) -> String {
    match format {
        PrometheusFormat::Rules => to_yaml(&RuleFile { groups }),
        PrometheusFormat::Operator => {
            let mut labels = BTreeMap::new();
            labels.insert(
                "app.kubernetes.io/managed-by".to_owned(),
                "slofile".to_owned(),
            );
            labels.insert("slofile/service".to_owned(), service.meta.id.clone());
            to_yaml(&PrometheusRule {
                api_version: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: Metadata {
                    name: format!("slofile-{}", service.meta.id),
                    labels,
                },
                spec: RuleFile { groups },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_escape_spec_text() {
        let mut template = Template::text("a{{ .Foo }} {b\"\n");
        template.push_label("tenant");
        let source = template.source();
        assert!(!source.contains("{{ .Foo"));
        assert_eq!(
            source,
            "a{{ \"{\" }}{{ \"{\" }} .Foo }} {{ \"{\" }}b\"\n{{ $labels.tenant }}"
        );
        let mut labels = BTreeMap::new();
        labels.insert("tenant".to_owned(), "t1".to_owned());
        assert_eq!(template.render(&labels), "a{{ .Foo }} {b\"\nt1");
    }

    #[test]
    fn camel_case_ids() {
        assert_eq!(camel_case("exchange-completion"), "ExchangeCompletion");
        assert_eq!(camel_case("5xx-ratio"), "5xxRatio");
        assert_eq!(camel_case("a--b"), "AB");
    }

    proptest::proptest! {
        #[test]
        fn any_text_survives_yaml_templates_and_promql(text in "\\PC*|[{}\"\\\\\n\r\t#: '$a-z]*") {
            // YAML: label values come back exactly.
            let mut labels = BTreeMap::new();
            labels.insert("title".to_owned(), text.clone());
            let back: BTreeMap<String, String> = serde_saphyr::from_str(&to_yaml(&labels)).unwrap();
            proptest::prop_assert_eq!(&back["title"], &text);
            // Go templates: once the escapes are taken out, no `{` of the text is left to open an
            // action.
            let source = Template::text(&text).source();
            let unescaped = source.replace(&escape_template("{"), "");
            proptest::prop_assert!(!unescaped.contains('{'), "{}", source);
            // PromQL: a string literal reads back as the text.
            let selector = promql::selector("x", &[("title", &text)]);
            match promql_parser::parser::parse(&selector) {
                Ok(promql_parser::parser::Expr::VectorSelector(parsed)) => {
                    proptest::prop_assert_eq!(&parsed.matchers.matchers[0].value, &text);
                }
                other => proptest::prop_assert!(false, "{selector}: {other:?}"),
            }
        }
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment("a\nb\rc"), "# a b c\n");
    }
}
