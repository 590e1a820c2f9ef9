//! The PromQL of the dashboard panels. Every query reads series the SLO's recording rules write
//! (named by [`crate::compile::series`], with windows from the Plan) or `ALERTS`, never the
//! user's raw metrics: the dashboard shows what the alerts see. No query divides by a series, so
//! zero traffic never turns into NaN or ±Inf; the recorded ratios are already guarded, and the
//! only divisors here are constants of the Plan and the burn-down's event count, clamped above
//! zero.

use crate::compile::promql_shape::string_literal;
use crate::compile::series::{self, label};
use crate::compile::{BASE_WINDOW, Measure, ObjectivePlan, ServicePlan, SloPlan, TierPlan};
use crate::units::{Duration, Ratio};

/// The least a window's summed event rates count as: with no events at all the burn-down divides
/// nothing by this, and shows the whole budget left instead of NaN.
const EVENTS_FLOOR: &str = "1e-9";

/// Grafana's start of the dashboard's time range, in Unix seconds.
pub const RANGE_START: &str = "${__from:date:seconds}";

/// The queries of one SLO's row.
pub struct SloQueries<'a> {
    pub service: &'a ServicePlan,
    pub plan: &'a SloPlan,
}

impl<'a> SloQueries<'a> {
    pub fn new(service: &'a ServicePlan, plan: &'a SloPlan) -> SloQueries<'a> {
        SloQueries { service, plan }
    }

    fn group_by(&self) -> &[String] {
        &self.plan.slo.group_by
    }

    /// `name{service="…",slo="…"[,objective="…"][,tenant=~"$tenant"]}`: one SLO (and objective),
    /// narrowed to the groups picked in the dashboard's variables.
    pub fn selector(&self, name: &str, objective: Option<&ObjectivePlan>) -> String {
        let mut matchers = vec![
            format!(
                "{}={}",
                label::SERVICE,
                string_literal(&self.service.meta.id)
            ),
            format!("{}={}", label::SLO, string_literal(&self.plan.slo.id)),
        ];
        if let Some(name) = objective.and_then(|o| o.objective.name.as_ref()) {
            matchers.push(format!("{}={}", label::OBJECTIVE, string_literal(name)));
        }
        for group in self.group_by() {
            matchers.push(format!("{group}=~\"${group}\""));
        }
        format!("{name}{{{}}}", matchers.join(","))
    }

    /// A legend: `base`, then the value of each `group_by` label.
    pub fn legend(&self, base: &str) -> String {
        let mut legend = base.to_owned();
        for group in self.group_by() {
            legend.push_str(&format!(" {group}={{{{{group}}}}}"));
        }
        legend
    }

    /// Compliance over the SLO window: the share of good events.
    pub fn compliance(&self, objective: &ObjectivePlan) -> String {
        format!(
            "1 - {}",
            self.selector(&series::error_ratio(self.plan.slo.window), Some(objective))
        )
    }

    /// The share of the error budget left over the SLO window.
    pub fn budget_remaining(&self, objective: &ObjectivePlan) -> String {
        self.selector(series::ERROR_BUDGET_REMAINING, Some(objective))
    }

    /// The budget left as time, in seconds: the remaining share of the budget's time.
    pub fn budget_remaining_time(&self, objective: &ObjectivePlan) -> String {
        format!(
            "{} * {}",
            self.budget_remaining(objective),
            objective.budget_time.as_ratio_secs().to_decimal()
        )
    }

    /// The share of the budget left since the start of the dashboard's range: the failed events
    /// since then over the budget of the events in the SLO window, a ratio of sums (the 5m rates,
    /// sampled every 5m, stand for each 5m's counts). With the range as long as the window it is
    /// exactly the budget the window spent, however uneven the traffic. An `error_ratio_query`
    /// records no counts, so its 5m error ratios are summed against the window's budget instead:
    /// an average over time.
    pub fn burn_down(&self, objective: &ObjectivePlan) -> String {
        let window = self.plan.slo.window;
        let since = format!("and on () (vector(time()) >= {RANGE_START})");
        if !matches!(self.plan.measure, Some(Measure::ErrorRatioQuery(_))) {
            let errors = self.selector(&series::errors_rate(BASE_WINDOW), Some(objective));
            let events = self.selector(&series::events_rate(BASE_WINDOW), None);
            return format!(
                "1 - sum_over_time(({errors} {since})[{window}:{BASE_WINDOW}]) / ignoring ({}) \
                 clamp_min(sum_over_time({events}[{window}:{BASE_WINDOW}]), {EVENTS_FLOOR}) / {}",
                label::OBJECTIVE,
                objective.budget.to_decimal()
            );
        }
        let base = self.selector(&series::error_ratio(BASE_WINDOW), Some(objective));
        let budget_per_window = window
            .ratio_to(BASE_WINDOW)
            .and_then(|steps| steps.checked_mul(objective.budget))
            .unwrap_or(Ratio::ONE);
        format!(
            "1 - sum_over_time(({base} {since})[{window}:{BASE_WINDOW}]) / {}",
            budget_per_window.to_decimal()
        )
    }

    /// The ideal burn-down: the budget spent evenly, to nothing at the end of the window.
    pub fn ideal_burn_down(&self) -> String {
        format!(
            "clamp_min(1 - (vector(time()) - {RANGE_START}) / {}, 0)",
            self.plan.slo.window.as_ratio_secs().to_decimal()
        )
    }

    /// The burn rate over `window`: the error ratio as a multiple of the budget.
    pub fn burn_rate(&self, objective: &ObjectivePlan, window: Duration) -> String {
        format!(
            "{} / {}",
            self.selector(&series::error_ratio(window), Some(objective)),
            objective.budget.to_decimal()
        )
    }

    /// A constant drawn as a line.
    pub fn constant(value: Ratio) -> String {
        format!("vector({})", value.to_decimal())
    }

    /// Events (or probes, or time slices) per second over 5 minutes.
    pub fn traffic(&self) -> String {
        self.selector(&series::events_rate(BASE_WINDOW), None)
    }

    /// The events per second a tier's long window needs to hold `min_events`.
    pub fn min_events_rate(min: u64, tier: &TierPlan) -> Ratio {
        Ratio::new(i128::from(min), 1)
            .and_then(|min| min.checked_div(tier.long.as_ratio_secs()))
            .unwrap_or(Ratio::ZERO)
    }

    /// The share of good events over 5 minutes: under the latency threshold, or good slices.
    pub fn good_share(&self, objective: &ObjectivePlan) -> String {
        format!(
            "1 - {}",
            self.selector(&series::error_ratio(BASE_WINDOW), Some(objective))
        )
    }

    /// The SLO's pending and firing alerts.
    pub fn alerts(&self) -> String {
        self.selector(series::ALERTS, None)
    }

    /// The values of a `group_by` label, for the dashboard variable: read from the one series
    /// every SLO with rules records.
    pub fn label_values(service: &ServicePlan, group: &str) -> String {
        format!(
            "label_values({}{{{}={}}}, {group})",
            series::error_ratio(BASE_WINDOW),
            label::SERVICE,
            string_literal(&service.meta.id)
        )
    }
}
