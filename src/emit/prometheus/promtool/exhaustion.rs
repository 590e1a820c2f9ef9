//! Tests of the budget-exhaustion alert (see `../exhaustion.rs`): a constant error ratio just
//! above the budget (see `edges.rs`) spends the SLO window's budget from the first recorded rate
//! on, so the alert fires once its `for` has elapsed (with `min_events`, once the window's
//! 5-minute steps hold that many events) and not a minute earlier; just below the budget it is
//! not even pending then.

use super::file::{AlertTest, ExpAlert, TestGroup};
use super::inputs::Shape;
use super::{MINUTE, SloTests};
use crate::emit::prometheus::{Alert, AlertKind};
use crate::units::{Duration, Ratio};

impl SloTests<'_> {
    /// The SLO's budget-exhaustion alerts and their objectives.
    fn exhaustion_alerts(&self) -> impl Iterator<Item = (&Alert, usize)> {
        self.rules
            .alerts
            .iter()
            .filter_map(|alert| match alert.kind {
                AlertKind::BudgetExhausted { objective } => Some((alert, objective)),
                _ => None,
            })
    }

    /// One test per objective: its ratio at twice its budget, and every objective's alert as
    /// that flow leaves it.
    pub(super) fn exhaustion_tests(&self, notes: &mut Vec<String>) -> Vec<TestGroup> {
        if self.exhaustion_alerts().next().is_none() {
            return Vec::new();
        }
        if let Shape::Sampled { .. } = &self.shape {
            notes.push("no budget-exhaustion test: a sampled SLI's compliance over its window depends on the pattern of the whole window".to_owned());
            return Vec::new();
        }
        let objectives = self.rules.plan.objectives.len();
        let mut groups = Vec::new();
        for index in 0..objectives {
            for up in [true, false] {
                match self.exhaustion_test(index, up) {
                    Ok(group) => groups.push(group),
                    Err(note) => notes.push(note),
                }
            }
        }
        groups
    }

    /// Objective `index` just above its budget (`up`: the alert fires once its `for` has
    /// elapsed, not a minute earlier) or just below it (not even pending then).
    fn exhaustion_test(&self, index: usize, up: bool) -> Result<TestGroup, String> {
        let objectives = self.rules.plan.objectives.len();
        let budget = self.objective(index).budget;
        let no_flow = || {
            format!(
                "no budget-exhaustion test for objective {}: no flow puts its ratio at the budget's edge alone",
                index + 1
            )
        };
        let edge = super::edges::edge(budget, self.traffic()).ok_or_else(no_flow)?;
        let ratio = if up { edge.above } else { edge.below };
        let mut targets = vec![None; objectives];
        targets[index] = Some(ratio);
        let flow = self.flow(edge.per_minute, &targets).ok_or_else(no_flow)?;
        let active = self
            .exhaustion_activation(flow.per_minute)
            .ok_or_else(|| "no budget-exhaustion test: min_events is reached exactly".to_owned())?;
        let mut expected: Vec<ExpAlert> = Vec::new();
        let mut name = String::new();
        let mut for_ = Duration::default();
        let mut target = None;
        for (alert, objective) in self.exhaustion_alerts() {
            name.clone_from(&alert.name);
            for_ = alert.for_;
            let share = flow.error_ratio(objective);
            let budget = self.objective(objective).budget;
            if share == budget {
                return Err(format!(
                    "no budget-exhaustion test for objective {}: another objective's ratio equals its budget",
                    index + 1
                ));
            }
            if share > budget {
                expected.push(self.expected(alert));
            }
            if objective == index {
                target = Some(alert);
            }
        }
        let at = Duration::from_millis(active + for_.millis());
        let before = up && for_.millis() > 0;
        let mut group = TestGroup {
            name: format!(
                "{}: the error budget {} at {} the budget {} ({}{} of {} fail){}",
                self.rules.slo_id(),
                if up {
                    "is exhausted"
                } else {
                    "is not exhausted"
                },
                super::edges::times(ratio, budget),
                budget.percent(),
                self.objective_prefix(index),
                ratio.percent(),
                self.rules.measure.noun(),
                match (up, before) {
                    (true, true) => format!(" after {at}, not a minute earlier"),
                    (true, false) => format!(" after {at}"),
                    (false, _) => format!(": not even pending after {at}"),
                }
            ),
            interval: "1m".to_owned(),
            input_series: self.counter_input(&flow, at, false),
            alert_rule_test: Vec::new(),
            promql_expr_test: Vec::new(),
        };
        if before {
            group.alert_rule_test.push(AlertTest {
                eval_time: Duration::from_millis(at.millis() - MINUTE).prometheus(),
                alertname: name.clone(),
                exp_alerts: Vec::new(),
            });
        }
        group.alert_rule_test.push(AlertTest {
            eval_time: at.prometheus(),
            alertname: name,
            exp_alerts: expected,
        });
        if let (false, Some(alert)) = (up, target) {
            group.promql_expr_test.push(self.none_pending(alert, at));
        }
        Ok(group)
    }

    /// When the exhaustion condition first holds under a constant flow: at the first recorded
    /// rate (1m), or with `min_events` at the first 5-minute step whose counted events exceed
    /// it; `None` when a step reaches it exactly (a tie in floating point).
    pub(super) fn exhaustion_activation(&self, per_minute: Ratio) -> Option<u64> {
        let Some(min) = self.rules.plan.slo.min_events else {
            return Some(MINUTE);
        };
        let min = Ratio::integer(i128::from(min));
        for step in 1..=12 * 24 {
            let counted = per_minute.checked_mul(Ratio::integer(5 * step)).ok()?;
            if counted == min {
                return None;
            }
            if counted > min {
                return Some(5 * step as u64 * MINUTE);
            }
        }
        None
    }
}
