//! Burn scenarios: when each alert fires under a constant flow (see `edges.rs` for the flows of
//! counters and histograms), and patterns of bad samples that fire a sampled SLI's tiers.

use super::file::{AlertTest, ExpAlert, ExpSample, ExprTest, TestGroup};
use super::inputs::{Flow, Shape, named};
use super::simulate::{Condition, EVERY_MINUTE, Evaluations, Pattern, Sampling, ceil, simulate};
use super::{HORIZON, MINUTE, SloTests, State};
use crate::compile::{TierPlan, series};
use crate::emit::prometheus::{Alert, AlertKind, Template, expr};
use crate::units::{Duration, Ratio};
use std::collections::BTreeMap;

impl SloTests<'_> {
    /// Burn tests of one policy tier: every objective whose tier can fire at 1.5× its threshold,
    /// in one test when one flow gives every objective its ratio.
    pub(super) fn burn_tests(&self, index: usize) -> Vec<Result<TestGroup, String>> {
        let participants = self.participants(index);
        if participants.is_empty() {
            return Vec::new();
        }
        if let Shape::Sampled { step, .. } = &self.shape {
            return participants
                .iter()
                .map(|(o, t)| self.sampled_burn_test(*o, t, *step))
                .collect();
        }
        self.counter_edge_tests(&participants)
    }

    /// The objectives with an alerting tier at `index` of the policy, and their tiers.
    pub(super) fn participants(&self, index: usize) -> Vec<(usize, &TierPlan)> {
        self.tiers
            .iter()
            .filter(|(_, j, _)| *j == index)
            .map(|(o, _, t)| (*o, *t))
            .collect()
    }

    pub(super) fn counter_burn_test(
        &self,
        participants: &[(usize, &TierPlan)],
        flow: &Flow,
    ) -> Result<TestGroup, String> {
        let Some(&(_, tier)) = participants.first() else {
            return Err("no tier".to_owned());
        };
        let label = tier_label(tier);
        let mut fires = Duration::default();
        let mut targets = Vec::new();
        for &(objective, tier) in participants {
            let active = self
                .counter_activation(flow, objective, tier)
                .ok_or_else(|| format!("{label}: cannot predict when it fires"))?;
            fires = fires.max(Duration::from_millis(active + tier.for_.millis()));
            targets.extend(self.alert_of(objective, tier));
        }
        let mut group = TestGroup {
            name: format!(
                "{} {label} fires at {} after {}{}: {} of {} fail",
                self.rules.slo_id(),
                self.edge_factors(participants, flow),
                fires,
                if tier.for_.millis() > 0 {
                    ", not a minute earlier"
                } else {
                    ""
                },
                self.ratios(participants, flow),
                self.rules.measure.noun(),
            ),
            interval: "1m".to_owned(),
            input_series: self.counter_input(flow, fires, false),
            alert_rule_test: Vec::new(),
            promql_expr_test: Vec::new(),
        };
        let mut times = vec![fires];
        if tier.for_.millis() > 0 {
            times.insert(0, Duration::from_millis(fires.millis() - MINUTE));
        }
        for time in times {
            let states: Vec<(&Alert, State)> = self
                .burn_alerts()
                .map(|(alert, o, t)| (alert, self.counter_state(flow, o, t, time)))
                .collect();
            self.expect_burn(&mut group, time, &targets, &states);
        }
        for &(objective, tier) in participants {
            let short = self
                .rules
                .objective_series(&series::error_ratio(tier.short), self.objective(objective));
            group.promql_expr_test.push(self.close_to(
                &short,
                self.objective(objective),
                flow.error_ratio(objective),
                fires,
            ));
        }
        Ok(group)
    }

    pub(super) fn alert_of(&self, objective: usize, tier: &TierPlan) -> Option<&Alert> {
        self.burn_alerts()
            .find(|(_, o, t)| *o == objective && *t == tier)
            .map(|(alert, _, _)| alert)
    }

    pub(super) fn sampled_burn_test(
        &self,
        objective: usize,
        tier: &TierPlan,
        step: Duration,
    ) -> Result<TestGroup, String> {
        let target = self
            .alert_of(objective, tier)
            .ok_or_else(|| "no alert for a tier".to_owned())?;
        let label = &tier_label(tier);
        let period = (tier.short.millis() / step.millis().max(1)).max(1);
        let wanted = tier
            .error_threshold
            .checked_mul(Ratio::new(3, 2).unwrap_or(Ratio::ONE))
            .and_then(|r| r.checked_mul(Ratio::integer(i128::from(period))))
            .map_err(|_| "threshold too precise".to_owned())?;
        let first = u64::try_from(ceil(wanted))
            .unwrap_or(period)
            .clamp(1, period);
        for bad in first..=period {
            let pattern = Pattern::Spread {
                bad,
                period,
                late: false,
            };
            let mut minute = 0;
            let mut firing = None;
            self.sampled_timeline(
                tier,
                &pattern,
                self.sampling(false),
                HORIZON,
                EVERY_MINUTE,
                |state| {
                    if state == State::Firing {
                        firing = Some(minute);
                        return false;
                    }
                    minute += 1;
                    true
                },
            );
            let Some(fires) = firing else {
                continue;
            };
            let states_at = |time: u64| -> Vec<(&Alert, State)> {
                self.burn_alerts()
                    .map(|(alert, _, t)| {
                        let mut last = State::Unsure;
                        self.sampled_timeline(
                            t,
                            &pattern,
                            self.sampling(false),
                            time,
                            EVERY_MINUTE,
                            |state| {
                                last = state;
                                true
                            },
                        );
                        (alert, last)
                    })
                    .collect()
            };
            let states = states_at(fires * MINUTE);
            // A minute earlier it is known not to fire yet: still pending.
            let before = (fires > 0 && tier.for_.millis() > 0)
                .then(|| states_at((fires - 1) * MINUTE))
                .filter(|states| {
                    states.iter().any(|(alert, state)| {
                        std::ptr::eq(*alert, target) && *state == State::Quiet
                    })
                });
            let fires = Duration::from_millis(fires * MINUTE);
            let mut group = TestGroup {
                name: format!(
                    "{} {label} fires {} {fires}{} with {bad} bad of every {period} {} (threshold {})",
                    self.rules.slo_id(),
                    if before.is_some() { "at" } else { "by" },
                    if before.is_some() {
                        ", not a minute earlier,"
                    } else {
                        ""
                    },
                    self.rules.measure.noun(),
                    tier.error_threshold.percent()
                ),
                interval: super::inputs::sampled_interval(self.sampling(false)),
                input_series: self.sampled_input(&pattern, fires, self.sampling(false)),
                alert_rule_test: Vec::new(),
                promql_expr_test: Vec::new(),
            };
            if let Some(states) = &before {
                let earlier = Duration::from_millis(fires.millis() - MINUTE);
                self.expect_burn(&mut group, earlier, &[target], states);
            }
            self.expect_burn(&mut group, fires, &[target], &states);
            return Ok(group);
        }
        Err(format!(
            "{label}: no pattern of bad {} fires it within {}",
            self.rules.measure.noun(),
            Duration::from_millis(HORIZON).human()
        ))
    }

    /// Expected burn alerts at `time`: all of them when every state is known, else the targets.
    pub(super) fn expect_burn(
        &self,
        group: &mut TestGroup,
        time: Duration,
        targets: &[&Alert],
        states: &[(&Alert, State)],
    ) {
        if states.iter().all(|(_, s)| *s != State::Unsure) {
            group.alert_rule_test.push(AlertTest {
                eval_time: time.prometheus(),
                alertname: self.burn_name(),
                exp_alerts: states
                    .iter()
                    .filter(|(_, s)| *s == State::Firing)
                    .map(|(alert, _)| self.expected(alert))
                    .collect(),
            });
            return;
        }
        for target in targets {
            let firing = states
                .iter()
                .find(|(alert, _)| std::ptr::eq(*alert, *target))
                .is_some_and(|(_, s)| *s == State::Firing);
            let labels = self.alert_series_labels(target);
            let mut matchers: Vec<(&str, &str)> = vec![
                (series::label::ALERTNAME, target.name.as_str()),
                (series::label::ALERTSTATE, "firing"),
            ];
            matchers.extend(labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let mut sample_labels = labels.clone();
            sample_labels.insert(series::label::ALERTNAME.to_owned(), target.name.clone());
            sample_labels.insert(series::label::ALERTSTATE.to_owned(), "firing".to_owned());
            group.promql_expr_test.push(ExprTest {
                expr: expr::selector(series::ALERTS, &matchers),
                eval_time: time.prometheus(),
                exp_samples: if firing {
                    vec![ExpSample {
                        labels: named(series::ALERTS, &sample_labels),
                        value: 1,
                    }]
                } else {
                    Vec::new()
                },
            });
        }
    }

    pub(super) fn alert_series_labels(&self, alert: &Alert) -> BTreeMap<String, String> {
        let mut labels = alert.labels.clone();
        if !matches!(alert.kind, AlertKind::MissingData) {
            labels.extend(self.group.clone());
        }
        labels
    }

    pub(super) fn expected(&self, alert: &Alert) -> ExpAlert {
        expected_with(alert, self.alert_series_labels(alert))
    }

    /// The first evaluation (in ms) at which a tier's condition holds under a constant flow, or
    /// `None` when it never holds or sits exactly on a threshold.
    pub(super) fn counter_activation(
        &self,
        flow: &Flow,
        objective: usize,
        tier: &TierPlan,
    ) -> Option<u64> {
        if flow.error_ratio(objective) <= tier.error_threshold {
            return None;
        }
        self.events_reached(flow, tier)
    }

    /// The first evaluation (in ms) at which the tier's long window holds more than
    /// `min_events` under a constant flow (1m without it: rates need two samples), or `None`
    /// when a step reaches it exactly.
    pub(super) fn events_reached(&self, flow: &Flow, tier: &TierPlan) -> Option<u64> {
        let Some(min) = self.rules.plan.slo.min_events else {
            return Some(MINUTE);
        };
        let min = Ratio::integer(i128::from(min));
        let long_minutes = tier.long.millis().div_ceil(MINUTE).max(1);
        let derived = self.rules.derives(tier.long);
        for minute in 1..=long_minutes {
            // A derived window counts the recorded 5m rates at every fifth minute: 5 minutes
            // of events at each, from the first at 5m (at 0 no rate is recorded yet).
            let counted = if derived { minute / 5 * 5 } else { minute };
            let count = flow
                .per_minute
                .checked_mul(Ratio::integer(i128::from(counted)))
                .ok()?;
            if count == min {
                return None;
            }
            if count > min {
                return Some(minute * MINUTE);
            }
        }
        None
    }

    pub(super) fn counter_state(
        &self,
        flow: &Flow,
        objective: usize,
        tier: &TierPlan,
        time: Duration,
    ) -> State {
        let ratio = flow.error_ratio(objective);
        if ratio == tier.error_threshold {
            return State::Unsure;
        }
        match self.counter_activation(flow, objective, tier) {
            Some(active) if time.millis() >= active + tier.for_.millis() => State::Firing,
            None if ratio > tier.error_threshold => State::Unsure,
            // Active for less than `for` so far, or never active below the threshold.
            Some(_) | None => State::Quiet,
        }
    }

    /// Hands `visit` the state of a tier at every minute up to `until`, until it returns false:
    /// known where every reading of the rules agrees.
    pub(super) fn sampled_timeline(
        &self,
        tier: &TierPlan,
        pattern: &Pattern,
        sampling: Sampling,
        until: u64,
        evaluations: Evaluations,
        visit: impl FnMut(State) -> bool,
    ) {
        simulate(
            &self.tier_condition(tier),
            pattern,
            sampling,
            until,
            evaluations,
            visit,
        );
    }

    /// A tier's alert as the replay sees it.
    pub(super) fn tier_condition(&self, tier: &TierPlan) -> Condition {
        Condition::tier(
            tier,
            [tier.long, tier.short].map(|w| self.rules.derives(w)),
            self.rules.plan.slo.min_events,
        )
    }
}

/// How a tier is named in its test groups and messages: severity and windows, `page 1h/5m`.
pub(super) fn tier_label(tier: &TierPlan) -> String {
    format!("{} {}/{}", tier.severity, tier.long, tier.short)
}

/// An alert as a test expects it, with these labels and its annotations rendered on them.
pub(super) fn expected_with(alert: &Alert, labels: BTreeMap<String, String>) -> ExpAlert {
    ExpAlert {
        exp_annotations: alert
            .annotations
            .iter()
            .map(|(k, v): (&String, &Template)| (k.clone(), v.render(&labels)))
            .collect(),
        exp_labels: labels,
    }
}
