//! Tests of the missing-bucket alerts (see `../bucket_guard.rs`).
//!
//! Every quiet, zero-traffic and missing-data test asserts that no guard is firing or even
//! pending: there every threshold has its bucket (in the Prometheus 2 spelling, and in the
//! Prometheus 3 one `1.0` in the second quiet test), or the whole histogram is absent. Here, one
//! test per threshold drops that threshold's bucket and keeps every other one, and expects exactly
//! that threshold's guard to fire once its `for` has elapsed.

use super::file::{AlertTest, InputSeries, TestGroup};
use super::{MINUTE, Measure, SloTests, expr};
use crate::emit::prometheus::bucket_guard::absent_labels;
use crate::emit::prometheus::{Alert, AlertKind};
use crate::units::Duration;

impl SloTests<'_> {
    /// The SLO's missing-bucket alerts and their thresholds.
    pub(super) fn guard_alerts(&self) -> impl Iterator<Item = (&Alert, Duration)> {
        self.rules
            .alerts
            .iter()
            .filter_map(|alert| match alert.kind {
                AlertKind::BucketMissing { threshold } => Some((alert, threshold)),
                _ => None,
            })
    }

    /// The guards' alert name, once, when the SLO has guards.
    pub(super) fn guard_name(&self) -> Option<String> {
        self.guard_alerts()
            .next()
            .map(|(alert, _)| alert.name.clone())
    }

    /// One test per guarded threshold: without its bucket, its guard fires.
    pub(super) fn bucket_guard_tests(&self) -> Vec<TestGroup> {
        let (super::Shape::Histogram(base), Measure::Histogram { buckets, .. }) =
            (&self.shape, &self.rules.measure)
        else {
            return Vec::new();
        };
        let guarded: Vec<(&Alert, Duration)> = self.guard_alerts().collect();
        let mut groups = Vec::new();
        for (alert, threshold) in &guarded {
            let time = alert.for_.max(Duration::from_millis(MINUTE));
            let steps = time.millis() / MINUTE;
            let seconds = |t: &Duration| t.as_ratio_secs().to_f64();
            let mut boundaries: Vec<f64> = guarded
                .iter()
                .filter(|(_, other)| other != threshold)
                .map(|(_, other)| seconds(other))
                .collect();
            boundaries.push(f64::INFINITY);
            let input_series = boundaries
                .iter()
                .map(|&boundary| InputSeries {
                    series: base.with("le", &expr::le_prometheus2(boundary)).text(),
                    values: format!("0+1000x{steps}"),
                })
                .collect();
            let mut labels = absent_labels(buckets);
            labels.extend(alert.labels.clone());
            let expected = super::burn::expected_with(alert, labels);
            // The condition holds from the first sample (at 0), so the alert fires at its `for`
            // and not a minute earlier.
            let before = (alert.for_.millis() >= MINUTE).then(|| AlertTest {
                eval_time: Duration::from_millis(alert.for_.millis() - MINUTE).prometheus(),
                alertname: alert.name.clone(),
                exp_alerts: Vec::new(),
            });
            groups.push(TestGroup {
                name: format!(
                    "{}: the histogram has data but no bucket at {}: its missing-bucket alert fires after {}{}",
                    self.rules.slo_id(),
                    threshold.human(),
                    alert.for_.human(),
                    if before.is_some() {
                        ", not a minute earlier"
                    } else {
                        ""
                    }
                ),
                interval: "1m".to_owned(),
                input_series,
                alert_rule_test: before
                    .into_iter()
                    .chain([AlertTest {
                        eval_time: time.prometheus(),
                        alertname: alert.name.clone(),
                        exp_alerts: vec![expected],
                    }])
                    .collect(),
                promql_expr_test: Vec::new(),
            });
        }
        groups
    }

    /// Asserts at `time` that no guard fires.
    pub(super) fn expect_guards_quiet(&self, group: &mut TestGroup, time: Duration) {
        if let Some(name) = self.guard_name() {
            group.alert_rule_test.push(AlertTest {
                eval_time: time.prometheus(),
                alertname: name,
                exp_alerts: Vec::new(),
            });
        }
    }
}
