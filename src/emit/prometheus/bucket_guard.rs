//! The missing-bucket alert: the run-time half of the check that a latency threshold is a bucket
//! boundary, for histogram SLIs whose spec does not list `buckets` (see
//! [`crate::compile::BucketGuard`] for when a guard exists and how it is routed).
//!
//! ```text
//! absent(http_request_duration_seconds_bucket{job="api",le=~"0\\.30*"})
//! and on ()
//! count(http_request_duration_seconds_bucket{job="api",le="+Inf"})
//! ```
//!
//! The `le` matcher is the same one the error series use ([`expr::le_regex`]), so it matches
//! the Prometheus 2 spelling (`le="0.3"`, `le="1"`) and the Prometheus 3 one (`le="1.0"`), and the
//! exponent form of very large or small boundaries (`le="1e+06"`). The `and` with the `+Inf`
//! bucket keeps the guard quiet while the whole histogram is absent: that is the missing-data
//! alert's job, and one cause should page once.

use super::{Alert, AlertKind, Measure, SloRules, Template, expr};
use crate::compile::BucketGuard;
use crate::compile::series::BUCKET_ALERT;
use promql_parser::label::MatchOp;
use promql_parser::parser::VectorSelector;
use std::collections::BTreeMap;

/// The label that tells one threshold's guard from another's: the boundary in seconds.
pub(super) const LE_LABEL: &str = "le";

impl SloRules<'_> {
    /// One alert per [`BucketGuard`] of the SLO.
    pub(super) fn bucket_guard_alerts(&self) -> Result<Vec<Alert>, expr::ShapeError> {
        let Measure::Histogram { buckets, .. } = &self.measure else {
            return Ok(Vec::new());
        };
        self.plan
            .bucket_guards()
            .iter()
            .map(|guard| self.bucket_guard_alert(buckets, guard))
            .collect()
    }

    fn bucket_guard_alert(
        &self,
        buckets: &VectorSelector,
        guard: &BucketGuard,
    ) -> Result<Alert, expr::ShapeError> {
        let seconds = guard.threshold.as_ratio_secs();
        let at_threshold = expr::with_matcher(buckets, "le", "=~", &expr::le_regex(seconds))?;
        let all = expr::with_matcher(buckets, "le", "=", "+Inf")?;
        let expr = format!("absent({at_threshold})\nand on ()\ncount({all})");

        let slo = &self.plan.slo;
        let boundary = seconds.to_decimal();
        let mut labels = self.alert_labels(&guard.severity, None);
        labels.insert(LE_LABEL.to_owned(), boundary.clone());
        let measured = match guard.objectives.as_slice() {
            [] => format!("the {} threshold", guard.threshold.human()),
            names => format!(
                "the {} threshold of {}",
                guard.threshold.human(),
                names.join(", ")
            ),
        };
        let mut annotations = BTreeMap::new();
        annotations.insert(
            "summary".to_owned(),
            Template::text(&format!(
                "{}: the histogram has no bucket at {boundary}s",
                slo.title
            )),
        );
        annotations.insert(
            "description".to_owned(),
            Template::text(&format!(
                "`{}` has data but no bucket with le={boundary} for {measured}. A histogram counts events only at its bucket boundaries, so no event counts as within the threshold and the burn-rate alerts of {} read every event as failed. Add a bucket at {boundary}s to the histogram's instrumentation, or change the threshold to one of its boundaries; list the boundaries under `buckets:` in the spec to have slofile check the thresholds when it builds.",
                guard.histogram, slo.title
            )),
        );
        self.links(&mut annotations);
        Ok(Alert {
            name: self.alert_name(BUCKET_ALERT),
            expr,
            for_: guard.for_,
            labels,
            annotations,
            kind: AlertKind::BucketMissing {
                threshold: guard.threshold,
            },
        })
    }
}

/// The labels `absent()` gives its sample: those of the selector's equality matchers. The alert's
/// own labels are added over them.
pub(super) fn absent_labels(selector: &VectorSelector) -> BTreeMap<String, String> {
    selector
        .matchers
        .matchers
        .iter()
        .filter(|m| m.op == MatchOp::Equal && m.name != "__name__")
        .map(|m| (m.name.clone(), m.value.clone()))
        .collect()
}
