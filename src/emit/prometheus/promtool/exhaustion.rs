//! Tests of the budget-exhaustion alert (see `../exhaustion.rs`): a constant error ratio of twice
//! the budget (at most every event) spends the SLO window's budget from the first recorded rate
//! on, so the alert fires once its `for` has elapsed, and with `min_events` once the window's
//! 5-minute steps hold that many events.

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
            let budget = self.objective(index).budget;
            let ratio = budget
                .checked_mul(Ratio::integer(2))
                .unwrap_or(Ratio::ONE)
                .min(Ratio::ONE);
            let mut targets = vec![None; objectives];
            targets[index] = Some(ratio);
            let flow = self.flow(self.traffic(), &targets);
            let (Some(flow), true) = (flow, ratio > budget) else {
                notes.push(format!(
                    "no budget-exhaustion test for objective {}: no flow exceeds its budget alone",
                    index + 1
                ));
                continue;
            };
            let Some(active) = self.exhaustion_activation(flow.per_minute) else {
                notes.push("no budget-exhaustion test: min_events is reached exactly".to_owned());
                continue;
            };
            let mut expected: Vec<ExpAlert> = Vec::new();
            let mut name = String::new();
            let mut for_ = Duration::default();
            let mut settled = true;
            for (alert, objective) in self.exhaustion_alerts() {
                name.clone_from(&alert.name);
                for_ = alert.for_;
                let share = flow.error_ratio(objective);
                let budget = self.objective(objective).budget;
                settled &= share != budget;
                if share > budget {
                    expected.push(self.expected(alert));
                }
            }
            if !settled {
                notes.push(format!(
                    "no budget-exhaustion test for objective {}: another objective's ratio equals its budget",
                    index + 1
                ));
                continue;
            }
            let fires = Duration::from_millis(active + for_.millis());
            let mut group = TestGroup {
                name: format!(
                    "{}: the error budget is exhausted by {fires} when {} of {} fail",
                    self.rules.slo_id(),
                    ratio.percent(),
                    self.rules.measure.noun()
                ),
                interval: "1m".to_owned(),
                input_series: self.counter_input(&flow, fires, false),
                alert_rule_test: Vec::new(),
                promql_expr_test: Vec::new(),
            };
            if for_.millis() > 0 {
                group.alert_rule_test.push(AlertTest {
                    eval_time: Duration::from_millis(fires.millis() - MINUTE).prometheus(),
                    alertname: name.clone(),
                    exp_alerts: Vec::new(),
                });
            }
            group.alert_rule_test.push(AlertTest {
                eval_time: fires.prometheus(),
                alertname: name,
                exp_alerts: expected,
            });
            groups.push(group);
        }
        groups
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
