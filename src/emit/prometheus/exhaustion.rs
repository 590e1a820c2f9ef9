//! The budget-exhaustion alert, `<Slo>ErrorBudgetExhausted`: one per objective, when the burn
//! policy asks for it (`budget_exhausted`, off in the built-in policies).
//!
//! It fires when compliance over the SLO window is below the objective, i.e. when the recorded
//! error ratio over the window (`slo:sli_error:ratio_rate<window>`, the same series the budget
//! metadata reads) is above the error budget. With `min_events`, the window must also hold that
//! many events, counted from the recorded 5m rates at 5-minute steps, so that a handful of failed
//! requests on a quiet new service does not declare the budget spent.

use super::SloRules;
use super::alerts::{Alert, AlertKind};
use super::template::Template;
use crate::compile::measure::Measure;
use crate::compile::{BASE_WINDOW, series};
use crate::units::Duration;
use std::collections::BTreeMap;

impl SloRules<'_> {
    /// With `min_events` and an SLI that counts events: the condition, to `and` onto an alert's,
    /// that `window` holds that many events, counted from the recorded 5m rates at 5-minute
    /// steps; and the minimum.
    pub(super) fn events_guard(&self, window: Duration) -> Option<(String, u64)> {
        let min = self.plan.slo.min_events?;
        if !self.measure.counts_events() {
            return None;
        }
        let matching = if self.has_objective_label() {
            " ignoring (objective)"
        } else {
            ""
        };
        let base = BASE_WINDOW;
        let guard = format!(
            "\nand{matching}\nsum_over_time({}[{window}:{base}]) * {} >= {min}",
            self.slo_series(&series::events_rate(base)),
            base.as_ratio_secs().to_decimal()
        );
        Some((guard, min))
    }

    pub(super) fn budget_exhausted_alerts(&self) -> Vec<Alert> {
        let slo = &self.plan.slo;
        let Some(routing) = &slo.budget_exhausted else {
            return Vec::new();
        };
        let window = slo.window;
        let mut alerts = Vec::new();
        for (index, objective) in self.plan.objectives.iter().enumerate() {
            let budget = objective.budget.to_decimal();
            let ratio = self.objective_series(&series::error_ratio(window), objective);
            let mut expr = format!("{ratio} > {budget}");
            // What the window must hold, or how compliance is read, for the description.
            let held = if let Some((guard, min)) = self.events_guard(window) {
                expr.push_str(&guard);
                format!(" The window holds at least {min} {}.", self.measure.noun())
            } else if matches!(self.measure, Measure::ErrorRatioQuery(_)) {
                " Compliance is the average of the 5m error ratios.".to_owned()
            } else {
                String::new()
            };
            let mut labels = self.alert_labels(&routing.severity, None);
            if let Some(name) = &objective.objective.name {
                labels.insert(series::label::OBJECTIVE.to_owned(), name.clone());
            }
            let mut summary = Template::text(&format!(
                "{}: error budget of {} exhausted",
                self.title(objective),
                window.human()
            ));
            self.group_suffix(&mut summary);
            let mut annotations = BTreeMap::new();
            annotations.insert("summary".to_owned(), summary);
            annotations.insert(
                "description".to_owned(),
                Template::text(&format!(
                    "Compliance over the last {} is below the objective of {}: the whole error budget ({}) is spent.{held}",
                    window.human(),
                    self.describe_objective(objective),
                    objective.budget_time.human(),
                )),
            );
            self.links(&mut annotations);
            alerts.push(Alert {
                name: self.alert_name(series::EXHAUSTED_ALERT),
                expr,
                for_: routing.for_,
                labels,
                annotations,
                kind: AlertKind::BudgetExhausted { objective: index },
            });
        }
        alerts
    }
}
