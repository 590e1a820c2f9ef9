//! The recording rules of one SLO: events, errors and their ratio per window, compliance over
//! the SLO window, and budget metadata.

use super::expr::ShapeError;
use super::format::Rule;
use super::{SloRules, expr};
use crate::compile::measure::{Errors, Measure};
use crate::compile::{BASE_WINDOW, DERIVED_FROM, ObjectivePlan, series};
use crate::units::Duration;
use std::sync::Arc;

impl SloRules<'_> {
    pub(super) fn record(&mut self) -> Result<(), ShapeError> {
        let window = self.plan.slo.window;
        if let Measure::ErrorRatioQuery(query) = self.measure.clone() {
            for w in self.windows.clone() {
                let text = query.replace("{{window}}", &w.prometheus());
                expr::parse(&text)?;
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
            let on = expr::on_clause(self.group_by());
            let matching = self.objective_matching();
            for &w in &self.windows.clone() {
                if self.derives(w) {
                    self.record_derived(w);
                    continue;
                }
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
                self.record_ratios(w);
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

    /// Whether the rates over `w` are derived from the recorded 5m rates rather than read from
    /// raw series: windows of [`DERIVED_FROM`] or more, for every SLI that counts events except a
    /// gauge. A gauge's time slices are a subquery that reads one sample per slice and series,
    /// not every raw sample, and its 5m rates would count each slice in five overlapping windows.
    /// An `error_ratio_query` is read as written over every window.
    pub(crate) fn derives(&self, w: Duration) -> bool {
        w >= DERIVED_FROM
            && self.measure.counts_events()
            && !matches!(self.measure, Measure::Gauge { .. })
    }

    /// Events and errors per second over `w`, averaged from the recorded 5m rates: each 5m rate
    /// is read once per evaluation instead of every raw sample of the window at every
    /// evaluation. Errors are recorded whenever events are (`or 0 * events`), so both averages
    /// run over the same samples and their ratio is the ratio of the summed 5m rates: weighted by
    /// traffic, exact up to the window's edges, never an average of ratios.
    fn record_derived(&mut self, w: Duration) {
        let events = self.slo_series(&series::events_rate(BASE_WINDOW));
        self.push_record(
            series::events_rate(w),
            format!("avg_over_time({events}[{w}])"),
            None,
        );
        for objective in &self.plan.objectives {
            let errors = self.objective_series(&series::errors_rate(BASE_WINDOW), objective);
            self.push_record(
                series::errors_rate(w),
                format!("avg_over_time({errors}[{w}])"),
                Some(objective),
            );
        }
        self.record_ratios(w);
    }

    /// The number of events over `w`, for `min_events`. A derived window counts the recorded 5m
    /// rates at every fifth minute (a subquery with a 5m step), each times 300 seconds: the
    /// events that happened, up to one 5-minute step at the window's edges, and never more than
    /// were recorded, where the average rate times the window would extrapolate the first
    /// minutes of a new series to the whole window.
    pub(crate) fn events_in(&self, w: Duration) -> String {
        if self.derives(w) {
            let base = BASE_WINDOW;
            format!(
                "sum_over_time({}[{w}:{base}]) * {}",
                self.slo_series(&series::events_rate(base)),
                base.as_ratio_secs().to_decimal()
            )
        } else {
            format!(
                "{} * {}",
                self.slo_series(&series::events_rate(w)),
                w.as_ratio_secs().to_decimal()
            )
        }
    }

    /// `errors / events` over `w`, exactly 0 without events.
    fn record_ratios(&mut self, w: Duration) {
        let matching = self.objective_matching();
        let events = self.slo_series(&series::events_rate(w));
        for objective in &self.plan.objectives {
            let errors = self.objective_series(&series::errors_rate(w), objective);
            self.push_record(
                series::error_ratio(w),
                format!("{errors}\n/{matching} ({events} > 0)\nor\n0 * {errors}"),
                Some(objective),
            );
        }
    }

    pub(super) fn record_metadata(&mut self) {
        let slo = &self.plan.slo;
        let window = slo.window;
        let mut info = self.labels.clone();
        info.insert(series::label::TITLE.to_owned(), slo.title.clone());
        info.insert(series::label::WINDOW.to_owned(), window.prometheus());
        self.recording.push(Rule::recording(
            series::INFO.to_owned(),
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

    pub(super) fn push_record(
        &mut self,
        name: String,
        expr: String,
        objective: Option<&ObjectivePlan>,
    ) {
        let key = objective.and_then(|o| o.objective.name.clone());
        let labels =
            if let Some((_, labels)) = self.shared_labels.iter().find(|(name, _)| *name == key) {
                Arc::clone(labels)
            } else {
                let labels = Arc::new(self.series_labels(objective));
                self.shared_labels.push((key, Arc::clone(&labels)));
                labels
            };
        self.recording.push(Rule::recording(name, expr, labels));
    }
}
