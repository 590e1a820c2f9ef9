//! Quiet, zero-traffic and missing-data scenarios: nothing fires that should not.

use super::file::{AlertTest, ExpSample, ExprTest, TestGroup};
use super::inputs::{Flow, Shape, named};
use super::simulate::Pattern;
use super::{MINUTE, QUIET_AT, SloTests};
use crate::compile::{BASE_WINDOW, ObjectivePlan, series};
use crate::emit::prometheus::expr;
use crate::units::{Duration, Ratio};

impl SloTests<'_> {
    /// `abs(series - value) < bool 0.000001`, expected to be 1: the series holds the value.
    pub(super) fn close_to(
        &self,
        selector: &str,
        objective: &ObjectivePlan,
        value: Ratio,
        time: Duration,
    ) -> ExprTest {
        let expr = format!("abs({selector} - {}) < bool 0.000001", value.to_decimal());
        self.expect_sample(expr, "", objective, 1, time)
    }

    /// The series holds exactly this value (used for 0 and 1, which are exact in floating point).
    pub(super) fn exactly(
        &self,
        name: &str,
        objective: &ObjectivePlan,
        value: i64,
        time: Duration,
    ) -> ExprTest {
        let expr = self.rules.objective_series(name, objective);
        self.expect_sample(expr, name, objective, value, time)
    }

    /// `expr` returns one sample of an objective's series, named `name`, with this value.
    pub(super) fn expect_sample(
        &self,
        expr: String,
        name: &str,
        objective: &ObjectivePlan,
        value: i64,
        time: Duration,
    ) -> ExprTest {
        let mut labels = self.rules.series_labels(Some(objective));
        labels.extend(self.group.clone());
        ExprTest {
            expr,
            eval_time: time.prometheus(),
            exp_samples: vec![ExpSample {
                labels: named(name, &labels),
                value,
            }],
        }
    }

    pub(super) fn expect_quiet(&self, group: &mut TestGroup, time: Duration) {
        if !self.tiers.is_empty() {
            group.alert_rule_test.push(AlertTest {
                eval_time: time.prometheus(),
                alertname: self.burn_name(),
                exp_alerts: Vec::new(),
            });
        }
        if let Some(missing) = self.missing_alert() {
            group.alert_rule_test.push(AlertTest {
                eval_time: time.prometheus(),
                alertname: missing.name.clone(),
                exp_alerts: Vec::new(),
            });
        }
        self.expect_guards_quiet(group, time);
        // ALERTS also holds pending alerts: no burn-rate, missing-data or missing-bucket
        // condition holds at all. Static alerts are the user's own thresholds and may well fire
        // on this input.
        let mut names = vec![self.burn_name()];
        names.extend(self.missing_alert().map(|a| a.name.clone()));
        names.extend(self.guard_name());
        let selector = format!(
            "ALERTS{{alertname=~{},service={},slo={}}}",
            expr::string_literal(&names.join("|")),
            expr::string_literal(&self.rules.service.meta.id),
            expr::string_literal(self.rules.slo_id())
        );
        for time in [Duration::from_millis(MINUTE), time] {
            group.promql_expr_test.push(ExprTest {
                expr: selector.clone(),
                eval_time: time.prometheus(),
                exp_samples: Vec::new(),
            });
        }
    }

    pub(super) fn quiet_test(&self, prometheus3: bool) -> Option<TestGroup> {
        let lowest = self.tiers.iter().map(|(_, _, t)| t.error_threshold).min()?;
        let time = QUIET_AT;
        let half = lowest.checked_div(Ratio::integer(2)).ok()?;
        let mut group = TestGroup {
            name: String::new(),
            interval: "1m".to_owned(),
            input_series: Vec::new(),
            alert_rule_test: Vec::new(),
            promql_expr_test: Vec::new(),
        };
        if let Shape::Sampled { .. } = &self.shape {
            // Half the lowest threshold is a fraction of a slice in any short window, so the
            // quiet case of a sampled SLI is: every slice good.
            let all_good = Pattern::Spread {
                bad: 0,
                period: 1,
                late: false,
            };
            group.name = format!(
                "{}: nothing fires or is pending while every {} is good",
                self.rules.slo_id(),
                self.rules.measure.noun().trim_end_matches('s')
            );
            let sampling = self.sampling(false);
            group.interval = super::inputs::sampled_interval(sampling);
            group.input_series = self.sampled_input(&all_good, time, sampling);
        } else {
            // Each objective at half its own lowest threshold where one histogram can give
            // that, else every objective at half the lowest threshold of all.
            let own: Vec<Option<Ratio>> = (0..self.rules.plan.objectives.len())
                .map(|o| {
                    self.tiers
                        .iter()
                        .filter(|(objective, _, _)| *objective == o)
                        .map(|(_, _, t)| t.error_threshold)
                        .min()
                        .and_then(|t| t.checked_div(Ratio::integer(2)).ok())
                })
                .collect();
            let flow = self.flow(self.traffic(), &own).or_else(|| {
                let all = vec![Some(half); self.rules.plan.objectives.len()];
                self.flow(self.traffic(), &all)
            })?;
            let ratios: Vec<String> = self
                .rules
                .plan
                .objectives
                .iter()
                .zip(&flow.errors)
                .map(|(o, e)| {
                    let name = o
                        .objective
                        .name
                        .as_ref()
                        .map(|n| format!("{n} "))
                        .unwrap_or_default();
                    format!("{name}{}", e.percent())
                })
                .collect();
            group.name = format!(
                "{}: nothing fires or is pending at half the lowest threshold: {} of {} fail{}",
                self.rules.slo_id(),
                ratios.join(", "),
                self.rules.measure.noun(),
                if prometheus3 {
                    " (Prometheus 3 `le` labels such as `1.0`)"
                } else {
                    ""
                }
            );
            group.input_series = self.counter_input(&flow, time, prometheus3);
            for (index, objective) in self.rules.plan.objectives.iter().enumerate() {
                group.promql_expr_test.push(
                    self.close_to(
                        &self
                            .rules
                            .objective_series(&series::error_ratio(BASE_WINDOW), objective),
                        objective,
                        flow.error_ratio(index),
                        time,
                    ),
                );
            }
        }
        self.expect_quiet(&mut group, time);
        Some(group)
    }

    /// The objective with the highest threshold: slow events fail it and every other one.
    pub(super) fn slowest_objective(&self) -> usize {
        self.rules
            .plan
            .objectives
            .iter()
            .enumerate()
            .max_by_key(|(_, o)| o.objective.threshold)
            .map_or(0, |(i, _)| i)
    }

    pub(super) fn zero_traffic_test(&self) -> TestGroup {
        let time = QUIET_AT;
        let flow = Flow {
            per_minute: Ratio::ZERO,
            errors: vec![Ratio::ZERO; self.rules.plan.objectives.len().max(1)],
        };
        let mut group = TestGroup {
            name: format!(
                "{}: zero traffic fires nothing, and every ratio and budget stays a number (0 and 100%)",
                self.rules.slo_id()
            ),
            interval: "1m".to_owned(),
            input_series: self.counter_input(&flow, time, false),
            alert_rule_test: Vec::new(),
            promql_expr_test: Vec::new(),
        };
        self.expect_quiet(&mut group, time);
        if !self.rules.measure.counts_events() {
            // An error_ratio_query is used as written: without traffic it divides 0 by 0, and
            // the recorded ratio drops that NaN rather than record a number it does not have.
            group.name = format!(
                "{}: zero traffic fires nothing, and the query's 0/0 records no ratio",
                self.rules.slo_id()
            );
            for objective in &self.rules.plan.objectives {
                group.promql_expr_test.push(ExprTest {
                    expr: self
                        .rules
                        .objective_series(&series::error_ratio(BASE_WINDOW), objective),
                    eval_time: time.prometheus(),
                    exp_samples: Vec::new(),
                });
            }
            return group;
        }
        let window = self.rules.plan.slo.window;
        for objective in &self.rules.plan.objectives {
            for w in [BASE_WINDOW, window] {
                group.promql_expr_test.push(self.exactly(
                    &series::error_ratio(w),
                    objective,
                    0,
                    time,
                ));
            }
            group.promql_expr_test.push(self.exactly(
                series::ERROR_BUDGET_REMAINING,
                objective,
                1,
                time,
            ));
        }
        group
    }

    pub(super) fn missing_test(&self) -> Option<TestGroup> {
        let missing = self.missing_alert()?;
        let time = missing.for_;
        let mut group = TestGroup {
            name: format!(
                "{}: without any series the missing-data alert fires after {}{}",
                self.rules.slo_id(),
                missing.for_.human(),
                if time.millis() > 0 {
                    ", not a minute earlier"
                } else {
                    ""
                }
            ),
            interval: "1m".to_owned(),
            input_series: Vec::new(),
            alert_rule_test: Vec::new(),
            promql_expr_test: Vec::new(),
        };
        if time.millis() >= MINUTE {
            group.alert_rule_test.push(AlertTest {
                eval_time: Duration::from_millis(time.millis() - MINUTE).prometheus(),
                alertname: missing.name.clone(),
                exp_alerts: Vec::new(),
            });
        }
        group.alert_rule_test.push(AlertTest {
            eval_time: time.prometheus(),
            alertname: missing.name.clone(),
            exp_alerts: vec![self.expected(missing)],
        });
        if !self.tiers.is_empty() {
            group.alert_rule_test.push(AlertTest {
                eval_time: time.prometheus(),
                alertname: self.burn_name(),
                exp_alerts: Vec::new(),
            });
        }
        // The whole histogram gone is missing data, not a missing bucket: one cause, one alert.
        self.expect_guards_quiet(&mut group, time);
        Some(group)
    }
}
