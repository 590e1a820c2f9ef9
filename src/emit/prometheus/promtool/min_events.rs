//! The `min_events` guard at its edge: every event fails, and the long windows hold one event
//! fewer than `min_events` (no tier is even pending), or exactly `min_events` (every tier is
//! pending, or firing when it has no `for`).
//!
//! All the events arrive in the fifth minute, after four minutes of counters at zero, and the
//! tests look at 5m. Every window then reads exactly those events under both range semantics: a
//! counter that leaves zero within the range is never extrapolated back past its start
//! (Prometheus extrapolates no further than to where it would be zero), so the 5m rate recorded
//! at 5m is `N / 300` whether the range holds the sample at 0 (Prometheus 2) or not
//! (Prometheus 3); and a derived window's count is that one recorded rate times 300, read by the
//! guard's subquery at 5m. Spread over more minutes, Prometheus 3 would extrapolate a rate that
//! starts mid-range and the counts would differ by reading.
//!
//! Floating point decides the exact edge: `rate()` multiplies the increase by `1 / w` (w the
//! range's seconds), the guard multiplies by `w` again (300 for derived windows) and compares
//! with `N`; the product can land an ulp above `N` (50 events read as 50.00000000000001) or,
//! over some raw windows, below it (115 events over 30m read as 114.99999999999999). The exact
//! test is written only where it reads at least `N`; where it does not, the file says so.

use super::file::{ExpSample, ExprTest, TestGroup};
use super::inputs::{Flow, named};
use super::{MINUTE, SloTests};
use crate::compile::{BASE_WINDOW, series};
use crate::emit::prometheus::expr;
use crate::units::{Duration, Ratio};

/// The minute at whose end every event of the test arrives, and when the test looks.
const AT_MINUTE: u64 = 5;

impl SloTests<'_> {
    /// The guard's two edges, and notes on what cannot be tested.
    pub(super) fn min_events_tests(&self, notes: &mut Vec<String>) -> Vec<TestGroup> {
        let Some(min) = self.rules.plan.slo.min_events else {
            return Vec::new();
        };
        if self.tiers.is_empty() || min == 0 {
            return Vec::new();
        }
        if !self.rules.measure.counts_events() {
            notes.push(format!(
                "no min_events test: an error_ratio_query gives no event counts, so the rules cannot enforce min_events {min}"
            ));
            return Vec::new();
        }
        let at = Duration::from_millis(AT_MINUTE * MINUTE);
        let mut groups = Vec::new();
        let mut short = self.guard_group(min - 1);
        short.name = format!(
            "{}: every {} fails, but {} of them, one fewer than min_events {min}, leave every tier quiet, not even pending at {at}",
            self.rules.slo_id(),
            self.rules.measure.noun().trim_end_matches('s'),
            min - 1,
        );
        self.expect_quiet(&mut short, at);
        // The events did arrive, and every one failed.
        let slowest = self.objective(self.slowest_objective());
        short.promql_expr_test.push(
            self.close_to(
                &self
                    .rules
                    .objective_series(&series::error_ratio(BASE_WINDOW), slowest),
                slowest,
                Ratio::ONE,
                at,
            ),
        );
        groups.push(short);
        let counted_short: Vec<String> = self
            .tiers
            .iter()
            .filter(|(_, _, tier)| !counts_exactly(min, self.guard_seconds(tier.long)))
            .map(|(_, _, tier)| super::burn::tier_label(tier))
            .collect();
        if !counted_short.is_empty() {
            notes.push(format!(
                "no test of exactly min_events {min}: in floating point {min} events read as fewer than {min} in the guard of {} ({min} × (1 / w) × w falls short of {min}), so that tier needs one more",
                counted_short.join(", ")
            ));
            return groups;
        }
        let mut exact = self.guard_group(min);
        exact.name = format!(
            "{}: every {} fails, and exactly min_events {min} of them make every tier pending at {at}",
            self.rules.slo_id(),
            self.rules.measure.noun().trim_end_matches('s'),
        );
        for (objective, _, tier) in &self.tiers {
            let Some(alert) = self.alert_of(*objective, tier) else {
                continue;
            };
            let state = if tier.for_.millis() == 0 {
                "firing"
            } else {
                "pending"
            };
            let mut labels = self.alert_series_labels(alert);
            let mut matchers: Vec<(&str, &str)> = vec![
                (series::label::ALERTNAME, alert.name.as_str()),
                (series::label::ALERTSTATE, state),
            ];
            matchers.extend(labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let selector = expr::selector(series::ALERTS, &matchers);
            labels.insert(series::label::ALERTNAME.to_owned(), alert.name.clone());
            labels.insert(series::label::ALERTSTATE.to_owned(), state.to_owned());
            exact.promql_expr_test.push(ExprTest {
                expr: selector,
                eval_time: at.prometheus(),
                exp_samples: vec![ExpSample {
                    labels: named(series::ALERTS, &labels),
                    value: 1,
                }],
            });
        }
        groups.push(exact);
        groups
    }

    /// Counters at zero for four minutes, then `events` events, every one failing, in the fifth.
    fn guard_group(&self, events: u64) -> TestGroup {
        let objectives = self.rules.plan.objectives.len().max(1);
        let still = Flow {
            per_minute: Ratio::ZERO,
            errors: vec![Ratio::ONE; objectives],
        };
        let burst = Flow {
            per_minute: Ratio::integer(i128::from(events)),
            errors: vec![Ratio::ONE; objectives],
        };
        TestGroup {
            name: String::new(),
            interval: "1m".to_owned(),
            input_series: self.phased_input(&[(&still, AT_MINUTE - 1), (&burst, 1)], false),
            alert_rule_test: Vec::new(),
            promql_expr_test: Vec::new(),
        }
    }

    /// The seconds the guard of a tier with this long window multiplies a rate by: the window's,
    /// or the recorded 5m rates' for a derived window.
    fn guard_seconds(&self, long: Duration) -> f64 {
        let window = if self.rules.derives(long) {
            BASE_WINDOW
        } else {
            long
        };
        window.millis() as f64 / 1000.0
    }
}

/// Whether `events` in one rate over `seconds`, times `seconds`, reads at least `events` in
/// floating point, computed as Prometheus computes a rate (the increase times `1 / seconds`, the
/// extrapolation factor being 1 here) and the guard its count.
fn counts_exactly(events: u64, seconds: f64) -> bool {
    let events = events as f64;
    events * (1.0 / seconds) * seconds >= events
}

#[cfg(test)]
mod tests {
    use super::counts_exactly;

    #[test]
    fn some_counts_fall_short_of_themselves_in_floating_point() {
        // 50 · (1 / 300) · 300 = 50.00000000000001, as promtool reads it.
        assert!(counts_exactly(50, 300.0));
        assert!(counts_exactly(20, 3600.0));
        // 115 · (1 / 1800) · 1800 = 114.99999999999999.
        assert!(!counts_exactly(115, 1800.0));
    }
}
