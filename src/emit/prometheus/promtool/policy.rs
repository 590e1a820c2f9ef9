//! Tests of the error-budget policy's alerts (see `../policy.rs`): for each rule, a constant error
//! ratio just above its threshold (1.005 to 1.01 times it, see `edges.rs`) fires the rule's alert
//! once its `for` has elapsed, and not a minute earlier; as far below it, the alert is not even
//! pending, so a threshold 1% off fails one of the two. Every other rule's alert is expected exactly as that flow leaves it, so each test pins
//! every rule of the objective.

use super::file::{AlertTest, ExpAlert, TestGroup};
use super::inputs::Shape;
use super::{MINUTE, SloTests};
use crate::emit::prometheus::{Alert, AlertKind};
use crate::units::{Duration, Ratio};

impl SloTests<'_> {
    /// The policy's alerts with their objective, rule and threshold.
    fn policy_alerts(&self) -> impl Iterator<Item = (&Alert, usize, &'static str, Ratio)> {
        self.rules
            .alerts
            .iter()
            .filter_map(|alert| match alert.kind {
                AlertKind::BudgetPolicy {
                    objective,
                    rule,
                    threshold,
                } => Some((alert, objective, rule, threshold)),
                _ => None,
            })
    }

    /// Two tests per rule: its alert fires above its threshold and stays quiet below.
    pub(super) fn policy_tests(&self, notes: &mut Vec<String>) -> Vec<TestGroup> {
        if self.policy_alerts().next().is_none() {
            return Vec::new();
        }
        if let Shape::Sampled { .. } = &self.shape {
            notes.push("no budget-policy test: a sampled SLI's compliance over its window depends on the pattern of the whole window".to_owned());
            return Vec::new();
        }
        let rules: Vec<(usize, &'static str, Ratio)> = self
            .policy_alerts()
            .map(|(_, objective, rule, threshold)| (objective, rule, threshold))
            .collect();
        let mut groups = Vec::new();
        for (objective, rule, threshold) in rules {
            if threshold >= Ratio::ONE {
                notes.push(format!(
                    "no budget-policy test of {rule}: its threshold {} is not below 100%",
                    threshold.percent()
                ));
                continue;
            }
            for fires in [true, false] {
                match self.policy_test(objective, rule, threshold, fires) {
                    Ok(group) => groups.push(group),
                    Err(note) => notes.push(note),
                }
            }
        }
        groups
    }

    fn policy_test(
        &self,
        objective: usize,
        rule: &str,
        threshold: Ratio,
        fires: bool,
    ) -> Result<TestGroup, String> {
        let verb = if fires { "fires" } else { "stays quiet" };
        let edge = super::edges::edge(threshold, self.traffic()).ok_or_else(|| {
            format!("no budget-policy test of {rule}: its threshold is out of range")
        })?;
        let ratio = if fires { edge.above } else { edge.below };
        let mut targets = vec![None; self.rules.plan.objectives.len()];
        targets[objective] = Some(ratio);
        let no_flow = || {
            format!(
                "no budget-policy test of {rule} for objective {}: no flow gives its ratio alone",
                objective + 1
            )
        };
        let flow = self.flow(edge.per_minute, &targets).ok_or_else(no_flow)?;
        let active = self.exhaustion_activation(flow.per_minute).ok_or_else(|| {
            format!("no budget-policy test of {rule}: min_events is reached exactly")
        })?;
        let mut expected: Vec<ExpAlert> = Vec::new();
        let mut name = String::new();
        let mut for_ = Duration::default();
        for (alert, of, _, their_threshold) in self.policy_alerts() {
            name.clone_from(&alert.name);
            for_ = alert.for_;
            let share = flow.error_ratio(of);
            if share == their_threshold {
                return Err(format!(
                    "no budget-policy test of {rule}: another rule's threshold equals its ratio"
                ));
            }
            if share > their_threshold {
                expected.push(self.expected(alert));
            }
        }
        let at = Duration::from_millis(active + for_.millis());
        let factor = super::edges::times(ratio, threshold);
        let mut group = TestGroup {
            name: format!(
                "{}: policy {rule} {verb} at {factor} its threshold {} ({} of {} fail){}",
                self.rules.slo_id(),
                threshold.percent(),
                ratio.percent(),
                self.rules.measure.noun(),
                if fires {
                    format!(" after {at}, not a minute earlier")
                } else {
                    format!(": not even pending after {at}")
                }
            ),
            interval: "1m".to_owned(),
            input_series: self.counter_input(&flow, at, false),
            alert_rule_test: Vec::new(),
            promql_expr_test: Vec::new(),
        };
        if fires && for_.millis() > 0 {
            let before: Vec<ExpAlert> = Vec::new();
            group.alert_rule_test.push(AlertTest {
                eval_time: Duration::from_millis(at.millis() - MINUTE).prometheus(),
                alertname: name.clone(),
                exp_alerts: before,
            });
        }
        group.alert_rule_test.push(AlertTest {
            eval_time: at.prometheus(),
            alertname: name,
            exp_alerts: expected,
        });
        if !fires
            && let Some((alert, ..)) = self
                .policy_alerts()
                .find(|(_, of, r, _)| *of == objective && *r == rule)
        {
            group.promql_expr_test.push(self.none_pending(alert, at));
        }
        Ok(group)
    }
}
